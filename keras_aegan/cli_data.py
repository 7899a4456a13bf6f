"""`--data` of the commands: a built-in data set or the user's own data.

Own data is a folder of images, an array file (`.npy`, `.npz`) or a table
(`.csv`, `.tsv`, `.parquet`), opened with `keras_aegan.data.open_source`.
"""

import dataclasses
import os
import re

import numpy as np

from keras_aegan.cli_common import DATASETS
from keras_aegan.cli_common import positive
from keras_aegan.cli_common import read_run_config

#: The source options of the command line, by `open_source` name.
FLAGS = {
    "image_size": "--image-size",
    "channels": "--channels",
    "resize": "--resize",
    "columns": "--columns",
    "dropna": "--dropna",
    "key": "--key",
}
#: Which options each kind of source takes.
APPLIES_TO = {
    "folder": ("image_size", "channels", "resize"),
    "array": ("key",),
    "table": ("columns", "dropna"),
}
WHAT = {
    "folder": "image folders",
    "array": "array files (.npy, .npz)",
    "table": "tables (.csv, .tsv, .parquet)",
}
ARRAY_EXTENSIONS = (".npy", ".npz")
TABLE_EXTENSIONS = (".csv", ".tsv", ".parquet", ".pq")
# Own data: the last 5 % of the rows of an array or table (at most
# MAX_REFERENCE) are held out of training for the closing summary, as
# Keras's `validation_split` takes the last samples; files of fewer than
# MIN_HOLDOUT_ROWS rows are not split.
HOLDOUT_FRACTION = 0.05
MIN_HOLDOUT_ROWS = 40
MAX_REFERENCE = 512


def add_data_options(parser, recorded_by=None):
    """Adds the options of own data to a subcommand's parser.

    Args:
        parser: An `argparse` parser.
        recorded_by: For a command that reads data for a saved model, the
            command whose `run.json` holds the defaults (`"train"`,
            `"anomaly fit"`); the help names it. `None` for a command
            that trains.
    """
    title = "own data (a folder of images, .npy/.npz, .csv/.tsv/.parquet)"
    if recorded_by:
        title += f"; default: as recorded by `{recorded_by}`"
    group = parser.add_argument_group(title)
    group.add_argument(
        "--image-size",
        type=positive,
        default=None,
        help="folders: side of the square images, a power of two (default: "
        + (
            "the model's)"
            if recorded_by
            else "nearest the median image side, 8 to 128)"
        ),
    )
    group.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=None,
        help="folders: 1 (grayscale) or 3 (RGB); default: "
        + ("the model's" if recorded_by else "from the images"),
    )
    group.add_argument(
        "--resize",
        choices=("crop", "fit", "pad"),
        default=None,
        help="folders: centre square crop (default), stretch to the square, "
        "or pad the longer side on black",
    )
    group.add_argument(
        "--columns",
        default=None,
        help="tables: comma-separated column names (or 0-based positions) "
        "to use; default: all",
    )
    group.add_argument(
        "--dropna",
        action="store_true",
        default=None,
        help="tables: drop rows with missing or non-numeric values instead "
        "of stopping at the first",
    )
    group.add_argument(
        "--key", default=None, help=".npz files: name of the array to use"
    )


def is_builtin(data):
    return data in DATASETS


def data_identity(data):
    """What `run.json` records of `--data`: a built-in name or a path.

    Paths are made absolute, so the same data given from another folder
    resumes the same run.
    """
    return data if is_builtin(data) else os.path.abspath(data)


def run_name_stem(data):
    """The run name's data part: a built-in name or the path's stem."""
    if is_builtin(data):
        return data
    base = os.path.basename(os.path.normpath(os.path.abspath(data)))
    stem = os.path.splitext(base)[0] if os.path.isfile(data) else base
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem) or "data"


def source_type(path):
    """`"folder"`, `"array"` or `"table"` for a path, or exits saying why."""
    if os.path.isdir(path):
        return "folder"
    if not os.path.exists(path):
        raise SystemExit(
            f"No such file or folder, and not a built-in data set "
            f"({', '.join(DATASETS)}). Received: --data {path}"
        )
    extension = os.path.splitext(path)[1].lower()
    if extension in ARRAY_EXTENSIONS:
        return "array"
    if extension in TABLE_EXTENSIONS:
        return "table"
    raise SystemExit(
        "--data takes a built-in data set, a folder of images, an array "
        f"file ({', '.join(ARRAY_EXTENSIONS)}) or a table "
        f"({', '.join(TABLE_EXTENSIONS)}). Received: --data {path}"
    )


def given_options(args):
    """The source options given on the command line (None: not given)."""
    return {name: getattr(args, name, None) for name in FLAGS}


