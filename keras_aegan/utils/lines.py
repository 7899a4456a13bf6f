"""Line charts of sequences as image tiles (NumPy only).

Sample callbacks show sequence data `(n, T, C)` as a batch of small line
charts, one tile per sequence and one colour per channel, which
`keras_aegan.utils.images.tile_images` then arranges into a grid.
"""

import numbers

import numpy as np

# RGB uint8 colours: channels cycle through the palette.
PALETTE = (
    (31, 90, 200),
    (214, 96, 20),
    (40, 150, 60),
    (190, 40, 40),
    (130, 80, 180),
    (20, 150, 160),
)
BACKGROUND = (246, 246, 246)
ZERO_LINE = (200, 200, 200)


def sequence_value_range(sequences):
    """The value range shown by line charts of a batch of sequences.

    The finite minimum and maximum, widened by 5% of the span on each
    side so the extremes do not touch the tile's edges. A batch without
    spread (or without finite values) gets a range of width 2 around
    its value (around 0).

    Args:
        sequences: Array-like of any shape.

    Returns:
        A `(low, high)` tuple of floats with `low < high`.

    Example:

    >>> sequence_value_range(np.array([0.0, 1.0]))
    (-0.05, 1.05)
    """
    x = np.asarray(sequences, dtype="float64")
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (-1.0, 1.0)
    low, high = float(x.min()), float(x.max())
    if not high > low:
        return (low - 1.0, high + 1.0)
    margin = 0.05 * (high - low)
    return (low - margin, high + margin)


def line_charts(sequences, value_range=None, height=48, width=None):
    """Draws each sequence of a batch as a line chart tile.

    Values are read at `width` evenly spaced positions along the time
    axis (linear interpolation between steps) and joined by vertical
    strokes, so every column of the tile is drawn. Larger values are
    higher up. A grey line marks 0 when it lies inside the range; values
    outside the range are drawn at the edge; NaN is drawn as 0.

    Args:
        sequences: Array of shape `(n, T, C)` (or `(n, T)` for one
            channel), `T >= 1`.
        value_range: Optional `(low, high)` mapped to the bottom and top
            of the tile; use one range for batches that should compare.
            Defaults to `sequence_value_range(sequences)`.
        height: Tile height in pixels, an integer >= 2.
        width: Tile width in pixels, an integer >= 2. Defaults to `T`
            clipped to `[64, 256]`.

    Returns:
        A uint8 array of shape `(n, height, width, 3)`.

    Example:

    >>> t = np.linspace(0.0, 6.28, 64)
    >>> line_charts(np.sin(t)[None, :, None]).shape
    (1, 48, 64, 3)
    """
    x = np.asarray(sequences, dtype="float64")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(
            "`sequences` must have shape (n, T, C) or (n, T) with n >= 1 "
            f"and T >= 1. Received: sequences.shape={x.shape}"
        )
    n, steps, channels = x.shape
    if width is None:
        width = min(max(steps, 64), 256)
    for name, value in (("height", height), ("width", width)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value < 2
        ):
            raise ValueError(
                f"`{name}` must be an integer >= 2. Received: {name}={value!r}"
            )
    if value_range is None:
        value_range = sequence_value_range(x)
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise ValueError(
            "`value_range` must satisfy low < high. "
            f"Received: value_range={value_range!r}"
        )
    position = np.linspace(0.0, steps - 1, width)
    i0 = np.floor(position).astype(int)
    i1 = np.minimum(i0 + 1, steps - 1)
    frac = (position - i0)[None, :, None]
    values = x[:, i0] * (1.0 - frac) + x[:, i1] * frac  # (n, width, C)
    values = np.nan_to_num(values, nan=0.0, posinf=high, neginf=low)
    rows = _rows(values, low, high, height)
    previous = np.concatenate([rows[:, :1], rows[:, :-1]], axis=1)
    top = np.minimum(previous, rows)[:, None]  # (n, 1, width, C)
    bottom = np.maximum(previous, rows)[:, None]
    tiles = np.empty((n, height, width, 3), dtype="uint8")
    tiles[...] = BACKGROUND
    if low < 0.0 < high:
        tiles[:, _rows(np.zeros(()), low, high, height)] = ZERO_LINE
    r = np.arange(height)[None, :, None]
    for c in range(channels):
        mask = (r >= top[..., c]) & (r <= bottom[..., c])  # (n, H, width)
        tiles[mask] = PALETTE[c % len(PALETTE)]
    return tiles


def _rows(values, low, high, height):
    """Pixel rows of values: `high` at row 0, `low` at `height - 1`."""
    y = (high - values) / (high - low) * (height - 1)
    return np.clip(np.rint(y), 0, height - 1).astype(int)
