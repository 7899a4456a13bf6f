"""keras_aegan: autoencoder GANs for Keras 3 on TensorFlow, PyTorch, JAX."""

from keras_aegan import anomaly
from keras_aegan import callbacks
from keras_aegan import data
from keras_aegan import datasets
from keras_aegan import layers
from keras_aegan import losses
from keras_aegan import metrics
from keras_aegan import networks
from keras_aegan.models import AEGAN
from keras_aegan.models import ALAD
from keras_aegan.models import ALI
from keras_aegan.models import BEGAN
from keras_aegan.models import DCGAN
from keras_aegan.models import EBGAN
from keras_aegan.models import VAEGAN
from keras_aegan.models import AdversarialAutoencoder
from keras_aegan.models import AlphaGAN
from keras_aegan.models import BiGAN
from keras_aegan.models import GANomaly
from keras_aegan.sampling import LatentMixture
from keras_aegan.saving import load_model
from keras_aegan.trainers import AdversarialTrainer
from keras_aegan.trainers import NonFiniteLossError
from keras_aegan.trainers import Phase
from keras_aegan.version import __version__

__all__ = [
    "AEGAN",
    "ALAD",
    "ALI",
    "AdversarialAutoencoder",
    "AlphaGAN",
    "AdversarialTrainer",
    "BEGAN",
    "BiGAN",
    "DCGAN",
    "EBGAN",
    "GANomaly",
    "LatentMixture",
    "NonFiniteLossError",
    "Phase",
    "VAEGAN",
    "__version__",
    "anomaly",
    "callbacks",
    "data",
    "datasets",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "networks",
]
