"""Measures a trained model with the metric functions, on a known protocol."""

import math
import numbers
import types

import numpy as np

from keras_aegan.metrics.evaluation_checks import DATASETS
from keras_aegan.metrics.evaluation_checks import DEFAULT_METRICS
from keras_aegan.metrics.evaluation_checks import METRICS
from keras_aegan.metrics.evaluation_plan import TOY_REFERENCE_SEED
from keras_aegan.metrics.evaluation_plan import EvaluationPlan
from keras_aegan.metrics.result import MetricResult

__all__ = [
    "DATASETS",
    "DEFAULT_METRICS",
    "METRICS",
    "SCALAR_NAMES",
    "TOY_REFERENCE_SEED",
    "EvaluationPlan",
    "evaluate_model",
    "json_ready",
    "metric_scalars",
    "scalar_names",
]

# How `metric_scalars` names the parts of multi-valued results.
SCALAR_NAMES = {
    "fid": "fid",
    "kid": {"mean": "kid_mean", "std": "kid_std"},
    "precision_recall": {"precision": "precision", "recall": "recall"},
    "density_coverage": {"density": "density", "coverage": "coverage"},
    "mode_coverage": {
        "modes": "modes",
        "high_quality": "high_quality",
        "kl": "mode_kl",
    },
    "reconstruction_error": {
        "l1": "reconstruction_l1",
        "mse": "reconstruction_mse",
    },
    "latent_cycle_error": "latent_cycle_error",
}


