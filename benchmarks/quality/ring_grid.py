"""Ring and grid mode coverage beside the published PacGAN numbers.

    python -m benchmarks.quality.ring_grid --backend jax --models aegan
    python -m benchmarks.quality.ring_grid --backend all --datasets grid \\
        --models aegan,bigan --steps 5000 --seeds 0,1,2,3,4

Each (backend, data set, model, seed) trains in its own process on
`--train-samples` points of `keras_aegan.datasets.make_ring` or
`make_grid` (drawn with the seed): `cls(seed=seed,
**model_kwargs).fit(x, epochs=..., batch_size=...)`. Then, for the raw
generator, (when the model has `ema_decay`) the EMA generator and
(with `--mixture K`, for models with an encoder) the EMA generator fed
codes from a `LatentMixture` of K components fitted to the encoded
training points, `keras_aegan.metrics.evaluate_model(model, "ring" | "grid",
metrics=["mode_coverage"])` scores 2,500 samples with the latent codes
of the seed, the protocol of PacGAN and VEEGAN (DESIGN.md section 5):
8 Gaussians on the unit circle with sigma 0.01 or 25 on
{-4, -2, 0, 2, 4}^2 with sigma 0.05; a sample is high quality (HQ)
within 3 sigma of its nearest centre; a mode is captured with at least
one HQ sample; KL(mode histogram of HQ samples || uniform).

The real-data row scores a fresh draw of the mixture (a perfect
sampler: all modes, 98.9 % HQ, KL near 0). The published rows are
PacGAN's Table 1 (mean of 10 trials, about 400k steps).
"""

import argparse
import sys
import time

from benchmarks.quality import _common

MODULE = "benchmarks.quality.ring_grid"
NAME = "ring_grid"
DATASETS = ("ring", "grid")
NUM_MODES = {"ring": 8, "grid": 25}
# (scalar, header, decimals, scale)
COLUMNS = [
    ("modes", "modes", 1, 1.0),
    ("high_quality", "high quality %", 1, 100.0),
    ("mode_kl", "KL", 3, 1.0),
]
# PacGAN (Lin et al., 2018) Table 1: (method, modes, high-quality %).
PUBLISHED = {
    "ring": [("GAN", 6.3, 98.2), ("ALI", 6.6, 97.6), ("PacGAN2", 7.9, 95.6)],
    "grid": [
        ("GAN", 17.3, 94.8),
        ("ALI", 24.1, 95.7),
        ("PacGAN4", 24.8, 93.6),
    ],
}
TARGETS = {"ring": "8/8 modes, >= 98 % HQ", "grid": "25/25 modes, >= 96 % HQ"}
# Plot extents of the gallery's scatter plots.
EXTENTS = {"ring": (-1.5, 1.5, -1.5, 1.5), "grid": (-6.0, 6.0, -6.0, 6.0)}
REAL_GENERATOR = "fresh draw (perfect sampler)"


def _parse(argv):
    parser = _common.make_parser(
        MODULE, __doc__, NAME, epochs=30, batch_size=256
    )
    parser.add_argument(
        "--datasets",
        default="ring,grid",
        help="Comma-separated: ring, grid.",
    )
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument(
        "--train-samples",
        type=int,
        default=20000,
        help="Training points drawn from the mixture.",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=2500,
        help="Generated samples scored (2,500 in the protocol).",
    )
    args = parser.parse_args(argv)
    args.dataset_list = _common.parse_names(args.datasets)
    unknown = [d for d in args.dataset_list if d not in DATASETS]
    if unknown or not args.dataset_list:
        parser.error(f"--datasets must name ring and/or grid: {unknown}")
    if args.train_samples < 1 or args.samples < 2:
        parser.error("--train-samples must be >= 1 and --samples >= 2")
    return _common.finish_args(parser, args)


def published_table(dataset):
    """The published rows of `dataset` as a Markdown table."""
    modes = NUM_MODES[dataset]
    rows = [
        [name, f"{m:.1f} / {modes}", f"{hq:.1f}"]
        for name, m, hq in PUBLISHED[dataset]
    ]
    return _common.markdown_table(
        ["PacGAN Table 1 (10 trials, ~400k steps)", "modes", "high quality %"],
        rows,
    )


