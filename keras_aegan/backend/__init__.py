"""Per-backend gradient mechanics, chosen once at import time.

Only the modules under this package import a framework at top level. Each
defines `PhaseStep`, a mixin providing `train_step` and `test_step` for the
`AdversarialTrainer`; everything else is written in `keras.ops`, except
`input_gradients(network, inputs, training)` (the input-gradient of a
network for gradient penalties, differentiable in a train step) and
`conv2d`: `None`, or a backend's replacement for `keras.ops.conv` where
Keras's generic path fails (see `keras_aegan.layers.Conv2D`).
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_aegan.backend.tensorflow.gradients import input_gradients
    from keras_aegan.backend.tensorflow.trainer import PhaseStep

    conv2d = None
elif _BACKEND == "torch":
    from keras_aegan.backend.torch.gradients import input_gradients
    from keras_aegan.backend.torch.ops import conv2d
    from keras_aegan.backend.torch.trainer import PhaseStep
elif _BACKEND == "jax":
    from keras_aegan.backend.jax.gradients import input_gradients
    from keras_aegan.backend.jax.trainer import PhaseStep

    conv2d = None
else:
    raise ImportError(
        "keras_aegan supports the 'tensorflow', 'torch' and 'jax' Keras "
        f"backends. Received: KERAS_BACKEND={_BACKEND!r}"
    )

__all__ = ["PhaseStep", "conv2d", "input_gradients"]
