"""Class scores of generated digits from the shipped digits CNN.

`digit_class_scores` reads the digits CNN's class probabilities for
16x16x1 samples (is each one recognisable, and are the classes
balanced?); `stacked_mode_coverage` classifies the three channels of
stacked digits (`keras_aegan.datasets.make_stacked_digits`) and counts
the 1,000 class triples, the Stacked-MNIST protocol of VEEGAN and PacGAN.
"""

import math

import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.digits_features import IMAGE_SHAPE
from keras_aegan.metrics.digits_features import NUM_CLASSES
from keras_aegan.metrics.digits_features import backend_to_numpy
from keras_aegan.metrics.result import make_result

# A sample is "recognisable" when the CNN gives its label at least this
# probability (DESIGN.md section 5).
RECOGNISABLE_THRESHOLD = 0.9
# Generated samples scored in the stacked-digits benchmark (VEEGAN and
# PacGAN score 26,000 samples on Stacked-MNIST).
STACKED_SAMPLES = 26_000
STACKED_CHANNELS = 3
STACKED_MODES = NUM_CLASSES**STACKED_CHANNELS


def kl_from_uniform(counts):
    """KL divergence, in nats, from a histogram to the uniform one.

    `KL(p || u) = log(K) + sum_k p_k log p_k` for the `K` bins of
    `counts` normalised to `p`, with `0 log 0 = 0`: 0 for a flat
    histogram, `log(K)` when everything is in one bin. Round-off below
    0 is clipped to 0.

    Args:
        counts: 1-D array of `K >= 1` non-negative counts (or weights).

    Returns:
        A float; NaN when the counts sum to 0 (the histogram is undefined).

    Example:

    >>> round(kl_from_uniform([5, 0, 0, 0]), 4)  # log(4)
    1.3863
    >>> kl_from_uniform([3, 3, 3])
    0.0
    """
    counts = _checks.as_float_array("counts", counts)
    if counts.ndim != 1 or counts.size < 1 or np.any(counts < 0):
        raise ValueError(
            "`counts` must be a non-empty 1-D array of non-negative "
            f"numbers. Received: counts with shape {counts.shape}"
        )
    total = float(counts.sum())
    if total == 0.0:
        return float("nan")
    p = counts[counts > 0] / total
    kl = float(math.log(counts.size) + np.sum(p * np.log(p)))
    return max(kl, 0.0)


