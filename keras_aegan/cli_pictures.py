"""`keras-aegan sample | reconstruct | interpolate | encode` on a saved model.

Images are drawn as PNG grids, upscaled (nearest neighbour) so that each
cell is at least `MIN_CELL` pixels; sequences as line charts; 2-D vectors
as scatter plots.
"""

import os

import numpy as np

from keras_aegan.cli_common import has_encoder
from keras_aegan.cli_common import load_model_file
from keras_aegan.cli_data import data_for_model
from keras_aegan.cli_data import num_samples
from keras_aegan.cli_data import sample_names
from keras_aegan.cli_data import take_samples
from keras_aegan.utils.images import upscale
from keras_aegan.utils.images import upscale_factor

# Batches of samples read and encoded at a time by `encode`.
ENCODE_CHUNK = 256
# Interpolation GIF: milliseconds per frame, and on the two end frames.
FRAME_MS = 120
END_FRAME_MS = 600


def _drawable(model, what):
    """The model's data kind, or exits when it cannot be drawn."""
    kind = model.data_kind
    shape = tuple(model.data_shape or ())
    if kind in ("image", "sequence") or shape == (2,):
        return kind
    raise SystemExit(
        f"Only image, sequence and 2-D vector models can be drawn ({what}). "
        f"Received a model of data shape {shape}."
    )


def _require_encoder(model, path, command):
    if not has_encoder(model):
        raise SystemExit(
            f"`{command}` needs a model with an encoder; {path} is a "
            f"{type(model).__name__}, which has none (aegan, aae, alpha_gan, "
            "bigan, ali, alad and vaegan have one)."
        )


def _image_cells(batches, reference):
    """Float `[0, 1]` copies of image batches, mapped with one range."""
    from keras_aegan.callbacks.panels import as_image_batch
    from keras_aegan.utils.images import infer_value_range
    from keras_aegan.utils.images import to_unit_range

    value_range = infer_value_range(as_image_batch(reference))
    return [to_unit_range(as_image_batch(b), value_range) for b in batches]


def _chart_cells(batches, reference):
    """Line-chart tiles (float `[0, 1]`) of sequence batches, one range."""
    from keras_aegan.utils.lines import line_charts
    from keras_aegan.utils.lines import sequence_value_range

    value_range = sequence_value_range(reference)
    return [line_charts(b, value_range) / 255.0 for b in batches]


def _save_grid(path, grid, side, scale):
    from keras_aegan.utils.images import save_png

    factor = upscale_factor(side, scale)
    save_png(path, upscale(grid, factor))
    return factor


#: The latent mixture `keras-aegan train` fits and saves beside the model.
MIXTURE_FILE = "latent_mixture.npz"


def write_samples(path, samples, kind, scale="auto"):
    """Draws generated samples: an image grid, line charts or a scatter."""
    from keras_aegan.utils.images import save_png
    from keras_aegan.utils.images import tile_images
    from keras_aegan.utils.scatter import scatter_png

    if kind == "image":
        (cells,) = _image_cells([samples], samples)
        _save_grid(path, tile_images(cells), cells.shape[1], scale)
    elif kind == "sequence":
        (cells,) = _chart_cells([samples], samples)
        save_png(path, tile_images(cells))
    else:
        scatter_png(path, samples)


def _latent_for(args):
    """(latent, description) for `sample --latent`."""
    from keras_aegan.sampling import LatentMixture

    path = os.path.join(
        os.path.dirname(os.path.abspath(args.model)), MIXTURE_FILE
    )
    found = os.path.isfile(path)
    temperature = args.temperature
    if args.latent == "prior" or (args.latent == "auto" and not found):
        if temperature is not None:
            raise SystemExit(
                "--temperature scales the latent mixture's spread; these "
                f"codes come from the prior (--latent {args.latent}, "
                f"{'no ' if not found else ''}{MIXTURE_FILE} beside the "
                f"model). Received: --temperature {temperature}"
            )
        return None, "codes from the prior N(0, I)"
    if not found:
        raise SystemExit(
            f"--latent mixture needs {MIXTURE_FILE} beside the model (keras-"
            f"aegan train writes it for models with an encoder). Received: "
            f"--latent mixture with no {path}"
        )
    mixture = LatentMixture.load(path)
    if temperature is not None:
        mixture.temperature = float(temperature)
    return mixture, (f"codes from {path}, temperature {mixture.temperature:g}")


def sample(args):
    """Loads a saved model and writes a grid of generated samples."""
    import keras_aegan  # noqa: F401  (registers the classes for loading)

    refine = None if args.refine == "none" else args.refine
    percentile = args.refine_percentile
    if percentile is not None and refine is None:
        raise SystemExit(
            "--refine-percentile applies to --refine rejection. Received: "
            f"--refine-percentile {percentile:g} with --refine none"
        )
    if percentile is not None and not 0.0 <= percentile <= 100.0:
        raise SystemExit(
            "--refine-percentile must be in [0, 100]. Received: "
            f"--refine-percentile {percentile:g}"
        )
    model = load_model_file(args.model)
    kind = _drawable(model, "sample")
    if refine is not None and getattr(model, "refine_network", None) is None:
        raise SystemExit(
            f"--refine {refine} needs a discriminator that scores a sample "
            f"alone; {type(model).__name__} has none (AEGAN, AlphaGAN and "
            f"DCGAN have one). Received: --refine {refine} for {args.model}"
        )
    latent, where = _latent_for(args)
    samples = model.generate(
        args.n,
        seed=args.seed,
        latent=latent,
        refine=refine,
        refine_percentile=percentile,
    )
    write_samples(args.output, samples, kind, args.scale)
    if refine is not None:
        where += ", refined by rejection sampling"
    print(f"Wrote {args.n} samples ({where}) to {args.output}")
    return 0


