"""The reparameterisation trick of variational autoencoders, as a layer."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_aegan")
class Reparameterization(keras.layers.Layer):
    """Samples `z ~ N(mean, exp(log_var))` differentiably.

    In training (`training=True`) the layer returns
    `mean + exp(log_var / 2) * epsilon` with `epsilon ~ N(0, I)`, so the
    sample is a differentiable function of `mean` and `log_var` (the
    reparameterisation trick). In inference it returns `mean`.

    `epsilon` is drawn from the layer's own `keras.random.SeedGenerator`,
    whose state is a non-trainable variable: compiled JAX steps thread it
    like any other state, and it is saved with the model (a reloaded
    layer continues the same stream). A caller that draws its noise
    elsewhere (for example `keras_aegan.VAEGAN`, whose noise can be fed
    explicitly or drawn on the host) passes it as `epsilon`.

    Args:
        seed: Integer seed of the noise, or `None` for a random seed.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype`).

    Call arguments:
        inputs: List `[mean, log_var]` of two tensors of the same shape.
        training: Python boolean: sample when `True`, return `mean` when
            `False`.
        epsilon: Optional standard normal tensor shaped like `mean`, used
            instead of drawing from the layer's seed generator.

    Example:

    ```python
    layer = Reparameterization(seed=0)
    mean, log_var = np.zeros((4, 2)), np.zeros((4, 2))
    z = layer([mean, log_var], training=True)  # (4, 2), standard normal
    z_mean = layer([mean, log_var])            # the mean, zeros
    ```

    Reference:
        - [Kingma & Welling, "Auto-Encoding Variational Bayes", 2014](
          https://arxiv.org/abs/1312.6114)
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or seed < 0
        ):
            raise ValueError(
                "`seed` must be None or a non-negative integer. Received: "
                f"seed={seed!r}"
            )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(
            seed, name="reparameterization_seed"
        )
        self.built = True

    def _split(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "Reparameterization expects inputs [mean, log_var]. "
                f"Received: inputs={inputs!r}"
            )
        mean, log_var = inputs
        if tuple(mean.shape) != tuple(log_var.shape):
            raise ValueError(
                "`mean` and `log_var` must have the same shape. Received: "
                f"mean.shape={tuple(mean.shape)}, "
                f"log_var.shape={tuple(log_var.shape)}"
            )
        return mean, log_var

    def call(self, inputs, training=False, epsilon=None):
        mean, log_var = self._split(inputs)
        if not training:
            return mean
        if epsilon is None:
            epsilon = keras.random.normal(
                ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator
            )
        else:
            epsilon = ops.cast(epsilon, mean.dtype)
        return mean + ops.exp(0.5 * log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

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
        config["seed"] = self.seed
        return config
