"""Times keras_aegan's training step against the native loop of a backend.

    python -m benchmarks.run --backend torch --config conv32
    python -m benchmarks.run --backend all --config all --json out.json

Each (backend, configuration) pair runs in its own process (Keras reads
`KERAS_BACKEND` at import), pinned to `--threads` cores from `--cpu`
(`taskset -c`, or `os.sched_setaffinity`) with every thread pool at
`--threads` (default 1): `torch.set_num_threads`, TensorFlow's intra-op
pool (inter-op 1), OMP/MKL/OpenBLAS; at one thread XLA (JAX, and
TensorFlow with XLA) also gets `XLA_FLAGS=--xla_cpu_multi_thread_eigen
=false intra_op_parallelism_threads=1`, with more it keeps its
multi-threaded default (its pool then spans the pinned cores).

keras_aegan is timed through `model.fit()`, what a user runs: a NumPy
array holding the benchmark's fixed batch `steps` times, `batch_size` =
the configuration's, `shuffle=False`, `verbose=0`, the model's default
settings otherwise (so its `NonFiniteGuard` callback checks the losses
after every batch, as it does for users). Two numbers come out of each
`fit()` call:

- step time (the headline): measured by a callback from the end of the
  first batch to the end of the last (`steps - 1` steps, each end waits
  for the step's losses), i.e. the per-step cost inside an epoch, which
  is what a long `fit()` costs per step;
- fit time: the whole `fit()` call divided by `steps`, which adds the
  per-call setup (data adapter, callbacks, JAX state sync) a short
  `fit()` pays.

The native loop (`native_<backend>.py`) runs `steps` steps on the same
fixed batch and waits for the last one. Rounds alternate keras_aegan
and native (A B A B ...) after `--warmup` untimed rounds; the ratio
keras_aegan / native is taken per round and reported as the median with
min and max.

Peak memory is the resident set high-water mark (`VmHWM`) of a process.
The timing process holds both implementations, so its figure is a
combined one; unless `--no-memory-split`, two short extra processes
(keras_aegan only, native only: build, warm up, one round) report each
side's own peak.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks import _process
from benchmarks import specs

MODULE = "benchmarks.run"


def _parse(argv):
    parser = _process.make_parser(MODULE, __doc__)
    parser.add_argument(
        "--config", default="all", choices=tuple(specs.CONFIGS) + ("all",)
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="Timed rounds per side."
    )
    parser.add_argument(
        "--steps", type=int, default=20, help="Steps per timed round (>= 2)."
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="Untimed rounds per side."
    )
    parser.add_argument(
        "--jit",
        default="auto",
        choices=("auto", "true", "false"),
        help="auto: keras_aegan's compile default (XLA on JAX; on "
        "TensorFlow only with a GPU; eager PyTorch) against jax.jit, "
        "tf.function with the same XLA choice as Keras's 'auto' (on one "
        "CPU thread XLA was no faster for the native loop either) and "
        "eager PyTorch. true/false: keras_aegan's jit_compile and the "
        "native TensorFlow loop's XLA (JAX is always jitted, native "
        "PyTorch always eager).",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="Threads of every pool (PyTorch intra-op, TensorFlow "
        "intra-op, OMP/MKL/OpenBLAS; XLA multi-threaded when > 1), the "
        "same for keras_aegan and the native loop. The process is pinned "
        "to this many cores from --cpu.",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        help="First core to pin each process to; -1 leaves affinity alone.",
    )
    parser.add_argument(
        "--no-memory-split",
        action="store_true",
        help="Skip the per-side peak memory processes.",
    )
    parser.add_argument("--json", help="Write the results to this file.")
    parser.add_argument(
        "--only", choices=("keras", "native"), help=argparse.SUPPRESS
    )
    parser.add_argument("--data-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps < 2:
        parser.error("--steps must be at least 2")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    return args


# ------------------------------------------------------------ one process
def _jit_settings(backend, jit):
    keras_jit = {"auto": "auto", "true": True, "false": False}[jit]
    if backend == "jax":
        return keras_jit, True
    if backend == "torch":
        return keras_jit, False
    if jit != "auto":
        return keras_jit, jit == "true"
    # Keras's "auto" rule for TensorFlow: XLA only with an accelerator.
    # On one CPU thread XLA was no faster for the native loop either.
    import tensorflow as tf

    devices = tf.config.list_physical_devices()
    return keras_jit, any(d.device_type != "CPU" for d in devices)


class _StepTimer:
    """A Keras callback timing the batches of one `fit()` call."""

    def __init__(self, keras, steps):
        timer = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if batch in (0, steps - 1):
                    # Wait for the step (its losses) before reading time.
                    keras.ops.convert_to_numpy(logs["generator_loss"])
                    if batch == 0:
                        timer.start = time.perf_counter()
                    else:
                        timer.end = time.perf_counter()

        self.callback = Callback()
        self.start = self.end = None

    def seconds(self):
        return self.end - self.start


def _keras_side(config, x_rep, args, keras_jit):
    import keras

    from benchmarks import configs

    keras.utils.set_random_seed(args.seed)
    model = configs.build_model(
        config, x_rep, seed=args.seed, jit_compile=keras_jit
    )
    timer = _StepTimer(keras, args.steps)

    def run_round():
        t0 = time.perf_counter()
        model.fit(
            x_rep,
            batch_size=config.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[timer.callback],
        )
        total = time.perf_counter() - t0
        return {
            "step_s": timer.seconds() / (args.steps - 1),
            "fit_step_s": total / args.steps,
        }

    return model, run_round


def _native_side(backend, config, x, args, native_jit):
    if backend == "torch":
        from benchmarks import native_torch as module
    elif backend == "jax":
        from benchmarks import native_jax as module
    else:
        from benchmarks import native_tf as module
    step_fn, native = module.make(
        config.name, seed=args.seed, x=x, jit=native_jit
    )

    def run_round():
        t0 = time.perf_counter()
        for i in range(args.steps):
            step_fn(sync=i == args.steps - 1)
        return {"step_s": (time.perf_counter() - t0) / args.steps}

    return native, run_round


def _summary(values):
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "all": list(values),
    }


def run_one(args):
    """Times one backend and configuration in this process."""
    backend = args.backend
    config = specs.get(args.config)
    if args.data_file:
        x = np.load(args.data_file)["x"]
    else:
        x = specs.make_data(config, config.batch_size, args.seed)
    x_rep = np.concatenate([x] * args.steps)
    keras_jit, native_jit = _jit_settings(backend, args.jit)
    sides = {}
    if args.only != "native":
        sides["keras_aegan"] = _keras_side(config, x_rep, args, keras_jit)
    if args.only != "keras":
        sides["native"] = _native_side(backend, config, x, args, native_jit)

    for _ in range(args.warmup):
        for _, run_round in sides.values():
            run_round()
    rounds = {name: [] for name in sides}
    for _ in range(args.repeats if args.only is None else 1):
        for name, (_, run_round) in sides.items():
            rounds[name].append(run_round())
    peak = _process.peak_rss_mib()  # before _versions() imports more
    result = {
        "backend": backend,
        "config": config.name,
        "batch_size": config.batch_size,
        "steps_per_round": args.steps,
        "repeats": len(next(iter(rounds.values()))),
        "warmup_rounds": args.warmup,
        "threads": args.threads,
        "cpu_affinity": sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "peak_rss_mib": peak,
        "versions": _versions(backend, keras_too=args.only != "native"),
    }
    if "keras_aegan" in sides:
        model = sides["keras_aegan"][0]
        result["keras_aegan_jit_compile"] = model.jit_compile
        result["keras_aegan_step_ms"] = _summary(
            [1e3 * r["step_s"] for r in rounds["keras_aegan"]]
        )
        result["keras_aegan_fit_step_ms"] = _summary(
            [1e3 * r["fit_step_s"] for r in rounds["keras_aegan"]]
        )
    if "native" in sides:
        result["native_jit"] = native_jit
        result["native_step_ms"] = _summary(
            [1e3 * r["step_s"] for r in rounds["native"]]
        )
    if len(sides) == 2:
        k, n = rounds["keras_aegan"], rounds["native"]
        result["ratio"] = _summary(
            [a["step_s"] / b["step_s"] for a, b in zip(k, n)]
        )
        result["fit_ratio"] = _summary(
            [a["fit_step_s"] / b["step_s"] for a, b in zip(k, n)]
        )
    for side in ("keras_aegan", "native"):
        key = f"{side}_step_ms"
        if key in result:
            result[f"{side}_images_per_s"] = (
                1e3 * config.batch_size / result[key]["median"]
            )
    return result


def _versions(backend, keras_too=True):
    out = {}
    if keras_too:
        import keras

        import keras_aegan

        out["keras"] = keras.__version__
        out["keras_aegan"] = keras_aegan.__version__
    if backend == "torch":
        import torch

        out["torch"] = torch.__version__
    elif backend == "jax":
        import jax

        out["jax"] = jax.__version__
    else:
        import tensorflow as tf

        out["tensorflow"] = tf.__version__
    return out


def _memory_split(args, result):
    """Peak RSS of each side alone, from two short child processes."""
    with tempfile.TemporaryDirectory() as tmp:
        config = specs.get(args.config)
        data = os.path.join(tmp, "batch.npz")
        np.savez(data, x=specs.make_data(config, config.batch_size, args.seed))
        for side in ("keras", "native"):
            out = os.path.join(tmp, f"{side}.json")
            child = _child_argv(args, args.backend, args.config, out) + [
                "--only",
                side,
                "--data-file",
                data,
                "--no-memory-split",
            ]
            env = dict(os.environ)
            env.pop(_process.PIN_MARKER, None)
            proc = subprocess.run(
                [sys.executable, "-m", MODULE] + child, env=env, check=False
            )
            if proc.returncode == 0:
                with open(out) as f:
                    name = "keras_aegan" if side == "keras" else "native"
                    result[f"peak_rss_mib_{name}_only"] = json.load(f)[0][
                        "peak_rss_mib"
                    ]


def _threads_text(threads):
    return "1 thread" if threads == 1 else f"{threads} threads"


def report(r):
    def ms(key):
        s = r[key]
        return f"{s['median']:.2f} ms [{s['min']:.2f}-{s['max']:.2f}]"

    lines = [
        f"== {r['backend']} / {r['config']} (batch {r['batch_size']}, "
        f"{r['repeats']} x {r['steps_per_round']} steps, "
        f"{_threads_text(r.get('threads', 1))})"
    ]
    if "keras_aegan_step_ms" in r:
        lines.append(
            f"  keras_aegan (jit_compile={r['keras_aegan_jit_compile']}): "
            f"step {ms('keras_aegan_step_ms')}, "
            f"{r['keras_aegan_images_per_s']:.0f} samples/s; whole fit() "
            f"per step {ms('keras_aegan_fit_step_ms')}"
        )
    if "native_step_ms" in r:
        lines.append(
            f"  native (jit={r['native_jit']}): step {ms('native_step_ms')}, "
            f"{r['native_images_per_s']:.0f} samples/s"
        )
    if "ratio" in r:
        q, f = r["ratio"], r["fit_ratio"]
        lines.append(
            f"  ratio keras_aegan/native: {q['median']:.2f} "
            f"[{q['min']:.2f}-{q['max']:.2f}] (step); {f['median']:.2f} "
            f"[{f['min']:.2f}-{f['max']:.2f}] (whole fit())"
        )
    mem = f"  peak RSS: {r['peak_rss_mib']:.0f} MiB (this process, both)"
    if "peak_rss_mib_keras_aegan_only" in r:
        mem += (
            f"; keras_aegan alone {r['peak_rss_mib_keras_aegan_only']:.0f} "
            f"MiB, native alone {r['peak_rss_mib_native_only']:.0f} MiB"
        )
    lines.append(mem)
    return "\n".join(lines)


# -------------------------------------------------------------- dispatch
def _child_argv(args, backend, config, json_path):
    argv = [
        "--backend",
        backend,
        "--config",
        config,
        "--repeats",
        str(args.repeats),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--jit",
        args.jit,
        "--seed",
        str(args.seed),
        "--threads",
        str(args.threads),
        "--cpu",
        str(args.cpu),
        "--json",
        json_path,
    ]
    if args.no_memory_split:
        argv.append("--no-memory-split")
    return argv


def main(argv=None):
    args = _parse(argv)
    backends = _process.BACKENDS if args.backend == "all" else (args.backend,)
    names = tuple(specs.CONFIGS) if args.config == "all" else (args.config,)
    if len(backends) * len(names) > 1:
        results, failed = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for backend in backends:
                for name in names:
                    out = os.path.join(tmp, f"{backend}_{name}.json")
                    env = dict(os.environ, KERAS_BACKEND=backend)
                    env.pop(_process.PIN_MARKER, None)
                    proc = subprocess.run(
                        [sys.executable, "-m", MODULE]
                        + _child_argv(args, backend, name, out),
                        env=env,
                        check=False,
                    )
                    if proc.returncode != 0:
                        failed.append(f"{backend}/{name}")
                        continue
                    with open(out) as f:
                        results += json.load(f)
        print("\n#### summary")
        for r in results:
            print(report(r))
        if failed:
            print(f"failed: {', '.join(failed)}")
        _write(args.json, results)
        return 1 if failed else 0

    _process.configure_environment(args.backend, threads=args.threads)
    _process.pin_to_cpu(
        None if args.cpu < 0 else args.cpu, MODULE, count=args.threads
    )
    _process.import_framework(args.backend, threads=args.threads)
    result = run_one(args)
    if args.only is None and not args.no_memory_split:
        _memory_split(args, result)
    if args.only is None:
        print(report(result), flush=True)
    _write(args.json, [result])
    return 0


def _write(path, results):
    if path:
        with open(path, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
