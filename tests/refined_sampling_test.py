"""Discriminator rejection sampling: counts, preference, errors."""

import numpy as np
import pytest

import keras_aegan
from keras_aegan.trainers import refined_sampling
from keras_aegan.trainers.refined_sampling import acceptance_probabilities
from keras_aegan.trainers.refined_sampling import rejection_sample


@pytest.mark.parametrize("percentile", [None, 50.0, 95.0, 0.0])
def test_acceptance_probabilities_match_the_formula(percentile):
    logits = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    m = 2.5
    f = logits - m - np.log(1 - np.exp(logits - m - 1e-6))
    gamma = np.percentile(f, 50.0 if percentile is None else percentile)
    np.testing.assert_allclose(
        acceptance_probabilities(logits, m, percentile),
        1 / (1 + np.exp(-(f - gamma))),
        rtol=1e-12,
    )


def test_a_higher_percentile_rejects_more():
    # The same proposals and acceptance draws (same seeds); logits grow
    # with the value, so the accepted mean grows with the percentile.
    means = []
    for percentile in (0.0, 50.0, 95.0):
        rng = np.random.default_rng(0)
        out = rejection_sample(
            2000,
            _uniform_proposals(np.random.default_rng(1)),
            lambda s: 8.0 * s[:, 0],
            rng,
            gamma_percentile=percentile,
        )
        means.append(out.mean())
    assert means[0] < means[1] < means[2]


def _uniform_proposals(rng):
    return lambda k: rng.uniform(size=(k, 1))


@pytest.mark.parametrize("n", [1, 7, 256, 3000])
def test_returns_exactly_n_and_prefers_high_logits(n):
    rng = np.random.default_rng(0)
    out = rejection_sample(
        n, _uniform_proposals(rng), lambda s: 8.0 * s[:, 0], rng
    )
    assert out.shape == (n, 1)
    if n >= 256:
        # Proposals are U(0, 1) with mean 0.5; with logits 8x the value
        # the accepted mean is far above it (0.5 + 4 standard errors of a
        # uniform mean over 256 draws is 0.57).
        assert out.mean() > 0.57


def test_fills_up_when_almost_nothing_is_accepted(monkeypatch):
    monkeypatch.setattr(refined_sampling, "MAX_ROUNDS", 2)
    rng = np.random.default_rng(1)
    # Proposals are running numbers; one in 20 gets logit 0, the rest
    # -1000: with gamma at the 95th percentile of F, those have
    # acceptance probability about exp(-1000 + F95),
    # i.e. 0, so two rounds of 64 accept at most 2 * 4 = 8 of 50 and the
    # rest must come from the best remaining candidates.
    counter = iter(range(10**6))

    def propose(k):
        return np.array([[next(counter)] for _ in range(k)], "float64")

    def score(samples):
        return np.where(samples[:, 0] % 20 == 0, 0.0, -1e3)

    out = rejection_sample(50, propose, score, rng, 64, gamma_percentile=95)
    assert out.shape == (50, 1)
    assert len(np.unique(out)) == 50
    # All 1000 burn-in numbers are used up before the two rounds.
    assert out.min() >= 1000 and out.max() < 1000 + 2 * 64
    assert np.sum(out[:, 0] % 20 != 0) >= 50 - 8


@pytest.mark.rotation("torch")
def test_generate_refined_on_models():
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN(seed=0, latent_dim=8)
    model.fit(x[:64], epochs=1, batch_size=32, verbose=0)
    for n in (5, 40):
        samples = model.generate(n, seed=3, refine="rejection")
        assert samples.shape == (n, 16, 16, 1)
    np.testing.assert_array_equal(
        model.generate(20, seed=4, refine="rejection"),
        model.generate(20, seed=4, refine="rejection"),
    )
    with pytest.raises(ValueError, match="refine='best'"):
        model.generate(4, refine="best")
    strict = model.generate(7, seed=4, refine="rejection", refine_percentile=99)
    assert strict.shape == (7, 16, 16, 1)
    with pytest.raises(ValueError, match="refine_percentile=101"):
        model.generate(4, refine="rejection", refine_percentile=101)
    with pytest.raises(ValueError, match="refine=None"):
        model.generate(4, refine_percentile=50)
    with pytest.raises(TypeError, match="refine_percentile='high'"):
        model.generate(4, refine="rejection", refine_percentile="high")
    ring = keras_aegan.datasets.make_ring(64, seed=0)
    bigan = keras_aegan.BiGAN(seed=0)
    bigan.fit(ring, epochs=1, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match="BiGAN has no discriminator"):
        bigan.generate(4, refine="rejection")
    dcgan = keras_aegan.DCGAN(seed=0)
    dcgan.fit(ring, epochs=1, batch_size=32, verbose=0)
    assert dcgan.generate(9, refine="rejection").shape == (9, 2)
