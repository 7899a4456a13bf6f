"""GANomaly: an encoder-decoder-encoder generator against a discriminator."""

import keras
from keras import ops

from keras_aegan.losses import mean_absolute_error
from keras_aegan.losses import mean_squared_error
from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.encoder_methods import EncoderMethods
from keras_aegan.trainers.phase import Phase

#: The paper's loss weights (`w_adv`, `w_con`, `w_enc`).
LOSS_WEIGHTS = {"adversarial": 1.0, "contextual": 50.0, "encoding": 1.0}


def feature_extractor(discriminator, name="discriminator_features"):
    """The input of a discriminator's output layer, as a Keras model.

    The extractor shares the discriminator's layers (and so its
    variables): it is a view, not a copy.

    Args:
        discriminator: A functional or Sequential Keras model whose last
            layer maps one tensor of features to the logits.
        name: Name of the returned model.

    Returns:
        A `keras.Model` from the discriminator's input to the input of
        its output layer.

    Example:

    ```python
    d = keras_aegan.networks.image_discriminator((16, 16, 1), 8)
    f = feature_extractor(d)
    f(np.zeros((2, 16, 16, 1))).shape  # (2, 256)
    ```
    """
    try:
        inputs = discriminator.inputs
        features = discriminator.layers[-1].input
    except (AttributeError, IndexError, TypeError, ValueError) as e:
        raise ValueError(
            "Feature matching reads the discriminator's intermediate "
            "features, which needs a functional or Sequential keras.Model "
            "(or feature_matching=False). Received: a discriminator of "
            f"type {type(discriminator).__name__} ({e})"
        ) from e
    if not isinstance(features, keras.KerasTensor):
        raise ValueError(
            "Feature matching takes the input of the discriminator's "
            "output layer as its features, which must be one tensor. "
            f"Received: output layer {discriminator.layers[-1].name!r} "
            f"taking {features!r}"
        )
    if len(inputs) == 1:
        inputs = inputs[0]
    return keras.Model(inputs, features, name=name)


