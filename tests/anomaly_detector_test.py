"""AnomalyDetector: scikit-learn contract, scores, normalisation, saving.

Also GANomaly's latent score and the pure helpers of
benchmarks/anomaly (metrics, leak-free splits; no training).
"""

import json
import os
import sys

import keras
import numpy as np
import pytest
import sklearn.base
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import keras_aegan
from keras_aegan.anomaly import SCORES
from keras_aegan.anomaly import AnomalyDetector
from keras_aegan.anomaly import LatentSearch
from keras_aegan.anomaly import ModelScorer
from keras_aegan.anomaly import train_encoder
from keras_aegan.anomaly.model_scorer import kth_neighbor_distance
from keras_aegan.anomaly.model_scorer import model_parts
from keras_aegan.models import GANomaly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `benchmarks` is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks.anomaly import detectors as bench_detectors  # noqa: E402
from benchmarks.anomaly import metrics as bench_metrics  # noqa: E402
from benchmarks.anomaly import run as bench_run  # noqa: E402
from benchmarks.anomaly import splits as bench_splits  # noqa: E402

FEATURES = 8
N_TRAIN = 512
N_TEST = 128
VALIDATION = 0.25
# Float32 networks of width <= 16 against a float64 NumPy forward pass,
# then divided by a spread of order 0.1-1: a few 1e-6 at most.
TOL = 1e-4


def _blob(seed=0):
    """Training blob N(0, I_8), held-out inliers, unit directions."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_TRAIN, FEATURES)).astype("float32")
    inliers = rng.normal(size=(N_TEST, FEATURES)).astype("float32")
    d = rng.normal(size=(N_TEST, FEATURES))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return x, inliers, d.astype("float32")


@pytest.fixture(scope="module")
def fitted():
    """The one detector that trains a model (3 epochs, 24 steps)."""
    keras.utils.set_random_seed(0)
    x, inliers, directions = _blob()
    # An unbuilt instance: fit() trains a copy. No moving average: the
    # scores use the trained networks, and the AUROC bound below was
    # measured so (test_ema_networks_score covers the moving averages).
    model = keras_aegan.AEGAN(width=16, latent_dim=2, ema_decay=None, seed=0)
    detector = AnomalyDetector(
        model=model,
        epochs=3,
        batch_size=64,
        seed=0,
        validation_fraction=VALIDATION,
    )
    detector.fit(x)
    return detector, x, inliers, directions


def _network(model, name, ema=None):
    """The generator/encoder the detector scores with (see ModelScorer)."""
    if ema is None:
        ema = model.has_ema and name in model.ema_network_names
    return getattr(model, f"ema_{name}" if ema else name)


def _numpy_forward(net, inputs, features=False):
    """Float64 NumPy pass through a chain of Dense/ReLU/LeakyReLU layers.

    `inputs` is a list (a `Concatenate` joins them); with `features` the
    pass stops before the output layer.
    """
    layers = [
        layer
        for layer in net.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    if features:
        layers = layers[:-1]
    h = [np.asarray(t, "float64") for t in inputs]
    h = h[0] if len(h) == 1 else h
    for layer in layers:
        if isinstance(layer, keras.layers.Concatenate):
            h = np.concatenate(h, axis=-1)
        elif isinstance(layer, keras.layers.Dense):
            assert layer.activation.__name__ == "linear", layer.activation
            kernel, bias = (
                np.asarray(keras.ops.convert_to_numpy(w), "float64")
                for w in (layer.kernel, layer.bias)
            )
            h = h @ kernel + bias
        elif isinstance(layer, keras.layers.ReLU):
            h = np.maximum(h, 0.0)
        elif isinstance(layer, keras.layers.LeakyReLU):
            h = np.where(h > 0, h, layer.negative_slope * h)
        else:
            raise AssertionError(f"unexpected layer {layer}")
    return h


def _network_units(model, x):
    scaler = model.data_scaler
    offset = keras.ops.convert_to_numpy(scaler.offset).astype("float64")
    scale = keras.ops.convert_to_numpy(scaler.scale).astype("float64")
    return (np.asarray(x, "float64") - offset) / scale


def _mean_square(a, b):
    return np.mean(np.square(a - b).reshape(len(a), -1), axis=1)


def _numpy_components(model, x, kappa=1.0, ema=None):
    """Every raw one-pass component, from the networks' weights."""
    xn = _network_units(model, x)
    encoder = _network(model, "encoder", ema)
    generator = _network(model, "generator", ema)
    z = _numpy_forward(encoder, [xn])
    x_rec = _numpy_forward(generator, [z])
    if isinstance(model, keras_aegan.BiGAN):
        d, pair, pair_rec = model.discriminator, [xn, z], [x_rec, z]
    else:
        d, pair, pair_rec = model.image_discriminator, [xn], [x_rec]
    reconstruction = _mean_square(xn, x_rec)
    feature_residual = _mean_square(
        _numpy_forward(d, pair, features=True),
        _numpy_forward(d, pair_rec, features=True),
    )
    return {
        "reconstruction": reconstruction,
        "feature_residual": feature_residual,
        "feature": reconstruction + kappa * feature_residual,
        "latent": _mean_square(z, _numpy_forward(encoder, [x_rec])),
        "discriminator": -_numpy_forward(d, pair)[:, 0],
    }


def _z(values, reference):
    return (values - np.mean(reference)) / np.std(reference)


def _built(cls, **kwargs):
    """A model built for 8 features without training (fast)."""
    kwargs.setdefault("latent_dim", 2)
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("ema_decay", None)
    model = cls(**kwargs)
    model.build_for((FEATURES,))
    return model


