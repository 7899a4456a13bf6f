"""2-D convolution with an equalized learning rate (ProGAN)."""

import math

import keras
from keras import ops

from keras_aegan.layers.conv import Conv2D

# He et al.'s gain for (leaky) ReLU networks, the default `gain`.
HE_GAIN = math.sqrt(2.0)


@keras.saving.register_keras_serializable(package="keras_aegan")
class EqualizedConv2D(Conv2D):
    """A `Conv2D` whose kernel is scaled at run time (equalized LR).

    The kernel is stored with a unit-variance initialisation,
    `N(0, 1 / lr_multiplier**2)`, and multiplied at every call by
    `gain * lr_multiplier / sqrt(fan_in)`, where
    `fan_in = kernel_height * kernel_width * input_channels / groups`.
    The layer computes what a convolution with He-scaled weights
    computes, but adaptive optimizers (Adam, RMSprop), whose step size
    does not depend on a weight's scale, now move every layer at the same
    relative speed. The bias (initialised to 0) is stored divided by
    `lr_multiplier` and multiplied back at run time.

    Otherwise the layer is `keras_aegan.layers.Conv2D` (Keras's `Conv2D`
    with a PyTorch fix for one-filter layers): same arguments except the
    initializers, which equalization fixes, and same output shapes.

    Args:
        filters: Number of output channels.
        kernel_size: Integer or tuple of 2 integers.
        strides: Integer or tuple of 2 integers.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default
            from `keras.config.image_data_format()`.
        dilation_rate: Integer or tuple of 2 integers.
        groups: Number of channel groups.
        activation: Activation function (name or callable), default none.
        use_bias: Whether to add a bias.
        gain: Numerator of the run-time scale. Default `sqrt(2)`, He's
            constant for (leaky) ReLU networks; use 1 for a layer
            followed by a linear output.
        lr_multiplier: Positive factor of the effective learning rate of
            the layer's kernel and bias.
        **kwargs: Other `keras.layers.Conv2D` arguments (regularizers,
            constraints) and base layer keyword arguments.

    Call arguments:
        inputs: 4-D tensor, `(batch, height, width, channels)` for
            `"channels_last"`.

    Example:

    ```python
    layer = EqualizedConv2D(16, 3, padding="same")
    y = layer(np.random.normal(size=(2, 8, 8, 4)))  # (2, 8, 8, 16)
    ```

    Reference:
        - [Karras et al., "Progressive Growing of GANs for Improved
          Quality, Stability, and Variation", 2018](
          https://arxiv.org/abs/1710.10196) (section 4.1)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
        activation=None,
        use_bias=True,
        gain=HE_GAIN,
        lr_multiplier=1.0,
        **kwargs,
    ):
        for fixed in ("kernel_initializer", "bias_initializer"):
            if fixed in kwargs:
                raise ValueError(
                    f"EqualizedConv2D does not take `{fixed}`: equalization "
                    "initialises the kernel with N(0, 1 / lr_multiplier**2) "
                    f"and the bias with zeros. Received: {fixed}="
                    f"{kwargs[fixed]!r}"
                )
        if not gain > 0:
            raise ValueError(f"`gain` must be positive. Received: gain={gain}")
        if not lr_multiplier > 0:
            raise ValueError(
                "`lr_multiplier` must be positive. Received: "
                f"lr_multiplier={lr_multiplier}"
            )
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=keras.initializers.RandomNormal(
                stddev=1.0 / lr_multiplier
            ),
            bias_initializer="zeros",
            **kwargs,
        )
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)

    @property
    def scale(self):
        """The run-time factor of the kernel, `gain * lr / sqrt(fan_in)`."""
        fan_in = math.prod(self.kernel.shape[:-1])
        return self.gain * self.lr_multiplier / math.sqrt(fan_in)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.scale)

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            if self.data_format == "channels_last":
                bias_shape = (1, 1, 1, self.filters)
            else:
                bias_shape = (1, self.filters, 1, 1)
            bias = ops.reshape(self.bias * self.lr_multiplier, bias_shape)
            outputs = outputs + bias
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        del config["kernel_initializer"], config["bias_initializer"]
        config.update({"gain": self.gain, "lr_multiplier": self.lr_multiplier})
        return config
