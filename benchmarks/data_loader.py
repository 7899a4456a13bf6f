"""Image-folder loader throughput against the default train step.

    python -m benchmarks.data_loader                    # all backends
    python -m benchmarks.data_loader --backend torch --images 512

Writes `--images` 64x64 RGB PNG files (synthetic shapes over a colour
gradient with mild noise, so they compress like small photos rather than
like flat colour) into a temporary folder, then measures, in images per
second:

1. **the loader**: `keras_aegan.data.ImageFolder` read the way `fit()`
   reads it (Keras's `PyDataset` adapter and its worker pool), for
   `workers` 0, 1 and 2 threads and 2 processes, first epoch (decoding
   PNG files) and second epoch (from the uint8 memory-map cache), best
   of `--repeats`;
2. **the train step** of the default `AEGAN()` for 64x64x3 images at
   batch 64 (the CLI's default), on an in-memory array, per backend,
   after one warm-up epoch (compilation excluded);
3. **fit on the folder**: whole `fit()` epochs on the `ImageFolder` with
   the default workers against the same epochs on the array, per
   backend (the ratio is the loader's cost as training sees it).

Frameworks run with one intra-op thread (two cores on the reference
machine: one for the step, one left for the loader's workers); each
backend runs in its own subprocess. Results go to `--json` and a
Markdown table on stdout. Nothing here is asserted: see
`benchmarks/README.md` for the numbers and what they chose.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks._process import BACKENDS
from benchmarks._process import configure_environment

SIDE = 64
BATCH = 64


def write_pngs(directory, count, side=SIDE, seed=0):
    """Writes `count` RGB PNG files of `side` x `side` into `directory`."""
    import numpy as np
    from PIL import Image
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, side, dtype="float32")
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        top, bottom = rng.uniform(0, 255, (2, 3))
        base = top + (bottom - top) * ramp[:, None, None]
        base = np.broadcast_to(base, (side, side, 3))
        pixels = base + rng.normal(0.0, 6.0, (side, side, 3))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype("uint8"))
        draw = ImageDraw.Draw(image)
        for _ in range(3):
            x0, y0 = rng.integers(0, side - 8, 2)
            w, h = rng.integers(6, side // 2, 2)
            color = tuple(int(c) for c in rng.integers(0, 256, 3))
            box = [int(x0), int(y0), int(x0 + w), int(y0 + h)]
            if rng.random() < 0.5:
                draw.ellipse(box, fill=color)
            else:
                draw.rectangle(box, fill=color)
        image.save(os.path.join(directory, f"img{i:05d}.png"))


def _epoch_through_adapter(dataset):
    """Reads one epoch of a `PyDataset` as `fit()` does; returns images/s.

    Keras's `PyDatasetAdapter` (private in Keras 3.15) starts the
    dataset's worker pool and yields NumPy batches; every backend's
    `fit()` iterates it (TensorFlow and PyTorch wrap it in their own
    iterators).
    """
    from keras.src.trainers.data_adapters import py_dataset_adapter

    adapter = py_dataset_adapter.PyDatasetAdapter(dataset, shuffle=False)
    start = time.perf_counter()
    count = 0
    adapter.on_epoch_begin()
    for batch in adapter.get_numpy_iterator():
        count += len(batch[0] if isinstance(batch, tuple) else batch)
    adapter.on_epoch_end()
    return count / (time.perf_counter() - start)


#: (label, workers, use_multiprocessing). In Keras 3.15 a `PyDataset`
#: with at most one thread worker is read in the calling thread, so "0"
#: and "1 thread" take the same path.
LOADER_SETTINGS = (
    ("0", 0, False),
    ("1 thread", 1, False),
    ("2 threads", 2, False),
    ("2 processes", 2, True),
)


def loader_rates(folder, repeats):
    """Images/s of the loader per worker setting: decoding and cached."""

    import keras_aegan

    rows = []
    for label, workers, processes in LOADER_SETTINGS:
        decoded, cached = [], []
        for _ in range(repeats):
            cache = tempfile.mkdtemp(prefix="loader-cache-")
            source = keras_aegan.data.ImageFolder(
                folder,
                batch_size=BATCH,
                shuffle=False,
                cache=cache,
                workers=workers,
                use_multiprocessing=processes,
            )
            decoded.append(_epoch_through_adapter(source))
            cached.append(_epoch_through_adapter(source))
            shutil.rmtree(cache)
        rows.append(
            dict(
                workers=label,
                decode_images_per_s=max(decoded),
                cached_images_per_s=max(cached),
            )
        )
    return rows


def step_rates(folder, epochs):
    """Images/s of the default AEGAN on an array and on the folder."""

    import numpy as np

    import keras_aegan

    cache = tempfile.mkdtemp(prefix="loader-cache-")
    source = keras_aegan.data.ImageFolder(
        folder, batch_size=BATCH, cache=cache, seed=0
    )
    x = source.load()
    n = (len(x) // BATCH) * BATCH
    x = np.ascontiguousarray(x[:n])

    def timed_fit(data, **kwargs):
        model = keras_aegan.AEGAN(seed=0, ema_decay=None)
        model.fit(data, epochs=1, verbose=0, **kwargs)  # compile, warm up
        start = time.perf_counter()
        model.fit(data, epochs=epochs, verbose=0, **kwargs)
        return epochs * n / (time.perf_counter() - start)

    array = timed_fit(x, batch_size=BATCH, shuffle=True)
    folder_rate = timed_fit(source)
    shutil.rmtree(cache)
    return dict(
        array_images_per_s=array,
        folder_images_per_s=folder_rate,
        folder_over_array=folder_rate / array,
        workers=source.workers,
    )


def _child(args):
    configure_environment(args.child, threads=1)
    import keras

    result = dict(
        backend=keras.backend.backend(),
        **step_rates(args.folder, args.epochs),
    )
    print("RESULT " + json.dumps(result))


def _table(result):
    lines = [
        f"{result['images']} PNG files, {SIDE}x{SIDE} RGB, batch {BATCH}, "
        "one framework thread",
        "",
        "| loader workers | first epoch (decode PNG), images/s | "
        "later epochs (cache), images/s |",
        "| --- | --- | --- |",
    ]
    for row in result["loader"]:
        lines.append(
            f"| {row['workers']} | {row['decode_images_per_s']:,.0f} | "
            f"{row['cached_images_per_s']:,.0f} |"
        )
    lines += [
        "",
        f"Default AEGAN, {result['step_images']} of the files, "
        "after one warm-up epoch:",
        "",
        "| backend | train step on an array, images/s | fit on the "
        "folder, images/s | folder / array |",
        "| --- | --- | --- | --- |",
    ]
    for row in result["steps"]:
        lines.append(
            f"| {row['backend']} | {row['array_images_per_s']:,.0f} | "
            f"{row['folder_images_per_s']:,.0f} | "
            f"{row['folder_over_array']:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks.data_loader")
    parser.add_argument("--backend", default="all")
    parser.add_argument(
        "--images", type=int, default=1024, help="Files the loader reads."
    )
    parser.add_argument(
        "--step-images",
        type=int,
        default=256,
        help="Files of the train-step runs (a subset; a step is slow).",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--epochs", type=int, default=2, help="Timed epochs of fit()."
    )
    parser.add_argument("--json", help="Write the results to this file.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    # The loader itself is NumPy and Pillow; torch is the lightest
    # backend to import for it.
    configure_environment("torch", threads=1)
    with tempfile.TemporaryDirectory(prefix="loader-bench-") as root:
        folder = os.path.join(root, "loader")
        step_folder = os.path.join(root, "steps")
        write_pngs(folder, args.images)
        os.makedirs(step_folder)
        for name in sorted(os.listdir(folder))[: args.step_images]:
            shutil.copy(os.path.join(folder, name), step_folder)
        result = dict(
            images=args.images,
            step_images=min(args.step_images, args.images),
            loader=loader_rates(folder, args.repeats),
            steps=[],
        )
        for backend in backends:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.data_loader",
                 "--child", backend, "--folder", step_folder,
                 "--epochs", str(args.epochs)],
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            lines = [
                line for line in out.stdout.splitlines()
                if line.startswith("RESULT ")
            ]  # fmt: skip
            if out.returncode != 0 or not lines:
                raise RuntimeError(
                    f"{backend} run failed:\n{out.stderr[-3000:]}"
                )
            result["steps"].append(json.loads(lines[-1][len("RESULT ") :]))
    print(_table(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
