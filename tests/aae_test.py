"""AdversarialAutoencoder: phases, losses, saving and quality on the ring."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.aae import AdversarialAutoencoder
from keras_aegan.testing import run_model_test

TERMS = {
    "dz_prior",
    "dz_encoded",
    "reconstruction",
    "gz_encoded",
    "discriminator_loss",
    "autoencoder_loss",
}
# Float32 networks of width 8 against a float64 NumPy forward pass: sums
# of ~10 products per unit, so relative rounding of a few 1e-7.
TOL = 1e-5


def small_aae(**kwargs):
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return AdversarialAutoencoder(**kwargs)


@pytest.fixture(scope="module")
def trained_digits():
    keras.utils.set_random_seed(0)
    (x, _), _ = keras_aegan.datasets.load_digits()
    x = x[:256]
    model = small_aae()
    history = model.fit(x, epochs=1, batch_size=8, verbose=0)  # 32 steps
    return model, x, history


@pytest.mark.rotation("torch")
def test_fit_on_digits(trained_digits):
    model, x, history = trained_digits
    assert set(history.history) == TERMS
    assert_all_finite(history)
    assert model.latent_dim == 4  # networks.default_latent_dim, 16x16
    assert model.generate(5, seed=0).shape == (5, 16, 16, 1)
    codes = model.encode(x[:3])
    assert codes.shape == (3, 4) and np.all(np.isfinite(codes))
    recons = model.reconstruct(x[:3])
    assert recons.shape == (3, 16, 16, 1)
    assert recons.min() >= 0.0 and recons.max() <= 1.0
    assert model.interpolate(x[:2], x[2:4], steps=3).shape == (
        2,
        3,
        16,
        16,
        1,
    )


def test_contract_on_ring(ring):
    init = {"width": 8, "seed": 4, "reconstruction": "l1"}
    # Not hinge or Wasserstein: their final bias gets gradients that
    # cancel (-1 + 1), which the phase-isolation check would flag.
    init.update(adversarial_loss="least_squares", penalty="r1")
    init.update(penalty_weight=2.0)
    logs = TERMS | {"dz_penalty"}
    model = run_model_test(AdversarialAutoencoder, init, ring[:64], logs)
    assert model.latent_dim == 2
    assert model.encode(ring[:4]).shape == (4, 2)


@pytest.mark.rotation("torch")
def test_save_and_load(trained_digits, tmp_path):
    model, x, _ = trained_digits
    path = tmp_path / "aae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is AdversarialAutoencoder
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    np.testing.assert_array_equal(model.encode(x[:8]), loaded.encode(x[:8]))
    assert loaded.compiled
    for name in ("autoencoder_optimizer", "discriminator_optimizer"):
        assert (
            getattr(loaded, name).get_config()
            == getattr(model, name).get_config()
        )
    assert loaded.loss_weights == model.loss_weights


def test_wasserstein_with_gradient_penalty_trains(ring):
    model = small_aae(adversarial_loss="wasserstein", penalty="gp")
    history = model.fit(ring[:256], epochs=1, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert "dz_penalty" in history.history
    assert history.history["dz_penalty"][0] > 0.0


def _mlp(x, weights, leaky):
    """NumPy forward of `keras_aegan.networks.build_mlp` (float64)."""
    h = x.astype("float64")
    pairs = list(zip(weights[::2], weights[1::2]))
    for i, (w, b) in enumerate(pairs):
        h = h @ w + b
        if i < len(pairs) - 1:
            h = np.where(h > 0, h, 0.2 * h) if leaky else np.maximum(h, 0)
    return h


def _softplus(v):
    return np.logaddexp(0.0, v)


@pytest.mark.parametrize("reconstruction", ["mse", "l1"])
def test_losses_match_numpy(ring, reconstruction):
    """Logged terms equal the documented formulas on fed noise."""
    n = 64
    x = ring[:n]
    z = np.random.default_rng(5).normal(size=(n, 2)).astype("float32")
    model = small_aae(reconstruction=reconstruction)
    model.compile(
        # Zero learning rates: every term of the step sees the same
        # weights, the ones read below.
        autoencoder_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
        loss_weights={"reconstruction": 3.0, "adversarial": 0.5},
    )
    history = model.fit(
        {"x": x, "noise": {"prior": z}}, batch_size=n, verbose=0
    )
    logs = {k: v[0] for k, v in history.history.items()}

    offset = keras.ops.convert_to_numpy(model.data_scaler.offset)
    scale = keras.ops.convert_to_numpy(model.data_scaler.scale)
    x_net = (x.astype("float64") - offset) / scale
    e, g = model.encoder.get_weights(), model.generator.get_weights()
    d = model.latent_discriminator.get_weights()
    codes = _mlp(x_net, e, leaky=False)
    x_rec = _mlp(codes, g, leaky=False)
    d_prior, d_codes = _mlp(z, d, leaky=True), _mlp(codes, d, leaky=True)
    expected = {
        "dz_prior": _softplus(-d_prior).mean(),
        "dz_encoded": _softplus(d_codes).mean(),
        "reconstruction": np.mean(
            np.square(x_net - x_rec)
            if reconstruction == "mse"
            else np.abs(x_net - x_rec)
        ),
        "gz_encoded": _softplus(-d_codes).mean(),
    }
    expected["discriminator_loss"] = (
        expected["dz_prior"] + expected["dz_encoded"]
    )
    expected["autoencoder_loss"] = (
        3.0 * expected["reconstruction"] + 0.5 * expected["gz_encoded"]
    )
    assert set(logs) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key], value, rtol=TOL, err_msg=key)


def test_bad_arguments():
    with pytest.raises(TypeError, match="encoder"):
        AdversarialAutoencoder(encoder="dense")
    with pytest.raises(ValueError, match="reconstruction"):
        AdversarialAutoencoder(reconstruction="bce")
    with pytest.raises(TypeError, match=r"\[.optimizer.\]"):
        AdversarialAutoencoder().compile(optimizer="adam")
    model = AdversarialAutoencoder(
        latent_dim=4, encoder=keras.Sequential([keras.layers.Dense(3)])
    )
    with pytest.raises(ValueError, match=r"`encoder` must map"):
        model.build_for((2,))


# Budget of the ring test: see its docstring.
RING_STEPS = 1000
RING_BATCH = 256
RING_MIN_MODES = 3
RING_SEEDS = (0, 1, 2)  # best of up to 3 runs: see the docstring


@pytest.mark.slow
@pytest.mark.rotation("tensorflow")
def test_ring_mode_coverage():
    """The default AAE covers at least 3 of the 8 ring modes.

    Budget: 1,000 steps of batch 256 with the default networks and
    optimizers: 7-12 s of wall time per run with TensorFlow or JAX, one
    thread on a loaded 2-core machine (23 s with PyTorch, eager).
    Protocol of DESIGN.md section 5: 2,500 generated samples; a mode is
    covered when a sample within 3 std (0.03) of a centre is nearest to
    it.

    Measured at this budget (model seed = global seed; AMD EPYC,
    2026-12-06), modes covered:

        TensorFlow, seeds 0-7: 5, 3, 4, 5, 6, 5, 7, 6
        JAX, seeds 0-3:        5, 3, 5, 7

    with 0.2 to 1.1 % high-quality samples (an earlier measurement, model
    seeds 1-3 after global seed 0: JAX 6, 5, 7; TensorFlow 6, 8, 3;
    PyTorch 4, 6, 6). High quality stays low: the encoder must spread
    eight tight modes over the whole Gaussian prior, and the decoder maps
    the prior back continuously, so most prior samples decode between
    modes. An untrained decoder covers no mode.

    Asserted: the best of up to 3 runs covers >= 3 modes, stopping at
    the first run that does (one run in the common case). The bound is
    the low end of the 12 runs, which two of them sit on, so one run on
    another machine may fall below it; none of the 12 did, and the
    rule-of-succession estimate p = 1 / (12 + 2) = 0.071 makes all 3
    runs miss with probability 0.071^3 = 3.6e-4 < 1e-3 when seeds act as
    independent draws. A collapsed decoder (1 or 2 modes) fails every
    run.
    """
    x = keras_aegan.datasets.make_ring(RING_STEPS * RING_BATCH, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = AdversarialAutoencoder(
            seed=seed, ema_decay=None
        )  # bounds measured raw
        history = model.fit(x, epochs=1, batch_size=RING_BATCH, verbose=0)
        assert_all_finite(history)
        result = mode_coverage(
            model.generate(2500, seed=0),
            keras_aegan.datasets.ring_centers(),
            std=0.01,
        )
        print(f"\nAAE ring, seed {seed}: {result.value}")
        if result["modes"] >= RING_MIN_MODES:
            break
    assert result["modes"] >= RING_MIN_MODES
