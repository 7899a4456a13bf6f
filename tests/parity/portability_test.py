"""Checkpoints saved under each backend load under each of the others.

The 6 ordered pairs (source backend -> loading backend), for `.keras`
files and for weights-only `.weights.h5` files. Runs once (marker
`cross_backend`); it starts its own subprocesses per backend.

Tolerances: loaded weights, optimizer moments and seed states are copied,
so they must be identical. Outputs (`decode`, `encode`) are recomputed by
another backend: values of magnitude up to ~10 through ~10 layers, each
op off by a few float32 ulps (1.19e-7), give OUTPUT_ATOL = 1e-5.
"""

import json
import os
import subprocess
import sys

import pytest

from keras_aegan.testing.parity import BACKENDS

pytestmark = pytest.mark.cross_backend

OUTPUT_ATOL = 1e-5


def _run(command, backend, directory):
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-m", "keras_aegan.testing.portability", command,
         directory],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, (backend, result.stderr[-4000:])


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("portability"))
    for backend in BACKENDS:
        _run("save", backend, directory)
    table = {}
    for backend in BACKENDS:
        _run("load", backend, directory)
        with open(os.path.join(directory, f"loaded_{backend}.json")) as f:
            for source, entry in json.load(f).items():
                table[(source, backend)] = entry
    return table


@pytest.mark.parametrize(
    "source,target",
    [(s, t) for s in BACKENDS for t in BACKENDS if s != t],
)
def test_checkpoint_moves_between_backends(matrix, source, target):
    entry = matrix[(source, target)]
    print(f"\n{source} -> {target}: {entry}")
    assert entry["same_keys"]
    assert entry["state_max_abs"] == 0.0  # weights, moments, seeds
    assert entry["weights_file_max_abs"] == 0.0
    assert entry["outputs_max_abs"] < OUTPUT_ATOL
    assert entry["iterations"] == 2
    assert entry["continued_iterations"] == 4
    assert entry["continued_finite"]


def test_matrix_is_complete(matrix):
    assert len(matrix) == 6
