"""SpectralDense and SpectralConv2D: W / sigma(W), computed functionally."""

import keras
import numpy as np
from absl.testing import parameterized
from keras.src.testing import TestCase
from numpy_conv import conv2d

from keras_aegan.layers.spectral_conv2d import SpectralConv2D
from keras_aegan.layers.spectral_dense import SpectralDense

# Outputs sum at most 3 * 3 * 2 = 18 float32 products of O(1) values
# (rounding below 18 * 2**-24 = 1.1e-6 relative), scaled by a float32
# sigma from a few more such sums; the references are float64. 1e-5
# leaves room; an unnormalized kernel is off by its sigma (3x here).
TOL = 1e-5

# Designed spectrum of the kernels below: r = s2 / s1 = 0.8 sets the
# power iteration's convergence (the angle's tangent shrinks by r**2 per
# step), slow enough that a wrong number of steps shows.
SINGULAR_VALUES = (3.0, 2.4, 1.0, 0.5)


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x), "float64")


def designed_kernel(n_in, seed=0):
    """A float32 `(n_in, 4)` matrix with singular values SINGULAR_VALUES.

    Returns the matrix, its float64 singular values and its right
    singular vectors (rows), from NumPy's SVD of the float32 matrix
    itself, so rounding the designed matrix to float32 costs nothing.
    """
    rng = np.random.default_rng(seed)
    left, _ = np.linalg.qr(rng.normal(size=(n_in, 4)))
    right, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    w = (left * np.asarray(SINGULAR_VALUES)) @ right.T
    w = w.astype("float32")
    _, sigmas, vt = np.linalg.svd(w.astype("float64"))
    return w, sigmas, vt


def power_iteration(w, u, steps):
    """Miyato et al.'s Algorithm 1 in float64: `(w / sigma, u)`."""
    w = np.asarray(w, "float64").reshape(-1, np.shape(w)[-1])
    u = np.asarray(u, "float64")
    for _ in range(steps):
        v = w @ u
        v /= np.linalg.norm(v)
        u = w.T @ v
        u /= np.linalg.norm(u)
    return w / (v @ w @ u), u


def tan_angle(u, direction):
    cos = abs(u @ direction) / np.linalg.norm(u)
    return np.sqrt(max(1.0 - cos**2, 0.0)) / cos


def make_layer(kind, power_iterations=1, **kwargs):
    """A built layer with the designed kernel, and a matching input."""
    if kind == "dense":
        layer = SpectralDense(4, power_iterations=power_iterations, **kwargs)
        x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
        kernel_shape = (6, 4)
    else:
        layer = SpectralConv2D(
            4, 3, power_iterations=power_iterations, **kwargs
        )
        x = np.random.default_rng(1).normal(size=(2, 6, 6, 2))
        x = x.astype("float32")
        kernel_shape = (3, 3, 2, 4)
    layer.build(x.shape)
    w, sigmas, vt = designed_kernel(int(np.prod(kernel_shape[:-1])))
    layer.kernel.assign(w.reshape(kernel_shape))
    return layer, x, w, sigmas, vt


