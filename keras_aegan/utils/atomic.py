"""Crash-safe file writes: temporary file, fsync, rename."""

import contextlib
import glob
import os
import tempfile


def fsync_path(path):
    """Flushes a file or directory to disk (`fsync`).

    Args:
        path: Path of a file or a directory.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    fd = os.open(path, flags if os.path.isdir(path) else os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - e.g. directories on some systems
        pass
    finally:
        os.close(fd)


def _temp_prefix(path):
    return f".{os.path.basename(path)}.tmp-"


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yields a temporary path that replaces `path` when the block ends.

    The temporary file lies in `path`'s directory (so the final rename is
    atomic on POSIX and Windows), is flushed to disk, and only then
    renamed over `path`; the directory entry is flushed last. A crash at
    any moment leaves either the old file or the new one at `path`, never
    a partial file. If the block raises, the temporary file is removed
    and `path` is untouched. Leftovers of a killed writer (hidden
    `.NAME.tmp-*` files) are removed by the next write to `path`.

    Args:
        path: Final path.
        suffix: Ending the temporary name must keep (e.g. `".keras"`,
            whose writers check the extension).

    Example:

    ```python
    with atomic_path("model.keras", suffix=".keras") as tmp:
        model.save(tmp)
    ```
    """
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        prefix=_temp_prefix(path), suffix=suffix, dir=directory
    )
    os.close(fd)
    os.remove(tmp)  # writers create the file themselves
    try:
        yield tmp
        if not os.path.exists(tmp):
            raise OSError(f"Nothing was written to the temporary file {tmp}.")
        fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    fsync_path(directory)


def remove_stale_temporaries(path):
    """Removes temporary files a killed `atomic_path` writer left behind.

    Args:
        path: The final path the writer was producing.
    """
    pattern = os.path.join(
        os.path.dirname(os.path.abspath(path)),
        glob.escape(_temp_prefix(path)) + "*",
    )
    for leftover in glob.glob(pattern):
        with contextlib.suppress(OSError):
            os.remove(leftover)


def write_text_atomic(path, text):
    """Writes `text` to `path` atomically (see `atomic_path`).

    Args:
        path: Destination path.
        text: String to write (UTF-8).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
