"""Bad data and bad arguments raise errors that say what was received."""

import keras
import numpy as np
import pytest
from conftest import small_aegan

import keras_aegan


@pytest.fixture(scope="module")
def built_vector_model(ring):
    model = small_aegan()
    model.fit(ring[:64], epochs=0, verbose=0)
    return model


@pytest.mark.parametrize(
    "x,message",
    [
        (np.zeros((0, 2), "float32"), r"empty.*shape=\(0, 2\)"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), r"1 NaN and 0 infinite"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), r"0 NaN and 1 infinite"),
        (np.ones((4, 2), bool), r"real numbers.*dtype=bool"),
        (np.array([["a", "b"], ["c", "d"]]), r"real numbers.*dtype=<U1"),
        (np.ones((4, 2), complex), r"real numbers.*complex128"),
        (np.ones((4,), "float32"), r"reshape\(-1, 1\).*shape=\(4,\)"),
        # Rank 3 is a sequence (N, T, C); grayscale images without a
        # channel axis whose side is no supported length are told how to
        # add one (the warning for square samples is tested elsewhere).
        pytest.param(
            np.ones((4, 12, 12), "float32"),
            r"sequence_shape=\(12, 12\).*x\[\.\.\., None\]",
            marks=pytest.mark.filterwarnings("ignore:Training on data"),
        ),
        (np.ones((4, 6, 3), "float32"), r"powers of two.*\(6, 3\)"),
        (np.ones((2, 2, 8, 8, 1), "float32"), r"shape=\(2, 2, 8, 8, 1\)"),
        (np.full((4, 8, 8, 1), 3.0), r"\[0, 1\] or \[-1, 1\].*\[3, 3\]"),
        (np.full((4, 8, 8, 1), -2.0), r"Received values in \[-2, -2\]"),
        (np.full((4, 8, 8, 1), 300, "int32"), r"\[0, 255\].*300"),
        (None, r"x=None"),
    ],
)
def test_bad_training_data(x, message):
    model = small_aegan()
    with pytest.raises(ValueError, match=message):
        model.fit(x, epochs=1, verbose=0)


def test_unsupported_image_size_names_the_sizes():
    model = small_aegan()
    x = np.zeros((4, 12, 12, 1), "float32")
    with pytest.raises(ValueError, match=r"\[8, 16, 32, 64, 128\].*12, 12"):
        model.fit(x, epochs=1, verbose=0)


def test_targets_are_refused(ring):
    with pytest.raises(ValueError, match=r"without targets.*shape=\(64,\)"):
        small_aegan().fit(ring[:64], np.zeros(64), verbose=0)


def test_wrong_shape_against_built_model(built_vector_model):
    with pytest.raises(ValueError, match=r"shape \(2,\).*sample shape \(3,\)"):
        built_vector_model.fit(np.zeros((8, 3)), verbose=0)
    with pytest.raises(ValueError, match=r"\(2,\).*\(8, 3\)"):
        built_vector_model.encode(np.zeros((8, 3)))
    with pytest.raises(ValueError, match=r"\(n, 2\).*\(8, 5\)"):
        built_vector_model.decode(np.zeros((8, 5)))


def test_methods_before_fit_explain_what_to_do():
    model = small_aegan()
    for call in (
        lambda: model.generate(4),
        lambda: model.encode(np.zeros((2, 2))),
        lambda: model.evaluate(np.zeros((2, 2)), verbose=0),
    ):
        with pytest.raises(ValueError, match=r"not built yet: call fit\(\)"):
            call()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"latent_dim": 0}, r"latent_dim=0"),
        ({"latent_dim": -3}, r"latent_dim=-3"),
        ({"latent_dim": 2.5}, r"latent_dim=2.5"),
        ({"width": 0}, r"width=0"),
        ({"seed": -1}, r"seed=-1"),
        ({"generator": "dense"}, r"generator='dense'"),
        ({"real_label": 1.5}, r"real_label=1.5"),
        ({"fake_label": -0.1}, r"fake_label=-0.1"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        keras_aegan.AEGAN(**kwargs)


def test_bad_compile_arguments():
    model = small_aegan()
    with pytest.raises(TypeError, match=r"critic_optimizer"):
        model.compile(critic_optimizer="adam")
    with pytest.raises(ValueError, match=r"Unknown loss weight 'gp'"):
        model.compile(loss_weights={"gp": 1.0})
    with (
        pytest.warns(DeprecationWarning, match=r"AEGAN\(real_label=\.\.\.\)"),
        pytest.raises(ValueError, match=r"real_label=1.5"),
    ):
        model.compile(real_label=1.5)  # deprecated, still checked
    with pytest.raises(ValueError, match=r"Could not interpret optimizer"):
        model.compile(generator_optimizer="no-such-optimizer")
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match=r"own optimizer instance"):
        model.compile(generator_optimizer=opt, discriminator_optimizer=opt)


