"""Trains the digits CNN behind `keras_aegan.metrics.DigitsFeatureExtractor`.

Writes `digits_cnn.npz` (the weights, float32 arrays named
`"<layer>/kernel"` and `"<layer>/bias"`, in a byte-for-byte reproducible
zip) and `digits_cnn.json` (this recipe, versions, test accuracy, the
SHA-256 of the npz, the real-data FID/KID floor and reference features)
into `keras_aegan/metrics/assets/`, or into `--output-dir`.

Recipe (deterministic: the same versions on the same kind of CPU give
the same bits):

- Backend: JAX on the CPU, single-threaded
  (`XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
  intra_op_parallelism_threads=1`), so that no reduction is split
  across a varying number of threads. The script sets both
  `KERAS_BACKEND=jax` and the flags itself, before Keras is imported.
- Data: `keras_aegan.datasets.load_digits()` (its default split,
  `test_fraction=0.2, seed=0`), training split only (1,438 images,
  float32 in [0, 1]).
- Augmentation (NumPy only): each epoch, each image is shifted by
  (dy, dx) drawn uniformly from {-1, 0, 1}^2 by
  `np.random.default_rng(SEED + 2)` (one `integers` call per epoch, after
  the permutation), filling with zeros. It lifts test accuracy from
  97.5 % to 98.3 % at 20 epochs.
- Network (`keras_aegan.metrics.digits_features.build_network`): every
  convolution pads 1 pixel on each side, then 3x3 "valid":
  conv 16 (stride 1) -> ReLU -> conv 32 (stride 2) -> ReLU ->
  conv 64 (stride 2) -> ReLU -> flatten (4 x 4 x 64 = 1,024) ->
  dense 64 = the features -> ReLU -> dense 10 = the logits. All float32.
  The features are taken before their ReLU: the classifier still gets a
  trained non-linear hidden layer (all 64 units receive gradients, which
  a purely linear 64 -> 10 bottleneck would not give), while the
  features have no point mass at 0 and no dead (constant) dimensions,
  so a Gaussian fits them better and FID's covariances have full rank.
- Initial weights: NumPy only (Keras initializers draw a different
  stream on each backend), from `np.random.default_rng(SEED)`, drawn in
  the layer order above: kernels ~ Normal(0, 2 / fan_in) (He) for the
  layers followed by a ReLU, Normal(0, 1 / fan_in) for the logits;
  biases 0. fan_in = kernel height * width * input channels, or inputs.
- Minibatches: each epoch a permutation from
  `np.random.default_rng(SEED + 1)` (one `permutation` call per epoch);
  batches of 32 in that order, the last one smaller (1,438 = 44 * 32 +
  30). `fit(..., shuffle=False)` runs one epoch per call.
- Optimizer: Adam (learning rate 1e-3, beta_1 0.9, beta_2 0.999,
  epsilon 1e-7, no weight decay), sparse categorical cross-entropy on
  the logits, 20 epochs, no early stopping, no learning-rate decay.
- Feature scale: the trained features have a root mean square of about
  7.5 on the training split, which puts KID's cubic kernel
  `(x . y / d + 1)^3` deep in its cubic regime (values near 40^3, and
  subset estimates that swing by hundreds). After training, the
  features layer's kernel and bias are divided by `2**k` and the logits
  kernel multiplied by `2**k`, `k = round(log2(rms))` (here 3): exact in
  floating point, so the features become `1 / 2**k` of what they were
  (RMS near 1, like the scale of Inception features) and the logits
  stay the same bit for bit.
- Evaluation: test accuracy on the test split; FID and KID (10 subsets,
  subset size clipped to 359, subset seed 0) of the features of the
  training split against those of the test split, with the package's
  own `frechet_distance` and `kernel_inception_distance`; features of
  the first 8 test images, rounded to 1e-6, as a cross-backend check.

The npz is a zip without timestamps, and the JSON holds no times, so a
rerun on the same machine reproduces both files byte for byte
(`tests/digits_features_test.py` checks it). Cost: 11 to 23 s in all,
imports and compilation included, on one core of a shared 2-core
x86-64 machine.

Usage:

    python scripts/train_digits_classifier.py [--output-dir DIR]
"""

