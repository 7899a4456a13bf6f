"""Tests for keras_aegan.metrics (pure NumPy; SciPy only as a reference).

Every statistical tolerance below is derived next to the assertion that
uses it; seeds are fixed, so the tests are deterministic, and the bands
are wide enough that another seed would pass too.
"""

import ast
import dataclasses
import itertools
import json
import math
import pathlib
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance
import scipy.stats

from keras_aegan import metrics
from keras_aegan.datasets import grid_centers
from keras_aegan.datasets import make_grid
from keras_aegan.datasets import make_ring
from keras_aegan.datasets import ring_centers
from keras_aegan.metrics import MetricResult
from keras_aegan.metrics.frechet import trace_sqrt_product

EPS = np.finfo("float64").eps


def _scipy_sqrtm(matrix):
    # SciPy warns that singular matrices "may not have a square root" and
    # returns complex dtype; the imaginary part is round-off.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = scipy.linalg.sqrtm(matrix)
    return np.real(root)


def _random_covariance(rng, n, d):
    """Sample covariance of n points in d dims with unequal scales."""
    x = rng.normal(size=(n, d)) * rng.uniform(0.3, 3.0, size=d)
    x = x @ rng.normal(size=(d, d))  # correlated features
    return np.cov(x, rowvar=False)


# ---------------------------------------------------------------- result


def test_result_is_frozen_and_json_round_trips():
    result = MetricResult(
        "kid",
        {"mean": np.float32(0.5), "std": np.float64(0.25)},
        {"num_real": np.int64(10), "shape": np.array([2, 3])},
    )
    assert type(result["mean"]) is float
    assert result.protocol["num_real"] == 10
    assert type(result.protocol["num_real"]) is int
    as_dict = result.to_dict()
    assert as_dict == {
        "name": "kid",
        "value": {"mean": 0.5, "std": 0.25},
        "protocol": {"num_real": 10, "shape": [2, 3]},
    }
    text = json.dumps(as_dict)
    assert MetricResult.from_dict(json.loads(text)) == result
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.name = "fid"
    with pytest.raises(TypeError):
        result.value["mean"] = 1.0
    with pytest.raises(TypeError):
        result.protocol["seed"] = 1
    with pytest.raises(TypeError, match="several values"):
        float(result)
    assert "mean" in repr(result) and "mappingproxy" not in repr(result)


def test_result_copies_its_inputs():
    protocol = {"seed": 1}
    value = {"l1": 1.0}
    result = MetricResult("x", value, protocol)
    protocol["seed"] = 2
    value["l1"] = 5.0
    assert result.protocol["seed"] == 1
    assert result["l1"] == 1.0


def test_result_scalar_access_and_bad_values():
    result = MetricResult("fid", np.float64(3.5))
    assert float(result) == 3.5 and result.protocol == {}
    with pytest.raises(TypeError, match="single value"):
        result["mean"]
    with pytest.raises(ValueError, match="Received: value='a'"):
        MetricResult("fid", "a")
    with pytest.raises(ValueError, match="Received: name=''"):
        MetricResult("", 1.0)
    with pytest.raises(ValueError, match="protocol of type list"):
        MetricResult("fid", 1.0, [1, 2])


def test_caller_protocol_is_merged_and_contradictions_rejected():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3))
    caller = {"extractor": "digits_cnn", "generator": "ema", "seed": 7}
    result = metrics.frechet_distance(x, x + 1.0, protocol=caller)
    assert result.protocol == {
        "num_real": 20,
        "num_fake": 20,
        "feature_dim": 3,
        "extractor": "digits_cnn",
        "generator": "ema",
        "seed": 7,
    }
    # Repeating a measured fact with the same value is fine...
    metrics.frechet_distance(x, x, protocol={"num_fake": 20})
    # ...a different value would record the measurement wrongly.
    with pytest.raises(ValueError, match=r"Received: protocol\['num_fake'\]"):
        metrics.frechet_distance(x, x, protocol={"num_fake": 10000})
    with pytest.raises(ValueError, match="protocol of type str"):
        metrics.frechet_distance(x, x, protocol="ema")


