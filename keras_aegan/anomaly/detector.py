"""AnomalyDetector: a scikit-learn/PyOD-style detector on an encoding GAN."""

import copy
import json
import math
import os

import keras
import numpy as np
import sklearn.base
from sklearn.utils.validation import check_is_fitted

from keras_aegan import models
from keras_aegan.anomaly.encoder_training import train_encoder
from keras_aegan.anomaly.model_scorer import SCORES
from keras_aegan.anomaly.model_scorer import ModelScorer
from keras_aegan.anomaly.model_scorer import can_train_encoder
from keras_aegan.anomaly.model_scorer import default_score
from keras_aegan.backend import set_random_seed
from keras_aegan.saving import load_model
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.utils.atomic import atomic_path
from keras_aegan.utils.validation import check_in_range
from keras_aegan.utils.validation import check_int
from keras_aegan.utils.validation import check_positive
from keras_aegan.utils.validation import check_positive_int

MODEL_FILE = "model.keras"
ENCODER_FILE = "encoder.keras"
STATE_FILE = "detector.json"
NEIGHBORS_FILE = "neighbors.npy"
# The scores that need an encoder; for a model without one `fit` trains
# it (f-AnoGAN's izi_f).
ENCODER_SCORES = ("reconstruction", "feature", "latent")
FORMAT = "keras_aegan.AnomalyDetector"
# Version 2 adds `encoder_file` (an izi_f encoder), version 3
# `neighbors_file` (the reference features of the "neighbors" score); a
# detector without them is still written as the lowest version that holds
# it, which older releases read.
FORMAT_VERSION = 3
PROBABILITY_METHODS = ("linear", "unify")
# The models a name may pick (`model="bigan"`), by lower-case name.
_MODEL_NAMES = {
    name.lower(): getattr(models, name)
    for name in models.__all__
    if name not in ("AutoencoderDiscriminatorGAN", "DualDiscriminatorGAN")
}
_MODEL_LIST = sorted(
    name for name in models.__all__ if name.lower() in _MODEL_NAMES
)
# Constructor arguments saved with a detector (the model is saved apart).
_SAVED_PARAMS = (
    "score",
    "contamination",
    "kappa",
    "epochs",
    "batch_size",
    "validation_fraction",
    "seed",
    "model_kwargs",
    "search_steps",
    "search_learning_rate",
    "ema",
    "n_neighbors",
    "verbose",
)


def _spread(values):
    """Standard deviation used to z-score; 1 where the values are constant."""
    std = float(np.std(values))
    return std if std > 0.0 and math.isfinite(std) else 1.0


