"""Command line: `keras-aegan train`, `sample` and `evaluate`."""

import argparse
import importlib.util
import json
import os
import sys

from keras_aegan.cli_common import DATASETS
from keras_aegan.cli_common import load_model_file
from keras_aegan.cli_evaluate import evaluate

# Arguments that define a run's model and data; a run directory resumes
# only with the same values (--epochs may grow, to train further).
RUN_KEYS = (
    "data",
    "limit",
    "batch_size",
    "latent_dim",
    "width",
    "seed",
    "ema_decay",
    "ema_warmup",
)


def _load_data(name, limit, seed):
    from keras_aegan import datasets

    if name == "digits":
        (x, _), (x_test, _) = datasets.load_digits()
    elif name == "ring":
        x = datasets.make_ring(10000, seed=seed)
        x_test = datasets.make_ring(2500, seed=seed + 1)
    else:
        x = datasets.make_grid(10000, seed=seed)
        x_test = datasets.make_grid(2500, seed=seed + 1)
    if limit:
        x = x[:limit]
    return x, x_test


def _tensorboard_available():
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("tensorflow", "tensorboard")
    )


def train(args):
    """Trains an AEGAN and writes samples, a TensorBoard log and the model."""
    import keras

    import keras_aegan

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)
    name = args.name or f"aegan-{args.data}"
    run_dir = os.path.abspath(os.path.join(args.run_dir, name))
    samples_dir = os.path.join(run_dir, "samples")
    log_dir = os.path.join(run_dir, "logs")
    model_path = os.path.join(run_dir, "model.keras")
    backup_dir = os.path.join(run_dir, "backup")
    resuming = _check_run_config(run_dir, args)

    x, x_test = _load_data(args.data, args.limit, args.seed or 0)
    # Host noise: the data order and the noise come from the model's
    # seeded NumPy generator, so a resumed run continues exactly.
    model = keras_aegan.AEGAN(
        latent_dim=args.latent_dim,
        width=args.width,
        seed=args.seed,
        noise="host",
        ema_decay=args.ema_decay or None,
        ema_warmup=args.ema_warmup,
    )
    callbacks = [
        keras_aegan.callbacks.BackupAndRestore(
            backup_dir, save_freq=args.save_every, delete_checkpoint=False
        ),
        keras_aegan.callbacks.SampleGrid(
            samples_dir,
            every=args.every,
            num_samples=64 if args.data == "digits" else 2500,
            reference_data=x_test,
        ),
    ]
    tensorboard = _tensorboard_available()
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir))
        callbacks.append(
            keras_aegan.callbacks.TensorBoardImages(
                log_dir, every=args.every, reference_data=x_test
            )
        )
    # Sample quality (digits-FID, ... or mode coverage) every --every
    # epochs, for the trained weights and their moving average, into
    # the history, logs/metrics.jsonl and TensorBoard's metrics/* tags;
    # listed after TensorBoard, which would otherwise log them twice.
    for ema in (False, True) if model.has_ema else (False,):
        callbacks.append(
            keras_aegan.callbacks.SampleMetrics(
                args.data,
                every=args.every,
                ema=ema,
                log_dir=log_dir,
                fill_value=None,  # no columns of NaN in the progress log
            )
        )
    if not tensorboard:
        log_dir = None
        print(
            "TensorBoard log skipped: it needs TensorFlow and TensorBoard "
            "installed (pip install 'keras-aegan[tensorflow]').",
            file=sys.stderr,
        )
    print(
        f"Training AEGAN on {args.data} ({len(x)} samples) with the "
        f"{keras.backend.backend()} backend for {args.epochs} epochs."
    )
    if resuming:
        print(f"Resuming from the newest checkpoint in {backup_dir}")
    model.fit(
        x,
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=callbacks,
        verbose=args.verbose,
    )
    model.save(model_path)
    print(quality_summary(model, args.data))
    print(f"Samples:     {samples_dir}")
    if log_dir:
        print(f"TensorBoard: {log_dir}  (tensorboard --logdir {log_dir})")
    print(f"Model:       {model_path}")
    return 0


def quality_summary(model, data, seed=0):
    """One line with the trained model's final quality numbers.

    Digits: digits-FID of 359 samples against the test split, the share
    of 1,000 samples the shipped digits CNN labels with probability >=
    0.9 (beside the same share for the real test digits) and the range
    of the class shares. Ring and grid: the PacGAN mode coverage of
    2,500 samples. The moving-average generator is used when the model
    keeps one.

    Args:
        model: A trained model.
        data: `"digits"`, `"ring"` or `"grid"`.
        seed: Seed of the latent codes.

    Returns:
        A string.
    """
    import numpy as np

    from keras_aegan import datasets
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import digit_class_scores
    from keras_aegan.metrics import evaluate_model
    from keras_aegan.metrics.digits_features import digits_reference_floor

    ema = model.has_ema
    which = "EMA generator" if ema else "generator"
    if data != "digits":
        result = evaluate_model(
            model, data, metrics=["mode_coverage"], seed=seed, ema=ema
        )["mode_coverage"]
        make_centers = (
            datasets.ring_centers if data == "ring" else datasets.grid_centers
        )
        modes = len(make_centers())
        return (
            f"Quality ({which}, 2,500 samples): {result['modes']}/{modes} "
            f"modes, {100 * result['high_quality']:.1f} % high-quality "
            f"samples, mode KL {result['kl']:.3f}"
        )
    fid = float(
        evaluate_model(model, "digits", metrics=["fid"], seed=seed, ema=ema)[
            "fid"
        ]
    )
    floor = float(digits_reference_floor()["fid"])
    extractor = DigitsFeatureExtractor()
    samples = model.generate(1000, seed=seed, ema=ema)
    scores = digit_class_scores(samples, extractor)
    _, (x_test, _) = datasets.load_digits()
    real = digit_class_scores(x_test, extractor)
    labels = extractor.predict_labels(samples)
    shares = np.bincount(labels, minlength=10) / len(labels)
    return (
        f"Quality ({which}): digits-FID {fid:.2f} (359 samples vs the "
        f"test split; train/test floor {floor:.2f}), recognisable "
        f"{100 * scores['recognisable']:.0f} % (real test digits "
        f"{100 * real['recognisable']:.0f} %), "
        f"{np.count_nonzero(shares)}/10 classes at "
        f"{100 * shares.min():.1f}-{100 * shares.max():.1f} % each"
    )