def test_every_public_function_returns_a_metric_result():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 30, 2))
    results = [
        metrics.frechet_distance(a, b),
        metrics.kernel_inception_distance(a, b, subsets=2),
        metrics.precision_recall(a, b),
        metrics.density_coverage(a, b),
        metrics.mode_coverage(a, ring_centers(), std=0.1),
        metrics.reconstruction_error(a, b),
        metrics.latent_cycle_error(a, b),
    ]
    names = [r.name for r in results]
    assert names == [
        "fid",
        "kid",
        "precision_recall",
        "density_coverage",
        "mode_coverage",
        "reconstruction_error",
        "latent_cycle_error",
    ]
    for r in results:
        assert isinstance(r, MetricResult)
        json.dumps(r.to_dict())


# The metric functions are pure NumPy. The digits feature extractor (a
# Keras model) and the model evaluation helpers are the only modules that
# use Keras or the rest of the package; no module imports a framework or
# SciPy directly.
PURE_NUMPY = {"dataclasses", "math", "numbers", "types", "numpy"}
NOT_PURE = {
    "digits_features.py",
    "evaluation.py",
    "evaluation_plan.py",
    "__init__.py",
}
FORBIDDEN = {"tensorflow", "torch", "jax", "scipy"}


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_metrics_import_no_framework_or_scipy():
    package = pathlib.Path(metrics.__file__).parent
    for path in sorted(package.glob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            assert top not in FORBIDDEN, (path.name, module)
            if path.name in NOT_PURE:
                continue
            # keras_aegan.utils.validation uses the standard library only.
            assert (
                top in PURE_NUMPY
                or module == "keras_aegan.utils.validation"
                or module.startswith("keras_aegan.metrics")
            ), (path.name, module)


# --------------------------------------------------------------- frechet


def test_sqrtm_psd_matches_scipy_on_spd_matrices():
    rng = np.random.default_rng(0)
    for d in (1, 2, 5, 16):
        cov = _random_covariance(rng, 10 * d + 10, d).reshape(d, d)
        root = metrics.sqrtm_psd(cov)
        w = np.linalg.eigvalsh(cov)
        # Eigen-solvers perturb each eigenvalue by ~d eps lambda_max; the
        # square root is Lipschitz with constant 1 / (2 sqrt(lambda_min))
        # there, so entries move by ~d eps lambda_max / sqrt(lambda_min).
        # 100x that absorbs the constants of both algorithms.
        tol = 100 * d * EPS * w[-1] / math.sqrt(w[0])
        np.testing.assert_allclose(root, _scipy_sqrtm(cov), rtol=0, atol=tol)
        np.testing.assert_allclose(root, root.T, rtol=0, atol=0)
        np.testing.assert_allclose(root @ root, cov, rtol=0, atol=tol)


def test_sqrtm_psd_on_rank_deficient_covariances():
    rng = np.random.default_rng(1)
    for n, d in ((10, 32), (20, 64), (3, 8)):
        cov = _random_covariance(rng, n, d)  # rank n - 1 < d
        root = metrics.sqrtm_psd(cov)
        lam = np.linalg.eigvalsh(cov)[-1]
        assert not np.iscomplexobj(root)
        # Round-off leaves the d - n + 1 zero eigenvalues at +-O(d eps
        # lambda_max); their square roots are O(sqrt(d eps lambda_max)),
        # so two correct algorithms differ by that much per null
        # direction, not by d eps: tol = 10 sqrt(d eps lambda_max).
        tol = 10 * math.sqrt(d * EPS * lam)
        np.testing.assert_allclose(root, _scipy_sqrtm(cov), rtol=0, atol=tol)
        # Squaring is well-conditioned: back to cov to ~d eps lambda_max.
        np.testing.assert_allclose(
            root @ root, cov, rtol=0, atol=100 * d * EPS * lam
        )
        assert np.linalg.eigvalsh(root)[0] > -tol


def test_sqrtm_psd_rejects_bad_matrices():
    with pytest.raises(ValueError, match=r"Received: matrix.shape=\(2, 3\)"):
        metrics.sqrtm_psd(np.ones((2, 3)))
    with pytest.raises(ValueError, match="must be symmetric"):
        metrics.sqrtm_psd(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="smallest eigenvalue -1"):
        metrics.sqrtm_psd(np.array([[1.0, 0.0], [0.0, -1.0]]))
    with pytest.raises(ValueError, match="must be finite"):
        metrics.sqrtm_psd(np.array([[np.nan]]))


def test_trace_term_matches_scipy():
    rng = np.random.default_rng(2)
    cases = [(200, 4), (200, 16), (10, 32), (20, 64), (64, 64)]
    for n, d in cases:
        cov1 = _random_covariance(rng, n, d)
        cov2 = _random_covariance(rng, n, d)
        expected = np.trace(_scipy_sqrtm(cov1 @ cov2))
        lam = np.linalg.eigvalsh(cov1)[-1] * np.linalg.eigvalsh(cov2)[-1]
        # Each of the d eigenvalues of sqrt(C1) C2 sqrt(C1) carries an
        # error of O(d eps lambda), whose square root is at most
        # sqrt(d eps lambda) when the eigenvalue is 0 (n < d): summed over
        # d eigenvalues, tol = d sqrt(d eps lambda). For full-rank cases
        # this is loose but still far below the trace (>= 10 here).
        tol = d * math.sqrt(d * EPS * lam)
        assert abs(trace_sqrt_product(cov1, cov2) - expected) < tol
        # The non-commuting product matters: this shortcut is wrong.
        wrong = np.trace(_scipy_sqrtm(cov1) @ _scipy_sqrtm(cov2))
        assert abs(wrong - expected) > 100 * tol


def test_frechet_distance_formula_against_scipy():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6))
    fake = rng.normal(size=(200, 6)) * 2.0 + 0.5
    m1, m2 = real.mean(0), fake.mean(0)
    c1, c2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    expected = (
        np.sum((m1 - m2) ** 2)
        + np.trace(c1 + c2)
        - 2 * np.trace(_scipy_sqrtm(c1 @ c2))
    )
    result = metrics.frechet_distance(real, fake)
    # Well-conditioned 6x6 covariances: both sides agree to round-off of
    # a sum of terms of size ~tr(C) <= 1e3 (1e-9 relative is generous).
    assert float(result) == pytest.approx(expected, rel=1e-9)
    assert result.protocol == {
        "num_real": 300,
        "num_fake": 200,
        "feature_dim": 6,
    }


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(4).normal(size=(500, 8))
    fid = float(metrics.frechet_distance(x, x))
    # Means cancel exactly; sqrt(C) C sqrt(C) has eigenvalues lambda^2,
    # recovered to ~d eps kappa lambda with kappa = cond(C) < 3 for 500
    # standard normal points in 8 dims, so the trace term matches tr(C)
    # to ~d^2 eps kappa tr(C) ~ 1e-13 tr(C). 1e-10 tr(C) leaves margin.
    assert 0.0 <= fid < 1e-10 * np.trace(np.cov(x, rowvar=False))


