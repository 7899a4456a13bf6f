"""`keras-aegan train`: one command from data to a model, samples and logs."""

import json
import os
import sys

from keras_aegan.cli_common import MODELS
from keras_aegan.cli_common import has_encoder
from keras_aegan.cli_data import data_identity
from keras_aegan.cli_data import is_builtin
from keras_aegan.cli_data import run_name_stem
from keras_aegan.cli_data import training_data
from keras_aegan.cli_pictures import MIXTURE_FILE
from keras_aegan.cli_pictures import write_samples

# Arguments that define a run's model and data; a run directory resumes
# only with the same values (--epochs and --minutes may change, to train
# further). Runs recorded before a key existed had its default.
RUN_KEYS = {
    "data": None,
    "limit": None,
    "batch_size": None,
    "latent_dim": None,
    "width": None,
    "seed": None,
    "ema_decay": None,
    "ema_warmup": None,
    "model": "aegan",
    "image_size": None,
    "channels": None,
    "resize": None,
    "columns": None,
    "dropna": None,
    "key": None,
}
DEFAULT_EPOCHS = 60


def run_config(args):
    """The `run.json` record of a `train` command's arguments."""
    config = {
        key: getattr(args, key, default) for key, default in RUN_KEYS.items()
    }
    config["data"] = data_identity(args.data)
    return config


def check_run_config(run_dir, config):
    """Refuses a run directory recorded with other arguments.

    Writes nothing: `record_run_config` does, once the data opened.

    Args:
        run_dir: The run directory.
        config: `run_config(args)`.

    Returns:
        Whether the run directory already has a `run.json`.
    """
    path = os.path.join(run_dir, "run.json")
    if not os.path.isfile(path):
        return False
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(
            f"Cannot read {path} ({e}); it records the arguments of the run "
            f"in {run_dir}. Pass another --name to start a new run."
        ) from None
    changed = {
        key: (saved.get(key, RUN_KEYS[key]), value)
        for key, value in config.items()
        if saved.get(key, RUN_KEYS[key]) != value
    }
    if changed:
        details = ", ".join(
            f"--{k.replace('_', '-')} was {old!r}, now {new!r}"
            for k, (old, new) in changed.items()
        )
        raise SystemExit(
            f"The run directory {run_dir} belongs to a run with other "
            f"arguments ({details}). Rerun with the same arguments to "
            "resume it, or pass another --name to start a new run."
        )
    return True


def record_run_config(run_dir, config):
    """Writes `run.json` for a new run (an existing one is kept)."""
    from keras_aegan.utils.atomic import write_text_atomic

    path = os.path.join(run_dir, "run.json")
    if not os.path.isfile(path):
        os.makedirs(run_dir, exist_ok=True)
        write_text_atomic(path, json.dumps(config, indent=2))


def make_model(args, noise):
    """The `--model` of a `train` command, with its options."""
    import keras_aegan

    model_class = getattr(keras_aegan, MODELS[args.model])
    return model_class(
        latent_dim=args.latent_dim,
        width=args.width,
        seed=args.seed,
        noise=noise,
        ema_decay=args.ema_decay or None,
        ema_warmup=args.ema_warmup,
    )


