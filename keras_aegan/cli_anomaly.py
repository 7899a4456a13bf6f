"""`keras-aegan anomaly fit | score`: one-class anomaly detection on data.

`fit` trains an `AnomalyDetector` on data assumed normal and saves it to
a folder; `score` scores every sample of new data with it, writes a CSV
of scores and labels per sample and, for images, a PNG of the most
anomalous inputs beside their reconstructions and residual heatmaps.
"""

import csv
import io
import json
import os

import numpy as np

from keras_aegan.anomaly.detector import ENCODER_FILE
from keras_aegan.anomaly.detector import MODEL_FILE
from keras_aegan.anomaly.detector import STATE_FILE
from keras_aegan.cli_common import MODELS
from keras_aegan.cli_common import has_encoder
from keras_aegan.cli_common import read_run_config
from keras_aegan.cli_data import APPLIES_TO
from keras_aegan.cli_data import FLAGS
from keras_aegan.cli_data import builtin_reference
from keras_aegan.cli_data import check_options
from keras_aegan.cli_data import data_identity
from keras_aegan.cli_data import given_options
from keras_aegan.cli_data import is_builtin
from keras_aegan.cli_data import load_builtin
from keras_aegan.cli_data import num_samples
from keras_aegan.cli_data import open_data
from keras_aegan.cli_data import run_name_stem
from keras_aegan.cli_data import sample_names
from keras_aegan.cli_data import source_type
from keras_aegan.cli_data import take_samples
from keras_aegan.utils.images import upscale
from keras_aegan.utils.images import upscale_factor

#: Columns of the CSV that `anomaly score` writes, in order.
CSV_COLUMNS = ("index", "file", "label", "score", "probability", "anomalous")
# Highest scores listed in the summary of `anomaly score`.
SUMMARY_ROWS = 5
# The record of `anomaly fit` beside the detector: the data and source
# options it was fitted with (the name `keras-aegan train` uses, so the
# model commands on DIR/model.keras find the data too).
RUN_FILE = "run.json"


def _inside(path, data):
    """Whether writing `path` would write into the data `data`: a path
    under the data folder, or the data file itself."""
    if data is None or is_builtin(data):
        return False
    path = os.path.realpath(os.path.abspath(path))
    data = os.path.realpath(os.path.abspath(data))
    if os.path.isdir(data):
        return os.path.commonpath([path, data]) == data
    return path == data


def _refuse_inside(path, flag, data):
    if _inside(path, data):
        raise SystemExit(
            f"{flag} must lie outside the data: nothing is written into "
            f"--data {data}. Received: {flag} {path}"
        )


def _sample_shape(source):
    if isinstance(source, np.ndarray):
        return tuple(source.shape[1:])
    return tuple(source.sample_shape)


def _check_finite(x, name):
    """Exits when a batch of samples holds no real, finite numbers."""
    from keras_aegan.trainers import data_checks

    try:
        data_checks.check_numeric(x, f"--data {name}")
    except ValueError as e:
        raise SystemExit(str(e)) from None


# ------------------------------------------------------------------- fit
def _fit_data(args):
    """`(x, kind)`: every sample of `--data` in memory, and its kind."""
    options = given_options(args)
    check_options(args.data, options)
    if is_builtin(args.data):
        x, _ = load_builtin(args.data, None, args.seed)
        return np.asarray(x), "image" if x.ndim == 4 else "vector"
    source = open_data(args.data, options, shuffle=False)
    source.describe()
    if source.kind == "image" and source.data is source:  # a folder
        x = take_samples(source, range(source.num_samples))
    else:
        x = np.asarray(source.data)
    _check_finite(x, args.data)
    return x, source.kind


def _model_class(args):
    """The `--model` class, after checking it supports `--score`."""
    import keras_aegan
    from keras_aegan.anomaly.model_scorer import ModelScorer
    from keras_aegan.anomaly.model_scorer import default_score

    cls = getattr(keras_aegan, MODELS[args.model])
    score = args.score or default_score(cls)
    try:
        ModelScorer.check_score(cls, score, with_encoder=True)
    except ValueError as e:
        given = "" if args.score else " (its default score)"
        raise SystemExit(
            f"{e} Received: --model {args.model} --score {score}{given}"
        ) from None
    return cls


