"""Synthetic 1-D signals: a small time-series data set generated in NumPy.

Four waveform classes (sine, square, sawtooth, damped sine) with random
frequency, phase and amplitude, plus a little Gaussian noise. Frequencies
are counted in cycles per sequence, so `length` only sets the sampling
resolution: the same seed gives the same kinds of curves at any length.
"""

import numbers

import numpy as np

from keras_aegan.utils.validation import check_int

SIGNAL_CLASSES = ("sine", "square", "sawtooth", "damped")
# Cycles per sequence. At least one full cycle per sample, and at most 4 so
# that a 16-step sequence still has 4 steps per cycle.
FREQUENCY_RANGE = (1.0, 4.0)
AMPLITUDE_RANGE = (0.5, 1.0)
# Exponential decay rate of the damped class, per sequence length: the
# envelope ends between e^-2 (0.14) and e^-5 (0.007) of its start.
DECAY_RANGE = (2.0, 5.0)


def _waveform(kind, phase):
    if kind == 0:  # sine
        return np.sin(phase)
    if kind == 1:  # square
        return np.where(np.sin(phase) >= 0.0, 1.0, -1.0)
    if kind == 2:  # sawtooth rising from -1 to 1 over each cycle
        return 2.0 * np.mod(phase / (2.0 * np.pi), 1.0) - 1.0
    return np.sin(phase)  # damped: the envelope is applied by the caller


def make_signals(
    n, length=64, channels=1, seed=None, noise=0.05, return_labels=False
):
    """Samples synthetic signals of four waveform classes.

    Each sample draws a class uniformly from `SIGNAL_CLASSES` and a
    frequency `f` (cycles per sequence, uniform in [1, 4]) shared by its
    channels. Each channel draws its own phase `p` (uniform in
    [0, 2 pi)) and amplitude `a` (uniform in [0.5, 1]); with time
    `t = arange(length) / length` the channel is `a * w(2 pi f t + p)`,
    where `w` is a sine, a square wave, a sawtooth rising from -1 to 1,
    or, for the damped class, a sine times `exp(-d t)` with a decay `d`
    per sample, uniform in [2, 5]. Gaussian noise of standard deviation
    `noise` is added to every value.

    Args:
        n: Number of samples, an integer >= 1.
        length: Number of time steps, an integer >= 2. The default
            networks need a power of two between 8 and 1024.
        channels: Number of channels, an integer >= 1.
        seed: Seed for `np.random.default_rng`. `None` draws fresh
            entropy; an integer makes the result reproducible.
        noise: Standard deviation of the additive noise, a number >= 0.
        return_labels: If `True`, also return the class index of each
            sample (an index into `SIGNAL_CLASSES`).

    Returns:
        A float32 NumPy array of shape `(n, length, channels)`, or a
        tuple `(x, labels)` with `labels` an int32 array of shape `(n,)`
        when `return_labels=True`.

    Example:

    >>> x, labels = make_signals(256, length=64, seed=0, return_labels=True)
    >>> x.shape, x.dtype, int(labels.max())
    ((256, 64, 1), dtype('float32'), 3)
    """
    n = check_int("n", n, 1)
    length = check_int("length", length, 2)
    channels = check_int("channels", channels, 1)
    if (
        isinstance(noise, bool)
        or not isinstance(noise, numbers.Real)
        or not np.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(
            f"`noise` must be a finite number >= 0. Received: noise={noise!r}"
        )
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SIGNAL_CLASSES), size=n)
    frequency = rng.uniform(*FREQUENCY_RANGE, size=(n, 1, 1))
    decay = rng.uniform(*DECAY_RANGE, size=(n, 1, 1))
    phase0 = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1, channels))
    amplitude = rng.uniform(*AMPLITUDE_RANGE, size=(n, 1, channels))
    t = (np.arange(length) / length)[None, :, None]
    phase = 2.0 * np.pi * frequency * t + phase0
    x = np.empty((n, length, channels))
    for kind in range(len(SIGNAL_CLASSES)):
        rows = labels == kind
        x[rows] = _waveform(kind, phase[rows])
    damped = labels == SIGNAL_CLASSES.index("damped")
    x[damped] *= np.exp(-decay[damped] * t)
    x = amplitude * x + noise * rng.standard_normal(x.shape)
    x = x.astype("float32")
    if return_labels:
        return x, labels.astype("int32")
    return x
