"""Keras's own callbacks keep working with the multi-phase trainer."""

import csv
import os

import keras
import numpy as np
from conftest import small_aegan


def test_standard_callbacks(ring, tmp_path):
    model = small_aegan()
    callbacks = [
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.keras")),
        keras.callbacks.TerminateOnNaN(),
        # Keras infers "min" only for metrics of compile(metrics=...); loss
        # terms of a custom step need the mode spelled out.
        keras.callbacks.EarlyStopping(
            monitor="generator_loss", mode="min", patience=5
        ),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
    ]
    history = model.fit(
        ring[:256], epochs=2, batch_size=64, callbacks=callbacks, verbose=0
    )
    with open(tmp_path / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    assert float(rows[-1]["generator_loss"]) == np.float32(
        history.history["generator_loss"][-1]
    )
    restored = keras.saving.load_model(tmp_path / "ckpt.keras")
    np.testing.assert_array_equal(
        restored.generate(8, seed=0), model.generate(8, seed=0)
    )
    events = [
        f
        for _, _, files in os.walk(tmp_path / "tb")
        for f in files
        if f.startswith("events.out.tfevents")
    ]
    assert events


def test_backup_and_restore_resumes_counters(ring, tmp_path):
    backup = str(tmp_path / "backup")

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise RuntimeError("interrupted")

    model = small_aegan()
    try:
        model.fit(
            ring[:128],
            epochs=3,
            batch_size=64,
            verbose=0,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup),
                StopAfterFirstEpoch(),
            ],
        )
    except RuntimeError:
        pass
    fresh = small_aegan()
    history = fresh.fit(
        ring[:128],
        epochs=3,
        batch_size=64,
        verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(backup)],
    )
    # Resumed after epoch 1: two more epochs of two steps each, on top of
    # the two restored steps.
    assert len(history.history["generator_loss"]) == 2
    assert int(fresh.generator_optimizer.iterations) == 6
    assert int(fresh.discriminator_optimizer.iterations) == 6
