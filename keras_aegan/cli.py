"""Command line: `keras-aegan train`, `sample`, `reconstruct`,
`interpolate`, `encode`, `evaluate` and `anomaly fit|score`."""

import argparse
import sys
import textwrap

from keras_aegan.anomaly.model_scorer import SCORES
from keras_aegan.cli_anomaly import anomaly_fit
from keras_aegan.cli_anomaly import anomaly_score
from keras_aegan.cli_common import DATASETS
from keras_aegan.cli_common import MODELS
from keras_aegan.cli_common import positive as _positive
from keras_aegan.cli_common import positive_float
from keras_aegan.cli_common import scale
from keras_aegan.cli_data import add_data_options
from keras_aegan.cli_evaluate import DEFAULT_REFERENCE
from keras_aegan.cli_evaluate import FEATURES_HELP
from keras_aegan.cli_evaluate import evaluate
from keras_aegan.cli_pictures import encode
from keras_aegan.cli_pictures import interpolate
from keras_aegan.cli_pictures import reconstruct
from keras_aegan.cli_pictures import sample
from keras_aegan.cli_train import RUN_KEYS
from keras_aegan.cli_train import quality_summary
from keras_aegan.cli_train import train

__all__ = [
    "RUN_KEYS",
    "anomaly_fit",
    "anomaly_score",
    "build_parser",
    "encode",
    "evaluate",
    "interpolate",
    "main",
    "quality_summary",
    "reconstruct",
    "sample",
    "train",
]

DATA_HELP = (
    "built-in data ({}) or your own: a folder of images (searched "
    "recursively; class subfolders allowed), a .npy/.npz array (images "
    "(N, H, W[, C]), sequences (N, T, C) or vectors (N, D)) or a "
    ".csv/.tsv/.parquet table of numeric columns (vectors)"
).format(", ".join(DATASETS))


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


def _contamination(value):
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0.0 < number <= 0.5:
        raise argparse.ArgumentTypeError(
            f"must be a number in (0, 0.5]. Received: {value}"
        )
    return number


def _non_negative(value):
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= 0. Received: {value}"
        )
    return number


def _add_train(commands):
    p = commands.add_parser(
        "train",
        help="train a model on built-in or your own data",
        description="Train an autoencoding GAN. Writes RUN_DIR/NAME/ with "
        "samples/, logs/ (TensorBoard), backup/ (checkpoints), run.json "
        "and model.keras; the same command run again resumes the run.",
    )
    p.add_argument("--data", default="digits", help=DATA_HELP)
    p.add_argument(
        "--model",
        choices=tuple(MODELS),
        default="aegan",
        help="which model of the family to train (default: aegan)",
    )
    p.add_argument(
        "--epochs",
        type=_positive,
        default=None,
        help="epochs to train (default: 60; with --minutes: no limit)",
    )
    p.add_argument(
        "--minutes",
        type=positive_float,
        default=None,
        help="train for this time instead of a number of epochs: stop at "
        "the end of the epoch in which it is reached, then save as usual "
        "(rerunning trains that long again)",
    )
    p.add_argument("--batch-size", type=_positive, default=64)
    p.add_argument("--latent-dim", type=_positive, default=None)
    p.add_argument("--width", type=_positive, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--limit",
        type=_positive,
        default=None,
        help="train on the first N samples (built-in data, arrays, tables)",
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
        "default auto: 0.99 for images and sequences, 0.999 for vectors)",
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
        help="run name (default: MODEL-DATA, DATA being the built-in name "
        "or the stem of the data path); rerunning resumes it",
    )
    p.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="folders: keep decoded images in RUN_DIR/NAME/cache so later "
        "epochs and reruns do not decode again (default: on)",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0: quiet; 1: a progress bar with the phase totals and "
        "reconstruction terms; 2: one line per epoch with every term",
    )
    add_data_options(p)
    p.set_defaults(func=train)


def _add_model_argument(p):
    p.add_argument("model", help="path of a .keras file")


def _add_data_argument(p, required_help):
    p.add_argument(
        "--data",
        default=None,
        help=f"{DATA_HELP}; default: the data in the run.json of `train` "
        f"next to the model{required_help}",
    )
    add_data_options(p, recorded_by="train")


def _add_scale(p):
    p.add_argument(
        "--scale",
        type=scale,
        default="auto",
        help="enlarge image grids by this integer factor (nearest "
        "neighbour); default auto: each image at least 64 px",
    )


