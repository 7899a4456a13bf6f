"""Stacked digits (1,000 modes) beside the published Stacked-MNIST numbers.

    python -m benchmarks.quality.stacked --backend jax --models aegan
    python -m benchmarks.quality.stacked --backend all --models aegan,bigan \\
        --epochs 20 --seeds 0,1,2

Each (backend, model, seed) trains in its own process on
`--train-samples` images of
`keras_aegan.datasets.make_stacked_digits(n, seed=seed, split="train")`
(16x16x3: three independently drawn training digits stacked as
channels): `cls(seed=seed, **model_kwargs).fit(x, epochs=...,
batch_size=...)`. Then, for the raw generator and (when the model has
`ema_decay`) the EMA generator, 26,000 samples with the latent codes of
the seed are scored by `keras_aegan.metrics.stacked_mode_coverage`: the
shipped digits CNN labels each channel, a mode is the triple of labels;
modes seen at least once and KL(mode histogram || uniform over 1,000)
(DESIGN.md section 5, the protocol of VEEGAN and PacGAN).

With `--mixture 40,200`, each model with an encoder also gets rows
`ema+mix40`, `ema+mix200`: the EMA generator decoding codes drawn
from a `keras_aegan.LatentMixture` of that many components fitted to
the encoded training images (the same 26,000-sample scoring).

The real-data row scores 26,000 stacked test digits
(`split="test"`), a perfect sampler of held-out digits. The published
rows are for 28x28 Stacked-MNIST with the papers' own networks.
"""

import sys
import time

from benchmarks.quality import _common

MODULE = "benchmarks.quality.stacked"
NAME = "stacked"
# (scalar, header, decimals, scale)
COLUMNS = [
    ("modes", "modes", 1, 1.0),
    ("kl", "KL", 3, 1.0),
    ("recognisable", "all 3 recognisable %", 1, 100.0),
]
# (method, modes, KL): PacGAN Tables 2-3 and VEEGAN's table.
PUBLISHED = [
    ("DCGAN", 99, 3.40),
    ("ALI", 16, 5.40),
    ("Unrolled GAN", 48.7, 4.32),
    ("VEEGAN", 150, 2.95),
    ("PacDCGAN2", 1000, 0.06),
]
TARGET = ">= 990 modes with KL <= 0.1"
REAL_GENERATOR = "stacked test digits (perfect sampler)"


def _parse(argv):
    parser = _common.make_parser(
        MODULE, __doc__, NAME, epochs=10, batch_size=64
    )
    parser.add_argument(
        "--train-samples",
        type=int,
        default=20000,
        help="Stacked training images (drawn with the seed).",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=26000,
        help="Generated samples scored (26,000 in the protocol).",
    )
    args = parser.parse_args(argv)
    if args.train_samples < 1 or args.samples < 1:
        parser.error("--train-samples and --samples must be >= 1")
    return _common.finish_args(parser, args)


def published_table():
    """The published rows as a Markdown table."""
    rows = [[name, f"{m:g}", f"{kl:.2f}"] for name, m, kl in PUBLISHED]
    return _common.markdown_table(
        ["published (28x28 Stacked-MNIST, 26,000 samples)", "modes", "KL"],
        rows,
    )


# ------------------------------------------------------------ child
def _tile(images):
    from keras_aegan.utils import tile_images

    tile = tile_images(images[: _common.GALLERY_TILES], columns=8)
    return _common.upscale(tile, 2)


def run_one(args):
    """Trains and scores one (model, seed) on this backend."""
    import keras

    import keras_aegan
    from keras_aegan.datasets import make_stacked_digits
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import stacked_mode_coverage
    from keras_aegan.metrics.evaluation import json_ready

    record = _common.base_record(args, NAME)
    extractor = DigitsFeatureExtractor()
    start = time.perf_counter()
    if args.model == _common.REAL:
        images, _ = make_stacked_digits(args.samples, args.seed, "test")
        result = stacked_mode_coverage(
            images,
            extractor,
            protocol={"generated": "make_stacked_digits(split='test')"},
        )
        record.update(
            model_class=None,
            steps=None,
            train_s=None,
            eval_s=time.perf_counter() - start,
            evaluations=[
                {
                    "generator": REAL_GENERATOR,
                    "scalars": dict(result.value),
                    "results": json_ready({"stacked_mode_coverage": result}),
                }
            ],
            tiles={REAL_GENERATOR: _tile(images)},
        )
        return record
    cls, message = _common.resolve_model_class(args.model, keras_aegan)
    if cls is None:
        return {"skipped": message}
    x, _ = make_stacked_digits(args.train_samples, args.seed, "train")
    model, info = _common.train_model(cls, x, args)
    record.update(info, model_class=cls.__name__)
    record["saved_model"] = _common.maybe_save(model, args, NAME)
    evaluations, tiles = [], {}
    start = time.perf_counter()
    generators = _common.generator_variants(model, mixtures=args.mixture_list)
    mixtures, record["mixture_fit_s"] = _common.fit_mixtures(
        model, x, generators, args.seed
    )
    for generator in generators:
        samples = _common.generate_for(
            model, generator, args.samples, args.seed, mixtures
        )
        result = stacked_mode_coverage(
            samples,
            extractor,
            protocol={
                "generator": generator,
                "seed": args.seed,
                "backend": keras.backend.backend(),
            },
        )
        evaluations.append(
            {
                "generator": generator,
                "scalars": dict(result.value),
                "results": json_ready({"stacked_mode_coverage": result}),
            }
        )
        tiles[generator] = _tile(samples)
    record.update(
        eval_s=time.perf_counter() - start,
        evaluations=evaluations,
        tiles=tiles,
    )
    return record


# ------------------------------------------------------------ parent
def report(records, args, argv, notes):
    """The Markdown summary: our rows, then the published ones."""
    groups = _common.group_rows(_common.evaluation_rows(records))
    lines = _common.header_lines(
        "Stacked digits (1,000 modes)",
        MODULE,
        args,
        argv,
        f"DESIGN.md section 5: {args.samples} generated samples with the "
        "latent codes of the seed, each channel labelled by the shipped "
        "digits CNN; modes = class triples seen at least once; KL of all "
        "samples' mode histogram from uniform over 1,000; "
        f"{args.train_samples} stacked training images per run. "
        f"Target: {TARGET}.",
    )
    lines += [
        _common.summary_table(
            groups, COLUMNS, ["model", "backend", "generator"]
        ),
        "",
        published_table(),
        "",
    ]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    if args.child_json:
        return _common.child_main(args, MODULE, run_one)
    jobs = [] if args.no_real else [{"model": _common.REAL}]
    jobs += [{"model": m} for m in args.model_list]
    records, tiles, notes = _common.run_children(MODULE, args, argv, jobs)
    markdown = report(records, args, argv, notes)
    groups = _common.group_rows(_common.evaluation_rows(records))
    gallery = _common.gallery_rows(
        groups, tiles, lambda key: " / ".join(str(k) for k in key)
    )
    out = {
        "benchmark": NAME,
        "date": time.strftime("%Y-%m-%d"),
        "argv": argv,
        "published": [list(p) for p in PUBLISHED],
        "notes": notes,
        "records": records,
    }
    for path in _common.write_outputs(args.out, out, markdown, gallery):
        print(f"wrote {path}")
    print(markdown)
    return 1 if any(n.startswith("failed") for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
