"""Digits quality: digits-FID, precision/recall, density/coverage, classes.

    python -m benchmarks.quality.digits --backend jax --models aegan,bigan
    python -m benchmarks.quality.digits --backend all --seeds 0,1,2 \\
        --epochs 30 --model-kwargs '{"ema_decay": 0.999}'

Each (backend, model, seed) trains in its own process on the training
split of `keras_aegan.datasets.load_digits()` (1,438 images, 16x16x1):
`cls(seed=seed, **model_kwargs).fit(x, epochs=..., batch_size=...)`.
Then, for the raw generator and (when the model has `ema_decay`) the
EMA generator, with the latent codes of `seed`:

- `keras_aegan.metrics.evaluate_model(model, "digits", ...)`: digits-FID,
  precision/recall (k=3) and density/coverage (k=5) of 359 samples
  against the 359 test images, features of the shipped digits CNN;
- `keras_aegan.metrics.digit_class_scores` of `--class-samples` samples
  (default 1,000, as in the screening of DESIGN.md section 5): the share
  the CNN labels with probability >= 0.9 ("recognisable"), the classes
  seen, and the KL divergence of their histogram from uniform.

With `--mixture 40`, each model with an encoder also gets an
`ema+mix40` row (and `ema+mix40+drs`): the same scores for the EMA
generator decoding codes drawn from a `keras_aegan.LatentMixture` of
40 components fitted to the encoded training split (what
`keras-aegan train` does).

Real-data rows (first backend, every seed): the floor, 359 training
images drawn with the seed against the test split (the best FID,
precision/recall and density/coverage a generator can expect at these
sample sizes), and the ceiling, the class scores of the 359 test
images themselves. The Markdown also quotes the full train-versus-test
floor (1,438 vs 359) of `digits_reference_floor()`.
"""

import sys
import time

from benchmarks.quality import _common

MODULE = "benchmarks.quality.digits"
NAME = "digits"
FEATURE_METRICS = ["fid", "precision_recall", "density_coverage"]
# (scalar, header, decimals, scale)
COLUMNS = [
    ("fid", "digits-FID", 2, 1.0),
    ("precision", "precision", 3, 1.0),
    ("recall", "recall", 3, 1.0),
    ("density", "density", 3, 1.0),
    ("coverage", "coverage", 3, 1.0),
    ("recognisable", "recognisable %", 1, 100.0),
    ("classes", "classes", 1, 1.0),
    ("class_kl", "class KL", 3, 1.0),
    ("class_kl_all", "KL all labels", 3, 1.0),
]
CLASS_SCALARS = {
    "recognisable": "recognisable",
    "classes": "classes",
    "kl": "class_kl",
    "kl_all": "class_kl_all",
}
FLOOR = "train vs test (floor)"
CEILING = "test split (ceiling)"


def _parse(argv):
    parser = _common.make_parser(
        MODULE, __doc__, NAME, epochs=30, batch_size=64
    )
    parser.add_argument(
        "--class-samples",
        type=int,
        default=1000,
        help="Generated samples for the class scores.",
    )
    args = parser.parse_args(argv)
    if args.class_samples < 1:
        parser.error("--class-samples must be >= 1")
    return _common.finish_args(parser, args)


def class_scalars(result):
    """Names the values of a `digit_class_scores` result for the table."""
    return {CLASS_SCALARS.get(k, k): v for k, v in result.value.items()}


# ------------------------------------------------------------ child
def _tile(images):
    from keras_aegan.utils import tile_images

    tile = tile_images(images[: _common.GALLERY_TILES], columns=8)
    return _common.upscale(tile, 2)


def run_one(args):
    """Trains and scores one (model, seed) on this backend."""
    import keras

    import keras_aegan
    from keras_aegan.datasets import load_digits
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import digit_class_scores
    from keras_aegan.metrics import evaluate_model
    from keras_aegan.metrics import frechet_distance
    from keras_aegan.metrics import metric_scalars
    from keras_aegan.metrics.evaluation import json_ready

    record = _common.base_record(args, NAME)
    (x_train, _), (x_test, _) = load_digits()
    extractor = DigitsFeatureExtractor()
    if args.model == _common.REAL:
        return _real(args, record, extractor, x_train, x_test)
    cls, message = _common.resolve_model_class(args.model, keras_aegan)
    if cls is None:
        return {"skipped": message}
    model, info = _common.train_model(cls, x_train, args)
    record.update(info, model_class=cls.__name__)
    record["saved_model"] = _common.maybe_save(model, args, NAME)
    evaluations, tiles = [], {}
    start = time.perf_counter()
    generators = _common.generator_variants(
        model, refine=True, mixtures=args.mixture_list
    )
    mixtures, record["mixture_fit_s"] = _common.fit_mixtures(
        model, x_train, generators, args.seed
    )
    for generator in generators:
        ema = generator.startswith("ema")
        if generator.endswith("+drs"):
            # Discriminator rejection sampling: digits-FID of as many
            # refined samples as test images, and the class scores.
            refined = _common.generate_for(
                model, generator, len(x_test), args.seed, mixtures
            )
            results = {
                "fid": frechet_distance(
                    extractor(x_test),
                    extractor(refined),
                    protocol={"generator": generator, "seed": args.seed},
                )
            }
        else:
            results = evaluate_model(
                model,
                "digits",
                metrics=FEATURE_METRICS,
                seed=args.seed,
                ema=ema,
                latent=mixtures.get(_common.mixture_components(generator)),
                extractor=extractor,
            )
        samples = _common.generate_for(
            model, generator, args.class_samples, args.seed, mixtures
        )
        classes = digit_class_scores(
            samples,
            extractor,
            protocol={
                "generator": generator,
                "seed": args.seed,
                "backend": keras.backend.backend(),
            },
        )
        scalars = metric_scalars(results)
        scalars.update(class_scalars(classes))
        results["digit_classes"] = classes
        evaluations.append(
            {
                "generator": generator,
                "scalars": scalars,
                "results": json_ready(results),
            }
        )
        tiles[generator] = _tile(samples)
    record.update(
        eval_s=time.perf_counter() - start,
        evaluations=evaluations,
        tiles=tiles,
    )
    return record


