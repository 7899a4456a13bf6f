"""2-D convolution with spectral normalization computed functionally."""

import keras
from keras import ops

from keras_aegan.layers.conv import Conv2D
from keras_aegan.layers.spectral_dense import check_power_iterations
from keras_aegan.layers.spectral_dense import spectral_normalize


@keras.saving.register_keras_serializable(package="keras_aegan")
class SpectralConv2D(Conv2D):
    """`keras_aegan.layers.Conv2D` whose kernel is divided by its spectral norm.

    The kernel, of shape `(kernel_h, kernel_w, in_channels / groups,
    filters)`, is read as a matrix `W` of shape
    `(kernel_h * kernel_w * in_channels / groups, filters)`, as in Miyato
    et al. At every call the layer convolves with `W / sigma(W)`, with
    `sigma` the largest singular value of that matrix, estimated by power
    iteration from a stored vector `u` (shape `(filters,)`, a
    non-trainable variable).

    Nothing trainable is assigned inside `call()` (unlike
    `keras.layers.SpectralNormalization`, whose in-place kernel update
    breaks PyTorch autograd and is dropped by JAX's stateless training):
    the stored `kernel` stays unnormalised, and `normalized_kernel()`
    returns what the layer applies. In training mode the layer advances
    `u` by `power_iterations` steps and assigns it (non-trainable state,
    like BatchNorm statistics); in inference mode `u` is only read. `u`
    and `v` are treated as constants by the gradient.

    Args:
        filters: Positive integer, number of output channels.
        kernel_size: Integer or tuple of 2 integers, the window size.
        power_iterations: Positive integer, power-iteration steps per
            call. Default 1, as in Miyato et al.: `u` is kept between
            calls, so the estimate keeps improving during training.
        **kwargs: Other `keras.layers.Conv2D` arguments (`strides`,
            `padding`, `activation`, `use_bias`, initializers, `name`...).

    Call arguments:
        inputs: Tensor of shape `(batch, height, width, channels)` (or
            channels first, per `data_format`).
        training: Python boolean. When true, the refined `u` is stored.

    Example:

    ```python
    layer = SpectralConv2D(16, 4, strides=2, padding="same")
    y = layer(np.zeros((2, 16, 16, 3)), training=True)  # (2, 8, 8, 16)
    kernel = layer.normalized_kernel()  # (4, 4, 3, 16), sigma ~1
    ```

    Reference:
        - [Miyato et al., "Spectral Normalization for Generative
          Adversarial Networks", 2018](https://arxiv.org/abs/1802.05957)
    """

    def __init__(self, filters, kernel_size, power_iterations=1, **kwargs):
        check_power_iterations(power_iterations)
        super().__init__(filters, kernel_size, **kwargs)
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.u = self.add_weight(
            shape=(self.filters,),
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
        outputs = self.convolution_op(inputs, kernel)
        if self.use_bias:
            if self.data_format == "channels_last":
                bias_shape = (1, 1, 1, self.filters)
            else:
                bias_shape = (1, self.filters, 1, 1)
            outputs = ops.add(outputs, ops.reshape(self.bias, bias_shape))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    # keras.layers.Conv2D saves exactly its kernel and bias (and checks
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
