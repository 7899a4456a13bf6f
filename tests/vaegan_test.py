"""VAEGAN: KL, feature-space reconstruction, phases, saving, ring quality."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.losses.divergence import gaussian_kl
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.vaegan import VAEGAN
from keras_aegan.testing import run_model_test

TERMS = {
    "dx_real",
    "dx_reconstructed",
    "dx_generated",
    "kl",
    "feature_reconstruction",
    "generator_feature_reconstruction",
    "gx_reconstructed",
    "gx_generated",
    "discriminator_loss",
    "encoder_loss",
    "generator_loss",
}
# Float32 networks of width 8 against a float64 NumPy forward pass: sums
# of ~10 products per unit, so relative rounding of a few 1e-7.
TOL = 1e-5


def small_vaegan(**kwargs):
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return VAEGAN(**kwargs)


def test_gaussian_kl_matches_numpy():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 3, 2)).astype("float32")
    log_var = rng.normal(size=(5, 3, 2)).astype("float32")
    m, v = mean.astype("float64"), log_var.astype("float64")
    # KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1) / 2 - log s, per axis.
    per_axis = 0.5 * (np.exp(v) + m**2 - 1.0) - 0.5 * v
    expected = per_axis.reshape(5, -1).sum(axis=1).mean()
    got = keras.ops.convert_to_numpy(gaussian_kl(mean, log_var))
    np.testing.assert_allclose(got, expected, rtol=TOL)
    zero = gaussian_kl(np.zeros((4, 2)), np.zeros((4, 2)))
    assert float(keras.ops.convert_to_numpy(zero)) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        gaussian_kl(mean, log_var[:, :2])


@pytest.fixture(scope="module")
def trained_digits():
    keras.utils.set_random_seed(0)
    (x, _), _ = keras_aegan.datasets.load_digits()
    x = x[:256]
    model = small_vaegan()
    history = model.fit(x, epochs=1, batch_size=8, verbose=0)  # 32 steps
    return model, x, history


@pytest.mark.rotation("torch")
def test_fit_on_digits(trained_digits):
    model, x, history = trained_digits
    assert set(history.history) == TERMS
    assert_all_finite(history)
    assert model.latent_dim == 4  # networks.default_latent_dim, 16x16
    assert model.generate(5, seed=0).shape == (5, 16, 16, 1)
    codes = model.encode(x[:3], ema=False)  # the trained encoder
    assert codes.shape == (3, 4) and np.all(np.isfinite(codes))
    # encode() returns the posterior means: the encoder's first half.
    moments = model.encoder.predict(model._to_network_units(x[:3]), verbose=0)
    np.testing.assert_array_equal(codes, moments[:, : model.latent_dim])
    assert model.reconstruct(x[:3]).shape == (3, 16, 16, 1)
    assert model.interpolate(x[0], x[1], steps=4).shape == (4, 16, 16, 1)


def test_contract_on_ring(ring):
    init = {"width": 8, "seed": 4, "adversarial_loss": "least_squares"}
    init.update(penalty="gp", penalty_interval=4)
    logs = TERMS | {"dx_penalty"}
    model = run_model_test(VAEGAN, init, ring[:64], logs)
    assert model.latent_dim == 2
    assert model.encode(ring[:4]).shape == (4, 2)


@pytest.mark.rotation("torch")
def test_save_and_load(trained_digits, tmp_path):
    model, x, _ = trained_digits
    path = tmp_path / "vaegan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is VAEGAN
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    np.testing.assert_array_equal(model.encode(x[:8]), loaded.encode(x[:8]))
    # The discriminator (features then head) is rebuilt from its parts.
    x_net = model._to_network_units(x[:8])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.discriminator(x_net)),
        keras.ops.convert_to_numpy(loaded.discriminator(x_net)),
    )
    assert loaded.compiled
    for name in (
        "encoder_optimizer",
        "generator_optimizer",
        "discriminator_optimizer",
    ):
        assert (
            getattr(loaded, name).get_config()
            == getattr(model, name).get_config()
        )


def test_hinge_with_r1_penalty_trains(ring):
    model = small_vaegan(adversarial_loss="hinge", penalty="r1")
    history = model.fit(ring[:256], epochs=1, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert history.history["dx_penalty"][0] > 0.0


def _mlp(x, weights, leaky, hidden_only=False):
    """NumPy forward of `keras_aegan.networks.build_mlp` (float64).

    `hidden_only`: the weights are those of the hidden layers only (the
    discriminator's feature network), each followed by its activation.
    """
    h = x.astype("float64")
    pairs = list(zip(weights[::2], weights[1::2]))
    for i, (w, b) in enumerate(pairs):
        h = h @ w + b
        if hidden_only or i < len(pairs) - 1:
            h = np.where(h > 0, h, 0.2 * h) if leaky else np.maximum(h, 0)
    return h


def _softplus(v):
    return np.logaddexp(0.0, v)


def test_losses_match_numpy(ring):
    """Logged terms equal the documented formulas on fed noise."""
    n = 64
    rng = np.random.default_rng(5)
    x = ring[:n]
    eps = rng.normal(size=(n, 2)).astype("float32")
    z_p = rng.normal(size=(n, 2)).astype("float32")
    model = small_vaegan()
    model.compile(
        # Zero learning rates: every phase sees the same weights, the
        # ones read below.
        encoder_optimizer=keras.optimizers.SGD(0.0),
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
        loss_weights={"kl": 0.5, "gamma": 3.0},
    )
    history = model.fit(
        {"x": x, "noise": {"epsilon": eps, "prior": z_p}},
        batch_size=n,
        verbose=0,
    )
    logs = {k: v[0] for k, v in history.history.items()}

    offset = keras.ops.convert_to_numpy(model.data_scaler.offset)
    scale = keras.ops.convert_to_numpy(model.data_scaler.scale)
    x_net = (x.astype("float64") - offset) / scale
    moments = _mlp(x_net, model.encoder.get_weights(), leaky=False)
    mean, log_var = moments[:, :2], moments[:, 2:]
    z = mean + np.exp(0.5 * log_var) * eps
    g = model.generator.get_weights()
    x_rec, x_gen = _mlp(z, g, leaky=False), _mlp(z_p, g, leaky=False)
    f_w = model.discriminator_features.get_weights()
    h_w = model.discriminator_head.get_weights()

    def features(v):
        return _mlp(v, f_w, leaky=True, hidden_only=True)

    def logits(v):
        return features(v) @ h_w[0] + h_w[1]

    kl = np.mean(-0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), 1))
    rec = 0.5 * np.mean(np.sum((features(x_net) - features(x_rec)) ** 2, 1))
    expected = {
        "dx_real": _softplus(-logits(x_net)).mean(),
        "dx_reconstructed": _softplus(logits(x_rec)).mean(),
        "dx_generated": _softplus(logits(x_gen)).mean(),
        "kl": kl,
        "feature_reconstruction": rec,
        "generator_feature_reconstruction": rec,
        "gx_reconstructed": _softplus(-logits(x_rec)).mean(),
        "gx_generated": _softplus(-logits(x_gen)).mean(),
    }
    expected["discriminator_loss"] = expected["dx_real"] + 0.5 * (
        expected["dx_reconstructed"] + expected["dx_generated"]
    )
    expected["encoder_loss"] = 0.5 * kl + rec
    expected["generator_loss"] = (
        3.0 * rec + expected["gx_reconstructed"] + expected["gx_generated"]
    )
    assert set(logs) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key], value, rtol=TOL, err_msg=key)


def test_user_networks_and_errors():
    features = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(5, activation="relu")]
    )
    head = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    model = VAEGAN(
        latent_dim=3, discriminator_features=features, discriminator_head=head
    )
    model.build_for((2,))
    assert model.discriminator_features is features
    assert model.discriminator(np.zeros((4, 2), "float32")).shape == (4, 1)

    with pytest.raises(TypeError, match="generator"):
        VAEGAN(generator=[1, 2])
    with pytest.raises(ValueError, match="both"):
        VAEGAN(discriminator_features=features)
    with pytest.raises(TypeError, match=r"\[.loss.\]"):
        VAEGAN().compile(loss="mse")
    encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"2 \* latent_dim = 6"):
        VAEGAN(latent_dim=3, encoder=encoder).build_for((2,))
    bad_head = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="discriminator_head"):
        VAEGAN(
            discriminator_features=features, discriminator_head=bad_head
        ).build_for((2,))


# Budget of the ring test: see its docstring.
RING_STEPS = 600
RING_BATCH = 256
RING_MIN_MODES = 5
RING_SEEDS = (0, 1, 2, 3, 4)  # best of up to 5 runs: see the docstring


@pytest.mark.slow
@pytest.mark.rotation("jax")
def test_ring_mode_coverage():
    """VAEGAN with gamma = 0.1 covers at least 5 of the 8 ring modes.

    gamma multiplies `L_llike`, a sum over the features of `Dis_l`: the
    ring's MLP discriminator has 128 of them, the default digits
    discriminator 1,024, so the ring takes a ~10x larger gamma than the
    default 1e-2 (chosen on the digits) for the same balance of
    reconstruction and GAN terms in the generator phase.

    Budget: 600 steps of batch 256 with the default networks and
    optimizers: 11-15 s of wall time per run with JAX or TensorFlow, one
    thread on a loaded 2-core machine (24-31 s with PyTorch, eager).
    Protocol of DESIGN.md section 5: 2,500 generated samples; a mode is
    covered when a sample within 3 std (0.03) of a centre is nearest to
    it.

    Measured at this budget (model seed = global seed; AMD EPYC,
    2026-12-06), modes covered:

        JAX, seeds 0-7:        8, 5, 2, 6, 7, 7, 4, 7
        TensorFlow, seeds 0-3: 8, 7, 7, 7

    with 0.2 to 3.6 % high-quality samples (an earlier measurement, model
    seeds 1-3 after global seed 0: JAX 7, 6, 7; TensorFlow 6, 5, 6;
    PyTorch 8, 6, 7). With the default gamma = 1e-2 the same runs covered
    2 to 8 modes. An untrained generator covers no mode.

    Asserted: the best of up to 5 runs covers >= 5 modes, stopping at
    the first run that does (one run in the common case). One run missed
    in 2 of the 12 (2 and 4 modes); the rule-of-succession estimate
    p = (2 + 1) / (12 + 2) = 0.21 makes all 5 miss with probability
    0.21^5 = 4.5e-4 < 1e-3 when seeds act as independent draws. A
    collapsed generator (1-4 modes) fails every run.
    """
    x = keras_aegan.datasets.make_ring(RING_STEPS * RING_BATCH, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = VAEGAN(seed=seed, ema_decay=None)  # bounds measured raw
        model.compile(loss_weights={"gamma": 0.1})
        history = model.fit(x, epochs=1, batch_size=RING_BATCH, verbose=0)
        assert_all_finite(history)
        result = mode_coverage(
            model.generate(2500, seed=0),
            keras_aegan.datasets.ring_centers(),
            std=0.01,
        )
        print(f"\nVAEGAN ring, seed {seed}: {result.value}")
        if result["modes"] >= RING_MIN_MODES:
            break
    assert result["modes"] >= RING_MIN_MODES
