"""BEGAN: boundary equilibrium GAN with an autoencoder discriminator."""

import functools
import math

import keras
from keras import ops

from keras_aegan.losses import mean_absolute_error
from keras_aegan.models.autoencoder_discriminator_gan import (
    AutoencoderDiscriminatorGAN,
)
from keras_aegan.networks import autoencoder
from keras_aegan.utils.validation import check_in_range

#: Latent size of the default image networks (BEGAN's `N_z`).
IMAGE_LATENT_DIM = 64


@keras.saving.register_keras_serializable(package="keras_aegan")
class BEGAN(AutoencoderDiscriminatorGAN):
    """Boundary equilibrium GAN: an autoencoder as discriminator.

    Three networks: a generator `G: z -> x` and an autoencoder
    discriminator `D(v) = discriminator_decoder(discriminator_encoder(v))`
    with an embedding of size `hidden_dim` (see
    `AutoencoderDiscriminatorGAN`). The energy of a batch is its L1
    reconstruction error `L(v) = mean |v - D(v)|` (the paper's
    `eta = 1`). One train step has two phases:

    - `discriminator` (updates `D`): `L(x) - k_t * L(G(z))`.
    - `generator` (updates `G`): `L(G(z))`, with its own noise batch.

    The equilibrium variable `k_t` (`model.k`, from `k_0`) balances the two
    terms so that `E[L(G(z))] = gamma * E[L(x)]`; after each
    discriminator phase, inside the compiled step,
    `k_{t+1} = clip(k_t + lambda_k * (gamma * L(x) - L(G(z))), 0, 1)`,
    computed from that phase's energies, i.e. with the weights before
    this step's updates, as in the paper's simultaneous updates (the
    paper writes the generator's noise `z_G`; the discriminator's own
    batch is an independent draw of the same prior, which saves a
    forward pass). `k_t` is a non-trainable model variable: it is saved
    with the model and a resumed or reloaded model continues from it. A
    non-finite update leaves it unchanged.

    Logged every step: `d_real` (`L(x)`), `d_generated` (`L(G(z))` in
    the discriminator phase), `k` (the `k_t` that phase used),
    `convergence` (the paper's `M_global = L(x) + |gamma L(x) -
    L(G(z))|`, which falls as training converges), `g_generated` and the
    phase totals `discriminator_loss` and `generator_loss`. The
    adversarial loss options of logit discriminators (non-saturating,
    hinge, least squares, Wasserstein) do not apply: BEGAN's
    discriminator outputs reconstructions, not logits.

    Networks left as `None` are built on the first `fit()` (see
    `AutoencoderDiscriminatorGAN`). BEGAN has no inference encoder, so
    the model has no `encode`; the discriminator's reconstruction is
    `discriminator_reconstruct(x)`. `compile()` takes
    `generator_optimizer` and `discriminator_optimizer`; BEGAN has no
    loss weights.

    Defaults from the paper: `N_z = N_h = 64` for images, `gamma = 0.5`
    (the paper shows 0.3 to 0.7; lower is sharper and less diverse),
    `lambda_k = 0.001`, `k_0 = 0`, Adam with learning rate 1e-4 for both
    phases. The paper decays the learning rate when `M_global` stalls;
    here it stays constant unless you pass a schedule. `beta_1 = 0.5`
    follows common BEGAN reimplementations (the paper does not give it).
    Other data: `latent_dim` = the number of features and
    `hidden_dim = max(1, features // 2)`, a bottleneck: an autoencoder
    as wide as the data can learn the identity and reconstruct fakes as
    well as reals (on the ring a wider embedding kept `k_t` near 0;
    benchmarks/README.md, "Measured once").

    Mode coverage: BEGAN collapses on the 8-mode ring
    (`keras_aegan.datasets.make_ring`, std 0.01; `tests/began_test.py`
    has the budget and the measured counts). The generated samples are
    rarely reconstructed much better than the real ones there, so `k_t`
    stays small and the discriminator hardly pushes collapsed samples
    apart. Prefer EBGAN or AEGAN where mode coverage matters.

    Args:
        latent_dim: Size of the noise. Default: the generator's input size
            when a generator is given, else 64 for images and the number
            of features otherwise.
        hidden_dim: Size of the discriminator's embedding. Default: the
            output size of a given `discriminator_encoder`, else 64 for
            images and `max(1, features // 2)` otherwise.
        generator: Optional Keras model `z -> x` (network units: images in
            [-1, 1], vectors standardised).
        discriminator_encoder: Optional Keras model `x -> (batch,
            hidden_dim)`.
        discriminator_decoder: Optional Keras model `(batch, hidden_dim)
            -> x`.
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        gamma: Diversity ratio `E[L(G(z))] / E[L(x)]` the equilibrium
            control aims for, in (0, 1]. Default 0.5.
        lambda_k: Proportional gain of the `k_t` update, >= 0 (0 keeps
            `k_t` where it is). Default 0.001.
        k_0: The value `k_t` starts from when the networks are built, in
            [0, 1]. Default 0 (the paper's). A positive start makes the
            discriminator push generated samples away from the first
            step: on the digits, where `k_t` otherwise never leaves 0 and
            the generator collapses to one class, `k_0=0.3` gave all 10
            classes (one seed; benchmarks/quality/README.md, "BEGAN's
            collapse"). To move `k_t` of a built model, assign
            `model.k`.
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`; with EMA, `generate(ema=True)` uses
            the generator's moving average) and `keras.Model`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = BEGAN(gamma=0.5)
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    float(model.k)  # the equilibrium variable k_t
    ```

    Reference:
        - [Berthelot et al., "BEGAN: Boundary Equilibrium Generative
          Adversarial Networks", 2017](https://arxiv.org/abs/1703.10717)
    """

    hyperparameters = {
        "gamma": functools.partial(
            check_in_range, low=0.0, high=1.0, low_open=True
        ),
        "lambda_k": functools.partial(check_in_range, low=0.0, high=math.inf),
    }
    deprecated_compile_arguments = ("gamma", "lambda_k")
    discriminator_terms = ("d_real", "d_generated", "k", "convergence")
    generator_terms = ("g_generated",)

    def __init__(
        self,
        latent_dim=None,
        hidden_dim=None,
        generator=None,
        discriminator_encoder=None,
        discriminator_decoder=None,
        width=None,
        seed=None,
        gamma=0.5,
        lambda_k=0.001,
        k_0=0.0,
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
        self.set_hyperparameters(gamma=gamma, lambda_k=lambda_k)
        # An initial condition, not a hyperparameter: it only sets the
        # value `k` is created with (`set_hyperparameters` promises an
        # effect on the next step, which a new k_0 would not have).
        self.k_0 = check_in_range("k_0", k_0, low=0.0, high=1.0)
        self.k = None

    def default_hidden_dim(self, data_shape):
        if len(data_shape) == 3:
            return autoencoder.DEFAULT_IMAGE_HIDDEN_DIM
        return max(1, data_shape[-1] // 2)

    def build_networks(self, data_shape):
        if self.latent_dim is None and len(data_shape) == 3:
            self.latent_dim = IMAGE_LATENT_DIM
        super().build_networks(data_shape)
        if self.k is None:
            # Created with the networks, so it exists before weights load.
            self.k = self.add_weight(
                shape=(),
                initializer=keras.initializers.Constant(self.k_0),
                dtype="float32",
                trainable=False,
                name="k",
            )

    def get_config(self):
        config = super().get_config()
        config["k_0"] = self.k_0
        return config

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    # --------------------------------------------------------------- losses
    def energy(self, v, training=True):
        """`L(v) = mean |v - D(v)|`, a scalar, for a batch in net units."""
        h = self.discriminator_encoder(v, training=training)
        return mean_absolute_error(
            v, self.discriminator_decoder(h, training=training)
        )

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`.

        In training, also moves `k_t` one step (see the class docstring).
        """
        x_generated = ops.stop_gradient(
            self.generator(noise["discriminator"], training=training)
        )
        real = self.energy(x, training)
        generated = self.energy(x_generated, training)
        # A copy: the in-place update below must not change the value the
        # loss (and, on PyTorch, its saved backward graph) used.
        k = ops.copy(ops.convert_to_tensor(self.k))
        balance = ops.stop_gradient(self.gamma * real - generated)
        convergence = ops.stop_gradient(real) + ops.abs(balance)
        if training:
            new_k = ops.clip(k + self.lambda_k * balance, 0.0, 1.0)
            self.k.assign(ops.where(ops.isfinite(new_k), new_k, k))
        total = real - k * generated
        return total, {
            "d_real": real,
            "d_generated": generated,
            "k": k,
            "convergence": convergence,
        }

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        x_generated = self.generator(noise["generator"], training=training)
        generated = self.energy(x_generated, training)
        return generated, {"g_generated": generated}
