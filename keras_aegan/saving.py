"""Loading saved models with checks that say what is wrong with a file."""

import json
import os
import zipfile
import zlib

import keras

REQUIRED_MEMBERS = ("config.json", "model.weights.h5")


def load_model(filepath, safe_mode=True, compile=True):
    """Loads a keras_aegan model from a `.keras` file, in safe mode.

    Before Keras reads the file, it is checked: that it exists, is a
    complete zip archive with intact members (CRC), holds a readable
    `config.json` and the weights, and describes a keras_aegan model
    class. Each failure raises an error naming the file and the problem,
    instead of Keras's generic messages (e.g. "File not found" for a
    corrupted archive). Nothing is written.

    Args:
        filepath: Path of a `.keras` file.
        safe_mode: Refuse code-carrying objects (lambdas), as in
            `keras.saving.load_model`. Keep `True` for files you did not
            write.
        compile: Whether to restore the optimizers and compile settings.

    Returns:
        The `AdversarialTrainer` subclass instance (e.g. an `AEGAN`).

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it is not a readable keras_aegan model file.

    Example:

    ```python
    model = keras_aegan.load_model("runs/aegan-digits/model.keras")
    images = model.generate(16, seed=0)
    ```
    """
    from keras_aegan.trainers import AdversarialTrainer

    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model file: {path}")
    config = _read_config(path)
    name = config.get("registered_name") or config.get("class_name")
    cls = keras.saving.get_registered_object(name)
    if not (isinstance(cls, type) and issubclass(cls, AdversarialTrainer)):
        raise ValueError(
            f"{path} holds a {config.get('class_name')!r} "
            f"(registered as {name!r}), not a keras_aegan model (AEGAN or "
            "another AdversarialTrainer subclass). Import the package that "
            "defines a custom class before loading it."
        )
    try:
        return keras.saving.load_model(
            path, safe_mode=safe_mode, compile=compile
        )
    except Exception as e:
        raise ValueError(
            f"Could not load {path}: {type(e).__name__}: {e}"
        ) from e


def _read_config(path):
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"Not a .keras file (a zip archive): {path} "
            f"({os.path.getsize(path)} bytes). It may be truncated or "
            "corrupted."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [m for m in REQUIRED_MEMBERS if m not in names]
            if missing:
                raise ValueError(
                    f"{path} is a zip archive but not a .keras file: it "
                    f"lacks {missing}. Received members: {sorted(names)}"
                )
            broken = archive.testzip()
            if broken is not None:
                raise ValueError(
                    f"{path} is corrupted: its member {broken!r} fails its "
                    "checksum."
                )
            text = archive.read("config.json")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise ValueError(f"{path} is corrupted: {e}") from e
    try:
        config = json.loads(text)
    except ValueError as e:
        raise ValueError(
            f"{path} is corrupted: its config.json is not valid JSON ({e})."
        ) from e
    if not isinstance(config, dict):
        raise ValueError(
            f"{path} is corrupted: its config.json holds a "
            f"{type(config).__name__}, not a model config."
        )
    return config
