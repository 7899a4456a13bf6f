"""Ring and grid: rescores saved models with refined sampling.

    KERAS_BACKEND=jax OMP_NUM_THREADS=1 \\
        python -m benchmarks.quality.rescore_ring_grid \\
        --model runs/quality/models/ring_grid_grid_aegan_jax_s0.keras \\
        --seed 0 --variants ema,ema+drs,raw+drs \\
        --out runs/quality/ring_grid_rescore.jsonl

Loads a model saved by `python -m benchmarks.quality.ring_grid
--save-models DIR` (the data set, ring or grid, is read from the file
name the runner gives it unless `--dataset` says it) and scores
`--samples` generated points per variant with the protocol of the runner
(`keras_aegan.metrics.mode_coverage`: nearest centre, high quality
within 3 sigma, KL of the high-quality samples' mode histogram), with
the latent codes of `--seed`. A variant is a generator name of the
runner:

- `raw` or `ema`: the trained or the moving-average generator on codes
  from `N(0, I)`;
- `+mixK`: codes from a `keras_aegan.LatentMixture` of K components
  fitted to the encoded training points of the seed;
- `+drs`: refined by discriminator rejection sampling
  (`generate(refine="rejection")`), once per percentile of
  `--percentiles` (`refine_percentile`; higher rejects more).

One JSON line per variant (and percentile).
"""

import argparse
import os
import time

from benchmarks.quality import _common
from benchmarks.quality.ring_grid import DATASETS
from benchmarks.quality.ring_grid import NAME


def _parse(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality.rescore_ring_grid",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="A saved .keras model")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--dataset", choices=DATASETS, default=None)
    p.add_argument("--variants", default="ema,ema+drs")
    p.add_argument(
        "--percentiles",
        default="50",
        help="Comma-separated `refine_percentile` values for +drs variants.",
    )
    p.add_argument("--train-samples", type=int, default=20000)
    p.add_argument("--samples", type=int, default=2500)
    p.add_argument("--out", default=None, help="JSON lines file to append")
    args = p.parse_args(argv)
    if args.dataset is None:
        # The runner saves `ring_grid_{dataset}_{model}_{backend}_s{seed}`.
        name = os.path.basename(args.model)
        found = [d for d in DATASETS if name.startswith(f"{NAME}_{d}_")]
        if not found:
            p.error(
                "--dataset is needed: the model's file name does not name "
                f"ring or grid. Received: --model {args.model}"
            )
        args.dataset = found[0]
    for variant in _common.parse_names(args.variants):
        if variant.split("+")[0] not in ("raw", "ema"):
            p.error(
                "each variant starts with raw or ema. Received: "
                f"--variants {args.variants}"
            )
    try:
        args.percentile_list = [
            float(v) for v in _common.parse_names(args.percentiles)
        ]
    except ValueError:
        p.error(
            "--percentiles must be comma-separated numbers. Received: "
            f"--percentiles {args.percentiles}"
        )
    return args


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan import datasets
    from keras_aegan.metrics import mode_coverage
    from keras_aegan.metrics.evaluation_plan import _mixture

    # The centres and spread the runner's `evaluate_model` scores with.
    centers, std = _mixture(args.dataset)
    make = datasets.make_ring if args.dataset == "ring" else datasets.make_grid
    model = keras_aegan.load_model(args.model)
    variants = _common.parse_names(args.variants)
    mixtures, _ = _common.fit_mixtures(
        model, make(args.train_samples, seed=args.seed), variants, args.seed
    )
    for variant in variants:
        drs = variant.endswith("+drs")
        for percentile in args.percentile_list if drs else [None]:
            start = time.perf_counter()
            samples = _common.generate_for(
                model, variant, args.samples, args.seed, mixtures, percentile
            )
            result = mode_coverage(samples, centers, std)
            record = {
                "model": args.model,
                "dataset": args.dataset,
                "seed": args.seed,
                "variant": variant,
                "refine_percentile": percentile,
                "backend": keras.backend.backend(),
                **{key: float(v) for key, v in result.value.items()},
                "seconds": round(time.perf_counter() - start, 1),
            }
            _common.emit_json_line(record, args.out)


if __name__ == "__main__":
    main()
