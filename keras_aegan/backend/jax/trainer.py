"""JAX: pure train and test steps over explicit state."""

import jax
import keras


class JAXPhaseTrainer:
    """Train and test steps for the JAX backend.

    Keras's JAX `fit()` passes the model state in and expects the new state
    back: `(trainable, non_trainable, optimizer, metrics)` values, ordered
    like `self.trainable_variables`, `self.non_trainable_variables`,
    `self.optimizer.variables` (all phase optimizers, through the
    `PhaseOptimizers` holder) and `self.metrics_variables`. Inside the step
    every value is looked up by variable identity, never by position in a
    phase's list. The stateful loss code runs unchanged inside a
    `keras.StatelessScope`, from which updated non-trainable state
    (BatchNorm statistics, SeedGenerator state, metric variables) is read
    back.
    """

    def __setattr__(self, name, value):
        if name == "_jax_state":
            # Keras's JAX `fit()` stores the step's state here after every
            # batch (so callbacks can sync it). `Layer.__setattr__` would
            # walk the nested lists of arrays looking for variables to
            # track, a cost on every step (benchmarks/README.md, "Where
            # the remaining cost lies"); they hold no variables.
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def _model_refs(self):
        return self.trainable_variables + self.non_trainable_variables

    def _scoped(self, values, fn):
        """Runs `fn()` with all model state mapped from `values`.

        Returns `fn()`'s result and a dict with the values of the
        non-trainable variables after the call (trainable variables are
        only changed by optimizers, outside any scope).
        """
        mapping = [(v, values[id(v)]) for v in self._model_refs()]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            result = fn()
        return result, {
            id(v): scope.get_current_value(v)
            for v in self.non_trainable_variables
        }

    def _phase_loss_and_grads(self, phase, values, opt_values, x, noise):
        variables = self.phase_variables(phase.name)
        opt = getattr(self, phase.optimizer)

        def loss_fn(phase_values):
            local = dict(values)
            local.update(zip(map(id, variables), phase_values))
            (total, logs), changed = self._scoped(
                local,
                lambda: self._phase_loss(phase, x, noise, training=True),
            )
            for v in self.frozen_state(phase):
                changed.pop(id(v))
            return _scale_loss(opt, opt_values, total), (logs, changed, total)

        phase_values = [values[id(v)] for v in variables]
        (_, (logs, changed, total)), grads = jax.value_and_grad(
            loss_fn, has_aux=True
        )(phase_values)
        return variables, phase_values, grads, logs, changed, total

    def _update_metrics(self, metric_values, logs, batch_size):
        refs = self.metrics_variables
        mapping = [(v, metric_values[id(v)]) for v in refs]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            results = self._update_trackers(logs, batch_size)
        return results, [
            scope.get_current_value(v)
            if scope.get_current_value(v) is not None
            else metric_values[id(v)]
            for v in refs
        ]

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        values = dict(
            zip(map(id, self._model_refs()), [*trainable, *non_trainable])
        )
        opt_values = dict(
            zip(map(id, self.optimizer.variables), optimizer_values)
        )
        (x, noise, batch_size), changed = self._scoped(
            values, lambda: self._prepare_step(data, self.seed_generator)
        )
        values.update(changed)
        logs = {}
        skips = 0.0
        for phase in self._run_phases():
            variables, phase_values, grads, phase_logs, changed, total = (
                self._phase_loss_and_grads(phase, values, opt_values, x, noise)
            )
            opt = getattr(self, phase.optimizer)
            new_phase_values, new_opt_values = opt.stateless_apply(
                [opt_values[id(v)] for v in opt.variables],
                grads,
                phase_values,
            )
            updates = dict(changed)
            updates.update(zip(map(id, variables), new_phase_values))
            new_opt = dict(zip(map(id, opt.variables), new_opt_values))
            if self.nonfinite_policy.skips:
                # Keep the old state of everything the phase would change.
                finite = jax.numpy.isfinite(total)
                updates = {
                    k: jax.numpy.where(finite, v, values[k])
                    for k, v in updates.items()
                }
                new_opt = {
                    k: jax.numpy.where(finite, v, opt_values[k])
                    for k, v in new_opt.items()
                }
                skips = skips + 1.0 - finite.astype("float32")
            values.update(updates)
            opt_values.update(new_opt)
            logs.update(phase_logs)
        _, changed = self._scoped(
            values, lambda: self._after_phases(logs, skips)
        )
        values.update(changed)
        results, metric_values = self._update_metrics(
            dict(zip(map(id, self.metrics_variables), metric_values)),
            logs,
            batch_size,
        )
        state = (
            [values[id(v)] for v in self.trainable_variables],
            [values[id(v)] for v in self.non_trainable_variables],
            [opt_values[id(v)] for v in self.optimizer.variables],
            metric_values,
        )
        return results, state

    def test_step(self, state, data):
        trainable, non_trainable, metric_values = state
        values = dict(
            zip(map(id, self._model_refs()), [*trainable, *non_trainable])
        )

        def evaluate_phases():
            x, noise, batch_size = self._prepare_step(
                data, self.eval_seed_generator
            )
            logs = {}
            for phase in self.phases:
                _, phase_logs = self._phase_loss(
                    phase, x, noise, training=False
                )
                logs.update(phase_logs)
            return logs, batch_size

        (logs, batch_size), changed = self._scoped(values, evaluate_phases)
        values.update(changed)
        results, metric_values = self._update_metrics(
            dict(zip(map(id, self.metrics_variables), metric_values)),
            logs,
            batch_size,
        )
        state = (
            [values[id(v)] for v in self.trainable_variables],
            [values[id(v)] for v in self.non_trainable_variables],
            metric_values,
        )
        return results, state


def _scale_loss(optimizer, opt_values, loss):
    """`optimizer.scale_loss(loss)` with the step's optimizer state.

    A `LossScaleOptimizer` (mixed_float16) multiplies by its current
    dynamic scale, a variable whose value here is in `opt_values`; other
    optimizers leave the loss as it is.
    """
    if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return loss
    mapping = [(v, opt_values[id(v)]) for v in optimizer.variables]
    with keras.StatelessScope(state_mapping=mapping):
        return optimizer.scale_loss(loss)
