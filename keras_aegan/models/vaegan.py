"""VAE/GAN: a VAE whose reconstruction error is measured by a discriminator."""

import keras
from keras import ops

from keras_aegan import networks
from keras_aegan.layers.reparameterization import Reparameterization
from keras_aegan.losses.divergence import gaussian_kl
from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.phase import Phase


def _feature_reconstruction(features_x, features_reconstructed):
    """`0.5 * ||Dis_l(x) - Dis_l(x~)||^2` per sample, averaged over a batch.

    The negative log-likelihood of `Dis_l(x)` under a unit-variance
    Gaussian centred on `Dis_l(x~)`, up to a constant: the paper's
    `L_llike^{Dis_l}`.
    """
    diff = ops.cast(features_x, "float32") - ops.cast(
        features_reconstructed, "float32"
    )
    diff = ops.reshape(diff, (ops.shape(diff)[0], -1))
    return 0.5 * ops.mean(ops.sum(ops.square(diff), axis=1))


def _split_default_discriminator(net):
    """(features, head) models from a default discriminator's last layer."""
    head_layer = net.layers[-1]
    features = keras.Model(
        net.inputs, head_layer.input, name="discriminator_features"
    )
    h = keras.Input(tuple(features.output.shape[1:]))
    head = keras.Model(h, head_layer(h), name="discriminator_head")
    return features, head


