"""The loss zoo and the gradient penalties, checked against NumPy.

The penalties' input-gradient is one function per backend
(`keras_aegan.backend.input_gradients`); these tests run on every
backend and compare values, input-gradients and the weight update a
penalty makes inside a real train step with float64 NumPy references.
tests/parity/parity_test.py checks the backends against each other over
whole AEGAN steps (WGAN-GP and lazy R1 cases).
"""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite

import keras_aegan
from keras_aegan import losses
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.phase import Phase

# float32 against float64: the values are sums of a few hundred products
# of O(1) numbers, each rounded at 2^-24 relative; 1e-5 relative leaves a
# margin of ~10x over the sqrt(n) growth of that rounding.
RTOL = 1e-5
ATOL = 1e-6


def _mlp(features, hidden, seed, inputs=1):
    """A tanh MLP critic with NumPy weights; `inputs` > 1 concatenates."""
    rng = np.random.default_rng(seed)
    sizes = [features] * inputs
    ins = [keras.Input((f,)) for f in sizes]
    h = ins[0] if inputs == 1 else keras.layers.Concatenate()(ins)
    h = keras.layers.Dense(hidden, activation="tanh")(h)
    out = keras.layers.Dense(1)(h)
    net = keras.Model(ins[0] if inputs == 1 else ins, out)
    weights = [
        rng.normal(size=(features * inputs, hidden)),
        rng.normal(size=(hidden,)) * 0.1,
        rng.normal(size=(hidden, 1)),
        rng.normal(size=(1,)) * 0.1,
    ]
    net.set_weights([w.astype("float32") for w in weights])
    return net, weights


def _np_input_grads(weights, x):
    """Per-sample d D / d x of the tanh MLP, float64: (n, features_in)."""
    kernel, bias, v, _ = weights
    h = np.tanh(x @ kernel + bias)
    return (v[:, 0] * (1.0 - h**2)) @ kernel.T


def _np_squared_norms(weights, x):
    return np.sum(_np_input_grads(weights, x) ** 2, axis=1)


def _data(n, features, seed):
    return np.random.default_rng(seed).normal(size=(n, features))


def _close(actual, expected):
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(actual), expected, rtol=RTOL, atol=ATOL
    )


def test_loss_zoo_formulas():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(64, 1)) * 2
    fake = rng.normal(size=(64, 1)) * 2
    r32, f32 = real.astype("float32"), fake.astype("float32")

    def softplus(v):
        return np.logaddexp(0.0, v)

    def bce(logits, target):
        return np.mean(
            target * softplus(-logits) + (1 - target) * softplus(logits)
        )

    expected = {
        "non_saturating": (
            bce(real, 0.9),
            bce(fake, 0.1),
            np.mean(softplus(-fake)),
        ),
        "hinge": (
            np.mean(np.maximum(0, 1 - real)),
            np.mean(np.maximum(0, 1 + fake)),
            -np.mean(fake),
        ),
        "least_squares": (
            0.5 * np.mean((real - 0.9) ** 2),
            0.5 * np.mean((fake - 0.1) ** 2),
            0.5 * np.mean((fake - 1) ** 2),
        ),
        "wasserstein": (-np.mean(real), np.mean(fake), -np.mean(fake)),
    }
    assert set(expected) == set(losses.ADVERSARIAL_LOSSES)
    for name, (d_real, d_fake, g) in expected.items():
        loss = losses.get_adversarial_loss(name)
        got_real, got_fake = loss.discriminator_terms(r32, f32, 0.9, 0.1)
        _close(got_real, d_real)
        _close(got_fake, d_fake)
        _close(loss.generator_term(f32), g)
    assert losses.get_adversarial_loss("wasserstein").is_critic
    with pytest.raises(ValueError, match="Received: adversarial_loss='wgan'"):
        losses.get_adversarial_loss("wgan")


