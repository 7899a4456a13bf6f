"""BiGAN / ALI: training, saving, loss formulas, user networks."""

import time

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

from keras_aegan.datasets import make_ring
from keras_aegan.datasets import ring_centers
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.bigan import ALI
from keras_aegan.models.bigan import BiGAN
from keras_aegan.testing import run_model_test


def small_bigan(**kwargs):
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return BiGAN(**kwargs)


@pytest.fixture(scope="module")
def digits_model(digits):
    (x, _), _ = digits
    x = x[:768]
    model = small_bigan()
    history = model.fit(x, epochs=1, batch_size=32, verbose=0)  # 24 steps
    return model, history, x


@pytest.mark.rotation("torch")
def test_fit_on_digits(digits_model):
    model, history, x = digits_model
    assert_all_finite(history)
    assert set(history.history) == {
        "d_real",
        "d_fake",
        "discriminator_loss",
        "g_generated",
        "e_encoded",
        "generator_loss",
    }
    assert int(model.generator_optimizer.iterations) == 24
    assert model.latent_dim == 4  # networks.default_latent_dim, 16x16
    assert model.generate(3, seed=1).shape == (3, 16, 16, 1)
    assert model.encode(x[:5]).shape == (5, 4)
    recons = model.reconstruct(x[:5])
    assert model.interpolate(x[0], x[1], steps=3).shape == (3, 16, 16, 1)
    assert recons.shape == x[:5].shape and recons.dtype == x.dtype
    assert 0.0 <= recons.min() and recons.max() <= 1.0


@pytest.mark.rotation("torch")
def test_save_load_round_trip(digits_model, tmp_path):
    model, _, x = digits_model
    path = tmp_path / "bigan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is BiGAN
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    np.testing.assert_array_equal(model.encode(x[:8]), loaded.encode(x[:8]))
    assert loaded.compiled
    assert int(loaded.discriminator_optimizer.iterations) == 24


def test_contract_on_ring(ring):
    logs = {"d_real", "d_fake", "discriminator_loss", "g_generated"}
    logs |= {"e_encoded", "generator_loss"}
    model = run_model_test(BiGAN, {"width": 8, "seed": 0}, ring[:64], logs)
    assert model.latent_dim == 2
    assert model.reconstruct(ring[:4]).shape == (4, 2)


def test_wasserstein_gp_on_joint_discriminator(ring):
    model = small_bigan(adversarial_loss="wasserstein", penalty="gp")
    history = model.fit(ring[:384], epochs=1, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert "d_penalty" in history.history
    assert model.noise_shapes()["penalty"] == (1,)


# ----------------------------------------------------- losses against NumPy
def _linear(in_dim, out_dim, name):
    return keras.Sequential(
        [keras.Input((in_dim,)), keras.layers.Dense(out_dim)], name=name
    )


def _linear_joint(x_dim, z_dim):
    x, z = keras.Input((x_dim,)), keras.Input((z_dim,))
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([x, z]))
    return keras.Model([x, z], out, name="discriminator")


def _softplus(v):
    return np.maximum(v, 0.0) + np.log1p(np.exp(-np.abs(v)))


def _set_random_weights(net, rng):
    weights = [rng.normal(0.0, 0.7, w.shape) for w in net.get_weights()]
    net.set_weights(weights)
    return weights


def _expected_terms(loss, d_data, d_generated):
    """NumPy terms of one step from the logits on the two kinds of pairs."""
    if loss == "non_saturating":  # cross-entropy, targets 1 and 0
        return {
            "d_real": _softplus(-d_data).mean(),
            "d_fake": _softplus(d_generated).mean(),
            "g_generated": _softplus(-d_generated).mean(),
            "e_encoded": _softplus(d_data).mean(),  # -log(1 - D)
        }
    if loss == "least_squares":  # targets 1 (data) and 0 (generated)
        return {
            "d_real": 0.5 * np.mean((d_data - 1.0) ** 2),
            "d_fake": 0.5 * np.mean(d_generated**2),
            "g_generated": 0.5 * np.mean((d_generated - 1.0) ** 2),
            "e_encoded": 0.5 * np.mean(d_data**2),
        }
    assert loss == "wasserstein"
    return {
        "d_real": -d_data.mean(),
        "d_fake": d_generated.mean(),
        "g_generated": -d_generated.mean(),
        "e_encoded": d_data.mean(),
    }


