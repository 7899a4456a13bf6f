"""No TensorFlow import to serialise configs or seed, under JAX or PyTorch.

Keras 3's `serialize_keras_object` (run by every `get_config()`,
`clone_model` and optimizer serialisation, hence by `compile()` and by
the EMA copies) asks `tf.available` before testing whether a value is a
`tf.TensorShape`, `tf.DType` or `tf.TypeSpec`. `available` imports
TensorFlow when it is installed: under JAX or PyTorch that is several
seconds and about 460 MiB per process, for checks that cannot succeed,
since no TensorFlow object exists before TensorFlow is imported.

`keep_tensorflow_unimported()` gives Keras's serialisation module a view
of its lazy `tf` module whose `available` is true only once TensorFlow
has been imported by someone (a TensorBoard writer, the user). Every
other attribute is the lazy module's own, so deserialising a TensorFlow
object still imports TensorFlow. The results of serialisation are
unchanged: it skips only `isinstance` checks that are false.

`set_random_seed(seed)` is `keras.utils.set_random_seed` with the same
view for its one call: it seeds Python, NumPy, the Keras global seed
generator and PyTorch as Keras does, and TensorFlow only when TensorFlow
is already imported (Keras seeds it whenever it is installed, importing
it to do so).
"""

import sys
import threading

import keras
from keras.src.saving import serialization_lib
from keras.src.utils import module_utils
from keras.src.utils import rng_utils


class _ImportedTensorFlow:
    """`tf` as seen by Keras's serialiser: available once imported."""

    def __init__(self, lazy):
        self._lazy = lazy

    @property
    def available(self):
        return "tensorflow" in sys.modules and self._lazy.available

    def __getattr__(self, name):
        return getattr(self._lazy, name)


def keep_tensorflow_unimported():
    """Installs the view in `keras.src.saving.serialization_lib` (once).

    Does nothing when that module no longer has a lazy `tf` (a later
    Keras), so the worst case is the old cost, never an error.
    """
    lazy = getattr(serialization_lib, "tf", None)
    if isinstance(lazy, module_utils.LazyModule):
        serialization_lib.tf = _ImportedTensorFlow(lazy)


#: Serialises `set_random_seed`'s swap of a module-wide attribute.
_SEED_LOCK = threading.Lock()


def set_random_seed(seed):
    """`keras.utils.set_random_seed`, importing no TensorFlow to seed it.

    Used by the package's own entry points (the CLI's `--seed`, the
    anomaly detector's `seed`) under JAX and PyTorch, which build no
    `tf.data` pipeline; a user's own code keeps Keras's function. The
    view replaces Keras's `tf` for the whole process during the call
    (calls of this function wait for each other): a
    `keras.utils.set_random_seed` in another thread at that moment
    would not seed a TensorFlow that is not imported yet.

    Args:
        seed: Integer seed.

    Example:

    ```python
    set_random_seed(0)
    ```
    """
    lazy = getattr(rng_utils, "tf", None)
    if not isinstance(lazy, module_utils.LazyModule):  # a later Keras
        keras.utils.set_random_seed(seed)
        return
    with _SEED_LOCK:
        rng_utils.tf = _ImportedTensorFlow(lazy)
        try:
            keras.utils.set_random_seed(seed)
        finally:
            rng_utils.tf = lazy
