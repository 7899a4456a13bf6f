"""A job that saves a large model, for kill-during-save checks.

    KERAS_BACKEND=torch python -m keras_aegan.testing.atomic_save_job DIR

It trains a wide AEGAN (about 100 MB as a `.keras` file with its
optimizer state) for one step and saves it to `DIR/model.keras` three
times, printing `ready SECONDS` with the shorter duration of the last two
saves. It then
trains one more step, writes both states' sample outputs to
`DIR/outputs.npz`, prints `saving`, and saves again: a test kills it
during that save. With `--plain`, the last save goes through Keras's own
`keras.Model.save` instead of the model's atomic one, which shows what a
kill does to a file written in place.
"""

import argparse
import os
import sys
import time

import keras
import numpy as np

import keras_aegan

WIDTH = 1024  # 4 networks x 3 hidden layers of 1024: ~8M parameters
SEED = 7


def _model():
    return keras_aegan.AEGAN(width=WIDTH, seed=0, noise="host")


def outputs(model):
    """Deterministic generator outputs identifying a model's weights."""
    return model.generate(16, seed=SEED)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args(argv)
    path = os.path.join(args.directory, "model.keras")

    keras.utils.set_random_seed(0)
    x = keras_aegan.datasets.make_ring(64, seed=0)
    model = _model()
    model.fit(x, epochs=1, batch_size=64, verbose=0)
    first = outputs(model)
    model.save(path)
    durations = []
    for _ in range(2):
        start = time.perf_counter()
        model.save(path)
        durations.append(time.perf_counter() - start)
    print(f"ready {min(durations):.4f}", flush=True)

    model.fit(x, epochs=1, batch_size=64, verbose=0)
    np.savez(
        os.path.join(args.directory, "outputs.npz"),
        first=first,
        second=outputs(model),
    )
    print("saving", flush=True)
    if args.plain:
        keras.Model.save(model, path)
    else:
        model.save(path)
    print("saved", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
