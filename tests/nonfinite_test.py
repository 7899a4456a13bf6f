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


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match=r"on_nonfinite='ignore'"):
        small_aegan(on_nonfinite="ignore")
