"""The models: AEGAN and its relatives."""

from keras_aegan.models.aae import AdversarialAutoencoder
from keras_aegan.models.aegan import AEGAN
from keras_aegan.models.alad import ALAD
from keras_aegan.models.alpha_gan import AlphaGAN
from keras_aegan.models.autoencoder_discriminator_gan import (
    AutoencoderDiscriminatorGAN,
)
from keras_aegan.models.began import BEGAN
from keras_aegan.models.bigan import ALI
from keras_aegan.models.bigan import BiGAN
from keras_aegan.models.dcgan import DCGAN
from keras_aegan.models.dual_discriminator_gan import DualDiscriminatorGAN
from keras_aegan.models.ebgan import EBGAN
from keras_aegan.models.ganomaly import GANomaly
from keras_aegan.models.vaegan import VAEGAN

__all__ = [
    "AEGAN",
    "ALAD",
    "ALI",
    "AdversarialAutoencoder",
    "AlphaGAN",
    "AutoencoderDiscriminatorGAN",
    "BEGAN",
    "BiGAN",
    "DCGAN",
    "DualDiscriminatorGAN",
    "EBGAN",
    "GANomaly",
    "VAEGAN",
]
