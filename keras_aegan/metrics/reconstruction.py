"""Reconstruction and latent-cycle errors on arrays (the caller runs E, G)."""

import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.result import make_result


def _pair(name_a, a, name_b, b, min_ndim):
    a = _checks.as_float_array(name_a, a)
    b = _checks.as_float_array(name_b, b)
    if a.ndim < min_ndim or a.size == 0:
        raise ValueError(
            f"`{name_a}` must be a non-empty array with at least {min_ndim} "
            f"dimension(s), the first indexing samples. "
            f"Received: {name_a}.shape={a.shape}"
        )
    if a.shape != b.shape:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same shape. "
            f"Received: {name_a}.shape={a.shape}, {name_b}.shape={b.shape}"
        )
    return a, b


def reconstruction_error(x, x_reconstructed, protocol=None):
    """Mean absolute and mean squared error of a reconstruction.

    Both are means over all elements, computed in float64, so they are in
    the units of the data (compare numbers only for data in the same
    range, for example `[-1, 1]`).

    Args:
        x: Array of any non-empty shape, for example `(n, 28, 28, 1)`.
        x_reconstructed: Array of the same shape, for example
            `model.reconstruct(x)`.
        protocol: Optional dict merged into the result's protocol, for
            example `{"split": "test", "data_range": [-1, 1]}`.

    Returns:
        A `MetricResult` named `"reconstruction_error"` with
        `value={"l1": ..., "mse": ...}` and protocol entries
        `num_samples` (the length of the first axis) and `shape`.

    Example:

    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> result = reconstruction_error(x, x + [[1.0, -1.0], [0.0, 2.0]])
    >>> result["l1"], result["mse"]
    (1.0, 1.5)
    """
    x, y = _pair("x", x, "x_reconstructed", x_reconstructed, 1)
    diff = x - y
    value = {
        "l1": float(np.mean(np.abs(diff))),
        "mse": float(np.mean(np.square(diff))),
    }
    measured = {"num_samples": x.shape[0], "shape": list(x.shape)}
    return make_result("reconstruction_error", value, measured, protocol)


def latent_cycle_error(z, z_cycled, protocol=None):
    """Mean Euclidean distance between latent codes and their cycle.

    For codes `z` and `z_cycled = E(G(z))` (computed by the caller), the
    error is `mean_i ||z_i - z_cycled_i||_2`, the norm taken over all axes
    but the first. It measures how well the encoder inverts the
    generator; it grows with the latent dimension (about `sigma *
    sqrt(latent_dim)` for independent errors of standard deviation
    `sigma`), so compare numbers for equal latent sizes.

    Args:
        z: Array of shape `(n, latent_dim)` (or `(n, ...)`), `n >= 1`.
        z_cycled: Array of the same shape.
        protocol: Optional dict merged into the result's protocol, for
            example `{"generator": "ema", "seed": 0}`.

    Returns:
        A `MetricResult` named `"latent_cycle_error"` whose `value` is the
        mean distance (a float >= 0) and whose protocol holds
        `num_samples` and `latent_shape` (the shape of one code).

    Example:

    >>> z = np.zeros((2, 2))
    >>> float(latent_cycle_error(z, [[3.0, 4.0], [0.0, 1.0]]))
    3.0
    """
    z, z_cycled = _pair("z", z, "z_cycled", z_cycled, 2)
    diff = (z - z_cycled).reshape(z.shape[0], -1)
    value = float(np.mean(np.linalg.norm(diff, axis=1)))
    measured = {"num_samples": z.shape[0], "latent_shape": list(z.shape[1:])}
    return make_result("latent_cycle_error", value, measured, protocol)
