"""`keras-aegan evaluate`: metrics of a saved model, as a table and JSON.

On the built-in data sets the protocols of `evaluate_model` apply
(digits-FID with the shipped digits CNN, mode coverage of the ring and
grid). On the user's own data no feature extractor is shipped, so by
default only what needs none is measured: the reconstruction errors and
the latent cycle error (models with an encoder), and for vectors the
feature metrics in the data's own coordinates. FID, KID, precision/recall
and density/coverage of images or sequences are computed only in a
feature space the user names with `--features module:function`.
"""

import importlib
import importlib.util
import json
import os
import sys

from keras_aegan.cli_common import DATASETS
from keras_aegan.cli_common import has_encoder
from keras_aegan.cli_common import load_model_file
from keras_aegan.cli_data import data_for_model
from keras_aegan.cli_data import num_samples
from keras_aegan.cli_data import spread_indices
from keras_aegan.cli_data import take_samples

#: Reference samples read from own data by default (spread evenly).
DEFAULT_REFERENCE = 2048

FEATURES_HELP = """\
feature space of FID, KID, precision/recall and density/coverage, as
module:function (a module importable from the current folder or
PYTHONPATH, or path/to/file.py:function). The function takes a batch of
samples (n, *data_shape) in the data's units (images from a folder:
float32 in [0, 1]) and returns (n, d) features. Example: with
features.py holding
    import keras
    net = keras.applications.MobileNetV3Small(
        include_top=False, pooling="avg", input_shape=(64, 64, 3))
    def mobilenet(x):
        return net.predict(x * 255.0, verbose=0)
run `keras-aegan evaluate MODEL --data photos/ --features
features:mobilenet`. Without it, images and sequences of your own data
get only the reconstruction and latent cycle errors."""