def reconstruct(args):
    """Writes data samples above their reconstructions `G(E(x))`."""
    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.callbacks.panels import interleave_rows
    from keras_aegan.utils.images import save_png
    from keras_aegan.utils.scatter import scatter_png

    model = load_model_file(args.model)
    _require_encoder(model, args.model, "reconstruct")
    kind = _drawable(model, "reconstruct")
    name, source = data_for_model(args, model, args.model)
    count = min(args.n, num_samples(source))
    x = take_samples(source, range(count))
    recon = np.asarray(model.reconstruct(x))
    if kind == "vector":
        scatter_png(args.output, recon, reference=x)
        print(
            f"Wrote {count} reconstructions (blue) over their originals "
            f"(grey) of {name} to {args.output}"
        )
        return 0
    if kind == "image":
        real, rec = _image_cells([x, recon], x)
        grid = interleave_rows(real, rec)
        _save_grid(args.output, grid, real.shape[1], args.scale)
    else:
        real, rec = _chart_cells([x, recon], x)
        save_png(args.output, interleave_rows(real, rec))
    print(
        f"Wrote {count} samples of {name} (rows 1, 3, ...) above their "
        f"reconstructions (rows 2, 4, ...) to {args.output}"
    )
    return 0


def _save_gif(path, frames):
    """Writes uint8 frames `(H, W[, 1 or 3])` as a looping GIF, atomically."""
    from PIL import Image

    from keras_aegan.utils.atomic import atomic_path

    images = [
        Image.fromarray(np.ascontiguousarray(f.squeeze())) for f in frames
    ]
    durations = [FRAME_MS] * len(images)
    durations[0] = durations[-1] = END_FRAME_MS
    with atomic_path(path, suffix=".gif") as tmp:
        images[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=0,
        )


def interpolate(args):
    """Writes decoded straight lines between the codes of sample pairs."""
    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.utils.images import save_png
    from keras_aegan.utils.images import tile_images

    model = load_model_file(args.model)
    _require_encoder(model, args.model, "interpolate")
    kind = model.data_kind
    if kind not in ("image", "sequence"):
        raise SystemExit(
            "`interpolate` draws image and sequence models. Received a "
            f"model of data shape {tuple(model.data_shape or ())}; call "
            "model.interpolate() from Python for vectors."
        )
    name, source = data_for_model(args, model, args.model)
    pairs = min(args.pairs, num_samples(source) // 2)
    if pairs < 1:
        raise SystemExit(
            f"`interpolate` needs at least 2 samples. Received: --data "
            f"{name} with {num_samples(source)}"
        )
    x = take_samples(source, range(2 * pairs))
    lines = np.asarray(model.interpolate(x[0::2], x[1::2], steps=args.steps))
    flat = lines.reshape((pairs * args.steps,) + lines.shape[2:])
    draw = _image_cells if kind == "image" else _chart_cells
    (cells,) = draw([flat], x)
    grid = tile_images(cells, columns=args.steps)
    if kind == "image":
        factor = _save_grid(args.output, grid, cells.shape[1], args.scale)
    else:
        factor = 1
        save_png(args.output, grid)
    # Frame t of the GIF: point t of every pair's line, side by side.
    by_step = cells.reshape((pairs, args.steps) + cells.shape[1:])
    frames = [
        upscale(tile_images(by_step[:, t], columns=pairs), factor)
        for t in range(args.steps)
    ]
    gif = os.path.splitext(args.output)[0] + ".gif"
    _save_gif(gif, frames)
    print(
        f"Wrote {pairs} interpolations of {args.steps} steps between "
        f"samples of {name} to {args.output} (one line per row) and {gif}"
    )
    return 0


def encode(args):
    """Writes the latent codes of every sample, with folder file names."""
    import keras_aegan  # noqa: F401  (registers the classes for loading)
    from keras_aegan.utils.atomic import atomic_path
    from keras_aegan.utils.atomic import write_text_atomic

    extension = os.path.splitext(args.output)[1].lower()
    if extension not in (".npy", ".npz"):
        raise SystemExit(
            "--output must end in .npy (codes; a folder's file names go to "
            "a .txt beside it) or .npz (arrays `codes` and `names`). "
            f"Received: --output {args.output}"
        )
    model = load_model_file(args.model)
    _require_encoder(model, args.model, "encode")
    name, source = data_for_model(args, model, args.model)
    count = num_samples(source)
    chunks = []
    for start in range(0, count, ENCODE_CHUNK):
        indices = range(start, min(start + ENCODE_CHUNK, count))
        chunks.append(model.encode(take_samples(source, indices)))
    codes = np.concatenate(chunks, axis=0).astype("float32")
    names = sample_names(source, range(count))
    written = [args.output]
    if extension == ".npz":
        arrays = {"codes": codes}
        if names is not None:
            arrays["names"] = np.asarray(names, dtype=str)
        with atomic_path(args.output, suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
    else:
        with atomic_path(args.output, suffix=".npy") as tmp:
            np.save(tmp, codes)
        if names is not None:
            names_path = os.path.splitext(args.output)[0] + ".txt"
            write_text_atomic(names_path, "".join(n + "\n" for n in names))
            written.append(names_path)
    print(
        f"Wrote the codes {codes.shape} of {count} samples of {name} to "
        f"{' and their file names to '.join(written)}"
    )
    return 0
