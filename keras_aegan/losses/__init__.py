"""Loss terms: adversarial and reconstruction, as pure functions."""

from keras_aegan.losses.adversarial import discriminator_terms
from keras_aegan.losses.adversarial import generator_term
from keras_aegan.losses.adversarial import sigmoid_cross_entropy
from keras_aegan.losses.reconstruction import mean_absolute_error
from keras_aegan.losses.reconstruction import mean_squared_error

__all__ = [
    "discriminator_terms",
    "generator_term",
    "mean_absolute_error",
    "mean_squared_error",
    "sigmoid_cross_entropy",
]
