"""Callbacks for adversarial autoencoder models."""

from keras_aegan.callbacks.sample_grid import SampleGrid
from keras_aegan.callbacks.tensorboard_images import TensorBoardImages

__all__ = ["SampleGrid", "TensorBoardImages"]