def digit_class_scores(
    images,
    extractor=None,
    threshold=RECOGNISABLE_THRESHOLD,
    batch_size=None,
    protocol=None,
):
    """Recognisable share and class balance of digits samples.

    The shipped digits CNN (`DigitsFeatureExtractor`, 98.3 % accurate on
    the test split of `load_digits()`) labels each sample with the argmax
    of its class probabilities (`predict_proba`):

    - a sample is recognisable when its label has probability
      `>= threshold` (0.9, DESIGN.md section 5); `recognisable` is their
      share of all samples;
    - `class_0` ... `class_9` are the shares of all samples that are
      recognisable and labelled 0 ... 9 (they sum to `recognisable`);
    - `classes` counts the classes with at least one recognisable sample,
      and `kl` is `KL(p || uniform over 10 classes)` in nats for the
      histogram `p` of the recognisable samples' labels (like
      `mode_coverage`, which counts high-quality samples only): 0 when
      balanced, `log(10) = 2.303` when all are one digit, NaN when no
      sample is recognisable;
    - `kl_all` is the same divergence for the labels of all samples,
      recognisable or not (the Stacked-MNIST convention; a generator of
      noise gets whatever labels the CNN gives noise).

    The real test digits score the ceiling: `recognisable` 0.950,
    `classes` 10, `kl` 0.0014 (the CNN is least sure of 3s, 8s and 9s).

    Args:
        images: Samples of shape `(n, 16, 16, 1)`, `n >= 1`, floating
            point in `[0, 1]` (NumPy or backend tensor), for example
            `model.generate(1000)` of a model trained on `load_digits()`.
        extractor: Optional `DigitsFeatureExtractor` (or any object with
            `predict_proba(images, batch_size=None)` returning `(n, 10)`
            probabilities and an optional `protocol` dict). Defaults to a
            new `DigitsFeatureExtractor()`; pass one to reuse it.
        threshold: Probability a label needs for a recognisable sample,
            a number in `(0, 1]`.
        batch_size: Optional batch size of the CNN calls.
        protocol: Optional dict merged into the result's protocol, for
            example `{"generator": "ema", "seed": 0}`.

    Returns:
        A `MetricResult` named `"digit_classes"` whose `value` is
        `{"recognisable": float, "classes": int, "kl": float,
        "kl_all": float, "class_0": float, ..., "class_9": float}` and
        whose protocol holds `num_samples`, `num_classes`, `threshold`,
        `histogram` and the extractor's protocol (its name and weights
        hash).

    Example:

    >>> from keras_aegan.datasets import load_digits
    >>> _, (x_test, y_test) = load_digits()
    >>> real = digit_class_scores(x_test)
    >>> real["classes"], round(real["recognisable"], 2)
    (10, 0.95)
    >>> threes = digit_class_scores(x_test[y_test == 3])
    >>> threes["classes"], round(threes["kl"], 3)  # log(10)
    (1, 2.303)
    """
    extractor = _extractor(extractor)
    threshold = _check_threshold(threshold)
    proba = _probabilities(extractor, images, batch_size, NUM_CLASSES)
    labels = np.argmax(proba, axis=1)
    recognisable = proba.max(axis=1) >= threshold
    counts = np.bincount(labels[recognisable], minlength=NUM_CLASSES)
    num_samples = proba.shape[0]
    value = {
        "recognisable": int(np.count_nonzero(recognisable)) / num_samples,
        "classes": int(np.count_nonzero(counts)),
        "kl": kl_from_uniform(counts),
        "kl_all": kl_from_uniform(np.bincount(labels, minlength=NUM_CLASSES)),
    }
    for k in range(NUM_CLASSES):
        value[f"class_{k}"] = int(counts[k]) / num_samples
    measured = {
        "num_samples": num_samples,
        "num_classes": NUM_CLASSES,
        "threshold": threshold,
        "histogram": "labels of recognisable samples",
    }
    measured.update(_extractor_protocol(extractor))
    return make_result("digit_classes", value, measured, protocol)


def stacked_mode_coverage(
    images,
    extractor=None,
    threshold=RECOGNISABLE_THRESHOLD,
    batch_size=None,
    protocol=None,
):
    """Modes covered and mode balance of stacked-digits samples.

    The Stacked-MNIST protocol of VEEGAN and PacGAN on the built-in
    digits (`keras_aegan.datasets.make_stacked_digits`): each of the
    three channels of a sample is classified by the shipped digits CNN
    (argmax of `predict_proba`), and the triple of labels `(a, b, c)` is
    the sample's mode `100 * a + 10 * b + c`, one of 1,000.

    - `modes` counts the triples seen at least once;
    - `kl` is `KL(p || uniform over 1000)` in nats for the histogram `p`
      of all samples' modes: 0 when balanced, `log(1000) = 6.908` when
      every sample has the same triple. Published numbers are for 26,000
      samples (`STACKED_SAMPLES`); a perfect sampler of that many scores
      about `999 / (2 * 26000) = 0.019` from sampling noise alone;
    - `recognisable` is the share of samples whose three labels all have
      probability `>= threshold`, and `recognisable_0`, `_1`, `_2` the
      share per channel (not part of the published protocol, which
      counts every sample's triple).

    Args:
        images: Samples of shape `(n, 16, 16, 3)`, `n >= 1`, floating
            point in `[0, 1]` (NumPy or backend tensor). Use 26,000 to
            compare with published numbers.
        extractor: Optional `DigitsFeatureExtractor` (or any object with
            `predict_proba` as for `digit_class_scores`). Defaults to a new
            `DigitsFeatureExtractor()`.
        threshold: Probability a label needs to count as recognisable, a
            number in `(0, 1]`.
        batch_size: Optional batch size of the CNN calls.
        protocol: Optional dict merged into the result's protocol.

    Returns:
        A `MetricResult` named `"stacked_mode_coverage"` whose `value` is
        `{"modes": int, "kl": float, "recognisable": float,
        "recognisable_0": float, "recognisable_1": float,
        "recognisable_2": float}` and whose protocol holds `num_samples`,
        `num_modes`, `threshold` and the extractor's protocol.

    Example:

    >>> from keras_aegan.datasets import make_stacked_digits
    >>> images, _ = make_stacked_digits(26000, seed=0, split="test")
    >>> result = stacked_mode_coverage(images)
    >>> result["modes"], result["kl"] < 0.05
    (1000, True)

    Reference:
        - [Srivastava et al., 2017](https://arxiv.org/abs/1705.07761)
          (VEEGAN), Stacked-MNIST experiment.
        - [Lin et al., 2018](https://arxiv.org/abs/1712.04086)
          (PacGAN), Tables 2 and 3.
    """
    extractor = _extractor(extractor)
    threshold = _check_threshold(threshold)
    channels = _stacked_channels(images)
    num_samples = channels.shape[0] // STACKED_CHANNELS
    proba = _probabilities(extractor, channels, batch_size, NUM_CLASSES)
    labels = np.argmax(proba, axis=1).reshape(num_samples, STACKED_CHANNELS)
    sure = (proba.max(axis=1) >= threshold).reshape(
        num_samples, STACKED_CHANNELS
    )
    place = NUM_CLASSES ** np.arange(STACKED_CHANNELS - 1, -1, -1)
    modes = labels @ place
    counts = np.bincount(modes, minlength=STACKED_MODES)
    value = {
        "modes": int(np.count_nonzero(counts)),
        "kl": kl_from_uniform(counts),
        "recognisable": float(np.mean(np.all(sure, axis=1))),
    }
    for c in range(STACKED_CHANNELS):
        value[f"recognisable_{c}"] = float(np.mean(sure[:, c]))
    measured = {
        "num_samples": num_samples,
        "num_modes": STACKED_MODES,
        "threshold": threshold,
    }
    measured.update(_extractor_protocol(extractor))
    return make_result("stacked_mode_coverage", value, measured, protocol)


