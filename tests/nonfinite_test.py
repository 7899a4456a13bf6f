"""NaN/Inf in a loss term: stop naming it, or skip the update."""

import keras
import numpy as np
import pytest
from conftest import network_values
from conftest import optimizer_values
from conftest import small_aegan

import keras_aegan

N, BATCH, BAD_STEP = 96, 32, 2  # three steps; the third one is poisoned


def _poisoned(ring):
    """Explicit noise with one infinite generator-phase code at step 3.

    An infinite code makes G(z) non-finite, so the latent reconstruction
    term MSE(z, E(G(z))) (and the adversarial terms on G(z)) go non-finite
    in the generator phase only; the discriminator phase and the image
    reconstruction term L1(x, G(E(x))) stay finite.
    """
    rng = np.random.default_rng(0)
    noise = {
        k: rng.standard_normal((N, 2)).astype("float32")
        for k in ("discriminator", "generator")
    }
    noise["generator"][BAD_STEP * BATCH, 0] = np.inf
    return {"x": ring[:N], "noise": noise}


def test_default_raises_naming_phase_and_term(ring, tmp_path):
    model = small_aegan()
    model.fit(ring[:N], epochs=1, batch_size=BATCH, verbose=0)
    saved = tmp_path / "before.keras"
    model.save(saved)
    # (z - E(G(z)))^2 with z = inf is inf or nan depending on whether the
    # backend's E(G(z)) comes out inf or nan; both are the failure we want.
    with pytest.raises(
        keras_aegan.NonFiniteLossError,
        match=r"'reconstruction_z' of phase 'generator' became (nan|inf) at "
        r"epoch 1, batch 3",
    ):
        model.fit(
            _poisoned(ring), epochs=1, batch_size=BATCH, shuffle=False,
            verbose=0,
        )  # fmt: skip
    # What was saved before is intact and loads.
    loaded = keras.saving.load_model(saved)
    assert np.all(np.isfinite(loaded.generate(4, seed=0)))


def test_infinite_loss_weight_names_the_total(ring):
    model = small_aegan()
    model.compile(loss_weights={"adversarial_z": np.inf})
    with pytest.raises(
        keras_aegan.NonFiniteLossError,
        match=r"'generator_loss' of phase 'generator' became inf at epoch 1,"
        r" batch 1",
    ):
        model.fit(ring[:N], epochs=1, batch_size=BATCH, verbose=0)


def test_skip_drops_only_the_bad_update(ring):
    model = small_aegan(on_nonfinite="skip")
    model.fit(ring[:N], epochs=0, verbose=0)  # build
    data = _poisoned(ring)
    # Two clean steps, then snapshot, then the poisoned step alone.
    first = {
        "x": data["x"][: 2 * BATCH],
        "noise": {k: v[: 2 * BATCH] for k, v in data["noise"].items()},
    }
    history = model.fit(
        first, epochs=1, batch_size=BATCH, shuffle=False, verbose=0
    )
    assert history.history["nonfinite_skips"] == [0.0]
    generator_before = {
        n: network_values(model, n) for n in ("generator", "encoder")
    }
    gen_opt_before = optimizer_values(model.generator_optimizer)
    disc_opt_before = optimizer_values(model.discriminator_optimizer)
    bad = {
        "x": data["x"][2 * BATCH :],
        "noise": {k: v[2 * BATCH :] for k, v in data["noise"].items()},
    }
    history = model.fit(bad, epochs=1, batch_size=BATCH, verbose=0)
    # Exactly one phase update (the generator's) was skipped.
    assert history.history["nonfinite_skips"] == [1.0]
    for name, values in generator_before.items():
        for path, value in network_values(model, name).items():
            np.testing.assert_array_equal(values[path], value, err_msg=path)
    for a, b in zip(
        gen_opt_before, optimizer_values(model.generator_optimizer)
    ):
        np.testing.assert_array_equal(a, b)
    # The discriminator phase was finite and did update.
    assert int(model.discriminator_optimizer.iterations) == 3
    changed = [
        not np.array_equal(a, b)
        for a, b in zip(
            disc_opt_before, optimizer_values(model.discriminator_optimizer)
        )
    ]
    assert any(changed)
    assert all(np.isfinite(model.generate(8, seed=0)).ravel())


