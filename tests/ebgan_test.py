"""EBGAN: fit, saving, the pull-away term and the losses against NumPy."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.ebgan import EBGAN
from keras_aegan.models.ebgan import pull_away_term
from keras_aegan.testing import run_model_test

# float32 networks against a float64 NumPy reference: relative error of a
# few float32 ulps per op, over sums of at most a few hundred terms.
RTOL = 1e-5
ATOL = 1e-6
LOGS = {"d_real", "d_generated", "d_margin", "discriminator_loss"}
LOGS = LOGS | {"g_generated", "pull_away", "generator_loss"}


def _linear(in_dim, out_dim, name):
    inputs = keras.Input((in_dim,))
    return keras.Model(inputs, keras.layers.Dense(out_dim)(inputs), name=name)


def _weights(model, name):
    kernel, bias = getattr(model, name).get_weights()
    return kernel.astype("float64"), bias.astype("float64")


def _np_pull_away(s):
    s = np.asarray(s, "float64")
    n = len(s)
    if n < 2:
        return 0.0
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                cos = s[i] @ s[j] / np.linalg.norm(s[i]) / np.linalg.norm(s[j])
                total += cos**2
    return total / (n * (n - 1))


def test_pull_away_term_matches_numpy():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(7, 4)).astype("float32")
    value = keras.ops.convert_to_numpy(pull_away_term(s))
    np.testing.assert_allclose(value, _np_pull_away(s), RTOL, ATOL)
    orthogonal = np.eye(3, dtype="float32") * [1.0, 2.0, 3.0]
    parallel = np.outer([1.0, 2.0, -3.0], [1.0, 1.0]).astype("float32")
    assert float(keras.ops.convert_to_numpy(pull_away_term(orthogonal))) == 0
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(pull_away_term(parallel)), 1.0, RTOL
    )
    one = keras.ops.convert_to_numpy(pull_away_term(s[:1]))
    assert float(one) == 0.0


@pytest.mark.rotation("torch")
def test_fit_digits_smoke(digits):
    (x, _), _ = digits
    model = EBGAN(width=8, seed=0)
    history = model.fit(x[:384], epochs=2, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert int(model.generator_optimizer.iterations) == 48
    assert set(history.history) == {
        "d_real",
        "d_generated",
        "d_margin",
        "discriminator_loss",
        "g_generated",
        "pull_away",
        "generator_loss",
    }
    images = model.generate(4, seed=0)
    assert images.shape == (4, 16, 16, 1)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert model.discriminator_reconstruct(x[:3]).shape == (3, 16, 16, 1)


def test_fit_ring_smoke(ring):
    model = EBGAN(width=16, seed=0)
    history = model.fit(ring[:512], epochs=3, batch_size=64, verbose=0)
    assert_all_finite(history)
    assert model.latent_dim == 2 and model.hidden_dim == 8
    assert model.generate(5, seed=0).shape == (5, 2)


def test_losses_match_numpy(ring):
    model = EBGAN(
        generator=_linear(2, 2, "generator"),
        discriminator_encoder=_linear(2, 3, "discriminator_encoder"),
        discriminator_decoder=_linear(3, 2, "discriminator_decoder"),
        seed=0,
    )
    n = 32
    x = ring[:n]
    rng = np.random.default_rng(3)
    noise = {
        name: rng.standard_normal((n, 2)).astype("float32")
        for name in ("discriminator", "generator")
    }
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
        loss_weights={"pull_away": 0.3},
    )
    model.fit(x, epochs=0, verbose=0)  # builds
    for name in model.network_names:
        net = getattr(model, name)
        net.set_weights(
            [rng.normal(size=w.shape).astype("float32") for w in net.weights]
        )
    gen = _weights(model, "generator")
    enc = _weights(model, "discriminator_encoder")
    dec = _weights(model, "discriminator_decoder")

    def energies(v, encoder, decoder):
        h = v @ encoder[0] + encoder[1]
        return np.mean((v - (h @ decoder[0] + decoder[1])) ** 2, axis=1), h

    v = model._to_network_units(x).astype("float64")
    real, _ = energies(v, enc, dec)
    fake, _ = energies(noise["discriminator"] @ gen[0] + gen[1], enc, dec)
    # A margin between the fake energies: the hinge is active for some
    # samples only, so a hinge of the batch mean would give another value.
    margin = float(np.median(fake))
    model.set_hyperparameters(margin=margin)
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
        loss_weights={"pull_away": 0.3},
    )
    history = model.fit(
        {"x": x, "noise": noise}, batch_size=n, shuffle=False, verbose=0
    )
    logs = {key: values[0] for key, values in history.history.items()}
    hinge = np.mean(np.maximum(0.0, margin - fake))
    assert hinge != max(0.0, margin - fake.mean())
    np.testing.assert_allclose(logs["d_real"], real.mean(), RTOL, ATOL)
    np.testing.assert_allclose(logs["d_generated"], fake.mean(), RTOL, ATOL)
    np.testing.assert_allclose(logs["d_margin"], hinge, RTOL, ATOL)
    np.testing.assert_allclose(
        logs["discriminator_loss"], real.mean() + hinge, RTOL, ATOL
    )
    # The generator phase runs after the discriminator update.
    enc = _weights(model, "discriminator_encoder")
    dec = _weights(model, "discriminator_decoder")
    g_fake, h = energies(noise["generator"] @ gen[0] + gen[1], enc, dec)
    pull_away = _np_pull_away(h)
    np.testing.assert_allclose(logs["g_generated"], g_fake.mean(), RTOL, ATOL)
    np.testing.assert_allclose(logs["pull_away"], pull_away, RTOL, ATOL)
    np.testing.assert_allclose(
        logs["generator_loss"], g_fake.mean() + 0.3 * pull_away, RTOL, ATOL
    )


def test_save_load_round_trip(ring, tmp_path):
    x = ring[:256]
    model = EBGAN(width=16, seed=0, margin=0.4)
    model.compile(loss_weights={"pull_away": 0.2})
    model.fit(x, epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "ebgan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is EBGAN
    assert loaded.margin == 0.4
    assert loaded.loss_weights == {"pull_away": 0.2}
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    np.testing.assert_array_equal(
        model.discriminator_reconstruct(x[:4]),
        loaded.discriminator_reconstruct(x[:4]),
    )


def test_contract(ring):
    init = {"latent_dim": 2, "hidden_dim": 3, "width": 8, "seed": 0}
    run_model_test(EBGAN, {**init, "margin": 0.5}, ring[:64], LOGS)


def test_refuses_unknown_and_bad_arguments():
    model = EBGAN()
    with pytest.raises(TypeError, match="unknown arguments.*'optimizer'"):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="margin=-1"):
        EBGAN(margin=-1)
    with pytest.warns(DeprecationWarning, match=r"EBGAN\(margin=\.\.\.\)"):
        model.compile(margin=0.3)  # until the next release
    assert model.margin == model.get_config()["margin"] == 0.3
    with pytest.raises(ValueError, match="pull_away=-0.1"):
        model.compile(loss_weights={"pull_away": -0.1})
    with pytest.raises(ValueError, match="Unknown loss weight"):
        model.compile(loss_weights={"reconstruction": 1.0})


def test_network_type_and_shape_errors(ring):
    with pytest.raises(TypeError, match="generator.*Keras"):
        EBGAN(generator=lambda z: z)
    model = EBGAN(hidden_dim=4, discriminator_encoder=_linear(2, 3, "encoder"))
    with pytest.raises(
        ValueError, match="discriminator_encoder.*\\(batch, 4\\)"
    ):
        model.fit(ring[:64], epochs=1, verbose=0)
    model = EBGAN(latent_dim=3, generator=_linear(2, 2, "generator"))
    with pytest.raises(ValueError, match="generator.*\\(batch, 3\\)"):
        model.fit(ring[:64], epochs=1, verbose=0)


# Ring budget: 600 steps of batch 256, Adam(1e-3, beta_1=0.5) for both
# phases: 15-22 s of wall time per run with PyTorch, 9-12 s with JAX, one
# thread on a loaded 2-core AMD EPYC (2026-12-06).
#
# Modes covered (2,500 samples, within 3 std), per seed (model seed =
# global seed), AMD EPYC, 2026-12-06:
#   PyTorch, seeds 0-7: 4, 3, 5, 4, 6, 5, 7, 2
#   JAX, seeds 0-3:     5, 4, 6, 5
# (high quality 2-25 %). One run is one draw from this spread: an Intel
# CPU covered 1 mode at seed 0 with PyTorch, where this AMD machine covers
# 4, so the old bound (>= 4 at seed 0) was a coin toss elsewhere.
# Asserted: the best of up to RING_SEEDS runs covers >= 3 modes, stopping
# at the first run that does (one run in the common case). Measured
# failure rate of one run at >= 3: 1 of 12; rule-of-succession estimate
# p = (1 + 1) / (12 + 2) = 0.14, so all 4 runs fail with probability
# 0.14^4 = 4e-4 < 1e-3 when seeds act as independent draws. A collapsed
# generator (1 mode) or an untrained one (0) fails every run.
RING_STEPS = 600
RING_MIN_MODES = 3
RING_SEEDS = (0, 1, 2, 3)


@pytest.mark.slow
@pytest.mark.rotation("torch")
def test_ring_mode_coverage():
    x = keras_aegan.datasets.make_ring(256 * 200, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = EBGAN(seed=seed, ema_decay=None)  # bounds measured raw
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
        print(f"\nEBGAN ring, seed {seed}: {result['modes']}/8 modes")
        if result["modes"] >= RING_MIN_MODES:
            break
    assert result["modes"] >= RING_MIN_MODES, result.value
