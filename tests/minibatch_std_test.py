"""MinibatchStdDev: shapes, NumPy reference, groups, saving."""

import keras
import numpy as np
import pytest
from absl.testing import parameterized
from keras.src.testing import TestCase

from keras_aegan.layers.minibatch_std import MinibatchStdDev

# The layer's statistics run in float32 over at most 8 * 4 * 4 * 3 = 384
# values per group (a variance, then a mean of square roots): rounding
# is below 384 * 2**-24 (2.3e-5) relative to values of order 1, and the
# reference is float64. 1e-4 covers that with room; a wrong grouping or
# a std with the wrong normalisation (ddof=1) differs by more than 1e-2.
TOL = 1e-4


def reference(x, group_size, epsilon=1e-8):
    """The layer's output computed in float64, group by group."""
    x = np.asarray(x, "float64")
    n = len(x)
    size = n if group_size is None else group_size
    extra = np.empty(x.shape[:-1] + (1,))
    for start in range(0, n, size):
        group = x[start : start + size]
        spread = np.sqrt(group.var(axis=0) + epsilon).mean()
        extra[start : start + size] = spread
    return np.concatenate([x, extra], axis=-1)


class MinibatchStdDevTest(TestCase):
    @parameterized.named_parameters(
        ("vectors", (4, 5), None, (4, 6)),
        ("sequences", (4, 3, 2), 2, (4, 3, 3)),
        ("images", (4, 3, 3, 2), 2, (4, 3, 3, 3)),
        ("images_one_group", (4, 3, 3, 2), None, (4, 3, 3, 3)),
    )
    def test_layer_basics(self, shape, group_size, expected_shape):
        self.run_layer_test(
            MinibatchStdDev,
            init_kwargs={"group_size": group_size},
            input_shape=shape,
            expected_output_shape=expected_shape,
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=0,
            expected_num_seed_generators=0,
            assert_built_after_instantiation=True,
        )

    @parameterized.named_parameters(
        ("vectors_whole_batch", (8, 5), None),
        ("vectors_groups", (8, 5), 4),
        ("sequences_groups", (8, 6, 3), 2),
        ("images_whole_batch", (8, 4, 4, 3), None),
        ("images_groups", (8, 4, 4, 3), 4),
    )
    def test_matches_numpy(self, shape, group_size):
        rng = np.random.default_rng(0)
        # Groups with different spreads, so a wrong grouping shows.
        x = rng.normal(size=shape) * np.arange(1, shape[0] + 1).reshape(
            (-1,) + (1,) * (len(shape) - 1)
        )
        x = x.astype("float32")
        got = MinibatchStdDev(group_size)(x)
        self.assertAllClose(got, reference(x, group_size), rtol=TOL, atol=TOL)

    def test_inputs_pass_through_unchanged(self):
        x = np.random.default_rng(1).normal(size=(4, 3, 3, 2))
        x = x.astype("float32")
        got = keras.ops.convert_to_numpy(MinibatchStdDev(2)(x))
        np.testing.assert_array_equal(got[..., :-1], x)

    def test_identical_samples_give_sqrt_epsilon(self):
        x = np.ones((4, 5), "float32")
        layer = MinibatchStdDev(epsilon=1e-4)
        got = keras.ops.convert_to_numpy(layer(x))
        # Zero variance: the feature is sqrt(epsilon) = 1e-2 exactly up
        # to float32 rounding of one square root.
        np.testing.assert_allclose(got[:, -1], 1e-2, rtol=1e-6)

    def test_batch_not_multiple_of_group_size(self):
        with self.assertRaisesRegex(ValueError, "multiple of `group_size`"):
            MinibatchStdDev(4)(np.zeros((6, 3), "float32"))

    def test_invalid_arguments(self):
        for group_size in (1, 0, 2.5, True):
            with self.assertRaisesRegex(ValueError, "group_size"):
                MinibatchStdDev(group_size)
        with self.assertRaisesRegex(ValueError, "epsilon"):
            MinibatchStdDev(epsilon=-1.0)
        with pytest.raises(ValueError):
            MinibatchStdDev()(np.zeros((3,), "float32"))

    def test_model_saves_and_loads(self):
        inputs = keras.Input((4, 4, 2))
        outputs = MinibatchStdDev(2, epsilon=1e-6)(inputs)
        model = keras.Model(inputs, outputs)
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        layer = loaded.layers[-1]
        self.assertIsInstance(layer, MinibatchStdDev)
        self.assertEqual((layer.group_size, layer.epsilon), (2, 1e-6))
        x = np.random.default_rng(2).normal(size=(4, 4, 4, 2))
        x = x.astype("float32")
        self.assertAllClose(loaded(x), model(x), rtol=0, atol=0)
