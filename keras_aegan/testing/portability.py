"""Checkpoint portability: save under one backend, load under another.

    KERAS_BACKEND=torch python -m keras_aegan.testing.portability save DIR
    KERAS_BACKEND=jax python -m keras_aegan.testing.portability load DIR

`save` trains a small conv AEGAN (BatchNorm included) for two steps with
host noise and writes `model_<backend>.keras`,
`model_<backend>.weights.h5` and reference outputs. `load` loads every
other backend's files and writes `loaded_<backend>.json` with, for each
source backend, the largest differences found and whether training went
on.
"""

import argparse
import glob
import json
import os

import keras
import numpy as np

import keras_aegan

SAMPLES = 64
STEPS_BEFORE_SAVE = 2


def _data():
    (x, _), _ = keras_aegan.datasets.load_digits()
    return x[:SAMPLES]


def _model():
    return keras_aegan.AEGAN(latent_dim=8, width=4, seed=0, noise="host")


def _state(model):
    arrays = {
        f"{name}/{i}": keras.ops.convert_to_numpy(v)
        for name in model.network_names
        for i, v in enumerate(getattr(model, name).weights)
    }
    for stream in ("training_stream", "evaluation_stream"):
        state = getattr(model.noise_seeds, stream).state
        # Seed states are uint32 on JAX and int on the others.
        arrays[f"seed/{stream}"] = keras.ops.convert_to_numpy(state).astype(
            "int64"
        )
    for opt_name in ("generator_optimizer", "discriminator_optimizer"):
        opt = getattr(model, opt_name)
        for i, v in enumerate(opt.variables):
            arrays[f"{opt_name}/{i}"] = keras.ops.convert_to_numpy(v)
    return arrays


def _outputs(model, x):
    z = np.random.default_rng(5).standard_normal((8, model.latent_dim))
    return {
        "decode": model.decode(z.astype("float32")),
        "encode": model.encode(x[:8]),
    }


def save(directory):
    """Trains briefly and saves model, weights and reference outputs."""
    backend = keras.backend.backend()
    x = _data()
    model = _model()
    model.fit(x, epochs=1, batch_size=SAMPLES // STEPS_BEFORE_SAVE, verbose=0)
    model.save(os.path.join(directory, f"model_{backend}.keras"))
    model.save_weights(os.path.join(directory, f"model_{backend}.weights.h5"))
    np.savez(os.path.join(directory, f"state_{backend}.npz"), **_state(model))
    np.savez(
        os.path.join(directory, f"outputs_{backend}.npz"), **_outputs(model, x)
    )


def _max_diff(a, b):
    diffs = [
        float(np.max(np.abs(a[k].astype("float64") - b[k]), initial=0))
        for k in a
    ]
    return max(diffs) if diffs else 0.0


def load(directory):
    """Loads the other backends' files and records what matched."""
    backend = keras.backend.backend()
    x = _data()
    report = {}
    for path in sorted(glob.glob(os.path.join(directory, "model_*.keras"))):
        source = os.path.basename(path)[len("model_") : -len(".keras")]
        if source == backend:
            continue
        state = dict(np.load(os.path.join(directory, f"state_{source}.npz")))
        outputs = dict(
            np.load(os.path.join(directory, f"outputs_{source}.npz"))
        )
        model = keras.saving.load_model(path)
        loaded_state = _state(model)
        entry = {
            "same_keys": sorted(loaded_state) == sorted(state),
            "state_max_abs": _max_diff(state, loaded_state),
            "outputs_max_abs": _max_diff(outputs, _outputs(model, x)),
            "iterations": int(model.generator_optimizer.iterations),
        }
        history = model.fit(x, epochs=1, batch_size=SAMPLES // 2, verbose=0)
        entry["continued_iterations"] = int(
            model.generator_optimizer.iterations
        )
        entry["continued_finite"] = bool(
            all(np.isfinite(v[-1]) for v in history.history.values())
        )
        fresh = _model()
        fresh.fit(x, epochs=0, verbose=0)  # builds networks and scaler
        fresh.load_weights(
            os.path.join(directory, f"model_{source}.weights.h5")
        )
        weights_only = {
            k: v for k, v in _state(fresh).items() if "optimizer" not in k
        }
        entry["weights_file_max_abs"] = _max_diff(
            {k: v for k, v in state.items() if "optimizer" not in k},
            weights_only,
        )
        report[source] = entry
    with open(os.path.join(directory, f"loaded_{backend}.json"), "w") as f:
        json.dump(report, f, indent=1)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras_aegan.testing.portability")
    parser.add_argument("command", choices=("save", "load"))
    parser.add_argument("directory")
    args = parser.parse_args(argv)
    os.makedirs(args.directory, exist_ok=True)
    if args.command == "save":
        save(args.directory)
    else:
        print(json.dumps(load(args.directory), indent=1))


if __name__ == "__main__":
    main()
