"""Machinery shared by the quality benchmarks.

The parent process never imports a framework: it parses the options,
starts one child process per (backend, model, seed) with `KERAS_BACKEND`
and the thread-count variables set before the child's Python starts
(`benchmarks/_process.py`), collects each child's JSON record and
sample tiles, and writes the raw results (JSON), a summary (Markdown:
mean +- standard error over seeds) and a gallery (PNG).

A child (the same module, run with `--child-json`) sets the backend up,
trains one model the generic way,

    model = cls(seed=seed, **model_kwargs)
    model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)

scores it with its raw generator and, when the model keeps one, its
moving-average (EMA) generator, and writes its record.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks import _process

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REAL = "real"  # the pseudo-model of the real-data rows (floor/ceiling)
GALLERY_TILES = 16

# Benchmark names of models -> attribute names in `keras_aegan`. Any
# other name is looked up as given (and case-insensitively), so a class
# added later works without an entry here.
MODEL_ALIASES = {
    "aegan": "AEGAN",
    "dcgan": "DCGAN",
    "bigan": "BiGAN",
    "ali": "ALI",
    "alpha_gan": "AlphaGAN",
    "alphagan": "AlphaGAN",
    "aae": "AdversarialAutoencoder",
    "vaegan": "VAEGAN",
    "began": "BEGAN",
    "ebgan": "EBGAN",
    "alad": "ALAD",
}


# ------------------------------------------------------------ options
def parse_names(text):
    """Comma-separated names, stripped, empty ones and repeats dropped.

    Example: `parse_names("aegan, bigan,,aegan")` is `["aegan", "bigan"]`.
    """
    names = []
    for name in str(text).split(","):
        name = name.strip()
        if name and name not in names:
            names.append(name)
    return names


def parse_seeds(text):
    """Comma-separated integer seeds, repeats dropped, order kept.

    Raises:
        ValueError: For an entry that is not an integer, or no seed.
    """
    seeds = []
    for part in parse_names(text):
        try:
            seed = int(part)
        except ValueError:
            raise ValueError(
                f"Seeds must be integers. Received: {part!r}"
            ) from None
        if seed not in seeds:
            seeds.append(seed)
    if not seeds:
        raise ValueError(f"Give at least one seed. Received: {text!r}")
    return seeds


def parse_model_kwargs(text):
    """A JSON object of constructor overrides.

    Raises:
        ValueError: For text that is not a JSON object.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"--model-kwargs must be a JSON object. Received: {text!r} ({e})"
        ) from None
    if not isinstance(value, dict):
        raise ValueError(
            f"--model-kwargs must be a JSON object. Received: {text!r}"
        )
    return value


def parse_mixture(text):
    """`"40,200"` -> `[40, 200]`; `""` -> `[]`."""
    counts = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(
                "--mixture must list positive component counts, e.g. "
                f"40,200. Received: {text!r}"
            )
        counts.append(int(part))
    return counts


def make_parser(module, doc, name, *, epochs, batch_size):
    """The options every quality benchmark shares."""
    parser = _process.make_parser(module, doc)
    parser.add_argument(
        "--models",
        default="aegan",
        help="Comma-separated model names: aegan, dcgan, bigan, ali, "
        "alpha_gan, aae, vaegan, began, ebgan, or any class name in "
        "keras_aegan. Unknown names are skipped with a message.",
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="Training steps (batches); replaces --epochs (training stops "
        "inside the last epoch).",
    )
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument(
        "--model-kwargs",
        default="{}",
        help="JSON object passed to every model's constructor, e.g. "
        '\'{"ema_decay": 0.999, "ema_warmup": 100}\'.',
    )
    parser.add_argument(
        "--no-real",
        action="store_true",
        help="Leave out the real-data rows (floor/ceiling).",
    )
    parser.add_argument(
        "--out",
        default=os.path.join("runs", "quality", name),
        help="Output prefix: writes PREFIX.json, PREFIX.md, PREFIX.png.",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="Threads per child process."
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=-1,
        help="Core to pin each child to; -1 (default) leaves affinity alone.",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="Seconds allowed per child (training and scoring one seed).",
    )
    parser.add_argument(
        "--mixture",
        default="",
        help="Comma-separated component counts, e.g. 40,200: for each, a "
        "keras_aegan.LatentMixture fitted to the encoded training data "
        "(models with an encoder) adds a generator row 'ema+mixK' (or "
        "'raw+mixK') that decodes codes drawn from it.",
    )
    parser.add_argument(
        "--save-models",
        default=None,
        help="Folder to save each trained model in (as "
        "BENCHMARK_MODEL_BACKEND_sSEED.keras), for rescoring later.",
    )
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    return parser


