"""The speed benchmark's native loops still do keras_aegan's work.

`benchmarks/check_equivalence.py` compares a keras_aegan step with the
hand-written native step of this suite's backend. It ran only by hand,
and drifted: the library's default loss weights for vectors and its
learning rates changed, the native loops kept the old ones, and the
mlp check failed for weeks without anyone running it. The strict (SGD)
check on mlp takes seconds; conv32's networks are checked against the
library's defaults by shape.
"""

import os
import sys

import keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `benchmarks` is not installed with the package
    sys.path.insert(0, ROOT)

from benchmarks import check_equivalence  # noqa: E402
from benchmarks import specs  # noqa: E402


def test_mlp_step_matches_the_native_loop():
    result = check_equivalence.check(
        keras.backend.backend(),
        "mlp",
        "sgd",
        steps=2,
        seed=0,
        jit="auto",
        torch_adam="keras",
    )
    # Tolerances: check_equivalence's own (losses 1e-5 relative, updates
    # 5e-3), which its docstring derives; `passed` applies them.
    assert result["architecture_matches_library_defaults"]
    assert result["passed"], {
        k: result[k]
        for k in (
            "first_step_loss_max_rel",
            "later_loss_max_rel",
            "update_max_rel",
            "update_max_rel_where",
        )
    }


def test_benchmark_networks_are_the_library_defaults():
    for name, config in specs.CONFIGS.items():
        matches = check_equivalence._matches_library_defaults(config)
        assert matches == config.library_defaults, name
