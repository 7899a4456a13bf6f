"""UpsampleConv2D and DownsampleConv2D: shapes, NumPy reference, saving."""

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase
from numpy_conv import average_pool_2x2
from numpy_conv import conv2d
from numpy_conv import upsample_nearest_2x

from keras_aegan.layers.conv import Conv2D
from keras_aegan.layers.downsample_conv2d import DownsampleConv2D
from keras_aegan.layers.upsample_conv2d import UpsampleConv2D

# Each output sums 3 * 3 * 4 = 36 float32 products of O(1) values (then
# at most an average of 4): rounding is below 36 * 2**-24 (2.1e-6)
# relative to the sum's magnitude; the reference is float64. 1e-5
# leaves room for that.
TOL = 1e-5


def kernel_and_bias(block):
    return [keras.ops.convert_to_numpy(w) for w in block.conv.weights]


def random_bias(block, rng):
    bias = rng.normal(size=block.conv.bias.shape).astype("float32")
    block.conv.bias.assign(bias)


class UpsampleConv2DTest(TestCase):
    @parameterized.named_parameters(
        ("nearest", "nearest", None),
        ("bilinear_relu", "bilinear", "relu"),
    )
    def test_layer_basics(self, interpolation, activation):
        self.run_layer_test(
            UpsampleConv2D,
            init_kwargs={
                "filters": 5,
                "interpolation": interpolation,
                "activation": activation,
            },
            input_shape=(2, 4, 3, 4),
            expected_output_shape=(2, 8, 6, 5),
            expected_num_trainable_weights=2,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(("linear", None), ("relu", "relu"))
    def test_nearest_matches_numpy(self, activation):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 4, 4, 4)).astype("float32")
        block = UpsampleConv2D(3, activation=activation)
        block.build(x.shape)
        random_bias(block, rng)
        kernel, bias = kernel_and_bias(block)
        expected = conv2d(upsample_nearest_2x(x), kernel, padding="same")
        expected = expected + bias
        if activation == "relu":
            expected = np.maximum(expected, 0.0)
        self.assertAllClose(block(x), expected, rtol=TOL, atol=TOL)

    def test_bilinear_is_keras_resize_then_conv(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 4, 4, 4)).astype("float32")
        block = UpsampleConv2D(3, interpolation="bilinear")
        block.build(x.shape)
        kernel, bias = kernel_and_bias(block)
        up = keras.layers.UpSampling2D(2, interpolation="bilinear")(x)
        expected = conv2d(
            keras.ops.convert_to_numpy(up), kernel, padding="same"
        )
        self.assertAllClose(block(x), expected + bias, rtol=TOL, atol=TOL)
        # And it is not nearest-neighbour upsampling (else the above
        # would not test the option).
        nearest = conv2d(upsample_nearest_2x(x), kernel, padding="same")
        self.assertNotAllClose(block(x), nearest + bias, rtol=0.1, atol=0.1)

    def test_uses_keras_aegan_conv(self):
        self.assertIs(type(UpsampleConv2D(1).conv), Conv2D)

    def test_model_saves_and_loads(self):
        inputs = keras.Input((4, 4, 2))
        block = UpsampleConv2D(
            3, kernel_size=5, interpolation="bilinear", activation="tanh"
        )
        model = keras.Model(inputs, block(inputs))
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path).layers[-1]
        self.assertIsInstance(loaded, UpsampleConv2D)
        self.assertEqual(loaded.get_config(), block.get_config())
        x = np.random.default_rng(2).normal(size=(2, 4, 4, 2))
        x = x.astype("float32")
        self.assertAllClose(loaded(x), block(x), rtol=0, atol=0)

    def test_invalid_interpolation(self):
        with self.assertRaisesRegex(ValueError, "interpolation"):
            UpsampleConv2D(2, interpolation="bicubic")


class DownsampleConv2DTest(TestCase):
    @parameterized.named_parameters(
        ("average_even", "average", (2, 8, 6, 4), (2, 4, 3, 5)),
        ("average_odd", "average", (2, 5, 5, 4), (2, 3, 3, 5)),
        ("strided_even", "strided", (2, 8, 6, 4), (2, 4, 3, 5)),
        ("strided_odd", "strided", (2, 5, 5, 4), (2, 3, 3, 5)),
    )
    def test_layer_basics(self, downsample, in_shape, out_shape):
        self.run_layer_test(
            DownsampleConv2D,
            init_kwargs={"filters": 5, "downsample": downsample},
            input_shape=in_shape,
            expected_output_shape=out_shape,
            expected_num_trainable_weights=2,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(("linear", None), ("relu", "relu"))
    def test_average_matches_numpy(self, activation):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(2, 8, 8, 4)).astype("float32")
        block = DownsampleConv2D(3, activation=activation)
        block.build(x.shape)
        random_bias(block, rng)
        kernel, bias = kernel_and_bias(block)
        h = conv2d(x, kernel, padding="same") + bias
        if activation == "relu":
            h = np.maximum(h, 0.0)  # activation before pooling
        expected = average_pool_2x2(h)
        self.assertAllClose(block(x), expected, rtol=TOL, atol=TOL)

    def test_strided_matches_numpy(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 8, 8, 4)).astype("float32")
        block = DownsampleConv2D(3, downsample="strided")
        block.build(x.shape)
        random_bias(block, rng)
        kernel, bias = kernel_and_bias(block)
        # "same" with stride 2 on an even size pads 0 rows before and 1
        # after (Keras's convention), i.e. "valid" on a padded input.
        padded = np.pad(x, [(0, 0), (0, 1), (0, 1), (0, 0)])
        expected = conv2d(padded, kernel, strides=2, padding="valid") + bias
        self.assertAllClose(block(x), expected, rtol=TOL, atol=TOL)

    def test_one_filter_trains_on_a_batch_of_one(self):
        # PyTorch's one-filter, one-sample conv backward needs
        # keras_aegan.layers.Conv2D, which the block uses.
        inputs = keras.Input((8, 8, 3))
        model = keras.Model(inputs, DownsampleConv2D(1)(inputs))
        model.compile("sgd", "mse")
        x = np.random.default_rng(2).normal(size=(1, 8, 8, 3))
        history = model.fit(x, np.zeros((1, 4, 4, 1)), verbose=0)
        self.assertTrue(np.isfinite(history.history["loss"][0]))

    def test_model_saves_and_loads(self):
        inputs = keras.Input((8, 8, 2))
        block = DownsampleConv2D(
            3, kernel_size=4, downsample="strided", activation="relu"
        )
        model = keras.Model(inputs, block(inputs))
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path).layers[-1]
        self.assertIsInstance(loaded, DownsampleConv2D)
        self.assertEqual(loaded.get_config(), block.get_config())
        x = np.random.default_rng(3).normal(size=(2, 8, 8, 2))
        x = x.astype("float32")
        self.assertAllClose(loaded(x), block(x), rtol=0, atol=0)

    def test_invalid_downsample(self):
        with self.assertRaisesRegex(ValueError, "downsample"):
            DownsampleConv2D(2, downsample="max")
