"""Base of GANs with an encoder and two discriminators: AEGAN, AlphaGAN."""

from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.phase import Phase


class DualDiscriminatorGAN(EncoderMethods, AdversarialTrainer):
    """Base of the GANs with an encoder, a data and a latent discriminator.

    Four networks: a generator `G: z -> x`, an encoder `E: x -> z`, an
    image (data) discriminator `Dx: x -> (batch, 1)` and a latent
    discriminator `Dz: z -> (batch, 1)`, both outputting logits (or
    critic scores). One train step has two phases: `discriminator`
    (updates `Dx` and `Dz`, logs `discriminator_terms` and, with a
    `penalty`, `dx_penalty` and `dz_penalty`) and `generator` (updates
    `G` and `E`, logs `generator_terms`). A subclass sets the two term
    tuples and writes `discriminator_loss`, `generator_loss`,
    `default_optimizers` and `default_loss_weights`; its discriminator
    loss adds `discriminator_penalties(...)`.

    Networks left as `None` are built on the first `fit()`, in the order
    `G`, `E`, `Dx`, `Dz`, by `default_network` (see
    `AdversarialTrainer.build_default_networks`): MLPs of `width` units
    (default 128) for vectors, DCGAN-style conv nets for images and 1-D
    conv nets for sequences (`width` channels at full resolution,
    default 32); `Dz` is an MLP. The adversarial loss and the penalty
    are the model's `objective`
    (`keras_aegan.losses.AdversarialObjective`); with a penalty the
    default `Dx` has no BatchNorm. The EMA (`ema_decay`) covers the
    generator and the encoder; `encode`, `reconstruct` and
    `interpolate` come from `EncoderMethods`.

    Args:
        latent_dim: Size of the code. Default: a given generator's input
            size, else `keras_aegan.networks.default_latent_dim`.
        generator: Optional Keras model `z -> x` (network units: images
            in [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        image_discriminator: Optional Keras model `x -> (batch, 1)`.
        latent_discriminator: Optional Keras model `z -> (batch, 1)`.
        width: Width of the default networks.
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`, for both
            discriminators.
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on both discriminators.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`seed`, `noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`) and `keras.Model`.

    Example:

    ```python
    class LatentCycleGAN(DualDiscriminatorGAN):
        discriminator_terms = ("dx_real", "dx_fake", "dz_real", "dz_fake")
        generator_terms = ("gx", "gz")

        ...  # default_optimizers, discriminator_loss, generator_loss
    ```
    """

    network_names = (
        "generator",
        "encoder",
        "image_discriminator",
        "latent_discriminator",
    )
    ema_network_names = ("generator", "encoder")
    #: Names of the terms each phase's loss logs (the penalties' are
    #: added to the discriminator phase's).
    discriminator_terms = ()
    generator_terms = ()

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        image_discriminator=None,
        latent_discriminator=None,
        width=None,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        **kwargs,
    ):
        super().__init__(latent_dim=latent_dim, **kwargs)
        self.objective = AdversarialObjective(
            adversarial_loss, penalty, penalty_weight, penalty_interval
        )
        self.init_networks(
            width,
            generator=generator,
            encoder=encoder,
            image_discriminator=image_discriminator,
            latent_discriminator=latent_discriminator,
        )

    def build_networks(self, data_shape):
        self.build_default_networks(
            data_shape,
            {
                "generator": "generator",
                "encoder": "encoder",
                "image_discriminator": "data_discriminator",
                "latent_discriminator": "latent_discriminator",
            },
        )
        self.objective.build(
            self, (self.image_discriminator, self.latent_discriminator)
        )

    def build_phases(self):
        penalty = ()
        if self.objective.penalty is not None:
            penalty = ("dx_penalty", "dz_penalty")
        return [
            Phase(
                "discriminator",
                networks=("image_discriminator", "latent_discriminator"),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=self.discriminator_terms + penalty,
            ),
            Phase(
                "generator",
                networks=("generator", "encoder"),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=self.generator_terms,
            ),
        ]

    def discriminator_penalties(
        self, x, z, x_generated, z_encoded, noise, training=True
    ):
        """The gradient penalties of both discriminators, as log terms.

        `Dx`'s on real `x` against `G(z)`, `Dz`'s on prior `z` against
        `E(x)` (see `AdversarialObjective.penalty_terms`).

        Args:
            x: Real data (network units).
            z: Prior samples.
            x_generated: `G(z)`, a constant.
            z_encoded: `E(x)`, a constant.
            noise: The step's noise dict.
            training: True in a train step.

        Returns:
            `(weighted_sum, terms)`: 0 and `{}` without a penalty.
        """
        return self.objective.penalty_terms(
            {
                "dx_penalty": (self.image_discriminator, x, x_generated),
                "dz_penalty": (self.latent_discriminator, z, z_encoded),
            },
            noise,
            training,
        )
