"""GANomaly: the model contract on images and vectors, and its losses."""

import keras
import numpy as np
import pytest

from keras_aegan.models import GANomaly
from keras_aegan.testing import run_model_test

LOGS = {
    "d_real",
    "d_reconstructed",
    "discriminator_loss",
    "g_adversarial",
    "contextual",
    "encoding",
    "generator_loss",
}
# Float32 networks of a few units against a float64 NumPy forward pass:
# sums of <= 4 products per unit, relative rounding of a few 1e-7.
TOL = 1e-5


@pytest.mark.rotation("torch")
def test_contract_on_images(digits):
    # Compiling the conv nets takes 45-65 s on JAX and 25 s on
    # TensorFlow on a loaded 2-core machine (3 s eager on PyTorch), so
    # this runs once per full run (it passed on all three when written);
    # the vector contract below runs on every backend.
    (x, _), _ = digits
    model = run_model_test(GANomaly, {"width": 4, "seed": 0}, x[:64], LOGS)
    assert model.latent_dim == 4  # networks.default_latent_dim, 16x16x1
    assert model.encode(x[:3]).shape == (3, 4)
    assert model.reconstruct(x[:3]).shape == (3, 16, 16, 1)
    assert model.reencoder is not model.encoder


def test_contract_on_vectors(ring):
    # Feature matching through the view on D (every backend's train
    # step, JAX's stateless one included) and the objective's R1
    # penalty; the non-saturating term is checked in
    # test_losses_match_numpy.
    init = {"width": 8, "seed": 0, "latent_dim": 3}
    init.update(penalty="r1", penalty_weight=2.0)
    model = run_model_test(GANomaly, init, ring[:64], LOGS | {"d_penalty"})
    assert model.discriminator_features is not None
    assert model.encode(ring[:4]).shape == (4, 3)


def test_defaults():
    model = GANomaly(width=4)
    model.build_for((16, 16, 1))
    model.compile()
    for opt in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert float(opt.beta_1) == pytest.approx(0.5)
    # The paper's weights, and no noise: nothing is sampled in training.
    assert model.loss_weights == {
        "adversarial": 1.0,
        "contextual": 50.0,
        "encoding": 1.0,
    }
    assert model.noise_shapes() == {}
    assert model.adversarial_loss == "non_saturating"
    assert model.ema_network_names == ("generator", "encoder", "reencoder")
    # Feature matching reads the input of D's output layer (a view on
    # D's own variables, not a network of its own).
    features = model.discriminator_features
    assert (
        features.output.shape[1:]
        == model.discriminator.layers[-1].input.shape[1:]
    )
    assert {id(v) for v in features.weights} <= {
        id(v) for v in model.discriminator.weights
    }
    penalised = GANomaly(width=4, penalty="r1")
    penalised.build_for((16, 16, 1))
    kinds = {type(layer).__name__ for layer in penalised.discriminator.layers}
    assert "BatchNormalization" not in kinds


def _dense(units_in, units_out, rng):
    net = keras.Sequential(
        [keras.Input((units_in,)), keras.layers.Dense(units_out)]
    )
    shapes = [w.shape for w in net.get_weights()]
    net.set_weights([rng.normal(size=s).astype("float32") for s in shapes])
    return net


@pytest.mark.parametrize("feature_matching", [True, False])
def test_losses_match_numpy(ring, feature_matching):
    """One step with learning rate 0, every term recomputed in NumPy."""
    n, rng = 64, np.random.default_rng(7)
    encoder, generator = _dense(2, 3, rng), _dense(3, 2, rng)
    reencoder = _dense(2, 3, rng)
    d = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(4),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dense(1),
        ]
    )
    shapes = [w.shape for w in d.get_weights()]
    d.set_weights([rng.normal(size=s).astype("float32") for s in shapes])
    model = GANomaly(
        generator=generator,
        encoder=encoder,
        reencoder=reencoder,
        discriminator=d,
        feature_matching=feature_matching,
        ema_decay=None,
        seed=0,
    )
    assert model.latent_dim == 3  # read from the generator
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
        loss_weights={"adversarial": 2.0, "contextual": 3.0, "encoding": 0.5},
    )
    logs = model.fit(ring[:n], batch_size=n, shuffle=False, verbose=0).history
    s = model.data_scaler
    offset, scale = map(keras.ops.convert_to_numpy, (s.offset, s.scale))
    x = (ring[:n].astype("float64") - offset) / scale  # network units

    def dense(a, net, layer=0):
        kernel, bias = net.get_weights()[2 * layer : 2 * layer + 2]
        return a @ kernel.astype("float64") + bias

    def features(a):
        h = dense(a, d, 0)
        return np.where(h > 0, h, 0.2 * h)

    def softplus(v):
        return np.logaddexp(0.0, v)

    z = dense(x, encoder)
    x_hat = dense(z, generator)
    z_hat = dense(x_hat, reencoder)
    logit_real = dense(features(x), d, 1)
    logit_rec = dense(features(x_hat), d, 1)
    if feature_matching:
        adversarial = np.mean(np.square(features(x) - features(x_hat)))
    else:
        adversarial = softplus(-logit_rec).mean()
    expected = {
        "d_real": softplus(-logit_real).mean(),
        "d_reconstructed": softplus(logit_rec).mean(),
        "g_adversarial": adversarial,
        "contextual": np.mean(np.abs(x - x_hat)),
        "encoding": np.mean(np.square(z - z_hat)),
    }
    expected["discriminator_loss"] = (
        expected["d_real"] + expected["d_reconstructed"]
    )
    expected["generator_loss"] = (
        2.0 * adversarial
        + 3.0 * expected["contextual"]
        + 0.5 * expected["encoding"]
    )
    assert set(logs) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key][0], value, rtol=TOL, err_msg=key)


class _Subclassed(keras.Model):
    """A discriminator with no functional graph to read features from."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: feature_matching='yes'"):
        GANomaly(feature_matching="yes")
    with pytest.raises(TypeError, match="reencoder"):
        GANomaly(reencoder="dense")
    model = GANomaly(latent_dim=2, discriminator=_Subclassed())
    with pytest.raises(ValueError, match="feature_matching=False"):
        model.build_for((2,))
    # Without feature matching any discriminator works.
    GANomaly(
        latent_dim=2, discriminator=_Subclassed(), feature_matching=False
    ).build_for((2,))
