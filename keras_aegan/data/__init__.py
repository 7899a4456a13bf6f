"""Data sources: image folders, array files and tables, for any backend.

`open_source(path)` picks the source from the path; each source reports
what it found (`describe()`) and hands `fit()` what it takes.
"""

from keras_aegan.data.array_source import ArraySource
from keras_aegan.data.image_folder import ImageFolder
from keras_aegan.data.open_source import open_source
from keras_aegan.data.source_report import SourceReport
from keras_aegan.data.table_source import TableSource

__all__ = [
    "ArraySource",
    "ImageFolder",
    "SourceReport",
    "TableSource",
    "open_source",
]