# ------------------------------------------------------------ child
def run_one(args):
    """Trains and scores one (data set, model, seed) on this backend."""
    import keras_aegan
    from keras_aegan import datasets
    from keras_aegan.metrics import evaluate_model
    from keras_aegan.metrics import metric_scalars
    from keras_aegan.metrics import mode_coverage
    from keras_aegan.metrics.evaluation import TOY_REFERENCE_SEED
    from keras_aegan.metrics.evaluation import json_ready
    from keras_aegan.utils import scatter_image

    dataset = args.dataset
    make = datasets.make_ring if dataset == "ring" else datasets.make_grid
    reference = make(args.samples, seed=TOY_REFERENCE_SEED)

    def tile(points):
        image = scatter_image(
            points, reference=reference, size=128, extent=EXTENTS[dataset]
        )
        return _common.framed(image)

    record = _common.base_record(args, NAME)
    record["dataset"] = dataset
    start = time.perf_counter()
    if args.model == _common.REAL:
        centers = (
            datasets.ring_centers()
            if dataset == "ring"
            else datasets.grid_centers()
        )
        std = 0.01 if dataset == "ring" else 0.05
        fresh = make(args.samples, seed=args.seed)
        result = mode_coverage(
            fresh, centers, std, protocol={"generated": "fresh draw"}
        )
        record.update(
            model_class=None,
            steps=None,
            train_s=None,
            eval_s=time.perf_counter() - start,
            evaluations=[
                {
                    "generator": REAL_GENERATOR,
                    "scalars": metric_scalars([result]),
                    "results": json_ready({"mode_coverage": result}),
                }
            ],
            tiles={REAL_GENERATOR: tile(fresh)},
        )
        return record
    cls, message = _common.resolve_model_class(args.model, keras_aegan)
    if cls is None:
        return {"skipped": message}
    x = make(args.train_samples, seed=args.seed)
    model, info = _common.train_model(cls, x, args)
    record.update(info, model_class=cls.__name__)
    record["saved_model"] = _common.maybe_save(model, args, f"{NAME}_{dataset}")
    evaluations, tiles = [], {}
    start = time.perf_counter()
    generators = _common.generator_variants(model, mixtures=args.mixture_list)
    mixtures, record["mixture_fit_s"] = _common.fit_mixtures(
        model, x, generators, args.seed
    )
    for generator in generators:
        results = evaluate_model(
            model,
            dataset,
            metrics=["mode_coverage"],
            num_samples=args.samples,
            seed=args.seed,
            ema=generator.startswith("ema"),
            latent=mixtures.get(_common.mixture_components(generator)),
        )
        evaluations.append(
            {
                "generator": generator,
                "scalars": metric_scalars(results),
                "results": json_ready(results),
            }
        )
        samples = _common.generate_for(
            model, generator, args.samples, args.seed, mixtures
        )
        tiles[generator] = tile(samples)
    record.update(
        eval_s=time.perf_counter() - start,
        evaluations=evaluations,
        tiles=tiles,
    )
    return record


# ------------------------------------------------------------ parent
KEYS = ("dataset", "model", "backend", "generator")


def report(records, args, argv, notes):
    """The Markdown summary: per data set, our rows then published."""
    rows = _common.evaluation_rows(
        records, keys=("dataset", "model", "backend")
    )
    lines = _common.header_lines(
        "Ring and grid mode coverage",
        MODULE,
        args,
        argv,
        f"DESIGN.md section 5 (PacGAN/VEEGAN): {args.samples} generated "
        "samples with the latent codes of the seed; HQ within 3 sigma of "
        "the nearest centre; KL of the HQ samples' mode histogram from "
        f"uniform; {args.train_samples} training points per run.",
    )
    for dataset in args.dataset_list:
        members = [r for r in rows if r["dataset"] == dataset]
        groups = _common.group_rows(members, keys=KEYS[1:])
        lines += [
            f"## {dataset} ({NUM_MODES[dataset]} modes; target: "
            f"{TARGETS[dataset]})",
            "",
            _common.summary_table(
                groups, COLUMNS, ["model", "backend", "generator"]
            ),
            "",
            published_table(dataset),
            "",
        ]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    if args.child_json:
        return _common.child_main(args, MODULE, run_one)
    jobs = []
    for dataset in args.dataset_list:
        models = ([] if args.no_real else [_common.REAL]) + args.model_list
        jobs += [{"model": m, "dataset": dataset} for m in models]
    records, tiles, notes = _common.run_children(MODULE, args, argv, jobs)
    markdown = report(records, args, argv, notes)
    rows = _common.evaluation_rows(
        records, keys=("dataset", "model", "backend")
    )
    groups = _common.group_rows(rows, keys=KEYS)
    gallery = _common.gallery_rows(
        groups, tiles, lambda key: " / ".join(str(k) for k in key)
    )
    out = {
        "benchmark": NAME,
        "date": time.strftime("%Y-%m-%d"),
        "argv": argv,
        "published": PUBLISHED,
        "notes": notes,
        "records": records,
    }
    for path in _common.write_outputs(args.out, out, markdown, gallery):
        print(f"wrote {path}")
    print(markdown)
    return 1 if any(n.startswith("failed") for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
