"""Leak-free one-class splits: train and validation hold normal data only.

No framework is imported here. A `Split` gives a detector its training
and validation data (`fit_data()`: normal samples only) and its test
inputs (`x_test`); the test labels (`y_test`) are read by the scoring
code after every score exists, never by a detector. The class labels
of the training and validation samples are kept (`train_classes`,
`val_classes`) for audits only: a test asserts that none of them is an
anomaly class.
"""

import dataclasses

import numpy as np

PROTOCOLS = ("breast_cancer", "digits_normal", "digits_anomalous")
#: Share of the normal training pool held out as validation data.
VALIDATION_FRACTION = 0.2
#: Breast cancer: shares of the benign samples in train / validation;
#: the rest of the benign samples and every malignant one are the test.
TABULAR_TRAIN = 0.6
TABULAR_VALIDATION = 0.2


@dataclasses.dataclass(frozen=True)
class Split:
    """One one-class problem: normal training data and a labelled test.

    Attributes:
        name: E.g. `"digits_normal/3"` or `"breast_cancer"`.
        x_train: Normal samples to train on.
        x_val: Normal samples held out for model and epoch selection
            and score normalisation.
        x_test: Test samples, normal and anomalous.
        y_test: 1 for an anomaly, 0 for a normal test sample.
        normal_classes: The class labels that count as normal.
        train_classes: Class labels of `x_train` (audits only).
        val_classes: Class labels of `x_val` (audits only).
        seed: Seed of the train/validation partition.
    """

    name: str
    x_train: np.ndarray
    x_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    normal_classes: tuple
    train_classes: np.ndarray
    val_classes: np.ndarray
    seed: int

    def fit_data(self):
        """`(x_train, x_val)`: everything a detector may see before scoring."""
        return self.x_train, self.x_val

    def describe(self):
        """Sizes of the parts, for the result files."""
        return {
            "name": self.name,
            "train": int(len(self.x_train)),
            "validation": int(len(self.x_val)),
            "test": int(len(self.x_test)),
            "test_anomalies": int(np.sum(self.y_test)),
            "normal_classes": [int(c) for c in self.normal_classes],
            "seed": int(self.seed),
        }


def check_split(split):
    """Raises `AssertionError` if a split could leak test labels.

    Train and validation must hold normal classes only, be non-empty and
    disjoint from each other; the test must hold both labels, and its
    labels must be 0/1.
    """
    normal = set(split.normal_classes)
    for part, classes in (
        ("train", split.train_classes),
        ("validation", split.val_classes),
    ):
        found = set(np.unique(classes).tolist())
        assert found <= normal, (split.name, part, sorted(found - normal))
    assert len(split.x_train) and len(split.x_val), split.name
    assert len(split.train_classes) == len(split.x_train), split.name
    assert len(split.val_classes) == len(split.x_val), split.name
    assert set(np.unique(split.y_test).tolist()) == {0, 1}, split.name
    assert len(split.y_test) == len(split.x_test), split.name


def _partition(n, fraction, rng):
    order = rng.permutation(n)
    n_val = max(1, int(round(fraction * n)))
    return order[n_val:], order[:n_val]


def one_class_split(
    x_train_pool,
    y_train_pool,
    x_test,
    y_test_classes,
    normal_classes,
    seed,
    name,
    validation_fraction=VALIDATION_FRACTION,
):
    """A split from a labelled train pool and a labelled test set.

    The training pool keeps its normal classes only; `validation_fraction`
    of them (drawn with `np.random.default_rng(seed)`) become the
    validation data. The whole test set is the test, labelled 1 where its
    class is not normal.

    Args:
        x_train_pool: Training samples of every class.
        y_train_pool: Their class labels.
        x_test: Test samples of every class.
        y_test_classes: Their class labels.
        normal_classes: Iterable of the normal class labels.
        seed: Seed of the train/validation partition.
        name: Name of the split.
        validation_fraction: Share of the normal pool held out.

    Returns:
        A `Split`.
    """
    normal = tuple(sorted(int(c) for c in normal_classes))
    keep = np.isin(y_train_pool, normal)
    x_pool, y_pool = x_train_pool[keep], y_train_pool[keep]
    rng = np.random.default_rng(seed)
    train, val = _partition(len(x_pool), validation_fraction, rng)
    split = Split(
        name=name,
        x_train=x_pool[train],
        x_val=x_pool[val],
        x_test=x_test,
        y_test=(~np.isin(y_test_classes, normal)).astype("int64"),
        normal_classes=normal,
        train_classes=y_pool[train],
        val_classes=y_pool[val],
        seed=int(seed),
    )
    check_split(split)
    return split


def digits_split(protocol, digit, seed, data=None):
    """A one-class split of the built-in digits.

    `"digits_normal"`: the training images of `digit` are normal, every
    other digit of the test split is an anomaly. `"digits_anomalous"`:
    the training images of the nine other digits are normal and `digit`
    is the anomaly. The test set is the whole test split of
    `keras_aegan.datasets.load_digits()` (359 images, fixed); `seed`
    draws the validation images out of the normal training images.

    Args:
        protocol: `"digits_normal"` or `"digits_anomalous"`.
        digit: 0..9.
        seed: Seed of the train/validation partition.
        data: Optional `load_digits()` result (to load it once).

    Returns:
        A `Split` of images `(n, 16, 16, 1)` in [0, 1].
    """
    if protocol not in ("digits_normal", "digits_anomalous"):
        raise ValueError(
            "`protocol` must be 'digits_normal' or 'digits_anomalous'. "
            f"Received: protocol={protocol!r}"
        )
    if int(digit) not in range(10):
        raise ValueError(f"`digit` must be in 0..9. Received: digit={digit!r}")
    if data is None:
        from keras_aegan.datasets import load_digits

        data = load_digits()
    (x_train, y_train), (x_test, y_test) = data
    digit = int(digit)
    if protocol == "digits_normal":
        normal = (digit,)
    else:
        normal = tuple(c for c in range(10) if c != digit)
    return one_class_split(
        x_train,
        y_train,
        x_test,
        y_test,
        normal,
        seed,
        name=f"{protocol}/{digit}",
    )


def breast_cancer_split(seed):
    """The breast cancer set of scikit-learn: benign normal, malignant not.

    The 357 benign samples are permuted with `seed`: 60 % train, 20 %
    validation, the other 20 % join the 212 malignant samples as the
    test. Features are left in their units (30 of them); detectors
    standardise with training statistics themselves.

    Args:
        seed: Seed of the partition.

    Returns:
        A `Split` of float32 vectors `(n, 30)`; class 1 (benign) is normal.
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    x = np.asarray(bunch.data, "float32")
    classes = np.asarray(bunch.target, "int64")  # 0 malignant, 1 benign
    benign = np.flatnonzero(classes == 1)
    malignant = np.flatnonzero(classes == 0)
    rng = np.random.default_rng(seed)
    benign = benign[rng.permutation(len(benign))]
    n_train = int(round(TABULAR_TRAIN * len(benign)))
    n_val = int(round(TABULAR_VALIDATION * len(benign)))
    train = benign[:n_train]
    val = benign[n_train : n_train + n_val]
    test = np.concatenate([benign[n_train + n_val :], malignant])
    split = Split(
        name="breast_cancer",
        x_train=x[train],
        x_val=x[val],
        x_test=x[test],
        y_test=(classes[test] == 0).astype("int64"),
        normal_classes=(1,),
        train_classes=classes[train],
        val_classes=classes[val],
        seed=int(seed),
    )
    check_split(split)
    return split
