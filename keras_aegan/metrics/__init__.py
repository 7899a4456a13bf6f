"""Sample-quality metrics as pure NumPy functions.

Every function returns a `MetricResult`: a frozen record of the metric's
`name`, its `value` (a float, or a dict of named numbers for
multi-valued metrics) and the `protocol` it was measured under (sample
counts and settings filled in by the function, merged with the
`protocol=` dict the caller passes, such as the feature extractor, the
reference split, the sampling seed or `"ema"`/`"raw"` generator
weights). `float(result)` reads a single value, `result["recall"]` one of
several, and `result.to_dict()` gives plain types for JSON.

The distribution metrics (`frechet_distance`, `kernel_inception_distance`,
`precision_recall`, `density_coverage`) take feature arrays of shape
`(num_samples, feature_dim)` from any extractor; `mode_coverage` takes
2-D toy samples and the mixture centres. `digit_class_scores` (share of
recognisable samples, class histogram and its KL from uniform) and
`stacked_mode_coverage` (the 1,000 modes of
`keras_aegan.datasets.make_stacked_digits`) take digits images and
classify them with the shipped digits CNN.

`DigitsFeatureExtractor` is such an extractor for the built-in digits
(`keras_aegan.datasets.load_digits()`): a small CNN trained on their
training split, whose weights ship with the package, so "digits-FID"
and "digits-KID" need no download. Pass `protocol=extractor.protocol`
to record it; `digits_features.digits_reference_floor()` gives the
train-versus-test floor of both.

`evaluate_model(model, "digits" | "ring" | "grid" | None, ...)` runs the
metrics that fit a data set on a trained model (raw or EMA weights) and
`metric_scalars` flattens its results to named numbers; the
`keras_aegan.callbacks.SampleMetrics` callback and `keras-aegan
evaluate` are built on them.
"""

from keras_aegan.metrics.digit_classes import digit_class_scores
from keras_aegan.metrics.digit_classes import kl_from_uniform
from keras_aegan.metrics.digit_classes import stacked_mode_coverage
from keras_aegan.metrics.digits_features import DigitsFeatureExtractor
from keras_aegan.metrics.evaluation import evaluate_model
from keras_aegan.metrics.evaluation import metric_scalars
from keras_aegan.metrics.frechet import frechet_distance
from keras_aegan.metrics.frechet import sqrtm_psd
from keras_aegan.metrics.kernel import kernel_inception_distance
from keras_aegan.metrics.manifold import density_coverage
from keras_aegan.metrics.manifold import precision_recall
from keras_aegan.metrics.modes import mode_coverage
from keras_aegan.metrics.reconstruction import latent_cycle_error
from keras_aegan.metrics.reconstruction import reconstruction_error
from keras_aegan.metrics.result import MetricResult

__all__ = [
    "DigitsFeatureExtractor",
    "MetricResult",
    "density_coverage",
    "digit_class_scores",
    "evaluate_model",
    "frechet_distance",
    "kernel_inception_distance",
    "kl_from_uniform",
    "latent_cycle_error",
    "metric_scalars",
    "mode_coverage",
    "precision_recall",
    "reconstruction_error",
    "sqrtm_psd",
    "stacked_mode_coverage",
]
