"""AEGAN: autoencoding GAN with image and latent discriminators."""

import keras
import numpy as np
from keras import ops

from keras_aegan import networks
from keras_aegan.losses import mean_absolute_error
from keras_aegan.losses import mean_squared_error
from keras_aegan.networks.defaults import DEFAULT_IMAGE_WIDTH
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.loss_options import LossOptions
from keras_aegan.trainers.phase import Phase
from keras_aegan.utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_aegan")
class AEGAN(LossOptions, AdversarialTrainer):
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
    highest-resolution block, default 32).

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
        **kwargs,
    ):
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
    def build_networks(self, data_shape):
        if self.latent_dim is None:
            self.latent_dim = networks.default_latent_dim(data_shape)
        z_dim = self.latent_dim
        roles = {
            "generator": "generator",
            "encoder": "encoder",
            "image_discriminator": "data_discriminator",
            "latent_discriminator": "latent_discriminator",
        }
        if (
            self.penalty is not None
            and self.image_discriminator is None
            and len(data_shape) == 3
        ):
            # Penalties are per sample: no batch statistics in the critic.
            self.image_discriminator = networks.image_discriminator(
                data_shape,
                self.width or DEFAULT_IMAGE_WIDTH,
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

    def noise_shapes(self):
        shapes = {phase.name: (self.latent_dim,) for phase in self.phases}
        shapes.update(self.penalty_noise_shapes())
        return shapes

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
        adv = self.adversarial
        real, fake = self.real_label, self.fake_label
        dx_real, dx_generated = adv.discriminator_terms(
            dx(x, training=training),
            dx(x_generated, training=training),
            real,
            fake,
        )
        dx_reconstructed = adv.discriminator_fake_term(
            dx(x_reconstructed, training=training), fake
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
        extra, penalty_terms = self.penalty_terms(
            {
                "dx_penalty": (dx, x, x_generated),
                "dz_penalty": (dz, z, z_encoded),
            },
            noise,
            training,
        )
        terms.update(penalty_terms)
        return total + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        x_generated, z_encoded, x_reconstructed, z_reconstructed = (
            self._forward(x, z, training)
        )
        dx = self.image_discriminator
        dz = self.latent_discriminator
        adv = self.adversarial.generator_term
        terms = {
            "reconstruction_x": mean_absolute_error(x, x_reconstructed),
            "reconstruction_z": mean_squared_error(z, z_reconstructed),
            "gx_generated": adv(dx(x_generated, training=training)),
            "gx_reconstructed": adv(dx(x_reconstructed, training=training)),
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

    # ---------------------------------------------------------- user methods
    def encode(self, x, batch_size=256, ema=False):
        """Encodes data (user units) to latent codes `(n, latent_dim)`.

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the encoder calls.
            ema: Use the moving average of the encoder (needs a model
                built with `ema_decay`) instead of its trained weights.

        Returns:
            NumPy float32 array.
        """
        self._require_built("encode")
        encoder = self.network_for("encoder", ema)
        return encoder.predict(
            self._to_network_units(x), batch_size=batch_size, verbose=0
        )

    def reconstruct(self, x, batch_size=256, ema=False):
        """Returns `G(E(x))` in the data's units and dtype.

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the network calls.
            ema: Use the moving averages of encoder and generator.

        Returns:
            NumPy array shaped like `x`.
        """
        codes = self.encode(x, batch_size, ema=ema)
        return self.decode(codes, batch_size, ema=ema)

    def interpolate(self, x_a, x_b, steps=8, batch_size=256, ema=False):
        """Decodes straight lines between the codes of two batches.

        Args:
            x_a: Samples `(n, *data_shape)` (or one sample `data_shape`).
            x_b: Samples of the same shape as `x_a`.
            steps: Number of points on each line, ends included (>= 2).
            batch_size: Batch size of the network calls.
            ema: Use the moving averages of encoder and generator.

        Returns:
            NumPy array `(n, steps, *data_shape)` (`(steps, *data_shape)`
            for single samples) in the data's units and dtype.
        """
        steps = check_positive_int("steps", steps)
        if steps < 2:
            raise ValueError(
                f"`steps` must be at least 2. Received: steps={steps}"
            )
        self._require_built("interpolate")
        x_a, x_b = np.asarray(x_a), np.asarray(x_b)
        single = x_a.shape == self.data_shape
        if single:
            x_a, x_b = x_a[None], x_b[None]
        if x_a.shape != x_b.shape:
            raise ValueError(
                "`x_a` and `x_b` must have the same shape. Received: "
                f"{x_a.shape} and {x_b.shape}"
            )
        z_a = self.encode(x_a, batch_size, ema=ema)
        z_b = self.encode(x_b, batch_size, ema=ema)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[None, :, None]
        z = (1.0 - t) * z_a[:, None] + t * z_b[:, None]
        out = self.decode(z.reshape(-1, self.latent_dim), batch_size, ema=ema)
        out = out.reshape((len(x_a), steps) + self.data_shape)
        return out[0] if single else out

    def get_config(self):
        config = super().get_config()
        config["width"] = self.width
        config.update(self.loss_options_config())
        return config
