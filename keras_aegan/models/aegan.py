"""AEGAN: autoencoding GAN with image and latent discriminators."""

import keras

from keras_aegan import networks
from keras_aegan.models.aegan_losses import AEGANLosses
from keras_aegan.models.aegan_presets import AEGAN_PRESETS
from keras_aegan.models.aegan_presets import aegan_from_preset
from keras_aegan.models.aegan_presets import check_preset_shape
from keras_aegan.networks.defaults import DEFAULT_IMAGE_WIDTH
from keras_aegan.networks.defaults import DEFAULT_SEQUENCE_WIDTH
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.loss_options import LossOptions
from keras_aegan.trainers.phase import Phase
from keras_aegan.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_aegan")
class AEGAN(AEGANLosses, EncoderMethods, LossOptions, AdversarialTrainer):
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

    Networks left as `None` are built on the first `fit()` from the data:
    MLPs (3 hidden layers of `width` units, default 128) for vectors
    `(N, features)`; DCGAN-style conv nets for images `(N, H, W, C)` with
    H and W powers of two from 8 to 128 (`width` = channels of the
    highest-resolution block, default 32); DCGAN-style 1-D conv nets for
    sequences `(N, T, C)` (T a power of two from 8 to 1024, linear
    generator output, default `latent_dim` 16), standardised per
    channel. With a gradient penalty the default data discriminator has
    no BatchNorm.

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else 32 for images and the number of
            features for vectors.
        generator: Optional Keras model `z -> x` (network units: images in
            [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        image_discriminator: Optional Keras model `x -> (batch, 1)` logits.
        latent_discriminator: Optional Keras model `z -> (batch, 1)` logits.
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`, for both
            discriminators (see `keras_aegan.losses`). Label smoothing
            (`compile(real_label=, fake_label=)`) applies to the
            objectives with targets (non-saturating, least squares).
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on both discriminators, logged as `dx_penalty` and
            `dz_penalty` (see `keras_aegan.trainers.LossOptions`).
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

    network_names = (
        "generator",
        "encoder",
        "image_discriminator",
        "latent_discriminator",
    )
    ema_network_names = ("generator", "encoder")
    refine_network = "image_discriminator"

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
        **kwargs,
    ):
        if preset is not None and preset not in AEGAN_PRESETS:
            raise ValueError(
                f"Unknown AEGAN preset. Expected one of "
                f"{sorted(AEGAN_PRESETS)}. Received: preset={preset!r}"
            )
        self.preset = preset
        given = {
            "generator": generator,
            "encoder": encoder,
            "image_discriminator": image_discriminator,
            "latent_discriminator": latent_discriminator,
        }
        for name, net in given.items():
            if net is not None and not isinstance(net, keras.layers.Layer):
                raise TypeError(
                    f"`{name}` must be a Keras model or layer. Received: "
                    f"{name}={net!r} of type {type(net).__name__}"
                )
        if latent_dim is None and generator is not None:
            latent_dim = networks.input_size(generator, "generator")
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        self._init_loss_options(
            adversarial_loss, penalty, penalty_weight, penalty_interval
        )
        # Dx sees three inputs in the discriminator phase and two in the
        # generator phase; each call is augmented with its own numbers.
        self._init_augment(augment, calls=5)
        if width is not None:
            width = check_positive_int("width", width)
        self.width = width
        self.generator = generator
        self.encoder = encoder
        self.image_discriminator = image_discriminator
        self.latent_discriminator = latent_discriminator
        self.real_label = 0.95
        self.fake_label = 0.05

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
        self.check_augment(data_shape)
        if self.latent_dim is None:
            self.latent_dim = networks.default_latent_dim(data_shape)
        z_dim = self.latent_dim
        roles = {
            "generator": "generator",
            "encoder": "encoder",
            "image_discriminator": "data_discriminator",
            "latent_discriminator": "latent_discriminator",
        }
        if self.penalty is not None and self.image_discriminator is None:
            # Penalties are per sample: no batch statistics in the critic.
            if len(data_shape) == 3:
                self.image_discriminator = networks.image_discriminator(
                    data_shape,
                    self.width or DEFAULT_IMAGE_WIDTH,
                    batch_norm=False,
                )
            elif len(data_shape) == 2:
                self.image_discriminator = networks.sequence_discriminator(
                    data_shape,
                    self.width or DEFAULT_SEQUENCE_WIDTH,
                    batch_norm=False,
                )
        for name, role in roles.items():
            if getattr(self, name) is None:
                setattr(
                    self,
                    name,
                    networks.default_network(
                        role, data_shape, z_dim, self.width, name=name
                    ),
                )
        networks.check_network(
            self.generator, "generator", (z_dim,), data_shape
        )
        networks.check_network(self.encoder, "encoder", data_shape, (z_dim,))
        networks.check_network(
            self.image_discriminator, "image_discriminator", data_shape, (1,)
        )
        networks.check_network(
            self.latent_discriminator, "latent_discriminator", (z_dim,), (1,)
        )
        self._build_loss_state(
            (self.image_discriminator, self.latent_discriminator)
        )

    # --------------------------------------------------------------- phases
    def build_phases(self):
        return [
            Phase(
                "discriminator",
                networks=("image_discriminator", "latent_discriminator"),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=(
                    "dx_real",
                    "dx_generated",
                    "dx_reconstructed",
                    "dz_prior",
                    "dz_encoded",
                    "dz_reconstructed",
                )
                + self._penalty_names(),
            ),
            Phase(
                "generator",
                networks=("generator", "encoder"),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=(
                    "reconstruction_x",
                    "reconstruction_z",
                    "gx_generated",
                    "gx_reconstructed",
                    "gz_encoded",
                    "gz_reconstructed",
                ),
            ),
        ]

    def _penalty_names(self):
        return () if self.penalty is None else ("dx_penalty", "dz_penalty")

    def default_optimizers(self):
        return {
            "discriminator_optimizer": keras.optimizers.Adam(
                learning_rate=1e-4, beta_1=0.5
            ),
            "generator_optimizer": keras.optimizers.Adam(
                learning_rate=2e-4, beta_1=0.5
            ),
        }

    def default_loss_weights(self):
        return {
            "reconstruction_x": 10.0,
            "reconstruction_z": 5.0,
            "adversarial_x": 1.0,
            "adversarial_z": 1.0,
        }

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss_weights=None,
        real_label=0.95,
        fake_label=0.05,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        **kwargs,
    ):
        """Configures training.

        Args:
            generator_optimizer: Optimizer of `G` and `E`. Default
                `Adam(2e-4, beta_1=0.5)`.
            discriminator_optimizer: Optimizer of `Dx` and `Dz`. Default
                `Adam(1e-4, beta_1=0.5)` (half the generator's rate keeps
                the discriminators from overpowering on small data).
            loss_weights: Dict overriding any of `reconstruction_x` (10),
                `reconstruction_z` (5), `adversarial_x` (1),
                `adversarial_z` (1).
            real_label: Discriminator target for real samples (0.95: label
                smoothing as in the AEGAN paper).
            fake_label: Discriminator target for generated samples (0.05).
            run_eagerly: Run the step eagerly.
            steps_per_execution: Steps per compiled call.
            jit_compile: `"auto"`, True or False.
            **kwargs: Refused with a `TypeError` that lists the accepted
                arguments (AEGAN defines its own losses, and each phase
                has its own optimizer, so Keras's `optimizer=`/`loss=` do
                not apply).
        """
        if kwargs:
            raise TypeError(
                f"AEGAN.compile() got unknown arguments {sorted(kwargs)}. "
                "AEGAN defines its own losses; it takes "
                "generator_optimizer, discriminator_optimizer, "
                "loss_weights, real_label, fake_label, run_eagerly, "
                "steps_per_execution and jit_compile."
            )
        for name, value in (
            ("real_label", real_label),
            ("fake_label", fake_label),
        ):
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(
                    f"`{name}` must be in [0, 1]. Received: {name}={value!r}"
                )
        self.real_label = float(real_label)
        self.fake_label = float(fake_label)
        self._compile_phases(
            {
                "generator_optimizer": generator_optimizer,
                "discriminator_optimizer": discriminator_optimizer,
            },
            loss_weights,
            {"real_label": self.real_label, "fake_label": self.fake_label},
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
        )

    def get_config(self):
        config = super().get_config()
        config["width"] = self.width
        config["preset"] = self.preset
        config["augment"] = self.augment
        config.update(self.loss_options_config())
        return config
