"""Built-in data sets: shipped with the package or generated, no download."""

from keras_aegan.datasets.digits import load_digits
from keras_aegan.datasets.signals import SIGNAL_CLASSES
from keras_aegan.datasets.signals import make_signals
from keras_aegan.datasets.stacked import make_stacked_digits
from keras_aegan.datasets.toy import grid_centers
from keras_aegan.datasets.toy import make_grid
from keras_aegan.datasets.toy import make_ring
from keras_aegan.datasets.toy import ring_centers

__all__ = [
    "SIGNAL_CLASSES",
    "grid_centers",
    "load_digits",
    "make_grid",
    "make_ring",
    "make_signals",
    "make_stacked_digits",
    "ring_centers",
]
