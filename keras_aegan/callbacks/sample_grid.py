"""A callback that writes sample grids and reconstructions as PNG files."""

import numbers
import os

import keras
import numpy as np

from keras_aegan.callbacks.panels import as_image_batch
from keras_aegan.callbacks.panels import interleave_rows
from keras_aegan.callbacks.panels import sequence_reconstructions
from keras_aegan.utils.images import infer_value_range
from keras_aegan.utils.images import save_png
from keras_aegan.utils.images import tile_images
from keras_aegan.utils.images import to_unit_range
from keras_aegan.utils.images import upscale
from keras_aegan.utils.images import upscale_factor
from keras_aegan.utils.lines import line_charts
from keras_aegan.utils.lines import sequence_value_range
from keras_aegan.utils.scatter import scatter_png
from keras_aegan.utils.validation import check_int


class SampleGrid(keras.callbacks.Callback):
    """Writes generated samples (and reconstructions) to PNG files.

    At the end of every `every`-th epoch (epochs counted from 1, so with
    `every=5` files are written after epochs 5, 10, ...), the callback
    writes:

    - `{directory}/samples_epoch_{E:04d}.png`, with `E = epoch + 1`: for
      image data, a grid of `model.generate(num_samples, seed=seed)`. The
      seed is fixed, so the same latent batch is shown every time and the
      grids compare across epochs.
    - `{directory}/reconstructions_epoch_{E:04d}.png`, for image data when
      reference data is available and the model has `reconstruct`: the
      first `num_reconstructions` reference images and their
      reconstructions, as a grid whose rows alternate real images (even
      rows: 0, 2, ...) and the reconstructions of the row above (odd
      rows), with `ceil(sqrt(num_reconstructions))` columns.

    For vector data with two features the samples file is instead a
    scatter plot: samples in blue over the reference data in grey. Vector
    data with another number of features is skipped: nothing is written
    and no error is raised.

    Sequence data `(n, T, C)` is drawn as line charts (one tile per
    sequence, one colour per channel, see
    `keras_aegan.utils.lines.line_charts`), in the same two files and
    layouts as images. All charts of one call share one value range,
    that of the reference data when there is some, else of the samples.

    Images may be uint8 (0..255) or float in `[0, 1]` or `[-1, 1]`; the
    range is inferred once per call from the reference data when there is
    some (float with a negative minimum means `[-1, 1]`), else from the
    samples, and the same mapping is used for real images and
    reconstructions.

    The callback reads these attributes of the model:
    `generate(n, seed=...)` returning a NumPy array in data units,
    `reconstruct(x)` (optional), `data_kind` (`"image"`, `"sequence"` or
    `"vector"`; if missing, rank-2 samples are vectors and others
    images) and `reference_batch` (optional NumPy batch of training data,
    used when `reference_data` is not given).

    Args:
        directory: Folder the PNG files are written to; created if needed.
        every: Write files every this many epochs, an integer >= 1.
        num_samples: Number of generated samples per grid or scatter
            plot, an integer >= 1.
        seed: Integer seed passed to `model.generate`, so each grid shows
            the same latent batch.
        reference_data: Optional NumPy array of real data, used for the
            reconstruction grid and as the grey background of scatter
            plots. Defaults to `model.reference_batch`.
        num_reconstructions: Number of reference examples reconstructed,
            an integer >= 0; 0 disables the reconstruction grid.
        scale: Enlargement of image grids (nearest neighbour): `"auto"`
            (default) makes each image at least
            `keras_aegan.utils.images.MIN_CELL` (64) pixels high, so a
            grid of 16x16 digits is readable; an integer >= 1 repeats
            every pixel that many times (1: native size).

    Attributes:
        written: List of the paths written so far, in order.

    Example:

    ```python
    model = keras_aegan.AEGAN()
    model.fit(
        x_train,
        epochs=20,
        callbacks=[keras_aegan.callbacks.SampleGrid("runs/demo", every=5)],
    )
    ```
    """

    def __init__(
        self,
        directory,
        every=1,
        num_samples=64,
        seed=1234,
        reference_data=None,
        num_reconstructions=16,
        scale="auto",
    ):
        super().__init__()
        if scale != "auto":
            scale = check_int("scale", scale, 1)
        self.scale = scale
        if directory is None or not str(directory):
            raise ValueError(
                "`directory` must be a non-empty path. "
                f"Received: directory={directory!r}"
            )
        self.directory = os.fspath(directory)
        self.every = check_int("every", every, 1)
        self.num_samples = check_int("num_samples", num_samples, 1)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ValueError(
                f"`seed` must be an integer. Received: seed={seed!r}"
            )
        self.seed = int(seed)
        if reference_data is not None:
            reference_data = np.asarray(reference_data)
            if reference_data.ndim < 2 or len(reference_data) < 1:
                raise ValueError(
                    "`reference_data` must be a non-empty batch of shape "
                    "(n, ...). Received: "
                    f"reference_data.shape={reference_data.shape}"
                )
        self.reference_data = reference_data
        self.num_reconstructions = check_int(
            "num_reconstructions", num_reconstructions, 0
        )
        self.written = []

    def _reference(self):
        if self.reference_data is not None:
            return self.reference_data
        ref = getattr(self.model, "reference_batch", None)
        if ref is None:
            return None
        ref = np.asarray(ref)
        if ref.ndim < 2 or len(ref) < 1:
            return None
        return ref

    def _path(self, stem, epoch):
        name = f"{stem}_epoch_{epoch + 1:04d}.png"
        return os.path.join(self.directory, name)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every != 0:
            return
        model = self.model
        samples = np.asarray(model.generate(self.num_samples, seed=self.seed))
        kind = getattr(model, "data_kind", None)
        if kind is None:
            kind = "vector" if samples.ndim == 2 else "image"
        reference = self._reference()
        if kind == "vector":
            self._write_scatter(epoch, samples, reference)
        elif kind == "image":
            self._write_images(epoch, samples, reference)
        elif kind == "sequence":
            self._write_sequences(epoch, samples, reference)
        else:
            raise ValueError(
                "`model.data_kind` must be 'image', 'sequence' or 'vector'. "
                f"Received: data_kind={kind!r}"
            )

    def _write_scatter(self, epoch, samples, reference):
        if samples.ndim != 2 or samples.shape[1] != 2:
            return
        if reference is not None and (
            reference.ndim != 2 or reference.shape[1] != 2
        ):
            reference = None
        path = scatter_png(
            self._path("samples", epoch), samples, reference=reference
        )
        self.written.append(path)

    def _write_images(self, epoch, samples, reference):
        samples = as_image_batch(samples)
        if samples is None:
            return
        shown = None if reference is None else as_image_batch(reference)
        value_range = infer_value_range(shown if shown is not None else samples)
        factor = upscale_factor(samples.shape[1], self.scale)
        grid = tile_images(to_unit_range(samples, value_range))
        grid = upscale(grid, factor)
        self.written.append(save_png(self._path("samples", epoch), grid))

        reconstruct = getattr(self.model, "reconstruct", None)
        if (
            shown is None
            or self.num_reconstructions == 0
            or not callable(reconstruct)
        ):
            return
        # The model gets the reference data as stored; only the display
        # copies are reshaped to (n, H, W, C).
        real = shown[: self.num_reconstructions]
        recon = reconstruct(reference[: self.num_reconstructions])
        recon = as_image_batch(np.asarray(recon))
        if recon is None or recon.shape != real.shape:
            return
        grid = interleave_rows(
            to_unit_range(real, value_range),
            to_unit_range(recon, value_range),
        )
        grid = upscale(grid, factor)
        path = save_png(self._path("reconstructions", epoch), grid)
        self.written.append(path)

    def _write_sequences(self, epoch, samples, reference):
        if samples.ndim != 3:
            return
        if reference is not None and reference.shape[1:] != samples.shape[1:]:
            reference = None
        value_range = sequence_value_range(
            samples if reference is None else reference
        )
        grid = tile_images(line_charts(samples, value_range))
        self.written.append(save_png(self._path("samples", epoch), grid))
        recon = sequence_reconstructions(
            self.model, reference, self.num_reconstructions, value_range
        )
        if recon is not None:
            path = save_png(self._path("reconstructions", epoch), recon)
            self.written.append(path)
