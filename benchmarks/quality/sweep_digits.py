"""One screening run of an AEGAN setting on the built-in digits.

    KERAS_BACKEND=tensorflow OMP_NUM_THREADS=1 \\
        python -m benchmarks.quality.sweep_digits --latent-dim 4 \\
        --upsampling bilinear --lr 4e-4 2e-4 --epochs 30 --seed 0

Trains `AEGAN(seed=seed, noise="host", ema_decay=0.99, ema_warmup=100)`
with the given setting and prints (and appends to `--out`) one JSON line:
recognisable share (digits CNN probability >= 0.9) of 1,000 samples,
their class shares, digits-FID of 359 samples against the test split,
for the raw and the EMA generator, and the recognisable share of the
1,000 samples (of 3,000) the image discriminator scores highest. The
sweep table in `benchmarks/quality/README.md` was made this way.
"""

import argparse
import json
import time

import numpy as np

from benchmarks.quality import _common


def _parse(argv=None):
    p = argparse.ArgumentParser(prog="benchmarks.quality.sweep_digits")
    p.add_argument("--latent-dim", type=int, default=None)
    p.add_argument(
        "--upsampling",
        choices=("bilinear", "nearest", "transposed"),
        default="bilinear",
    )
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--lr", type=float, nargs=2, default=None)
    p.add_argument("--loss-weights", type=json.loads, default=None)
    p.add_argument("--labels", type=float, nargs=2, default=None)
    p.add_argument("--augment", default=None)
    p.add_argument(
        "--model-kwargs",
        type=json.loads,
        default={},
        help="more AEGAN arguments as JSON, e.g. "
        '\'{"penalty": "r1", "penalty_weight": 0.1}\'',
    )
    p.add_argument("--ema-decay", type=float, default=0.99)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def _class_scores(extractor, images):
    proba = extractor.predict_proba(images)
    shares = np.bincount(proba.argmax(1), minlength=10) / len(proba)
    return {
        "recognisable": float((proba.max(1) >= 0.9).mean()),
        "class_shares": [round(float(s), 4) for s in shares],
    }


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan import networks
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import evaluate_model

    keras.utils.set_random_seed(args.seed)
    (x, _), _ = keras_aegan.datasets.load_digits()
    latent_dim = args.latent_dim or networks.default_latent_dim(x.shape[1:])
    generator = networks.image_generator(
        latent_dim, x.shape[1:], args.width, upsampling=args.upsampling
    )
    kwargs = {}
    if args.labels is not None:
        kwargs = {"real_label": args.labels[0], "fake_label": args.labels[1]}
    kwargs.update(args.model_kwargs)
    model = keras_aegan.AEGAN(
        latent_dim=latent_dim,
        generator=generator,
        width=args.width,
        seed=args.seed,
        noise="host",
        augment=args.augment,
        ema_decay=args.ema_decay,
        ema_warmup=100,
        **kwargs,
    )
    compile_args = {}
    if args.lr is not None:
        compile_args = {
            "generator_optimizer": keras.optimizers.Adam(args.lr[0], 0.5),
            "discriminator_optimizer": keras.optimizers.Adam(args.lr[1], 0.5),
        }
    if args.loss_weights:
        compile_args["loss_weights"] = args.loss_weights
    if compile_args:
        model.compile(**compile_args)
    start = time.time()
    model.fit(x, epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    record = {"args": vars(args), "train_s": round(time.time() - start, 1)}
    extractor = DigitsFeatureExtractor()
    for ema in (False, True):
        key = "ema" if ema else "raw"
        scores = _class_scores(
            extractor, model.generate(1000, seed=123, ema=ema)
        )
        scores["fid"] = float(
            evaluate_model(model, "digits", metrics=["fid"], ema=ema)["fid"]
        )
        record[key] = scores
    z = np.random.default_rng(5).standard_normal((3000, latent_dim))
    candidates = model.decode(z.astype("float32"), ema=True)
    logits = model.image_discriminator.predict(
        model._to_network_units(candidates), verbose=0
    ).reshape(-1)
    best = candidates[np.argsort(-logits)[:1000]]
    record["ema_dx_top_third"] = _class_scores(extractor, best)
    _common.emit_json_line(record, args.out)


if __name__ == "__main__":
    main()
