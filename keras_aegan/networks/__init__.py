"""Default network builders for vectors, sequences and images."""

from keras_aegan.networks.conv import check_image_shape
from keras_aegan.networks.conv import image_discriminator
from keras_aegan.networks.conv import image_encoder
from keras_aegan.networks.conv import image_generator
from keras_aegan.networks.defaults import check_network
from keras_aegan.networks.defaults import default_latent_dim
from keras_aegan.networks.defaults import default_network
from keras_aegan.networks.defaults import input_size
from keras_aegan.networks.mlp import build_mlp
from keras_aegan.networks.mlp import vector_discriminator
from keras_aegan.networks.mlp import vector_encoder
from keras_aegan.networks.mlp import vector_generator
from keras_aegan.networks.sequence import check_sequence_shape
from keras_aegan.networks.sequence import sequence_discriminator
from keras_aegan.networks.sequence import sequence_encoder
from keras_aegan.networks.sequence import sequence_generator

__all__ = [
    "build_mlp",
    "check_image_shape",
    "check_network",
    "check_sequence_shape",
    "default_latent_dim",
    "default_network",
    "image_discriminator",
    "image_encoder",
    "image_generator",
    "input_size",
    "sequence_discriminator",
    "sequence_encoder",
    "sequence_generator",
    "vector_discriminator",
    "vector_encoder",
    "vector_generator",
]
