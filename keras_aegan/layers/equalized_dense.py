"""Dense layer with an equalized learning rate (ProGAN)."""

import math

import keras
from keras import ops

# He et al.'s gain for (leaky) ReLU networks, the default `gain`.
HE_GAIN = math.sqrt(2.0)


@keras.saving.register_keras_serializable(package="keras_aegan")
class EqualizedDense(keras.layers.Layer):
    """A dense layer whose weights are scaled at run time (equalized LR).

    The kernel is stored with a unit-variance initialisation,
    `N(0, 1 / lr_multiplier**2)`, and multiplied at every call by
    `gain * lr_multiplier / sqrt(fan_in)` (`fan_in` = input features).
    The layer computes what a `keras.layers.Dense` with He-scaled
    weights computes, but adaptive optimizers (Adam, RMSprop), whose
    step size does not depend on a weight's scale, now move every layer
    at the same relative speed. The bias is stored divided by
    `lr_multiplier` and multiplied back at run time, so `lr_multiplier`
    scales the effective learning rate of the whole layer (StyleGAN uses
    0.01 in its mapping network).

    Same input and output shapes as `keras.layers.Dense`: the kernel is
    applied to the last axis of an input of any rank of at least 2.

    Args:
        units: Positive integer, dimension of the output.
        activation: Activation function (name or callable), default none.
        use_bias: Whether to add a bias (initialised to 0).
        gain: Numerator of the run-time scale. Default `sqrt(2)`, He's
            constant for (leaky) ReLU networks; use 1 for a layer
            followed by a linear output.
        lr_multiplier: Positive factor of the effective learning rate of
            the layer's kernel and bias.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: Tensor of shape `(..., input_dim)`.

    Example:

    ```python
    layer = EqualizedDense(64, activation="leaky_relu")
    y = layer(np.random.normal(size=(8, 32)))  # (8, 64)
    ```

    Reference:
        - [Karras et al., "Progressive Growing of GANs for Improved
          Quality, Stability, and Variation", 2018](
          https://arxiv.org/abs/1710.10196) (section 4.1)
        - [Karras et al., "A Style-Based Generator Architecture for
          Generative Adversarial Networks", 2019](
          https://arxiv.org/abs/1812.04948) (appendix C, `lr_multiplier`)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        gain=HE_GAIN,
        lr_multiplier=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(
                f"`units` must be a positive integer. Received: units={units!r}"
            )
        if not gain > 0:
            raise ValueError(f"`gain` must be positive. Received: gain={gain}")
        if not lr_multiplier > 0:
            raise ValueError(
                "`lr_multiplier` must be positive. Received: "
                f"lr_multiplier={lr_multiplier}"
            )
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(
                "The last axis of the input of EqualizedDense must be "
                f"known. Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(
                stddev=1.0 / self.lr_multiplier
            ),
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer="zeros", name="bias"
            )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: fan_in})

    @property
    def scale(self):
        """The run-time factor of the kernel, `gain * lr / sqrt(fan_in)`."""
        return self.gain * self.lr_multiplier / math.sqrt(self.kernel.shape[0])

    def call(self, inputs):
        y = ops.matmul(inputs, self.kernel * self.scale)
        if self.use_bias:
            y = y + self.bias * self.lr_multiplier
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "gain": self.gain,
                "lr_multiplier": self.lr_multiplier,
            }
        )
        return config
