"""Host noise: batches and latent noise drawn by a seeded NumPy generator."""

import math

import keras
import numpy as np


class HostNoiseBatches(keras.utils.PyDataset):
    """Array batches in a seeded order, each with its step's noise.

    With `noise="host"`, `fit()` feeds the model through this dataset: the
    epoch's order and every phase's latent noise come from one NumPy
    generator, so the same seed gives the same batches and the same noise
    on TensorFlow, PyTorch and JAX (the device noise streams of
    `keras.random` differ per backend). Each epoch's permutation and noise
    are drawn at once, so they do not depend on the order in which Keras
    reads the batches.

    A new epoch is drawn only at the end of an epoch that Keras began:
    Keras also signals an epoch end when `fit()` starts (and the
    TensorFlow adapter reads batches to infer their spec), and neither
    may skip an epoch. `epoch_rng_state` is the generator state the
    current epoch was drawn from; with `start`, it is all a checkpoint
    needs to rebuild the exact position in the data (see
    `keras_aegan.callbacks.BackupAndRestore`).

    Args:
        x: NumPy array of samples.
        batch_size: Batch size.
        shuffle: Whether to permute the samples every epoch.
        rng: `numpy.random.Generator` drawing the order and the noise.
        noise_shapes: Dict mapping noise names to per-sample shapes.

    Example:

    ```python
    batches = HostNoiseBatches(x, 64, True, np.random.default_rng(0),
                               {"generator": (2,)})
    batch = batches[0]  # {"x": (64, 2) array, "noise": {"generator": ...}}
    ```
    """

    def __init__(self, x, batch_size, shuffle, rng, noise_shapes):
        super().__init__()
        self.x = x
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = rng
        self.noise_shapes = dict(noise_shapes)
        # Batches of the current epoch that are skipped (resuming inside
        # an epoch); reset when the next epoch is drawn.
        self.start = 0
        self._draw_epoch()

    @property
    def batches_per_epoch(self):
        """Number of batches of a whole epoch."""
        return math.ceil(len(self.x) / self.batch_size)

    def _draw_epoch(self):
        n = len(self.x)
        self.epoch_rng_state = self.rng.bit_generator.state
        self._order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        self._noise = {
            name: self.rng.standard_normal((n,) + tuple(shape)).astype(
                "float32"
            )
            for name, shape in self.noise_shapes.items()
        }
        self.start = 0
        self._begun = False

    def next_epoch(self):
        """Draws the next epoch now."""
        self._draw_epoch()

    def __len__(self):
        return self.batches_per_epoch - self.start

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index out of range [0, {len(self)}). "
                f"Received: index={index}"
            )
        first = (self.start + index) * self.batch_size
        sl = slice(first, first + self.batch_size)
        return {
            "x": self.x[self._order[sl]],
            "noise": {k: v[sl] for k, v in self._noise.items()},
        }

    def on_epoch_begin(self):
        self._begun = True

    def on_epoch_end(self):
        if self._begun:
            self._draw_epoch()
