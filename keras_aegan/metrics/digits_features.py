"""A small CNN trained on the built-in digits, as an offline feature extractor.

Its weights ship with the package (`assets/digits_cnn.npz`, written by
`scripts/train_digits_classifier.py`, whose recipe and results are in
`assets/digits_cnn.json`), so "digits-FID" needs no download.
"""

import hashlib
import importlib.resources
import io
import json

import keras
import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.result import MetricResult

NAME = "digits_cnn"
IMAGE_SHAPE = (16, 16, 1)
NUM_CLASSES = 10
FEATURE_DIM = 64
_WEIGHTS_FILE = "digits_cnn.npz"
_INFO_FILE = "digits_cnn.json"

# (name, kind, kernel size, strides, units). Every convolution pads one
# pixel on each side explicitly, then runs unpadded ("valid"): Keras's
# "same" padding with stride 2 pads asymmetrically, and spelling the
# padding out keeps the network the same on every backend by construction.
_LAYERS = (
    ("conv1", "conv", 3, 1, 16),
    ("conv2", "conv", 3, 2, 32),
    ("conv3", "conv", 3, 2, 64),
    ("features", "dense", None, None, FEATURE_DIM),
    ("logits", "dense", None, None, NUM_CLASSES),
)


def weight_shapes():
    """Names and shapes of the network's arrays, in a fixed order.

    Returns:
        A dict mapping `"<layer>/kernel"` and `"<layer>/bias"` to shapes,
        for example `"conv1/kernel": (3, 3, 1, 16)`.
    """
    shapes = {}
    channels = IMAGE_SHAPE[-1]
    size = IMAGE_SHAPE[0]
    fan_in = None
    for name, kind, kernel, strides, units in _LAYERS:
        if kind == "conv":
            shapes[f"{name}/kernel"] = (kernel, kernel, channels, units)
            channels = units
            size = (size + 2 - kernel) // strides + 1
            fan_in = size * size * channels
        else:
            shapes[f"{name}/kernel"] = (fan_in, units)
            fan_in = units
        shapes[f"{name}/bias"] = (units,)
    return shapes


def build_network():
    """Builds the (untrained) digits CNN as a Keras functional model.

    The model maps float32 images `(batch, 16, 16, 1)` in `[0, 1]` to two
    outputs: the 64 features (the pre-activation of the `"features"`
    dense layer) and the 10 class logits (`"logits"`, a dense layer on the
    ReLU of the features). Every layer computes in float32 whatever the
    global dtype policy is, so features do not depend on it.

    Returns:
        A `keras.Model` named `"digits_cnn"` with outputs
        `[features, logits]`.

    Example:

    >>> network = build_network()
    >>> [tuple(o.shape) for o in network.outputs]
    [(None, 64), (None, 10)]
    """
    inputs = keras.Input(IMAGE_SHAPE, name="images", dtype="float32")
    x = inputs
    features = None
    for name, kind, kernel, strides, units in _LAYERS:
        if kind == "conv":
            x = keras.layers.ZeroPadding2D(1, dtype="float32")(x)
            x = keras.layers.Conv2D(
                units,
                kernel,
                strides=strides,
                padding="valid",
                activation="relu",
                name=name,
                dtype="float32",
            )(x)
        elif name == "features":
            x = keras.layers.Flatten(dtype="float32")(x)
            features = keras.layers.Dense(units, name=name, dtype="float32")(x)
            # The classifier sees the ReLU of the features; the extractor
            # returns the features before it (no mass at exactly 0).
            x = keras.layers.Activation("relu", dtype="float32")(features)
        else:
            x = keras.layers.Dense(units, name=name, dtype="float32")(x)
    return keras.Model(inputs, [features, x], name=NAME)


def get_weights(network):
    """Returns the network's arrays as a dict of float32 NumPy arrays.

    Args:
        network: A model from `build_network()`.

    Returns:
        A dict keyed like `weight_shapes()`.
    """
    arrays = {}
    for name in weight_shapes():
        layer_name, variable = name.split("/")
        value = getattr(network.get_layer(layer_name), variable)
        arrays[name] = np.asarray(
            keras.ops.convert_to_numpy(value), dtype="float32"
        )
    return arrays


def set_weights(network, arrays):
    """Assigns a dict of arrays (as from `get_weights`) to the network.

    Args:
        network: A model from `build_network()`.
        arrays: A mapping with exactly the keys of `weight_shapes()`,
            each value a finite float32 array of the listed shape.
    """
    shapes = weight_shapes()
    if set(arrays) != set(shapes):
        raise ValueError(
            "The digits CNN weights must hold exactly the arrays "
            f"{sorted(shapes)}. Received: {sorted(arrays)}"
        )
    for name, shape in shapes.items():
        value = np.asarray(arrays[name])
        if value.shape != shape or value.dtype != np.float32:
            raise ValueError(
                f"The digits CNN array {name!r} must be float32 of shape "
                f"{shape}. Received: dtype={value.dtype}, "
                f"shape={value.shape}"
            )
        if not np.all(np.isfinite(value)):
            raise ValueError(
                f"The digits CNN array {name!r} must be finite. Received: "
                "NaN or infinite entries"
            )
        layer_name, variable = name.split("/")
        getattr(network.get_layer(layer_name), variable).assign(value)


