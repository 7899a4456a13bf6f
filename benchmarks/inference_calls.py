"""Per-call time of the networks in inference: `predict()` against
`predict_batches` (`predict_on_batch` per slice), as `generate()` uses.

    python -m benchmarks.inference_calls --backend tensorflow --cpu 0
    python -m benchmarks.inference_calls --backend jax --json out.json

Builds the default `AEGAN()` for the built-in 16x16 digits, then times
calls of its generator on latent batches of 5, 64 and 1,000 codes
(`batch_size=256`), each size first warmed up once with both paths so
compilation is excluded. The two paths alternate call by call
(`--repeats` each), one thread, pinned to `--cpu`; the table reports the
median seconds per call and their ratio. The outputs of the two paths
are checked equal on every call. Nothing here is asserted: see
`benchmarks/README.md`.
"""

import argparse
import json
import statistics
import time

from benchmarks._process import configure_environment
from benchmarks._process import import_framework
from benchmarks._process import pin_to_cpu

SIZES = (5, 64, 1000)
BATCH_SIZE = 256


def _parse(argv=None):
    p = argparse.ArgumentParser(prog="benchmarks.inference_calls")
    p.add_argument("--backend", default="tensorflow")
    p.add_argument("--cpu", type=int, default=None)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json", default=None, help="file to write the rows to")
    return p.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    configure_environment(args.backend, threads=1)
    pin_to_cpu(args.cpu, "benchmarks.inference_calls")
    import_framework(args.backend, threads=1)
    import keras
    import numpy as np

    import keras_aegan
    from keras_aegan.utils.inference import predict_batches

    (x, _), _ = keras_aegan.datasets.load_digits()
    model = keras_aegan.AEGAN(seed=0)
    model.fit(x[:64], epochs=0, verbose=0)
    generator = model.generator
    paths = {
        "predict": lambda z: generator.predict(
            z, batch_size=BATCH_SIZE, verbose=0
        ),
        "predict_batches": lambda z: predict_batches(generator, z, BATCH_SIZE),
    }
    rows = []
    for n in SIZES:
        z = np.random.default_rng(n).normal(size=(n, model.latent_dim))
        z = z.astype("float32")
        for call in paths.values():
            call(z)  # compiles the shapes of this size
        times = {name: [] for name in paths}
        for _ in range(args.repeats):
            outputs = []
            for name, call in paths.items():
                start = time.perf_counter()
                outputs.append(call(z))
                times[name].append(time.perf_counter() - start)
            np.testing.assert_array_equal(*outputs)
        medians = {k: statistics.median(v) for k, v in times.items()}
        rows.append(
            {
                "backend": keras.backend.backend(),
                "codes": n,
                "predict_s": round(medians["predict"], 5),
                "predict_batches_s": round(medians["predict_batches"], 5),
                "ratio": round(
                    medians["predict"] / medians["predict_batches"], 2
                ),
                "repeats": args.repeats,
            }
        )
    print("| backend | codes | predict() s | predict_batches s | ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['codes']} | {r['predict_s']:.4f} | "
            f"{r['predict_batches_s']:.4f} | {r['ratio']:.1f} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
