"""The models: AEGAN and its relatives."""

from keras_aegan.models.aegan import AEGAN

__all__ = ["AEGAN"]
