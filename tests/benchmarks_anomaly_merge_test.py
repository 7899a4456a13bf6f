"""benchmarks/anomaly/merge.py on made-up parts (no training here)."""

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `benchmarks` is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks.anomaly.merge import merge  # noqa: E402

SEEDS = [0, 1, 2]


def _auroc(digit, seed):
    return 0.5 + 0.04 * digit + 0.01 * seed  # distinct, easy to average


def _part(digits, **changes):
    records = [
        {
            "split": f"digits_anomalous/{digit}",
            "digit": digit,
            "seed": seed,
            "detector": "knn1",
            "row": "kNN (k=1)",
            "auroc": _auroc(digit, seed),
            "auprc": 0.3,
            "tpr_at_5_fpr": 0.2,
            "fit_seconds": 1.0 + digit,
            "score_seconds": 0.1,
            "test_samples_per_second": 100.0,
            "info": {},
        }
        for seed in SEEDS
        for digit in digits
    ]
    splits = [
        {
            "name": f"digits_anomalous/{digit}",
            "train": 1000,
            "validation": 250,
            "test": 359,
            "test_anomalies": 36,
        }
        for seed in SEEDS
        for digit in digits
    ]
    report = {
        "protocol": "digits_anomalous",
        "screening": True,
        "command": f"python -m benchmarks.anomaly.run --digits {list(digits)}",
        "backend": "jax",
        "keras": "3",
        "threads": 1,
        "seeds": SEEDS,
        "digits": list(digits),
        "epochs": 80,
        "batch_size": 64,
        "eval_every": 8,
        "width": 16,
        "wall_seconds": 60.0 * len(digits),
        "splits": splits,
        "records": records,
    }
    report.update(changes)
    return report


def test_merged_parts_summarise_as_one_run_of_every_digit():
    report, text = merge([_part(range(4)), _part(range(4, 10))])
    assert report["digits"] == list(range(10))
    assert not report["screening"]
    assert "(full protocol)" in text
    assert len(report["records"]) == 30
    assert report["wall_seconds"] == 360.0  # the longest part (6 digits)
    (row,) = report["summary"]
    # Per seed: the mean over the ten digits; then mean and sd over seeds.
    per_seed = [np.mean([_auroc(d, s) for d in range(10)]) for s in SEEDS]
    np.testing.assert_allclose(row["auroc"]["per_seed"], per_seed)
    np.testing.assert_allclose(row["auroc"]["mean"], np.mean(per_seed))
    np.testing.assert_allclose(row["auroc"]["sd"], np.std(per_seed, ddof=1))
    for digit in range(10):
        mean, _ = row["auroc_by_digit"][str(digit)]
        np.testing.assert_allclose(
            mean, np.mean([_auroc(digit, s) for s in SEEDS])
        )
    for part in ("[0, 1, 2, 3]", "[4, 5, 6, 7, 8, 9]"):
        assert part in text  # each part's command
    assert report["commands"] == [
        "python -m benchmarks.anomaly.run --digits [0, 1, 2, 3]",
        "python -m benchmarks.anomaly.run --digits [4, 5, 6, 7, 8, 9]",
    ]


def test_parts_that_do_not_belong_together_are_refused():
    with pytest.raises(ValueError, match="'epochs': 80 and 20"):
        merge([_part(range(5)), _part(range(5, 10), epochs=20)])
    with pytest.raises(ValueError, match="share digits"):
        merge([_part(range(5)), _part(range(4, 10))])
    with pytest.raises(ValueError, match="2 or more parts"):
        merge([_part(range(10))])
    with pytest.raises(ValueError, match="'keras': '3' and '3.9'"):
        merge([_part(range(5)), _part(range(5, 10), keras="3.9")])
    other = _part(range(5, 10))
    for record in other["records"]:
        record["row"] = "KDE"
    with pytest.raises(ValueError, match="different detectors"):
        merge([_part(range(5)), other])
    # A part still running (or killed): its file holds the splits done.
    running = _part(range(5, 10))
    running["records"] = [r for r in running["records"] if r["seed"] == 0]
    running["splits"] = running["splits"][:5]
    with pytest.raises(ValueError, match="unfinished: 5 of 15 splits"):
        merge([_part(range(5)), running])
    running["splits"] = _part(range(5, 10))["splits"]
    with pytest.raises(ValueError, match="unfinished: 'kNN"):
        merge([_part(range(5)), running])
    with pytest.raises(ValueError, match="Only digits protocols"):
        merge([_part([0], protocol="breast_cancer"), _part([1])])
    # Fewer than all ten digits stays a screening run.
    report, text = merge([_part([0]), _part([1])])
    assert report["screening"] and "(screening)" in text
