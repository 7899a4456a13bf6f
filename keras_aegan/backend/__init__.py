"""Per-backend gradient mechanics, chosen once at import time.

Only the modules under this package import a framework at top level. Each
defines a phase trainer (`JAXPhaseTrainer`, `TensorFlowPhaseTrainer`,
`TorchPhaseTrainer`, exported here as `PhaseTrainer`), the base of
`AdversarialTrainer` that provides `train_step` and `test_step`: only the
gradient mechanics of the step contract the trainer defines. Everything
else is written in `keras.ops`, except
`input_gradients(network, inputs, training)` (the input-gradient of a
network for gradient penalties, differentiable in a train step) and
`conv2d`: `None`, or a backend's replacement for `keras.ops.conv` where
Keras's generic path fails (see `keras_aegan.layers.Conv2D`), and the
data-parallel hooks of each backend's own engine: `build_scope(model)`
(where variables are created), `replica_position()` (`(index, count)` of
the replica running a step) and `prepare_replicas(model, data,
batch_size)` (what a process feeds `fit()`), and `set_random_seed(seed)`
(Keras's, without importing TensorFlow under the other backends).
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_aegan.backend.tensorflow.gradients import input_gradients
    from keras_aegan.backend.tensorflow.replicas import build_scope
    from keras_aegan.backend.tensorflow.replicas import prepare_replicas
    from keras_aegan.backend.tensorflow.replicas import replica_position
    from keras_aegan.backend.tensorflow.trainer import (
        TensorFlowPhaseTrainer as PhaseTrainer,
    )

    conv2d = None
elif _BACKEND == "torch":
    from keras_aegan.backend.serialization import keep_tensorflow_unimported
    from keras_aegan.backend.torch.gradients import input_gradients
    from keras_aegan.backend.torch.ops import conv2d
    from keras_aegan.backend.torch.replicas import build_scope
    from keras_aegan.backend.torch.replicas import prepare_replicas
    from keras_aegan.backend.torch.replicas import replica_position
    from keras_aegan.backend.torch.trainer import (
        TorchPhaseTrainer as PhaseTrainer,
    )
elif _BACKEND == "jax":
    from keras_aegan.backend.jax.gradients import input_gradients
    from keras_aegan.backend.jax.replicas import build_scope
    from keras_aegan.backend.jax.replicas import prepare_replicas
    from keras_aegan.backend.jax.replicas import replica_position
    from keras_aegan.backend.jax.trainer import JAXPhaseTrainer as PhaseTrainer
    from keras_aegan.backend.serialization import keep_tensorflow_unimported

    conv2d = None
else:
    raise ImportError(
        "keras_aegan supports the 'tensorflow', 'torch' and 'jax' Keras "
        f"backends. Received: KERAS_BACKEND={_BACKEND!r}"
    )

if _BACKEND == "tensorflow":
    set_random_seed = keras.utils.set_random_seed
else:
    from keras_aegan.backend.serialization import (
        set_random_seed as set_random_seed,
    )

    # Keras's config serialisation would import TensorFlow otherwise.
    keep_tensorflow_unimported()

# The name before 0.x (deprecated): the backend's phase trainer.
PhaseStep = PhaseTrainer

__all__ = [
    "PhaseStep",
    "PhaseTrainer",
    "build_scope",
    "conv2d",
    "input_gradients",
    "prepare_replicas",
    "replica_position",
    "set_random_seed",
]
