"""Two-dimensional Gaussian mixtures used to measure mode coverage.

The geometry follows the usual protocol (PacGAN, VEEGAN): eight Gaussians
on the unit circle with standard deviation 0.01, and twenty-five Gaussians
on the grid `{-4, -2, 0, 2, 4}^2` with standard deviation 0.05, all with
equal weights.
"""

import math

import numpy as np

from keras_aegan.utils.validation import check_int
from keras_aegan.utils.validation import check_positive


def ring_centers(modes=8, radius=1.0):
    """Returns the centres of the ring mixture.

    Mode `k` sits at `(radius * cos(2 pi k / modes),
    radius * sin(2 pi k / modes))`.

    Args:
        modes: Number of mixture components, an integer >= 1.
        radius: Radius of the circle, a number > 0.

    Returns:
        A float32 NumPy array of shape `(modes, 2)`.

    Example:

    >>> ring_centers(4).round(3).tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [-0.0, -1.0]]
    """
    modes = check_int("modes", modes, 1)
    radius = check_positive("radius", radius)
    angles = 2.0 * np.pi * np.arange(modes) / modes
    centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centers.astype("float32")


def grid_centers(modes=25, spacing=2.0):
    """Returns the centres of the grid mixture.

    The centres form a `sqrt(modes) x sqrt(modes)` grid centred on the
    origin with `spacing` between neighbours; for the defaults that is
    `{-4, -2, 0, 2, 4}^2`. With `side = sqrt(modes)` and
    `c = (arange(side) - (side - 1) / 2) * spacing`, mode `k` sits at
    `(c[k // side], c[k % side])`.

    Args:
        modes: Number of mixture components, a perfect square >= 1.
        spacing: Distance between neighbouring centres, a number > 0.

    Returns:
        A float32 NumPy array of shape `(modes, 2)`.

    Example:

    >>> grid_centers(4, spacing=2.0).tolist()
    [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]
    """
    modes = check_int("modes", modes, 1)
    spacing = check_positive("spacing", spacing)
    side = math.isqrt(modes)
    if side * side != modes:
        raise ValueError(
            "`modes` must be a perfect square for a grid mixture. "
            f"Received: modes={modes}"
        )
    coords = (np.arange(side) - (side - 1) / 2.0) * spacing
    rows, cols = np.meshgrid(coords, coords, indexing="ij")
    centers = np.stack([rows.ravel(), cols.ravel()], axis=1)
    return centers.astype("float32")


def _sample_mixture(n, centers, std, seed, return_labels):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(centers), size=n)
    noise = rng.standard_normal((n, 2))
    x = centers.astype("float64")[labels] + std * noise
    x = x.astype("float32")
    if return_labels:
        return x, labels.astype("int32")
    return x


def make_ring(n, modes=8, radius=1.0, std=0.01, seed=None, return_labels=False):
    """Samples a mixture of Gaussians placed evenly on a circle.

    Each sample picks its mode uniformly at random (equal weights), then
    adds isotropic Gaussian noise with standard deviation `std` to the
    centre given by `ring_centers(modes, radius)`.

    Args:
        n: Number of samples, an integer >= 1.
        modes: Number of mixture components, an integer >= 1.
        radius: Radius of the circle, a number > 0.
        std: Standard deviation of each component, a number > 0.
        seed: Seed for `np.random.default_rng`. `None` draws fresh
            entropy; an integer makes the result reproducible.
        return_labels: If `True`, also return the mode index of each
            sample.

    Returns:
        A float32 NumPy array of shape `(n, 2)`, or a tuple
        `(x, mode_index)` with `mode_index` an int32 array of shape `(n,)`
        when `return_labels=True`.

    Example:

    >>> x = make_ring(2500, seed=0)
    >>> x.shape, x.dtype
    ((2500, 2), dtype('float32'))
    """
    n = check_int("n", n, 1)
    std = check_positive("std", std)
    centers = ring_centers(modes, radius)
    return _sample_mixture(n, centers, std, seed, return_labels)


def make_grid(
    n, modes=25, spacing=2.0, std=0.05, seed=None, return_labels=False
):
    """Samples a mixture of Gaussians placed on a square grid.

    Each sample picks its mode uniformly at random (equal weights), then
    adds isotropic Gaussian noise with standard deviation `std` to the
    centre given by `grid_centers(modes, spacing)`.

    Args:
        n: Number of samples, an integer >= 1.
        modes: Number of mixture components, a perfect square >= 1.
        spacing: Distance between neighbouring centres, a number > 0.
        std: Standard deviation of each component, a number > 0.
        seed: Seed for `np.random.default_rng`. `None` draws fresh
            entropy; an integer makes the result reproducible.
        return_labels: If `True`, also return the mode index of each
            sample.

    Returns:
        A float32 NumPy array of shape `(n, 2)`, or a tuple
        `(x, mode_index)` with `mode_index` an int32 array of shape `(n,)`
        when `return_labels=True`.

    Example:

    >>> x, modes = make_grid(2500, seed=0, return_labels=True)
    >>> x.shape, int(modes.max())
    ((2500, 2), 24)
    """
    n = check_int("n", n, 1)
    std = check_positive("std", std)
    centers = grid_centers(modes, spacing)
    return _sample_mixture(n, centers, std, seed, return_labels)