def test_r1_r2_and_input_gradients_match_numpy():
    net, weights = _mlp(3, 16, seed=1)
    x = _data(32, 3, seed=2)
    x32 = x.astype("float32")
    expected = 0.5 * np.mean(_np_squared_norms(weights, x))
    _close(losses.r1_penalty(net, x32), expected)
    _close(losses.r2_penalty(net, x32), expected)
    _close(
        losses.squared_gradient_norms(net, x32),
        _np_squared_norms(weights, x),
    )
    grads = keras_aegan.backend.input_gradients(net, [x32], True)[1]
    _close(grads[0], _np_input_grads(weights, x))


def test_gradient_penalty_matches_numpy_and_takes_list_inputs():
    net, weights = _mlp(2, 8, seed=3, inputs=2)
    real = [_data(16, 2, seed=4), _data(16, 2, seed=5)]
    fake = [_data(16, 2, seed=6), _data(16, 2, seed=7)]
    eps = np.random.default_rng(8).uniform(size=(16,))
    hat = np.concatenate(
        [eps[:, None] * r + (1 - eps[:, None]) * f for r, f in zip(real, fake)],
        axis=1,
    )
    norms = np.sqrt(_np_squared_norms(weights, hat) + 1e-12)
    expected = np.mean((norms - 1.0) ** 2)
    got = losses.gradient_penalty(
        net,
        [r.astype("float32") for r in real],
        [f.astype("float32") for f in fake],
        eps.astype("float32"),
    )
    _close(got, expected)


class _PenaltyOnly(AdversarialTrainer):
    """One phase whose loss is `r1_penalty(critic, x)`, trained by SGD."""

    network_names = ("critic",)

    def __init__(self, critic, **kwargs):
        super().__init__(latent_dim=1, **kwargs)
        self.critic = critic

    def build_networks(self, data_shape):
        pass

    def build_phases(self):
        return [Phase("critic", ("critic",), "critic_optimizer", self.r1)]

    def default_optimizers(self):
        return {"critic_optimizer": keras.optimizers.SGD(1.0)}

    def r1(self, x, noise, training=True):
        return losses.r1_penalty(self.critic, x, training), {}


def test_penalty_trains_the_critic_with_its_second_derivative():
    """One SGD step (lr 1) on R1 moves each weight by -dR1/dw.

    The reference gradient is a central finite difference of the float64
    NumPy R1 (step 1e-6: truncation error ~1e-12, rounding ~1e-10), so
    the step's double backpropagation is checked on every backend.
    """
    net, weights = _mlp(3, 6, seed=9)
    x = _data(16, 3, seed=10)
    model = _PenaltyOnly(net, seed=0)
    x_units = x.astype("float32")
    model.build_for((3,))
    # The scaler maps data to network units; set it to the identity so
    # the penalty sees x itself.
    model.data_scaler.adapt_statistics(np.zeros(3), np.ones(3))
    model.compile()
    model.train_on_batch(x_units)
    after = net.get_weights()

    def r1(ws):
        return 0.5 * np.mean(_np_squared_norms(ws, x))

    step = 1e-6
    for index, w in enumerate(weights):
        numeric = np.zeros_like(w)
        for pos in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[index][pos] += step
            minus[index][pos] -= step
            numeric[pos] = (r1(plus) - r1(minus)) / (2 * step)
        moved = w.astype("float32") - after[index]
        # Updates are differences of O(1) float32 weights: ~1e-7
        # absolute rounding on top of the gradient's own error.
        np.testing.assert_allclose(moved, numeric, rtol=1e-4, atol=2e-6)


def _fed(x, model, step):
    rng = np.random.default_rng(step)
    noise = {
        name: rng.standard_normal((len(x),) + shape).astype("float32")
        for name, shape in model.noise_shapes().items()
    }
    return {"x": x, "noise": noise}


