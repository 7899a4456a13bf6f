"""SampleMetrics: logs seen by later callbacks, JSON lines, TensorBoard."""

import csv
import json
import math

import keras
import numpy as np
import pytest
from conftest import hide_tensorboard
from conftest import small_aegan

from keras_aegan.callbacks import SampleMetrics
from keras_aegan.callbacks import sample_metrics
from keras_aegan.metrics.evaluation import evaluate_model
from keras_aegan.metrics.evaluation import json_ready
from keras_aegan.metrics.evaluation import metric_scalars

EPOCHS = 3
EVERY = 2  # evaluated after epoch indices 1 (every) and 2 (the last)
N = 64
NAMES = [
    "modes",
    "high_quality",
    "mode_kl",
    "precision",
    "recall",
    "reconstruction_l1",
    "reconstruction_mse",
    "latent_cycle_error",
]


class RecordLogs(keras.callbacks.Callback):
    """Copies of the epoch logs this callback was given."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


class NumpyModel:
    """Just what evaluate_model needs, in NumPy (no training)."""

    data_shape = (2,)
    latent_dim = 2
    ema_decay = None
    stop_training = False

    def decode(self, z, batch_size=256):
        return np.asarray(z, dtype="float32")

    def encode(self, x, batch_size=256):
        return np.asarray(x, dtype="float32") * 0.5

    def reconstruct(self, x, batch_size=256):
        return self.decode(self.encode(x))


def _same(a, b):
    """Equal numbers, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def run(tmp_path_factory, ring):
    """One small AEGAN trained with SampleMetrics before Keras's loggers."""
    keras.utils.set_random_seed(0)
    log_dir = tmp_path_factory.mktemp("sample_metrics")
    try:
        model = small_aegan(ema_decay=0.5)
    except TypeError:  # pragma: no cover - before EMA lands
        model = small_aegan()
    before, after = RecordLogs(), RecordLogs()
    metrics = SampleMetrics(
        "ring", every=EVERY, num_samples=N, seed=1, log_dir=log_dir
    )
    callbacks = [
        before,
        metrics,
        keras.callbacks.TensorBoard(str(log_dir)),
        keras.callbacks.CSVLogger(str(log_dir / "log.csv")),
        after,
    ]
    ema = None
    if getattr(model, "ema_decay", None) is not None:
        ema = SampleMetrics("ring", every=1, num_samples=N, seed=1, ema=True)
        callbacks.insert(2, ema)
    history = model.fit(
        ring[:256],
        epochs=EPOCHS,
        batch_size=64,
        verbose=0,
        callbacks=callbacks,
    )
    return {
        "model": model,
        "history": history,
        "log_dir": log_dir,
        "metrics": metrics,
        "ema": ema,
        "before": before,
        "after": after,
    }


