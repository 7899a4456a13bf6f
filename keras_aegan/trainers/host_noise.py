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
    are drawn when the epoch starts, so they do not depend on the order in
    which Keras reads the batches.

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
        self._draw_epoch()

    def _draw_epoch(self):
        n = len(self.x)
        self._order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        self._noise = {
            name: self.rng.standard_normal((n,) + tuple(shape)).astype(
                "float32"
            )
            for name, shape in self.noise_shapes.items()
        }

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index out of range [0, {len(self)}). "
                f"Received: index={index}"
            )
        sl = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return {
            "x": self.x[self._order[sl]],
            "noise": {k: v[sl] for k, v in self._noise.items()},
        }

    def on_epoch_end(self):
        self._draw_epoch()