def _asset(name):
    return importlib.resources.files("keras_aegan.metrics") / "assets" / name


def _read_info():
    return json.loads(_asset(_INFO_FILE).read_text(encoding="utf-8"))


def _load_arrays(data):
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _check_images(images):
    """Checks digits images and returns them as float32 NumPy.

    Args:
        images: Array-like or backend tensor of shape `(n, 16, 16, 1)`
            with `n >= 1`, floating point, finite, in `[0, 1]`.

    Returns:
        A float32 NumPy array.
    """
    images = backend_to_numpy(images)
    try:
        array = np.asarray(images)
    except Exception as e:
        raise ValueError(
            "`images` must be convertible to a NumPy array. "
            f"Received: images of type {type(images).__name__}"
        ) from e
    if not np.issubdtype(array.dtype, np.floating):
        hint = ""
        if np.issubdtype(array.dtype, np.integer):
            hint = " (scale integer pixels to floats in [0, 1] first)"
        raise ValueError(
            "`images` must be floating point with values in [0, 1]"
            f"{hint}. Received: images.dtype={array.dtype}"
        )
    if array.ndim != 4 or array.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            "`images` must have shape (num_images, 16, 16, 1), like "
            "`keras_aegan.datasets.load_digits()`. "
            f"Received: images.shape={array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(
            "`images` must hold at least one image. "
            f"Received: images.shape={array.shape}"
        )
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(
            f"`images` must be finite. Received: {bad} NaN or infinite "
            f"entries in images with shape {array.shape}"
        )
    # No tolerance: the digits are in [0, 1] exactly, and a digits model's
    # `generate()` clips image data to its range, so a value outside means
    # another range (for example [-1, 1] or [0, 255]) was passed.
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            "`images` must have values in [0, 1]. "
            f"Received: values in [{low:.6g}, {high:.6g}]"
        )
    return array.astype("float32", copy=False)


def backend_to_numpy(images):
    """A backend tensor as a NumPy array; anything else unchanged."""
    if keras.ops.is_tensor(images):
        return keras.ops.convert_to_numpy(images)
    return images


