"""The optimizer Keras sees: a holder for the phase optimizers."""

import keras


class PhaseOptimizers(keras.optimizers.Optimizer):
    """Holds one optimizer per phase and exposes all of their state.

    Keras's `fit()` treats `model.optimizer` as the single owner of optimizer
    state: the JAX trainer threads exactly `model.optimizer.variables`
    through the compiled step, `BackupAndRestore` builds it, and the
    TensorBoard callback reads its `iterations` and the learning rate of
    each entry of `optimizers`. This holder makes those work for a step that
    uses several optimizers. It never applies gradients itself; each phase
    optimizer is saved and loaded on its own (under the model attribute that
    holds it), so the holder saves nothing.

    Args:
        optimizers: Dict mapping a phase optimizer's name to a built or
            unbuilt `keras.optimizers.Optimizer`.
        name: Name of the holder.

    Example:

    ```python
    holder = PhaseOptimizers(
        {
            "generator_optimizer": keras.optimizers.Adam(),
            "discriminator_optimizer": keras.optimizers.Adam(),
        }
    )
    holder.optimizers  # [Adam, Adam], in the order given
    ```
    """

    def __init__(self, optimizers, name="phase_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self._named = dict(optimizers)

    @property
    def optimizers(self):
        """The phase optimizers, in the order of the dict given.

        `compile()` gives them in the order of the model's
        `default_optimizers()`, which need not be the phase order.
        """
        return list(self._named.values())

    @property
    def named_optimizers(self):
        """Dict mapping optimizer names to the phase optimizers."""
        return dict(self._named)

    @property
    def variables(self):
        return [v for opt in self._named.values() for v in opt.variables]

    @property
    def iterations(self):
        """The first optimizer's `iterations`: the updates it applied.

        Callbacks read it as the step counter. It counts train steps
        only while that optimizer's phase updates on every step: it
        stays put on steps where that update was skipped
        (`on_nonfinite`) or its phase disabled (`active_phases`).
        """
        return self.optimizers[0].iterations

    @property
    def built(self):
        return all(opt.built for opt in self._named.values())

    @built.setter
    def built(self, value):
        # The base class sets `built` in its constructor; the holder's state
        # is derived from its optimizers.
        pass

    def build(self, variables):
        raise RuntimeError(
            "PhaseOptimizers is built phase by phase by the model's "
            "compile(); it cannot be built on a flat variable list. "
            f"Received {len(variables)} variables."
        )

    def apply(self, grads, trainable_variables=None):
        raise RuntimeError(
            "PhaseOptimizers does not apply gradients; each phase applies "
            "its own optimizer."
        )

    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass

    def get_config(self):
        return {
            "name": self.name,
            "optimizers": {
                k: keras.saving.serialize_keras_object(v)
                for k, v in self._named.items()
            },
        }
