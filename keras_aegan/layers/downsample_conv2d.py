"""Discriminator block: convolve, then halve the resolution."""

import keras

from keras_aegan.layers.conv import Conv2D

DOWNSAMPLINGS = ("average", "strided")


@keras.saving.register_keras_serializable(package="keras_aegan")
class DownsampleConv2D(keras.layers.Layer):
    """A `"same"` convolution that halves the height and width.

    Two ways, chosen by `downsample`:

    - `"average"` (default): stride-1 convolution, then the activation,
      then 2x2 average pooling with stride 2 (ProGAN's discriminator
      blocks).
    - `"strided"`: one convolution with stride 2 (DCGAN), then the
      activation.

    The convolution is `keras_aegan.layers.Conv2D` (Keras's, with a
    PyTorch fix for one-filter layers) with `"same"` padding, and so is
    the pooling: `(N, H, W, C)` becomes
    `(N, ceil(H / 2), ceil(W / 2), filters)` either way.

    Args:
        filters: Number of output channels.
        kernel_size: Integer or tuple of 2 integers. Default 3.
        downsample: `"average"` or `"strided"` (see above).
        activation: Activation applied after the convolution (name or
            callable), default none.
        use_bias: Whether the convolution adds a bias.
        kernel_initializer: Initializer of the convolution kernel.
        bias_initializer: Initializer of the bias.
        data_format: `"channels_last"` or `"channels_first"`; default
            from `keras.config.image_data_format()`.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: 4-D image tensor.

    Example:

    ```python
    block = DownsampleConv2D(64, activation="leaky_relu")
    y = block(np.random.normal(size=(2, 16, 16, 32)))  # (2, 8, 8, 64)
    ```

    Reference:
        - [Karras et al., "Progressive Growing of GANs for Improved
          Quality, Stability, and Variation", 2018](
          https://arxiv.org/abs/1710.10196) (appendix A, average pooling)
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        downsample="average",
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if downsample not in DOWNSAMPLINGS:
            raise ValueError(
                f"`downsample` must be one of {DOWNSAMPLINGS}. "
                f"Received: downsample={downsample!r}"
            )
        self.downsample = downsample
        strided = downsample == "strided"
        self.conv = Conv2D(
            filters,
            kernel_size,
            strides=2 if strided else 1,
            padding="same",
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            data_format=data_format,
            dtype=self.dtype_policy,
            name="conv",
        )
        self.pool = None
        if not strided:
            self.pool = keras.layers.AveragePooling2D(
                2,
                padding="same",
                data_format=data_format,
                dtype=self.dtype_policy,
                name="pool",
            )

    def build(self, input_shape):
        self.conv.build(input_shape)
        if self.pool is not None:
            self.pool.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs):
        outputs = self.conv(inputs)
        if self.pool is not None:
            outputs = self.pool(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = self.conv.compute_output_shape(input_shape)
        if self.pool is not None:
            shape = self.pool.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = super().get_config()
        conv = self.conv.get_config()
        config.update(
            {
                "filters": conv["filters"],
                "kernel_size": conv["kernel_size"],
                "downsample": self.downsample,
                "activation": conv["activation"],
                "use_bias": conv["use_bias"],
                "kernel_initializer": conv["kernel_initializer"],
                "bias_initializer": conv["bias_initializer"],
                "data_format": conv["data_format"],
            }
        )
        return config
