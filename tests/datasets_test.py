import math

import numpy as np
import pytest

from keras_aegan.datasets import grid_centers
from keras_aegan.datasets import load_digits
from keras_aegan.datasets import make_grid
from keras_aegan.datasets import make_ring
from keras_aegan.datasets import ring_centers
from keras_aegan.utils import resize_bilinear


def _nearest(x, centers):
    d = np.linalg.norm(x[:, None, :] - centers[None, :, :], axis=-1)
    return d.argmin(axis=1), d.min(axis=1)


def test_ring_centers_geometry():
    c = ring_centers(8, radius=1.0)
    assert c.shape == (8, 2) and c.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(c[0], [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(c[2], [0.0, 1.0], atol=1e-6)
    s = math.sqrt(0.5)
    np.testing.assert_allclose(c[1], [s, s], atol=1e-6)
    np.testing.assert_allclose(
        np.linalg.norm(ring_centers(5, radius=3.0), axis=1), 3.0, atol=1e-5
    )


def test_grid_centers_geometry():
    c = grid_centers(25, spacing=2.0)
    assert c.shape == (25, 2)
    assert sorted(set(c[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert sorted(set(c[:, 1].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(p) for p in c.tolist()}) == 25
    np.testing.assert_allclose(c.mean(axis=0), [0.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(
        grid_centers(4, spacing=1.0),
        [[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]],
    )


@pytest.mark.parametrize(
    "make, centers, std, modes",
    [
        (make_ring, ring_centers(8, 1.0), 0.01, 8),
        (make_grid, grid_centers(25, 2.0), 0.05, 25),
    ],
)
def test_mixture_statistics(make, centers, std, modes):
    n = 10000
    x, labels = make(n, seed=0, return_labels=True)
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert labels.shape == (n,) and labels.dtype == np.int32
    nearest, dist = _nearest(x, centers)
    # The modes are far apart relative to std, so every sample lies
    # nearest to the centre it was drawn from.
    np.testing.assert_array_equal(nearest, labels)
    # For an isotropic 2-D Gaussian, d^2 / std^2 ~ chi2(2) (mean 2, var
    # 4): the relative standard error of mean(d^2) is 1 / sqrt(n) = 1 %.
    # Allow 5 %.
    ratio = np.mean(dist.astype("float64") ** 2) / (2 * std**2)
    assert abs(ratio - 1.0) < 0.05, ratio
    # Almost all samples are within 3 std (prob 1 - exp(-4.5) = 98.9 %).
    hq = np.mean(dist < 3 * std)
    assert abs(hq - (1 - math.exp(-4.5))) < 0.005, hq
    # Mode counts ~ Binomial(n, 1/modes); allow 5 binomial std devs.
    p = 1.0 / modes
    tol = 5 * math.sqrt(n * p * (1 - p))
    counts = np.bincount(labels, minlength=modes)
    assert len(counts) == modes
    assert np.all(np.abs(counts - n * p) < tol), (counts, tol)


def test_mixtures_are_seeded():
    np.testing.assert_array_equal(make_ring(50, seed=3), make_ring(50, seed=3))
    assert not np.array_equal(make_ring(50, seed=3), make_ring(50, seed=4))
    np.testing.assert_array_equal(make_grid(50, seed=3), make_grid(50, seed=3))


def test_mixture_options():
    x, labels = make_ring(
        2000, modes=3, radius=5.0, std=0.1, seed=1, return_labels=True
    )
    assert set(labels.tolist()) == {0, 1, 2}
    np.testing.assert_allclose(np.linalg.norm(x, axis=1).mean(), 5.0, atol=0.05)
    x = make_grid(1000, modes=9, spacing=1.0, std=0.01, seed=1)
    _, dist = _nearest(x, grid_centers(9, 1.0))
    assert dist.max() < 0.06
    assert np.abs(x).max() < 1.1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "n=0"),
        (dict(n=-3), "n=-3"),
        (dict(n=2.5), "n=2.5"),
        (dict(n=10, modes=0), "modes=0"),
        (dict(n=10, std=0.0), "std=0.0"),
        (dict(n=10, std=-1), "std=-1"),
    ],
)
def test_mixture_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_ring(**kwargs)
    with pytest.raises(ValueError, match=match):
        make_grid(**kwargs)


def test_grid_requires_square_modes():
    with pytest.raises(ValueError, match="modes=8"):
        make_grid(10, modes=8)
    with pytest.raises(ValueError, match="spacing=0"):
        grid_centers(4, spacing=0)


def test_resize_constant_is_constant():
    x = np.full((2, 8, 8, 1), 7.0)
    y = resize_bilinear(x, (16, 16))
    assert y.shape == (2, 16, 16, 1) and y.dtype == np.float32
    np.testing.assert_array_equal(y, 7.0)


def test_resize_linear_ramp_stays_linear():
    ramp = np.tile(np.arange(8, dtype="float64"), (8, 1))[None, ..., None]
    y = resize_bilinear(ramp, (16, 16))[0, :, :, 0]
    # Rows are identical (no vertical variation).
    np.testing.assert_array_equal(y, np.tile(y[:1], (16, 1)))
    # align_corners=False: output column d samples input x = d / 2 - 0.25,
    # so the interior is the ramp itself with slope 1/2 ...
    d = np.arange(1, 15)
    np.testing.assert_allclose(y[0, 1:15], d / 2 - 0.25, atol=1e-6)
    # ... and the edges are clamped.
    assert y[0, 0] == 0.0 and y[0, 15] == 7.0
    # The transpose behaves the same way.
    yt = resize_bilinear(np.swapaxes(ramp, 1, 2), (16, 16))[0, :, :, 0]
    np.testing.assert_allclose(yt, y.T, atol=1e-6)


def test_resize_downsample_by_two_averages_pairs():
    x = np.arange(16, dtype="float64").reshape(1, 4, 4, 1)
    y = resize_bilinear(x, (2, 2))[0, :, :, 0]
    expected = x[0, :, :, 0].reshape(2, 2, 2, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_load_digits_shapes_ranges_and_split():
    (x_train, y_train), (x_test, y_test) = load_digits()
    assert len(x_train) + len(x_test) == 1797
    assert x_train.shape == (1438, 16, 16, 1)
    assert x_test.shape == (359, 16, 16, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert 0.0 <= x_test.min() and x_test.max() <= 1.0
    # Class counts of the sklearn digits, and a stratified 20 % split.
    totals = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    np.testing.assert_array_equal(
        totals, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    test_counts = np.bincount(y_test, minlength=10)
    np.testing.assert_array_equal(test_counts, np.round(totals * 0.2))
    # No example in both sets (the 1,797 sklearn images are distinct).
    train_keys = {im.tobytes() for im in x_train}
    assert len(train_keys) == len(x_train)
    assert not train_keys & {im.tobytes() for im in x_test}
    # Labels are shuffled, not sorted by class.
    assert np.any(np.diff(y_train) < 0)


def test_load_digits_matches_sklearn_images():
    from sklearn.datasets import load_digits as sk_load

    raw = sk_load()
    (x_train, y_train), (x_test, y_test) = load_digits()
    images = np.concatenate([x_train, x_test])
    labels = np.concatenate([y_train, y_test])
    # Every returned image is the upsampled version of exactly one
    # sklearn image, with that image's label.
    expected = resize_bilinear(raw.images[..., None] / 16.0, (16, 16))
    keys = {e.tobytes(): i for i, e in enumerate(expected)}
    idx = np.array([keys[im.tobytes()] for im in images])
    assert sorted(idx.tolist()) == list(range(1797))
    np.testing.assert_array_equal(labels, raw.target[idx])
    # The interior of an upsampled image interpolates the 8x8 pixels.
    i = idx[0]
    src = raw.images[i] / 16.0
    up = images[0, :, :, 0]
    # Output pixel 1 samples input coordinate 0.25: weights 3/4 and 1/4
    # along each axis.
    expected_11 = (
        0.5625 * src[0, 0]
        + 0.1875 * (src[0, 1] + src[1, 0])
        + 0.0625 * src[1, 1]
    )
    np.testing.assert_allclose(up[1, 1], expected_11, atol=1e-6)
    np.testing.assert_allclose(up[0, 0], src[0, 0], atol=1e-6)


def test_load_digits_is_deterministic():
    (a, ya), (b, yb) = load_digits(seed=0)
    (c, yc), (d, yd) = load_digits(seed=0)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(ya, yc)
    np.testing.assert_array_equal(b, d)
    _, (e, _) = load_digits(seed=1)
    assert not np.array_equal(b, e)
    _, (x_half, _) = load_digits(test_fraction=0.5)
    assert abs(len(x_half) - 1797 / 2) <= 10


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, "0.2"])
def test_load_digits_validates_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=fraction)
