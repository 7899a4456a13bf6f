"""Instance noise: Gaussian noise on a discriminator's inputs, annealed."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_aegan")
class InstanceNoise(keras.layers.Layer):
    """Adds Gaussian noise in training, optionally annealed to zero.

    Put at the input of a discriminator, the noise blurs real and
    generated distributions into each other, so their supports overlap
    and the discriminator's gradients stay informative early in
    training. In inference (`training=False`) the layer is the identity.

    The noise is drawn from the layer's own `keras.random.SeedGenerator`,
    whose state is a variable of the layer: compiled JAX steps thread it
    like any other state, and it is saved with the model (a reloaded
    layer continues the same stream).

    With `anneal_steps`, the standard deviation decreases linearly from
    `stddev` to 0 over the first `anneal_steps` calls made with
    `training=True`, counted by the non-trainable integer variable
    `training_calls` (saved with the model, so annealing resumes where it
    stopped): call `k` (counting from 0) uses
    `stddev * max(0, 1 - k / anneal_steps)`. A model that calls the
    discriminator several times per train step advances the count by
    that many calls per step.

    Args:
        stddev: Standard deviation of the noise, non-negative.
        anneal_steps: Positive number of training calls over which the
            standard deviation goes to 0, or `None` (default) for
            constant noise.
        seed: Integer seed of the noise, or `None` for a random seed.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: Tensor of any shape.
        training: Python boolean: add noise (and advance the annealing
            count) when `True`; return `inputs` unchanged when `False`.

    Example:

    ```python
    layer = InstanceNoise(0.1, anneal_steps=1000, seed=0)
    x = np.zeros((4, 16, 16, 1), "float32")
    noisy = layer(x, training=True)  # noise with stddev 0.1
    same = layer(x)                  # x unchanged
    ```

    Reference:
        - [Sønderby et al., "Amortised MAP Inference for Image
          Super-resolution", 2017](https://arxiv.org/abs/1610.04490)
          (section 3.2, instance noise)
    """

    def __init__(self, stddev, anneal_steps=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not (
            isinstance(stddev, (int, float)) and stddev >= 0
        ):
            raise ValueError(
                "`stddev` must be a non-negative number. Received: "
                f"stddev={stddev!r}"
            )
        if anneal_steps is not None and (
            isinstance(anneal_steps, bool)
            or not isinstance(anneal_steps, int)
            or anneal_steps < 1
        ):
            raise ValueError(
                "`anneal_steps` must be a positive integer or None. "
                f"Received: anneal_steps={anneal_steps!r}"
            )
        self.stddev = float(stddev)
        self.anneal_steps = anneal_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="noise_seed"
        )
        self.supports_masking = True
        self.training_calls = None
        if anneal_steps is not None:
            self.training_calls = self.add_weight(
                shape=(),
                dtype="int32",
                initializer="zeros",
                trainable=False,
                name="training_calls",
            )
        self._build_at_init()

    def current_stddev(self):
        """The standard deviation the next training call uses (a tensor)."""
        if self.anneal_steps is None:
            return ops.convert_to_tensor(self.stddev, "float32")
        done = ops.cast(self.training_calls, "float32")
        left = ops.maximum(1.0 - done / float(self.anneal_steps), 0.0)
        return self.stddev * left

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        stddev = self.current_stddev()
        if self.anneal_steps is not None:
            # Stops at anneal_steps: the count cannot overflow.
            self.training_calls.assign(
                ops.minimum(self.training_calls + 1, self.anneal_steps)
            )
        noise = keras.random.normal(
            ops.shape(inputs),
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )
        return inputs + ops.cast(stddev, self.compute_dtype) * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["seed_state"] = ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        super().load_own_variables(
            {k: store[k] for k in keys if k != "seed_state"}
        )
        if "seed_state" in keys:
            self.seed_generator.state.assign(store["seed_state"])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "stddev": self.stddev,
                "anneal_steps": self.anneal_steps,
                "seed": self.seed,
            }
        )
        return config
