"""TensorFlow: one GradientTape per phase inside Keras's tf.function."""

import tensorflow as tf

from keras_aegan.backend.tensorflow.replicas import replica_position


class TensorFlowPhaseTrainer:
    """Train and test steps for the TensorFlow backend.

    Keras wraps `train_step` in `tf.function` (with XLA when
    `jit_compile=True`); the Python loop over phases is unrolled at trace
    time. Each phase records its loss on a fresh tape and differentiates
    with respect to its own variables only; the non-trainable state of the
    networks it does not train is restored after its forward pass.
    """

    def train_step(self, data):
        x, noise, batch_size = self._prepare_step(data, self.seed_generator)
        logs = {}
        skips = tf.constant(0.0)
        _, count = replica_position()
        for phase in self._run_phases():
            variables = self.phase_variables(phase.name)
            frozen = self.frozen_state(phase)
            saved = [tf.identity(v.value) for v in frozen]
            gated = self.nonfinite_policy.gated_state(self, phase)
            before = [tf.identity(v.value) for v in gated]
            with tf.GradientTape() as tape:
                total, phase_logs = self._phase_loss(
                    phase, x, noise, training=True
                )
                # Loss scaling (mixed_float16; identity otherwise), and
                # under a tf.distribute strategy the optimizer sums the
                # replicas' gradients: each contributes its mean / count.
                scaled = getattr(self, phase.optimizer).scale_loss(total)
                scaled = scaled if count == 1 else scaled / count
            for v, value in zip(frozen, saved):
                v.assign(value)
            grads = tape.gradient(scaled, variables)
            getattr(self, phase.optimizer).apply(grads, variables)
            if gated:  # on_nonfinite="skip": keep the old state on NaN/Inf
                finite = tf.math.is_finite(total)
                for v, old in zip(gated, before):
                    v.assign(tf.where(finite, v.value, old))
                skips += 1.0 - tf.cast(finite, "float32")
            logs.update(phase_logs)
        self._after_phases(logs, skips)
        return self._update_trackers(logs, batch_size)

    def test_step(self, data):
        x, noise, batch_size = self._prepare_step(
            data, self.eval_seed_generator
        )
        logs = {}
        for phase in self.phases:
            _, phase_logs = self._phase_loss(phase, x, noise, training=False)
            logs.update(phase_logs)
        return self._update_trackers(logs, batch_size)