# ------------------------------------------------------------- helpers
def _extractor(extractor):
    if extractor is None:
        from keras_aegan.metrics.digits_features import DigitsFeatureExtractor

        return DigitsFeatureExtractor()
    if not callable(getattr(extractor, "predict_proba", None)):
        raise ValueError(
            "`extractor` must be a DigitsFeatureExtractor or another "
            "object with a `predict_proba(images, batch_size=None)` "
            "method. Received: extractor of type "
            f"{type(extractor).__name__}"
        )
    return extractor


def _extractor_protocol(extractor):
    extra = getattr(extractor, "protocol", None)
    extra = dict(extra) if isinstance(extra, dict) else {}
    if "extractor" not in extra:
        name = getattr(extractor, "name", None)
        extra["extractor"] = (
            name if isinstance(name, str) else type(extractor).__name__
        )
    return extra


def _check_threshold(threshold):
    threshold = _checks.check_positive("threshold", threshold)
    if threshold > 1.0:
        raise ValueError(
            "`threshold` must be a probability in (0, 1]. "
            f"Received: threshold={threshold!r}"
        )
    return threshold


def _probabilities(extractor, images, batch_size, num_classes):
    proba = np.asarray(
        extractor.predict_proba(images, batch_size=batch_size),
        dtype="float64",
    )
    if proba.ndim != 2 or proba.shape[1] != num_classes:
        raise ValueError(
            f"`extractor.predict_proba` must return (n, {num_classes}) "
            f"probabilities. Received: shape {proba.shape}"
        )
    return proba


def _stacked_channels(images):
    """Stacked images `(n, 16, 16, 3)` as `(3 n, 16, 16, 1)` digits, each
    sample's three channels in a row."""
    images = backend_to_numpy(images)
    try:
        array = np.asarray(images)
    except Exception as e:
        raise ValueError(
            "`images` must be convertible to a NumPy array. "
            f"Received: images of type {type(images).__name__}"
        ) from e
    shape = IMAGE_SHAPE[:2] + (STACKED_CHANNELS,)
    if array.ndim != 4 or array.shape[1:] != shape or array.shape[0] < 1:
        raise ValueError(
            "`images` must have shape (num_images, 16, 16, 3) with at "
            "least one image, like `keras_aegan.datasets."
            f"make_stacked_digits()`. Received: images.shape={array.shape}"
        )
    channels = np.moveaxis(array, -1, 1)
    return channels.reshape((-1,) + IMAGE_SHAPE)