def finish_args(parser, args):
    """Checks the shared options and adds parsed lists to `args`."""
    try:
        args.model_list = parse_names(args.models)
        args.seed_list = parse_seeds(args.seeds)
        args.kwargs = parse_model_kwargs(args.model_kwargs)
        args.mixture_list = parse_mixture(args.mixture)
    except ValueError as e:
        parser.error(str(e))
    if "seed" in args.kwargs:
        parser.error("--model-kwargs must not set `seed`; use --seeds.")
    if args.epochs < 1 or args.batch_size < 1 or args.threads < 1:
        parser.error("--epochs, --batch-size and --threads must be >= 1")
    if args.steps is not None and args.steps < 1:
        parser.error("--steps must be >= 1")
    return args


# ------------------------------------------------------ model lookup
def class_name_for(name):
    """The `keras_aegan` attribute a benchmark model name refers to."""
    key = name.strip()
    return MODEL_ALIASES.get(key.lower().replace("-", "_"), key)


def resolve_model_class(name, module):
    """Looks a model class up in `module` (normally `keras_aegan`).

    Tries the alias table, then the name as given, then a
    case-insensitive match (underscores ignored) among the module's
    public names.

    Returns:
        `(cls, None)`, or `(None, message)` when there is no such model
        class (for example `DCGAN` before it is added).
    """
    wanted = class_name_for(name)
    cls = getattr(module, wanted, None)
    if cls is None:
        folded = wanted.lower().replace("_", "")
        public = getattr(module, "__all__", None) or dir(module)
        for attr in public:
            if attr.lower().replace("_", "") == folded:
                cls = getattr(module, attr, None)
                break
    if not isinstance(cls, type) or not callable(getattr(cls, "fit", None)):
        return None, (
            f"skipping model {name!r}: keras_aegan has no model class "
            f"{wanted!r} (yet)"
        )
    return cls, None


# ------------------------------------------------------- child side
def train_model(cls, x, args):
    """Trains `cls(seed=args.seed, **args.kwargs)` on `x`.

    With `args.steps`, runs `ceil(steps / steps_per_epoch)` epochs and
    stops after `steps` batches.

    Returns:
        `(model, info)` with `info` holding `steps` (batches run),
        `epochs`, `steps_per_epoch` and `train_s` (wall seconds of
        `fit`, tracing and compilation included).
    """
    import keras

    class StepBudget(keras.callbacks.Callback):
        def __init__(self, max_steps):
            super().__init__()
            self.max_steps = max_steps
            self.steps = 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if self.max_steps is not None and self.steps >= self.max_steps:
                self.model.stop_training = True

    keras.utils.set_random_seed(args.seed)
    model = cls(seed=args.seed, **args.kwargs)
    steps_per_epoch = math.ceil(len(x) / args.batch_size)
    epochs = args.epochs
    if args.steps is not None:
        epochs = math.ceil(args.steps / steps_per_epoch)
    budget = StepBudget(args.steps)
    start = time.perf_counter()
    model.fit(
        x,
        epochs=epochs,
        batch_size=args.batch_size,
        verbose=0,
        callbacks=[budget],
    )
    train_s = time.perf_counter() - start
    return model, {
        "steps": budget.steps,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "train_s": train_s,
    }


