"""AEGAN on the 2-D ring of 8 Gaussians, with a scatter plot of samples.

    KERAS_BACKEND=torch python examples/ring.py --epochs 30

Writes `runs/ring/samples.png` (samples in blue over the data in grey) and
prints how many of the 8 modes the samples cover and the share of
high-quality samples (within 3 standard deviations of a centre), the
protocol of PacGAN/VEEGAN.
"""

import argparse
import os

import numpy as np

import keras_aegan
from keras_aegan.utils.scatter import scatter_png

STD = 0.01


def mode_coverage(samples, centers, std):
    """Modes with at least one high-quality sample, and the HQ share."""
    distances = np.linalg.norm(samples[:, None] - centers[None], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances.min(axis=1) < 3 * std
    return len(np.unique(nearest[high_quality])), high_quality.mean()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="runs/ring")
    args = parser.parse_args(argv)

    x = keras_aegan.datasets.make_ring(20000, std=STD, seed=0)
    model = keras_aegan.AEGAN(seed=0)
    model.fit(x, epochs=args.epochs, batch_size=256, verbose=2)

    samples = model.generate(2500, seed=1)
    modes, hq = mode_coverage(samples, keras_aegan.datasets.ring_centers(), STD)
    os.makedirs(args.out, exist_ok=True)
    path = scatter_png(
        os.path.join(args.out, "samples.png"), samples, reference=x[:2500]
    )
    print(f"modes covered: {modes}/8, high-quality samples: {hq:.1%}")
    print(f"scatter plot: {path}")


if __name__ == "__main__":
    main()
