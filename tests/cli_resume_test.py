"""`keras-aegan train` SIGKILLed, then run again with the same command.

Real subprocesses on this suite's backend: an uninterrupted run, and a run
killed once its second checkpoint is on disk and then restarted. The
second must resume automatically and save the same model, bit for bit
(same backend and operations; host noise fixes data order and noise).
"""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

ARGS = [
    "train", "--data", "ring", "--limit", "192", "--batch-size", "32",
    "--epochs", "3", "--width", "8", "--save-every", "2", "--every", "3",
    "--name", "run", "--verbose", "0",
]  # fmt: skip


def _start(cwd):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    return subprocess.Popen(
        [sys.executable, "-m", "keras_aegan.cli", *ARGS],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return out


def _state(path):
    model = keras.saving.load_model(path)
    return [
        keras.ops.convert_to_numpy(v)
        for v in list(model.weights) + list(model.optimizer.variables)
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    keras.backend.backend() != "jax",
    reason="the command line's resume logic has no backend-specific code; "
    "resuming itself is tested per backend in resume_test.py",
)
def test_killed_cli_run_resumes_with_the_same_command(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _finish(_start(tmp_path / "a"))

    backup = tmp_path / "b" / "runs" / "run" / "backup"
    proc = _start(tmp_path / "b")
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if len([p for p in backup.glob("checkpoint-*")]) >= 2:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill"
    assert not (tmp_path / "b" / "runs" / "run" / "model.keras").exists()

    out = _finish(_start(tmp_path / "b"))
    assert "Resuming from the newest checkpoint" in out
    expected = _state(tmp_path / "a" / "runs" / "run" / "model.keras")
    resumed = _state(tmp_path / "b" / "runs" / "run" / "model.keras")
    assert len(expected) == len(resumed)
    differing = [
        i for i, (a, b) in enumerate(zip(expected, resumed))
        if not np.array_equal(a, b)
    ]  # fmt: skip
    assert not differing, f"{len(differing)} variables differ"