def test_frechet_distance_of_one_distribution_is_its_known_bias():
    d, n, pairs = 8, 2000, 10
    values = []
    for seed in range(pairs):
        a, b = np.random.default_rng(100 + seed).normal(size=(2, n, d))
        values.append(float(metrics.frechet_distance(a, b)))
    # Two samples of N(0, I_d): ||m1 - m2||^2 ~ (2/n) chi2_d, and to
    # second order tr(C1 + C2 - 2 sqrt(C1 C2)) = ||E1 - E2||_F^2 / 4 for
    # Ci = I + Ei, which is chi2_{d(d+1)/2} / (n - 1) (diagonal entries of
    # E1 - E2 have variance 4/(n-1), off-diagonal ones 2/(n-1)). So
    # E[FID] = 2d/n + d(d+1)/(2(n-1)) and
    # sd = sqrt(8d/n^2 + d(d+1)/(n-1)^2) ~ 0.0058 per pair; the mean of
    # `pairs` pairs must lie within 4 standard errors (0.0074).
    expected = 2 * d / n + d * (d + 1) / (2 * (n - 1))
    sd = math.sqrt(8 * d / n**2 + d * (d + 1) / (n - 1) ** 2)
    assert abs(np.mean(values) - expected) < 4 * sd / math.sqrt(pairs)


