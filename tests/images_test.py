import os

import numpy as np
import pytest
from PIL import Image

from keras_aegan.utils import save_png
from keras_aegan.utils import scatter_image
from keras_aegan.utils import scatter_png
from keras_aegan.utils import tile_images
from keras_aegan.utils import to_unit_range

BLUE = (31, 90, 200)
GREY = (170, 170, 170)
WHITE = (255, 255, 255)


def test_to_unit_range():
    u8 = np.array([0, 51, 255], dtype="uint8")
    np.testing.assert_allclose(to_unit_range(u8), [0.0, 0.2, 1.0])
    signed = np.array([-1.0, 0.0, 0.5, 1.0, 2.0], dtype="float32")
    np.testing.assert_allclose(
        to_unit_range(signed), [0.0, 0.5, 0.75, 1.0, 1.0]
    )
    unit = np.array([0.0, 0.25, 1.5, np.nan])
    np.testing.assert_allclose(to_unit_range(unit), [0.0, 0.25, 1.0, 0.0])
    assert to_unit_range(unit).dtype == np.float32
    # An explicit range wins over inference.
    np.testing.assert_allclose(
        to_unit_range(np.array([0.0, 0.5]), value_range=(-1, 1)),
        [0.5, 0.75],
    )
    with pytest.raises(ValueError, match="value_range"):
        to_unit_range(unit, value_range=(1, 1))


def test_tile_images_layout():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 200, size=(5, 4, 3, 3)).astype("uint8")
    grid = tile_images(x, padding=2, pad_value=255)
    # columns = ceil(sqrt(5)) = 3, rows = 2.
    assert grid.shape == (2 * 4 + 2, 3 * 3 + 2 * 2, 3)
    assert grid.dtype == np.uint8
    for i in range(5):
        r, c = divmod(i, 3)
        top, left = r * 6, c * 5
        np.testing.assert_array_equal(
            grid[top : top + 4, left : left + 3], x[i]
        )
    # Gaps and the empty sixth cell are pad_value.
    assert np.all(grid[4:6] == 255)
    assert np.all(grid[:, 3:5] == 255)
    assert np.all(grid[6:, 10:] == 255)


def test_tile_images_float_and_options():
    x = np.linspace(0.0, 1.0, 4 * 2 * 2).reshape(4, 2, 2)
    grid = tile_images(x, columns=4, padding=0)
    assert grid.shape == (2, 8, 1)
    expected = np.round(x * 255).astype("uint8")
    np.testing.assert_array_equal(grid[:, 2:4, 0], expected[1])
    # More columns than images collapses to one row.
    assert tile_images(x, columns=10, padding=1).shape == (2, 11, 1)
    with pytest.raises(ValueError, match="columns=0"):
        tile_images(x, columns=0)
    with pytest.raises(ValueError, match="padding=-1"):
        tile_images(x, padding=-1)
    with pytest.raises(ValueError, match=r"images.shape=\(2, 2\)"):
        tile_images(np.zeros((2, 2)))


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3)])
def test_save_png_roundtrip(tmp_path, shape):
    image = np.random.default_rng(1).integers(0, 256, shape).astype("uint8")
    path = tmp_path / "a" / "b" / "img.png"
    assert save_png(path, image) == str(path)
    back = np.asarray(Image.open(path))
    np.testing.assert_array_equal(back, image.reshape(back.shape))
    assert back.shape[:2] == (5, 7)
    # Nothing but the PNG is left in the directory (temp file replaced).
    assert os.listdir(tmp_path / "a" / "b") == ["img.png"]


def test_save_png_overwrites_and_validates(tmp_path):
    path = tmp_path / "x.png"
    save_png(path, np.zeros((2, 2), "uint8"))
    save_png(path, np.full((3, 3), 9, "uint8"))
    assert np.asarray(Image.open(path)).tolist() == [[9] * 3] * 3
    with pytest.raises(ValueError, match="dtype=float64"):
        save_png(path, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"image.shape=\(2, 2, 2\)"):
        save_png(path, np.zeros((2, 2, 2), "uint8"))
    assert os.listdir(tmp_path) == ["x.png"]


def _pixels(image, color):
    return np.all(image == np.array(color, "uint8"), axis=-1)


def test_scatter_image_positions():
    points = np.array([[0.0, 0.0], [1.0, 1.0]])
    img = scatter_image(points, size=11, extent=(0, 1, 0, 1))
    assert img.shape == (11, 11, 3) and img.dtype == np.uint8
    blue = _pixels(img, BLUE)
    # (0, 0) is the bottom-left corner, (1, 1) the top-right: 2x2 dots.
    assert blue[9:11, 0:2].all()
    assert blue[0:2, 9:11].all()
    assert blue.sum() == 8
    assert _pixels(img, WHITE).sum() == 121 - 8


def test_scatter_image_reference_underneath():
    ref = np.array([[0.0, 0.0], [1.0, 0.0]])
    points = np.array([[0.0, 0.0], [np.nan, 1.0], [5.0, 5.0]])
    img = scatter_image(points, reference=ref, size=11, extent=(0, 1, 0, 1))
    # The shared point is blue (drawn on top); the other reference is grey.
    assert _pixels(img, BLUE)[9:11, 0:2].all()
    assert _pixels(img, GREY)[9:11, 9:11].all()
    # The NaN point and the one outside the extent are skipped.
    assert _pixels(img, BLUE).sum() == 4


def test_scatter_default_extent_has_margin(tmp_path):
    points = np.array([[-2.0, -1.0], [2.0, 1.0]])
    path = scatter_png(tmp_path / "s" / "p.png", points, size=101)
    img = np.asarray(Image.open(path))
    assert img.shape == (101, 101, 3)
    rows, cols = np.nonzero(_pixels(img, BLUE))
    # 10 % margin: the bounding box spans 100 / 1.2 = 83 pixels.
    assert 7 <= cols.min() <= 9 and 91 <= cols.max() <= 93
    assert 7 <= rows.min() <= 9 and 91 <= rows.max() <= 93
    # A single point (zero span) still works.
    img = scatter_image(np.zeros((1, 2)), size=20)
    assert _pixels(img, BLUE).sum() == 4


def test_scatter_validation():
    with pytest.raises(ValueError, match=r"points.shape=\(3, 3\)"):
        scatter_image(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="size=1"):
        scatter_image(np.zeros((3, 2)), size=1)
    with pytest.raises(ValueError, match="extent"):
        scatter_image(np.zeros((3, 2)), extent=(1, 0, 0, 1))
