"""DCGAN: the model contract on images and vectors, and its losses."""

import keras
import numpy as np
import pytest

from keras_aegan import DCGAN
from keras_aegan.testing import run_model_test

LOGS = {"d_real", "d_fake", "discriminator_loss", "g_generated"}
LOGS = LOGS | {"generator_loss"}


def test_contract_on_images(digits):
    (x, _), _ = digits
    model = run_model_test(DCGAN, {"width": 4, "seed": 0}, x[:64], LOGS)
    assert not hasattr(model, "encode") and not hasattr(model, "reconstruct")


def test_contract_on_vectors(ring):
    init = {"width": 8, "seed": 0, "penalty": "r1", "latent_dim": 3}
    run_model_test(DCGAN, init, ring[:64], LOGS | {"d_penalty"})


def test_defaults_and_penalised_critic():
    model = DCGAN(penalty="r1", width=4)
    model.build_for((16, 16, 1))
    model.compile()
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert float(opt.beta_1) == pytest.approx(0.5)
    assert model.adversarial_loss == "non_saturating"
    assert model.latent_dim == 4 and model.loss_weights == {}
    kinds = {type(layer).__name__ for layer in model.discriminator.layers}
    assert "BatchNormalization" not in kinds  # penalties are per sample
    with pytest.raises(TypeError, match="`discriminator` must be a Keras"):
        DCGAN(discriminator="dense")


def test_losses_match_numpy(ring):
    """One step with learning rate 0 and fed noise, recomputed in NumPy."""
    n, rng = 64, np.random.default_rng(3)
    g = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model = DCGAN(generator=g, discriminator=d, seed=0)
    assert model.latent_dim == 3  # read from the generator
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
    )
    for net in (g, d):  # random weights, also for the biases
        shapes = [w.shape for w in net.get_weights()]
        net.set_weights([rng.normal(size=s).astype("float32") for s in shapes])
    noise = {
        k: rng.standard_normal((n, 3)).astype("float32")
        for k in ("discriminator", "generator")
    }
    data = {"x": ring[:n], "noise": noise}
    logs = model.fit(data, batch_size=n, shuffle=False, verbose=0).history
    s = model.data_scaler
    offset, scale = map(keras.ops.convert_to_numpy, (s.offset, s.scale))
    x = (ring[:n] - offset) / scale  # network units

    def logits(a, net):
        kernel, bias = net.get_weights()
        return a.astype("float64") @ kernel + bias

    fake = {k: logits(logits(z, g), d) for k, z in noise.items()}
    expected = {  # softplus(-l) = -log sigmoid(l)
        "d_real": np.logaddexp(0.0, -logits(x, d)).mean(),
        "d_fake": np.logaddexp(0.0, fake["discriminator"]).mean(),
        "g_generated": np.logaddexp(0.0, -fake["generator"]).mean(),
    }
    expected["discriminator_loss"] = expected["d_real"] + expected["d_fake"]
    expected["generator_loss"] = expected["g_generated"]
    for key, value in expected.items():
        # float32 network arithmetic against float64 NumPy.
        np.testing.assert_allclose(logs[key][0], value, rtol=1e-5, err_msg=key)
