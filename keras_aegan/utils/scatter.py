"""Scatter plots of 2-D points as PNG images (NumPy and Pillow only)."""

import numbers

import numpy as np

from keras_aegan.utils.images import save_png

# Colours used by `scatter_image`, as RGB uint8 triples.
_BACKGROUND = (255, 255, 255)
_REFERENCE_COLOR = (170, 170, 170)
_POINT_COLOR = (31, 90, 200)


def _check_points(name, points):
    p = np.asarray(points, dtype="float64")
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(
            f"`{name}` must have shape (n, 2). Received: {name}.shape={p.shape}"
        )
    return p[np.all(np.isfinite(p), axis=1)]


def _default_extent(arrays):
    finite = [a for a in arrays if len(a)]
    if not finite:
        return (-1.0, 1.0, -1.0, 1.0)
    allp = np.concatenate(finite, axis=0)
    low = allp.min(axis=0)
    high = allp.max(axis=0)
    span = high - low
    # Degenerate spans (a single point, a vertical line) get unit width.
    span = np.where(span > 0, span, 1.0)
    margin = 0.1 * span
    center = (low + high) / 2.0
    half = span / 2.0 + margin
    return (
        float(center[0] - half[0]),
        float(center[0] + half[0]),
        float(center[1] - half[1]),
        float(center[1] + half[1]),
    )


def scatter_image(points, reference=None, size=256, extent=None):
    """Rasterizes 2-D points into an RGB image.

    Each point is a 2x2 pixel dot. `reference` points (for example real
    data) are drawn first in grey, then `points` (for example samples) in
    blue on top, over a white background. The y axis points up. Points
    with NaN or infinite coordinates and points outside `extent` are
    skipped.

    Args:
        points: Array of shape `(n, 2)`.
        reference: Optional array of shape `(m, 2)` drawn underneath.
        size: Width and height of the image in pixels, an integer >= 2.
        extent: Optional `(x_min, x_max, y_min, y_max)`. Defaults to the
            bounding box of all finite points with a 10% margin on each
            side.

    Returns:
        A uint8 NumPy array of shape `(size, size, 3)`.

    Example:

    >>> img = scatter_image(np.array([[0.0, 0.0], [1.0, 1.0]]), size=64)
    >>> img.shape
    (64, 64, 3)
    """
    if (
        isinstance(size, bool)
        or not isinstance(size, numbers.Integral)
        or size < 2
    ):
        raise ValueError(
            f"`size` must be an integer >= 2. Received: size={size!r}"
        )
    size = int(size)
    points = _check_points("points", points)
    layers = []
    if reference is not None:
        reference = _check_points("reference", reference)
        layers.append((reference, _REFERENCE_COLOR))
    layers.append((points, _POINT_COLOR))
    if extent is None:
        extent = _default_extent([p for p, _ in layers])
    try:
        x_min, x_max, y_min, y_max = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise ValueError(
            "`extent` must be (x_min, x_max, y_min, y_max). "
            f"Received: extent={extent!r}"
        ) from None
    if not (x_max > x_min and y_max > y_min):
        raise ValueError(
            "`extent` must satisfy x_min < x_max and y_min < y_max. "
            f"Received: extent={extent!r}"
        )
    image = np.empty((size, size, 3), dtype="uint8")
    image[:] = _BACKGROUND
    for p, color in layers:
        if not len(p):
            continue
        inside = (
            (p[:, 0] >= x_min)
            & (p[:, 0] <= x_max)
            & (p[:, 1] >= y_min)
            & (p[:, 1] <= y_max)
        )
        p = p[inside]
        col = (p[:, 0] - x_min) / (x_max - x_min) * (size - 1)
        row = (y_max - p[:, 1]) / (y_max - y_min) * (size - 1)
        col = np.clip(np.floor(col).astype(int), 0, size - 2)
        row = np.clip(np.floor(row).astype(int), 0, size - 2)
        for dr in (0, 1):
            for dc in (0, 1):
                image[row + dr, col + dc] = color
    return image


def scatter_png(path, points, reference=None, size=256, extent=None):
    """Writes a scatter plot of 2-D points to a PNG file.

    See `scatter_image` for how points are drawn; the file is written with
    `save_png` (atomic, parent directories created).

    Args:
        path: Destination file path.
        points: Array of shape `(n, 2)`, drawn in blue.
        reference: Optional array of shape `(m, 2)`, drawn in grey
            underneath.
        size: Width and height of the image in pixels.
        extent: Optional `(x_min, x_max, y_min, y_max)`; defaults to the
            bounding box of all points with a 10% margin.

    Returns:
        The path written, as a string.

    Example:

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "ring.png")
    >>> _ = scatter_png(p, np.random.default_rng(0).normal(size=(100, 2)))
    """
    image = scatter_image(points, reference=reference, size=size, extent=extent)
    return save_png(path, image)
