"""Fitting and evaluating: the data path of every model."""

import warnings

import numpy as np

from keras_aegan.backend import prepare_replicas
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.host_noise import HostNoiseBatches
from keras_aegan.utils.validation import check_positive_int

# Batches read from a non-array dataset to infer shape, range and statistics.
ADAPT_BATCHES = 32


class FitMethods:
    """Mixed into `AdversarialTrainer`: `fit()` and `evaluate()`.

    Checks the data (arrays, dicts with explicit noise, datasets and
    generators), builds and compiles the model on its first `fit()`,
    restores a `BackupAndRestore` checkpoint (inside an epoch too), feeds
    host-drawn noise and hands the rest to `keras.Model.fit`/`evaluate`.
    It relies on the trainer's `build_for`, `compile`, `noise_shapes`,
    `training_position`, `nonfinite_policy` and loss trackers.

    Example:

    ```python
    model = keras_aegan.AEGAN()
    model.fit(x, epochs=5, batch_size=64)
    losses = model.evaluate(x_test, return_dict=True)
    ```
    """

    def _prepare_fit_data(self, x):
        """Validates `x`, builds the model on first use, returns fit data."""
        if x is None:
            raise ValueError("fit() needs training data. Received: x=None")
        data = x
        if isinstance(x, dict) or _is_array(x):
            arrays, noise = data_checks.split_batch(x)
            arrays = data_checks.to_numpy(arrays)
            spec = data_checks.inspect_array(arrays)
            data = arrays if noise is None else {"x": arrays, "noise": noise}
        else:
            batches, data = data_checks.peek_batches(x, ADAPT_BATCHES)
            spec = data_checks.inspect_batches(batches)
        if self.data_scaler is None:
            self.build_for(spec.sample_shape, spec)
        elif spec.sample_shape != self.data_shape:
            raise ValueError(
                f"This model was built for samples of shape {self.data_shape}"
                f". Received data with sample shape {spec.sample_shape}."
            )
        if isinstance(data, dict):
            self._check_noise(data["noise"], len(data["x"]))
        if self.reference_batch is None:
            self.reference_batch = spec.reference
        if not self.compiled:
            self.compile()
        return data

    def _check_noise(self, noise, n):
        shapes = self.noise_shapes()
        if not isinstance(noise, dict) or set(noise) != set(shapes):
            raise ValueError(
                f"Explicit noise must be a dict with keys {sorted(shapes)}. "
                f"Received: {data_checks.describe(noise)}"
            )
        for key, shape in shapes.items():
            value = np.asarray(noise[key])
            # Explicit noise is used as given: non-finite codes (a way to
            # probe the model) reach the losses and `on_nonfinite`.
            data_checks.check_numeric(value, f"noise {key!r}", finite=False)
            if value.shape != (n,) + tuple(shape):
                raise ValueError(
                    f"Noise {key!r} must have shape {(n,) + tuple(shape)}. "
                    f"Received: shape={value.shape}"
                )

    def fit(self, x=None, y=None, batch_size=None, epochs=1, **kwargs):
        """Trains the model; see `keras.Model.fit`.

        Args:
            x: Training data: a NumPy array (images `(N, H, W, C)` or
                vectors `(N, features)`), a dict `{"x": x, "noise": noise}`
                with explicit per-sample noise, a `tf.data.Dataset`, a
                `keras.utils.PyDataset`, a torch `DataLoader` or a Python
                generator yielding such batches. Labels in `(x, y)`
                batches are ignored.
            y: Not used: adversarial training has no targets. Passing it
                raises a `ValueError`.
            batch_size: Batch size for array data.
            epochs: Number of epochs.
            **kwargs: Other `keras.Model.fit` arguments (callbacks,
                validation_data, shuffle, verbose, ...).

        Returns:
            A `keras.callbacks.History` with every loss term and each
            phase's total.
        """
        if y is not None:
            raise ValueError(
                f"{type(self).__name__} is trained without targets; pass "
                f"only x. Received: y={data_checks.describe(y)}"
            )
        if batch_size is not None:
            check_positive_int("batch_size", batch_size)
        data = self._prepare_fit_data(x)
        data, batch_size = prepare_replicas(self, data, batch_size)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        _direct_monitors(callbacks, self._loss_trackers)
        backup = _find_restoring_callback(callbacks)
        resume = backup.restore(self) if backup is not None else None
        epoch, start = _resume_position(resume, kwargs.pop("initial_epoch", 0))
        position = self.training_position
        position.batches = None
        if self.noise == "host" and not isinstance(data, dict):
            data = self._host_batches(data, x, batch_size, kwargs, resume)
            if resume is not None and resume["host_rng"] is not None:
                if resume["epoch_done"]:
                    data.next_epoch()
                else:
                    data.start = start
            batch_size = None
        if start and not position.epoch_start:
            warnings.warn(
                "Resuming from a checkpoint taken inside epoch "
                f"{epoch + 1} (after batch {start}). The position in this "
                "data cannot be rebuilt (only array data with noise='host' "
                "can), so the epoch restarts from its first batch with the "
                "saved weights.",
                stacklevel=2,
            )
        guards = self.nonfinite_policy.callbacks(self.phases, callbacks)
        validation = kwargs.get("validation_data")
        if validation is not None and _is_array(validation):
            kwargs["validation_data"] = self._check_eval_arrays(validation)
        kwargs.update(batch_size=batch_size, callbacks=guards + callbacks)
        if not position.epoch_start:
            return super().fit(
                data, epochs=epochs, initial_epoch=epoch, **kwargs
            )
        # Resuming inside an epoch: Keras runs whole epochs only, so the
        # rest of this one is a fit() of its own, then the others follow.
        position.partial_epoch = True
        try:
            first = super().fit(
                data, epochs=epoch + 1, initial_epoch=epoch, **kwargs
            )
        finally:
            position.partial_epoch = False
        if epoch + 1 >= epochs or self.stop_training:
            return first
        history = super().fit(
            data, epochs=epochs, initial_epoch=epoch + 1, **kwargs
        )
        history.epoch = first.epoch + history.epoch
        for key, values in first.history.items():
            history.history[key] = values + history.history.get(key, [])
        return history

    def _host_batches(self, data, x, batch_size, kwargs, resume):
        """The seeded `HostNoiseBatches` of `noise="host"` array data."""
        if not isinstance(data, np.ndarray):
            raise ValueError(
                "noise='host' draws the data order and the noise with "
                "NumPy and needs array data; pass a NumPy array, or "
                "feed noise explicitly as {'x': ..., 'noise': ...}. "
                f"Received: {data_checks.describe(x)}"
            )
        position = self.training_position
        if resume is not None and resume["host_rng"] is not None:
            position.host_rng.bit_generator.state = resume["host_rng"]
        batches = HostNoiseBatches(
            data,
            batch_size or 32,
            kwargs.pop("shuffle", True),
            position.host_rng,
            self.noise_shapes(),
        )
        if resume is not None and resume["batches_per_epoch"] not in (
            None,
            batches.batches_per_epoch,
        ):
            raise ValueError(
                "The checkpoint was taken with "
                f"{resume['batches_per_epoch']} batches per epoch; this "
                f"fit() has {batches.batches_per_epoch}. Resume with the "
                "same data and batch_size, or use a new backup_dir."
            )
        # The dataset already ordered the samples; Keras must not reorder
        # its batches with its own (per-backend) generator.
        kwargs["shuffle"] = False
        position.batches = batches
        return batches

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        """Reports every loss term on `x` without updating any weights.

        Noise comes from a separate evaluation seed generator, so running
        `evaluate()` does not change the training noise stream.

        Args:
            x: Data as for `fit()`.
            y: Not used; must be None.
            batch_size: Batch size for array data.
            **kwargs: Other `keras.Model.evaluate` arguments.

        Returns:
            Scalar or list, or a dict with `return_dict=True`.
        """
        if y is not None:
            raise ValueError(
                f"{type(self).__name__} is evaluated without targets. "
                f"Received: y={data_checks.describe(y)}"
            )
        self._require_built("evaluate")
        if _is_array(x):
            x = self._check_eval_arrays(x)
        return super().evaluate(x, batch_size=batch_size, **kwargs)

    def _check_eval_arrays(self, x):
        x = data_checks.to_numpy(x)
        data_checks.check_numeric(x)
        if tuple(x.shape[1:]) != self.data_shape:
            raise ValueError(
                f"This model was built for samples of shape {self.data_shape}"
                f". Received data with shape {tuple(x.shape)}."
            )
        return x


