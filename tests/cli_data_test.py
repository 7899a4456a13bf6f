"""`keras-aegan` on the user's own data: folders, arrays and tables.

`train` runs as a real subprocess on this suite's backend (one epoch on a
folder of 16 PNG files); the commands on the saved model and the refusals
of bad input run in-process (`cli.main`), which spares the interpreter
and backend start-up of a subprocess each.
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
from conftest import small_aegan
from conftest import snapshot as _snapshot
from PIL import Image

import keras_aegan
from keras_aegan import cli
from keras_aegan.cli_callbacks import ProgressLogger
from keras_aegan.cli_callbacks import TimeBudget
from keras_aegan.cli_callbacks import compact_keys
from keras_aegan.cli_common import MODELS

SIDE = 16
IMAGES = 16
# Tiny budget: one epoch of two batches, narrow networks.
TRAIN = ["--epochs", "1", "--every", "1", "--width", "4", "--batch-size", "8"]


def _run(args, cwd):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(
        [sys.executable, "-m", "keras_aegan.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _main(argv):
    """`cli.main` in this process, with paths as strings."""
    return cli.main([str(a) for a in argv])


@pytest.fixture(scope="module")
def folder(tmp_path_factory, digits):
    """16 digits as 16x16 PNG files in two class folders, plus a text file
    named `.png` (skipped and reported)."""
    root = tmp_path_factory.mktemp("data") / "pics"
    (x, _), _ = digits
    for i in range(IMAGES):
        sub = root / ("even" if i % 2 == 0 else "odd")
        sub.mkdir(parents=True, exist_ok=True)
        pixels = np.round(x[i, ..., 0] * 255).astype("uint8")
        Image.fromarray(pixels).save(sub / f"digit{i:02d}.png")
    (root / "notes.png").write_text("not an image")
    return root


@pytest.fixture(scope="module")
def folder_run(folder, tmp_path_factory):
    """One epoch on the folder, by `cli.main` in this process: the loads
    of the model by the tests below then reuse its compiled functions
    (a subprocess per backend already runs the main job in cli_test.py,
    and test_arrays_tables_minutes_and_resume runs own data so)."""
    before = _snapshot(folder)
    runs = tmp_path_factory.mktemp("cli-data") / "runs"
    out = io.StringIO()
    argv = ["train", "--data", folder, "--name", "pics", "--run-dir", runs]
    with contextlib.redirect_stdout(out):
        assert _main(argv + TRAIN) == 0
    return runs / "pics", out.getvalue(), before


def test_train_on_a_folder(folder, folder_run):
    run_dir, out, before = folder_run
    # The source's report comes first.
    assert f"image folder: {folder}" in out
    assert f"samples:      {IMAGES}" in out
    assert "skipped:      1" in out and "notes.png" in out
    assert "classes:      2 (even, odd)" in out
    # The compact progress bar: phase totals and reconstruction terms.
    assert "discriminator_loss" in out and "reconstruction_x" in out
    assert "dx_real" not in out and "gz_encoded" not in out
    # An honest closing line: no digits-FID on other data.
    summary = [line for line in out.splitlines() if "Quality" in line]
    assert len(summary) == 1, out[-2000:]
    assert "reconstruction L1" in summary[0]
    assert "latent cycle error" in summary[0]
    assert "16 training images" in summary[0]
    assert "FID" not in summary[0].split(";")[0] and "digits" not in out
    assert sorted(os.listdir(run_dir / "samples")) == [
        "reconstructions_epoch_0001.png",
        "samples_epoch_0001.png",
    ]
    assert any(
        f.startswith("events.out.tfevents")
        for _, _, files in os.walk(run_dir / "logs")
        for f in files
    )
    with open(run_dir / "logs" / "metrics.jsonl") as f:
        names = {json.loads(line)["name"] for line in f}
    assert {"reconstruction_l1", "ema_latent_cycle_error"} <= names
    assert not {"fid", "ema_fid"} & names
    config = json.loads((run_dir / "run.json").read_text())
    assert config["data"] == str(folder) and config["model"] == "aegan"
    assert list((run_dir / "cache").rglob("*.npy")), "no decoded cache"
    model = keras_aegan.load_model(run_dir / "model.keras")
    assert model.data_shape == (SIDE, SIDE, 1)
    # Nothing in the data folder was written to.
    assert _snapshot(folder) == before


def test_pictures_of_a_folder_model(folder, folder_run, tmp_path, capsys):
    run_dir, _, _ = folder_run
    model = str(run_dir / "model.keras")
    grow = 64 // SIDE  # each image enlarged to 64 px

    def size(path):
        with Image.open(path) as image:
            return image.size

    assert _main(["sample", model, "--n", "9", "--output",
                     tmp_path / "s.png"]) == 0  # fmt: skip
    assert size(tmp_path / "s.png") == (grow * (3 * SIDE + 2),) * 2
    assert _main(["sample", model, "--n", "4", "--scale", "1",
                     "--output", tmp_path / "s1.png"]) == 0  # fmt: skip
    assert size(tmp_path / "s1.png") == (2 * SIDE + 1,) * 2
    # --data defaults to the run.json's folder: 6 images in 3 columns,
    # originals in rows 1 and 3 above their reconstructions.
    out = tmp_path / "r.png"
    assert _main(["reconstruct", model, "--n", "6", "--output", out]) == 0
    assert size(out) == (grow * (3 * SIDE + 2), grow * (4 * SIDE + 3))
    with Image.open(out) as image:
        top = np.asarray(image)[: grow * SIDE, : grow * SIDE]
    (x, _), _ = keras_aegan.datasets.load_digits()
    first = np.round(x[0, ..., 0] * 255).astype("uint8")  # even/digit00
    np.testing.assert_array_equal(top[::grow, ::grow], first)
    # Interpolations: a grid of pairs x steps and a GIF of the steps.
    out = tmp_path / "i.png"
    argv = ["interpolate", model, "--data", folder, "--pairs", "2",
            "--steps", "5", "--output", out]  # fmt: skip
    assert _main(argv) == 0
    assert size(out) == (grow * (5 * SIDE + 4), grow * (2 * SIDE + 1))
    with Image.open(tmp_path / "i.gif") as gif:
        assert gif.n_frames == 5
        assert gif.size == (grow * (2 * SIDE + 1), grow * SIDE)
    # Codes with the file names beside them, in the folder's order.
    argv = ["encode", model, "--output", tmp_path / "codes.npy"]
    assert _main(argv) == 0
    codes = np.load(tmp_path / "codes.npy")
    assert codes.shape == (IMAGES, 4) and codes.dtype == np.float32
    names = (tmp_path / "codes.txt").read_text().splitlines()
    assert names[:2] == ["even/digit00.png", "even/digit02.png"]
    assert len(names) == IMAGES and names[-1] == "odd/digit15.png"
    argv = ["encode", model, "--output", tmp_path / "codes.npz"]
    assert _main(argv) == 0
    with np.load(tmp_path / "codes.npz") as archive:
        np.testing.assert_allclose(archive["codes"], codes, atol=1e-6)
        assert list(archive["names"]) == names
    assert "their file names to" in capsys.readouterr().out


def test_evaluate_on_a_folder(folder_run, tmp_path, capsys):
    run_dir, _, _ = folder_run
    model = str(run_dir / "model.keras")
    json_path = tmp_path / "m.json"
    assert _main(["evaluate", model, "--json", json_path]) == 0
    report = json.loads(json_path.read_text())
    assert set(report["scalars"]) == {
        "reconstruction_l1",
        "reconstruction_mse",
        "latent_cycle_error",
    }
    out = capsys.readouterr().out
    assert f"against {IMAGES} samples of" in out and "fid" not in out
    # FID and precision/recall in a feature space the user names.
    (tmp_path / "feats.py").write_text(
        "def flat(x):\n    return x.reshape(len(x), -1)\n"
    )
    argv = ["evaluate", model, "--json", json_path, "--features",
            f"{tmp_path / 'feats.py'}:flat"]  # fmt: skip
    assert _main(argv) == 0
    report = json.loads(json_path.read_text())
    assert {"fid", "precision", "recall"} <= set(report["scalars"])
    assert report["results"]["fid"]["protocol"]["extractor"] == "flat"
    assert report["features"].endswith("feats.py:flat")


def test_bad_input_fails_clearly_and_writes_nothing(folder, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,b,label\n1,2,x\n3,4,y\n")
    runs = ["--run-dir", tmp_path / "runs"]
    cases = [
        (["--data", tmp_path / "nothere"], "not a built-in data set"),
        (["--data", table], "Column 'label' holds a non-numeric value"),
        (["--data", table], "--columns --dropna"),
        (["--data", table, "--image-size", "8"], "--image-size applies to"),
        (["--data", "digits", "--columns", "a"], "not to the built-in"),
        (["--data", folder, "--limit", "4"], "--limit applies to arrays"),
        (["--data", folder, "--image-size", "12"], "a power of two"),
        (["--data", table, "--columns", "a,,b"], "without empty entries"),
    ]
    for argv, message in cases:
        with pytest.raises(SystemExit, match=message):
            _main(["train", *argv, *runs, *TRAIN])
    assert not (tmp_path / "runs").exists()
    with pytest.raises(SystemExit) as error:
        _main(["train", "--model", "nope"])
    assert error.value.code == 2  # argparse lists the models


def test_bad_data_leaves_an_existing_run_untouched(folder_run, tmp_path):
    run_dir, _, _ = folder_run
    copy = tmp_path / "runs" / "copy"
    shutil.copytree(run_dir, copy)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_text("not an image")
    config = json.loads((copy / "run.json").read_text())
    config["data"] = str(broken)
    (copy / "run.json").write_text(json.dumps(config))
    before = _snapshot(copy)
    argv = ["train", "--data", broken, "--name", "copy", "--run-dir",
            tmp_path / "runs", *TRAIN]  # fmt: skip
    with pytest.raises(SystemExit, match="no readable images"):
        _main(argv)
    with pytest.raises(SystemExit, match="--data was"):
        _main(argv[:2] + [tmp_path] + argv[3:])
    assert _snapshot(copy) == before


def test_encode_and_features_refusals(folder_run, tmp_path):
    run_dir, _, _ = folder_run
    model = str(run_dir / "model.keras")
    with pytest.raises(SystemExit, match="must end in .npy"):
        _main(["encode", model, "--output", tmp_path / "codes.csv"])
    for spec, message in [
        ("nocolon", "takes module:function"),
        ("no_such_module_x:f", "Cannot import"),
        ("json:no_such_function", "has no function"),
    ]:
        with pytest.raises(SystemExit, match=message):
            _main(["evaluate", model, "--features", spec])
    with pytest.raises(SystemExit, match="takes samples of shape"):
        _main(["reconstruct", model, "--data", "ring"])


@pytest.mark.rotation("torch")
def test_an_array_file_and_a_table_train_one_epoch(tmp_path):
    """Every kind of source trains through the CLI (the folder above, on
    every backend; here an `.npz` of sequences and a CSV with a header and
    a text column, once per full run: reading files is the same on every
    backend, and each data kind's model is tested on each), in this
    process; a sequence model and a table model are then sampled from
    their saved files."""
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 6.28, 16)[None, :, None]
    signals = np.sin(t * rng.uniform(1, 3, (64, 1, 2))).astype("float32")
    np.savez(tmp_path / "signals.npz", x=signals)
    rows = rng.normal(size=(64, 2))
    lines = ["a,b,name"] + [f"{a:.4f},{b:.4f},p{i}" for i, (a, b) in
                            enumerate(rows)]  # fmt: skip
    (tmp_path / "points.csv").write_text("\n".join(lines) + "\n")
    before = _snapshot(tmp_path)
    runs = tmp_path / "runs"
    tiny = ["--epochs", "1", "--every", "1", "--width", "4",
            "--batch-size", "32", "--run-dir", runs]  # fmt: skip
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert _main(["train", "--data", tmp_path / "signals.npz", *tiny]) == 0
        assert _main(["train", "--data", tmp_path / "points.csv",
                      "--columns", "a,b", *tiny]) == 0  # fmt: skip
    text = out.getvalue()
    assert "array file: " in text and "table: " in text
    for name, shape in (("signals", (16, 2)), ("points", (2,))):
        run = runs / f"aegan-{name}"
        assert (run / "samples" / "samples_epoch_0001.png").exists()
        assert (run / "logs" / "metrics.jsonl").exists()
        model = keras_aegan.load_model(run / "model.keras")
        assert model.data_shape == shape
        # A latent mixture is fitted for images only (it drops modes of
        # 2-D mixtures; sequences were not measured).
        assert not (run / "latent_mixture.npz").exists()
        picture = tmp_path / f"{name}.png"
        assert _main(["sample", run / "model.keras", "--output",
                      picture]) == 0  # fmt: skip
        assert picture.exists()
    # The data files were only read.
    after = _snapshot(tmp_path)
    assert {k: after[k] for k in before} == before


def test_progress_logger_and_time_budget(ring, capsys):
    now = [0.0]
    advance = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: now.__setitem__(0, now[0] + 40.0)
    )
    budget = TimeBudget(1, clock=lambda: now[0])  # 40 s per epoch
    model = small_aegan(width=4)
    history = model.fit(
        ring[:128],
        epochs=budget.epoch_cap,
        batch_size=64,
        verbose=1,
        callbacks=[advance, budget, ProgressLogger(budget=budget)],
    )
    # Epoch 2 passes the minute and is the last; whole epochs only.
    assert len(history.history["generator_loss"]) == 2
    assert budget.stopped_epoch == 1
    out = capsys.readouterr().out
    assert "Epoch 1 (0.0 of 1 minutes)" in out
    assert "Epoch 2 (0.7 of 1 minutes)" in out
    assert "generator_loss" in out and "reconstruction_x" in out
    assert "dx_real" not in out and "gx_generated" not in out
    assert "dx_real" in history.history  # the history keeps every term
    assert compact_keys(model) == {
        "discriminator_loss",
        "generator_loss",
        "reconstruction_x",
        "reconstruction_z",
    }
    model.fit(
        ring[:128],
        epochs=1,
        batch_size=64,
        verbose=2,
        callbacks=[ProgressLogger(compact=False)],
    )
    assert "dx_real" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Received: minutes=0"):
        TimeBudget(0)


def test_runs_recorded_before_the_new_options_still_resume(tmp_path):
    from keras_aegan.cli_train import check_run_config
    from keras_aegan.cli_train import run_config

    config = run_config(cli.build_parser().parse_args(["train"]))
    old_keys = ("data", "limit", "batch_size", "latent_dim", "width",
                "seed", "ema_decay", "ema_warmup")  # fmt: skip
    old = {key: config[key] for key in old_keys}
    assert old["data"] == "digits"
    (tmp_path / "run.json").write_text(json.dumps(old))
    assert check_run_config(str(tmp_path), config)
    other = run_config(
        cli.build_parser().parse_args(["train", "--model", "bigan"])
    )
    with pytest.raises(SystemExit, match="--model was 'aegan', now 'bigan'"):
        check_run_config(str(tmp_path), other)
    assert not check_run_config(str(tmp_path / "new"), config)


def test_every_model_of_the_family_has_a_name():
    family = {
        name
        for name in keras_aegan.__all__
        if isinstance(getattr(keras_aegan, name), type)
        and issubclass(
            getattr(keras_aegan, name), keras_aegan.AdversarialTrainer
        )
        and name != "AdversarialTrainer"
    }
    assert set(MODELS.values()) == family


@pytest.mark.slow
@pytest.mark.rotation("torch")
def test_arrays_tables_minutes_and_resume(folder_run, tmp_path):
    """Own data of every kind end to end (subprocesses; one backend: the
    data sources hand `fit()` arrays, which every backend trains on in
    the tests above and in fit_test.py)."""
    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 6.28, 32)[None, :, None]
    signals = np.sin(t * rng.uniform(1, 3, (200, 1, 2))).astype("float32")
    np.savez(tmp_path / "signals.npz", x=signals, y=np.arange(200))
    rows = rng.normal(size=(100, 2))
    lines = ["a,b,label"] + [f"{a:.4f},{b:.4f},x" for a, b in rows]
    (tmp_path / "points.csv").write_text("\n".join(lines) + "\n")

    # Sequences from an .npz, for a time budget: whole epochs, then save.
    result = _run(["train", "--data", "signals.npz", "--key", "x",
                   "--minutes", "0.001", "--width", "4", "--every", "1"],
                  tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "array file: signals.npz['x']" in out
    assert "Time budget of 0.001 minutes reached after epoch 1" in out
    assert "10 held-out samples" in out
    run = tmp_path / "runs" / "aegan-signals"
    assert json.loads((run / "run.json").read_text())["key"] == "x"
    assert (run / "samples" / "samples_epoch_0001.png").exists()
    assert _main(["reconstruct", str(run / "model.keras"), "--output",
                     str(tmp_path / "r.png")]) == 0  # fmt: skip

    # A table with a text column: select the numeric ones; a model
    # without an encoder says what it cannot measure.
    result = _run(["train", "--data", "points.csv", "--columns", "a,b",
                   "--model", "dcgan", "--epochs", "1", "--width", "4",
                   "--every", "1"], tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "DCGAN has no encoder" in result.stdout
    model = tmp_path / "runs" / "dcgan-points" / "model.keras"
    result = _run(["sample", model, "--output", "p.png"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    with Image.open(tmp_path / "p.png") as image:
        assert image.size == (256, 256)  # a scatter plot

    # A folder run resumes with a larger --epochs.
    run_dir, _, _ = folder_run
    shutil.copytree(run_dir, tmp_path / "runs" / "pics")
    result = _run(["train", "--data", tmp_path, "--name", "pics", *TRAIN],
                  tmp_path)  # fmt: skip
    assert "--data was" in result.stderr  # other data: refused
    config = json.loads((run_dir / "run.json").read_text())
    argv = ["train", "--data", config["data"], "--name", "pics",
            "--verbose", "2", *TRAIN]  # fmt: skip
    argv[argv.index("--epochs") + 1] = "2"
    result = _run(argv, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Resuming from the newest checkpoint" in result.stdout
    assert "Epoch 2/2" in result.stdout and "Epoch 1/2" not in result.stdout
    assert "dx_real" in result.stdout  # --verbose 2: every term
    resumed = keras_aegan.load_model(tmp_path / "runs" / "pics" / "model.keras")
    assert int(resumed.generator_optimizer.iterations) == 4  # 2 x 16 / 8
