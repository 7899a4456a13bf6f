"""The AEGAN step written directly in JAX (the baseline for jax).

Pure functions over explicit state: one `jax.jit`-ed step (both phases,
noise drawn from a threaded PRNG key, the state buffers donated) maps
`(params, BatchNorm statistics, optimizer state, key)` to their new
values and the losses. Channels-last layout with Keras-layout kernels
(what `jax.lax` convolutions take directly). `optax` is not installed in
this environment, so Adam is written out with Keras's formula:

    alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
    m += (g - m) * (1 - b1);  v += (g^2 - v) * (1 - b2)
    w -= alpha * m / (sqrt(v) + eps)

What keras_aegan's step computes (`keras_aegan/models/aegan.py`) is
computed the JAX way: each phase differentiates a loss of its own
networks' parameters only (the generator's outputs are constants of the
discriminator phase; the discriminators' parameters are closed over in
the generator phase), and a network's BatchNorm statistics are threaded
out of the step only from the phase that trains it.
"""

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import specs


def _split_weights(config, role, weights):
    """Keras-order weights -> (trainable list, moving statistics list)."""
    params, stats = [], []
    weights = list(weights)
    for layer, _, _ in specs.layer_shapes(config, role):
        kind = layer[0]
        if kind == "dense":
            params += weights[: 2 if layer[2] else 1]
            del weights[: 2 if layer[2] else 1]
        elif kind in ("conv", "tconv"):
            params += weights[: 2 if layer[4] else 1]
            del weights[: 2 if layer[4] else 1]
        elif kind == "bn":
            params += weights[:2]
            stats += weights[2:4]
            del weights[:4]
    return params, stats


def _join_weights(config, role, params, stats):
    out = []
    params, stats = list(params), list(stats)
    for layer, _, _ in specs.layer_shapes(config, role):
        kind = layer[0]
        if kind == "dense":
            n = 2 if layer[2] else 1
            out += params[:n]
            del params[:n]
        elif kind in ("conv", "tconv"):
            n = 2 if layer[4] else 1
            out += params[:n]
            del params[:n]
        elif kind == "bn":
            out += params[:2] + stats[:2]
            del params[:2], stats[:2]
    return out


def _conv_transpose(x, kernel, stride):
    # Keras's Conv2DTranspose: the gradient of a "same" convolution with
    # the kernel (kh, kw, out, in), i.e. HWIO of that convolution.
    k = kernel.shape[0]
    pad = k - 1 - (k - stride) // 2
    return jax.lax.conv_transpose(
        x,
        kernel,
        (stride, stride),
        ((pad, pad), (pad, pad)),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        transpose_kernel=True,
    )


def make_apply(config, role):
    """`apply(params, stats, x) -> (y, new_stats)` of network `role`."""
    layers = config.networks[role]

    def apply(params, stats, x):
        params, stats = list(params), list(stats)
        new_stats = []
        h = x
        for layer in layers:
            kind = layer[0]
            if kind == "dense":
                h = h @ params.pop(0)
                if layer[2]:
                    h = h + params.pop(0)
            elif kind == "conv":
                s = layer[3]
                h = jax.lax.conv_general_dilated(
                    h,
                    params.pop(0),
                    (s, s),
                    "SAME",
                    dimension_numbers=("NHWC", "HWIO", "NHWC"),
                )
                if layer[4]:
                    h = h + params.pop(0)
            elif kind == "tconv":
                h = _conv_transpose(h, params.pop(0), layer[3])
                if layer[4]:
                    h = h + params.pop(0)
            elif kind == "upsample":
                f = layer[1]
                n, height, width, c = h.shape
                h = jax.image.resize(
                    h, (n, height * f, width * f, c), "bilinear"
                )
            elif kind == "bn":
                gamma, beta = params.pop(0), params.pop(0)
                mean_m, var_m = stats.pop(0), stats.pop(0)
                axes = tuple(range(h.ndim - 1))
                mean = jnp.mean(h, axes)
                var = jnp.var(h, axes)
                h = (h - mean) * (
                    jax.lax.rsqrt(var + specs.BN_EPSILON) * gamma
                ) + beta
                mom = specs.BN_MOMENTUM
                new_stats += [
                    mean_m * mom + mean * (1.0 - mom),
                    var_m * mom + var * (1.0 - mom),
                ]
            elif kind == "reshape":
                h = h.reshape((h.shape[0],) + tuple(layer[1]))
            elif kind == "flatten":
                h = h.reshape(h.shape[0], -1)
            elif kind == "relu":
                h = jax.nn.relu(h)
            elif kind == "leaky":
                h = jax.nn.leaky_relu(h, specs.LEAKY_SLOPE)
            elif kind == "tanh":
                h = jnp.tanh(h)
        return h, new_stats

    return apply


