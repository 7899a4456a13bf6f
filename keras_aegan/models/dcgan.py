"""DCGAN: a generator against one data discriminator."""

import keras
from keras import ops

from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.networks.defaults import WIDE_VECTOR_WIDTHS
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.phase import Phase


@keras.saving.register_keras_serializable(package="keras_aegan")
class DCGAN(AdversarialTrainer):
    """Deep convolutional GAN: a generator against a data discriminator.

    Two networks, a generator `G: z -> x` and a discriminator
    `D: x -> (batch, 1)` logits; one train step has two phases:

    - `discriminator` (updates `D`): `real(D(x)) + fake(D(G(z)))`, the
      discriminator terms of `adversarial_loss` (by default binary
      cross-entropy with targets 1 for data and 0 for `G(z)`, no label
      smoothing), plus the optional gradient penalty (`d_penalty`).
    - `generator` (updates `G`): `adv(D(G(z)))`, by default the
      non-saturating `-log sigmoid(D(G(z)))`.

    Terms are logged unweighted (`d_real`, `d_fake`, `g_generated`) with
    the phase totals `discriminator_loss` and `generator_loss`.

    Networks left as `None` are AEGAN's defaults (for vectors, both at
    256 units), built on the first `fit()`
    (`keras_aegan.networks.default_network`, roles `"generator"` and
    `"data_discriminator"`). Training follows the keras-io DCGAN
    example: Adam(2e-4, beta_1=0.5) for both phases. With no encoder, a
    DCGAN has `generate`, `decode` and `predict` but no `encode`.

    Args:
        latent_dim: Size of the code. Default: a given generator's input
            size, else `networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (network units: images
            in [-1, 1], vectors standardised).
        discriminator: Optional Keras model `x -> (batch, 1)` logits.
        width: Width of the default networks (see `default_network`).
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`.
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on `D` (the default conv `D` then has no BatchNorm).
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`seed`, `noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`; the EMA covers the
            generator) and `keras.Model` (e.g. `name`, `dtype`).

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.DCGAN(seed=0)
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    ```

    Reference:
        - [Radford et al., "Unsupervised Representation Learning with
          Deep Convolutional Generative Adversarial Networks", 2015](
          https://arxiv.org/abs/1511.06434)
    """

    network_names = ("generator", "discriminator")
    ema_network_names = ("generator",)
    refine_network = "discriminator"
    # AEGAN's: the anchor keeps the same generator and discriminator.
    default_vector_widths = WIDE_VECTOR_WIDTHS

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        discriminator=None,
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
            width, generator=generator, discriminator=discriminator
        )

    def build_networks(self, data_shape):
        self.build_default_networks(
            data_shape,
            {"generator": "generator", "discriminator": "data_discriminator"},
        )
        self.objective.build(self, (self.discriminator,))

    def build_phases(self):
        penalty = () if self.objective.penalty is None else ("d_penalty",)
        return [
            Phase(
                "discriminator",
                networks=("discriminator",),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("d_real", "d_fake") + penalty,
            ),
            Phase(
                "generator",
                networks=("generator",),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_generated",),
            ),
        ]

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = noise["discriminator"]
        fake = ops.stop_gradient(self.generator(z, training=training))
        d = self.discriminator
        d_real, d_fake = self.objective.loss.discriminator_terms(
            d(x, training=training), d(fake, training=training)
        )
        extra, terms = self.objective.penalty_terms(
            {"d_penalty": (d, x, fake)}, noise, training
        )
        terms.update(d_real=d_real, d_fake=d_fake)
        return d_real + d_fake + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        fake = self.generator(noise["generator"], training=training)
        g = self.objective.loss.generator_term(
            self.discriminator(fake, training=training)
        )
        return g, {"g_generated": g}