def _run_record(args, detector):
    record = {
        "command": "anomaly fit",
        "data": data_identity(args.data),
        "model": args.model,
        "score": detector.score_name_,
        "contamination": args.contamination,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "latent_dim": args.latent_dim,
        "width": args.width,
        "seed": args.seed,
        "n_neighbors": args.n_neighbors,
    }
    record.update({name: getattr(args, name, None) for name in FLAGS})
    return record


def anomaly_fit(args):
    """Trains an `AnomalyDetector` on normal data and saves it.

    Everything is checked (the data opens, the model supports the score,
    the output lies outside the data) before training; nothing is written
    until the detector is fitted.
    """
    import keras

    from keras_aegan.anomaly import AnomalyDetector
    from keras_aegan.utils.atomic import write_text_atomic

    output = args.output or os.path.join(
        "runs", f"anomaly-{run_name_stem(args.data)}"
    )
    if not is_builtin(args.data):
        source_type(args.data)  # a missing path: a clear error first
    _refuse_inside(output, "--output", args.data)
    if os.path.exists(output) and not os.path.isdir(output):
        raise SystemExit(
            "--output names the folder the detector is saved to, and a "
            f"file of that name exists. Received: --output {output}"
        )
    model_class = _model_class(args)
    x, kind = _fit_data(args)
    model_kwargs = {"width": args.width, "latent_dim": args.latent_dim}
    model_kwargs = {k: v for k, v in model_kwargs.items() if v is not None}
    detector = AnomalyDetector(
        model=model_class,
        score=args.score,
        contamination=args.contamination,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        model_kwargs=model_kwargs or None,
        n_neighbors=args.n_neighbors,
        verbose=args.verbose,
    )
    print(
        f"Training {model_class.__name__} on {args.data} ({len(x)} {kind} "
        f"samples, assumed normal) with the {keras.backend.backend()} "
        f"backend for {args.epochs} epochs."
    )
    detector.fit(x)
    detector.save(output)
    write_text_atomic(
        os.path.join(output, RUN_FILE),
        json.dumps(_run_record(args, detector), indent=2),
    )
    above = int(np.sum(detector.labels_))
    print(f"Training samples: {len(x)}")
    print(f"Score:            {detector.score_name_!r}")
    print(
        f"Threshold:        {detector.threshold_:.6g} (the "
        f"{100 * (1 - args.contamination):g}th percentile of the training "
        f"scores: --contamination {args.contamination:g}); {above} of "
        f"{len(x)} training samples lie above it"
    )
    files = [MODEL_FILE, STATE_FILE, RUN_FILE]
    if detector.encoder_ is not None:
        files.insert(1, ENCODER_FILE)
    files = ", ".join(files)
    print(f"Detector:         {output} ({files})")
    print(f"Score new data:   keras-aegan anomaly score {output} --data PATH")
    return 0


# ----------------------------------------------------------------- score
def _load_detector(path):
    from keras_aegan.anomaly import AnomalyDetector

    if not os.path.isfile(os.path.join(path, STATE_FILE)):
        what = f"{STATE_FILE} is missing"
        if not os.path.exists(path):
            what = "no such folder"
        raise SystemExit(
            f"No saved anomaly detector in {path} ({what}); write one with "
            f"`keras-aegan anomaly fit --data PATH --output {path}`. "
            f"Received: {path}"
        )
    try:
        return AnomalyDetector.load(path)
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(
            f"Cannot load the anomaly detector in {path}: {e}"
        ) from None


