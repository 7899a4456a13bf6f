"""Loss terms: adversarial objectives, penalties and reconstruction."""

from keras_aegan.losses.adversarial import discriminator_terms
from keras_aegan.losses.adversarial import generator_term
from keras_aegan.losses.divergence import gaussian_kl
from keras_aegan.losses.objective import AdversarialObjective
from keras_aegan.losses.penalties import gradient_penalty
from keras_aegan.losses.penalties import interpolate
from keras_aegan.losses.penalties import r1_penalty
from keras_aegan.losses.penalties import r2_penalty
from keras_aegan.losses.penalties import squared_gradient_norms
from keras_aegan.losses.reconstruction import mean_absolute_error
from keras_aegan.losses.reconstruction import mean_squared_error
from keras_aegan.losses.zoo import ADVERSARIAL_LOSSES
from keras_aegan.losses.zoo import AdversarialLoss
from keras_aegan.losses.zoo import Hinge
from keras_aegan.losses.zoo import LeastSquares
from keras_aegan.losses.zoo import NonSaturating
from keras_aegan.losses.zoo import Wasserstein
from keras_aegan.losses.zoo import get_adversarial_loss
from keras_aegan.losses.zoo import sigmoid_cross_entropy

__all__ = [
    "ADVERSARIAL_LOSSES",
    "AdversarialLoss",
    "AdversarialObjective",
    "Hinge",
    "LeastSquares",
    "NonSaturating",
    "Wasserstein",
    "discriminator_terms",
    "gaussian_kl",
    "generator_term",
    "get_adversarial_loss",
    "gradient_penalty",
    "interpolate",
    "mean_absolute_error",
    "mean_squared_error",
    "r1_penalty",
    "r2_penalty",
    "sigmoid_cross_entropy",
    "squared_gradient_norms",
]
