"""Define your own model on the trainer: an autoencoder-style MLP generator.

The model many tutorials sketch: the generator is an MLP shaped like an
autoencoder (wide -> bottleneck -> wide) with a final linear layer and a
tanh output; the discriminator is an MLP with one logit output; both use
Adam(2e-4, beta_1=0.5); each step updates the discriminator, then the
generator. Built from keras_aegan's parts on the same AdversarialTrainer,
so it trains with fit() on every backend, logs each loss term, and saves
and loads like AEGAN.

    KERAS_BACKEND=tensorflow python examples/autoencoder_generator.py
"""

import argparse
import os

import keras
from keras import layers
from keras import ops

import keras_aegan
from keras_aegan.losses import discriminator_terms
from keras_aegan.losses import generator_term


@keras.saving.register_keras_serializable(package="examples")
class AutoencoderGeneratorGAN(keras_aegan.AdversarialTrainer):
    """A two-network GAN whose generator is an autoencoder-style MLP.

    Args:
        latent_dim: Size of the noise vector.
        units: Width of the outer layers (the bottleneck is `units // 4`).
        **kwargs: `seed`, `name`, ...
    """

    network_names = ("generator", "discriminator")

    def __init__(self, latent_dim=32, units=256, **kwargs):
        super().__init__(latent_dim=latent_dim, **kwargs)
        self.units = units
        self.generator = None
        self.discriminator = None

    def build_networks(self, data_shape):
        size = 1
        for s in data_shape:
            size *= s
        if self.generator is None:
            self.generator = keras.Sequential(
                [
                    keras.Input((self.latent_dim,)),
                    layers.Dense(self.units, activation="relu"),
                    layers.Dense(self.units // 4, activation="relu"),
                    layers.Dense(self.units, activation="relu"),
                    layers.Dense(size),  # final linear layer
                    layers.Activation("tanh"),  # data scaled to [-1, 1]
                    layers.Reshape(data_shape),
                ],
                name="generator",
            )
        if self.discriminator is None:
            self.discriminator = keras.Sequential(
                [
                    keras.Input(data_shape),
                    layers.Flatten(),
                    layers.Dense(self.units),
                    layers.LeakyReLU(0.2),
                    layers.Dense(self.units // 2),
                    layers.LeakyReLU(0.2),
                    layers.Dense(1),  # a logit: sigmoid lives in the loss
                ],
                name="discriminator",
            )

    def build_phases(self):
        return [
            keras_aegan.Phase(
                "discriminator",
                networks=("discriminator",),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("d_real", "d_fake"),
            ),
            keras_aegan.Phase(
                "generator",
                networks=("generator",),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_adversarial",),
            ),
        ]

    def default_optimizers(self):
        return {
            "discriminator_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5),
            "generator_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5),
        }

    def discriminator_loss(self, x, noise, training=True):
        fake = ops.stop_gradient(
            self.generator(noise["discriminator"], training=training)
        )
        real_term, fake_term = discriminator_terms(
            self.discriminator(x, training=training),
            self.discriminator(fake, training=training),
            1.0,
            0.0,
        )
        return real_term + fake_term, {"d_real": real_term, "d_fake": fake_term}

    def generator_loss(self, x, noise, training=True):
        fake = self.generator(noise["generator"], training=training)
        term = generator_term(self.discriminator(fake, training=training))
        return term, {"g_adversarial": term}

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="runs/autoencoder_generator")
    args = parser.parse_args(argv)

    (x_train, _), _ = keras_aegan.datasets.load_digits()
    model = AutoencoderGeneratorGAN(seed=0)
    model.fit(
        x_train,
        epochs=args.epochs,
        batch_size=64,
        callbacks=[
            keras_aegan.callbacks.SampleGrid(
                args.out, every=max(1, args.epochs // 3)
            )
        ],
        verbose=2,
    )
    path = os.path.join(args.out, "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    same = (reloaded.generate(4, seed=0) == model.generate(4, seed=0)).all()
    print(f"saved to {path}; reloaded model generates the same: {same}")


if __name__ == "__main__":
    main()
