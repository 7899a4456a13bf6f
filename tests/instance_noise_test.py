"""InstanceNoise: identity in inference, noise statistics, annealing."""

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase

from keras_aegan.layers.instance_noise import InstanceNoise

N = 20_000  # noise values per statistical check


def std_tolerance(stddev, n=N):
    """Five standard errors of the sample std of n normal values.

    The sample standard deviation of n i.i.d. N(0, s^2) values has
    standard error s / sqrt(2 n); a correct layer lands within five of
    them except with probability below 1e-6.
    """
    return 5.0 * stddev / np.sqrt(2.0 * n)


def mean_tolerance(stddev, n=N):
    """Five standard errors, s / sqrt(n) each, of the sample mean."""
    return 5.0 * stddev / np.sqrt(n)


def noise_of(layer, x, training=True):
    return keras.ops.convert_to_numpy(layer(x, training=training)) - x


def calls(layer):
    return int(keras.ops.convert_to_numpy(layer.training_calls))


class InstanceNoiseTest(TestCase):
    @parameterized.named_parameters(("constant", None, 0), ("annealed", 10, 1))
    def test_layer_basics(self, anneal_steps, non_trainable):
        self.run_layer_test(
            InstanceNoise,
            init_kwargs={"stddev": 0.1, "anneal_steps": anneal_steps},
            input_shape=(2, 4, 4, 3),
            call_kwargs={"training": True},
            expected_output_shape=(2, 4, 4, 3),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=non_trainable,
            expected_num_seed_generators=1,
            supports_masking=True,
            assert_built_after_instantiation=True,
        )

    def test_inference_is_identity(self):
        x = np.random.default_rng(0).normal(size=(4, 8, 8, 1))
        x = x.astype("float32")
        layer = InstanceNoise(0.5, anneal_steps=3, seed=0)
        for training in (False, None):
            y = keras.ops.convert_to_numpy(layer(x, training=training))
            np.testing.assert_array_equal(y, x)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
        self.assertEqual(calls(layer), 0)  # inference does not anneal

    def test_training_adds_noise_of_stddev(self):
        stddev = 0.3
        x = np.full((N // 4, 4), 2.0, "float32")
        noise = noise_of(InstanceNoise(stddev, seed=0), x)
        self.assertLess(abs(noise.mean()), mean_tolerance(stddev))
        self.assertLess(abs(noise.std() - stddev), std_tolerance(stddev))

    def test_successive_calls_draw_new_noise(self):
        x = np.zeros((8, 4), "float32")
        layer = InstanceNoise(1.0, seed=0)
        self.assertNotAllClose(noise_of(layer, x), noise_of(layer, x))

    def test_seed_makes_noise_reproducible(self):
        x = np.zeros((8, 4), "float32")
        self.assertAllClose(
            noise_of(InstanceNoise(1.0, seed=3), x),
            noise_of(InstanceNoise(1.0, seed=3), x),
            rtol=0,
            atol=0,
        )

    def test_zero_stddev_is_identity_in_training(self):
        x = np.ones((4, 3), "float32")
        np.testing.assert_array_equal(noise_of(InstanceNoise(0.0), x), 0.0)

    def test_linear_annealing_reaches_zero(self):
        stddev, steps = 1.0, 4
        layer = InstanceNoise(stddev, anneal_steps=steps, seed=0)
        x = np.zeros((N // 4, 4), "float32")
        for k in range(steps):
            self.assertEqual(calls(layer), k)
            expected = stddev * (1.0 - k / steps)
            got = noise_of(layer, x).std()
            # Neighbouring stages differ by 0.25, fifty tolerances.
            self.assertLess(abs(got - expected), std_tolerance(expected))
        for _ in range(2):  # annealed: exactly no noise, count stays
            np.testing.assert_array_equal(noise_of(layer, x), 0.0)
            self.assertEqual(calls(layer), steps)

    def test_fit_advances_the_count_and_the_seed(self):
        # In a compiled fit() (JAX: stateless) the counter and the seed
        # state must come back updated from each step.
        inputs = keras.Input((4,))
        noise = InstanceNoise(0.1, anneal_steps=100, seed=0)
        model = keras.Model(inputs, keras.layers.Dense(1)(noise(inputs)))
        model.compile("sgd", "mse")
        seed_before = keras.ops.convert_to_numpy(noise.seed_generator.state)
        x = np.zeros((24, 4), "float32")
        model.fit(x, np.zeros((24, 1)), batch_size=8, epochs=1, verbose=0)
        self.assertEqual(calls(noise), 3)
        seed_after = keras.ops.convert_to_numpy(noise.seed_generator.state)
        self.assertFalse(np.array_equal(seed_before, seed_after))

    def test_model_saves_and_loads_count_and_stream(self):
        inputs = keras.Input((4,))
        outputs = InstanceNoise(0.5, anneal_steps=10, seed=1)(inputs)
        model = keras.Model(inputs, outputs)
        x = np.zeros((16, 4), "float32")
        for _ in range(3):
            model(x, training=True)
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        layer = loaded.layers[-1]
        self.assertIsInstance(layer, InstanceNoise)
        self.assertEqual(
            (layer.stddev, layer.anneal_steps, layer.seed), (0.5, 10, 1)
        )
        self.assertEqual(calls(layer), 3)
        # The next training call continues the same stream and schedule.
        self.assertAllClose(
            loaded(x, training=True), model(x, training=True), rtol=0, atol=0
        )

    def test_invalid_arguments(self):
        for stddev in (-0.1, None, "1", True):
            with self.assertRaisesRegex(ValueError, "stddev"):
                InstanceNoise(stddev)
        for steps in (0, -3, 2.5, True):
            with self.assertRaisesRegex(ValueError, "anneal_steps"):
                InstanceNoise(0.1, anneal_steps=steps)
