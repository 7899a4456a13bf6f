"""Default network widths: per model, per role, per data kind."""

import pytest

import keras_aegan
from keras_aegan import networks
from keras_aegan.networks.defaults import DEFAULT_VECTOR_UNITS
from keras_aegan.networks.defaults import WIDE_VECTOR_WIDTHS

RING = (2,)
DIGITS = (16, 16, 1)


def _hidden_units(net):
    """The widest Dense layer: the hidden width of a default MLP on 2-D
    data, whose input and output layers are at most 2 units wide."""
    return max(layer.units for layer in net.layers if hasattr(layer, "units"))


def _built(cls, shape, **kwargs):
    model = cls(seed=0, **kwargs)
    model.build_for(shape)
    return model


def test_aegan_vectors_widen_the_generator_and_image_discriminator():
    model = _built(keras_aegan.AEGAN, RING)
    assert WIDE_VECTOR_WIDTHS == {"generator": 256, "data_discriminator": 256}
    assert _hidden_units(model.generator) == 256
    assert _hidden_units(model.image_discriminator) == 256
    assert _hidden_units(model.encoder) == DEFAULT_VECTOR_UNITS == 128
    assert _hidden_units(model.latent_discriminator) == 128
    assert model.get_config()["width"] is None


@pytest.mark.parametrize("kwargs", [{}, {"penalty": "r1"}])
def test_dcgan_anchor_has_aegans_vector_networks(kwargs):
    model = _built(keras_aegan.DCGAN, RING, **kwargs)
    aegan = _built(keras_aegan.AEGAN, RING, **kwargs)
    assert _hidden_units(model.generator) == 256
    assert _hidden_units(model.discriminator) == 256
    assert _hidden_units(aegan.image_discriminator) == 256
    assert model.generator.count_params() == aegan.generator.count_params()


def test_an_explicit_width_applies_to_every_network():
    model = _built(keras_aegan.AEGAN, RING, width=64)
    for name in model.network_names:
        assert _hidden_units(getattr(model, name)) == 64, name


def test_other_models_keep_the_plain_vector_default():
    model = _built(keras_aegan.BiGAN, RING)
    assert _hidden_units(model.generator) == DEFAULT_VECTOR_UNITS
    assert _hidden_units(model.encoder) == DEFAULT_VECTOR_UNITS


def test_images_are_untouched():
    model = _built(keras_aegan.AEGAN, DIGITS)
    for role, name in (
        ("generator", "generator"),
        ("data_discriminator", "image_discriminator"),
    ):
        plain = networks.default_network(role, DIGITS, model.latent_dim)
        assert getattr(model, name).count_params() == plain.count_params()
