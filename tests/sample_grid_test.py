import math

import numpy as np
import pytest
from PIL import Image

from keras_aegan.callbacks import SampleGrid
from keras_aegan.datasets import make_ring

BLUE = (31, 90, 200)
GREY = (170, 170, 170)


class FakeImageModel:
    """Stands in for an AEGAN: deterministic generate/reconstruct."""

    data_kind = "image"

    def __init__(self, shape=(6, 5, 1), dtype="float32", signed=False):
        self.shape = shape
        self.dtype = dtype
        self.signed = signed
        self.calls = []
        rng = np.random.default_rng(7)
        self.reference_batch = self._make(rng, 20)

    def _make(self, rng, n):
        x = rng.random((n,) + self.shape)
        if self.dtype == "uint8":
            return np.round(x * 255).astype("uint8")
        if self.signed:
            x = 2 * x - 1
        return x.astype(self.dtype)

    def generate(self, n, seed=None):
        self.calls.append((n, seed))
        return self._make(np.random.default_rng(seed), n)

    def reconstruct(self, x):
        if self.dtype == "uint8":
            return 255 - x
        return -x if self.signed else 1 - x


class FakeVectorModel:
    data_kind = "vector"

    def __init__(self, features=2):
        self.features = features
        self.reference_batch = make_ring(200, seed=0, std=0.05)
        if features != 2:
            self.reference_batch = np.zeros((10, features), "float32")

    def generate(self, n, seed=None):
        rng = np.random.default_rng(seed)
        return rng.normal(size=(n, self.features)).astype("float32")

    def reconstruct(self, x):
        return x


def _read(path):
    return np.asarray(Image.open(path))


def _tile(grid, i, columns, h, w, padding=1):
    r, c = divmod(i, columns)
    top, left = r * (h + padding), c * (w + padding)
    return grid[top : top + h, left : left + w]


def _expected_uint8(x, signed=False):
    x = x.astype("float64")
    if signed:
        x = (x + 1) / 2
    return np.round(np.clip(x, 0, 1) * 255).astype("uint8")


def test_writes_every_n_epochs(tmp_path):
    model = FakeImageModel()
    cb = SampleGrid(tmp_path / "run", every=2, num_samples=9, seed=5)
    cb.set_model(model)
    for epoch in range(5):
        cb.on_epoch_end(epoch)
    names = [p.split("/")[-1] for p in cb.written]
    assert names == [
        "samples_epoch_0002.png",
        "reconstructions_epoch_0002.png",
        "samples_epoch_0004.png",
        "reconstructions_epoch_0004.png",
    ]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(names)
    # The same latent batch every time.
    assert model.calls == [(9, 5), (9, 5)]
    np.testing.assert_array_equal(_read(cb.written[0]), _read(cb.written[2]))


@pytest.mark.parametrize(
    "dtype, signed", [("float32", False), ("float32", True), ("uint8", False)]
)
def test_sample_tiles_equal_generated_images(tmp_path, dtype, signed):
    model = FakeImageModel(dtype=dtype, signed=signed)
    cb = SampleGrid(tmp_path, num_samples=10, seed=3, scale=1)
    cb.set_model(model)
    cb.on_epoch_end(0)
    grid = _read(tmp_path / "samples_epoch_0001.png")
    # 10 images of 6x5, 4 columns, 3 rows, 1 pixel padding.
    assert grid.shape == (3 * 6 + 2, 4 * 5 + 3)
    images = FakeImageModel(dtype=dtype, signed=signed).generate(10, seed=3)
    if dtype == "uint8":
        expected = images
    else:
        expected = _expected_uint8(images, signed)
    for i in range(10):
        np.testing.assert_array_equal(
            _tile(grid, i, 4, 6, 5), expected[i, :, :, 0]
        )


def test_reconstruction_rows_alternate(tmp_path):
    model = FakeImageModel(shape=(4, 4, 3))
    cb = SampleGrid(tmp_path, num_samples=4, num_reconstructions=5, scale=1)
    cb.set_model(model)
    cb.on_epoch_end(0)
    grid = _read(tmp_path / "reconstructions_epoch_0001.png")
    # 5 pairs, 3 columns, 2 pairs of rows -> 4 rows of 4x4 RGB tiles.
    assert grid.shape == (4 * 4 + 3, 3 * 4 + 2, 3)
    real = _expected_uint8(model.reference_batch[:5])
    recon = _expected_uint8(1 - model.reference_batch[:5])
    for i in range(5):
        r, c = divmod(i, 3)
        np.testing.assert_array_equal(
            _tile(grid, 2 * r * 3 + c, 3, 4, 4), real[i]
        )
        np.testing.assert_array_equal(
            _tile(grid, (2 * r + 1) * 3 + c, 3, 4, 4), recon[i]
        )
    # The unused cell (row 2, column 2) is white.
    assert np.all(_tile(grid, 2 * 3 + 2, 3, 4, 4) == 255)


