"""alpha-GAN: training, saving, loss formulas, gradient routing."""

import time

import keras
import numpy as np
import pytest
from conftest import assert_all_finite
from conftest import network_values

from keras_aegan.datasets import make_ring
from keras_aegan.datasets import ring_centers
from keras_aegan.metrics import mode_coverage
from keras_aegan.models.alpha_gan import AlphaGAN
from keras_aegan.testing import run_model_test

GENERATOR_TERMS = {
    "reconstruction",
    "gx_generated",
    "gx_reconstructed",
    "gz_encoded",
    "generator_loss",
}
DISCRIMINATOR_TERMS = {
    "dx_real",
    "dx_generated",
    "dx_reconstructed",
    "dz_prior",
    "dz_encoded",
    "discriminator_loss",
}


def small_alpha_gan(**kwargs):
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return AlphaGAN(**kwargs)


@pytest.fixture(scope="module")
def digits_model(digits):
    (x, _), _ = digits
    x = x[:768]
    model = small_alpha_gan()
    history = model.fit(x, epochs=1, batch_size=32, verbose=0)  # 24 steps
    return model, history, x


@pytest.mark.rotation("torch")
def test_fit_on_digits(digits_model):
    model, history, x = digits_model
    assert_all_finite(history)
    assert set(history.history) == GENERATOR_TERMS | DISCRIMINATOR_TERMS
    assert int(model.generator_optimizer.iterations) == 24
    assert model.generate(3, seed=1).shape == (3, 16, 16, 1)
    assert model.encode(x[:5]).shape == (5, 4)
    recons = model.reconstruct(x[:5])
    assert model.interpolate(x[0], x[1], steps=3).shape == (3, 16, 16, 1)
    assert recons.shape == x[:5].shape and recons.dtype == x.dtype


@pytest.mark.rotation("torch")
def test_save_load_round_trip(digits_model, tmp_path):
    model, _, x = digits_model
    path = tmp_path / "alpha_gan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is AlphaGAN
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    np.testing.assert_array_equal(model.encode(x[:8]), loaded.encode(x[:8]))
    assert loaded.loss_weights == model.loss_weights
    assert int(loaded.generator_optimizer.iterations) == 24


def test_contract_on_ring(ring):
    logs = GENERATOR_TERMS | DISCRIMINATOR_TERMS
    init = {"width": 8, "seed": 0}
    model = run_model_test(AlphaGAN, init, ring[:64], logs)
    assert model.reconstruct(ring[:4]).shape == (4, 2)


def test_hinge_with_r1_trains(ring):
    model = small_alpha_gan(adversarial_loss="hinge", penalty="r1")
    assert not model.density_ratio
    history = model.fit(ring[:384], epochs=1, batch_size=16, verbose=0)
    assert_all_finite(history)
    assert {"dx_penalty", "dz_penalty"} <= set(history.history)


# ----------------------------------------------------- losses against NumPy
def _linear(in_dim, out_dim, name):
    return keras.Sequential(
        [keras.Input((in_dim,)), keras.layers.Dense(out_dim)], name=name
    )


def _linear_model(**kwargs):
    return AlphaGAN(
        generator=_linear(2, 2, "generator"),
        encoder=_linear(2, 2, "encoder"),
        image_discriminator=_linear(2, 1, "image_discriminator"),
        latent_discriminator=_linear(2, 1, "latent_discriminator"),
        seed=0,
        **kwargs,
    )


def _softplus(v):
    return np.maximum(v, 0.0) + np.log1p(np.exp(-np.abs(v)))


