"""The AEGAN step written directly in PyTorch (the baseline for torch).

Plain `nn.Module`s in PyTorch's own layout (NCHW), `torch.optim.Adam`
(fused kernel) per phase, eager execution. What keras_aegan's step
computes (see `keras_aegan/models/aegan.py`) is computed here the way a
PyTorch user would write it:

- discriminator phase: `G` and `E` run under `torch.no_grad()` (their
  outputs are constants of this phase), then `Dx` and `Dz` on real and
  fake inputs; `backward()` reaches only the discriminators.
- generator phase: `torch.autograd.grad` with respect to the generator's
  and encoder's parameters only, so the backward pass through `Dx` and
  `Dz` computes input gradients but no discriminator weight gradients.
- BatchNorm: networks a phase does not train run with batch statistics
  but leave their moving statistics alone (as keras_aegan restores them),
  here by calling `F.batch_norm` without running buffers.

Differences from Keras that change numbers, not work:

- `torch.optim.Adam` adds epsilon to `sqrt(v_hat)`, Keras to `sqrt(v)`
  (Keras's effective epsilon is `eps / sqrt(1 - beta_2^t)`).
  `optimizer="keras_adam"` swaps in a small `_foreach` Adam with Keras's
  formula, and `optimizer="sgd"` plain SGD; `check_equivalence.py`
  uses them to compare weights tightly.
- PyTorch's BatchNorm updates the moving variance with the unbiased
  batch variance (`n / (n - 1)` times Keras's).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks import specs


class BatchNorm(nn.Module):
    """BatchNorm over dim 1 that can leave its moving statistics alone.

    Always normalises with the batch statistics (the AEGAN step runs
    every network in training mode). With `track_stats` False (set while
    another network's phase runs) the moving statistics are not updated.
    """

    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        self.track_stats = True

    def forward(self, x):
        if self.track_stats:
            return F.batch_norm(
                x,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                True,
                1.0 - specs.BN_MOMENTUM,
                specs.BN_EPSILON,
            )
        return F.batch_norm(
            x, None, None, self.weight, self.bias, True, 0.0, specs.BN_EPSILON
        )


class Unflatten(nn.Module):
    """`(N, h*w*c)` to `(N, c, h, w)`."""

    def __init__(self, shape):
        super().__init__()
        h, w, c = shape
        self.shape = (c, h, w)

    def forward(self, x):
        return x.view(x.shape[0], *self.shape)


def _same_padding(kernel, stride):
    total = max(kernel - stride, 0)
    if total % 2:
        raise ValueError("Only symmetric 'same' padding is implemented.")
    return total // 2


def build_network(config, role):
    """The `nn.Sequential` of network `role` (channels-first)."""
    modules = []
    for layer, in_shape, _ in specs.layer_shapes(config, role):
        kind = layer[0]
        if kind == "dense":
            modules.append(nn.Linear(in_shape[-1], layer[1], bias=layer[2]))
        elif kind in ("conv", "tconv"):
            _, filters, kernel, stride, bias = layer
            cls = nn.Conv2d if kind == "conv" else nn.ConvTranspose2d
            modules.append(
                cls(
                    in_shape[-1],
                    filters,
                    kernel,
                    stride=stride,
                    padding=_same_padding(kernel, stride),
                    bias=bias,
                )
            )
        elif kind == "upsample":
            modules.append(
                nn.Upsample(
                    scale_factor=layer[1], mode="bilinear", align_corners=False
                )
            )
        elif kind == "bn":
            modules.append(BatchNorm(in_shape[-1]))
        elif kind == "reshape":
            modules.append(Unflatten(layer[1]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "leaky":
            modules.append(nn.LeakyReLU(specs.LEAKY_SLOPE))
        elif kind == "tanh":
            modules.append(nn.Tanh())
    return nn.Sequential(*modules)


# ------------------------------------------------- Keras <-> torch layout
def _dense_from_keras(kernel, flat_in, unflat_out):
    # Keras flattens and reshapes channels-last, torch channels-first.
    if flat_in is not None:
        h, w, c = flat_in
        kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3)
        kernel = kernel.reshape(h * w * c, -1)
    if unflat_out is not None:
        h, w, c = unflat_out
        kernel = kernel.reshape(-1, h, w, c).transpose(0, 3, 1, 2)
        kernel = kernel.reshape(-1, h * w * c)
    return kernel.T


def _dense_to_keras(weight, flat_in, unflat_out):
    kernel = weight.T
    if unflat_out is not None:
        h, w, c = unflat_out
        kernel = kernel.reshape(-1, c, h, w).transpose(0, 2, 3, 1)
        kernel = kernel.reshape(-1, h * w * c)
    if flat_in is not None:
        h, w, c = flat_in
        kernel = kernel.reshape(c, h, w, -1).transpose(1, 2, 0, 3)
        kernel = kernel.reshape(h * w * c, -1)
    return kernel


def _layout(config, role):
    """Per layer: (layer, flattened input shape, unflattened output)."""
    rows = specs.layer_shapes(config, role)
    out = []
    for i, (layer, _, _) in enumerate(rows):
        flat_in = unflat_out = None
        if layer[0] == "dense":
            if i > 0 and rows[i - 1][0][0] == "flatten":
                flat_in = rows[i - 1][1]
            if i + 1 < len(rows) and rows[i + 1][0][0] == "reshape":
                unflat_out = rows[i + 1][2]
        out.append((layer, flat_in, unflat_out))
    return out


def load_keras_weights(config, role, net, weights):
    """Copies Keras-layout NumPy weights into the torch network."""
    weights = list(weights)
    with torch.no_grad():
        for (layer, flat_in, unflat_out), module in zip(
            _layout(config, role), net
        ):
            kind = layer[0]
            if kind == "dense":
                kernel = _dense_from_keras(weights.pop(0), flat_in, unflat_out)
                module.weight.copy_(torch.from_numpy(kernel.copy()))
                if layer[2]:
                    bias = weights.pop(0)
                    if unflat_out is not None:
                        h, w, c = unflat_out
                        bias = bias.reshape(h, w, c).transpose(2, 0, 1)
                        bias = bias.reshape(-1)
                    module.bias.copy_(torch.from_numpy(bias.copy()))
            elif kind in ("conv", "tconv"):
                # conv (kh, kw, in, out) -> (out, in, kh, kw); tconv
                # (kh, kw, out, in) -> (in, out, kh, kw): the same permute.
                kernel = weights.pop(0).transpose(3, 2, 0, 1)
                module.weight.copy_(torch.from_numpy(kernel.copy()))
                if layer[4]:
                    module.bias.copy_(torch.from_numpy(weights.pop(0)))
            elif kind == "bn":
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(module, name).copy_(
                        torch.from_numpy(weights.pop(0))
                    )
    if weights:
        raise ValueError(f"{len(weights)} weights of {role} left unused.")


def export_keras_weights(config, role, net):
    """The torch network's weights as Keras-layout NumPy arrays."""
    out = []
    for (layer, flat_in, unflat_out), module in zip(_layout(config, role), net):
        kind = layer[0]
        if kind == "dense":
            weight = module.weight.detach().cpu().numpy()
            out.append(_dense_to_keras(weight, flat_in, unflat_out))
            if layer[2]:
                bias = module.bias.detach().cpu().numpy()
                if unflat_out is not None:
                    h, w, c = unflat_out
                    bias = bias.reshape(c, h, w).transpose(1, 2, 0)
                    bias = bias.reshape(-1)
                out.append(bias)
        elif kind in ("conv", "tconv"):
            kernel = module.weight.detach().cpu().numpy()
            out.append(kernel.transpose(2, 3, 1, 0))
            if layer[4]:
                out.append(module.bias.detach().cpu().numpy())
        elif kind == "bn":
            for name in ("weight", "bias", "running_mean", "running_var"):
                out.append(getattr(module, name).detach().cpu().numpy())
    # Copies: `.numpy()` of a CPU tensor shares its memory.
    return [np.array(w, order="C", copy=True) for w in out]


# --------------------------------------------------------------- optimizer
class KerasAdam:
    """Adam with Keras's formula (epsilon added to `sqrt(v)`).

    `alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)`;
    `w -= alpha * m / (sqrt(v) + eps)`. Used by the equivalence check.
    """

    def __init__(self, params, learning_rate, beta_1, beta_2, eps):
        self.params = list(params)
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, eps
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def apply(self, grads):
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        torch._foreach_mul_(self.m, self.b1)
        torch._foreach_add_(self.m, grads, alpha=1 - self.b1)
        torch._foreach_mul_(self.v, self.b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1 - self.b2)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-alpha)


