"""k-nearest-neighbour manifold metrics: precision/recall, density/coverage.

All four estimate the support of a distribution by the union of balls
around its samples, each ball reaching the sample's k-th nearest
neighbour in the same set. Pairwise distances are computed in float64 in
blocks of `chunk_size` rows, so memory grows with
`chunk_size * num_samples` instead of `num_samples ** 2` (10,000 x 10,000
needs about 40 MB per block at the default).
"""

import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.result import make_result


def _squared_norms(x):
    return np.einsum("ij,ij->i", x, x)


def _squared_distances(a, a_norms, b, b_norms):
    """Squared Euclidean distances between rows of `a` and `b`."""
    d2 = a @ b.T
    d2 *= -2.0
    d2 += a_norms[:, None]
    d2 += b_norms[None, :]
    return np.maximum(d2, 0.0, out=d2)


def _chunks(n, chunk_size):
    for start in range(0, n, chunk_size):
        yield start, min(start + chunk_size, n)


def knn_radii(x, k, chunk_size):
    """Squared distance from each row of `x` to its k-th neighbour (private).

    The row itself is not its own neighbour; an exact duplicate of it is.
    """
    norms = _squared_norms(x)
    radii = np.empty(x.shape[0])
    for start, stop in _chunks(x.shape[0], chunk_size):
        d2 = _squared_distances(x[start:stop], norms[start:stop], x, norms)
        rows = np.arange(stop - start)
        d2[rows, rows + start] = np.inf
        radii[start:stop] = np.partition(d2, k - 1, axis=1)[:, k - 1]
    return radii


def ball_counts(points, centers, radii, chunk_size):
    """Counts, for closed balls around `centers` (private).

    Returns `(per_point, per_center)`: how many balls contain each point,
    and how many points each ball contains.
    """
    point_norms = _squared_norms(points)
    center_norms = _squared_norms(centers)
    per_point = np.zeros(points.shape[0], dtype="int64")
    per_center = np.zeros(centers.shape[0], dtype="int64")
    for start, stop in _chunks(points.shape[0], chunk_size):
        d2 = _squared_distances(
            points[start:stop], point_norms[start:stop], centers, center_norms
        )
        inside = d2 <= radii[None, :]
        per_point[start:stop] = inside.sum(axis=1)
        per_center += inside.sum(axis=0)
    return per_point, per_center


def _prepare(real_features, fake_features, k, chunk_size, need_fake_k):
    k = _checks.check_int("k", k, 1)
    chunk_size = _checks.check_int("chunk_size", chunk_size, 1)
    real, fake = _checks.as_feature_pair(real_features, fake_features, 1)
    sets = [("real_features", real)]
    if need_fake_k:
        sets.append(("fake_features", fake))
    for name, x in sets:
        if x.shape[0] <= k:
            raise ValueError(
                f"`{name}` needs more than k={k} samples to find each "
                f"sample's k-th nearest neighbour. Received: "
                f"{name}.shape={x.shape}"
            )
    # Centring both sets on the real mean leaves distances unchanged and
    # reduces cancellation in |a|^2 + |b|^2 - 2 a.b for offset features.
    offset = real.mean(axis=0)
    return real - offset, fake - offset, k, chunk_size


