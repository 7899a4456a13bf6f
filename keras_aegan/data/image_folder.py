"""A folder of image files, decoded lazily in batches (a `PyDataset`)."""

import concurrent.futures
import hashlib
import json
import math
import numbers
import operator
import os
import warnings

import keras
import numpy as np
from PIL import Image
from PIL import ImageOps
from PIL import features

from keras_aegan.data import image_cache
from keras_aegan.data.image_cache import ImageCache
from keras_aegan.data.source_report import SourceReport
from keras_aegan.networks.conv import MAX_IMAGE_SIZE
from keras_aegan.networks.conv import MIN_IMAGE_SIZE

EXTENSIONS = (".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".gif", ".webp")
# What Pillow calls the formats above (MPO: multi-picture JPEG of cameras).
FORMATS = ("PNG", "JPEG", "MPO", "BMP", "DIB", "GIF", "WEBP")
RESIZE_MODES = ("crop", "fit", "pad")
GRAY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N")
SIXTEEN_BIT_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
# The last bytes of a complete file hold its end marker: PNG's IEND chunk
# (12 bytes) and JPEG's EOI (0xFFD9, sometimes followed by padding).
TAIL_BYTES = 1024
END_MARKERS = {"PNG": b"IEND", "JPEG": b"\xff\xd9", "MPO": b"\xff\xd9"}
CACHE_VERSION = 1
# Above this downscaling factor Pillow first shrinks by an integer factor
# (fast box filter), then resamples: visually the same, much faster on
# large photos.
REDUCING_GAP = 2.0
# Pillow >= 9.1 names filters in `Image.Resampling`.
BICUBIC = getattr(Image, "Resampling", Image).BICUBIC


def _is_power_of_two(value):
    return value > 0 and value & (value - 1) == 0


def _is_gray(image):
    """Whether an opened (not decoded) image has no colour."""
    if image.mode in GRAY_MODES:
        return True
    if image.mode in ("P", "PA"):
        try:
            palette = image.getpalette("RGB")
        except TypeError:  # Pillow < 9.1 takes no mode.
            palette = image.getpalette()
        if palette is None:
            return False
        rgb = np.asarray(palette).reshape(-1, 3)
        return bool(np.all(rgb == rgb[:, :1]))
    return False


def _truncated(path, image_format):
    marker = END_MARKERS.get(image_format)
    if marker is None:
        return False
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - TAIL_BYTES))
        return marker not in f.read()


def _scan_file(path):
    """Reads an image's header: `((width, height, gray), None)`, or
    `(None, reason)` when the file is not a usable image."""
    try:
        with Image.open(path) as image:
            image_format = image.format
            if image_format not in FORMATS:
                return None, f"unsupported image format {image_format}"
            width, height = image.size
            gray = _is_gray(image)
        if _truncated(path, image_format):
            return None, f"truncated {image_format} file (no end marker)"
    except Exception as e:  # Any failure to read the header skips it.
        return None, f"not a readable image ({type(e).__name__}: {e})"
    if width < 1 or height < 1:
        return None, f"empty image ({width}x{height})"
    return (width, height, gray), None


def _to_mode(image, channels):
    """Converts a decoded image to 8-bit `"L"` or `"RGB"`."""
    if image.mode in SIXTEEN_BIT_MODES:
        values = np.asarray(image, dtype="float64") / 257.0
        image = Image.fromarray(
            np.clip(np.round(values), 0, 255).astype("uint8")
        )
    if image.mode in ALPHA_MODES or "transparency" in image.info:
        # Transparent pixels become black, like the padding.
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image)
    mode = "L" if channels == 1 else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    return image


