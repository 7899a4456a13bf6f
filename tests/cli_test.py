"""The main job, run end to end as a real subprocess on this backend."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_aegan
from keras_aegan import cli


def _run(args, tmp_path):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    return subprocess.run(
        [sys.executable, "-m", "keras_aegan.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("cli")
    result = _run(
        [
            "train",
            "--epochs", "2",
            "--every", "1",
            "--limit", "128",
            "--width", "4",
            "--name", "tiny",
            "--verbose", "2",
        ],
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / "runs" / "tiny", result


def test_train_writes_samples_log_and_model(trained_run):
    run_dir, result = trained_run
    samples = sorted(os.listdir(run_dir / "samples"))
    assert samples == [
        "mixture.png",
        "reconstructions_epoch_0001.png",
        "reconstructions_epoch_0002.png",
        "samples_epoch_0001.png",
        "samples_epoch_0002.png",
    ]
    events = [
        f
        for _, _, files in os.walk(run_dir / "logs")
        for f in files
        if f.startswith("events.out.tfevents")
    ]
    assert events, "no TensorBoard event file"
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(
        str(run_dir / "logs" / "train"), size_guidance={"tensors": 0}
    )
    acc.Reload()
    tags = set(acc.Tags()["tensors"])
    assert {"samples", "reconstructions", "epoch_generator_loss"} <= tags
    # Digits-FID and friends of the trained and the EMA weights, every
    # epoch here (--every 1), also as JSON lines with their protocol.
    assert {"metrics/fid", "metrics/ema_fid", "metrics/recall"} <= tags
    assert [e.step for e in acc.Tensors("metrics/ema_fid")] == [0, 1]
    import json

    with open(run_dir / "logs" / "metrics.jsonl") as f:
        lines = [json.loads(line) for line in f]
    fid = [line for line in lines if line["name"] == "fid"]
    assert [line["epoch"] for line in fid] == [1, 2]
    assert fid[0]["protocol"]["extractor"] == "digits_cnn"
    assert fid[0]["protocol"]["generator"] == "raw"
    ema = [line for line in lines if line["name"] == "ema_fid"]
    assert ema[0]["protocol"]["generator"] == "ema"
    assert str(run_dir / "model.keras") in result.stdout
    assert "Samples:" in result.stdout and "TensorBoard:" in result.stdout
    # The closing quality lines (EMA generator: the CLI keeps one), with
    # codes from the prior, then from the latent mixture.
    summary = [line for line in result.stdout.splitlines() if "Quality" in line]
    assert len(summary) == 2, result.stdout[-2000:]
    for line in summary:
        assert "EMA generator" in line and "digits-FID" in line
        assert "recognisable" in line and "/10 classes" in line
    assert "codes from the latent mixture" in summary[1]
    # 128 training digits: one Gaussian per 20 codes, 6.
    mixture = keras_aegan.LatentMixture.load(run_dir / "latent_mixture.npz")
    assert mixture.components == 6 and mixture.latent_dim == 4
    assert "Latent mixture:" in result.stdout
    # The progress output shows the loss terms.
    assert "generator_loss" in result.stdout


def test_saved_model_loads_and_generates(trained_run):
    run_dir, _ = trained_run
    model = keras.saving.load_model(run_dir / "model.keras")
    assert isinstance(model, keras_aegan.AEGAN)
    assert int(model.generator_optimizer.iterations) == 4  # 2 x 128 / 64
    images = model.generate(3, seed=0)
    assert images.shape == (3, 16, 16, 1)
    assert images.dtype == np.float32 and images.min() >= 0


# Three CLI subprocesses over `generate()`, which every suite checks in
# process (test_saved_model_loads_and_generates): once per full run.
@pytest.mark.rotation("jax")
def test_sample_command(trained_run, tmp_path):
    run_dir, _ = trained_run
    out = tmp_path / "grid.png"
    result = _run(
        ["sample", str(run_dir / "model.keras"), "--n", "9", "--output",
         str(out)],
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    from PIL import Image

    with Image.open(out) as image:
        # 3 x 3 tiles of 16 px with 1 px padding between tiles, enlarged
        # 4 times so that each digit is 64 px.
        assert image.size == (4 * (3 * 16 + 2), 4 * (3 * 16 + 2))
    # The run's latent mixture by default, the prior on request.
    assert "latent_mixture.npz, temperature 1) to" in result.stdout
    model = str(run_dir / "model.keras")
    result = _run(
        ["sample", model, "--latent", "prior", "--refine", "rejection"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        "(codes from the prior N(0, I), refined by rejection sampling)"
        in result.stdout
    )
    lone = tmp_path / "lone.keras"
    lone.write_bytes((run_dir / "model.keras").read_bytes())
    result = _run(["sample", str(lone), "--latent", "mixture"], tmp_path)
    assert result.returncode != 0
    assert "--latent mixture needs latent_mixture.npz" in result.stderr


# Argument checks run before any backend work: once per full run.
@pytest.mark.rotation("jax")
def test_bad_cli_arguments_fail_clearly(tmp_path):
    result = _run(["train", "--epochs", "0"], tmp_path)
    assert result.returncode == 2
    assert "must be positive, got 0" in result.stderr
    result = _run(["sample", "missing.keras"], tmp_path)
    assert result.returncode != 0
    assert "No such model file: missing.keras" in result.stderr


def test_refine_arguments_are_checked_before_loading(tmp_path):
    # In process: the checks run before the model file is opened.
    missing = str(tmp_path / "missing.keras")
    with pytest.raises(SystemExit, match="applies to --refine rejection"):
        cli.main(["sample", missing, "--refine-percentile", "50"])
    with pytest.raises(SystemExit, match="--refine-percentile 150"):
        cli.main(
            ["sample", missing, "--refine", "rejection"]
            + ["--refine-percentile", "150"]
        )


@pytest.mark.rotation("torch")
def test_rerun_with_more_epochs_continues_the_run(trained_run):
    run_dir, _ = trained_run
    result = _run(
        [
            "train",
            "--epochs", "3",
            "--every", "1",
            "--limit", "128",
            "--width", "4",
            "--name", "tiny",
            "--verbose", "2",
        ],
        run_dir.parent.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Resuming from the newest checkpoint" in result.stdout
    # Only the third epoch ran: one more sample grid, two more steps.
    assert "Epoch 3/3" in result.stdout and "Epoch 1/3" not in result.stdout
    assert (run_dir / "samples" / "samples_epoch_0003.png").exists()
    model = keras.saving.load_model(run_dir / "model.keras")
    assert int(model.generator_optimizer.iterations) == 6


# The refusal compares saved arguments before training: once per full run.
@pytest.mark.rotation("tensorflow")
def test_rerun_with_other_model_arguments_is_refused(trained_run):
    run_dir, _ = trained_run
    before = (run_dir / "model.keras").read_bytes()
    result = _run(
        ["train", "--epochs", "3", "--limit", "128", "--width", "8",
         "--name", "tiny"],
        run_dir.parent.parent,
    )  # fmt: skip
    assert result.returncode != 0
    assert "--width was 4, now 8" in result.stderr
    assert "pass another --name" in result.stderr
    assert (run_dir / "model.keras").read_bytes() == before