def _score_source(args, detector):
    """Opens `--data` shaped like the detector's samples, or exits.

    Source options given on the command line win, else those `anomaly
    fit` recorded that apply to this kind of source (a table's
    `--columns`, a folder's `--resize`); a folder's image size and
    channels default to the detector's.
    """
    options = given_options(args)
    shape = tuple(detector.data_shape_)
    if is_builtin(args.data):
        check_options(args.data, options)
        source = builtin_reference(args.data)
    else:
        kind = source_type(args.data)
        recorded = read_run_config(os.path.join(args.detector, MODEL_FILE))
        for name in APPLIES_TO[kind]:
            if options[name] is None and recorded.get(name) is not None:
                options[name] = recorded[name]
        if kind == "folder" and len(shape) == 3:
            if options["image_size"] is None:
                options["image_size"] = shape[0]
            if options["channels"] is None and shape[-1] in (1, 3):
                options["channels"] = shape[-1]
        source = open_data(args.data, options, shuffle=False)
    found = _sample_shape(source)
    if found != shape:
        raise SystemExit(
            f"The detector in {args.detector} takes samples of shape "
            f"{shape}, but --data {args.data} gives samples of shape "
            f"{found}. Pass data (and options) like those it was fitted on."
        )
    return source


def _probabilities(detector, scores):
    """`predict_proba(X, method="linear")[:, 1]` from the scores of `X`
    (PyOD's min-max scaling by the training scores), without scoring the
    data a second time."""
    train = detector.decision_scores_
    low, high = float(np.min(train)), float(np.max(train))
    span = high - low if high > low else 1.0
    return np.clip((scores - low) / span, 0.0, 1.0)


def heat_colors(values):
    """Colours of values in `[0, 1]`: black, red, yellow, then white.

    Args:
        values: Float array of any shape, read as `[0, 1]` (clipped).

    Returns:
        Float32 array of shape `values.shape + (3,)` (RGB in `[0, 1]`).

    Example:

    >>> heat_colors(np.array([0.0, 0.5, 1.0])).tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, 1.0, 1.0]]
    """
    t = np.clip(np.nan_to_num(np.asarray(values, "float32")), 0.0, 1.0)
    # Red rises over the first third, green over the second, blue last.
    ramps = 3.0 * t[..., None] - np.array([0.0, 1.0, 2.0], "float32")
    return np.clip(ramps, 0.0, 1.0).astype("float32")


def _rgb(images):
    """`(n, H, W, C)` images in `[0, 1]` as RGB (grey repeated, alpha
    dropped)."""
    if images.shape[-1] == 1:
        return np.repeat(images, 3, axis=-1)
    return images[..., :3]


def residual_rows(x, reconstruction):
    """Rows of input, reconstruction and residual heatmap cells.

    Args:
        x: Images `(n, H, W[, C])` in the data's units.
        reconstruction: Their reconstructions, same shape and units.

    Returns:
        `(cells, largest)`: float32 cells `(3 n, H, W, 3)` in `[0, 1]`,
        ordered input, reconstruction, heatmap for each image; the
        heatmap is `|x - reconstruction|` (display units, averaged over
        channels) divided by its largest value over all `n` images,
        `largest`.

    Example:

    ```python
    cells, largest = residual_rows(x[:4], model.reconstruct(x[:4]))
    grid = tile_images(cells, columns=3)  # one image per row
    ```
    """
    from keras_aegan.callbacks.panels import as_image_batch
    from keras_aegan.utils.images import infer_value_range
    from keras_aegan.utils.images import to_unit_range

    x = as_image_batch(x)
    value_range = infer_value_range(x)
    real = to_unit_range(x, value_range)
    rec = to_unit_range(as_image_batch(reconstruction), value_range)
    residual = np.mean(np.abs(real - rec), axis=-1)
    largest = float(np.max(residual))
    heat = heat_colors(residual / largest if largest > 0 else residual)
    cells = np.stack([_rgb(real), _rgb(rec), heat], axis=1)
    return cells.reshape((-1,) + cells.shape[2:]), largest