def generator_variants(model, refine=False, mixtures=()):
    """The generator rows a benchmark scores for `model`.

    `"raw"`, plus `"ema"` when the model keeps moving averages. For
    each component count `k` in `mixtures`, and a model with an encoder,
    `"ema+mixK"` (`"raw+mixK"` without moving averages): the default
    generator decoding codes drawn from a `LatentMixture` of `k`
    components fitted to the encoded training data. With `refine`, also
    each of these refined by discriminator rejection sampling
    (`"raw+drs"`, `"ema+drs"`, `"ema+mix40+drs"`) when the model has a
    discriminator that scores a sample alone (`refine_network`).
    """
    names = ["raw"]
    if getattr(model, "ema_decay", None) is not None:
        names.append("ema")
    if hasattr(model, "encode"):
        names += [f"{names[-1]}+mix{k}" for k in mixtures]
    if refine and getattr(model, "refine_network", None) is not None:
        names += [f"{name}+drs" for name in names]
    return names


def mixture_components(generator):
    """`"ema+mix40+drs"` -> 40; None for a generator without a mixture."""
    for part in generator.split("+"):
        if part.startswith("mix"):
            return int(part[3:])
    return None


def fit_mixtures(model, x, generators, seed):
    """Fits one `LatentMixture` per component count the generator names
    ask for (see `generator_variants`).

    Returns:
        A dict mapping component counts to fitted mixtures, and the
        seconds the fits took.
    """
    import keras_aegan

    mixtures, start = {}, time.perf_counter()
    for name in generators:
        k = mixture_components(name)
        if k is not None and k not in mixtures:
            mixtures[k] = keras_aegan.LatentMixture(k, seed=seed).fit(model, x)
    return mixtures, time.perf_counter() - start


def generate_for(model, generator, n, seed, mixtures, percentile=None):
    """`n` samples of the named generator variant (see
    `generator_variants`), with the latent codes of `seed`; a `+drs`
    variant uses `percentile` (`generate(refine_percentile=...)`, the
    model's default when None)."""
    drs = generator.endswith("+drs")
    return model.generate(
        n,
        seed=seed,
        ema=generator.startswith("ema"),
        refine="rejection" if drs else None,
        latent=mixtures.get(mixture_components(generator)),
        refine_percentile=percentile if drs else None,
    )


def maybe_save(model, args, benchmark):
    """Saves the trained model under `--save-models`, when given."""
    if not args.save_models:
        return None
    os.makedirs(args.save_models, exist_ok=True)
    path = os.path.join(
        args.save_models,
        f"{benchmark}_{args.model}_{args.backend}_s{args.seed}.keras",
    )
    model.save(path)
    return path


def versions():
    """The Keras and keras_aegan versions a record was made with."""
    import keras

    import keras_aegan

    return {
        "keras": keras.__version__,
        "keras_aegan": keras_aegan.__version__,
    }


def base_record(args, benchmark):
    """The fields every child record starts with."""
    import keras

    return {
        "benchmark": benchmark,
        "model": args.model,
        "backend": keras.backend.backend(),
        "seed": args.seed,
        "model_kwargs": args.kwargs,
        "batch_size": args.batch_size,
        "max_epochs": args.epochs,
        "max_steps": args.steps,
        "threads": args.threads,
        "versions": versions(),
    }


def child_main(args, module, run_one):
    """Runs one child: environment, framework, `run_one(args)`, files.

    `run_one` returns a JSON-ready dict; its optional `"tiles"` entry
    (a dict of uint8 arrays, one per generator) goes to
    `<child-json>.npz` instead of the JSON.
    """
    _process.configure_environment(args.backend, threads=args.threads)
    _process.pin_to_cpu(None if args.cpu < 0 else args.cpu, module)
    _process.import_framework(args.backend, threads=args.threads)
    record = run_one(args)
    tiles = record.pop("tiles", None) or {}
    record["peak_rss_mib"] = _process.peak_rss_mib()
    np.savez(args.child_json + ".npz", **tiles)
    with open(args.child_json, "w") as f:
        json.dump(record, f, indent=1)
    return 0