def _check_run_config(run_dir, args):
    """Records the run's arguments; on a rerun, checks they match.

    Returns:
        Whether the run directory already holds a checkpoint to resume.
    """
    config = {key: getattr(args, key) for key in RUN_KEYS}
    path = os.path.join(run_dir, "run.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        changed = {
            k: (saved.get(k), v) for k, v in config.items() if saved.get(k) != v
        }
        if changed:
            details = ", ".join(
                f"--{k.replace('_', '-')} was {old!r}, now {new!r}"
                for k, (old, new) in changed.items()
            )
            raise SystemExit(
                f"The run directory {run_dir} belongs to a run with other "
                f"arguments ({details}). Rerun with the same arguments to "
                "resume it, or pass another --name to start a new run."
            )
    else:
        from keras_aegan.utils.atomic import write_text_atomic

        os.makedirs(run_dir, exist_ok=True)
        write_text_atomic(path, json.dumps(config, indent=2))
    return os.path.isdir(os.path.join(run_dir, "backup"))


def sample(args):
    """Loads a saved model and writes a grid of generated samples."""
    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.utils.images import save_png
    from keras_aegan.utils.images import tile_images
    from keras_aegan.utils.images import to_unit_range
    from keras_aegan.utils.lines import line_charts
    from keras_aegan.utils.scatter import scatter_png

    model = load_model_file(args.model)
    samples = model.generate(args.n, seed=args.seed)
    if model.data_kind == "image":
        save_png(args.output, tile_images(to_unit_range(samples)))
    elif model.data_kind == "sequence":
        save_png(args.output, tile_images(line_charts(samples)))
    elif samples.shape[-1] == 2:
        scatter_png(args.output, samples)
    else:
        raise SystemExit(
            "Only image, sequence and 2-D vector models can be drawn. "
            f"Received a model of data shape {model.data_shape}."
        )
    print(f"Wrote {args.n} samples to {args.output}")
    return 0


def _positive(value):
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return number


def _fraction(value):
    number = float(value)
    if not 0.0 <= number < 1.0:
        raise argparse.ArgumentTypeError(
            f"must be a number in [0, 1). Received: {value}"
        )
    return number


def _ema_decay(value):
    if value == "auto":
        return value
    return _fraction(value)


def _non_negative(value):
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= 0. Received: {value}"
        )
    return number


def build_parser():
    """The argument parser of `keras-aegan`."""
    parser = argparse.ArgumentParser(
        prog="keras-aegan",
        description="Train and sample autoencoding GANs (Keras 3). The "
        "backend is chosen with KERAS_BACKEND=tensorflow|torch|jax.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train an AEGAN")
    p.add_argument("--data", choices=DATASETS, default="digits")
    p.add_argument("--epochs", type=_positive, default=60)
    p.add_argument("--batch-size", type=_positive, default=64)
    p.add_argument("--latent-dim", type=_positive, default=None)
    p.add_argument("--width", type=_positive, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--limit", type=_positive, default=None, help="use N samples"
    )
    p.add_argument(
        "--every",
        type=_positive,
        default=5,
        help="interval in epochs of sample grids and metrics",
    )
    p.add_argument(
        "--ema-decay",
        type=_ema_decay,
        default="auto",
        help="decay of the generator/encoder moving average (0: none; "
        "default auto: 0.99 for digits, 0.999 for ring and grid)",
    )
    p.add_argument(
        "--ema-warmup",
        type=_non_negative,
        default=100,
        help="steps over which the EMA decay ramps up from 0",
    )
    p.add_argument(
        "--save-every",
        type=_positive,
        default=50,
        help="checkpoint interval in batches (for resuming)",
    )
    p.add_argument("--run-dir", default="runs")
    p.add_argument(
        "--name",
        default=None,
        help="run name (default: aegan-DATA); rerunning resumes it",
    )
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1)
    p.set_defaults(func=train)

    p = commands.add_parser("sample", help="write samples of a saved model")
    p.add_argument("model", help="path of a .keras file")
    p.add_argument("--n", type=_positive, default=64)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--output", default="samples.png")
    p.set_defaults(func=sample)

    p = commands.add_parser(
        "evaluate", help="measure a saved model's samples (FID, modes, ...)"
    )
    p.add_argument("model", help="path of a .keras file")
    p.add_argument(
        "--data",
        choices=DATASETS,
        default=None,
        help="data set to compare with (default: from the run.json of "
        "`train` next to the model, else digits for 16x16x1 models; "
        "required for other 2-D models)",
    )
    p.add_argument(
        "--num-samples",
        type=_positive,
        default=None,
        help="generated samples (default: 359 for digits, 2500 for ring "
        "and grid)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--ema",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="evaluate the moving averages of the weights (--no-ema: the "
        "trained weights; default: the moving averages when the model "
        "keeps them, like `generate()`)",
    )
    p.add_argument(
        "--json",
        default=None,
        help="where to write the results (default: metrics.json next to "
        "the model)",
    )
    p.set_defaults(func=evaluate)
    return parser


def main(argv=None):
    """Entry point of the `keras-aegan` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
