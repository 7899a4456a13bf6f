"""`save()` and `save_weights()` that a crash cannot leave half-written."""

import os

from keras_aegan.utils.atomic import atomic_path


class AtomicSaving:
    """Mixed into `AdversarialTrainer` before `keras.Model`.

    A local `.keras` or single `.weights.h5` file is written to a
    temporary file next to it, flushed to disk and renamed over the
    target (`keras_aegan.utils.atomic.atomic_path`): a process killed
    while saving leaves the previous file intact and loadable. Remote
    paths, sharded weights and `overwrite=False` go to Keras unchanged.
    """

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model as a `.keras` file, atomically; see
        `keras.Model.save`.

        Args:
            filepath: Path ending in `.keras`.
            overwrite: Whether to replace an existing file.
            zipped: As in `keras.Model.save`.
            **kwargs: Passed to `keras.Model.save`.
        """
        path = os.fspath(filepath)
        if _atomic(path, ".keras", overwrite) and zipped is not False:
            with atomic_path(path, suffix=".keras") as tmp:
                return super().save(tmp, zipped=zipped, **kwargs)
        return super().save(
            filepath, overwrite=overwrite, zipped=zipped, **kwargs
        )

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves all weights to a `.weights.h5` file, atomically; see
        `keras.Model.save_weights`.

        Args:
            filepath: Path ending in `.weights.h5`.
            overwrite: Whether to replace an existing file.
            max_shard_size: As in `keras.Model.save_weights` (sharded
                files are written by Keras, not atomically).
        """
        path = os.fspath(filepath)
        if _atomic(path, ".weights.h5", overwrite) and max_shard_size is None:
            with atomic_path(path, suffix=".weights.h5") as tmp:
                return super().save_weights(tmp)
        return super().save_weights(
            filepath, overwrite=overwrite, max_shard_size=max_shard_size
        )


def _atomic(path, suffix, overwrite):
    if "://" in path or not path.endswith(suffix):
        return False
    return overwrite or not os.path.exists(path)
