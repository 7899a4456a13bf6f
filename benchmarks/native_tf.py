"""The AEGAN step written directly in TensorFlow (the baseline for tf).

No Keras: `tf.Variable`s in Keras's layout (channels-last, HWIO
kernels), the networks as plain functions of them, one
`tf.GradientTape` per phase watching only that phase's variables, and
the whole step (both phases, noise drawn with a stateless generator
from a step counter) in one `tf.function`. Graph mode without XLA is
the default, as measured: on one CPU thread XLA was 1.2x slower on
conv32 and no faster on mlp (see the README); `jit=True` compiles the
step with XLA. Adam is `tf.raw_ops.ResourceApplyAdam`
(one fused kernel per variable), whose formula is Keras's:

    alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
    m += (g - m) * (1 - b1);  v += (g^2 - v) * (1 - b2)
    w -= alpha * m / (sqrt(v) + eps)

BatchNorm statistics of a network move only in the phase that trains
it (other phases run it with batch statistics and no assignment), as in
keras_aegan.
"""

import numpy as np
import tensorflow as tf

from benchmarks import specs


def _weight_kinds(config, role):
    """Per Keras-order weight: `"param"` or `"stat"` (BN moving)."""
    kinds = []
    for layer, _, _ in specs.layer_shapes(config, role):
        kind = layer[0]
        if kind == "dense":
            kinds += ["param"] * (2 if layer[2] else 1)
        elif kind in ("conv", "tconv"):
            kinds += ["param"] * (2 if layer[4] else 1)
        elif kind == "bn":
            kinds += ["param", "param", "stat", "stat"]
    return kinds


class Network:
    """One network: its variables (Keras order) and its forward pass."""

    def __init__(self, config, role, weights):
        self.layers = config.networks[role]
        kinds = _weight_kinds(config, role)
        self.variables = [
            tf.Variable(w, trainable=k == "param", name=f"{role}_{i}")
            for i, (w, k) in enumerate(zip(weights, kinds))
        ]
        self.trainable = [
            v for v, k in zip(self.variables, kinds) if k == "param"
        ]

    def __call__(self, x, update_stats):
        """Forward pass in training mode (batch statistics).

        With `update_stats` the BatchNorm moving statistics are updated
        (Keras's rule, momentum `specs.BN_MOMENTUM`).
        """
        weights = list(self.variables)
        h = x
        for layer in self.layers:
            kind = layer[0]
            if kind == "dense":
                h = tf.matmul(h, weights.pop(0))
                if layer[2]:
                    h = h + weights.pop(0)
            elif kind == "conv":
                h = tf.nn.conv2d(h, weights.pop(0), layer[3], "SAME")
                if layer[4]:
                    h = h + weights.pop(0)
            elif kind == "tconv":
                kernel = weights.pop(0)
                s = layer[3]
                shape = tf.shape(h)
                out = tf.stack(
                    [shape[0], shape[1] * s, shape[2] * s, kernel.shape[2]]
                )
                h = tf.nn.conv2d_transpose(h, kernel, out, s, "SAME")
                if layer[4]:
                    h = h + weights.pop(0)
            elif kind == "upsample":
                f = layer[1]
                size = tf.shape(h)[1:3] * f
                h = tf.image.resize(h, size, method="bilinear")
            elif kind == "bn":
                gamma, beta, mean_m, var_m = weights[:4]
                del weights[:4]
                axes = list(range(len(h.shape) - 1))
                mean, var = tf.nn.moments(h, axes)
                h = tf.nn.batch_normalization(
                    h, mean, var, beta, gamma, specs.BN_EPSILON
                )
                if update_stats:
                    mom = specs.BN_MOMENTUM
                    mean_m.assign(mean_m * mom + mean * (1.0 - mom))
                    var_m.assign(var_m * mom + var * (1.0 - mom))
            elif kind == "reshape":
                h = tf.reshape(h, [-1, *layer[1]])
            elif kind == "flatten":
                h = tf.reshape(h, [tf.shape(h)[0], -1])
            elif kind == "relu":
                h = tf.nn.relu(h)
            elif kind == "leaky":
                h = tf.nn.leaky_relu(h, specs.LEAKY_SLOPE)
            elif kind == "tanh":
                h = tf.tanh(h)
        return h


