"""The trainer: a keras.Model whose train step is a list of phases."""

from keras_aegan.trainers.adversarial_trainer import AdversarialTrainer
from keras_aegan.trainers.nonfinite import NonFiniteLossError
from keras_aegan.trainers.phase import Phase
from keras_aegan.trainers.phase_optimizers import PhaseOptimizers

__all__ = [
    "AdversarialTrainer",
    "NonFiniteLossError",
    "Phase",
    "PhaseOptimizers",
]