def _json_or_none(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


class AnomalyDetector(sklearn.base.OutlierMixin, sklearn.base.BaseEstimator):
    """One-class anomaly detector on an autoencoding GAN, PyOD style.

    `fit(X)` trains a keras_aegan model on data assumed normal (or wraps
    one that is already trained) and learns the statistics that turn its
    raw scores into a decision: each score component is z-scored with the
    mean and standard deviation of the training split, or of a held-out
    validation split of `X` when `validation_fraction > 0`, never of the
    data being scored, so a sample's score does not depend on the other
    samples it is scored with. `decision_function(X)` returns the
    normalised score (higher is more anomalous), `predict(X)` flags
    samples whose score exceeds `threshold_`, the `1 - contamination`
    quantile of the training scores `decision_scores_`.

    Scores (see `keras_aegan.anomaly.ModelScorer` for the formulas), all
    but `"iterative"` one forward pass per network in inference mode:

    - `"reconstruction"`: mean squared residual of `x - G(E(x))`.
    - `"feature"`: f-AnoGAN, the residual plus `kappa` times the residual
      of the discriminator's intermediate features of `x` and `G(E(x))`.
    - `"latent"`: GANomaly, `mean((E(x) - E'(G(E(x))))^2)`, `E'` the
      model's second encoder where it has one (`GANomaly`), else `E`.
    - `"discriminator"`: EGBAD/ALAD, the negated discriminator logit of
      `x` (AEGAN, DCGAN, VAEGAN) or of `(x, E(x))` (BiGAN/ALI).
    - `"neighbors"`: deep nearest neighbours, the distance from the
      discriminator's features of `x` to the `n_neighbors`-th nearest
      features of the training split (kept with the detector: memory
      grows with the training data). A training sample is not its own
      neighbour. Needs a discriminator, not an encoder (DCGAN scores
      so without an izi_f encoder).
    - `"combined"`: the sum of the z-scored reconstruction, feature
      residual, latent and discriminator components the model has.
    - `"iterative"`: AnoGAN's per-sample latent search
      (`search_steps` Adam steps from `z = 0`), a slow reference.

    A model without an encoder but with a generator and a discriminator
    (DCGAN) gets one for the first three scores: after the GAN, `fit()`
    trains an encoder against the frozen generator and discriminator
    for `epochs` epochs (f-AnoGAN's `izi_f`: image residual plus `kappa`
    times the feature residual; `keras_aegan.anomaly.train_encoder`),
    kept as `encoder_` and saved with the detector. Its default score is
    then `"feature"`, f-AnoGAN's.

    The scikit-learn contract holds: the constructor stores its arguments
    unchanged, `get_params`/`set_params`, `clone`, `Pipeline` and
    `GridSearchCV` work. Model constructor arguments go in the
    `model_kwargs` dict (not as `**kwargs`, which `get_params` cannot
    see). Labels are PyOD's: 1 for an anomaly, 0 for a normal sample
    (scikit-learn's own outlier detectors use -1/1). `GridSearchCV` needs
    an explicit `scoring=` (for example AUROC of `decision_function`):
    the `score` argument names the anomaly score, not a method.

    Args:
        model: `None` (default: `keras_aegan.AEGAN`), a keras_aegan model
            class, its class name in any case (`"aegan"`, `"BiGAN"`,
            `"alphagan"`), or an instance. A built (trained) instance
            is wrapped as it is: `fit()` does not train it, only learns
            the statistics and the threshold on `X`. An unbuilt
            instance is copied and the copy trained, so the argument
            itself never changes.
        score: `None` (default: the model's own score, its class
            attribute `anomaly_score`: `"feature"` for ALAD and for a
            model without an encoder (DCGAN), `"reconstruction"` for
            the others, GANomaly included: its paper's `"latent"`
            score ranked worse in every benchmark protocol), or one of
            `"reconstruction"`, `"feature"`, `"latent"`,
            `"discriminator"`, `"neighbors"`, `"combined"`,
            `"iterative"`.
        contamination: Share of anomalies expected in the training data,
            in (0, 0.5]; sets `threshold_`.
        kappa: Weight of the feature residual in `"feature"` (f-AnoGAN's
            default 1).
        epochs: Training epochs when `fit()` trains the model, and of
            the izi_f encoder where one is trained. The default 20 is
            short for small data sets: on about 1,000 16x16 digits
            (batch 64) AEGAN ranked an unseen digit at 0.948 AUROC
            after 80 epochs and 0.897 after 20 (benchmarks/anomaly).
        batch_size: Training batch size, and the batch size of the
            scoring network calls.
        validation_fraction: Share of `X` held out of training, in
            [0, 1), whose scores give the normalisation statistics. 0
            (default) uses the whole training split.
        seed: `None`, or an integer that seeds the split, the model
            (`seed`, unless `model_kwargs` sets one) and, before a model
            is built and trained, Keras's global random state
            (as `keras.utils.set_random_seed` does, so the initial
            weights repeat; under JAX and PyTorch without importing
            TensorFlow to seed it).
        model_kwargs: Dict of constructor arguments of the model `fit()`
            builds (e.g. `{"width": 16, "latent_dim": 4}`).
        search_steps: Adam steps per batch of the `"iterative"` search.
        search_learning_rate: Adam step size of the `"iterative"` search.
        ema: Which generator and encoder weights score: `None` (default)
            their moving averages where the model keeps them (as
            `model.encode`), True the moving averages, False the trained
            weights (see `ModelScorer`).
        n_neighbors: Which neighbour's distance `"neighbors"` scores
            (1 = the nearest; PyOD's KNN default 5).
        verbose: Passed to the model's `fit()`.

    Attributes (after `fit`):
        model_: The trained (or wrapped) model.
        encoder_: The encoder trained for a model without one (izi_f),
            else None.
        score_name_: The score used.
        components_: The raw components the score sums.
        normalization_: Dict component -> `{"mean": m, "std": s}`.
        decision_scores_: Scores of the training data `X`.
        threshold_: The `1 - contamination` quantile of
            `decision_scores_`.
        labels_: `decision_scores_ > threshold_` as 0/1.
        data_shape_: Shape of one sample.
        n_features_in_: Number of features (vector data only).

    Example:

    ```python
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1024, 8)).astype("float32")  # normal data
    detector = keras_aegan.anomaly.AnomalyDetector(
        score="reconstruction", epochs=5, seed=0,
        model_kwargs={"width": 16},
    )
    detector.fit(x)
    x_new = np.concatenate([x[:4], x[:4] + 5.0])
    scores = detector.decision_function(x_new)  # higher: more anomalous
    labels = detector.predict(x_new)  # 1 = anomaly
    detector.save("runs/detector")
    detector = keras_aegan.anomaly.AnomalyDetector.load("runs/detector")
    ```

    Reference:
        - [Schlegl et al., "f-AnoGAN: Fast unsupervised anomaly detection
          with generative adversarial networks", 2019](
          https://doi.org/10.1016/j.media.2019.01.010)
        - [Akcay et al., "GANomaly: Semi-Supervised Anomaly Detection via
          Adversarial Training", 2018](https://arxiv.org/abs/1805.06725)
        - [Zenati et al., "Efficient GAN-Based Anomaly Detection", 2018](
          https://arxiv.org/abs/1802.06222)
        - [Zenati et al., "Adversarially Learned Anomaly Detection", 2018](
          https://arxiv.org/abs/1812.02288)
        - [Zhao et al., "PyOD: A Python Toolbox for Scalable Outlier
          Detection", 2019](https://jmlr.org/papers/v20/19-011.html)
    """

    def __init__(
        self,
        model=None,
        score=None,
        contamination=0.1,
        kappa=1.0,
        epochs=20,
        batch_size=64,
        validation_fraction=0.0,
        seed=None,
        model_kwargs=None,
        search_steps=100,
        search_learning_rate=0.05,
        ema=None,
        n_neighbors=5,
        verbose=0,
    ):
        # scikit-learn: store the arguments unchanged; `fit` checks them.
        self.model = model
        self.score = score
        self.contamination = contamination
        self.kappa = kappa
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.model_kwargs = model_kwargs
        self.search_steps = search_steps
        self.search_learning_rate = search_learning_rate
        self.ema = ema
        self.n_neighbors = n_neighbors
        self.verbose = verbose

    def __sklearn_clone__(self):
        # A model instance is shared, not deep-copied: `fit` never trains
        # a built instance and copies an unbuilt one before training.
        params = self.get_params(deep=False)
        model = params.pop("model")
        params = {
            name: sklearn.base.clone(value, safe=False)
            for name, value in params.items()
        }
        return type(self)(model=model, **params)

    # ----------------------------------------------------------- arguments
    def _check_params(self):
        if self.score is not None and self.score not in SCORES:
            raise ValueError(
                f"Unknown anomaly score. Expected one of {list(SCORES)}. "
                f"Received: score={self.score!r}"
            )
        check_in_range(
            "contamination", self.contamination, 0.0, 0.5, low_open=True
        )
        check_in_range("kappa", self.kappa, 0.0, math.inf)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_int("search_steps", self.search_steps, 0)
        check_positive("search_learning_rate", self.search_learning_rate)
        check_positive_int("n_neighbors", self.n_neighbors)
        fraction = self.validation_fraction
        check_in_range("validation_fraction", fraction, 0.0, 1.0)
        if fraction == 1.0:
            raise ValueError(
                "`validation_fraction` must be below 1 (some data must "
                f"remain to train on). Received: validation_fraction="
                f"{fraction!r}"
            )
        if self.seed is not None:
            check_int("seed", self.seed, 0)
        if self.ema not in (None, True, False):
            raise ValueError(
                f"`ema` must be None, True or False. Received: ema={self.ema!r}"
            )
        if self.model_kwargs is not None and not isinstance(
            self.model_kwargs, dict
        ):
            raise ValueError(
                "`model_kwargs` must be None or a dict of model constructor "
                f"arguments. Received: model_kwargs={self.model_kwargs!r}"
            )

    def _model_class(self):
        """The model class `fit` builds, or None for an instance."""
        model = self.model
        if model is None:
            return models.AEGAN
        if isinstance(model, str):
            found = _MODEL_NAMES.get(model.lower())
            if found is None:
                raise ValueError(
                    f"Unknown model name. Expected one of {_MODEL_LIST} "
                    f"(any case). Received: model={model!r}"
                )
            return found
        if isinstance(model, type) and issubclass(model, AdversarialTrainer):
            return model
        if isinstance(model, AdversarialTrainer):
            return None
        raise ValueError(
            "`model` must be None, a keras_aegan model class, its name or "
            f"an instance. Received: model={model!r}"
        )

    def _score_of(self, model):
        """The score `fit` uses with `model` (a class or an instance)."""
        return default_score(model) if self.score is None else self.score

    def _make_model(self, data_shape):
        """`(model, train)`: the model to score with and whether to fit it."""
        cls = self._model_class()
        kwargs = dict(self.model_kwargs or {})
        if cls is None:
            if kwargs:
                raise ValueError(
                    "`model_kwargs` apply to a model fit() builds; the "
                    "model is an instance. Received: model_kwargs="
                    f"{self.model_kwargs!r}"
                )
            model = self.model
            ModelScorer.check_score(model, self._score_of(model), True)
            if model.data_shape is None:
                # Weights are created when the copy is built in `fit`.
                if self.seed is not None:
                    set_random_seed(self.seed)
                return copy.deepcopy(model), True
            if tuple(model.data_shape) != tuple(data_shape):
                raise ValueError(
                    f"The wrapped {type(model).__name__} was built for "
                    f"samples of shape {tuple(model.data_shape)}. Received: "
                    f"X with samples of shape {tuple(data_shape)}"
                )
            return model, False
        ModelScorer.check_score(cls, self._score_of(cls), True)
        if self.seed is not None:
            kwargs.setdefault("seed", self.seed)
            set_random_seed(self.seed)
        return cls(**kwargs), True

    def _check_data(self, X, fitted=True):
        x = data_checks.to_numpy(X)
        data_checks.check_numeric(x, "data X")
        if x.ndim < 2:
            raise ValueError(
                "X must be a batch of samples, shape (n_samples, "
                f"*sample_shape). Received: X with shape {x.shape}"
            )
        if fitted and tuple(x.shape[1:]) != self.data_shape_:
            raise ValueError(
                f"{type(self).__name__} was fitted on samples of shape "
                f"{self.data_shape_}. Received: X with shape {x.shape}"
            )
        if not np.issubdtype(x.dtype, np.floating) and x.dtype != np.uint8:
            x = x.astype("float32")
        return x

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Trains the model on `X` (or wraps it) and learns the threshold.

        Args:
            X: Array `(n_samples, *sample_shape)` of data assumed normal
                (up to `contamination`): vectors, sequences or images.
            y: Ignored (present for the scikit-learn API).

        Returns:
            The fitted detector (`self`).
        """
        del y
        self._check_params()
        x = self._check_data(X, fitted=False)
        model, train = self._make_model(x.shape[1:])
        rng = np.random.default_rng(self.seed)
        n_val = int(round(self.validation_fraction * len(x)))
        if n_val > 0 and len(x) - n_val < 1:
            raise ValueError(
                "`validation_fraction` leaves no training data. Received: "
                f"validation_fraction={self.validation_fraction!r} with "
                f"{len(x)} samples"
            )
        # bank_rows[i]: the row of x[i] in x_train, -1 for validation rows.
        if n_val > 0:
            order = rng.permutation(len(x))
            x_val, x_train = x[order[:n_val]], x[order[n_val:]]
            bank_rows = np.full(len(x), -1, "int64")
            bank_rows[order[n_val:]] = np.arange(len(x_train))
        else:
            x_val, x_train = None, x
            bank_rows = np.arange(len(x))
        if train:
            model.fit(
                x_train,
                epochs=self.epochs,
                batch_size=self.batch_size,
                verbose=self.verbose,
            )
        score = self._score_of(model)
        scorer = self._make_scorer(model)
        encoder = None
        if score in ENCODER_SCORES and can_train_encoder(model):
            encoder = train_encoder(
                scorer,
                x_train,
                kappa=self.kappa,
                epochs=self.epochs,
                batch_size=self.batch_size,
                verbose=self.verbose,
            )
            scorer = self._make_scorer(model, encoder)
        components = scorer.components(score)
        if "neighbors" in components:
            if len(x_train) <= self.n_neighbors:
                raise ValueError(
                    f"score='neighbors' with n_neighbors={self.n_neighbors} "
                    f"needs more than {self.n_neighbors} training samples "
                    "(a training sample is not its own neighbour). "
                    f"Received: {len(x_train)} training samples"
                )
            scorer.fit_neighbors(x_train)
        if x_val is None:
            raw = scorer.compute(x_train, components, bank_rows)
        else:
            raw = scorer.compute(x_val, components)
        self.model_ = model
        self.encoder_ = encoder
        self._scorer = scorer
        self.score_name_ = score
        self.components_ = components
        self.normalization_ = {
            name: {
                "mean": float(np.mean(raw[name])),
                "std": _spread(raw[name]),
            }
            for name in components
        }
        self.data_shape_ = tuple(int(s) for s in x.shape[1:])
        if x.ndim == 2:
            self.n_features_in_ = int(x.shape[1])
        # Leave-one-out for the training rows' "neighbors" distances.
        self.decision_scores_ = self._decision(x, bank_rows)
        self._set_threshold()
        return self

    def _make_scorer(self, model, encoder=None, settings=None):
        settings = settings or {
            "kappa": self.kappa,
            "batch_size": self.batch_size,
            "search_steps": self.search_steps,
            "search_learning_rate": self.search_learning_rate,
            "ema": self.ema,
            "n_neighbors": self.n_neighbors,
        }
        return ModelScorer(model, encoder=encoder, **settings)

    def _set_threshold(self):
        self.threshold_ = float(
            np.quantile(self.decision_scores_, 1.0 - self.contamination)
        )
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    # -------------------------------------------------------------- scoring
    def decision_function(self, X):
        """Anomaly scores: higher is more anomalous.

        The sum over `components_` of each raw component z-scored with
        the statistics learned in `fit()` (`normalization_`), so a
        sample's score depends on that sample only.

        Args:
            X: Array `(n_samples, *data_shape_)`.

        Returns:
            Float64 array `(n_samples,)`.
        """
        check_is_fitted(self, "normalization_")
        return self._decision(self._check_data(X))

    def _decision(self, x, bank_rows=None):
        raw = self._scorer.compute(x, self.components_, bank_rows)
        total = np.zeros(len(x), "float64")
        for name in self.components_:
            stats = self.normalization_[name]
            total += (raw[name] - stats["mean"]) / stats["std"]
        return total

    def predict(self, X):
        """Labels: 1 where the score exceeds `threshold_`, else 0.

        Args:
            X: Array `(n_samples, *data_shape_)`.

        Returns:
            Int array `(n_samples,)`.
        """
        check_is_fitted(self, "threshold_")
        return (self.decision_function(X) > self.threshold_).astype(int)

    def predict_proba(self, X, method="linear"):
        """Probability of being normal and of being an anomaly.

        Both methods map a score against the training scores
        `decision_scores_` (PyOD's conventions):

        - `"linear"`: min-max scaling by the training scores' range,
          clipped to [0, 1].
        - `"unify"`: `erf((s - mean) / (std * sqrt(2)))` with the training
          scores' mean and standard deviation, clipped to [0, 1]
          (Kriegel et al., "Interpreting and Unifying Outlier Scores",
          2011).

        Args:
            X: Array `(n_samples, *data_shape_)`.
            method: `"linear"` (default) or `"unify"`.

        Returns:
            Float64 array `(n_samples, 2)`: columns P(normal), P(anomaly),
            each row summing to 1.
        """
        if method not in PROBABILITY_METHODS:
            raise ValueError(
                f"`method` must be one of {list(PROBABILITY_METHODS)}. "
                f"Received: method={method!r}"
            )
        check_is_fitted(self, "decision_scores_")
        scores = self.decision_function(X)
        train = self.decision_scores_
        if method == "linear":
            low, high = float(np.min(train)), float(np.max(train))
            span = high - low if high > low else 1.0
            p = (scores - low) / span
        else:
            z = (scores - np.mean(train)) / (_spread(train) * math.sqrt(2.0))
            p = np.array([math.erf(v) for v in z], "float64")
        p = np.clip(p, 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=1)

    # --------------------------------------------------------------- saving
    def save(self, path):
        """Saves the fitted detector to the directory `path`.

        The directory holds the model (`model.keras`, as
        `model_.save`), the izi_f encoder where one was trained
        (`encoder.keras`), the reference features of the `"neighbors"`
        score (`neighbors.npy`), and `detector.json`: the constructor arguments
        (`model_kwargs` only if JSON can hold it), the score, the
        normalisation statistics, the training scores and the threshold,
        floats written exactly. Existing files of the same names are
        replaced, each atomically.

        Args:
            path: Directory path (created if missing).

        Example:

        ```python
        detector.save("runs/detector")
        same = AnomalyDetector.load("runs/detector")
        ```
        """
        check_is_fitted(self, "threshold_")
        path = os.fspath(path)
        os.makedirs(path, exist_ok=True)
        params = {name: getattr(self, name) for name in _SAVED_PARAMS}
        params["model_kwargs"] = _json_or_none(params["model_kwargs"])
        scorer = self._scorer
        bank = scorer.neighbor_features
        if bank is not None:
            version = 3
        else:
            version = 1 if self.encoder_ is None else 2
        state = {
            "format": FORMAT,
            "format_version": version,
            "model_class": type(self.model_).__name__,
            "params": params,
            "scorer": {
                "kappa": scorer.kappa,
                "batch_size": scorer.batch_size,
                "search_steps": scorer.search.steps,
                "search_learning_rate": scorer.search.learning_rate,
                "ema": scorer.ema,
                "n_neighbors": scorer.n_neighbors,
            },
            "encoder_file": None if self.encoder_ is None else ENCODER_FILE,
            "neighbors_file": None if bank is None else NEIGHBORS_FILE,
            "score_name": self.score_name_,
            "components": list(self.components_),
            "normalization": self.normalization_,
            "data_shape": list(self.data_shape_),
            "decision_scores": [float(v) for v in self.decision_scores_],
            "threshold": self.threshold_,
        }
        self.model_.save(os.path.join(path, MODEL_FILE))
        if self.encoder_ is not None:
            self.encoder_.save(os.path.join(path, ENCODER_FILE))
        if bank is not None:
            with atomic_path(os.path.join(path, NEIGHBORS_FILE)) as tmp:
                with open(tmp, "wb") as f:
                    np.save(f, bank, allow_pickle=False)
        with atomic_path(os.path.join(path, STATE_FILE)) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=1)

    @classmethod
    def load(cls, path, safe_mode=True):
        """Loads a detector written by `save`.

        The model comes back through `keras_aegan.load_model`, on any
        backend; the detector wraps it (its `model` argument is the
        loaded instance), with the saved statistics and threshold.

        Args:
            path: Directory written by `save`.
            safe_mode: As in `keras_aegan.load_model`.

        Returns:
            A fitted `AnomalyDetector`.

        Example:

        ```python
        detector = AnomalyDetector.load("runs/detector")
        labels = detector.predict(x)
        ```
        """
        path = os.fspath(path)
        state_path = os.path.join(path, STATE_FILE)
        if not os.path.isfile(state_path):
            raise FileNotFoundError(
                f"No saved AnomalyDetector in {path}: {STATE_FILE} is missing."
            )
        with open(state_path, encoding="utf-8") as f:
            state = json.load(f)
        if state.get("format") != FORMAT:
            raise ValueError(
                f"{state_path} is not a saved AnomalyDetector. Received: "
                f"format={state.get('format')!r}"
            )
        if state.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(
                f"{state_path} was written by a newer keras_aegan "
                f"(format_version={state['format_version']}; this one "
                f"reads up to {FORMAT_VERSION})."
            )
        model = load_model(os.path.join(path, MODEL_FILE), safe_mode=safe_mode)
        encoder = None
        if state.get("encoder_file"):
            encoder = keras.saving.load_model(
                os.path.join(path, state["encoder_file"]),
                safe_mode=safe_mode,
            )
        detector = cls(model=model, **state["params"])
        detector.model_ = model
        detector.encoder_ = encoder
        detector._scorer = detector._make_scorer(
            model, encoder, state["scorer"]
        )
        if state.get("neighbors_file"):
            detector._scorer.neighbor_features = np.load(
                os.path.join(path, state["neighbors_file"]),
                allow_pickle=False,
            )
        detector.score_name_ = state["score_name"]
        detector.components_ = tuple(state["components"])
        detector.normalization_ = {
            name: {"mean": float(s["mean"]), "std": float(s["std"])}
            for name, s in state["normalization"].items()
        }
        detector.data_shape_ = tuple(state["data_shape"])
        if len(detector.data_shape_) == 1:
            detector.n_features_in_ = detector.data_shape_[0]
        detector.decision_scores_ = np.asarray(
            state["decision_scores"], "float64"
        )
        detector.threshold_ = float(state["threshold"])
        detector.labels_ = (
            detector.decision_scores_ > detector.threshold_
        ).astype(int)
        return detector
