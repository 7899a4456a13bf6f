"""Digits: codes from the prior against codes from a latent mixture.

    KERAS_BACKEND=tensorflow OMP_NUM_THREADS=1 \
        python -m benchmarks.quality.sweep_latent_mixture --seed 0 \
        --epochs 60 --model-path runs/quality/digits60_s0.keras \
        --out runs/quality/latent_mixture.jsonl

Trains the default `keras_aegan.AEGAN(seed, noise="host")` on the
digits training split (batch 64; or loads `--model-path` when it
exists, else saves the trained model there), then decodes 1,000 codes
from each source with the EMA generator and scores them: the prior
`N(0, I)`; `keras_aegan.LatentMixture` with 10, 20 and 40 components
fitted to the encoded training split; one Gaussian fitted to the codes;
and, as a reference, reconstructions of test digits. Scores: the share
the digits CNN labels with probability >= 0.9 ("recognisable"), the
smallest and largest class shares, and digits-FID (the mean over two
disjoint sets of 359 samples against the 359 test images). One JSON
line per run.
"""

import argparse
import os
import time

import numpy as np

from benchmarks.quality import _common


def _parse(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality.sweep_latent_mixture",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--model-path", default=None)
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import frechet_distance

    keras.utils.set_random_seed(args.seed)
    (x, _), (x_test, _) = keras_aegan.datasets.load_digits()
    train_s = None
    if args.model_path and os.path.exists(args.model_path):
        model = keras_aegan.load_model(args.model_path)
    else:
        model = keras_aegan.AEGAN(seed=args.seed, noise="host")
        start = time.time()
        model.fit(x, epochs=args.epochs, batch_size=64, verbose=0)
        train_s = round(time.time() - start, 1)
        if args.model_path:
            model.save(args.model_path)
    extractor = DigitsFeatureExtractor()
    real = extractor(x_test)
    n = len(x_test)

    def score(images, name):
        proba = extractor.predict_proba(images)
        shares = np.bincount(proba.argmax(1), minlength=10) / len(proba)
        fids = [
            float(
                frechet_distance(real, extractor(images[i * n : (i + 1) * n]))
            )
            for i in range(2)
        ]
        return {
            "source": name,
            "recognisable": float((proba.max(1) >= 0.9).mean()),
            "min_share": float(shares.min()),
            "max_share": float(shares.max()),
            "fid": float(np.mean(fids)),
        }

    count = 1000
    rows = [score(model.generate(count, seed=123), "prior")]
    for k in (10, 20, 40):
        mixture = keras_aegan.LatentMixture(k, seed=args.seed).fit(model, x)
        rows.append(
            score(model.generate(count, seed=123, latent=mixture), f"mix{k}")
        )
    single = keras_aegan.LatentMixture(1, seed=args.seed).fit(model, x)
    rows.append(score(model.generate(count, seed=123, latent=single), "mix1"))
    test = np.concatenate([x_test] * 3)[:count]
    rows.append(score(np.asarray(model.reconstruct(test)), "reconstructions"))
    record = {
        "seed": args.seed,
        "epochs": args.epochs,
        "backend": keras.backend.backend(),
        "train_s": train_s,
        "rows": rows,
    }
    _common.emit_json_line(record, args.out)


if __name__ == "__main__":
    main()