def _bce(logits, target):
    return jnp.mean(
        jax.nn.relu(logits)
        - logits * target
        + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    )


def _adam(hp):
    lr, b1, b2 = hp["learning_rate"], hp["beta_1"], hp["beta_2"]

    def init(params):
        # Separate buffers: the step donates its whole state.
        return {
            "m": jax.tree_util.tree_map(jnp.zeros_like, params),
            "v": jax.tree_util.tree_map(jnp.zeros_like, params),
            "t": jnp.zeros((), jnp.float32),
        }

    def update(params, grads, state):
        t = state["t"] + 1.0
        alpha = lr * jnp.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        m = jax.tree_util.tree_map(
            lambda m, g: m + (g - m) * (1.0 - b1), state["m"], grads
        )
        v = jax.tree_util.tree_map(
            lambda v, g: v + (g * g - v) * (1.0 - b2), state["v"], grads
        )
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + specs.ADAM_EPSILON),
            params,
            m,
            v,
        )
        return params, {"m": m, "v": v, "t": t}

    return init, update


def _sgd(hp):
    lr = hp["learning_rate"]

    def init(params):
        return {}

    def update(params, grads, state):
        params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        return params, state

    return init, update


class NativeAEGAN:
    """The four networks, two optimizers and the AEGAN step in JAX.

    Args:
        config: A `specs.Config`.
        seed: Seed of the initial weights (NumPy, Keras's distributions)
            and of the step's PRNG key.
        optimizer: `"adam"` (Keras's formula) or `"sgd"` (for the
            equivalence check), with the library's learning rates.
        loss_weights: Dict overriding the library's default loss weights.
        jit: Must be True (the step is always `jax.jit`-ed).
    """

    def __init__(
        self, config, seed=0, optimizer="adam", loss_weights=None, jit=True
    ):
        if not jit:
            raise ValueError("The native JAX step is always jitted.")
        self.config = config
        self.loss_weights = dict(config.loss_weights, **(loss_weights or {}))
        self.apply = {role: make_apply(config, role) for role in specs.ROLES}
        make_opt = {"adam": _adam, "sgd": _sgd}[optimizer]
        self.d_opt = make_opt(specs.DISCRIMINATOR_ADAM)
        self.g_opt = make_opt(specs.GENERATOR_ADAM)
        rng = np.random.default_rng(seed)
        self.state = None
        self.set_weights(
            {
                role: specs.initial_weights(config, role, rng)
                for role in specs.ROLES
            }
        )
        self.state["key"] = jax.random.PRNGKey(seed)
        features = config.data_shape[-1]
        self.set_scaler(
            np.zeros(features, "float32"), np.ones(features, "float32")
        )
        self._step_drawn = jax.jit(self._train_drawn, donate_argnums=0)
        self._step_fed = jax.jit(self._train, donate_argnums=0)

    # ------------------------------------------------------------ state
    def set_weights(self, weights):
        params, stats = {}, {}
        for role in specs.ROLES:
            p, s = _split_weights(self.config, role, weights[role])
            params[role] = [jnp.asarray(w) for w in p]
            stats[role] = [jnp.asarray(w) for w in s]
        key = None if self.state is None else self.state["key"]
        d = {
            r: params[r]
            for r in ("image_discriminator", "latent_discriminator")
        }
        g = {r: params[r] for r in ("generator", "encoder")}
        self.state = {
            "params": params,
            "stats": stats,
            "d_opt": self.d_opt[0](d),
            "g_opt": self.g_opt[0](g),
            "key": key,
        }

    def get_weights(self):
        state = jax.device_get(self.state)
        return {
            role: [
                np.array(w, copy=True)  # not views of donated buffers
                for w in _join_weights(
                    self.config,
                    role,
                    state["params"][role],
                    state["stats"][role],
                )
            ]
            for role in specs.ROLES
        }

    def set_scaler(self, offset, scale):
        self.offset = jnp.asarray(offset)
        self.scale = jnp.asarray(scale)

    def to_input(self, x):
        return jnp.asarray(np.asarray(x, "float32"))

    def noise_from_numpy(self, noise):
        return {
            k: jnp.asarray(np.asarray(v, "float32")) for k, v in noise.items()
        }

    # ------------------------------------------------------------- step
    def _net(self, role, params, stats, x):
        return self.apply[role](params, stats, x)

    def _forward(self, params, stats, x, z):
        x_gen, s_g = self._net("generator", params["generator"], stats[0], z)
        z_enc, s_e = self._net("encoder", params["encoder"], stats[1], x)
        x_rec, s_g = self._net("generator", params["generator"], s_g, z_enc)
        z_rec, s_e = self._net("encoder", params["encoder"], s_e, x_gen)
        return (x_gen, z_enc, x_rec, z_rec), (s_g, s_e)

    def _train_drawn(self, state, x, offset, scale):
        key, k_d, k_g = jax.random.split(state["key"], 3)
        shape = (x.shape[0], self.config.latent_dim)
        z_d = jax.random.normal(k_d, shape)
        z_g = jax.random.normal(k_g, shape)
        state = dict(state, key=key)
        return self._train(state, x, z_d, z_g, offset, scale)

    def _train(self, state, x, z_d, z_g, offset, scale):
        params, stats = state["params"], state["stats"]
        x = (x - offset) / scale
        real, fake = specs.REAL_LABEL, specs.FAKE_LABEL
        ge_stats = (stats["generator"], stats["encoder"])

        # Discriminator phase: G and E outputs are constants here; their
        # BatchNorm statistics are not kept.
        (x_gen, z_enc, x_rec, z_rec), _ = self._forward(
            params, ge_stats, x, z_d
        )

        def d_loss(d_params):
            dx_p = d_params["image_discriminator"]
            dz_p = d_params["latent_discriminator"]
            s = stats["image_discriminator"]
            l_real, s = self._net("image_discriminator", dx_p, s, x)
            l_gen, s = self._net("image_discriminator", dx_p, s, x_gen)
            l_rec, s_dx = self._net("image_discriminator", dx_p, s, x_rec)
            s = stats["latent_discriminator"]
            m_prior, s = self._net("latent_discriminator", dz_p, s, z_d)
            m_enc, s = self._net("latent_discriminator", dz_p, s, z_enc)
            m_rec, s_dz = self._net("latent_discriminator", dz_p, s, z_rec)
            t = {
                "dx_real": _bce(l_real, real),
                "dx_generated": _bce(l_gen, fake),
                "dx_reconstructed": _bce(l_rec, fake),
                "dz_prior": _bce(m_prior, real),
                "dz_encoded": _bce(m_enc, fake),
                "dz_reconstructed": _bce(m_rec, fake),
            }
            total = (
                2.0 * t["dx_real"] + t["dx_generated"] + t["dx_reconstructed"]
            ) / 4.0 + (
                2.0 * t["dz_prior"] + t["dz_encoded"] + t["dz_reconstructed"]
            ) / 4.0
            return total, (t, s_dx, s_dz)

        d_names = ("image_discriminator", "latent_discriminator")
        d_params = {r: params[r] for r in d_names}
        (d_total, (d_terms, s_dx, s_dz)), grads = jax.value_and_grad(
            d_loss, has_aux=True
        )(d_params)
        d_params, d_opt = self.d_opt[1](d_params, grads, state["d_opt"])

        # Generator phase: the updated discriminators are closed over (no
        # weight gradients); their BatchNorm statistics are not kept.
        w = self.loss_weights

        def g_loss(g_params):
            p = dict(d_params, **g_params)
            (x_gen, z_enc, x_rec, z_rec), new = self._forward(
                p, ge_stats, x, z_g
            )
            dx_p = d_params["image_discriminator"]
            dz_p = d_params["latent_discriminator"]
            s_x, s_z = s_dx, s_dz
            t = {
                "reconstruction_x": jnp.mean(jnp.abs(x - x_rec)),
                "reconstruction_z": jnp.mean(jnp.square(z_g - z_rec)),
                "gx_generated": _bce(
                    self._net("image_discriminator", dx_p, s_x, x_gen)[0], 1.0
                ),
                "gx_reconstructed": _bce(
                    self._net("image_discriminator", dx_p, s_x, x_rec)[0], 1.0
                ),
                "gz_encoded": _bce(
                    self._net("latent_discriminator", dz_p, s_z, z_enc)[0], 1.0
                ),
                "gz_reconstructed": _bce(
                    self._net("latent_discriminator", dz_p, s_z, z_rec)[0], 1.0
                ),
            }
            total = (
                w["reconstruction_x"] * t["reconstruction_x"]
                + w["reconstruction_z"] * t["reconstruction_z"]
                + w["adversarial_x"]
                * (t["gx_generated"] + t["gx_reconstructed"])
                + w["adversarial_z"] * (t["gz_encoded"] + t["gz_reconstructed"])
            )
            return total, (t, new)

        g_params = {r: params[r] for r in ("generator", "encoder")}
        (g_total, (g_terms, (s_g, s_e))), grads = jax.value_and_grad(
            g_loss, has_aux=True
        )(g_params)
        g_params, g_opt = self.g_opt[1](g_params, grads, state["g_opt"])

        logs = dict(d_terms, discriminator_loss=d_total)
        logs.update(g_terms, generator_loss=g_total)
        new_state = {
            "params": dict(d_params, **g_params),
            "stats": {
                "generator": s_g,
                "encoder": s_e,
                "image_discriminator": s_dx,
                "latent_discriminator": s_dz,
            },
            "d_opt": d_opt,
            "g_opt": g_opt,
            "key": state["key"],
        }
        return new_state, logs

    def step(self, x, noise=None):
        """One AEGAN step (both phases) on `x`; returns the loss dict."""
        if noise is None:
            self.state, logs = self._step_drawn(
                self.state, x, self.offset, self.scale
            )
        else:
            self.state, logs = self._step_fed(
                self.state,
                x,
                noise["discriminator"],
                noise["generator"],
                self.offset,
                self.scale,
            )
        return logs

    @staticmethod
    def block(logs):
        return float(jax.block_until_ready(logs["generator_loss"]))

    @staticmethod
    def logs_to_numpy(logs):
        return {k: float(v) for k, v in jax.device_get(logs).items()}


def make(config_name, seed=0, x=None, jit=True, optimizer="adam"):
    """`(step_fn, state)`: one AEGAN step per call on a fixed batch.

    `step_fn(sync=False)` runs one jitted step (noise drawn inside it);
    with `sync=True` it blocks until the step is done. `state` is the
    `NativeAEGAN`.
    """
    config = specs.get(config_name)
    if x is None:
        x = specs.make_data(config, config.batch_size, seed)
    native = NativeAEGAN(config, seed, optimizer=optimizer, jit=jit)
    native.set_scaler(*specs.scaler_statistics(config, x))
    batch = native.to_input(x)

    def step_fn(sync=False):
        logs = native.step(batch)
        if sync:
            native.block(logs)
        return logs

    return step_fn, native
