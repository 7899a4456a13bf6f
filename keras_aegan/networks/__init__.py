"""Default network builders for vectors and images."""

from keras_aegan.networks.conv import check_image_shape
from keras_aegan.networks.conv import image_discriminator
from keras_aegan.networks.conv import image_encoder
from keras_aegan.networks.conv import image_generator
from keras_aegan.networks.mlp import build_mlp
from keras_aegan.networks.mlp import vector_discriminator
from keras_aegan.networks.mlp import vector_encoder
from keras_aegan.networks.mlp import vector_generator

__all__ = [
    "build_mlp",
    "check_image_shape",
    "image_discriminator",
    "image_encoder",
    "image_generator",
    "vector_discriminator",
    "vector_encoder",
    "vector_generator",
]
