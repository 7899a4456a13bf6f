"""Data scaling: networks see a fixed range, users see their own units."""

import keras
import numpy as np
import pytest
from conftest import small_aegan


def _scaler_numpy(model):
    return (
        keras.ops.convert_to_numpy(model.data_scaler.offset),
        keras.ops.convert_to_numpy(model.data_scaler.scale),
    )


@pytest.mark.parametrize(
    "dtype,scale,expected_range",
    [
        ("uint8", 255.0, "uint8"),
        ("float32", 1.0, "unit"),
        ("float64", 1.0, "unit"),
    ],
)
def test_images_map_to_symmetric_range(digits, dtype, scale, expected_range):
    (x, _), _ = digits
    x = (x[:32] * scale).round() if dtype == "uint8" else x[:32]
    x = x.astype(dtype)
    model = small_aegan(width=4)
    model.fit(x, epochs=0, verbose=0)
    assert model.data_scaler.input_range == expected_range
    network_x = model._to_network_units(x)
    assert network_x.min() >= -1.0 and network_x.max() <= 1.0
    # The extremes of the user range land on the ends of [-1, 1].
    assert network_x.min() == -1.0 and network_x.max() == 1.0
    samples = model.generate(4, seed=0)
    assert samples.dtype == np.dtype(dtype)
    low, high = (0, 255) if dtype == "uint8" else (0.0, 1.0)
    assert samples.min() >= low and samples.max() <= high


def test_symmetric_images_are_kept(digits):
    (x, _), _ = digits
    x = x[:32] * 2.0 - 1.0
    model = small_aegan(width=4)
    model.fit(x, epochs=0, verbose=0)
    assert model.data_scaler.input_range == "symmetric"
    np.testing.assert_allclose(model._to_network_units(x), x, atol=1e-6)
    recon = model.reconstruct(x[:4])
    assert recon.min() >= -1.0 and recon.max() <= 1.0


def test_vectors_are_standardised_and_returned_in_user_units():
    rng = np.random.default_rng(0)
    x = rng.normal([100.0, -3.0], [10.0, 0.01], size=(512, 2))
    model = small_aegan()
    model.fit(x, epochs=0, verbose=0)
    offset, scale = _scaler_numpy(model)
    np.testing.assert_allclose(offset, x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(scale, x.std(axis=0), rtol=1e-5)
    network_x = model._to_network_units(x)
    np.testing.assert_allclose(network_x.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(network_x.std(axis=0), 1.0, atol=1e-4)
    # An untrained generator outputs small values in network units, so
    # samples come back near the user's mean, in the user's units and
    # float64 like the data.
    samples = model.generate(256, seed=0)
    assert samples.dtype == np.float64
    assert np.all(np.abs(samples[:, 0] - 100.0) < 10 * 10.0)
    assert np.all(np.abs(samples[:, 1] + 3.0) < 10 * 0.01)


def test_constant_feature_does_not_divide_by_zero():
    x = np.stack([np.linspace(0, 1, 64), np.full(64, 5.0)], axis=1)
    model = small_aegan()
    model.fit(x, epochs=0, verbose=0)
    _, scale = _scaler_numpy(model)
    assert scale[1] == 1.0
    assert np.all(np.isfinite(model.encode(x)))


def test_integer_vectors_come_back_as_integers():
    x = np.random.default_rng(1).integers(0, 1000, size=(128, 3))
    model = small_aegan()
    model.fit(x, epochs=0, verbose=0)
    out = model.generate(5, seed=0)
    assert np.issubdtype(out.dtype, np.integer)
