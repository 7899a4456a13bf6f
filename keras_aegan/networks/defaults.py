"""Default networks by role, and shape checks for user networks."""

import keras

from keras_aegan.networks.conv import check_image_shape
from keras_aegan.networks.conv import image_discriminator
from keras_aegan.networks.conv import image_encoder
from keras_aegan.networks.conv import image_generator
from keras_aegan.networks.mlp import vector_discriminator
from keras_aegan.networks.mlp import vector_encoder
from keras_aegan.networks.mlp import vector_generator
from keras_aegan.networks.sequence import check_sequence_shape
from keras_aegan.networks.sequence import sequence_discriminator
from keras_aegan.networks.sequence import sequence_encoder
from keras_aegan.networks.sequence import sequence_generator

DEFAULT_IMAGE_WIDTH = 32
DEFAULT_SEQUENCE_WIDTH = 32
DEFAULT_VECTOR_UNITS = 128
# AEGAN's (and its DCGAN anchor's) vector generator and data
# discriminator, `AdversarialTrainer.default_vector_widths`: on the
# 25-mode grid, 94.5 +- 0.2 % high-quality samples over 3 seeds with
# these two at 256 units and the encoder and latent discriminator at 128,
# against 85.2 +- 0.9 % with all four at 128, in about half the time of
# all four at 256 (benchmarks/quality/README.md, "Vectors").
WIDE_VECTOR_WIDTHS = {"generator": 256, "data_discriminator": 256}
DEFAULT_IMAGE_LATENT_DIM = 32
# Small images (both sides at most 16 pixels) hold few factors of
# variation: on the built-in 16x16 digits a code of 4 gave the most
# recognisable AEGAN samples and the lowest digits-FID of 4, 8, 16 and 32
# (benchmarks/quality/README.md), since the latent discriminator has to
# match the encoded training set to the prior, which 1,438 points fill
# far better in 4 dimensions than in 32.
# Each further channel of a small image adds its own factors: on stacked
# digits (three independent digits as the channels of one 16x16 image,
# 1,000 modes) a 4-d code covered 618 modes, 8 covered 944 and 16 covered
# 997 (benchmarks/quality/README.md). The code is 4 per channel, rounded
# up to a power of two: 4 for grayscale, 16 for RGB.
SMALL_IMAGE_SIDE = 16
SMALL_IMAGE_LATENT_DIM = 4
# Signals vary in a handful of factors (for `make_signals`: waveform,
# frequency, phase and amplitude per channel, damping): 16 codes hold them
# with room to spare, and a smaller code than the images' 32 is easier for
# the latent discriminator to match to the prior.
DEFAULT_SEQUENCE_LATENT_DIM = 16
ROLES = ("generator", "encoder", "data_discriminator", "latent_discriminator")


def default_latent_dim(data_shape):
    """The default code size for one sample's shape.

    For images whose sides are both at most 16 pixels, 4 per channel
    rounded up to a power of two (4 for grayscale, 16 for RGB); 32 for
    larger images; 16 for sequences; the number of features for vectors.

    A code as wide as 2-D data keeps E(x) able to fill the prior, which
    the latent discriminator asks of it.

    Args:
        data_shape: Shape of one sample.

    Returns:
        An int.

    Example:

    ```python
    default_latent_dim((2,))  # 2
    default_latent_dim((16, 16, 3))  # 16
    ```
    """
    if len(data_shape) == 3:
        if max(data_shape[0], data_shape[1]) <= SMALL_IMAGE_SIDE:
            wanted = SMALL_IMAGE_LATENT_DIM * data_shape[2]
            return 1 << (wanted - 1).bit_length()
        return DEFAULT_IMAGE_LATENT_DIM
    if len(data_shape) == 2:
        return DEFAULT_SEQUENCE_LATENT_DIM
    return data_shape[-1]