class SpectralLayersTest(TestCase):
    @parameterized.named_parameters(
        ("bias", True, 2, (3, 8), (3, 5)),
        ("no_bias_rank_3", False, 1, (3, 4, 8), (3, 4, 5)),
    )
    def test_dense_basics(self, use_bias, n_weights, shape, out_shape):
        self.run_layer_test(
            SpectralDense,
            init_kwargs={
                "units": 5,
                "use_bias": use_bias,
                "power_iterations": 2,
            },
            input_shape=shape,
            expected_output_shape=out_shape,
            expected_num_trainable_weights=n_weights,
            expected_num_non_trainable_weights=1,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(
        ("same", {"padding": "same"}, 2, (2, 8, 8, 5)),
        ("strided_no_bias", {"strides": 2, "use_bias": False}, 1, (2, 3, 3, 5)),
    )
    def test_conv_basics(self, kwargs, n_weights, out_shape):
        self.run_layer_test(
            SpectralConv2D,
            init_kwargs={"filters": 5, "kernel_size": 3, **kwargs},
            input_shape=(2, 8, 8, 4),
            expected_output_shape=out_shape,
            expected_num_trainable_weights=n_weights,
            expected_num_non_trainable_weights=1,
            expected_num_seed_generators=0,
        )

    @parameterized.named_parameters(
        ("dense_1", "dense", 1, 10),
        ("dense_2", "dense", 2, 5),
        ("conv_1", "conv", 1, 10),
        ("conv_3", "conv", 3, 4),
    )
    def test_converges_to_unit_spectral_norm(self, kind, iterations, calls):
        """sigma_1(W / sigma) is bounded by the power iteration's angle.

        Each step maps u to normalize(W^T W u), so with W = P S Q^T and
        u = sum c_i q_i, after k steps tan(theta_k) <= r**(2 k)
        tan(theta_0), theta the angle of u to q_1 and r = s_2 / s_1.
        The estimate from unit u is sigma = |W^T W u| / |W u|, and
        sigma**2 = sum(c**2 s**4) / sum(c**2 s**2) >= sum(c**2 s**2) >=
        s_1**2 cos(theta)**2, while sigma <= s_1: so the normalized
        kernel has 1 <= sigma_1 <= 1 / cos(theta) = sqrt(1 + tan**2).
        `calls` training calls make k = calls * iterations steps (10 or
        12): tan <= 0.8**20 * 3.04 = 0.035, sigma_1 <= 1.0006; a layer
        that skipped steps or never stored u breaks the first bound,
        one that did not normalize (sigma_1 = 3) the second.
        """
        layer, x, w, sigmas, vt = make_layer(kind, iterations)
        # Mostly along the second singular vector, the slowest to decay.
        u0 = vt[0] + 3.0 * vt[1] + 0.5 * vt[2]
        layer.u.assign(u0.astype("float32"))
        for _ in range(calls):
            layer(x, training=True)
        # The stored kernel is never overwritten (not normalized).
        self.assertAllClose(
            layer.kernel, w.reshape(layer.kernel.shape), rtol=0, atol=0
        )
        steps = calls * iterations
        tan_bound = (sigmas[1] / sigmas[0]) ** (2 * steps) * tan_angle(
            u0, vt[0]
        )
        # float32 u: each step rounds a normalized sum of at most 18
        # products (1.1e-6 relative), and earlier errors are contracted
        # by r**2: 1e-5 covers the tangent's rounding.
        u = to_numpy(layer.u)
        self.assertLessEqual(tan_angle(u, vt[0]), tan_bound + 1e-5)
        kernel = to_numpy(layer.normalized_kernel())
        sigma_1 = np.linalg.svd(kernel.reshape(-1, 4), compute_uv=False)[0]
        self.assertBetween(
            sigma_1, 1.0 - TOL, np.sqrt(1.0 + tan_bound**2) + TOL
        )

    @parameterized.named_parameters(
        ("dense", "dense", {}),
        ("dense_no_bias", "dense", {"use_bias": False}),
        ("conv_same", "conv", {"padding": "same"}),
        ("conv_strided", "conv", {"strides": 2}),
    )
    def test_output_matches_numpy(self, kind, kwargs):
        layer, x, w, _, _ = make_layer(kind, 2, **kwargs)
        rng = np.random.default_rng(2)
        u = rng.normal(size=4).astype("float32")
        layer.u.assign(u)
        bias = np.zeros(4)
        if layer.use_bias:
            bias = rng.normal(size=4).astype("float32")
            layer.bias.assign(bias)
        normalized, new_u = power_iteration(w, u, 2)
        if kind == "dense":
            expected = x.astype("float64") @ normalized + bias
        else:
            expected = conv2d(
                x,
                normalized.reshape(3, 3, 2, 4),
                strides=kwargs.get("strides", 1),
                padding=kwargs.get("padding", "valid"),
            )
            expected = expected + bias
        self.assertAllClose(layer(x), expected, rtol=TOL, atol=TOL)
        self.assertAllClose(layer.u, u, rtol=0, atol=0)
        self.assertAllClose(
            layer.normalized_kernel(),
            normalized.reshape(layer.kernel.shape),
            rtol=TOL,
            atol=TOL,
        )
        # A training call applies the same kernel and stores the new u.
        self.assertAllClose(
            layer(x, training=True), expected, rtol=TOL, atol=TOL
        )
        self.assertAllClose(layer.u, new_u, rtol=TOL, atol=TOL)

    @parameterized.named_parameters(("dense", "dense"), ("conv", "conv"))
    def test_u_moves_only_in_training(self, kind):
        layer, x, _, _, _ = make_layer(kind)
        inputs = keras.Input(x.shape[1:])
        model = keras.Model(inputs, layer(inputs))
        model.compile(optimizer="sgd", loss="mse")
        u0 = to_numpy(layer.u)
        layer(x)
        layer(x, training=False)
        y = model.predict(x, verbose=0)
        model.evaluate(x, y, verbose=0)
        self.assertAllClose(layer.u, u0, rtol=0, atol=0)
        model(x, training=True)
        self.assertNotAllClose(layer.u, u0)
        # Keras's own fit (stateless on JAX) keeps the new u too: the
        # random normal u0 is not a unit vector, every iterate is.
        layer.u.assign(u0.astype("float32"))
        model.fit(x, y, batch_size=len(x), epochs=2, verbose=0)
        self.assertNotAllClose(layer.u, u0)
        self.assertAllClose(np.linalg.norm(to_numpy(layer.u)), 1.0)

    def test_model_saves_and_loads(self):
        inputs = keras.Input((8, 8, 2))
        h = SpectralConv2D(4, 3, power_iterations=2, name="conv")(inputs)
        h = keras.layers.Flatten()(h)
        outputs = SpectralDense(3, activation="tanh", name="dense")(h)
        model = keras.Model(inputs, outputs)
        x = np.random.default_rng(3).normal(size=(4, 8, 8, 2))
        x = x.astype("float32")
        model(x, training=True)  # moves both u away from their init
        path = f"{self.get_temp_dir()}/m.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        for name, cls in (("conv", SpectralConv2D), ("dense", SpectralDense)):
            layer = loaded.get_layer(name)
            self.assertIsInstance(layer, cls)
            for saved, back in zip(
                model.get_layer(name).weights, layer.weights
            ):
                self.assertAllClose(back, saved, rtol=0, atol=0)
        self.assertEqual(loaded.get_layer("conv").power_iterations, 2)
        self.assertEqual(loaded.get_layer("dense").power_iterations, 1)
        self.assertAllClose(loaded(x), model(x), rtol=0, atol=0)

    def test_zero_kernel_gives_finite_output(self):
        layer, x, _, _, _ = make_layer("dense")
        layer.kernel.assign(np.zeros((6, 4), "float32"))
        layer.bias.assign(np.arange(4, dtype="float32"))
        y = to_numpy(layer(x, training=True))
        np.testing.assert_array_equal(y, np.broadcast_to(np.arange(4), y.shape))

    def test_mixed_precision_keeps_u_float32(self):
        layer = SpectralDense(3, dtype="mixed_float16")
        y = layer(np.ones((2, 4), "float32"), training=True)
        self.assertEqual(keras.backend.standardize_dtype(y.dtype), "float16")
        self.assertEqual(layer.u.dtype, "float32")
        self.assertAllClose(np.linalg.norm(to_numpy(layer.u)), 1.0)

    def test_invalid_arguments(self):
        for value in (0, -1, 1.5, True, None):
            with self.assertRaisesRegex(ValueError, "power_iterations"):
                SpectralDense(2, power_iterations=value)
            with self.assertRaisesRegex(ValueError, "power_iterations"):
                SpectralConv2D(2, 3, power_iterations=value)
        layer = SpectralDense(2)
        layer.build((None, 3))
        with self.assertRaisesRegex(NotImplementedError, "quantization"):
            layer.quantize("int8")
