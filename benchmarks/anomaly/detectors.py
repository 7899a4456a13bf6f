"""The detectors of the benchmark: scikit-learn baselines and neural nets.

Every detector has `fit(x_train, x_val, seed)` (normal data only; it
returns a dict of what it chose, e.g. the selected epoch) and
`score(x)` (higher is more anomalous). Nothing here sees a test label.
Images are flattened for the scikit-learn detectors; vectors are
standardised with the training split's mean and standard deviation.
Keras is imported by the neural detectors only, after the runner has
set the backend.
"""

import math
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import KernelDensity
from sklearn.neighbors import NearestNeighbors
from sklearn.svm import OneClassSVM

#: PCA keeps the components explaining this share of the training
#: variance.
PCA_VARIANCE = 0.9
#: KDE bandwidths tried, as multiples of the median distance of a
#: training sample to its nearest other training sample; the one with
#: the highest mean log-likelihood of the validation split is kept.
KDE_BANDWIDTH_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
#: OC-SVM's nu (an upper bound on the share of training outliers).
OCSVM_NU = 0.1
ISOLATION_TREES = 200


class _Features:
    """Flattens samples and standardises vectors with training statistics."""

    def fit(self, x):
        x = np.asarray(x, "float64")
        self.standardise = x.ndim == 2
        flat = x.reshape(len(x), -1)
        if self.standardise:
            self.mean = flat.mean(axis=0)
            std = flat.std(axis=0)
            self.std = np.where(std > 0, std, 1.0)
        return self

    def __call__(self, x):
        flat = np.asarray(x, "float64").reshape(len(x), -1)
        if self.standardise:
            flat = (flat - self.mean) / self.std
        return flat


class SklearnDetector:
    """Base of the scikit-learn baselines: features, then `_fit`/`_score`."""

    name = None

    def fit(self, x_train, x_val, seed):
        self.features = _Features().fit(x_train)
        return self._fit(self.features(x_train), self.features(x_val), seed)

    def score(self, x):
        return np.asarray(self._score(self.features(x)), "float64")


class KNN(SklearnDetector):
    """Distance to the k-th nearest training sample."""

    def __init__(self, k):
        self.k = int(k)
        self.name = f"kNN (k={self.k})"

    def _fit(self, x, x_val, seed):
        self.index = NearestNeighbors(n_neighbors=self.k).fit(x)
        return {"k": self.k}

    def _score(self, x):
        distances, _ = self.index.kneighbors(x)
        return distances[:, -1]


class PCAReconstruction(SklearnDetector):
    """Squared residual of the projection on the leading components."""

    name = "PCA reconstruction"

    def _fit(self, x, x_val, seed):
        self.pca = PCA(n_components=PCA_VARIANCE, svd_solver="full").fit(x)
        return {"components": int(self.pca.n_components_)}

    def _score(self, x):
        back = self.pca.inverse_transform(self.pca.transform(x))
        return np.sum(np.square(x - back), axis=1)


class KDE(SklearnDetector):
    """Negative Gaussian log-density; bandwidth chosen on validation data."""

    name = "KDE"

    def _fit(self, x, x_val, seed):
        distances, _ = NearestNeighbors(n_neighbors=2).fit(x).kneighbors(x)
        scale = float(np.median(distances[:, 1])) or 1.0
        best = (-math.inf, None)
        for factor in KDE_BANDWIDTH_FACTORS:
            kde = KernelDensity(bandwidth=scale * factor).fit(x)
            likelihood = float(np.mean(kde.score_samples(x_val)))
            if likelihood > best[0]:
                best = (likelihood, kde)
        self.kde = best[1]
        return {"bandwidth": float(self.kde.bandwidth)}

    def _score(self, x):
        return -self.kde.score_samples(x)


