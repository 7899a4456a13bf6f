"""A callback that writes sample images as TensorBoard image summaries."""

import numbers
import os

import keras
import numpy as np

from keras_aegan.callbacks.panels import as_image_batch
from keras_aegan.callbacks.panels import interleave_rows
from keras_aegan.callbacks.panels import sequence_reconstructions
from keras_aegan.utils.event_writer import SummaryWriter
from keras_aegan.utils.images import infer_value_range
from keras_aegan.utils.images import tile_images
from keras_aegan.utils.images import to_unit_range
from keras_aegan.utils.lines import line_charts
from keras_aegan.utils.lines import sequence_value_range
from keras_aegan.utils.scatter import scatter_image
from keras_aegan.utils.validation import check_int


class TensorBoardImages(keras.callbacks.Callback):
    """Writes generated samples, reconstructions and interpolations to
    TensorBoard.

    The summaries go to `{log_dir}/train`, the run that
    `keras.callbacks.TensorBoard(log_dir)` writes its training scalars
    to, so both callbacks can share one `log_dir` and TensorBoard shows
    the images next to the loss curves. The images are written from NumPy
    arrays by `keras_aegan.utils.event_writer.SummaryWriter`, in the
    format of `tf.summary.image`, with the `tensorboard` package only: the
    callback works the same under every Keras backend and never imports
    TensorFlow.

    Step convention: images of epoch index `epoch` (0-based, as passed
    to `on_epoch_end`) are written at `step=epoch`, the step Keras's
    `TensorBoard` callback uses for its `epoch_*` scalars. So the images
    at step 4 were made right after the losses logged at step 4, i.e.
    after the 5th epoch. They are written when `(epoch + 1) % every == 0`,
    so with `every=5` at steps 4, 9, 14, ...

    Tags written for image data (each summary holds one uint8 grid
    image; grey-scale data gives one channel, RGB data three):

    - `samples`: `model.generate(num_samples, seed=seed)` tiled into a
      grid with `ceil(sqrt(num_samples))` columns. The seed is fixed, so
      every step shows the same latent batch.
    - `reconstructions`, if the model has `reconstruct` and reference
      data is available: the first `num_reconstructions` reference
      images and `model.reconstruct(...)` of them, in rows that alternate
      real images (rows 0, 2, ...) and the reconstructions of the row
      above (rows 1, 3, ...), as `SampleGrid` lays them out.
    - `interpolations`, if the model has `interpolate` and there are at
      least two reference images: pair `i` joins reference image `i`
      (`x_a`) and reference image `k + i` (`x_b`), for
      `k = min(num_interpolations, len(reference) // 2)` pairs. Row `i`
      of the grid is `model.interpolate(x_a, x_b, interpolation_steps)`
      for that pair, from `x_a` on the left to `x_b` on the right.

    Tiles are separated by one white pixel. Pixel values are mapped to
    `[0, 1]` with one range per write, inferred from the reference data
    when there is some, else from the samples (integers: `0..255`; floats
    with a negative minimum: `[-1, 1]`; other floats: `[0, 1]`).

    For vector data with two features the `samples` tag is instead a
    256x256 RGB scatter plot of the samples (blue) over the reference
    data (grey), and no reconstructions or interpolations are written.
    Vector data with another number of features writes nothing.

    Sequence data `(n, T, C)` gets the same three tags with each
    sequence drawn as a line chart (one colour per channel, see
    `keras_aegan.utils.lines.line_charts`); all charts of one write
    share the value range of the reference data (else of the samples).

    The callback reads these attributes of the model: `generate(n,
    seed=...)`, and optionally `reconstruct(x)`, `interpolate(x_a, x_b,
    steps)` (returning `(n, steps, *data_shape)`), `data_kind`
    (`"image"`, `"sequence"` or `"vector"`; if missing, rank-2 samples
    are vectors and others images) and `reference_batch` (a NumPy batch
    of training data, used when `reference_data` is not given).

    The event file is opened when training begins; without the
    `tensorboard` package an `ImportError` says what to install. The
    writer is flushed after every write and closed when training ends.

    Args:
        log_dir: The `log_dir` given to `keras.callbacks.TensorBoard`;
            summaries are written to `{log_dir}/train`.
        every: Write images every this many epochs, an integer >= 1.
        num_samples: Number of generated samples per grid or scatter
            plot, an integer >= 1.
        seed: Integer seed passed to `model.generate`.
        reference_data: Optional NumPy array of real data, used for
            reconstructions, interpolations and as the background of
            scatter plots. Defaults to `model.reference_batch`.
        num_reconstructions: Number of reference examples reconstructed,
            an integer >= 0; 0 disables the `reconstructions` tag.
        interpolation_steps: Images per interpolation row, ends
            included, an integer >= 2.
        num_interpolations: Number of interpolated pairs (rows), an
            integer >= 0; 0 disables the `interpolations` tag.

    Example:

    ```python
    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN()
    model.fit(
        x,
        epochs=20,
        callbacks=[
            keras.callbacks.TensorBoard("runs/demo"),
            keras_aegan.callbacks.TensorBoardImages("runs/demo", every=5),
        ],
    )
    # Then: tensorboard --logdir runs/demo
    ```
    """

    def __init__(
        self,
        log_dir,
        every=1,
        num_samples=16,
        seed=1234,
        reference_data=None,
        num_reconstructions=8,
        interpolation_steps=8,
        num_interpolations=4,
    ):
        super().__init__()
        path = None
        if isinstance(log_dir, (str, os.PathLike)):
            path = os.fspath(log_dir)
        if not path:
            raise ValueError(
                "`log_dir` must be a non-empty path. "
                f"Received: log_dir={log_dir!r}"
            )
        self.log_dir = path
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
        self.interpolation_steps = check_int(
            "interpolation_steps", interpolation_steps, 2
        )
        self.num_interpolations = check_int(
            "num_interpolations", num_interpolations, 0
        )
        self._writer = None

    @property
    def train_dir(self):
        """The directory the summaries are written to: `{log_dir}/train`."""
        return os.path.join(self.log_dir, "train")

    # ------------------------------------------------------------ writer
    def _get_writer(self):
        if self._writer is None:
            self._writer = SummaryWriter(self.train_dir)
        return self._writer

    def _write(self, images, step):
        """Writes `{tag: uint8 (H, W, C) array}` at `step`, then flushes."""
        if not images:
            return
        writer = self._get_writer()
        for tag, image in images.items():
            writer.image(tag, image, step)
        writer.flush()

    def on_train_begin(self, logs=None):
        # Fails before the first epoch if tensorboard is missing.
        self._get_writer()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ------------------------------------------------------------ images
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
            images = self._vector_images(samples, reference)
        elif kind == "image":
            images = self._image_grids(samples, reference)
        elif kind == "sequence":
            images = self._sequence_charts(samples, reference)
        else:
            raise ValueError(
                "`model.data_kind` must be 'image', 'sequence' or 'vector'. "
                f"Received: data_kind={kind!r}"
            )
        self._write(images, int(epoch))

    def _vector_images(self, samples, reference):
        if samples.ndim != 2 or samples.shape[1] != 2:
            return {}
        if reference is not None and (
            reference.ndim != 2 or reference.shape[1] != 2
        ):
            reference = None
        return {"samples": scatter_image(samples, reference=reference)}

    def _image_grids(self, samples, reference):
        samples = as_image_batch(samples)
        if samples is None:
            return {}
        shown = None if reference is None else as_image_batch(reference)
        value_range = infer_value_range(shown if shown is not None else samples)
        images = {"samples": tile_images(to_unit_range(samples, value_range))}
        if shown is None:
            return images
        recon = self._reconstructions(reference, shown, value_range)
        if recon is not None:
            images["reconstructions"] = recon
        lines = self._interpolations(reference, shown, value_range)
        if lines is not None:
            images["interpolations"] = lines
        return images

    def _reconstructions(self, reference, shown, value_range):
        reconstruct = getattr(self.model, "reconstruct", None)
        if self.num_reconstructions == 0 or not callable(reconstruct):
            return None
        # The model gets the reference data as stored; only the display
        # copies are reshaped to (n, H, W, C).
        real = shown[: self.num_reconstructions]
        recon = reconstruct(reference[: self.num_reconstructions])
        recon = as_image_batch(np.asarray(recon))
        if recon is None or recon.shape != real.shape:
            return None
        return interleave_rows(
            to_unit_range(real, value_range),
            to_unit_range(recon, value_range),
        )

    def _interpolated(self, reference):
        """`(pairs * steps, *data_shape)` interpolations, or `None`."""
        interpolate = getattr(self.model, "interpolate", None)
        pairs = min(self.num_interpolations, len(reference) // 2)
        if pairs == 0 or not callable(interpolate):
            return None
        steps = self.interpolation_steps
        lines = np.asarray(
            interpolate(reference[:pairs], reference[pairs : 2 * pairs], steps)
        )
        if lines.shape[:2] != (pairs, steps):
            return None
        return lines.reshape((pairs * steps,) + lines.shape[2:])

    def _interpolations(self, reference, shown, value_range):
        lines = self._interpolated(reference)
        if lines is None:
            return None
        lines = as_image_batch(lines)
        if lines is None or lines.shape[1:] != shown.shape[1:]:
            return None
        return tile_images(
            to_unit_range(lines, value_range), columns=self.interpolation_steps
        )

    def _sequence_charts(self, samples, reference):
        if samples.ndim != 3:
            return {}
        if reference is not None and reference.shape[1:] != samples.shape[1:]:
            reference = None
        value_range = sequence_value_range(
            samples if reference is None else reference
        )
        images = {"samples": tile_images(line_charts(samples, value_range))}
        recon = sequence_reconstructions(
            self.model, reference, self.num_reconstructions, value_range
        )
        if recon is not None:
            images["reconstructions"] = recon
        lines = None if reference is None else self._interpolated(reference)
        if lines is not None and lines.shape[1:] == samples.shape[1:]:
            images["interpolations"] = tile_images(
                line_charts(lines, value_range),
                columns=self.interpolation_steps,
            )
        return images
