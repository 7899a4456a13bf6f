"""Framework-free helpers (NumPy and Pillow only)."""

from keras_aegan.utils.images import infer_value_range
from keras_aegan.utils.images import resize_bilinear
from keras_aegan.utils.images import save_png
from keras_aegan.utils.images import tile_images
from keras_aegan.utils.images import to_unit_range
from keras_aegan.utils.scatter import scatter_image
from keras_aegan.utils.scatter import scatter_png

__all__ = [
    "infer_value_range",
    "resize_bilinear",
    "save_png",
    "scatter_image",
    "scatter_png",
    "tile_images",
    "to_unit_range",
]