# ------------------------------------------------------ parent side
def child_env(backend, threads):
    """This process's environment with the child's backend and threads
    set (as `_process.configure_environment` sets them), so they hold
    before the child's Python imports anything."""
    saved = dict(os.environ)
    try:
        _process.configure_environment(backend, threads=threads)
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env.pop(_process.PIN_MARKER, None)
    return env


def backends_of(args):
    if args.backend == "all":
        return _process.BACKENDS
    return (args.backend,)


def run_children(module, args, argv, jobs):
    """Runs every job for every backend and seed, one child each.

    Args:
        module: The benchmark's `-m` module name.
        args: Parsed parent options.
        argv: The parent's command-line arguments; each child gets them
            followed by its own `--backend`, `--seed`, `--child-json`
            and the job's options (later options win in argparse).
        jobs: List of dicts of child options, each with `"model"`, for
            example `{"model": "aegan", "dataset": "ring"}`. Jobs of the
            `REAL` model run on the first backend only.

    Returns:
        `(records, tiles, notes)`: the child records in order; a dict
        mapping `(index into records, generator)` to uint8 tiles; and
        messages about skipped or failed runs.
    """
    records, tiles, notes = [], {}, []
    backends = backends_of(args)
    with tempfile.TemporaryDirectory() as tmp:
        for b_index, backend in enumerate(backends):
            for job in jobs:
                if job["model"] == REAL and b_index > 0:
                    continue
                label = " ".join(f"{k}={v}" for k, v in job.items())
                for seed in args.seed_list:
                    path = os.path.join(tmp, f"run{len(records)}_{seed}.json")
                    command = [sys.executable, "-m", module, *argv]
                    command += ["--backend", backend, "--seed", str(seed)]
                    command += ["--child-json", path]
                    for key, value in job.items():
                        command += [f"--{key.replace('_', '-')}", str(value)]
                    print(f"[{backend}] {label} seed={seed}", flush=True)
                    try:
                        proc = subprocess.run(
                            command,
                            env=child_env(backend, args.threads),
                            cwd=ROOT,
                            timeout=args.timeout,
                            check=False,
                        )
                        code = proc.returncode
                    except subprocess.TimeoutExpired:
                        code = "timeout"
                    if code != 0 or not os.path.exists(path):
                        notes.append(
                            f"failed: [{backend}] {label} seed={seed} "
                            f"(exit {code})"
                        )
                        print(notes[-1], flush=True)
                        continue
                    with open(path) as f:
                        record = json.load(f)
                    if record.get("skipped"):
                        notes.append(f"[{backend}] {record['skipped']}")
                        print(notes[-1], flush=True)
                        break  # the other seeds would skip too
                    with np.load(path + ".npz") as npz:
                        for generator in npz.files:
                            tiles[(len(records), generator)] = npz[generator]
                    records.append(record)
    return records, tiles, notes


# ---------------------------------------------------------- summaries
def mean_se(values):
    """Mean and standard error of the finite numbers among `values`.

    `None`, NaN and infinities are left out. The standard error is the
    sample standard deviation (ddof=1) over `sqrt(n)`; None for n < 2.

    Returns:
        `(mean, se, n)`; `(None, None, 0)` without finite values.
    """
    finite = []
    for v in values:
        if v is None:
            continue
        v = float(v)
        if math.isfinite(v):
            finite.append(v)
    n = len(finite)
    if n == 0:
        return None, None, 0
    mean = sum(finite) / n
    if n < 2:
        return mean, None, n
    var = sum((v - mean) ** 2 for v in finite) / (n - 1)
    return mean, math.sqrt(var / n), n


