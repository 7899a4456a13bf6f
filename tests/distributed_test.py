"""Data parallelism on each backend's engine equals one-device training.

Each test runs `examples/distributed.py` twice as real subprocesses on
this suite's backend: on one device and data-parallel (JAX: 4 host
devices under `keras.distribution.DataParallel`; TensorFlow:
`MirroredStrategy` over 2 logical CPUs; PyTorch: 2 processes started by
`torchrun`, gloo), with the same global batch, then compares every
logged loss and every weight. On JAX a (batch, model) mesh that also
splits the Dense kernels (`keras.distribution.ModelParallel`) must do
the same.

Both runs use SGD, whose update is linear in the gradient: a replica
gradient that is summed instead of averaged (or averaged twice) changes
every update by a factor, which Adam's scale invariance would hide. The
MLP ring networks have no BatchNorm, whose per-replica statistics are a
documented difference on TensorFlow and PyTorch.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

BACKEND = keras.backend.backend()
EXAMPLE = (
    pathlib.Path(__file__).resolve().parent.parent
    / "examples"
    / "distributed.py"
)
# 256 ring points, global batch 64, 2 epochs: 8 steps of both phases.
JOB = [
    "--data", "ring", "--samples", "256", "--epochs", "2",
    "--batch-size", "64", "--width", "16", "--optimizer", "sgd",
    "--no-shuffle", "--save-weights",
]  # fmt: skip
# Tolerances: the runs differ only in how float32 batch means are split
# and summed (a few ulp, ~1e-7 relative, per reduction). Measured: 3e-8
# after 8 steps on every backend. 1e-5 is 300x that, and 1000x below what
# a gradient off by a factor of 2 does to SGD weights here (one step
# moves weights by lr * |g|, about 1e-2).
ATOL = 1e-5


def _run(out, *extra, launcher=()):
    env = dict(os.environ, KERAS_BACKEND=BACKEND, OMP_NUM_THREADS="1")
    env.pop("XLA_FLAGS", None)
    cmd = [*launcher, str(EXAMPLE), *JOB, "--out", str(out), *extra]
    if not launcher:
        cmd = [sys.executable, *cmd]
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    with open(out / "history.json") as f:
        report = json.load(f)
    weights = np.load(out / "weights.npz")
    return report, [weights[k] for k in weights.files]


def _assert_same_training(single, parallel, replicas):
    (report_1, weights_1), (report_n, weights_n) = single, parallel
    assert report_1["replicas"] == 1
    assert report_n["replicas"] == replicas
    assert sorted(report_1["history"]) == sorted(report_n["history"])
    for key, values in report_1["history"].items():
        np.testing.assert_allclose(
            report_n["history"][key], values, rtol=1e-6, atol=ATOL, err_msg=key
        )
    assert len(weights_1) == len(weights_n)
    for w1, wn in zip(weights_1, weights_n):
        np.testing.assert_allclose(wn, w1, rtol=0, atol=ATOL)
    # The comparison means something only if training moved: the epoch
    # means of the losses change by far more than the tolerance.
    losses = np.array(report_1["history"]["generator_loss"])
    assert abs(losses[1] - losses[0]) > 100 * ATOL, losses


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution (JAX)")
def test_jax_data_parallel_on_4_devices_equals_one_device(tmp_path):
    single = _run(tmp_path / "one", "--cpu-devices", "1")
    parallel = _run(tmp_path / "four", "--cpu-devices", "4")
    # The weights really live on the 4 devices (replicated layout).
    assert parallel[0]["weight_devices"] == 4
    _assert_same_training(single, parallel, 4)


@pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution (JAX)")
def test_jax_model_parallel_mesh_equals_one_device(tmp_path):
    single = _run(tmp_path / "one", "--cpu-devices", "1")
    mesh = ("--cpu-devices", "4", "--model-parallel", "2")
    parallel = _run(tmp_path / "mesh", *mesh)
    # 2 x 2 mesh: the generator's first kernel is split on "model".
    assert parallel[0]["weight_devices"] == 4
    assert "model" in parallel[0]["weight_spec"]
    _assert_same_training(single, parallel, 4)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_tf_mirrored_strategy_on_2_cpus_equals_one_device(tmp_path):
    single = _run(tmp_path / "one", "--cpu-devices", "1")
    parallel = _run(tmp_path / "two", "--cpu-devices", "2")
    _assert_same_training(single, parallel, 2)


@pytest.mark.skipif(BACKEND != "torch", reason="torch.distributed")
def test_torch_ddp_with_2_processes_equals_one_process(tmp_path):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    assert torchrun is not None, "torchrun is installed with torch"
    single = _run(tmp_path / "one")
    launcher = (torchrun, "--standalone", "--nproc-per-node", "2")
    parallel = _run(tmp_path / "two", launcher=launcher)
    _assert_same_training(single, parallel, 2)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute")
def test_tf_mirrored_strategy_with_implicit_compile(tmp_path):
    """`fit()` compiles a model made in the scope but never compiled.

    Its default optimizers and loss trackers must be created in the
    model's strategy too (they were not: "Mixing different
    tf.distribute.Strategy objects").
    """
    job = ["--cpu-devices", "2", "--optimizer", "adam", "--epochs", "1"]
    report, _ = _run(tmp_path / "adam", *job)
    assert report["replicas"] == 2
    losses = [v[-1] for v in report["history"].values()]
    assert np.all(np.isfinite(losses))
