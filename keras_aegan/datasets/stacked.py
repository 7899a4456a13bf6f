"""Stacked digits: three built-in digits as the channels of one image.

The Stacked-MNIST protocol of VEEGAN and PacGAN (1,000 modes) rebuilt on
the built-in 16x16 digits, so it needs no download.
"""

import numbers

import numpy as np

from keras_aegan.datasets.digits import load_digits
from keras_aegan.utils.validation import check_int

SPLITS = ("train", "test")
NUM_CHANNELS = 3
NUM_MODES = 10**NUM_CHANNELS


def make_stacked_digits(n, seed=0, split="train"):
    """Samples 16x16x3 images whose channels are three independent digits.

    Each image takes three digits drawn independently and uniformly (with
    replacement) from one split of `load_digits()` (with its default
    split: 1,438 training or 359 test images) and stacks them as its red,
    green and blue channels. A mode is the triple of classes, so there are
    1,000 modes; their frequencies are the products of the split's class
    frequencies (close to uniform: the split is stratified and each class
    holds 9.6 % to 10.4 % of it). Mode `k` of an image with labels
    `(a, b, c)` is `100 * a + 10 * b + c` (channel 0 most significant),
    as `keras_aegan.metrics.stacked_mode_coverage` counts them.

    Score a generator trained on `split="train"` with
    `keras_aegan.metrics.stacked_mode_coverage` on 26,000 samples (the
    protocol of VEEGAN and PacGAN); `split="test"` gives a perfect sampler
    of held-out digits for the ceiling.

    Args:
        n: Number of images, an integer >= 1.
        seed: Seed for `np.random.default_rng` drawing the digits. `None`
            draws fresh entropy; an integer makes the result reproducible.
        split: `"train"` or `"test"`: which split of `load_digits()` the
            digits come from.

    Returns:
        Tuple `(images, labels)`: `images` is a float32 NumPy array of
        shape `(n, 16, 16, 3)` with values in `[0, 1]`; `labels` is an
        int32 array of shape `(n, 3)` holding the class (0..9) of each
        channel's digit.

    Example:

    >>> images, labels = make_stacked_digits(1000, seed=0)
    >>> images.shape, labels.shape
    ((1000, 16, 16, 3), (1000, 3))
    >>> modes = labels @ np.array([100, 10, 1])
    >>> len(np.unique(modes)) > 600  # about 632 of 1000 for 1000 draws
    True

    Reference:
        - [Srivastava et al., 2017](https://arxiv.org/abs/1705.07761)
          (VEEGAN), Stacked-MNIST experiment.
        - [Lin et al., 2018](https://arxiv.org/abs/1712.04086)
          (PacGAN), Tables 2 and 3.
    """
    n = check_int("n", n, 1)
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
    ):
        raise ValueError(
            f"`seed` must be an integer or None. Received: seed={seed!r}"
        )
    if split not in SPLITS:
        raise ValueError(
            f"`split` must be one of {SPLITS}. Received: split={split!r}"
        )
    train, test = load_digits()
    x, y = train if split == "train" else test
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(x), size=(n, NUM_CHANNELS))
    # x[index] is (n, 3, 16, 16, 1): move the three digits to channels.
    images = np.moveaxis(x[index][..., 0], 1, -1)
    images = np.ascontiguousarray(images, dtype="float32")
    labels = y[index].astype("int32")
    return images, labels