@pytest.mark.parametrize("density_ratio", [True, False])
def test_losses_match_numpy(ring, density_ratio):
    """One step with frozen weights and fed noise, recomputed in NumPy."""
    n, rng = 64, np.random.default_rng(5)
    x = ring[:n]
    model = _linear_model(density_ratio=density_ratio)
    weights = {"reconstruction": 3.0, "adversarial_x": 0.5}
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
        loss_weights=weights,
    )
    model.fit(x, epochs=0, verbose=0)  # builds the networks
    params = {}
    for name in model.network_names:
        net = getattr(model, name)
        params[name] = [rng.normal(0, 0.7, w.shape) for w in net.get_weights()]
        net.set_weights(params[name])
    noise = {
        k: rng.standard_normal((n, 2)).astype("float32")
        for k in ("discriminator", "generator")
    }
    history = model.fit(
        {"x": x, "noise": noise}, batch_size=n, shuffle=False, verbose=0
    ).history

    def net(name, v):
        w, b = params[name]
        return v @ w + b

    offset = keras.ops.convert_to_numpy(model.data_scaler.offset)
    scale = keras.ops.convert_to_numpy(model.data_scaler.scale)
    xs = (x.astype("float64") - offset) / scale
    enc = net("encoder", xs)
    rec = net("generator", enc)

    def dx(v):
        return net("image_discriminator", v)[:, 0]

    def dz(v):
        return net("latent_discriminator", v)[:, 0]

    z = noise["discriminator"]
    expected = {
        "dx_real": _softplus(-dx(xs)).mean(),
        "dx_generated": _softplus(dx(net("generator", z))).mean(),
        "dx_reconstructed": _softplus(dx(rec)).mean(),
        "dz_prior": _softplus(-dz(z)).mean(),
        "dz_encoded": _softplus(dz(enc)).mean(),
    }
    expected["discriminator_loss"] = sum(expected.values())
    if density_ratio:  # -log(D / (1 - D)) = -logit

        def adv(logits):
            return -logits.mean()
    else:  # -log D

        def adv(logits):
            return _softplus(-logits).mean()

    z = noise["generator"]
    expected.update(
        reconstruction=np.abs(xs - rec).mean(),
        gx_generated=adv(dx(net("generator", z))),
        gx_reconstructed=adv(dx(rec)),
        gz_encoded=adv(dz(enc)),
    )
    expected["generator_loss"] = (
        3.0 * expected["reconstruction"]
        + 0.5 * (expected["gx_generated"] + expected["gx_reconstructed"])
        + expected["gz_encoded"]
    )
    assert set(history) == set(expected)
    for key, value in expected.items():
        # float32 network arithmetic against float64 NumPy.
        np.testing.assert_allclose(
            history[key][0], value, rtol=1e-4, atol=1e-6, err_msg=key
        )


def test_encoder_is_not_trained_by_the_image_discriminator(ring):
    """With only Dx's terms weighted, a step moves G but not E (paper)."""
    model = _linear_model()
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        loss_weights={"reconstruction": 0.0, "adversarial_z": 0.0},
    )
    model.fit(ring[:64], epochs=0, verbose=0)
    encoder, generator = (
        network_values(model, "encoder"),
        network_values(model, "generator"),
    )
    model.fit(ring[:64], batch_size=64, verbose=0)
    for path, value in network_values(model, "encoder").items():
        np.testing.assert_array_equal(value, encoder[path], err_msg=path)
    moved = network_values(model, "generator")
    assert any(not np.array_equal(moved[p], v) for p, v in generator.items())


# ---------------------------------------------------- arguments and config
def test_arguments_are_checked(ring):
    with pytest.raises(TypeError, match="`encoder` must be a Keras"):
        AlphaGAN(encoder="conv")
    with pytest.raises(ValueError, match="needs the non-saturating loss"):
        AlphaGAN(adversarial_loss="wasserstein", density_ratio=True)
    with pytest.raises(ValueError, match="density_ratio=1"):
        AlphaGAN(density_ratio=1)
    model = AlphaGAN(latent_discriminator=_linear(3, 1, "dz"))  # z is 2-D
    with pytest.raises(ValueError, match="`latent_discriminator`"):
        model.fit(ring[:32], verbose=0)
    with pytest.raises(TypeError, match="unknown arguments \\['optimizer'\\]"):
        small_alpha_gan().compile(optimizer="adam")


