"""The two benchmark configurations as framework-free layer lists.

`configs.py` builds Keras networks from these lists and each native
module (`native_torch.py`, `native_jax.py`, `native_tf.py`) builds its
own, so every implementation runs the same architecture. Nothing here
imports a framework: a process timing only a native loop does not load
Keras.

A layer is a tuple whose first item names its kind:

- `("dense", units, use_bias)`
- `("conv", filters, kernel, stride, use_bias)`: "same" padding
- `("tconv", filters, kernel, stride, use_bias)`: transposed, "same"
- `("upsample", factor)`: bilinear resize by an integer factor (half-pixel
  centres, no antialiasing: Keras's `UpSampling2D(interpolation=
  "bilinear")`)
- `("bn",)`: BatchNormalization, momentum `BN_MOMENTUM` (Keras
  convention: `moving = momentum * moving + (1 - momentum) * batch`),
  epsilon `BN_EPSILON`
- `("reshape", (h, w, c))`, `("flatten",)`: channels-last order
- `("relu",)`, `("leaky",)` (slope `LEAKY_SLOPE`), `("tanh",)`

Every implementation initialises kernels with Glorot-uniform (Keras's
default), biases and BatchNorm `beta` with zeros, `gamma` and moving
variances with ones, moving means with zeros.

The weights of a network, in Keras's order, are per layer: dense and
conv `[kernel, bias?]`, bn `[gamma, beta, moving_mean,
moving_variance]`; kernels in Keras layout (dense `(in, out)`, conv
`(kh, kw, in, out)`, transposed conv `(kh, kw, out, in)`).
"""

import dataclasses

import numpy as np

# The library's default networks use 0.9 (PyTorch's 0.1); see
# keras_aegan/networks/conv.py.
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-3  # Keras's default
LEAKY_SLOPE = 0.2

ROLES = ("generator", "encoder", "image_discriminator", "latent_discriminator")

# Loss weights, labels and optimizers of keras_aegan's AEGAN defaults
# (`AEGAN.default_loss_weights` and `default_optimizers`): images keep
# the paper's reconstruction weights, vectors use 0.1/0.1.
LOSS_WEIGHTS = {
    "reconstruction_x": 10.0,
    "reconstruction_z": 5.0,
    "adversarial_x": 1.0,
    "adversarial_z": 1.0,
}
VECTOR_LOSS_WEIGHTS = dict(
    LOSS_WEIGHTS, reconstruction_x=0.1, reconstruction_z=0.1
)
REAL_LABEL = 0.95
FAKE_LABEL = 0.05
GENERATOR_ADAM = {"learning_rate": 4e-4, "beta_1": 0.5, "beta_2": 0.999}
DISCRIMINATOR_ADAM = {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}
ADAM_EPSILON = 1e-7  # Keras's default

# Loss terms in the order the library logs them, per phase.
DISCRIMINATOR_TERMS = (
    "dx_real",
    "dx_generated",
    "dx_reconstructed",
    "dz_prior",
    "dz_encoded",
    "dz_reconstructed",
)
GENERATOR_TERMS = (
    "reconstruction_x",
    "reconstruction_z",
    "gx_generated",
    "gx_reconstructed",
    "gz_encoded",
    "gz_reconstructed",
)
LOSS_NAMES = (
    DISCRIMINATOR_TERMS
    + ("discriminator_loss",)
    + GENERATOR_TERMS
    + ("generator_loss",)
)


@dataclasses.dataclass(frozen=True)
class Config:
    """One benchmark configuration.

    Attributes:
        name: `"mlp"`, `"conv32"` or `"conv32_transposed"`.
        data_shape: Shape of one sample.
        latent_dim: Size of the code.
        batch_size: Samples per step.
        networks: Dict mapping each role to its layer list.
        library_defaults: Whether the networks are the ones keras_aegan
            builds by default for this data (`check_equivalence.py`
            fails a configuration that claims so and is not).
    """

    name: str
    data_shape: tuple
    latent_dim: int
    batch_size: int
    networks: dict
    library_defaults: bool = True

    @property
    def loss_weights(self):
        """The library's default loss weights for this data kind."""
        if len(self.data_shape) == 1:
            return dict(VECTOR_LOSS_WEIGHTS)
        return dict(LOSS_WEIGHTS)

    def input_shape(self, role):
        """Shape of one input sample of the network `role`."""
        if role in ("generator", "latent_discriminator"):
            return (self.latent_dim,)
        return self.data_shape


def _mlp(output_dim, activation, units=128, depth=3):
    layers = []
    for _ in range(depth):
        layers += [("dense", units, True), (activation,)]
    return layers + [("dense", output_dim, True)]


def _conv_trunk():
    # As keras_aegan.networks.conv: no BatchNorm after the first conv
    # (which has the bias), BatchNorm instead of a bias after the others.
    return [
        ("conv", 64, 4, 2, True),
        ("leaky",),
        ("conv", 128, 4, 2, False),
        ("bn",),
        ("leaky",),
        ("conv", 256, 4, 2, False),
        ("bn",),
        ("leaky",),
        ("flatten",),
    ]


def _mlp_config():
    return Config(
        name="mlp",
        data_shape=(2,),
        latent_dim=2,
        batch_size=256,
        networks={
            "generator": _mlp(2, "relu"),
            "encoder": _mlp(2, "relu"),
            "image_discriminator": _mlp(1, "leaky"),
            "latent_discriminator": _mlp(1, "leaky"),
        },
    )


