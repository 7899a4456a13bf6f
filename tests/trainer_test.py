"""The AdversarialTrainer contract: phases, state, logs, evaluate, predict."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite
from conftest import network_values
from conftest import optimizer_values
from conftest import small_aegan

AEGAN_TERMS = {
    "dx_real",
    "dx_generated",
    "dx_reconstructed",
    "dz_prior",
    "dz_encoded",
    "dz_reconstructed",
    "reconstruction_x",
    "reconstruction_z",
    "gx_generated",
    "gx_reconstructed",
    "gz_encoded",
    "gz_reconstructed",
}
PHASE_TOTALS = {"discriminator_loss", "generator_loss"}
PHASE_NETWORKS = {
    "discriminator": ("image_discriminator", "latent_discriminator"),
    "generator": ("generator", "encoder"),
}
PHASE_OPTIMIZERS = {
    "discriminator": "discriminator_optimizer",
    "generator": "generator_optimizer",
}


@pytest.fixture(scope="module")
def trained_digits_model(digits):
    """A conv AEGAN (with BatchNorm everywhere) after 4 steps."""
    (x, _), _ = digits
    model = small_aegan(width=4)
    history = model.fit(x[:128], epochs=1, batch_size=32, verbose=0)
    return model, x[:32], history


def test_history_has_every_term_and_phase_total(trained_digits_model):
    _, _, history = trained_digits_model
    assert set(history.history) == AEGAN_TERMS | PHASE_TOTALS
    assert_all_finite(history)


def test_step_counters_and_jit(trained_digits_model):
    model, _, _ = trained_digits_model
    assert int(model.generator_optimizer.iterations) == 4
    assert int(model.discriminator_optimizer.iterations) == 4
    assert int(model.optimizer.iterations) == 4
    if keras.backend.backend() == "torch":
        assert model.jit_compile is False
    elif keras.backend.backend() == "jax":
        # Keras's default ("auto") compiles the JAX step with XLA.
        assert model.jit_compile is True
    # TensorFlow: "auto" is XLA off without a GPU; the step still runs in
    # a tf.function (not eagerly).
    assert model.run_eagerly is False


@pytest.mark.parametrize("phase", ["discriminator", "generator"])
def test_phase_updates_exactly_its_own_variables(trained_digits_model, phase):
    model, x, _ = trained_digits_model
    before = {n: network_values(model, n) for n in model.network_names}
    opt_before = {
        name: optimizer_values(getattr(model, name))
        for name in PHASE_OPTIMIZERS.values()
    }
    seed_before = keras.ops.convert_to_numpy(model.seed_generator.state)
    model.active_phases = (phase,)
    try:
        model.train_on_batch(x)
    finally:
        model.active_phases = None
    after = {n: network_values(model, n) for n in model.network_names}
    for name in model.network_names:
        changed = [
            path
            for path in before[name]
            if not np.array_equal(before[name][path], after[name][path])
        ]
        if name in PHASE_NETWORKS[phase]:
            trainable = [
                v.path for v in getattr(model, name).trainable_variables
            ]
            # Adam moves every variable that has a non-zero gradient.
            assert set(trainable) <= set(changed), (name, changed)
        else:
            # Bit-identical: weights and BatchNorm statistics.
            assert changed == [], (name, changed)
    for opt_name, values in opt_before.items():
        now = optimizer_values(getattr(model, opt_name))
        same = all(np.array_equal(a, b) for a, b in zip(values, now))
        assert same == (opt_name != PHASE_OPTIMIZERS[phase]), opt_name
    # The step still drew its noise.
    seed_after = keras.ops.convert_to_numpy(model.seed_generator.state)
    assert not np.array_equal(seed_before, seed_after)


def test_unknown_phase_name_is_refused(trained_digits_model):
    model, _, _ = trained_digits_model
    with pytest.raises(ValueError, match="Unknown phase names.*critic"):
        model.active_phases = ("critic",)


def test_non_trainable_state_is_carried(digits):
    """BatchNorm statistics, seed state and metric variables after fit()."""
    (x, _), _ = digits
    model = small_aegan(width=4)
    history = model.fit(x[:64], epochs=2, batch_size=32, verbose=0)
    bn = [
        v
        for v in model.generator.non_trainable_variables
        if "moving_mean" in v.path
    ]
    assert bn
    for v in bn:  # initialised to zeros; must have moved
        assert np.any(keras.ops.convert_to_numpy(v) != 0), v.path
    # Two phases draw noise each step: the seed state advanced 2 x 4 times
    # relative to a twin model that ran the same number of steps.
    twin = small_aegan(width=4)
    twin.fit(x[:64], epochs=1, batch_size=32, verbose=0)
    state = keras.ops.convert_to_numpy(model.seed_generator.state)
    twin_state = keras.ops.convert_to_numpy(twin.seed_generator.state)
    assert not np.array_equal(state, twin_state)
    twin.fit(x[:64], epochs=1, batch_size=32, verbose=0)
    twin_state = keras.ops.convert_to_numpy(twin.seed_generator.state)
    np.testing.assert_array_equal(state, twin_state)
    # The trackers hold the last epoch's means, as the history reports.
    for tracker in model.metrics:
        np.testing.assert_allclose(
            float(tracker.result()),
            history.history[tracker.name][-1],
            rtol=1e-6,
        )


def test_evaluate_reports_terms_and_updates_nothing(trained_digits_model):
    model, x, _ = trained_digits_model
    before = {n: network_values(model, n) for n in model.network_names}
    opt_before = optimizer_values(model.optimizer)
    seed_before = keras.ops.convert_to_numpy(model.seed_generator.state)
    logs = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert set(logs) == AEGAN_TERMS | PHASE_TOTALS
    assert all(np.isfinite(v) for v in logs.values())
    for name in model.network_names:
        after = network_values(model, name)
        for path, value in before[name].items():
            np.testing.assert_array_equal(value, after[path], err_msg=path)
    for a, b in zip(opt_before, optimizer_values(model.optimizer)):
        np.testing.assert_array_equal(a, b)
    # Evaluation noise has its own stream: training noise is untouched.
    np.testing.assert_array_equal(
        seed_before, keras.ops.convert_to_numpy(model.seed_generator.state)
    )


def test_predict_maps_latent_codes_to_samples(trained_digits_model):
    model, _, _ = trained_digits_model
    z = np.random.default_rng(0).standard_normal((5, model.latent_dim))
    out = model.predict(z.astype("float32"), verbose=0)
    assert out.shape == (5, 16, 16, 1)
    # The digits are float in [0, 1]; predict returns the user's units
    # unrounded, generate() the same values clipped to the data range.
    # predict() calls the trained generator, not its moving average.
    decoded = model.decode(z, ema=False)
    np.testing.assert_allclose(np.clip(out, 0, 1), decoded, atol=1e-5)


def test_explicit_noise_is_used(ring):
    """Feeding noise makes two models with different seeds train alike."""
    n = 256
    rng = np.random.default_rng(3)
    noise = {
        "discriminator": rng.standard_normal((n, 2)).astype("float32"),
        "generator": rng.standard_normal((n, 2)).astype("float32"),
    }
    weights = None
    results = []
    for seed in (1, 2):
        model = small_aegan(seed=seed)
        model.fit(ring[:n], epochs=0, batch_size=n, verbose=0)  # build
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        model.fit(
            {"x": ring[:n], "noise": noise},
            epochs=1,
            batch_size=64,
            shuffle=False,
            verbose=0,
        )
        results.append(model.generator.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_compile_with_custom_optimizers_and_weights(ring):
    model = small_aegan(real_label=1.0, fake_label=0.0)
    opt = keras.optimizers.SGD(1e-2)
    model.compile(
        generator_optimizer=opt,
        loss_weights={"reconstruction_x": 2.0},
    )
    history = model.fit(ring[:128], epochs=1, batch_size=64, verbose=0)
    assert model.generator_optimizer is opt
    assert int(opt.iterations) == 2
    assert model.loss_weights["reconstruction_x"] == 2.0
    # The other weights are the vector defaults, resolved when fit() saw
    # the data although compile() came first.
    assert model.loss_weights["reconstruction_z"] == 0.1
    assert model.get_compile_config()["loss_weights"] == model.loss_weights
    assert_all_finite(history)


def test_default_loss_weights_follow_the_data_kind(ring):
    vectors = small_aegan()
    vectors.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    assert vectors.loss_weights == {
        "reconstruction_x": 0.1,
        "reconstruction_z": 0.1,
        "adversarial_x": 1.0,
        "adversarial_z": 1.0,
    }
    images = small_aegan(width=4)
    images.compile()
    images.build_for((8, 8, 1))
    assert images.loss_weights == {
        "reconstruction_x": 10.0,
        "reconstruction_z": 5.0,
        "adversarial_x": 1.0,
        "adversarial_z": 1.0,
    }


def test_compile_labels_are_deprecated():
    model = small_aegan()
    with pytest.warns(DeprecationWarning) as record:
        model.compile(real_label=0.9, fake_label=0.1)
    messages = [str(w.message) for w in record]
    for name in ("real_label", "fake_label"):
        assert any(f"AEGAN({name}=...)" in m for m in messages), messages
    assert (model.real_label, model.fake_label) == (0.9, 0.1)
    config = model.get_config()
    assert (config["real_label"], config["fake_label"]) == (0.9, 0.1)
    model.compile()  # keeps them (compile() no longer resets the labels)
    assert (model.real_label, model.fake_label) == (0.9, 0.1)
    assert model.get_compile_config()["options"] == {}


def test_uncompiled_model_compiles_with_defaults(ring):
    model = small_aegan()
    assert not model.compiled
    model.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    assert model.compiled
    g, d = model.generator_optimizer, model.discriminator_optimizer
    assert isinstance(g, keras.optimizers.Adam)
    assert float(g.learning_rate) == pytest.approx(4e-4)
    assert float(d.learning_rate) == pytest.approx(2e-4)
    assert float(g.beta_1) == pytest.approx(0.5)