# ------------------------------------------------------------------- fit
def test_it_detects_far_points(fitted):
    # Far points against held-out inliers (norms about 2.7 +- 0.7).
    # AUROC at radius 4 over 24 runs (seeds 0-7 of this setup on each
    # backend): 0.90 to 0.98, mean 0.95, sd 0.02; the bound 0.85 sits
    # 0.05 under the lowest run. At radius 6 every run gave >= 0.9995.
    detector, _, inliers, directions = fitted
    y = np.r_[np.zeros(N_TEST), np.ones(N_TEST)]
    for radius, bound in ((4.0, 0.85), (6.0, 0.99)):
        far = radius * directions
        scores = detector.decision_function(np.concatenate([inliers, far]))
        assert roc_auc_score(y, scores) > bound, radius


def test_fitted_attributes(fitted):
    detector, x, _, _ = fitted
    check_is_fitted(detector)
    model = detector.model_
    assert type(model) is keras_aegan.AEGAN
    assert model.data_shape == (FEATURES,) and model.latent_dim == 2
    # The argument was copied before training and is left as it was.
    assert detector.model is not model and detector.model.data_shape is None
    assert detector.score_name_ == "reconstruction"
    assert detector.components_ == ("reconstruction",)
    assert detector.data_shape_ == (FEATURES,)
    assert detector.n_features_in_ == FEATURES
    assert detector.decision_scores_.shape == (N_TRAIN,)
    # The statistics are those of the held-out validation split (the
    # split the detector draws with its seed), not of the training data.
    order = np.random.default_rng(0).permutation(N_TRAIN)
    x_val = x[order[: int(VALIDATION * N_TRAIN)]]
    raw = _numpy_components(model, x_val)["reconstruction"]
    stats = detector.normalization_["reconstruction"]
    np.testing.assert_allclose(stats["mean"], raw.mean(), rtol=TOL)
    np.testing.assert_allclose(stats["std"], raw.std(), rtol=TOL)


