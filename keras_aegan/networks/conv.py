"""DCGAN-style convolutional networks for images."""

import math

import keras
from keras import layers

from keras_aegan.layers.conv import Conv2D

MIN_IMAGE_SIZE = 8
MAX_IMAGE_SIZE = 128
# PyTorch's default (0.1 there, 1 - 0.1 here), used by the reference
# DCGAN/AEGAN code. Keras's 0.99 leaves the moving statistics far from the
# batch statistics for the first few hundred steps, so inference-mode
# samples and reconstructions lag behind training.
BN_MOMENTUM = 0.9
UPSAMPLINGS = ("bilinear", "nearest", "transposed")
DEFAULT_UPSAMPLING = "bilinear"


def check_image_shape(image_shape):
    """Checks that default conv networks can be built for `image_shape`.

    Args:
        image_shape: `(height, width, channels)`.

    Returns:
        The shape as a tuple of ints.

    Raises:
        ValueError: if height or width is not a power of two between 8 and
            128, or channels is not positive.

    Example:

    ```python
    check_image_shape((16, 16, 1))
    ```
    """
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3:
        raise ValueError(
            "Images must have shape (height, width, channels). "
            f"Received: image_shape={image_shape}"
        )
    height, width, channels = shape
    supported = [2**k for k in range(3, 8)]
    if height not in supported or width not in supported or channels < 1:
        raise ValueError(
            "The default image networks support height and width that are "
            f"powers of two in {supported} and at least one channel. "
            f"Received: image_shape={shape}. Resize or pad the images, or "
            "pass your own networks (generator=..., encoder=..., "
            "image_discriminator=...)."
        )
    return shape


def _stages(image_shape):
    height, width, _ = image_shape
    stages = int(math.log2(min(height, width))) - 2
    return stages, height >> stages, width >> stages


def _channels(width, stage, stages):
    # Channels double toward low resolution, capped at 8 * width.
    return width * min(2 ** (stages - stage), 8)


def image_generator(
    latent_dim, image_shape, width=32, upsampling=DEFAULT_UPSAMPLING
):
    """Generator G: z -> image in [-1, 1] (tanh output).

    A dense projection to a 4-pixel-high map, then blocks that double
    the resolution, each with BatchNorm and ReLU, then a 3x3 convolution
    to the image channels. By default a block resizes (bilinear) and
    then applies a 3x3 convolution: no checkerboard artifacts, and
    smoother samples on the built-in digits than stride-2 transposed
    convolutions (see `benchmarks/quality/README.md`).

    Args:
        latent_dim: Size of the latent code.
        image_shape: `(height, width, channels)`, sides powers of two in
            8..128.
        width: Channels of the highest-resolution block.
        upsampling: `"bilinear"` (default) or `"nearest"`: resize, then
            a 3x3 convolution; `"transposed"`: a 4x4 stride-2 transposed
            convolution (the DCGAN paper's block).

    Returns:
        A `keras.Model` named `"generator"`.

    Example:

    ```python
    g = image_generator(16, (16, 16, 1))
    ```
    """
    if upsampling not in UPSAMPLINGS:
        raise ValueError(
            f"`upsampling` must be one of {UPSAMPLINGS}. Received: "
            f"upsampling={upsampling!r}"
        )
    image_shape = check_image_shape(image_shape)
    stages, start_h, start_w = _stages(image_shape)
    z = keras.Input((latent_dim,))
    h = layers.Dense(
        start_h * start_w * _channels(width, 0, stages), use_bias=False
    )(z)
    h = layers.Reshape((start_h, start_w, _channels(width, 0, stages)))(h)
    h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
    h = layers.ReLU()(h)
    for stage in range(1, stages + 1):
        channels = _channels(width, stage, stages)
        if upsampling == "transposed":
            h = layers.Conv2DTranspose(
                channels, 4, strides=2, padding="same", use_bias=False
            )(h)
        else:
            h = layers.UpSampling2D(2, interpolation=upsampling)(h)
            h = Conv2D(channels, 3, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
        h = layers.ReLU()(h)
    x = Conv2D(image_shape[-1], 3, padding="same")(h)
    x = layers.Activation("tanh")(x)
    return keras.Model(z, x, name="generator")


def _conv_trunk(image_shape, width, batch_norm=True):
    stages, _, _ = _stages(image_shape)
    x = keras.Input(image_shape)
    h = x
    for stage in range(stages):
        channels = _channels(width, stages - stage, stages)
        h = Conv2D(channels, 4, strides=2, padding="same", use_bias=stage == 0)(
            h
        )
        if stage > 0 and batch_norm:
            h = layers.BatchNormalization(momentum=BN_MOMENTUM)(h)
        h = layers.LeakyReLU(negative_slope=0.2)(h)
    return x, layers.Flatten()(h)


def image_encoder(image_shape, latent_dim, width=32):
    """Encoder E: image -> latent code (linear output).

    Stride-2 convolutions (BatchNorm after the first) with LeakyReLU(0.2)
    down to a 4-pixel-high map, then a dense layer.

    Args:
        image_shape: `(height, width, channels)`.
        latent_dim: Size of the latent code.
        width: Channels of the highest-resolution block.

    Returns:
        A `keras.Model` named `"encoder"`.

    Example:

    ```python
    e = image_encoder((16, 16, 1), 16)
    ```
    """
    image_shape = check_image_shape(image_shape)
    x, h = _conv_trunk(image_shape, width)
    return keras.Model(x, layers.Dense(latent_dim)(h), name="encoder")


def image_discriminator(image_shape, width=32, batch_norm=True):
    """Image discriminator Dx: image -> one logit.

    Same trunk as `image_encoder`, with a single linear output.

    Args:
        image_shape: `(height, width, channels)`.
        width: Channels of the highest-resolution block.
        batch_norm: BatchNorm after the convolutions but the first. Off
            for gradient penalties, which are per-sample: batch
            statistics couple the samples (Gulrajani et al. 2017), and
            TensorFlow's second derivative through BatchNorm differs from
            the other backends' (`tf.nn.moments` stops the gradient of
            the mean inside the variance).

    Returns:
        A `keras.Model` named `"image_discriminator"`.

    Example:

    ```python
    d = image_discriminator((16, 16, 1))
    ```
    """
    image_shape = check_image_shape(image_shape)
    x, h = _conv_trunk(image_shape, width, batch_norm)
    return keras.Model(x, layers.Dense(1)(h), name="image_discriminator")
