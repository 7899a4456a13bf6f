"""Input checks shared by the metric functions (private)."""

import numpy as np

from keras_aegan.utils.validation import check_int  # noqa: F401
from keras_aegan.utils.validation import check_positive  # noqa: F401


def as_float_array(name, x):
    """Converts `x` to a float64 NumPy array and checks it is finite."""
    try:
        array = np.asarray(x)
    except Exception as e:
        raise ValueError(
            f"`{name}` must be convertible to a NumPy array. "
            f"Received: {name} of type {type(x).__name__}"
        ) from e
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number)
        or np.issubdtype(array.dtype, np.bool_)
    ):
        raise ValueError(
            f"`{name}` must hold real numbers. "
            f"Received: {name}.dtype={array.dtype}"
        )
    if np.iscomplexobj(array):
        raise ValueError(
            f"`{name}` must hold real numbers. "
            f"Received: {name}.dtype={array.dtype}"
        )
    array = array.astype("float64")
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(
            f"`{name}` must be finite. Received: {bad} NaN or infinite "
            f"entries in {name} with shape {array.shape}"
        )
    return array


def as_features(name, x, min_samples):
    """Converts `x` to a float64 `(n, d)` array with `n >= min_samples`."""
    array = as_float_array(name, x)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (num_samples, "
            f"feature_dim). Received: {name}.shape={array.shape}"
        )
    if array.shape[0] < min_samples or array.shape[1] < 1:
        raise ValueError(
            f"`{name}` must hold at least {min_samples} samples of at least "
            f"one feature. Received: {name}.shape={array.shape}"
        )
    return array


def as_feature_pair(real_features, fake_features, min_samples):
    """Checks both feature sets and that their feature dimensions match."""
    real = as_features("real_features", real_features, min_samples)
    fake = as_features("fake_features", fake_features, min_samples)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "`real_features` and `fake_features` must have the same feature "
            f"dimension. Received: real_features.shape={real.shape}, "
            f"fake_features.shape={fake.shape}"
        )
    return real, fake
