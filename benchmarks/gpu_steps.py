"""Training steps per second of keras_aegan on one device, per backend.

    python -m benchmarks.gpu_steps --backend jax --config paper64 \
        --dtype mixed_float16 --json out.json

Made for a GPU (`benchmarks/gpu.sh` runs every backend, configuration
and precision in turn, one process each) and runs anywhere: on a machine
without an accelerator it times the CPU and says so in its output.

Configurations, the library's own networks through `model.fit()`:

- `conv32`: `AEGAN(width=64)` on 32x32x3 images (batch 64), the default
  conv networks at the width of `benchmarks.run`'s `conv32`;
- `paper64`: `AEGAN.from_preset("paper")` on 64x64x3 images (batch 64),
  the AEGAN paper's configuration.

The data are uniform random images in [-1, 1] (seed 0): speed does not
depend on their content. `--dtype` sets Keras's global dtype policy
before the model is made (`float32`, `mixed_float16`, `mixed_bfloat16`).
`jit_compile` stays Keras's `"auto"` (XLA on JAX; on TensorFlow with a
GPU; eager PyTorch) unless `--jit` says otherwise. Each round is one
`fit()` of `--steps` batches; the step time runs from the end of the
first batch to the end of the last, each end waiting for the step's
losses, so compilation and the first step are outside it (the whole
first `fit()` is reported separately as `first_fit_s`).
"""

import argparse
import json
import statistics
import sys
import time

from benchmarks import _process

MODULE = "benchmarks.gpu_steps"
CONFIGS = {
    "conv32": {"shape": (32, 32, 3), "batch_size": 64},
    "paper64": {"shape": (64, 64, 3), "batch_size": 64},
}
DTYPES = ("float32", "mixed_float16", "mixed_bfloat16")


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog=f"python -m {MODULE}",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", required=True, choices=_process.BACKENDS)
    parser.add_argument("--config", default="conv32", choices=tuple(CONFIGS))
    parser.add_argument("--dtype", default="float32", choices=DTYPES)
    parser.add_argument(
        "--jit", default="auto", choices=("auto", "true", "false")
    )
    parser.add_argument(
        "--steps", type=int, default=50, help="Batches per timed round."
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="Default: the config's."
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="Append the result to this JSON file.")
    args = parser.parse_args(argv)
    if args.steps < 2 or args.repeats < 1:
        parser.error(
            "--steps must be >= 2 and --repeats >= 1. Received: "
            f"--steps {args.steps} --repeats {args.repeats}"
        )
    return args


def _devices(backend):
    """The backend's devices as strings, and whether one is not a CPU."""
    if backend == "torch":
        import torch

        devices = ["cpu"] + [
            f"cuda:{i} ({torch.cuda.get_device_name(i)})"
            for i in range(torch.cuda.device_count())
        ]
    elif backend == "jax":
        import jax

        devices = [
            f"{d.platform}:{d.id} ({d.device_kind})" for d in jax.devices()
        ]
    else:
        import tensorflow as tf

        devices = [d.name for d in tf.config.list_physical_devices()]
    accelerated = any(
        not d.lower().startswith(("cpu", "/physical_device:cpu"))
        for d in devices
    )
    return devices, accelerated


def run(args):
    """Times one (backend, configuration, dtype); returns a result dict."""
    import keras
    import numpy as np

    import keras_aegan

    config = CONFIGS[args.config]
    batch = args.batch_size or config["batch_size"]
    keras.config.set_dtype_policy(args.dtype)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(-1, 1, (batch * args.steps,) + config["shape"])
    x = x.astype("float32")
    jit = {"auto": "auto", "true": True, "false": False}[args.jit]
    if args.config == "paper64":
        # The preset comes compiled (its optimizers); only the jit
        # choice changes.
        model = keras_aegan.AEGAN.from_preset("paper", seed=args.seed)
        if jit != "auto":
            model.jit_compile = jit
    else:
        model = keras_aegan.AEGAN(width=64, seed=args.seed)
        model.compile(jit_compile=jit)

    marks = {}

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch_index, logs=None):
            if batch_index in (0, args.steps - 1):
                keras.ops.convert_to_numpy(logs["generator_loss"])
                marks[batch_index] = time.perf_counter()

    def one_round():
        marks.clear()
        t0 = time.perf_counter()
        model.fit(
            x,
            batch_size=batch,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[Timer()],
        )
        fit_s = time.perf_counter() - t0
        step_s = (marks[args.steps - 1] - marks[0]) / (args.steps - 1)
        return step_s, fit_s

    _, first_fit_s = one_round()
    steps = [one_round()[0] for _ in range(args.repeats)]
    devices, accelerated = _devices(args.backend)
    median = statistics.median(steps)
    return {
        "backend": args.backend,
        "config": args.config,
        "dtype": args.dtype,
        "jit_compile": model.jit_compile,
        "batch_size": batch,
        "steps_per_round": args.steps,
        "repeats": args.repeats,
        "devices": devices,
        "accelerator": accelerated,
        "first_fit_s": first_fit_s,
        "step_s": {"median": median, "min": min(steps), "max": max(steps)},
        "steps_per_s": 1 / median,
        "images_per_s": batch / median,
        "peak_host_rss_mib": _process.peak_rss_mib(),
        "versions": {
            "keras": keras.__version__,
            "keras_aegan": keras_aegan.__version__,
        },
    }


def report(r):
    where = "accelerator" if r["accelerator"] else "CPU only (no accelerator)"
    s = r["step_s"]
    return (
        f"{r['backend']:>10} {r['config']:>7} {r['dtype']:>14}: "
        f"{r['steps_per_s']:.2f} steps/s, {r['images_per_s']:.0f} images/s "
        f"(step {1e3 * s['median']:.1f} ms [{1e3 * s['min']:.1f}-"
        f"{1e3 * s['max']:.1f}], first fit() {r['first_fit_s']:.1f} s, "
        f"jit_compile={r['jit_compile']}, {where})"
    )


def main(argv=None):
    args = _parse(argv)
    # All threads: on a GPU machine the host side should not be starved.
    _process.configure_environment(args.backend, threads=None)
    result = run(args)
    print(report(result), flush=True)
    if args.json:
        try:
            with open(args.json) as f:
                results = json.load(f)
        except FileNotFoundError:
            results = []
        results.append(result)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
