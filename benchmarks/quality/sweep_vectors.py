"""One screening run of a model setting on the 2-D ring or grid.

    KERAS_BACKEND=jax OMP_NUM_THREADS=1 \\
        python -m benchmarks.quality.sweep_vectors --dataset grid \\
        --loss-weights '{"reconstruction_x": 0.1, "reconstruction_z": 0.1}' \\
        --steps 10000 --seed 0 --out runs/sweep_vectors.jsonl

Trains `cls(seed=seed, ema_decay=0.999, ema_warmup=100, **model_kwargs)`
on 20,000 points of `keras_aegan.datasets.make_ring` or `make_grid`
(drawn with the seed) for about `--steps` steps (whole epochs) and
prints (and appends to `--out`) one JSON line with the mode coverage of
2,500 samples of the raw and the EMA generator (modes, high-quality
share, KL; DESIGN.md section 5). The vector sweep in
`benchmarks/quality/README.md` was made this way.
"""

import argparse
import json
import time

from benchmarks.quality import _common

TRAIN_SAMPLES = 20000
STD = {"ring": 0.01, "grid": 0.05}


def _parse(argv=None):
    p = argparse.ArgumentParser(prog="benchmarks.quality.sweep_vectors")
    p.add_argument("--dataset", choices=tuple(STD), default="ring")
    p.add_argument("--model", default="AEGAN", help="keras_aegan class")
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument(
        "--lr",
        type=float,
        nargs=2,
        default=None,
        help="Adam rates of the generator and discriminator phases "
        "(beta_1 0.5); default: the model's optimizers.",
    )
    p.add_argument("--loss-weights", type=json.loads, default=None)
    p.add_argument("--labels", type=float, nargs=2, default=None)
    p.add_argument("--model-kwargs", type=json.loads, default={})
    p.add_argument(
        "--widths",
        type=json.loads,
        default={},
        help="Per-network widths, e.g. '{\"generator\": 256}': each named "
        "network (an AEGAN attribute: generator, encoder, "
        "image_discriminator, latent_discriminator) is the default network "
        "of its role at that width; the others keep the model's width.",
    )
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tag", default="")
    p.add_argument("--out", default=None, help="JSON lines file to append")
    return p.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    import keras

    import keras_aegan
    from keras_aegan.metrics import mode_coverage

    keras.utils.set_random_seed(args.seed)
    make = getattr(keras_aegan.datasets, f"make_{args.dataset}")
    x = make(TRAIN_SAMPLES, seed=args.seed)
    centres = getattr(keras_aegan.datasets, f"{args.dataset}_centers")()
    kwargs = dict(args.model_kwargs)
    if args.labels is not None:
        kwargs.update(real_label=args.labels[0], fake_label=args.labels[1])
    kwargs.update(_networks_at_widths(args.widths, x.shape[1:]))
    model = getattr(keras_aegan, args.model)(
        seed=args.seed, ema_decay=args.ema_decay, ema_warmup=100, **kwargs
    )
    compile_kwargs = {}
    if args.lr is not None:
        compile_kwargs = {
            name: keras.optimizers.Adam(
                args.lr[0] if "generator" in name else args.lr[1],
                beta_1=0.5,
            )
            for name in model.default_optimizers()
        }
    if args.loss_weights:
        compile_kwargs["loss_weights"] = args.loss_weights
    model.compile(**compile_kwargs)
    batches = -(-TRAIN_SAMPLES // args.batch_size)
    epochs = max(1, round(args.steps / batches))
    start = time.time()
    model.fit(x, epochs=epochs, batch_size=args.batch_size, verbose=0)
    row = {k: v for k, v in vars(args).items() if k != "out"}
    row.update(
        backend=keras.backend.backend(),
        steps_run=epochs * batches,
        seconds=round(time.time() - start, 1),
    )
    for ema in (False, True):
        samples = model.generate(2500, seed=args.seed + 1000, ema=ema)
        result = mode_coverage(samples, centres, STD[args.dataset])
        row["ema" if ema else "raw"] = {
            k: round(float(v), 4) for k, v in result.to_dict()["value"].items()
        }
    _common.emit_json_line(row, args.out)


ROLES = {
    "generator": "generator",
    "encoder": "encoder",
    "image_discriminator": "data_discriminator",
    "latent_discriminator": "latent_discriminator",
}


def _networks_at_widths(widths, data_shape):
    """Default networks of the named attributes at the given widths."""
    from keras_aegan import networks

    unknown = set(widths) - set(ROLES)
    if unknown:
        raise ValueError(
            f"--widths names networks {sorted(ROLES)}. Received: "
            f"{sorted(unknown)}"
        )
    latent_dim = networks.default_latent_dim(data_shape)
    return {
        name: networks.default_network(
            ROLES[name], data_shape, latent_dim, width=int(width)
        )
        for name, width in widths.items()
    }


if __name__ == "__main__":
    main()
