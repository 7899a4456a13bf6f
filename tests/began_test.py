"""BEGAN: fit, saving, loss formulas and the k_t update against NumPy."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.began import BEGAN
from keras_aegan.testing import run_model_test

# float32 networks against a float64 NumPy reference: relative error of a
# few float32 ulps per op, over sums of at most a few hundred terms.
RTOL = 1e-5
ATOL = 1e-6
LOGS = {"d_real", "d_generated", "k", "convergence", "discriminator_loss"}
LOGS = LOGS | {"g_generated", "generator_loss"}


def _k(model):
    return float(keras.ops.convert_to_numpy(model.k))


def _linear(in_dim, out_dim, name):
    inputs = keras.Input((in_dim,))
    return keras.Model(inputs, keras.layers.Dense(out_dim)(inputs), name=name)


def _linear_model(
    ring, hidden_dim=3, gamma=0.5, lambda_k=0.001, **compile_kwargs
):
    """A BEGAN of linear networks with fixed random weights, built."""
    model = BEGAN(
        generator=_linear(2, 2, "generator"),
        discriminator_encoder=_linear(2, hidden_dim, "discriminator_encoder"),
        discriminator_decoder=_linear(hidden_dim, 2, "discriminator_decoder"),
        seed=0,
        gamma=gamma,
        lambda_k=lambda_k,
    )
    model.compile(**compile_kwargs)
    model.fit(ring[:64], epochs=0, verbose=0)  # builds
    rng = np.random.default_rng(7)
    for name in model.network_names:
        net = getattr(model, name)
        net.set_weights(
            [rng.normal(size=w.shape).astype("float32") for w in net.weights]
        )
    return model


def _weights(model, name):
    kernel, bias = getattr(model, name).get_weights()
    return kernel.astype("float64"), bias.astype("float64")


def _np_energy(v, encoder, decoder):
    (we, be), (wd, bd) = encoder, decoder
    return np.mean(np.abs(v - ((v @ we + be) @ wd + bd)))


def _np_generate(z, generator):
    w, b = generator
    return z @ w + b


def _noise(n, seed):
    rng = np.random.default_rng(seed)
    return {
        name: rng.standard_normal((n, 2)).astype("float32")
        for name in ("discriminator", "generator")
    }


@pytest.mark.rotation("torch")
def test_fit_digits_smoke(digits):
    (x, _), _ = digits
    model = BEGAN(width=8, seed=0)
    history = model.fit(x[:384], epochs=2, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert int(model.generator_optimizer.iterations) == 48
    assert model.latent_dim == model.hidden_dim == 64  # the paper's N_z, N_h
    assert 0.0 <= _k(model) <= 1.0
    assert set(history.history) == {
        "d_real",
        "d_generated",
        "k",
        "convergence",
        "discriminator_loss",
        "g_generated",
        "generator_loss",
    }
    images = model.generate(4, seed=0)
    assert images.shape == (4, 16, 16, 1)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert model.discriminator_reconstruct(x[:3]).shape == (3, 16, 16, 1)


def test_fit_ring_smoke(ring):
    model = BEGAN(width=16, seed=0)
    history = model.fit(ring[:512], epochs=3, batch_size=64, verbose=0)
    assert_all_finite(history)
    # The default embedding is a bottleneck: half the features.
    assert model.latent_dim == 2 and model.hidden_dim == 1
    assert model.generate(5, seed=0).shape == (5, 2)


def test_losses_and_k_update_match_numpy(ring):
    gamma, lambda_k, k0 = 0.7, 0.05, 0.25
    model = _linear_model(
        ring,
        gamma=gamma,
        lambda_k=lambda_k,
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
    )
    model.k.assign(k0)
    n = 32
    x = ring[:n]
    noise = _noise(n, seed=3)
    gen = _weights(model, "generator")
    enc = _weights(model, "discriminator_encoder")
    dec = _weights(model, "discriminator_decoder")
    history = model.fit(
        {"x": x, "noise": noise}, batch_size=n, shuffle=False, verbose=0
    )
    logs = {key: values[0] for key, values in history.history.items()}

    v = model._to_network_units(x).astype("float64")
    real = _np_energy(v, enc, dec)
    fake = _np_energy(_np_generate(noise["discriminator"], gen), enc, dec)
    np.testing.assert_allclose(logs["d_real"], real, RTOL, ATOL)
    np.testing.assert_allclose(logs["d_generated"], fake, RTOL, ATOL)
    np.testing.assert_allclose(logs["k"], k0, RTOL, ATOL)
    np.testing.assert_allclose(
        logs["discriminator_loss"], real - k0 * fake, RTOL, ATOL
    )
    np.testing.assert_allclose(
        logs["convergence"], real + abs(gamma * real - fake), RTOL, ATOL
    )
    expected_k = np.clip(k0 + lambda_k * (gamma * real - fake), 0, 1)
    np.testing.assert_allclose(_k(model), expected_k, RTOL, ATOL)
    assert _k(model) != k0
    # The generator phase runs after the discriminator update.
    enc_after = _weights(model, "discriminator_encoder")
    dec_after = _weights(model, "discriminator_decoder")
    g_fake = _np_energy(
        _np_generate(noise["generator"], gen), enc_after, dec_after
    )
    np.testing.assert_allclose(logs["g_generated"], g_fake, RTOL, ATOL)
    np.testing.assert_allclose(logs["generator_loss"], g_fake, RTOL, ATOL)


def test_k_trajectory_matches_numpy(ring):
    """Frozen weights (learning rate 0), six steps, clipping at 0 and 1."""
    gamma, lambda_k = 0.5, 0.5
    frozen = dict(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
    )
    model = _linear_model(ring, gamma=gamma, lambda_k=lambda_k, **frozen)
    gen = _weights(model, "generator")
    enc = _weights(model, "discriminator_encoder")
    dec = _weights(model, "discriminator_decoder")
    # The point p the linear autoencoder reconstructs exactly
    # (p = p A + c) and the code z with G(z) = p: a batch of it has zero
    # energy, so k rises; far-away codes have a high energy, so k falls.
    a = enc[0] @ dec[0]
    c = enc[1] @ dec[0] + dec[1]
    fixed_point = c @ np.linalg.inv(np.eye(2) - a)
    z_exact = (fixed_point - gen[1]) @ np.linalg.inv(gen[0])
    rng = np.random.default_rng(5)
    k, expected, seen = 0.0, [], []
    for far in (False, False, False, True, True, False):
        x = ring[rng.choice(len(ring), 16)]
        z = (
            20.0 * rng.standard_normal((16, 2))
            if far
            else np.tile(z_exact, (16, 1))
        )
        noise = {"discriminator": z, "generator": z}
        history = model.fit(
            {"x": x, "noise": noise}, batch_size=16, shuffle=False, verbose=0
        )
        seen.append((history.history["k"][0], _k(model)))
        v = model._to_network_units(x).astype("float64")
        real = _np_energy(v, enc, dec)
        fake = _np_energy(_np_generate(z, gen), enc, dec)
        k_next = np.clip(k + lambda_k * (gamma * real - fake), 0, 1)
        expected.append((k, k_next))
        k = k_next
    np.testing.assert_allclose(seen, expected, RTOL, ATOL)
    # The rule was exercised inside (0, 1) and at both bounds.
    ks = [k for _, k in expected]
    assert 0.0 in ks and 1.0 in ks and any(0.0 < k < 1.0 for k in ks), ks


def test_evaluate_leaves_k_unchanged(ring):
    model = _linear_model(ring)
    model.k.assign(0.5)
    logs = model.evaluate(ring[:64], batch_size=32, verbose=0, return_dict=True)
    assert _k(model) == 0.5
    assert logs["k"] == 0.5


def test_save_load_round_trip_and_resume(ring, tmp_path):
    x = ring[:256]
    model = BEGAN(width=16, seed=0, gamma=0.6, lambda_k=0.01)
    model.fit(x, epochs=0, verbose=0)  # builds
    model.k.assign(0.3)
    model.fit(x, epochs=1, batch_size=64, verbose=0)
    k = _k(model)
    assert k > 0.0 and k != 0.3
    path = tmp_path / "began.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is BEGAN
    assert _k(loaded) == k
    assert (loaded.gamma, loaded.lambda_k) == (0.6, 0.01)
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    # Training resumes from the saved k_t: the same steps on both models.
    noise = _noise(128, seed=1)
    histories = [
        m.fit(
            {"x": x[:128], "noise": noise},
            batch_size=64,
            shuffle=False,
            verbose=0,
        ).history
        for m in (model, loaded)
    ]
    assert histories[0] == histories[1]
    assert histories[1]["k"][0] != 0.0
    assert _k(loaded) == _k(model) != k


def test_k_0_is_where_k_starts_and_survives_saving(ring, tmp_path):
    x = ring[:128]
    model = BEGAN(width=8, seed=0, k_0=0.3, lambda_k=0.01)
    model.fit(x, epochs=0, verbose=0)  # builds
    # k_t is float32: 0.3 rounds to the nearest float32.
    assert _k(model) == float(np.float32(0.3))
    assert model.get_config()["k_0"] == 0.3
    history = model.fit(
        {"x": x, "noise": _noise(128, seed=1)},
        batch_size=64,
        shuffle=False,
        verbose=0,
    ).history
    # The first step's discriminator loss uses k_0 (the logged k is the
    # mean over the epoch's two steps, so compare the moved k instead).
    assert _k(model) != float(np.float32(0.3))
    assert history["k"][0] > 0.0
    path = tmp_path / "began.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    # The saved k_t, not k_0, is what a loaded model continues from.
    assert loaded.k_0 == 0.3 and _k(loaded) == _k(model)
    # The default is the paper's k_0 = 0.
    fresh = BEGAN(width=8, seed=0)
    fresh.fit(x, epochs=0, verbose=0)
    assert fresh.k_0 == 0.0 and _k(fresh) == 0.0


def test_contract(ring):
    init = {"latent_dim": 2, "hidden_dim": 1, "width": 8, "seed": 0}
    init.update(gamma=0.7, lambda_k=0.01)
    model = run_model_test(BEGAN, init, ring[:64], LOGS)
    assert 0.0 <= _k(model) <= 1.0


def test_refuses_unknown_and_bad_arguments():
    model = BEGAN()
    with pytest.raises(TypeError, match="unknown arguments.*'loss'"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match="gamma"):
        BEGAN(gamma=0.0)
    with pytest.raises(ValueError, match="lambda_k"):
        BEGAN(lambda_k=-1.0)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="k_0"):
            BEGAN(k_0=bad)
    with pytest.raises(ValueError, match="Unknown loss weight"):
        model.compile(loss_weights={"adversarial": 1.0})


def test_compile_hyperparameters_are_deprecated(ring):
    model = BEGAN(width=8, seed=0)
    with pytest.warns(DeprecationWarning) as record:
        model.compile(gamma=0.6, lambda_k=0.01)
    messages = [str(w.message) for w in record]
    for name in ("gamma", "lambda_k"):
        assert any(f"BEGAN({name}=...)" in m for m in messages), messages
    assert (model.gamma, model.lambda_k) == (0.6, 0.01)
    config = model.get_config()
    assert (config["gamma"], config["lambda_k"]) == (0.6, 0.01)
    with (
        pytest.warns(DeprecationWarning),
        pytest.raises(ValueError, match="gamma"),
    ):
        model.compile(gamma=1.5)
    assert model.gamma == 0.6
    # The equilibrium update uses the value compile() received.
    model = _linear_model(ring)
    with pytest.warns(DeprecationWarning, match="lambda_k"):
        model.compile(lambda_k=0.0)
    model.k.assign(0.5)
    model.fit(ring[:64], batch_size=32, verbose=0)
    assert _k(model) == 0.5


def test_network_type_and_shape_errors(ring):
    with pytest.raises(TypeError, match="discriminator_encoder.*Keras"):
        BEGAN(discriminator_encoder="mlp")
    model = BEGAN(hidden_dim=4, discriminator_encoder=_linear(2, 3, "encoder"))
    with pytest.raises(
        ValueError, match="discriminator_encoder.*\\(batch, 4\\)"
    ):
        model.fit(ring[:64], epochs=1, verbose=0)
    model = BEGAN(discriminator_decoder=_linear(8, 3, "decoder"))
    with pytest.raises(
        ValueError, match="discriminator_decoder.*\\(batch, 2\\)"
    ):
        model.fit(ring[:64], epochs=1, verbose=0)
    # hidden_dim defaults to the size of a given encoder's output.
    assert BEGAN(discriminator_encoder=_linear(2, 5, "e")).hidden_dim == 5


# Ring budget: 600 steps of batch 256, the default networks and
# Adam(1e-3, beta_1=0.5) for both phases: 6-10 s of wall time per run
# with JAX or TensorFlow, one thread on a loaded 2-core machine (about
# 25 s with PyTorch).
# BEGAN collapses on the ring (see its docstring): 1 to 2 modes even
# after 4,000 steps (JAX), `k_t` staying below 0.05. Measured at this
# budget (2,500 samples, within 3 std; model seed = global seed; AMD
# EPYC, 2026-12-06), modes / high-quality share / median distance to the
# unit circle:
#   JAX, seeds 0-7:        1/16%/0.039, 0/0%/0.082, 1/98%/0.004,
#                          1/59%/0.025, 0/0%/0.154, 1/97%/0.007,
#                          1/74%/0.023, 1/90%/0.012
#   TensorFlow, seeds 0-3: 1/86%/0.013, 1/10%/0.039, 1/88%/0.010,
#                          1/22%/0.008
# So one run misses even its one mode 2 times in 12 (its samples near
# the ring but not yet within 3 std of a centre). Asserted: the best of
# up to RING_SEEDS runs covers >= 1 mode, stopping at the first run that
# does (one run in the common case). Rule-of-succession estimate of one
# run missing: p = (2 + 1) / (12 + 2) = 0.21, so all 5 miss with
# probability 0.21^5 = 4.5e-4 < 1e-3 when seeds act as independent
# draws. A generator that never reaches the data (untrained, or early in
# training) covers 0 modes in every run and fails.
RING_STEPS = 600
RING_MIN_MODES = 1
RING_SEEDS = (0, 1, 2, 3, 4)


@pytest.mark.slow
@pytest.mark.rotation("jax")
def test_ring_mode_coverage():
    x = keras_aegan.datasets.make_ring(256 * 200, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = BEGAN(seed=seed, ema_decay=None)  # bounds measured raw
        model.compile(
            generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        )
        model.fit(x, epochs=RING_STEPS // 200, batch_size=256, verbose=0)
        result = mode_coverage(
            model.generate(2500, seed=1),
            keras_aegan.datasets.ring_centers(),
            std=0.01,
        )
        print(f"\nBEGAN ring, seed {seed}: {result['modes']}/8 modes")
        if result["modes"] >= RING_MIN_MODES:
            break
    assert result["modes"] >= RING_MIN_MODES, result.value
