"""Maps user data to the range the networks work in, and back."""

import keras
import numpy as np
from keras import ops

IMAGE_RANGES = {
    "uint8": (0.0, 255.0),
    "unit": (0.0, 1.0),
    "symmetric": (-1.0, 1.0),
}
KINDS = ("image", "vector", "sequence")


@keras.saving.register_keras_serializable(package="keras_aegan")
class DataScaler(keras.layers.Layer):
    """Affine map from user units to network units, stored with the model.

    Images are mapped from their input range (uint8 0..255, float [0, 1] or
    float [-1, 1]) to [-1, 1]. Vector data is standardised per feature with
    the mean and standard deviation of the training data, and sequence
    data `(N, T, C)` per channel with statistics taken over samples and
    time steps (so every time step is scaled alike). The statistics
    are non-trainable weights, so they are saved and loaded with the model
    and carried through compiled steps like any other state.

    `call(x)` maps user data to network units; `inverse(y)` maps network
    outputs back to user units (still floating point; `output_dtype` says
    which dtype the user's data had).

    Args:
        kind: `"image"`, `"vector"` or `"sequence"`.
        features: Size of the last axis (channels or features).
        input_range: For images, one of `"uint8"`, `"unit"`,
            `"symmetric"`. Ignored for vectors and sequences.
        output_dtype: The dtype of the user's training data, used to return
            generated data in the same dtype family.

    Example:

    ```python
    scaler = DataScaler("image", features=1, input_range="uint8")
    scaler.build((None, 16, 16, 1))
    scaler(np.full((1, 16, 16, 1), 255, "uint8"))  # -> all ones
    ```
    """

    def __init__(
        self,
        kind,
        features,
        input_range="symmetric",
        output_dtype="float32",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(
                f"`kind` must be one of {KINDS}. Received: kind={kind!r}"
            )
        if kind == "image" and input_range not in IMAGE_RANGES:
            raise ValueError(
                f"`input_range` must be one of {sorted(IMAGE_RANGES)}. "
                f"Received: input_range={input_range!r}"
            )
        self.kind = kind
        self.features = int(features)
        self.input_range = input_range
        self.output_dtype = output_dtype
        self.offset = self.add_weight(
            shape=(self.features,),
            initializer="zeros",
            trainable=False,
            name="offset",
        )
        self.scale = self.add_weight(
            shape=(self.features,),
            initializer="ones",
            trainable=False,
            name="scale",
        )
        if kind == "image":
            low, high = IMAGE_RANGES[input_range]
            half = (high - low) / 2.0
            self.offset.assign(np.full((self.features,), low + half))
            self.scale.assign(np.full((self.features,), half))
        self.built = True

    def adapt_statistics(self, mean, std):
        """Sets the per-feature statistics of vector or sequence data.

        Args:
            mean: Array of shape `(features,)` (for sequences: one value
                per channel).
            std: Array of shape `(features,)`; features with zero spread
                get a scale of 1 so they map to 0 instead of dividing by 0.
        """
        mean = np.asarray(mean, dtype="float64").reshape(-1)
        std = np.asarray(std, dtype="float64").reshape(-1)
        if mean.shape != (self.features,) or std.shape != (self.features,):
            raise ValueError(
                f"Expected statistics of shape ({self.features},). Received: "
                f"mean.shape={mean.shape}, std.shape={std.shape}"
            )
        std = np.where(std > 0, std, 1.0)
        self.offset.assign(mean.astype("float32"))
        self.scale.assign(std.astype("float32"))

    def call(self, x):
        x = ops.cast(x, self.compute_dtype)
        return (x - self.offset) / self.scale

    def inverse(self, y):
        """Maps network outputs back to user units."""
        return ops.cast(y, self.compute_dtype) * self.scale + self.offset

    def to_user_numpy(self, y):
        """Maps network outputs to a NumPy array in the user's dtype.

        Integer image data is rounded and clipped to its range.
        """
        y = ops.convert_to_numpy(self.inverse(y))
        dtype = np.dtype(self.output_dtype)
        if np.issubdtype(dtype, np.integer):
            low, high = IMAGE_RANGES.get(self.input_range, (None, None))
            if self.kind == "image":
                y = np.clip(y, low, high)
            return np.rint(y).astype(dtype)
        if self.kind == "image":
            y = np.clip(y, *IMAGE_RANGES[self.input_range])
        return y.astype(dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "kind": self.kind,
                "features": self.features,
                "input_range": self.input_range,
                "output_dtype": self.output_dtype,
            }
        )
        return config
