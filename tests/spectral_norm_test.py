"""Spectral normalization in an AEGAN image discriminator.

Two ways, each trained a few steps, then checked for finite losses, a
save/load round trip and the spectral norms of the normalized kernels:

- keras_aegan's `SpectralConv2D` and `SpectralDense`, which compute
  W / sigma functionally and only assign their non-trainable `u`: they
  must work on every backend.
- Keras's `keras.layers.SpectralNormalization` wrapper around every conv
  and dense layer. Two backends fail because of Keras 3.15's wrapper
  itself (see the xfail reasons; reproduced there with plain Keras,
  without keras_aegan): the tests stay as a record of those bugs.
"""

import keras
import numpy as np
import pytest
from conftest import BACKEND
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.layers.conv import Conv2D
from keras_aegan.layers.spectral_conv2d import SpectralConv2D
from keras_aegan.layers.spectral_dense import SpectralDense

STEPS = 4  # train steps of BATCH digits: enough to move every weight
BATCH = 32

# The bound of test_wrapped_kernels_have_unit_spectral_norm holds exactly
# in real arithmetic; float32 rounds the power iteration's products of at
# most 256 terms by 256 * 2**-24 (1.5e-5) relative each, over a handful
# of such steps: 1e-4 covers them.
ROUNDING = 1e-4

TORCH_INPLACE = pytest.mark.xfail(
    BACKEND == "torch",
    raises=RuntimeError,
    strict=True,
    reason=(
        "Keras 3.15 bug: SpectralNormalization.call(training=True) writes "
        "the normalized kernel into the wrapped layer's kernel in place "
        "(Variable.assign is copy_ under no_grad on torch). A second "
        "training call before the backward pass (AEGAN's discriminator "
        "sees real, generated and reconstructed batches in one loss) "
        "overwrites a tensor the first call's graph saved, and autograd "
        "raises 'modified by an inplace operation'. Plain Keras, "
        "Sequential([Dense(4), SpectralNormalization(Dense(3))]) called "
        "twice then torch.autograd.grad, fails the same way."
    ),
)
JAX_STATELESS = pytest.mark.xfail(
    BACKEND == "jax",
    raises=AssertionError,
    strict=True,
    reason=(
        "Keras 3.15 bug: SpectralNormalization normalizes by assigning to "
        "the wrapped layer's trainable kernel inside call(). JAX training "
        "is stateless and hands back only non-trainable state (Keras's "
        "own fit() drops the assignment too, through "
        "Layer.stateless_call), so the stored kernel is never normalized: "
        "the loss sees W / sigma, but the saved kernel, which inference "
        "uses, keeps its raw spectral norm (plain Keras Model.fit of "
        "SpectralNormalization(Dense(3)): 1.68 before and after on JAX, "
        "1.00 after on TensorFlow)."
    ),
)


def spectral_discriminator():
    SN = keras.layers.SpectralNormalization
    x = keras.Input((16, 16, 1))
    h = SN(Conv2D(8, 4, strides=2, padding="same"))(x)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = SN(Conv2D(16, 4, strides=2, padding="same"))(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Flatten()(h)
    logit = SN(keras.layers.Dense(1))(h)
    return keras.Model(x, logit, name="image_discriminator")


def wrappers(model):
    return [
        layer
        for layer in model.image_discriminator.layers
        if isinstance(layer, keras.layers.SpectralNormalization)
    ]


_trained = {}


def trained(digits):
    """The AEGAN trained for STEPS steps, and its history (built once)."""
    if not _trained:
        keras.utils.set_random_seed(0)
        model = keras_aegan.AEGAN(
            image_discriminator=spectral_discriminator(), width=8, seed=0
        )
        x = digits[0][0][: STEPS * BATCH]
        history = model.fit(x, batch_size=BATCH, epochs=1, verbose=0)
        _trained.update(model=model, history=history)
    return _trained["model"], _trained["history"]


@TORCH_INPLACE
@pytest.mark.rotation("torch")
def test_trains_with_finite_losses_and_reloads(digits, tmp_path):
    model, history = trained(digits)
    assert len(history.history["discriminator_loss"]) == 1
    assert_all_finite(history)
    path = tmp_path / "aegan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert len(wrappers(loaded)) == 3
    np.testing.assert_array_equal(
        loaded.generate(4, seed=0), model.generate(4, seed=0)
    )
    # The wrapped discriminator's weights came back too.
    x = digits[1][0][:8] * 2.0 - 1.0
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.image_discriminator(x)),
        keras.ops.convert_to_numpy(model.image_discriminator(x)),
    )


@TORCH_INPLACE
@JAX_STATELESS
def test_wrapped_kernels_have_unit_spectral_norm(digits):
    """Each wrapped kernel W, reshaped (fan_in, units), has sigma_1 ~ 1.

    A train step ends in the generator phase, whose training-mode calls
    of the discriminator replace each kernel by W / s, with s Keras's
    one-step power-iteration estimate of sigma_1(W) from the stored
    vector u (the phase then restores u). For unit u at angle theta to
    W's top right singular vector, s = |W^T W u| / |W u|, and with
    c_i = <u, e_i>: s^2 = sum(c^2 sigma^4) / sum(c^2 sigma^2) >=
    sum(c^2 sigma^2) >= sigma_1^2 cos^2 theta, while s <= sigma_1. So the
    kernel left has 1 <= sigma_1 <= 1 / cos(theta), theta taken at the
    stored u (further iterations only shrink it). A dense layer with one
    unit has a one-dimensional u: cos(theta) = 1, and the norm is 1.
    """
    model, _ = trained(digits)
    layers = wrappers(model)
    assert len(layers) == 3
    for layer in layers:
        kernel = keras.ops.convert_to_numpy(layer.layer.kernel)
        kernel = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
        u = keras.ops.convert_to_numpy(layer.vector_u)[0].astype("float64")
        _, sigmas, vt = np.linalg.svd(kernel)
        cos_theta = abs(u @ vt[0]) / np.linalg.norm(u)
        upper = 1.0 / cos_theta
        assert 1.0 - ROUNDING <= sigmas[0] <= upper + ROUNDING, (
            layer.name,
            sigmas[0],
            upper,
        )


