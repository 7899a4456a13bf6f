"""Save -> load round trips on the same backend."""

import keras
import numpy as np
import pytest
from conftest import network_values
from conftest import optimizer_values
from conftest import small_aegan

import keras_aegan


def _fixed_noise(n, latent_dim, seed):
    rng = np.random.default_rng(seed)
    return {
        name: rng.standard_normal((n, latent_dim)).astype("float32")
        for name in ("discriminator", "generator")
    }


@pytest.fixture(scope="module")
def saved_digits_model(digits, tmp_path_factory):
    (x, _), _ = digits
    x = (x[:96] * 255).round().astype("uint8")  # uint8 images
    model = small_aegan(width=4, real_label=0.9)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.4),
        loss_weights={"reconstruction_z": 2.0},
    )
    model.fit(x, epochs=1, batch_size=32, verbose=0)
    path = tmp_path_factory.mktemp("saved") / "aegan.keras"
    model.save(path)
    return model, keras.saving.load_model(path), x


def test_loaded_model_generates_identically(saved_digits_model):
    model, loaded, _ = saved_digits_model
    assert type(loaded) is keras_aegan.AEGAN
    a = model.generate(8, seed=5)
    b = loaded.generate(8, seed=5)
    assert a.dtype == b.dtype == np.uint8
    np.testing.assert_array_equal(a, b)


def test_loaded_model_has_identical_state(saved_digits_model):
    model, loaded, _ = saved_digits_model
    for name in model.network_names:
        a, b = network_values(model, name), network_values(loaded, name)
        assert len(a) == len(b)
        for va, vb in zip(a.values(), b.values()):
            np.testing.assert_array_equal(va, vb)
    for name in ("generator_optimizer", "discriminator_optimizer"):
        a = getattr(model, name)
        b = getattr(loaded, name)
        assert type(a) is type(b)
        assert a.get_config() == b.get_config()
        values_a, values_b = optimizer_values(a), optimizer_values(b)
        assert len(values_a) == len(values_b) > 2  # moments were saved
        for va, vb in zip(values_a, values_b):
            np.testing.assert_array_equal(va, vb)
    assert int(loaded.generator_optimizer.iterations) == 3
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.seed_generator.state),
        keras.ops.convert_to_numpy(loaded.seed_generator.state),
    )
    # Compile options and data statistics came back too.
    assert loaded.loss_weights == model.loss_weights
    assert loaded.real_label == 0.9
    assert loaded.data_scaler.get_config() == model.data_scaler.get_config()


def test_training_continues_identically_after_loading(saved_digits_model):
    model, loaded, x = saved_digits_model
    noise = _fixed_noise(len(x), model.latent_dim, seed=11)
    results = []
    for m in (model, loaded):
        history = m.fit(
            {"x": x, "noise": noise},
            epochs=1,
            batch_size=32,
            shuffle=False,
            verbose=0,
        )
        weights = [
            w
            for name in m.network_names
            for w in getattr(m, name).get_weights()
        ]
        results.append((history.history, weights))
    (hist_a, weights_a), (hist_b, weights_b) = results
    assert int(loaded.generator_optimizer.iterations) == 6
    for key in hist_a:
        assert np.isfinite(hist_b[key][0])
        # Same backend, same state, same inputs: the same computation.
        assert hist_a[key] == hist_b[key], key
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)


def test_vector_model_round_trip(ring, tmp_path):
    x = ring[:128] * 50.0 + 7.0  # any units
    model = small_aegan()
    model.fit(x, epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "ring.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        model.generate(16, seed=1), loaded.generate(16, seed=1)
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded.data_scaler.offset),
        x.mean(axis=0),
        rtol=1e-5,
    )


def test_unbuilt_model_round_trip(tmp_path):
    model = keras_aegan.AEGAN(
        latent_dim=3, width=16, seed=4, noise="host", on_nonfinite="skip"
    )
    path = tmp_path / "unbuilt.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.latent_dim == 3 and loaded.width == 16 and loaded.seed == 4
    assert loaded.noise == "host" and loaded.on_nonfinite == "skip"
    assert loaded.data_kind is None
