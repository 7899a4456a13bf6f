"""Backend-agnostic Keras layers."""

from keras_aegan.layers.conv import Conv2D
from keras_aegan.layers.data_scaler import DataScaler
from keras_aegan.layers.noise_seeds import NoiseSeeds

__all__ = ["Conv2D", "DataScaler", "NoiseSeeds"]
