"""A phase: one optimizer update of one group of networks."""

import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Phase:
    """One update inside an adversarial train step.

    A train step runs its phases in order. Each phase computes a scalar loss
    with a function written once in `keras.ops`, takes its gradient with
    respect to the trainable variables of `networks` only, and applies the
    optimizer named `optimizer`. Nothing outside `networks` is updated by the
    phase's optimizer.

    Args:
        name: Name of the phase. Its total loss is logged as `{name}_loss`.
        networks: Names of the model attributes (Keras layers or models)
            whose trainable variables this phase updates.
        optimizer: Name of the optimizer (a `compile()` argument, e.g.
            `"discriminator_optimizer"`) that updates those variables.
        loss: Callable `loss(x, noise, training) -> (total, terms)` where
            `x` is the batch in network range, `noise` the dict of noise
            tensors for the step, `total` a scalar tensor and `terms` a dict
            of scalar tensors whose keys are exactly `terms`.
        terms: Names of the individual loss terms this phase logs.

    Example:

    ```python
    Phase(
        "discriminator",
        networks=("image_discriminator", "latent_discriminator"),
        optimizer="discriminator_optimizer",
        loss=model.discriminator_loss,
        terms=("dx_real", "dx_generated"),
    )
    ```
    """

    name: str
    networks: tuple
    optimizer: str
    loss: Callable
    terms: tuple = ()

    @property
    def total_name(self):
        """The log key of this phase's total loss."""
        return f"{self.name}_loss"
