"""Process setup shared by the benchmark scripts: backend and threads.

Everything here must run before a framework is imported: Keras reads
`KERAS_BACKEND` at import, XLA reads `XLA_FLAGS` when it starts, and
TensorFlow and PyTorch fix their thread pools on first use.
"""

import argparse
import os
import shutil
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")
PIN_MARKER = "KERAS_AEGAN_BENCH_PINNED"
XLA_SINGLE_THREAD = (
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)


def configure_environment(backend, threads=1):
    """Sets the backend and the thread-count variables of this process.

    With `threads` None nothing but the backend is set.
    """
    if backend not in BACKENDS:
        raise ValueError(
            f"`backend` must be one of {BACKENDS}. Received: {backend!r}"
        )
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads is None:
        return
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {XLA_SINGLE_THREAD}".strip()


def pin_to_cpu(cpu, module, count=1):
    """Re-executes this process under `taskset -c` (once).

    Falls back to `os.sched_setaffinity` when `taskset` is missing. Does
    nothing when already pinned or on systems without either.

    Args:
        cpu: Index of the first core, or None to leave affinity alone.
        module: The `-m` module name to re-execute.
        count: Number of consecutive cores from `cpu` (one per thread).
    """
    if cpu is None or os.environ.get(PIN_MARKER):
        return
    cores = list(range(cpu, cpu + count))
    spec = ",".join(str(c) for c in cores)
    os.environ[PIN_MARKER] = spec
    taskset = shutil.which("taskset")
    if taskset:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(
            taskset,
            [taskset, "-c", spec, sys.executable, "-m", module] + sys.argv[1:],
        )
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cores))


def import_framework(backend, threads=1):
    """Imports the backend's framework and fixes its thread counts."""
    if backend == "torch":
        import torch

        if threads is not None:
            torch.set_num_threads(threads)
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:  # already set once in this process
                pass
    elif backend == "tensorflow":
        import tensorflow as tf

        if threads is not None:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
                tf.config.threading.set_inter_op_parallelism_threads(1)
            except RuntimeError:  # the runtime is already initialised
                pass
    else:
        import jax  # noqa: F401  (XLA_FLAGS was set before)


def run_per_backend(module, backends, argv, timeout=None):
    """Runs `python -m module --backend B argv...` once per backend.

    Returns:
        Dict mapping each backend to its `subprocess.CompletedProcess`
        (stdout and stderr pass through to this process's).
    """
    results = {}
    for backend in backends:
        env = dict(os.environ, KERAS_BACKEND=backend)
        env.pop(PIN_MARKER, None)
        results[backend] = subprocess.run(
            [sys.executable, "-m", module, "--backend", backend] + argv,
            env=env,
            timeout=timeout,
            check=False,
        )
    return results


def peak_rss_mib():
    """Peak resident set size of this process so far, in MiB.

    `VmHWM` from /proc/self/status where available (Linux), else
    `resource.getrusage` (kilobytes on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0)


def make_parser(prog, doc):
    """An argument parser with the `--backend` option all scripts share."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", default="all", choices=BACKENDS + ("all",))
    return parser
