"""A callback that writes the epoch logs to TensorBoard without TensorFlow."""

import numbers
import os

import keras
import numpy as np

from keras_aegan.utils.event_writer import SummaryWriter


class TensorBoardScalars(keras.callbacks.Callback):
    """Writes every epoch's logs as TensorBoard scalars, on any backend.

    The files match the epoch scalars of `keras.callbacks.TensorBoard`:
    each training log `name` becomes the tag `epoch_{name}` in
    `{log_dir}/train`, each validation log `val_{name}` the tag
    `epoch_{name}` in `{log_dir}/validation`, at `step=epoch` (0-based),
    and the learning rate of each optimizer (one per phase) as
    `epoch_learning_rate_{optimizer name}` in `{log_dir}/train`.
    Keras's callback writes them with `tf.summary`, which imports
    TensorFlow (about 460 MiB) under JAX and PyTorch too; this one needs
    the `tensorboard` package only. It writes no graphs, histograms or
    profiles: use Keras's callback for those. Log values that are not
    single real numbers are left out.

    The `keras-aegan train` command uses it with `TensorBoardImages` and
    `SampleMetrics` on the same `log_dir`.

    Args:
        log_dir: Directory of the TensorBoard log.

    Example:

    ```python
    model = keras_aegan.AEGAN()
    model.fit(x, epochs=5, callbacks=[TensorBoardScalars("runs/demo")])
    # Then: tensorboard --logdir runs/demo
    ```
    """

    def __init__(self, log_dir):
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)) or not str(log_dir):
            raise ValueError(
                "`log_dir` must be a non-empty path. "
                f"Received: log_dir={log_dir!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self._writers = {}

    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        # Fails before the first epoch if tensorboard is missing.
        self._writer("train")

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        logs.update(self._learning_rates())
        for key, value in logs.items():
            value = _scalar(value)
            if value is None:
                continue
            run, name = "train", key
            if key.startswith("val_"):
                run, name = "validation", key[len("val_") :]
            self._writer(run).scalar(f"epoch_{name}", value, step=epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rates(self):
        """`learning_rate_{name}` of each optimizer, as Keras's callback."""
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):  # one per phase
            return {
                f"learning_rate_{opt.name}": opt.learning_rate
                for opt in optimizer.optimizers
            }
        if isinstance(optimizer, keras.optimizers.Optimizer):
            return {"learning_rate": optimizer.learning_rate}
        return {}

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _scalar(value):
    """`value` as a float, or None when it is not one real number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if not hasattr(value, "shape"):
        return None
    array = np.asarray(keras.ops.convert_to_numpy(value))
    if array.shape != () or array.dtype.kind not in "iuf":
        return None
    return float(array)