@pytest.mark.parametrize(
    "loss, penalty",
    [
        ("non_saturating", None),
        ("least_squares", None),
        ("wasserstein", "gp"),
    ],
)
def test_losses_match_numpy(ring, loss, penalty):
    """One step with frozen weights and fed noise, recomputed in NumPy."""
    n, rng = 64, np.random.default_rng(7)
    x = ring[:n]
    model = BiGAN(
        generator=_linear(2, 2, "generator"),
        encoder=_linear(2, 2, "encoder"),
        discriminator=_linear_joint(2, 2),
        seed=0,
        adversarial_loss=loss,
        penalty=penalty,
    )
    # Learning rate 0: both phases see the initial weights.
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
    )
    model.fit(x, epochs=0, verbose=0)  # builds the networks
    wg, bg = _set_random_weights(model.generator, rng)
    we, be = _set_random_weights(model.encoder, rng)
    wd, bd = _set_random_weights(model.discriminator, rng)
    noise = {
        name: rng.standard_normal((n,) + shape).astype("float32")
        for name, shape in model.noise_shapes().items()
    }
    history = model.fit(
        {"x": x, "noise": noise}, batch_size=n, shuffle=False, verbose=0
    ).history

    offset = keras.ops.convert_to_numpy(model.data_scaler.offset)
    scale = keras.ops.convert_to_numpy(model.data_scaler.scale)
    xs = (x.astype("float64") - offset) / scale

    def d(a, b):
        return (np.concatenate([a, b], axis=1) @ wd + bd)[:, 0]

    z_d, z_g = noise["discriminator"], noise["generator"]
    expected_d = _expected_terms(
        loss, d(xs, xs @ we + be), d(z_d @ wg + bg, z_d)
    )
    expected_g = _expected_terms(
        loss, d(xs, xs @ we + be), d(z_g @ wg + bg, z_g)
    )
    expected = {
        "d_real": expected_d["d_real"],
        "d_fake": expected_d["d_fake"],
        "g_generated": expected_g["g_generated"],
        "e_encoded": expected_g["e_encoded"],
    }
    if penalty == "gp":
        # A linear critic has the same input-gradient everywhere: its
        # weights on x and on z together.
        expected["d_penalty"] = (np.linalg.norm(wd) - 1.0) ** 2
        expected["discriminator_loss"] = (
            expected["d_real"] + expected["d_fake"] + 10 * expected["d_penalty"]
        )
    else:
        expected["discriminator_loss"] = expected["d_real"] + expected["d_fake"]
    expected["generator_loss"] = expected["g_generated"] + expected["e_encoded"]
    assert set(history) == set(expected)
    for key, value in expected.items():
        # float32 network arithmetic against float64 NumPy.
        np.testing.assert_allclose(
            history[key][0], value, rtol=1e-4, err_msg=key
        )


# ---------------------------------------------------- arguments and config
def test_user_networks_are_checked(ring):
    with pytest.raises(TypeError, match="`discriminator` must be a Keras"):
        BiGAN(discriminator=lambda x: x)
    model = BiGAN(
        generator=_linear(2, 2, "generator"),
        discriminator=_linear(4, 1, "discriminator"),  # not [x, z]
    )
    assert model.latent_dim == 2  # read from the generator
    with pytest.raises(ValueError, match="`discriminator` could not be"):
        model.fit(ring[:32], verbose=0)
    model = BiGAN(discriminator=_linear_joint(2, 3))  # z of size 3
    with pytest.raises(ValueError, match="`discriminator`"):
        model.fit(ring[:32], verbose=0)


def test_compile_refuses_unknown_arguments():
    model = small_bigan()
    with pytest.raises(TypeError, match="unknown arguments \\['loss'\\]"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match="Unknown loss weight"):
        model.compile(loss_weights={"reconstruction": 1.0})