def test_frechet_distance_of_shifted_unit_gaussians():
    d, n = 4, 20000
    shift = np.array([2.0, 0.0, 0.0, 0.0])
    rng = np.random.default_rng(5)
    real = rng.normal(size=(n, d))
    fake = rng.normal(size=(n, d)) + shift
    # Closed form for N(m1, I) vs N(m2, I): ||m1 - m2||^2 = 4, plus the
    # sampling bias derived above (~0.0009). The sample mean difference
    # delta ~ N(0, 2I/n) moves ||shift + delta||^2 by 2 shift.delta, with
    # sd 2 ||shift|| sqrt(2/n) = 0.04; allow 4 sd.
    bias = 2 * d / n + d * (d + 1) / (2 * (n - 1))
    tol = 4 * 2 * np.linalg.norm(shift) * math.sqrt(2 / n)
    fid = float(metrics.frechet_distance(real, fake))
    assert abs(fid - (shift @ shift + bias)) < tol


def test_frechet_distance_grows_with_added_noise():
    rng = np.random.default_rng(6)
    # Synthetic correlated "features" standing in for an extractor.
    real = rng.normal(size=(1000, 16)) @ rng.normal(size=(16, 16))
    noise = rng.normal(size=real.shape)
    stds = [0.0, 0.1, 0.3, 1.0, 3.0]
    fids = [
        float(metrics.frechet_distance(real, real + s * noise)) for s in stds
    ]
    assert fids[0] < 1e-8
    assert all(a < b for a, b in itertools.pairwise(fids)), fids


def test_frechet_distance_input_errors():
    x = np.zeros((5, 3))
    with pytest.raises(
        ValueError, match=r"Received: real_features.shape=\(3,\)"
    ):
        metrics.frechet_distance(np.zeros(3), x)
    with pytest.raises(
        ValueError,
        match=r"real_features.shape=\(5, 3\), fake_features.shape=\(5, 4\)",
    ):
        metrics.frechet_distance(x, np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"at least 2 samples.*\(1, 3\)"):
        metrics.frechet_distance(x, np.zeros((1, 3)))
    bad = x.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="Received: 1 NaN or infinite"):
        metrics.frechet_distance(x, bad)
    with pytest.raises(ValueError, match="dtype=<U1"):
        metrics.frechet_distance(x, np.array([["a"]]))


# ---------------------------------------------------------------- kernel


def _naive_unbiased_mmd2(x, y):
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    m = len(x)
    within = sum(
        k(x[i], x[j]) + k(y[i], y[j])
        for i in range(m)
        for j in range(m)
        if i != j
    )
    cross = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return within / (m * (m - 1)) - 2.0 * cross / m**2


def test_kid_matches_a_direct_computation():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(6, 3))
    fake = rng.normal(size=(7, 3)) + 0.5
    # subset_size is clipped to 6, so the real subset is all of `real`
    # (in some order, which the U-statistic ignores) and the fake one
    # leaves out one row: check against each possible fake subset.
    result = metrics.kernel_inception_distance(
        real, fake, subsets=1, subset_size=100, seed=3
    )
    assert result.protocol["subset_size"] == 6
    candidates = [
        _naive_unbiased_mmd2(real, np.delete(fake, i, axis=0)) for i in range(7)
    ]
    assert min(abs(c - result["mean"]) for c in candidates) < 1e-12
    assert result["std"] == 0.0