def default_network(role, data_shape, latent_dim, width=None, name=None):
    """Builds the default network of a role for a data shape.

    Images `(H, W, C)` get DCGAN-style conv nets (`width`: channels of the
    highest-resolution block, default 32); sequences `(T, C)` get the
    same design with 1-D convolutions (`width` likewise, default 32);
    vectors `(features,)` get MLPs with 3 hidden layers (`width`: units,
    default 128). The latent discriminator is always an MLP (128 units
    unless `width` is given for vector data).

    Args:
        role: One of `"generator"`, `"encoder"`, `"data_discriminator"`,
            `"latent_discriminator"`.
        data_shape: Shape of one sample.
        latent_dim: Size of the code.
        width: Width of the network, or None for the default.
        name: Name of the returned model (default: the role; the data
            discriminator is named `"image_discriminator"`).

    Returns:
        A `keras.Model`.

    Example:

    ```python
    g = default_network("generator", (16, 16, 1), latent_dim=32)
    ```
    """
    if role not in ROLES:
        raise ValueError(f"`role` must be one of {ROLES}. Received: {role!r}")
    rank = len(data_shape)
    if role == "latent_discriminator":
        units = width if (width and rank == 1) else DEFAULT_VECTOR_UNITS
        return vector_discriminator(
            latent_dim, units, name=name or "latent_discriminator"
        )
    name = name or (
        "image_discriminator" if role == "data_discriminator" else role
    )
    if rank == 3:
        data_shape = check_image_shape(data_shape)
        width = width or DEFAULT_IMAGE_WIDTH
        if role == "generator":
            net = image_generator(latent_dim, data_shape, width)
        elif role == "encoder":
            net = image_encoder(data_shape, latent_dim, width)
        else:
            net = image_discriminator(data_shape, width)
    elif rank == 2:
        data_shape = check_sequence_shape(data_shape)
        width = width or DEFAULT_SEQUENCE_WIDTH
        if role == "generator":
            net = sequence_generator(latent_dim, data_shape, width)
        elif role == "encoder":
            net = sequence_encoder(data_shape, latent_dim, width)
        else:
            net = sequence_discriminator(data_shape, width)
    else:
        features = data_shape[-1]
        width = width or DEFAULT_VECTOR_UNITS
        if role == "generator":
            net = vector_generator(latent_dim, features, width)
        elif role == "encoder":
            net = vector_encoder(features, latent_dim, width)
        else:
            net = vector_discriminator(features, width)
    net.name = name
    return net


def input_size(net, name):
    """The size of a network's flat input, e.g. a generator's code size.

    Args:
        net: A built Keras model with input shape `(batch, size)`.
        name: The network's role, for the error message.

    Returns:
        An int.

    Example:

    ```python
    input_size(generator, "generator")
    ```
    """
    shape = getattr(net, "input_shape", None)
    if not isinstance(shape, tuple) or len(shape) != 2 or shape[1] is None:
        raise ValueError(
            f"Could not read the input size of `{name}`: pass latent_dim "
            f"explicitly. Received input shape: {shape}"
        )
    return int(shape[1])


def check_network(net, name, in_shape, out_shape):
    """Checks that `net` maps `(batch, *in_shape)` to `(batch, *out_shape)`.

    Builds the network if it is not built yet.

    Args:
        net: A Keras layer or model.
        name: Its role, for error messages.
        in_shape: Expected input shape without the batch axis.
        out_shape: Expected output shape without the batch axis.

    Raises:
        ValueError: naming the network, the expected and received shapes.

    Example:

    ```python
    check_network(encoder, "encoder", (16, 16, 1), (32,))
    ```
    """
    dims = ", ".join(map(str, in_shape))
    try:
        spec = net.compute_output_spec(
            keras.KerasTensor((2,) + tuple(in_shape), dtype="float32")
        )
    except Exception as e:
        raise ValueError(
            f"`{name}` could not be applied to inputs of shape "
            f"(batch, {dims}): {e}"
        ) from e
    got = tuple(spec.shape[1:]) if hasattr(spec, "shape") else None
    if got != tuple(out_shape):
        raise ValueError(
            f"`{name}` must map inputs of shape (batch, {dims}) to outputs "
            f"of shape (batch, {', '.join(map(str, out_shape))}). Received "
            f"a network with output shape "
            f"{spec.shape if hasattr(spec, 'shape') else spec}."
        )
    if not getattr(net, "built", False):
        net.build((None,) + tuple(in_shape))
