"""Non-finite losses: stop naming the phase and term, or roll back."""

import math
import warnings

import keras
import numpy as np

from keras_aegan.utils.validation import check_int
from keras_aegan.utils.validation import check_positive_int

# Log key of the number of phase updates skipped with on_nonfinite="skip".
SKIPS_KEY = "nonfinite_skips"


class NonFiniteLossError(FloatingPointError):
    """A phase's loss or one of its terms became NaN or infinite."""


class NonFinitePolicy:
    """What a model does with a non-finite (NaN/Inf) phase loss.

    `AdversarialTrainer` holds one as `model.nonfinite_policy`, made from
    its `on_nonfinite` argument. The train step asks it which state a
    phase update must leave unchanged when its loss is not finite
    (`gated_state`) and logs the skip count through it (`log_skips`);
    `compile()` adds its loss tracker (`trackers`) and `fit()` its
    callbacks (`callbacks`), which run before the user's so that a
    checkpoint never sees an unchecked batch.

    Args:
        mode: `"raise"` (stop at the batch, `NonFiniteGuard`), `"skip"`
            (drop the phase update on device and count it) or
            `"rollback"` (skip, then `NonFiniteRollback` restores the
            last good snapshot with lower learning rates).

    Example:

    ```python
    policy = NonFinitePolicy("skip")
    policy.skips  # True: the step drops non-finite updates
    ```
    """

    MODES = ("raise", "skip", "rollback")

    def __init__(self, mode):
        if mode not in self.MODES:
            raise ValueError(
                f"`on_nonfinite` must be one of {self.MODES}. Received: "
                f"on_nonfinite={mode!r}"
            )
        self.mode = mode

    @property
    def skips(self):
        """Whether the step drops non-finite phase updates on device."""
        return self.mode in ("skip", "rollback")

    def gated_state(self, model, phase):
        """State a skipped update of `phase` must leave as it was.

        Empty unless updates are skipped; then the phase's trainable
        variables, the non-trainable variables of its networks and the
        variables of its optimizer.
        """
        if not self.skips:
            return []
        return (
            model.phase_variables(phase.name)
            + model.own_state(phase)
            + list(getattr(model, phase.optimizer).variables)
        )

    def log_skips(self, logs, skips):
        """Adds a step's number of skipped phase updates to `logs`.

        Under `SKIPS_KEY`, and only when updates are skipped.
        """
        if self.skips:
            logs[SKIPS_KEY] = skips

    def trackers(self):
        """The metric that sums the skipped updates (empty for "raise")."""
        return [keras.metrics.Sum(name=SKIPS_KEY)] if self.skips else []

    def callbacks(self, phases, given):
        """The callbacks `fit()` puts before the user's callbacks `given`.

        A `NonFiniteGuard` for `"raise"`; for `"rollback"` a
        `NonFiniteRollback` with its defaults unless `given` has one.
        """
        if self.mode == "raise":
            return [NonFiniteGuard(phases)]
        if self.mode == "rollback" and not any(
            isinstance(c, NonFiniteRollback) for c in given
        ):
            return [NonFiniteRollback()]
        return []


class NonFiniteGuard(keras.callbacks.Callback):
    """Raises `NonFiniteLossError` at the first batch with a bad loss.

    `fit()` adds it when the model's `on_nonfinite` is `"raise"`. The
    logs a batch reports are the epoch's running means, so a term is
    finite up to the batch where it first went non-finite and stays
    non-finite after it: the check names that batch. The message names
    the first non-finite term of the phase (or, when every term is finite,
    the total, e.g. from an infinite loss weight).

    Args:
        phases: The model's `Phase` list.

    Example:

    ```python
    model.fit(x, callbacks=[NonFiniteGuard(model.phases)])  # fit() adds it
    ```
    """

    def __init__(self, phases):
        super().__init__()
        self._phases = list(phases)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not logs:
            return
        for phase in self._phases:
            # A non-finite term makes its phase's total non-finite (even
            # with weight 0: 0 * inf is nan), so the totals are checked
            # every batch and the terms only when a total fails.
            if _finite(logs, phase.total_name):
                continue
            bad = [k for k in phase.terms if not _finite(logs, k)]
            key = bad[0] if bad else phase.total_name
            value = _value(logs, key)
            raise NonFiniteLossError(
                f"Loss term {key!r} of phase {phase.name!r} became {value} "
                f"at epoch {self._epoch + 1}, batch {batch + 1}. "
                "Training stopped; files saved before this batch are "
                "untouched, but this step's update was applied. Use "
                "on_nonfinite='skip' to drop such updates instead."
            )


def _value(logs, key):
    return float(keras.ops.convert_to_numpy(logs[key]))


