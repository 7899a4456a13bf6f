"""One-class anomaly detection benchmark: keras_aegan against baselines.

    OMP_NUM_THREADS=1 taskset -c 1 python -m benchmarks.anomaly.run \\
        --protocol breast_cancer --seeds 0,1,2 --backend jax
    OMP_NUM_THREADS=1 taskset -c 1 python -m benchmarks.anomaly.run \\
        --protocol digits_anomalous --digits 0-9 --seeds 0,1,2 \\
        --backend tensorflow

Protocols (`splits.py`): `breast_cancer` (benign normal; 60/20/20 %
of the benign samples for train/validation/test, every malignant one in
the test), `digits_normal` (one digit normal, the other nine the
anomalies) and `digits_anomalous` (nine digits normal, one the anomaly)
on `keras_aegan.datasets.load_digits()` (fixed test split of 359
images; the seed draws 20 % of the normal training images as the
validation split). Detectors see the training and validation splits
only (normal data); the neural ones select their epoch on the
validation reconstruction error; test labels are read once every score
of a split exists. Each (split, seed, detector) gives AUROC, AUPRC and
the TPR at 5 % FPR; the tables give mean +- sd over seeds (for the
digits, of the mean over the digits run). A run with fewer than 3
seeds, or a digits run on fewer than all ten digits, is labelled
screening.

Writes `results/<protocol>[_<tag>].json` (every record, the splits'
sizes, the validation curves) and `.md` (the tables).
"""

import argparse
import json
import os
import sys
import time

MODULE = "benchmarks.anomaly.run"
HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
ALL_DIGITS = tuple(range(10))
#: Detector names of `--detectors`, in table order.
DETECTORS = (
    "knn1",
    "knn5",
    "pca",
    "kde",
    "ocsvm",
    "iforest",
    "ae",
    "ganomaly",
    "aegan",
    "dcgan",
    "alad",
)
DEFAULT_DETECTORS = DETECTORS[:-3]
#: keras_aegan models: class name and the scores reported for each.
MODEL_SCORES = {
    "ganomaly": ("GANomaly", ("latent", "reconstruction")),
    "aegan": (
        "AEGAN",
        (
            "reconstruction",
            "feature",
            "latent",
            "combined",
            "neighbors_k1",
            "neighbors_k5",
        ),
    ),
    # f-AnoGAN: a GAN without an encoder, izi_f encoder trained after it
    # (not for "neighbors": the discriminator's features need none).
    "dcgan": ("DCGAN", ("feature", "reconstruction", "neighbors_k5")),
    # ALAD: feature = reconstruction + kappa * D_xx feature residual.
    "alad": ("ALAD", ("feature", "reconstruction")),
}
#: Per protocol: (epochs, batch size). About 320-400 steps each.
BUDGETS = {
    "breast_cancer": (100, 32),
    "digits_normal": (80, 32),
    "digits_anomalous": (20, 64),
}


def parse_ints(text, name):
    """`"0,1,7"` or `"0-9"` (ranges allowed), repeats dropped."""
    values = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                low, high = part.split("-", 1)
                found = range(int(low), int(high) + 1)
            else:
                found = [int(part)]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be integers or ranges like 0-9. "
                f"Received: {text!r}"
            ) from None
        values.extend(v for v in found if v not in values)
    if not values:
        raise argparse.ArgumentTypeError(f"No {name} in {text!r}")
    return values


def parse_detectors(text):
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    unknown = [n for n in names if n not in DETECTORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"Detectors must be among {list(DETECTORS)}. Received: {text!r}"
        )
    return names


def make_parser():
    from benchmarks.anomaly.splits import PROTOCOLS

    parser = argparse.ArgumentParser(
        prog=f"python -m {MODULE}",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--protocol", required=True, choices=PROTOCOLS)
    parser.add_argument(
        "--digits",
        type=lambda t: parse_ints(t, "digits"),
        default=list(ALL_DIGITS),
        help="digits protocols: the digits to run (default 0-9)",
    )
    parser.add_argument(
        "--seeds",
        type=lambda t: parse_ints(t, "seeds"),
        default=[0, 1, 2],
        help="seeds (default 0,1,2)",
    )
    parser.add_argument(
        "--detectors",
        type=parse_detectors,
        default=list(DEFAULT_DETECTORS),
        help=f"comma-separated, among {', '.join(DETECTORS)} "
        f"(default: all but aegan, dcgan and alad)",
    )
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--eval-every",
        type=int,
        default=None,
        help="epochs between validation checks (default epochs / 10)",
    )
    parser.add_argument(
        "--width",
        type=int,
        default=None,
        help="width of the default networks (default: the package's)",
    )
    parser.add_argument(
        "--backend",
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        choices=("tensorflow", "jax", "torch"),
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--cpu",
        type=int,
        default=-1,
        help="pin this process to one core (default: leave affinity)",
    )
    parser.add_argument(
        "--tag",
        default=None,
        help="suffix of the result files (default: 'screening' for "
        "screening runs, none otherwise)",
    )
    parser.add_argument("--out", default=RESULTS)
    return parser


