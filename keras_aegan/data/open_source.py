"""One entry point that picks the data source from the path."""

import inspect
import os

from keras_aegan.data.array_source import ArraySource
from keras_aegan.data.image_folder import ImageFolder
from keras_aegan.data.table_source import TableSource

SOURCES = {
    ".npy": ArraySource,
    ".npz": ArraySource,
    ".csv": TableSource,
    ".tsv": TableSource,
    ".parquet": TableSource,
    ".pq": TableSource,
}


def _options(source_class):
    # Everything but `self` and the path (`path` or `directory`).
    return list(inspect.signature(source_class.__init__).parameters)[2:]


def open_source(path, **options):
    """Opens training data from a path, choosing the source by its type.

    - a folder: `keras_aegan.data.ImageFolder` (images, decoded lazily);
    - `.npy`, `.npz`: `keras_aegan.data.ArraySource` (memory-mapped);
    - `.csv`, `.tsv`, `.parquet`, `.pq`: `keras_aegan.data.TableSource`.

    Every source has `data` (what `model.fit()` takes: the `ImageFolder`
    itself, or a NumPy array/memory map), `kind`, `num_samples`,
    `sample_shape`, `labels` and `class_names` (`None` where the data
    have none), `skipped` and `describe()`, which prints and returns a
    `keras_aegan.data.SourceReport` of what was found.

    Args:
        path: Path of a folder of images, or of an array or table file.
        **options: Passed to the source's constructor (for example
            `image_size=64` for a folder, `key="x"` for a `.npz`,
            `columns=["a", "b"]` for a table). Options whose value is
            `None` are left out, so a command line can pass all its flags
            whatever the source; others that the source does not take
            raise a `ValueError`.

    Returns:
        An `ImageFolder`, `ArraySource` or `TableSource`.

    Example:

    ```python
    source = keras_aegan.data.open_source("photos/", image_size=64)
    source.describe()
    keras_aegan.AEGAN().fit(source.data, epochs=10)
    ```
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No such file or folder. Received: path={path!r}"
        )
    if os.path.isdir(path):
        source_class = ImageFolder
    else:
        extension = os.path.splitext(path)[1].lower()
        source_class = SOURCES.get(extension)
        if source_class is None:
            raise ValueError(
                "Unsupported data file type. Expected a folder of images or "
                f"a file ending in {', '.join(SOURCES)}. Received: "
                f"path={path!r}"
            )
    options = {k: v for k, v in options.items() if v is not None}
    accepted = _options(source_class)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"{source_class.__name__} does not take the option(s) "
            f"{unknown}; it takes {accepted}. Received: path={path!r}, "
            f"options={options!r}"
        )
    return source_class(path, **options)
