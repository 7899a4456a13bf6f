"""The checked settings of `evaluate_model`, reusable across epochs."""

import functools
import inspect
import numbers

import keras
import numpy as np

from keras_aegan.metrics.evaluation_checks import DATASETS
from keras_aegan.metrics.evaluation_checks import DEFAULT_METRICS
from keras_aegan.metrics.evaluation_checks import ENCODER_METRICS
from keras_aegan.metrics.evaluation_checks import FEATURE_METRICS
from keras_aegan.metrics.evaluation_checks import check_metric_names
from keras_aegan.metrics.evaluation_checks import check_model
from keras_aegan.metrics.evaluation_checks import has_encoder
from keras_aegan.metrics.frechet import frechet_distance
from keras_aegan.metrics.kernel import kernel_inception_distance
from keras_aegan.metrics.manifold import density_coverage
from keras_aegan.metrics.manifold import precision_recall
from keras_aegan.metrics.modes import mode_coverage
from keras_aegan.metrics.reconstruction import latent_cycle_error
from keras_aegan.metrics.reconstruction import reconstruction_error
from keras_aegan.sampling import check_latent
from keras_aegan.sampling import describe_latent
from keras_aegan.sampling import latent_sampler
from keras_aegan.utils.inference import predict_batches
from keras_aegan.utils.validation import check_positive_int

# Generated (and, for the mixtures, reference) samples of the toy data:
# the PacGAN/VEEGAN protocol.
TOY_SAMPLES = 2500
# The toy reference is a fresh draw of the mixture with a fixed seed, so
# it is the same for every evaluation seed and every model.
TOY_REFERENCE_SEED = 1_000_003
KID_SUBSETS = 10