def test_reference_data_argument_wins(tmp_path):
    model = FakeImageModel()
    ref = np.zeros((3, 6, 5, 1), "float32")
    cb = SampleGrid(tmp_path, num_samples=1, reference_data=ref, scale=1)
    cb.set_model(model)
    cb.on_epoch_end(0)
    grid = _read(tmp_path / "reconstructions_epoch_0001.png")
    # columns = ceil(sqrt(3)) = 2; real row is black, recon row white.
    assert np.all(_tile(grid, 0, 2, 6, 5) == 0)
    assert np.all(_tile(grid, 2, 2, 6, 5) == 255)


def test_no_reference_no_reconstructions(tmp_path):
    model = FakeImageModel()
    model.reference_batch = None
    cb = SampleGrid(tmp_path, num_samples=4)
    cb.set_model(model)
    cb.on_epoch_end(0)
    assert [p.split("/")[-1] for p in cb.written] == ["samples_epoch_0001.png"]
    cb = SampleGrid(tmp_path / "b", num_samples=4, num_reconstructions=0)
    cb.set_model(FakeImageModel())
    cb.on_epoch_end(0)
    assert len(cb.written) == 1


def test_vector_2d_scatter(tmp_path):
    cb = SampleGrid(tmp_path, num_samples=100)
    cb.set_model(FakeVectorModel())
    cb.on_epoch_end(0)
    assert [p.split("/")[-1] for p in cb.written] == ["samples_epoch_0001.png"]
    img = _read(cb.written[0])
    assert img.shape == (256, 256, 3)
    blue = np.all(img == BLUE, axis=-1).sum()
    grey = np.all(img == GREY, axis=-1).sum()
    # 100 dots of 4 pixels (some overlap), and visible reference points.
    assert 100 < blue <= 400
    assert grey > 100


def test_vector_other_dims_writes_nothing(tmp_path):
    cb = SampleGrid(tmp_path / "v", num_samples=10)
    cb.set_model(FakeVectorModel(features=3))
    cb.on_epoch_end(0)
    assert cb.written == []
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(every=0), "every=0"),
        (dict(every=1.5), "every=1.5"),
        (dict(num_samples=0), "num_samples=0"),
        (dict(num_reconstructions=-1), "num_reconstructions=-1"),
        (dict(seed="a"), "seed='a'"),
    ],
)
def test_validation(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SampleGrid(tmp_path, **kwargs)


def test_default_grid_is_square(tmp_path):
    cb = SampleGrid(tmp_path, scale=1)
    cb.set_model(FakeImageModel(shape=(3, 3, 1)))
    cb.on_epoch_end(0)
    grid = _read(cb.written[0])
    side = int(math.sqrt(64)) * 3 + 7
    assert grid.shape == (side, side)


def test_small_images_are_enlarged_to_be_readable(tmp_path):
    # 16x16 digits: factor ceil(64 / 16) = 4; 64 samples in an 8x8 grid
    # with 1-pixel padding is 135 pixels a side, 540 enlarged.
    model = FakeImageModel(shape=(16, 16, 1))
    cb = SampleGrid(tmp_path / "auto", num_reconstructions=4)
    cb.set_model(model)
    cb.on_epoch_end(0)
    native = SampleGrid(tmp_path / "native", num_reconstructions=4, scale=1)
    native.set_model(FakeImageModel(shape=(16, 16, 1)))
    native.on_epoch_end(0)
    for big, small in zip(cb.written, native.written):
        big, small = _read(big), _read(small)
        assert big.shape == (4 * small.shape[0], 4 * small.shape[1])
        np.testing.assert_array_equal(big[::4, ::4], small)
    assert _read(cb.written[0]).shape == (540, 540)
    with pytest.raises(ValueError, match="scale=0"):
        SampleGrid(tmp_path, scale=0)
