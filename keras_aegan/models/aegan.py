"""AEGAN: autoencoding GAN with image and latent discriminators."""

import functools

import keras
from keras import ops

from keras_aegan.losses import mean_absolute_error
from keras_aegan.losses import mean_squared_error
from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.models.aegan_presets import AEGAN_PRESETS
from keras_aegan.models.aegan_presets import aegan_from_preset
from keras_aegan.models.aegan_presets import check_preset_shape
from keras_aegan.models.dual_discriminator_gan import DualDiscriminatorGAN
from keras_aegan.networks.defaults import WIDE_VECTOR_WIDTHS
from keras_aegan.utils.validation import check_in_range

#: AEGAN's default loss weights for vector data (`default_loss_weights`).
VECTOR_LOSS_WEIGHTS = {
    "reconstruction_x": 0.1,
    "reconstruction_z": 0.1,
    "adversarial_x": 1.0,
    "adversarial_z": 1.0,
}

_check_label = functools.partial(check_in_range, low=0.0, high=1.0)


@keras.saving.register_keras_serializable(package="keras_aegan")
class AEGAN(DualDiscriminatorGAN):
    """Autoencoding GAN: generator, encoder and two discriminators.

    Four networks: a generator `G: z -> x`, an encoder `E: x -> z`, an
    image discriminator `Dx` and a latent discriminator `Dz`. One train
    step has two phases:

    - `discriminator` (updates `Dx` and `Dz`): `Dx` tells real `x` from
      `G(z)` and `G(E(x))`; `Dz` tells prior samples `z` from `E(x)` and
      `E(G(z))`. Each discriminator's loss is
      `(2 * real + generated + reconstructed) / 4` so real and fake carry
      equal weight.
    - `generator` (updates `G` and `E`):
      `w_rx * L1(x, G(E(x))) + w_rz * MSE(z, E(G(z)))`
      `+ w_ax * (adv(Dx(G(z))) + adv(Dx(G(E(x)))))`
      `+ w_az * (adv(Dz(E(x))) + adv(Dz(E(G(z)))))`, with the
      adversarial term `adv`: by default the non-saturating
      `adv(l) = -log sigmoid(l)`; see `adversarial_loss`.

    Every term is logged unweighted under its own name; the weighted
    totals as `discriminator_loss` and `generator_loss`. A network's
    BatchNorm statistics only move in the phase that trains it.

    `compile()` takes `generator_optimizer` (`G` and `E`),
    `discriminator_optimizer` (`Dx` and `Dz`) and `loss_weights`
    overriding any of `reconstruction_x` (`w_rx`), `reconstruction_z`
    (`w_rz`), `adversarial_x` (`w_ax`) and `adversarial_z` (`w_az`);
    the defaults are `default_optimizers()` and `default_loss_weights()`
    (10/5/1/1 for images and sequences, 0.1/0.1/1/1 for vectors, chosen
    when the data is known, so also after an explicit `compile()`).

    Networks left as `None` are built on the first `fit()` from the data:
    MLPs (3 hidden layers of `width` units; by default 256 for the
    generator and the image discriminator, 128 for the encoder and the
    latent discriminator) for vectors `(N, features)`; DCGAN-style conv
    nets for images `(N, H, W, C)` with H and W powers of two from 8
    to 128 (`width` = channels of the highest-resolution block, default
    32); DCGAN-style 1-D conv nets for sequences `(N, T, C)` (T a power
    of two from 8 to 1024, linear generator output, default
    `latent_dim` 16), standardised per channel. With a gradient penalty
    the default data discriminator has no BatchNorm.

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else
            `keras_aegan.networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (network units: images in
            [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        image_discriminator: Optional Keras model `x -> (batch, 1)` logits.
        latent_discriminator: Optional Keras model `z -> (batch, 1)` logits.
        width: Width of the default networks (see above); when given,
            every default network has it.
        seed: Seed of the noise generator and of `generate()`.
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`, for both
            discriminators (see `keras_aegan.losses`). Label smoothing
            (`real_label`, `fake_label`) applies to the objectives with
            targets (non-saturating, least squares).
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on both discriminators, logged as `dx_penalty` and
            `dz_penalty` (see `keras_aegan.losses.gradient_penalty`,
            `r1_penalty` and `r2_penalty`).
            `adversarial_loss="wasserstein", penalty="gp"` is the
            WGAN-GP variant.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (lazy regularisation; default 1).
        augment: `None` (default) or a DiffAugment policy for images,
            e.g. `"translation,cutout"` or `"color,translation,cutout"`:
            every input of `Dx` in a train step (real, generated and
            reconstructed, in both phases) is augmented with
            `keras_aegan.losses.diff_augment`, each call with its own
            random parameters drawn with the rest of the step's noise
            (so `noise="host"` repeats across backends). Sampling,
            encoding and the reconstruction loss see unaugmented images.
        preset: Set by `AEGAN.from_preset(name)` (recorded in the config;
            the `"paper"` preset refuses data that is not 64x64).
        real_label: Discriminator target for real samples, in [0, 1]
            (0.95: label smoothing as in the AEGAN paper). Until the
            next release also accepted by `compile()`, with a
            `DeprecationWarning`.
        fake_label: Discriminator target for generated samples, in
            [0, 1] (0.05).
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`) and `keras.Model` (e.g. `name`).
            With `ema_decay` set, moving averages of the generator and
            the encoder are kept (`ema_generator`, `ema_encoder`) and
            `generate`, `encode`, `reconstruct`, `decode` and
            `interpolate` use them when called with `ema=True`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN()
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    codes = model.encode(x[:8])
    ```

    Reference:
        - [Lazarou, "Autoencoding Generative Adversarial Networks", 2020](
          https://arxiv.org/abs/2004.05472)
    """

    hyperparameters = {"real_label": _check_label, "fake_label": _check_label}
    deprecated_compile_arguments = ("real_label", "fake_label")
    discriminator_terms = (
        "dx_real",
        "dx_generated",
        "dx_reconstructed",
        "dz_prior",
        "dz_encoded",
        "dz_reconstructed",
    )
    generator_terms = (
        "reconstruction_x",
        "reconstruction_z",
        "gx_generated",
        "gx_reconstructed",
        "gz_encoded",
        "gz_reconstructed",
    )
    refine_network = "image_discriminator"
    default_vector_widths = WIDE_VECTOR_WIDTHS

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        image_discriminator=None,
        latent_discriminator=None,
        width=None,
        seed=None,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        augment=None,
        preset=None,
        real_label=0.95,
        fake_label=0.05,
        **kwargs,
    ):
        if preset is not None and preset not in AEGAN_PRESETS:
            raise ValueError(
                f"Unknown AEGAN preset. Expected one of "
                f"{sorted(AEGAN_PRESETS)}. Received: preset={preset!r}"
            )
        self.preset = preset
        super().__init__(
            latent_dim=latent_dim,
            generator=generator,
            encoder=encoder,
            image_discriminator=image_discriminator,
            latent_discriminator=latent_discriminator,
            width=width,
            seed=seed,
            adversarial_loss=adversarial_loss,
            penalty=penalty,
            penalty_weight=penalty_weight,
            penalty_interval=penalty_interval,
            **kwargs,
        )
        # With augmentation: Dx sees three inputs in the discriminator
        # phase and two in the generator phase, each call augmented with
        # its own numbers.
        self.objective = AdversarialObjective(
            adversarial_loss,
            penalty,
            penalty_weight,
            penalty_interval,
            augment=augment,
            augment_calls=5,
        )
        self.set_hyperparameters(real_label=real_label, fake_label=fake_label)

    # ------------------------------------------------------------- networks
    @classmethod
    def from_preset(cls, preset, **kwargs):
        """An AEGAN configured (and compiled) as a named preset.

        - `"paper"`: the AEGAN paper's 64x64 configuration (conv networks
          of width 64, 16-d code, loss weights 10/5/1/1, label smoothing
          0.95/0.05, Adam(2e-4, beta_1=0.5) with `clipnorm=1` for both
          phases). Refuses data that is not 64x64 images.
        - `"light"`: the default `AEGAN()`.

        Args:
            preset: `"paper"` or `"light"` (see `AEGAN_PRESETS`).
            **kwargs: Constructor arguments overriding the preset's.

        Returns:
            A compiled AEGAN; its networks are built on `fit()`.

        Example:

        ```python
        model = keras_aegan.AEGAN.from_preset("paper", seed=0)
        model.fit(images_64x64, epochs=10, batch_size=32)
        ```
        """
        return aegan_from_preset(cls, preset, **kwargs)

    def build_networks(self, data_shape):
        check_preset_shape(self.preset, data_shape)
        self.objective.check_augment(data_shape)
        if (
            self.objective.penalty is not None
            and self.image_discriminator is None
            and len(data_shape) > 1
        ):
            # AEGAN has always built its penalised conv critic (no
            # BatchNorm) before the other networks: seeded runs keep their
            # initial weights.
            self.image_discriminator = self.default_network(
                "data_discriminator", data_shape, "image_discriminator"
            )
        super().build_networks(data_shape)

    def default_optimizers(self):
        return {
            # Twice the paper's rates: on the built-in digits they reach
            # the same quality in half the steps and stay stable over the
            # main job's budget (4x was better at 690 steps, worse at
            # 1,380; benchmarks/quality/README.md).
            "discriminator_optimizer": keras.optimizers.Adam(
                learning_rate=2e-4, beta_1=0.5
            ),
            "generator_optimizer": keras.optimizers.Adam(
                learning_rate=4e-4, beta_1=0.5
            ),
        }

    def default_loss_weights(self):
        """The paper's weights 10/5/1/1; 0.1/0.1/1/1 for vectors.

        For vectors the strong reconstruction terms ask for a nearly
        invertible generator, which spreads samples between the modes
        of a mixture; the lighter weights were measured better on the
        2-D ring and grid (benchmarks/quality/README.md, "Vectors").
        """
        if self.data_kind == "vector":
            return dict(VECTOR_LOSS_WEIGHTS)
        return {
            "reconstruction_x": 10.0,
            "reconstruction_z": 5.0,
            "adversarial_x": 1.0,
            "adversarial_z": 1.0,
        }

    # --------------------------------------------------------------- losses
    def _forward(self, x, z, training):
        x_generated = self.generator(z, training=training)
        z_encoded = self.encoder(x, training=training)
        x_reconstructed = self.generator(z_encoded, training=training)
        z_reconstructed = self.encoder(x_generated, training=training)
        return x_generated, z_encoded, x_reconstructed, z_reconstructed

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = noise["discriminator"]
        fakes = [ops.stop_gradient(t) for t in self._forward(x, z, training)]
        x_generated, z_encoded, x_reconstructed, z_reconstructed = fakes
        dx = self.image_discriminator
        dz = self.latent_discriminator
        adv = self.objective.loss
        real, fake = self.real_label, self.fake_label

        def dx_on(images, call):
            images = self.objective.augment_input(images, noise, call, training)
            return dx(images, training=training)

        dx_real, dx_generated = adv.discriminator_terms(
            dx_on(x, 0), dx_on(x_generated, 1), real, fake
        )
        dx_reconstructed = adv.discriminator_fake_term(
            dx_on(x_reconstructed, 2), fake
        )
        dz_prior, dz_encoded = adv.discriminator_terms(
            dz(z, training=training),
            dz(z_encoded, training=training),
            real,
            fake,
        )
        dz_reconstructed = adv.discriminator_fake_term(
            dz(z_reconstructed, training=training), fake
        )
        total = (2.0 * dx_real + dx_generated + dx_reconstructed) / 4.0 + (
            2.0 * dz_prior + dz_encoded + dz_reconstructed
        ) / 4.0
        terms = {
            "dx_real": dx_real,
            "dx_generated": dx_generated,
            "dx_reconstructed": dx_reconstructed,
            "dz_prior": dz_prior,
            "dz_encoded": dz_encoded,
            "dz_reconstructed": dz_reconstructed,
        }
        # The penalties see the generated half of the fakes (G(z), E(x)).
        extra, penalty_terms = self.discriminator_penalties(
            x, z, x_generated, z_encoded, noise, training
        )
        terms.update(penalty_terms)
        return total + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        x_generated, z_encoded, x_reconstructed, z_reconstructed = (
            self._forward(x, z, training)
        )
        dz = self.latent_discriminator
        adv = self.objective.loss.generator_term

        def dx(images, call, training):
            images = self.objective.augment_input(images, noise, call, training)
            return self.image_discriminator(images, training=training)

        terms = {
            "reconstruction_x": mean_absolute_error(x, x_reconstructed),
            "reconstruction_z": mean_squared_error(z, z_reconstructed),
            "gx_generated": adv(dx(x_generated, 3, training)),
            "gx_reconstructed": adv(dx(x_reconstructed, 4, training)),
            "gz_encoded": adv(dz(z_encoded, training=training)),
            "gz_reconstructed": adv(dz(z_reconstructed, training=training)),
        }
        w = self.loss_weights
        total = (
            w["reconstruction_x"] * terms["reconstruction_x"]
            + w["reconstruction_z"] * terms["reconstruction_z"]
            + w["adversarial_x"]
            * (terms["gx_generated"] + terms["gx_reconstructed"])
            + w["adversarial_z"]
            * (terms["gz_encoded"] + terms["gz_reconstructed"])
        )
        return total, terms

    def get_config(self):
        config = super().get_config()
        config["preset"] = self.preset
        config["augment"] = self.objective.augment
        return config
