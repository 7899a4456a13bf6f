"""TensorBoardScalars: epoch logs written without TensorFlow, read back
with TensorBoard's own reader, and the same files Keras's TensorBoard
callback writes."""

import keras
import numpy as np
import pytest
from conftest import BACKEND
from conftest import hide_tensorboard
from conftest import small_aegan

import keras_aegan
from keras_aegan.callbacks import TensorBoardScalars

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

EPOCHS = 2


def _scalars(run_dir):
    """{tag: [(step, value)]} and {tag: plugin name} of one run."""
    acc = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.TENSORS: 0}
    )
    acc.Reload()
    values, plugins = {}, {}
    for tag in acc.Tags()["tensors"]:
        values[tag] = [
            (e.step, float(tensor_util.make_ndarray(e.tensor_proto)))
            for e in acc.Tensors(tag)
        ]
        plugins[tag] = acc.SummaryMetadata(tag).plugin_data.plugin_name
    return values, plugins


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A small AEGAN fitted with validation data and the callback."""
    log_dir = tmp_path_factory.mktemp("tb_scalars")
    x = keras_aegan.datasets.make_ring(96, seed=0)
    callbacks = [TensorBoardScalars(log_dir / "ours")]
    if BACKEND == "tensorflow":
        callbacks.append(keras.callbacks.TensorBoard(str(log_dir / "keras")))
    model = small_aegan(width=4)
    history = model.fit(
        x[:64],
        epochs=EPOCHS,
        batch_size=32,
        verbose=0,
        validation_data=x[64:],
        callbacks=callbacks,
    )
    return log_dir, history.history, model


def test_every_epoch_log_is_a_scalar_at_its_epoch(ring_run):
    log_dir, history, model = ring_run
    train, train_plugins = _scalars(log_dir / "ours" / "train")
    validation, _ = _scalars(log_dir / "ours" / "validation")
    names = [k for k in history if not k.startswith("val_")]
    assert names and len(names) < len(history)
    # One learning rate per phase optimizer, named as Keras's callback
    # names them.
    rates = {
        f"epoch_learning_rate_{opt.name}": float(opt.learning_rate)
        for opt in model.optimizer.optimizers
    }
    assert len(rates) == len(model.phases) == 2
    for tag, rate in rates.items():
        assert train.pop(tag) == [(i, float(np.float32(rate))) for i in (0, 1)]
    assert set(train) == {f"epoch_{k}" for k in names}
    assert set(validation) == {
        f"epoch_{k[4:]}" for k in history if k.startswith("val_")
    }
    assert set(train_plugins.values()) == {"scalars"}
    for key, values in history.items():
        run, name = (validation, key[4:]) if key[:4] == "val_" else (train, key)
        # Written as float32, as tf.summary.scalar writes them.
        expected = [(i, float(np.float32(v))) for i, v in enumerate(values)]
        assert run[f"epoch_{name}"] == expected, key


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="Keras's TensorBoard callback imports TensorFlow; compared once",
)
def test_same_epoch_scalars_as_keras_tensorboard(ring_run):
    log_dir, _, _ = ring_run
    for run in ("train", "validation"):
        ours, our_plugins = _scalars(log_dir / "ours" / run)
        theirs, their_plugins = _scalars(log_dir / "keras" / run)
        epoch_tags = {t for t in theirs if t.startswith("epoch_")}
        assert epoch_tags == set(ours), run
        for tag in epoch_tags:
            assert ours[tag] == theirs[tag], (run, tag)
            assert our_plugins[tag] == their_plugins[tag], (run, tag)


def test_leaves_out_logs_that_are_not_one_number(tmp_path):
    callback = TensorBoardScalars(tmp_path)
    callback.on_train_begin()
    callback.on_epoch_end(
        3,
        {
            "loss": 1.5,
            "count": np.int64(2),
            "tensor": keras.ops.convert_to_tensor(0.25),
            "flag": True,
            "name": "text",
            "vector": np.zeros(3),
            "val_loss": 2.5,
        },
    )
    callback.on_train_end()
    train, _ = _scalars(tmp_path / "train")
    validation, _ = _scalars(tmp_path / "validation")
    assert train == {
        "epoch_loss": [(3, 1.5)],
        "epoch_count": [(3, 2.0)],
        "epoch_tensor": [(3, 0.25)],
    }
    assert validation == {"epoch_loss": [(3, 2.5)]}


def test_missing_tensorboard_raises_before_training(tmp_path, monkeypatch):
    callback = TensorBoardScalars(tmp_path)
    hide_tensorboard(monkeypatch)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        callback.on_train_begin()
    assert not (tmp_path / "train").exists()


@pytest.mark.parametrize("log_dir", ["", None, 3])
def test_invalid_log_dir(log_dir):
    with pytest.raises(ValueError, match="Received: log_dir="):
        TensorBoardScalars(log_dir)