import os
import sys

if os.environ.get("KERAS_BACKEND", "jax") != "jax":
    sys.exit(
        "This recipe trains under JAX. Unset KERAS_BACKEND or set it to "
        f"'jax'. Received: KERAS_BACKEND={os.environ['KERAS_BACKEND']!r}"
    )
os.environ["KERAS_BACKEND"] = "jax"
_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " " + _XLA_FLAGS
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from importlib import metadata  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_aegan.datasets import load_digits  # noqa: E402
from keras_aegan.metrics import digits_features  # noqa: E402
from keras_aegan.metrics import frechet_distance  # noqa: E402
from keras_aegan.metrics import kernel_inception_distance  # noqa: E402

SEED = 0
EPOCHS = 20
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
NUM_REFERENCE_IMAGES = 8
REFERENCE_DECIMALS = 6
DEFAULT_OUTPUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "keras_aegan"
    / "metrics"
    / "assets"
)


def initial_weights(seed):
    """He-normal kernels and zero biases, drawn from NumPy in layer order."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for name, shape in digits_features.weight_shapes().items():
        if name.endswith("/bias"):
            arrays[name] = np.zeros(shape, dtype="float32")
            continue
        fan_in = int(np.prod(shape[:-1]))
        gain = 1.0 if name.startswith("logits/") else 2.0
        std = np.sqrt(gain / fan_in)
        arrays[name] = (rng.standard_normal(shape) * std).astype("float32")
    return arrays


def write_npz(path, arrays):
    """`np.savez` without timestamps, so the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False
            )
            info = zipfile.ZipInfo(
                f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)
            )
            info.external_attr = 0o644 << 16
            zf.writestr(info, buffer.getvalue())


def shift_images(images, rng):
    """Moves each image by (dy, dx) in {-1, 0, 1}^2 pixels, filling zeros."""
    offsets = rng.integers(-1, 2, size=(images.shape[0], 2))
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    size = images.shape[1]
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(offsets):
        out[i] = padded[i, 1 - dy : 1 - dy + size, 1 - dx : 1 - dx + size]
    return out


