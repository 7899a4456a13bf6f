"""TensorBoardImages: event files read back with TensorBoard's own reader,
and a real TensorBoard server queried over loopback."""

import ast
import io
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import keras
import numpy as np
import pytest
from conftest import hide_tensorboard
from PIL import Image

import keras_aegan
from keras_aegan.callbacks import TensorBoardImages
from keras_aegan.callbacks import tensorboard_images
from keras_aegan.utils.images import tile_images
from keras_aegan.utils.images import to_unit_range

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

SIDE = 16  # load_digits() images are 16x16x1.
NUM_SAMPLES = 16
NUM_RECON = 8
STEPS = 8
PAIRS = 4
EPOCHS = 2
IMAGE_TAGS = {"samples", "reconstructions", "interpolations"}


def _grid_size(n, columns, height=SIDE, width=SIDE, padding=1):
    """(width, height) in pixels of `tile_images` with n tiles."""
    rows = math.ceil(n / columns)
    return (
        columns * width + (columns - 1) * padding,
        rows * height + (rows - 1) * padding,
    )


def _accumulator(run_dir):
    acc = event_accumulator.EventAccumulator(
        str(run_dir),
        size_guidance={
            event_accumulator.IMAGES: 0,
            event_accumulator.TENSORS: 0,
            event_accumulator.SCALARS: 0,
        },
    )
    acc.Reload()
    return acc


def _tags_of_plugin(acc, plugin):
    return {
        tag
        for tag in acc.Tags()["tensors"]
        if acc.SummaryMetadata(tag).plugin_data.plugin_name == plugin
    }


def _images(acc, tag):
    """[(step, width, height, PIL image)] of one TF2 image summary tag."""
    out = []
    for event in acc.Tensors(tag):
        values = tensor_util.make_ndarray(event.tensor_proto)
        # TF2 image summaries store [width, height, png, ...] as strings.
        assert len(values) == 3, (tag, len(values))
        width, height = int(values[0]), int(values[1])
        image = Image.open(io.BytesIO(values[2]))
        image.load()
        out.append((event.step, width, height, image))
    return out


class FakeImageModel:
    """generate() only: no reconstruct/interpolate, uint8 images."""

    data_kind = "image"

    def __init__(self):
        self.reference_batch = np.zeros((4, 6, 5, 3), "uint8")

    def generate(self, n, seed=None):
        rng = np.random.default_rng(seed)
        return rng.integers(0, 256, (n, 6, 5, 3)).astype("uint8")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """One real small AEGAN trained with both TensorBoard callbacks."""
    # Keras's TensorBoard callback (the scalars) needs TensorFlow on every
    # backend; TensorBoardImages does not.
    pytest.importorskip("tensorflow")
    keras.utils.set_random_seed(0)
    log_dir = tmp_path_factory.mktemp("tb_digits")
    (x, _), _ = keras_aegan.datasets.load_digits()
    x = x[:64]
    model = keras_aegan.AEGAN(width=4, seed=0)
    images = TensorBoardImages(
        log_dir,
        num_samples=NUM_SAMPLES,
        num_reconstructions=NUM_RECON,
        interpolation_steps=STEPS,
        num_interpolations=PAIRS,
    )
    model.fit(
        x,
        epochs=EPOCHS,
        batch_size=32,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(str(log_dir)), images],
    )
    return {
        "log_dir": log_dir,
        "model": model,
        "callback": images,
        "x": x,
        "acc": _accumulator(log_dir / "train"),
    }


# ---------------------------------------------------------------- digits
def test_image_tags_and_steps_follow_keras_epoch_steps(digits_run):
    acc = digits_run["acc"]
    assert _tags_of_plugin(acc, "images") == IMAGE_TAGS
    for tag in IMAGE_TAGS:
        assert [e.step for e in acc.Tensors(tag)] == list(range(EPOCHS)), tag
    # Keras's own epoch scalars share the run directory and the steps.
    scalars = _tags_of_plugin(acc, "scalars")
    assert {"epoch_generator_loss", "epoch_discriminator_loss"} <= scalars
    steps = [e.step for e in acc.Tensors("epoch_generator_loss")]
    assert steps == [e.step for e in acc.Tensors("samples")]
    # Nothing is written anywhere else in log_dir.
    assert sorted(os.listdir(digits_run["log_dir"])) == ["train"]
    assert digits_run["callback"]._writer is None  # closed by on_train_end