class OCSVM(SklearnDetector):
    """One-class SVM, RBF kernel, `gamma="scale"`, `nu=0.1`."""

    name = "OC-SVM"

    def _fit(self, x, x_val, seed):
        self.svm = OneClassSVM(kernel="rbf", gamma="scale", nu=OCSVM_NU)
        self.svm.fit(x)
        return {"nu": OCSVM_NU}

    def _score(self, x):
        return -self.svm.decision_function(x)


class IForest(SklearnDetector):
    """IsolationForest of 200 trees (negated `score_samples`)."""

    name = "IsolationForest"

    def _fit(self, x, x_val, seed):
        self.forest = IsolationForest(
            n_estimators=ISOLATION_TREES, random_state=seed
        ).fit(x)
        return {"trees": ISOLATION_TREES}

    def _score(self, x):
        return -self.forest.score_samples(x)


# ------------------------------------------------------------------ neural
class _Selection:
    """Snapshots of a Keras model's weights at the best validation error."""

    def __init__(self, model):
        self.model = model
        self.best = (math.inf, None, 0)

    def observe(self, epoch, error):
        if error < self.best[0]:
            weights = [np.array(w) for w in self.model.get_weights()]
            self.best = (error, weights, epoch)

    def restore(self):
        self.model.set_weights(self.best[1])
        return self.best[2]


class NeuralDetector:
    """Shared epoch selection of the neural detectors.

    Trains `epochs` epochs, evaluating the mean reconstruction error of
    the validation split (normal data only) every `eval_every` epochs,
    and keeps the weights of the evaluation with the lowest error.
    """

    def __init__(self, epochs, eval_every, batch_size, width):
        self.epochs = int(epochs)
        self.eval_every = int(eval_every)
        self.batch_size = int(batch_size)
        self.width = width

    def _select(self, model, fit_epochs, validation_error):
        selection = _Selection(model)
        curve = []
        done = 0
        while done < self.epochs:
            n = min(self.eval_every, self.epochs - done)
            fit_epochs(n)
            done += n
            error = float(validation_error())
            curve.append([done, error])
            selection.observe(done, error)
        epoch = selection.restore()
        return {"selected_epoch": epoch, "validation_curve": curve}


def score_settings(name):
    """`AnomalyDetector` arguments of a score name of the benchmark.

    `"neighbors_k1"` is `score="neighbors", n_neighbors=1`; any other
    name is the score itself.

    Example:

    ```python
    score_settings("neighbors_k5")  # {'score': 'neighbors', 'n_neighbors': 5}
    ```
    """
    base, sep, k = name.partition("_k")
    if base == "neighbors" and sep:
        return {"score": base, "n_neighbors": int(k)}
    return {"score": name}