def test_kid_is_zero_in_a_derived_band_for_one_distribution():
    d, n, subsets, size = 8, 4000, 20, 200
    rng = np.random.default_rng(8)
    real, fake = rng.normal(size=(2, n, d))
    result = metrics.kernel_inception_distance(
        real, fake, subsets=subsets, subset_size=size, seed=0
    )
    # The estimate is unbiased, so its expectation is 0. Subsets of 200
    # from pools of 4000 share few points (~10), so the subset values are
    # close to independent and their mean has standard error
    # std / sqrt(subsets): allow 4 standard errors.
    band = 4 * result["std"] / math.sqrt(subsets)
    assert result["std"] > 0
    assert abs(result["mean"]) < band
    # The band is narrow enough to catch the biased estimator that keeps
    # the diagonal k(x, x): it is off by 2 (E k(x, x) - E k(x, y)) / m.
    x, y = real[:size], fake[:size]
    kernel = metrics.kernel.polynomial_kernel
    biased = kernel(x, x).mean() + kernel(y, y).mean() - 2 * kernel(x, y).mean()
    assert biased > 3 * band


def test_kid_grows_with_added_noise_and_is_reproducible():
    rng = np.random.default_rng(9)
    real = rng.normal(size=(1000, 8))
    noise = rng.normal(size=real.shape)
    kids = [
        metrics.kernel_inception_distance(
            real, real + s * noise, subsets=10, subset_size=200
        )
        for s in (0.25, 0.5, 1.0, 2.0)
    ]
    means = [k["mean"] for k in kids]
    assert all(a < b for a, b in itertools.pairwise(means)), means
    assert all(k["std"] > 0 for k in kids)
    again = metrics.kernel_inception_distance(
        real, real + 2.0 * noise, subsets=10, subset_size=200
    )
    assert again == kids[-1]
    other = metrics.kernel_inception_distance(
        real, real + 2.0 * noise, subsets=10, subset_size=200, seed=1
    )
    assert other["mean"] != kids[-1]["mean"]
    assert other.protocol["subset_seed"] == 1


def test_kid_argument_errors():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="Received: subsets=0"):
        metrics.kernel_inception_distance(x, x, subsets=0)
    with pytest.raises(ValueError, match="Received: subset_size=1"):
        metrics.kernel_inception_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match="Received: seed=-1"):
        metrics.kernel_inception_distance(x, x, seed=-1)


# -------------------------------------------------------------- manifold


def _brute_force_manifold(real, fake, k):
    def radii(x):
        d = scipy.spatial.distance.cdist(x, x)
        return np.sort(d, axis=1)[:, k]  # column 0 is the point itself

    cross = scipy.spatial.distance.cdist(fake, real)
    r_real, r_fake = radii(real), radii(fake)
    return {
        "precision": np.mean((cross <= r_real[None]).any(axis=1)),
        "recall": np.mean((cross.T <= r_fake[None]).any(axis=1)),
        "density": (cross <= r_real[None]).sum() / (k * len(fake)),
        "coverage": np.mean((cross <= r_real[None]).any(axis=0)),
    }


def test_manifold_metrics_match_brute_force_across_chunks():
    rng = np.random.default_rng(10)
    real = rng.normal(size=(53, 5)) + 100.0  # offset: tests centring
    fake = rng.normal(size=(41, 5)) * 1.3 + 100.2
    for k, chunk_size in ((1, 7), (3, 7), (5, 1000)):
        expected = _brute_force_manifold(real, fake, k)
        pr = metrics.precision_recall(real, fake, k=k, chunk_size=chunk_size)
        dc = metrics.density_coverage(real, fake, k=k, chunk_size=chunk_size)
        got = {**pr.value, **dc.value}
        assert got == pytest.approx(expected, abs=1e-12), (k, chunk_size)
        assert 0 < got["precision"] < 1 and 0 < got["coverage"] < 1


