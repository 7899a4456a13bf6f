"""PixelNormalization: shapes, NumPy reference, float16, saving."""

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase

from keras_aegan.layers.pixel_norm import PixelNormalization

# A mean of at most 16 squares and one reciprocal square root in
# float32: rounding is below 16 * 2**-24 (1e-6) relative; 1e-5 leaves
# room for it. Normalising over a wrong axis is off by O(1).
TOL = 1e-5


def reference(x, axis=-1, epsilon=1e-8):
    x = np.asarray(x, "float64")
    return x / np.sqrt(np.mean(x**2, axis=axis, keepdims=True) + epsilon)


class PixelNormalizationTest(TestCase):
    @parameterized.named_parameters(
        ("vectors", (3, 5), -1),
        ("images", (2, 4, 4, 3), -1),
        ("images_two_axes", (2, 4, 4, 3), (1, 2)),
    )
    def test_layer_basics(self, shape, axis):
        self.run_layer_test(
            PixelNormalization,
            init_kwargs={"axis": axis},
            input_shape=shape,
            expected_output_shape=shape,
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
            supports_masking=True,
            assert_built_after_instantiation=True,
        )

    @parameterized.named_parameters(
        ("channels", (2, 4, 4, 16), -1),
        ("first_axis", (6, 4, 3), 1),
        ("two_axes", (2, 4, 4, 3), (1, 2)),
    )
    def test_matches_numpy(self, shape, axis):
        rng = np.random.default_rng(0)
        # Samples of very different scales.
        scale = rng.uniform(0.1, 10, size=shape[:1] + (1,) * (len(shape) - 1))
        x = (rng.normal(size=shape) * scale).astype("float32")
        got = PixelNormalization(axis=axis)(x)
        self.assertAllClose(got, reference(x, axis), rtol=TOL, atol=TOL)

    def test_unit_root_mean_square(self):
        x = np.random.default_rng(1).normal(size=(2, 4, 4, 16)) * 50.0
        y = keras.ops.convert_to_numpy(PixelNormalization()(x))
        # Each pixel's channels: mean square 1 / (1 + epsilon / ms), where
        # ms >= 1 here, so epsilon = 1e-8 moves it by at most 1e-8, below
        # the float32 rounding (TOL).
        np.testing.assert_allclose(np.mean(y**2, axis=-1), 1.0, rtol=TOL)

    def test_zeros_stay_zero(self):
        y = PixelNormalization()(np.zeros((2, 3, 3, 4), "float32"))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(y), 0.0)

    def test_float16_large_activations_do_not_overflow(self):
        # 1000**2 overflows float16 (max 65504); the mean square is taken
        # in float32.
        x = np.full((2, 2, 2, 4), 1000.0, "float16")
        x[..., 0] = -1000.0
        y = PixelNormalization(dtype="float16")(x)
        self.assertEqual(keras.backend.standardize_dtype(y.dtype), "float16")
        # float16 has 11 significant bits: |y| = 1 within 2**-11.
        np.testing.assert_allclose(
            np.abs(keras.ops.convert_to_numpy(y).astype("float32")),
            1.0,
            rtol=2**-11,
        )

    def test_invalid_arguments(self):
        with self.assertRaisesRegex(ValueError, "epsilon"):
            PixelNormalization(epsilon=0)
        for axis in ((), 1.5, None):
            with self.assertRaisesRegex(ValueError, "axis"):
                PixelNormalization(axis=axis)

    def test_model_saves_and_loads(self):
        inputs = keras.Input((4, 4, 3))
        outputs = PixelNormalization(axis=[1, 2], epsilon=1e-6)(inputs)
        model = keras.Model(inputs, outputs)
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        layer = loaded.layers[-1]
        self.assertIsInstance(layer, PixelNormalization)
        self.assertEqual((layer.axis, layer.epsilon), ((1, 2), 1e-6))
        x = np.random.default_rng(2).normal(size=(2, 4, 4, 3))
        x = x.astype("float32")
        self.assertAllClose(loaded(x), model(x), rtol=0, atol=0)
