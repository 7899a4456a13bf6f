"""What the per-backend train steps share: inputs, state lists, logs."""

import keras

from keras_aegan.backend import replica_position
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.nonfinite import SKIPS_KEY


class StepHelpers:
    """Mixed into `AdversarialTrainer`; used by every backend's `PhaseStep`.

    Prepares a step's inputs, names the state each phase must restore or
    may gate (BatchNorm statistics, optimizer variables), computes a
    phase's loss with its logs and updates the loss trackers. Written in
    `keras.ops` only; the backends differ in how they take gradients.
    """

    def _prepare_step(self, data, seed_generator):
        """Returns `(x, noise, batch_size)` for one step, in network units."""
        x, noise = data_checks.split_batch(data)
        x = self.data_scaler(x)
        batch_size = keras.ops.shape(x)[0]
        if noise is None:
            noise = {
                name: _replica_rows(shape, batch_size, seed_generator)
                for name, shape in self.noise_shapes().items()
            }
        else:
            noise = {k: keras.ops.cast(v, "float32") for k, v in noise.items()}
        return x, noise, batch_size

    def gated_state(self, phase):
        """State a skipped phase update must leave as it was.

        Empty unless non-finite updates are skipped (`on_nonfinite` is
        `"skip"` or `"rollback"`); then the phase's trainable
        variables, the non-trainable variables of its networks and the
        variables of its optimizer.
        """
        if not self.skips_nonfinite:
            return []
        return (
            self.phase_variables(phase.name)
            + self.own_state(phase)
            + list(getattr(self, phase.optimizer).variables)
        )

    @property
    def skips_nonfinite(self):
        """Whether the step drops non-finite phase updates on device."""
        return self.on_nonfinite in ("skip", "rollback")

    def own_state(self, phase):
        """Non-trainable variables (BatchNorm statistics) a phase moves."""
        return [
            v
            for net_name in phase.networks
            for v in getattr(self, net_name).non_trainable_variables
        ]

    def frozen_state(self, phase):
        """Non-trainable variables a phase must leave untouched.

        These are the non-trainable variables (BatchNorm statistics) of
        the networks the phase does not train: a phase may run them in
        training mode (batch statistics), but their moving statistics only
        move in the phase that trains them.
        """
        return self._frozen_state[phase.name]

    def _phase_loss(self, phase, x, noise, training):
        total, terms = phase.loss(x, noise, training=training)
        if set(terms) != set(phase.terms):
            raise ValueError(
                f"Phase {phase.name!r} declared terms {sorted(phase.terms)} "
                f"but its loss returned {sorted(terms)}."
            )
        logs = dict(terms)
        logs[phase.total_name] = total
        return total, logs

    def _log_skips(self, logs, skips):
        """Logs a step's number of skipped phase updates, when it skips.

        Under `SKIPS_KEY`, and only with `on_nonfinite` `"skip"` or
        `"rollback"` (`skips_nonfinite`).
        """
        if self.skips_nonfinite:
            logs[SKIPS_KEY] = skips

    def _run_phases(self):
        return [p for p in self.phases if p.name not in self._disabled_phases]

    def _update_trackers(self, logs, batch_size):
        for tracker in self._loss_trackers:
            if tracker.name == SKIPS_KEY:
                tracker.update_state(logs[SKIPS_KEY])
            elif tracker.name in logs:
                tracker.update_state(
                    logs[tracker.name], sample_weight=batch_size
                )
        return {t.name: t.result() for t in self._loss_trackers}


def _replica_rows(shape, batch_size, seed_generator):
    """This replica's rows of one normal draw for the global batch.

    With one replica (JAX under `keras.distribution`, which sees the
    global batch, or no distribution at all) that is the draw itself.
    Replicas of a `tf.distribute` strategy or `torch.distributed`
    processes share the seed state, so each draws the whole global batch
    and keeps its own slice: the noise, and so the training, is the same
    as on one device with the global batch.
    """
    index, count = replica_position()
    shape = tuple(shape)
    if count == 1:
        return keras.random.normal((batch_size,) + shape, seed=seed_generator)
    full = keras.random.normal((count, batch_size) + shape, seed=seed_generator)
    return keras.ops.take(full, index, axis=0)
