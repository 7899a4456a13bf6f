"""Callbacks for adversarial autoencoder models."""

from keras_aegan.callbacks.sample_grid import SampleGrid

__all__ = ["SampleGrid"]
