"""SIGKILL a training process, rerun the same command: nothing is lost.

Each run is a real subprocess on this suite's backend. The job trains with
host noise and a fixed data order, checkpointing every 2 batches; the
resumed run must end with exactly the weights and optimizer state of a
run that was never interrupted (same backend, same CPU, same operations,
so bit-identical results are the expected outcome, not a tolerance).
"""

import random
import signal

import numpy as np
import pytest
from conftest import finish_job
from conftest import start_job

JOB = "keras_aegan.testing.resume_job"
SAMPLES, BATCH, EPOCHS, SAVE_FREQ = 192, 32, 3, 2
STEPS = SAMPLES // BATCH * EPOCHS  # 18 steps, 6 per epoch


def _args(tmp):
    return [
        "--backup-dir", str(tmp / "backup"),
        "--output", str(tmp / "final.npz"),
        "--samples", str(SAMPLES), "--batch-size", str(BATCH),
        "--epochs", str(EPOCHS), "--save-freq", str(SAVE_FREQ),
    ]  # fmt: skip


def _run(tmp, kill_at=None):
    """Runs the job; with `kill_at`, SIGKILLs it once it reports that step.

    Returns the steps it reported and whether it was killed.
    """
    proc = start_job(JOB, _args(tmp), tmp / "job.log")
    steps = []
    for line in proc.stdout:
        if line.startswith("step "):
            steps.append(int(line.split()[1]))
            if kill_at is not None and steps[-1] >= kill_at:
                proc.send_signal(signal.SIGKILL)
                break
    code, err = finish_job(proc)
    killed = code == -signal.SIGKILL
    assert killed or code == 0, f"job failed ({code}):\n{err}"
    return steps, killed


def _latest_step(tmp):
    pointer = tmp / "backup" / "latest"
    if not pointer.exists():
        return 0
    return int(pointer.read_text().split("-")[1])


def _assert_same_state(a_path, b_path, context):
    a, b = np.load(a_path), np.load(b_path)
    assert sorted(a.files) == sorted(b.files)
    differing = [k for k in a.files if not np.array_equal(a[k], b[k])]
    assert not differing, f"{context}: {len(differing)} variables differ"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uninterrupted")
    steps, killed = _run(tmp)
    assert steps == list(range(1, STEPS + 1)) and not killed
    return tmp / "final.npz"


def _kill_and_resume(tmp, kills):
    """Kills the job at each step of `kills` in turn, then lets it finish.

    Asserts that every restart continued from the newest checkpoint.
    """
    for kill_at in kills:
        saved = _latest_step(tmp)
        steps, killed = _run(tmp, kill_at)
        if steps:
            assert steps[0] == saved + 1, (saved, steps)
        if not killed:
            return
    saved = _latest_step(tmp)
    steps, killed = _run(tmp)
    assert not killed
    if saved == STEPS:
        # Killed after the last step's checkpoint: nothing is left to train,
        # the rerun only restores and writes the final state.
        assert steps == []
    else:
        assert steps[0] == saved + 1 and steps[-1] == STEPS


def test_kills_inside_an_epoch_and_at_random_steps_resume_exactly(
    uninterrupted, tmp_path
):
    # Step 9 is batch 3 of epoch 2; the newest checkpoint is then step 8
    # (batch 2 of epoch 2), so the first restart begins inside that epoch.
    # Then one more kill at a random step of the resumed run.
    seed = random.SystemRandom().randrange(2**32)
    second = random.Random(seed).randint(10, STEPS + 3)  # may finish first
    _kill_and_resume(tmp_path, [9, second])
    _assert_same_state(
        uninterrupted,
        tmp_path / "final.npz",
        f"kills at steps 9, {second} (random seed {seed})",
    )