def _is_array(x):
    return isinstance(x, (np.ndarray, list)) or (
        hasattr(x, "shape")
        and hasattr(x, "dtype")
        and hasattr(x, "__len__")
        and not hasattr(x, "as_numpy_iterator")
    )


def _direct_monitors(callbacks, trackers):
    """Gives `mode="auto"` monitors of a loss tracker their direction.

    `EarlyStopping`, `ReduceLROnPlateau` and `ModelCheckpoint` with
    `mode="auto"` read the direction of a monitored metric from its
    `_direction`, but only for metrics that `compile(metrics=...)`
    created; for the trackers of a custom train step they raise
    "Keras isn't able to automatically determine whether that metric
    should be maximized or minimized". This sets their `mode` from the
    tracker's `_direction` (`"val_"` names included), as Keras would;
    other monitors are left alone.
    """
    directions = {t.name: getattr(t, "_direction", None) for t in trackers}
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if (
            not callable(getattr(callback, "_set_monitor_op", None))
            or getattr(callback, "mode", None) != "auto"
            or getattr(callback, "monitor_op", None) is not None
            or not isinstance(monitor, str)
        ):
            continue
        direction = directions.get(monitor.removeprefix("val_"))
        if direction is not None:
            callback.mode = "max" if direction == "up" else "min"


def _find_restoring_callback(callbacks):
    """The callback that restores a checkpoint before `fit()` starts.

    One that declares `restores_training_position` (for example
    `keras_aegan.callbacks.BackupAndRestore`), found by that public
    attribute so the trainer does not depend on the callbacks package.
    """
    found = [
        c for c in callbacks if getattr(c, "restores_training_position", False)
    ]
    if len(found) > 1:
        raise ValueError(
            "fit() takes at most one keras_aegan BackupAndRestore callback. "
            f"Received {len(found)}."
        )
    return found[0] if found else None


def _resume_position(resume, initial_epoch):
    """(first epoch, batches of it already done) for this fit()."""
    if resume is None:
        return initial_epoch, 0
    if resume["epoch_done"]:
        return resume["epoch"] + 1, 0
    return resume["epoch"], resume["batch"]
