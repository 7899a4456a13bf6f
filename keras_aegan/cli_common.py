"""What the `keras-aegan` commands share: data set names, model loading."""

from keras_aegan.metrics.evaluation_checks import BUILTIN_DATASETS

#: The built-in data sets the commands train on and evaluate against.
DATASETS = BUILTIN_DATASETS


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
