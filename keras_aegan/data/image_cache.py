"""Decoded images kept on disk as a `.npy` memory map (for `ImageFolder`)."""

import math
import os
import shutil
import threading

import numpy as np

# Free space kept on the cache's disk beyond the cache itself.
DISK_MARGIN = 64 * 2**20
EMPTY, FILLED, FAILED = 0, 1, 2


class ImageCache:
    """Decoded uint8 images, one row per file, with a state per row.

    Two `.npy` files: `<name>.npy` holds the images `(n, size, size,
    channels)`, `<name>.done.npy` one byte per image (`EMPTY`, `FILLED`,
    or `FAILED` when it could not be decoded). A row's flag is set after
    its pixels, so a set flag always means a complete row. Both are
    memory maps opened per process (`PyDataset` worker processes write to
    the same files), and a cache is created under temporary names and
    renamed, so a half-created cache is never opened.

    Use `ImageCache.open(...)`, which reuses a valid cache or creates one.

    Args:
        path: Path of the images' `.npy`.
        shape: `(n, size, size, channels)`.

    Example:

    ```python
    cache, note = ImageCache.open("cache/", "images-64px", (10, 64, 64, 3))
    cache.put(0, np.zeros((64, 64, 3), "uint8"))
    cache.get(0).shape  # (64, 64, 3)
    ```
    """

    def __init__(self, path, shape):
        self.path = path
        self.flags_path = path[: -len(".npy")] + ".done.npy"
        self.shape = tuple(shape)
        self._lock = threading.Lock()
        self._pid = self._images = self._flags = None

    @classmethod
    def open(cls, directory, name, shape):
        """Opens the cache `name` in `directory`, creating it if needed.

        Args:
            directory: Folder of the cache files (created if missing).
            name: File name without extension.
            shape: `(n, size, size, channels)`.

        Returns:
            `(cache, None)`, or `(None, note)` when the cache cannot be
            created (no space, not writable), `note` saying why.
        """
        cache = cls(os.path.join(directory, name + ".npy"), shape)
        if cache._valid():
            return cache, None
        try:
            os.makedirs(directory, exist_ok=True)
            needed = math.prod(shape) + shape[0]
            free = shutil.disk_usage(directory).free
            if needed + DISK_MARGIN > free:
                return None, (
                    f"cache off: it needs {needed / 2**20:.1f} MiB and "
                    f"{directory} has {free / 2**20:.1f} MiB free"
                )
            for target, target_shape in (
                (cache.path, shape),
                (cache.flags_path, shape[:1]),
            ):
                temporary = f"{target}.{os.getpid()}.tmp"
                array = np.lib.format.open_memmap(
                    temporary, mode="w+", dtype="uint8", shape=target_shape
                )
                array[...] = 0
                array.flush()
                del array
                os.replace(temporary, target)
        except OSError as e:
            return None, f"cache off: could not write to {directory} ({e})"
        return cache, None

    def _valid(self):
        try:
            images = np.load(self.path, mmap_mode="r")
            flags = np.load(self.flags_path, mmap_mode="r")
        except (OSError, ValueError):
            return False
        return (
            images.shape == self.shape
            and images.dtype == np.uint8
            and flags.shape == self.shape[:1]
        )

    def _arrays(self):
        """This process's memory maps of the two files."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._images = np.load(self.path, mmap_mode="r+")
                    self._flags = np.load(self.flags_path, mmap_mode="r+")
                    self._pid = os.getpid()
        return self._images, self._flags

    def __getstate__(self):
        # Memory maps and the lock are reopened in the receiving process.
        state = self.__dict__.copy()
        state.update(_lock=None, _pid=None, _images=None, _flags=None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def get(self, i):
        """Image `i` (a view of the memory map), or `None` if not filled."""
        images, flags = self._arrays()
        return images[i] if flags[i] == FILLED else None

    def failed(self, i):
        """Whether image `i` was found undecodable (by any process)."""
        return self._arrays()[1][i] == FAILED

    def put(self, i, image):
        """Stores image `i`."""
        images, flags = self._arrays()
        images[i] = image
        flags[i] = FILLED

    def mark_failed(self, i):
        """Records that image `i` cannot be decoded."""
        self._arrays()[1][i] = FAILED

    def indices(self, state):
        """Indices of the images in `state` (`EMPTY`, `FILLED`, `FAILED`)."""
        return np.flatnonzero(np.asarray(self._arrays()[1]) == state)

    def flush(self):
        """Writes pending changes to disk."""
        images, flags = self._arrays()
        images.flush()
        flags.flush()
