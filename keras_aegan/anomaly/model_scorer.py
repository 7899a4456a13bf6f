"""Raw anomaly score components from a model's networks, one pass each."""

import keras
import numpy as np

from keras_aegan.anomaly.latent_search import LatentSearch
from keras_aegan.models.bigan import BiGAN
from keras_aegan.utils.inference import predict_batches
from keras_aegan.utils.validation import check_positive_int

#: The scores, in the order they are listed to users.
SCORES = (
    "reconstruction",
    "feature",
    "latent",
    "discriminator",
    "neighbors",
    "combined",
    "iterative",
)
#: The components `"combined"` sums (each z-scored), where available.
COMBINED_COMPONENTS = (
    "reconstruction",
    "feature_residual",
    "latent",
    "discriminator",
)
#: The roles of the networks the scores read (see `model_parts`).
PART_ROLES = ("encoder", "generator", "latent_encoder", "discriminator")
#: The score a model uses when it declares no `anomaly_score`.
DEFAULT_SCORE = "reconstruction"
# Model attributes that may hold a discriminator scoring `x` (or the
# pair `(x, z)` of a joint discriminator), in order of preference after
# the model's own `refine_network`, for models that declare no
# `anomaly_parts`.
_DISCRIMINATOR_NAMES = ("image_discriminator", "discriminator")


def _has_network(model, name):
    """Whether `model` (class or instance) defines the network `name`."""
    cls = model if isinstance(model, type) else type(model)
    if name in cls.network_names:
        return True
    # A network assembled from others and exposed as a property
    # (VAEGAN's `discriminator`).
    return isinstance(getattr(cls, name, None), property)


def _discriminator_name(model):
    refine = getattr(model, "refine_network", None)
    for name in ((refine,) if refine else ()) + _DISCRIMINATOR_NAMES:
        if _has_network(model, name):
            return name
    return None


def _class_of(model):
    return model if isinstance(model, type) else type(model)


def model_parts(model):
    """Which network of a model plays each role of the anomaly scores.

    A model class may declare its parts in the class attribute
    `anomaly_parts`, a dict from roles (`PART_ROLES`) to network
    attribute names (GANomaly: `{"encoder": "encoder", "generator":
    "generator", "latent_encoder": "reencoder", "discriminator":
    "discriminator"}`); a role it leaves out has no network. Without
    the attribute the parts are read from the usual names: `encoder`,
    `generator`, the `refine_network` or else `image_discriminator` or
    `discriminator`. `latent_encoder` (the encoder of reconstructions in
    the `"latent"` score) defaults to the encoder.

    Args:
        model: A keras_aegan model class or instance.

    Returns:
        Dict role -> network attribute name or None, for every role.

    Example:

    ```python
    model_parts(keras_aegan.models.GANomaly)["latent_encoder"]
    # 'reencoder'
    ```
    """
    cls = _class_of(model)
    declared = getattr(cls, "anomaly_parts", None)
    if declared is None:
        encoder = "encoder" if _has_network(cls, "encoder") else None
        generator = "generator" if _has_network(cls, "generator") else None
        return {
            "encoder": encoder,
            "generator": generator,
            "latent_encoder": encoder,
            "discriminator": _discriminator_name(cls),
        }
    if not isinstance(declared, dict) or set(declared) - set(PART_ROLES):
        raise ValueError(
            f"{cls.__name__}.anomaly_parts must be a dict whose keys are "
            f"among {list(PART_ROLES)}. Received: {declared!r}"
        )
    parts = {role: declared.get(role) for role in PART_ROLES}
    for role, name in parts.items():
        if name is not None and not _has_network(cls, name):
            raise ValueError(
                f"{cls.__name__}.anomaly_parts names the network {name!r} "
                f"as its {role}, but {cls.__name__} has no such network. "
                f"Its networks: {list(cls.network_names)}"
            )
    if parts["latent_encoder"] is None:
        parts["latent_encoder"] = parts["encoder"]
    return parts


