"""Digits: why BEGAN collapses, from its equilibrium variable `k_t`.

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 \
        python -m benchmarks.quality.probe_began --gamma 0.5 \
        --lambda-k 0.001 --epochs 60 --out runs/quality/began.jsonl

Trains `keras_aegan.BEGAN(seed, gamma, lambda_k, k_0=--k0)` on the
digits training
split (batch 64, `keras.utils.set_random_seed(seed)`) and records, at
epochs 1, 6, 11, ... and at the end, `k_t` and the epoch means of the
real energy `L(x)` (`d_real`) and the generated energy `L(G(z))`
(`g_generated`). Then it labels 1,000 samples of the raw and the EMA
generator with the shipped digits CNN (`digit_class_scores`:
recognisable share, classes, class shares). One JSON line per run.
"""

import argparse
import time

from benchmarks.quality import _common


def _parse(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality.probe_began",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gamma", type=float, default=0.5)
    p.add_argument("--lambda-k", type=float, default=0.001)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument(
        "--k0",
        type=float,
        default=0.0,
        help="BEGAN's k_0: k_t at the start of training (paper: 0).",
    )
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan.datasets import load_digits
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import digit_class_scores

    keras.utils.set_random_seed(args.seed)
    (x, _), _ = load_digits()
    model = keras_aegan.BEGAN(
        seed=args.seed, gamma=args.gamma, lambda_k=args.lambda_k, k_0=args.k0
    )
    trace = []

    def record(epoch, logs):
        trace.append(
            {
                "epoch": epoch + 1,
                "k": float(model.k),
                "d_real": float(logs["d_real"]),
                "g_generated": float(logs["g_generated"]),
            }
        )

    start = time.perf_counter()
    model.fit(
        x,
        epochs=args.epochs,
        batch_size=64,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)],
    )
    train_s = time.perf_counter() - start
    extractor = DigitsFeatureExtractor()
    classes = {}
    for name, ema in (("raw", False), ("ema", True)):
        samples = model.generate(1000, seed=args.seed, ema=ema)
        classes[name] = {
            k: float(v)
            for k, v in digit_class_scores(samples, extractor).value.items()
        }
    line = {
        "seed": args.seed,
        "gamma": args.gamma,
        "lambda_k": args.lambda_k,
        "k0": args.k0,
        "epochs": args.epochs,
        "backend": keras.backend.backend(),
        "train_s": round(train_s, 1),
        "trace": trace[::5] + trace[-1:],
        "classes": classes,
        "versions": _common.versions(),
    }
    _common.emit_json_line(line, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
