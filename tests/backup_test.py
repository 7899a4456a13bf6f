"""keras_aegan.callbacks.BackupAndRestore, in process: files and errors."""

import json

import keras
import numpy as np
import pytest
from conftest import small_aegan

import keras_aegan
from keras_aegan.callbacks import BackupAndRestore

N, BATCH = 96, 32  # 3 batches per epoch


def _fit(model, x, backup, epochs=2, **kwargs):
    return model.fit(
        x, epochs=epochs, batch_size=BATCH, callbacks=[backup], verbose=0,
        **kwargs,
    )  # fmt: skip


def _checkpoints(directory):
    return sorted(p.name for p in directory.glob("checkpoint-*"))


def test_keeps_the_newest_checkpoints_and_a_pointer(ring, tmp_path):
    backup = BackupAndRestore(
        tmp_path, save_freq=1, keep=2, delete_checkpoint=False
    )
    _fit(small_aegan(noise="host"), ring[:N], backup)
    assert _checkpoints(tmp_path) == [
        "checkpoint-000000000005",
        "checkpoint-000000000006",
    ]
    assert (tmp_path / "latest").read_text() == "checkpoint-000000000006"
    state = json.loads(
        (tmp_path / "checkpoint-000000000006" / "state.json").read_text()
    )
    assert (state["epoch"], state["batch"], state["step"]) == (1, 3, 6)
    assert state["model_class"] == "AEGAN" and state["data_shape"] == [2]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_completed_fit_deletes_the_backup_by_default(ring, tmp_path):
    _fit(small_aegan(), ring[:N], BackupAndRestore(tmp_path / "b"))
    assert not (tmp_path / "b").exists()


def test_unreadable_newest_checkpoint_falls_back(ring, tmp_path):
    backup = BackupAndRestore(tmp_path, save_freq=1, delete_checkpoint=False)
    _fit(small_aegan(noise="host"), ring[:N], backup, epochs=1)
    newest = tmp_path / "checkpoint-000000000003" / "state.weights.h5"
    newest.write_bytes(newest.read_bytes()[:100])
    model = small_aegan(noise="host")
    with pytest.warns(UserWarning, match=r"Skipped unreadable checkpoints"):
        history = _fit(model, ring[:N], backup, epochs=1)
    # Resumed after step 2 (batch 2 of epoch 1): one batch was left.
    assert history.epoch == [0]
    assert int(model.generator_optimizer.iterations) == 3


def test_all_checkpoints_unreadable_is_an_error_and_deletes_nothing(
    ring, tmp_path
):
    backup = BackupAndRestore(tmp_path, save_freq=1, delete_checkpoint=False)
    _fit(small_aegan(noise="host"), ring[:N], backup, epochs=1)
    for weights in tmp_path.glob("checkpoint-*/state.weights.h5"):
        weights.write_bytes(b"not hdf5")
    files = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match=r"No checkpoint in .* could be read"):
        _fit(small_aegan(noise="host"), ring[:N], backup, epochs=1)
    assert sorted(p.name for p in tmp_path.rglob("*")) == files


def test_checkpoint_of_another_model_is_refused(ring, digits, tmp_path):
    backup = BackupAndRestore(tmp_path, delete_checkpoint=False)
    _fit(small_aegan(), ring[:N], backup, epochs=1)
    with pytest.raises(ValueError, match=r"data_shape is \[2\].*\[16, 16, 1"):
        _fit(small_aegan(), digits[0][0][:N], backup, epochs=1)


def test_resume_with_another_batch_size_is_refused(ring, tmp_path):
    backup = BackupAndRestore(tmp_path, save_freq=1, delete_checkpoint=False)
    _fit(small_aegan(noise="host"), ring[:N], backup, epochs=1)
    with pytest.raises(ValueError, match=r"3 batches per epoch; this fit"):
        small_aegan(noise="host").fit(
            ring[:N], batch_size=16, callbacks=[backup], verbose=0
        )


def test_mid_epoch_checkpoint_of_device_noise_restarts_the_epoch(
    ring, tmp_path
):
    backup = BackupAndRestore(tmp_path, save_freq=2, delete_checkpoint=False)
    _fit(small_aegan(), ring[:N], backup, epochs=2)  # newest: step 6
    (tmp_path / "checkpoint-000000000006").rename(tmp_path / "x")
    (tmp_path / "latest").unlink()
    model = small_aegan()
    with pytest.warns(UserWarning, match=r"epoch 2 \(after batch 1\)"):
        history = _fit(model, ring[:N], backup, epochs=2)
    assert history.epoch == [1]
    assert int(model.generator_optimizer.iterations) == 4 + 3


def test_other_models_are_pointed_to_keras_callback(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"keras.callbacks.BackupAndRestore"):
        model.fit(
            np.zeros((4, 2)), np.zeros(4), verbose=0,
            callbacks=[BackupAndRestore(tmp_path)],
        )  # fmt: skip


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"backup_dir": ""}, ValueError, r"backup_dir=''"),
        ({"save_freq": 0}, ValueError, r"save_freq=0"),
        ({"save_freq": "batch"}, (ValueError, TypeError), r"save_freq"),
        ({"keep": 0}, ValueError, r"keep=0"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, message):
    kwargs.setdefault("backup_dir", tmp_path)
    with pytest.raises(error, match=message):
        BackupAndRestore(**kwargs)


def test_two_backups_in_one_fit_are_refused(ring, tmp_path):
    with pytest.raises(ValueError, match=r"at most one.*Received 2"):
        small_aegan().fit(
            ring[:N], verbose=0,
            callbacks=[BackupAndRestore(tmp_path / "a"),
                       BackupAndRestore(tmp_path / "b")],
        )  # fmt: skip


def test_package_exports():
    assert keras_aegan.callbacks.BackupAndRestore is BackupAndRestore
    assert issubclass(BackupAndRestore, keras.callbacks.BackupAndRestore)
