"""Minibatch standard deviation (ProGAN): one feature of batch spread."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_aegan")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the batch's mean standard deviation as one more feature.

    A discriminator layer against mode collapse: for each group of
    samples it takes the standard deviation of every feature (every
    position and channel of an image) across the samples of the group,
    averages those deviations into one number, and appends that number
    to each sample of the group as a constant extra channel (images and
    sequences) or feature (vectors). A generator whose samples are too
    alike then gives the discriminator something easy to see.

    The input must have rank 2 or more, channels last: `(N, F)` becomes
    `(N, F + 1)`, `(N, T, C)` becomes `(N, T, C + 1)` and `(N, H, W, C)`
    becomes `(N, H, W, C + 1)`.

    Groups are consecutive: sample `i` belongs to group
    `i // group_size`. The batch size must be a multiple of `group_size`;
    a batch that is not raises a `ValueError` when its size is known at
    trace time, and fails in the reshape otherwise.

    Args:
        group_size: Number of samples per group, at least 2, or `None`
            (default) for one group holding the whole batch.
        epsilon: Added to the variance before the square root, so the
            gradient stays finite when all samples of a group are equal.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: Tensor of rank 2 or more, channels last.

    Example:

    ```python
    layer = MinibatchStdDev(group_size=4)
    y = layer(np.random.normal(size=(8, 4, 4, 16)))  # (8, 4, 4, 17)
    ```

    Reference:
        - [Karras et al., "Progressive Growing of GANs for Improved
          Quality, Stability, and Variation", 2018](
          https://arxiv.org/abs/1710.10196) (section 3)
    """

    def __init__(self, group_size=None, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if group_size is not None and (
            isinstance(group_size, bool)
            or not isinstance(group_size, int)
            or group_size < 2
        ):
            raise ValueError(
                "`group_size` must be an integer of at least 2, or None. "
                f"Received: group_size={group_size!r}"
            )
        if not epsilon >= 0:
            raise ValueError(
                f"`epsilon` must be non-negative. Received: epsilon={epsilon}"
            )
        self.group_size = group_size
        self.epsilon = epsilon
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        self._build_at_init()

    def _check_batch(self, batch):
        if self.group_size is None or not isinstance(batch, int):
            return
        if batch % self.group_size:
            raise ValueError(
                f"The batch size must be a multiple of `group_size` "
                f"({self.group_size}). Received: a batch of {batch} samples "
                "(choose a batch size that `group_size` divides, or set "
                "`group_size=None`)."
            )

    def call(self, inputs):
        self._check_batch(inputs.shape[0])
        # Statistics in float32 at least: squares of float16 activations
        # overflow past 256.
        stat_dtype = keras.backend.result_type(inputs.dtype, "float32")
        x = ops.cast(inputs, stat_dtype)
        if None in inputs.shape[1:]:
            features = ops.size(x[0])
        else:
            features = math.prod(inputs.shape[1:])
        # (groups, group, features): one row of features per sample.
        if self.group_size is None:
            x = ops.reshape(x, (1, -1, features))
        else:
            x = ops.reshape(x, (-1, self.group_size, features))
        std = ops.sqrt(ops.var(x, axis=1) + self.epsilon)
        per_group = ops.mean(std, axis=-1)  # (groups,)
        if self.group_size is not None:
            per_group = ops.repeat(per_group, self.group_size, axis=0)
        per_sample = ops.reshape(
            ops.cast(per_group, inputs.dtype),
            (-1,) + (1,) * (len(inputs.shape) - 1),
        )
        extra = ops.zeros_like(inputs[..., :1]) + per_sample
        return ops.concatenate([inputs, extra], axis=-1)

    def compute_output_shape(self, input_shape):
        last = input_shape[-1]
        return tuple(input_shape[:-1]) + (None if last is None else last + 1,)

    def get_config(self):
        config = super().get_config()
        config.update({"group_size": self.group_size, "epsilon": self.epsilon})
        return config
