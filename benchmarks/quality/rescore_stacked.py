"""Stacked digits: rescores saved models with other latent sources.

    KERAS_BACKEND=tensorflow OMP_NUM_THREADS=1 \\
        python -m benchmarks.quality.rescore_stacked \\
        --model runs/quality/models/stacked_aegan_tensorflow_s1.keras \\
        --seed 1 --variants rec,mix500,mix1000,mix200+drs \\
        --out runs/quality/stacked_rescore.jsonl

Loads a model saved by `python -m benchmarks.quality.stacked
--save-models DIR` and scores 26,000 samples per variant with the
stacked protocol (`keras_aegan.metrics.stacked_mode_coverage`), with
the latent codes of `--seed`:

- `prior`: the default generator on codes from `N(0, I)`;
- `mixK`: codes from a `keras_aegan.LatentMixture` of K components
  fitted to the encoded training images of the seed (as the runner's
  `ema+mixK` rows);
- `+drs` appended: refined by discriminator rejection sampling at
  `--percentile` (`generate(refine_percentile=...)`, default 50);
- `rec`: reconstructions of 26,000 stacked test digits, the decoder's
  best case (the encoder's codes of real data).

One JSON line per variant.
"""

import argparse
import time

from benchmarks.quality import _common


def _parse(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality.rescore_stacked",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="A saved .keras model")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--variants", default="rec,prior,mix40")
    p.add_argument("--train-samples", type=int, default=20000)
    p.add_argument("--samples", type=int, default=26000)
    p.add_argument(
        "--percentile",
        type=float,
        default=50.0,
        help="refine_percentile of the +drs variants",
    )
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan.datasets import make_stacked_digits
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import stacked_mode_coverage

    model = keras_aegan.load_model(args.model)
    x, _ = make_stacked_digits(args.train_samples, args.seed, "train")
    extractor = DigitsFeatureExtractor()
    mixtures = {}
    for variant in _common.parse_names(args.variants):
        start = time.perf_counter()
        k = _common.mixture_components(variant)
        if k is not None and k not in mixtures:
            mixtures[k] = keras_aegan.LatentMixture(k, seed=args.seed).fit(
                model, x
            )
        drs = variant.endswith("+drs")
        if variant == "rec":
            test, _ = make_stacked_digits(args.samples, args.seed, "test")
            samples = model.reconstruct(test)
        else:
            samples = model.generate(
                args.samples,
                seed=args.seed,
                latent=mixtures.get(k),
                refine="rejection" if drs else None,
                refine_percentile=args.percentile if drs else None,
            )
        result = stacked_mode_coverage(samples, extractor)
        record = {
            "model": args.model,
            "seed": args.seed,
            "variant": variant,
            "refine_percentile": args.percentile if drs else None,
            "backend": keras.backend.backend(),
            **{key: float(v) for key, v in result.value.items()},
            "seconds": round(time.perf_counter() - start, 1),
        }
        _common.emit_json_line(record, args.out)


if __name__ == "__main__":
    main()
