"""Stopping on non-finite losses, naming the phase and term."""

import math

import keras

# Log key of the number of phase updates skipped with on_nonfinite="skip".
SKIPS_KEY = "nonfinite_skips"


class NonFiniteLossError(FloatingPointError):
    """A phase's loss or one of its terms became NaN or infinite."""


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
