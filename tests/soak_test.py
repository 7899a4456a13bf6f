"""Soak: many short epochs with every callback on; memory stays flat.

The job (`keras_aegan.testing.soak_job`, a real subprocess on this
suite's backend) records resident memory after each epoch. Growth is the
largest rate (rss[j] - rss[i]) / (j - i) over all spans of at least
`MIN_SPAN` epochs after a warm-up: a steady leak shows in every long span
even when the allocator hands memory back in one step somewhere (JAX runs
drop by ~240 MB once, which makes a fitted slope meaningless), and a
one-time allocation of up to 2 MB stays under the bound.

Bound: on all three backends the job's memory creeps by 30-45 KB per epoch
(measured: JAX 42, PyTorch 33, TensorFlow 32 KB/epoch with no callbacks
at all), which tracemalloc shows is not Python objects but allocator
fragmentation. 100 KB/epoch sits above that and below any real per-epoch
leak of the callbacks: one retained sample grid or TensorBoard image set
is 100-300 KB, a retraced compiled function is megabytes.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import BACKEND

EPOCHS, WARMUP, MIN_SPAN = 50, 15, 20
MAX_GROWTH_PER_EPOCH = 100 * 1024

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
def test_memory_stays_flat_with_all_callbacks(tmp_path):
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    result = subprocess.run(
        [sys.executable, "-m", "keras_aegan.testing.soak_job",
         str(tmp_path), "--epochs", str(EPOCHS)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rss = np.array(json.loads((tmp_path / "rss.json").read_text())["rss"])
    assert len(rss) == EPOCHS
    window = rss[WARMUP:].astype("float64")
    slope = max(
        (window[j] - window[i]) / (j - i)
        for i in range(len(window))
        for j in range(i + MIN_SPAN, len(window))
    )
    total = (rss[-1] - rss[WARMUP]) / 2**20
    print(
        f"{BACKEND}: at most {slope / 1024:.1f} KB/epoch over any "
        f"{MIN_SPAN}+ epochs of {WARMUP}-{EPOCHS} ({total:+.1f} MB in all, "
        f"peak {rss.max() / 2**20:.0f} MB)"
    )
    assert slope <= MAX_GROWTH_PER_EPOCH, (
        f"resident memory grows {slope / 1024:.1f} KB per epoch"
    )
