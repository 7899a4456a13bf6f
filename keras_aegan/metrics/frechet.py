"""Fréchet distance between feature distributions (FID on any extractor)."""

import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.result import make_result


def _psd_root(eigenvalues, eigenvectors):
    """`V diag(sqrt(max(w, 0))) V^T` from an eigendecomposition."""
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    root = (eigenvectors * roots) @ eigenvectors.T
    return 0.5 * (root + root.T)  # exactly symmetric, not just to round-off


def sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix.

    Computes `V diag(sqrt(w)) V^T` from the eigendecomposition
    `matrix = V diag(w) V^T`, in float64. Eigenvalues that round-off has
    pushed slightly below zero are clipped to zero, so rank-deficient
    matrices (for example the covariance of fewer samples than features)
    are handled without producing complex numbers. The result is symmetric
    positive semi-definite (exactly symmetric) and squares back to
    `matrix` up to round-off.

    Args:
        matrix: A square, symmetric, positive semi-definite array of shape
            `(d, d)`. Asymmetry or negative eigenvalues beyond round-off of
            the input's precision raise a `ValueError`.

    Returns:
        A float64 NumPy array of shape `(d, d)`.

    Example:

    >>> sqrtm_psd(np.array([[4.0, 0.0], [0.0, 9.0]])).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    array = _checks.as_float_array("matrix", matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or not array.size:
        raise ValueError(
            "`matrix` must be a non-empty square 2-D array. "
            f"Received: matrix.shape={array.shape}"
        )
    input_dtype = np.asarray(matrix).dtype
    if np.issubdtype(input_dtype, np.floating):
        eps = float(np.finfo(input_dtype).eps)
    else:
        eps = float(np.finfo("float64").eps)
    scale = float(np.max(np.abs(array)))
    asymmetry = float(np.max(np.abs(array - array.T)))
    # Round-off in a product such as `x.T @ x` leaves an asymmetry of a few
    # ulps of the largest entry; anything far above that is a real error
    # (a non-symmetric matrix would silently lose its upper triangle).
    if asymmetry > 1e3 * eps * scale:
        raise ValueError(
            "`matrix` must be symmetric. Received: a matrix with "
            f"max |matrix - matrix.T| = {asymmetry:.3g} for entries up to "
            f"{scale:.3g}"
        )
    eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (array + array.T))
    # A symmetric eigensolver (and the rounding of the input itself) moves
    # eigenvalues by O(d * eps * |largest eigenvalue|); 100 times that
    # leaves room for a sloppily accumulated input, while a more negative
    # eigenvalue means the matrix is not positive semi-definite.
    largest = float(np.max(np.abs(eigenvalues)))
    tolerance = 100.0 * array.shape[0] * eps * largest
    if eigenvalues[0] < -tolerance:
        raise ValueError(
            "`matrix` must be positive semi-definite. Received: a matrix "
            f"with smallest eigenvalue {eigenvalues[0]:.3g} (largest "
            f"{eigenvalues[-1]:.3g})"
        )
    return _psd_root(eigenvalues, eigenvectors)


def trace_sqrt_product(cov1, cov2):
    """Returns `trace(sqrtm(cov1 @ cov2))` for two PSD matrices (private).

    `cov1 @ cov2` is not symmetric, but it is similar to the symmetric PSD
    matrix `S cov2 S` with `S = sqrtm(cov1)`
    (`S^-1 (cov1 cov2) S = S cov2 S` when `S` is invertible, and by
    continuity otherwise), so both have the same non-negative eigenvalues
    and the trace of the square root is the sum of their square roots.
    Working with the symmetric form avoids the complex parts and
    instability of a general (Schur) matrix square root.
    """
    # No PSD check here: sample covariances are PSD by construction, and
    # their round-off must not raise.
    root1 = _psd_root(*np.linalg.eigh(0.5 * (cov1 + cov1.T)))
    middle = root1 @ cov2 @ root1
    eigenvalues = np.linalg.eigvalsh(0.5 * (middle + middle.T))
    return float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))


def _moments(features):
    mean = features.mean(axis=0)
    centered = features - mean
    cov = centered.T @ centered / (features.shape[0] - 1)
    return mean, 0.5 * (cov + cov.T)


def frechet_distance(real_features, fake_features, protocol=None):
    """Fréchet distance between Gaussians fitted to two feature sets.

    With means `m1, m2` and unbiased covariances `C1, C2` of the two
    feature sets (computed in float64), returns

    `||m1 - m2||^2 + trace(C1 + C2 - 2 sqrtm(C1 C2))`,

    the squared 2-Wasserstein distance between `N(m1, C1)` and
    `N(m2, C2)`. On Inception-v3 pool features this is the Fréchet
    Inception Distance (FID); here any feature extractor can be used, so
    record it in `protocol`. The trace term is computed as the sum of the
    square roots of the eigenvalues of `sqrtm(C1) C2 sqrtm(C1)`, which is
    symmetric, so no complex arithmetic is needed and rank-deficient
    covariances are fine. Tiny negative results from round-off are
    clipped to 0.

    The estimate is biased upwards for finite samples (by about
    `2 d / n + d (d + 1) / (2 n)` for two samples of `n` points from the
    same `d`-dimensional standard Gaussian), so only compare numbers
    computed with the same sample counts and extractor.

    Args:
        real_features: Array of shape `(n_real, d)`, `n_real >= 2`.
        fake_features: Array of shape `(n_fake, d)`, `n_fake >= 2`.
        protocol: Optional dict merged into the result's protocol, for
            example `{"extractor": "digits_cnn", "generator": "ema",
            "seed": 0}`.

    Returns:
        A `MetricResult` named `"fid"` whose `value` is the distance (a
        float >= 0) and whose protocol holds `num_real`, `num_fake` and
        `feature_dim`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(5000, 4))
    >>> fake = rng.normal(size=(5000, 4)) + [1.0, 0.0, 0.0, 0.0]
    >>> round(float(frechet_distance(real, fake)), 1)
    1.0

    Reference:
        - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
          (GANs Trained by a Two Time-Scale Update Rule Converge to a
          Local Nash Equilibrium).
    """
    real, fake = _checks.as_feature_pair(real_features, fake_features, 2)
    mean1, cov1 = _moments(real)
    mean2, cov2 = _moments(fake)
    diff = mean1 - mean2
    distance = (
        float(diff @ diff)
        + float(np.trace(cov1))
        + float(np.trace(cov2))
        - 2.0 * trace_sqrt_product(cov1, cov2)
    )
    measured = {
        "num_real": real.shape[0],
        "num_fake": fake.shape[0],
        "feature_dim": real.shape[1],
    }
    return make_result("fid", max(distance, 0.0), measured, protocol)