@keras.saving.register_keras_serializable(package="keras_aegan")
class VAEGAN(EncoderMethods, AdversarialTrainer):
    """VAE/GAN: variational autoencoder with a learned similarity metric.

    A variational encoder `E: x -> (mean, log_var)` of `q(z | x)`, a
    decoder (the generator) `G: z -> x` and a discriminator `Dis` in two
    networks: `discriminator_features` (`Dis_l: x -> h`, whose
    activations measure similarity) and `discriminator_head`
    (`h -> logit`). With `z~ = mean + exp(log_var / 2) * eps` (a
    `Reparameterization` layer), `x~ = G(z~)` and `x_p = G(z_p)`,
    `z_p ~ N(0, I)`, the losses (per sample, averaged over the batch) are
    `L_prior = KL(q(z | x) || N(0, I))` (summed over the code, see
    `keras_aegan.losses.divergence.gaussian_kl`), `L_llike = 0.5 *
    ||Dis_l(x) - Dis_l(x~)||^2` (summed over the features: a
    unit-variance Gaussian likelihood in feature space instead of pixel
    space) and GAN terms on `Dis(x)`, `Dis(x~)` and `Dis(x_p)`. A train
    step has three phases, each updating its own networks (Algorithm 1):

    - `discriminator` (updates `Dis_l` and the head):
      `dx_real + (dx_reconstructed + dx_generated) / 2` (the paper's
      `L_GAN`, real and generated samples weighted equally as in the
      authors' code).
    - `encoder` (updates `E`): `w_kl * L_prior + L_llike`. The GAN loss
      does not reach the encoder (the paper found this better).
    - `generator` (updates `G`): `gamma * L_llike + gx_reconstructed +
      gx_generated` (the paper's `gamma * L_llike - L_GAN`, with the
      generator term of `adversarial_loss`, non-saturating by default).

    `gamma` weighs content against style; the paper leaves its value
    open (its authors' code used 1e-5 to 1e-2 for 64x64 faces, with
    `L_llike` summed over ~16k features). Default 1e-2: on the digits
    (1,024 default features) it scored a better digits-FID than 0.1
    (benchmarks/README.md, "Measured once"). Since `L_llike` grows with
    the number of features, smaller feature layers want a larger gamma
    (0.1 for 2-D toy data).
    The eps and `z_p` of a step are the step's noise `"epsilon"` and
    `"prior"` (shared by the three phases, as in the paper's single
    forward pass; feed them with `fit({"x": x, "noise": {...}})`).
    Outside training (`evaluate`) `z~` is the posterior mean.

    `compile()` takes `encoder_optimizer`, `generator_optimizer` and
    `discriminator_optimizer` (the paper's `RMSprop(3e-4)` by default)
    and `loss_weights` overriding `kl` (`w_kl`, 1: the evidence lower
    bound) and/or `gamma` (1e-2).

    Every term is logged unweighted under its own name; the weighted
    totals as `{phase}_loss`. Networks left as `None` are built on the
    first `fit()` (see `keras_aegan.networks.default_network`): the
    default encoder with `2 * latent_dim` outputs; the default data
    discriminator split before its last layer into `Dis_l` (the flattened
    last conv block for images, the last hidden layer for vectors) and a
    linear head.

    Args:
        latent_dim: Size of the code. Default: the generator's input size
            when a generator is given, else
            `keras_aegan.networks.default_latent_dim(data_shape)`.
        generator: Optional Keras model `z -> x` (the decoder; network
            units: images in [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> (batch, 2 * latent_dim)`: the
            posterior mean (first half) and log-variance (second half).
        discriminator_features: Optional Keras model `x -> h`, any
            feature shape (`Dis_l`).
        discriminator_head: Optional Keras model `h -> (batch, 1)`
            logits. Give both discriminator networks or neither.
        width: Width of the default networks.
        seed: Seed of the noise generator and of `generate()`.
        adversarial_loss: `"non_saturating"` (default, the paper's),
            `"hinge"`, `"least_squares"` or `"wasserstein"`.
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on the discriminator (real `x`, fake `x_p`), logged
            as `dx_penalty`.
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`noise`, `on_nonfinite`,
            `ema_decay`, `ema_warmup`) and `keras.Model`.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = VAEGAN()
    model.fit(x, epochs=5, batch_size=64)
    images = model.generate(16)
    codes = model.encode(x[:8])  # posterior means
    ```

    Reference:
        - [Larsen et al., "Autoencoding beyond pixels using a learned
          similarity metric", 2016](https://arxiv.org/abs/1512.09300)
    """

    network_names = (
        "generator",
        "encoder",
        "discriminator_features",
        "discriminator_head",
    )
    ema_network_names = ("generator", "encoder")

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        discriminator_features=None,
        discriminator_head=None,
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
            discriminator_features=discriminator_features,
            discriminator_head=discriminator_head,
        )
        if (discriminator_features is None) != (discriminator_head is None):
            raise ValueError(
                "Pass both `discriminator_features` and `discriminator_head`"
                ", or neither. Received: discriminator_features="
                f"{discriminator_features!r}, discriminator_head="
                f"{discriminator_head!r}"
            )
        # Draws nothing in training: the step's noise supplies epsilon.
        self.reparameterization = Reparameterization(
            self.seed, name="reparameterization"
        )
        object.__setattr__(self, "_discriminator", None)

    # ------------------------------------------------------------- networks
    def build_networks(self, data_shape):
        self.build_default_networks(data_shape, {"generator": "generator"})
        z_dim, width = self.latent_dim, self.width
        if self.encoder is None:
            self.encoder = networks.default_network(
                "encoder", data_shape, 2 * z_dim, width
            )
        if self.discriminator_features is None:
            net = networks.default_network(
                "data_discriminator", data_shape, z_dim, width
            )
            self.discriminator_features, self.discriminator_head = (
                _split_default_discriminator(net)
            )
        try:
            networks.check_network(
                self.encoder, "encoder", data_shape, (2 * z_dim,)
            )
        except ValueError as error:
            raise ValueError(
                f"{error} The VAEGAN encoder outputs the mean and the "
                "log-variance of q(z | x) concatenated: 2 * latent_dim = "
                f"{2 * z_dim} values per sample."
            ) from error
        features, head = self.discriminator_features, self.discriminator_head
        try:
            spec = features.compute_output_spec(
                keras.KerasTensor((2,) + tuple(data_shape), dtype="float32")
            )
            feature_shape = tuple(spec.shape[1:])
        except Exception as e:
            raise ValueError(
                "`discriminator_features` must map inputs of shape (batch, "
                f"{', '.join(map(str, data_shape))}) to one tensor: {e}"
            ) from e
        if not features.built:
            features.build((None,) + tuple(data_shape))
        networks.check_network(head, "discriminator_head", feature_shape, (1,))
        if self._discriminator is None:
            inputs = keras.Input(data_shape)
            # Not tracked: its variables are the two networks' own.
            object.__setattr__(
                self,
                "_discriminator",
                keras.Model(inputs, head(features(inputs)), name="dis"),
            )
        self.objective.build(self, (self.discriminator,))

    @property
    def discriminator(self):
        """`Dis`: features then head as one model, `x -> logits`."""
        return self._discriminator

    # --------------------------------------------------------------- phases
    def build_phases(self):
        penalty = () if self.objective.penalty is None else ("dx_penalty",)
        return [
            Phase(
                "discriminator",
                networks=("discriminator_features", "discriminator_head"),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("dx_real", "dx_reconstructed", "dx_generated") + penalty,
            ),
            Phase(
                "encoder",
                networks=("encoder",),
                optimizer="encoder_optimizer",
                loss=self.encoder_loss,
                terms=("kl", "feature_reconstruction"),
            ),
            Phase(
                "generator",
                networks=("generator",),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=(
                    "generator_feature_reconstruction",
                    "gx_reconstructed",
                    "gx_generated",
                ),
            ),
        ]

    def noise_shapes(self):
        shapes = {"epsilon": (self.latent_dim,), "prior": (self.latent_dim,)}
        shapes.update(self.objective.noise_shapes())
        return shapes

    def default_optimizers(self):
        # The paper: RMSProp, learning rate 3e-4, for all three networks.
        names = ("discriminator", "encoder", "generator")
        return {
            f"{name}_optimizer": keras.optimizers.RMSprop(learning_rate=3e-4)
            for name in names
        }

    def default_loss_weights(self):
        return {"kl": 1.0, "gamma": 1e-2}

    # --------------------------------------------------------------- losses
    def _posterior(self, x, training):
        moments = self.encoder(x, training=training)
        d = self.latent_dim
        return moments[:, :d], moments[:, d:]

    def _sample(self, mean, log_var, noise, training):
        return self.reparameterization(
            [mean, log_var], training=training, epsilon=noise["epsilon"]
        )

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = self._sample(mean, log_var, noise, training)
        x_reconstructed = ops.stop_gradient(
            self.generator(z, training=training)
        )
        x_generated = ops.stop_gradient(
            self.generator(noise["prior"], training=training)
        )
        dis = self._discriminator
        adv = self.objective.loss
        dx_real, dx_reconstructed = adv.discriminator_terms(
            dis(x, training=training),
            dis(x_reconstructed, training=training),
        )
        terms = {
            "dx_real": dx_real,
            "dx_reconstructed": dx_reconstructed,
            "dx_generated": adv.discriminator_fake_term(
                dis(x_generated, training=training)
            ),
        }
        extra, penalty_terms = self.objective.penalty_terms(
            {"dx_penalty": (dis, x, x_generated)}, noise, training
        )
        terms.update(penalty_terms)
        fakes = 0.5 * (dx_reconstructed + terms["dx_generated"])
        return dx_real + fakes + extra, terms

    def encoder_loss(self, x, noise, training=True):
        """Loss of the encoder phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = self._sample(mean, log_var, noise, training)
        x_reconstructed = self.generator(z, training=training)
        features = self.discriminator_features
        terms = {
            "kl": gaussian_kl(mean, log_var),
            "feature_reconstruction": _feature_reconstruction(
                features(x, training=training),
                features(x_reconstructed, training=training),
            ),
        }
        total = (
            self.loss_weights["kl"] * terms["kl"]
            + terms["feature_reconstruction"]
        )
        return total, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        mean, log_var = self._posterior(x, training)
        z = ops.stop_gradient(self._sample(mean, log_var, noise, training))
        x_reconstructed = self.generator(z, training=training)
        x_generated = self.generator(noise["prior"], training=training)
        features = self.discriminator_features
        head = self.discriminator_head
        h_reconstructed = features(x_reconstructed, training=training)
        g = self.objective.loss.generator_term
        terms = {
            "generator_feature_reconstruction": _feature_reconstruction(
                features(x, training=training), h_reconstructed
            ),
            "gx_reconstructed": g(head(h_reconstructed, training=training)),
            "gx_generated": g(
                self._discriminator(x_generated, training=training)
            ),
        }
        total = (
            self.loss_weights["gamma"]
            * terms["generator_feature_reconstruction"]
            + terms["gx_reconstructed"]
            + terms["gx_generated"]
        )
        return total, terms

    # ---------------------------------------------------------- user methods
    def codes_from_encoder_output(self, outputs):
        """The posterior means: the first half of the encoder's output."""
        return outputs[:, : self.latent_dim]
