"""EBGAN: energy-based GAN with an autoencoder discriminator."""

import math
import numbers

import keras
from keras import ops

from keras_aegan import networks
from keras_aegan.networks import autoencoder
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.phase import Phase
from keras_aegan.utils.validation import check_positive_int

#: Embedding size of the default autoencoder for non-image data. Wider
#: than 2-D toy data on purpose: on the 8-mode ring (600 steps, JAX,
#: seed 0) embeddings of 1 and 2 covered 2 modes, 8 covered 5 to 7.
VECTOR_HIDDEN_DIM = 8


def pull_away_term(embeddings):
    """EBGAN's pull-away term: mean squared cosine similarity of pairs.

    `PT = 1 / (N (N - 1)) * sum_{i != j} cos(s_i, s_j)^2` over the rows
    `s_i` of a batch of `N` embeddings. It is 0 for mutually orthogonal
    embeddings and 1 when all point the same way; a batch of one sample
    gives 0.

    Args:
        embeddings: Tensor `(batch, features)`.

    Returns:
        Scalar float32 tensor.

    Example:

    ```python
    pull_away_term(encoder(generator(z)))
    ```
    """
    s = ops.cast(embeddings, "float32")
    # The epsilon keeps the norm's gradient finite for a zero embedding.
    norms = ops.sqrt(ops.sum(ops.square(s), axis=1, keepdims=True) + 1e-12)
    s = s / norms
    cos2 = ops.square(ops.matmul(s, ops.transpose(s)))
    n = ops.cast(ops.shape(s)[0], "float32")
    off_diagonal = ops.sum(cos2) - ops.sum(ops.diagonal(cos2))
    return off_diagonal / ops.maximum(n * (n - 1.0), 1.0)


