"""Time to quality: digits-FID against training wall time, per backend.

    python -m benchmarks.time_to_quality                  # all backends
    python -m benchmarks.time_to_quality --seconds 180 --epochs 200
    python -m benchmarks.time_to_quality --backend jax --epochs 4 --every 2

Each backend trains in its own process (Keras reads `KERAS_BACKEND` at
import), pinned to one core with every thread pool at one thread, set
up as in `benchmarks.run` (`benchmarks/_process.py`). Every process
trains the same model the way `keras-aegan train` does by default: the
default `keras_aegan.AEGAN(seed=SEED, noise="host")` (host noise: the
data order and the noise come from a seeded NumPy generator, identical
on every backend; the initial weights come from each backend's own
seeded generator) on the training split of
`keras_aegan.datasets.load_digits()` (1,438 images, 16x16x1), batch 64,
with the model's default callbacks; no EMA.

Training stops after `--epochs` epochs or, with `--seconds`, after the
epoch in which the training clock passes that budget (the same time
for every backend). After every `--every` epochs, and after the last, a
callback measures digits-FID with the
clock stopped: `EvaluationPlan("digits", metrics=["fid"])`, the metric
`keras-aegan evaluate` and the `SampleMetrics` callback report (359
samples from fixed latent codes against the 359 test images, features
of the shipped `DigitsFeatureExtractor`). Training time runs from just
before `fit()` (so the first point includes tracing and compilation,
which a user waits for too) and excludes every evaluation.

Writes the results as JSON and a PNG plot (FID on a log axis against
training seconds, one line per backend, the train-versus-test FID floor
of `digits_reference_floor()` dashed).
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time

from benchmarks import _process

MODULE = "benchmarks.time_to_quality"
HERE = os.path.dirname(os.path.abspath(__file__))
COLORS = {
    "tensorflow": (230, 120, 20),
    "jax": (40, 110, 200),
    "torch": (200, 40, 60),
}


def _parse(argv):
    parser = _process.make_parser(MODULE, __doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--every", type=int, default=2, help="Epochs between evaluations."
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="Stop after the epoch in which training time passes this.",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        help="Core to pin each process to; -1 leaves affinity alone.",
    )
    parser.add_argument(
        "--json", default=os.path.join(HERE, "time_to_quality.json")
    )
    parser.add_argument(
        "--plot", default=os.path.join(HERE, "time_to_quality.png")
    )
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.every < 1:
        parser.error("--epochs and --every must be at least 1")
    return args


# ------------------------------------------------------------ pure helpers
def fid_at(points, seconds):
    """The latest FID measured at or before `seconds` of training.

    Args:
        points: List of dicts with `train_s` and `fid`, in training order.
        seconds: Training time.

    Returns:
        The FID, or None when nothing was measured by then.
    """
    reached = [p["fid"] for p in points if p["train_s"] <= seconds]
    return reached[-1] if reached else None


def time_to_reach(points, target):
    """Training seconds of the first measurement with FID <= `target`.

    Returns:
        The seconds, or None when no measurement got there.
    """
    for p in points:
        if p["fid"] <= target:
            return p["train_s"]
    return None


def summarise(results):
    """FID per backend at equal training time, and time to a common FID.

    The equal time is the shortest run's total training time (every
    backend trained at least that long); the common target is the worst
    of the backends' best FIDs (every backend got there).

    Args:
        results: List of per-backend dicts with `backend` and `points`.

    Returns:
        A dict with `equal_time_s`, `fid_at_equal_time`, `target_fid`,
        `seconds_to_target` (the last two keyed by backend too).
    """
    runs = [r for r in results if r["points"]]
    if not runs:
        return {}
    equal = min(r["points"][-1]["train_s"] for r in runs)
    target = max(min(p["fid"] for p in r["points"]) for r in runs)
    return {
        "equal_time_s": equal,
        "fid_at_equal_time": {
            r["backend"]: fid_at(r["points"], equal) for r in runs
        },
        "target_fid": target,
        "seconds_to_target": {
            r["backend"]: time_to_reach(r["points"], target) for r in runs
        },
    }


def nice_ticks(lo, hi, count=6):
    """About `count` round tick values (1, 2 or 5 times 10^k apart)."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def log_ticks(lo, hi):
    """Ticks 1, 2, 5 times powers of ten within `[lo, hi]` (lo > 0)."""
    ticks = []
    for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            value = m * 10.0**k
            if lo <= value <= hi:
                ticks.append(value)
    return ticks


