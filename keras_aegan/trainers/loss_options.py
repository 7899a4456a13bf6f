"""Selectable adversarial loss and gradient penalty for the models."""

import warnings

import keras
from keras import ops

from keras_aegan import networks
from keras_aegan.losses import penalties
from keras_aegan.losses.augmentation import PARAMS_PER_CALL
from keras_aegan.losses.augmentation import diff_augment
from keras_aegan.losses.augmentation import parse_policy
from keras_aegan.losses.zoo import get_adversarial_loss
from keras_aegan.networks.defaults import DEFAULT_IMAGE_WIDTH
from keras_aegan.networks.defaults import DEFAULT_SEQUENCE_WIDTH
from keras_aegan.utils.validation import check_positive_int

PENALTIES = ("gp", "r1", "r2")
#: lambda of WGAN-GP (Gulrajani et al.) and gamma of R1/R2 (Mescheder
#: et al.): both papers' values.
DEFAULT_PENALTY_WEIGHTS = {"gp": 10.0, "r1": 10.0, "r2": 10.0}
PENALTY_NOISE = "penalty"
AUGMENT_NOISE = "augment"


class LossOptions:
    """Mixed into models whose discriminators output logits or scores.

    Gives a model the `adversarial_loss`, `penalty`, `penalty_weight` and
    `penalty_interval` arguments:

    - `adversarial_loss`: `"non_saturating"` (default), `"hinge"`,
      `"least_squares"` or `"wasserstein"` (see
      `keras_aegan.losses.get_adversarial_loss`).
    - `penalty`: `None`, `"gp"` (WGAN-GP at random interpolates of real
      and generated samples), `"r1"` (on real samples) or `"r2"` (on
      generated samples), added to each discriminator's loss with
      `penalty_weight` (default 10: the papers' lambda and gamma).
    - `penalty_interval`: lazy regularisation (StyleGAN2): the penalty is
      computed on one step in `penalty_interval`, multiplied by
      `penalty_interval`, so its average strength is unchanged. The step
      count is a model variable (`penalty_steps`), saved with the model.

    A subclass calls `_init_loss_options(...)` in `__init__`,
    `_build_loss_state(discriminators)` in `build_networks` and
    `penalty_terms(...)` in its discriminator loss; the penalty's noise is
    added to the default per-phase noise (a model with its own
    `noise_shapes` adds `penalty_noise_shapes()` itself).
    """

    #: DiffAugment policy of the data discriminator's inputs (a string
    #: such as `"translation,cutout"`), or None; set by `_init_augment`
    #: in the models that offer `augment`.
    augment = None

    def _init_loss_options(
        self,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
    ):
        self.adversarial = get_adversarial_loss(adversarial_loss)
        self.adversarial_loss = self.adversarial.name
        if penalty is not None and penalty not in PENALTIES:
            raise ValueError(
                f"`penalty` must be None or one of {PENALTIES}. Received: "
                f"penalty={penalty!r}"
            )
        self.penalty = penalty
        if penalty_weight is None:
            penalty_weight = DEFAULT_PENALTY_WEIGHTS.get(penalty)
        elif penalty is None:
            raise ValueError(
                "`penalty_weight` needs a `penalty`. Received: "
                f"penalty_weight={penalty_weight!r}, penalty=None"
            )
        elif not float(penalty_weight) > 0.0:
            raise ValueError(
                "`penalty_weight` must be positive. Received: "
                f"penalty_weight={penalty_weight!r}"
            )
        self.penalty_weight = (
            None if penalty_weight is None else float(penalty_weight)
        )
        self.penalty_interval = check_positive_int(
            "penalty_interval", penalty_interval
        )
        self.penalty_steps = None

    def _build_loss_state(self, discriminators=()):
        """Creates the lazy-penalty step counter (once).

        Also warns when a penalised discriminator normalises over the
        batch: the penalty is per sample, batch statistics couple the
        samples, and TensorFlow's second derivative through
        `BatchNormalization` differs from JAX's and PyTorch's
        (`tf.nn.moments` stops the gradient of the mean inside the
        variance), so results would depend on the backend.
        """
        if self.penalty is not None:
            for net in discriminators:
                _warn_batch_norm(net)
        if self.penalty_interval > 1 and self.penalty_steps is None:
            self.penalty_steps = self.add_weight(
                shape=(),
                initializer="zeros",
                dtype="int32",
                trainable=False,
                name="penalty_steps",
            )

    def default_network(self, role, data_shape, name):
        """The base's default network; penalised data critics lack BatchNorm.

        With a `penalty`, the default conv discriminator of images and
        sequences is built with `batch_norm=False` (see
        `_build_loss_state` for why); the vector MLPs have none anyway.
        Used by `AdversarialTrainer.build_default_networks`.
        """
        rank = len(data_shape)
        if self.penalty is None or role != "data_discriminator" or rank == 1:
            return super().default_network(role, data_shape, name)
        width = getattr(self, "width", None)
        if rank == 3:
            net = networks.image_discriminator(
                data_shape, width or DEFAULT_IMAGE_WIDTH, batch_norm=False
            )
        else:
            net = networks.sequence_discriminator(
                data_shape, width or DEFAULT_SEQUENCE_WIDTH, batch_norm=False
            )
        net.name = name
        return net

    def noise_shapes(self):
        """The model's noise plus the penalty's (see `penalty_noise_shapes`).

        Models that define their own noise (not one latent batch per
        phase) override this and add `penalty_noise_shapes()`. With
        `augment` set, also the augmentation's (`augment_noise_shapes`).
        """
        shapes = dict(super().noise_shapes())
        shapes.update(self.penalty_noise_shapes())
        shapes.update(self.augment_noise_shapes())
        return shapes

    def _init_augment(self, augment, calls):
        """Sets up DiffAugment of the data discriminator's inputs.

        Args:
            augment: `None` or a policy for
                `keras_aegan.losses.diff_augment` (e.g.
                `"translation,cutout"`).
            calls: How many data-discriminator calls one train step
                makes (each gets its own augmentation parameters).
        """
        self.augment = ",".join(parse_policy(augment)) or None
        self._augment_calls = calls

    def augment_noise_shapes(self):
        """Noise of the augmentation: uniforms per call and sample."""
        if self.augment is None:
            return {}
        return {AUGMENT_NOISE: (self._augment_calls, PARAMS_PER_CALL)}

    def check_augment(self, data_shape):
        """Refuses `augment` for data that are not images."""
        if self.augment is not None and len(data_shape) != 3:
            raise ValueError(
                "`augment` transforms images (height, width, channels). "
                f"Received: augment={self.augment!r} for data of shape "
                f"{tuple(data_shape)}"
            )

    def augment_input(self, x, noise, call, training=True):
        """A data-discriminator input, augmented in training steps.

        Args:
            x: Images in network units, real or generated.
            noise: The step's noise dict.
            call: Index of this discriminator call in the step (each
                call reads its own augmentation parameters).
            training: Augment only when True; inference is unaugmented.

        Returns:
            `x`, or its DiffAugment transform.
        """
        if self.augment is None or not training:
            return x
        uniforms = penalties.uniform_from_normal(noise[AUGMENT_NOISE][:, call])
        return diff_augment(x, uniforms, self.augment)

    def penalty_noise_shapes(self):
        """Noise the penalty draws each step (WGAN-GP's interpolation)."""
        return {PENALTY_NOISE: (1,)} if self.penalty == "gp" else {}

    def penalty_value(self, network, real, fake, noise, training=True):
        """The unweighted penalty of one discriminator (a scalar tensor).

        Args:
            network: The discriminator.
            real: Real inputs (tensor or list of tensors).
            fake: Generated inputs, same structure (constants).
            noise: The step's noise dict (WGAN-GP reads `"penalty"`).
            training: Passed to the discriminator call.
        """
        if self.penalty == "r1":
            return penalties.r1_penalty(network, real, training)
        if self.penalty == "r2":
            return penalties.r2_penalty(network, fake, training)
        epsilon = penalties.uniform_from_normal(noise[PENALTY_NOISE])
        return penalties.gradient_penalty(
            network, real, fake, epsilon, training
        )

    def penalty_terms(self, networks, noise, training=True):
        """Penalties of several discriminators, lazily, as log terms.

        Args:
            networks: Dict mapping a log name (e.g. `"dx_penalty"`) to
                `(network, real, fake)`.
            noise: The step's noise dict.
            training: True in a train step (advances `penalty_steps`).

        Returns:
            `(weighted_sum, terms)`: the sum to add to the phase loss
            (`penalty_weight * interval * value` on the steps that
            compute it, else 0) and a dict of the unweighted values
            (0 on skipped steps).
        """
        if self.penalty is None:
            return 0.0, {}

        def compute():
            return [
                self.penalty_value(net, real, fake, noise, training)
                for net, real, fake in networks.values()
            ]

        interval = self.penalty_interval
        if interval == 1 or not training:
            values = compute()
            scale = self.penalty_weight
        else:
            step = self.penalty_steps.value
            due = ops.equal(ops.mod(step, interval), 0)
            values = ops.cond(
                due, compute, lambda: [ops.zeros(()) for _ in networks]
            )
            scale = self.penalty_weight * interval
            self.penalty_steps.assign(step + 1)
        terms = dict(zip(networks, values))
        return scale * sum(values), terms

    def loss_options_config(self):
        """The constructor arguments of `LossOptions`, for `get_config`."""
        return {
            "adversarial_loss": self.adversarial_loss,
            "penalty": self.penalty,
            "penalty_weight": self.penalty_weight,
            "penalty_interval": self.penalty_interval,
        }


def _warn_batch_norm(network):
    layers = getattr(network, "_flatten_layers", None)
    if layers is None:
        return
    for layer in layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            warnings.warn(
                f"`{network.name}` has a BatchNormalization layer "
                f"({layer.name}) and a gradient penalty is on: the penalty "
                "is per sample, batch statistics couple the samples, and "
                "TensorFlow's second derivative through BatchNormalization "
                "differs from JAX's and PyTorch's. Use a discriminator "
                "without batch normalization (e.g. LayerNormalization).",
                stacklevel=3,
            )
            return
