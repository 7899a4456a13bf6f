"""A Conv2D that trains on batches of one on every backend."""

import keras

from keras_aegan import backend


@keras.saving.register_keras_serializable(package="keras_aegan")
class Conv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D`, with a PyTorch workaround for one filter.

    On PyTorch (2.13, CPU), Keras's convolution of a batch of one sample
    through a layer with a single filter fails in the backward pass
    ("slow_conv2d: grad_weight must be contiguous"): a grayscale
    generator's output layer hits it whenever a batch holds one sample
    (`batch_size=1`, or a last batch of one). For such layers this class
    computes the same convolution through
    `keras_aegan.backend.conv2d`; on other backends, and for other
    layers, it is `keras.layers.Conv2D` unchanged. Same arguments,
    weights and saved format as Keras's layer.

    Example:

    ```python
    layer = keras_aegan.layers.Conv2D(1, 3, padding="same")
    y = layer(np.zeros((1, 16, 16, 8), "float32"))  # (1, 16, 16, 1)
    ```
    """

    def convolution_op(self, inputs, kernel):
        if (
            backend.conv2d is None
            or self.filters != 1
            or self.groups != 1
            or self.data_format != "channels_last"
        ):
            return super().convolution_op(inputs, kernel)
        return backend.conv2d(
            keras.ops.convert_to_tensor(inputs),
            keras.ops.convert_to_tensor(kernel),
            self.strides,
            self.padding,
            self.dilation_rate,
        )