def is_screening(protocol, seeds, digits):
    """Fewer than 3 seeds, or a digits protocol on fewer than all digits."""
    return len(seeds) < 3 or (
        protocol.startswith("digits") and sorted(digits) != list(ALL_DIGITS)
    )


def finish_args(args):
    epochs, batch_size = BUDGETS[args.protocol]
    args.epochs = epochs if args.epochs is None else args.epochs
    args.batch_size = batch_size if args.batch_size is None else args.batch_size
    if args.eval_every is None:
        args.eval_every = max(1, args.epochs // 10)
    for name in ("epochs", "batch_size", "eval_every"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be positive")
    digits = args.protocol.startswith("digits")
    args.digits = list(args.digits) if digits else [None]
    args.screening = is_screening(args.protocol, args.seeds, args.digits)
    if args.tag is None:
        args.tag = "screening" if args.screening else ""
    return args


# ------------------------------------------------------------- detectors
def build_detectors(args):
    """Fresh detectors for one split: `[(key, detector)]`."""
    from benchmarks.anomaly import detectors as d

    neural = {
        "epochs": args.epochs,
        "eval_every": args.eval_every,
        "batch_size": args.batch_size,
        "width": args.width,
    }
    made = []
    for key in args.detectors:
        if key in ("knn1", "knn5"):
            det = d.KNN(int(key[3:]))
        elif key == "pca":
            det = d.PCAReconstruction()
        elif key == "kde":
            det = d.KDE()
        elif key == "ocsvm":
            det = d.OCSVM()
        elif key == "iforest":
            det = d.IForest()
        elif key == "ae":
            det = d.PlainAutoencoder(**neural)
        else:
            cls, scores = MODEL_SCORES[key]
            det = d.KerasAeganDetector(cls, scores, **neural)
        made.append((key, det))
    return made


def row_name(key, detector, score=None):
    if key in MODEL_SCORES:
        score = score.replace("neighbors_k", "neighbors, k=")
        return f"{MODEL_SCORES[key][0]} ({score})"
    return detector.name


def run_split(split, seed, args, log):
    """Fits every detector on `split`, then scores and evaluates it."""
    from benchmarks.anomaly.metrics import evaluate

    x_train, x_val = split.fit_data()
    scored = []  # (key, row name, scores, info, seconds)
    for key, detector in build_detectors(args):
        start = time.perf_counter()
        info = detector.fit(x_train, x_val, seed)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        scores = detector.score(split.x_test)
        seconds = {
            "fit_seconds": fit_s,
            "score_seconds": time.perf_counter() - start,
        }
        if not isinstance(scores, dict):
            scores = {None: scores}
        # Per-score scoring times where a detector gives several scores.
        own = getattr(detector, "score_seconds", {})
        for score, values in scores.items():
            name = row_name(key, detector, score)
            timing = dict(seconds)
            timing["score_seconds"] = own.get(score, seconds["score_seconds"])
            scored.append((key, name, values, info, timing))
    # Every score of this split exists: only now are the labels read.
    records = []
    for key, name, values, info, seconds in scored:
        metrics = evaluate(split.y_test, values)
        record = {
            "split": split.name,
            "digit": None if "/" not in split.name else int(split.name[-1]),
            "seed": seed,
            "detector": key,
            "row": name,
            **metrics,
            **seconds,
            "test_samples_per_second": len(split.x_test)
            / max(seconds["score_seconds"], 1e-9),
            "info": info,
        }
        records.append(record)
        log(
            f"{split.name} seed {seed} {name}: AUROC {metrics['auroc']:.3f} "
            f"AUPRC {metrics['auprc']:.3f} TPR@5 "
            f"{metrics['tpr_at_5_fpr']:.3f} "
            f"(fit {seconds['fit_seconds']:.1f} s)"
        )
    return records


# --------------------------------------------------------------- tables
def summarise(records, args):
    """Per row: per-seed values (digits: mean over digits), mean +- sd."""
    from benchmarks.anomaly.metrics import mean_sd

    rows = []
    for name in dict.fromkeys(r["row"] for r in records):
        mine = [r for r in records if r["row"] == name]
        entry = {"row": name}
        for metric in ("auroc", "auprc", "tpr_at_5_fpr"):
            per_seed = []
            for seed in args.seeds:
                values = [r[metric] for r in mine if r["seed"] == seed]
                if values:
                    per_seed.append(float(sum(values) / len(values)))
            mean, sd, n = mean_sd(per_seed)
            entry[metric] = {"per_seed": per_seed, "mean": mean, "sd": sd}
        if args.protocol.startswith("digits"):
            entry["auroc_by_digit"] = {
                str(digit): mean_sd(
                    [r["auroc"] for r in mine if r["digit"] == digit]
                )[:2]
                for digit in args.digits
            }
        entry["fit_seconds"] = mean_sd([r["fit_seconds"] for r in mine])[0]
        entry["test_samples_per_second"] = mean_sd(
            [r["test_samples_per_second"] for r in mine]
        )[0]
        epochs = [r["info"].get("selected_epoch") for r in mine]
        entry["selected_epochs"] = [e for e in epochs if e is not None]
        rows.append(entry)
    return rows


def _cell(stat, digits=3):
    mean, sd = stat["mean"], stat["sd"]
    if mean is None:
        return "–"
    if sd is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def markdown(summary, args, splits, wall, commands=None):
    """The Markdown report of one run.

    Args:
        summary: Rows from `summarise`.
        args: The run's settings (`protocol`, `seeds`, `digits`, budgets).
        splits: `Split.describe()` dicts; the first one's sizes are shown.
        wall: Wall time in seconds.
        commands: The command lines to show (default: this process's).

    Returns:
        The report as one string.
    """
    label = "screening" if args.screening else "full protocol"
    if commands is None:
        commands = [f"python -m {MODULE} {' '.join(sys.argv[1:])}"]
    lines = [f"# {args.protocol} ({label})", ""]
    lines += [f"`{command}`" for command in commands]
    lines += [
        "",
        f"Backend {args.backend}, {args.threads} thread(s); seeds "
        f"{', '.join(map(str, args.seeds))}; neural detectors: "
        f"{args.epochs} epochs of batch {args.batch_size}, validation "
        f"every {args.eval_every} epochs (epoch kept: lowest validation "
        f"reconstruction error), width "
        f"{args.width if args.width else 'default'}. Wall time "
        f"{wall / 60:.1f} min.",
        "",
    ]
    first = splits[0]
    lines.append(
        f"Split sizes (first split, {first['name']}): train "
        f"{first['train']}, validation {first['validation']} (normal "
        f"only), test {first['test']} of which {first['test_anomalies']} "
        "anomalies."
    )
    lines.append("")
    digits = args.protocol.startswith("digits")
    spread = "over seeds of the mean over digits" if digits else "over seeds"
    lines.append(f"Mean ± sd {spread}; fit s = mean fit time per split.")
    lines.append("")
    head = ["detector", "AUROC", "AUPRC", "TPR@5%FPR", "fit s", "test/s"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for row in summary:
        lines.append(
            "| "
            + " | ".join(
                [
                    row["row"],
                    _cell(row["auroc"]),
                    _cell(row["auprc"]),
                    _cell(row["tpr_at_5_fpr"]),
                    f"{row['fit_seconds']:.1f}",
                    f"{row['test_samples_per_second']:,.0f}",
                ]
            )
            + " |"
        )
    if digits:
        lines += ["", "AUROC per digit (mean ± sd over seeds):", ""]
        head = ["detector"] + [str(d) for d in args.digits]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for row in summary:
            cells = [row["row"]]
            for digit in args.digits:
                mean, sd = row["auroc_by_digit"][str(digit)]
                cells.append(_cell({"mean": mean, "sd": sd}))
            lines.append("| " + " | ".join(cells) + " |")
    epochs = [
        f"{row['row']}: {row['selected_epochs']}"
        for row in summary
        if row["selected_epochs"]
    ]
    if epochs:
        lines += ["", "Selected epochs: " + "; ".join(epochs) + "."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- main
def main(argv=None):
    args = finish_args(make_parser().parse_args(argv))
    from benchmarks import _process

    _process.configure_environment(args.backend, threads=args.threads)
    _process.pin_to_cpu(None if args.cpu < 0 else args.cpu, MODULE)
    _process.import_framework(args.backend, threads=args.threads)
    import keras

    from benchmarks.anomaly import splits as splits_module

    start = time.perf_counter()
    records, described = [], []
    data = None
    if args.protocol.startswith("digits"):
        from keras_aegan.datasets import load_digits

        data = load_digits()
    suffix = f"_{args.tag}" if args.tag else ""
    prefix = os.path.join(args.out, f"{args.protocol}{suffix}")
    os.makedirs(args.out, exist_ok=True)

    def log(text):
        print(text, flush=True)

    for seed in args.seeds:
        for digit in args.digits:
            if digit is None:
                split = splits_module.breast_cancer_split(seed)
            else:
                split = splits_module.digits_split(
                    args.protocol, digit, seed, data
                )
            described.append(split.describe())
            records.extend(run_split(split, seed, args, log))
            wall = time.perf_counter() - start
            summary = summarise(records, args)
            report = {
                "protocol": args.protocol,
                "screening": args.screening,
                "command": f"python -m {MODULE} {' '.join(sys.argv[1:])}",
                "backend": args.backend,
                "keras": keras.__version__,
                "threads": args.threads,
                "seeds": args.seeds,
                "digits": args.digits,
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "eval_every": args.eval_every,
                "width": args.width,
                "wall_seconds": wall,
                "splits": described,
                "summary": summary,
                "records": records,
            }
            with open(prefix + ".json", "w") as f:
                json.dump(report, f, indent=1)
            with open(prefix + ".md", "w") as f:
                f.write(markdown(summary, args, described, wall))
    print(open(prefix + ".md").read())


if __name__ == "__main__":
    main()
