"""Generator block: upsample by 2, then convolve."""

import keras

from keras_aegan.layers.conv import Conv2D

INTERPOLATIONS = ("nearest", "bilinear")


@keras.saving.register_keras_serializable(package="keras_aegan")
class UpsampleConv2D(keras.layers.Layer):
    """Doubles the height and width, then applies a `"same"` convolution.

    An alternative to transposed convolutions in generators: resizing
    first and convolving after avoids their checkerboard artifacts. The
    upsampling is `keras.layers.UpSampling2D(2)`; the convolution is
    `keras_aegan.layers.Conv2D` (Keras's, with a PyTorch fix for
    one-filter layers) with stride 1 and `"same"` padding, so
    `(N, H, W, C)` becomes `(N, 2H, 2W, filters)`.

    Args:
        filters: Number of output channels.
        kernel_size: Integer or tuple of 2 integers. Default 3.
        interpolation: `"nearest"` (default) or `"bilinear"`.
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
    block = UpsampleConv2D(32, interpolation="bilinear", activation="relu")
    y = block(np.random.normal(size=(2, 8, 8, 64)))  # (2, 16, 16, 32)
    ```

    Reference:
        - [Odena et al., "Deconvolution and Checkerboard Artifacts",
          2016](https://distill.pub/2016/deconv-checkerboard/)
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        interpolation="nearest",
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` must be one of {INTERPOLATIONS}. "
                f"Received: interpolation={interpolation!r}"
            )
        self.interpolation = interpolation
        self.upsample = keras.layers.UpSampling2D(
            2,
            interpolation=interpolation,
            data_format=data_format,
            dtype=self.dtype_policy,
            name="upsample",
        )
        self.conv = Conv2D(
            filters,
            kernel_size,
            padding="same",
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            data_format=data_format,
            dtype=self.dtype_policy,
            name="conv",
        )

    def build(self, input_shape):
        self.upsample.build(input_shape)
        self.conv.build(self.upsample.compute_output_shape(input_shape))

    def call(self, inputs):
        return self.conv(self.upsample(inputs))

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(
            self.upsample.compute_output_shape(input_shape)
        )

    def get_config(self):
        config = super().get_config()
        conv = self.conv.get_config()
        config.update(
            {
                "filters": conv["filters"],
                "kernel_size": conv["kernel_size"],
                "interpolation": self.interpolation,
                "activation": conv["activation"],
                "use_bias": conv["use_bias"],
                "kernel_initializer": conv["kernel_initializer"],
                "bias_initializer": conv["bias_initializer"],
                "data_format": conv["data_format"],
            }
        )
        return config
