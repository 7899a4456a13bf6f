"""PyTorch: eager steps, gradients of each phase's variables only."""

import torch

from keras_aegan.backend.torch.direct_call import direct_calls
from keras_aegan.backend.torch.direct_call import install_direct_call
from keras_aegan.backend.torch.replicas import average_across_replicas
from keras_aegan.backend.torch.trackers import update_means


class TorchPhaseTrainer:
    """Train and test steps for the PyTorch backend.

    Runs eagerly. `torch.autograd.grad` is asked for the gradients of the
    phase's own variables only, so the backward pass of the generator phase
    does not compute the discriminators' weight gradients (a plain
    `backward()` would, and then throw them away). The other phases'
    weights are marked as not requiring gradients during a phase, so
    autograd records no graph through networks whose output the phase
    treats as a constant (the generator's samples in the discriminator
    phase). The non-trainable state of the networks a phase does not
    train is restored after its forward pass.
    """

    def _other_phase_parameters(self, phase):
        """Torch parameters of the variables other phases train."""
        return [
            v.value
            for other in self._run_phases()
            if other.name != phase.name
            for v in self.phase_variables(other.name)
        ]

    def _install_direct_calls(self):
        """Once per model: plain dense networks skip Keras's per-layer
        call machinery in the steps (`direct_call`; same results)."""
        if self.__dict__.get("_direct_calls_installed"):
            return
        # object.__setattr__: a cache flag, not model state to track.
        object.__setattr__(self, "_direct_calls_installed", True)
        for network in self._step_networks():
            install_direct_call(network)

    def _step_networks(self):
        return [
            network
            for network in (getattr(self, n, None) for n in self.network_names)
            if network is not None
        ]

    def train_step(self, data):
        self._install_direct_calls()
        x, noise, batch_size = self._prepare_step(data, self.seed_generator)
        logs = {}
        skips = 0.0
        for phase in self._run_phases():
            others = self._other_phase_parameters(phase)
            for p in others:
                p.requires_grad_(False)
            try:
                skipped = self._train_phase(phase, x, noise, logs)
            finally:
                for p in others:
                    p.requires_grad_(True)
            skips += skipped
        with torch.no_grad():
            self._after_phases(logs, torch.tensor(skips))
        with torch.no_grad():
            return self._update_torch_trackers(logs, batch_size)

    def _update_torch_trackers(self, logs, batch_size):
        # `_update_trackers` as a few torch calls (`trackers`; same values).
        return update_means(
            self._loss_trackers, logs, batch_size, self.skips_log_key
        )

    def _train_phase(self, phase, x, noise, logs):
        """One phase's forward, gradients and update; 1.0 if skipped."""
        variables = self.phase_variables(phase.name)
        frozen = self.frozen_state(phase)
        saved = [v.value.detach().clone() for v in frozen]
        # on_nonfinite="skip": a bad loss applies nothing, so only the
        # BatchNorm statistics its forward pass moved need restoring.
        skip_mode = self.nonfinite_policy.skips
        own = self.own_state(phase) if skip_mode else []
        before = [v.value.detach().clone() for v in own]
        with direct_calls(self._step_networks()):
            total, phase_logs = self._phase_loss(phase, x, noise, training=True)
        with torch.no_grad():
            for v, value in zip(frozen, saved):
                v.assign(value)
        # With torch.distributed: every rank logs (and judges finiteness
        # on) the global means, and applies the averaged gradients.
        names = list(phase_logs)
        averaged = average_across_replicas([phase_logs[k] for k in names])
        logs.update({k: v.detach() for k, v in zip(names, averaged)})
        if skip_mode and not bool(torch.isfinite(logs[phase.total_name])):
            with torch.no_grad():
                for v, value in zip(own, before):
                    v.assign(value)
            return 1.0
        values = [v.value for v in variables]
        optimizer = getattr(self, phase.optimizer)
        # Loss scaling under mixed_float16 (identity otherwise); the
        # LossScaleOptimizer unscales in `apply`.
        grads = torch.autograd.grad(
            optimizer.scale_loss(total), values, allow_unused=True
        )
        grads = average_across_replicas(
            [
                torch.zeros_like(value) if g is None else g
                for g, value in zip(grads, values)
            ]
        )
        with torch.no_grad():
            optimizer.apply(grads, variables)
        return 0.0

    def test_step(self, data):
        self._install_direct_calls()
        with torch.no_grad():
            x, noise, batch_size = self._prepare_step(
                data, self.eval_seed_generator
            )
            logs = {}
            with direct_calls(self._step_networks()):
                for phase in self.phases:
                    _, phase_logs = self._phase_loss(
                        phase, x, noise, training=False
                    )
                    logs.update(phase_logs)
            return self._update_torch_trackers(logs, batch_size)