def train(args):
    """Trains a model and writes samples, a TensorBoard log and the model."""
    import keras

    import keras_aegan
    from keras_aegan.backend import set_random_seed
    from keras_aegan.cli_callbacks import ProgressLogger
    from keras_aegan.cli_callbacks import TimeBudget
    from keras_aegan.metrics.evaluation_checks import ENCODER_METRICS
    from keras_aegan.utils.event_writer import tensorboard_available

    if args.seed is not None:
        set_random_seed(args.seed)
    name = args.name or f"{args.model}-{run_name_stem(args.data)}"
    run_dir = os.path.abspath(os.path.join(args.run_dir, name))
    samples_dir = os.path.join(run_dir, "samples")
    log_dir = os.path.join(run_dir, "logs")
    model_path = os.path.join(run_dir, "model.keras")
    backup_dir = os.path.join(run_dir, "backup")
    config = run_config(args)
    # Check the arguments and open the data before anything is written:
    # bad input leaves an existing run as it was.
    check_run_config(run_dir, config)
    cache_dir = os.path.join(run_dir, "cache") if args.cache else None
    data = training_data(args, cache_dir)
    record_run_config(run_dir, config)
    resuming = os.path.isdir(backup_dir)

    # Host noise: the data order and the noise come from the model's
    # seeded NumPy generator, so a resumed run continues exactly. A folder
    # is read batch by batch and draws its noise on the device.
    model = make_model(args, noise="device" if data.batched else "host")
    encoder = has_encoder(model)
    callbacks = []
    budget = None
    epochs = args.epochs or DEFAULT_EPOCHS
    if args.minutes is not None:
        # First, so that callbacks after it see its last epoch as the last.
        budget = TimeBudget(args.minutes)
        epochs = args.epochs or budget.epoch_cap
        callbacks.append(budget)
    callbacks += [
        keras_aegan.callbacks.BackupAndRestore(
            backup_dir, save_freq=args.save_every, delete_checkpoint=False
        ),
        keras_aegan.callbacks.SampleGrid(
            samples_dir,
            every=args.every,
            num_samples=2500 if data.kind == "vector" else 64,
            reference_data=data.reference,
        ),
    ]
    # The scalars and images are written without TensorFlow (the
    # `tensorboard` package only): the same files on every backend, and no
    # second framework in a JAX or PyTorch process.
    tensorboard = tensorboard_available()
    if tensorboard:
        callbacks.append(keras_aegan.callbacks.TensorBoardScalars(log_dir))
        callbacks.append(
            keras_aegan.callbacks.TensorBoardImages(
                log_dir, every=args.every, reference_data=data.reference
            )
        )
    # Sample quality (digits-FID, ... or mode coverage; on own data the
    # reconstruction and cycle errors) every --every epochs, for the
    # trained weights and their moving average, into the history,
    # logs/metrics.jsonl and TensorBoard's metrics/* tags; listed after
    # TensorBoard, which would otherwise log them twice.
    if data.builtin or encoder:
        for ema in (False, True) if model.has_ema else (False,):
            callbacks.append(
                keras_aegan.callbacks.SampleMetrics(
                    args.data if data.builtin else None,
                    reference=None if data.builtin else data.reference,
                    metrics=None if data.builtin else list(ENCODER_METRICS),
                    every=args.every,
                    ema=ema,
                    log_dir=log_dir,
                    fill_value=None,  # no columns of NaN in the progress log
                )
            )
    if args.verbose:
        callbacks.append(
            ProgressLogger(compact=args.verbose == 1, budget=budget)
        )
    if not tensorboard:
        log_dir = None
        print(
            "TensorBoard log skipped: it needs the tensorboard package "
            "(pip install tensorboard; TensorFlow is not needed).",
            file=sys.stderr,
        )
    length = f"for {epochs} epochs"
    if budget is not None:
        length = f"for {args.minutes:g} minutes (whole epochs)"
        if args.epochs:
            length += f", at most {args.epochs} epochs"
    print(
        f"Training {type(model).__name__} on {args.data} ({data.count} "
        f"samples) with the {keras.backend.backend()} backend {length}."
    )
    if resuming:
        print(f"Resuming from the newest checkpoint in {backup_dir}")
    model.fit(
        data.x,
        epochs=epochs,
        batch_size=None if data.batched else args.batch_size,
        callbacks=callbacks,
        verbose=args.verbose,
    )
    model.save(model_path)
    if budget is not None and budget.stopped_epoch is not None:
        print(
            f"Time budget of {args.minutes:g} minutes reached after epoch "
            f"{budget.stopped_epoch + 1} ({budget.elapsed_minutes():.1f} "
            "minutes)."
        )
    mixture = fit_latent_mixture(model, data, run_dir, samples_dir, args)
    if data.builtin:
        print(quality_summary(model, args.data))
        if mixture is not None:
            print(quality_summary(model, args.data, latent=mixture))
    else:
        print(own_data_summary(model, data))
    if mixture is not None:
        print(
            f"Latent mixture: {os.path.join(run_dir, MIXTURE_FILE)} "
            f"({mixture.components} Gaussians fitted to the encoded "
            "training data; `keras-aegan sample` draws its codes from it)"
        )
    print(f"Samples:     {samples_dir}")
    if log_dir:
        print(f"TensorBoard: {log_dir}  (tensorboard --logdir {log_dir})")
    print(f"Model:       {model_path}")
    return 0


