"""Inspection and validation of training data before the first step."""

import dataclasses
import itertools
import warnings

import numpy as np

# Float images may carry rounding error from user-side scaling, e.g.
# x / 127.5 - 1 in float16 is off by at most 2^-10 (float16 epsilon / 2 near
# 1); a tolerance of 1e-3 accepts that and nothing visibly out of range.
RANGE_TOLERANCE = 1e-3
REFERENCE_SIZE = 64


@dataclasses.dataclass
class DataSpec:
    """What the trainer learned about the training data.

    Attributes:
        kind: `"image"`, `"vector"` or `"sequence"`.
        sample_shape: Shape of one sample.
        dtype: Dtype name of the user's data.
        input_range: For images: `"uint8"`, `"unit"` or `"symmetric"`.
        mean: Per-feature mean (vectors) or per-channel mean over samples
            and time steps (sequences).
        std: Per-feature (vectors) or per-channel (sequences) standard
            deviation.
        reference: A small NumPy batch of the data, for sample callbacks.
    """

    kind: str
    sample_shape: tuple
    dtype: str
    input_range: str = "symmetric"
    mean: np.ndarray = None
    std: np.ndarray = None
    reference: np.ndarray = None


def describe(x):
    """A short description of a value for error messages."""
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is not None:
        return f"{type(x).__name__} with shape={tuple(shape)}, dtype={dtype}"
    return f"{type(x).__name__}"


def split_batch(batch):
    """Splits a batch into `(x, noise)`.

    A batch is either the data `x`, a tuple/list whose first element is the
    data (labels and sample weights are ignored), or a dict
    `{"x": x, "noise": {...}}` that feeds the step's noise explicitly.

    Args:
        batch: One element produced by a data adapter.

    Returns:
        `(x, noise)`, `noise` being `None` when not given.
    """
    if isinstance(batch, (tuple, list)):
        if not batch:
            raise ValueError("Received an empty tuple as a batch.")
        batch = batch[0]
    if isinstance(batch, dict):
        if "x" not in batch:
            raise ValueError(
                "A dict batch must hold the data under the key 'x' (and "
                "optionally the noise under 'noise'). Received keys: "
                f"{sorted(batch)}"
            )
        unknown = set(batch) - {"x", "noise"}
        if unknown:
            raise ValueError(
                "A dict batch may only have the keys 'x' and 'noise'. "
                f"Received unknown keys: {sorted(unknown)}"
            )
        return batch["x"], batch.get("noise")
    return batch, None


def to_numpy(x):
    """Converts arrays, lists and backend tensors to NumPy."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "numpy") and not isinstance(x, (list, tuple)):
        try:
            return np.asarray(x.detach().cpu().numpy())  # torch
        except AttributeError:
            return np.asarray(x.numpy())  # tensorflow
    try:
        return np.asarray(x)
    except Exception as e:  # ragged lists, objects
        raise ValueError(
            f"Could not read the data as an array. Received: {describe(x)}"
        ) from e


def check_numeric(x, what="data", finite=True):
    """Raises ValueError unless `x` holds (finite) real numbers."""
    if x.dtype == bool or not (
        np.issubdtype(x.dtype, np.integer)
        or np.issubdtype(x.dtype, np.floating)
    ):
        raise ValueError(
            f"The {what} must hold real numbers (integer or floating point). "
            f"Received: dtype={x.dtype}, shape={x.shape}"
        )
    if x.size == 0 or x.shape[0] == 0:
        raise ValueError(f"The {what} is empty. Received: shape={x.shape}")
    if finite and np.issubdtype(x.dtype, np.floating):
        bad = ~np.isfinite(x)
        if bad.any():
            raise ValueError(
                f"The {what} contains {int(np.isnan(x).sum())} NaN and "
                f"{int(np.isinf(x).sum())} infinite values; remove or "
                f"impute them. Received: shape={x.shape}, dtype={x.dtype}"
            )


def data_kind(shape):
    """The kind of data of a batch shape, or a `ValueError`.

    Rank 4 `(N, H, W, C)` is `"image"`, rank 3 `(N, T, C)` is
    `"sequence"` (time series, audio frames) and rank 2 `(N, features)`
    is `"vector"`.

    Args:
        shape: Shape of a batch, the batch axis first.

    Returns:
        `"image"`, `"sequence"` or `"vector"`.

    Example:

    ```python
    data_kind((100, 64, 3))  # "sequence"
    ```
    """
    kinds = {4: "image", 3: "sequence", 2: "vector"}
    if len(shape) in kinds:
        return kinds[len(shape)]
    hint = ""
    if len(shape) == 1:
        hint = " For one feature per sample use x.reshape(-1, 1)."
    raise ValueError(
        "Expected images of shape (N, height, width, channels), sequences "
        "of shape (N, steps, channels) or vectors of shape (N, features)."
        f"{hint} Received: shape={tuple(shape)}"
    )


def warn_if_image_like(x):
    """Warns when rank-3 data look like grayscale images.

    `(N, T, C)` data are trained as sequences; uint8 data or square
    samples (`T == C`) are more often images without a channel axis.

    Args:
        x: NumPy array of rank 3.
    """
    _, steps, channels = x.shape
    if x.dtype == np.uint8 or steps == channels:
        warnings.warn(
            f"Training on data of shape {tuple(x.shape)} as sequences of "
            f"{steps} steps with {channels} channels. If these are "
            "grayscale images, add a channel axis: x[..., None].",
            stacklevel=2,
        )


def image_range(low, high, dtype):
    """Names the input range of image data, or raises ValueError."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        if low < 0 or high > 255:
            raise ValueError(
                "Integer images must lie in [0, 255] (8-bit). Received "
                f"values in [{low}, {high}] with dtype={dtype}"
            )
        return "uint8"
    if low >= -RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE:
        return "unit"
    if low >= -1 - RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE:
        return "symmetric"
    raise ValueError(
        "Float images must lie in [0, 1] or [-1, 1] (or be uint8 in "
        f"[0, 255]). Received values in [{low:.4g}, {high:.4g}] with "
        f"dtype={dtype}. Rescale them, e.g. x / 255.0."
    )