class KerasAeganDetector(NeuralDetector):
    """A keras_aegan model scored by `keras_aegan.anomaly.AnomalyDetector`.

    The model (default networks, `width`) is trained on the training
    split with the epoch selected as in `NeuralDetector` (the error is
    the `"reconstruction"` component of `ModelScorer`: the networks the
    scores use, in inference mode). Each score of `scores` is then one
    `AnomalyDetector` wrapping the trained model and normalised with
    the validation split; `score(x)` returns them all, by score name.
    """

    def __init__(self, model, scores, epochs, eval_every, batch_size, width):
        super().__init__(epochs, eval_every, batch_size, width)
        self.model_name = model
        self.scores = tuple(scores)

    def fit(self, x_train, x_val, seed):
        import keras_aegan
        from keras_aegan.anomaly import AnomalyDetector
        from keras_aegan.anomaly import ModelScorer
        from keras_aegan.anomaly.model_scorer import can_train_encoder
        from keras_aegan.backend import set_random_seed

        set_random_seed(seed)  # no TensorFlow import under JAX, PyTorch
        cls = getattr(keras_aegan.models, self.model_name)
        kwargs = {"seed": seed}
        if self.width is not None:
            kwargs["width"] = self.width
        model = cls(**kwargs)

        def fit_epochs(n):
            model.fit(x_train, epochs=n, batch_size=self.batch_size, verbose=0)

        def validation_error():
            scorer = ModelScorer(model, batch_size=256)
            return np.mean(
                scorer.compute(x_val, ("reconstruction",))["reconstruction"]
            )

        if can_train_encoder(model):
            # f-AnoGAN (DCGAN): no encoder, so no reconstruction error to
            # select the GAN's epoch by. The GAN trains the whole budget,
            # then each detector trains its izi_f encoder (the same
            # number of epochs) on the training split and normalises with
            # it: for a one-component score that leaves the test ranks,
            # hence AUROC/AUPRC/TPR, as any normalisation would.
            fit_epochs(self.epochs)
            info = {"selected_epoch": self.epochs, "validation_curve": []}
            self.detectors = {
                name: AnomalyDetector(
                    model=model,
                    epochs=self.epochs,
                    batch_size=self.batch_size,
                    seed=seed,
                    **score_settings(name),
                ).fit(x_train)
                for name in self.scores
            }
        else:
            info = self._select(model, fit_epochs, validation_error)
            self.detectors = {}
            for name in self.scores:
                settings = score_settings(name)
                # "neighbors" measures distances to the data it is fitted
                # on: the training split, as the kNN baselines; the other
                # scores take their statistics from the validation split.
                ref = x_train if settings["score"] == "neighbors" else x_val
                self.detectors[name] = AnomalyDetector(
                    model=model, **settings
                ).fit(ref)
        self.model = model
        info["latent_dim"] = int(model.latent_dim)
        return info

    def score(self, x):
        out, self.score_seconds = {}, {}
        for name, detector in self.detectors.items():
            start = time.perf_counter()
            out[name] = detector.decision_function(x)
            self.score_seconds[name] = time.perf_counter() - start
        return out


class PlainAutoencoder(NeuralDetector):
    """A plain Keras autoencoder of keras_aegan's default networks.

    `keras_aegan.networks.default_network("encoder", ...)` then
    `default_network("generator", ...)` (the networks GANomaly and
    AEGAN build for the same data, width and code size), trained as one
    `keras.Model` with the mean squared error and `Adam(1e-3)`; no
    adversarial term. Data in the networks' units as keras_aegan maps
    them: images `2x - 1`, vectors standardised with training
    statistics. The score is the mean squared reconstruction error,
    in inference mode.
    """

    name = "Autoencoder (MSE)"

    def fit(self, x_train, x_val, seed):
        import keras

        from keras_aegan import networks
        from keras_aegan.backend import set_random_seed

        set_random_seed(seed)  # no TensorFlow import under JAX, PyTorch
        shape = tuple(x_train.shape[1:])
        self.image = len(shape) > 1
        if not self.image:
            self.mean = x_train.mean(axis=0)
            std = x_train.std(axis=0)
            self.std = np.where(std > 0, std, 1.0)
        latent = networks.default_latent_dim(shape)
        encoder = networks.default_network("encoder", shape, latent, self.width)
        decoder = networks.default_network(
            "generator", shape, latent, self.width
        )
        inputs = keras.Input(shape)
        model = keras.Model(inputs, decoder(encoder(inputs)))
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        self.model = model
        train = self._units(x_train)

        def fit_epochs(n):
            model.fit(
                train, train, epochs=n, batch_size=self.batch_size, verbose=0
            )

        info = self._select(
            model, fit_epochs, lambda: float(np.mean(self.score(x_val)))
        )
        info["latent_dim"] = int(latent)
        return info

    def _units(self, x):
        x = np.asarray(x, "float32")
        if self.image:
            return 2.0 * x - 1.0
        return ((x - self.mean) / self.std).astype("float32")

    def score(self, x):
        units = self._units(x)
        out = self.model.predict(units, batch_size=256, verbose=0)
        diff = (np.asarray(out, "float64") - units).reshape(len(units), -1)
        return np.mean(np.square(diff), axis=1)
