"""Adversarial autoencoder: an autoencoder whose codes match a prior."""

import keras

from keras_aegan.losses import mean_absolute_error
from keras_aegan.losses import mean_squared_error
from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.phase import Phase

RECONSTRUCTION_LOSSES = {
    "mse": mean_squared_error,
    "l1": mean_absolute_error,
}


@keras.saving.register_keras_serializable(package="keras_aegan")
class AdversarialAutoencoder(EncoderMethods, AdversarialTrainer):
    """Adversarial autoencoder (AAE): encoder, decoder, latent discriminator.

    Three networks: an encoder `E: x -> z`, a decoder (the generator)
    `G: z -> x` and a latent discriminator `Dz` that tells samples of the
    prior `N(0, I)` from codes `E(x)`. The autoencoder learns to
    reconstruct its input while `E` learns to make the aggregated
    posterior of its codes look like the prior, so that decoding prior
    samples (`generate`) gives data.

    The paper alternates a reconstruction phase (`E` and `G` minimise the
    reconstruction error) and a regularisation phase (`Dz` is updated,
    then `E` is updated to fool it). Here a variable belongs to one phase
    only, so `E`'s two updates are merged into one `autoencoder` phase;
    one train step has two phases:

    - `discriminator` (updates `Dz`): `Dz` tells prior samples `z`
      (real) from `E(x)` (fake): `dz_prior + dz_encoded`.
    - `autoencoder` (updates `E` and `G`):
      `w_r * rec(x, G(E(x))) + w_a * adv(Dz(E(x)))`.

    Merging takes the paper's two `E` updates as one step on the sum of
    their losses (with plain SGD, the same update to first order in the
    learning rate); `E` keeps one optimizer state instead of two on the
    same weights, and `w_a` plays the role of the ratio of the paper's
    two learning rates. The other split that respects the rule, an
    encoder-only adversarial phase and a decoder-only reconstruction
    phase, would leave `E` without the reconstruction signal.
    `rec` is the mean squared error by default: the paper trains with a
    Euclidean reconstruction cost (`reconstruction="l1"` for the mean
    absolute error). `adv` is the generator term of `adversarial_loss`
    (non-saturating `-log sigmoid(l)` by default).

    Every term is logged unweighted under its own name; the weighted
    totals as `discriminator_loss` and `autoencoder_loss`.

    `compile()` takes `autoencoder_optimizer` (`E` and `G`),
    `discriminator_optimizer` (`Dz`), both `Adam(1e-3, beta_1=0.5)` by
    default, and `loss_weights` overriding `reconstruction` (`w_r`, 1)
    and `adversarial` (`w_a`, 1). The paper trains with SGD and momentum,
    whose rates do not carry over to Adam; 1e-3 trained better than
    DCGAN's 2e-4 on the digits and the ring (benchmarks/README.md,
    "Measured once").

    Networks left as `None` are built on the first `fit()` from the data
    (see `keras_aegan.networks.default_network`): MLPs of `width` units
    (default 128) for vectors, DCGAN-style conv nets for images (`width`
    channels, default 32); `Dz` is an MLP.

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else
            `keras_aegan.networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (the decoder; network
            units: images in [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        latent_discriminator: Optional Keras model `z -> (batch, 1)`
            logits.
        reconstruction: `"mse"` (default, the paper's Euclidean cost) or
            `"l1"`.
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"` (see
            `keras_aegan.losses`).
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on `Dz`, logged as `dz_penalty`.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`) and `keras.Model` (e.g. `name`).
            With `ema_decay` set, moving averages of the generator and
            the encoder are kept and the user methods take `ema=True`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = AdversarialAutoencoder()
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    codes = model.encode(x[:8])
    ```

    Reference:
        - [Makhzani et al., "Adversarial Autoencoders", 2015](
          https://arxiv.org/abs/1511.05644)
    """

    network_names = ("generator", "encoder", "latent_discriminator")
    ema_network_names = ("generator", "encoder")

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        latent_discriminator=None,
        reconstruction="mse",
        width=None,
        seed=None,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        **kwargs,
    ):
        if reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                "`reconstruction` must be one of "
                f"{sorted(RECONSTRUCTION_LOSSES)}. Received: "
                f"reconstruction={reconstruction!r}"
            )
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        self.objective = AdversarialObjective(
            adversarial_loss, penalty, penalty_weight, penalty_interval
        )
        self.reconstruction = reconstruction
        self.init_networks(
            width,
            generator=generator,
            encoder=encoder,
            latent_discriminator=latent_discriminator,
        )

    # ------------------------------------------------------------- networks
    def build_networks(self, data_shape):
        self.build_default_networks(
            data_shape,
            {
                "generator": "generator",
                "encoder": "encoder",
                "latent_discriminator": "latent_discriminator",
            },
        )
        self.objective.build(self, (self.latent_discriminator,))

    # --------------------------------------------------------------- phases
    def build_phases(self):
        penalty = () if self.objective.penalty is None else ("dz_penalty",)
        return [
            Phase(
                "discriminator",
                networks=("latent_discriminator",),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("dz_prior", "dz_encoded") + penalty,
            ),
            Phase(
                "autoencoder",
                networks=("encoder", "generator"),
                optimizer="autoencoder_optimizer",
                loss=self.autoencoder_loss,
                terms=("reconstruction", "gz_encoded"),
            ),
        ]

    def noise_shapes(self):
        shapes = {"prior": (self.latent_dim,)}
        shapes.update(self.objective.noise_shapes())
        return shapes

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.5)
            for name in ("discriminator_optimizer", "autoencoder_optimizer")
        }

    def default_loss_weights(self):
        return {"reconstruction": 1.0, "adversarial": 1.0}

    # --------------------------------------------------------------- losses
    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z_prior = noise["prior"]
        z_encoded = keras.ops.stop_gradient(self.encoder(x, training=training))
        dz = self.latent_discriminator
        dz_prior, dz_encoded = self.objective.loss.discriminator_terms(
            dz(z_prior, training=training), dz(z_encoded, training=training)
        )
        terms = {"dz_prior": dz_prior, "dz_encoded": dz_encoded}
        extra, penalty_terms = self.objective.penalty_terms(
            {"dz_penalty": (dz, z_prior, z_encoded)}, noise, training
        )
        terms.update(penalty_terms)
        return dz_prior + dz_encoded + extra, terms

    def autoencoder_loss(self, x, noise, training=True):
        """Loss of the autoencoder phase. Returns `(total, terms)`."""
        z_encoded = self.encoder(x, training=training)
        x_reconstructed = self.generator(z_encoded, training=training)
        rec = RECONSTRUCTION_LOSSES[self.reconstruction]
        terms = {
            "reconstruction": rec(x, x_reconstructed),
            "gz_encoded": self.objective.loss.generator_term(
                self.latent_discriminator(z_encoded, training=training)
            ),
        }
        w = self.loss_weights
        total = (
            w["reconstruction"] * terms["reconstruction"]
            + w["adversarial"] * terms["gz_encoded"]
        )
        return total, terms

    def get_config(self):
        config = super().get_config()
        config["reconstruction"] = self.reconstruction
        return config
