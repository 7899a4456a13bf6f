"""Image helpers written with NumPy and Pillow only.

These turn batches of images or 2-D points into PNG files for callbacks,
examples and the command line. No deep learning framework is imported.
"""

import math
import numbers
import os
import tempfile

import numpy as np


def to_unit_range(images, value_range=None):
    """Maps images to float32 values in `[0, 1]` for display.

    With `value_range=None` the range is inferred: integer arrays (for
    example uint8) are read as `0..255`; float arrays whose minimum is
    below 0 are read as `[-1, 1]`; other float arrays as `[0, 1]`. The
    result is clipped to `[0, 1]` and NaNs become 0.

    Args:
        images: Array-like of any shape.
        value_range: Optional `(low, high)` tuple giving the range of the
            input explicitly, which skips the inference. Useful when
            several batches must be mapped the same way.

    Returns:
        A float32 NumPy array of the same shape with values in `[0, 1]`.

    Example:

    >>> to_unit_range(np.array([-1.0, 0.0, 1.0])).tolist()
    [0.0, 0.5, 1.0]
    >>> to_unit_range(np.array([0, 255], dtype="uint8")).tolist()
    [0.0, 1.0]
    """
    x = np.asarray(images)
    if value_range is None:
        value_range = infer_value_range(x)
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(
            "`value_range` must be a pair of numbers (low, high). "
            f"Received: value_range={value_range!r}"
        ) from None
    if not high > low:
        raise ValueError(
            "`value_range` must satisfy low < high. "
            f"Received: value_range={value_range!r}"
        )
    x = (x.astype("float64") - low) / (high - low)
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(x, 0.0, 1.0).astype("float32")


def infer_value_range(images):
    """Guesses the value range of a batch of images.

    Args:
        images: Array-like.

    Returns:
        `(0, 255)` for integer arrays (uint8 and others), `(-1, 1)` for
        float arrays with a negative minimum, else `(0, 1)` (also for
        boolean arrays).

    Example:

    >>> infer_value_range(np.array([-0.5, 0.5]))
    (-1.0, 1.0)
    """
    x = np.asarray(images)
    if x.dtype == bool:
        return (0.0, 1.0)
    if np.issubdtype(x.dtype, np.integer):
        return (0.0, 255.0)
    if x.size and np.nanmin(x) < 0:
        return (-1.0, 1.0)
    return (0.0, 1.0)


def _to_uint8(images):
    x = np.asarray(images)
    if x.dtype == np.uint8:
        return x
    if np.issubdtype(x.dtype, np.integer):
        return np.clip(x, 0, 255).astype("uint8")
    x = np.nan_to_num(x.astype("float64"), nan=0.0, posinf=1.0, neginf=0.0)
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype("uint8")


