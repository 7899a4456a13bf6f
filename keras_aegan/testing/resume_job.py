"""A small training job for kill-and-resume checks.

    KERAS_BACKEND=jax python -m keras_aegan.testing.resume_job \
        --backup-dir DIR --output final.npz

It trains a narrow AEGAN on the ring with `noise="host"` and a
`keras_aegan.callbacks.BackupAndRestore` saving every `--save-freq`
batches, prints `step N` (flushed) after every batch so that a test can
kill it at a chosen step, and at the end writes every model weight and
optimizer variable to `--output`. Run again with the same arguments
after a kill, it resumes from `--backup-dir`; its output must then equal
that of a run that was never interrupted.
"""

import argparse
import sys

import keras
import numpy as np

import keras_aegan


class _ReportSteps(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        print(f"step {step}", flush=True)


def state_arrays(model):
    """Every weight and optimizer variable of `model`, by position."""
    values = list(model.weights) + list(model.optimizer.variables)
    return {
        f"{i:04d}": np.array(keras.ops.convert_to_numpy(v))
        for i, v in enumerate(values)
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--backup-dir", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--samples", type=int, default=192)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--save-freq", type=int, default=2)
    parser.add_argument("--width", type=int, default=8)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    x = keras_aegan.datasets.make_ring(args.samples, seed=0)
    # EMA on, so a resume must also restore the averages and their count.
    model = keras_aegan.AEGAN(
        width=args.width, seed=0, noise="host", ema_decay=0.9, ema_warmup=3
    )
    backup = keras_aegan.callbacks.BackupAndRestore(
        args.backup_dir, save_freq=args.save_freq, delete_checkpoint=False
    )
    model.fit(
        x,
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=[backup, _ReportSteps()],
        verbose=0,
    )
    np.savez(args.output, **state_arrays(model))
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
