"""The benchmark configurations as keras_aegan models.

Builds Keras networks (plain `keras.layers`, so they run on whatever
`KERAS_BACKEND` is) from the layer lists of `specs.py` and passes them to
`keras_aegan.AEGAN` as `generator=`, `encoder=`, `image_discriminator=`
and `latent_discriminator=`. Losses, loss weights, labels and optimizers
are the library's defaults, which `specs.py` restates for the native
loops.
"""

import keras

import keras_aegan
from benchmarks import specs
from keras_aegan.trainers import data_checks


def keras_network(config, role):
    """The Keras model of network `role` of a configuration."""
    inputs = keras.Input(config.input_shape(role))
    h = inputs
    for layer in config.networks[role]:
        kind = layer[0]
        if kind == "dense":
            h = keras.layers.Dense(layer[1], use_bias=layer[2])(h)
        elif kind == "conv":
            _, filters, kernel, stride, bias = layer
            h = keras.layers.Conv2D(
                filters, kernel, strides=stride, padding="same", use_bias=bias
            )(h)
        elif kind == "tconv":
            _, filters, kernel, stride, bias = layer
            h = keras.layers.Conv2DTranspose(
                filters, kernel, strides=stride, padding="same", use_bias=bias
            )(h)
        elif kind == "upsample":
            h = keras.layers.UpSampling2D(layer[1], interpolation="bilinear")(h)
        elif kind == "bn":
            h = keras.layers.BatchNormalization(
                momentum=specs.BN_MOMENTUM, epsilon=specs.BN_EPSILON
            )(h)
        elif kind == "reshape":
            h = keras.layers.Reshape(layer[1])(h)
        elif kind == "flatten":
            h = keras.layers.Flatten()(h)
        elif kind == "relu":
            h = keras.layers.ReLU()(h)
        elif kind == "leaky":
            h = keras.layers.LeakyReLU(negative_slope=specs.LEAKY_SLOPE)(h)
        elif kind == "tanh":
            h = keras.layers.Activation("tanh")(h)
        else:
            raise ValueError(f"Unknown layer kind {kind!r}")
    return keras.Model(inputs, h, name=role)


def build_model(config, x=None, seed=0, jit_compile="auto", optimizer="adam"):
    """A compiled keras_aegan `AEGAN` with the configuration's networks.

    Args:
        config: A `specs.Config`.
        x: Data to build the data scaler from (NumPy, user units). With
            `None` the model is built on its first `fit()`.
        seed: Seed of the model's noise generator.
        jit_compile: Passed to `compile()` (`"auto"`: the library's
            default).
        optimizer: `"adam"`: the library's default optimizers. `"sgd"`:
            `keras.optimizers.SGD` with the same learning rates (used by
            the equivalence check, where an update linear in the gradient
            keeps float32 rounding from being amplified).

    Returns:
        The compiled model (the library's default loss weights).
    """
    model = keras_aegan.AEGAN(
        latent_dim=config.latent_dim,
        seed=seed,
        # The native loops keep no moving average: compare like for like.
        ema_decay=None,
        **{role: keras_network(config, role) for role in specs.ROLES},
    )
    if x is not None:
        model.build_for(x.shape[1:], data_checks.inspect_array(x))
    optimizers = {}
    if optimizer == "sgd":
        optimizers = {
            "generator_optimizer": keras.optimizers.SGD(
                specs.GENERATOR_ADAM["learning_rate"]
            ),
            "discriminator_optimizer": keras.optimizers.SGD(
                specs.DISCRIMINATOR_ADAM["learning_rate"]
            ),
        }
    elif optimizer != "adam":
        raise ValueError(f"Unknown optimizer {optimizer!r}")
    model.compile(jit_compile=jit_compile, **optimizers)
    return model


def keras_weights(model):
    """Dict mapping each role to its NumPy weights in Keras's order."""
    return {
        role: [
            keras.ops.convert_to_numpy(v) for v in getattr(model, role).weights
        ]
        for role in specs.ROLES
    }


def set_keras_weights(model, weights):
    """Sets every network's weights from `keras_weights`' format."""
    for role in specs.ROLES:
        getattr(model, role).set_weights(weights[role])


def scaler_statistics(model):
    """(offset, scale) of the model's fitted `DataScaler`, as NumPy."""
    scaler = model.data_scaler
    return (
        keras.ops.convert_to_numpy(scaler.offset),
        keras.ops.convert_to_numpy(scaler.scale),
    )