def test_manifold_metrics_on_hand_checked_points():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    # k=1: every real ball has radius 1 (closed). Fake radii: 0.5 -> 2.0,
    # 2.5 -> 1.5, 4.0 -> 1.5, 8.0 -> 4.0. All distances are exact in
    # binary, so the boundary case (4.0 is exactly 1 from 3.0) is exact.
    fake = np.array([[0.5], [2.5], [4.0], [8.0]])
    pr = metrics.precision_recall(real, fake, k=1)
    # 0.5 and 2.5 are inside real balls, 4.0 on the boundary of the ball
    # of 3.0 (closed balls count it; open ones would give 0.5); 8.0 is out.
    assert pr["precision"] == 0.75
    # Every real point is within 2.0 of 0.5 or within 1.5 of 2.5.
    assert pr["recall"] == 1.0
    dc = metrics.density_coverage(real, fake, k=1)
    # 0.5 lies in the balls of 0 and 1, 2.5 in those of 2 and 3, 4.0 in
    # that of 3: 5 memberships / (k * 4 fakes).
    assert dc["density"] == 1.25
    assert dc["coverage"] == 1.0
    assert pr.protocol["k"] == 1 and dc.protocol["num_fake"] == 4


def _ring_sets(n):
    real = make_ring(n, modes=8, std=0.01, seed=0)
    perfect = make_ring(n, modes=8, std=0.01, seed=1)
    x, labels = make_ring(3 * n, modes=8, std=0.01, seed=2, return_labels=True)
    half_modes = x[labels < 4][:n]  # a generator that dropped 4 modes
    assert len(half_modes) == n and set(labels[labels < 4]) == {0, 1, 2, 3}
    return real, perfect, half_modes


def test_precision_recall_on_the_ring_with_dropped_modes():
    real, perfect, half_modes = _ring_sets(1000)
    good = metrics.precision_recall(real, perfect)
    dropped = metrics.precision_recall(real, half_modes)
    # Same distribution: over 100 seeds both were 0.967 on average and
    # never below 0.94 (k=3, n=1000).
    assert good["precision"] > 0.9 and good["recall"] > 0.9
    # Dropping half the modes leaves samples realistic, while ~half of
    # the real samples (those in the 4 missing modes) lose their cover.
    assert dropped["precision"] > 0.9
    assert dropped["recall"] < 0.6


def test_precision_drops_for_off_manifold_samples():
    real, perfect, _ = _ring_sets(1000)
    # Move every other sample 0.5 (50 sigma) off its mode.
    fake = perfect.copy()
    fake[::2] += 0.5
    result = metrics.precision_recall(real, fake)
    # Half are unrealistic (precision ~0.5 times the 0.97 of a perfect
    # sampler); the other half still covers every mode.
    assert 0.4 < result["precision"] < 0.6
    assert result["recall"] > 0.9


def test_density_coverage_on_the_ring():
    n, k = 1000, 5
    real, perfect, half_modes = _ring_sets(n)
    good = metrics.density_coverage(real, perfect, k=k)
    dropped = metrics.density_coverage(real, half_modes, k=k)
    # Same distribution: a real ball misses every fake iff its k nearest
    # among the other n-1 reals and n fakes are all real, so
    # E[coverage] = 1 - prod_{j<k} (n-1-j)/(2n-1-j) ~ 0.969. Neighbouring
    # balls overlap, so the spread is larger than binomial: over 100
    # seeds the sd was 0.008, 1.5x sqrt(p(1-p)/n); allow 4 such sd.
    p = 1 - np.prod([(n - 1 - j) / (2 * n - 1 - j) for j in range(k)])
    assert abs(good["coverage"] - p) < 4 * 1.5 * math.sqrt(p * (1 - p) / n)
    # E[density] = 1 exactly (a fake lies in a given real ball with
    # probability k/n); the sd over 100 seeds was 0.019: allow 5 sd.
    assert abs(good["density"] - 1.0) < 0.1
    # The 4 missing modes hold half of the real balls.
    assert dropped["coverage"] < 0.6
    assert dropped["density"] > 0.9


