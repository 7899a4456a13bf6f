"""DCGAN-style 1-D convolutional networks for sequences `(T, C)`."""

import math

import keras
from keras import layers

from keras_aegan.networks.conv import BN_MOMENTUM

MIN_LENGTH = 8
MAX_LENGTH = 1024
# Every network works on a 4-step-long map at its lowest resolution, as
# the image networks work on a 4-pixel-high one.
BASE_LENGTH = 4


def check_sequence_shape(sequence_shape):
    """Checks that default sequence networks can be built for a shape.

    Args:
        sequence_shape: `(steps, channels)`.

    Returns:
        The shape as a tuple of ints.

    Raises:
        ValueError: if the number of steps is not a power of two between
            8 and 1024, or channels is not positive. The message also
            says how to pass grayscale images, which are rank 3 without
            a channel axis and would otherwise be read as sequences.

    Example:

    ```python
    check_sequence_shape((64, 1))
    ```
    """
    shape = tuple(int(s) for s in sequence_shape)
    if len(shape) != 2:
        raise ValueError(
            "Sequences must have shape (steps, channels). "
            f"Received: sequence_shape={sequence_shape}"
        )
    steps, channels = shape
    supported = [2**k for k in range(3, 11)]
    if steps not in supported or channels < 1:
        raise ValueError(
            "The default sequence networks support lengths (steps) that "
            f"are powers of two in {supported} and at least one channel. "
            f"Received: sequence_shape={shape}. Crop, pad or resample the "
            "sequences, or pass your own networks (generator=..., "
            "encoder=..., image_discriminator=...). Data of shape "
            "(N, steps, channels) is read as sequences: for grayscale "
            "images of shape (N, height, width) add a channel axis with "
            "x[..., None]."
        )
    return shape


def _stages(sequence_shape):
    return int(math.log2(sequence_shape[0] // BASE_LENGTH))


def _channels(width, stage, stages):
    # Channels double toward low resolution, capped at 8 * width.
    return width * min(2 ** (stages - stage), 8)


def sequence_generator(latent_dim, sequence_shape, width=32):
    """Generator G: z -> sequence (linear output).

    A dense projection to a 4-step map, then stride-2 transposed 1-D
    convolutions with BatchNorm and ReLU, then a 1-D convolution (kernel
    3) to the channels. The output is linear, as for vectors: sequences
    are standardised per channel, so a sinusoid of unit standard
    deviation reaches +-1.41 and a tanh could not produce it.

    Args:
        latent_dim: Size of the latent code.
        sequence_shape: `(steps, channels)`, steps a power of two in
            8..1024.
        width: Channels of the highest-resolution block.

    Returns:
        A `keras.Model` named `"generator"`.

    Example:

    ```python
    g = sequence_generator(16, (64, 1))
    g(np.zeros((2, 16))).shape  # (2, 64, 1)
    ```
    """
    sequence_shape = check_sequence_shape(sequence_shape)
    stages = _stages(sequence_shape)
    z = keras.Input((latent_dim,))
    start = _channels(width, 0, stages)
    h = layers.Dense(BASE_LENGTH * start, use_bias=False)(z)
    h = layers.Reshape((BASE_LENGTH, start))(h)
    h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
    h = layers.ReLU()(h)
    for stage in range(1, stages + 1):
        h = layers.Conv1DTranspose(
            _channels(width, stage, stages),
            4,
            strides=2,
            padding="same",
            use_bias=False,
        )(h)
        h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
        h = layers.ReLU()(h)
    x = layers.Conv1D(sequence_shape[-1], 3, padding="same")(h)
    return keras.Model(z, x, name="generator")


def _conv_trunk(sequence_shape, width, batch_norm=True):
    stages = _stages(sequence_shape)
    x = keras.Input(sequence_shape)
    h = x
    for stage in range(stages):
        channels = _channels(width, stages - stage, stages)
        h = layers.Conv1D(
            channels, 4, strides=2, padding="same", use_bias=stage == 0
        )(h)
        if stage > 0 and batch_norm:
            h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
        h = layers.LeakyReLU(negative_slope=0.2)(h)
    return x, layers.Flatten()(h)


def sequence_encoder(sequence_shape, latent_dim, width=32):
    """Encoder E: sequence -> latent code (linear output).

    Stride-2 1-D convolutions (BatchNorm after the first) with
    LeakyReLU(0.2) down to a 4-step map, then a dense layer.

    Args:
        sequence_shape: `(steps, channels)`.
        latent_dim: Size of the latent code.
        width: Channels of the highest-resolution block.

    Returns:
        A `keras.Model` named `"encoder"`.

    Example:

    ```python
    e = sequence_encoder((64, 1), 16)
    e(np.zeros((2, 64, 1))).shape  # (2, 16)
    ```
    """
    sequence_shape = check_sequence_shape(sequence_shape)
    x, h = _conv_trunk(sequence_shape, width)
    return keras.Model(x, layers.Dense(latent_dim)(h), name="encoder")


def sequence_discriminator(sequence_shape, width=32, batch_norm=True):
    """Sequence discriminator: sequence -> one logit.

    Same trunk as `sequence_encoder`, with a single linear output.

    Args:
        sequence_shape: `(steps, channels)`.
        width: Channels of the highest-resolution block.
        batch_norm: BatchNorm after the convolutions but the first. Turn
            it off for per-sample gradient penalties, as for
            `image_discriminator`.

    Returns:
        A `keras.Model` named `"sequence_discriminator"`.

    Example:

    ```python
    d = sequence_discriminator((64, 1))
    d(np.zeros((2, 64, 1))).shape  # (2, 1)
    ```
    """
    sequence_shape = check_sequence_shape(sequence_shape)
    x, h = _conv_trunk(sequence_shape, width, batch_norm)
    return keras.Model(x, layers.Dense(1)(h), name="sequence_discriminator")