@keras.saving.register_keras_serializable(package="keras_aegan")
class EBGAN(AdversarialTrainer):
    """Energy-based GAN: an autoencoder as discriminator, with a margin.

    Three networks: a generator `G: z -> x` and an autoencoder
    discriminator `discriminator_encoder: x -> h` (an embedding of size
    `hidden_dim`), `discriminator_decoder: h -> x`. The energy of a sample
    is its reconstruction error, `D(x) = mean_elements (x - dec(enc(x)))^2`.
    The discriminator is kept as two networks so that the embedding `h`
    of generated samples is reachable for the pull-away term, and either
    half can be replaced by any Keras model of the right shapes. One
    train step has two phases:

    - `discriminator` (updates the autoencoder):
      `mean_batch D(x) + mean_batch max(0, m - D(G(z)))`, the hinge
      taken per sample as in the paper's `L_D(x, z)`.
    - `generator` (updates `G`):
      `mean_batch D(G(z)) + lambda_pt * PT(enc(G(z)))`, where `PT` is the
      pull-away term (`pull_away_term`: mean squared cosine similarity of
      the embeddings of distinct generated samples), which pushes the
      generated batch apart in the discriminator's feature space.

    Logged every step: `d_real` (mean `D(x)`), `d_generated` (mean
    `D(G(z))`), `d_margin` (the hinge term), `g_generated`, `pull_away`
    and the phase totals. The adversarial loss options of logit
    discriminators (non-saturating, hinge, least squares, Wasserstein)
    do not apply: EBGAN's discriminator outputs reconstructions, whose
    error is the energy.

    Margin: energies are per-element means in network units (images in
    [-1, 1], vectors standardised per feature), so reconstructing every
    sample by the data mean costs an energy equal to the mean per-element
    variance: 1 for vectors, 0.18 for the built-in digits. The default
    `m = 1.0` asks the discriminator to keep generated vectors at least
    as badly reconstructed as knowing nothing about them, and no more (a
    larger margin keeps the hinge active on samples already far from the
    data). On the ring, `m = 0.3` and `m = 1.0` covered as many modes on
    average (6 seeds, JAX, 600 steps). The paper tunes `m` per data set;
    for images, or networks whose outputs have another scale, set it
    from `d_real` and `d_generated` early in training, e.g. to a few
    times `d_real`.

    Networks left as `None` are built on the first `fit()` from the
    data: the package's default generator and, for the autoencoder, the
    default encoder (to `hidden_dim`) and a generator-shaped decoder (see
    `keras_aegan.networks.autoencoder`). `width` sets their width (MLP
    units for vectors, default 128; channels of the highest-resolution
    conv block for images, default 32). EBGAN has no inference encoder,
    so the model has no `encode`; the discriminator's reconstruction is
    `discriminator_reconstruct(x)`.

    Defaults: `lambda_pt = 0.1` (paper), `m = 1.0` (see above), Adam
    with learning rate 2e-4 and `beta_1 = 0.5` for both phases (DCGAN's
    settings, whose architecture the paper's networks follow; the paper
    tunes the optimizer per data set). `latent_dim` is 32 for images and
    the number of features otherwise; `hidden_dim` is 64 for images and
    8 otherwise.

    Mode coverage: on the 8-mode ring (`keras_aegan.datasets.make_ring`,
    std 0.01) with the default networks and `Adam(1e-3, beta_1=0.5)` for
    both phases, 600 steps of batch 256 covered at least 4 of 8 modes on
    every backend (2,500 samples, within 3 std; tests/ebgan_test.py),
    with few samples within 3 std of a centre (6 to 25 %).

    Args:
        latent_dim: Size of the noise. Default: the generator's input size
            when a generator is given, else see above.
        hidden_dim: Size of the discriminator's embedding. Default: the
            output size of a given `discriminator_encoder`, else see
            above.
        generator: Optional Keras model `z -> x` (network units).
        discriminator_encoder: Optional Keras model `x -> (batch,
            hidden_dim)`.
        discriminator_decoder: Optional Keras model `(batch, hidden_dim)
            -> x`.
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`; with EMA, `generate(ema=True)` uses
            the generator's moving average) and `keras.Model`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = EBGAN()
    model.compile(margin=0.5)
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    ```

    Reference:
        - [Zhao et al., "Energy-based Generative Adversarial Network",
          2016](https://arxiv.org/abs/1609.03126)
    """

    network_names = (
        "generator",
        "discriminator_encoder",
        "discriminator_decoder",
    )
    ema_network_names = ("generator",)

    def __init__(
        self,
        latent_dim=None,
        hidden_dim=None,
        generator=None,
        discriminator_encoder=None,
        discriminator_decoder=None,
        width=None,
        seed=None,
        **kwargs,
    ):
        autoencoder.check_networks_given(
            generator=generator,
            discriminator_encoder=discriminator_encoder,
            discriminator_decoder=discriminator_decoder,
        )
        if latent_dim is None and generator is not None:
            latent_dim = networks.input_size(generator, "generator")
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        if hidden_dim is None and discriminator_encoder is not None:
            hidden_dim = autoencoder.output_size(
                discriminator_encoder, "discriminator_encoder"
            )
        if hidden_dim is not None:
            hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        if width is not None:
            width = check_positive_int("width", width)
        self.hidden_dim = hidden_dim
        self.width = width
        self.generator = generator
        self.discriminator_encoder = discriminator_encoder
        self.discriminator_decoder = discriminator_decoder
        self.margin = 1.0

    # ------------------------------------------------------------- networks
    def build_networks(self, data_shape):
        if self.latent_dim is None:
            self.latent_dim = networks.default_latent_dim(data_shape)
        if self.hidden_dim is None:
            self.hidden_dim = (
                autoencoder.DEFAULT_IMAGE_HIDDEN_DIM
                if len(data_shape) == 3
                else VECTOR_HIDDEN_DIM
            )
        if self.generator is None:
            self.generator = networks.default_network(
                "generator", data_shape, self.latent_dim, self.width
            )
        if (
            self.discriminator_encoder is None
            or self.discriminator_decoder is None
        ):
            encoder, decoder = autoencoder.autoencoder_discriminator(
                data_shape, self.hidden_dim, self.width
            )
            if self.discriminator_encoder is None:
                self.discriminator_encoder = encoder
            if self.discriminator_decoder is None:
                self.discriminator_decoder = decoder
        networks.check_network(
            self.generator, "generator", (self.latent_dim,), data_shape
        )
        autoencoder.check_autoencoder(
            self.discriminator_encoder,
            self.discriminator_decoder,
            data_shape,
            self.hidden_dim,
        )

    # --------------------------------------------------------------- phases
    def build_phases(self):
        return [
            Phase(
                "discriminator",
                networks=("discriminator_encoder", "discriminator_decoder"),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("d_real", "d_generated", "d_margin"),
            ),
            Phase(
                "generator",
                networks=("generator",),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_generated", "pull_away"),
            ),
        ]

    def default_optimizers(self):
        return {
            "discriminator_optimizer": keras.optimizers.Adam(
                learning_rate=2e-4, beta_1=0.5
            ),
            "generator_optimizer": keras.optimizers.Adam(
                learning_rate=2e-4, beta_1=0.5
            ),
        }

    def default_loss_weights(self):
        return {"pull_away": 0.1}

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        margin=1.0,
        loss_weights=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        **kwargs,
    ):
        """Configures training.

        Args:
            generator_optimizer: Optimizer of `G`. Default
                `Adam(2e-4, beta_1=0.5)`.
            discriminator_optimizer: Optimizer of the autoencoder. Default
                `Adam(2e-4, beta_1=0.5)`.
            margin: The margin `m` > 0 of the discriminator's hinge on the
                energy of generated samples. Default 1.0 (see the class
                docstring).
            loss_weights: Dict overriding `pull_away` (`lambda_pt`,
                default 0.1; 0 turns the pull-away term off).
            run_eagerly: Run the step eagerly.
            steps_per_execution: Steps per compiled call.
            jit_compile: `"auto"`, True or False.
            **kwargs: Refused with a `TypeError` that lists the accepted
                arguments (EBGAN defines its own losses, and each phase
                has its own optimizer).
        """
        if kwargs:
            raise TypeError(
                f"EBGAN.compile() got unknown arguments {sorted(kwargs)}. "
                "EBGAN defines its own losses; it takes "
                "generator_optimizer, discriminator_optimizer, margin, "
                "loss_weights, run_eagerly, steps_per_execution and "
                "jit_compile."
            )
        if (
            isinstance(margin, bool)
            or not isinstance(margin, numbers.Real)
            or not math.isfinite(margin)
            or margin <= 0
        ):
            raise ValueError(
                f"`margin` must be a positive number. Received: "
                f"margin={margin!r}"
            )
        for key, value in dict(loss_weights or {}).items():
            if isinstance(value, numbers.Real) and value < 0:
                raise ValueError(
                    f"Loss weights must be non-negative. Received: "
                    f"{key}={value!r}"
                )
        self.margin = float(margin)
        self._compile_phases(
            {
                "generator_optimizer": generator_optimizer,
                "discriminator_optimizer": discriminator_optimizer,
            },
            loss_weights,
            {"margin": self.margin},
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
        )

    # --------------------------------------------------------------- losses
    def energies(self, v, training=True):
        """Per-sample energies `(batch,)` and embeddings of a batch."""
        h = self.discriminator_encoder(v, training=training)
        r = self.discriminator_decoder(h, training=training)
        d = ops.square(ops.cast(v, "float32") - ops.cast(r, "float32"))
        axes = tuple(range(1, len(d.shape)))
        return ops.mean(d, axis=axes), h

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        x_generated = ops.stop_gradient(
            self.generator(noise["discriminator"], training=training)
        )
        real, _ = self.energies(x, training)
        generated, _ = self.energies(x_generated, training)
        hinge = ops.mean(ops.relu(self.margin - generated))
        d_real = ops.mean(real)
        return d_real + hinge, {
            "d_real": d_real,
            "d_generated": ops.mean(generated),
            "d_margin": hinge,
        }

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        x_generated = self.generator(noise["generator"], training=training)
        generated, h = self.energies(x_generated, training)
        g_generated = ops.mean(generated)
        pull_away = pull_away_term(h)
        total = g_generated + self.loss_weights["pull_away"] * pull_away
        return total, {"g_generated": g_generated, "pull_away": pull_away}

    # ---------------------------------------------------------- user methods
    def discriminator_reconstruct(self, x, batch_size=256):
        """Returns the discriminator's reconstruction of `x` (user units).

        Args:
            x: NumPy array of samples shaped like the training data.
            batch_size: Batch size of the network calls.

        Returns:
            NumPy array shaped like `x`.
        """
        self._require_built("discriminator_reconstruct")
        h = self.discriminator_encoder.predict(
            self._to_network_units(x), batch_size=batch_size, verbose=0
        )
        y = self.discriminator_decoder.predict(
            h, batch_size=batch_size, verbose=0
        )
        return self.data_scaler.to_user_numpy(y)

    def get_config(self):
        config = super().get_config()
        config["hidden_dim"] = self.hidden_dim
        config["width"] = self.width
        return config
