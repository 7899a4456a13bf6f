"""What a data source found, summarised before training."""

import dataclasses

# A report lists this many skipped files by name; the rest are counted.
MAX_LISTED_SKIPS = 10


@dataclasses.dataclass
class SourceReport:
    """A summary of a data source, returned (and printed) by `describe()`.

    Attributes:
        source: What was read, e.g. `"image folder"` or `"CSV table"`.
        path: The path that was opened.
        kind: `"image"`, `"vector"` or `"sequence"` (the data kinds of
            `keras_aegan` models).
        count: Number of samples.
        sample_shape: Shape of one sample as given to `fit()`.
        dtype: Dtype of what `fit()` receives.
        value_range: `(low, high)` of the values `fit()` receives, or
            `None` when unknown.
        channels: Channels of images (last axis), else `None`.
        class_names: Names of the classes (image folders with class
            subfolders), else `None`.
        skipped: List of `(path, reason)` pairs for inputs that were left
            out (unreadable images, files of other types).
        notes: Further lines worth reading before training (resizing,
            cache, dropped rows, ...).

    Example:

    ```python
    source = keras_aegan.data.open_source("photos/")
    report = source.describe(print_fn=None)
    report.count, report.sample_shape, report.skipped
    ```
    """

    source: str
    path: str
    kind: str
    count: int
    sample_shape: tuple
    dtype: str
    value_range: tuple = None
    channels: int = None
    class_names: list = None
    skipped: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)

    def __str__(self):
        lines = [
            f"{self.source}: {self.path}",
            f"  samples:      {self.count}",
            f"  kind:         {self.kind}",
            f"  sample shape: {tuple(self.sample_shape)}",
            f"  dtype:        {self.dtype}",
        ]
        if self.value_range is not None:
            low, high = self.value_range
            lines.append(f"  value range:  [{low:.6g}, {high:.6g}]")
        if self.channels is not None:
            lines.append(f"  channels:     {self.channels}")
        if self.class_names is not None:
            names = ", ".join(self.class_names)
            lines.append(f"  classes:      {len(self.class_names)} ({names})")
        for note in self.notes:
            lines.append(f"  note: {note}")
        if self.skipped:
            lines.append(f"  skipped:      {len(self.skipped)}")
            for path, reason in self.skipped[:MAX_LISTED_SKIPS]:
                lines.append(f"    {path}: {reason}")
            more = len(self.skipped) - MAX_LISTED_SKIPS
            if more > 0:
                lines.append(f"    ... and {more} more")
        return "\n".join(lines)
