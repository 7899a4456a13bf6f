"""`.npy` and `.npz` files, memory-mapped rather than read into memory."""

import os
import zipfile

import numpy as np

from keras_aegan.data.source_report import SourceReport
from keras_aegan.networks.conv import MAX_IMAGE_SIZE
from keras_aegan.networks.conv import MIN_IMAGE_SIZE

KINDS = ("image", "sequence", "vector")
# Rows read at a time when scanning for the value range.
SCAN_ROWS = 4096


def _npz_member_memmap(path, member):
    """Memory-maps one uncompressed member of a `.npz`, or returns None.

    `np.load` ignores `mmap_mode` for `.npz` files. `np.savez` stores its
    arrays uncompressed, so each member is a plain `.npy` at a fixed
    offset of the zip file and can be mapped directly.
    """
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None  # Compressed or encrypted: must be decompressed.
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            return None
        name_length = int.from_bytes(local[26:28], "little")
        extra_length = int.from_bytes(local[28:30], "little")
        f.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            header = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            header = np.lib.format.read_array_header_2_0(f)
        else:
            return None
        shape, fortran_order, dtype = header
        if dtype.hasobject:
            return None
        offset = f.tell()
    if not shape or 0 in shape:
        return None  # np.memmap cannot map empty arrays.
    return np.memmap(
        path,
        dtype=dtype,
        mode="r",
        offset=offset,
        shape=shape,
        order="F" if fortran_order else "C",
    )


def _default_side(side):
    power_of_two = side > 0 and side & (side - 1) == 0
    return power_of_two and MIN_IMAGE_SIZE <= side <= MAX_IMAGE_SIZE


def _classify(shape, dtype, kind, path):
    if kind is not None and kind not in KINDS:
        raise ValueError(
            f"`kind` must be one of {KINDS} or None. Received: kind={kind!r}"
        )
    rank = len(shape)
    if rank == 1:
        raise ValueError(
            "A 1-D array has no sample axis and feature axis. Save it as "
            "x.reshape(-1, 1) for one feature per sample. Received: "
            f"path={path!r} with shape={tuple(shape)}"
        )
    if rank not in (2, 3, 4):
        raise ValueError(
            "Expected images (N, height, width[, channels]), sequences "
            "(N, steps, channels) or vectors (N, features). Received: "
            f"path={path!r} with shape={tuple(shape)}"
        )
    if kind is None:
        if rank == 4:
            kind = "image"
        elif rank == 2:
            kind = "vector"
        elif dtype == np.uint8 or shape[1] == shape[2]:
            # (N, H, W) grayscale images: 8-bit or square samples. Other
            # rank-3 data are sequences (N, steps, channels).
            kind = "image"
        else:
            kind = "sequence"
    expected = {"image": (3, 4), "sequence": (3,), "vector": (2,)}[kind]
    if rank not in expected:
        raise ValueError(
            f"An array of rank {rank} cannot be read as kind={kind!r}. "
            f"Received: path={path!r} with shape={tuple(shape)}"
        )
    return kind


