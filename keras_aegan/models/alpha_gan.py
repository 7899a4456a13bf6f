"""alpha-GAN: an autoencoder with image and code discriminators."""

import keras
from keras import ops

from keras_aegan import networks
from keras_aegan.losses import mean_absolute_error
from keras_aegan.models.dual_discriminator_gan import DualDiscriminatorGAN


@keras.saving.register_keras_serializable(package="keras_aegan")
class AlphaGAN(DualDiscriminatorGAN):
    """alpha-GAN: variational auto-encoding GAN with two discriminators.

    Four networks: an encoder `E: x -> z`, a generator `G: z -> x`, an
    image discriminator `Dx` (data against `G(z)` and `G(E(x))`) and a
    code discriminator `Dz` (prior samples against `E(x)`). `Dx` is the
    paper's synthetic likelihood, `Dz` its implicit posterior. One train
    step has two phases:

    - `discriminator` (updates `Dx` and `Dz`): `real(Dx(x)) +
      fake(Dx(G(z))) + fake(Dx(G(E(x))))` and `real(Dz(z)) +
      fake(Dz(E(x)))`, the discriminator terms of `adversarial_loss`
      (cross-entropy by default), plus optional gradient penalties
      (`dx_penalty` on real against `G(z)`, `dz_penalty` on prior
      against `E(x)`).
    - `generator` (updates `G` and `E`):
      `w_r * L1(x, G(E(x))) + w_x * (adv(Dx(G(z))) + adv(Dx(G(E(x)))))
      + w_z * adv(Dz(E(x)))`. As in the paper's algorithm, `E` is
      trained by the reconstruction and the code term only, `G` by the
      reconstruction and the image terms: `Dx`'s term on `G(E(x))` sees
      `E(x)` as a constant. `adv` is the paper's density-ratio term
      `-log(D / (1 - D))`, i.e. minus the logit, when `density_ratio`
      is on (the default with the non-saturating loss), else the
      generator term of `adversarial_loss` (`-log D` for
      non-saturating).

    Differences from the paper's Algorithm 1, which updates `E`, then
    `G`, then `Dx`, then `Dz`, each after the previous update: here the
    two discriminators update together first, then `E` and `G` together
    from the same weights (a variable belongs to one phase). Each
    network still gets the gradient of its own loss from the paper.

    Terms are logged unweighted (`dx_real`, `dx_generated`,
    `dx_reconstructed`, `dz_prior`, `dz_encoded`, `reconstruction`,
    `gx_generated`, `gx_reconstructed`, `gz_encoded`) with the phase
    totals `discriminator_loss` and `generator_loss`.

    Networks left as `None` are built on the first `fit()` from the data
    as for `AEGAN`: MLPs (3 hidden layers of `width` units, default 128)
    for vectors, DCGAN-style conv nets for images (`width` channels at
    full resolution, default 32); `Dz` is an MLP.

    Defaults: the reconstruction is the L1 error (the paper's Laplace
    likelihood) averaged over elements, with weight `reconstruction=1`
    (the paper's lambda, the inverse scale of that likelihood, is a
    hyperparameter); Adam(2e-4, beta_1=0.5) for both phases (DCGAN's
    settings); no label smoothing. `compile()` takes
    `generator_optimizer` (`G` and `E`), `discriminator_optimizer` (`Dx`
    and `Dz`) and `loss_weights` overriding any of `reconstruction`
    (`w_r`, the paper's lambda), `adversarial_x` (`w_x`) and
    `adversarial_z` (`w_z`), all 1 by default.

    User methods (besides `fit`, `generate` and `decode`): `encode`,
    `reconstruct` and `interpolate` (see `EncoderMethods`).

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else
            `keras_aegan.networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (network units: images in
            [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`.
        image_discriminator: Optional Keras model `x -> (batch, 1)`.
        latent_discriminator: Optional Keras model `z -> (batch, 1)` (the
            code discriminator).
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        density_ratio: Use the paper's `-log(D / (1 - D))` as the
            adversarial term of `E` and `G`. `None` (default): on with
            the non-saturating loss. Only valid with that loss (the
            other objectives define their own generator term).
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"`, for both
            discriminators.
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on both discriminators.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`; the EMA covers
            the generator and the encoder) and `keras.Model`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AlphaGAN(seed=0)
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    recons = model.reconstruct(x[:8])
    ```

    Reference:
        - [Rosca et al., "Variational Approaches for Auto-Encoding
          Generative Adversarial Networks", 2017](
          https://arxiv.org/abs/1706.04987)
    """

    discriminator_terms = (
        "dx_real",
        "dx_generated",
        "dx_reconstructed",
        "dz_prior",
        "dz_encoded",
    )
    generator_terms = (
        "reconstruction",
        "gx_generated",
        "gx_reconstructed",
        "gz_encoded",
    )

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        image_discriminator=None,
        latent_discriminator=None,
        width=None,
        seed=None,
        density_ratio=None,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        **kwargs,
    ):
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
        loss_name = self.objective.adversarial_loss
        non_saturating = loss_name == "non_saturating"
        if density_ratio is None:
            density_ratio = non_saturating
        elif not isinstance(density_ratio, bool):
            raise ValueError(
                "`density_ratio` must be None, True or False. Received: "
                f"density_ratio={density_ratio!r}"
            )
        elif density_ratio and not non_saturating:
            raise ValueError(
                "`density_ratio=True` needs the non-saturating loss. "
                f"Received: adversarial_loss={loss_name!r}"
            )
        self.density_ratio = bool(density_ratio)

    # ------------------------------------------------------------- networks
    def default_network(self, role, data_shape, name):
        # The plain defaults, BatchNorm kept under a penalty too (not the
        # objective's penalised critic): the networks alpha-GAN has
        # always built.
        return networks.default_network(
            role, data_shape, self.latent_dim, self.width, name=name
        )

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    def default_loss_weights(self):
        return {
            "reconstruction": 1.0,
            "adversarial_x": 1.0,
            "adversarial_z": 1.0,
        }

    # --------------------------------------------------------------- losses
    def _generator_term(self, logits):
        if self.density_ratio:
            # -log(D / (1 - D)) with D = sigmoid(logits) is -logits.
            return -ops.mean(ops.cast(logits, "float32"))
        return self.objective.loss.generator_term(logits)

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = noise["discriminator"]
        z_encoded = ops.stop_gradient(self.encoder(x, training=training))
        x_generated = ops.stop_gradient(self.generator(z, training=training))
        x_reconstructed = ops.stop_gradient(
            self.generator(z_encoded, training=training)
        )
        dx = self.image_discriminator
        dz = self.latent_discriminator
        adv = self.objective.loss
        dx_real, dx_generated = adv.discriminator_terms(
            dx(x, training=training), dx(x_generated, training=training)
        )
        terms = {
            "dx_real": dx_real,
            "dx_generated": dx_generated,
            "dx_reconstructed": adv.discriminator_fake_term(
                dx(x_reconstructed, training=training)
            ),
        }
        terms["dz_prior"], terms["dz_encoded"] = adv.discriminator_terms(
            dz(z, training=training), dz(z_encoded, training=training)
        )
        total = sum(terms.values())
        extra, penalty_terms = self.discriminator_penalties(
            x, z, x_generated, z_encoded, noise, training
        )
        terms.update(penalty_terms)
        return total + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        z_encoded = self.encoder(x, training=training)
        x_generated = self.generator(z, training=training)
        x_reconstructed = self.generator(z_encoded, training=training)
        # Dx's term on reconstructions trains G only (paper, Algorithm 1):
        # a second pass of G on the code held constant.
        x_reconstructed_g = self.generator(
            ops.stop_gradient(z_encoded), training=training
        )
        dx = self.image_discriminator
        dz = self.latent_discriminator
        adv = self._generator_term
        terms = {
            "reconstruction": mean_absolute_error(x, x_reconstructed),
            "gx_generated": adv(dx(x_generated, training=training)),
            "gx_reconstructed": adv(dx(x_reconstructed_g, training=training)),
            "gz_encoded": adv(dz(z_encoded, training=training)),
        }
        w = self.loss_weights
        total = (
            w["reconstruction"] * terms["reconstruction"]
            + w["adversarial_x"]
            * (terms["gx_generated"] + terms["gx_reconstructed"])
            + w["adversarial_z"] * terms["gz_encoded"]
        )
        return total, terms

    def get_config(self):
        config = super().get_config()
        config["density_ratio"] = self.density_ratio
        return config
