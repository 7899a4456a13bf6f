"""The models: AEGAN and its relatives."""

from keras_aegan.models.aegan import AEGAN
from keras_aegan.models.began import BEGAN
from keras_aegan.models.ebgan import EBGAN

__all__ = ["AEGAN", "BEGAN", "EBGAN"]
