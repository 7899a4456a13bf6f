"""NumPy references for the convolution layer tests (float64)."""

import numpy as np


def conv2d(x, kernel, strides=1, padding="valid", groups=1):
    """Channels-last 2-D cross-correlation, as Keras defines `Conv2D`.

    `"same"` padding is only for stride 1 here (the tests use it so):
    `k - 1` rows/columns of zeros split as `(k - 1) // 2` before and the
    rest after, which keeps the size.
    """
    x = np.asarray(x, "float64")
    kernel = np.asarray(kernel, "float64")
    kh, kw, group_in, filters = kernel.shape
    if padding == "same":
        assert strides == 1, "the reference pads for stride 1 only"
        x = np.pad(
            x,
            [
                (0, 0),
                ((kh - 1) // 2, kh // 2),
                ((kw - 1) // 2, kw // 2),
                (0, 0),
            ],
        )
    # windows: (n, out_h, out_w, channels, kh, kw)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), (1, 2))
    windows = windows[:, ::strides, ::strides]
    group_out = filters // groups
    outputs = []
    for g in range(groups):
        w = windows[..., g * group_in : (g + 1) * group_in, :, :]
        k = kernel[..., g * group_out : (g + 1) * group_out]
        outputs.append(np.einsum("nhwcij,ijcf->nhwf", w, k))
    return np.concatenate(outputs, axis=-1)


def average_pool_2x2(x):
    """2x2 average pooling, stride 2, even height and width."""
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def upsample_nearest_2x(x):
    return np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
