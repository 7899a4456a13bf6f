"""Data-parallel AEGAN training on each backend's own distributed engine.

The same script on every backend; `--batch-size` is the global batch.

    # JAX: keras.distribution.DataParallel over all local devices
    KERAS_BACKEND=jax python examples/distributed.py
    # TensorFlow: tf.distribute.MirroredStrategy over all local GPUs
    KERAS_BACKEND=tensorflow python examples/distributed.py
    # PyTorch: one process per GPU, torch.distributed (NCCL; gloo on CPU)
    KERAS_BACKEND=torch torchrun --standalone --nproc-per-node 4 \\
        examples/distributed.py

`--cpu-devices N` splits the CPU into N devices (JAX: host platform
devices; TensorFlow: logical CPUs) to try data parallelism without GPUs.
`--model-parallel K` (JAX) also splits every Dense kernel over K devices
(`keras.distribution.ModelParallel` on a (batch, model) device mesh).
`--dtype mixed_bfloat16` or `mixed_float16` trains with mixed precision
(float16: a loss scale per phase optimizer). Only the first process
writes files: `model.keras`, `history.json` and, with `--save-weights`,
`weights.npz` (all model weights, for comparing runs).
"""

import argparse
import contextlib
import json
import os
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("digits", "ring"), default="digits")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--cpu-devices", type=int, default=0)
    parser.add_argument("--model-parallel", type=int, default=1)
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=("float32", "mixed_float16", "mixed_bfloat16"),
    )
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--save-weights", action="store_true")
    parser.add_argument("--out", default="runs/distributed")
    return parser.parse_args(argv)


def setup(backend, cpu_devices, model_parallel=1):
    """Starts the backend's engine; returns (strategy, replica count)."""
    if backend == "jax":
        if cpu_devices:  # must precede the first JAX import
            os.environ["XLA_FLAGS"] = (
                os.environ.get("XLA_FLAGS", "")
                + f" --xla_force_host_platform_device_count={cpu_devices}"
            )
        import jax
        import keras

        devices = jax.devices()
        if model_parallel > 1:
            keras.distribution.set_distribution(
                _model_parallel(keras, devices, model_parallel)
            )
        elif len(devices) > 1:
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=devices)
            )
        return None, len(devices)
    if backend == "tensorflow":
        import tensorflow as tf

        if cpu_devices:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_devices
            )
            names = [f"/cpu:{i}" for i in range(cpu_devices)]
            strategy = tf.distribute.MirroredStrategy(names)
        else:
            strategy = tf.distribute.MirroredStrategy()
        return strategy, strategy.num_replicas_in_sync
    import torch
    import torch.distributed as dist

    if "WORLD_SIZE" in os.environ:  # started by torchrun
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group("nccl" if cuda else "gloo")
        return None, dist.get_world_size()
    return None, 1


def _model_parallel(keras, devices, k):
    """A (batch, model) mesh: Dense kernels split over `k` devices.

    Each Dense kernel `(in, out)` is split along its input axis (every
    layer's input width, the data's and the latent's included, must be a
    multiple of `k`); other variables are replicated and the batch is
    split over the remaining `len(devices) // k` rows of the mesh.
    """
    mesh = keras.distribution.DeviceMesh(
        (len(devices) // k, k), ["batch", "model"], devices
    )
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = ("model", None)
    return keras.distribution.ModelParallel(
        layout_map=layout_map, batch_dim_name="batch"
    )


def main(argv=None):
    args = parse_args(argv)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    strategy, replicas = setup(backend, args.cpu_devices, args.model_parallel)
    import keras
    import numpy as np

    import keras_aegan

    rank = int(os.environ.get("RANK", "0"))
    keras.utils.set_random_seed(0)
    if args.data == "ring":
        x = keras_aegan.datasets.make_ring(args.samples or 4096, seed=0)
    else:
        x = keras_aegan.datasets.load_digits()[0][0][: args.samples]
    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope:  # TensorFlow: the model is made in the strategy's scope
        options = {} if args.width is None else {"width": args.width}
        model = keras_aegan.AEGAN(seed=0, dtype=args.dtype, **options)
        if args.optimizer == "sgd":  # updates linear in the gradients
            model.compile(
                discriminator_optimizer=keras.optimizers.SGD(0.05),
                generator_optimizer=keras.optimizers.SGD(0.02),
            )
    history = model.fit(
        x,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=not args.no_shuffle,
        verbose=2 if rank == 0 else 0,
    )
    if rank != 0:
        return
    os.makedirs(args.out, exist_ok=True)
    model.save(os.path.join(args.out, "model.keras"))
    samples = model.generate(16, seed=1)
    report = {
        "backend": backend,
        "replicas": replicas,
        "dtype": args.dtype,
        "history": {
            k: [float(v) for v in vs] for k, vs in history.history.items()
        },
        "sample_dtype": str(samples.dtype),
        "compute_dtype": model.generator.compute_dtype,
        "optimizers": [type(o).__name__ for o in model.optimizer.optimizers],
    }
    if backend == "jax":  # where the weights live
        kernel = model.generator.trainable_variables[0].value
        report["weight_devices"] = len(kernel.sharding.device_set)
        report["weight_spec"] = str(getattr(kernel.sharding, "spec", ""))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(report, f, indent=1)
    if args.save_weights:
        np.savez(
            os.path.join(args.out, "weights.npz"),
            *[keras.ops.convert_to_numpy(v) for v in model.weights],
        )
    print(f"{replicas} replica(s), final losses:", file=sys.stderr)
    print(json.dumps({k: v[-1] for k, v in report["history"].items()}))


if __name__ == "__main__":
    main()