def test_bad_method_arguments(built_vector_model):
    model = built_vector_model
    with pytest.raises(ValueError, match=r"n=0"):
        model.generate(0)
    with pytest.raises(ValueError, match=r"steps=1"):
        model.interpolate(np.zeros((1, 2)), np.ones((1, 2)), steps=1)
    with pytest.raises(ValueError, match=r"same shape.*\(1, 2\) and \(2, 2\)"):
        model.interpolate(np.zeros((1, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"batch_size=0"):
        model.fit(np.zeros((8, 2)), batch_size=0, verbose=0)


def test_bad_explicit_noise(ring):
    model = small_aegan()
    with pytest.raises(ValueError, match=r"keys \['discriminator', 'gen"):
        model.fit({"x": ring[:8], "noise": {"z": np.zeros((8, 2))}})
    noise = {
        "discriminator": np.zeros((8, 2)),
        "generator": np.zeros((7, 2)),
    }
    with pytest.raises(ValueError, match=r"\(8, 2\). Received: shape=\(7, 2"):
        model.fit({"x": ring[:8], "noise": noise})
    with pytest.raises(ValueError, match=r"only have the keys.*'y'"):
        model.fit({"x": ring[:8], "y": ring[:8]})


def test_mismatched_custom_networks_name_network_and_shapes(ring):
    bad_encoder = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(5)], name="enc"
    )
    model = keras_aegan.AEGAN(latent_dim=2, encoder=bad_encoder)
    with pytest.raises(ValueError, match=r"`encoder`.*\(batch, 2\).*5\)"):
        model.fit(ring[:16], verbose=0)
    bad_generator = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2)], name="gen"
    )
    model = keras_aegan.AEGAN(latent_dim=2, generator=bad_generator)
    with pytest.raises(ValueError, match=r"`generator` could not be applied"):
        model.fit(ring[:16], verbose=0)


def test_custom_networks_are_used(ring):
    def mlp(i, o, name):
        return keras.Sequential(
            [
                keras.Input((i,)),
                keras.layers.Dense(16, "relu"),
                keras.layers.Dense(o),
            ],
            name=name,
        )

    nets = {
        "generator": mlp(3, 2, "g"),
        "encoder": mlp(2, 3, "e"),
        "image_discriminator": mlp(2, 1, "dx"),
        "latent_discriminator": mlp(3, 1, "dz"),
    }
    model = keras_aegan.AEGAN(**nets)
    assert model.latent_dim == 3  # read from the generator
    model.fit(ring[:64], epochs=1, batch_size=32, verbose=0)
    for name, net in nets.items():
        assert getattr(model, name) is net
    assert model.encode(ring[:4]).shape == (4, 3)


def _empty_generator():
    return
    yield


class _EmptyDataset(keras.utils.PyDataset):
    def __len__(self):
        return 0

    def __getitem__(self, index):
        raise IndexError(index)


@pytest.mark.parametrize(
    "make",
    [_empty_generator, _EmptyDataset],
    ids=["generator", "py_dataset"],
)
def test_empty_iterables_are_refused(make):
    with pytest.raises(ValueError, match=r"yielded no batches. Received: "):
        small_aegan().fit(make(), verbose=0)


@pytest.mark.parametrize("noise", ["device", "host"])
def test_batch_larger_than_data_is_one_partial_batch(ring, noise):
    # As in Keras: a batch_size above the sample count gives one batch.
    model = small_aegan(noise=noise)
    history = model.fit(ring[:10], batch_size=64, epochs=2, verbose=0)
    assert int(model.generator_optimizer.iterations) == 2
    assert np.all(np.isfinite(history.history["generator_loss"]))


@pytest.mark.parametrize(
    "x,batch_size",
    [
        (np.array([[0.5, -0.5]], "float32"), 1),  # one sample in all
        (np.ones((8, 2), "float32"), 4),  # constant features: std 0
        (None, 1),  # images through BatchNorm, one at a time
    ],
    ids=["single_sample", "constant", "image_batch_of_one"],
)
def test_degenerate_but_valid_data_trains_finitely(x, batch_size, digits):
    if x is None:
        x = digits[0][0][:3]
    model = small_aegan()
    history = model.fit(x, batch_size=batch_size, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["generator_loss"]))
    assert np.all(np.isfinite(model.generate(4, seed=0)))


def test_keras_style_compile_arguments_are_refused():
    with pytest.raises(TypeError, match=r"\['loss', 'optimizer'\].*own los"):
        small_aegan().compile(optimizer="adam", loss="mse")


def test_unknown_network_role_is_refused():
    with pytest.raises(ValueError, match=r"Received: 'critic'"):
        keras_aegan.networks.default_network("critic", (2,), 2)


def test_non_numeric_noise_names_the_noise(ring):
    noise = {
        "discriminator": np.array([["a", "b"]] * 8),
        "generator": np.zeros((8, 2)),
    }
    with pytest.raises(ValueError, match=r"noise 'discriminator' must hold"):
        small_aegan().fit({"x": ring[:8], "noise": noise}, verbose=0)


def _digest(path):
    import hashlib

    files = [path] if path.is_file() else sorted(path.rglob("*"))
    return {
        str(f): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in files
        if f.is_file()
    }


def test_bad_input_never_touches_saved_files(ring, tmp_path):
    model = small_aegan(noise="host")
    backup = keras_aegan.callbacks.BackupAndRestore(
        tmp_path / "backup", save_freq=1, delete_checkpoint=False
    )
    model.fit(ring[:64], batch_size=32, callbacks=[backup], verbose=0)
    model.save(tmp_path / "model.keras")
    before = _digest(tmp_path)
    attempts = [
        lambda: model.fit(np.zeros((8, 3)), callbacks=[backup], verbose=0),
        lambda: model.fit(
            np.full((8, 2), np.nan), callbacks=[backup], verbose=0
        ),
        lambda: model.fit(
            ring[:64], batch_size=16, callbacks=[backup], verbose=0
        ),
        lambda: model.fit(ring[:64], batch_size=0, verbose=0),
        lambda: model.encode(np.zeros((2, 5))),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError):
            attempt()
    assert _digest(tmp_path) == before
