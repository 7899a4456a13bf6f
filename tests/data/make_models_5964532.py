"""Writes `aegan_5964532.keras` and `models_5964532.json` with an old release.

The file pins what `tests/saved_files_test.py` loads: a tiny AEGAN vector
model saved by the code of commit 5964532, when AEGAN's `real_label` /
`fake_label` were `compile()` arguments (saved in the compile config
only), and `models_5964532.json`, what that model computed. Run it
against a checkout of that commit:

    git worktree add /tmp/old 5964532
    cd /tmp && KERAS_BACKEND=jax PYTHONPATH=/tmp/old \\
        python /path/to/tests/data/make_models_5964532.py /path/to/tests/data
"""

import json
import sys

import keras
import numpy as np

import keras_aegan


def linear(n_in, n_out, name):
    inputs = keras.Input((n_in,))
    return keras.Model(inputs, keras.layers.Dense(n_out)(inputs), name=name)


def main(out):
    x = keras_aegan.datasets.make_ring(64, seed=0)
    z = np.linspace(-1.5, 1.5, 8, dtype="float32").reshape(4, 2)
    aegan = keras_aegan.AEGAN(
        seed=0,
        generator=linear(2, 2, "generator"),
        encoder=linear(2, 2, "encoder"),
        image_discriminator=linear(2, 1, "image_discriminator"),
        latent_discriminator=linear(2, 1, "latent_discriminator"),
    )
    aegan.compile(
        generator_optimizer=keras.optimizers.SGD(0.01),
        discriminator_optimizer=keras.optimizers.SGD(0.01),
        loss_weights={"reconstruction_z": 2.0},
        real_label=0.9,
        fake_label=0.2,
    )
    aegan.fit(x, epochs=1, batch_size=32, verbose=0)
    aegan.save(f"{out}/aegan_5964532.keras")
    # The discriminator loss of fixed data and noise depends on the labels.
    noise = {
        name: np.ones((32, 2), "float32") * 0.5
        for name in ("discriminator", "generator")
    }
    losses = aegan.evaluate(
        {"x": x[:32], "noise": noise},
        batch_size=32,
        verbose=0,
        return_dict=True,
    )
    expected = {
        "codes": z.tolist(),
        "aegan": {
            "decoded": aegan.decode(z).tolist(),
            "encoded": aegan.encode(x[:4]).tolist(),
            "dx_real": float(losses["dx_real"]),
            "dz_prior": float(losses["dz_prior"]),
        },
    }
    with open(f"{out}/models_5964532.json", "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
