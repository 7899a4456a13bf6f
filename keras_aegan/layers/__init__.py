"""Backend-agnostic Keras layers."""

from keras_aegan.layers.data_scaler import DataScaler

__all__ = ["DataScaler"]
