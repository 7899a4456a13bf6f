"""Multi-layer perceptron networks for vector data and latent codes."""

import keras
from keras import layers

from keras_aegan.utils.validation import check_positive_int


def build_mlp(
    input_dim,
    output_dim,
    units=128,
    depth=3,
    activation="relu",
    output_activation=None,
    name=None,
):
    """Builds a fully connected network as a functional Keras model.

    Args:
        input_dim: Size of the input vector.
        output_dim: Size of the output vector.
        units: Width of each hidden layer.
        depth: Number of hidden layers.
        activation: Hidden activation: `"relu"` or `"leaky_relu"` (slope
            0.2, as in most GAN discriminators).
        output_activation: Activation of the output layer, `None` for
            linear outputs (codes, standardised data, logits).
        name: Name of the model.

    Returns:
        A `keras.Model` mapping `(batch, input_dim)` to
        `(batch, output_dim)`.

    Example:

    ```python
    net = build_mlp(2, 1, units=64, activation="leaky_relu")
    net(np.zeros((4, 2))).shape  # (4, 1)
    ```
    """
    for arg, value in (
        ("input_dim", input_dim),
        ("output_dim", output_dim),
        ("units", units),
        ("depth", depth),
    ):
        check_positive_int(arg, value)
    if activation not in ("relu", "leaky_relu"):
        raise ValueError(
            "`activation` must be 'relu' or 'leaky_relu'. "
            f"Received: activation={activation!r}"
        )
    inputs = keras.Input((input_dim,), name=f"{name}_input" if name else None)
    h = inputs
    for _ in range(depth):
        h = layers.Dense(units)(h)
        if activation == "relu":
            h = layers.ReLU()(h)
        else:
            h = layers.LeakyReLU(negative_slope=0.2)(h)
    outputs = layers.Dense(output_dim, activation=output_activation)(h)
    return keras.Model(inputs, outputs, name=name)


def vector_generator(latent_dim, features, units=128, depth=3):
    """Generator G: z -> x for standardised vector data (linear output).

    Args:
        latent_dim: Size of the latent code.
        features: Number of data features.
        units: Hidden width.
        depth: Number of hidden layers.

    Returns:
        A `keras.Model` named `"generator"`.

    Example:

    ```python
    g = vector_generator(2, 2)
    ```
    """
    return build_mlp(latent_dim, features, units, depth, name="generator")


def vector_encoder(features, latent_dim, units=128, depth=3):
    """Encoder E: x -> z for standardised vector data (linear output).

    Args:
        features: Number of data features.
        latent_dim: Size of the latent code.
        units: Hidden width.
        depth: Number of hidden layers.

    Returns:
        A `keras.Model` named `"encoder"`.

    Example:

    ```python
    e = vector_encoder(2, 2)
    ```
    """
    return build_mlp(features, latent_dim, units, depth, name="encoder")


def vector_discriminator(input_dim, units=128, depth=3, name="discriminator"):
    """Discriminator on vectors returning one logit per sample.

    Args:
        input_dim: Size of the input vector (data features or latent size).
        units: Hidden width.
        depth: Number of hidden layers.
        name: Name of the model.

    Returns:
        A `keras.Model` mapping `(batch, input_dim)` to `(batch, 1)` logits.

    Example:

    ```python
    d = vector_discriminator(2, name="latent_discriminator")
    ```
    """
    return build_mlp(
        input_dim, 1, units, depth, activation="leaky_relu", name=name
    )
