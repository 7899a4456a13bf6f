"""EqualizedConv2D: N(0, 1) kernel scaled at run time by gain/sqrt(fan_in)."""

import math

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase
from numpy_conv import conv2d

from keras_aegan.layers.equalized_conv2d import EqualizedConv2D

# Each output sums at most 3 * 3 * 4 = 36 float32 products of O(1)
# values: rounding is below 36 * 2**-24 (2.1e-6) relative to the sum's
# magnitude; the reference is float64. 1e-5 leaves room; a scale with
# the wrong fan-in (e.g. ignoring groups) is off by 1.4x or more.
TOL = 1e-5


class EqualizedConv2DTest(TestCase):
    @parameterized.named_parameters(
        ("same", {"padding": "same"}, (2, 8, 8, 5)),
        ("valid_strided", {"strides": 2}, (2, 3, 3, 5)),
        ("no_bias", {"use_bias": False, "padding": "same"}, (2, 8, 8, 5)),
    )
    def test_layer_basics(self, kwargs, out_shape):
        n_weights = 2 if kwargs.get("use_bias", True) else 1
        self.run_layer_test(
            EqualizedConv2D,
            init_kwargs={"filters": 5, "kernel_size": 3, **kwargs},
            input_shape=(2, 8, 8, 4),
            expected_output_shape=out_shape,
            expected_num_trainable_weights=n_weights,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(
        ("same", 5, {"padding": "same"}),
        ("valid_strided", 5, {"strides": 2}),
        ("gain_lr", 5, {"gain": 1.0, "lr_multiplier": 0.1}),
        ("groups", 6, {"groups": 2, "padding": "same"}),
        ("one_filter_relu", 1, {"padding": "same", "activation": "relu"}),
    )
    def test_runtime_scale_matches_numpy(self, filters, kwargs):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 7, 7, 4)).astype("float32")
        layer = EqualizedConv2D(filters, 3, **kwargs)
        layer.build(x.shape)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        bias = rng.normal(size=(filters,)).astype("float32")
        layer.bias.assign(bias)
        groups = kwargs.get("groups", 1)
        gain = kwargs.get("gain", math.sqrt(2.0))
        lr = kwargs.get("lr_multiplier", 1.0)
        fan_in = 3 * 3 * 4 / groups
        expected = conv2d(
            x,
            kernel * gain * lr / math.sqrt(fan_in),
            strides=kwargs.get("strides", 1),
            padding=kwargs.get("padding", "valid"),
            groups=groups,
        )
        expected = expected + bias * lr
        if kwargs.get("activation") == "relu":
            expected = np.maximum(expected, 0.0)
        self.assertAllClose(layer(x), expected, rtol=TOL, atol=TOL)

    def test_one_filter_trains_on_a_batch_of_one(self):
        # The PyTorch backward of a one-filter conv on one sample needs
        # keras_aegan.layers.Conv2D's workaround, which this layer keeps.
        inputs = keras.Input((8, 8, 3))
        model = keras.Model(
            inputs, EqualizedConv2D(1, 3, padding="same")(inputs)
        )
        model.compile("sgd", "mse")
        x = np.random.default_rng(1).normal(size=(1, 8, 8, 3))
        history = model.fit(x, np.zeros((1, 8, 8, 1)), verbose=0)
        self.assertTrue(np.isfinite(history.history["loss"][0]))

    def test_kernel_is_initialised_normal(self):
        layer = EqualizedConv2D(64, 4, lr_multiplier=0.5)
        layer.build((None, 8, 8, 64))
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        bias = keras.ops.convert_to_numpy(layer.bias)
        np.testing.assert_array_equal(bias, 0.0)
        n, stddev = kernel.size, 1.0 / 0.5
        # 65,536 draws: mean within 5 standard errors (stddev/sqrt(n)),
        # sample std within 5 of its standard errors (stddev/sqrt(2n)).
        self.assertLess(abs(kernel.mean()), 5 * stddev / np.sqrt(n))
        self.assertLess(abs(kernel.std() - stddev), 5 * stddev / np.sqrt(2 * n))

    def test_model_saves_and_loads(self):
        inputs = keras.Input((6, 6, 2))
        layer = EqualizedConv2D(
            3, 3, padding="same", gain=1.0, lr_multiplier=0.5, name="eq"
        )
        model = keras.Model(inputs, layer(inputs))
        layer.bias.assign(np.arange(3, dtype="float32"))
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path).get_layer("eq")
        self.assertIsInstance(loaded, EqualizedConv2D)
        self.assertEqual((loaded.gain, loaded.lr_multiplier), (1.0, 0.5))
        x = np.random.default_rng(2).normal(size=(2, 6, 6, 2))
        x = x.astype("float32")
        self.assertAllClose(loaded(x), layer(x), rtol=0, atol=0)

    def test_invalid_arguments(self):
        with self.assertRaisesRegex(ValueError, "kernel_initializer"):
            EqualizedConv2D(2, 3, kernel_initializer="zeros")
        with self.assertRaisesRegex(ValueError, "gain"):
            EqualizedConv2D(2, 3, gain=-1.0)
        with self.assertRaisesRegex(ValueError, "lr_multiplier"):
            EqualizedConv2D(2, 3, lr_multiplier=0.0)
