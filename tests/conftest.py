"""Shared fixtures. The suite runs once per backend (KERAS_BACKEND)."""

import hashlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_aegan

BACKEND = keras.backend.backend()


ROTATION_ENV = "KERAS_AEGAN_ROTATION"


def pytest_collection_modifyitems(config, items):
    """Runs each `rotation(backend)` test on its one backend only.

    `scripts/test.sh` runs the suite once per backend and sets
    KERAS_AEGAN_ROTATION=1, so a test marked `rotation("jax")` (a long
    end-to-end or training-quality run whose backend-specific code the
    fast tests and the parity harness already cover) still runs once per
    full run. Without the variable every test runs on every backend.
    """
    if os.environ.get(ROTATION_ENV) != "1":
        return
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("rotation")
        if marker is None:
            keep.append(item)
            continue
        (backend,) = marker.args
        if backend not in ("jax", "tensorflow", "torch"):
            raise ValueError(
                "`rotation` takes one of 'jax', 'tensorflow', 'torch'. "
                f"Received: {backend!r} on {item.nodeid}"
            )
        (keep if backend == BACKEND else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same initial weights on its backend."""
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def digits():
    """The built-in digits: ((x_train, y_train), (x_test, y_test))."""
    return keras_aegan.datasets.load_digits()


@pytest.fixture(scope="session")
def ring():
    return keras_aegan.datasets.make_ring(1024, seed=0)


def small_aegan(**kwargs):
    """An AEGAN with narrow default networks, for fast tests."""
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return keras_aegan.AEGAN(**kwargs)


def hide_tensorboard(monkeypatch):
    """Makes every `tensorboard` import fail, as if it were not installed.

    Each already imported `tensorboard` module is shadowed by `None` in
    `sys.modules` (an import of a name mapped to `None` raises
    `ImportError`); `monkeypatch` restores them after the test.
    """
    names = [n for n in sys.modules if n.split(".")[0] == "tensorboard"]
    for name in names + ["tensorboard"]:
        monkeypatch.setitem(sys.modules, name, None)


def snapshot(root):
    """Every file under `root` with its size, mtime and content hash."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            stat = os.stat(path)
            found[os.path.relpath(path, root)] = (
                stat.st_size,
                stat.st_mtime_ns,
                digest,
            )
    return found


def network_values(model, name):
    """NumPy copies of all variables of one network, by path."""
    return {
        v.path: np.array(keras.ops.convert_to_numpy(v))
        for v in getattr(model, name).variables
    }


def optimizer_values(optimizer):
    return [
        np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables
    ]


def assert_all_finite(history):
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)


def start_job(module, args, log_path):
    """Starts `python -m module args` on this suite's backend.

    Its stdout is a text pipe (read it line by line); its stderr goes to
    `log_path`, so a chatty child can never block on a full pipe.
    """
    env = dict(os.environ, KERAS_BACKEND=BACKEND, PYTHONUNBUFFERED="1")
    env.setdefault("OMP_NUM_THREADS", "1")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
        )
    proc.log_path = log_path
    return proc


def finish_job(proc):
    """Waits for a `start_job` process; returns (exit code, stderr tail)."""
    proc.stdout.close()
    code = proc.wait(timeout=300)
    with open(proc.log_path) as log:
        return code, log.read()[-3000:]
