"""Crash-safe checkpoints that resume training exactly where it stopped."""

import json
import os
import re
import shutil
import tempfile
import warnings

import keras

from keras_aegan.utils.atomic import fsync_path
from keras_aegan.utils.atomic import write_text_atomic
from keras_aegan.utils.validation import check_positive_int

FORMAT_VERSION = 1
_NAME = re.compile(r"^checkpoint-(\d+)$")
_LATEST = "latest"
_WEIGHTS = "state.weights.h5"
_STATE = "state.json"


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Backs up the whole training state and resumes from it exactly.

    A drop-in for `keras.callbacks.BackupAndRestore` on keras_aegan models
    (same arguments and the same use: pass it to every `fit()` of the run;
    after a crash, run the same code again). It differs where a GAN run
    needs it:

    - **Everything is saved**: all weights, every phase optimizer's
      moments and step counter, the BatchNorm statistics, the device noise
      seeds and the host random generators, with the position in the data
      (epoch and batch).
    - **Exact resume inside an epoch**: with `noise="host"` and array data
      (the data order is then drawn by the model's seeded generator), the
      resumed run skips the batches the checkpoint had already trained
      and reaches the same weights as an uninterrupted run. For other data
      sources the data position cannot be rebuilt; a mid-epoch checkpoint
      then restarts its epoch from the first batch, with the saved weights
      (Keras's behaviour), and a warning says so.
    - **Crash safety**: a checkpoint is written into a temporary directory,
      flushed to disk (`fsync`) and renamed into place, and only then does
      the `latest` pointer move to it (itself replaced atomically). The
      previous `keep - 1` checkpoints stay, so a kill at any moment leaves
      a complete checkpoint; if the newest one cannot be read, the next
      older one is used.
    - **Only finite states are saved**: `fit()` runs the model's NaN/Inf
      handling (`on_nonfinite`) before this callback, so with `"raise"`
      a bad batch stops training before it is checkpointed, and with
      `"skip"` or `"rollback"` its update never reached the weights.

    Args:
        backup_dir: Directory of the checkpoints. It belongs to this run:
            do not share it with another run or callback.
        save_freq: `"epoch"` to save at the end of every epoch, or an
            integer `N` to save every `N` batches (and so also resume
            inside an epoch).
        keep: Number of complete checkpoints kept (at least 1).
        delete_checkpoint: Whether to delete `backup_dir` when `fit()`
            completes. With `False`, the state at the end of `fit()` is
            saved too, so the same code run with more `epochs` trains the
            finished run further.

    Example:

    ```python
    model = keras_aegan.AEGAN(noise="host", seed=0)
    backup = keras_aegan.callbacks.BackupAndRestore("run/backup", 100)
    model.fit(x, epochs=50, callbacks=[backup])  # rerun after a crash
    ```
    """

    #: `fit()` calls `restore(model)` of a callback with this attribute
    #: before it builds its data pipeline (see
    #: `keras_aegan.trainers.TrainingPosition`).
    restores_training_position = True

    def __init__(
        self, backup_dir, save_freq="epoch", keep=2, delete_checkpoint=True
    ):
        if not backup_dir:
            raise ValueError(
                f"`backup_dir` must be a directory path. Received: "
                f"backup_dir={backup_dir!r}"
            )
        if save_freq != "epoch":
            check_positive_int("save_freq", save_freq)
        super().__init__(
            os.fspath(backup_dir),
            save_freq=save_freq,
            delete_checkpoint=delete_checkpoint,
        )
        self.keep = check_positive_int("keep", keep)
        self._restored = False
        self._epoch = 0
        self._epoch_start = 0
        self._epoch_rng_state = None
        self._last_saved_step = None
        self._epochs_done = None

    # ---------------------------------------------------------------- restore
    def restore(self, model):
        """Loads the newest readable checkpoint into `model`, if any.

        `fit()` calls this before it builds its data pipeline; users do not
        need to. The model must already be built and compiled.

        Args:
            model: The built, compiled keras_aegan model.

        Returns:
            The saved state dict (`epoch`, `batch`, `host_rng`, ...), or
            `None` when `backup_dir` holds no checkpoint.

        Raises:
            ValueError: when checkpoints exist but none can be read, or
                they belong to a model of another class or data shape.
        """
        self._restored = True
        failures = []
        for name in self._candidates():
            path = os.path.join(self.backup_dir, name)
            try:
                state = self._read_state(path, model)
                model.load_weights(os.path.join(path, _WEIGHTS))
            except _Incompatible:
                raise
            except Exception as e:  # noqa: BLE001 - any unreadable file
                failures.append(f"{path}: {type(e).__name__}: {e}")
                continue
            if failures:
                warnings.warn(
                    "Skipped unreadable checkpoints: " + "; ".join(failures),
                    stacklevel=2,
                )
            if (
                state["batches_per_epoch"]
                and state["batch"] >= state["batches_per_epoch"]
            ):
                state["epoch_done"] = True  # saved on an epoch's last batch
            model.training_position.restore(state)
            self._last_saved_step = state["step"]
            return state
        if failures:
            raise ValueError(
                f"No checkpoint in {self.backup_dir} could be read; nothing "
                "was changed there. Move the directory away to start over. "
                "Errors: " + "; ".join(failures)
            )
        return None

    def _candidates(self):
        """Checkpoint names, the `latest` pointer's first, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        names = sorted(
            (n for n in os.listdir(self.backup_dir) if _NAME.match(n)),
            key=lambda n: int(_NAME.match(n).group(1)),
            reverse=True,
        )
        latest = os.path.join(self.backup_dir, _LATEST)
        if os.path.isfile(latest):
            with open(latest, encoding="utf-8") as f:
                pointed = f.read().strip()
            if pointed in names:
                names.remove(pointed)
                names.insert(0, pointed)
        return names

    def _read_state(self, path, model):
        with open(os.path.join(path, _STATE), encoding="utf-8") as f:
            state = json.load(f)
        if state.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unknown checkpoint format {state.get('format_version')!r}"
            )
        expected = {
            "model_class": type(model).__name__,
            "data_shape": list(model.data_shape),
        }
        for key, value in expected.items():
            if state.get(key) != value:
                raise _Incompatible(
                    f"The checkpoint {path} belongs to a different model: "
                    f"its {key} is {state.get(key)!r}, this model's is "
                    f"{value!r}. Use a new backup_dir for a new model."
                )
        return state

    # ------------------------------------------------------------------- save
    def on_train_begin(self, logs=None):
        if not self._restored:
            raise TypeError(
                "keras_aegan.callbacks.BackupAndRestore works with "
                "keras_aegan models, whose fit() restores the checkpoint "
                "before it builds the data pipeline. For other models use "
                "keras.callbacks.BackupAndRestore. Received a model of "
                f"class {type(self.model).__name__}."
            )
        self._epochs_done = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        position = self.model.training_position
        self._epoch_start = position.epoch_start
        self._epoch_rng_state = position.epoch_rng_state

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save(self._epoch, self._epoch_start + batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch_seen = 0
        self._epochs_done = epoch
        if self.save_freq == "epoch":
            self._save_epoch_end()

    def _save_epoch_end(self):
        # Saved as the end of the epoch; restoring moves on to the next
        # one (see `AdversarialTrainer.fit`).
        done = self.model.training_position.batches_per_epoch or 0
        self._save(self._epochs_done, done, epoch_done=True)

    def on_train_end(self, logs=None):
        if self.model.training_position.partial_epoch:
            return  # fit() continues with the remaining epochs
        self._restored = False
        if self.delete_checkpoint:
            if os.path.isdir(self.backup_dir):
                shutil.rmtree(self.backup_dir)
        elif self._epochs_done is not None:
            self._save_epoch_end()

    def _save(self, epoch, batch, epoch_done=False):
        model = self.model
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        if step == self._last_saved_step:
            return  # this state is already the newest checkpoint
        position = model.training_position
        state = {
            "format_version": FORMAT_VERSION,
            "model_class": type(model).__name__,
            "data_shape": list(model.data_shape),
            "keras_backend": keras.backend.backend(),
            "step": step,
            "epoch": int(epoch),
            "batch": int(batch),
            "epoch_done": bool(epoch_done),
            "batches_per_epoch": position.batches_per_epoch,
            "host_rng": self._epoch_rng_state,
            **position.state(),
        }
        os.makedirs(self.backup_dir, exist_ok=True)
        name = f"checkpoint-{step:012d}"
        tmp = tempfile.mkdtemp(prefix=".tmp-", dir=self.backup_dir)
        try:
            model.save_weights(os.path.join(tmp, _WEIGHTS))
            with open(os.path.join(tmp, _STATE), "w", encoding="utf-8") as f:
                json.dump(state, f)
            for file in (_WEIGHTS, _STATE):
                fsync_path(os.path.join(tmp, file))
            fsync_path(tmp)
            final = os.path.join(self.backup_dir, name)
            if os.path.exists(final):
                shutil.rmtree(final)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_path(self.backup_dir)
        write_text_atomic(os.path.join(self.backup_dir, _LATEST), name)
        self._last_saved_step = step
        self._prune(keep_name=name)

    def _prune(self, keep_name):
        names = [n for n in self._candidates() if n != keep_name]
        for old in names[self.keep - 1 :]:
            shutil.rmtree(os.path.join(self.backup_dir, old), True)
        for entry in os.listdir(self.backup_dir):
            if entry.startswith(".tmp-"):
                shutil.rmtree(os.path.join(self.backup_dir, entry), True)

    def get_config(self):
        return {
            "backup_dir": self.backup_dir,
            "save_freq": self.save_freq,
            "keep": self.keep,
            "delete_checkpoint": self.delete_checkpoint,
        }


class _Incompatible(ValueError):
    """A checkpoint of another model: never silently skipped."""