def evaluate_model(
    model,
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
    """Measures sample quality, reconstruction and cycle errors of a model.

    Generated samples are `model.decode(z)` for the latent codes
    `z = np.random.default_rng(seed).standard_normal((num_samples,
    latent_dim))` (the batch `model.generate(num_samples, seed=seed)`
    draws), or, with `latent`, the codes `model.generate(num_samples,
    seed=seed, latent=latent)` decodes; so a fixed `seed` gives the
    same numbers for the same weights. The metrics:

    - `"fid"`, `"kid"`, `"precision_recall"`, `"density_coverage"`:
      generated against reference samples, both mapped by the feature
      extractor (see `keras_aegan.metrics.frechet_distance` and the
      others). KID uses 10 subset pairs of
      `min(1000, min(n_reference, n_generated) // 2)` rows, seeded with
      `seed`; precision/recall use `k=3`, density/coverage `k=5`.
    - `"mode_coverage"` (ring and grid only): raw 2-D samples against
      the known mixture centres and standard deviation, threshold 3 std.
    - `"reconstruction_error"`: L1 and MSE of `model.reconstruct(x)` on
      the reference samples, in the data's units.
    - `"latent_cycle_error"`: mean `||z - E(G(z))||` over the codes `z`
      of the generated samples.

    Defaults per data set:

    - `"digits"`: the reference is the test split of `load_digits()`
      (359 images), features come from
      `keras_aegan.metrics.digits_features.DigitsFeatureExtractor`,
      `num_samples` is 359, and the metrics are FID, KID,
      precision/recall, density/coverage, reconstruction and cycle
      errors.
    - `"ring"`, `"grid"`: the reference is a fresh draw
      `make_ring(num_samples, seed=TOY_REFERENCE_SEED)` (or `make_grid`),
      features are the raw coordinates, `num_samples` is 2500 (the
      PacGAN protocol), and the metrics are mode coverage,
      precision/recall, reconstruction and cycle errors.
    - `"custom"` or `None`: the reference is `reference` (required),
      features come from `extractor` (raw coordinates for vector data),
      `num_samples` is `len(reference)`, and the metrics are those of
      `"digits"`; for sequence data `(n, T, C)` without an `extractor`
      only the reconstruction and cycle errors (no standard features
      exist for sequences, and raw distances mostly measure phase).

    With the defaults the generated and reference sets have the same
    size, as precision/recall and density/coverage assume. The
    reconstruction and cycle metrics are left out of the defaults for
    models without an encoder. Every result's protocol records `data`,
    `reference` (a description), `reference_split` (`"test"`, `"fresh"`
    for a new draw of a mixture, or `"custom"`), `num_reference`,
    `num_generated`, `generator` (`"ema"` or `"raw"`, plus `ema_decay`
    for `"ema"`), `latent` (`"prior"` or the mixture), `seed`,
    `backend` and `extractor` (its name, `"raw"` for measurements on
    the data themselves, `None` for the latent cycle), merged with the
    extractor's own `protocol` dict.

    Args:
        model: A built keras_aegan model (e.g. a trained `AEGAN`): it needs
            `decode`, `latent_dim` and `data_shape`; `encode` and
            `reconstruct` for the encoder metrics.
        data: `"digits"`, `"ring"`, `"grid"`, or `"custom"` / `None` for
            your own `reference` data.
        reference: Optional NumPy array of real samples shaped
            `(n, *model.data_shape)` that replaces the data set's default
            reference (required for custom data).
        metrics: Optional list of metric names (from `METRICS`); defaults
            per data set as above.
        num_samples: Number of generated samples, an integer >= 2;
            defaults as above. For ring and grid it also sets the size of
            the drawn reference.
        seed: Integer seed of the latent codes and of KID's subsets.
        ema: `None` (default): the weights `model.generate()` uses by
            default (the moving averages when the model keeps them).
            `True`: the model's moving averages of generator and encoder
            (the model needs `ema_decay`). `False`: its trained weights.
        latent: `None` (default): codes from the prior `N(0, I)`. A
            fitted `keras_aegan.LatentMixture` (or any object with
            `sample(n, seed)`): codes drawn from it. The protocol's
            `latent` entry says which (`"prior"`, `"mixture(40)"`).
        extractor: Feature extractor for the feature metrics: a
            `keras.Model` (called through `predict`) or any callable
            mapping a batch of samples to a `(n, feature_dim)` array. Its
            `name` attribute (else its class name) and `protocol` dict,
            if any, go into the protocol. Required for custom image data.
        batch_size: Batch size of the model and extractor calls.

    Returns:
        A dict mapping metric names to `MetricResult`s, in the order of
        `metrics`. `metric_scalars(results)` flattens it to numbers.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN()
    model.fit(x, epochs=20)
    results = keras_aegan.metrics.evaluate_model(model, "digits")
    print(float(results["fid"]), results["precision_recall"]["recall"])
    ```
    """
    plan = EvaluationPlan(
        data,
        reference,
        metrics=metrics,
        num_samples=num_samples,
        seed=seed,
        ema=ema,
        latent=latent,
        extractor=extractor,
        batch_size=batch_size,
    )
    return plan.run(model)


def metric_scalars(results):
    """Flattens evaluation results into named numbers.

    Single-valued results keep their name; the parts of multi-valued ones
    are named as in `SCALAR_NAMES` (`kid_mean`, `kid_std`, `precision`,
    `recall`, `density`, `coverage`, `modes`, `high_quality`, `mode_kl`,
    `reconstruction_l1`, `reconstruction_mse`), or `{name}_{part}` for a
    result not listed there.

    Args:
        results: A dict of `MetricResult`s (as `evaluate_model` returns)
            or an iterable of them.

    Returns:
        A dict mapping scalar names to Python numbers.

    Example:

    >>> from keras_aegan.metrics import MetricResult
    >>> metric_scalars([MetricResult("kid", {"mean": 0.5, "std": 0.1})])
    {'kid_mean': 0.5, 'kid_std': 0.1}
    """
    if isinstance(results, dict):
        results = results.values()
    scalars = {}
    for result in results:
        names = SCALAR_NAMES.get(result.name)
        if isinstance(result.value, numbers.Real):
            scalars[names if isinstance(names, str) else result.name] = (
                result.value
            )
            continue
        for part, value in result.value.items():
            if isinstance(names, dict) and part in names:
                scalars[names[part]] = value
            else:
                scalars[f"{result.name}_{part}"] = value
    return scalars


def scalar_names(metrics):
    """The names `metric_scalars` gives the results of `metrics`.

    Args:
        metrics: Iterable of metric names from `METRICS`.

    Returns:
        A list of scalar names, in order.
    """
    names = []
    for metric in metrics:
        parts = SCALAR_NAMES[metric]
        names.extend([parts] if isinstance(parts, str) else parts.values())
    return names


def json_ready(value):
    """Converts results, protocols or numbers to strict-JSON types.

    Mappings become dicts, tuples lists, NumPy scalars Python numbers,
    and non-finite floats (an undefined `mode_kl`, for example) `None`,
    so `json.dumps(..., allow_nan=False)` accepts the output.
    `MetricResult`s become their `to_dict()`.

    Args:
        value: A `MetricResult`, a (nested) dict/list of JSON-like
            values, or a number.

    Returns:
        The same data as plain, strict-JSON Python types.

    Example:

    >>> json_ready({"kl": float("nan"), "modes": (1, 2)})
    {'kl': None, 'modes': [1, 2]}
    """
    if isinstance(value, MetricResult):
        value = value.to_dict()
    if isinstance(value, (dict, types.MappingProxyType)):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
