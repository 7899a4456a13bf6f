"""Dense layer with spectral normalization computed functionally."""

import keras
from keras import ops

# Lower bound of the norms divided by in the power iteration and of sigma,
# so that an all-zero kernel gives zeros instead of NaN.
EPSILON = 1e-12


def check_power_iterations(power_iterations):
    """Raises unless `power_iterations` is a positive integer."""
    if (
        isinstance(power_iterations, bool)
        or not isinstance(power_iterations, int)
        or power_iterations < 1
    ):
        raise ValueError(
            "`power_iterations` must be a positive integer. Received: "
            f"power_iterations={power_iterations!r}"
        )


def spectral_normalize(kernel, u, power_iterations):
    """Returns `(kernel / sigma, new_u)` for a kernel whose last axis is out.

    The kernel is read as a matrix `W` of shape `(fan_in, units)` (all
    leading axes flattened). Starting from `u` (shape `(units,)`), each
    power iteration computes `v = normalize(W u)` and
    `u = normalize(W^T v)`; then `sigma = v^T W u`, the estimate of
    `W`'s largest singular value. `u` and `v` are constants for the
    gradient (computed from a stopped-gradient kernel): the gradient
    flows through `W` in `W / sigma` and in `sigma`, as in Miyato et al.
    Nothing is assigned; the caller decides whether to keep `new_u`.

    The iteration runs in `u`'s dtype (the layer's variable dtype, so
    float32 under mixed precision); the result has `kernel`'s dtype.
    """
    kernel = ops.convert_to_tensor(kernel)
    kernel_dtype = keras.backend.standardize_dtype(kernel.dtype)
    u = ops.convert_to_tensor(u)
    dtype = keras.backend.standardize_dtype(u.dtype)
    units = kernel.shape[-1]
    w = ops.reshape(ops.cast(kernel, dtype), (-1, units))
    w_const = ops.stop_gradient(w)
    u = ops.stop_gradient(u)
    v = None
    for _ in range(power_iterations):
        v = ops.normalize(ops.matmul(w_const, u), axis=0, epsilon=EPSILON)
        u = ops.normalize(
            ops.matmul(ops.transpose(w_const), v), axis=0, epsilon=EPSILON
        )
    u = ops.stop_gradient(u)
    v = ops.stop_gradient(v)
    sigma = ops.sum(v * ops.matmul(w, u))
    sigma = ops.maximum(sigma, EPSILON)
    normalized = ops.divide(ops.cast(kernel, dtype), sigma)
    return ops.cast(normalized, kernel_dtype), u


@keras.saving.register_keras_serializable(package="keras_aegan")
class SpectralDense(keras.layers.Dense):
    """`keras.layers.Dense` whose kernel is divided by its spectral norm.

    At every call the layer computes `W / sigma(W)`, with `sigma` the
    largest singular value of the kernel `W` (shape `(input_dim,
    units)`), estimated by power iteration from a stored vector `u`
    (shape `(units,)`, a non-trainable variable). The output is
    `activation(inputs @ (W / sigma) + bias)`, so the layer is
    1-Lipschitz before its bias and activation, which stabilises a GAN
    discriminator.

    Unlike `keras.layers.SpectralNormalization`, nothing trainable is
    assigned inside `call()`: the normalised kernel is a function of the
    stored kernel, so gradients, JAX's stateless training and PyTorch's
    autograd all see the same computation. The stored `kernel` stays
    unnormalised (like `weight_orig` of `torch.nn.utils.spectral_norm`);
    `normalized_kernel()` returns what the layer applies. In training
    mode the layer advances `u` by `power_iterations` steps and assigns
    it (non-trainable state, like BatchNorm statistics); in inference
    mode `u` is read, never written. `u` and `v` are treated as constants
    by the gradient.

    Args:
        units: Positive integer, dimension of the output.
        power_iterations: Positive integer, power-iteration steps per
            call. Default 1, as in Miyato et al.: `u` is kept between
            calls, so the estimate keeps improving during training.
        **kwargs: Other `keras.layers.Dense` arguments (`activation`,
            `use_bias`, initializers, regularizers, `name`, `dtype`...).
            Quantization is not supported.

    Call arguments:
        inputs: Tensor of shape `(..., input_dim)`.
        training: Python boolean. When true, the refined `u` is stored.

    Example:

    ```python
    layer = SpectralDense(16, activation="leaky_relu")
    y = layer(np.random.normal(size=(8, 32)), training=True)  # (8, 16)
    kernel = layer.normalized_kernel()  # largest singular value ~1
    ```

    Reference:
        - [Miyato et al., "Spectral Normalization for Generative
          Adversarial Networks", 2018](https://arxiv.org/abs/1802.05957)
    """

    def __init__(self, units, power_iterations=1, **kwargs):
        check_power_iterations(power_iterations)
        super().__init__(units, **kwargs)
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.u = self.add_weight(
            shape=(self.units,),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            autocast=False,
            name="u",
        )

    def normalized_kernel(self):
        """The kernel the layer applies, `W / sigma`, from the stored `u`.

        Runs `power_iterations` steps from `u` without storing the
        result: this is the kernel of an inference-mode call.
        """
        kernel, _ = spectral_normalize(
            self.kernel, self.u, self.power_iterations
        )
        return kernel

    def call(self, inputs, training=None):
        kernel, u = spectral_normalize(
            self.kernel, self.u, self.power_iterations
        )
        if training:
            self.u.assign(u)
        x = ops.matmul(inputs, kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def quantize(self, mode=None, type_check=True, config=None):
        raise NotImplementedError(
            "SpectralDense does not support quantization. "
            f"Received: mode={mode!r}"
        )

    # keras.layers.Dense saves exactly its kernel and bias (and checks
    # their number on load): `u` goes after them.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        if self.built:
            store[str(self._u_index())] = self.u

    def load_own_variables(self, store):
        super().load_own_variables(store)
        if self.built:
            self.u.assign(store[str(self._u_index())])

    def _u_index(self):
        return 2 if self.use_bias else 1

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