def load_features(spec):
    """The feature function named by `--features module:function`.

    Args:
        spec: `"module:function"` (the current folder is searched first,
            as `python -m` does) or `"path/to/file.py:function"`.

    Returns:
        The callable.
    """
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise SystemExit(
            "--features takes module:function or path/to/file.py:function. "
            f"Received: --features {spec}"
        )
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            if not os.path.isfile(module_name):
                raise SystemExit(
                    f"No such file: {module_name}. Received: --features {spec}"
                )
            name = os.path.splitext(os.path.basename(module_name))[0]
            module_spec = importlib.util.spec_from_file_location(
                name, module_name
            )
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except ImportError as e:
        raise SystemExit(
            f"Cannot import the --features module {module_name!r}: {e}. "
            f"Received: --features {spec}"
        ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SystemExit(
            f"The module {module_name!r} has no function {function_name!r}. "
            f"Received: --features {spec}"
        )
    return function


def _evaluation_data(model, model_path, data):
    """The data to evaluate `model` on, or exits saying why.

    `--data` wins; else the data recorded in the `run.json` that
    `keras-aegan train` writes next to its `model.keras` (a built-in
    name or the path of the user's data); else the model's data shape:
    16x16x1 is `digits`, while 2-D vectors could be `ring` or `grid`
    (the model file does not say which), so they need `--data` or that
    `run.json`.
    """
    if data is not None:
        return data
    run_json = os.path.join(os.path.dirname(model_path), "run.json")
    if os.path.isfile(run_json):
        try:
            with open(run_json, encoding="utf-8") as f:
                recorded = json.load(f).get("data")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded in DATASETS:
            return recorded
        if isinstance(recorded, str) and recorded:
            return recorded  # the user's own data: never guessed digits
    shape = tuple(model.data_shape or ())
    if shape == (16, 16, 1):
        print(
            f"No run.json of `keras-aegan train` beside {model_path}: "
            "evaluating it on the built-in digits, whose shape (16, 16, 1) "
            "it has. Pass --data PATH if it was trained on other images.",
            file=sys.stderr,
        )
        return "digits"
    if shape == (2,):
        raise SystemExit(
            f"{model_path} generates 2-D points, which may be the ring or "
            "the grid data; the model file does not say which and no "
            "run.json of `keras-aegan train` lies next to it. Pass "
            "--data ring or --data grid."
        )
    raise SystemExit(
        f"No built-in data set has samples of shape {shape} (the model "
        f"{model_path} generates them). Pass the data it was trained on "
        "with --data PATH (a folder of images, .npy/.npz or a table)."
    )


def _format_value(value):
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _protocol_summary(protocol, shown):
    """`key=value` pairs of a result's own protocol entries."""
    parts = []
    for key, value in protocol.items():
        if key in shown or isinstance(value, (list, dict)):
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        elif isinstance(value, str) and len(value) > 16:
            value = value[:12] + "..."  # e.g. a weights hash
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _own_data_results(args, model, data, extractor):
    """`(results, reference description)` of a model on the user's data."""
    from keras_aegan.metrics.evaluation import evaluate_model
    from keras_aegan.metrics.evaluation_checks import ENCODER_METRICS

    args.data = data
    name, source = data_for_model(args, model, args.model)
    count = num_samples(source)
    indices = spread_indices(count, args.num_reference or DEFAULT_REFERENCE)
    reference = take_samples(source, indices)
    metrics = None
    if extractor is None and model.data_kind in ("image", "sequence"):
        if not has_encoder(model):
            raise SystemExit(
                f"Nothing to measure without a feature space: "
                f"{type(model).__name__} has no encoder (so no "
                "reconstruction or cycle error), and FID or precision/"
                f"recall of {model.data_kind}s need --features "
                "module:function."
            )
        metrics = list(ENCODER_METRICS)
    if len(reference) < 2:
        raise SystemExit(
            f"Evaluating needs at least 2 samples. Received: --data {name} "
            f"with {count}"
        )
    try:
        results = evaluate_model(
            model,
            None,
            reference,
            metrics=metrics,
            num_samples=args.num_samples,
            seed=args.seed,
            ema=args.ema,
            extractor=extractor,
        )
    except ValueError as e:
        raise SystemExit(f"Cannot evaluate {args.model}: {e}") from None
    spread = "" if len(indices) == count else f" of {count}, spread evenly"
    return results, f"{len(reference)} samples{spread} of {name}"


def evaluate(args):
    """Loads a saved model, prints its metrics and writes them as JSON."""
    import keras

    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.metrics.evaluation import evaluate_model
    from keras_aegan.metrics.evaluation import json_ready
    from keras_aegan.metrics.evaluation import metric_scalars
    from keras_aegan.utils.atomic import write_text_atomic

    model_path = os.path.abspath(args.model)
    extractor = load_features(args.features) if args.features else None
    model = load_model_file(args.model)
    if args.ema and getattr(model, "ema_decay", None) is None:
        raise SystemExit(
            f"--ema evaluates the moving averages of the weights, but "
            f"{args.model} keeps none (it was trained without ema_decay). "
            "Leave out --ema to evaluate its trained weights."
        )
    data = _evaluation_data(model, model_path, args.data)
    if data in DATASETS:
        try:
            results = evaluate_model(
                model,
                data,
                num_samples=args.num_samples,
                seed=args.seed,
                ema=args.ema,
                extractor=extractor,
            )
        except ValueError as e:
            raise SystemExit(f"Cannot evaluate {args.model}: {e}") from None
        reference = None
    else:
        results, reference = _own_data_results(args, model, data, extractor)
    first = next(iter(results.values())).protocol
    if reference is None:
        reference = f"{first['reference']} ({first['num_reference']} samples)"
    shown = {
        "data",
        "reference",
        "reference_split",
        "num_reference",
        "num_generated",
        "generator",
        "seed",
        "backend",
    }
    print(
        f"{args.model} on {data}: {first['num_generated']} generated "
        f"samples ({first['generator']} generator, seed {first['seed']}) "
        f"against {reference}, {keras.backend.backend()} backend"
    )
    rows = [("name", "value", "protocol")]
    for result in results.values():
        summary = _protocol_summary(result.protocol, shown)
        for name, value in metric_scalars([result]).items():
            rows.append((name, _format_value(value), summary))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for name, value, summary in rows:
        print(f"{name:<{widths[0]}}  {value:>{widths[1]}}  {summary}")
    report = {
        "model": model_path,
        "data": data if data in DATASETS else os.path.abspath(data),
        "backend": keras.backend.backend(),
        "generator": first["generator"],
        "seed": first["seed"],
        "num_samples": first["num_generated"],
        "scalars": metric_scalars(results),
        "results": results,
    }
    if extractor is not None:
        report["features"] = args.features
    json_path = args.json or os.path.join(
        os.path.dirname(model_path), "metrics.json"
    )
    write_text_atomic(
        json_path, json.dumps(json_ready(report), indent=2, allow_nan=False)
    )
    print(f"Wrote {json_path}")
    return 0
