"""Digits: rescores a saved model with other latent mixtures.

    KERAS_BACKEND=tensorflow OMP_NUM_THREADS=1 \\
        python -m benchmarks.quality.rescore_digits \\
        --model runs/quality/models/digits_aegan_tensorflow_s0.keras \\
        --seed 0 --variants prior,mix40,mix40@1.3,mix20@1.3 \\
        --out runs/quality/digits_rescore.jsonl

Loads a model saved by `python -m benchmarks.quality.digits
--save-models DIR` and scores, for each variant, the runner's numbers:
digits-FID and precision/recall of 359 samples against the 359 test
images (`evaluate_model(..., latent=...)`) and the recognisable share
of 1,000 samples, with the latent codes of `--seed`. Variants:
`prior`, or `mixK` / `mixK@T`: a `keras_aegan.LatentMixture` of K
components fitted to the encoded training split, sampled at
temperature T (default 1). With the same seed, `mixK` reproduces the
runner's `ema+mixK` row. A `+drsP` suffix (`prior+drs50`,
`mix40+drs95`) refines the samples by discriminator rejection sampling
with `refine_percentile=P`; its digits-FID compares as many refined
samples against the test images (no precision/recall, as in the
runner's `+drs` rows). One JSON line per variant.

`--fid-samples N` scores N generated samples instead of 359 (digits-FID
and precision/recall; the class scores stay at 1,000). FID is biased
upward by small sample sets: the runner's 359 training images score
about 0.25 against the test split, all 1,438 score 0.123 (the
train/test floor the issue quotes). `--fid-samples 1438` puts a
generator on that floor's scale.
"""

import argparse

from benchmarks.quality import _common


def _parse(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality.rescore_digits",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="A saved .keras model")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--variants", default="prior,mix40")
    p.add_argument(
        "--fid-samples",
        type=int,
        default=None,
        help="Generated samples for digits-FID and precision/recall "
        "(default: evaluate_model's 359).",
    )
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def parse_variant(text):
    """`"prior"` -> (None, None); `"mix40@1.3"` -> ((40, 1.3), None);
    `"mix40+drs95"` -> ((40, 1.0), 95.0): the mixture (components,
    temperature) and the rejection sampling percentile."""
    base, _, drs = text.partition("+")
    percentile = None
    if drs:
        if not drs.startswith("drs"):
            raise ValueError(f"A variant's suffix is +drsP. Received: {text!r}")
        percentile = float(drs[3:])
    if base == "prior":
        return None, percentile
    if not base.startswith("mix"):
        raise ValueError(
            "Variants are prior, mixK or mixK@T, optionally with +drsP. "
            f"Received: {text!r}"
        )
    k, _, t = base[3:].partition("@")
    return (int(k), float(t) if t else 1.0), percentile


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import digit_class_scores
    from keras_aegan.metrics import evaluate_model
    from keras_aegan.metrics import frechet_distance

    model = keras_aegan.load_model(args.model)
    (x, _), (x_test, _) = keras_aegan.datasets.load_digits()
    extractor = DigitsFeatureExtractor()
    for variant in _common.parse_names(args.variants):
        spec, percentile = parse_variant(variant)
        latent = None
        if spec is not None:
            latent = keras_aegan.LatentMixture(
                spec[0], seed=args.seed, temperature=spec[1]
            ).fit(model, x)
        refine = None if percentile is None else "rejection"
        record = {
            "model": args.model,
            "seed": args.seed,
            "variant": variant,
            "backend": keras.backend.backend(),
        }
        if refine is None:
            results = evaluate_model(
                model,
                "digits",
                metrics=["fid", "precision_recall"],
                seed=args.seed,
                latent=latent,
                extractor=extractor,
                num_samples=args.fid_samples,
            )
            pr = results["precision_recall"]
            record.update(
                fid_samples=results["fid"].protocol["num_generated"],
                fid=float(results["fid"]),
                precision=float(pr["precision"]),
                recall=float(pr["recall"]),
            )
        else:
            n = args.fid_samples or len(x_test)
            refined = model.generate(
                n,
                seed=args.seed,
                latent=latent,
                refine=refine,
                refine_percentile=percentile,
            )
            fid = frechet_distance(extractor(x_test), extractor(refined))
            record.update(fid_samples=n, fid=float(fid))
        samples = model.generate(
            1000,
            seed=args.seed,
            latent=latent,
            refine=refine,
            refine_percentile=percentile,
        )
        classes = digit_class_scores(samples, extractor)
        record["recognisable"] = float(classes["recognisable"])
        record["smallest_class"] = min(
            float(classes[f"class_{k}"]) for k in range(10)
        )
        _common.emit_json_line(record, args.out)


if __name__ == "__main__":
    main()