def format_mean_se(values, digits=2, scale=1.0):
    """`"mean ± se"` with `digits` decimals, values times `scale`.

    One finite value gives just the value; none gives `"-"`. When some
    values were not finite, `(k/n)` says how many counted.

    Example: `format_mean_se([1.0, 2.0, 3.0])` is `"2.00 ± 0.58"`.
    """
    values = list(values)
    mean, se, n = mean_se(values)
    if n == 0:
        return "-"
    text = f"{mean * scale:.{digits}f}"
    if se is not None:
        text += f" ± {se * scale:.{digits}f}"
    if n < len(values):
        text += f" ({n}/{len(values)})"
    return text


def markdown_table(headers, rows):
    """A GitHub Markdown table (cells converted with `str`, pipes
    escaped)."""

    def cell(value):
        return str(value).replace("|", "\\|")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell(c) for c in row) + " |")
    return "\n".join(lines)


def evaluation_rows(records, keys=("model", "backend")):
    """Flattens child records into one entry per (record, generator).

    Returns:
        A list of dicts with the record's `keys`, `generator`, `seed`,
        `steps`, `train_s`, `scalars` and `record_index`.
    """
    rows = []
    for index, record in enumerate(records):
        for evaluation in record.get("evaluations", []):
            row = {key: record.get(key) for key in keys}
            row.update(
                generator=evaluation["generator"],
                seed=record.get("seed"),
                steps=record.get("steps"),
                train_s=record.get("train_s"),
                scalars=evaluation["scalars"],
                record_index=index,
            )
            rows.append(row)
    return rows


def group_rows(rows, keys=("model", "backend", "generator")):
    """Groups `evaluation_rows` by `keys`, in order of first appearance.

    Returns:
        A list of `(key tuple, list of rows)`.
    """
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return list(groups.items())


