"""Callbacks for adversarial autoencoder models."""

from keras_aegan.callbacks.backup import BackupAndRestore
from keras_aegan.callbacks.sample_grid import SampleGrid
from keras_aegan.callbacks.sample_metrics import SampleMetrics
from keras_aegan.callbacks.tensorboard_images import TensorBoardImages
from keras_aegan.callbacks.tensorboard_scalars import TensorBoardScalars
from keras_aegan.trainers.nonfinite import NonFiniteRollback

__all__ = [
    "BackupAndRestore",
    "NonFiniteRollback",
    "SampleGrid",
    "SampleMetrics",
    "TensorBoardImages",
    "TensorBoardScalars",
]
