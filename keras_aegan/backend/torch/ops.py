"""PyTorch versions of ops where Keras's generic path hits a torch bug."""

import math

import torch.nn.functional as F


def conv2d(inputs, kernel, strides, padding, dilation_rate):
    """2-D convolution of NHWC `inputs` with an HWIO `kernel`.

    Computes what `keras.ops.conv` computes for `data_format=
    "channels_last"`, but in the plain (NCHW-contiguous) memory layout.
    Keras converts both operands to PyTorch's channels-last layout, and
    with that layout PyTorch 2.13's CPU backward of a convolution with
    one output channel on a batch of one fails ("slow_conv2d: grad_weight
    must be contiguous"). The layer calls this only for one output channel.

    Args:
        inputs: Tensor `(batch, height, width, channels)`.
        kernel: Tensor `(kh, kw, in_channels, out_channels)`.
        strides: Pair of ints.
        padding: `"valid"` or `"same"` (TensorFlow's convention: the extra
            row or column of an odd total padding goes after).
        dilation_rate: Pair of ints.

    Returns:
        Tensor `(batch, out_height, out_width, out_channels)`.
    """
    x = inputs.permute(0, 3, 1, 2).contiguous()
    k = kernel.permute(3, 2, 0, 1).contiguous()
    if padding == "same":
        pads = []
        for size, k_size, s, d in zip(
            x.shape[2:], k.shape[2:], strides, dilation_rate
        ):
            out = math.ceil(size / s)
            total = max((out - 1) * s + (k_size - 1) * d + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        # F.pad takes the last dimension first: (left, right, top, bottom).
        x = F.pad(x, (*pads[1], *pads[0]))
    y = F.conv2d(x, k, stride=tuple(strides), dilation=tuple(dilation_rate))
    return y.permute(0, 2, 3, 1)


__all__ = ["conv2d"]
