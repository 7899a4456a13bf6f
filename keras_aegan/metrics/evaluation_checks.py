"""What `evaluate_model` accepts: metric names and the model (private)."""

#: Built-in data sets with a reference set and an evaluation protocol.
BUILTIN_DATASETS = ("digits", "ring", "grid")
#: What `evaluate_model` takes: a built-in data set or `"custom"`.
DATASETS = BUILTIN_DATASETS + ("custom",)
METRICS = (
    "fid",
    "kid",
    "precision_recall",
    "density_coverage",
    "mode_coverage",
    "reconstruction_error",
    "latent_cycle_error",
)
FEATURE_METRICS = ("fid", "kid", "precision_recall", "density_coverage")
ENCODER_METRICS = ("reconstruction_error", "latent_cycle_error")
DEFAULT_METRICS = {
    "digits": FEATURE_METRICS + ENCODER_METRICS,
    "ring": ("mode_coverage", "precision_recall") + ENCODER_METRICS,
    "grid": ("mode_coverage", "precision_recall") + ENCODER_METRICS,
    "custom": FEATURE_METRICS + ENCODER_METRICS,
}


def check_metric_names(metrics, data):
    if isinstance(metrics, str):
        metrics = [metrics]
    try:
        metrics = list(metrics)
    except TypeError:
        raise ValueError(
            "`metrics` must be a list of metric names or None. "
            f"Received: metrics={metrics!r}"
        ) from None
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"`metrics` must be a non-empty list of names from {METRICS}. "
            f"Received: metrics={metrics!r}"
        )
    if "mode_coverage" in metrics and data not in ("ring", "grid"):
        raise ValueError(
            "`mode_coverage` needs the centres of a known mixture: use it "
            f"with data='ring' or data='grid'. Received: data={data!r}"
        )
    return list(dict.fromkeys(metrics))


def has_encoder(model):
    return callable(getattr(model, "encode", None)) and (
        getattr(model, "encoder", True) is not None
    )


def check_model(model, names, ema):
    """Checks what `names` need of `model`; returns its data shape."""
    data_shape = getattr(model, "data_shape", None)
    if not callable(getattr(model, "decode", None)) or not getattr(
        model, "latent_dim", None
    ):
        raise ValueError(
            "`model` must be a keras_aegan model with `decode` and "
            f"`latent_dim`. Received: model of type {type(model).__name__}"
        )
    if data_shape is None:
        raise ValueError(
            f"The {type(model).__name__} is not built yet: train it with "
            "fit() (or load a trained one) before evaluating it. "
            "Received: data_shape=None"
        )
    needs_encoder = [n for n in names if n in ENCODER_METRICS]
    if needs_encoder and not has_encoder(model):
        raise ValueError(
            f"{', '.join(needs_encoder)} need(s) a model with an encoder "
            "(`encode` and `reconstruct`). Leave them out of `metrics`. "
            f"Received: model of type {type(model).__name__} without one"
        )
    if ema and getattr(model, "ema_decay", None) is None:
        raise ValueError(
            "ema=True evaluates the moving averages of the model's "
            "weights, but this model keeps none: build it with "
            "`ema_decay` (for example AEGAN(ema_decay=0.999)) and train it "
            "again, or evaluate with ema=False. Received: ema_decay=None"
        )
    return tuple(data_shape)
