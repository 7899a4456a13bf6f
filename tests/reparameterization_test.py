"""Reparameterization: z = mean + exp(log_var / 2) * eps in training."""

import keras
import numpy as np
import pytest
from keras.src import testing

from keras_aegan.layers.reparameterization import Reparameterization

# float32 exp and fused multiply-add against float64 NumPy: a few ulps of
# values of order 1-10.
TOL = 1e-5


def _moments(shape=(4, 3), seed=0):
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=shape).astype("float32")
    log_var = rng.normal(size=shape).astype("float32")
    return mean, log_var


class ReparameterizationLayerTest(testing.TestCase):
    def test_layer_basics(self):
        self.run_layer_test(
            Reparameterization,
            init_kwargs={"seed": 3},
            input_shape=((2, 5), (2, 5)),
            call_kwargs={"training": True},
            expected_output_shape=(2, 5),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=1,
            supports_masking=False,
        )

    def test_inference_returns_the_mean(self):
        mean, log_var = _moments()
        out = Reparameterization(seed=0)([mean, log_var])
        self.assertAllClose(out, mean, atol=0.0, rtol=0.0)


def test_training_uses_given_epsilon():
    mean, log_var = _moments()
    eps = np.random.default_rng(1).normal(size=mean.shape).astype("float32")
    out = Reparameterization(seed=0)(
        [mean, log_var], training=True, epsilon=eps
    )
    expected = mean.astype("float64") + np.exp(0.5 * log_var) * eps
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out), expected, rtol=TOL, atol=TOL
    )


def test_samples_have_the_posterior_moments():
    n = 20000
    mean = np.tile(np.array([[2.0, -1.0]], "float32"), (n, 1))
    log_var = np.tile(np.log(np.array([[0.25, 4.0]], "float32")), (n, 1))
    z = keras.ops.convert_to_numpy(
        Reparameterization(seed=0)([mean, log_var], training=True)
    )
    # Standard errors with n = 20,000: std / sqrt(n) is 0.0035 and 0.014
    # for the means, about std / sqrt(2n) (0.0025, 0.01) for the standard
    # deviations; 5 standard errors keeps a false failure below 1e-6.
    np.testing.assert_allclose(z.mean(axis=0), [2.0, -1.0], atol=0.07)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], atol=0.05)


def test_seed_gives_a_reproducible_stream():
    mean, log_var = _moments()
    draws = []
    for _ in range(2):
        layer = Reparameterization(seed=7)
        first = layer([mean, log_var], training=True)
        second = layer([mean, log_var], training=True)
        draws.append(
            (
                keras.ops.convert_to_numpy(first),
                keras.ops.convert_to_numpy(second),
            )
        )
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    assert not np.allclose(draws[0][0], draws[0][1])


def _tiny_vae_encoder(seed):
    inputs = keras.Input((3,))
    mean = keras.layers.Dense(2)(inputs)
    log_var = keras.layers.Dense(2)(inputs)
    z = Reparameterization(seed=seed, name="sample")([mean, log_var])
    return keras.Model(inputs, z)


def test_fit_advances_the_seed_state():
    """Inside compiled fit() (JAX: a pure step) the noise state moves on."""
    model = _tiny_vae_encoder(seed=0)
    layer = model.get_layer("sample")
    before = keras.ops.convert_to_numpy(layer.seed_generator.state)
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), "float32")
    model.fit(x, np.zeros((8, 2), "float32"), batch_size=4, verbose=0)
    after = keras.ops.convert_to_numpy(layer.seed_generator.state)
    assert not np.array_equal(before, after)


def test_saving_keeps_the_seed_state(tmp_path):
    model = _tiny_vae_encoder(seed=5)
    x = np.ones((4, 3), "float32")
    model(x, training=True)  # advance the stream once
    path = tmp_path / "encoder.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model(x, training=True)),
        keras.ops.convert_to_numpy(loaded(x, training=True)),
    )


def test_bad_inputs_are_refused():
    mean, log_var = _moments()
    layer = Reparameterization()
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        layer([mean, log_var, mean], training=True)
    with pytest.raises(ValueError, match="same shape"):
        layer([mean, log_var[:, :2]], training=True)
    with pytest.raises(ValueError, match="seed"):
        Reparameterization(seed=-1)