def format_steps(values):
    """Steps of a group: the number when all seeds ran the same."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(set(values)) == 1:
        return str(values[0])
    return format_mean_se(values, digits=0)


def summary_table(groups, columns, key_headers):
    """A Markdown table: one row per group, mean ± SE over its seeds.

    Args:
        groups: Output of `group_rows`.
        columns: List of `(scalar name, header, digits, scale)`.
        key_headers: Headers of the group key's fields.

    Returns:
        The table as a string.
    """
    headers = list(key_headers) + ["seeds", "steps", "train s"]
    headers += [c[1] for c in columns]
    rows = []
    for key, members in groups:
        row = list(key) + [len(members)]
        row.append(format_steps([m["steps"] for m in members]))
        row.append(format_mean_se([m["train_s"] for m in members], digits=0))
        for name, _, digits, scale in columns:
            values = [m["scalars"].get(name) for m in members]
            row.append(format_mean_se(values, digits=digits, scale=scale))
        rows.append(row)
    return markdown_table(headers, rows)


# ------------------------------------------------------------ gallery
def _rgb(tile):
    tile = np.asarray(tile, dtype="uint8")
    if tile.ndim == 2:
        tile = tile[..., None]
    if tile.shape[-1] == 1:
        tile = np.repeat(tile, 3, axis=-1)
    return tile[..., :3]


def compose_rows(rows, gap=6):
    """Places each row's tiles side by side and the rows under each other.

    Args:
        rows: List of lists of uint8 tiles `(H, W)`, `(H, W, 1)` or
            `(H, W, 3)`.
        gap: White pixels between tiles and between rows.

    Returns:
        `(image, tops)`: a uint8 RGB array, white where empty, and the
        top pixel row of each row.
    """
    strips = []
    for tiles in rows:
        tiles = [_rgb(t) for t in tiles] or [np.full((1, 1, 3), 255, "uint8")]
        height = max(t.shape[0] for t in tiles)
        width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) - 1)
        strip = np.full((height, width, 3), 255, dtype="uint8")
        left = 0
        for t in tiles:
            strip[: t.shape[0], left : left + t.shape[1]] = t
            left += t.shape[1] + gap
        strips.append(strip)
    width = max(s.shape[1] for s in strips)
    height = sum(s.shape[0] for s in strips) + gap * (len(strips) - 1)
    image = np.full((height, width, 3), 255, dtype="uint8")
    tops, top = [], 0
    for s in strips:
        image[top : top + s.shape[0], : s.shape[1]] = s
        tops.append(top)
        top += s.shape[0] + gap
    return image, tops


def write_gallery(path, labelled_rows, gap=6):
    """Writes a gallery PNG: a label, then the row's tiles, per row.

    Args:
        path: The PNG path (parent folders are created).
        labelled_rows: List of `(label, list of uint8 tiles)`.
        gap: Pixels between tiles and rows.

    Returns:
        The path, or None when there is nothing to draw.
    """
    if not labelled_rows:
        return None
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    try:
        font = ImageFont.load_default(size=13)
    except TypeError:  # Pillow < 10.1: fixed bitmap font
        font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_width = 2 * gap + max(
        measure.textbbox((0, 0), label, font=font)[2]
        for label, _ in labelled_rows
    )
    body, tops = compose_rows([tiles for _, tiles in labelled_rows], gap)
    image = np.full(
        (body.shape[0] + 2 * gap, body.shape[1] + label_width + gap, 3),
        255,
        dtype="uint8",
    )
    image[gap : gap + body.shape[0], label_width:-gap] = body
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    for (label, _), top in zip(labelled_rows, tops):
        draw.text((gap, gap + top + 2), label, fill="black", font=font)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    picture.save(path)
    return path


def gallery_rows(groups, tiles, label):
    """`(label, tiles)` per group: each seed's tile, in seed order.

    Args:
        groups: Output of `group_rows`.
        tiles: Dict mapping `(record_index, generator)` to a tile.
        label: Function of a group key returning its label.
    """
    rows = []
    for key, members in groups:
        row = [
            tiles[(m["record_index"], m["generator"])]
            for m in members
            if (m["record_index"], m["generator"]) in tiles
        ]
        if row:
            rows.append((label(key), row))
    return rows


def framed(tile, value=190):
    """A copy of a uint8 tile with a one-pixel grey frame."""
    tile = np.array(tile, dtype="uint8")
    tile[0], tile[-1], tile[:, 0], tile[:, -1] = value, value, value, value
    return tile


def upscale(tile, factor):
    """Nearest-neighbour upscaling of a uint8 tile by an integer."""
    return np.repeat(np.repeat(tile, factor, axis=0), factor, axis=1)


# ------------------------------------------------------------ outputs
def write_outputs(prefix, report, markdown, labelled_rows):
    """Writes `prefix.json` (strict JSON), `.md` and `.png`.

    Returns:
        The list of paths written.
    """
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    paths = [prefix + ".json", prefix + ".md"]
    with open(paths[0], "w") as f:
        json.dump(strict_json(report), f, indent=1, allow_nan=False)
    with open(paths[1], "w") as f:
        f.write(markdown.rstrip() + "\n")
    png = write_gallery(prefix + ".png", labelled_rows)
    if png:
        paths.append(png)
    return paths


def strict_json(value):
    """Non-finite floats become None, tuples lists (for strict JSON)."""
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return strict_json(value.item())
    return value


def header_lines(title, module, args, argv, protocol):
    """The first lines of a benchmark's Markdown report."""
    lines = [
        f"# {title}",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M')}",
        f"- command: `python -m {' '.join([module, *argv])}`",
        f"- backends: {', '.join(backends_of(args))}; seeds: "
        f"{', '.join(str(s) for s in args.seed_list)}; threads per run: "
        f"{args.threads}",
        f"- training: batch {args.batch_size}, "
        + (
            f"{args.steps} steps"
            if args.steps is not None
            else f"{args.epochs} epochs"
        )
        + (
            f", model kwargs `{json.dumps(args.kwargs)}`" if args.kwargs else ""
        ),
        f"- protocol: {protocol}",
        "- cells: mean ± standard error over seeds; `train s` is the wall "
        "time of `fit` (compilation included, scoring excluded).",
        "",
    ]
    return lines


def emit_json_line(record, path=None):
    """Prints `record` as one JSON line and appends it to `path` if set.

    The output of the sweep scripts: one line per screening run.
    """
    line = json.dumps(record)
    print(line)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