class SGD:
    """Plain gradient descent (`w -= lr * g`), as `keras.optimizers.SGD`."""

    def __init__(self, params, learning_rate, **_):
        self.params = list(params)
        self.lr = learning_rate

    @torch.no_grad()
    def apply(self, grads):
        torch._foreach_add_(self.params, grads, alpha=-self.lr)


class TorchAdam:
    """`torch.optim.Adam` (fused kernel), fed explicit gradients."""

    def __init__(self, params, learning_rate, beta_1, beta_2, eps):
        self.params = list(params)
        self.opt = torch.optim.Adam(
            self.params,
            lr=learning_rate,
            betas=(beta_1, beta_2),
            eps=eps,
            fused=True,
        )

    def apply(self, grads):
        for p, g in zip(self.params, grads):
            p.grad = g
        self.opt.step()
        for p in self.params:
            p.grad = None


def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(
        logits, torch.full_like(logits, target)
    )


class NativeAEGAN:
    """The four networks, two optimizers and the AEGAN step in PyTorch.

    Args:
        config: A `specs.Config`.
        seed: Seed of the initial weights (NumPy, Keras's distributions)
            and of the step's noise.
        optimizer: `"adam"` (`torch.optim.Adam`, fused: the benchmark's),
            `"keras_adam"` (Keras's epsilon placement) or `"sgd"` (for
            the equivalence check), each with the library's learning
            rates.
        loss_weights: Dict overriding the library's default loss weights
            (the equivalence check perturbs one to show it notices).
        device: Torch device; default CUDA when available, else CPU.
    """

    def __init__(
        self, config, seed=0, optimizer="adam", loss_weights=None, device=None
    ):
        self.config = config
        self.loss_weights = dict(config.loss_weights, **(loss_weights or {}))
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.nets = {
            role: build_network(config, role).to(self.device)
            for role in specs.ROLES
        }
        rng = np.random.default_rng(seed)
        self.set_weights(
            {
                role: specs.initial_weights(config, role, rng)
                for role in specs.ROLES
            }
        )
        self.bn = {
            role: [m for m in net if isinstance(m, BatchNorm)]
            for role, net in self.nets.items()
        }
        cls = {"adam": TorchAdam, "keras_adam": KerasAdam, "sgd": SGD}[
            optimizer
        ]
        self.d_params = [
            p
            for role in ("image_discriminator", "latent_discriminator")
            for p in self.nets[role].parameters()
        ]
        self.g_params = [
            p
            for role in ("generator", "encoder")
            for p in self.nets[role].parameters()
        ]
        self.d_opt = cls(
            self.d_params, eps=specs.ADAM_EPSILON, **specs.DISCRIMINATOR_ADAM
        )
        self.g_opt = cls(
            self.g_params, eps=specs.ADAM_EPSILON, **specs.GENERATOR_ADAM
        )
        self.noise_gen = torch.Generator(self.device).manual_seed(seed)
        features = config.data_shape[-1]
        self.set_scaler(
            np.zeros(features, "float32"), np.ones(features, "float32")
        )

    # ------------------------------------------------------------ state
    def set_weights(self, weights):
        for role, net in self.nets.items():
            load_keras_weights(self.config, role, net, weights[role])

    def get_weights(self):
        return {
            role: export_keras_weights(self.config, role, net)
            for role, net in self.nets.items()
        }

    def set_scaler(self, offset, scale):
        shape = (1, -1) + (1,) * (len(self.config.data_shape) - 1)
        self.offset = torch.tensor(offset, device=self.device).view(shape)
        self.scale = torch.tensor(scale, device=self.device).view(shape)

    def to_input(self, x):
        """A NumPy batch (channels-last, user units) as a device tensor."""
        x = np.asarray(x, "float32")
        if x.ndim == 4:
            x = x.transpose(0, 3, 1, 2)
        return torch.from_numpy(np.ascontiguousarray(x)).to(self.device)

    def _track(self, roles):
        for role, modules in self.bn.items():
            for m in modules:
                m.track_stats = role in roles

    # ------------------------------------------------------------- step
    def _forward(self, x, z):
        g, e = self.nets["generator"], self.nets["encoder"]
        x_gen = g(z)
        z_enc = e(x)
        return x_gen, z_enc, g(z_enc), e(x_gen)

    def step(self, x, noise=None):
        """One AEGAN step (both phases) on `x`; returns the loss dict.

        Args:
            x: Batch from `to_input`.
            noise: Optional dict `{"discriminator": z, "generator": z}`
                of tensors; drawn from the model's generator otherwise.
        """
        n, dim = x.shape[0], self.config.latent_dim
        if noise is None:
            noise = {
                name: torch.randn(
                    n, dim, generator=self.noise_gen, device=self.device
                )
                for name in ("discriminator", "generator")
            }
        x = (x - self.offset) / self.scale
        dx = self.nets["image_discriminator"]
        dz = self.nets["latent_discriminator"]
        real, fake = specs.REAL_LABEL, specs.FAKE_LABEL
        logs = {}

        # Discriminator phase.
        z = noise["discriminator"]
        self._track(("image_discriminator", "latent_discriminator"))
        with torch.no_grad():
            x_gen, z_enc, x_rec, z_rec = self._forward(x, z)
        t = {
            "dx_real": _bce(dx(x), real),
            "dx_generated": _bce(dx(x_gen), fake),
            "dx_reconstructed": _bce(dx(x_rec), fake),
            "dz_prior": _bce(dz(z), real),
            "dz_encoded": _bce(dz(z_enc), fake),
            "dz_reconstructed": _bce(dz(z_rec), fake),
        }
        total = (
            2.0 * t["dx_real"] + t["dx_generated"] + t["dx_reconstructed"]
        ) / 4.0 + (
            2.0 * t["dz_prior"] + t["dz_encoded"] + t["dz_reconstructed"]
        ) / 4.0
        grads = torch.autograd.grad(total, self.d_params)
        self.d_opt.apply(grads)
        logs.update({k: v.detach() for k, v in t.items()})
        logs["discriminator_loss"] = total.detach()

        # Generator phase.
        z = noise["generator"]
        self._track(("generator", "encoder"))
        x_gen, z_enc, x_rec, z_rec = self._forward(x, z)
        w = self.loss_weights
        t = {
            "reconstruction_x": F.l1_loss(x_rec, x),
            "reconstruction_z": F.mse_loss(z_rec, z),
            "gx_generated": _bce(dx(x_gen), 1.0),
            "gx_reconstructed": _bce(dx(x_rec), 1.0),
            "gz_encoded": _bce(dz(z_enc), 1.0),
            "gz_reconstructed": _bce(dz(z_rec), 1.0),
        }
        total = (
            w["reconstruction_x"] * t["reconstruction_x"]
            + w["reconstruction_z"] * t["reconstruction_z"]
            + w["adversarial_x"] * (t["gx_generated"] + t["gx_reconstructed"])
            + w["adversarial_z"] * (t["gz_encoded"] + t["gz_reconstructed"])
        )
        grads = torch.autograd.grad(total, self.g_params)
        self.g_opt.apply(grads)
        logs.update({k: v.detach() for k, v in t.items()})
        logs["generator_loss"] = total.detach()
        return logs

    def noise_from_numpy(self, noise):
        return {
            k: torch.from_numpy(np.asarray(v, "float32")).to(self.device)
            for k, v in noise.items()
        }

    @staticmethod
    def block(logs):
        """Waits for the step that produced `logs`; returns a float."""
        return float(logs["generator_loss"])

    @staticmethod
    def logs_to_numpy(logs):
        return {k: float(v) for k, v in logs.items()}


def make(config_name, seed=0, x=None, jit=False, optimizer="adam"):
    """`(step_fn, state)`: one AEGAN step per call on a fixed batch.

    Args:
        config_name: `"mlp"` or `"conv32"`.
        seed: Seed of weights, data and noise.
        x: Optional fixed NumPy batch (user units); drawn from the
            configuration's data otherwise.
        jit: Must be False: PyTorch runs eagerly (keras_aegan's torch
            default; `torch.compile` is not benchmarked here).
        optimizer: See `NativeAEGAN`.

    Returns:
        `step_fn(sync=False)` runs one step and, with `sync=True`, waits
        for it; `state` is the `NativeAEGAN`.
    """
    if jit:
        raise ValueError("The native PyTorch loop runs eagerly (jit=False).")
    config = specs.get(config_name)
    if x is None:
        x = specs.make_data(config, config.batch_size, seed)
    native = NativeAEGAN(config, seed, optimizer=optimizer)
    native.set_scaler(*specs.scaler_statistics(config, x))
    batch = native.to_input(x)

    def step_fn(sync=False):
        logs = native.step(batch)
        if sync:
            native.block(logs)
        return logs

    return step_fn, native
