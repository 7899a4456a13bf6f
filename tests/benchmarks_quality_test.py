"""The pure helpers of benchmarks/quality (no training, no children)."""

import json
import math
import os
import sys
import types

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `benchmarks` is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks.quality import _common  # noqa: E402
from benchmarks.quality import digits  # noqa: E402
from benchmarks.quality import rescore_digits  # noqa: E402
from benchmarks.quality import rescore_ring_grid  # noqa: E402
from benchmarks.quality import ring_grid  # noqa: E402
from benchmarks.quality import stacked  # noqa: E402


def test_mean_se_uses_sample_standard_deviation():
    mean, se, n = _common.mean_se([1.0, 2.0, 3.0])
    # sd (ddof=1) of 1, 2, 3 is 1, so se = 1 / sqrt(3); exact arithmetic
    # up to float64 round-off.
    assert (mean, n) == (2.0, 3)
    assert se == pytest.approx(1 / math.sqrt(3), rel=1e-12)
    assert _common.mean_se([5]) == (5.0, None, 1)
    assert _common.mean_se([None, float("nan")]) == (None, None, 0)
    # Non-finite values are left out, not averaged.
    assert _common.mean_se([1.0, None, 3.0, float("inf")])[:2] == (
        2.0,
        pytest.approx(1.0),
    )


def test_format_mean_se():
    assert _common.format_mean_se([1.0, 2.0, 3.0]) == "2.00 ± 0.58"
    assert _common.format_mean_se([0.5], digits=1, scale=100) == "50.0"
    assert _common.format_mean_se([]) == "-"
    assert _common.format_mean_se([None, None]) == "-"
    assert _common.format_mean_se([1.0, float("nan"), 3.0]) == (
        "2.00 ± 1.00 (2/3)"
    )
    assert _common.format_steps([500, 500]) == "500"
    assert _common.format_steps([None]) == "-"
    assert _common.format_steps([400, 600]) == "500 ± 100"


