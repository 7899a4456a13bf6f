"""The examples run end to end (tiny budgets) as real subprocesses."""

import os
import pathlib
import subprocess
import sys

import keras
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _run_example(name, tmp_path, *args):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--out", str(tmp_path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.rotation("tensorflow")
def test_quickstart(tmp_path):
    out = _run_example("quickstart.py", tmp_path, "--epochs", "1")
    assert "held-out reconstruction L1" in out
    assert (tmp_path / "samples_epoch_0001.png").is_file()
    assert (tmp_path / "reconstructions_epoch_0001.png").is_file()


@pytest.mark.rotation("jax")
def test_ring(tmp_path):
    out = _run_example("ring.py", tmp_path, "--epochs", "1")
    assert "modes covered:" in out
    assert (tmp_path / "samples.png").is_file()


@pytest.mark.rotation("torch")
def test_autoencoder_generator(tmp_path):
    out = _run_example("autoencoder_generator.py", tmp_path, "--epochs", "1")
    assert "reloaded model generates the same: True" in out
    assert (tmp_path / "model.keras").is_file()


# PyTorch: 15 s against 24 s under TensorFlow (tracing the conv step).
@pytest.mark.rotation("torch")
def test_sequences(tmp_path):
    out = _run_example("sequences.py", tmp_path, "--epochs", "1")
    assert "held-out reconstruction L1: before" in out
    assert "same samples: True" in out
    assert (tmp_path / "samples_epoch_0001.png").is_file()
    assert (tmp_path / "reconstructions_epoch_0001.png").is_file()
    assert (tmp_path / "model.keras").is_file()