def _conv32_config(upsampling="bilinear"):
    # DCGAN-style; the same networks keras_aegan builds by default for
    # (32, 32, 3) images with width=64 (checked by check_equivalence.py):
    # each generator block resizes (bilinear) and applies a 3x3
    # convolution. `conv32_transposed` keeps the 4x4 stride-2 transposed
    # convolutions the library's generator had before December 2026
    # (`image_generator(upsampling="transposed")`).
    generator = [
        ("dense", 4 * 4 * 512, False),
        ("reshape", (4, 4, 512)),
        ("bn",),
        ("relu",),
    ]
    for filters in (256, 128, 64):
        if upsampling == "transposed":
            generator += [("tconv", filters, 4, 2, False)]
        else:
            generator += [("upsample", 2), ("conv", filters, 3, 1, False)]
        generator += [("bn",), ("relu",)]
    generator += [("conv", 3, 3, 1, True), ("tanh",)]
    return Config(
        name="conv32" if upsampling != "transposed" else "conv32_transposed",
        data_shape=(32, 32, 3),
        latent_dim=16,
        batch_size=64,
        networks={
            "generator": generator,
            "encoder": _conv_trunk() + [("dense", 16, True)],
            "image_discriminator": _conv_trunk() + [("dense", 1, True)],
            "latent_discriminator": _mlp(1, "leaky"),
        },
        library_defaults=upsampling != "transposed",
    )


CONFIGS = {
    "mlp": _mlp_config(),
    "conv32": _conv32_config(),
    "conv32_transposed": _conv32_config("transposed"),
}


def get(name):
    """The `Config` called `name`."""
    if name not in CONFIGS:
        raise ValueError(
            f"Unknown configuration {name!r}. Choose one of {sorted(CONFIGS)}."
        )
    return CONFIGS[name]


def layer_shapes(config, role):
    """Per layer: (layer, input shape, output shape), batch axis omitted."""
    shape = tuple(config.input_shape(role))
    out = []
    for layer in config.networks[role]:
        kind = layer[0]
        if kind == "dense":
            new = shape[:-1] + (layer[1],)
        elif kind in ("conv", "tconv"):
            h, w, _ = shape
            s = layer[3]
            if kind == "conv":
                new = (-(-h // s), -(-w // s), layer[1])
            else:
                new = (h * s, w * s, layer[1])
        elif kind == "upsample":
            h, w, c = shape
            new = (h * layer[1], w * layer[1], c)
        elif kind == "reshape":
            new = tuple(layer[1])
        elif kind == "flatten":
            new = (int(np.prod(shape)),)
        else:
            new = shape
        out.append((layer, shape, new))
        shape = new
    return out


def make_data(config, n, seed=0):
    """`n` training samples of a configuration, as float32 NumPy.

    `mlp`: the 2-D ring (`keras_aegan.datasets.make_ring`, 8 modes).
    `conv32`: uniform random images in [-1, 1] (speed does not depend on
    the pixels; keras_aegan reads this range as "symmetric" and maps it
    to the networks' [-1, 1] unchanged).
    """
    if config.name == "mlp":
        from keras_aegan.datasets.toy import make_ring

        return make_ring(n, seed=seed)
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (n,) + config.data_shape).astype("float32")


def scaler_statistics(config, x):
    """(offset, scale) keras_aegan's `DataScaler` fits on data `x`.

    Vectors are standardised per feature (float64 statistics, zero
    spread mapped to 1); images in [-1, 1] are left as they are.
    """
    if len(config.data_shape) == 1:
        values = np.asarray(x, "float64")
        std = values.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return values.mean(axis=0).astype("float32"), std.astype("float32")
    channels = config.data_shape[-1]
    return np.zeros(channels, "float32"), np.ones(channels, "float32")


def glorot_limit(kernel_shape):
    """Bound of Keras's Glorot-uniform initialiser for a kernel shape."""
    receptive = int(np.prod(kernel_shape[:-2])) if len(kernel_shape) > 2 else 1
    fan_in = kernel_shape[-2] * receptive
    fan_out = kernel_shape[-1] * receptive
    return float(np.sqrt(6.0 / (fan_in + fan_out)))


def keras_weight_shapes(config, role):
    """Shapes of a network's weights in Keras's order and layout."""
    shapes = []
    for layer, in_shape, _ in layer_shapes(config, role):
        kind = layer[0]
        if kind == "dense":
            shapes.append((in_shape[-1], layer[1]))
            if layer[2]:
                shapes.append((layer[1],))
        elif kind == "conv":
            k = layer[2]
            shapes.append((k, k, in_shape[-1], layer[1]))
            if layer[4]:
                shapes.append((layer[1],))
        elif kind == "tconv":
            k = layer[2]
            shapes.append((k, k, layer[1], in_shape[-1]))
            if layer[4]:
                shapes.append((layer[1],))
        elif kind == "bn":
            shapes += [(in_shape[-1],)] * 4
    return shapes


def initial_weights(config, role, rng):
    """NumPy weights of a network drawn like Keras's initialisers do.

    Same distributions as Keras (not the same numbers: each framework has
    its own random stream, and the equivalence check copies the Keras
    model's values instead).
    """
    weights = []
    for layer, in_shape, _ in layer_shapes(config, role):
        kind = layer[0]
        if kind in ("dense", "conv", "tconv"):
            n = len(weights)
            shape = keras_weight_shapes(config, role)[n]
            limit = glorot_limit(shape)
            weights.append(rng.uniform(-limit, limit, shape).astype("float32"))
            has_bias = layer[2] if kind == "dense" else layer[4]
            if has_bias:
                weights.append(np.zeros((layer[1],), "float32"))
        elif kind == "bn":
            c = in_shape[-1]
            weights += [
                np.ones(c, "float32"),
                np.zeros(c, "float32"),
                np.zeros(c, "float32"),
                np.ones(c, "float32"),
            ]
    return weights