def _real(args, record, extractor, x_train, x_test):
    """The floor (train draw vs test) and ceiling (test) rows."""
    import numpy as np

    from keras_aegan.metrics import density_coverage
    from keras_aegan.metrics import digit_class_scores
    from keras_aegan.metrics import frechet_distance
    from keras_aegan.metrics import metric_scalars
    from keras_aegan.metrics import precision_recall
    from keras_aegan.metrics.evaluation import json_ready

    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    index = rng.choice(len(x_train), size=len(x_test), replace=False)
    real = extractor(x_test)
    drawn = extractor(x_train[index])
    protocol = {
        **extractor.protocol,
        "data": "digits",
        "reference": "load_digits() test split",
        "reference_split": "test",
        "generated": f"{len(x_test)} training images drawn with seed",
        "seed": args.seed,
    }
    floor = {
        "fid": frechet_distance(real, drawn, protocol),
        "precision_recall": precision_recall(real, drawn, 3, protocol=protocol),
        "density_coverage": density_coverage(real, drawn, 5, protocol=protocol),
    }
    ceiling = digit_class_scores(
        x_test, extractor, protocol={"generated": "load_digits() test split"}
    )
    record.update(
        model=_common.REAL,
        model_class=None,
        steps=None,
        train_s=None,
        eval_s=time.perf_counter() - start,
        evaluations=[
            {
                "generator": FLOOR,
                "scalars": metric_scalars(floor),
                "results": json_ready(floor),
            },
            {
                "generator": CEILING,
                "scalars": class_scalars(ceiling),
                "results": json_ready({"digit_classes": ceiling}),
            },
        ],
        tiles={CEILING: _tile(x_test), FLOOR: _tile(x_train[index])},
    )
    return record


# ------------------------------------------------------------ parent
def report(records, args, argv, notes, floor=None):
    """The Markdown summary of all records."""
    rows = _common.evaluation_rows(records)
    groups = _common.group_rows(rows)
    lines = _common.header_lines(
        "Digits quality",
        MODULE,
        args,
        argv,
        "DESIGN.md section 5: 359 generated samples (latent codes of the "
        "seed) vs the 359 test images of `load_digits()` for digits-FID, "
        "precision/recall (k=3), density/coverage (k=5), features of the "
        f"shipped digits CNN; class scores of {args.class_samples} "
        "samples (recognisable: CNN probability >= 0.9; class KL over "
        "the recognisable samples' labels, KL all labels over every "
        "sample's).",
    )
    lines.append(
        _common.summary_table(
            groups, COLUMNS, ["model", "backend", "generator"]
        )
    )
    lines.append("")
    if floor is not None:
        lines.append(
            f"Full train/test floor (1,438 train vs 359 test images): "
            f"digits-FID {floor:.3f} (`digits_reference_floor()`)."
        )
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
    floor = _reference_floor()
    markdown = report(records, args, argv, notes, floor)
    groups = _common.group_rows(_common.evaluation_rows(records))
    gallery = _common.gallery_rows(
        groups, tiles, lambda key: " / ".join(str(k) for k in key)
    )
    out = {
        "benchmark": NAME,
        "date": time.strftime("%Y-%m-%d"),
        "argv": argv,
        "fid_floor_train_vs_test": floor,
        "notes": notes,
        "records": records,
    }
    for path in _common.write_outputs(args.out, out, markdown, gallery):
        print(f"wrote {path}")
    print(markdown)
    return 1 if any(n.startswith("failed") for n in notes) else 0


def _reference_floor():
    """The stored full-split FID floor, read without importing Keras."""
    import json
    import os

    path = os.path.join(
        _common.ROOT, "keras_aegan", "metrics", "assets", "digits_cnn.json"
    )
    try:
        with open(path) as f:
            return float(json.load(f)["floor"]["fid"]["value"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


if __name__ == "__main__":
    sys.exit(main())