def test_wgan_gp_aegan_trains_with_finite_losses(digits, ring):
    (x, _), _ = digits
    model = keras_aegan.AEGAN(
        width=8, seed=0, adversarial_loss="wasserstein", penalty="gp"
    )
    history = model.fit(x[:256], epochs=2, batch_size=64, verbose=0)
    assert_all_finite(history)
    assert min(history.history["dx_penalty"]) > 0
    # The default critic of a penalised model has no batch statistics.
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization)
        for layer in model.image_discriminator.layers
    )
    vectors = keras_aegan.AEGAN(
        seed=0, adversarial_loss="hinge", penalty="r2", penalty_weight=1.0
    )
    assert_all_finite(vectors.fit(ring, epochs=1, batch_size=256, verbose=0))


def test_lazy_penalty_runs_every_interval_and_is_saved(ring, tmp_path):
    model = keras_aegan.AEGAN(
        seed=0, penalty="r1", penalty_interval=3, penalty_weight=2.0
    )
    x = ring[:64]
    model.build_for(x.shape[1:])
    model.compile()
    seen = []
    for step in range(7):
        logs = model.train_on_batch(_fed(x, model, step), return_dict=True)
        seen.append(logs["dx_penalty"])
    # Trackers average over the steps since the last reset (train_on_batch
    # resets them), so each row is that step's value.
    due = [v > 0 for v in seen]
    assert due == [True, False, False, True, False, False, True], seen
    assert int(keras.ops.convert_to_numpy(model.penalty_steps)) == 7
    path = str(tmp_path / "lazy.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.penalty == "r1" and loaded.penalty_interval == 3
    assert loaded.penalty_weight == 2.0
    assert int(keras.ops.convert_to_numpy(loaded.penalty_steps)) == 7


def test_lazy_penalty_is_scaled_by_its_interval(ring):
    """On a due step the total holds weight * interval * penalty."""
    x = ring[:64]
    totals = {}
    for interval in (1, 4):
        keras.utils.set_random_seed(0)
        model = keras_aegan.AEGAN(
            seed=0, penalty="r1", penalty_interval=interval
        )
        model.build_for(x.shape[1:])
        model.compile()
        logs = model.train_on_batch(_fed(x, model, 0), return_dict=True)
        unpenalised = logs["discriminator_loss"] - 10.0 * interval * (
            logs["dx_penalty"] + logs["dz_penalty"]
        )
        totals[interval] = (unpenalised, logs["dx_penalty"])
    # Same weights, data and noise: same penalty and the same rest.
    np.testing.assert_allclose(totals[1][1], totals[4][1], rtol=1e-6)
    np.testing.assert_allclose(totals[1][0], totals[4][0], rtol=1e-5)


def test_penalty_argument_errors():
    with pytest.raises(ValueError, match="Received: penalty='r3'"):
        keras_aegan.AEGAN(penalty="r3")
    with pytest.raises(ValueError, match="needs a `penalty`"):
        keras_aegan.AEGAN(penalty_weight=1.0)
    with pytest.raises(ValueError, match="Received: penalty_weight=-1"):
        keras_aegan.AEGAN(penalty="gp", penalty_weight=-1)
    with pytest.raises(ValueError, match="penalty_interval"):
        keras_aegan.AEGAN(penalty="gp", penalty_interval=0)
    with pytest.raises(ValueError, match="adversarial_loss='lsgan'"):
        keras_aegan.AEGAN(adversarial_loss="lsgan")


def test_batch_norm_in_a_penalised_discriminator_warns(digits):
    (x, _), _ = digits
    inputs = keras.Input((16, 16, 1))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.BatchNormalization()(keras.layers.Dense(8)(h))
    critic = keras.Model(inputs, keras.layers.Dense(1)(h))
    model = keras_aegan.AEGAN(width=8, image_discriminator=critic, penalty="r1")
    with pytest.warns(UserWarning, match="BatchNormalization"):
        model.build_for(x.shape[1:])