def fit_latent_mixture(model, data, run_dir, samples_dir, args):
    """Fits, saves and draws from a `LatentMixture` of the training codes.

    For a model with an encoder trained on images held in memory: a
    Gaussian mixture of up to 40 components (one per 20 samples at
    most) fitted to the encoded training data, saved as
    `latent_mixture.npz` in the run folder, and a picture of samples
    decoded from its codes (`samples/mixture.png`). Returns None (and
    writes nothing) otherwise. Images only, as measured
    (benchmarks/quality/README.md): on the digits the mixture lifts
    recognisable samples from 79 % to 92-94 % on every backend, but on
    the 2-D ring and grid it drops modes (grid: 25 to 19.7 of 25, KL
    0.06 to 0.37), and sequences were not measured.
    """
    from keras_aegan.sampling import LatentMixture

    if not has_encoder(model) or data.batched or data.kind != "image":
        return None
    components = max(1, min(40, data.count // 20))
    seed = 0 if args.seed is None else args.seed
    mixture = LatentMixture(components, seed=seed).fit(model, data.x)
    mixture.save(os.path.join(run_dir, MIXTURE_FILE))
    n = 2500 if data.kind == "vector" else 64
    samples = model.generate(n, seed=seed, latent=mixture)
    os.makedirs(samples_dir, exist_ok=True)
    write_samples(os.path.join(samples_dir, "mixture.png"), samples, data.kind)
    return mixture


def own_data_summary(model, data, seed=0):
    """One line with what can honestly be measured on the user's data.

    No feature extractor exists for arbitrary data, so no FID: the
    reconstruction error (L1 and MSE of `reconstruct`, in the data's
    units) on `data.reference` and the latent cycle error
    `mean ||z - E(G(z))||` of as many generated samples, for models with
    an encoder. The moving averages are used when the model keeps them.

    Args:
        model: A trained model.
        data: The `TrainingData` it was trained on.
        seed: Seed of the latent codes.

    Returns:
        A string.
    """
    from keras_aegan.metrics.evaluation import evaluate_model
    from keras_aegan.metrics.evaluation_checks import ENCODER_METRICS

    if data.kind == "vector":
        hint = (
            "FID and precision/recall in the data's coordinates: "
            "keras-aegan evaluate MODEL"
        )
    else:
        hint = (
            "sample quality (FID, precision/recall) needs a feature space: "
            "keras-aegan evaluate MODEL --features module:function"
        )
    if not has_encoder(model):
        return (
            f"Quality: {type(model).__name__} has no encoder, so no "
            f"reconstruction or cycle error; {hint}."
        )
    ema = model.has_ema
    results = evaluate_model(
        model,
        None,
        reference=data.reference,
        metrics=list(ENCODER_METRICS),
        seed=seed,
        ema=ema,
    )
    rec = results["reconstruction_error"]
    cycle = float(results["latent_cycle_error"].value)
    which = "EMA generator and encoder" if ema else "generator and encoder"
    return (
        f"Quality ({which}, on {data.reference_note}): reconstruction L1 "
        f"{rec['l1']:.4g}, MSE {rec['mse']:.4g} (data units); latent cycle "
        f"error {cycle:.4g} (latent_dim {model.latent_dim}); {hint}"
    )


def quality_summary(model, data, seed=0, latent=None):
    """One line with the trained model's final quality numbers.

    Digits: digits-FID of 359 samples against the test split (beside
    the FID of 359 real training digits drawn with `seed`, the floor at
    that sample size), the share
    of 1,000 samples the shipped digits CNN labels with probability >=
    0.9 (beside the same share for the real test digits) and the range
    of the class shares. Ring and grid: the PacGAN mode coverage of
    2,500 samples. The moving-average generator is used when the model
    keeps one.

    Args:
        model: A trained model.
        data: `"digits"`, `"ring"` or `"grid"`.
        seed: Seed of the latent codes.
        latent: None (codes from the prior) or a fitted `LatentMixture`
            (see `model.generate`).

    Returns:
        A string.
    """
    import numpy as np

    from keras_aegan import datasets
    from keras_aegan.metrics import DigitsFeatureExtractor
    from keras_aegan.metrics import digit_class_scores
    from keras_aegan.metrics import evaluate_model
    from keras_aegan.metrics import frechet_distance

    if not is_builtin(data):
        raise ValueError(
            "quality_summary() measures the built-in data sets only; use "
            f"own_data_summary() for other data. Received: data={data!r}"
        )
    ema = model.has_ema
    which = "EMA generator" if ema else "generator"
    if latent is not None:
        which += ", codes from the latent mixture"
    if data != "digits":
        result = evaluate_model(
            model,
            data,
            metrics=["mode_coverage"],
            seed=seed,
            ema=ema,
            latent=latent,
        )["mode_coverage"]
        make_centers = (
            datasets.ring_centers if data == "ring" else datasets.grid_centers
        )
        modes = len(make_centers())
        return (
            f"Quality ({which}, 2,500 samples): {result['modes']}/{modes} "
            f"modes, {100 * result['high_quality']:.1f} % high-quality "
            f"samples, mode KL {result['kl']:.3f}"
        )
    extractor = DigitsFeatureExtractor()
    (x_train, _), (x_test, _) = datasets.load_digits()
    fid = float(
        evaluate_model(
            model,
            "digits",
            metrics=["fid"],
            seed=seed,
            ema=ema,
            latent=latent,
            extractor=extractor,
        )["fid"]
    )
    # FID is biased upwards at small sample sizes: the floor to read it
    # beside is as many real training digits (drawn with the seed)
    # against the same test split (0.25 +- 0.02 over seeds 0-2; the
    # full 1,438-image training split scores 0.12).
    drawn = np.random.default_rng(seed).choice(
        len(x_train), size=len(x_test), replace=False
    )
    floor = float(
        frechet_distance(extractor(x_test), extractor(x_train[drawn]))
    )
    samples = model.generate(1000, seed=seed, ema=ema, latent=latent)
    scores = digit_class_scores(samples, extractor)
    real = digit_class_scores(x_test, extractor)
    labels = extractor.predict_labels(samples)
    shares = np.bincount(labels, minlength=10) / len(labels)
    return (
        f"Quality ({which}): digits-FID {fid:.2f} (359 samples vs the "
        f"test split; 359 real training digits score {floor:.2f}), "
        "recognisable "
        f"{100 * scores['recognisable']:.0f} % (real test digits "
        f"{100 * real['recognisable']:.0f} %), "
        f"{np.count_nonzero(shares)}/10 classes at "
        f"{100 * shares.min():.1f}-{100 * shares.max():.1f} % each"
    )
