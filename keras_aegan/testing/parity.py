"""Step parity harness: the same K training steps under every backend.

A case is written once (initial weights, data batches and the noise of
every step, as `.npz` files); then `run_case` is executed under each
backend in its own process and trains K steps with exactly that data and
noise, recording every logged loss per step and the final weights;
`compare` reads the results and reports the largest differences.

    python -m keras_aegan.testing.parity run CASE_DIR...  # per backend
    python -m keras_aegan.testing.parity compare CASE_DIR

Only NumPy and Keras are imported here; the backend is the one selected by
`KERAS_BACKEND` in the running process.
"""

import argparse
import json
import os
import subprocess
import sys

import keras
import numpy as np

import keras_aegan
from keras_aegan.losses.objective import MODEL_ARGUMENTS
from keras_aegan.trainers import data_checks

BACKENDS = ("tensorflow", "jax", "torch")
#: AEGAN arguments a case may set (the loss zoo and the penalties).
LOSS_OPTIONS = MODEL_ARGUMENTS


def build_model(config):
    """Builds the case's model from its JSON config (no weights set)."""
    kwargs = dict(latent_dim=config["latent_dim"], width=config["width"])
    if config.get("dropout") is not None:
        kwargs["image_discriminator"] = _dropout_discriminator(
            tuple(config["data_shape"]), config["dropout"]
        )
    if config.get("fit_epochs"):
        kwargs["noise"] = "host"
    for key in LOSS_OPTIONS:
        if config.get(key) is not None:
            kwargs[key] = config[key]
    model = keras_aegan.AEGAN(seed=0, **kwargs)
    x = np.load(os.path.join(config["dir"], "data.npz"))["x"]
    model.build_for(x.shape[1:], data_checks.inspect_array(x))
    scale = config.get("loss_weight_scale", {}).get(keras.backend.backend())
    weights = None
    if scale is not None:  # used to prove that the harness sees a change
        weights = {"reconstruction_x": 10.0 * scale}
    model.compile(loss_weights=weights)
    return model


def _dropout_discriminator(data_shape, rate):
    inputs = keras.Input(data_shape)
    h = keras.layers.Flatten()(inputs)
    for units in (32, 32):
        h = keras.layers.Dense(units)(h)
        h = keras.layers.LeakyReLU(0.2)(h)
        h = keras.layers.Dropout(rate)(h)
    return keras.Model(inputs, keras.layers.Dense(1)(h), name="image_dx")


def write_case(directory, x, steps, batch_size, latent_dim, width, **options):
    """Writes a parity case: config, data, per-step noise, initial weights.

    The model is built here (under whatever backend this process runs) and
    its initial weights are saved, so every backend starts from the same
    numbers regardless of its own random initialisers.

    Args:
        directory: Folder to write into (created).
        x: NumPy data; step `k` trains on `x[k*batch_size:(k+1)*batch_size]`
            (wrapping around).
        steps: Number of training steps K.
        batch_size: Batch size.
        latent_dim: Latent size of the AEGAN.
        width: Width of its default networks.
        **options: `dropout=rate` gives the image discriminator dropout
            layers; `loss_weight_scale={backend: factor}` perturbs one
            backend's reconstruction weight; `fit_epochs=E` runs a whole
            `fit()` of E epochs with `noise="host"` instead of the K fed
            steps (losses are then the per-epoch means); the
            `LOSS_OPTIONS` (e.g. `penalty="gp"`) are AEGAN arguments.

    Returns:
        The case config dict.
    """
    os.makedirs(directory, exist_ok=True)
    x = np.asarray(x, dtype="float32")
    config = dict(
        dir=os.path.abspath(directory),
        steps=int(steps),
        batch_size=int(batch_size),
        latent_dim=int(latent_dim),
        width=int(width),
        data_shape=list(x.shape[1:]),
        **options,
    )
    np.savez(os.path.join(directory, "data.npz"), x=x)
    model = build_model(config)
    # Noise of every step, in the model's noise order (the phases' latent
    # batches, then e.g. the gradient penalty's interpolation noise).
    rng = np.random.default_rng(1234)
    noise = {
        name: rng.standard_normal((steps, batch_size) + tuple(shape)).astype(
            "float32"
        )
        for name, shape in model.noise_shapes().items()
    }
    np.savez(os.path.join(directory, "noise.npz"), **noise)
    np.savez(os.path.join(directory, "initial_weights.npz"), **_weights(model))
    with open(os.path.join(directory, "case.json"), "w") as f:
        json.dump(config, f, indent=1)
    return config


def _weights(model):
    return {
        f"{name}/{i}": keras.ops.convert_to_numpy(v)
        for name in model.network_names
        for i, v in enumerate(getattr(model, name).weights)
    }


def _set_weights(model, arrays):
    for name in model.network_names:
        net = getattr(model, name)
        net.set_weights(
            [arrays[f"{name}/{i}"] for i in range(len(net.weights))]
        )


