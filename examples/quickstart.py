"""Quickstart: train an AEGAN on the built-in digits and write sample grids.

Run with any backend:

    KERAS_BACKEND=jax python examples/quickstart.py --epochs 20

Writes `runs/quickstart/samples_epoch_*.png` (generated digits from a fixed
latent batch) and `reconstructions_epoch_*.png` (rows alternate held-out
digits and their reconstructions G(E(x))).
"""

import argparse

import numpy as np

import keras_aegan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default="runs/quickstart")
    args = parser.parse_args(argv)

    (x_train, _), (x_test, _) = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN(seed=0)  # shapes are inferred on fit
    model.fit(
        x_train,
        epochs=args.epochs,
        batch_size=64,
        callbacks=[
            keras_aegan.callbacks.SampleGrid(
                args.out, every=max(1, args.epochs // 4), reference_data=x_test
            )
        ],
        verbose=2,
    )
    images = model.generate(16, seed=0)  # (16, 16, 16, 1), floats in [0, 1]
    codes = model.encode(x_test)  # (359, 32)
    error = np.mean(np.abs(model.reconstruct(x_test) - x_test))
    print(f"generated {images.shape}, codes {codes.shape}")
    print(f"held-out reconstruction L1: {error:.4f}")
    print(f"sample grids in {args.out}")


if __name__ == "__main__":
    main()