class Adam:
    """Adam over a variable list with `ResourceApplyAdam` (Keras's rule)."""

    def __init__(self, variables, learning_rate, beta_1, beta_2):
        self.variables = list(variables)
        self.lr, self.b1, self.b2 = learning_rate, beta_1, beta_2
        self.m = [tf.Variable(tf.zeros_like(v)) for v in self.variables]
        self.v = [tf.Variable(tf.zeros_like(v)) for v in self.variables]
        self.t = tf.Variable(0.0)

    def apply(self, grads):
        self.t.assign_add(1.0)
        b1_power = tf.pow(self.b1, self.t)
        b2_power = tf.pow(self.b2, self.t)
        for var, m, v, g in zip(self.variables, self.m, self.v, grads):
            tf.raw_ops.ResourceApplyAdam(
                var=var.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=b1_power,
                beta2_power=b2_power,
                lr=self.lr,
                beta1=self.b1,
                beta2=self.b2,
                epsilon=specs.ADAM_EPSILON,
                grad=g,
            )


class SGD:
    """`w -= lr * g` (for the equivalence check)."""

    def __init__(self, variables, learning_rate, **_):
        self.variables = list(variables)
        self.lr = learning_rate

    def apply(self, grads):
        for var, g in zip(self.variables, grads):
            var.assign_sub(self.lr * g)


def _bce(logits, target):
    return tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.fill(tf.shape(logits), target), logits=logits
        )
    )


