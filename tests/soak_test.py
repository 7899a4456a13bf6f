"""Soak: many short epochs with every callback on; memory stays flat.

The job (`keras_aegan.testing.soak_job`, a real subprocess per backend)
records resident memory after each epoch, after garbage
collection and a glibc heap trim (without the trim, JAX runs drop by
~250 MB once when glibc trims on its own, which hides any trend).

Growth is the median, over every `SPAN`-epoch window after the warm-up,
of the window's growth per epoch. A leak this test is for grows memory
in (nearly) every window and moves the median; the resident size also
jumps by 2-5 MB now and then, up as well as down, without a leak (JAX,
beside the test suites on the other core), and a median ignores those.
The earlier statistic (median of the last 10 epochs minus median of the
10 after the warm-up) read those jumps as growth: on JAX it gave 124
and 197 KB/epoch (the latter failed the suite) in two runs where this
statistic gives 35.2 and 36.8; a third run without a jump gave 32.6
with the earlier statistic and 32.0 with this one.
Measured over 120 epochs on JAX: +150 KB/epoch over epochs 0-20, +100
over 20-60, +40 over 60-120 (PyTorch: 38 KB/epoch from the start,
smooth); hence JAX's 40-epoch warm-up in 80 epochs. PyTorch and
TensorFlow grow linearly from the start and run 40 epochs with a
10-epoch warm-up (`keras_aegan.testing.soak_job.EPOCHS`, `WARMUP`).
With this statistic (7 December): JAX 31.2-36.8 KB/epoch (four runs),
PyTorch 33.6, TensorFlow 723 (the known leak below, ~700 with the
earlier statistic too). The bound, 150 KB/epoch, sits four times above
that creep and well below the leaks this test is for: a retraced
compiled step or a retained model copy costs megabytes per epoch.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

from keras_aegan.testing.soak_job import EPOCHS
from keras_aegan.testing.soak_job import WARMUP

SPAN = 5
MAX_GROWTH_PER_EPOCH = 150 * 1024
BACKENDS = ("tensorflow", "jax", "torch")
# scripts/test.sh starts the jobs in the background while the per-backend
# suites run (they leave a core idle much of the time) and points this
# variable at their directory; without it, the fixture runs them itself.
PRESTARTED = "KERAS_AEGAN_SOAK_DIR"

pytestmark = [
    pytest.mark.soak,
    pytest.mark.cross_backend,
    pytest.mark.skipif(
        not os.path.exists("/proc/self/statm"),
        reason="resident memory is read from Linux /proc",
    ),
]


@pytest.fixture(scope="module")
def soak_runs(tmp_path_factory):
    """{backend: (exit code, output directory)} of the soak job."""
    runs = {}
    prestarted = os.environ.get(PRESTARTED)
    for backend in BACKENDS:
        if prestarted:
            out = os.path.join(prestarted, backend)
            exit_file = os.path.join(prestarted, f"{backend}.exit")
            deadline = time.monotonic() + 1200
            while not os.path.exists(exit_file):
                assert time.monotonic() < deadline, f"{backend} soak hangs"
                time.sleep(1)
            with open(exit_file) as f:
                runs[backend] = (int(f.read()), pathlib.Path(out))
            continue
        out = tmp_path_factory.mktemp(f"soak_{backend}")
        env = dict(os.environ, KERAS_BACKEND=backend)
        with open(out / "job.log", "w") as log:
            code = subprocess.run(
                [sys.executable, "-m", "keras_aegan.testing.soak_job",
                 str(out), "--epochs", str(EPOCHS[backend])],
                env=env, stdout=log, stderr=subprocess.STDOUT, timeout=1200,
            ).returncode  # fmt: skip
        runs[backend] = (code, out)
    return runs


# A known upstream leak: the TensorFlow job must still finish and record
# every epoch (a crash fails), and only the growth bound is expected to
# fail; should it pass, the leak is fixed and this entry must go.
KNOWN_LEAKS = {
    "tensorflow": "Keras 3.15 on TensorFlow 2.21 grows resident memory by "
    "~70 KB per save_weights() of any compiled model (reproduced with a "
    "plain two-layer keras.Sequential; PyTorch and JAX: 0), and this job "
    "saves three times per epoch",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_memory_stays_flat_with_all_callbacks(
    soak_runs, backend, record_property
):
    code, out = soak_runs[backend]
    log_path = out / "job.log"
    log = log_path.read_text() if log_path.exists() else "(no log)"
    assert code == 0, log[-3000:]
    rss = np.array(json.loads((out / "rss.json").read_text())["rss"])
    epochs, warmup = EPOCHS[backend], WARMUP[backend]
    assert len(rss) == epochs
    settled = rss[warmup:]
    rates = (settled[SPAN:] - settled[:-SPAN]) / SPAN
    slope = np.median(rates)
    total = (rss[-1] - rss[warmup]) / 2**20
    record_property(
        "measured",
        f"soak {backend}: {slope / 1024:.1f} KB/epoch over epochs "
        f"{warmup}-{epochs} ({total:+.1f} MB, peak "
        f"{rss.max() / 2**20:.0f} MB)",
    )
    grows = f"resident memory grows {slope / 1024:.1f} KB per epoch"
    if backend in KNOWN_LEAKS:
        assert slope > MAX_GROWTH_PER_EPOCH, (
            f"{grows}: the known leak is gone, remove its KNOWN_LEAKS entry"
        )
        pytest.xfail(f"{grows}. {KNOWN_LEAKS[backend]}")
    assert slope <= MAX_GROWTH_PER_EPOCH, grows