def _add_pictures(commands):
    p = commands.add_parser("sample", help="write samples of a saved model")
    _add_model_argument(p)
    p.add_argument("--n", type=_positive, default=64)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--output", default="samples.png")
    p.add_argument(
        "--latent",
        choices=("auto", "prior", "mixture"),
        default="auto",
        help="where the codes come from: the prior N(0, I), or the "
        "Gaussian mixture `train` fitted to the encoded training images "
        "(latent_mixture.npz beside the model; sharper samples; image "
        "runs only); default auto: the mixture when the file is there",
    )
    p.add_argument(
        "--temperature",
        type=positive_float,
        default=None,
        help="scale of the mixture's spread (default: the saved one, "
        "1.0 from train; above 1: more varied, less often recognisable)",
    )
    p.add_argument(
        "--refine",
        choices=("none", "rejection"),
        default="none",
        help="rejection: discriminator rejection sampling, keeps the "
        "candidates the model's image discriminator rates most real "
        '(`generate(refine="rejection")`; models with such a '
        "discriminator); default none",
    )
    p.add_argument(
        "--refine-percentile",
        type=float,
        default=None,
        help="with --refine rejection: the percentile of the candidates' "
        "scores accepted at odds of one half (default 50; higher "
        "rejects more)",
    )
    _add_scale(p)
    p.set_defaults(func=sample)

    p = commands.add_parser(
        "reconstruct",
        help="write data samples above their reconstructions",
    )
    _add_model_argument(p)
    _add_data_argument(p, "")
    p.add_argument(
        "--n", type=_positive, default=16, help="the first N samples"
    )
    p.add_argument("--output", default="reconstructions.png")
    _add_scale(p)
    p.set_defaults(func=reconstruct)

    p = commands.add_parser(
        "interpolate",
        help="write decoded lines between the codes of sample pairs (PNG "
        "grid and animated GIF)",
    )
    _add_model_argument(p)
    _add_data_argument(p, "")
    p.add_argument(
        "--pairs",
        type=_positive,
        default=4,
        help="pairs of samples (samples 1-2, 3-4, ...), one row each",
    )
    p.add_argument(
        "--steps",
        type=int,
        choices=range(2, 65),
        metavar="{2..64}",
        default=8,
        help="points per line, ends included (GIF frames)",
    )
    p.add_argument(
        "--output",
        default="interpolation.png",
        help="PNG grid; the GIF is written beside it with the suffix .gif",
    )
    _add_scale(p)
    p.set_defaults(func=interpolate)

    p = commands.add_parser(
        "encode", help="write the latent codes of every sample"
    )
    _add_model_argument(p)
    _add_data_argument(p, "")
    p.add_argument(
        "--output",
        default="codes.npy",
        help="codes.npy: codes (N, latent_dim), and for folders the file "
        "names, one per line in the same order, in codes.txt beside it; "
        "codes.npz: arrays 'codes' and (folders) 'names'",
    )
    p.set_defaults(func=encode)