# ------------------------------------------------------------------ plot
def _text(draw, xy, text, font, align="left", fill="black"):
    """Text whose left edge, centre or right edge is at x, centred on y
    (no `anchor=`: bitmap fonts of older Pillow lack it)."""
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    x, y = xy
    if align == "center":
        x -= (x1 - x0) / 2
    elif align == "right":
        x -= x1 - x0
    draw.text((x - x0, y - (y0 + y1) / 2), text, fill=fill, font=font)


def plot(results, floor, path, size=(820, 500)):
    """Draws FID (log axis) against training seconds to a PNG."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    try:
        font = ImageFont.load_default(size=14)
    except TypeError:  # Pillow < 10.1: fixed bitmap font
        font = ImageFont.load_default()
    width, height = size
    left, right, top, bottom = 70, width - 150, 40, height - 55
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    points = [p for r in results for p in r["points"]]
    fids = [p["fid"] for p in points] + ([floor] if floor else [])
    x_max = max([p["train_s"] for p in points] + [1.0]) * 1.02
    y_lo = 10 ** math.floor(math.log10(min(fids)))
    y_hi = 10 ** math.ceil(math.log10(max(fids)))

    def to_px(seconds, fid):
        x = left + (right - left) * seconds / x_max
        frac = math.log(fid / y_lo) / math.log(y_hi / y_lo)
        return x, bottom - (bottom - top) * frac

    grey = (200, 200, 200)
    for tick in nice_ticks(0.0, x_max):
        x, _ = to_px(tick, y_lo)
        draw.line([(x, top), (x, bottom)], fill=grey)
        _text(draw, (x, bottom + 12), f"{tick:g}", font, "center")
    for tick in log_ticks(y_lo, y_hi):
        _, y = to_px(0.0, tick)
        draw.line([(left, y), (right, y)], fill=grey)
        _text(draw, (left - 8, y), f"{tick:g}", font, "right")
    draw.rectangle([left, top, right, bottom], outline="black")
    _text(
        draw,
        ((left + right) / 2, height - 18),
        "training wall time (s), evaluation excluded",
        font,
        "center",
    )
    draw.text((10, 12), "digits-FID (log)", fill="black", font=font)
    if floor:
        _, y = to_px(0.0, floor)
        for x in range(left, right, 12):
            draw.line([(x, y), (min(x + 6, right), y)], fill=(90, 90, 90))
    legend_y = top
    for r in results:
        color = COLORS.get(r["backend"], (0, 0, 0))
        xy = [to_px(p["train_s"], p["fid"]) for p in r["points"]]
        if len(xy) > 1:
            draw.line(xy, fill=color, width=2)
        for x, y in xy:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=color)
        draw.line(
            [(right + 12, legend_y + 8), (right + 36, legend_y + 8)],
            fill=color,
            width=3,
        )
        draw.text((right + 42, legend_y), r["backend"], fill="black", font=font)
        legend_y += 22
    if floor:
        draw.text(
            (right + 12, legend_y),
            "- - train/test\n    floor",
            fill=(90, 90, 90),
            font=font,
        )
    image.save(path)
    return path


# ------------------------------------------------------------ one process
def train_one(args):
    """Trains on one backend in this process; returns its result dict."""
    import keras

    import keras_aegan
    from keras_aegan.metrics.digits_features import digits_reference_floor
    from keras_aegan.metrics.evaluation_plan import EvaluationPlan

    keras.utils.set_random_seed(args.seed)
    (x, _), _ = keras_aegan.datasets.load_digits()
    plan = EvaluationPlan("digits", metrics=["fid"])
    # No EMA: the rows before the EMA default measured the raw
    # generator, and its FID is what the curves compare.
    model = keras_aegan.AEGAN(seed=args.seed, noise="host", ema_decay=None)
    clock = {"start": None, "paused": 0.0}
    points, epoch_ends = [], []

    class Evaluate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            train_s = now - clock["start"] - clock["paused"]
            epoch_ends.append(train_s)
            last = epoch + 1 == args.epochs
            if args.seconds is not None and train_s >= args.seconds:
                self.model.stop_training = last = True
            if (epoch + 1) % args.every and not last:
                return
            fid = float(plan.run(model)["fid"])
            point = {"epoch": epoch + 1, "train_s": train_s, "fid": fid}
            for key in ("generator_loss", "discriminator_loss"):
                point[key] = float((logs or {}).get(key, math.nan))
            point["eval_s"] = time.perf_counter() - now
            clock["paused"] += point["eval_s"]
            points.append(point)
            print(
                f"{keras.backend.backend()} epoch {epoch + 1}: "
                f"{train_s:.1f} s, FID {fid:.2f}",
                flush=True,
            )

    clock["start"] = time.perf_counter()
    model.fit(
        x,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
        callbacks=[Evaluate()],
    )
    return {
        "backend": keras.backend.backend(),
        "epochs": len(epoch_ends),
        "max_epochs": args.epochs,
        "seconds_budget": args.seconds,
        "every": args.every,
        "batch_size": args.batch_size,
        "steps_per_epoch": math.ceil(len(x) / args.batch_size),
        "seed": args.seed,
        "threads": 1,
        "cpu_affinity": sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "points": points,
        "epoch_end_train_s": epoch_ends,
        "eval_s_total": clock["paused"],
        "peak_rss_mib": _process.peak_rss_mib(),
        "fid_floor_train_vs_test": float(digits_reference_floor()["fid"]),
        "versions": {
            "keras": keras.__version__,
            "keras_aegan": keras_aegan.__version__,
        },
    }


# -------------------------------------------------------------- dispatch
def main(argv=None):
    args = _parse(argv)
    if args.child_json:
        _process.configure_environment(args.backend, threads=1)
        _process.pin_to_cpu(None if args.cpu < 0 else args.cpu, MODULE)
        _process.import_framework(args.backend, threads=1)
        with open(args.child_json, "w") as f:
            json.dump(train_one(args), f, indent=1)
        return 0

    backends = _process.BACKENDS if args.backend == "all" else (args.backend,)
    results, failed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            out = os.path.join(tmp, f"{backend}.json")
            proc = _process.run_per_backend(
                MODULE, [backend], _child_argv(args, out)
            )
            if proc[backend].returncode != 0:
                failed.append(backend)
                continue
            with open(out) as f:
                results.append(json.load(f))
    floor = results[0]["fid_floor_train_vs_test"] if results else None
    summary = summarise(results)
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "fid_floor_train_vs_test": floor,
        "summary": summary,
        "results": results,
    }
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    if results:
        plot(results, floor, args.plot)
    for r in results:
        last = r["points"][-1]
        print(
            f"{r['backend']}: {last['train_s']:.0f} s training, "
            f"FID {last['fid']:.2f} after {last['epoch']} epochs"
        )
    print(json.dumps(summary, indent=1))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def _child_argv(args, json_path):
    return [
        "--epochs",
        str(args.epochs),
        "--every",
        str(args.every),
        *(["--seconds", str(args.seconds)] if args.seconds else []),
        "--batch-size",
        str(args.batch_size),
        "--seed",
        str(args.seed),
        "--cpu",
        str(args.cpu),
        "--child-json",
        json_path,
    ]


if __name__ == "__main__":
    sys.exit(main())