class NativeAEGAN:
    """The four networks, two optimizers and the AEGAN step in TF.

    Args:
        config: A `specs.Config`.
        seed: Seed of the initial weights (NumPy, Keras's distributions)
            and of the step's noise.
        optimizer: `"adam"` or `"sgd"` (for the equivalence check), with
            the library's learning rates.
        loss_weights: Dict overriding the library's default loss weights.
        jit: `tf.function(jit_compile=jit)` (default False).
    """

    def __init__(
        self, config, seed=0, optimizer="adam", loss_weights=None, jit=False
    ):
        self.config = config
        self.loss_weights = dict(config.loss_weights, **(loss_weights or {}))
        rng = np.random.default_rng(seed)
        self.nets = {
            role: Network(
                config, role, specs.initial_weights(config, role, rng)
            )
            for role in specs.ROLES
        }
        cls = {"adam": Adam, "sgd": SGD}[optimizer]
        self.d_vars = (
            self.nets["image_discriminator"].trainable
            + self.nets["latent_discriminator"].trainable
        )
        self.g_vars = (
            self.nets["generator"].trainable + self.nets["encoder"].trainable
        )
        self.d_opt = cls(self.d_vars, **_hyper(specs.DISCRIMINATOR_ADAM))
        self.g_opt = cls(self.g_vars, **_hyper(specs.GENERATOR_ADAM))
        self.seed = seed
        self.counter = tf.Variable(0, dtype=tf.int64)
        features = config.data_shape[-1]
        self.offset = tf.Variable(tf.zeros(features))
        self.scale = tf.Variable(tf.ones(features))
        self._step_drawn = tf.function(self._train_drawn, jit_compile=jit)
        self._step_fed = tf.function(self._train, jit_compile=jit)

    # ------------------------------------------------------------ state
    def set_weights(self, weights):
        for role, net in self.nets.items():
            for var, w in zip(net.variables, weights[role], strict=True):
                var.assign(w)

    def get_weights(self):
        return {
            role: [np.array(v.numpy()) for v in net.variables]
            for role, net in self.nets.items()
        }

    def set_scaler(self, offset, scale):
        self.offset.assign(offset)
        self.scale.assign(scale)

    def to_input(self, x):
        return tf.constant(np.asarray(x, "float32"))

    def noise_from_numpy(self, noise):
        return {
            k: tf.constant(np.asarray(v, "float32")) for k, v in noise.items()
        }

    # ------------------------------------------------------------- step
    def _forward(self, x, z, update_stats):
        g, e = self.nets["generator"], self.nets["encoder"]
        x_gen = g(z, update_stats)
        z_enc = e(x, update_stats)
        return x_gen, z_enc, g(z_enc, update_stats), e(x_gen, update_stats)

    def _train_drawn(self, x):
        self.counter.assign_add(1)
        shape = [tf.shape(x)[0], self.config.latent_dim]
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.counter])
        z_d = tf.random.stateless_normal(shape, seed)
        z_g = tf.random.stateless_normal(shape, seed + [0, 1 << 40])
        return self._train(x, z_d, z_g)

    def _train(self, x, z_d, z_g):
        x = (x - self.offset) / self.scale
        dx = self.nets["image_discriminator"]
        dz = self.nets["latent_discriminator"]
        real, fake = specs.REAL_LABEL, specs.FAKE_LABEL
        logs = {}

        # Discriminator phase (G and E: batch statistics, not kept).
        x_gen, z_enc, x_rec, z_rec = self._forward(x, z_d, False)
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(self.d_vars)
            t = {
                "dx_real": _bce(dx(x, True), real),
                "dx_generated": _bce(dx(x_gen, True), fake),
                "dx_reconstructed": _bce(dx(x_rec, True), fake),
                "dz_prior": _bce(dz(z_d, True), real),
                "dz_encoded": _bce(dz(z_enc, True), fake),
                "dz_reconstructed": _bce(dz(z_rec, True), fake),
            }
            total = (
                2.0 * t["dx_real"] + t["dx_generated"] + t["dx_reconstructed"]
            ) / 4.0 + (
                2.0 * t["dz_prior"] + t["dz_encoded"] + t["dz_reconstructed"]
            ) / 4.0
        self.d_opt.apply(tape.gradient(total, self.d_vars))
        logs.update(t, discriminator_loss=total)

        # Generator phase (Dx and Dz: batch statistics, not kept; no
        # gradients for their weights).
        w = self.loss_weights
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(self.g_vars)
            x_gen, z_enc, x_rec, z_rec = self._forward(x, z_g, True)
            t = {
                "reconstruction_x": tf.reduce_mean(tf.abs(x - x_rec)),
                "reconstruction_z": tf.reduce_mean(tf.square(z_g - z_rec)),
                "gx_generated": _bce(dx(x_gen, False), 1.0),
                "gx_reconstructed": _bce(dx(x_rec, False), 1.0),
                "gz_encoded": _bce(dz(z_enc, False), 1.0),
                "gz_reconstructed": _bce(dz(z_rec, False), 1.0),
            }
            total = (
                w["reconstruction_x"] * t["reconstruction_x"]
                + w["reconstruction_z"] * t["reconstruction_z"]
                + w["adversarial_x"]
                * (t["gx_generated"] + t["gx_reconstructed"])
                + w["adversarial_z"] * (t["gz_encoded"] + t["gz_reconstructed"])
            )
        self.g_opt.apply(tape.gradient(total, self.g_vars))
        logs.update(t, generator_loss=total)
        return logs

    def step(self, x, noise=None):
        """One AEGAN step (both phases) on `x`; returns the loss dict."""
        if noise is None:
            return self._step_drawn(x)
        return self._step_fed(x, noise["discriminator"], noise["generator"])

    @staticmethod
    def block(logs):
        return float(logs["generator_loss"].numpy())

    @staticmethod
    def logs_to_numpy(logs):
        return {k: float(v.numpy()) for k, v in logs.items()}


def _hyper(hp):
    return {
        "learning_rate": hp["learning_rate"],
        "beta_1": hp["beta_1"],
        "beta_2": hp["beta_2"],
    }


def make(config_name, seed=0, x=None, jit=False, optimizer="adam"):
    """`(step_fn, state)`: one AEGAN step per call on a fixed batch.

    `step_fn(sync=False)` runs one compiled step (noise drawn inside it);
    with `sync=True` it waits for its losses. `state` is the
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
