"""Pixelwise feature normalization (ProGAN)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_aegan")
class PixelNormalization(keras.layers.Layer):
    """Scales each feature vector to unit root mean square.

    `y = x / sqrt(mean(x ** 2, axis) + epsilon)`: at every pixel of an
    image (every step of a sequence, every sample of a batch of vectors)
    the vector of channels is divided by its root mean square. ProGAN
    puts it after each convolution of the generator, in place of batch
    normalization, to keep activations from escalating. No weights, and
    the same in training and inference.

    Args:
        axis: Axis (or tuple of axes) holding the features. Default `-1`
            (channels last).
        epsilon: Added to the mean square before the square root, so an
            all-zero vector stays zero instead of producing NaN.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: Tensor of any rank of at least 1.

    Example:

    ```python
    layer = PixelNormalization()
    y = layer(np.random.normal(size=(2, 8, 8, 16)))
    # keras.ops.mean(y ** 2, axis=-1) is close to 1 everywhere.
    ```

    Reference:
        - [Karras et al., "Progressive Growing of GANs for Improved
          Quality, Stability, and Variation", 2018](
          https://arxiv.org/abs/1710.10196) (section 4.2)
    """

    def __init__(self, axis=-1, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, list):
            axis = tuple(axis)
        axes = axis if isinstance(axis, tuple) else (axis,)
        if not axes or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in axes
        ):
            raise ValueError(
                "`axis` must be an integer or a non-empty tuple of "
                f"integers. Received: axis={axis!r}"
            )
        if not epsilon > 0:
            raise ValueError(
                f"`epsilon` must be positive. Received: epsilon={epsilon}"
            )
        self.axis = axis
        self.epsilon = epsilon
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        # The mean square in float32 at least: squares of float16
        # activations overflow past 256.
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        x = ops.cast(inputs, dtype)
        mean_square = ops.mean(ops.square(x), axis=self.axis, keepdims=True)
        y = x * ops.rsqrt(mean_square + self.epsilon)
        return ops.cast(y, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
