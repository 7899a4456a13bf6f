"""EqualizedDense: N(0, 1) weights scaled at run time by gain/sqrt(fan_in)."""

import math

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase

from keras_aegan.layers.equalized_dense import EqualizedDense

# Each output sums 32 float32 products of O(1) values: rounding is below
# 32 * 2**-24 (2e-6) relative to the sum's magnitude; the reference is
# float64. 1e-5 leaves room; a scale missing sqrt(fan_in) is off 5.7x.
TOL = 1e-5


def weights(layer):
    return [keras.ops.convert_to_numpy(w) for w in layer.weights]


class EqualizedDenseTest(TestCase):
    @parameterized.named_parameters(
        ("bias", True, 2, (3, 8), (3, 5)),
        ("no_bias", False, 1, (3, 8), (3, 5)),
        ("rank_3", True, 2, (3, 4, 8), (3, 4, 5)),
    )
    def test_layer_basics(self, use_bias, n_weights, shape, out_shape):
        self.run_layer_test(
            EqualizedDense,
            init_kwargs={"units": 5, "use_bias": use_bias},
            input_shape=shape,
            expected_output_shape=out_shape,
            expected_num_trainable_weights=n_weights,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(
        ("defaults", {}),
        ("gain_1", {"gain": 1.0}),
        ("lr_multiplier", {"lr_multiplier": 0.01, "activation": "relu"}),
    )
    def test_runtime_scale_matches_numpy(self, kwargs):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(6, 32)).astype("float32")
        layer = EqualizedDense(7, **kwargs)
        layer.build(x.shape)
        kernel, bias = weights(layer)
        bias = rng.normal(size=bias.shape).astype("float32")
        layer.bias.assign(bias)
        gain = kwargs.get("gain", math.sqrt(2.0))
        lr = kwargs.get("lr_multiplier", 1.0)
        expected = x.astype("float64") @ (kernel * gain * lr / math.sqrt(32))
        expected = expected + bias * lr
        if kwargs.get("activation") == "relu":
            expected = np.maximum(expected, 0.0)
        self.assertAllClose(layer(x), expected, rtol=TOL, atol=TOL)

    @parameterized.named_parameters(("lr_1", 1.0), ("lr_0.1", 0.1))
    def test_kernel_is_initialised_normal(self, lr_multiplier):
        layer = EqualizedDense(256, lr_multiplier=lr_multiplier)
        layer.build((None, 256))
        kernel, bias = weights(layer)
        np.testing.assert_array_equal(bias, 0.0)
        n, stddev = kernel.size, 1.0 / lr_multiplier
        # 65,536 draws: mean within 5 standard errors (stddev/sqrt(n)),
        # sample std within 5 of its standard errors (stddev/sqrt(2n)).
        self.assertLess(abs(kernel.mean()), 5 * stddev / np.sqrt(n))
        self.assertLess(abs(kernel.std() - stddev), 5 * stddev / np.sqrt(2 * n))

    def test_he_scaled_outputs(self):
        # With N(0, 1) kernel and gain 1, each output of unit-variance
        # inputs has variance sum(x**2 * w**2) / fan_in, about 1 whatever
        # fan_in: that is what equalization is for.
        rng = np.random.default_rng(1)
        for fan_in in (16, 1024):
            x = rng.normal(size=(512, fan_in)).astype("float32")
            layer = EqualizedDense(64, gain=1.0, use_bias=False)
            y = keras.ops.convert_to_numpy(layer(x))
            # Column j has variance c_j = sum_k w_kj**2 / fan_in, a
            # chi2(fan_in) / fan_in draw (sd sqrt(2 / fan_in)); the
            # overall variance averages 64 of them: sd sqrt(2 / (64 *
            # fan_in)) <= 0.044, plus ~0.008 from the 512 rows. 0.25 is
            # over 5 of those; a missing 1/sqrt(fan_in) gives 16 or 1024.
            self.assertLess(abs(y.var() - 1.0), 0.25)

    def test_model_saves_and_loads(self):
        inputs = keras.Input((8,))
        layer = EqualizedDense(
            3, activation="tanh", gain=1.5, lr_multiplier=0.5, name="eq"
        )
        model = keras.Model(inputs, layer(inputs))
        layer.bias.assign(np.arange(3, dtype="float32"))
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path).get_layer("eq")
        self.assertIsInstance(loaded, EqualizedDense)
        self.assertEqual(
            (loaded.units, loaded.gain, loaded.lr_multiplier), (3, 1.5, 0.5)
        )
        x = np.random.default_rng(2).normal(size=(4, 8)).astype("float32")
        self.assertAllClose(loaded(x), layer(x), rtol=0, atol=0)

    def test_invalid_arguments(self):
        for units in (0, 2.0, True):
            with self.assertRaisesRegex(ValueError, "units"):
                EqualizedDense(units)
        with self.assertRaisesRegex(ValueError, "gain"):
            EqualizedDense(2, gain=0.0)
        with self.assertRaisesRegex(ValueError, "lr_multiplier"):
            EqualizedDense(2, lr_multiplier=-1.0)
