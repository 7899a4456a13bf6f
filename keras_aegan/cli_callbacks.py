"""Callbacks of `keras-aegan train`: a compact progress bar, a time budget."""

import time

import keras

from keras_aegan.trainers.nonfinite import SKIPS_KEY


def compact_keys(model):
    """The log keys a compact progress bar shows for `model`.

    Each phase's total (`generator_loss`, `discriminator_loss`, ...), the
    reconstruction terms (`reconstruction_x`, `reconstruction`, ...) and
    the count of skipped updates when the model skips non-finite ones.

    Args:
        model: A compiled keras_aegan model.

    Returns:
        A set of log keys (without the `val_` prefix).

    Example:

    ```python
    compact_keys(model)  # {"discriminator_loss", "generator_loss", ...}
    ```
    """
    totals = {phase.total_name for phase in model.phases}
    return {
        metric.name
        for metric in model.metrics
        if metric.name in totals
        or "reconstruction" in metric.name
        or metric.name == SKIPS_KEY
    }


class ProgressLogger(keras.callbacks.ProgbarLogger):
    """Keras's progress bar showing only the main numbers of training.

    In `fit()`'s callbacks it replaces the bar Keras adds itself, and
    takes `fit(verbose=...)` as usual (1: a bar per epoch, 2: one line per
    epoch). With `compact=True` it shows the keys of `compact_keys`
    (`val_` ones included) instead of every loss term; the history,
    TensorBoard and other callbacks still receive every term. With a
    `TimeBudget` the epoch header reads `Epoch 3 (2.1 of 10 minutes)`.

    Args:
        compact: Whether to show only the phase totals and reconstruction
            terms.
        budget: Optional `TimeBudget` whose time is shown per epoch.

    Example:

    ```python
    model.fit(x, epochs=5, verbose=1, callbacks=[ProgressLogger()])
    ```
    """

    def __init__(self, compact=True, budget=None):
        super().__init__()
        self.compact = bool(compact)
        self.budget = budget
        self._shown = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._shown = compact_keys(self.model) if self.compact else None

    def _filter(self, logs):
        if self._shown is None or not logs:
            return logs
        return {
            key: value
            for key, value in logs.items()
            if key.removeprefix("val_") in self._shown
        }

    def on_epoch_begin(self, epoch, logs=None):
        if self.budget is None:
            super().on_epoch_begin(epoch, logs)
            return
        # Keras prints "Epoch e/E", where E is only a cap under a budget.
        epochs, self.epochs = self.epochs, 1
        try:
            super().on_epoch_begin(epoch, logs)
        finally:
            self.epochs = epochs
        if self.verbose:
            cap = "" if epochs >= self.budget.epoch_cap else f"/{epochs}"
            print(
                f"Epoch {epoch + 1}{cap} ({self.budget.elapsed_minutes():.1f}"
                f" of {self.budget.minutes:g} minutes)",
                flush=True,
            )

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, self._filter(logs))

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, self._filter(logs))


class TimeBudget(keras.callbacks.Callback):
    """Stops training at the end of the epoch in which time runs out.

    The clock starts when training begins (the first `on_train_begin`,
    so a `fit()` that resumes inside an epoch, which Keras runs as two,
    counts once). At the end of each epoch, once `minutes` have passed,
    it sets `model.stop_training`: the epoch always ends whole, and
    callbacks listed after it (sample metrics with `last_epoch=True`)
    still see it as the last. `fit()` then returns and the caller saves.

    Args:
        minutes: The budget in minutes, a number > 0.
        epoch_cap: The `epochs` passed to `fit()` when the budget alone
            decides (shown as no epoch count by `ProgressLogger`).
        clock: A function returning seconds (for tests).

    Attributes:
        stopped_epoch: Index of the epoch after which it stopped, or None.

    Example:

    ```python
    budget = TimeBudget(10)
    model.fit(x, epochs=budget.epoch_cap, callbacks=[budget])
    ```
    """

    def __init__(self, minutes, epoch_cap=1_000_000, clock=time.monotonic):
        super().__init__()
        if not 0 < float(minutes) < float("inf"):
            raise ValueError(
                f"`minutes` must be a positive number. Received: "
                f"minutes={minutes!r}"
            )
        self.minutes = float(minutes)
        self.epoch_cap = int(epoch_cap)
        self.clock = clock
        self.start = None
        self.stopped_epoch = None

    def elapsed_minutes(self):
        """Minutes since training began (0 before it begins)."""
        if self.start is None:
            return 0.0
        return (self.clock() - self.start) / 60.0

    def on_train_begin(self, logs=None):
        if self.start is None:
            self.start = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        if self.elapsed_minutes() >= self.minutes:
            self.model.stop_training = True
            self.stopped_epoch = epoch
