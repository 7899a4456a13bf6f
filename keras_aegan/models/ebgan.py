"""EBGAN: energy-based GAN with an autoencoder discriminator."""

import keras
from keras import ops

from keras_aegan.models.autoencoder_discriminator_gan import (
    AutoencoderDiscriminatorGAN,
)
from keras_aegan.networks import autoencoder
from keras_aegan.utils.validation import check_positive

#: Embedding size of the default autoencoder for non-image data. Wider
#: than 2-D toy data on purpose: narrower embeddings covered fewer ring
#: modes (benchmarks/README.md, "Measured once").
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
class EBGAN(AutoencoderDiscriminatorGAN):
    """Energy-based GAN: an autoencoder as discriminator, with a margin.

    Three networks: a generator `G: z -> x` and an autoencoder
    discriminator `discriminator_encoder: x -> h` (an embedding of size
    `hidden_dim`), `discriminator_decoder: h -> x` (see
    `AutoencoderDiscriminatorGAN`). The energy of a sample is its
    reconstruction error, `D(x) = mean_elements (x - dec(enc(x)))^2`.
    One train step has two phases:

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
    data); on the ring a smaller margin did not cover more modes
    (benchmarks/README.md, "Measured once"). The paper tunes `m` per
    data set; for images, or networks whose outputs have another scale,
    set it from `d_real` and `d_generated` early in training, e.g. to a
    few times `d_real`.

    Networks left as `None` are built on the first `fit()` (see
    `AutoencoderDiscriminatorGAN`). EBGAN has no inference encoder, so
    the model has no `encode`; the discriminator's reconstruction is
    `discriminator_reconstruct(x)`. `compile()` takes
    `generator_optimizer`, `discriminator_optimizer` and
    `loss_weights={"pull_away": lambda_pt}` (0 turns the term off).

    Defaults: `lambda_pt = 0.1` (paper), `m = 1.0` (see above), Adam
    with learning rate 2e-4 and `beta_1 = 0.5` for both phases (DCGAN's
    settings, whose architecture the paper's networks follow; the paper
    tunes the optimizer per data set). `latent_dim` is
    `keras_aegan.networks.default_latent_dim(data_shape)`; `hidden_dim`
    is 64 for images and 8 otherwise.

    Mode coverage: EBGAN covers several modes of the 8-mode ring
    (`keras_aegan.datasets.make_ring`, std 0.01) in a small budget, with
    few sharp samples; `tests/ebgan_test.py` has the budget, the
    threshold and the measured counts.

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
        margin: The margin `m` > 0 of the discriminator's hinge on the
            energy of generated samples. Default 1.0 (see above).
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`; with EMA, `generate(ema=True)` uses
            the generator's moving average) and `keras.Model`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = EBGAN(margin=0.5)
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    ```

    Reference:
        - [Zhao et al., "Energy-based Generative Adversarial Network",
          2016](https://arxiv.org/abs/1609.03126)
    """

    hyperparameters = {"margin": check_positive}
    deprecated_compile_arguments = ("margin",)
    discriminator_terms = ("d_real", "d_generated", "d_margin")
    generator_terms = ("g_generated", "pull_away")

    def __init__(
        self,
        latent_dim=None,
        hidden_dim=None,
        generator=None,
        discriminator_encoder=None,
        discriminator_decoder=None,
        width=None,
        seed=None,
        margin=1.0,
        **kwargs,
    ):
        super().__init__(
            latent_dim,
            hidden_dim,
            generator,
            discriminator_encoder,
            discriminator_decoder,
            width,
            seed=seed,
            **kwargs,
        )
        self.set_hyperparameters(margin=margin)

    def default_hidden_dim(self, data_shape):
        if len(data_shape) == 3:
            return autoencoder.DEFAULT_IMAGE_HIDDEN_DIM
        return VECTOR_HIDDEN_DIM

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    def default_loss_weights(self):
        return {"pull_away": 0.1}

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
