"""Quality parity: AEGAN reaches the same mode-coverage band on the 8-mode
ring under every backend, each with its own seeds (the ring settings of
`keras_aegan.testing.quality`, all four networks at 128 units, where the
band was measured).

Slow (a few minutes: the three backends train concurrently, one thread
each). Protocol of DESIGN.md section 5: 2,500 samples, high quality within
3 std (0.03) of a centre, a mode is covered when a high-quality sample is
nearest to it. Settings: `keras_aegan.testing.quality` (the ring settings,
generator and discriminator Adam(2e-4, beta_1=0.5)), 30 epochs = 2,370
steps of batch 256. One run, one thread on a loaded 2-core machine: 45-61 s
of wall time with JAX or TensorFlow, 105-127 s with PyTorch.

Measured distribution (`keras_aegan.testing.quality.run(seed, 30)`; the
seed is the data, weights and noise seed; AMD EPYC, 2026-12-06), modes /
high-quality share:

    JAX, seeds 0-7:        8/37%, 8/52%, 7/47%, 8/46%, 8/52%, 8/35%,
                           7/47%, 8/50%
    TensorFlow, seeds 0-3: 8/52%, 7/39%, 8/44%, 8/34%
    PyTorch, seeds 1-4:    8/22%, 7/50%, 8/52%, 8/61%

With AEGAN's image defaults instead of the ring settings: 1.0% high
quality. An untrained or collapsed generator scores ~0% high quality (its
samples spread over the plane).

The band, unchanged: at least 6 of 8 modes (one below the lowest run) and
at least 20% high-quality samples (the lowest run, PyTorch seed 1, scored
22%, so one run on another machine can fall below it). So that one
trajectory's rounding does not decide the result, each backend passes
with the best of up to MAX_TRIES = 3 seeds (its own seed, then that plus
3, plus 6), rerunning only the backends whose run missed the band: the
common case costs one run per backend, as before. None of the 16
measured runs missed the band; the rule-of-succession estimate of one run
missing it, p = 1 / (16 + 2) = 0.056, makes one backend miss 3 times
with probability 0.056^3 = 1.7e-4, and any of the three with at most
3 * 1.7e-4 = 5.1e-4 < 1e-3, when seeds act as independent draws. A
collapsed generator misses every run.
"""

import json
import os
import subprocess
import sys

import pytest

from keras_aegan.testing.parity import BACKENDS

pytestmark = [pytest.mark.cross_backend, pytest.mark.slow]

EPOCHS = 30  # 2,370 steps of batch 256 on 20,000 samples
MIN_MODES = 6
MIN_HIGH_QUALITY = 0.20
MAX_TRIES = 3  # seeds per backend, best of: see the module docstring
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false "
    "intra_op_parallelism_threads=1",
}


def _in_band(value):
    return (
        value["modes"] >= MIN_MODES
        and value["high_quality"] >= MIN_HIGH_QUALITY
    )


def _train(directory, seeds):
    """One run per backend of `seeds`, concurrently; their results."""
    procs = {}
    for backend, seed in seeds.items():
        env = dict(os.environ, KERAS_BACKEND=backend, **ONE_THREAD)
        out = directory / f"{backend}_{seed}.json"
        procs[backend] = (
            out,
            subprocess.Popen(
                [sys.executable, "-m", "keras_aegan.testing.quality",
                 str(out), "--seed", str(seed), "--epochs", str(EPOCHS)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )  # fmt: skip
    table = {}
    for backend, (out, proc) in procs.items():
        _, err = proc.communicate(timeout=1200)
        assert proc.returncode == 0, (backend, err[-3000:])
        with open(out) as f:
            table[backend] = json.load(f)
    return table


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Per backend: its first run in the band, else its last run."""
    directory = tmp_path_factory.mktemp("quality")
    table, tries = {}, {}
    for attempt in range(MAX_TRIES):
        seeds = {
            backend: first + len(BACKENDS) * attempt
            for first, backend in enumerate(BACKENDS, start=1)
            if backend not in table or not _in_band(table[backend]["value"])
        }
        if not seeds:
            break
        table.update(_train(directory, seeds))
        tries.update(dict.fromkeys(seeds, attempt + 1))
    for backend, result in table.items():
        result["tries"] = tries[backend]
    return table


@pytest.mark.parametrize("backend", BACKENDS)
def test_ring_mode_coverage_band(results, backend):
    result = results[backend]
    value = result["value"]
    print(
        f"\n{backend}: modes {value['modes']}/8, high quality "
        f"{value['high_quality']:.1%}, KL {value['kl']:.3f}, "
        f"{result['protocol']['steps']} steps, {result['seconds']:.0f} s, "
        f"seed {result['protocol']['seed']}, run {result['tries']} of "
        f"up to {MAX_TRIES}"
    )
    assert result["protocol"]["steps"] == EPOCHS * 79
    assert value["modes"] >= MIN_MODES
    assert value["high_quality"] >= MIN_HIGH_QUALITY
