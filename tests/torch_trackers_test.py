"""PyTorch's torch-call update of the loss trackers gives Keras's values.

`keras_aegan.backend.torch.trackers.update_means` does for the float32
`Mean` trackers what `update_state(value, sample_weight=batch_size)` and
`result()` do, with the same float32 operations, so every comparison
here is exact (bit-identical), not a tolerance.
"""

import keras
import numpy as np
import pytest

import keras_aegan
from keras_aegan.trainers.nonfinite import SKIPS_KEY

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="the torch-call tracker update exists under PyTorch only",
)

if keras.backend.backend() == "torch":
    import torch

    from keras_aegan.backend.torch import direct_call
    from keras_aegan.backend.torch import trackers


def _trackers(names):
    return [keras.metrics.Mean(name=n) for n in names] + [
        keras.metrics.Sum(name=SKIPS_KEY)
    ]


def _state(metrics):
    return [keras.ops.convert_to_numpy(v) for m in metrics for v in m.variables]


def test_update_means_matches_update_state_and_result(monkeypatch):
    names = ["a", "b", "never_logged", "c"]
    fast, keras_path = _trackers(names), _trackers(names)
    # Keras's Mean must not run on the fast side: proves the comparison
    # is not Keras's path against itself.
    mean_calls = []
    original = keras.metrics.Mean.update_state

    def counting(metric, *args, **kwargs):
        mean_calls.append(metric.name)
        return original(metric, *args, **kwargs)

    monkeypatch.setattr(keras.metrics.Mean, "update_state", counting)
    rng = np.random.default_rng(0)
    for step in range(5):
        logs = {
            name: torch.tensor(rng.normal() * 10.0 ** rng.integers(-4, 4))
            for name in ("a", "b", "c")
        }
        logs["a"] = logs["a"].float()
        logs["b"] = logs["b"].float()
        # A float64 value is no fast-path value: Keras's `update_state`.
        logs[SKIPS_KEY] = torch.tensor(float(step % 2))
        batch_size = 64 if step < 4 else 37  # a short last batch
        mean_calls.clear()
        got = trackers.update_means(fast, logs, batch_size, SKIPS_KEY)
        assert mean_calls == ["c"]
        expected = {}
        for m in keras_path:
            if m.name == SKIPS_KEY:
                m.update_state(logs[SKIPS_KEY])
            elif m.name in logs:
                m.update_state(logs[m.name], sample_weight=batch_size)
            expected[m.name] = m.result()
        assert list(got) == [m.name for m in keras_path]
        for name in got:
            assert torch.equal(got[name], expected[name]), name
        for a, b in zip(_state(fast), _state(keras_path)):
            np.testing.assert_array_equal(a, b)
    # Never logged: count 0, result 0 (divide_no_nan), as Keras.
    assert float(got["never_logged"]) == 0.0


def _train(monkeypatch, enabled, x, **kwargs):
    monkeypatch.setenv(direct_call.ENV, "1" if enabled else "0")
    keras.utils.set_random_seed(0)
    model = keras_aegan.AEGAN(seed=0, width=16, **kwargs)
    batches = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(
                {k: keras.ops.convert_to_numpy(v) for k, v in logs.items()}
            )

    history = model.fit(
        x, batch_size=64, epochs=2, verbose=0, callbacks=[Record()]
    )
    validation = model.evaluate(x[:128], batch_size=64, verbose=0)
    return batches, history.history, validation, _state(model.metrics)


@pytest.mark.parametrize("on_nonfinite", ["raise", "skip"])
def test_training_logs_are_bit_identical(monkeypatch, ring, on_nonfinite):
    # 200 rows: 4 batches an epoch, the last one short (8 rows).
    x = ring[:200]
    fast = _train(monkeypatch, True, x, on_nonfinite=on_nonfinite)
    keras_path = _train(monkeypatch, False, x, on_nonfinite=on_nonfinite)
    batches, history, validation, state = fast
    assert len(batches) == 8 and len(history["generator_loss"]) == 2
    assert (SKIPS_KEY in batches[0]) == (on_nonfinite == "skip")
    for a, b in zip(batches, keras_path[0]):
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert history == keras_path[1]
    assert validation == keras_path[2]
    for a, b in zip(state, keras_path[3]):
        np.testing.assert_array_equal(a, b)