def train(x_train, y_train):
    network = digits_features.build_network()
    digits_features.set_weights(network, initial_weights(SEED))
    classifier = keras.Model(network.input, network.outputs[1])
    classifier.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=LEARNING_RATE,
            beta_1=0.9,
            beta_2=0.999,
            epsilon=1e-7,
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=True,
    )
    order = np.random.default_rng(SEED + 1)
    shifts = np.random.default_rng(SEED + 2)
    for epoch in range(EPOCHS):
        perm = order.permutation(x_train.shape[0])
        x_epoch = x_train[perm]
        x_epoch = shift_images(x_epoch, shifts)
        history = classifier.fit(
            x_epoch,
            y_train[perm],
            batch_size=BATCH_SIZE,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        loss = history.history["loss"][-1]
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {loss:.4f}", flush=True)
    return digits_features.get_weights(network)


def rescale_features(arrays, x_train):
    """Scales the features by a power of two to a root mean square near 1.

    Dividing the features layer's kernel and bias by `2**k` and
    multiplying the logits kernel by `2**k` divides the features by `2**k`
    and leaves the logits unchanged bit for bit: power-of-two scaling is
    exact in floating point and ReLU is positively homogeneous.
    """
    network = digits_features.build_network()
    digits_features.set_weights(network, arrays)
    features = network.predict(x_train, batch_size=256, verbose=0)[0]
    rms = float(np.sqrt(np.mean(np.square(features, dtype="float64"))))
    exponent = int(np.round(np.log2(rms)))
    scale = np.float32(2.0**exponent)
    arrays = dict(arrays)
    arrays["features/kernel"] = arrays["features/kernel"] / scale
    arrays["features/bias"] = arrays["features/bias"] / scale
    arrays["logits/kernel"] = arrays["logits/kernel"] * scale
    return arrays, rms, exponent


def versions():
    names = ("keras", "jax", "jaxlib", "numpy", "scikit-learn")
    found = {name: metadata.version(name) for name in names}
    found["python"] = platform.python_version()
    found["machine"] = platform.machine()
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--output-dir", type=pathlib.Path, default=DEFAULT_OUTPUT
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()

    (x_train, y_train), (x_test, y_test) = load_digits()
    arrays = train(x_train, y_train)
    train_seconds = time.perf_counter() - start
    arrays, rms, exponent = rescale_features(arrays, x_train)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    npz_path = args.output_dir / "digits_cnn.npz"
    write_npz(npz_path, arrays)
    digest = hashlib.sha256(npz_path.read_bytes()).hexdigest()

    extractor = digits_features.DigitsFeatureExtractor(weights=npz_path)
    correct = int(np.sum(extractor.predict_labels(x_test) == y_test))
    accuracy = correct / x_test.shape[0]
    real = extractor(x_train)
    test = extractor(x_test)
    protocol = dict(extractor.protocol, real="train", fake="test")
    fid = frechet_distance(real, test, protocol=protocol)
    kid = kernel_inception_distance(
        real, test, subsets=10, subset_size=1000, seed=0, protocol=protocol
    )
    reference = np.round(test[:NUM_REFERENCE_IMAGES], REFERENCE_DECIMALS)

    info = {
        "name": digits_features.NAME,
        "script": "scripts/train_digits_classifier.py",
        "recipe": {
            "backend": "jax",
            "xla_flags": _XLA_FLAGS,
            "data": "load_digits(test_fraction=0.2, seed=0), train split",
            "augmentation": (
                "each epoch, each image shifted by (dy, dx) drawn uniformly "
                "from {-1, 0, 1}^2 by np.random.default_rng(seed + 2), "
                "zero fill"
            ),
            "architecture": (
                "pad 1 + conv3x3 16 s1 relu, pad 1 + conv3x3 32 s2 relu, "
                "pad 1 + conv3x3 64 s2 relu, flatten 1024, dense 64 "
                "(features, pre-activation), relu, dense 10 (logits)"
            ),
            "init": (
                "np.random.default_rng(seed): kernels normal with "
                "variance 2/fan_in (logits 1/fan_in), biases 0"
            ),
            "seed": SEED,
            "batch_order": "np.random.default_rng(seed + 1).permutation "
            "once per epoch",
            "batch_size": BATCH_SIZE,
            "epochs": EPOCHS,
            "optimizer": {
                "name": "adam",
                "learning_rate": LEARNING_RATE,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-7,
            },
            "loss": "sparse categorical cross-entropy from logits",
            "feature_rescale": (
                "features kernel and bias divided by 2**k, logits kernel "
                "multiplied by 2**k, k = round(log2(RMS of the trained "
                "features on the train split))"
            ),
            "feature_rescale_exponent": exponent,
            "trained_feature_rms": rms,
        },
        "versions": versions(),
        "weights_file": npz_path.name,
        "weights_sha256": digest,
        "feature_dim": extractor.feature_dim,
        "test_accuracy": accuracy,
        "test_correct": correct,
        "test_count": int(x_test.shape[0]),
        "floor": {"fid": fid.to_dict(), "kid": kid.to_dict()},
        "reference_features": {
            "images": f"load_digits() x_test[:{NUM_REFERENCE_IMAGES}]",
            "decimals": REFERENCE_DECIMALS,
            "values": reference.tolist(),
        },
    }
    info_path = args.output_dir / "digits_cnn.json"
    info_path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - start
    print(
        f"test accuracy {accuracy:.4f} ({correct}/{x_test.shape[0]}), "
        f"FID(train, test) {float(fid):.4f}, KID {kid['mean']:.5f} "
        f"+- {kid['std']:.5f}; {train_seconds:.1f} s to train, "
        f"{seconds:.1f} s in all; wrote {npz_path} and "
        f"{info_path}"
    )


if __name__ == "__main__":
    main()