@pytest.mark.parametrize("mode", ["skip", "rollback"])
def test_evaluate_and_validation_work_with_skipping_modes(ring, mode):
    # A test step skips no update: it logs no skip count, and once raised
    # a KeyError for the missing count.
    model = small_aegan(on_nonfinite=mode)
    history = model.fit(
        ring[:N],
        validation_data=ring[N : N + BATCH],
        epochs=1,
        batch_size=BATCH,
        verbose=0,
    )
    assert np.isfinite(history.history["val_generator_loss"][0])
    logs = model.evaluate(
        ring[:BATCH], batch_size=BATCH, verbose=0, return_dict=True
    )
    assert np.isfinite(logs["generator_loss"])
    assert logs["nonfinite_skips"] == 0.0


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match=r"on_nonfinite='ignore'"):
        small_aegan(on_nonfinite="ignore")


def _split(data, start, stop):
    return {
        "x": data["x"][start:stop],
        "noise": {k: v[start:stop] for k, v in data["noise"].items()},
    }


def _all_state(model):
    """Every weight and optimizer variable but step counters and rates."""
    return [
        np.array(keras.ops.convert_to_numpy(v))
        for v in model.weights + model.optimizer.variables
        if v.name not in ("iteration", "learning_rate")
    ]


def _rates(model):
    return [
        float(keras.ops.convert_to_numpy(o.learning_rate))
        for o in model.optimizer.optimizers
    ]


def test_rollback_restores_last_good_state_and_lowers_rates(ring):
    model = small_aegan(on_nonfinite="rollback")
    data = _poisoned(ring)
    model.fit(_split(data, 0, 2 * BATCH), epochs=1, batch_size=BATCH, verbose=0)
    good = _all_state(model)
    rates = _rates(model)
    rollback = keras_aegan.callbacks.NonFiniteRollback(every=1, factor=0.5)
    with pytest.warns(UserWarning, match="rolled back"):
        history = model.fit(
            _split(data, 2 * BATCH, N),
            epochs=1,
            batch_size=BATCH,
            callbacks=[rollback],
            verbose=0,
        )
    assert history.history["nonfinite_rollbacks"] == [1.0]
    assert rollback.rollbacks == 1
    # Everything, the discriminator that did update in the bad step
    # included, is back at the snapshot; only the step counters moved on.
    after = _all_state(model)
    assert len(after) == len(good)
    for before, now in zip(good, after):
        np.testing.assert_array_equal(before, now)
    assert int(model.discriminator_optimizer.iterations) == 3
    np.testing.assert_allclose(_rates(model), [r * 0.5 for r in rates])
    # Training goes on from there with finite losses.
    history = model.fit(
        _split(data, 0, 2 * BATCH), epochs=1, batch_size=BATCH, verbose=0
    )
    assert history.history["nonfinite_rollbacks"] == [0.0]
    assert np.all(np.isfinite(history.history["generator_loss"]))


def test_rollback_gives_up_after_max_rollbacks(ring):
    model = small_aegan(on_nonfinite="rollback")
    rollback = keras_aegan.callbacks.NonFiniteRollback(max_rollbacks=0)
    with pytest.raises(
        keras_aegan.NonFiniteLossError,
        match=r"at epoch 1, batch 3 and the 0 rollbacks allowed",
    ):
        model.fit(
            _poisoned(ring), epochs=1, batch_size=BATCH, shuffle=False,
            callbacks=[rollback], verbose=0,
        )  # fmt: skip


def test_rollback_needs_rollback_mode_and_float_rates(ring):
    rollback = keras_aegan.callbacks.NonFiniteRollback()
    with pytest.raises(ValueError, match=r"on_nonfinite='raise'"):
        small_aegan().fit(
            ring[:N], batch_size=BATCH, callbacks=[rollback], verbose=0
        )
    model = small_aegan(on_nonfinite="rollback")
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.9)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(schedule),
    )
    with pytest.raises(ValueError, match=r"has a schedule \(ExponentialDe"):
        model.fit(ring[:N], batch_size=BATCH, verbose=0)
    with pytest.raises(ValueError, match=r"factor=0"):
        keras_aegan.callbacks.NonFiniteRollback(factor=0)
