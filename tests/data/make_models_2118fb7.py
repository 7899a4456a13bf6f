"""Writes the `*_2118fb7.keras` files of this folder with an old release.

The files pin what `tests/saved_files_test.py` loads: tiny BEGAN and
EBGAN vector models saved by the code of commit 2118fb7, when BEGAN's
`gamma` / `lambda_k` and EBGAN's `margin` were `compile()` arguments
(saved in the compile config only), and `models_2118fb7.json`, what
those models computed. Run it against a checkout of that commit:

    git worktree add /tmp/old 2118fb7
    cd /tmp && KERAS_BACKEND=jax PYTHONPATH=/tmp/old \\
        python /path/to/tests/data/make_models_2118fb7.py /path/to/tests/data
"""

import json
import sys

import keras
import numpy as np

import keras_aegan
from keras_aegan.models.began import BEGAN
from keras_aegan.models.ebgan import EBGAN


def linear(n_in, n_out, name):
    inputs = keras.Input((n_in,))
    return keras.Model(inputs, keras.layers.Dense(n_out)(inputs), name=name)


def networks(hidden_dim):
    return {
        "generator": linear(2, 2, "generator"),
        "discriminator_encoder": linear(2, hidden_dim, "discriminator_encoder"),
        "discriminator_decoder": linear(hidden_dim, 2, "discriminator_decoder"),
    }


def sgd():
    return {
        "generator_optimizer": keras.optimizers.SGD(0.01),
        "discriminator_optimizer": keras.optimizers.SGD(0.01),
    }


def main(out):
    x = keras_aegan.datasets.make_ring(64, seed=0)
    z = np.linspace(-1.5, 1.5, 8, dtype="float32").reshape(4, 2)
    expected = {"codes": z.tolist()}

    began = BEGAN(seed=0, **networks(1))
    began.compile(gamma=0.6, lambda_k=0.01, **sgd())
    began.fit(x, epochs=0, verbose=0)  # builds
    began.k.assign(0.3)
    began.fit(x, epochs=1, batch_size=32, verbose=0)
    began.save(f"{out}/began_2118fb7.keras")
    expected["began"] = {
        "k": float(np.asarray(began.k)),
        "decoded": began.decode(z).tolist(),
    }

    ebgan = EBGAN(seed=0, **networks(2))
    ebgan.compile(margin=0.4, loss_weights={"pull_away": 0.2}, **sgd())
    ebgan.fit(x, epochs=1, batch_size=32, verbose=0)
    ebgan.save(f"{out}/ebgan_2118fb7.keras")
    expected["ebgan"] = {"decoded": ebgan.decode(z).tolist()}
    with open(f"{out}/models_2118fb7.json", "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
