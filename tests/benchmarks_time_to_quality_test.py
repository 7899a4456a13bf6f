"""The pure helpers of benchmarks/time_to_quality.py (no training here)."""

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `benchmarks` is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks import time_to_quality as ttq  # noqa: E402

# Two made-up runs: jax trains for 30 s, torch for 50 s.
JAX = [
    {"train_s": 10.0, "fid": 80.0},
    {"train_s": 20.0, "fid": 40.0},
    {"train_s": 30.0, "fid": 50.0},
]
TORCH = [
    {"train_s": 25.0, "fid": 90.0},
    {"train_s": 50.0, "fid": 45.0},
]


def test_fid_at_takes_the_latest_measurement_by_then():
    assert ttq.fid_at(JAX, 5.0) is None
    assert ttq.fid_at(JAX, 10.0) == 80.0  # inclusive
    assert ttq.fid_at(JAX, 29.9) == 40.0
    assert ttq.fid_at(JAX, 100.0) == 50.0  # the last, not the best


def test_time_to_reach_takes_the_first_measurement_at_or_below():
    assert ttq.time_to_reach(JAX, 50.0) == 20.0
    assert ttq.time_to_reach(JAX, 40.0) == 20.0
    assert ttq.time_to_reach(JAX, 39.9) is None


def test_summarise_compares_at_the_shortest_run_and_common_target():
    summary = ttq.summarise(
        [
            {"backend": "jax", "points": JAX},
            {"backend": "torch", "points": TORCH},
            {"backend": "tensorflow", "points": []},  # failed: left out
        ]
    )
    assert summary["equal_time_s"] == 30.0
    assert summary["fid_at_equal_time"] == {"jax": 50.0, "torch": 90.0}
    # Best FIDs: jax 40, torch 45; every backend reached 45.
    assert summary["target_fid"] == 45.0
    assert summary["seconds_to_target"] == {"jax": 20.0, "torch": 50.0}
    assert ttq.summarise([]) == {}


def test_ticks_are_round_and_inside_the_range():
    assert ttq.nice_ticks(0.0, 95.0) == [0.0, 20.0, 40.0, 60.0, 80.0]
    assert ttq.nice_ticks(0.0, 0.6) == [0.0, 0.2, 0.4, 0.6]  # 0.12 -> 0.2
    assert ttq.log_ticks(1.0, 100.0) == [1, 2, 5, 10, 20, 50, 100]
    assert ttq.log_ticks(3.0, 30.0) == [5, 10, 20]


def test_plot_draws_each_backend_in_its_colour(tmp_path):
    from PIL import Image

    path = tmp_path / "ttq.png"
    runs = [
        {"backend": "jax", "points": JAX},
        {"backend": "torch", "points": TORCH},
    ]
    ttq.plot(runs, 12.0, str(path), size=(400, 300))
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape == (300, 400, 3)
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    assert ttq.COLORS["jax"] in colours
    assert ttq.COLORS["torch"] in colours
    assert ttq.COLORS["tensorflow"] not in colours
