"""AdversarialObjective: how a model's discriminators are trained."""

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
#: The arguments that models take flat and record in their own configs
#: (`augment_calls` is fixed by the model, `augment` offered by some).
MODEL_ARGUMENTS = (
    "adversarial_loss",
    "penalty",
    "penalty_weight",
    "penalty_interval",
)


@keras.saving.register_keras_serializable(package="keras_aegan")
class AdversarialObjective:
    """The adversarial objective of a model: loss, penalty, augmentation.

    A model holds one as `model.objective` and calls it in its losses:
    `objective.loss` is the `AdversarialLoss` (discriminator terms,
    generator term, `reflect`), `penalty_terms(...)` adds the optional
    gradient penalties (lazily, every `penalty_interval` steps) and
    `augment_input(...)` applies DiffAugment to the data
    discriminator's inputs. The noise they read (`noise_shapes()`) is
    drawn with the rest of the step's noise.

    The lazy penalty's step counter is a variable of the model
    (`penalty_steps`), created by `build(model, discriminators)` in the
    model's `build_networks` and saved with the model.

    Args:
        adversarial_loss: `"non_saturating"` (default), `"hinge"`,
            `"least_squares"` or `"wasserstein"` (see
            `keras_aegan.losses.get_adversarial_loss`), or an
            `AdversarialLoss`.
        penalty: `None` (default), `"gp"` (WGAN-GP at random
            interpolates of real and generated samples), `"r1"` (on real
            samples) or `"r2"` (on generated samples), added to each
            discriminator's loss.
        penalty_weight: Weight of the penalty (default 10: the papers'
            lambda and gamma). Needs a `penalty`.
        penalty_interval: Lazy regularisation (StyleGAN2): the penalty
            is computed on one step in `penalty_interval`, multiplied by
            `penalty_interval`, so its average strength is unchanged.
        augment: `None` (default) or a DiffAugment policy for images
            (see `keras_aegan.losses.diff_augment`), e.g.
            `"translation,cutout"`.
        augment_calls: How many data-discriminator calls one train step
            makes (each call is augmented with its own parameters).

    Example:

    ```python
    objective = AdversarialObjective("hinge", penalty="r1")
    d_real, d_fake = objective.loss.discriminator_terms(d(x), d(fake))
    extra, terms = objective.penalty_terms({"d_penalty": (d, x, fake)}, noise)
    d_loss = d_real + d_fake + extra
    ```
    """

    def __init__(
        self,
        adversarial_loss="non_saturating",
        penalty=None,
        penalty_weight=None,
        penalty_interval=1,
        augment=None,
        augment_calls=1,
    ):
        self.loss = get_adversarial_loss(adversarial_loss)
        self.adversarial_loss = self.loss.name
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
        self.augment = ",".join(parse_policy(augment)) or None
        self.augment_calls = check_positive_int("augment_calls", augment_calls)
        #: The lazy penalty's step counter (a model variable), or None.
        self.penalty_steps = None

    # ------------------------------------------------------------- building
    def build(self, model, discriminators=()):
        """Creates the model's lazy-penalty step counter (once).

        Call it in the model's `build_networks`, after its networks: the
        counter is `model.penalty_steps`, an int32 variable of the model
        (so it is saved with it), created only when `penalty_interval`
        is above 1.

        Also warns when a penalised discriminator normalises over the
        batch: the penalty is per sample, batch statistics couple the
        samples, and TensorFlow's second derivative through
        `BatchNormalization` differs from JAX's and PyTorch's
        (`tf.nn.moments` stops the gradient of the mean inside the
        variance), so results would depend on the backend.

        Args:
            model: The model that owns the counter.
            discriminators: The networks the penalty applies to.
        """
        if self.penalty is not None:
            for net in discriminators:
                _warn_batch_norm(net)
        if self.penalty_interval > 1 and self.penalty_steps is None:
            self.penalty_steps = model.add_weight(
                shape=(),
                initializer="zeros",
                dtype="int32",
                trainable=False,
                name="penalty_steps",
            )

    def default_network(self, role, data_shape, width, name):
        """A penalised data discriminator without BatchNorm, or None.

        With a `penalty`, the default conv discriminator of images and
        sequences is built with `batch_norm=False` (see `build` for
        why); the vector MLPs have none anyway. Used by
        `AdversarialTrainer.default_network`.

        Args:
            role: A role of `keras_aegan.networks.default_network`.
            data_shape: Shape of one sample.
            width: The model's `width` (`None`: the default).
            name: Name of the network.

        Returns:
            The network, or `None` where the plain default applies.
        """
        rank = len(data_shape)
        if self.penalty is None or role != "data_discriminator" or rank == 1:
            return None
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
        """The noise the objective reads each step, by name.

        `"penalty"`: WGAN-GP's interpolation weight, shape `(1,)`;
        `"augment"`: the augmentation's uniforms, `(augment_calls,
        PARAMS_PER_CALL)` per sample. Empty without either.
        """
        shapes = {}
        if self.penalty == "gp":
            shapes[PENALTY_NOISE] = (1,)
        if self.augment is not None:
            shapes[AUGMENT_NOISE] = (self.augment_calls, PARAMS_PER_CALL)
        return shapes

    # --------------------------------------------------------- augmentation
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

    # ------------------------------------------------------------ penalties
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
            (0 on skipped steps). `(0.0, {})` without a penalty.
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

    # -------------------------------------------------------- serialization
    def get_config(self):
        return {
            "adversarial_loss": self.adversarial_loss,
            "penalty": self.penalty,
            "penalty_weight": self.penalty_weight,
            "penalty_interval": self.penalty_interval,
            "augment": self.augment,
            "augment_calls": self.augment_calls,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def model_config(self):
        """The `MODEL_ARGUMENTS` of `get_config`, for a model's config."""
        config = self.get_config()
        return {name: config[name] for name in MODEL_ARGUMENTS}

    def __repr__(self):
        arguments = ", ".join(
            f"{key}={value!r}" for key, value in self.get_config().items()
        )
        return f"AdversarialObjective({arguments})"


class ObjectiveAttribute:
    """A read-only model attribute read from the model's `objective`.

    For the names models have always had (`model.penalty`, ...); a model
    without an objective has no such attribute.

    Args:
        name: The attribute of `AdversarialObjective` to read.

    Example:

    ```python
    class AdversarialTrainer(keras.Model):
        objective = None
        penalty = ObjectiveAttribute("penalty")
    ```
    """

    def __init__(self, name):
        self.name = name

    def __get__(self, model, owner=None):
        if model is None:
            return self
        objective = model.objective
        if objective is None:
            raise AttributeError(
                f"{type(model).__name__} has no adversarial objective, so "
                f"no `{self.name}`."
            )
        return getattr(objective, self.name)

    def __set__(self, model, value):
        raise AttributeError(
            f"`{self.name}` is read from `model.objective`; pass it to "
            f"the constructor of {type(model).__name__}."
        )


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
