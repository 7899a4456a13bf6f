"""What the `keras-aegan` commands share: names, model loading, run files."""

import argparse
import json
import os

from keras_aegan.metrics.evaluation_checks import BUILTIN_DATASETS

#: The built-in data sets the commands train on and evaluate against.
DATASETS = BUILTIN_DATASETS

#: `--model` names and the `keras_aegan` classes they train.
MODELS = {
    "aegan": "AEGAN",
    "aae": "AdversarialAutoencoder",
    "alpha_gan": "AlphaGAN",
    "bigan": "BiGAN",
    "ali": "ALI",
    "vaegan": "VAEGAN",
    "began": "BEGAN",
    "ebgan": "EBGAN",
    "dcgan": "DCGAN",
    "ganomaly": "GANomaly",
    "alad": "ALAD",
}


def load_model_file(path):
    """Loads a keras_aegan model (safe mode), or exits with a clear reason.

    Args:
        path: Path of a `.keras` file.

    Returns:
        The loaded `AdversarialTrainer` subclass instance.
    """
    from keras_aegan.saving import load_model

    try:
        return load_model(path, safe_mode=True)
    except (OSError, ValueError) as e:
        raise SystemExit(str(e)) from None


def read_run_config(model_path):
    """The `run.json` that `keras-aegan train` wrote next to a model.

    Args:
        model_path: Path of a `model.keras`.

    Returns:
        The recorded arguments as a dict, or `{}` when there is no
        readable `run.json` beside the model.
    """
    path = os.path.join(
        os.path.dirname(os.path.abspath(model_path)), "run.json"
    )
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def has_encoder(model):
    """Whether a model (built or not) has `encode` and `reconstruct`."""
    return callable(getattr(model, "encode", None)) and callable(
        getattr(model, "reconstruct", None)
    )


def positive(value):
    """`argparse` type: an integer > 0."""
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return number


def positive_float(value):
    """`argparse` type: a finite number > 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number. Received: {value}"
        ) from None
    if not 0.0 < number < float("inf"):
        raise argparse.ArgumentTypeError(
            f"must be a positive number. Received: {value}"
        )
    return number


def scale(value):
    """`argparse` type of `--scale`: `"auto"` or an integer >= 1."""
    if value == "auto":
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"must be 'auto' or an integer >= 1. Received: {value}"
        )
    return number