def test_image_sizes(digits_run):
    acc = digits_run["acc"]
    cols = math.ceil(math.sqrt(NUM_SAMPLES))
    recon_cols = math.ceil(math.sqrt(NUM_RECON))
    expected = {
        "samples": _grid_size(NUM_SAMPLES, cols),
        # Real rows and reconstruction rows alternate.
        "reconstructions": _grid_size(
            2 * recon_cols * math.ceil(NUM_RECON / recon_cols), recon_cols
        ),
        # One row per pair, one column per step.
        "interpolations": _grid_size(PAIRS * STEPS, STEPS),
    }
    assert expected["samples"] == (67, 67)
    assert expected["reconstructions"] == (50, 101)
    assert expected["interpolations"] == (135, 67)
    for tag, size in expected.items():
        for step, width, height, image in _images(acc, tag):
            assert (width, height) == size, (tag, step)
            assert image.size == size, (tag, step)
            assert image.mode == "L", (tag, image.mode)  # one channel


def test_last_step_shows_the_trained_model(digits_run):
    """The images at the last step are the final model's outputs."""
    acc = digits_run["acc"]
    model = digits_run["model"]
    reference = np.asarray(model.reference_batch)
    last = {tag: np.asarray(_images(acc, tag)[-1][3]) for tag in IMAGE_TAGS}

    samples = model.generate(NUM_SAMPLES, seed=1234)
    expected = tile_images(to_unit_range(samples, (0.0, 1.0)))[..., 0]
    np.testing.assert_allclose(last["samples"], expected, atol=1)

    # Even tile rows of the reconstruction grid hold the real images.
    real = tile_images(to_unit_range(reference[:3]), columns=3)[..., 0]
    np.testing.assert_array_equal(last["reconstructions"][:SIDE], real)
    recon = model.reconstruct(reference[:3])
    recon = tile_images(to_unit_range(recon), columns=3)[..., 0]
    row1 = last["reconstructions"][SIDE + 1 : 2 * SIDE + 1]
    np.testing.assert_allclose(row1, recon, atol=1)

    lines = model.interpolate(
        reference[:PAIRS], reference[PAIRS : 2 * PAIRS], STEPS
    )
    lines = lines.reshape((PAIRS * STEPS, SIDE, SIDE, 1))
    expected = tile_images(to_unit_range(lines), columns=STEPS)[..., 0]
    np.testing.assert_allclose(last["interpolations"], expected, atol=1)


# ------------------------------------------------------------------ ring
def test_ring_writes_a_scatter_plot(tmp_path):
    x = keras_aegan.datasets.make_ring(256, seed=0)
    model = keras_aegan.AEGAN(width=4, seed=0)
    model.fit(
        x,
        epochs=1,
        batch_size=64,
        verbose=0,
        callbacks=[TensorBoardImages(tmp_path, num_samples=200)],
    )
    acc = _accumulator(tmp_path / "train")
    assert _tags_of_plugin(acc, "images") == {"samples"}
    ((step, width, height, image),) = _images(acc, "samples")
    assert step == 0
    assert (width, height) == (256, 256)
    assert image.mode == "RGB"
    pixels = np.asarray(image).reshape(-1, 3)
    colours = {tuple(p) for p in pixels}
    assert (170, 170, 170) in colours  # reference data, grey
    assert (31, 90, 200) in colours  # samples, blue


# ------------------------------------------------------ fake-model checks
def test_every_and_missing_methods(tmp_path):
    callback = TensorBoardImages(tmp_path, every=2, num_samples=5)
    callback.set_model(FakeImageModel())
    callback.on_train_begin()
    for epoch in range(5):
        callback.on_epoch_end(epoch)
    callback.on_train_end()
    assert callback._writer is None
    acc = _accumulator(tmp_path / "train")
    # No reconstruct/interpolate: only samples, after epochs 2 and 4.
    assert _tags_of_plugin(acc, "images") == {"samples"}
    written = _images(acc, "samples")
    assert [w[0] for w in written] == [1, 3]
    for _, width, height, image in written:
        assert (width, height) == _grid_size(5, 3, height=6, width=5)
        assert image.mode == "RGB"
    expected = tile_images(FakeImageModel().generate(5, seed=1234))
    np.testing.assert_array_equal(np.asarray(written[0][3]), expected)