def _write_picture(args, detector, source, order):
    """Writes the PNG of the most anomalous inputs, or says why not."""
    from keras_aegan.utils.images import save_png
    from keras_aegan.utils.images import tile_images

    model = detector.model_
    kind = model.data_kind
    if args.top == 0:
        return "No picture: --top 0."
    if kind != "image":
        return (
            f"No picture: the data are {kind}s (shape "
            f"{tuple(detector.data_shape_)}); the picture of the most "
            "anomalous inputs is drawn for images only."
        )
    trained_encoder = detector.encoder_ is not None
    if not (has_encoder(model) or trained_encoder):
        return (
            f"No picture: {type(model).__name__} has no encoder, so no "
            "reconstructions to draw (aegan, aae, alpha_gan, bigan, ali, "
            "alad, vaegan and ganomaly have one; dcgan gets one with the "
            "reconstruction, feature and latent scores)."
        )
    top = [int(i) for i in order[: args.top]]
    x = take_samples(source, top)
    if trained_encoder:  # f-AnoGAN's encoder, trained after the GAN
        reconstruction = detector._scorer.reconstruct(x)
    else:
        reconstruction = np.asarray(model.reconstruct(x, ema=detector.ema))
    cells, largest = residual_rows(x, reconstruction)
    # Grey gaps: white is the largest residual of the heatmaps.
    grid = tile_images(cells, columns=3, pad_value=128)
    factor = upscale_factor(cells.shape[1], args.scale)
    save_png(args.output_png, upscale(grid, factor))
    return (
        f"Wrote the {len(top)} most anomalous inputs to {args.output_png}, "
        "highest score first, one per row: input, reconstruction, "
        "residual |x - reconstruction| (black 0, red, yellow, white "
        f"{largest:.3g}, the largest in the picture)."
    )


def _write_csv(path, rows):
    from keras_aegan.utils.atomic import write_text_atomic

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(path, text.getvalue())


def anomaly_score(args):
    """Scores every sample of `--data` with a saved detector.

    Writes the CSV (and for images the PNG) only once every sample is
    scored; prints a summary.
    """
    for path, flag in (
        (args.output_csv, "--output-csv"),
        (args.output_png, "--output-png"),
    ):
        _refuse_inside(path, flag, args.data)
    if not is_builtin(args.data):
        source_type(args.data)
    detector = _load_detector(args.detector)
    source = _score_source(args, detector)
    count = num_samples(source)
    scores = np.empty(count, "float64")
    for start in range(0, count, args.batch_size):
        stop = min(start + args.batch_size, count)
        x = take_samples(source, range(start, stop))
        _check_finite(x, args.data)
        scores[start:stop] = detector.decision_function(x)
    # As `predict` and `predict_proba`, from the scores computed once.
    anomalous = (scores > detector.threshold_).astype(int)
    probability = _probabilities(detector, scores)
    files = sample_names(source, range(count)) or [""] * count
    class_names = getattr(source, "class_names", None)
    labels = getattr(source, "labels", None)
    if class_names is None or labels is None:
        label_names = [""] * count
    else:
        label_names = [class_names[int(i)] for i in labels]
    rows = [
        (
            i,
            files[i],
            label_names[i],
            float(scores[i]),
            float(probability[i]),
            int(anomalous[i]),
        )
        for i in range(count)
    ]
    order = np.argsort(-scores, kind="stable")
    message = _write_picture(args, detector, source, order)
    _write_csv(args.output_csv, rows)
    print(
        f"Scored {count} samples of {args.data} with the "
        f"{detector.score_name_!r} score of {args.detector}: "
        f"{int(anomalous.sum())} anomalous (score above the threshold "
        f"{detector.threshold_:.6g})."
    )
    print("Highest scores:")
    for i in order[:SUMMARY_ROWS]:
        name = files[i] or f"sample {i}"
        label = f" ({label_names[i]})" if label_names[i] else ""
        print(f"  {scores[i]:10.4g}  {name}{label}")
    print(f"Wrote the scores of every sample to {args.output_csv}")
    print(message)
    return 0
