"""Exponential moving averages of the generator and encoder."""

import keras
import numpy as np
import pytest
from conftest import small_aegan

import keras_aegan


def _values(network):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in network.variables]


class _RecordLive(keras.callbacks.Callback):
    """The generator's and encoder's variables after every step."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(
            _values(self.model.generator) + _values(self.model.encoder)
        )


def _expected_ema(steps, initial, decay, warmup):
    """The documented EMA recurrence, in float64 NumPy."""
    ema = [v.astype("float64") for v in initial]
    for t, live in enumerate(steps):
        d = decay * min(1.0, t / warmup) if warmup else decay
        ema = [d * e + (1.0 - d) * v for e, v in zip(ema, live)]
    return ema


@pytest.mark.parametrize("data", ["ring", "digits"])
def test_ema_follows_the_documented_recurrence(data, ring, digits):
    # Digits use the conv networks with BatchNorm: their moving mean and
    # variance are averaged like the weights.
    x = ring[:128] if data == "ring" else digits[0][0][:64]
    model = small_aegan(ema_decay=0.8, ema_warmup=3, noise="host")
    model.build_for(x.shape[1:])
    initial = _values(model.generator) + _values(model.encoder)
    record = _RecordLive()
    model.fit(x, epochs=2, batch_size=16, verbose=0, callbacks=[record])
    steps = len(record.steps)
    assert steps == 2 * (len(x) // 16)
    assert int(keras.ops.convert_to_numpy(model.ema_updates)) == steps
    expected = _expected_ema(record.steps, initial, 0.8, 3)
    got = _values(model.ema_generator) + _values(model.ema_encoder)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        # float32 recurrence against float64: each update adds at most a
        # few ulps of the running value; over 8-16 updates with decay
        # 0.8 the error stays below ~1e-6 relative. 1e-5 leaves margin.
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    # The averages really differ from the trained networks.
    live = _values(model.generator)
    assert any(not np.allclose(a, b) for a, b in zip(live, got))


@pytest.mark.rotation("torch")
def test_zero_decay_is_an_exact_copy(digits):
    (x, _), _ = digits
    model = small_aegan(ema_decay=0.0)
    model.fit(x[:96], epochs=1, batch_size=32, verbose=0)
    assert np.array_equal(
        model.generate(6, seed=1, ema=False),
        model.generate(6, seed=1, ema=True),
    )
    assert np.array_equal(
        model.encode(x[:6], ema=False), model.encode(x[:6], ema=True)
    )
    assert np.array_equal(
        model.interpolate(x[:2], x[2:4], steps=3, ema=False),
        model.interpolate(x[:2], x[2:4], steps=3, ema=True),
    )


def test_ema_is_neither_trained_nor_in_an_optimizer(ring):
    plain = small_aegan(ema_decay=None)
    plain.build_for((2,))
    plain.compile()
    model = small_aegan(ema_decay=0.99)
    model.build_for((2,))
    model.compile()
    assert len(model.trainable_variables) == len(plain.trainable_variables)
    assert len(model.optimizer.variables) == len(plain.optimizer.variables)
    ema_ids = {
        id(v)
        for net in (model.ema_generator, model.ema_encoder)
        for v in net.variables
    }
    assert ema_ids.isdisjoint(map(id, model.trainable_variables))
    assert ema_ids <= set(map(id, model.non_trainable_variables))


def test_ema_is_saved_and_loaded(ring, tmp_path):
    model = small_aegan(ema_decay=0.9, ema_warmup=2)
    model.fit(ring[:256], epochs=2, batch_size=64, verbose=0)
    path = tmp_path / "ema.keras"
    model.save(path)
    loaded = keras_aegan.load_model(path)
    assert loaded.ema_decay == 0.9 and loaded.ema_warmup == 2
    assert keras.ops.convert_to_numpy(loaded.ema_updates) == 8
    for a, b in zip(
        _values(model.ema_generator), _values(loaded.ema_generator)
    ):
        np.testing.assert_array_equal(a, b)
    z = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    np.testing.assert_array_equal(
        model.decode(z, ema=True), loaded.decode(z, ema=True)
    )
    assert not np.array_equal(
        model.decode(z, ema=False), model.decode(z, ema=True)
    )
    # Training continues from the saved average and counter.
    loaded.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    assert keras.ops.convert_to_numpy(loaded.ema_updates) == 9


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ema_decay": 1.0},
        {"ema_decay": -0.1},
        {"ema_decay": True},
        {"ema_decay": "0.9"},
        {"ema_decay": float("nan")},
        {"ema_decay": 0.9, "ema_warmup": -1},
        {"ema_decay": 0.9, "ema_warmup": 2.5},
    ],
)
def test_bad_ema_arguments(kwargs):
    name, value = list(kwargs.items())[-1]
    with pytest.raises(ValueError, match=f"Received: {name}="):
        keras_aegan.AEGAN(**kwargs)


def test_ema_request_without_ema(ring):
    model = small_aegan(ema_decay=None)
    model.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    with pytest.raises(ValueError, match="ema_decay=None"):
        model.generate(4, ema=True)
    with pytest.raises(ValueError, match="ema_decay=None"):
        model.encode(ring[:4], ema=True)


def _no_config_generator():
    class NoConfig(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, z):
            return self.dense(z)

        def get_config(self):
            raise NotImplementedError("no config")

    generator = NoConfig()
    generator(np.zeros((1, 2), "float32"))
    return generator


def test_custom_network_without_config_is_refused():
    generator = _no_config_generator()
    model = keras_aegan.AEGAN(generator=generator, latent_dim=2, width=8)
    model.ema_decay = 0.9
    with pytest.raises(ValueError, match="could not copy it"):
        model.build_for((2,))


def test_custom_network_without_config_under_auto_keeps_no_ema():
    model = keras_aegan.AEGAN(
        generator=_no_config_generator(), latent_dim=2, width=8
    )
    assert model.ema_decay == "auto"
    with pytest.warns(UserWarning, match="keeps no moving average"):
        model.build_for((2,))
    assert model.ema_decay is None and not model.has_ema
    assert getattr(model, "ema_encoder", None) is None


@pytest.mark.parametrize(
    "shape, decay", [((2,), 0.999), ((16, 16, 1), 0.99), ((32, 1), 0.99)]
)
def test_auto_decay_follows_the_data_kind(shape, decay):
    model = small_aegan()
    assert model.ema_decay == "auto" and model.has_ema
    assert model.ema_warmup == 100
    model.build_for(shape)
    assert model.ema_decay == decay
    assert model.moving_average.decay == decay
    assert model.get_config()["ema_decay"] == decay


@pytest.mark.rotation("torch")
def test_generate_uses_the_average_by_default(ring, tmp_path):
    model = small_aegan(ema_warmup=0)
    model.fit(ring[:256], epochs=1, batch_size=64, verbose=0)
    z = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    averaged = model.decode(z, ema=True)
    np.testing.assert_array_equal(model.decode(z), averaged)
    np.testing.assert_array_equal(
        model.generate(5, seed=3), model.generate(5, seed=3, ema=True)
    )
    np.testing.assert_array_equal(
        model.reconstruct(ring[:5]), model.reconstruct(ring[:5], ema=True)
    )
    assert not np.array_equal(model.decode(z, ema=False), averaged)
    # A reloaded model keeps the resolved decay and the same default.
    path = tmp_path / "auto.keras"
    model.save(path)
    loaded = keras_aegan.load_model(path)
    assert loaded.ema_decay == 0.999
    np.testing.assert_array_equal(loaded.decode(z), averaged)
    # Without a moving average the default is the trained generator.
    raw = small_aegan(ema_decay=None)
    raw.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    np.testing.assert_array_equal(raw.decode(z), raw.decode(z, ema=False))