def test_manifold_chunks_bound_memory():
    rng = np.random.default_rng(11)
    real, fake = rng.normal(size=(2, 3000, 2))
    tracemalloc.start()
    try:
        metrics.density_coverage(real, fake, chunk_size=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # One full 3000 x 3000 float64 distance matrix is 72 MB; blocks of
    # 100 rows are 2.4 MB each, so a few live blocks plus copies of the
    # inputs stay well under a quarter of that.
    assert peak < 3000 * 3000 * 8 / 4


def test_manifold_argument_errors():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"more than k=4.*\(4, 2\)"):
        metrics.precision_recall(x, np.ones((10, 2)), k=4)
    with pytest.raises(ValueError, match=r"fake_features.*\(3, 2\)"):
        metrics.precision_recall(np.ones((10, 2)), x[:3])
    # Density and coverage use only the real neighbourhoods.
    metrics.density_coverage(np.ones((10, 2)), x[:1])
    with pytest.raises(ValueError, match="Received: k=0"):
        metrics.density_coverage(x, x, k=0)
    with pytest.raises(ValueError, match="Received: chunk_size=0"):
        metrics.density_coverage(x, x, k=1, chunk_size=0)


# ----------------------------------------------------------------- modes


def test_mode_coverage_on_a_constructed_example():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    samples = np.array(
        [
            [0.5, 0.0],  # mode 0, HQ
            [-1.0, 1.0],  # mode 0, HQ (distance 1.41)
            [10.0, 2.9],  # mode 1, HQ
            [10.0, 3.1],  # mode 1, not HQ
            [5.0, 5.0],  # not HQ
        ]
    )
    result = metrics.mode_coverage(samples, centers, std=1.0)
    # HQ histogram over 3 modes: (2, 1, 0) / 3.
    p = np.array([2, 1]) / 3
    assert result["modes"] == 2
    assert result["high_quality"] == 3 / 5
    assert result["kl"] == pytest.approx(np.sum(p * np.log(p * 3)), abs=1e-15)
    assert result.protocol == {
        "num_samples": 5,
        "num_modes": 3,
        "std": 1.0,
        "threshold": 3.0,
    }
    # A wider threshold takes in the 4th sample: histogram (2, 2, 0).
    wide = metrics.mode_coverage(samples, centers, std=1.0, threshold=3.2)
    assert wide["high_quality"] == 4 / 5
    assert wide["kl"] == pytest.approx(math.log(3 / 2), abs=1e-15)


def test_mode_coverage_boundaries_ties_and_no_hq():
    centers = np.array([[0.0, 0.0], [4.0, 0.0]])
    # Exactly at threshold * std = 1.5 (representable): not HQ (strict).
    edge = metrics.mode_coverage([[1.5, 0.0]], centers, std=0.5)
    assert edge["high_quality"] == 0.0 and edge["modes"] == 0
    assert math.isnan(edge["kl"])
    assert math.isnan(json.loads(json.dumps(edge.to_dict()))["value"]["kl"])
    # Equidistant from both centres: assigned to the first one.
    tie = metrics.mode_coverage([[2.0, 0.0]], centers, std=1.0)
    assert tie["modes"] == 1 and tie["kl"] == pytest.approx(math.log(2))
    balanced = metrics.mode_coverage([[0.1, 0.0], [4.1, 0.0]], centers, 1.0)
    assert balanced["modes"] == 2 and balanced["kl"] == 0.0


def _hq_and_kl_bounds(n, num_modes):
    # A sample is HQ with probability p = 1 - exp(-4.5) (the squared
    # distance of a 2-D Gaussian over sigma^2 is chi2_2, P(chi2_2 < 9) =
    # 1 - e^-4.5 = 0.98889). The other centres are >= 15 (ring: 2 sin(pi/8)
    # / 0.01 = 76, grid: 2 / 0.05 = 40) sigma away, so the nearest centre
    # is the own centre with probability ~1. The HQ count is
    # Binomial(n, p): sd sqrt(p(1-p)/n) = 0.0021 for n = 2500; allow 4 sd.
    p = 1 - math.exp(-4.5)
    hq_tol = 4 * math.sqrt(p * (1 - p) / n)
    # For a multinomial histogram of m HQ samples over K equal modes,
    # 2 m KL(p_hat || u) is the G-statistic, asymptotically chi2_{K-1}:
    # bound KL by its 99.9 % quantile / (2 m).
    m = int(p * n)
    kl_bound = scipy.stats.chi2.ppf(0.999, num_modes - 1) / (2 * m)
    return p, hq_tol, kl_bound


