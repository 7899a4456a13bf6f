"""The model's random streams, as a layer whose state is saved."""

import keras


@keras.saving.register_keras_serializable(package="keras_aegan")
class NoiseSeeds(keras.layers.Layer):
    """Holds the training and evaluation noise `SeedGenerator`s.

    (Attributes `training_stream` and `evaluation_stream`: `train` and
    `eval` would shadow `torch.nn.Module` methods on the torch backend.)

    Keras saves a layer's weights but not the state of its seed
    generators; this layer saves both states with the model, so a loaded
    model continues the same noise streams. The states are non-trainable
    variables of the model, so compiled JAX steps thread them like any
    other state.

    Args:
        seed: Seed of the training stream (the evaluation stream uses
            `seed + 1`); `None` for a random seed.

    Example:

    ```python
    seeds = NoiseSeeds(seed=0)
    z = keras.random.normal((4, 2), seed=seeds.training_stream)
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.training_stream = keras.random.SeedGenerator(
            seed, name="train_seed"
        )
        self.evaluation_stream = keras.random.SeedGenerator(
            None if seed is None else seed + 1, name="eval_seed"
        )
        self.built = True

    def save_own_variables(self, store):
        store["train"] = keras.ops.convert_to_numpy(self.training_stream.state)
        store["eval"] = keras.ops.convert_to_numpy(self.evaluation_stream.state)

    def load_own_variables(self, store):
        self.training_stream.state.assign(store["train"])
        self.evaluation_stream.state.assign(store["eval"])

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config
