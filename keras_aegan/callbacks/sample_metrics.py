"""A callback that measures sample quality during training."""

import json
import numbers
import os

import keras

from keras_aegan.metrics.evaluation import json_ready
from keras_aegan.metrics.evaluation import metric_scalars
from keras_aegan.metrics.evaluation import scalar_names
from keras_aegan.metrics.evaluation_plan import EvaluationPlan
from keras_aegan.utils.event_writer import SummaryWriter
from keras_aegan.utils.event_writer import tensorboard_available
from keras_aegan.utils.validation import check_int


class SampleMetrics(keras.callbacks.Callback):
    """Runs `keras_aegan.metrics.evaluate_model` every few epochs.

    After epoch index `epoch` (0-based, as passed to `on_epoch_end`) the
    model is evaluated when `(epoch + 1) % every == 0`, and, with
    `last_epoch=True`, also after the last epoch of `fit()` (or the epoch
    in which a callback listed earlier set `model.stop_training`). The
    settings (`data`, `reference`, `metrics`, `num_samples`, `seed`,
    `ema`, `extractor`, `batch_size`) are those of `evaluate_model`; the
    reference data and their features are computed once per callback.

    Each evaluation:

    - adds the results, flattened by
      `keras_aegan.metrics.evaluation.metric_scalars` (`fid`, `kid_mean`,
      `kid_std`, `precision`, `recall`, `density`, `coverage`, `modes`,
      `high_quality`, `mode_kl`, `reconstruction_l1`,
      `reconstruction_mse`, `latent_cycle_error`, each after `prefix`),
      to the epoch `logs`;
    - appends one JSON line per scalar to `{log_dir}/metrics.jsonl` when
      `log_dir` is given: `{"epoch": epoch + 1, "step": epoch, "name":
      ..., "metric": ..., "value": ..., "protocol": {...}}`, where
      `metric` names the `MetricResult` the scalar belongs to and
      `protocol` is its protocol (non-finite values are written as
      `null`). Lines are appended: a run resumed from a checkpoint may
      repeat an epoch, and the later line is the newer measurement;
    - writes each scalar as the TensorBoard scalar `metrics/<name>` at
      `step=epoch` into `{log_dir}/train`, the run that
      `keras.callbacks.TensorBoard(log_dir)` writes its `epoch_*`
      scalars to, with the protocol as JSON in the summary description.
      This needs the `tensorboard` package, not TensorFlow (the
      summaries are written by `keras_aegan.utils.event_writer`, the same
      on every backend); by default it is skipped when it is not
      installed.

    Order of callbacks: Keras 3 passes one `logs` dict to every callback
    of `fit()` in turn, in the order of the `callbacks` list, and runs its
    own `History` and progress bar last. So `History`
    (`fit()`'s return value) and the progress bar always see the values,
    and so do `keras.callbacks.CSVLogger`, `TensorBoard` (as `epoch_fid`,
    ...), `EarlyStopping` or `ModelCheckpoint` (`monitor="fid"`) when
    they are listed **after** `SampleMetrics`; callbacks listed before it
    do not see them.

    On epochs without an evaluation the metric keys are set to
    `fill_value` (NaN by default), so that every `History` list has one
    entry per epoch and `CSVLogger`, which fixes its columns at the first
    epoch, has a column for each value from the start. With
    `fill_value=None` the keys appear only in evaluated epochs; use that
    for `EarlyStopping` on a metric evaluated every few epochs, which
    counts a NaN epoch as one without improvement but skips (with a
    warning) an epoch without the key (and give it `mode="min"` or
    `"max"`: Keras cannot tell the direction of these names itself).
    The JSON lines and `metrics/*` summaries hold evaluated epochs only.

    `last_results` holds the latest results (a dict of `MetricResult`s).

    Args:
        data: `"digits"`, `"ring"`, `"grid"`, or `"custom"`/`None` with
            `reference` data.
        reference: Optional reference samples (see `evaluate_model`).
        metrics: Optional list of metric names; defaults per data set.
        every: Evaluate every this many epochs, an integer >= 1.
        last_epoch: Whether to evaluate after the last epoch too.
        num_samples: Number of generated samples (see `evaluate_model`).
        seed: Integer seed of the latent codes; the same every epoch.
        ema: Evaluate the moving averages of the weights (a model built
            with `ema_decay`) instead of the trained weights.
        extractor: Optional feature extractor (see `evaluate_model`).
        batch_size: Batch size of the model and extractor calls.
        log_dir: Optional directory for `metrics.jsonl` and the
            TensorBoard summaries (share it with
            `keras.callbacks.TensorBoard`).
        tensorboard: `None` (default) writes TensorBoard summaries when
            `log_dir` is given and the `tensorboard` package is
            installed; `True` requires it (an `ImportError` when
            training begins says what to install); `False` never writes
            them.
        fill_value: Value of the metric keys in `logs` on epochs without
            an evaluation (NaN), or `None` to leave them out.
        prefix: Put before every scalar name (in `logs`, the JSON lines
            and the `metrics/` tags). Defaults to `"ema_"` with
            `ema=True` and `""` otherwise, so that two callbacks, one for
            the trained and one for the averaged weights, can log side by
            side (`fid` and `ema_fid`).

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN()
    model.fit(
        x,
        epochs=20,
        callbacks=[
            keras_aegan.callbacks.SampleMetrics(
                "digits", every=5, log_dir="runs/demo"
            ),
            # After SampleMetrics, so that it logs epoch_fid etc. too.
            keras.callbacks.TensorBoard("runs/demo"),
            keras.callbacks.CSVLogger("runs/demo/log.csv"),
        ],
    )
    ```
    """

    def __init__(
        self,
        data,
        reference=None,
        *,
        metrics=None,
        every=1,
        last_epoch=True,
        num_samples=None,
        seed=0,
        ema=False,
        extractor=None,
        batch_size=256,
        log_dir=None,
        tensorboard=None,
        fill_value=float("nan"),
        prefix=None,
    ):
        super().__init__()
        self.plan = EvaluationPlan(
            data,
            reference,
            metrics=metrics,
            num_samples=num_samples,
            seed=seed,
            ema=ema,
            extractor=extractor,
            batch_size=batch_size,
        )
        self.every = check_int("every", every, 1)
        self.last_epoch = bool(last_epoch)
        if log_dir is not None:
            if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(
                log_dir
            ):
                raise ValueError(
                    "`log_dir` must be a non-empty path or None. "
                    f"Received: log_dir={log_dir!r}"
                )
            log_dir = os.fspath(log_dir)
        self.log_dir = log_dir
        if tensorboard not in (None, True, False):
            raise ValueError(
                "`tensorboard` must be None, True or False. "
                f"Received: tensorboard={tensorboard!r}"
            )
        self.tensorboard = tensorboard
        if fill_value is not None and (
            isinstance(fill_value, bool)
            or not isinstance(fill_value, numbers.Real)
        ):
            raise ValueError(
                "`fill_value` must be a number or None. "
                f"Received: fill_value={fill_value!r}"
            )
        self.fill_value = fill_value
        if prefix is None:
            prefix = "ema_" if ema else ""
        if not isinstance(prefix, str):
            raise ValueError(
                "`prefix` must be a string or None. "
                f"Received: prefix={prefix!r}"
            )
        self.prefix = prefix
        self.last_results = None
        self._writer = None

    @property
    def train_dir(self):
        """Where the summaries go: `{log_dir}/train` (None without one)."""
        if self.log_dir is None:
            return None
        return os.path.join(self.log_dir, "train")

    @property
    def jsonl_path(self):
        """`{log_dir}/metrics.jsonl` (None without a `log_dir`)."""
        if self.log_dir is None:
            return None
        return os.path.join(self.log_dir, "metrics.jsonl")

    # ------------------------------------------------------------ writer
    def _writes_summaries(self):
        if self.log_dir is None or self.tensorboard is False:
            return False
        if self.tensorboard is None:
            return tensorboard_available()
        return True

    def on_train_begin(self, logs=None):
        if self._writes_summaries() and self._writer is None:
            # Fails before the first epoch if tensorboard is required but
            # missing.
            self._writer = SummaryWriter(self.train_dir)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ------------------------------------------------------------ epochs
    def _due(self, epoch):
        if (epoch + 1) % self.every == 0:
            return True
        if not self.last_epoch:
            return False
        epochs = (self.params or {}).get("epochs")
        last = epochs is not None and epoch + 1 >= epochs
        return last or bool(getattr(self.model, "stop_training", False))

    def on_epoch_end(self, epoch, logs=None):
        if not self._due(epoch):
            if logs is not None and self.fill_value is not None:
                names = self.plan.metric_names(self.model)
                for name in scalar_names(names):
                    logs.setdefault(self.prefix + name, float(self.fill_value))
            return
        results = self.plan.run(self.model)
        self.last_results = results
        records = list(_records(results, epoch, self.prefix))
        if logs is not None:
            logs.update({r["name"]: float(r["value"]) for r in records})
        if self.log_dir is not None:
            os.makedirs(self.log_dir, exist_ok=True)
            with open(self.jsonl_path, "a", encoding="utf-8") as f:
                for record in records:
                    line = json.dumps(json_ready(record), allow_nan=False)
                    f.write(line + "\n")
        if self._writer is not None:
            self._write_summaries(records, int(epoch))

    def _write_summaries(self, records, step):
        for record in records:
            self._writer.scalar(
                f"metrics/{record['name']}",
                float(record["value"]),
                step=step,
                description=json.dumps(record["protocol"]),
            )
        self._writer.flush()


def _records(results, epoch, prefix):
    """One dict per scalar of `results` (protocol as JSON types)."""
    for result in results.values():
        protocol = json_ready(result.protocol)
        for name, value in metric_scalars([result]).items():
            yield {
                "epoch": int(epoch) + 1,
                "step": int(epoch),
                "name": prefix + name,
                "metric": result.name,
                "value": value,
                "protocol": protocol,
            }