class EvaluationPlan:
    """The checked settings of `evaluate_model`, reusable across epochs.

    `evaluate_model(model, ...)` is `EvaluationPlan(...).run(model)`.
    The arguments are checked when the plan is made; the reference data
    and their features are computed on the first `run` and reused by
    later runs (the `SampleMetrics` callback keeps one plan for a whole
    training run).

    Args:
        data: As for `keras_aegan.metrics.evaluation.evaluate_model`.
        reference: As for `evaluate_model`.
        metrics: As for `evaluate_model`.
        num_samples: As for `evaluate_model`.
        seed: As for `evaluate_model`.
        ema: As for `evaluate_model`.
        latent: As for `evaluate_model`.
        extractor: As for `evaluate_model`.
        batch_size: As for `evaluate_model`.

    Example:

    ```python
    plan = EvaluationPlan("ring", num_samples=1000)
    for epoch in range(10):
        model.fit(x, epochs=1)
        print(plan.run(model)["mode_coverage"]["modes"])
    ```
    """

    def __init__(
        self,
        data,
        reference=None,
        *,
        metrics=None,
        num_samples=None,
        seed=0,
        ema=None,
        latent=None,
        extractor=None,
        batch_size=256,
    ):
        if data is None:
            data = "custom"
        if data not in DATASETS:
            raise ValueError(
                f"`data` must be one of {DATASETS} or None. "
                f"Received: data={data!r}"
            )
        self.data = data
        if reference is not None:
            reference = np.asarray(reference)
            if reference.ndim < 2 or len(reference) < 2:
                raise ValueError(
                    "`reference` must be a batch of at least 2 samples, "
                    "shaped (n, *data_shape). "
                    f"Received: reference.shape={reference.shape}"
                )
        elif data == "custom":
            raise ValueError(
                "Custom data (data='custom' or None) needs `reference` "
                "samples to compare with. Received: reference=None"
            )
        self.reference = reference
        if metrics is not None:
            metrics = check_metric_names(metrics, data)
        self.metrics = metrics
        if num_samples is not None:
            num_samples = check_positive_int("num_samples", num_samples)
            if num_samples < 2:
                raise ValueError(
                    "`num_samples` must be at least 2. "
                    f"Received: num_samples={num_samples}"
                )
        self.num_samples = num_samples
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(
                f"`seed` must be an integer. Received: seed={seed!r}"
            )
        self.seed = int(seed)
        if ema is not None and not isinstance(ema, bool):
            raise ValueError(
                f"`ema` must be True, False or None. Received: ema={ema!r}"
            )
        self.ema = ema
        self.latent = check_latent(latent)
        if extractor is not None and not callable(extractor):
            raise ValueError(
                "`extractor` must be a keras.Model or a callable mapping "
                "samples to features. Received: extractor of type "
                f"{type(extractor).__name__}"
            )
        self.extractor = extractor
        self.batch_size = check_positive_int("batch_size", batch_size)
        self._reference_cache = None
        self._features_cache = None

    # ------------------------------------------------------------ public
    def metric_names(self, model):
        """The metrics `run(model)` measures, in order."""
        if self.metrics is not None:
            return list(self.metrics)
        names = DEFAULT_METRICS[self.data]
        shape = getattr(model, "data_shape", None) or ()
        if self.extractor is None and len(shape) == 2:
            # No standard features for sequences; raw distances mostly
            # measure phase shifts. Keep the encoder metrics only.
            names = [n for n in names if n not in FEATURE_METRICS]
        if not has_encoder(model):
            names = [n for n in names if n not in ENCODER_METRICS]
        return list(names)

    def run(self, model):
        """Evaluates `model`; see `evaluate_model`."""
        names = self.metric_names(model)
        # None: the generator `generate()` uses by default.
        ema = self.ema
        if ema is None:
            ema = bool(getattr(model, "has_ema", False))
        data_shape = check_model(model, names, ema)
        reference, description, split = self._reference(data_shape)
        n = self.num_samples or self._default_num_samples(reference)
        common = {
            "data": self.data,
            "reference": description,
            "reference_split": split,
            "num_reference": len(reference),
            "num_generated": n,
            "generator": "ema" if ema else "raw",
            "latent": describe_latent(self.latent),
            "seed": self.seed,
            "backend": keras.backend.backend(),
        }
        if ema:
            common["ema_decay"] = model.ema_decay
        kwargs = {"batch_size": self.batch_size}
        if ema or hasattr(model, "has_ema"):
            kwargs["ema"] = ema
        draw = latent_sampler(
            self.latent, model.latent_dim, type(model).__name__
        )
        z = draw(n, np.random.default_rng(self.seed))
        fake = np.asarray(model.decode(z, **kwargs))
        features = None
        results = {}
        for name in names:
            if name in FEATURE_METRICS:
                if features is None:
                    features = self._feature_pair(reference, fake, common)
                results[name] = self._feature_metric(name, *features)
            elif name == "mode_coverage":
                centers, std = _mixture(self.data)
                results[name] = mode_coverage(
                    fake, centers, std, protocol={**common, "extractor": "raw"}
                )
            elif name == "reconstruction_error":
                rec = model.reconstruct(reference, **kwargs)
                results[name] = reconstruction_error(
                    reference, rec, protocol={**common, "extractor": "raw"}
                )
            else:
                cycled = model.encode(fake, **kwargs)
                results[name] = latent_cycle_error(
                    z, cycled, protocol={**common, "extractor": None}
                )
        return results

    # ----------------------------------------------------------- helpers
    def _default_num_samples(self, reference):
        if self.data in ("ring", "grid"):
            return TOY_SAMPLES
        return len(reference)

    def _reference(self, data_shape):
        """(reference samples, description, split), checked against the
        model's data shape."""
        if self._reference_cache is None:
            self._reference_cache = self._make_reference()
        reference, description, split = self._reference_cache
        if tuple(reference.shape[1:]) != tuple(data_shape):
            source = "`reference`" if split == "custom" else repr(self.data)
            raise ValueError(
                f"The model generates samples of shape {tuple(data_shape)}, "
                f"but the {source} data have samples of shape "
                f"{tuple(reference.shape[1:])}. Evaluate the model on the "
                "data it was trained on."
            )
        return reference, description, split

    def _make_reference(self):
        from keras_aegan import datasets

        if self.reference is not None:
            return self.reference, "custom", "custom"
        if self.data == "digits":
            _, (x_test, _) = datasets.load_digits()
            return x_test, "load_digits() test split", "test"
        n = self.num_samples or TOY_SAMPLES
        make = datasets.make_ring if self.data == "ring" else datasets.make_grid
        description = f"make_{self.data}({n}, seed={TOY_REFERENCE_SEED})"
        return make(n, seed=TOY_REFERENCE_SEED), description, "fresh"

    def _extractor(self, data_shape):
        """(callable or None for raw coordinates, name, protocol)."""
        extractor = self.extractor
        if extractor is None and self.data == "digits":
            extractor = _digits_extractor()
        if extractor is None:
            if len(data_shape) != 1:
                raise ValueError(
                    "FID, KID, precision/recall and density/coverage of "
                    "image and sequence data need a feature `extractor` (a "
                    "keras.Model or a callable returning (n, feature_dim) "
                    "features). "
                    f"Received: extractor=None for data of shape "
                    f"{tuple(data_shape)}"
                )
            return None, "raw", {}
        name = getattr(extractor, "name", None)
        if not isinstance(name, str) or not name:
            name = getattr(extractor, "__name__", type(extractor).__name__)
        extra = getattr(extractor, "protocol", None)
        extra = dict(extra) if isinstance(extra, dict) else {}
        return extractor, name, extra

    def _features(self, extractor, x, what):
        if extractor is None:
            return x.reshape(len(x), -1).astype("float64")
        if isinstance(extractor, keras.Model):
            features = predict_batches(extractor, x, self.batch_size)
        else:
            chunks = [
                _to_numpy(extractor(x[start : start + self.batch_size]))
                for start in range(0, len(x), self.batch_size)
            ]
            features = np.concatenate(chunks, axis=0)
        features = np.asarray(_to_numpy(features), dtype="float64")
        if features.ndim != 2 or features.shape[0] != len(x):
            raise ValueError(
                "The feature `extractor` must return an array of shape "
                f"(n, feature_dim) for n samples. Received: shape "
                f"{features.shape} for {len(x)} {what} samples"
            )
        return features

    def _feature_pair(self, reference, fake, common):
        """(reference features, generated features, protocol)."""
        extractor, extractor_name, extra = self._extractor(fake.shape[1:])
        if self._features_cache is None:
            self._features_cache = self._features(
                extractor, reference, "reference"
            )
        fake_features = self._features(extractor, fake, "generated")
        protocol = {**extra, **common, "extractor": extractor_name}
        return self._features_cache, fake_features, protocol

    def _feature_metric(self, name, real_features, fake_features, protocol):
        if name == "fid":
            return frechet_distance(real_features, fake_features, protocol)
        if name == "kid":
            size = min(len(real_features), len(fake_features)) // 2
            return kernel_inception_distance(
                real_features,
                fake_features,
                subsets=KID_SUBSETS,
                subset_size=max(2, min(1000, size)),
                seed=self.seed,
                protocol=protocol,
            )
        if name == "precision_recall":
            return precision_recall(
                real_features, fake_features, k=3, protocol=protocol
            )
        return density_coverage(
            real_features, fake_features, k=5, protocol=protocol
        )


# --------------------------------------------------------------- helpers
def _default_argument(function, name):
    return inspect.signature(function).parameters[name].default


def _mixture(data):
    """(centres, std) of the built-in mixture `data`, as sampled by
    `make_ring`/`make_grid` with their default arguments."""
    from keras_aegan import datasets

    if data == "ring":
        return datasets.ring_centers(), _default_argument(
            datasets.make_ring, "std"
        )
    return datasets.grid_centers(), _default_argument(datasets.make_grid, "std")


@functools.lru_cache(maxsize=1)
def _digits_extractor():
    from keras_aegan.metrics.digits_features import DigitsFeatureExtractor

    return DigitsFeatureExtractor()


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    return keras.ops.convert_to_numpy(x)