@keras.saving.register_keras_serializable(package="keras_aegan")
class GANomaly(EncoderMethods, AdversarialTrainer):
    """GANomaly: an encoder-decoder-encoder generator and a discriminator.

    Four networks: the generator of the paper is three of them, an
    encoder `GE: x -> z`, a decoder (the `generator`) `GD: z -> x` and a
    second encoder (the `reencoder`) `E: x -> z`, chained as
    `z = GE(x)`, `x_hat = GD(z)`, `z_hat = E(x_hat)`; the fourth is a
    discriminator `D: x -> (batch, 1)` logits. One train step has two
    phases:

    - `discriminator` (updates `D`): binary cross-entropy with target 1
      for `x` and 0 for `x_hat`, `d_real + d_reconstructed` (the
      discriminator terms of `adversarial_loss`), plus the optional
      gradient penalty (`d_penalty`).
    - `generator` (updates `GE`, `GD` and `E`):
      `w_adv * g_adversarial + w_con * contextual + w_enc * encoding`
      with `contextual = mean(|x - x_hat|)` (L1 over every value),
      `encoding = mean((z - z_hat)^2)` and, with `feature_matching`
      (the default, as in the paper), `g_adversarial =
      mean((f(x) - f(x_hat))^2)` where `f` is the input of
      `D`'s output layer (its penultimate features), each sample
      matched with its own reconstruction; with
      `feature_matching=False` the generator term of
      `adversarial_loss` on `D(x_hat)` (non-saturating
      `-log sigmoid(D(x_hat))` by default).

    Terms are logged unweighted under their own names, the weighted
    totals as `discriminator_loss` and `generator_loss`. The networks
    are only ever trained on data and its reconstructions: no prior
    sample goes through the decoder during training, so `generate()`
    (the decoder on `N(0, I)` samples) gives whatever the decoder makes
    of codes the encoder was never asked to produce; GANomaly is a
    detector, not a sampler.

    The anomaly score of the paper is the distance between the two
    codes, `||GE(x) - E(GD(GE(x)))||`: `keras_aegan.anomaly`'s
    `"latent"` score, which reads `E` through the class attribute
    `anomaly_parts`. The paper writes it with an L1 norm; the authors'
    code and this package use the mean squared difference. The default
    score of `AnomalyDetector(model="ganomaly")` (`anomaly_score`) is
    `"reconstruction"`, `||x - GD(GE(x))||^2`: it ranked anomalies
    better than the latent score in every protocol of
    `benchmarks/anomaly` (breast cancer 0.930 against 0.893 AUROC,
    3 seeds; digits one class anomalous 0.90-0.92 against 0.53-0.59,
    one class normal 0.999 against 0.905, screening runs).

    `compile()` takes `generator_optimizer` (`GE`, `GD`, `E`) and
    `discriminator_optimizer` (`D`), both `Adam(2e-4, beta_1=0.5)` by
    default (DCGAN's setting; GANomaly is trained with Adam and
    `beta_1=0.5`), and `loss_weights` overriding
    `adversarial` (`w_adv`, 1), `contextual` (`w_con`, 50) and
    `encoding` (`w_enc`, 1), the paper's defaults. The authors' code
    also re-initialises `D` whenever its loss falls below 1e-5; this
    implementation does not.

    Networks left as `None` are built on the first `fit()` (see
    `keras_aegan.networks.default_network`): DCGAN-style conv nets for
    images (`width` channels, default 32), MLPs of `width` units
    (default 128) for vectors, 1-D conv nets for sequences. Both
    encoders are the default encoder of the data.

    Args:
        latent_dim: Size of the code. Default: a given generator's input
            size, else `keras_aegan.networks.default_latent_dim(
            data_shape)`.
        generator: Optional Keras model `z -> x`, the decoder `GD`
            (network units: images in [-1, 1], vectors standardised).
        encoder: Optional Keras model `x -> z`, the first encoder `GE`.
        reencoder: Optional Keras model `x -> z`, the second encoder
            `E` of reconstructions.
        discriminator: Optional Keras model `x -> (batch, 1)` logits.
            With `feature_matching` it must be functional or
            Sequential (its last layer's input are the features).
        width: Width of the default networks (see above).
        seed: Seed of the noise generator and of `generate()`.
        feature_matching: True (default, the paper's): the adversarial
            term of the generator is the feature-matching loss; False:
            the generator term of `adversarial_loss`.
        adversarial_loss: `"non_saturating"` (default: binary
            cross-entropy for `D`), `"hinge"`, `"least_squares"` or
            `"wasserstein"` (see `keras_aegan.losses`).
        penalty: `None` (default), `"gp"`, `"r1"` or `"r2"`: a gradient
            penalty on `D` (the default conv `D` then has no BatchNorm).
        penalty_weight: Weight of the penalty (default 10).
        penalty_interval: Compute the penalty every this many steps,
            scaled up by the interval (default 1).
        **kwargs: Passed to `AdversarialTrainer` (`noise`,
            `on_nonfinite`, `ema_decay`, `ema_warmup`; the moving
            average covers both encoders and the decoder) and
            `keras.Model` (e.g. `name`, `dtype`).

    Example:

    ```python
    (x, y), (x_test, y_test) = keras_aegan.datasets.load_digits()
    model = keras_aegan.models.GANomaly(seed=0)
    model.fit(x[y == 3], epochs=20, batch_size=32)  # one normal class
    detector = keras_aegan.anomaly.AnomalyDetector(model=model)
    detector.fit(x[y == 3])  # wraps the trained model
    scores = detector.decision_function(x_test)  # higher: anomalous
    paper = keras_aegan.anomaly.AnomalyDetector(model=model, score="latent")
    paper_scores = paper.fit(x[y == 3]).decision_function(x_test)
    recons = model.reconstruct(x_test[:8])
    ```

    Reference:
        - [Akcay et al., "GANomaly: Semi-Supervised Anomaly Detection
          via Adversarial Training", 2018](
          https://arxiv.org/abs/1805.06725)
    """

    network_names = ("generator", "encoder", "reencoder", "discriminator")
    ema_network_names = ("generator", "encoder", "reencoder")
    #: The networks `keras_aegan.anomaly.ModelScorer` scores with: the
    #: `"latent"` score encodes reconstructions with the second encoder.
    anomaly_parts = {
        "encoder": "encoder",
        "generator": "generator",
        "latent_encoder": "reencoder",
        "discriminator": "discriminator",
    }
    #: The score `AnomalyDetector(score=None)` uses for this model (the
    #: paper's is `"latent"`; see the class docstring for why not).
    anomaly_score = "reconstruction"

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        reencoder=None,
        discriminator=None,
        width=None,
        seed=None,
        feature_matching=True,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        **kwargs,
    ):
        if not isinstance(feature_matching, bool):
            raise ValueError(
                "`feature_matching` must be True or False. Received: "
                f"feature_matching={feature_matching!r}"
            )
        super().__init__(latent_dim=latent_dim, seed=seed, **kwargs)
        self.objective = AdversarialObjective(
            adversarial_loss, penalty, penalty_weight, penalty_interval
        )
        self.feature_matching = feature_matching
        self.init_networks(
            width,
            generator=generator,
            encoder=encoder,
            reencoder=reencoder,
            discriminator=discriminator,
        )
        # Not tracked: a view on the discriminator's own variables.
        object.__setattr__(self, "_features", None)

    # ------------------------------------------------------------- networks
    def build_networks(self, data_shape):
        self.build_default_networks(
            data_shape,
            {
                "generator": "generator",
                "encoder": "encoder",
                "reencoder": "encoder",
                "discriminator": "data_discriminator",
            },
        )
        if self.feature_matching and self._features is None:
            object.__setattr__(
                self, "_features", feature_extractor(self.discriminator)
            )
        self.objective.build(self, (self.discriminator,))

    @property
    def discriminator_features(self):
        """`f`: the discriminator's penultimate features (feature matching).

        `None` before the networks are built or with
        `feature_matching=False`.
        """
        return self._features

    # --------------------------------------------------------------- phases
    def build_phases(self):
        penalty = () if self.objective.penalty is None else ("d_penalty",)
        return [
            Phase(
                "discriminator",
                networks=("discriminator",),
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=("d_real", "d_reconstructed") + penalty,
            ),
            Phase(
                "generator",
                networks=("encoder", "generator", "reencoder"),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_adversarial", "contextual", "encoding"),
            ),
        ]

    def noise_shapes(self):
        # No latent noise: every network sees data or its reconstruction.
        return self.objective.noise_shapes()

    def default_optimizers(self):
        return {
            name: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
            for name in ("discriminator_optimizer", "generator_optimizer")
        }

    def default_loss_weights(self):
        return dict(LOSS_WEIGHTS)

    # --------------------------------------------------------------- losses
    def _forward(self, x, training):
        z = self.encoder(x, training=training)
        x_hat = self.generator(z, training=training)
        z_hat = self.reencoder(x_hat, training=training)
        return z, x_hat, z_hat

    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        z = self.encoder(x, training=training)
        x_hat = ops.stop_gradient(self.generator(z, training=training))
        d = self.discriminator
        d_real, d_reconstructed = self.objective.loss.discriminator_terms(
            d(x, training=training), d(x_hat, training=training)
        )
        extra, terms = self.objective.penalty_terms(
            {"d_penalty": (d, x, x_hat)}, noise, training
        )
        terms.update(d_real=d_real, d_reconstructed=d_reconstructed)
        return d_real + d_reconstructed + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator phase. Returns `(total, terms)`."""
        z, x_hat, z_hat = self._forward(x, training)
        if self.feature_matching:
            f = self._features
            adversarial = mean_squared_error(
                f(x, training=training), f(x_hat, training=training)
            )
        else:
            adversarial = self.objective.loss.generator_term(
                self.discriminator(x_hat, training=training)
            )
        terms = {
            "g_adversarial": adversarial,
            "contextual": mean_absolute_error(x, x_hat),
            "encoding": mean_squared_error(z, z_hat),
        }
        w = self.loss_weights
        total = (
            w["adversarial"] * terms["g_adversarial"]
            + w["contextual"] * terms["contextual"]
            + w["encoding"] * terms["encoding"]
        )
        return total, terms

    def get_config(self):
        config = super().get_config()
        config["feature_matching"] = self.feature_matching
        return config