def run_case(directory):
    """Trains the case's K steps under the current backend; saves results.

    Writes `result_<backend>.npz` with `loss/<term>` arrays of shape (K,)
    and the final weights.
    """
    with open(os.path.join(directory, "case.json")) as f:
        config = json.load(f)
    model = build_model(config)
    _set_weights(model, np.load(os.path.join(directory, "initial_weights.npz")))
    x = np.load(os.path.join(directory, "data.npz"))["x"]
    noise = dict(np.load(os.path.join(directory, "noise.npz")))
    bs, n = config["batch_size"], len(x)
    losses = {}
    if config.get("fit_epochs"):
        # A whole fit() with host noise: order and noise from NumPy.
        history = model.fit(
            x, epochs=config["fit_epochs"], batch_size=bs, verbose=0
        )
        losses = history.history
    for step in range(0 if config.get("fit_epochs") else config["steps"]):
        index = np.arange(step * bs, (step + 1) * bs) % n
        batch = {
            "x": x[index],
            "noise": {k: v[step] for k, v in noise.items()},
        }
        logs = model.train_on_batch(batch, return_dict=True)
        for key, value in logs.items():
            losses.setdefault(key, []).append(float(value))
    out = {f"loss/{k}": np.array(v) for k, v in losses.items()}
    out.update({f"weight/{k}": v for k, v in _weights(model).items()})
    backend = keras.backend.backend()
    np.savez(os.path.join(directory, f"result_{backend}.npz"), **out)
    return out


def run_all(directory, backends=BACKENDS, timeout=600):
    """Runs `run_case` under each backend in its own subprocess.

    Args:
        directory: A case folder, or a list of them: each backend then runs
            every case in one process (one interpreter and framework
            start-up per backend instead of one per case; each case builds
            its model from its own files, so the results are the same).
        backends: The backends to run.
        timeout: Seconds allowed for each backend's process.
    """
    directories = [directory] if isinstance(directory, str) else directory
    for backend in backends:
        env = dict(os.environ, KERAS_BACKEND=backend)
        result = subprocess.run(
            [sys.executable, "-m", "keras_aegan.testing.parity", "run",
             *map(str, directories)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(
                f"Parity run under {backend} failed:\n{result.stderr[-4000:]}"
            )


def compare(directory, backends=BACKENDS):
    """Compares the backends' results of a case.

    Returns:
        A dict with `losses` (`{term: array (K, backends)}`),
        `max_loss_abs`, `max_loss_rel` (largest over steps and terms of the
        spread between backends, absolute and relative to the mean
        magnitude), `max_weight_abs`, `max_weight_rel` (largest absolute
        difference of any final weight, and that divided by the largest
        magnitude of its tensor), and `report`, a printable table.
    """
    results = {
        b: dict(np.load(os.path.join(directory, f"result_{b}.npz")))
        for b in backends
    }
    first = results[backends[0]]
    loss_keys = sorted(k for k in first if k.startswith("loss/"))
    weight_keys = sorted(k for k in first if k.startswith("weight/"))
    losses = {
        k[5:]: np.stack([results[b][k] for b in backends], axis=1)
        for k in loss_keys
    }
    loss_abs = loss_rel = 0.0
    for values in losses.values():
        spread = values.max(axis=1) - values.min(axis=1)
        scale = np.maximum(np.abs(values).mean(axis=1), 1e-12)
        loss_abs = max(loss_abs, float(spread.max()))
        loss_rel = max(loss_rel, float((spread / scale).max()))
    weight_abs = weight_rel = 0.0
    for key in weight_keys:
        stack = np.stack([results[b][key] for b in backends])
        diff = float((stack.max(axis=0) - stack.min(axis=0)).max(initial=0))
        scale = max(float(np.abs(stack).max(initial=0)), 1e-12)
        weight_abs = max(weight_abs, diff)
        weight_rel = max(weight_rel, diff / scale)
    lines = [
        f"{'step':>4} {'term':<20} " + " ".join(f"{b:>12}" for b in backends)
    ]
    for term in sorted(losses):
        for step, row in enumerate(losses[term]):
            lines.append(
                f"{step:>4} {term:<20} " + " ".join(f"{v:>12.7f}" for v in row)
            )
    lines.append(
        f"max loss difference: {loss_abs:.3g} abs, {loss_rel:.3g} rel; "
        f"max weight difference: {weight_abs:.3g} abs, {weight_rel:.3g} rel"
    )
    return {
        "losses": losses,
        "max_loss_abs": loss_abs,
        "max_loss_rel": loss_rel,
        "max_weight_abs": weight_abs,
        "max_weight_rel": weight_rel,
        "report": "\n".join(lines),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras_aegan.testing.parity")
    parser.add_argument("command", choices=("run", "compare"))
    parser.add_argument("directories", nargs="+")
    args = parser.parse_args(argv)
    for directory in args.directories:
        if args.command == "run":
            run_case(directory)
        else:
            print(compare(directory)["report"])


if __name__ == "__main__":
    main()