def test_later_callbacks_and_history_see_the_values(run):
    history = run["history"].history
    final = metric_scalars(
        evaluate_model(run["model"], "ring", num_samples=N, seed=1, ema=False)
    )
    assert list(final) == NAMES
    assert json_ready(final) == json_ready(
        metric_scalars(run["metrics"].last_results)
    )
    for name in NAMES:
        values = history[name]
        # One entry per epoch: NaN where no evaluation ran.
        assert len(values) == EPOCHS
        assert math.isnan(values[0])
        assert not math.isnan(values[1]) or name == "mode_kl"
        assert _same(values[2], float(final[name]))
        after = [logs[name] for logs in run["after"].logs]
        assert all(_same(a, b) for a, b in zip(after, values))
    # Callbacks listed before SampleMetrics do not see the values.
    assert not set(NAMES) & set(run["before"].logs[-1])
    with open(run["log_dir"] / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["0", "1", "2"]
    for name in NAMES:
        assert _same(float(rows[2][name]), float(final[name]))
        assert rows[0][name] == "nan"


def test_ema_generator_is_evaluated_during_fit(run):
    if run["ema"] is None:  # pragma: no cover - before EMA lands
        pytest.skip("AEGAN has no ema_decay yet")
    final = evaluate_model(
        run["model"], "ring", num_samples=N, ema=True, seed=1
    )
    assert json_ready(metric_scalars(final)) == json_ready(
        metric_scalars(run["ema"].last_results)
    )
    protocol = run["ema"].last_results["mode_coverage"].protocol
    assert protocol["generator"] == "ema"
    # Logged beside the raw values, under its own names, every epoch.
    history = run["history"].history
    for name in NAMES:
        assert len(history[f"ema_{name}"]) == EPOCHS
    assert not np.isnan(history["ema_latent_cycle_error"][0])
    assert np.isnan(history["latent_cycle_error"][0])
    assert _same(
        history["ema_latent_cycle_error"][-1],
        float(final["latent_cycle_error"]),
    )


def test_json_lines(run):
    with open(run["log_dir"] / "metrics.jsonl", encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    assert [(r["epoch"], r["step"]) for r in lines] == [(2, 1)] * len(NAMES) + [
        (3, 2)
    ] * len(NAMES)
    assert [r["name"] for r in lines] == NAMES * 2
    results = run["metrics"].last_results
    by_name = {r["name"]: r for r in lines[len(NAMES) :]}
    for name, value in metric_scalars(results).items():
        record = by_name[name]
        assert record["value"] == json_ready(value)
        assert record["protocol"] == json_ready(
            results[record["metric"]].protocol
        )
        assert record["protocol"]["generator"] == "raw"
        assert record["protocol"]["num_generated"] == N
        assert record["protocol"]["seed"] == 1


def test_tensorboard_scalars_with_protocol(run):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    acc = event_accumulator.EventAccumulator(
        str(run["log_dir"] / "train"), size_guidance={"tensors": 0}
    )
    acc.Reload()
    tags = set(acc.Tags()["tensors"])
    assert {f"metrics/{name}" for name in NAMES} <= tags
    # Keras's TensorBoard, listed after SampleMetrics, logs them as well.
    assert {f"epoch_{name}" for name in NAMES} <= tags
    results = run["metrics"].last_results
    final = metric_scalars(results)
    metric_of = {"modes": "mode_coverage", "precision": "precision_recall"}
    for name in NAMES:
        events = acc.Tensors(f"metrics/{name}")
        assert [e.step for e in events] == [1, 2]
        value = float(tensor_util.make_ndarray(events[-1].tensor_proto))
        assert _same(value, float(np.float32(final[name])))
        description = acc.SummaryMetadata(f"metrics/{name}").summary_description
        protocol = json.loads(description)
        assert protocol["data"] == "ring"
        assert protocol["num_generated"] == N
        if name in metric_of:
            assert protocol == json_ready(results[metric_of[name]].protocol)


def test_schedule_and_fill_value(tmp_path):
    model = NumpyModel()
    callback = SampleMetrics(
        "ring", every=3, num_samples=16, log_dir=tmp_path, tensorboard=False
    )
    callback.set_model(model)
    callback.set_params({"epochs": 5})
    callback.on_train_begin()
    evaluated = []
    for epoch in range(5):
        logs = {"loss": 1.0}
        callback.on_epoch_end(epoch, logs)
        if not math.isnan(logs["precision"]):
            evaluated.append(epoch)
    callback.on_train_end()
    assert evaluated == [2, 4]  # every third epoch, and the last one
    assert not (tmp_path / "train").exists()
    # Stopped early by a callback listed before: evaluated then too.
    model.stop_training = True
    logs = {}
    callback.on_epoch_end(0, logs)
    assert not math.isnan(logs["recall"])
    quiet = SampleMetrics("ring", every=3, last_epoch=False, fill_value=None)
    quiet.set_model(NumpyModel())
    quiet.set_params({"epochs": 5})
    logs = {}
    quiet.on_epoch_end(4, logs)
    assert logs == {}
    quiet.on_epoch_end(5, logs)
    assert "latent_cycle_error" in logs


def test_without_tensorboard(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_metrics, "tensorboard_available", lambda: 0)
    callback = SampleMetrics("ring", num_samples=16, log_dir=tmp_path)
    callback.set_model(NumpyModel())
    callback.on_train_begin()
    callback.on_epoch_end(0, {})
    callback.on_train_end()
    assert (tmp_path / "metrics.jsonl").is_file()
    assert not (tmp_path / "train").exists()

    hide_tensorboard(monkeypatch)
    required = SampleMetrics("ring", log_dir=tmp_path, tensorboard=True)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        required.on_train_begin()


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: every=0"):
        SampleMetrics("ring", every=0)
    with pytest.raises(ValueError, match="Received: data='mnist'"):
        SampleMetrics("mnist")
    with pytest.raises(ValueError, match="Received: log_dir=''"):
        SampleMetrics("ring", log_dir="")
    with pytest.raises(ValueError, match="Received: tensorboard='yes'"):
        SampleMetrics("ring", tensorboard="yes")
    with pytest.raises(ValueError, match="Received: fill_value='nan'"):
        SampleMetrics("ring", fill_value="nan")
    with pytest.raises(ValueError, match="Received: metrics=\\['fdi'\\]"):
        SampleMetrics("ring", metrics=["fdi"])