class ArraySource:
    """Training data from a `.npy` or `.npz` file, memory-mapped.

    The array is opened with `np.load(path, mmap_mode="r")`: nothing is
    copied into memory, pages are read from disk as `fit()` slices
    batches. A `.npz` written by `np.savez` (uncompressed) is mapped the
    same way; a `.npz` written by `np.savez_compressed` cannot be mapped,
    so its array is decompressed into memory (the report says so).

    The kind of data follows the shape: `(N, H, W, C)` are images,
    `(N, features)` vectors, and a rank-3 array is read as grayscale
    images `(N, H, W)` (given a channel axis, still without a copy) when
    it is uint8 or its samples are square, else as sequences
    `(N, steps, channels)`. Pass `kind` to decide explicitly. The values
    are left as they are: `keras_aegan` models scale images given as
    uint8 `[0, 255]`, float `[0, 1]` or float `[-1, 1]`, and standardise
    vectors and sequences themselves.

    Args:
        path: Path of a `.npy` or `.npz` file.
        key: Name of the array in a `.npz` holding several arrays.
        label_key: Optional name of an array of labels in the same `.npz`,
            one per sample, kept for evaluation (read into memory).
        kind: `"image"`, `"sequence"`, `"vector"` or `None` to infer it
            from the shape.

    Example:

    ```python
    np.save("spectra.npy", np.random.rand(1000, 64).astype("float32"))
    source = keras_aegan.data.ArraySource("spectra.npy")
    source.describe()
    keras_aegan.AEGAN().fit(source.data, epochs=1)
    ```
    """

    def __init__(self, path, key=None, label_key=None, kind=None):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"No such array file. Received: path={path!r}"
            )
        self.path = path
        self.notes = []
        self.labels = None
        self.class_names = None
        extension = os.path.splitext(path)[1].lower()
        if extension == ".npy":
            if key is not None or label_key is not None:
                raise ValueError(
                    "`key` and `label_key` apply to .npz files only. "
                    f"Received: path={path!r}, key={key!r}, "
                    f"label_key={label_key!r}"
                )
            self.key = None
            array = self._load_npy(path)
        elif extension == ".npz":
            self.key, array = self._load_npz(path, key)
            if label_key is not None:
                self.labels = self._load_labels(path, label_key, len(array))
        else:
            raise ValueError(
                "ArraySource reads .npy and .npz files. "
                f"Received: path={path!r}"
            )
        if array.dtype == bool or not (
            np.issubdtype(array.dtype, np.integer)
            or np.issubdtype(array.dtype, np.floating)
        ):
            raise ValueError(
                "The array must hold real numbers (integer or floating "
                f"point). Received: path={path!r} with dtype={array.dtype}, "
                f"shape={array.shape}"
            )
        if array.ndim == 0 or array.shape[0] == 0:
            raise ValueError(
                f"The array is empty. Received: path={path!r} with "
                f"shape={array.shape}"
            )
        self.kind = _classify(array.shape, array.dtype, kind, path)
        if self.kind == "image" and array.ndim == 3:
            array = array[..., None]  # A view: still memory-mapped.
        self.data = array
        self._value_range = None

    @staticmethod
    def _load_npy(path):
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            raise ValueError(
                "Could not memory-map the array (only numeric arrays are "
                f"supported): {e} Received: path={path!r}"
            ) from None
        except OSError as e:
            raise ValueError(
                f"Not a readable .npy file: {e} Received: path={path!r}"
            ) from None

    @staticmethod
    def _npz_keys(path):
        try:
            with np.load(path, allow_pickle=False) as archive:
                return list(archive.files)
        except (OSError, ValueError, zipfile.BadZipFile) as e:
            raise ValueError(
                f"Not a readable .npz file: {e} Received: path={path!r}"
            ) from None

    def _load_npz(self, path, key):
        keys = self._npz_keys(path)
        if not keys:
            raise ValueError(f"The .npz file is empty. Received: path={path!r}")
        if key is None:
            if len(keys) > 1:
                raise ValueError(
                    f"The .npz file holds several arrays {keys}; pass "
                    f"key=... to choose one. Received: path={path!r}, "
                    "key=None"
                )
            key = keys[0]
        elif key not in keys:
            raise ValueError(
                f"The .npz file has no array named {key!r}. Its arrays: "
                f"{keys}. Received: path={path!r}, key={key!r}"
            )
        array = _npz_member_memmap(path, key + ".npy")
        if array is None:
            with np.load(path, allow_pickle=False) as archive:
                try:
                    array = archive[key]
                except ValueError as e:
                    raise ValueError(
                        f"Could not read array {key!r} (only numeric arrays "
                        f"are supported): {e} Received: path={path!r}"
                    ) from None
            self.notes.append(
                f"array {key!r} is compressed and was read into memory; "
                "save it with np.savez (not savez_compressed) or as .npy "
                "to memory-map it"
            )
        return key, array

    def _load_labels(self, path, label_key, count):
        keys = self._npz_keys(path)
        if label_key not in keys:
            raise ValueError(
                f"The .npz file has no array named {label_key!r}. Its "
                f"arrays: {keys}. Received: path={path!r}, "
                f"label_key={label_key!r}"
            )
        with np.load(path, allow_pickle=False) as archive:
            labels = np.asarray(archive[label_key])
        if labels.ndim < 1 or labels.shape[0] != count:
            raise ValueError(
                f"The labels must have one entry per sample ({count}). "
                f"Received: label_key={label_key!r} with "
                f"shape={labels.shape}, path={path!r}"
            )
        return labels

    @property
    def num_samples(self):
        """Number of samples."""
        return int(self.data.shape[0])

    @property
    def sample_shape(self):
        """Shape of one sample as given to `fit()`."""
        return tuple(int(s) for s in self.data.shape[1:])

    @property
    def skipped(self):
        """Nothing is skipped in an array: always an empty list."""
        return []

    def value_range(self):
        """`(min, max)` of the finite values, read in chunks from disk.

        Returns:
            A tuple of two floats, or `None` when no value is finite.
        """
        if self._value_range is None:
            low, high = np.inf, -np.inf
            nonfinite = 0
            for start in range(0, self.num_samples, SCAN_ROWS):
                chunk = np.asarray(self.data[start : start + SCAN_ROWS])
                if np.issubdtype(chunk.dtype, np.floating):
                    finite = np.isfinite(chunk)
                    nonfinite += int(chunk.size - finite.sum())
                    chunk = chunk[finite]
                if chunk.size:
                    low = min(low, float(chunk.min()))
                    high = max(high, float(chunk.max()))
            self._value_range = (low, high) if low <= high else None
            self._nonfinite = nonfinite
        return self._value_range

    def describe(self, print_fn=print):
        """Reports what the file holds; prints it unless `print_fn=None`.

        Reads the whole array once (in chunks) for the value range.

        Args:
            print_fn: Function called with the report's text, or `None`.

        Returns:
            A `keras_aegan.data.SourceReport`.

        Example:

        ```python
        report = keras_aegan.data.ArraySource("x.npy").describe()
        ```
        """
        value_range = self.value_range()
        notes = list(self.notes)
        if isinstance(self.data, np.memmap):
            notes.append("memory-mapped from disk (not copied)")
        if self._nonfinite:
            notes.append(
                f"{self._nonfinite} values are NaN or infinite; training "
                "refuses them"
            )
        if self.kind == "image":
            height, width = self.sample_shape[:2]
            if not (_default_side(height) and _default_side(width)):
                notes.append(
                    f"images are {height}x{width}; the default networks "
                    "need power-of-two sides in "
                    f"[{MIN_IMAGE_SIZE}, {MAX_IMAGE_SIZE}] (resize them or "
                    "pass your own networks)"
                )
        if self.labels is not None:
            notes.append(f"labels: {len(np.unique(self.labels))} values")
        name = self.path if self.key is None else f"{self.path}[{self.key!r}]"
        report = SourceReport(
            source="array file",
            path=name,
            kind=self.kind,
            count=self.num_samples,
            sample_shape=self.sample_shape,
            dtype=str(self.data.dtype),
            value_range=value_range,
            channels=self.sample_shape[-1] if self.kind == "image" else None,
            notes=notes,
        )
        if print_fn is not None:
            print_fn(str(report))
        return report
