"""Joint discriminators `D(x, z)` on (sample, code) pairs (BiGAN, ALI).

A joint discriminator is a two-input `keras.Model` called on `[x, z]`
that returns one logit per pair. The defaults:

- vectors `(features,)`: `x` and `z` are concatenated and fed to an MLP
  (3 hidden layers, LeakyReLU 0.2), as the discriminators of
  `keras_aegan.networks.mlp`;
- images `(H, W, C)` (and any other data the default encoder supports):
  the package's default encoder of the data (for images the DCGAN-style
  conv trunk of `keras_aegan.networks.conv`) maps `x` to features, a
  2-layer MLP maps `z` to features, and a 2-layer joint MLP maps the
  concatenated features to the logit (the three-part design of BiGAN
  and ALI).
"""

import keras
from keras import layers

from keras_aegan.networks.defaults import default_network
from keras_aegan.utils.validation import check_positive_int

DEFAULT_VECTOR_UNITS = 128
DEFAULT_IMAGE_WIDTH = 32
# Size of the x features and hidden units of the z and joint MLPs of the
# image network, per unit of `width`: 8 * width is the channel count of
# the conv trunk's deepest block (256 with the default width).
IMAGE_UNITS_PER_WIDTH = 8


def _leaky_dense(h, units, depth):
    for _ in range(depth):
        h = layers.Dense(units)(h)
        h = layers.LeakyReLU(negative_slope=0.2)(h)
    return h