def test_defaults_and_config_round_trip():
    model = small_alpha_gan(latent_dim=3, penalty="gp", penalty_interval=4)
    assert model.density_ratio
    model.compile(loss_weights={"reconstruction": 10.0})
    assert model.loss_weights == {
        "reconstruction": 10.0,
        "adversarial_x": 1.0,
        "adversarial_z": 1.0,
    }
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert float(opt.beta_1) == pytest.approx(0.5)
    clone = AlphaGAN.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert (clone.latent_dim, clone.width, clone.penalty) == (3, 8, "gp")
    assert clone.penalty_interval == 4 and clone.density_ratio


# ---------------------------------------------------------------- quality
RING_STEPS = 450  # 9 epochs of 50 batches of 256
RING_MIN_MODES = 4
RING_MIN_HIGH_QUALITY = 0.005
RING_MAX_CIRCLE = 0.15
RING_SEEDS = (0, 1, 2)  # best of up to 3 runs: see the docstring


@pytest.mark.slow
@pytest.mark.rotation("tensorflow")
def test_ring_mode_coverage():
    """alpha-GAN covers most of the 8-mode ring in 450 steps.

    Protocol of DESIGN.md section 5 (2,500 samples, a mode is covered
    when a sample within 3 std = 0.03 of a centre is nearest to it), on
    a small budget: 450 steps of batch 256, Adam(1e-3, beta_1=0.5) for
    both phases, otherwise the defaults. One run: 9-12 s of wall time
    with TensorFlow or JAX, one thread on a loaded 2-core machine.

    Measured at this budget (model seed = global seed; AMD EPYC,
    2026-12-06), modes / high-quality share / median distance of the
    samples to the unit circle:

        TensorFlow, seeds 0-7: 5/1.0%/0.076, 4/1.0%/0.087, 8/8.4%/0.032,
                               8/11.9%/0.027, 7/11.3%/0.045,
                               7/0.72%/0.079, 8/3.8%/0.044, 5/4.4%/0.072
        JAX, seeds 0-3:        8/4.3%/0.038, 5/2.3%/0.088, 8/8.8%/0.036,
                               7/10.8%/0.061

    (untrained: 0 modes, 0 %, 0.87-0.97; an earlier measurement, JAX
    seeds 0-4, TensorFlow 0, 2 and 4-6, PyTorch 0: 5-8 modes, 1.0-17 %,
    0.035-0.076). At 300 steps one run of nine was still blurry (3
    modes, 0.2 %, TensorFlow seed 2); at 900 steps the runs reach 10-35 %
    high quality.

    Asserted: a run with at least 4 modes, at least 0.5 % high-quality
    samples and a circle distance under 0.15 (the low end of the 12 runs
    is 4 modes, 0.72 % and 0.088), the best of up to 3 seeds, stopping at
    the first run that passes (one run in the common case). No run of
    the 12 missed; the rule-of-succession estimate of one run missing,
    p = 1 / (12 + 2) = 0.071, makes all 3 miss with probability
    0.071^3 = 3.6e-4 < 1e-3 when seeds act as independent draws. A
    collapsed (1-3 modes) or blurry generator fails every run.
    """
    x = make_ring(256 * 50, seed=0)
    for seed in RING_SEEDS:
        keras.utils.set_random_seed(seed)
        model = AlphaGAN(seed=seed, ema_decay=None)  # bounds measured raw
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
            f"\nalpha-GAN ring, seed {seed}: {result['modes']}/8 modes, "
            f"{result['high_quality']:.1%} high quality, circle "
            f"{circle:.3f}, fit {cpu:.1f} s CPU"
        )
        if (
            result["modes"] >= RING_MIN_MODES
            and result["high_quality"] >= RING_MIN_HIGH_QUALITY
            and circle < RING_MAX_CIRCLE
        ):
            break
    assert result["modes"] >= RING_MIN_MODES
    assert result["high_quality"] >= RING_MIN_HIGH_QUALITY
    assert circle < RING_MAX_CIRCLE
