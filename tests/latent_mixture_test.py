"""LatentMixture: codes from a mixture fitted to the encoded data."""

import argparse
import inspect

import numpy as np
import pytest

import keras_aegan
from keras_aegan import LatentMixture


def _clusters(seed=0):
    """Two well separated 2-D clusters, 3:1."""
    rng = np.random.default_rng(seed)
    a = rng.normal([-4.0, 0.0], [0.5, 1.0], size=(3000, 2))
    b = rng.normal([4.0, 2.0], [1.0, 0.25], size=(1000, 2))
    return np.concatenate([a, b])


def test_sampling_matches_the_fitted_mixture():
    mixture = LatentMixture(components=2, seed=0).fit_codes(_clusters())
    assert mixture.latent_dim == 2
    order = np.argsort(mixture.means_[:, 0])
    np.testing.assert_allclose(mixture.weights_[order], [0.75, 0.25], atol=0.02)
    np.testing.assert_allclose(
        mixture.means_[order], [[-4.0, 0.0], [4.0, 2.0]], atol=0.1
    )
    codes = mixture.sample(40000, seed=1)
    assert codes.shape == (40000, 2) and codes.dtype == np.float32
    right = codes[:, 0] > 0
    # Binomial share of 40,000 draws: standard error 0.0022; 5 of them.
    assert abs(right.mean() - mixture.weights_[order][1]) < 0.011
    for side, k in ((right, order[1]), (~right, order[0])):
        np.testing.assert_allclose(
            np.cov(codes[side].T), mixture.covariances_[k], atol=0.05
        )
    # Same seed, same codes (NumPy: the same on every backend).
    np.testing.assert_array_equal(
        mixture.sample(10, seed=3), mixture.sample(10, seed=3)
    )


def test_temperature_scales_the_spread_and_is_saved(tmp_path):
    codes = _clusters()
    plain = LatentMixture(components=2, seed=0).fit_codes(codes)
    warm = LatentMixture(components=2, seed=0, temperature=1.5)
    warm.fit_codes(codes)
    a, b = plain.sample(5000, seed=4), warm.sample(5000, seed=4)
    # Same component draws and noise: every code moves 1.5x as far from
    # its component's mean.
    which = np.argmin(
        np.linalg.norm(a[:, None] - plain.means_[None], axis=2), axis=1
    )
    np.testing.assert_allclose(
        b - plain.means_[which], 1.5 * (a - plain.means_[which]), atol=1e-4
    )
    loaded = LatentMixture.load(warm.save(tmp_path / "warm"))
    assert loaded.temperature == 1.5
    np.testing.assert_array_equal(loaded.sample(9, 1), warm.sample(9, 1))
    for bad in (0, -1.0, float("nan"), "hot"):
        with pytest.raises(ValueError, match="`temperature` must be"):
            LatentMixture(temperature=bad)


def test_save_load_and_errors(tmp_path):
    mixture = LatentMixture(components=3, seed=0).fit_codes(_clusters())
    path = mixture.save(tmp_path / "mixture")
    assert path.endswith(".npz")
    loaded = LatentMixture.load(path)
    np.testing.assert_array_equal(loaded.sample(5, 0), mixture.sample(5, 0))
    with pytest.raises(ValueError, match="needs a fitted mixture"):
        LatentMixture().sample(3)
    with pytest.raises(
        ValueError, match=r"Received: codes with shape \(5, 2\)"
    ):
        LatentMixture(components=20).fit_codes(_clusters()[:5])
    with pytest.raises(ValueError, match="NaN"):
        LatentMixture(components=1).fit_codes(np.full((4, 2), np.nan))
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not a saved LatentMixture"):
        LatentMixture.load(tmp_path / "other.npz")


def test_generate_from_the_mixture_of_encoded_data():
    x = keras_aegan.datasets.make_ring(256, seed=0)
    model = keras_aegan.AEGAN(width=8, latent_dim=2, seed=0, ema_decay=None)
    model.build_for(x.shape[1:])
    mixture = LatentMixture(components=4, seed=0).fit(model, x)
    assert mixture.latent_dim == 2
    samples = model.generate(7, seed=5, latent=mixture)
    np.testing.assert_array_equal(
        samples, model.decode(mixture.sample(7, np.random.default_rng(5)))
    )
    refined = model.generate(6, seed=5, latent=mixture, refine="rejection")
    assert refined.shape == (6, 2)
    small = LatentMixture(components=1).fit_codes(np.zeros((3, 3)) + [0, 1, 2])
    with pytest.raises(ValueError, match="codes of size 3"):
        model.generate(2, latent=small)
    with pytest.raises(ValueError, match="`latent` must be None"):
        model.generate(2, latent="posterior")
    dcgan = keras_aegan.DCGAN(width=8, latent_dim=2, seed=0)
    dcgan.build_for(x.shape[1:])
    with pytest.raises(ValueError, match="needs a model with an encoder"):
        LatentMixture().fit(dcgan, x)


def test_evaluate_model_scores_the_codes_generate_decodes():
    x = keras_aegan.datasets.make_ring(256, seed=0)
    model = keras_aegan.AEGAN(width=8, latent_dim=2, seed=0, ema_decay=None)
    model.build_for(x.shape[1:])
    mixture = LatentMixture(components=4, seed=0).fit(model, x)
    metrics = ["mode_coverage", "latent_cycle_error"]
    results = keras_aegan.metrics.evaluate_model(
        model, "ring", metrics=metrics, num_samples=50, seed=3, latent=mixture
    )
    # The same samples generate() draws for the seed, scored directly.
    samples = model.generate(50, seed=3, latent=mixture)
    std = inspect.signature(keras_aegan.datasets.make_ring).parameters["std"]
    direct = keras_aegan.metrics.mode_coverage(
        samples, keras_aegan.datasets.ring_centers(), std.default
    )
    # assert_equal: an untrained model's KL is NaN on both sides.
    np.testing.assert_equal(
        dict(results["mode_coverage"].value), dict(direct.value)
    )
    assert results["mode_coverage"].protocol["latent"] == "mixture(4)"
    codes = mixture.sample(50, np.random.default_rng(3))
    cycle = np.linalg.norm(codes - model.encode(samples), axis=1).mean()
    np.testing.assert_allclose(
        results["latent_cycle_error"].value, cycle, rtol=1e-5
    )
    prior = keras_aegan.metrics.evaluate_model(
        model, "ring", metrics=metrics, num_samples=50, seed=3
    )
    assert prior["mode_coverage"].protocol["latent"] == "prior"
    with pytest.raises(ValueError, match="`latent` must be None"):
        keras_aegan.metrics.evaluate_model(model, "ring", latent="posterior")


def test_sample_command_temperature(tmp_path):
    from keras_aegan.cli_pictures import _latent_for

    codes = np.random.default_rng(0).normal(size=(50, 3))
    LatentMixture(components=2, seed=0).fit_codes(codes).save(
        tmp_path / "latent_mixture.npz"
    )
    # `_latent_for` reads the mixture beside the model file's path.
    model = str(tmp_path / "model.keras")
    latent, where = _latent_for(
        argparse.Namespace(model=model, latent="auto", temperature=1.3)
    )
    assert latent.temperature == 1.3 and "temperature 1.3" in where
    latent, where = _latent_for(
        argparse.Namespace(model=model, latent="auto", temperature=None)
    )
    assert latent.temperature == 1.0
    with pytest.raises(SystemExit, match="--temperature scales"):
        _latent_for(
            argparse.Namespace(model=model, latent="prior", temperature=1.3)
        )