def test_markdown_table_escapes_pipes():
    table = _common.markdown_table(["a", "b"], [[1, "x|y"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |"]


def test_parsers():
    assert _common.parse_names(" aegan, bigan,,aegan ") == ["aegan", "bigan"]
    assert _common.parse_seeds("0, 1,1,2") == [0, 1, 2]
    with pytest.raises(ValueError):
        _common.parse_seeds("0,a")
    with pytest.raises(ValueError):
        _common.parse_seeds(",")
    assert _common.parse_model_kwargs('{"ema_decay": 0.99}') == {
        "ema_decay": 0.99
    }
    for bad in ("[1]", "{nope"):
        with pytest.raises(ValueError):
            _common.parse_model_kwargs(bad)
    assert _common.parse_mixture("") == []
    assert _common.parse_mixture("40, 200,") == [40, 200]
    for bad in ("0", "4x", "-3"):
        with pytest.raises(ValueError, match="--mixture"):
            _common.parse_mixture(bad)


class _Model:
    """Stands in for a model: which parts a benchmark row needs."""

    def __init__(self, ema=True, encoder=True, critic=True):
        self.ema_decay = 0.99 if ema else None
        self.refine_network = object() if critic else None
        if encoder:
            self.encode = lambda x: x


def test_generator_variants_and_mixture_names():
    variants = _common.generator_variants
    assert variants(_Model(), mixtures=[40]) == ["raw", "ema", "ema+mix40"]
    assert variants(_Model(ema=False), refine=True, mixtures=[4, 8]) == [
        "raw",
        "raw+mix4",
        "raw+mix8",
        "raw+drs",
        "raw+mix4+drs",
        "raw+mix8+drs",
    ]
    # No encoder (DCGAN): no codes to fit a mixture to.
    assert variants(_Model(encoder=False), mixtures=[40]) == ["raw", "ema"]
    assert variants(_Model(critic=False), refine=True) == ["raw", "ema"]
    assert _common.mixture_components("ema+mix40+drs") == 40
    assert _common.mixture_components("ema+drs") is None


def test_rescore_variants():
    parse = rescore_digits.parse_variant
    assert parse("prior") == (None, None)
    assert parse("mix40@1.3") == ((40, 1.3), None)
    assert parse("mix40+drs95") == ((40, 1.0), 95.0)
    assert parse("prior+drs50") == (None, 50.0)
    with pytest.raises(ValueError, match="'prior\\+best'"):
        parse("prior+best")
    with pytest.raises(ValueError, match="'ema'"):
        parse("ema")
    args = rescore_ring_grid._parse(
        ["--model", "m/ring_grid_ring_aegan_jax_s0.keras", "--seed", "0"]
    )
    # "ring_grid_ring_..." also contains "_grid_": the runner's prefix
    # decides, not a substring.
    assert args.dataset == "ring" and args.percentile_list == [50.0]
    args = rescore_ring_grid._parse(
        ["--model", "ring_grid_grid_x.keras", "--seed", "1"]
        + ["--percentiles", "50,95"]
    )
    assert args.dataset == "grid" and args.percentile_list == [50.0, 95.0]
    for argv in (
        ["--model", "other.keras", "--seed", "0"],
        ["--model", "ring_grid_ring_x.keras", "--seed", "0"]
        + ["--variants", "best"],
        ["--model", "ring_grid_ring_x.keras", "--seed", "0"]
        + ["--percentiles", "high"],
    ):
        with pytest.raises(SystemExit):
            rescore_ring_grid._parse(argv)


def test_resolve_model_class_is_defensive():
    class AEGAN:
        def fit(self):
            pass

    class AlphaGAN(AEGAN):
        pass

    module = types.SimpleNamespace(
        AEGAN=AEGAN,
        AlphaGAN=AlphaGAN,
        callbacks=object(),
        __all__=["AEGAN", "AlphaGAN", "callbacks"],
    )
    assert _common.resolve_model_class("aegan", module) == (AEGAN, None)
    assert _common.resolve_model_class("alpha_gan", module)[0] is AlphaGAN
    assert _common.resolve_model_class("ALPHAGAN", module)[0] is AlphaGAN
    cls, message = _common.resolve_model_class("dcgan", module)
    assert cls is None and "DCGAN" in message
    # A public name that is not a model class is not a model.
    assert _common.resolve_model_class("callbacks", module)[0] is None


def test_child_env_sets_backend_and_threads_only_for_the_child():
    before = dict(os.environ)
    env = _common.child_env("torch", 1)
    assert dict(os.environ) == before
    assert env["KERAS_BACKEND"] == "torch"
    assert env["OMP_NUM_THREADS"] == "1"
    assert "xla_cpu_multi_thread_eigen=false" in env["XLA_FLAGS"]


def _record(model, seed, steps, train_s, evaluations, **extra):
    return {
        "model": model,
        "backend": "jax",
        "seed": seed,
        "steps": steps,
        "train_s": train_s,
        "evaluations": [{"generator": g, "scalars": s} for g, s in evaluations],
        **extra,
    }


def test_summary_table_groups_seeds_per_model_and_generator():
    records = [
        _record("aegan", 0, 100, 10.0, [("raw", {"fid": 2.0})]),
        _record("aegan", 1, 100, 12.0, [("raw", {"fid": 4.0})]),
        _record("bigan", 0, 100, 5.0, [("raw", {"fid": float("nan")})]),
    ]
    rows = _common.evaluation_rows(records)
    groups = _common.group_rows(rows)
    assert [key for key, _ in groups] == [
        ("aegan", "jax", "raw"),
        ("bigan", "jax", "raw"),
    ]
    table = _common.summary_table(
        groups, [("fid", "FID", 2, 1.0)], ["model", "backend", "generator"]
    )
    lines = table.splitlines()
    assert lines[0] == (
        "| model | backend | generator | seeds | steps | train s | FID |"
    )
    assert lines[2] == "| aegan | jax | raw | 2 | 100 | 11 ± 1 | 3.00 ± 1.00 |"
    assert lines[3] == "| bigan | jax | raw | 1 | 100 | 5 | - |"


def test_compose_rows_and_gallery(tmp_path):
    gray = np.zeros((4, 6, 1), "uint8")
    rgb = np.full((8, 3, 3), 7, "uint8")
    image, tops = _common.compose_rows([[gray, rgb], [gray]], gap=2)
    # Row 1 is 8 high (the taller tile) and 6 + 2 + 3 = 11 wide.
    assert image.shape == (8 + 2 + 4, 11, 3)
    assert tops == [0, 10]
    assert (image[0:4, 0:6] == 0).all() and (image[:8, 8:11] == 7).all()
    assert (image[10:, 6:] == 255).all()  # white where empty
    framed = _common.framed(np.zeros((5, 5, 3), "uint8"))
    assert framed[0, 2, 0] == 190 and framed[2, 2, 0] == 0
    assert _common.upscale(np.eye(2, dtype="uint8"), 2).shape == (4, 4)
    prefix = str(tmp_path / "out" / "bench")
    paths = _common.write_outputs(
        prefix,
        {"kl": float("nan"), "rows": (1, np.float32(2.5))},
        "# title",
        [("aegan / jax / raw", [gray, rgb])],
    )
    assert paths == [prefix + ".json", prefix + ".md", prefix + ".png"]
    with open(prefix + ".json") as f:
        assert json.load(f) == {"kl": None, "rows": [1, 2.5]}
    assert _common.write_gallery(str(tmp_path / "none.png"), []) is None


def test_digits_report_has_floor_ceiling_and_model_rows():
    argv = ["--backend", "jax", "--models", "aegan", "--seeds", "0,1"]
    args = digits._parse(argv)
    assert args.model_list == ["aegan"] and args.seed_list == [0, 1]
    ceiling = {"recognisable": 0.95, "classes": 10, "class_kl": 0.001}
    records = [
        _record(
            "real",
            s,
            None,
            None,
            [(digits.FLOOR, {"fid": 0.3}), (digits.CEILING, ceiling)],
        )
        for s in (0, 1)
    ] + [
        _record(
            "aegan",
            s,
            230,
            60.0,
            [("raw", {"fid": 2.0 + s, "recognisable": 0.1})],
        )
        for s in (0, 1)
    ]
    text = digits.report(records, args, argv, ["note"], floor=0.123)
    assert "| real | jax | train vs test (floor) | 2 | - | - | 0.30 ± 0.00" in (
        text
    )
    assert "| real | jax | test split (ceiling) | 2 |" in text
    assert "| 95.0 ± 0.0 | 10.0 ± 0.0 |" in text
    assert "| aegan | jax | raw | 2 | 230 | 60 ± 0 | 2.50 ± 0.50 |" in text
    assert "digits-FID 0.123" in text and "- note" in text
    scalars = digits.class_scalars(
        types.SimpleNamespace(value={"kl": 0.5, "class_3": 0.1})
    )
    assert scalars == {"class_kl": 0.5, "class_3": 0.1}


def test_ring_grid_report_puts_published_rows_beside_ours():
    argv = ["--backend", "torch", "--datasets", "grid", "--seeds", "0"]
    args = ring_grid._parse(argv)
    assert args.dataset_list == ["grid"]
    records = [
        _record(
            "aegan",
            0,
            500,
            30.0,
            [("raw", {"modes": 25, "high_quality": 0.97, "mode_kl": 0.01})],
            dataset="grid",
        )
    ]
    text = ring_grid.report(records, args, argv, [])
    assert "## grid (25 modes; target: 25/25 modes, >= 96 % HQ)" in text
    assert "| aegan | jax | raw | 1 | 500 | 30 | 25.0 | 97.0 | 0.010 |" in text
    assert "| PacGAN4 | 24.8 / 25 | 93.6 |" in text
    assert "## ring" not in text
    with pytest.raises(SystemExit):
        ring_grid._parse(["--datasets", "moons"])


def test_stacked_report_and_published_numbers():
    argv = ["--seeds", "0", "--steps", "1000"]
    args = stacked._parse(argv)
    assert args.samples == 26000 and args.steps == 1000
    records = [
        _record(
            "aegan",
            0,
            1000,
            100.0,
            [("ema", {"modes": 990, "kl": 0.09, "recognisable": 0.5})],
        )
    ]
    text = stacked.report(records, args, argv, [])
    assert "| aegan | jax | ema | 1 | 1000 | 100 | 990.0 | 0.090 | 50.0 |" in (
        text
    )
    assert "| PacDCGAN2 | 1000 | 0.06 |" in text
    assert "| VEEGAN | 150 | 2.95 |" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["--seeds", "x"],
        ["--model-kwargs", "[]"],
        ["--model-kwargs", '{"seed": 1}'],
        ["--steps", "0"],
        ["--epochs", "0"],
        ["--mixture", "0"],
    ],
)
def test_shared_options_are_checked(argv):
    with pytest.raises(SystemExit):
        digits._parse(argv)
