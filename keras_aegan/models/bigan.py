"""BiGAN / ALI: a generator and an encoder against a joint discriminator."""

import keras
from keras import ops

from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.networks.joint import check_joint_network
from keras_aegan.networks.joint import joint_discriminator
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.phase import Phase


@keras.saving.register_keras_serializable(package="keras_aegan")
class BiGAN(EncoderMethods, AdversarialTrainer):
    """Bidirectional GAN (BiGAN, also known as ALI).

    Three networks: a generator `G: z -> x`, an encoder `E: x -> z` and
    a joint discriminator `D(x, z)` that tells data pairs `(x, E(x))`
    from generated pairs `(G(z), z)`. At the optimum `E` inverts `G`.
    One train step has two phases:

    - `discriminator` (updates `D`): `real(D(x, E(x))) +
      fake(D(G(z), z))`, the discriminator terms of `adversarial_loss`
      (with the default non-saturating loss, binary cross-entropy with
      targets 1 for data pairs and 0 for generated pairs), plus the
      optional gradient penalty on both inputs of `D` (`d_penalty`).
    - `generator` (updates `G` and `E` together; they fool `D` jointly):
      `adv(D(G(z), z)) + adv(reflect(D(x, E(x))))`. `G` pushes its pairs
      toward "data", `E` pushes the data pairs toward "generated": the
      labels are swapped. `adv` is the generator term of
      `adversarial_loss` (non-saturating by default: `G`'s term is
      `-log sigmoid(D(G(z), z))` and `E`'s `-log(1 - sigmoid(D(x,
      E(x))))`); `reflect(l) = -l` for logits and critic scores and
      `1 - l` for least squares (targets 1 and 0;
      `AdversarialLoss.reflect`), so `E`'s term aims `D` at the fake
      target. The two terms depend on disjoint
      networks, so one joint update equals separate updates of `G` and
      `E` from the same step.

    Terms are logged unweighted (`d_real`, `d_fake`, `g_generated`,
    `e_encoded`) with the phase totals `discriminator_loss` and
    `generator_loss`.

    Networks left as `None` are built on the first `fit()`: for vectors
    MLPs (3 hidden layers of `width` units, default 128) and a joint
    discriminator on `concat(x, z)`; for images DCGAN-style conv nets
    (`width` channels at full resolution, default 32) and a joint
    discriminator with a conv trunk on `x`, an MLP on `z` and a joint
    MLP (see `keras_aegan.networks.joint`).

    Defaults from Donahue et al.: Adam with learning rate 2e-4 and
    `beta_1=0.5` for both phases, no label smoothing, a deterministic
    encoder. ALI (Dumoulin et al.) is the same game with a stochastic
    encoder; `ALI` is exported as an alias of this class (deterministic
    encoder; pass ALI's optimizer settings to `compile()`). The prior is
    a standard normal (ALI's; BiGAN used a uniform one). `compile()`
    takes `generator_optimizer` (`G` and `E`) and
    `discriminator_optimizer` (`D`); BiGAN has no loss weights.

    User methods (besides `fit`, `generate` and `decode`): `encode`,
    `reconstruct` and `interpolate` (see `EncoderMethods`).

    On small toy data the unregularised game tends to cycle instead of
    settling; `penalty="r1"` makes it settle within a few hundred steps
    (see `tests/bigan_test.py` for the ring runs).

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else
            `keras_aegan.networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (network units: images in
            [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        discriminator: Optional Keras model called on `[x, z]` returning
            `(batch, 1)` logits.
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`.
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on `D`, whose input-gradient covers both `x` and `z`.
            `adversarial_loss="wasserstein", penalty="gp"` is a WGAN-GP
            BiGAN.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`; the EMA covers
            the generator and the encoder) and `keras.Model`.

    Example:

    ```python
    x = keras_aegan.datasets.make_ring(2048, seed=0)
    model = keras_aegan.BiGAN(seed=0)
    model.fit(x, epochs=2, batch_size=64)
    samples = model.generate(16)
    codes = model.encode(x[:8])
    ```

    Reference:
        - [Donahue et al., "Adversarial Feature Learning", 2016](
          https://arxiv.org/abs/1605.09782)
        - [Dumoulin et al., "Adversarially Learned Inference", 2016](
          https://arxiv.org/abs/1606.00704)
    """

    network_names = ("generator", "encoder", "discriminator")
    ema_network_names = ("generator", "encoder")

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        discriminator=None,
        width=None,
        seed=None,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        **kwargs,
    ):
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        self.objective = AdversarialObjective(
            adversarial_loss, penalty, penalty_weight, penalty_interval
        )
        self.init_networks(
            width,
            generator=generator,
            encoder=encoder,
            discriminator=discriminator,
        )

    # ------------------------------------------------------------- networks
    def build_networks(self, data_shape):
        self._build_joint_networks(data_shape)
        self.objective.build(self, self._penalised_networks())

    def _penalised_networks(self):
        """The discriminators `penalty` applies to."""
        return (self.discriminator,)

    def _build_joint_networks(self, data_shape):
        """Builds the missing networks and checks every shape."""
        self.build_default_networks(
            data_shape, {"generator": "generator", "encoder": "encoder"}
        )
        if self.discriminator is None:
            self.discriminator = joint_discriminator(
                data_shape, self.latent_dim, self.width, name="discriminator"
            )
        check_joint_network(
            self.discriminator, "discriminator", data_shape, self.latent_dim
        )

    # --------------------------------------------------------------- phases
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
                networks=("generator", "encoder"),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_generated", "e_encoded"),
            ),
        ]

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    # --------------------------------------------------------------- losses
    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = noise["discriminator"]
        x_generated = ops.stop_gradient(self.generator(z, training=training))
        z_encoded = ops.stop_gradient(self.encoder(x, training=training))
        d = self.discriminator
        d_real, d_fake = self.objective.loss.discriminator_terms(
            d([x, z_encoded], training=training),
            d([x_generated, z], training=training),
        )
        terms = {"d_real": d_real, "d_fake": d_fake}
        extra, penalty_terms = self.objective.penalty_terms(
            {"d_penalty": (d, [x, z_encoded], [x_generated, z])},
            noise,
            training,
        )
        terms.update(penalty_terms)
        return d_real + d_fake + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        d = self.discriminator
        x_generated = self.generator(z, training=training)
        z_encoded = self.encoder(x, training=training)
        loss = self.objective.loss
        terms = {
            "g_generated": loss.generator_term(
                d([x_generated, z], training=training)
            ),
            "e_encoded": loss.generator_term(
                loss.reflect(d([x, z_encoded], training=training))
            ),
        }
        return terms["g_generated"] + terms["e_encoded"], terms


#: ALI (Dumoulin et al., 2016) is the same adversarial game as BiGAN.
ALI = BiGAN
