"""Autoencoder discriminators: an encoder to an embedding and a decoder.

Energy-based GANs (BEGAN, EBGAN) use an autoencoder of the data as their
discriminator: its reconstruction error is the energy of a sample. The
discriminator is kept as two networks, `discriminator_encoder: x -> h`
and `discriminator_decoder: h -> x`, so that the embedding `h` is
available to losses that need it (EBGAN's pull-away term) and a user can
replace either half with any Keras model of the right shapes.
"""

import keras

from keras_aegan.networks.defaults import check_network
from keras_aegan.networks.defaults import default_network

#: Embedding size of the default image autoencoder (BEGAN's `N_h`).
DEFAULT_IMAGE_HIDDEN_DIM = 64


def autoencoder_discriminator(data_shape, hidden_dim, width=None):
    """Builds the default encoder and decoder of an autoencoder critic.

    The encoder is the package's default encoder for `data_shape` (a
    DCGAN-style conv net for images, an MLP for vectors) with a linear
    output of size `hidden_dim`; the decoder is the default generator
    architecture applied to the embedding (tanh output for images in
    [-1, 1], linear for standardised vectors), so the decoder is shaped
    like the generator, as in BEGAN and EBGAN.

    Args:
        data_shape: Shape of one sample.
        hidden_dim: Size of the embedding.
        width: Width of both networks (see
            `keras_aegan.networks.default_network`), None for the default.

    Returns:
        `(encoder, decoder)`: Keras models named `"discriminator_encoder"`
        (`(batch, *data_shape) -> (batch, hidden_dim)`) and
        `"discriminator_decoder"` (`(batch, hidden_dim) ->
        (batch, *data_shape)`).

    Example:

    ```python
    encoder, decoder = autoencoder_discriminator((2,), hidden_dim=8)
    ```
    """
    encoder = default_network(
        "encoder", data_shape, hidden_dim, width, name="discriminator_encoder"
    )
    decoder = default_network(
        "generator",
        data_shape,
        hidden_dim,
        width,
        name="discriminator_decoder",
    )
    return encoder, decoder


def check_autoencoder(encoder, decoder, data_shape, hidden_dim):
    """Checks the shapes of an autoencoder discriminator's two halves.

    Args:
        encoder: Keras model `(batch, *data_shape) -> (batch, hidden_dim)`.
        decoder: Keras model `(batch, hidden_dim) -> (batch, *data_shape)`.
        data_shape: Shape of one sample.
        hidden_dim: Size of the embedding.

    Raises:
        ValueError: naming the network, the expected and received shapes.

    Example:

    ```python
    check_autoencoder(encoder, decoder, (2,), 8)
    ```
    """
    check_network(encoder, "discriminator_encoder", data_shape, (hidden_dim,))
    check_network(decoder, "discriminator_decoder", (hidden_dim,), data_shape)


def check_networks_given(**networks):
    """Raises a `TypeError` for any given network that is not a Keras layer.

    Args:
        **networks: Constructor arguments by name; `None` means "build the
            default".

    Example:

    ```python
    check_networks_given(generator=None, discriminator_encoder=encoder)
    ```
    """
    for name, net in networks.items():
        if net is not None and not isinstance(net, keras.layers.Layer):
            raise TypeError(
                f"`{name}` must be a Keras model or layer. Received: "
                f"{name}={net!r} of type {type(net).__name__}"
            )


def output_size(net, name):
    """The size of a network's flat output, e.g. an encoder's embedding.

    Args:
        net: A built Keras model with output shape `(batch, size)`.
        name: The network's role, for the error message.

    Returns:
        An int.

    Example:

    ```python
    output_size(encoder, "discriminator_encoder")
    ```
    """
    shape = getattr(net, "output_shape", None)
    if not isinstance(shape, tuple) or len(shape) != 2 or shape[1] is None:
        raise ValueError(
            f"Could not read the output size of `{name}`: pass hidden_dim "
            f"explicitly. Received output shape: {shape}"
        )
    return int(shape[1])