def can_train_encoder(model):
    """Whether an encoder can be trained for `model` after the fact.

    True for a model with a generator and a discriminator but no
    encoder (DCGAN): f-AnoGAN's `izi_f` training (`train_encoder`) gives
    it one, and with it the scores that need an encoder.

    Args:
        model: A keras_aegan model class or instance.
    """
    parts = model_parts(model)
    return (
        parts["encoder"] is None
        and parts["generator"] is not None
        and parts["discriminator"] is not None
    )


def default_score(model):
    """The score a model declares as its own (`anomaly_score`).

    Args:
        model: A keras_aegan model class or instance.

    Returns:
        The class attribute `anomaly_score` where the model declares one
        (ALAD: `"feature"`); else `"feature"` (f-AnoGAN's `izi_f`)
        for a model without an encoder whose encoder can be trained
        (`can_train_encoder`: DCGAN); else `"reconstruction"`.
    """
    declared = getattr(_class_of(model), "anomaly_score", None)
    if declared:
        return declared
    return "feature" if can_train_encoder(model) else DEFAULT_SCORE


def kth_neighbor_distance(bank, queries, k, bank_rows=None, chunk=1024):
    """Euclidean distance from each query to its `k`-th nearest bank row.

    Brute force in float64, `chunk` queries at a time. A query that is
    itself a row of the bank (`bank_rows[i] >= 0`, its index there) is
    not its own neighbour: that row is left out of its search, so the
    training data's own scores are leave-one-out scores, on the same
    scale as those of unseen data.

    Args:
        bank: Array `(m, d)` of reference features.
        queries: Array `(n, d)`.
        k: Which neighbour (1 = the nearest).
        bank_rows: `None`, or int array `(n,)`: the bank index of each
            query, -1 for a query outside the bank.
        chunk: Queries per distance block (memory `chunk * m` floats).

    Returns:
        Float64 array `(n,)`.

    Example:

    ```python
    bank = np.array([[0.0], [1.0], [3.0]])
    kth_neighbor_distance(bank, np.array([[0.0]]), k=2)  # [1.0]
    kth_neighbor_distance(bank, np.array([[0.0]]), 2, np.array([0]))
    # [3.0]: the query is bank row 0, so its neighbours are 1.0 and 3.0
    ```
    """
    bank = np.asarray(bank, "float64").reshape(len(bank), -1)
    queries = np.asarray(queries, "float64").reshape(len(queries), -1)
    if bank_rows is not None:
        bank_rows = np.asarray(bank_rows, "int64").reshape(-1)
        if len(bank_rows) != len(queries):
            raise ValueError(
                "`bank_rows` needs one entry per query. Received: "
                f"{len(bank_rows)} entries for {len(queries)} queries"
            )
    available = len(bank) - (0 if bank_rows is None else 1)
    if not 1 <= k <= available:
        raise ValueError(
            f"The {k}-th nearest neighbour needs at least {k} reference "
            f"samples besides the query. Received: {len(bank)} reference "
            f"samples (n_neighbors={k})"
        )
    bank_sq = np.sum(np.square(bank), axis=1)
    out = np.empty(len(queries), "float64")
    for start in range(0, len(queries), chunk):
        q = queries[start : start + chunk]
        d2 = np.sum(np.square(q), axis=1)[:, None] + bank_sq[None, :]
        d2 -= 2.0 * (q @ bank.T)
        np.maximum(d2, 0.0, out=d2)
        if bank_rows is not None:
            rows = bank_rows[start : start + chunk]
            inside = np.nonzero(rows >= 0)[0]
            d2[inside, rows[inside]] = np.inf
        out[start : start + chunk] = np.sqrt(
            np.partition(d2, k - 1, axis=1)[:, k - 1]
        )
    return out


def _mean_square(a, b):
    diff = np.asarray(a, "float64") - np.asarray(b, "float64")
    return np.mean(np.square(diff.reshape(len(diff), -1)), axis=1)