def check_options(data, options):
    """Exits when an option was given that `data` does not take."""
    given = [name for name, value in options.items() if value is not None]
    if not given:
        return
    flags = ", ".join(FLAGS[name] for name in given)
    if is_builtin(data):
        raise SystemExit(
            f"{flags} appl{'ies' if len(given) == 1 else 'y'} to your own "
            f"data (a folder, array file or table), not to the built-in "
            f"{data!r} data. Received: --data {data}"
        )
    kind = source_type(data)
    wrong = [name for name in given if name not in APPLIES_TO[kind]]
    if wrong:
        flags = ", ".join(FLAGS[name] for name in wrong)
        owners = sorted(
            {
                WHAT[k]
                for name in wrong
                for k, v in APPLIES_TO.items()
                if name in v
            }
        )
        raise SystemExit(
            f"{flags} appl{'ies' if len(wrong) == 1 else 'y'} to "
            f"{' and '.join(owners)}; {data} is one of the {WHAT[kind]}. "
            f"Leave {flags} out."
        )


def _columns(value):
    """`--columns a,b,3` as `["a", "b", 3]` (digits are positions)."""
    if value is None or isinstance(value, list):
        return value
    names = [part.strip() for part in str(value).split(",")]
    if not all(names):
        raise SystemExit(
            "--columns takes comma-separated column names or positions, "
            f"without empty entries. Received: --columns {value}"
        )
    return [int(n) if n.isdigit() else n for n in names]


def open_data(path, options, **extra):
    """Opens own data with `open_source`, or exits naming the problem.

    Args:
        path: The `--data` path.
        options: Source options by `open_source` name (`None`: default).
        **extra: Further `open_source` options (folders: `batch_size`,
            `seed`, `shuffle`, `cache`).

    Returns:
        An `ImageFolder`, `ArraySource` or `TableSource`.
    """
    from keras_aegan.data import open_source

    check_options(path, options)
    options = {k: v for k, v in options.items() if v is not None}
    if "columns" in options:
        options["columns"] = _columns(options["columns"])
    kind = source_type(path)
    if kind != "folder":
        extra = {}
    try:
        return open_source(path, **options, **extra)
    except (OSError, ValueError) as e:
        flags = " ".join(FLAGS[name] for name in APPLIES_TO[kind])
        raise SystemExit(
            f"Cannot read --data {path}: {e} (Options of {WHAT[kind]} on "
            f"the command line: {flags}.)"
        ) from None


@dataclasses.dataclass
class TrainingData:
    """What `keras-aegan train` trains on and measures with.

    Attributes:
        name: The `--data` value as given.
        x: What `fit()` takes (an array, or an `ImageFolder`).
        reference: NumPy samples not trained on (or, for folders, a
            spread of the training images) for sample grids and the
            closing summary.
        reference_note: What `reference` is, for the summary line.
        kind: `"image"`, `"vector"` or `"sequence"`.
        count: Number of training samples.
        source: The `keras_aegan.data` source, or None (built-in data).
    """

    name: str
    x: object
    reference: np.ndarray
    reference_note: str
    kind: str
    count: int
    source: object = None

    @property
    def builtin(self):
        return self.source is None

    @property
    def batched(self):
        """Whether `x` batches itself (a folder): `fit()` takes no
        `batch_size` then."""
        return (
            self.source is not None
            and self.source.kind == "image"
            and (self.x is self.source)
        )


def load_builtin(name, limit, seed):
    """`(x, x_test)` of a built-in data set."""
    from keras_aegan import datasets

    if name == "digits":
        (x, _), (x_test, _) = datasets.load_digits()
    elif name == "ring":
        x = datasets.make_ring(10000, seed=seed)
        x_test = datasets.make_ring(2500, seed=seed + 1)
    else:
        x = datasets.make_grid(10000, seed=seed)
        x_test = datasets.make_grid(2500, seed=seed + 1)
    if limit:
        x = x[:limit]
    return x, x_test


def builtin_reference(name):
    """Samples of a built-in data set not trained on: the digits' test
    split, or the ring's or grid's reference draw of `evaluate_model`."""
    from keras_aegan import datasets
    from keras_aegan.metrics.evaluation_plan import TOY_REFERENCE_SEED

    if name == "digits":
        return datasets.load_digits()[1][0]
    make = datasets.make_ring if name == "ring" else datasets.make_grid
    return make(2500, seed=TOY_REFERENCE_SEED)


def spread_indices(count, size):
    """`size` indices spread evenly over `range(count)` (all if fewer)."""
    if count <= size:
        return list(range(count))
    return sorted({int(i) for i in np.linspace(0, count - 1, size)})


