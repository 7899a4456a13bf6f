"""keras_aegan.layers.Conv2D: Keras's Conv2D, also on a batch of one."""

import keras
import numpy as np
import pytest

import keras_aegan

# Both layers sum kh * kw * in = 3 * 3 * 8 = 72 products of O(1) values
# in float32, possibly in different orders (plain vs channels-last
# kernels on PyTorch): rounding differs by at most ~72 * 2**-24 (4.3e-6)
# relative to the sum's magnitude; 1e-5 leaves room for that bound.
TOL = 1e-5


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("strides", [1, 2])
@pytest.mark.parametrize("size", [7, 8])
def test_matches_keras_conv2d(padding, strides, size):
    x = np.random.default_rng(0).normal(size=(2, size, size, 8))
    x = x.astype("float32")
    ours = keras_aegan.layers.Conv2D(1, 3, strides, padding=padding)
    reference = keras.layers.Conv2D(1, 3, strides, padding=padding)
    expected = keras.ops.convert_to_numpy(reference(x))
    ours.build(x.shape)
    ours.set_weights(reference.get_weights())
    got = keras.ops.convert_to_numpy(ours(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=TOL, atol=TOL)


def test_conv_generator_trains_on_batches_of_one(digits):
    # A grayscale generator ends in a one-filter convolution; PyTorch's
    # CPU backward of Keras's version fails on a batch of one.
    model = keras_aegan.AEGAN(width=4, seed=0)
    history = model.fit(digits[0][0][:2], batch_size=1, verbose=0)
    assert np.all(np.isfinite(history.history["generator_loss"]))


def test_saves_and_loads_in_safe_mode(tmp_path):
    inputs = keras.Input((8, 8, 3))
    outputs = keras_aegan.layers.Conv2D(1, 3, padding="same")(inputs)
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert type(loaded.layers[-1]) is keras_aegan.layers.Conv2D
    x = np.ones((1, 8, 8, 3), "float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(x)),
        keras.ops.convert_to_numpy(model(x)),
    )
