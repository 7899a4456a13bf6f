"""TensorBoard event files written without TensorFlow.

`tf.summary` needs TensorFlow, about 460 MiB of memory, and importing it
under JAX or PyTorch puts a second framework in the process. TensorBoard
itself reads plain event files: records of `Event` protocol buffers. The
`tensorboard` package (no TensorFlow needed) ships those protocol
buffers and a record writer; `SummaryWriter` uses them to write the same
summaries `tf.summary.scalar` and `tf.summary.image` write (tensor
values with the `scalars` and `images` plugin metadata), so TensorBoard
and `EventAccumulator.Tensors()` read them back alike on every backend.

The package's own `EventFileWriter` is not used: it opens files through
`tensorboard.compat.tf`, which imports TensorFlow whenever it is
installed.
"""

import importlib.util
import itertools
import os
import socket
import time

import numpy as np

from keras_aegan.utils.images import png_bytes

_WRITER_IDS = itertools.count()
INSTALL_HINT = (
    "TensorBoard logging needs the `tensorboard` package (TensorFlow is "
    "not needed). Install it with `pip install tensorboard`."
)


def tensorboard_available():
    """Whether the `tensorboard` package can be imported.

    Returns:
        A bool.

    Example:

    ```python
    if tensorboard_available():
        writer = SummaryWriter("logs/train")
    ```
    """
    return importlib.util.find_spec("tensorboard") is not None


class SummaryWriter:
    """Writes scalar and image summaries to one TensorBoard event file.

    A new event file is created in `log_dir` on construction (its name
    is unique to the process and the writer, so several writers, Keras's
    `TensorBoard` callback among them, can share a directory). Every
    write is buffered until `flush()` or `close()`.

    Args:
        log_dir: Local directory of the run, e.g. `{log_dir}/train`;
            created if missing.

    Raises:
        ImportError: when the `tensorboard` package is not installed.

    Example:

    ```python
    writer = SummaryWriter("logs/train")
    writer.scalar("epoch_loss", 0.25, step=0)
    writer.image("samples", np.zeros((28, 28, 1), "uint8"), step=0)
    writer.close()
    ```
    """

    def __init__(self, log_dir):
        try:
            from tensorboard.compat.proto import event_pb2
            from tensorboard.compat.proto import summary_pb2
            from tensorboard.plugins.image import metadata as image_meta
            from tensorboard.plugins.scalar import metadata as scalar_meta
            from tensorboard.summary.writer.record_writer import RecordWriter
            from tensorboard.util import tensor_util
        except ImportError as error:
            raise ImportError(
                f"{INSTALL_HINT} Original error: {error}"
            ) from error
        self._event_pb2 = event_pb2
        self._summary_pb2 = summary_pb2
        self._image_meta = image_meta
        self._scalar_meta = scalar_meta
        self._tensor_util = tensor_util
        self.log_dir = os.fspath(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time()):010d}."
            f"{socket.gethostname()}.{os.getpid()}.{next(_WRITER_IDS)}"
        )
        self.path = os.path.join(self.log_dir, name)
        self._file = RecordWriter(open(self.path, "wb"))
        # Every event file starts with its format version.
        self._add(
            event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        )
        self.flush()

    def scalar(self, tag, value, step, description=None):
        """Writes one float32 scalar, as `tf.summary.scalar` does.

        Args:
            tag: Name of the series.
            value: A real number.
            step: The x-axis value (an int).
            description: Optional Markdown text shown with the series.
        """
        tensor = self._tensor_util.make_tensor_proto(
            np.asarray(value, dtype=np.float32)
        )
        metadata = self._scalar_meta.create_summary_metadata(
            display_name=None, description=description
        )
        self._write(tag, tensor, metadata, step)

    def image(self, tag, image, step):
        """Writes one image, encoded as PNG, as `tf.summary.image` does.

        Args:
            tag: Name of the series.
            image: uint8 array of shape `(H, W)`, `(H, W, 1)`,
                `(H, W, 3)` or `(H, W, 4)`.
            step: The x-axis value (an int).
        """
        image = np.asarray(image)
        height, width = image.shape[:2]
        # The images plugin's tensor: [width, height, PNG bytes].
        tensor = self._tensor_util.make_tensor_proto(
            [str(width).encode(), str(height).encode(), png_bytes(image)]
        )
        metadata = self._image_meta.create_summary_metadata(
            display_name=None, description=None
        )
        self._write(tag, tensor, metadata, step)

    def _write(self, tag, tensor, metadata, step):
        summary = self._summary_pb2.Summary()
        summary.value.add(tag=tag, tensor=tensor, metadata=metadata)
        self._add(
            self._event_pb2.Event(
                wall_time=time.time(), step=int(step), summary=summary
            )
        )

    def _add(self, event):
        self._file.write(event.SerializeToString())

    def flush(self):
        """Writes the buffered events to disk."""
        self._file.flush()

    def close(self):
        """Flushes and closes the event file."""
        self._file.close()
