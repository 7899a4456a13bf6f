"""DiffAugment against a NumPy loop, and AEGAN's `augment` option."""

import keras
import numpy as np
import pytest

import keras_aegan
from keras_aegan.losses.augmentation import PARAMS_PER_CALL
from keras_aegan.losses.augmentation import diff_augment
from keras_aegan.losses.augmentation import parse_policy


def _numpy_augment(x, u, policy):
    """Per-sample loops, written from the transforms' definitions."""
    x = x.astype("float64").copy()
    n, h, w, c = x.shape
    for b in range(n):
        img = x[b]
        if "color" in policy:
            img = img + (u[b, 0] - 0.5)
            if c > 1:
                m = img.mean(axis=-1, keepdims=True)
                img = (img - m) * (2 * u[b, 1]) + m
            m = img.mean()
            img = (img - m) * (u[b, 2] + 0.5) + m
        if "translation" in policy:
            out = np.zeros_like(img)
            dy = min(int(u[b, 3] * (2 * (h // 8) + 1)), 2 * (h // 8)) - h // 8
            dx = min(int(u[b, 4] * (2 * (w // 8) + 1)), 2 * (w // 8)) - w // 8
            for i in range(h):
                for j in range(w):
                    if 0 <= i - dy < h and 0 <= j - dx < w:
                        out[i, j] = img[i - dy, j - dx]
            img = out
        if "cutout" in policy:
            y0 = min(int(u[b, 5] * (h + 1)), h) - (h // 2) // 2
            x0 = min(int(u[b, 6] * (w + 1)), w) - (w // 2) // 2
            img = img.copy()
            img[max(y0, 0) : y0 + h // 2, max(x0, 0) : x0 + w // 2] = 0
        x[b] = img
    return x


@pytest.mark.parametrize(
    "policy",
    ["color", "translation", "cutout", "color,translation,cutout"],
)
@pytest.mark.parametrize("shape", [(16, 16, 1), (8, 16, 3)])
def test_matches_numpy(policy, shape):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(12,) + shape).astype("float32")
    u = rng.uniform(size=(12, PARAMS_PER_CALL)).astype("float32")
    u[0, 3:] = [0.0, 0.999, 0.0, 0.999]  # extreme shifts and cutouts
    got = keras.ops.convert_to_numpy(diff_augment(x, u, policy))
    want = _numpy_augment(x, u, parse_policy(policy))
    # float32 means over at most 768 values: round-off far below 1e-5.
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_translation_and_cutout_are_linear_in_the_images():
    # What makes them differentiable with the identity's gradient inside:
    # f(a x + y) = a f(x) + f(y) for fixed parameters.
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 4, 16, 16, 1)).astype("float32")
    u = rng.uniform(size=(4, PARAMS_PER_CALL)).astype("float32")

    def f(v):
        out = diff_augment(v, u, "translation,cutout")
        return keras.ops.convert_to_numpy(out)

    np.testing.assert_allclose(f(3 * x + y), 3 * f(x) + f(y), atol=1e-5)


def test_policy_errors_name_the_input():
    assert parse_policy(None) == ()
    assert parse_policy("cutout, translation") == ("translation", "cutout")
    with pytest.raises(ValueError, match="flip"):
        parse_policy("translation,flip")


@pytest.mark.rotation("torch")
def test_aegan_augment_trains_and_round_trips(tmp_path):
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN(seed=0, augment="translation,cutout")
    history = model.fit(x[:64], epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["discriminator_loss"][-1])
    assert model.noise_shapes()["augment"] == (5, PARAMS_PER_CALL)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras_aegan.load_model(path)
    assert loaded.augment == "translation,cutout"
    np.testing.assert_allclose(
        loaded.generate(4, seed=1), model.generate(4, seed=1), atol=1e-6
    )


def test_augment_refuses_vectors_and_changes_only_training():
    ring = keras_aegan.datasets.make_ring(64, seed=0)
    with pytest.raises(ValueError, match=r"augment.*\(2,\)"):
        keras_aegan.AEGAN(augment="cutout").fit(ring, epochs=1, verbose=0)
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN(seed=0, augment="cutout")
    model.fit(x[:32], epochs=1, batch_size=32, verbose=0)
    x_net = model.data_scaler(x[:8])
    noise = {"augment": np.ones((8, 5, PARAMS_PER_CALL), "float32")}
    same = model.objective.augment_input(x_net, noise, 0, training=False)
    changed = model.objective.augment_input(x_net, noise, 0, training=True)
    assert same is x_net
    assert not np.allclose(
        keras.ops.convert_to_numpy(changed), keras.ops.convert_to_numpy(x_net)
    )
