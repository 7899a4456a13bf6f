"""`keras-aegan evaluate`: metrics of a saved model, as a table and JSON."""

import json
import os

from keras_aegan.cli_common import DATASETS
from keras_aegan.cli_common import load_model_file


def _evaluation_data(model, model_path, data):
    """The built-in data set to evaluate `model` on, or exits saying why.

    `--data` wins; else the `run.json` that `keras-aegan train` writes
    next to its `model.keras`; else the model's data shape: 16x16x1 is
    `digits`, while 2-D vectors could be `ring` or `grid` (the model file
    does not say which), so they need `--data` or that `run.json`.
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
    shape = tuple(model.data_shape or ())
    if shape == (16, 16, 1):
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
        f"{model_path} generates them). Evaluate it from Python with "
        "keras_aegan.metrics.evaluation.evaluate_model(model, None, "
        "reference, extractor=...)."
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


def evaluate(args):
    """Loads a saved model, prints its metrics and writes them as JSON."""
    import keras

    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.metrics.evaluation import evaluate_model
    from keras_aegan.metrics.evaluation import json_ready
    from keras_aegan.metrics.evaluation import metric_scalars
    from keras_aegan.utils.atomic import write_text_atomic

    model_path = os.path.abspath(args.model)
    model = load_model_file(args.model)
    if args.ema and getattr(model, "ema_decay", None) is None:
        raise SystemExit(
            f"--ema evaluates the moving averages of the weights, but "
            f"{args.model} keeps none (it was trained without ema_decay). "
            "Leave out --ema to evaluate its trained weights."
        )
    data = _evaluation_data(model, model_path, args.data)
    try:
        results = evaluate_model(
            model,
            data,
            num_samples=args.num_samples,
            seed=args.seed,
            ema=args.ema,
        )
    except ValueError as e:
        raise SystemExit(f"Cannot evaluate {args.model}: {e}") from None
    first = next(iter(results.values())).protocol
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
        f"against {first['reference']} ({first['num_reference']} samples), "
        f"{keras.backend.backend()} backend"
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
        "data": data,
        "backend": keras.backend.backend(),
        "generator": first["generator"],
        "seed": first["seed"],
        "num_samples": first["num_generated"],
        "scalars": metric_scalars(results),
        "results": results,
    }
    json_path = args.json or os.path.join(
        os.path.dirname(model_path), "metrics.json"
    )
    write_text_atomic(
        json_path, json.dumps(json_ready(report), indent=2, allow_nan=False)
    )
    print(f"Wrote {json_path}")
    return 0
