"""Soak job: many short epochs with every callback on, memory recorded.

    KERAS_BACKEND=torch python -m keras_aegan.testing.soak_job DIR

Trains a narrow conv AEGAN on 64 digits (two batches per epoch) for
`--epochs` epochs with `SampleGrid`, Keras's `TensorBoard` (when
TensorFlow is installed), `TensorBoardImages`, `BackupAndRestore` (every
batch), `ModelCheckpoint`, `CSVLogger`, the default non-finite guard and
`evaluate` on validation data, all every epoch. After each epoch it
records the process's resident memory (Linux `/proc/self/statm`, after
garbage collection and a glibc heap trim) and writes the series to
`DIR/rss.json`.
"""

import argparse
import ctypes
import gc
import importlib.util
import json
import os
import sys

import keras
import numpy as np

import keras_aegan


def _trim_heap():
    """Returns freed heap pages to the system (glibc), if possible.

    Without it, resident memory also counts memory that is free but not
    yet handed back, and drops by hundreds of MB whenever glibc decides to
    trim, which hides or fakes growth.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def resident_bytes():
    """Resident set size of this process in bytes (Linux), after garbage
    collection and a heap trim."""
    gc.collect()
    _trim_heap()
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


class _RecordMemory(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rss = []

    def on_epoch_end(self, epoch, logs=None):
        self.rss.append(resident_bytes())


# Epochs and warm-up epochs per backend (tests/soak_test.py explains the
# measurement). JAX's memory settles slowly (+150 KB/epoch over epochs
# 0-20, +40 after 60), so it runs 80 epochs and skips 40. PyTorch and
# TensorFlow grow linearly from the first epoch: over three CI runs the
# slope of epochs 10-40 was 35-39 KB/epoch on PyTorch and 650-735 on
# TensorFlow, against 33-36 and 634-657 over epochs 40-80, so 40 epochs
# with a 10-epoch warm-up measure the same slope in half the time.
EPOCHS = {"jax": 80, "tensorflow": 40, "torch": 40}
WARMUP = {"jax": 40, "tensorflow": 10, "torch": 10}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument(
        "--epochs", type=int, default=EPOCHS[keras.backend.backend()]
    )
    args = parser.parse_args(argv)
    out = args.directory
    os.makedirs(out, exist_ok=True)

    keras.utils.set_random_seed(0)
    (x, _), (x_test, _) = keras_aegan.datasets.load_digits()
    x, x_test = x[:64], x_test[:32]
    model = keras_aegan.AEGAN(width=4, seed=0, noise="host")
    record = _RecordMemory()
    callbacks = [
        keras_aegan.callbacks.SampleGrid(
            os.path.join(out, "samples"), every=1, num_samples=16,
            reference_data=x_test,
        ),
        keras_aegan.callbacks.BackupAndRestore(
            os.path.join(out, "backup"), save_freq=1
        ),
        keras.callbacks.ModelCheckpoint(
            os.path.join(out, "last.weights.h5"), save_weights_only=True
        ),
        keras.callbacks.CSVLogger(os.path.join(out, "log.csv")),
        keras_aegan.callbacks.TensorBoardImages(
            os.path.join(out, "logs"), every=1, reference_data=x_test
        ),
        record,
    ]  # fmt: skip
    if importlib.util.find_spec("tensorflow") is not None:
        callbacks.insert(
            0, keras.callbacks.TensorBoard(os.path.join(out, "logs"))
        )
    model.fit(
        x,
        epochs=args.epochs,
        batch_size=32,
        validation_data=x_test,
        callbacks=callbacks,
        verbose=0,
    )
    with open(os.path.join(out, "rss.json"), "w") as f:
        json.dump({"rss": record.rss, "epochs": args.epochs}, f)
    print(f"rss MB: {np.round(np.array(record.rss) / 2**20, 1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