def _resize(image, size, resize):
    """Resizes a decoded image to `size`x`size` pixels (a uint8 array)."""
    width, height = image.size
    if resize == "crop":
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        box = (left, top, left + side, top + side)
        if side == size:
            image = image.crop(box)
        else:
            image = image.resize(
                (size, size), BICUBIC, box=box, reducing_gap=REDUCING_GAP
            )
    elif resize == "fit":
        if (width, height) != (size, size):
            image = image.resize(
                (size, size), BICUBIC, reducing_gap=REDUCING_GAP
            )
    else:  # "pad": scale the longer side to `size`, centre on black.
        scale = size / max(width, height)
        new_width = min(size, max(1, round(width * scale)))
        new_height = min(size, max(1, round(height * scale)))
        if (new_width, new_height) != (width, height):
            image = image.resize(
                (new_width, new_height),
                BICUBIC,
                reducing_gap=REDUCING_GAP,
            )
        canvas = Image.new(image.mode, (size, size), 0)
        canvas.paste(image, ((size - new_width) // 2, (size - new_height) // 2))
        image = canvas
    array = np.asarray(image, dtype="uint8")
    return array[..., None] if array.ndim == 2 else array


class ImageFolder(keras.utils.PyDataset):
    """A folder of images, decoded lazily in batches for `fit()`.

    The folder is searched recursively for PNG, JPEG, BMP, GIF (first
    frame) and WebP files (where Pillow was built with WebP). Only the
    headers are read when the folder is opened; the pixels are decoded
    batch by batch in `__getitem__`, in worker threads or processes when
    `workers`/`use_multiprocessing` ask for them (see
    `keras.utils.PyDataset`), so the folder never has to fit in memory
    and streams the same way on every backend.

    Each image is decoded to 8 bits, transparent pixels are composited on
    black, photos are turned upright by their EXIF orientation, and the
    image is resized to `image_size` x `image_size`:

    - `"crop"` (default): a centred square of side min(width, height) is
      cut out and scaled to `image_size` (the shorter side is scaled to
      `image_size` and the longer one centre-cropped).
    - `"fit"`: the whole image is scaled to the square, ignoring the
      aspect ratio.
    - `"pad"`: the longer side is scaled to `image_size`, keeping the
      aspect ratio, and the image is centred on a black square.

    Resampling is bicubic (antialiased when shrinking). Batches hold only
    the images (no labels), as float32 in `[0, 1]` like
    `keras_aegan.datasets.load_digits`, of shape
    `(batch, image_size, image_size, channels)`.

    Files that are not readable images (unknown types, text files named
    `.png`, truncated PNG or JPEG files) are skipped and listed by
    `describe()`; it is an error only when no image remains. A file that
    passes the header check but fails to decode later is skipped with a
    warning: another image of the folder takes its place in that batch.
    Hidden files and folders (names starting with ".") and empty folders
    are ignored; links are followed.

    When every image lies in a subfolder, the top-level subfolders are
    classes: `class_names` holds their sorted names and `labels` one
    integer per file of `files`. Labels are for evaluation; training sees
    the images only. Nothing is written to the folder.

    Args:
        directory: Path of the folder.
        image_size: Side of the square images, a power of two. Default:
            the power of two nearest (in log scale) to the median shorter
            side of the images, clamped to the sides the default networks
            support (8 to 128).
        channels: 1 (grayscale), 3 (RGB) or `None`: grayscale when every
            image is grayscale (judged from its mode, e.g. `"L"`, or a
            gray palette), else RGB.
        resize: `"crop"`, `"fit"` or `"pad"`, see above.
        batch_size: Images per batch.
        shuffle: Whether to visit the images in a new random order each
            epoch (`on_epoch_end`). With `shuffle=False` batches follow
            `files`, so `labels` line up with them.
        seed: Seed of the shuffling.
        cache: Where to keep decoded images so that later epochs (and
            later runs) do not decode again: `None`/`False` for no cache,
            `True` for a folder beside the data folder
            (`<directory>-aegan-cache`), or the path of a folder (it must
            not lie inside the data folder). The cache is a uint8 `.npy`
            memory map named after the image size, channels, resize mode
            and a hash of the file names, sizes and modification times,
            so a changed folder or other options start a new cache. It is
            filled as batches are decoded, or at once by `materialize()`.
            When the disk lacks the space the cache is turned off with a
            warning. Delete the cache folder at any time to reclaim it.
        workers: Number of workers decoding batches (`PyDataset`).
        use_multiprocessing: Whether the workers are processes rather
            than threads (`PyDataset`).
        max_queue_size: Batches prepared ahead (`PyDataset`).

    Example:

    ```python
    source = keras_aegan.data.ImageFolder("photos/", image_size=64)
    source.describe()
    model = keras_aegan.AEGAN()
    model.fit(source, epochs=10)
    ```
    """

    def __init__(
        self,
        directory,
        image_size=None,
        channels=None,
        resize="crop",
        batch_size=32,
        shuffle=True,
        seed=None,
        cache=None,
        workers=1,
        use_multiprocessing=False,
        max_queue_size=10,
    ):
        super().__init__(
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        directory = os.fspath(directory)
        if not os.path.exists(directory):
            raise FileNotFoundError(
                f"No such folder. Received: directory={directory!r}"
            )
        if not os.path.isdir(directory):
            raise ValueError(
                "ImageFolder reads a folder of images; use "
                "keras_aegan.data.open_source for array and table files. "
                f"Received: directory={directory!r}"
            )
        if image_size is not None and (
            isinstance(image_size, bool)
            or not isinstance(image_size, numbers.Integral)
            or not _is_power_of_two(int(image_size))
        ):
            raise ValueError(
                "`image_size` must be a power of two (the default networks "
                f"take {MIN_IMAGE_SIZE} to {MAX_IMAGE_SIZE}) or None. "
                f"Received: image_size={image_size!r}"
            )
        if channels not in (None, 1, 3) or isinstance(channels, bool):
            raise ValueError(
                f"`channels` must be 1, 3 or None. Received: "
                f"channels={channels!r}"
            )
        if resize not in RESIZE_MODES:
            raise ValueError(
                f"`resize` must be one of {RESIZE_MODES}. Received: "
                f"resize={resize!r}"
            )
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, numbers.Integral)
            or batch_size < 1
        ):
            raise ValueError(
                "`batch_size` must be a positive integer. Received: "
                f"batch_size={batch_size!r}"
            )
        self.directory = directory
        self.resize = resize
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self._scan()
        shorter = np.minimum(self._sizes[:, 0], self._sizes[:, 1])
        self._median_side = float(np.median(shorter))
        self._side_range = (int(shorter.min()), int(shorter.max()))
        self._default_size = image_size is None
        if image_size is None:
            image_size = 2 ** round(math.log2(self._median_side))
            image_size = min(max(image_size, MIN_IMAGE_SIZE), MAX_IMAGE_SIZE)
        self.image_size = int(image_size)
        self._default_channels = channels is None
        if channels is None:
            channels = 1 if self._gray.all() else 3
        self.channels = int(channels)
        self._failed = {}
        self._cache_note = None
        self._cache = self._setup_cache(cache)
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.files))
        if self.shuffle:
            self._order = self._rng.permutation(len(self.files))

    # -- Scanning -----------------------------------------------------------

    def _walk(self):
        """Yields the paths of all non-hidden files, sorted, recursively."""
        seen = set()
        for root, dirs, files in os.walk(self.directory, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:  # A link back up the tree.
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield os.path.join(root, name)

    def _scan(self):
        extensions = [e for e in EXTENSIONS if e != ".webp"]
        if features.check("webp"):
            extensions.append(".webp")
        files, sizes, gray, skipped = [], [], [], []
        found_any = False
        for path in self._walk():
            found_any = True
            extension = os.path.splitext(path)[1].lower()
            if extension not in extensions:
                skipped.append(
                    (path, f"not an image file type ({extension!r})")
                )
                continue
            info, reason = _scan_file(path)
            if info is None:
                skipped.append((path, reason))
                continue
            files.append(path)
            sizes.append(info[:2])
            gray.append(info[2])
        searched = ", ".join(extensions)
        if not found_any:
            raise ValueError(
                "The folder holds no files (searched recursively for "
                f"{searched}). Received: directory={self.directory!r}"
            )
        if not files:
            listed = "; ".join(f"{p}: {r}" for p, r in skipped[:5])
            more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
            raise ValueError(
                "The folder holds no readable images (searched recursively "
                f"for {searched}). Skipped {len(skipped)} files: "
                f"{listed}{more}. Received: directory={self.directory!r}"
            )
        self.files = files
        self._scan_skipped = skipped
        self._sizes = np.asarray(sizes, dtype="int64").reshape(-1, 2)
        self._gray = np.asarray(gray, dtype=bool)
        parts = [
            os.path.relpath(p, self.directory).split(os.sep) for p in files
        ]
        if all(len(p) > 1 for p in parts):
            self.class_names = sorted({p[0] for p in parts})
            index = {name: i for i, name in enumerate(self.class_names)}
            self.labels = np.asarray([index[p[0]] for p in parts], "int32")
        else:
            self.class_names = None
            self.labels = None

    # -- Cache --------------------------------------------------------------

    def _setup_cache(self, cache):
        if cache is None or cache is False:
            return None
        if cache is True:
            folder = os.path.abspath(self.directory).rstrip(os.sep)
            cache_dir = folder + "-aegan-cache"
        elif isinstance(cache, (str, os.PathLike)):
            cache_dir = os.path.abspath(os.fspath(cache))
        else:
            raise ValueError(
                "`cache` must be None, False, True or the path of a folder. "
                f"Received: cache={cache!r}"
            )
        data_dir = os.path.realpath(self.directory)
        real_cache = os.path.realpath(cache_dir)
        if os.path.commonpath([data_dir, real_cache]) == data_dir:
            raise ValueError(
                "The cache folder must not lie inside the data folder "
                "(nothing is written there). Received: "
                f"cache={cache!r}, directory={self.directory!r}"
            )
        # The name changes with the options and with any added, removed
        # or modified file, so a stale cache is never read.
        entries = [
            (os.path.relpath(p, self.directory), s.st_size, s.st_mtime_ns)
            for p, s in ((p, os.stat(p)) for p in self.files)
        ]
        options = [CACHE_VERSION, self.image_size, self.channels, self.resize]
        digest = hashlib.sha256(json.dumps([options, entries]).encode())
        name = (
            f"images-{self.image_size}px-{self.channels}ch-{self.resize}-"
            f"{digest.hexdigest()[:16]}"
        )
        shape = (len(self.files),) + self.sample_shape
        cache, self._cache_note = ImageCache.open(cache_dir, name, shape)
        if cache is None:
            warnings.warn(
                f"Not caching decoded images: {self._cache_note}.",
                stacklevel=3,
            )
        return cache

    @property
    def cache_path(self):
        """Path of the cache's `.npy` of decoded images, or `None`."""
        return None if self._cache is None else self._cache.path

    # -- Decoding -----------------------------------------------------------

    def _decode(self, path):
        """Decodes one file to a uint8 array `(size, size, channels)`."""
        with Image.open(path) as image:
            if image.format in ("JPEG", "MPO"):
                # Let libjpeg decode at a reduced scale (still at least
                # image_size on both sides): much faster on large photos.
                mode = "L" if self.channels == 1 else "RGB"
                image.draft(mode, (self.image_size, self.image_size))
            image.load()
            if image.getexif().get(0x0112, 1) != 1:  # EXIF orientation.
                image = ImageOps.exif_transpose(image)
            image = _to_mode(image, self.channels)
            return _resize(image, self.image_size, self.resize)

    def _image(self, i):
        """Image `i` of `files` as uint8, or `None` if it cannot be read."""
        cache = self._cache
        if cache is not None:
            array = cache.get(i)
            if array is not None:
                return array
            if cache.failed(i):
                return None
        if i in self._failed:
            return None
        path = self.files[i]
        try:
            array = self._decode(path)
        except Exception as e:  # A damaged file must not end training.
            reason = f"could not be decoded ({type(e).__name__}: {e})"
            self._failed[i] = reason
            if cache is not None:
                cache.mark_failed(i)
            warnings.warn(
                f"Skipping {path}: it {reason}. Another image of the "
                "folder takes its place.",
                stacklevel=2,
            )
            return None
        if cache is not None:
            cache.put(i, array)
        return array

    def _sample(self, position):
        """The image at `position` of this epoch's order, or the next one
        that can be decoded."""
        count = len(self._order)
        for step in range(count):
            array = self._image(int(self._order[(position + step) % count]))
            if array is not None:
                return array
        raise ValueError(
            "None of the images could be decoded (see the warnings). "
            f"Received: directory={self.directory!r}"
        )

    # -- PyDataset ----------------------------------------------------------

    def __len__(self):
        return math.ceil(len(self._order) / self.batch_size)

    def __getitem__(self, index):
        """Batch `index`: float32 images in `[0, 1]`, no labels."""
        index = operator.index(index)
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index out of range [0, {len(self)}). Received: "
                f"index={index}"
            )
        start = index * self.batch_size
        stop = min(start + self.batch_size, len(self._order))
        shape = (stop - start, self.image_size, self.image_size)
        batch = np.empty(shape + (self.channels,), dtype="uint8")
        for j, position in enumerate(range(start, stop)):
            batch[j] = self._sample(position)
        return np.divide(batch, 255, dtype="float32")

    def on_epoch_end(self):
        """Draws the next epoch's order (when `shuffle=True`)."""
        if self.shuffle:
            self._order = self._rng.permutation(len(self.files))

    # -- Access for evaluation ----------------------------------------------

    @property
    def data(self):
        """What `fit()` takes: this `PyDataset` itself."""
        return self

    @property
    def kind(self):
        """Always `"image"`."""
        return "image"

    @property
    def num_samples(self):
        """Number of readable images."""
        return len(self.files)

    @property
    def sample_shape(self):
        """`(image_size, image_size, channels)`."""
        return (self.image_size, self.image_size, self.channels)

    @property
    def skipped(self):
        """`(path, reason)` of every file left out so far."""
        skipped = list(self._scan_skipped)
        failed = dict(self._failed)
        if self._cache is not None:  # Also failures seen by workers.
            for i in self._cache.indices(image_cache.FAILED):
                failed.setdefault(int(i), "could not be decoded")
        skipped += [(self.files[i], failed[i]) for i in sorted(failed)]
        return skipped

    def load(self, indices=None):
        """Decodes images of `files` into memory, in the given order.

        Meant for evaluation on a modest number of images; training
        should pass the `ImageFolder` itself to `fit()`.

        Args:
            indices: Positions in `files` (and `labels`); default: all.

        Returns:
            A float32 array `(len(indices), image_size, image_size,
            channels)` with values in `[0, 1]`.

        Example:

        ```python
        source = keras_aegan.data.ImageFolder("photos/")
        x = source.load(range(100))
        y = source.labels[:100]
        ```
        """
        if indices is None:
            indices = range(len(self.files))
        indices = [operator.index(i) for i in indices]
        out = np.empty((len(indices),) + self.sample_shape, dtype="float32")
        for j, i in enumerate(indices):
            if not 0 <= i < len(self.files):
                raise IndexError(
                    f"Image index out of range [0, {len(self.files)}). "
                    f"Received: index={i}"
                )
            array = self._image(i)
            if array is None:
                reason = self._failed.get(i, "could not be decoded")
                raise ValueError(
                    f"{self.files[i]} {reason}. Received: index={i}"
                )
            np.divide(array, 255, out=out[j], dtype="float32")
        return out

    def materialize(self, verbose=0):
        """Decodes every image not yet in the cache, filling it.

        Uses `workers` threads. Afterwards no epoch decodes again.

        Args:
            verbose: 1 shows a progress bar.

        Returns:
            This `ImageFolder`.

        Example:

        ```python
        source = keras_aegan.data.ImageFolder("photos/", cache=True)
        source.materialize(verbose=1)
        ```
        """
        if self._cache is None:
            raise ValueError(
                "materialize() fills the cache, and this ImageFolder has "
                "none. Pass cache=True or cache='path/to/folder'. "
                f"Received: cache={self._cache_note or None!r}"
            )
        todo = [int(i) for i in self._cache.indices(image_cache.EMPTY)]
        progress = keras.utils.Progbar(len(todo)) if verbose else None
        with concurrent.futures.ThreadPoolExecutor(
            max(1, self.workers)
        ) as pool:
            for k, _ in enumerate(pool.map(self._image, todo), start=1):
                if progress is not None:
                    progress.update(k)
        self._cache.flush()
        return self

    def describe(self, print_fn=print):
        """Reports what the folder holds; prints it unless `print_fn=None`.

        Args:
            print_fn: Function called with the report's text, or `None`.

        Returns:
            A `keras_aegan.data.SourceReport`.

        Example:

        ```python
        report = keras_aegan.data.ImageFolder("photos/").describe()
        ```
        """
        size = self.image_size
        low, high = self._side_range
        how = " (default: nearest the median)" if self._default_size else ""
        notes = [
            f"resized to {size}x{size} by {self.resize!r}{how}; shorter "
            f"sides {low} to {high} px, median {self._median_side:g}",
            "decoded lazily, 8-bit values scaled to [0, 1]",
        ]
        if not MIN_IMAGE_SIZE <= size <= MAX_IMAGE_SIZE:
            notes.append(
                f"the default networks take sides {MIN_IMAGE_SIZE} to "
                f"{MAX_IMAGE_SIZE}; pass your own networks for {size}"
            )
        if self._default_channels:
            gray = int(self._gray.sum())
            notes.append(
                "grayscale: every image is grayscale"
                if self.channels == 1
                else f"RGB: {len(self.files) - gray} of {len(self.files)} "
                "images have colour"
            )
        if self.class_names is not None:
            counts = np.bincount(self.labels, minlength=len(self.class_names))
            listed = ", ".join(
                f"{n}: {int(c)}" for n, c in zip(self.class_names, counts)
            )
            notes.append(
                f"class subfolders kept as labels for evaluation ({listed})"
            )
        if self._cache is not None:
            filled = len(self._cache.indices(image_cache.FILLED))
            notes.append(
                f"cache: {self.cache_path} ({filled} of {len(self.files)} "
                "images decoded)"
            )
        elif self._cache_note:
            notes.append(self._cache_note)
        report = SourceReport(
            source="image folder",
            path=self.directory,
            kind="image",
            count=len(self.files),
            sample_shape=self.sample_shape,
            dtype="float32",
            value_range=(0.0, 1.0),
            channels=self.channels,
            class_names=self.class_names,
            skipped=self.skipped,
            notes=notes,
        )
        if print_fn is not None:
            print_fn(str(report))
        return report
