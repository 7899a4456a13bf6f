"""AUROC, AUPRC and the true positive rate at a false positive rate."""

import math

import numpy as np
from sklearn.metrics import average_precision_score
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve

#: The false positive rate of `tpr_at_fpr` in the tables.
FPR = 0.05


def _check(y_true, scores):
    y = np.asarray(y_true)
    s = np.asarray(scores, "float64")
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(
            "`y_true` and `scores` must be 1-D and of the same length. "
            f"Received shapes {y.shape} and {s.shape}"
        )
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ValueError(
            "`y_true` must hold both labels 0 (normal) and 1 (anomaly). "
            f"Received: {sorted(np.unique(y).tolist())}"
        )
    if not np.all(np.isfinite(s)):
        raise ValueError(
            f"`scores` must be finite. Received {np.sum(~np.isfinite(s))} "
            "non-finite scores"
        )
    return y.astype("int64"), s


def tpr_at_fpr(y_true, scores, fpr=FPR):
    """The highest true positive rate at a false positive rate <= `fpr`.

    Over every threshold of the ROC curve (no interpolation): the share
    of anomalies flagged when at most `fpr` of the normal samples are.

    Args:
        y_true: 1 for an anomaly, 0 for a normal sample.
        scores: Higher is more anomalous.
        fpr: The false positive rate budget, in [0, 1].

    Returns:
        A float in [0, 1].
    """
    y, s = _check(y_true, scores)
    fprs, tprs, _ = roc_curve(y, s, drop_intermediate=False)
    return float(np.max(tprs[fprs <= fpr + 1e-12]))


def evaluate(y_true, scores):
    """`{"auroc", "auprc", "tpr_at_5_fpr"}` of one detector's scores.

    AUPRC is scikit-learn's average precision with the anomalies as the
    positive class (its chance level is their share of the test).
    """
    y, s = _check(y_true, scores)
    return {
        "auroc": float(roc_auc_score(y, s)),
        "auprc": float(average_precision_score(y, s)),
        "tpr_at_5_fpr": tpr_at_fpr(y, s, FPR),
    }


def mean_sd(values):
    """`(mean, sd, n)` over finite values; sd with ddof=1 (None for n < 2)."""
    v = [float(x) for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None, None, 0
    mean = float(np.mean(v))
    sd = float(np.std(v, ddof=1)) if len(v) > 1 else None
    return mean, sd, len(v)


def format_mean_sd(values, digits=3):
    """`"0.912 ± 0.010"`, `"0.912"` for one value, `"–"` for none."""
    mean, sd, n = mean_sd(values)
    if n == 0:
        return "–"
    if sd is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"