class DigitsFeatureExtractor:
    """Features of 16x16 digits from a small CNN trained on them.

    An offline stand-in for Inception-v3 on the built-in digits
    (`keras_aegan.datasets.load_digits()`): pass its features to
    `frechet_distance` or `kernel_inception_distance` for "digits-FID"
    and "digits-KID", with `protocol=extractor.protocol`. The network
    (three 3x3 convolutions with ReLU, of 16, 32 and 64 channels, the
    last two with stride 2, then a dense layer of 64 units whose ReLU
    feeds 10 logits) was trained on the training split of `load_digits()`
    by `scripts/train_digits_classifier.py`; its weights and recipe ship
    with the package. The features are the 64 pre-activations of the
    dense layer: unlike the ReLU outputs they have no mass at exactly 0,
    so a Gaussian fits them better and their covariance has full rank.
    They were scaled by a power of two to a root mean square near 1 on
    the training split, so KID's cubic kernel stays near its linear range.

    The network runs in float32 in inference mode on the current
    backend; features agree across backends to float32 round-off. Use
    `digits_reference_floor()` for the FID/KID of the training split
    against the test split, the best a generator can be expected to do.

    Args:
        batch_size: Images per forward pass, an integer >= 1.
        weights: Optional path of an `.npz` file written by the training
            script. Defaults to the shipped weights, which are checked
            against the SHA-256 recorded beside them.

    Call arguments:
        images: Floating point array (or backend tensor) of shape
            `(n, 16, 16, 1)` with `n >= 1` and values in `[0, 1]`, as
            returned by `load_digits()` and by `generate()` of a model
            trained on them.
        batch_size: Optional override of the instance's `batch_size`.

    Returns (when called):
        A float64 NumPy array of shape `(n, feature_dim)`.

    Attributes:
        name: `"digits_cnn"`.
        feature_dim: Number of features (64).
        weights_sha256: SHA-256 of the weights file.
        protocol: `{"extractor": "digits_cnn", "weights_sha256": ...,
            "feature_dim": 64}`, to merge into a metric's protocol.
        network: The underlying `keras.Model`.

    Example:

    >>> from keras_aegan.datasets import load_digits
    >>> from keras_aegan.metrics import frechet_distance
    >>> (x_train, _), (x_test, _) = load_digits()
    >>> extractor = DigitsFeatureExtractor()
    >>> real = extractor(x_train)
    >>> real.shape
    (1438, 64)
    >>> fid = frechet_distance(
    ...     real, extractor(x_test), protocol=extractor.protocol
    ... )
    >>> fid.protocol["extractor"]
    'digits_cnn'
    """

    name = NAME

    def __init__(self, batch_size=256, weights=None):
        self.batch_size = _checks.check_int("batch_size", batch_size, 1)
        if weights is None:
            data = _asset(_WEIGHTS_FILE).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            expected = _read_info()["weights_sha256"]
            if digest != expected:
                raise RuntimeError(
                    f"The shipped {_WEIGHTS_FILE} does not match the SHA-256 "
                    f"recorded in {_INFO_FILE} (expected {expected}). "
                    f"Received: a file with SHA-256 {digest}"
                )
        else:
            try:
                with open(weights, "rb") as f:
                    data = f.read()
            except (OSError, TypeError) as e:
                raise ValueError(
                    "`weights` must be the path of an .npz file written by "
                    f"the training script. Received: weights={weights!r}"
                ) from e
            digest = hashlib.sha256(data).hexdigest()
        try:
            arrays = _load_arrays(data)
        except Exception as e:
            raise ValueError(
                "`weights` must be an .npz file written by the training "
                f"script. Received: weights={weights!r}, which NumPy could "
                f"not load ({type(e).__name__}: {e})"
            ) from e
        self.weights_sha256 = digest
        self.network = build_network()
        set_weights(self.network, arrays)
        self.feature_dim = FEATURE_DIM
        self.protocol = {
            "extractor": self.name,
            "weights_sha256": digest,
            "feature_dim": self.feature_dim,
        }

    def _outputs(self, images, batch_size, index):
        images = _check_images(images)
        if batch_size is None:
            batch_size = self.batch_size
        batch_size = _checks.check_int("batch_size", batch_size, 1)
        chunks = []
        for start in range(0, images.shape[0], batch_size):
            batch = images[start : start + batch_size]
            # `predict_on_batch` runs in inference mode, without gradient
            # tracking, compiled where the backend compiles.
            outputs = self.network.predict_on_batch(batch)
            chunks.append(np.asarray(outputs[index], dtype="float64"))
        return np.concatenate(chunks, axis=0)

    def __call__(self, images, batch_size=None):
        return self._outputs(images, batch_size, 0)

    def predict_labels(self, images, batch_size=None):
        """Predicted digit classes (argmax of the logits).

        Args:
            images: As for calling the extractor.
            batch_size: Optional override of the instance's `batch_size`.

        Returns:
            An int32 NumPy array of shape `(n,)` with values 0..9.
        """
        logits = self._outputs(images, batch_size, 1)
        return np.argmax(logits, axis=1).astype("int32")

    def predict_proba(self, images, batch_size=None):
        """Class probabilities: the softmax of the network's logits.

        Computed in float64 NumPy from the float32 logits (shifted by
        their row maximum, so it never overflows). The argmax of a row is
        `predict_labels`'s label (ties between exactly equal logits
        aside). `keras_aegan.metrics.digit_class_scores` reads the
        confidence (the row maximum) and labels from it.

        Args:
            images: As for calling the extractor.
            batch_size: Optional override of the instance's `batch_size`.

        Returns:
            A float64 NumPy array of shape `(n, 10)` whose rows sum to 1.

        Example:

        >>> from keras_aegan.datasets import load_digits
        >>> _, (x_test, _) = load_digits()
        >>> proba = DigitsFeatureExtractor().predict_proba(x_test[:4])
        >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
        ((4, 10), True)
        """
        logits = self._outputs(images, batch_size, 1)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def __repr__(self):
        return (
            f"DigitsFeatureExtractor(feature_dim={self.feature_dim}, "
            f"weights_sha256={self.weights_sha256[:12]}...)"
        )


def digits_reference_floor():
    """FID and KID of the digits training split against the test split.

    Measured with the shipped `DigitsFeatureExtractor` on
    `load_digits()` (1,438 training against 359 test images) when the
    weights were trained, and stored beside them. Two samples of the
    same distribution of these sizes score this much by finite-sample
    bias and sampling noise alone (FID is biased upwards, KID is not but
    varies), so a generator's digits-FID/KID against the training split
    is best read next to this floor, computed with the same sample sizes.

    Returns:
        A dict `{"fid": MetricResult, "kid": MetricResult}` whose
        protocols record the sample counts, the KID subsets and the
        extractor.

    Example:

    >>> floor = digits_reference_floor()
    >>> float(floor["fid"]) > 0, floor["kid"].protocol["extractor"]
    (True, 'digits_cnn')
    """
    floor = _read_info()["floor"]
    return {key: MetricResult.from_dict(floor[key]) for key in ("fid", "kid")}