def test_mode_coverage_of_real_ring_and_grid_data():
    n = 2500
    for modes, sample, centers, std in (
        (8, make_ring, ring_centers, 0.01),
        (25, make_grid, grid_centers, 0.05),
    ):
        x = sample(n, modes=modes, std=std, seed=12)
        result = metrics.mode_coverage(x, centers(modes), std=std)
        p, hq_tol, kl_bound = _hq_and_kl_bounds(n, modes)
        assert result["modes"] == modes
        assert abs(result["high_quality"] - p) < hq_tol
        assert 0.0 <= result["kl"] < kl_bound


def test_mode_coverage_of_a_generator_that_dropped_half_the_ring():
    n = 2500
    x, labels = make_ring(2 * n, std=0.01, seed=13, return_labels=True)
    x = x[labels % 2 == 0][:n]  # modes 0, 2, 4, 6 only
    result = metrics.mode_coverage(x, ring_centers(8), std=0.01)
    assert result["modes"] == 4
    # KL(p || u8) = log 2 + KL(p || u4) for p on 4 of 8 modes; the second
    # term is bounded as for real data with K = 4.
    _, _, kl_bound = _hq_and_kl_bounds(n, 4)
    assert 0.0 <= result["kl"] - math.log(2) < kl_bound


def test_mode_coverage_argument_errors():
    c = ring_centers(8)
    with pytest.raises(ValueError, match=r"samples.shape=\(2, 3\), centers"):
        metrics.mode_coverage(np.zeros((2, 3)), c, std=0.01)
    with pytest.raises(ValueError, match=r"Received: samples.shape=\(2,\)"):
        metrics.mode_coverage(np.zeros(2), c, std=0.01)
    with pytest.raises(ValueError, match=r"Received: centers.shape=\(0, 2\)"):
        metrics.mode_coverage(np.zeros((2, 2)), np.zeros((0, 2)), std=0.01)
    with pytest.raises(ValueError, match="Received: std=0"):
        metrics.mode_coverage(np.zeros((2, 2)), c, std=0)
    with pytest.raises(ValueError, match="Received: threshold=-1"):
        metrics.mode_coverage(np.zeros((2, 2)), c, std=0.01, threshold=-1)


# -------------------------------------------------------- reconstruction


def test_reconstruction_error_values():
    x = np.arange(12, dtype="float32").reshape(3, 2, 2)
    y = x.copy()
    y[0, 0, 0] += 3.0
    y[2, 1, 1] -= 1.0
    result = metrics.reconstruction_error(x, y, protocol={"split": "test"})
    assert result["l1"] == pytest.approx(4.0 / 12)
    assert result["mse"] == pytest.approx(10.0 / 12)
    assert result.protocol == {
        "num_samples": 3,
        "shape": [3, 2, 2],
        "split": "test",
    }
    assert metrics.reconstruction_error(x, x).value == {"l1": 0.0, "mse": 0.0}


def test_latent_cycle_error_values():
    z = np.zeros((3, 2))
    cycled = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 0.0]])
    result = metrics.latent_cycle_error(z, cycled)
    # Norms 5, 0, 1: the mean of norms, not the norm of the mean error
    # (0.67, 1.33) nor the RMS over elements.
    assert float(result) == pytest.approx(2.0)
    assert result.protocol == {"num_samples": 3, "latent_shape": [2]}
    # Codes with more axes are flattened per sample: norm of (1, 1, 1, 1).
    z4 = np.zeros((1, 2, 2))
    assert float(metrics.latent_cycle_error(z4, np.ones((1, 2, 2)))) == 2.0


def test_reconstruction_argument_errors():
    with pytest.raises(
        ValueError, match=r"x.shape=\(2, 3\), x_reconstructed.shape=\(3, 2\)"
    ):
        metrics.reconstruction_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"Received: x.shape=\(\)"):
        metrics.reconstruction_error(1.0, 1.0)
    with pytest.raises(ValueError, match=r"Received: z.shape=\(4,\)"):
        metrics.latent_cycle_error(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="z_cycled.*NaN"):
        metrics.latent_cycle_error(np.zeros((1, 2)), [[np.nan, 0.0]])