def test_missing_tensorboard_raises_import_error(tmp_path, monkeypatch):
    callback = TensorBoardImages(tmp_path)
    callback.set_model(FakeImageModel())
    hide_tensorboard(monkeypatch)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        callback.on_train_begin()
    assert not (tmp_path / "train").exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"every": 0},
        {"num_samples": 0},
        {"num_samples": True},
        {"seed": 1.5},
        {"num_reconstructions": -1},
        {"interpolation_steps": 1},
        {"num_interpolations": -1},
        {"reference_data": np.zeros((3,))},
    ],
)
def test_invalid_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match="Received"):
        TensorBoardImages(tmp_path, **kwargs)


@pytest.mark.parametrize("log_dir", ["", None, 3])
def test_invalid_log_dir(log_dir):
    with pytest.raises(ValueError, match="Received: log_dir="):
        TensorBoardImages(log_dir)


def test_no_top_level_framework_import():
    tree = ast.parse(open(tensorboard_images.__file__).read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    assert names & {"tensorflow", "tensorboard", "torch", "jax"} == set()


# ---------------------------------------------------------------- server
def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tensorboard_command(log_dir, port):
    exe = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    command = (
        [exe]
        if os.path.exists(exe)
        else [
            sys.executable,
            "-m",
            "tensorboard.main",
        ]
    )
    return command + [
        "--logdir",
        str(log_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        # The pure-Python loader: no data-server grandchild process.
        "--load_fast=false",
        "--reload_interval",
        "1",
    ]


# Loopback only; ignore any proxy settings from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(port, path, timeout=5):
    url = f"http://127.0.0.1:{port}{path}"
    with _OPENER.open(url, timeout=timeout) as response:
        return response.read()


def _get_json(port, path):
    return json.loads(_get(port, path))


def _wait_for_tags(process, port, log_path, deadline_s=60.0):
    """Polls the images tag route until the run's tags are served."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path) as f:
                pytest.fail(f"tensorboard exited early:\n{f.read()[-3000:]}")
        try:
            tags = _get_json(port, "/data/plugin/images/tags")
            if set(tags.get("train", {})) >= IMAGE_TAGS:
                return tags
            last = tags
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = e
        time.sleep(0.5)
    with open(log_path) as f:
        pytest.fail(
            f"tensorboard served no image tags in {deadline_s}s; last "
            f"answer: {last!r}\n{f.read()[-3000:]}"
        )


@pytest.mark.rotation("torch")
def test_tensorboard_server_serves_images_and_scalars(digits_run, tmp_path):
    port = _free_port()
    log_path = tmp_path / "tensorboard.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            _tensorboard_command(digits_run["log_dir"], port),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        image_tags = _wait_for_tags(process, port, log_path)
        assert set(image_tags) == {"train"}
        assert set(image_tags["train"]) == IMAGE_TAGS

        runs = _get_json(port, "/data/runs")
        assert "train" in runs

        scalar_tags = _get_json(port, "/data/plugin/scalars/tags")
        assert "epoch_generator_loss" in scalar_tags["train"]
        query = urllib.parse.urlencode(
            {"run": "train", "tag": "epoch_generator_loss"}
        )
        points = _get_json(port, f"/data/plugin/scalars/scalars?{query}")
        assert [p[1] for p in points] == list(range(EPOCHS))

        query = urllib.parse.urlencode({"run": "train", "tag": "samples"})
        entries = _get_json(port, f"/data/plugin/images/images?{query}")
        assert [e["step"] for e in entries] == list(range(EPOCHS))
        png = _get(
            port, f"/data/plugin/images/individualImage?{entries[-1]['query']}"
        )
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.size == _grid_size(NUM_SAMPLES, 4)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
