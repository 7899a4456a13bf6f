"""Backend-agnostic Keras layers."""

from keras_aegan.layers.conv import Conv2D
from keras_aegan.layers.data_scaler import DataScaler
from keras_aegan.layers.downsample_conv2d import DownsampleConv2D
from keras_aegan.layers.equalized_conv2d import EqualizedConv2D
from keras_aegan.layers.equalized_dense import EqualizedDense
from keras_aegan.layers.instance_noise import InstanceNoise
from keras_aegan.layers.minibatch_std import MinibatchStdDev
from keras_aegan.layers.noise_seeds import NoiseSeeds
from keras_aegan.layers.pixel_norm import PixelNormalization
from keras_aegan.layers.reparameterization import Reparameterization
from keras_aegan.layers.spectral_conv2d import SpectralConv2D
from keras_aegan.layers.spectral_dense import SpectralDense
from keras_aegan.layers.upsample_conv2d import UpsampleConv2D

__all__ = [
    "Conv2D",
    "DataScaler",
    "DownsampleConv2D",
    "EqualizedConv2D",
    "EqualizedDense",
    "InstanceNoise",
    "MinibatchStdDev",
    "NoiseSeeds",
    "PixelNormalization",
    "Reparameterization",
    "SpectralConv2D",
    "SpectralDense",
    "UpsampleConv2D",
]