def precision_recall(
    real_features, fake_features, k=3, chunk_size=512, protocol=None
):
    """Improved precision and recall of generated samples.

    Precision is the share of fake samples that fall inside the estimated
    real manifold (the union of closed balls around real samples, each
    reaching its k-th nearest real neighbour); recall is the share of real
    samples inside the estimated fake manifold, built the same way from
    the fake samples. Low precision means unrealistic samples; low recall
    means missing variety (for example dropped modes).

    Args:
        real_features: Array of shape `(n_real, d)`, `n_real > k`.
        fake_features: Array of shape `(n_fake, d)`, `n_fake > k`.
        k: Neighbourhood size, an integer >= 1 (the paper uses 3).
        chunk_size: Rows of the distance matrix computed at once.
        protocol: Optional dict merged into the result's protocol.

    Returns:
        A `MetricResult` named `"precision_recall"` with
        `value={"precision": ..., "recall": ...}` (floats in [0, 1]) and
        protocol entries `num_real`, `num_fake`, `feature_dim` and `k`.

    Example:

    >>> real = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> fake = np.array([[0.5], [0.6], [10.0], [11.0]])
    >>> result = precision_recall(real, fake, k=1)
    >>> result["precision"], result["recall"]
    (0.5, 0.0)

    Reference:
        - [Kynkäänniemi et al., 2019](https://arxiv.org/abs/1904.06991)
          (Improved Precision and Recall Metric for Assessing Generative
          Models).
    """
    real, fake, k, chunk_size = _prepare(
        real_features, fake_features, k, chunk_size, need_fake_k=True
    )
    real_radii = knn_radii(real, k, chunk_size)
    fake_radii = knn_radii(fake, k, chunk_size)
    fake_hits, _ = ball_counts(fake, real, real_radii, chunk_size)
    real_hits, _ = ball_counts(real, fake, fake_radii, chunk_size)
    value = {
        "precision": float(np.mean(fake_hits > 0)),
        "recall": float(np.mean(real_hits > 0)),
    }
    measured = {
        "num_real": real.shape[0],
        "num_fake": fake.shape[0],
        "feature_dim": real.shape[1],
        "k": k,
    }
    return make_result("precision_recall", value, measured, protocol)


def density_coverage(
    real_features, fake_features, k=5, chunk_size=512, protocol=None
):
    """Density and coverage of generated samples.

    With closed balls around each real sample reaching its k-th nearest
    real neighbour, density is the number of (fake sample, real ball)
    pairs with the sample inside the ball, divided by `k * n_fake`; it is
    1 on average when both sets come from the same distribution and can
    exceed 1 when fakes crowd into dense real regions. Coverage is the
    share of real balls that contain at least one fake sample. Both use
    only the real samples' neighbourhoods, so they are less sensitive to
    outliers than precision and recall. For equal distributions the
    expected coverage is
    `1 - prod_{j<k} (n_real - 1 - j) / (n_real - 1 + n_fake - j)`
    (about `1 - 2^-k` for equal sample counts).

    Args:
        real_features: Array of shape `(n_real, d)`, `n_real > k`.
        fake_features: Array of shape `(n_fake, d)`.
        k: Neighbourhood size, an integer >= 1 (the paper uses 5).
        chunk_size: Rows of the distance matrix computed at once.
        protocol: Optional dict merged into the result's protocol.

    Returns:
        A `MetricResult` named `"density_coverage"` with
        `value={"density": ..., "coverage": ...}` and protocol entries
        `num_real`, `num_fake`, `feature_dim` and `k`.

    Example:

    >>> real = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> fake = np.array([[0.5], [1.5], [10.0], [11.0]])
    >>> result = density_coverage(real, fake, k=1)
    >>> result["density"], result["coverage"]
    (1.0, 0.75)

    Reference:
        - [Naeem et al., 2020](https://arxiv.org/abs/2002.09797)
          (Reliable Fidelity and Diversity Metrics for Generative Models).
    """
    real, fake, k, chunk_size = _prepare(
        real_features, fake_features, k, chunk_size, need_fake_k=False
    )
    real_radii = knn_radii(real, k, chunk_size)
    fake_hits, ball_hits = ball_counts(fake, real, real_radii, chunk_size)
    value = {
        "density": float(fake_hits.sum() / (k * fake.shape[0])),
        "coverage": float(np.mean(ball_hits > 0)),
    }
    measured = {
        "num_real": real.shape[0],
        "num_fake": fake.shape[0],
        "feature_dim": real.shape[1],
        "k": k,
    }
    return make_result("density_coverage", value, measured, protocol)
