"""The UCI handwritten digits, upsampled to 16x16 (ships with scikit-learn)."""

import numbers

import numpy as np

from keras_aegan.utils.images import resize_bilinear

IMAGE_SIZE = 16


def _stratified_split(labels, test_fraction, seed):
    rng = np.random.default_rng(seed)
    train_idx = []
    test_idx = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(len(idx) * test_fraction))
        if len(idx) >= 2:
            n_test = min(max(n_test, 1), len(idx) - 1)
        test_idx.append(idx[:n_test])
        train_idx.append(idx[n_test:])
    # Mix the classes so that the arrays are not sorted by label.
    train_idx = np.concatenate(train_idx)
    test_idx = np.concatenate(test_idx)
    train_idx = train_idx[rng.permutation(len(train_idx))]
    test_idx = test_idx[rng.permutation(len(test_idx))]
    return train_idx, test_idx


def load_digits(test_fraction=0.2, seed=0):
    """Loads the 1,797 handwritten digits shipped with scikit-learn.

    The 8x8 images (integer values 0..16) are upsampled to 16x16 with
    bilinear interpolation (NumPy, `align_corners=False`, edge clamping;
    see `keras_aegan.utils.resize_bilinear`) and scaled to float32 in
    `[0, 1]`. Nothing is downloaded.

    The split is stratified by label: within each class the examples are
    permuted with `np.random.default_rng(seed)` and
    `round(count * test_fraction)` of them go to the test set. The same
    arguments always give the same split.

    Args:
        test_fraction: Fraction of each class held out for testing, a
            number strictly between 0 and 1.
        seed: Integer seed of the split.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`, like
        `keras.datasets`. Images are float32 of shape `(n, 16, 16, 1)`
        with values in `[0, 1]`; labels are int32 of shape `(n,)` with
        values 0..9.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_test.shape
    ((1438, 16, 16, 1), (359, 16, 16, 1))
    """
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, numbers.Real)
        or not 0.0 < test_fraction < 1.0
    ):
        raise ValueError(
            "`test_fraction` must be a number strictly between 0 and 1. "
            f"Received: test_fraction={test_fraction!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
    from sklearn import datasets as sk_datasets

    bunch = sk_datasets.load_digits()
    images = np.asarray(bunch.images, dtype="float64")[..., None]
    labels = np.asarray(bunch.target, dtype="int32")
    images = resize_bilinear(images, (IMAGE_SIZE, IMAGE_SIZE))
    images = np.clip(images / 16.0, 0.0, 1.0).astype("float32")
    train_idx, test_idx = _stratified_split(labels, test_fraction, seed)
    return (
        (images[train_idx], labels[train_idx]),
        (images[test_idx], labels[test_idx]),
    )