def joint_discriminator(data_shape, latent_dim, width=None, name=None):
    """Builds the default joint discriminator `D(x, z) -> logit`.

    Args:
        data_shape: Shape of one sample: `(features,)` for vectors,
            `(height, width, channels)` for images (sides powers of two
            in 8..128), or any other shape `default_network` builds an
            encoder for.
        latent_dim: Size of the code `z`.
        width: Hidden units of the vector MLP (default 128), or the
            `width` of the default encoder used as the x trunk (for
            images: channels of the highest-resolution conv block,
            default 32); the x features and the z and joint MLPs then
            have `8 * width` units.
        name: Name of the model (default `"discriminator"`).

    Returns:
        A `keras.Model` with inputs `[x, z]` of shapes
        `(batch, *data_shape)` and `(batch, latent_dim)` and output
        `(batch, 1)` logits.

    Example:

    ```python
    d = joint_discriminator((16, 16, 1), latent_dim=32, width=8)
    logits = d([np.zeros((4, 16, 16, 1)), np.zeros((4, 32))])  # (4, 1)
    ```

    Reference:
        - [Donahue et al., "Adversarial Feature Learning", 2016](
          https://arxiv.org/abs/1605.09782)
        - [Dumoulin et al., "Adversarially Learned Inference", 2016](
          https://arxiv.org/abs/1606.00704)
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if width is not None:
        width = check_positive_int("width", width)
    data_shape = tuple(int(s) for s in data_shape)
    name = name or "discriminator"
    x = keras.Input(data_shape)
    z = keras.Input((latent_dim,))
    if len(data_shape) == 1:
        h = layers.Concatenate()([x, z])
        h = _leaky_dense(h, width or DEFAULT_VECTOR_UNITS, 3)
    else:
        units = IMAGE_UNITS_PER_WIDTH * (width or DEFAULT_IMAGE_WIDTH)
        trunk = default_network(
            "encoder", data_shape, units, width, name=f"{name}_x_features"
        )
        hx = layers.LeakyReLU(negative_slope=0.2)(trunk(x))
        hz = _leaky_dense(z, units, 2)
        h = _leaky_dense(layers.Concatenate()([hx, hz]), units, 2)
    logits = layers.Dense(1)(h)
    return keras.Model([x, z], logits, name=name)


def check_joint_network(net, name, data_shape, latent_dim):
    """Checks that `net` maps `[x, z]` to `(batch, 1)` logits.

    Builds the network if it is not built yet.

    Args:
        net: A Keras layer or model called on a list `[x, z]`.
        name: Its role, for error messages.
        data_shape: Shape of one sample `x`.
        latent_dim: Size of the code `z`.

    Raises:
        ValueError: naming the network, the expected and received shapes.

    Example:

    ```python
    check_joint_network(d, "discriminator", (2,), 2)
    ```
    """
    shapes = [tuple(data_shape), (int(latent_dim),)]
    expected = (
        f"inputs [x, z] of shapes (batch, {', '.join(map(str, data_shape))})"
        f" and (batch, {latent_dim})"
    )
    _check_two_inputs(net, name, shapes, expected)


def _check_two_inputs(net, name, shapes, expected):
    """Applies `net` to two symbolic inputs of `shapes` (one sample
    each) and checks for `(batch, 1)` outputs; builds it if needed."""
    specs = [keras.KerasTensor((2,) + s, dtype="float32") for s in shapes]
    try:
        spec = net.compute_output_spec(specs)
    except Exception as e:
        raise ValueError(
            f"`{name}` could not be applied to {expected}: {e}"
        ) from e
    got = tuple(spec.shape[1:]) if hasattr(spec, "shape") else None
    if got != (1,):
        raise ValueError(
            f"`{name}` must map {expected} to outputs of shape (batch, 1). "
            f"Received a network with output "
            f"{spec.shape if hasattr(spec, 'shape') else spec}."
        )
    if not getattr(net, "built", False):
        net.build([(None,) + s for s in shapes])


def pair_discriminator(data_shape, width=None, name=None):
    """Builds a discriminator `D(a, b) -> logit` on pairs of samples.

    ALAD's cycle discriminators: `D_xx` tells `(x, x)` from
    `(x, G(E(x)))` and `D_zz` tells `(z, z)` from `(z, E(G(z)))`. Both
    inputs have the same shape. Vectors are concatenated and fed to an
    MLP (3 hidden layers of `width` units, default 128, LeakyReLU 0.2);
    images `(H, W, C)` and sequences `(T, C)` are stacked along the
    channels, `(H, W, 2C)`, and fed to the default encoder of that shape
    (`width` its channels at full resolution, default 32) with
    `8 * width` output features. The input of the output layer is the
    feature vector ALAD's anomaly score compares.

    Args:
        data_shape: Shape of one input.
        width: Width as above, or None for the default.
        name: Name of the model (default `"pair_discriminator"`).

    Returns:
        A `keras.Model` with inputs `[a, b]` of shape
        `(batch, *data_shape)` each and output `(batch, 1)` logits.

    Example:

    ```python
    d = pair_discriminator((16, 16, 1), width=8)
    logits = d([np.zeros((4, 16, 16, 1)), np.zeros((4, 16, 16, 1))])
    ```

    Reference:
        - [Zenati et al., "Adversarially Learned Anomaly Detection",
          2018](https://arxiv.org/abs/1812.02288)
    """
    if width is not None:
        width = check_positive_int("width", width)
    data_shape = tuple(int(s) for s in data_shape)
    name = name or "pair_discriminator"
    a = keras.Input(data_shape)
    b = keras.Input(data_shape)
    h = layers.Concatenate(axis=-1)([a, b])
    if len(data_shape) == 1:
        h = _leaky_dense(h, width or DEFAULT_VECTOR_UNITS, 3)
    else:
        units = IMAGE_UNITS_PER_WIDTH * (width or DEFAULT_IMAGE_WIDTH)
        stacked = data_shape[:-1] + (2 * data_shape[-1],)
        trunk = default_network(
            "encoder", stacked, units, width, name=f"{name}_features"
        )
        h = layers.LeakyReLU(negative_slope=0.2)(trunk(h))
    logits = layers.Dense(1)(h)
    return keras.Model([a, b], logits, name=name)


def check_pair_network(net, name, shape):
    """Checks that `net` maps `[a, b]`, both of `shape`, to `(batch, 1)`.

    Args:
        net: A Keras layer or model called on a list `[a, b]`.
        name: Its role, for error messages.
        shape: Shape of one input sample.

    Raises:
        ValueError: naming the network, the expected and received shapes.
    """
    shape = tuple(int(s) for s in shape)
    dims = ", ".join(map(str, shape))
    expected = f"inputs [a, b] both of shape (batch, {dims})"
    _check_two_inputs(net, name, [shape, shape], expected)
