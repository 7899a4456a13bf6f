"""`keras-aegan evaluate`: a real subprocess on a small saved model."""

import json
import math
import os
import subprocess
import sys

import keras
import pytest
from conftest import small_aegan

import keras_aegan
from keras_aegan import cli
from keras_aegan import cli_evaluate
from keras_aegan.metrics.evaluation import evaluate_model
from keras_aegan.metrics.evaluation import metric_scalars

NUM_SAMPLES = 256
SEED = 3


def _run(args, cwd):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(
        [sys.executable, "-m", "keras_aegan.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory, ring):
    """A tiny ring AEGAN saved as `keras-aegan train` lays out a run."""
    keras.utils.set_random_seed(0)
    run_dir = tmp_path_factory.mktemp("evaluate") / "run"
    # No EMA: the tests read the raw generator's numbers and check the
    # refusal of --ema for a model without moving averages.
    model = small_aegan(width=4, ema_decay=None)
    model.fit(ring[:128], epochs=1, batch_size=64, verbose=0)
    model.save(run_dir / "model.keras")
    (run_dir / "run.json").write_text(json.dumps({"data": "ring"}))
    return run_dir


def _close(a, b):
    if a is None or b is None:  # JSON null for NaN
        return a is None and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.rotation("torch")
def test_evaluate_subprocess_prints_and_writes_json(saved):
    result = _run(
        [
            "evaluate",
            "run/model.keras",
            "--num-samples", str(NUM_SAMPLES),
            "--seed", str(SEED),
        ],
        saved.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # The data set comes from the run.json next to the model.
    assert "run/model.keras on ring: 256 generated samples" in out
    assert "raw generator, seed 3" in out
    json_path = saved / "metrics.json"
    assert f"Wrote {json_path}" in out
    report = json.loads(json_path.read_text())
    assert report["data"] == "ring"
    assert report["model"] == str(saved / "model.keras")
    assert report["backend"] == keras.backend.backend()
    assert report["generator"] == "raw" and report["seed"] == SEED
    expected = evaluate_model(
        keras_aegan.load_model(saved / "model.keras"),
        "ring",
        num_samples=NUM_SAMPLES,
        seed=SEED,
    )
    scalars = metric_scalars(expected)
    assert list(report["scalars"]) == list(scalars)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("name"))
    table = {line.split()[0]: line for line in lines[header + 1 :]}
    for name, value in scalars.items():
        assert _close(report["scalars"][name], value), name
        assert name in table
    assert "num_modes=8" in table["modes"]
    assert "extractor=raw" in table["precision"]
    for name, result in expected.items():
        saved_result = report["results"][name]
        assert saved_result["name"] == name
        assert saved_result["protocol"]["num_generated"] == NUM_SAMPLES
        assert saved_result["protocol"]["reference_split"] == "fresh"
        assert saved_result["protocol"]["generator"] == "raw"
        assert set(saved_result["protocol"]) == set(result.protocol)


# A subprocess that fails before loading a backend: once per full run.
@pytest.mark.rotation("jax")
def test_missing_model_file_fails_clearly(tmp_path):
    result = _run(["evaluate", "missing.keras"], tmp_path)
    assert result.returncode == 1
    assert "No such model file: missing.keras" in result.stderr


def test_bad_inputs_in_process(saved, tmp_path, capsys):
    model_path = str(saved / "model.keras")
    with pytest.raises(SystemExit, match="keeps none"):
        cli.main(["evaluate", model_path, "--ema"])
    with pytest.raises(SystemExit, match="the 'digits' data have samples"):
        cli.main(["evaluate", model_path, "--data", "digits"])
    with pytest.raises(SystemExit, match="Received: num_samples=1"):
        cli.main(["evaluate", model_path, "--num-samples", "1"])
    with pytest.raises(SystemExit) as error:
        cli.main(["evaluate", model_path, "--num-samples", "0"])
    assert error.value.code == 2  # argparse: must be positive
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SystemExit, match="Not a .keras file"):
        cli.main(["evaluate", str(bad)])
    # An explicit --data and --json path.
    json_path = tmp_path / "out" / "grid.json"
    code = cli.main(
        [
            "evaluate", model_path,
            "--data", "grid",
            "--num-samples", "64",
            "--json", str(json_path),
        ]
    )  # fmt: skip
    assert code == 0
    report = json.loads(json_path.read_text())
    assert report["results"]["mode_coverage"]["protocol"]["num_modes"] == 25
    assert "on grid: 64 generated samples" in capsys.readouterr().out


class _Shaped:
    def __init__(self, shape):
        self.data_shape = shape


def test_data_inference(tmp_path):
    path = str(tmp_path / "model.keras")
    infer = cli_evaluate._evaluation_data
    assert infer(_Shaped((16, 16, 1)), path, None) == "digits"
    assert infer(_Shaped((2,)), path, "grid") == "grid"
    with pytest.raises(SystemExit, match="Pass --data ring or --data grid"):
        infer(_Shaped((2,)), path, None)
    with pytest.raises(SystemExit, match="of shape \\(8, 8, 3\\)"):
        infer(_Shaped((8, 8, 3)), path, None)
    (tmp_path / "run.json").write_text(json.dumps({"data": "grid"}))
    assert infer(_Shaped((2,)), path, None) == "grid"
    (tmp_path / "run.json").write_text("[not json")
    with pytest.raises(SystemExit, match="Pass --data"):
        infer(_Shaped((2,)), path, None)