# keras_aegan's own layers: no xfail on any backend.


def own_spectral_discriminator():
    x = keras.Input((16, 16, 1))
    h = SpectralConv2D(8, 4, strides=2, padding="same")(x)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = SpectralConv2D(16, 4, strides=2, padding="same")(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Flatten()(h)
    logit = SpectralDense(1)(h)
    return keras.Model(x, logit, name="image_discriminator")


def own_spectral_layers(model):
    return [
        layer
        for layer in model.image_discriminator.layers
        if isinstance(layer, (SpectralConv2D, SpectralDense))
    ]


_own_trained = {}


def own_trained(digits):
    """An AEGAN with SpectralConv2D/SpectralDense, trained STEPS steps.

    Also returns each spectral layer's `u` before training.
    """
    if not _own_trained:
        keras.utils.set_random_seed(0)
        model = keras_aegan.AEGAN(
            image_discriminator=own_spectral_discriminator(), width=8, seed=0
        )
        u0 = [
            np.array(keras.ops.convert_to_numpy(layer.u))
            for layer in own_spectral_layers(model)
        ]
        x = digits[0][0][: STEPS * BATCH]
        history = model.fit(x, batch_size=BATCH, epochs=1, verbose=0)
        _own_trained.update(model=model, history=history, u0=u0)
    return _own_trained["model"], _own_trained["history"], _own_trained["u0"]


def test_own_layers_train_with_finite_losses_and_reload(digits, tmp_path):
    model, history, _ = own_trained(digits)
    assert len(history.history["discriminator_loss"]) == 1
    assert_all_finite(history)
    path = tmp_path / "aegan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    layers = own_spectral_layers(loaded)
    assert [type(layer) for layer in layers] == [
        SpectralConv2D,
        SpectralConv2D,
        SpectralDense,
    ]
    for layer, original in zip(layers, own_spectral_layers(model)):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(layer.u),
            keras.ops.convert_to_numpy(original.u),
        )
    np.testing.assert_array_equal(
        loaded.generate(4, seed=0), model.generate(4, seed=0)
    )
    x = digits[1][0][:8] * 2.0 - 1.0
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.image_discriminator(x)),
        keras.ops.convert_to_numpy(model.image_discriminator(x)),
    )


def test_own_layers_have_unit_spectral_norm_after_training(digits):
    """Each normalized kernel, reshaped (fan_in, units), has sigma_1 ~ 1.

    `normalized_kernel()` runs the power iteration from the stored unit
    vector u (only the discriminator phase keeps its updates: the
    generator phase's are restored). With W = P S Q^T and u = sum c_i
    q_i, the estimate is sigma = |W^T W u| / |W u| >= |W u| (Cauchy-
    Schwarz: |W u|**2 = <u, W^T W u>), and sigma <= s_1; further
    iterations only raise |W u| (the Rayleigh quotient of W^T W grows
    under power iteration). So the normalized kernel has
    1 <= sigma_1 <= s_1 / |W u|, a bound at least as tight as the
    1 / cos(theta) of test_wrapped_kernels_have_unit_spectral_norm
    (|W u| >= |c_1| s_1). The one-unit dense layer has a
    one-dimensional u: the bound is 1.
    """
    model, _, u0 = own_trained(digits)
    layers = own_spectral_layers(model)
    assert len(layers) == 3
    for layer, before in zip(layers, u0):
        u = keras.ops.convert_to_numpy(layer.u).astype("float64")
        # Training moved u: the initial draw is not a unit vector, every
        # power iterate is (to float32 rounding, 1e-6 over <= 16 terms).
        assert np.linalg.norm(before) != pytest.approx(1.0, abs=1e-3)
        assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-5)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        kernel = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
        s_1 = np.linalg.svd(kernel, compute_uv=False)[0]
        upper = s_1 / np.linalg.norm(kernel @ u)
        normalized = keras.ops.convert_to_numpy(layer.normalized_kernel())
        normalized = normalized.reshape(kernel.shape).astype("float64")
        sigma_1 = np.linalg.svd(normalized, compute_uv=False)[0]
        assert 1.0 - ROUNDING <= sigma_1 <= upper + ROUNDING, (
            layer.name,
            sigma_1,
            upper,
        )
        # And u has converged enough for the bound to say sigma_1 ~ 1: a
        # u that never moved gives |W u| ~ RMS of the singular values,
        # and by Marchenko-Pastur s_1 / RMS ~ 1 + sqrt(units / fan_in):
        # 1.7 and 1.35 for the convs (1.3 to 1.8 measured at seeds 0-2).
        # 12 power iterations (3 training calls in each of 4
        # discriminator phases) brought it to 1.05 or less on every
        # backend; 1.15 fails a u left unconverged.
        assert upper < 1.15, (layer.name, upper)