def test_defaults_and_config_round_trip():
    model = small_bigan(
        latent_dim=3, adversarial_loss="hinge", penalty="r1", width=16
    )
    model.compile()
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert float(opt.beta_1) == pytest.approx(0.5)
    clone = BiGAN.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert (clone.latent_dim, clone.width, clone.seed) == (3, 16, 0)
    assert clone.adversarial_loss == "hinge" and clone.penalty == "r1"
    assert clone.penalty_weight == 10.0
    assert ALI is BiGAN


# ---------------------------------------------------------------- quality
RING_STEPS = 600  # 12 epochs of 50 batches of 256
RING_MIN_MODES = 2
RING_MAX_CIRCLE = 0.25
RING_SEEDS = (0, 1, 2)  # best of up to 3 runs: see the docstring


@pytest.mark.slow
@pytest.mark.rotation("torch")
def test_ring_mode_coverage():
    """BiGAN with R1 learns the 8-mode ring in 600 steps.

    Protocol of DESIGN.md section 5 (2,500 samples, a mode is covered
    when a sample within 3 std = 0.03 of a centre is nearest to it), on
    a small budget: 600 steps of batch 256, Adam(1e-3, beta_1=0.5) for
    both phases, `penalty="r1"` (gamma 10). One run: 17-26 s of wall
    time with PyTorch, 8-11 s with JAX, one thread on a loaded 2-core
    machine.

    Measured at this budget (model seed = global seed; AMD EPYC,
    2026-12-06), modes covered / median distance of the samples to the
    unit circle:

        PyTorch, seeds 0-7: 4/0.134, 8/0.057, 5/0.145, 6/0.090,
                            8/0.097, 4/0.067, 5/0.118, 6/0.069
        JAX, seeds 0-3:     6/0.124, 6/0.050, 5/0.093, 3/0.158

    with 0.6-3.4 % high-quality samples (an earlier measurement, JAX
    seeds 0-5, TensorFlow 0-4, PyTorch 0: 3-8 modes, circle 0.09-0.16).
    Untrained: 0 modes, circle 0.87-0.97. The samples sit on the ring but
    are not yet sharp, so few are high quality and the mode count is
    noisy. The paper's unregularised game cycles at this scale (JAX,
    seeds 0-4: 0-3 modes, circle distance 0.34-0.64 after 600 steps,
    still 0.16-0.52 after 1,200); R1 lets it settle (Mescheder et al.,
    2018).

    Asserted: a run with at least 2 modes and a circle distance under
    0.25 (one mode below and 0.09 above the worst of the 12 runs), the
    best of up to 3 seeds, stopping at the first run that passes (one
    run in the common case). None of the 12 runs missed; the
    rule-of-succession estimate of one run missing, p = 1 / (12 + 2) =
    0.071, makes all 3 miss with probability 0.071^3 = 3.6e-4 < 1e-3
    when seeds act as independent draws. A collapsed generator (1 mode)
    or one off the ring fails every run.
    """
    x = make_ring(256 * 50, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = BiGAN(
            seed=seed, penalty="r1", ema_decay=None
        )  # bounds measured raw
        model.compile(
            generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        )
        cpu = time.process_time()
        model.fit(x, epochs=RING_STEPS // 50, batch_size=256, verbose=0)
        cpu = time.process_time() - cpu
        assert int(model.generator_optimizer.iterations) == RING_STEPS
        samples = model.generate(2500, seed=1000)
        result = mode_coverage(samples, ring_centers(), std=0.01)
        circle = np.median(np.abs(np.linalg.norm(samples, axis=1) - 1.0))
        print(
            f"\nBiGAN ring, seed {seed}: {result['modes']}/8 modes, "
            f"{result['high_quality']:.1%} high quality, circle "
            f"{circle:.3f}, fit {cpu:.1f} s CPU"
        )
        if result["modes"] >= RING_MIN_MODES and circle < RING_MAX_CIRCLE:
            break
    assert result["modes"] >= RING_MIN_MODES
    assert circle < RING_MAX_CIRCLE
