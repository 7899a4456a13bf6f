"""ALAD: BiGAN plus cycle discriminators; losses, saving, anomaly score."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan.anomaly import AnomalyDetector
from keras_aegan.anomaly.model_scorer import ModelScorer
from keras_aegan.anomaly.model_scorer import default_score
from keras_aegan.models.alad import ALAD
from keras_aegan.testing import run_model_test

LOGS = {
    "d_real",
    "d_fake",
    "dxx_real",
    "dxx_fake",
    "dzz_real",
    "dzz_fake",
    "discriminator_loss",
    "g_generated",
    "e_encoded",
    "g_cycle_x",
    "g_cycle_z",
    "generator_loss",
}


def test_contract_on_ring(ring):
    model = run_model_test(ALAD, {"width": 8, "seed": 0}, ring[:64], LOGS)
    assert model.latent_dim == 2
    assert model.reconstruct(ring[:4]).shape == (4, 2)
    assert keras_aegan.ALAD is ALAD


@pytest.mark.rotation("torch")
def test_fit_save_load_on_digits(digits, tmp_path):
    (x, _), _ = digits
    x = x[:256]
    model = ALAD(width=8, seed=0)
    history = model.fit(x, epochs=1, batch_size=32, verbose=0)  # 8 steps
    assert_all_finite(history)
    assert set(history.history) == LOGS
    assert model.discriminator_xx.input_shape == [(None, 16, 16, 1)] * 2
    assert model.discriminator_zz.input_shape == [(None, 4)] * 2
    path = tmp_path / "alad.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is ALAD
    np.testing.assert_array_equal(
        model.generate(4, seed=0), loaded.generate(4, seed=0)
    )
    for name in ("discriminator_xx", "discriminator_zz"):
        for a, b in zip(
            getattr(model, name).get_weights(),
            getattr(loaded, name).get_weights(),
        ):
            np.testing.assert_array_equal(a, b)


# ----------------------------------------------------- losses against NumPy
def _linear(in_dim, out_dim, name):
    return keras.Sequential(
        [keras.Input((in_dim,)), keras.layers.Dense(out_dim)], name=name
    )


def _linear_pair(a_dim, b_dim, name):
    a, b = keras.Input((a_dim,)), keras.Input((b_dim,))
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    return keras.Model([a, b], out, name=name)


def _softplus(v):
    return np.maximum(v, 0.0) + np.log1p(np.exp(-np.abs(v)))


def test_losses_match_numpy(ring):
    """One step with frozen weights and fed noise, recomputed in NumPy."""
    n, rng = 64, np.random.default_rng(3)
    x = ring[:n]
    model = ALAD(
        generator=_linear(2, 2, "generator"),
        encoder=_linear(2, 2, "encoder"),
        discriminator=_linear_pair(2, 2, "discriminator"),
        discriminator_xx=_linear_pair(2, 2, "discriminator_xx"),
        discriminator_zz=_linear_pair(2, 2, "discriminator_zz"),
        seed=0,
        ema_decay=None,
    )
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
    )
    model.fit(x, epochs=0, verbose=0)  # builds the networks
    weights = {}
    for name in model.network_names:
        net = getattr(model, name)
        values = [rng.normal(0.0, 0.7, w.shape) for w in net.get_weights()]
        net.set_weights(values)
        weights[name] = values
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

    def dense(name, v):
        w, b = weights[name]
        return v @ w + b

    def pair(name, a, b):
        return dense(name, np.concatenate([a, b], axis=1))[:, 0]

    def g(z):
        return dense("generator", z)

    def e(v):
        return dense("encoder", v)

    z_d, z_g = noise["discriminator"], noise["generator"]
    sp = _softplus
    expected = {
        "d_real": sp(-pair("discriminator", xs, e(xs))).mean(),
        "d_fake": sp(pair("discriminator", g(z_d), z_d)).mean(),
        "dxx_real": sp(-pair("discriminator_xx", xs, xs)).mean(),
        "dxx_fake": sp(pair("discriminator_xx", xs, g(e(xs)))).mean(),
        "dzz_real": sp(-pair("discriminator_zz", z_d, z_d)).mean(),
        "dzz_fake": sp(pair("discriminator_zz", z_d, e(g(z_d)))).mean(),
        "g_generated": sp(-pair("discriminator", g(z_g), z_g)).mean(),
        "e_encoded": sp(pair("discriminator", xs, e(xs))).mean(),
        "g_cycle_x": sp(-pair("discriminator_xx", xs, g(e(xs)))).mean(),
        "g_cycle_z": sp(-pair("discriminator_zz", z_g, e(g(z_g)))).mean(),
    }
    d_names = ["d_real", "d_fake", "dxx_real", "dxx_fake"]
    d_names += ["dzz_real", "dzz_fake"]
    g_names = ["g_generated", "e_encoded", "g_cycle_x", "g_cycle_z"]
    expected["discriminator_loss"] = sum(expected[k] for k in d_names)
    expected["generator_loss"] = sum(expected[k] for k in g_names)
    assert set(history) == set(expected)
    for key, value in expected.items():
        # float32 network arithmetic against float64 NumPy.
        np.testing.assert_allclose(
            history[key][0], value, rtol=1e-4, err_msg=key
        )


@pytest.mark.rotation("tensorflow")
def test_penalty_on_all_three_discriminators(ring):
    model = ALAD(width=8, seed=0, penalty="r1", penalty_weight=0.1)
    history = model.fit(ring[:128], epochs=1, batch_size=32, verbose=0)
    assert_all_finite(history)
    for name in ("d_penalty", "dxx_penalty", "dzz_penalty"):
        assert name in history.history


def test_user_networks_are_checked(ring):
    model = ALAD(
        generator=_linear(2, 2, "generator"),
        discriminator_xx=_linear_pair(2, 3, "discriminator_xx"),
    )
    with pytest.raises(ValueError, match="`discriminator_xx` could not be"):
        model.fit(ring[:32], verbose=0)
    with pytest.raises(TypeError, match="`discriminator_zz` must be a Keras"):
        ALAD(discriminator_zz=lambda z: z)


# ---------------------------------------------------------- anomaly score
@pytest.mark.rotation("torch")
def test_feature_score_compares_cycle_discriminator_features(ring):
    x = ring[:256]
    model = ALAD(width=8, seed=0)
    model.fit(x, epochs=1, batch_size=64, verbose=0)
    assert default_score(model) == "feature"
    scorer = ModelScorer(model, kappa=0.5)
    got = scorer.compute(x[:40], ("reconstruction", "feature_residual"))
    # By hand: D_xx's features (the input of its output layer) of (x, x)
    # against (x, G(E(x))), with the networks the scorer uses (EMA).
    xs = scorer.network_units(x[:40])
    x_rec = keras.ops.convert_to_numpy(
        scorer.generator(scorer.encoder(xs, training=False), training=False)
    )
    net = model.discriminator_xx
    f = keras.Model(net.inputs, net.layers[-1].input)
    f_x = keras.ops.convert_to_numpy(f([xs, xs], training=False))
    f_rec = keras.ops.convert_to_numpy(f([xs, x_rec], training=False))
    expected = np.mean((f_x.astype("float64") - f_rec) ** 2, axis=1)
    np.testing.assert_allclose(got["feature_residual"], expected, rtol=1e-4)
    feature = scorer.compute(x[:40], ("feature",))["feature"]
    np.testing.assert_allclose(
        feature,
        got["reconstruction"] + 0.5 * got["feature_residual"],
        rtol=1e-6,
    )
    detector = AnomalyDetector(model).fit(x)
    assert detector.score_name_ == "feature"
    assert detector.decision_function(x[:5]).shape == (5,)