def _finite(logs, key):
    return key not in logs or math.isfinite(_value(logs, key))


class NonFiniteRollback(keras.callbacks.Callback):
    """On a non-finite loss, goes back to the last good state, slower.

    For models with `on_nonfinite="rollback"` (`fit()` adds one with the
    defaults unless you pass your own). The train step already drops a
    non-finite phase update (as with `"skip"`); a NaN usually means the
    run has started to diverge, so this callback then restores the last
    good snapshot of every weight, BatchNorm statistic and optimizer
    moment, and multiplies each phase optimizer's learning rate by
    `factor`. Training continues with the next batch.

    Snapshots are kept in host memory and taken every `every` steps, after
    a batch whose updates were all finite. Step counters and noise seeds
    are not rolled back: the step count stays the number of steps run,
    and the noise after a rollback is fresh. The number of rollbacks so
    far is logged as `nonfinite_rollbacks` at each epoch end.

    Args:
        every: Steps between snapshots.
        factor: Learning-rate multiplier per rollback, in (0, 1].
        max_rollbacks: Rollbacks allowed in one `fit()`; one more raises
            `NonFiniteLossError`.

    Example:

    ```python
    model = keras_aegan.AEGAN(on_nonfinite="rollback")
    model.fit(x, callbacks=[NonFiniteRollback(every=50, factor=0.3)])
    ```
    """

    def __init__(self, every=100, factor=0.5, max_rollbacks=5):
        super().__init__()
        self.every = check_positive_int("every", every)
        if not 0.0 < float(factor) <= 1.0:
            raise ValueError(
                f"`factor` must be in (0, 1]. Received: factor={factor!r}"
            )
        self.factor = float(factor)
        self.max_rollbacks = check_int(
            "max_rollbacks", max_rollbacks, minimum=0
        )
        self.rollbacks = 0
        self.events = []  # (epoch, batch, new learning rates) per rollback

    def on_train_begin(self, logs=None):
        model = self.model
        if getattr(model, "on_nonfinite", None) != "rollback":
            raise ValueError(
                "NonFiniteRollback needs a model built with "
                "on_nonfinite='rollback' (its step drops non-finite updates "
                "and counts them). Received a model with on_nonfinite="
                f"{getattr(model, 'on_nonfinite', None)!r}."
            )
        self._optimizers = model.optimizer.optimizers
        for opt in self._optimizers:
            if isinstance(
                opt._learning_rate,
                keras.optimizers.schedules.LearningRateSchedule,
            ):
                raise ValueError(
                    "NonFiniteRollback lowers learning rates and needs "
                    f"float ones; optimizer {opt.name!r} has a schedule "
                    f"({type(opt._learning_rate).__name__})."
                )
        counters = {id(opt.iterations) for opt in self._optimizers}
        self._state = [
            v
            for v in model.weights + model.optimizer.variables
            if id(v) not in counters
        ]
        self.rollbacks = 0
        self.events = []
        self._snapshot()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._skips = 0.0  # the step's skip counter restarts every epoch

    def on_train_batch_end(self, batch, logs=None):
        skips = float(
            keras.ops.convert_to_numpy((logs or {}).get(SKIPS_KEY, 0))
        )
        if skips > self._skips:
            self._skips = skips
            self._rollback(batch)
            return
        self._since += 1
        if self._since >= self.every:
            self._snapshot()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["nonfinite_rollbacks"] = float(self.rollbacks)

    def _snapshot(self):
        _ = self.model  # with JAX, attaches the step's state to the model
        self._saved = [
            np.array(keras.ops.convert_to_numpy(v)) for v in self._state
        ]
        self._since = 0

    def _rollback(self, batch):
        _ = self.model  # with JAX, attaches the step's state to the model
        self.rollbacks += 1
        where = f"epoch {self._epoch + 1}, batch {batch + 1}"
        if self.rollbacks > self.max_rollbacks:
            raise NonFiniteLossError(
                f"A phase loss was non-finite at {where} and the "
                f"{self.max_rollbacks} rollbacks allowed (max_rollbacks="
                f"{self.max_rollbacks}) are used up. Training stopped; "
                "lower the learning rates or check the data."
            )
        rates = [
            float(keras.ops.convert_to_numpy(opt.learning_rate)) * self.factor
            for opt in self._optimizers
        ]
        for variable, value in zip(self._state, self._saved):
            variable.assign(value)
        for opt, rate in zip(self._optimizers, rates):
            opt.learning_rate = rate
        self.events.append((self._epoch, batch, rates))
        self._since = 0
        warnings.warn(
            f"Non-finite loss at {where}: rolled back to the last good "
            f"snapshot; learning rates now {rates}.",
            stacklevel=2,
        )
