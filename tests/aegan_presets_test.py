"""AEGAN presets: the paper's 64x64 configuration and the light default."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan


# PyTorch: 6 s against 27 s under TensorFlow (tracing the 64x64 networks).
@pytest.mark.rotation("torch")
def test_paper_preset_configuration_trains_and_survives_saving(tmp_path):
    model = keras_aegan.AEGAN.from_preset("paper", seed=0)
    assert model.latent_dim == 16 and model.width == 64
    assert model.loss_weights == {
        "reconstruction_x": 10.0,
        "reconstruction_z": 5.0,
        "adversarial_x": 1.0,
        "adversarial_z": 1.0,
    }
    assert (model.real_label, model.fake_label) == (0.95, 0.05)
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        assert opt.clipnorm == 1.0 and opt.beta_1 == 0.5
        np.testing.assert_allclose(float(opt.learning_rate), 2e-4)
    images = np.random.default_rng(0).uniform(size=(4, 64, 64, 3))
    history = model.fit(images.astype("float32"), batch_size=4, verbose=0)
    assert_all_finite(history)
    assert model.generate(2, seed=0).shape == (2, 64, 64, 3)
    path = str(tmp_path / "paper.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.preset == "paper"
    assert loaded.generator_optimizer.clipnorm == 1.0
    assert loaded.real_label == 0.95
    np.testing.assert_array_equal(
        loaded.generate(2, seed=1), model.generate(2, seed=1)
    )


def test_paper_preset_refuses_other_resolutions(digits):
    (x, _), _ = digits
    model = keras_aegan.AEGAN.from_preset("paper")
    with pytest.raises(ValueError, match=r"64x64 images.*\(16, 16, 1\)"):
        model.fit(x[:8], verbose=0)


def test_light_preset_is_the_default_model():
    light = keras_aegan.AEGAN.from_preset("light", seed=3, name="m")
    default = keras_aegan.AEGAN(seed=3, name="m")
    config = light.get_config()
    assert config.pop("preset") == "light"
    reference = default.get_config()
    reference.pop("preset")
    assert config == reference


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="Received: preset='big'"):
        keras_aegan.AEGAN.from_preset("big")
    with pytest.raises(ValueError, match="Received: preset='big'"):
        keras_aegan.AEGAN(preset="big")