class ModelScorer:
    """Computes the raw anomaly score components of a built model.

    Every one-pass component is computed from direct network calls in
    inference mode (`training=False`: BatchNorm uses its moving
    statistics and Dropout is off; nothing is updated), batch by batch,
    on data mapped to network units by
    the model's `data_scaler` (images in [-1, 1], vectors standardised
    with the training data's statistics):

    - `"reconstruction"`: `mean((x - G(E(x)))^2)` over the sample's
      values.
    - `"feature_residual"`: `mean((f(x) - f(G(E(x))))^2)` over the
      discriminator's features `f` (the input of its output layer; for a
      joint discriminator `f(x, E(x))` against `f(G(E(x)), E(x))`, the
      feature-matching score of EGBAD; for ALAD the cycle discriminator's
      `f(x, x)` against `f(x, G(E(x)))`, ALAD's score).
    - `"feature"` (f-AnoGAN's `izi_f` score): `reconstruction + kappa *
      feature_residual`.
    - `"latent"` (GANomaly): `mean((E(x) - E'(G(E(x))))^2)` over the
      code (the squared norm divided by `latent_dim`), where `E'` is
      the model's latent encoder: GANomaly's second encoder, else `E`.
    - `"discriminator"` (EGBAD): the negated logit of the image
      discriminator on `x`, or of a joint discriminator on `(x, E(x))`,
      so higher means less like the training data.
    - `"neighbors"` (nearest neighbours in the discriminator's feature
      space): the Euclidean distance from `f(x)` to its `n_neighbors`-th
      nearest feature vector of the reference data given to
      `fit_neighbors` (the training split), where `f` is the feature
      network of `"feature"` applied to `x` alone (`f(x, E(x))` for a
      joint discriminator, `f(x, x)` for ALAD's cycle discriminator).
      It needs no encoder for an image discriminator (DCGAN).
    - `"iterative"` (AnoGAN): the residual after a per-sample latent
      search (`LatentSearch`), the slow reference.

    A model's parts (`model_parts`: declared by the model class in
    `anomaly_parts`, else read from the usual network names) decide
    which scores it supports (`scores_for`): an encoder and a
    generator for `"reconstruction"` and `"latent"`, a
    discriminator for `"discriminator"`, both for `"feature"`, any
    one-pass score for `"combined"`, a generator for `"iterative"`.
    Variational encoders give their posterior means (the model's
    `codes_from_encoder_output`). The generator and the encoders are
    the model's `network_for(name, ema)`: by default their moving
    averages when the model keeps them, as in `encode` and
    `reconstruct`; the discriminators have no moving average.

    A model without an encoder (DCGAN) gets one from outside: `encoder`,
    a network trained afterwards against the frozen generator and
    discriminator (f-AnoGAN's `izi_f`, `train_encoder`), then plays the
    roles of the encoder and the latent encoder.

    Args:
        model: A built keras_aegan model (an `AdversarialTrainer`
            subclass instance whose networks exist, e.g. after `fit()`).
        kappa: Weight of the feature residual in `"feature"`.
        batch_size: Batch size of the network calls.
        search_steps: Adam steps of the `"iterative"` search.
        search_learning_rate: Adam step size of the `"iterative"` search.
        ema: `None` (default): the generator's and the encoder's moving
            averages where the model keeps them; True: the moving
            averages (an error without them); False: the trained
            networks.
        encoder: `None`, or an encoder network (data in network units
            to codes) for a model that has none (`can_train_encoder`).
        n_neighbors: Which neighbour's distance `"neighbors"` scores
            (1 = the nearest).

    Example:

    ```python
    scorer = ModelScorer(trained_aegan)
    scorer.scores_for(trained_aegan)  # ('reconstruction', 'feature', ...)
    parts = scorer.compute(x, ("reconstruction", "latent"))
    parts["latent"].shape  # (len(x),)
    ```
    """

    def __init__(
        self,
        model,
        kappa=1.0,
        batch_size=256,
        search_steps=100,
        search_learning_rate=0.05,
        ema=None,
        encoder=None,
        n_neighbors=5,
    ):
        if getattr(model, "data_shape", None) is None:
            raise ValueError(
                "ModelScorer needs a built model (trained, or built with "
                f"`build_for`). Received: an unbuilt {type(model).__name__}"
            )
        self.model = model
        self.kappa = float(kappa)
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.n_neighbors = check_positive_int("n_neighbors", n_neighbors)
        #: Features of the reference data (`fit_neighbors`), or None.
        self.neighbor_features = None
        self.ema = ema
        self.parts = model_parts(model)
        self.generator = model.network_for(self.parts["generator"], ema)
        self.trained_encoder = encoder
        if encoder is not None:
            if self.parts["encoder"] is not None:
                raise ValueError(
                    f"`encoder` is for models without one; this "
                    f"{type(model).__name__} has its own "
                    f"({self.parts['encoder']!r})."
                )
            self.parts["encoder"] = encoder.name
            self.parts["latent_encoder"] = encoder.name
            self.encoder = self.latent_encoder = encoder
        else:
            encoder = self.parts["encoder"]
            latent = self.parts["latent_encoder"]
            self.encoder = (
                None if encoder is None else model.network_for(encoder, ema)
            )
            self.latent_encoder = (
                None if latent is None else model.network_for(latent, ema)
            )
        self.search = LatentSearch(
            self.generator,
            model.latent_dim,
            steps=search_steps,
            learning_rate=search_learning_rate,
            batch_size=self.batch_size,
        )
        self._feature_network = None

    # ------------------------------------------------------------- support
    @staticmethod
    def scores_for(model, with_encoder=False):
        """The scores a model class or instance supports, in `SCORES` order.

        Args:
            model: A keras_aegan model class or instance.
            with_encoder: Count an encoder trained for the model
                (`can_train_encoder`) as one of its parts.

        Returns:
            Tuple of score names.
        """
        parts = model_parts(model)
        if with_encoder and can_train_encoder(model):
            parts["encoder"] = parts["latent_encoder"] = "izif_encoder"
        autoencoder = bool(parts["encoder"] and parts["generator"])
        discriminator = parts["discriminator"] is not None
        found = []
        if autoencoder:
            found.append("reconstruction")
            if discriminator:
                found.append("feature")
            found.append("latent")
        if discriminator:
            found.append("discriminator")
            found.append("neighbors")
        if found:
            found.append("combined")
        if parts["generator"] is not None:
            found.append("iterative")
        return tuple(found)

    @classmethod
    def check_score(cls, model, score, with_encoder=False):
        """Raises a `ValueError` unless `model` supports `score`.

        Args:
            model: A keras_aegan model class or instance.
            score: A score name.
            with_encoder: As in `scores_for`.
        """
        if score not in SCORES:
            raise ValueError(
                f"Unknown anomaly score. Expected one of {list(SCORES)}. "
                f"Received: score={score!r}"
            )
        supported = cls.scores_for(model, with_encoder)
        if score in supported:
            return
        cls_ = model if isinstance(model, type) else type(model)
        name = cls_.__name__
        needs = {
            "reconstruction": "an encoder and a generator",
            "latent": "an encoder and a generator",
            "feature": "an encoder, a generator and a discriminator",
            "discriminator": "a data or joint discriminator",
            "neighbors": "a data or joint discriminator",
            "combined": "the parts of at least one one-pass score",
            "iterative": "a generator",
        }[score]
        raise ValueError(
            f"{name} does not support score={score!r}: it needs {needs}. "
            f"Scores {name} supports: {list(supported)}."
        )

    def components(self, score):
        """The raw components whose z-scores add up to `score`.

        Args:
            score: A score the model supports.

        Returns:
            Tuple of component names (`COMBINED_COMPONENTS` entries,
            `"feature"` or `"iterative"`).
        """
        self.check_score(self.model, score, self.trained_encoder is not None)
        if score in ("feature", "neighbors"):
            self.feature_network()  # a clear error before any scoring
        if score != "combined":
            return (score,)
        supported = self.scores_for(
            self.model, self.trained_encoder is not None
        )
        found = [c for c in ("reconstruction", "latent") if c in supported]
        if "discriminator" in supported:
            found.append("discriminator")
            if "reconstruction" in supported and self._features_available():
                found.append("feature_residual")
        return tuple(c for c in COMBINED_COMPONENTS if c in found)

    # -------------------------------------------------------------- networks
    @property
    def discriminator(self):
        """The discriminator the scores use, or None."""
        name = self.parts["discriminator"]
        return None if name is None else getattr(self.model, name)

    @property
    def joint(self):
        """Whether the discriminator scores pairs `(x, z)` (BiGAN/ALI)."""
        net = self.discriminator
        if net is None:
            return False
        if isinstance(self.model, BiGAN):
            return True
        return len(getattr(net, "inputs", None) or ()) == 2

    @property
    def pair_features(self):
        """Whether the features are those of a cycle discriminator on
        pairs `(x, x')` (ALAD's `D_xx`): `f(x, x)` against
        `f(x, G(E(x)))`."""
        return callable(getattr(self.model, "pair_feature_network", None))

    def _features_available(self):
        try:
            self.feature_network()
        except ValueError:
            return False
        return True

    def feature_network(self):
        """The discriminator's feature extractor `f` (built once).

        A model with its own feature network (`discriminator_features`:
        VAEGAN's, and GANomaly's feature-matching view) uses it;
        otherwise a `keras.Model` from the
        discriminator's input(s) to the input of its output layer. Needs
        a functional (or Sequential) discriminator.

        Returns:
            A Keras model.
        """
        if self._feature_network is not None:
            return self._feature_network
        model = self.model
        if self.pair_features:
            self._feature_network = model.pair_feature_network()
            return self._feature_network
        own = getattr(model, "discriminator_features", None)
        if own is not None:
            self._feature_network = own
            return own
        name = self.parts["discriminator"]
        net = None if name is None else getattr(model, name)
        cls = type(model).__name__
        if net is None:
            raise ValueError(
                f"score='feature' needs a discriminator; {cls} has none."
            )
        try:
            # `inputs`, not `input`: a Sequential model has only the list.
            inputs = net.inputs
            features = net.layers[-1].input
        except (AttributeError, IndexError, TypeError, ValueError) as e:
            raise ValueError(
                f"score='feature' reads the intermediate features of the "
                f"discriminator, which needs a functional or Sequential "
                f"keras.Model. Received: {cls}.{name} of type "
                f"{type(net).__name__} ({e})"
            ) from e
        if not isinstance(features, keras.KerasTensor):
            raise ValueError(
                f"score='feature' takes the input of the discriminator's "
                f"output layer as its features, which must be one tensor. "
                f"Received: {cls}.{name} whose output layer "
                f"{net.layers[-1].name!r} takes {features!r}"
            )
        if len(inputs) == 1:
            inputs = inputs[0]
        self._feature_network = keras.Model(
            inputs, features, name=f"{net.name}_features"
        )
        return self._feature_network

    # --------------------------------------------------------------- scoring
    def network_units(self, x):
        """Maps data in user units to the networks' units (float32)."""
        scaler = self.model.data_scaler
        offset = keras.ops.convert_to_numpy(scaler.offset)
        scale = keras.ops.convert_to_numpy(scaler.scale)
        x = np.asarray(x)
        return ((x.astype("float32") - offset) / scale).astype("float32")

    def _predict(self, network, inputs):
        """`network` in inference mode batch by batch, as NumPy."""
        # A functional model built on a list of one input wants a list.
        try:
            structure = network.input
        except (AttributeError, ValueError):
            structure = None
        if isinstance(structure, list) and not isinstance(inputs, list):
            inputs = [inputs]
        out = predict_batches(network, inputs, self.batch_size)
        return np.asarray(out).astype("float32")

    def reconstruct(self, x):
        """`G(E(x))` in the data's units, with the networks the scores use.

        Args:
            x: NumPy array `(n, *data_shape)` in the data's units.

        Returns:
            NumPy array of the same shape, in the data's dtype and range
            (as `model.reconstruct`).
        """
        x_rec = self._predict(
            self.generator, self._encode(self.network_units(x))
        )
        return self.model.data_scaler.to_user_numpy(x_rec)

    def _encode(self, x, encoder=None):
        codes = self._predict(self.encoder if encoder is None else encoder, x)
        convert = getattr(self.model, "codes_from_encoder_output", None)
        codes = codes if convert is None else convert(codes)
        return np.asarray(codes, "float32")

    def _features(self, x, view, z=None):
        """The discriminator's features of `view` (`x` or `G(E(x))`).

        `f(view)`; for a joint discriminator `f(view, E(x))` (EGBAD);
        for ALAD's cycle discriminator `f(x, view)`. `x` and `view` in
        network units; `z`: `E(x)` when already computed.
        """
        f = self.feature_network()
        if self.pair_features:
            inputs = [x, view]
        elif self.joint and f is not getattr(
            self.model, "discriminator_features", None
        ):
            inputs = [view, self._encode(x) if z is None else z]
        else:
            inputs = view
        return self._predict(f, inputs)

    def _features_alone(self, x):
        """`f` of `x` itself, the `"neighbors"` score's space, as rows."""
        return self._features(x, x).reshape(len(x), -1)

    def fit_neighbors(self, x):
        """Keeps the features of reference data for `"neighbors"`.

        Args:
            x: NumPy array `(n, *data_shape)` in the data's units: data
                assumed normal (the training split).

        Example:

        ```python
        scorer.fit_neighbors(x_train)
        scorer.compute(x_test, ("neighbors",))["neighbors"]
        ```
        """
        self.neighbor_features = self._features_alone(self.network_units(x))

    def compute(self, x, components, bank_rows=None):
        """Raw values of the given components for data in user units.

        Args:
            x: NumPy array `(n, *data_shape)` in the data's units.
            components: Names from `components(score)`.
            bank_rows: For `"neighbors"`: `None`, or int array `(n,)`
                giving, for each sample of `x` that is a row of the
                reference data of `fit_neighbors`, its index there (-1
                for the others), so that it is not its own neighbour.

        Returns:
            Dict of component name to float64 array `(n,)`.
        """
        x = self.network_units(x)
        wanted = set(components)
        out = {}
        if "neighbors" in wanted:
            if self.neighbor_features is None:
                raise ValueError(
                    "The 'neighbors' score measures distances to reference "
                    "features, and there are none: call "
                    "`fit_neighbors(x_train)` first."
                )
            out["neighbors"] = kth_neighbor_distance(
                self.neighbor_features,
                self._features_alone(x),
                self.n_neighbors,
                bank_rows,
            )
        needs_pass = wanted & {
            "reconstruction",
            "feature",
            "feature_residual",
            "latent",
        }
        if needs_pass or (wanted & {"discriminator"} and self.joint):
            z = self._encode(x)
        if needs_pass:
            x_rec = self._predict(self.generator, z)
            reconstruction = _mean_square(x, x_rec)
            if "reconstruction" in wanted:
                out["reconstruction"] = reconstruction
            if "latent" in wanted:
                z_rec = self._encode(x_rec, self.latent_encoder)
                out["latent"] = _mean_square(z, z_rec)
            if wanted & {"feature", "feature_residual"}:
                f_x = self._features(x, x, z)
                f_rec = self._features(x, x_rec, z)
                residual = _mean_square(f_x, f_rec)
                if "feature_residual" in wanted:
                    out["feature_residual"] = residual
                if "feature" in wanted:
                    out["feature"] = reconstruction + self.kappa * residual
        if "discriminator" in wanted:
            net = self.discriminator
            logits = self._predict(net, [x, z] if self.joint else x)
            out["discriminator"] = -logits.reshape(len(x)).astype("float64")
        if "iterative" in wanted:
            out["iterative"] = self.search.residuals(x)
        return out