def training_data(args, cache_dir, print_fn=print):
    """Opens `--data` for training and prints what it found.

    Args:
        args: The parsed `train` arguments.
        cache_dir: Folder of the decoded-image cache of a folder, or None.
        print_fn: Where the source's report goes.

    Returns:
        A `TrainingData`.
    """
    options = given_options(args)
    check_options(args.data, options)
    if is_builtin(args.data):
        x, x_test = load_builtin(args.data, args.limit, args.seed or 0)
        return TrainingData(
            name=args.data,
            x=x,
            reference=x_test,
            reference_note="the test split"
            if args.data == "digits"
            else "a fresh draw",
            kind="image" if x.ndim == 4 else "vector",
            count=len(x),
        )
    if args.limit and source_type(args.data) == "folder":
        raise SystemExit(
            "--limit applies to arrays and tables; a folder trains on all "
            f"its images (move some out to train on fewer). Received: "
            f"--data {args.data} --limit {args.limit}"
        )
    source = open_data(
        args.data,
        options,
        batch_size=args.batch_size,
        seed=args.seed,
        cache=cache_dir,
    )
    source.describe(print_fn=print_fn)
    if source.kind == "image" and source.data is source:  # a folder
        indices = spread_indices(source.num_samples, MAX_REFERENCE)
        return TrainingData(
            name=args.data,
            x=source,
            reference=_load_or_exit(source, indices),
            reference_note=f"{len(indices)} training images (a folder is "
            "not split)",
            kind="image",
            count=source.num_samples,
            source=source,
        )
    x = source.data
    n = len(x)
    hold = 0
    if n >= MIN_HOLDOUT_ROWS:
        hold = min(MAX_REFERENCE, int(n * HOLDOUT_FRACTION))
    train = x[: n - hold]  # a view: a memory map stays one
    if args.limit:
        train = train[: args.limit]
    if hold:
        reference = np.asarray(x[n - hold :])
        note = f"{hold} held-out samples (the last rows of the file)"
    else:
        reference = np.asarray(train[:MAX_REFERENCE])
        note = (
            f"{len(reference)} training samples (fewer than "
            f"{MIN_HOLDOUT_ROWS} rows: none held out)"
        )
    return TrainingData(
        name=args.data,
        x=train,
        reference=reference,
        reference_note=note,
        kind=source.kind,
        count=len(train),
        source=source,
    )


def _load_or_exit(source, indices):
    try:
        return source.load(indices)
    except (OSError, ValueError) as e:
        raise SystemExit(
            f"Cannot read --data {source.directory}: {e}"
        ) from None


def data_for_model(args, model, model_path):
    """Opens the data a saved model's command reads, shaped for the model.

    `--data` wins, else the data recorded in the `run.json` beside the
    model. Source options given on the command line win, else those
    recorded for the same data; a folder's image size and channels
    default to the model's.

    Args:
        args: Parsed arguments with `data` and the source options.
        model: The loaded model.
        model_path: Its path (for the `run.json`).

    Returns:
        `(name, source)`: the data's name and a source with `data`,
        `num_samples` and `take(indices)`-like access via `take_samples`;
        for built-in data `source` is a NumPy array.
    """
    recorded = read_run_config(model_path)
    data = args.data or recorded.get("data")
    if data is None:
        raise SystemExit(
            f"Pass --data: no run.json of `keras-aegan train` beside "
            f"{model_path} says what the model was trained on."
        )
    options = given_options(args)
    if is_builtin(data):
        check_options(data, options)
        source = builtin_reference(data)
    else:
        if recorded.get("data") is not None and data_identity(
            data
        ) == recorded.get("data"):
            for name in FLAGS:
                if options[name] is None and name in recorded:
                    options[name] = recorded[name]
        kind = source_type(data)
        if kind != "folder":
            options.update(image_size=None, channels=None, resize=None)
        shape = tuple(model.data_shape or ())
        if kind == "folder" and len(shape) == 3:
            if options["image_size"] is None:
                options["image_size"] = shape[0]
            if options["channels"] is None and shape[-1] in (1, 3):
                options["channels"] = shape[-1]
        source = open_data(data, options, shuffle=False)
    shape = tuple(_sample_shape(source))
    if shape != tuple(model.data_shape or ()):
        raise SystemExit(
            f"{model_path} takes samples of shape {tuple(model.data_shape)}, "
            f"but --data {data} gives samples of shape {shape}. Pass the "
            "data (and options) it was trained with."
        )
    return data, source


def _sample_shape(source):
    if isinstance(source, np.ndarray) and not hasattr(source, "sample_shape"):
        return source.shape[1:]
    return source.sample_shape


def num_samples(source):
    """Number of samples of a source (or built-in array)."""
    if isinstance(source, np.ndarray):
        return len(source)
    return source.num_samples


def take_samples(source, indices):
    """Samples `indices` of a source as one NumPy array."""
    indices = list(indices)
    if isinstance(source, np.ndarray):
        return np.asarray(source[indices])
    if source.kind == "image" and source.data is source:
        return _load_or_exit(source, indices)
    return np.asarray(source.data[indices])


def sample_names(source, indices):
    """Names of samples: a folder's relative file paths, else None."""
    if isinstance(source, np.ndarray) or source.data is not source:
        return None
    return [
        os.path.relpath(source.files[i], source.directory).replace(os.sep, "/")
        for i in indices
    ]
