"""Mode coverage of samples from a known mixture of 2-D Gaussians."""

import math

import numpy as np

from keras_aegan.metrics import _checks
from keras_aegan.metrics.result import make_result


def mode_coverage(samples, centers, std, threshold=3.0, protocol=None):
    """Modes captured, share of high-quality samples and mode balance.

    The protocol of PacGAN and VEEGAN for toy mixtures (for example
    `keras_aegan.datasets.make_ring` and `make_grid`, evaluated on 2,500
    generated samples):

    - each sample is assigned to its nearest centre (ties go to the
      centre listed first);
    - a sample is high quality (HQ) if that distance is strictly below
      `threshold * std`;
    - a mode is captured if at least one HQ sample is assigned to it;
    - the balance of the captured mass is the KL divergence, in nats,
      from the histogram of HQ samples over all modes to the uniform
      distribution, `KL(p || u) = log(num_modes) - H(p)` with
      `0 log 0 = 0`. It is 0 for perfectly balanced modes and at most
      `log(num_modes)` (all HQ samples in one mode).

    With no HQ sample the histogram is undefined and `kl` is NaN (not
    infinity, since the divergence from uniform is bounded by
    `log(num_modes)` for every histogram); `modes` and `high_quality` are
    then 0. A perfect sampler of 2-D Gaussians scores
    `high_quality = 1 - exp(-threshold^2 / 2)` (98.9 % for 3 sigma), as
    long as the centres are far apart compared to `threshold * std`.

    Args:
        samples: Array of shape `(n, dim)`, `n >= 1` (`dim = 2` for the
            built-in mixtures; any dimension works).
        centers: Array of shape `(num_modes, dim)` with the mode centres,
            for example `keras_aegan.datasets.ring_centers()`.
        std: Standard deviation of each mixture component, a number > 0.
        threshold: HQ radius in units of `std`, a number > 0.
        protocol: Optional dict merged into the result's protocol, for
            example `{"generator": "ema", "seed": 0}`.

    Returns:
        A `MetricResult` named `"mode_coverage"` whose `value` is
        `{"modes": int, "high_quality": float, "kl": float}` and whose
        protocol holds `num_samples`, `num_modes`, `std` and `threshold`.

    Example:

    >>> centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    >>> samples = np.array([[0.1, 0.0], [-0.2, 0.1], [5.0, 5.0]])
    >>> result = mode_coverage(samples, centers, std=0.1)
    >>> result["modes"], round(result["high_quality"], 3)
    (1, 0.667)
    >>> round(result["kl"], 4)  # log(2): both HQ samples in one of 2 modes.
    0.6931

    Reference:
        - [Lin et al., 2018](https://arxiv.org/abs/1712.04086)
          (PacGAN: The power of two samples in generative adversarial
          networks), Table 1.
        - [Srivastava et al., 2017](https://arxiv.org/abs/1705.07761)
          (VEEGAN: Reducing Mode Collapse in GANs using Implicit
          Variational Learning).
    """
    samples = _checks.as_float_array("samples", samples)
    centers = _checks.as_float_array("centers", centers)
    if samples.ndim != 2 or samples.shape[0] < 1 or samples.shape[1] < 1:
        raise ValueError(
            "`samples` must be a non-empty 2-D array of shape "
            f"(num_samples, dim). Received: samples.shape={samples.shape}"
        )
    if centers.ndim != 2 or centers.shape[0] < 1:
        raise ValueError(
            "`centers` must be a non-empty 2-D array of shape "
            f"(num_modes, dim). Received: centers.shape={centers.shape}"
        )
    if centers.shape[1] != samples.shape[1]:
        raise ValueError(
            "`samples` and `centers` must have the same dimension. "
            f"Received: samples.shape={samples.shape}, "
            f"centers.shape={centers.shape}"
        )
    std = _checks.check_positive("std", std)
    threshold = _checks.check_positive("threshold", threshold)

    num_modes = centers.shape[0]
    # One column per centre keeps memory at (n, num_modes) floats.
    distances = np.stack(
        [np.linalg.norm(samples - center, axis=1) for center in centers],
        axis=1,
    )
    nearest = np.argmin(distances, axis=1)
    nearest_distance = distances[np.arange(samples.shape[0]), nearest]
    high_quality = nearest_distance < threshold * std
    counts = np.bincount(nearest[high_quality], minlength=num_modes)
    num_hq = int(counts.sum())
    if num_hq:
        p = counts[counts > 0] / num_hq
        kl = float(math.log(num_modes) + np.sum(p * np.log(p)))
        kl = max(kl, 0.0)  # Round-off for a perfectly balanced histogram.
    else:
        kl = float("nan")
    value = {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": num_hq / samples.shape[0],
        "kl": kl,
    }
    measured = {
        "num_samples": samples.shape[0],
        "num_modes": num_modes,
        "std": std,
        "threshold": threshold,
    }
    return make_result("mode_coverage", value, measured, protocol)
