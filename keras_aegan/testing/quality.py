"""Train-to-quality runs on the 2-D ring, one backend per process.

    KERAS_BACKEND=jax python -m keras_aegan.testing.quality OUT.json \\
        --seed 1 --epochs 20

Trains AEGAN's MLPs (all four at 128 units) on the 8-mode ring
(DESIGN.md section 5: radius 1, std 0.01) with the ring settings below
and writes the mode-coverage result of 2,500 generated samples (modes
covered, share of high-quality samples, KL of the mode histogram from
uniform) with its protocol to OUT.json.
"""

import argparse
import json
import time

import keras

import keras_aegan
from keras_aegan.metrics import mode_coverage

RING_STD = 0.01
NUM_EVAL_SAMPLES = 2500
# The paper's image settings (reconstruction weights 10/5, labels
# 0.95/0.05, discriminator at half the generator's rate) keep the 2-D ring
# blurry: the latent cycle term asks for an invertible G, which pulls
# samples between modes (tests/parity/quality_test.py has the numbers).
# No moving average: the bounds were measured on the raw generator, with
# all four networks at 128 units (AEGAN's vector default until December
# 2026, when its generator and image discriminator went to 256): kept, so
# the bounds stay those measured and the run its length.
RING_MODEL = dict(real_label=1.0, fake_label=0.0, ema_decay=None, width=128)
RING_COMPILE = dict(
    loss_weights={"reconstruction_x": 1.0, "reconstruction_z": 1.0},
)


def run(seed, epochs, samples=20000, batch_size=256):
    """Trains on a fresh ring sample and measures mode coverage.

    Args:
        seed: Seed of the data, the initial weights and the model's noise.
        epochs: Training epochs.
        samples: Training set size.
        batch_size: Batch size.

    Returns:
        A dict: the `MetricResult` as a dict, plus steps and seconds.
    """
    keras.utils.set_random_seed(seed)
    x = keras_aegan.datasets.make_ring(samples, std=RING_STD, seed=seed)
    model = keras_aegan.AEGAN(seed=seed, **RING_MODEL)
    model.compile(
        # Explicit: the ring settings were measured at this rate, which is
        # no longer AEGAN's default generator rate.
        generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        **RING_COMPILE,
    )
    start = time.time()
    model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.time() - start
    result = mode_coverage(
        model.generate(NUM_EVAL_SAMPLES, seed=seed + 1000),
        keras_aegan.datasets.ring_centers(),
        RING_STD,
        protocol={
            "backend": keras.backend.backend(),
            "seed": seed,
            "steps": int(model.generator_optimizer.iterations),
            "generator": "raw",
        },
    )
    out = result.to_dict()
    out["seconds"] = seconds
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras_aegan.testing.quality")
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args(argv)
    out = run(args.seed, args.epochs, args.samples)
    with open(args.output, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