def _add_evaluate(commands):
    p = commands.add_parser(
        "evaluate",
        help="measure a saved model (FID, modes, reconstruction, ...)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Measure a saved model. On digits, ring and grid: the "
            "protocols of keras_aegan.metrics.evaluate_model (digits-FID "
            "with the shipped digits CNN, mode coverage). On your own "
            "data: the reconstruction and latent cycle errors (models "
            "with an encoder); FID, KID, precision/recall and "
            "density/coverage only in the feature space you name with "
            "--features (vectors: also in their own coordinates), never "
            "a digits-FID.",
            width=72,
        )
        + "\n\n--features:\n"
        + FEATURES_HELP,
    )
    _add_model_argument(p)
    _add_data_argument(
        p,
        ", else digits for 16x16x1 models; required for other 2-D models",
    )
    p.add_argument(
        "--features",
        default=None,
        metavar="MODULE:FUNCTION",
        help="feature space of FID and precision/recall (see above)",
    )
    p.add_argument(
        "--num-samples",
        type=_positive,
        default=None,
        help="generated samples (default: 359 for digits, 2500 for ring "
        "and grid, the number of reference samples for your own data)",
    )
    p.add_argument(
        "--num-reference",
        type=_positive,
        default=None,
        help=f"own data: samples to compare with, spread evenly over the "
        f"data (default: all, at most {DEFAULT_REFERENCE})",
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


def _add_anomaly(commands):
    group = commands.add_parser(
        "anomaly",
        help="fit an anomaly detector on normal data, then score new data",
        description="One-class anomaly detection: `fit` trains a model on "
        "data assumed normal and saves a detector "
        "(keras_aegan.anomaly.AnomalyDetector); `score` scores new data "
        "with it (higher: more anomalous).",
    )
    anomaly = group.add_subparsers(dest="anomaly_command", required=True)
    p = anomaly.add_parser(
        "fit",
        help="train a detector on normal data and save it",
        description="Train an AnomalyDetector on --data (normal samples "
        "only) and save it to --output: model.keras, detector.json (the "
        "score's normalisation and the threshold) and run.json (the data "
        "options, reused by `anomaly score`). Nothing is written into the "
        "data.",
    )
    p.add_argument("--data", required=True, help=f"{DATA_HELP}: normal data")
    p.add_argument(
        "--model",
        choices=tuple(MODELS),
        default="aegan",
        help="which model of the family scores (default: aegan)",
    )
    p.add_argument(
        "--score",
        choices=SCORES,
        default=None,
        help="the anomaly score (default: the model's own: feature for "
        "alad (its cycle discriminator's features) and for dcgan, which "
        "gets an encoder trained after the GAN as in f-AnoGAN; "
        "reconstruction for the others, ganomaly included (its paper's "
        "latent score ranked worse in every benchmark protocol))",
    )
    p.add_argument(
        "--n-neighbors",
        type=_positive,
        default=5,
        help="for --score neighbors: which nearest training sample's "
        "distance in the discriminator's feature space scores "
        "(default: 5)",
    )
    p.add_argument(
        "--contamination",
        type=_contamination,
        default=0.1,
        help="share of anomalies expected in the training data, in (0, "
        "0.5]; the threshold is the 1 - contamination quantile of the "
        "training scores (default: 0.1)",
    )
    p.add_argument("--epochs", type=_positive, default=20)
    p.add_argument("--batch-size", type=_positive, default=64)
    p.add_argument("--latent-dim", type=_positive, default=None)
    p.add_argument("--width", type=_positive, default=None)
    p.add_argument("--seed", type=_non_negative, default=0)
    p.add_argument(
        "--output",
        default=None,
        help="folder of the detector (default: runs/anomaly-DATA, DATA "
        "being the built-in name or the stem of the data path)",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="Keras's fit() verbosity: 0 quiet, 1 progress bar, 2 one "
        "line per epoch",
    )
    add_data_options(p)
    p.set_defaults(func=anomaly_fit)

    p = anomaly.add_parser(
        "score",
        help="score new data with a saved detector (CSV, PNG)",
        description="Score every sample of --data with a detector of "
        "`anomaly fit`. Writes a CSV with one row per sample, in input "
        "order (index, file, label, score, probability, anomalous) and, "
        "for images from a model with an encoder, a PNG of the most "
        "anomalous inputs: input, reconstruction and residual heatmap per "
        "row. Source options default to those given to `anomaly fit`.",
    )
    p.add_argument("detector", help="folder written by `anomaly fit`")
    p.add_argument("--data", required=True, help=DATA_HELP)
    p.add_argument(
        "--output-csv",
        default="scores.csv",
        help="the scores of every sample (default: scores.csv)",
    )
    p.add_argument(
        "--output-png",
        default="most_anomalous.png",
        help="images only: the most anomalous inputs (default: "
        "most_anomalous.png)",
    )
    p.add_argument(
        "--top",
        type=_non_negative,
        default=16,
        help="rows of the PNG: the N highest scores (0: no PNG)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive,
        default=256,
        help="samples read and scored at a time",
    )
    _add_scale(p)
    add_data_options(p, recorded_by="anomaly fit")
    p.set_defaults(func=anomaly_score)


def build_parser():
    """The argument parser of `keras-aegan`."""
    parser = argparse.ArgumentParser(
        prog="keras-aegan",
        description="Train and sample autoencoding GANs (Keras 3). The "
        "backend is chosen with KERAS_BACKEND=tensorflow|torch|jax.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_train(commands)
    _add_pictures(commands)
    _add_evaluate(commands)
    _add_anomaly(commands)
    return parser


def main(argv=None):
    """Entry point of the `keras-aegan` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
