"""Panels the image callbacks share: image batches, real/reconstructed rows.

Used by `SampleGrid` (PNG files) and `TensorBoardImages` (TensorBoard
summaries), which show the same panels.
"""

import math

import numpy as np

from keras_aegan.utils.images import tile_images
from keras_aegan.utils.lines import line_charts


def as_image_batch(x):
    """Returns `x` as `(n, H, W, C)` with C in {1, 3, 4}, or `None`."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        return None
    if x.shape[-1] not in (1, 3, 4):
        # Show the first channel of unusual channel counts as grey.
        x = x[..., :1]
    return x


def sequence_reconstructions(model, reference, count, value_range):
    """Line charts of reference sequences and their reconstructions in
    alternating rows (as for images), or `None`."""
    reconstruct = getattr(model, "reconstruct", None)
    if reference is None or count == 0 or not callable(reconstruct):
        return None
    real = reference[:count]
    recon = np.asarray(reconstruct(real))
    if recon.shape != real.shape:
        return None
    return interleave_rows(
        line_charts(real, value_range) / 255.0,
        line_charts(recon, value_range) / 255.0,
    )


def interleave_rows(real, recon):
    """Tiles real images and reconstructions in alternating rows.

    `real` and `recon` are float batches in `[0, 1]` of the same shape.
    Row `2 r` holds real images `r * columns ... (r + 1) * columns - 1`
    and row `2 r + 1` their reconstructions; empty cells are white, like
    the padding.
    """
    n = len(real)
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    cells = np.ones((2 * rows * columns,) + real.shape[1:], dtype="float32")
    for i in range(n):
        r, c = divmod(i, columns)
        cells[2 * r * columns + c] = real[i]
        cells[(2 * r + 1) * columns + c] = recon[i]
    return tile_images(cells, columns=columns, pad_value=255)