def test_scorer_reconstructs_as_the_model(fitted):
    detector, _, inliers, _ = fitted
    np.testing.assert_allclose(
        detector._scorer.reconstruct(inliers),
        keras.ops.convert_to_numpy(detector.model_.reconstruct(inliers)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_threshold_and_labels(fitted):
    detector, x, _, _ = fitted
    scores = detector.decision_scores_
    np.testing.assert_array_equal(scores, detector.decision_function(x))
    assert detector.threshold_ == np.quantile(scores, 0.9)
    # The share flagged is the contamination, up to one sample's share
    # (the quantile interpolates between two neighbouring scores).
    assert abs(detector.labels_.mean() - 0.1) <= 1.0 / N_TRAIN
    np.testing.assert_array_equal(detector.predict(x), detector.labels_)
    np.testing.assert_array_equal(
        detector.labels_, (scores > detector.threshold_).astype(int)
    )


def test_predict_proba(fitted):
    detector, _, inliers, directions = fitted
    x = np.concatenate([inliers, 6.0 * directions])
    scores = detector.decision_function(x)
    for method in ("linear", "unify"):
        proba = detector.predict_proba(x, method=method)
        assert proba.shape == (len(x), 2)
        assert np.all((proba >= 0.0) & (proba <= 1.0))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
        # Monotone in the score: ordering by score orders P(anomaly).
        order = np.argsort(scores)
        assert np.all(np.diff(proba[order, 1]) >= 0.0)
    train = detector.decision_scores_
    low, high = train.min(), train.max()
    expected = np.clip((scores - low) / (high - low), 0.0, 1.0)
    np.testing.assert_allclose(detector.predict_proba(x)[:, 1], expected)
    with pytest.raises(ValueError, match="Received: method='rank'"):
        detector.predict_proba(x, method="rank")


def test_scores_use_fit_statistics_only(fitted):
    detector, _, inliers, directions = fitted
    stats = {k: dict(v) for k, v in detector.normalization_.items()}
    threshold = detector.threshold_
    alone = detector.decision_function(inliers[:16])
    shifted = 50.0 + 10.0 * directions
    mixed = detector.decision_function(np.concatenate([inliers[:16], shifted]))
    np.testing.assert_allclose(mixed[:16], alone, rtol=1e-6, atol=1e-6)
    assert detector.normalization_ == stats
    assert detector.threshold_ == threshold
    assert np.all(mixed[16:] > detector.threshold_)


def test_save_and_load_round_trip(fitted, tmp_path):
    detector, _, inliers, directions = fitted
    x = np.concatenate([inliers, 4.0 * directions])
    detector.save(tmp_path / "detector")
    loaded = AnomalyDetector.load(tmp_path / "detector")
    assert type(loaded.model_) is keras_aegan.AEGAN
    assert loaded.threshold_ == detector.threshold_
    assert loaded.normalization_ == detector.normalization_
    assert loaded.components_ == detector.components_
    assert loaded.score_name_ == detector.score_name_
    np.testing.assert_array_equal(
        loaded.decision_scores_, detector.decision_scores_
    )
    np.testing.assert_array_equal(
        loaded.decision_function(x), detector.decision_function(x)
    )
    np.testing.assert_array_equal(loaded.predict(x), detector.predict(x))
    np.testing.assert_array_equal(
        loaded.predict_proba(x, "unify"), detector.predict_proba(x, "unify")
    )
    params = loaded.get_params()
    assert params["model"] is loaded.model_
    for name in ("score", "contamination", "seed", "model_kwargs"):
        assert params[name] == detector.get_params()[name]


# ---------------------------------------------------------------- scores
@pytest.mark.parametrize(
    "score",
    ["reconstruction", "feature", "latent", "discriminator", "combined"],
)
def test_scores_match_numpy_on_trained_aegan(fitted, score):
    trained, x, inliers, directions = fitted
    model = trained.model_
    detector = AnomalyDetector(model=model, score=score, kappa=0.5)
    detector.fit(x)  # wraps the trained model: statistics only
    assert detector.model_ is model
    x_test = np.concatenate([inliers[:32], 4.0 * directions[:32]])
    ref = _numpy_components(model, x, kappa=0.5)
    test = _numpy_components(model, x_test, kappa=0.5)
    if score == "combined":
        parts = ("reconstruction", "feature_residual", "latent")
        parts += ("discriminator",)
    else:
        parts = (score,)
    assert detector.components_ == parts
    expected = sum(_z(test[p], ref[p]) for p in parts)
    np.testing.assert_allclose(
        detector.decision_function(x_test), expected, atol=TOL, rtol=TOL
    )


def _kth_distances(bank, queries, k, own=None):
    """Brute-force k-th neighbour distances; `own[i]`: bank row to skip."""
    d = np.linalg.norm(queries[:, None, :] - bank[None, :, :], axis=-1)
    if own is not None:
        for i, row in enumerate(own):
            if row >= 0:
                d[i, row] = np.inf
    return np.sort(d, axis=1)[:, k - 1]


def test_kth_neighbor_distance_against_brute_force():
    rng = np.random.default_rng(3)
    bank = rng.normal(size=(40, 5))
    queries = np.concatenate([rng.normal(size=(7, 5)), bank[[4, 9, 4]]])
    for k in (1, 3, 40):
        np.testing.assert_allclose(
            kth_neighbor_distance(bank, queries, k, chunk=4),
            _kth_distances(bank, queries, k),
            rtol=1e-9,
            atol=1e-9,
        )
    # A query that is a bank row skips itself: its nearest neighbour is
    # another row, not the distance 0 to itself.
    own = np.r_[np.full(7, -1), 4, 9, 4]
    found = kth_neighbor_distance(bank, queries, 1, own, chunk=4)
    np.testing.assert_allclose(
        found, _kth_distances(bank, queries, 1, own), rtol=1e-9, atol=1e-9
    )
    assert np.all(found[7:] > 0.0)
    with pytest.raises(ValueError, match="Received: 40 reference samples"):
        kth_neighbor_distance(bank, queries, 41)
    with pytest.raises(ValueError, match="besides the query"):
        kth_neighbor_distance(bank, queries, 40, own)
    with pytest.raises(ValueError, match="Received: 2 entries for 10"):
        kth_neighbor_distance(bank, queries, 1, own[:2])


@pytest.mark.parametrize("validation", [0.0, VALIDATION])
def test_neighbors_score_matches_numpy(fitted, validation):
    trained, x, inliers, directions = fitted
    model = trained.model_
    k = 3
    detector = AnomalyDetector(
        model=model,
        score="neighbors",
        n_neighbors=k,
        validation_fraction=validation,
        seed=0,
    ).fit(x)
    assert detector.components_ == ("neighbors",)

    def features(data):
        d = model.image_discriminator
        return _numpy_forward(d, [_network_units(model, data)], True)

    n_val = int(round(validation * N_TRAIN))
    order = np.random.default_rng(0).permutation(N_TRAIN)
    if n_val:
        train_rows, val_rows = order[n_val:], order[:n_val]
    else:
        train_rows, val_rows = np.arange(N_TRAIN), None
    bank = features(x[train_rows])
    own = np.full(N_TRAIN, -1)
    own[train_rows] = np.arange(len(train_rows))
    # Training rows are scored leave-one-out, validation rows plainly.
    on_x = _kth_distances(bank, features(x), k, own)
    reference = on_x[train_rows] if val_rows is None else on_x[val_rows]
    x_test = np.concatenate([inliers[:32], 4.0 * directions[:32]])
    expected = _z(_kth_distances(bank, features(x_test), k), reference)
    np.testing.assert_allclose(
        detector.decision_function(x_test), expected, atol=TOL, rtol=TOL
    )
    np.testing.assert_allclose(
        detector.decision_scores_, _z(on_x, reference), atol=TOL, rtol=TOL
    )
    # A sample's score does not depend on what it is scored with. Up to
    # rounding: TensorFlow's float32 matmul may round a row differently
    # in a batch of another size (measured: 1e-6 on these z-scores),
    # far below what scoring-batch statistics would move (order 1).
    alone = detector.decision_function(inliers[:8])
    mixed = detector.decision_function(
        np.concatenate([inliers[:8], 50.0 + directions[:8]])
    )
    np.testing.assert_allclose(mixed[:8], alone, atol=TOL, rtol=TOL)


def test_neighbors_score_saves_its_reference_features(fitted, tmp_path):
    trained, x, inliers, directions = fitted
    detector = AnomalyDetector(
        model=trained.model_, score="neighbors", n_neighbors=2
    ).fit(x)
    detector.save(tmp_path / "d")
    assert sorted(os.listdir(tmp_path / "d")) == [
        "detector.json",
        "model.keras",
        "neighbors.npy",
    ]
    loaded = AnomalyDetector.load(tmp_path / "d")
    assert loaded.n_neighbors == 2 and loaded._scorer.n_neighbors == 2
    np.testing.assert_array_equal(
        loaded._scorer.neighbor_features, detector._scorer.neighbor_features
    )
    x_new = np.concatenate([inliers, 4.0 * directions])
    np.testing.assert_array_equal(
        loaded.decision_function(x_new), detector.decision_function(x_new)
    )
    assert loaded.threshold_ == detector.threshold_
    # Detectors of other scores keep writing the older format.
    trained.save(tmp_path / "r")
    assert not os.path.exists(tmp_path / "r" / "neighbors.npy")
    for name, version in (("d", 3), ("r", 1)):
        with open(tmp_path / name / "detector.json") as f:
            assert json.load(f)["format_version"] == version


def test_neighbors_score_of_models_without_encoder_and_joint():
    x, inliers, _ = _blob(2)

    def image_features(model, data):  # DCGAN: no encoder needed
        xn = _network_units(model, data)
        return _numpy_forward(model.discriminator, [xn], True)

    def joint_features(model, data):  # BiGAN: f(x, E(x))
        xn = _network_units(model, data)
        z = _numpy_forward(model.encoder, [xn])
        return _numpy_forward(model.discriminator, [xn, z], True)

    for cls, features in (
        (keras_aegan.DCGAN, image_features),
        (keras_aegan.BiGAN, joint_features),
    ):
        model = _built(cls)
        detector = AnomalyDetector(model=model, score="neighbors").fit(x)
        assert detector.encoder_ is None  # no izi_f encoder trained
        bank, test = features(model, x), features(model, inliers)
        reference = _kth_distances(bank, bank, 5, np.arange(len(bank)))
        np.testing.assert_allclose(
            detector.decision_function(inliers),
            _z(_kth_distances(bank, test, 5), reference),
            atol=TOL,
            rtol=TOL,
        )


def test_neighbors_score_errors():
    x = _blob()[0]
    model = _built(keras_aegan.AEGAN)
    with pytest.raises(ValueError, match="n_neighbors"):
        AnomalyDetector(model=model, score="neighbors", n_neighbors=0).fit(x)
    with pytest.raises(ValueError, match="Received: 6 training samples"):
        AnomalyDetector(model=model, score="neighbors", n_neighbors=6).fit(
            x[:6]
        )
    with pytest.raises(ValueError, match="fit_neighbors"):
        ModelScorer(model).compute(x, ("neighbors",))
    with pytest.raises(ValueError, match="BEGAN does not support"):
        AnomalyDetector(model="began", score="neighbors").fit(x)


@pytest.mark.parametrize("score", ["discriminator", "feature"])
def test_joint_discriminator_scores_of_bigan(score):
    model = _built(keras_aegan.BiGAN)
    x, inliers, _ = _blob(1)
    detector = AnomalyDetector(model=model, score=score).fit(x)
    ref = _numpy_components(model, x)
    test = _numpy_components(model, inliers)
    np.testing.assert_allclose(
        detector.decision_function(inliers),
        _z(test[score], ref[score]),
        atol=TOL,
        rtol=TOL,
    )


def test_iterative_search_matches_numpy_adam():
    # A linear generator G(z) = z K + b: the gradient of the mean squared
    # residual is (2 / d) (G(z) - x) K^T, so Adam can be run by hand.
    z_in = keras.Input((2,))
    linear = keras.Model(z_in, keras.layers.Dense(FEATURES)(z_in))
    model = _built(keras_aegan.AEGAN, generator=linear)
    x, inliers, _ = _blob(2)
    x = x[:N_TEST]  # few batches: each step is an eager backward pass
    steps, lr = 6, 0.1
    detector = AnomalyDetector(
        model=model,
        score="iterative",
        batch_size=N_TEST,
        search_steps=steps,
        search_learning_rate=lr,
    ).fit(x)
    kernel, bias = (
        np.asarray(keras.ops.convert_to_numpy(w), "float64")
        for w in (linear.layers[-1].kernel, linear.layers[-1].bias)
    )

    def numpy_search(xs):
        xs = _network_units(model, xs)
        z = np.zeros((len(xs), 2))
        m, v = np.zeros_like(z), np.zeros_like(z)
        for t in range(1, steps + 1):
            g = 2.0 / FEATURES * (z @ kernel + bias - xs) @ kernel.T
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g**2
            m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
            z = z - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        return _mean_square(xs, z @ kernel + bias)

    ref, test = numpy_search(x), numpy_search(inliers)
    np.testing.assert_allclose(
        detector.decision_function(inliers), _z(test, ref), atol=TOL
    )
    # The search lowers the residual of G(0) for every sample.
    start = _mean_square(_network_units(model, inliers), bias[None])
    assert np.all(test < start)
    search = LatentSearch(linear, 2, steps=steps, learning_rate=lr)
    codes, residuals = search.search(_network_units(model, inliers))
    assert codes.shape == (N_TEST, 2)
    np.testing.assert_allclose(residuals, test, rtol=TOL)


def test_ema_networks_score():
    model = _built(keras_aegan.AEGAN, ema_decay=0.9)
    for name in ("ema_generator", "ema_encoder"):
        for v in getattr(model, name).variables:
            v.assign(0.5 * keras.ops.convert_to_numpy(v))
    x, inliers, _ = _blob(4)
    for ema in (None, True, False):
        detector = AnomalyDetector(model=model, score="combined", ema=ema)
        detector.fit(x)
        ref = _numpy_components(model, x, ema=ema)
        test = _numpy_components(model, inliers, ema=ema)
        expected = sum(_z(test[p], ref[p]) for p in detector.components_)
        np.testing.assert_allclose(
            detector.decision_function(inliers), expected, atol=TOL, rtol=TOL
        )
    assert not np.allclose(
        _numpy_components(model, inliers, ema=True)["latent"],
        _numpy_components(model, inliers, ema=False)["latent"],
    )


def test_scoring_runs_in_inference_mode():
    def net(n_in, n_out, name):
        h = inputs = keras.Input((n_in,))
        h = keras.layers.Dense(8)(h)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.ReLU()(h)
        h = keras.layers.Dropout(0.5)(h)
        return keras.Model(inputs, keras.layers.Dense(n_out)(h), name=name)

    model = _built(
        keras_aegan.AEGAN,
        generator=net(2, FEATURES, "generator"),
        encoder=net(FEATURES, 2, "encoder"),
    )
    x, inliers, _ = _blob(3)
    detector = AnomalyDetector(model=model, score="combined").fit(x)
    first = detector.decision_function(inliers)
    np.testing.assert_array_equal(first, detector.decision_function(inliers))
    # BatchNorm in training mode would normalise a batch of one to beta.
    alone = np.concatenate(
        [detector.decision_function(inliers[i : i + 1]) for i in range(4)]
    )
    np.testing.assert_allclose(alone, first[:4], rtol=1e-5, atol=1e-5)


def test_vaegan_uses_its_feature_network_and_posterior_means():
    model = _built(keras_aegan.VAEGAN)
    x, inliers, _ = _blob(5)

    def raw(xs):
        xn = _network_units(model, xs)
        z = _numpy_forward(model.encoder, [xn])[:, :2]  # posterior means
        x_rec = _numpy_forward(model.generator, [z])
        f = model.discriminator_features
        return {
            "feature_residual": _mean_square(
                _numpy_forward(f, [xn]), _numpy_forward(f, [x_rec])
            ),
            "latent": _mean_square(
                z, _numpy_forward(model.encoder, [x_rec])[:, :2]
            ),
            "discriminator": -_numpy_forward(
                model.discriminator_head, [_numpy_forward(f, [xn])]
            )[:, 0],
        }

    ref, test = raw(x), raw(inliers)
    for score in ("latent", "discriminator"):
        detector = AnomalyDetector(model=model, score=score).fit(x)
        np.testing.assert_allclose(
            detector.decision_function(inliers),
            _z(test[score], ref[score]),
            atol=TOL,
            rtol=TOL,
        )
    detector = AnomalyDetector(model=model, score="combined").fit(x)
    assert "feature_residual" in detector.components_
    scorer = detector._scorer
    assert scorer.feature_network() is model.discriminator_features
    got = scorer.compute(inliers, ("feature_residual",))["feature_residual"]
    np.testing.assert_allclose(got, test["feature_residual"], rtol=TOL)


def _weights(*networks):
    return [
        keras.ops.convert_to_numpy(v).copy()
        for net in networks
        for v in net.weights
    ]


def _trainable_flags(*networks):
    flags = []
    for net in networks:
        stack = [net]
        while stack:
            layer = stack.pop()
            flags.append((layer.name, layer.trainable))
            stack += list(getattr(layer, "layers", ()))
    return flags


def test_izif_encoder_for_a_model_without_one(tmp_path):
    # f-AnoGAN's izi_f: DCGAN has no encoder; the detector trains one
    # against the frozen generator and discriminator.
    x, inliers, directions = _blob(7)
    keras.utils.set_random_seed(0)
    gan = keras_aegan.DCGAN(width=16, latent_dim=2, seed=0, ema_decay=None)
    gan.fit(x, epochs=3, batch_size=64, verbose=0)
    networks = (gan.generator, gan.discriminator)
    # A layer the user froze stays frozen afterwards.
    gan.discriminator.layers[2].trainable = False
    weights, flags = _weights(*networks), _trainable_flags(*networks)

    detector = AnomalyDetector(model=gan, epochs=3, seed=0).fit(x)
    assert detector.score_name_ == "feature"  # f-AnoGAN's izi_f
    assert detector.components_ == ("feature",)
    encoder = detector.encoder_
    assert encoder.name == "izif_encoder"
    assert encoder.output.shape[-1] == 2
    for before, after in zip(weights, _weights(*networks)):
        np.testing.assert_array_equal(before, after)
    assert _trainable_flags(*networks) == flags

    scorer = detector._scorer
    # The feature score is its two residuals (kappa 1), as ModelScorer
    # computes them with the trained encoder.
    parts = scorer.compute(inliers, ["reconstruction", "feature_residual"])
    np.testing.assert_allclose(
        scorer.compute(inliers, ["feature"])["feature"],
        parts["reconstruction"] + parts["feature_residual"],
        rtol=1e-6,
    )

    # Saved with the detector and loaded back on this backend.
    detector.save(tmp_path / "det")
    assert os.path.isfile(tmp_path / "det" / "encoder.keras")
    loaded = AnomalyDetector.load(tmp_path / "det")
    assert loaded.encoder_ is not None
    probe = np.concatenate([inliers[:16], 6.0 * directions[:16]])
    np.testing.assert_array_equal(
        loaded.decision_function(probe), detector.decision_function(probe)
    )


def test_izif_encoder_learns_to_invert_the_generator():
    # On the generator's own samples a perfect inverse exists. Ratio of
    # the mean residual of G(E(x)) after 20 epochs to that of the same
    # network untrained, measured for seeds 0-5 of this setup on each
    # backend (18 runs): 0.05 to 0.78, mean 0.29 (tensorflow 0.44, torch
    # 0.17, jax 0.25); this seed gave 0.25 / 0.20 / 0.10. The bound 0.9
    # sits 0.12 above the worst run: it fails when training does not
    # reduce the residual, not on a slow trajectory.
    keras.utils.set_random_seed(5)
    gan = _built(keras_aegan.DCGAN, width=16, seed=5)
    x = keras.ops.convert_to_numpy(gan.generate(512, seed=5))
    encoder = train_encoder(ModelScorer(gan), x, epochs=20, learning_rate=1e-3)
    fresh = keras.models.clone_model(encoder)

    def residual(enc):
        scorer = ModelScorer(gan, encoder=enc)
        return scorer.compute(x, ["reconstruction"])["reconstruction"].mean()

    assert residual(encoder) < 0.9 * residual(fresh)
    with pytest.raises(ValueError, match="has its own"):
        ModelScorer(_built(keras_aegan.AEGAN), encoder=encoder)


# Building the default conv AEGAN takes 6-12 s on JAX here, more than
# the rest of this file's tests together; the scoring code is the same
# as for vectors, which every backend runs above.
@pytest.mark.rotation("torch")
def test_image_scores_in_inference_mode():
    # Conv networks with BatchNorm (the default image discriminator).
    model = keras_aegan.AEGAN(width=4, latent_dim=2, seed=0, ema_decay=None)
    model.build_for((8, 8, 1))
    rng = np.random.default_rng(6)
    # Two batch shapes only (8 and 1): JAX compiles each eager op per shape.
    images = rng.integers(0, 256, size=(8, 8, 8, 1)).astype("uint8")
    detector = AnomalyDetector(model=model, score="combined").fit(images)
    assert detector.components_ == (
        "reconstruction",
        "feature_residual",
        "latent",
        "discriminator",
    )
    assert not hasattr(detector, "n_features_in_")
    scores = detector.decision_function(images)
    assert scores.shape == (8,) and np.all(np.isfinite(scores))
    alone = np.concatenate(
        [detector.decision_function(images[i : i + 1]) for i in range(2)]
    )
    np.testing.assert_allclose(alone, scores[:2], rtol=1e-4, atol=1e-4)


def test_model_from_name_and_kwargs():
    detector = AnomalyDetector(
        model="AeGaN", seed=3, model_kwargs={"width": 4, "latent_dim": 3}
    )
    model, train = detector._make_model((FEATURES,))
    assert type(model) is keras_aegan.AEGAN and train
    assert (model.width, model.latent_dim, model.seed) == (4, 3, 3)
    model, train = AnomalyDetector(model=keras_aegan.BiGAN)._make_model(
        (FEATURES,)
    )
    assert type(model) is keras_aegan.BiGAN and train


def test_supported_scores():
    assert ModelScorer.scores_for(keras_aegan.AEGAN) == (
        "reconstruction",
        "feature",
        "latent",
        "discriminator",
        "neighbors",
        "combined",
        "iterative",
    )
    assert ModelScorer.scores_for(keras_aegan.BiGAN) == (
        ModelScorer.scores_for(keras_aegan.AEGAN)
    )
    assert ModelScorer.scores_for(keras_aegan.DCGAN) == (
        "discriminator",
        "neighbors",
        "combined",
        "iterative",
    )
    # With an encoder trained afterwards (izi_f), DCGAN scores as AEGAN.
    assert ModelScorer.scores_for(keras_aegan.DCGAN, with_encoder=True) == (
        ModelScorer.scores_for(keras_aegan.AEGAN)
    )
    assert ModelScorer.scores_for(keras_aegan.BEGAN, with_encoder=True) == (
        "iterative",
    )
    assert ModelScorer.scores_for(keras_aegan.AdversarialAutoencoder) == (
        "reconstruction",
        "latent",
        "combined",
        "iterative",
    )
    assert ModelScorer.scores_for(keras_aegan.BEGAN) == ("iterative",)


# ------------------------------------------------------------ scikit-learn
def test_sklearn_clone_and_params():
    model = _built(keras_aegan.AEGAN)
    detector = AnomalyDetector(
        model=model, score="latent", model_kwargs=None, contamination=0.2
    )
    params = detector.get_params()
    assert params["score"] == "latent" and params["contamination"] == 0.2
    clone = sklearn.base.clone(detector)
    assert clone.get_params() == params
    assert clone.model is model  # shared, never trained by the detector
    named = AnomalyDetector(model="bigan", model_kwargs={"width": 8})
    named_clone = sklearn.base.clone(named)
    assert named_clone.model_kwargs == {"width": 8}
    assert named_clone.model_kwargs is not named.model_kwargs
    assert detector.set_params(score="combined") is detector
    assert detector.score == "combined"
    with pytest.raises(NotFittedError):
        check_is_fitted(detector)
    with pytest.raises(NotFittedError):
        detector.predict(np.zeros((2, FEATURES), "float32"))


def test_pipeline_and_grid_search(fitted):
    trained, x, inliers, directions = fitted
    model = trained.model_
    pipe = make_pipeline(
        StandardScaler(), AnomalyDetector(model=model, contamination=0.05)
    )
    pipe.fit(x)
    # Radius 6: AUROC >= 0.9995 in every run (test_it_detects_far_points).
    labels = pipe.predict(6.0 * directions)
    assert labels.shape == (N_TEST,) and labels.mean() > 0.9
    assert pipe.decision_function(inliers).shape == (N_TEST,)

    data = np.concatenate([inliers, 4.0 * directions])
    y = np.r_[np.zeros(N_TEST), np.ones(N_TEST)]
    order = np.random.default_rng(0).permutation(len(y))

    def auroc(estimator, x_fold, y_fold):
        return roc_auc_score(y_fold, estimator.decision_function(x_fold))

    search = GridSearchCV(
        AnomalyDetector(model=model),
        {"score": ["reconstruction", "latent"], "contamination": [0.1, 0.2]},
        scoring=auroc,
        cv=2,
    )
    search.fit(data[order], y[order])
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["score"] in ("reconstruction", "latent")
    assert search.best_estimator_.model_ is model
    assert search.best_score_ > 0.5


# ------------------------------------------------------------------ errors
def test_errors():
    x = _blob()[0]
    with pytest.raises(ValueError, match="Received: score='foo'"):
        AnomalyDetector(score="foo").fit(x)
    with pytest.raises(ValueError, match=r"BEGAN does not support"):
        AnomalyDetector(model="began", score="reconstruction").fit(x)
    with pytest.raises(ValueError, match=r"supports: \['iterative'\]"):
        AnomalyDetector(model=keras_aegan.BEGAN, score="latent").fit(x)
    with pytest.raises(ValueError, match="Received: model='gan'"):
        AnomalyDetector(model="gan").fit(x)
    with pytest.raises(ValueError, match="contamination"):
        AnomalyDetector(contamination=0.7).fit(x)
    with pytest.raises(ValueError, match="validation_fraction"):
        AnomalyDetector(validation_fraction=1.0).fit(x)
    model = _built(keras_aegan.AEGAN)
    with pytest.raises(ValueError, match="model_kwargs"):
        AnomalyDetector(model=model, model_kwargs={"width": 4}).fit(x)
    with pytest.raises(ValueError, match=r"built for samples of shape \(8,\)"):
        AnomalyDetector(model=model).fit(x[:, :3])
    with pytest.raises(ValueError, match="Received: X with shape"):
        AnomalyDetector(model=model).fit(x[:, 0])
    detector = AnomalyDetector(model=model).fit(x)
    with pytest.raises(ValueError, match=r"\(8,\).*Received: X with shape"):
        detector.decision_function(np.zeros((3, 5), "float32"))
    with pytest.raises(ValueError, match="real numbers"):
        detector.predict(np.full((2, FEATURES), "a"))


def test_feature_score_of_a_sequential_discriminator():
    d = keras.Sequential(
        [
            keras.Input((FEATURES,)),
            keras.layers.Dense(4),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dense(1),
        ]
    )
    model = _built(keras_aegan.AEGAN, image_discriminator=d)
    x, inliers, _ = _blob(3)
    detector = AnomalyDetector(model=model, score="feature").fit(x)
    ref = _numpy_components(model, x)["feature"]
    test = _numpy_components(model, inliers)["feature"]
    np.testing.assert_allclose(
        detector.decision_function(inliers),
        _z(test, ref),
        atol=TOL,
        rtol=TOL,
    )


def test_feature_score_needs_a_functional_discriminator():
    class Critic(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x, training=False):
            return self.dense(x)

    model = _built(keras_aegan.AEGAN, image_discriminator=Critic())
    with pytest.raises(ValueError, match="functional or Sequential"):
        AnomalyDetector(model=model, score="feature").fit(_blob()[0])
    # "combined" leaves the feature residual out instead.
    detector = AnomalyDetector(model=model, score="combined").fit(_blob()[0])
    assert detector.components_ == (
        "reconstruction",
        "latent",
        "discriminator",
    )


# ---------------------------------------------------------------- GANomaly
def test_ganomaly_scores_with_its_second_encoder(tmp_path):
    model = _built(GANomaly)
    # Untrained codes of reconstructions are small next to E(x), so the
    # two encoders would give close latent scores: scaling E2's weights
    # by 3 (its biases start at zero) scales the outputs of its four
    # Dense layers with ReLUs between them by 3^4 and tells them apart.
    model.reencoder.set_weights(
        [3.0 * w for w in model.reencoder.get_weights()]
    )
    x, inliers, directions = _blob(2)
    detector = AnomalyDetector(model=model, score="latent").fit(x)
    # The paper's score: the distance of the two codes.
    assert detector.score_name_ == "latent"
    assert detector.components_ == ("latent",)

    def latent(data, second):
        xn = _network_units(model, data)
        z = _numpy_forward(model.encoder, [xn])
        x_rec = _numpy_forward(model.generator, [z])
        return _mean_square(z, _numpy_forward(second, [x_rec]))

    x_test = np.concatenate([inliers[:32], 4.0 * directions[:32]])
    expected = _z(latent(x_test, model.reencoder), latent(x, model.reencoder))
    scores = detector.decision_function(x_test)
    np.testing.assert_allclose(scores, expected, atol=TOL, rtol=TOL)
    # The raw component is E2's, not the first encoder's.
    raw = ModelScorer(model).compute(x_test, ("latent",))["latent"]
    np.testing.assert_allclose(raw, latent(x_test, model.reencoder), rtol=TOL)
    wrong = latent(x_test, model.encoder)
    assert np.median(np.abs(raw - wrong) / wrong) > 0.1
    detector.save(tmp_path / "ganomaly")
    loaded = AnomalyDetector.load(tmp_path / "ganomaly")
    assert type(loaded.model_) is GANomaly
    assert loaded.score_name_ == "latent" and loaded.score == "latent"
    np.testing.assert_array_equal(loaded.decision_function(x_test), scores)


def test_ganomaly_by_name_and_its_parts():
    detector = AnomalyDetector(
        model="ganomaly",
        epochs=1,
        seed=0,
        model_kwargs={"width": 8, "latent_dim": 2},
    ).fit(_blob()[0])
    assert type(detector.model_) is GANomaly
    # Not the paper's latent score by default: reconstruction ranked
    # better in every protocol of benchmarks/anomaly (README there).
    assert detector.score_name_ == "reconstruction"
    assert detector.components_ == ("reconstruction",)
    assert ModelScorer.scores_for(GANomaly) == SCORES
    assert model_parts(GANomaly) == {
        "encoder": "encoder",
        "generator": "generator",
        "latent_encoder": "reencoder",
        "discriminator": "discriminator",
    }
    # Models that declare nothing: the usual names, E' = E.
    assert model_parts(keras_aegan.AEGAN) == {
        "encoder": "encoder",
        "generator": "generator",
        "latent_encoder": "encoder",
        "discriminator": "image_discriminator",
    }
    assert model_parts(keras_aegan.DCGAN)["encoder"] is None
    # GANomaly's feature score reads the features it was trained on.
    model = _built(GANomaly)
    scorer = ModelScorer(model)
    assert scorer.feature_network() is model.discriminator_features
    assert scorer.latent_encoder is model.reencoder


def test_declared_parts_are_checked():
    class Misnamed(GANomaly):
        anomaly_parts = {"decoder": "generator"}

    class Missing(GANomaly):
        anomaly_parts = {"encoder": "encoder", "latent_encoder": "encoder2"}

    with pytest.raises(ValueError, match=r"keys are among .*'decoder'"):
        model_parts(Misnamed)
    with pytest.raises(ValueError, match="'encoder2' as its latent_encoder"):
        ModelScorer.scores_for(Missing)


# ------------------------------------------------- the benchmark's helpers
def test_benchmark_metrics_on_hand_made_scores():
    y = np.r_[np.zeros(100, int), np.ones(20, int)]
    perfect = np.r_[np.linspace(0.0, 1.0, 100), np.linspace(2.0, 3.0, 20)]
    assert bench_metrics.evaluate(y, perfect) == {
        "auroc": 1.0,
        "auprc": 1.0,
        "tpr_at_5_fpr": 1.0,
    }
    reversed_ = bench_metrics.evaluate(y, -perfect)
    assert reversed_["auroc"] == 0.0 and reversed_["tpr_at_5_fpr"] == 0.0
    # Normal scores 0..99; anomalies 10 at 104.5 and 10 at 93.5. At
    # FPR <= 5 % (flag scores >= 95: five normal ones) half the
    # anomalies are flagged; one more false positive (flag >= 93.5,
    # FPR 6 %) flags them all.
    high, low = np.full(10, 104.5), np.full(10, 93.5)
    scores = np.r_[np.arange(100.0), high, low]
    assert bench_metrics.tpr_at_fpr(y, scores, 0.05) == 0.5
    assert bench_metrics.tpr_at_fpr(y, scores, 0.06) == 1.0
    with pytest.raises(ValueError, match=r"both labels"):
        bench_metrics.evaluate(np.zeros(4, int), np.arange(4.0))
    mean, sd, n = bench_metrics.mean_sd([0.5, 0.7])
    assert (mean, n) == (pytest.approx(0.6), 2)
    assert sd == pytest.approx(np.sqrt(0.02))  # ddof=1


def test_benchmark_score_names():
    assert bench_detectors.score_settings("neighbors_k1") == {
        "score": "neighbors",
        "n_neighbors": 1,
    }
    assert bench_detectors.score_settings("feature") == {"score": "feature"}
    for _, scores in bench_run.MODEL_SCORES.values():
        for name in scores:  # every reported score exists in the package
            assert bench_detectors.score_settings(name)["score"] in SCORES
    assert bench_run.row_name("aegan", None, "neighbors_k5") == (
        "AEGAN (neighbors, k=5)"
    )


def _rows(x):
    return {np.asarray(row).tobytes() for row in x}


@pytest.mark.parametrize(
    "protocol, digit",
    [("digits_normal", 3), ("digits_anomalous", 7)],
)
def test_benchmark_digit_splits_keep_anomalies_out(digits, protocol, digit):
    split = bench_splits.digits_split(protocol, digit, seed=1, data=digits)
    (x_pool, y_pool), (x_test, y_test) = digits
    anomalous = (
        (y_pool != digit) if protocol == "digits_normal" else (y_pool == digit)
    )
    # Found by content in the original pool, independently of the
    # split's own bookkeeping: no anomalous training image reaches the
    # training or validation data.
    forbidden = _rows(x_pool[anomalous])
    for part in (split.x_train, split.x_val):
        assert not (_rows(part) & forbidden)
    assert not (_rows(split.x_train) & _rows(split.x_val))
    assert len(split.x_train) + len(split.x_val) == int(np.sum(~anomalous))
    np.testing.assert_array_equal(split.x_test, x_test)
    expected = (
        (y_test != digit) if protocol == "digits_normal" else (y_test == digit)
    )
    np.testing.assert_array_equal(split.y_test, expected.astype(int))
    # The seed draws the validation split; the test stays the same.
    other = bench_splits.digits_split(protocol, digit, seed=2, data=digits)
    assert _rows(other.x_val) != _rows(split.x_val)
    np.testing.assert_array_equal(other.y_test, split.y_test)


def test_benchmark_breast_cancer_split_keeps_anomalies_out():
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    x = bunch.data.astype("float32")
    malignant = _rows(x[bunch.target == 0])
    split = bench_splits.breast_cancer_split(seed=0)
    for part in (split.x_train, split.x_val):
        assert not (_rows(part) & malignant)
    assert not (_rows(split.x_train) & _rows(split.x_test))
    assert not (_rows(split.x_val) & _rows(split.x_test))
    # Every malignant sample is in the test, labelled 1.
    assert int(split.y_test.sum()) == len(malignant) == 212
    flagged = split.x_test[split.y_test == 1]
    assert _rows(flagged) == malignant
    sizes = split.describe()
    assert (sizes["train"], sizes["validation"], sizes["test"]) == (
        214,
        71,
        72 + 212,
    )


def test_benchmark_detectors_see_normal_data_only(digits, monkeypatch):
    """The runner gives detectors `fit_data()` and the test inputs only."""
    split = bench_splits.digits_split("digits_normal", 0, seed=0, data=digits)
    seen = []

    class Spy:
        name = "spy"

        def fit(self, *args):
            seen.append(("fit", args))
            return {}

        def score(self, x):
            seen.append(("score", (x,)))
            return x.reshape(len(x), -1).mean(axis=1)

    monkeypatch.setattr(bench_run, "build_detectors", lambda a: [("s", Spy())])
    args = bench_run.finish_args(
        bench_run.make_parser().parse_args(
            ["--protocol", "digits_normal", "--digits", "0", "--seeds", "0"]
        )
    )
    (record,) = bench_run.run_split(split, 0, args, log=lambda text: None)
    (_, (x_train, x_val, seed)), (_, (x_test,)) = seen
    assert x_train is split.x_train and x_val is split.x_val and seed == 0
    assert x_test is split.x_test
    assert record["row"] == "spy" and 0.0 <= record["auroc"] <= 1.0
    assert args.screening and args.tag == "screening"