def inspect_array(x):
    """Validates array data and computes its `DataSpec`.

    Args:
        x: NumPy array (or array-like / backend tensor) of shape
            `(N, H, W, C)`, `(N, T, C)` or `(N, features)`.

    Returns:
        A `DataSpec`.
    """
    x = to_numpy(x)
    kind = data_kind(x.shape)
    check_numeric(x)
    spec = DataSpec(
        kind=kind,
        sample_shape=tuple(int(s) for s in x.shape[1:]),
        dtype=str(x.dtype),
        reference=np.array(x[:REFERENCE_SIZE]),
    )
    if kind == "image":
        spec.input_range = image_range(x.min(), x.max(), x.dtype)
        return spec
    if kind == "sequence":
        warn_if_image_like(x)
    # Per feature (vectors) or per channel over samples and time steps
    # (sequences): every axis but the last.
    axes = tuple(range(x.ndim - 1))
    values = x.astype("float64")
    spec.mean = values.mean(axis=axes)
    spec.std = values.std(axis=axes)
    return spec


def peek_batches(data, max_batches):
    """Reads up to `max_batches` batches of an iterable without losing them.

    Re-iterable inputs (`tf.data.Dataset`, `keras.utils.PyDataset`, torch
    `DataLoader`) are read from a fresh iterator. One-shot iterators
    (Python generators) are read once and a replacement iterator that
    yields the peeked batches first is returned. A torch `DataLoader`
    whose batches are bare tensors or dicts is returned wrapped so that
    each batch is a one-element tuple, which Keras's adapter reads on
    every backend.

    Args:
        data: The iterable passed to `fit()`.
        max_batches: Number of batches to read at most.

    Returns:
        `(batches, data)`: the NumPy data arrays read and the object to
        hand to Keras's `fit()` instead of `data`.
    """
    if hasattr(data, "as_numpy_iterator"):  # tf.data.Dataset
        iterator = data.as_numpy_iterator()
    elif hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        iterator = (data[i] for i in range(len(data)))  # PyDataset
    elif iter(data) is data:  # one-shot iterator or generator
        iterator = data
    else:  # torch DataLoader and other re-iterables
        iterator = iter(data)
    raw = list(itertools.islice(iterator, max_batches))
    if iterator is data:
        data = _replay(raw, data)
    elif (
        raw and not isinstance(raw[0], (tuple, list)) and _is_torch_loader(data)
    ):
        data = _torch_tuple_batches(data)
    batches = [to_numpy(split_batch(b)[0]) for b in raw]
    if not batches:
        raise ValueError(
            f"The training data yielded no batches. Received: {describe(data)}"
        )
    return batches, data


def _is_torch_loader(data):
    # By name, so that torch is imported only when a loader was given.
    return any(
        c.__name__ == "DataLoader" and c.__module__.startswith("torch.")
        for c in type(data).__mro__
    )


def _torch_tuple_batches(loader):
    """Bare tensor (or dict) batches of a torch `DataLoader` as `(batch,)`.

    Keras's torch adapter splits each batch with `tuple(batch)`: a loader
    over a plain tensor then trains under PyTorch only (TensorFlow cannot
    iterate the batch's `TensorSpec`, JAX receives single rows).
    """
    from keras_aegan.backend.torch.data_loader import tuple_batches

    return tuple_batches(loader)


def _replay(first, rest):
    # A real generator (not itertools.chain): Keras picks its data adapter
    # by type.
    yield from first
    yield from rest


def inspect_batches(batches):
    """`DataSpec` from a list of NumPy batches read from an iterable."""
    shapes = {b.shape[1:] for b in batches}
    if len(shapes) != 1:
        raise ValueError(
            "All batches must have the same sample shape. Received sample "
            f"shapes: {sorted(shapes)}"
        )
    return inspect_array(np.concatenate(batches, axis=0))