def tile_images(images, columns=None, padding=1, pad_value=255):
    """Arranges a batch of images into one grid image.

    Images fill the grid row by row. `padding` pixels of `pad_value`
    separate neighbouring tiles (there is no border around the grid), and
    unused cells of the last row are filled with `pad_value`. Tile
    `(r, c)` therefore starts at pixel `(r * (H + padding),
    c * (W + padding))`.

    Args:
        images: Array of shape `(n, H, W, C)` or `(n, H, W)`. uint8 values
            are used as they are; float values are read as `[0, 1]`,
            clipped and rounded to uint8 (use `to_unit_range` first for
            other ranges).
        columns: Number of grid columns. Defaults to `ceil(sqrt(n))`.
        padding: Width in pixels of the gap between tiles, >= 0.
        pad_value: uint8 value (0..255) of gaps and empty cells.

    Returns:
        A uint8 NumPy array of shape
        `(rows * H + (rows - 1) * padding,
        columns * W + (columns - 1) * padding, C)` with
        `rows = ceil(n / columns)`.

    Example:

    >>> grid = tile_images(np.zeros((5, 8, 8, 1)), padding=1)
    >>> grid.shape
    (17, 26, 1)
    """
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[0] < 1:
        raise ValueError(
            "`images` must have shape (n, H, W, C) or (n, H, W) with n >= 1. "
            f"Received: images.shape={x.shape}"
        )
    n, height, width, channels = x.shape
    if columns is None:
        columns = math.ceil(math.sqrt(n))
    if (
        isinstance(columns, bool)
        or not isinstance(columns, numbers.Integral)
        or columns < 1
    ):
        raise ValueError(
            f"`columns` must be an integer >= 1. Received: columns={columns!r}"
        )
    if (
        isinstance(padding, bool)
        or not isinstance(padding, numbers.Integral)
        or padding < 0
    ):
        raise ValueError(
            f"`padding` must be an integer >= 0. Received: padding={padding!r}"
        )
    if not 0 <= pad_value <= 255:
        raise ValueError(
            "`pad_value` must be in [0, 255]. "
            f"Received: pad_value={pad_value!r}"
        )
    columns = int(min(columns, n))
    rows = math.ceil(n / columns)
    x = _to_uint8(x)
    grid = np.full(
        (
            rows * height + (rows - 1) * padding,
            columns * width + (columns - 1) * padding,
            channels,
        ),
        int(pad_value),
        dtype="uint8",
    )
    for i in range(n):
        top = (i // columns) * (height + padding)
        left = (i % columns) * (width + padding)
        grid[top : top + height, left : left + width] = x[i]
    return grid


def save_png(path, image):
    """Writes a uint8 image to a PNG file atomically.

    Parent directories are created. The file is first written to a
    temporary file in the same directory and then moved into place with
    `os.replace`, so a reader never sees a half-written PNG.

    Args:
        path: Destination file path (str or path-like).
        image: uint8 array of shape `(H, W)`, `(H, W, 1)`, `(H, W, 3)` or
            `(H, W, 4)`.

    Returns:
        The path written, as a string.

    Example:

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = save_png(os.path.join(d, "a", "x.png"), np.zeros((4, 4), "uint8"))
    >>> os.path.exists(p)
    True
    """
    data = png_bytes(image)  # checks the image before any file is made
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
        prefix=".tmp-", suffix=".png", dir=directory
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
    return path


def _resize_coords(in_size, out_size):
    # align_corners=False: output pixel centre d maps to input coordinate
    # (d + 0.5) * in / out - 0.5, clamped to the edge pixels.
    d = np.arange(out_size, dtype="float64")
    s = (d + 0.5) * (in_size / out_size) - 0.5
    s = np.clip(s, 0.0, in_size - 1)
    i0 = np.floor(s).astype(int)
    i1 = np.minimum(i0 + 1, in_size - 1)
    return i0, i1, s - i0


def resize_bilinear(images, size):
    """Resizes images with bilinear interpolation, in NumPy.

    Uses the `align_corners=False` convention (pixel centres at half
    integers, as in `PIL` and `tf.image.resize`) with edge clamping, in
    float64 arithmetic, so the result is exactly reproducible.

    Args:
        images: Array of shape `(n, H, W, C)` or `(H, W, C)`.
        size: `(new_height, new_width)`, positive integers.

    Returns:
        A float32 NumPy array of shape `(n, new_height, new_width, C)` or
        `(new_height, new_width, C)`.

    Example:

    >>> resize_bilinear(np.ones((2, 8, 8, 1)), (16, 16)).shape
    (2, 16, 16, 1)
    """
    x = np.asarray(images, dtype="float64")
    if x.ndim not in (3, 4):
        raise ValueError(
            "`images` must have shape (n, H, W, C) or (H, W, C). "
            f"Received: images.shape={x.shape}"
        )
    try:
        out_h, out_w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(
            f"`size` must be (height, width). Received: size={size!r}"
        ) from None
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"`size` must contain positive integers. Received: size={size!r}"
        )
    y0, y1, wy = _resize_coords(x.shape[-3], out_h)
    x0, x1, wx = _resize_coords(x.shape[-2], out_w)
    wy = wy[:, None, None]
    x = np.take(x, y0, axis=-3) * (1.0 - wy) + np.take(x, y1, axis=-3) * wy
    wx = wx[:, None]
    x = np.take(x, x0, axis=-2) * (1.0 - wx) + np.take(x, x1, axis=-2) * wx
    return x.astype("float32")


#: Smallest side in pixels of an image cell of a grid with `scale="auto"`.
MIN_CELL = 64


def upscale_factor(side, scale="auto"):
    """The integer factor that makes a cell of `side` pixels readable.

    Args:
        side: Side of one image in pixels.
        scale: `"auto"` (the smallest factor giving at least `MIN_CELL`
            pixels, 1 for images that large) or an integer >= 1.

    Returns:
        An integer >= 1.

    Example:

    >>> upscale_factor(16), upscale_factor(100), upscale_factor(16, 2)
    (4, 1, 2)
    """
    if scale != "auto":
        return int(scale)
    return max(1, math.ceil(MIN_CELL / max(1, int(side))))


def upscale(image, factor):
    """Repeats every pixel of an `(H, W[, C])` image `factor` times per axis.

    Args:
        image: A NumPy image.
        factor: An integer >= 1.

    Returns:
        The image, `factor` times larger on both axes.
    """
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def png_bytes(image):
    """Encodes a uint8 image as PNG.

    Args:
        image: uint8 array of shape `(H, W)`, `(H, W, 1)`, `(H, W, 3)` or
            `(H, W, 4)`.

    Returns:
        The PNG file's bytes.

    Example:

    >>> png_bytes(np.zeros((4, 4), "uint8"))[:4]
    b'\\x89PNG'
    """
    import io

    from PIL import Image

    buffer = io.BytesIO()
    image = _png_ready(image)
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def _png_ready(image):
    """A uint8 `(H, W)`, `(H, W, 3)` or `(H, W, 4)` array, or an error."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(
            "`image` must be a uint8 array. "
            f"Received: image.dtype={image.dtype}"
        )
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))):
        raise ValueError(
            "`image` must have shape (H, W), (H, W, 1), (H, W, 3) or "
            f"(H, W, 4). Received: image.shape={image.shape}"
        )
    return image
