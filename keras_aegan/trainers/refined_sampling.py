"""Discriminator rejection sampling: keep the samples the critic believes."""

import numpy as np

REFINEMENTS = ("rejection",)
#: Candidates scored to initialise the running maximum of the logits.
BURN_IN = 1000
#: Per round, `gamma` is this percentile of the round's `F` values, so
#: about this share of candidates is accepted with probability below
#: one half. Azadi et al. use the 95th percentile; the 50th keeps nearly
#: all of its gain in sharpness on the ring and grid and much less of
#: its cost in mode balance and digits-FID (3 seeds each,
#: benchmarks/quality/README.md, "Refined sampling: the percentile").
GAMMA_PERCENTILE = 50.0
#: Rounds of proposals before the rest is filled with the best of them.
MAX_ROUNDS = 100
_EPSILON = 1e-6


def check_refine(refine):
    """Checks a `generate(refine=...)` argument."""
    if refine is not None and refine not in REFINEMENTS:
        raise ValueError(
            f"`refine` must be None or one of {REFINEMENTS}. Received: "
            f"refine={refine!r}"
        )
    return refine


def check_percentile(percentile, refine):
    """Checks a `generate(refine_percentile=...)` argument."""
    if percentile is None:
        return None
    if refine is None:
        raise ValueError(
            "`refine_percentile` applies to refined sampling only; pass "
            "refine='rejection' with it. Received: "
            f"refine_percentile={percentile!r} and refine=None"
        )
    if isinstance(percentile, bool) or not isinstance(
        percentile, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            "`refine_percentile` must be a number in [0, 100]. Received: "
            f"refine_percentile={percentile!r}"
        )
    if not 0.0 <= float(percentile) <= 100.0:
        raise ValueError(
            "`refine_percentile` must be in [0, 100]. Received: "
            f"refine_percentile={percentile!r}"
        )
    return float(percentile)


def acceptance_probabilities(logits, max_logit, gamma_percentile=None):
    """Acceptance probabilities of discriminator rejection sampling.

    With the discriminator's logit `D(x)`, the log density ratio of data
    to generator at the optimum, and `M` its largest value seen so far:
    `F(x) = D(x) - M - log(1 - exp(D(x) - M - eps)) - gamma` and the
    acceptance probability is `sigmoid(F(x))`, with `gamma` the
    `gamma_percentile`-th percentile of the batch's `F` values.

    Args:
        logits: 1-D NumPy array of logits of the candidates.
        max_logit: Running maximum of the logits (at least `max(logits)`).
        gamma_percentile: Percentile of `F` subtracted as `gamma`
            (default `GAMMA_PERCENTILE`).

    Returns:
        A float64 array of probabilities in (0, 1), the shape of
        `logits`.

    Example:

    ```python
    p = acceptance_probabilities(np.array([0.0, 2.0]), max_logit=2.0)
    ```
    """
    if gamma_percentile is None:
        gamma_percentile = GAMMA_PERCENTILE
    logits = np.asarray(logits, dtype="float64")
    delta = np.minimum(logits - max_logit, 0.0)
    f = delta - np.log1p(-np.exp(delta - _EPSILON))
    f = f - np.percentile(f, gamma_percentile)
    return 1.0 / (1.0 + np.exp(-f))


def rejection_sample(
    n, propose, score, rng, batch_size=256, gamma_percentile=None
):
    """Draws exactly `n` samples by discriminator rejection sampling.

    Proposes batches of candidates, accepts each with
    `acceptance_probabilities` (a uniform draw from `rng`), and stops at
    `n` accepted samples. If `MAX_ROUNDS` batches do not give `n`, the
    rest is filled with the not-yet-accepted candidates of highest
    acceptance probability, so the count is always `n`.

    Args:
        n: Number of samples, an int >= 1.
        propose: `propose(k) -> samples` (NumPy, first axis `k`).
        score: `score(samples) -> logits` (1-D NumPy).
        rng: `np.random.Generator` for the acceptance draws.
        batch_size: Candidates per round (raised to `min(n, 10000)`).
        gamma_percentile: Percentile of each round's `F` values
            subtracted as `gamma` (default `GAMMA_PERCENTILE`): higher
            rejects more.

    Returns:
        NumPy array of `n` samples.

    Reference:
        - [Azadi et al., "Discriminator Rejection Sampling", 2019](
          https://arxiv.org/abs/1810.06758)
    """
    # Rounds of at least `n` candidates (up to 10,000 at a time), so the
    # candidates left after MAX_ROUNDS always number at least `n`.
    batch_size = max(batch_size, min(n, 10_000))
    burn_in = propose(BURN_IN)
    max_logit = float(np.max(score(burn_in)))
    accepted, leftovers, left_probs = [], [], []
    count = 0
    for _ in range(MAX_ROUNDS):
        candidates = propose(batch_size)
        logits = np.asarray(score(candidates), dtype="float64").reshape(-1)
        max_logit = max(max_logit, float(np.max(logits)))
        probs = acceptance_probabilities(logits, max_logit, gamma_percentile)
        keep = rng.uniform(size=probs.shape) < probs
        accepted.append(candidates[keep][: n - count])
        count += len(accepted[-1])
        leftovers.append(candidates[~keep])
        left_probs.append(probs[~keep])
        if count >= n:
            break
    if count < n:
        pool = np.concatenate(leftovers)
        best = np.argsort(-np.concatenate(left_probs), kind="stable")
        accepted.append(pool[best[: n - count]])
    return np.concatenate(accepted)[:n]
