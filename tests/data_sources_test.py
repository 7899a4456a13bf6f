"""keras_aegan.data: image folders, array files and tables as fit() input.

Every input is written to pytest's tmp_path by the test itself.
"""

import os
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PIL import features

import keras_aegan
from keras_aegan.data import ArraySource
from keras_aegan.data import ImageFolder
from keras_aegan.data import TableSource
from keras_aegan.data import open_source


def _save(path, array, **kwargs):
    """Writes a uint8 array (H, W) or (H, W, 3) as an image file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype="uint8")).save(path, **kwargs)
    return str(path)


def _gray(value, height=16, width=16):
    return np.full((height, width), value, dtype="uint8")


def _rgb(seed, height=16, width=16):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype="uint8")


def _tree(directory):
    """Every file under `directory` with its size and modification time."""
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            stat = os.stat(path)
            found[path] = (stat.st_size, stat.st_mtime_ns)
    return found


def _epoch(source):
    """All batches of one epoch, concatenated."""
    return np.concatenate([source[i] for i in range(len(source))])


def _image_folder(tmp_path, values, name="images"):
    """A folder of 16x16 grayscale PNGs, one constant value each."""
    folder = tmp_path / name
    for k, value in enumerate(values):
        _save(folder / f"{k:03d}.png", _gray(value))
    return str(folder)


# -- Image folders ----------------------------------------------------------


def test_folder_reads_each_format_and_reports_skipped_files(tmp_path):
    folder = tmp_path / "mixed"
    _save(folder / "a.png", _rgb(0, 20, 20))
    _save(folder / "b.jpg", _rgb(1, 24, 24), quality=95)
    _save(folder / "c.bmp", _rgb(2, 16, 16))
    frames = [Image.fromarray(_gray(v)) for v in (50, 200)]
    frames[0].save(folder / "d.gif", save_all=True, append_images=frames[1:])
    if features.check("webp"):
        _save(folder / "e.webp", _rgb(3, 16, 16))
    (folder / "text.png").write_text("not an image")
    jpeg = (folder / "b.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "notes.txt").write_text("hello")
    (folder / ".DS_Store").write_bytes(b"\0\0")
    (folder / "empty").mkdir()
    before = _tree(folder)

    printed = []
    source = open_source(folder, image_size=16, shuffle=False)
    report = source.describe(print_fn=printed.append)

    assert isinstance(source, ImageFolder) and source.data is source
    names = [os.path.basename(p) for p in source.files]
    expected = ["a.png", "b.jpg", "c.bmp", "d.gif"]
    if features.check("webp"):
        expected.append("e.webp")
    assert names == expected
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert sorted(reasons) == ["notes.txt", "text.png", "truncated.jpg"]
    assert "not a readable image" in reasons["text.png"]
    assert "truncated JPEG" in reasons["truncated.jpg"]
    assert "not an image file type" in reasons["notes.txt"]
    assert report.count == len(expected) and report.kind == "image"
    assert report.sample_shape == (16, 16, 3) and report.channels == 3
    assert report.value_range == (0.0, 1.0) and report.class_names is None
    text = printed[0]
    assert "text.png" in text and "samples:      " + str(len(expected)) in text
    x = source[0]
    assert x.dtype == np.float32 and x.shape == (len(expected), 16, 16, 3)
    assert 0.0 <= x.min() and x.max() <= 1.0
    # The BMP is 16x16 already: decoded exactly.
    np.testing.assert_array_equal(x[2], _rgb(2) / np.float32(255))
    assert _tree(folder) == before  # Nothing written to the data folder.


def _mixed_collection(root, digits):
    """A few hundred files as users keep them: built-in digits (grayscale
    PNG, upscaled to mixed sizes) and synthetic shapes (RGB JPEG, RGBA
    PNG, palette GIF, BMP of mixed sizes and aspect ratios) in nested
    class folders, an empty folder and two unreadable files. Returns the
    number of readable images per class."""
    rng = np.random.default_rng(0)
    for i in range(160):
        side = int(rng.integers(16, 41))
        pixels = np.round(digits[i, ..., 0] * 255).astype("uint8")
        image = Image.fromarray(pixels).resize((side, side))
        path = root / "digits" / str(i % 10) / f"d{i:03d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
    formats = ("jpg", "png_rgba", "gif", "bmp")
    for i in range(140):
        height, width = (int(v) for v in rng.integers(12, 64, 2))
        pixels = np.zeros((height, width, 3), "uint8")
        top, left = rng.integers(0, (height // 2, width // 2))
        pixels[top : top + height // 2, left : left + width // 2] = (
            rng.integers(0, 256, 3)
        )
        image = Image.fromarray(pixels)
        kind = formats[i % len(formats)]
        folder = root / "shapes" / ("deep" / Path("er") if i % 3 else ".")
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "jpg":
            image.save(folder / f"s{i:03d}.jpg", quality=90)
        elif kind == "png_rgba":
            image.putalpha(200)
            image.save(folder / f"s{i:03d}.png")
        elif kind == "gif":
            image.convert("P").save(folder / f"s{i:03d}.gif")
        else:
            image.save(folder / f"s{i:03d}.bmp")
    (root / "shapes" / "empty").mkdir()
    jpeg = next((root / "shapes").glob("s000.jpg")).read_bytes()
    (root / "shapes" / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (root / "digits" / "readme.png").write_text("not an image")
    return {"digits": 160, "shapes": 140}


def test_a_few_hundred_mixed_files_in_nested_folders(tmp_path, digits):
    (x, _), _ = digits
    root = tmp_path / "collection"
    counts = _mixed_collection(root, x)
    before = _tree(root)

    source = open_source(root, shuffle=False, batch_size=64)
    report = source.describe(print_fn=None)

    total = sum(counts.values())
    assert report.count == total == len(source.files)
    reasons = {os.path.basename(p): r for p, r in report.skipped}
    assert sorted(reasons) == ["cut.jpg", "readme.png"]
    assert "truncated" in reasons["cut.jpg"].lower()
    assert "not a readable image" in reasons["readme.png"]
    # Colour files among grayscale ones: RGB; the median shorter side
    # (16-63 pixels) rounds to a 32x32 power of two.
    assert report.sample_shape == (32, 32, 3) and report.channels == 3
    assert source.class_names == ["digits", "shapes"]
    np.testing.assert_array_equal(
        np.bincount(source.labels), [counts["digits"], counts["shapes"]]
    )
    epoch = _epoch(source)
    assert epoch.shape == (total, 32, 32, 3) and epoch.dtype == np.float32
    assert 0.0 <= epoch.min() and epoch.max() <= 1.0
    # Grayscale digits are replicated over the three channels.
    first_digit = epoch[0]
    np.testing.assert_array_equal(first_digit[..., 0], first_digit[..., 2])
    assert _tree(root) == before  # Nothing written to the data folder.


def test_gif_gives_its_first_frame_in_grayscale(tmp_path):
    frames = [Image.fromarray(_gray(v)) for v in (50, 200)]
    path = tmp_path / "anim" / "two_frames.gif"
    path.parent.mkdir()
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert Image.open(path).n_frames == 2

    source = ImageFolder(path.parent, image_size=16)

    assert source.channels == 1
    np.testing.assert_array_equal(source[0], np.float32(50) / 255)


def test_class_subfolders_become_labels(tmp_path):
    root = tmp_path / "classes"
    _save(root / "dogs" / "puppies" / "c.png", _gray(30))
    _save(root / "cats" / "b.png", _gray(20))
    _save(root / "cats" / "a.png", _gray(10))
    (root / "birds").mkdir()  # An empty class folder is not a class.

    source = ImageFolder(root, image_size=16, shuffle=False)

    assert source.class_names == ["cats", "dogs"]
    assert [os.path.basename(p) for p in source.files] == [
        "a.png",
        "b.png",
        "c.png",
    ]
    np.testing.assert_array_equal(source.labels, [0, 0, 1])
    assert source[0].shape == (3, 16, 16, 1)  # Images only, no labels.
    report = source.describe(print_fn=None)
    assert report.class_names == ["cats", "dogs"]
    assert any("cats: 2, dogs: 1" in note for note in report.notes)

    _save(root / "loose.png", _gray(40))  # An image outside any class.
    assert ImageFolder(root, image_size=16).labels is None


def test_channels_follow_the_data_unless_given(tmp_path):
    folder = tmp_path / "gray"
    _save(folder / "a.png", _gray(100))
    _save(folder / "b.bmp", _gray(150))
    assert ImageFolder(folder).channels == 1

    rgb = ImageFolder(folder, channels=3, shuffle=False)[0]
    assert rgb.shape == (2, 16, 16, 3)
    np.testing.assert_array_equal(rgb[0], np.float32(100) / 255)

    red = np.zeros((16, 16, 3), "uint8")
    red[..., 0] = 255
    _save(folder / "c.png", red)
    assert ImageFolder(folder).channels == 3
    luma = ImageFolder(folder, channels=1, shuffle=False)[0][2]
    # ITU-R 601-2 luma of pure red: 255 * 299 / 1000 = 76.2 -> 76.
    np.testing.assert_array_equal(luma, np.float32(76) / 255)


def _bands(values, band=16):
    """A (band, band * len(values)) image of vertical bands."""
    return np.concatenate([_gray(v, band, band) for v in values], axis=1)


def test_resize_crop_fit_and_pad(tmp_path):
    wide = _save(tmp_path / "wide" / "x.png", _bands([10, 20, 30]))  # 48x16
    tall = _save(tmp_path / "tall" / "x.png", _bands([10, 20, 30]).T)
    flat = _save(tmp_path / "flat" / "x.png", _gray(200, 16, 32))  # 32x16

    def decode(path, resize):
        source = ImageFolder(
            os.path.dirname(path), image_size=16, resize=resize
        )
        return source[0][0, ..., 0] * 255

    # crop: the shorter side is already 16, so the centre 16 columns
    # (or rows) are cut out unchanged: the middle band.
    np.testing.assert_array_equal(decode(wide, "crop"), 20)
    np.testing.assert_array_equal(decode(tall, "crop"), 20)

    # fit: 48 columns squashed into 16 (factor 3, rows untouched). Bicubic
    # reaches 2 output pixels = 6 input pixels each side: output column j
    # covers input columns 3j + 1.5 +- 6, so columns 2, 8 and 13 lie
    # wholly within one band each and keep its value exactly.
    fit = decode(wide, "fit")
    assert fit.shape == (16, 16)
    np.testing.assert_array_equal(fit[:, 2], 10)
    np.testing.assert_array_equal(fit[:, 8], 20)
    np.testing.assert_array_equal(fit[:, 13], 30)
    assert np.all(np.diff(fit[0]) >= 0)

    # pad: 32x16 scaled to 16x8 (a constant stays constant) and centred:
    # 4 black rows above and below.
    pad = decode(flat, "pad")
    np.testing.assert_array_equal(pad[:4], 0)
    np.testing.assert_array_equal(pad[4:12], 200)
    np.testing.assert_array_equal(pad[12:], 0)


def test_default_image_size_is_nearest_power_of_two_of_median(tmp_path):
    folder = tmp_path / "sizes"
    for k, (height, width) in enumerate([(20, 30), (24, 24), (40, 64)]):
        _save(folder / f"{k}.png", _gray(k, height, width))
    source = ImageFolder(folder)  # median shorter side 24 -> 2**4.58 -> 32
    assert source.image_size == 32 and source[0].shape[1:] == (32, 32, 1)
    assert "median 24" in str(source.describe(print_fn=None))

    tiny = tmp_path / "tiny"
    _save(tiny / "a.png", _gray(1, 4, 4))
    assert ImageFolder(tiny).image_size == 8  # Clamped up.
    large = tmp_path / "large"
    _save(large / "a.png", _gray(1, 300, 300))
    assert ImageFolder(large).image_size == 128  # 256 clamped down.


def test_cache_spares_decoding_after_the_first_epoch(tmp_path, monkeypatch):
    folder = _image_folder(tmp_path, range(0, 100, 10))
    before = _tree(folder)
    calls = []
    decode = ImageFolder._decode

    def counting_decode(self, path):
        calls.append(path)
        return decode(self, path)

    monkeypatch.setattr(ImageFolder, "_decode", counting_decode)
    cache = tmp_path / "cache"
    source = ImageFolder(folder, batch_size=4, seed=1, cache=cache)

    first = _epoch(source)
    assert len(calls) == 10
    source.on_epoch_end()
    second = _epoch(source)
    assert len(calls) == 10  # Read from the cache only.
    np.testing.assert_array_equal(
        np.sort(first.ravel()), np.sort(second.ravel())
    )
    assert source.cache_path.startswith(str(cache))
    assert np.load(source.cache_path, mmap_mode="r").dtype == np.uint8

    # A new run on the same folder, and a pickled copy (what a worker
    # process receives), find the cache filled.
    again = ImageFolder(folder, batch_size=4, seed=1, cache=cache)
    np.testing.assert_array_equal(_epoch(again), first)
    copy = pickle.loads(pickle.dumps(again))
    np.testing.assert_array_equal(_epoch(copy), first)
    assert len(calls) == 10
    assert "10 of 10 images decoded" in str(again.describe(print_fn=None))

    # Other options get their own cache; materialize() fills it at once.
    padded = ImageFolder(folder, resize="pad", cache=cache).materialize()
    assert padded.cache_path != source.cache_path and len(calls) == 20
    _epoch(padded)
    assert len(calls) == 20

    # cache=True: a folder beside the data, never inside it.
    beside = ImageFolder(folder, cache=True)
    assert os.path.dirname(beside.cache_path) == folder + "-aegan-cache"
    assert _tree(folder) == before
    with pytest.raises(ValueError, match="inside the data folder"):
        ImageFolder(folder, cache=os.path.join(folder, "cache"))
    with pytest.raises(ValueError, match="fills the cache"):
        ImageFolder(folder).materialize()
    # A cache that cannot be written is turned off, with a warning.
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.warns(UserWarning, match="Not caching"):
        off = ImageFolder(folder, cache=blocker / "cache")
    assert off.cache_path is None and off[0].shape[0] == 10
    assert "cache off" in str(off.describe(print_fn=None))


def test_shuffles_each_epoch_reproducibly(tmp_path):
    values = list(range(0, 240, 20))
    folder = _image_folder(tmp_path, values)

    def order(source):
        return (_epoch(source)[:, 0, 0, 0] * 255).round().astype(int).tolist()

    source = ImageFolder(folder, batch_size=5, seed=3)
    assert len(source) == 3 and source[2].shape[0] == 2
    first = order(source)
    source.on_epoch_end()
    second = order(source)
    assert sorted(first) == sorted(second) == values
    assert first != second
    assert order(ImageFolder(folder, batch_size=5, seed=3)) == first
    assert order(ImageFolder(folder, batch_size=5, shuffle=False)) == values
    with pytest.raises(IndexError, match="index=3"):
        source[3]


def test_image_that_fails_to_decode_is_replaced_and_reported(tmp_path):
    folder = _image_folder(tmp_path, [10, 20, 30, 40])
    broken = os.path.join(folder, "001.png")
    with open(broken, "rb") as f:
        raw = bytearray(f.read())
    start = raw.index(b"IDAT") + 4
    raw[start : start + 8] = b"\xff" * 8  # Damage the pixel data only.
    with open(broken, "wb") as f:
        f.write(bytes(raw))

    source = ImageFolder(folder, batch_size=4, shuffle=False)
    assert broken in source.files  # The header looks fine.
    with pytest.warns(UserWarning, match="Skipping .*001.png"):
        batch = source[0]
    assert batch.shape == (4, 16, 16, 1)  # Another image took its place.
    values = sorted((batch[:, 0, 0, 0] * 255).round().astype(int).tolist())
    assert values == [10, 30, 30, 40]
    assert broken in dict(source.skipped)
    with pytest.raises(ValueError, match="001.png"):
        source.load([1])


def test_folder_errors_name_what_was_received(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        open_source(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="holds no files"):
        ImageFolder(empty)
    (empty / "readme.txt").write_text("hi")
    (empty / "fake.png").write_text("hi")
    with pytest.raises(ValueError, match="no readable images.*fake.png"):
        ImageFolder(empty)
    text = tmp_path / "data.txt"
    text.write_text("1,2,3")
    with pytest.raises(ValueError, match="Received: path=.*data.txt"):
        open_source(text)

    folder = _image_folder(tmp_path, [1, 2])
    for options, match in [
        ({"image_size": 24}, "image_size=24"),
        ({"resize": "zoom"}, "resize='zoom'"),
        ({"channels": 2}, "channels=2"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"cache": 3}, "cache=3"),
        ({"key": "x"}, r"does not take the option\(s\) \['key'\]"),
    ]:
        with pytest.raises(ValueError, match=match):
            open_source(folder, **options)
    # Options left at None are ignored, whatever the source.
    assert open_source(folder, key=None, image_size=None).image_size == 16


def test_fit_streams_an_image_folder(tmp_path):
    folder = tmp_path / "train"
    for k in range(16):
        _save(folder / f"{k:02d}.png", _rgb(k))
    # 16x16 files trained at 8x8 (resized on the fly): the smallest default
    # networks, which halves the first fit's compile time.
    source = open_source(
        folder,
        image_size=8,
        batch_size=8,
        seed=0,
        workers=2,
        cache=tmp_path / "cache",
    )
    model = keras_aegan.AEGAN(latent_dim=2, width=8, seed=0)

    history = model.fit(source.data, epochs=1, verbose=0)

    assert model.data_kind == "image" and model.data_shape == (8, 8, 3)
    assert all(np.isfinite(v).all() for v in history.history.values())
    # Every image was decoded once, into the cache.
    assert "16 of 16 images decoded" in str(source.describe(print_fn=None))


# -- Array files -------------------------------------------------------------


def test_npy_is_memory_mapped_and_classified_by_shape(tmp_path):
    rng = np.random.default_rng(0)
    cases = [
        ((6, 8, 8, 3), "float32", "image", (8, 8, 3)),
        ((6, 16, 16), "uint8", "image", (16, 16, 1)),
        ((6, 50, 2), "float32", "sequence", (50, 2)),
        ((6, 5), "float64", "vector", (5,)),
    ]
    for k, (shape, dtype, kind, sample_shape) in enumerate(cases):
        path = tmp_path / f"a{k}.npy"
        x = (rng.random(shape) * 100).astype(dtype)
        np.save(path, x)
        source = open_source(path)
        assert isinstance(source, ArraySource)
        assert isinstance(source.data, np.memmap)  # Not copied.
        assert source.kind == kind and source.sample_shape == sample_shape
        np.testing.assert_array_equal(source.data.reshape(shape), x)
        report = source.describe(print_fn=None)
        assert report.count == 6 and report.kind == kind
        assert report.value_range == (float(x.min()), float(x.max()))
    assert (
        ArraySource(tmp_path / "a1.npy").describe(print_fn=None).channels == 1
    )

    sequences = ArraySource(tmp_path / "a1.npy", kind="sequence")
    assert sequences.sample_shape == (16, 16)
    np.save(tmp_path / "flat.npy", np.arange(5.0))
    with pytest.raises(ValueError, match="reshape"):
        open_source(tmp_path / "flat.npy")
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    with pytest.raises(ValueError, match="real numbers.*text.npy"):
        open_source(tmp_path / "text.npy")
    with pytest.raises(ValueError, match="kind='vector'"):
        ArraySource(tmp_path / "a0.npy", kind="vector")


def test_npz_needs_a_key_when_it_holds_several_arrays(tmp_path):
    x = np.arange(60, dtype="float32").reshape(12, 5)
    y = np.arange(12) % 3
    path = tmp_path / "data.npz"
    np.savez(path, x=x, y=y)
    with pytest.raises(ValueError, match=r"several arrays \['x', 'y'\]"):
        open_source(path)
    with pytest.raises(ValueError, match="key='z'"):
        open_source(path, key="z")

    source = open_source(path, key="x", label_key="y")
    assert isinstance(source.data, np.memmap)  # np.savez: mapped in place.
    np.testing.assert_array_equal(source.data, x)
    np.testing.assert_array_equal(source.labels, y)

    single = tmp_path / "single.npz"
    np.savez_compressed(single, images=np.zeros((4, 8, 8, 1), "uint8"))
    source = open_source(single)  # One array: no key needed.
    assert source.kind == "image" and not isinstance(source.data, np.memmap)
    assert "compressed" in str(source.describe(print_fn=None))


# -- Tables ------------------------------------------------------------------


def test_csv_numeric_columns_become_vectors(tmp_path):
    path = tmp_path / "sensors.csv"
    path.write_text("t,p,site\n1.5,2,north\n3,4e1,south\n\n-5,6,east\n")
    with pytest.raises(ValueError) as info:
        open_source(path)
    message = str(info.value)
    assert "'site'" in message and "'north'" in message
    assert "row 1 (line 2)" in message and "sensors.csv" in message

    source = open_source(path, columns=["p", "t"])
    assert isinstance(source, TableSource) and source.columns == ["p", "t"]
    assert source.data.dtype == np.float32
    np.testing.assert_array_equal(source.data, [[2, 1.5], [40, 3], [6, -5]])
    report = source.describe(print_fn=None)
    assert report.kind == "vector" and report.sample_shape == (2,)
    assert report.value_range == (-5.0, 40.0)

    with pytest.raises(
        ValueError, match=r"no column 'q'.*\['t', 'p', 'site'\]"
    ):
        open_source(path, columns=["q"])
    headerless = tmp_path / "plain.csv"
    headerless.write_text("1,2\n3,4\n")
    np.testing.assert_array_equal(
        open_source(headerless).data, [[1, 2], [3, 4]]
    )
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match="Row 2 .line 3. has 1 fields"):
        open_source(ragged)


def test_csv_missing_values_raise_unless_dropped(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n3,\n5,NA\n7,8\n9,x\n")
    with pytest.raises(
        ValueError, match="'b' holds a missing value '' in row 2"
    ):
        open_source(path)

    source = open_source(path, dropna=True)
    np.testing.assert_array_equal(source.data, [[1, 2], [7, 8]])
    assert source.dropped_rows == 3
    assert "dropped 3 rows" in str(source.describe(print_fn=None))
    only_a = open_source(path, columns=["a"])  # Gaps only in 'b'.
    assert only_a.data.shape == (5, 1)

    text = tmp_path / "text.csv"
    text.write_text("name,v\nx,1\ny,2\n")
    with pytest.raises(ValueError, match="No rows are left"):
        open_source(text, dropna=True)


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    path = tmp_path / "table.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match="pip install pyarrow.*table.parquet"):
        open_source(path)
