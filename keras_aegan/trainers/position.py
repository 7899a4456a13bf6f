"""Where a model's training stands: data position and host streams."""

import numpy as np


class TrainingPosition:
    """The host-side state a checkpoint needs to resume a model exactly.

    `AdversarialTrainer` holds one as `model.training_position`. It owns
    the model's two NumPy generators (the one `generate()` continues when
    called without a seed, and the one that orders the data and draws the
    noise with `noise="host"`) and knows which seeded batches `fit()` is
    reading. `keras_aegan.callbacks.BackupAndRestore` saves and restores
    a model through this interface only.

    Args:
        seed: Seed of both generators (`None`: random).

    Example:

    ```python
    position = model.training_position
    state = position.state()  # JSON-serialisable
    position.restore(state)
    ```
    """

    def __init__(self, seed=None):
        self.generate_rng = np.random.default_rng(seed)
        self.host_rng = np.random.default_rng(seed)
        #: The `HostNoiseBatches` the running `fit()` reads (noise="host"
        #: with array data), else None: only then is a position inside an
        #: epoch reproducible.
        self.batches = None
        #: True while `fit()` runs the rest of a resumed epoch as a
        #: `fit()` of its own, to be followed by the remaining epochs.
        self.partial_epoch = False

    @property
    def exact(self):
        """Whether a position inside an epoch can be rebuilt on resume."""
        return self.batches is not None

    @property
    def epoch_start(self):
        """Batches of the current epoch done before this `fit()` began."""
        return self.batches.start if self.exact else 0

    @property
    def epoch_rng_state(self):
        """Host generator state at the start of the epoch (or None)."""
        return self.batches.epoch_rng_state if self.exact else None

    @property
    def batches_per_epoch(self):
        """Batches per epoch of the seeded data (or None)."""
        return self.batches.batches_per_epoch if self.exact else None

    def state(self):
        """The generators' states, a JSON-serialisable dict."""
        return {"generate_rng": self.generate_rng.bit_generator.state}

    def restore(self, state):
        """Restores what `state()` returned (missing keys are kept)."""
        rng = state.get("generate_rng")
        if rng is not None:
            self.generate_rng.bit_generator.state = rng
