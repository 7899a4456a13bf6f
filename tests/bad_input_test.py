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
        (np.ones((4, 8, 8), "float32"), r"x\[\.\.\., None\].*\(4, 8, 8\)"),
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
    with pytest.raises(ValueError, match=r"real_label=1.5"):
        model.compile(real_label=1.5)
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
