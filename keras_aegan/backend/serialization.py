"""No TensorFlow import for serialising configs under JAX or PyTorch.

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
"""

import sys

from keras.src.saving import serialization_lib
from keras.src.utils import module_utils


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
