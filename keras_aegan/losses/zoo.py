"""The adversarial loss zoo: one object per GAN objective (keras.ops)."""

from keras import ops


def sigmoid_cross_entropy(logits, target):
    """Mean binary cross-entropy of logits against a constant target.

    Written as `max(l, 0) - l * t + log(1 + exp(-|l|))` so it is stable for
    large logits and the same formula on every backend.

    Args:
        logits: Tensor of discriminator logits.
        target: Python float in [0, 1] (label smoothing allowed).

    Returns:
        Scalar tensor.

    Example:

    ```python
    sigmoid_cross_entropy(ops.zeros((4, 1)), 1.0)  # log(2)
    ```
    """
    logits = ops.cast(logits, "float32")
    return ops.mean(
        ops.relu(logits)
        - logits * target
        + ops.log1p(ops.exp(-ops.abs(logits)))
    )


class AdversarialLoss:
    """A GAN objective: discriminator terms and the generator term.

    The discriminator terms are to be minimised by the discriminator, the
    generator term by the generator. Labels (`real_label`, `fake_label`)
    are the targets of the objectives that have targets (non-saturating,
    least squares) and are ignored by the margin/critic objectives (hinge,
    Wasserstein).

    Args:
        name: The registry name (see `ADVERSARIAL_LOSSES`).

    Example:

    ```python
    loss = get_adversarial_loss("hinge")
    real, fake = loss.discriminator_terms(d(x), d(g(z)))
    g_term = loss.generator_term(d(g(z)))
    ```
    """

    name = None
    #: Whether the discriminator outputs an unbounded critic score
    #: (Wasserstein) rather than a logit.
    is_critic = False
    #: The output value the real and fake targets are symmetric about
    #: (see `reflect`): 0 for logits (`sigmoid(-l) = 1 - sigmoid(l)`) and
    #: for critic and margin scores.
    reflection_centre = 0.0

    def discriminator_terms(
        self, real_logits, fake_logits, real_label=1.0, fake_label=0.0
    ):
        """Returns `(real_term, fake_term)`, scalar tensors."""
        return (
            self.discriminator_real_term(real_logits, real_label),
            self.discriminator_fake_term(fake_logits, fake_label),
        )

    def discriminator_real_term(self, logits, real_label=1.0):
        """The discriminator's term on real samples' outputs."""
        raise NotImplementedError

    def discriminator_fake_term(self, logits, fake_label=0.0):
        """The discriminator's term on generated samples' outputs."""
        raise NotImplementedError

    def generator_term(self, fake_logits):
        """The generator's term on the discriminator's fake outputs."""
        raise NotImplementedError

    def reflect(self, logits):
        """Outputs mirrored so that "real" scores read as "fake" ones.

        `2 * reflection_centre - logits`, as float32: the generator term
        of reflected outputs aims them at the fake target (BiGAN's
        encoder term swaps the labels this way).

        Args:
            logits: Discriminator outputs.

        Returns:
            A float32 tensor shaped like `logits`.
        """
        return 2.0 * self.reflection_centre - ops.cast(logits, "float32")

    def __repr__(self):
        return f"<AdversarialLoss {self.name}>"


class NonSaturating(AdversarialLoss):
    """Cross-entropy discriminator, `-log D(G(z))` generator.

    Reference:
        - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """

    name = "non_saturating"

    def discriminator_real_term(self, logits, real_label=1.0):
        return sigmoid_cross_entropy(logits, real_label)

    def discriminator_fake_term(self, logits, fake_label=0.0):
        return sigmoid_cross_entropy(logits, fake_label)

    def generator_term(self, fake_logits):
        return sigmoid_cross_entropy(fake_logits, 1.0)


class Hinge(AdversarialLoss):
    """Hinge discriminator `relu(1 - D(x)) + relu(1 + D(G(z)))`; `-D(G(z))`.

    Reference:
        - [Lim & Ye, "Geometric GAN", 2017](
          https://arxiv.org/abs/1705.02894)
    """

    name = "hinge"

    def discriminator_real_term(self, logits, real_label=1.0):
        return ops.mean(ops.relu(1.0 - ops.cast(logits, "float32")))

    def discriminator_fake_term(self, logits, fake_label=0.0):
        return ops.mean(ops.relu(1.0 + ops.cast(logits, "float32")))

    def generator_term(self, fake_logits):
        return -ops.mean(ops.cast(fake_logits, "float32"))


class LeastSquares(AdversarialLoss):
    """Least squares: `(D(x) - a)^2 / 2`, `(D(G(z)) - b)^2 / 2`, `(D - 1)^2/2`.

    The targets are `real_label` (a) and `fake_label` (b) applied to the
    raw output; with the usual 1/0 labels this is the 0-1 coding of the
    paper.

    Reference:
        - [Mao et al., "Least Squares GANs", 2017](
          https://arxiv.org/abs/1611.04076)
    """

    name = "least_squares"
    #: Its 0-1 targets are symmetric about 1/2.
    reflection_centre = 0.5

    def discriminator_real_term(self, logits, real_label=1.0):
        return 0.5 * ops.mean(
            ops.square(ops.cast(logits, "float32") - real_label)
        )

    def discriminator_fake_term(self, logits, fake_label=0.0):
        return 0.5 * ops.mean(
            ops.square(ops.cast(logits, "float32") - fake_label)
        )

    def generator_term(self, fake_logits):
        return 0.5 * ops.mean(ops.square(ops.cast(fake_logits, "float32") - 1))


class Wasserstein(AdversarialLoss):
    """Wasserstein critic `D(G(z)) - D(x)`; generator `-D(G(z))`.

    Needs a Lipschitz constraint on the critic: pair it with the gradient
    penalty (`penalty="gp"`).

    Reference:
        - [Arjovsky et al., "Wasserstein GAN", 2017](
          https://arxiv.org/abs/1701.07875)
    """

    name = "wasserstein"
    is_critic = True

    def discriminator_real_term(self, logits, real_label=1.0):
        return -ops.mean(ops.cast(logits, "float32"))

    def discriminator_fake_term(self, logits, fake_label=0.0):
        return ops.mean(ops.cast(logits, "float32"))

    def generator_term(self, fake_logits):
        return -ops.mean(ops.cast(fake_logits, "float32"))


_REGISTRY = {
    cls.name: cls for cls in (NonSaturating, Hinge, LeastSquares, Wasserstein)
}
ADVERSARIAL_LOSSES = tuple(_REGISTRY)


def get_adversarial_loss(name):
    """Returns the `AdversarialLoss` registered as `name`.

    Args:
        name: One of `"non_saturating"` (default of every model),
            `"hinge"`, `"least_squares"`, `"wasserstein"`; or an
            `AdversarialLoss` instance, returned as is.

    Returns:
        An `AdversarialLoss`.

    Example:

    ```python
    loss = get_adversarial_loss("least_squares")
    ```
    """
    if isinstance(name, AdversarialLoss):
        return name
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown adversarial loss. Expected one of "
            f"{ADVERSARIAL_LOSSES}. Received: adversarial_loss={name!r}"
        )
    return _REGISTRY[name]()
