"""Soak: many short epochs with every callback on; memory stays flat.

The job (`keras_aegan.testing.soak_job`, a real subprocess on this
suite's backend) records resident memory after each epoch, after garbage
collection and a glibc heap trim (without the trim, JAX runs drop by
~250 MB once when glibc trims on its own, which hides any trend).

Growth is (median of the last `WINDOW` epochs - median of the `WINDOW`
epochs after the warm-up) / the epochs between the two windows' centres.
Bound: the job's memory settles slowly and jitters without a leak.
Measured over 120 epochs on JAX: +150 KB/epoch over epochs 0-20, +100 over
20-60, +40 over 60-120, with +-2 MB jitter (PyTorch: 38 KB/epoch from the
start, smooth); hence the 40-epoch warm-up. The medians' jitter over the
30 epochs between the windows adds up to ~35 KB/epoch. 150 KB/epoch sits above
creep plus jitter and well below the leaks this test is for: a retraced
compiled step or a retained model copy costs megabytes per epoch, and
TensorFlow's save_weights growth (below) shows as ~700 KB/epoch here.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import BACKEND

EPOCHS, WARMUP, WINDOW = 80, 40, 10
MAX_GROWTH_PER_EPOCH = 150 * 1024

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(
        not os.path.exists("/proc/self/statm"),
        reason="resident memory is read from Linux /proc",
    ),
]


@pytest.mark.xfail(
    BACKEND == "tensorflow",
    strict=True,
    reason="Keras 3.15 on TensorFlow 2.21 grows resident memory by ~70 KB "
    "per save_weights() of any compiled model (reproduced with a plain "
    "two-layer keras.Sequential; PyTorch and JAX: 0), and this job saves "
    "three times per epoch",
)
def test_memory_stays_flat_with_all_callbacks(tmp_path, record_property):
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    result = subprocess.run(
        [sys.executable, "-m", "keras_aegan.testing.soak_job",
         str(tmp_path), "--epochs", str(EPOCHS)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rss = np.array(json.loads((tmp_path / "rss.json").read_text())["rss"])
    assert len(rss) == EPOCHS
    early = np.median(rss[WARMUP : WARMUP + WINDOW])
    late = np.median(rss[EPOCHS - WINDOW :])
    slope = (late - early) / (EPOCHS - WINDOW - WARMUP)
    total = (rss[-1] - rss[WARMUP]) / 2**20
    record_property(
        "measured",
        f"soak {BACKEND}: {slope / 1024:.1f} KB/epoch over epochs "
        f"{WARMUP}-{EPOCHS} ({total:+.1f} MB, peak "
        f"{rss.max() / 2**20:.0f} MB)",
    )
    assert slope <= MAX_GROWTH_PER_EPOCH, (
        f"resident memory grows {slope / 1024:.1f} KB per epoch"
    )
