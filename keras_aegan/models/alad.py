"""ALAD: a BiGAN with cycle discriminators on `x` and on `z`."""

import keras

from keras_aegan.models.bigan import BiGAN
from keras_aegan.networks.joint import check_pair_network
from keras_aegan.networks.joint import pair_discriminator
from keras_aegan.trainers.phase import Phase

# The cycle discriminators ALAD adds to BiGAN's networks.
_PAIR_NETWORKS = ("discriminator_xx", "discriminator_zz")


@keras.saving.register_keras_serializable(package="keras_aegan")
class ALAD(BiGAN):
    """Adversarially Learned Anomaly Detection (ALAD, Zenati et al. 2018).

    A BiGAN (generator `G: z -> x`, encoder `E: x -> z`, joint
    discriminator `D(x, z)`) with two more discriminators that enforce
    cycle consistency, as ALICE does:

    - `D_xx(x, x')` tells the pair `(x, x)` from `(x, G(E(x)))`;
    - `D_zz(z, z')` tells the pair `(z, z)` from `(z, E(G(z)))`.

    One train step has two phases:

    - `discriminator` (updates `D`, `D_xx`, `D_zz` with one optimizer):
      BiGAN's `real(D(x, E(x))) + fake(D(G(z), z))`, plus
      `real(D_xx(x, x)) + fake(D_xx(x, G(E(x))))` and
      `real(D_zz(z, z)) + fake(D_zz(z, E(G(z))))`, the discriminator
      terms of `adversarial_loss`; with `penalty`, the gradient penalty
      of each of the three on its own inputs.
    - `generator` (updates `G` and `E` together): BiGAN's two terms plus
      `adv(D_xx(x, G(E(x))))` and `adv(D_zz(z, E(G(z))))`, which pull
      reconstructions toward their inputs. ALAD's own generator loss
      also has the swapped-label terms on `(x, x)` and `(z, z)`; they do
      not depend on `G` or `E` (zero gradient), so they are left out.

    Terms are logged unweighted: `d_real`, `d_fake`, `dxx_real`,
    `dxx_fake`, `dzz_real`, `dzz_fake` (and `d_penalty`, `dxx_penalty`,
    `dzz_penalty` with a penalty), `g_generated`, `e_encoded`,
    `g_cycle_x`, `g_cycle_z`, with the phase totals.

    Anomaly scores (`keras_aegan.anomaly.AnomalyDetector(model="alad")`):
    ALAD's score compares `D_xx`'s features (the input of its output
    layer) of `(x, x)` and `(x, G(E(x)))`; here `score="feature"`
    (the default for this model) is `reconstruction + kappa *` that
    feature residual. `"reconstruction"`, `"latent"` and
    `"discriminator"` (the joint logit, as for BiGAN) work as for
    BiGAN.

    Networks left as `None` are built on the first `fit()`: BiGAN's
    (see `BiGAN`) and `keras_aegan.networks.joint.pair_discriminator`
    for `D_xx` on the data's shape and `D_zz` on `(latent_dim,)`.
    Defaults from the paper: Adam with learning rate 2e-4 and
    `beta_1=0.5` for both phases. The paper's spectral normalisation is
    not applied by default; `penalty="r1"` is this package's way to
    regularise the discriminators.

    Args:
        latent_dim: As for `BiGAN`.
        generator: As for `BiGAN`.
        encoder: As for `BiGAN`.
        discriminator: As for `BiGAN`: the joint `D(x, z)`.
        discriminator_xx: Optional Keras model called on `[x, x']`
            returning `(batch, 1)` logits.
        discriminator_zz: Optional Keras model called on `[z, z']`
            returning `(batch, 1)` logits.
        width: Width of every default network (see `BiGAN` and
            `pair_discriminator`).
        seed: As for `BiGAN`.
        adversarial_loss: As for `BiGAN`.
        penalty: As for `BiGAN`; applies to all three discriminators.
        penalty_weight: As for `BiGAN`.
        penalty_interval: As for `BiGAN`.
        **kwargs: As for `BiGAN`.

    Example:

    ```python
    x = keras_aegan.datasets.make_ring(2048, seed=0)
    model = keras_aegan.ALAD(seed=0)
    model.fit(x, epochs=2, batch_size=64)
    codes = model.encode(x[:8])
    detector = keras_aegan.anomaly.AnomalyDetector(model).fit(x)
    ```

    Reference:
        - [Zenati et al., "Adversarially Learned Anomaly Detection",
          2018](https://arxiv.org/abs/1812.02288)
        - [Li et al., "ALICE: Towards Understanding Adversarial Learning
          for Joint Distribution Matching", 2017](
          https://arxiv.org/abs/1709.01215)
    """

    network_names = BiGAN.network_names + _PAIR_NETWORKS
    anomaly_score = "feature"

    def __init__(
        self,
        latent_dim=None,
        generator=None,
        encoder=None,
        discriminator=None,
        discriminator_xx=None,
        discriminator_zz=None,
        width=None,
        seed=None,
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
            discriminator=discriminator,
            width=width,
            seed=seed,
            adversarial_loss=adversarial_loss,
            penalty=penalty,
            penalty_weight=penalty_weight,
            penalty_interval=penalty_interval,
            **kwargs,
        )
        # BiGAN set its three networks; these are ALAD's two more.
        self.init_networks(
            width,
            discriminator_xx=discriminator_xx,
            discriminator_zz=discriminator_zz,
        )

    # ------------------------------------------------------------- networks
    def _build_joint_networks(self, data_shape):
        super()._build_joint_networks(data_shape)
        shapes = {
            "discriminator_xx": tuple(data_shape),
            "discriminator_zz": (self.latent_dim,),
        }
        for name, shape in shapes.items():
            if getattr(self, name) is None:
                setattr(self, name, pair_discriminator(shape, self.width, name))
            check_pair_network(getattr(self, name), name, shape)

    def _penalised_networks(self):
        return (
            self.discriminator,
            self.discriminator_xx,
            self.discriminator_zz,
        )

    def pair_feature_network(self):
        """`[x, x'] -> features` of `D_xx` (the input of its output layer),
        a new `keras.Model` sharing `D_xx`'s layers: ALAD's anomaly score
        compares the features of `(x, x)` and `(x, G(E(x)))`."""
        net = self.discriminator_xx
        return keras.Model(
            net.inputs, net.layers[-1].input, name=f"{net.name}_features"
        )

    # --------------------------------------------------------------- phases
    def build_phases(self):
        penalty = ()
        if self.objective.penalty is not None:
            penalty = ("d_penalty", "dxx_penalty", "dzz_penalty")
        return [
            Phase(
                "discriminator",
                networks=("discriminator",) + _PAIR_NETWORKS,
                optimizer="discriminator_optimizer",
                loss=self.discriminator_loss,
                terms=(
                    "d_real",
                    "d_fake",
                    "dxx_real",
                    "dxx_fake",
                    "dzz_real",
                    "dzz_fake",
                )
                + penalty,
            ),
            Phase(
                "generator",
                networks=("generator", "encoder"),
                optimizer="generator_optimizer",
                loss=self.generator_loss,
                terms=("g_generated", "e_encoded", "g_cycle_x", "g_cycle_z"),
            ),
        ]

    # --------------------------------------------------------------- losses
    def discriminator_loss(self, x, noise, training=True):
        """Loss of the discriminator phase. Returns `(total, terms)`."""
        stop = keras.ops.stop_gradient
        z = noise["discriminator"]
        x_generated = stop(self.generator(z, training=training))
        z_encoded = stop(self.encoder(x, training=training))
        x_cycled = stop(self.generator(z_encoded, training=training))
        z_cycled = stop(self.encoder(x_generated, training=training))
        d, dxx, dzz = (
            self.discriminator,
            self.discriminator_xx,
            self.discriminator_zz,
        )
        loss = self.objective.loss
        terms = {}
        terms["d_real"], terms["d_fake"] = loss.discriminator_terms(
            d([x, z_encoded], training=training),
            d([x_generated, z], training=training),
        )
        terms["dxx_real"], terms["dxx_fake"] = loss.discriminator_terms(
            dxx([x, x], training=training),
            dxx([x, x_cycled], training=training),
        )
        terms["dzz_real"], terms["dzz_fake"] = loss.discriminator_terms(
            dzz([z, z], training=training),
            dzz([z, z_cycled], training=training),
        )
        total = sum(terms.values())
        extra, penalty_terms = self.objective.penalty_terms(
            {
                "d_penalty": (d, [x, z_encoded], [x_generated, z]),
                "dxx_penalty": (dxx, [x, x], [x, x_cycled]),
                "dzz_penalty": (dzz, [z, z], [z, z_cycled]),
            },
            noise,
            training,
        )
        terms.update(penalty_terms)
        return total + extra, terms

    def generator_loss(self, x, noise, training=True):
        """Loss of the generator/encoder phase. Returns `(total, terms)`."""
        z = noise["generator"]
        x_generated = self.generator(z, training=training)
        z_encoded = self.encoder(x, training=training)
        x_cycled = self.generator(z_encoded, training=training)
        z_cycled = self.encoder(x_generated, training=training)
        d = self.discriminator
        loss = self.objective.loss
        terms = {
            "g_generated": loss.generator_term(
                d([x_generated, z], training=training)
            ),
            "e_encoded": loss.generator_term(
                loss.reflect(d([x, z_encoded], training=training))
            ),
            "g_cycle_x": loss.generator_term(
                self.discriminator_xx([x, x_cycled], training=training)
            ),
            "g_cycle_z": loss.generator_term(
                self.discriminator_zz([z, z_cycled], training=training)
            ),
        }
        return sum(terms.values()), terms
