"""A process killed while saving a large model never loses the old file.

The job (a real subprocess on this suite's backend) saves a ~100 MB model
and reports how long its faster of two saves took; the test then
SIGKILLs it part-way through the next save, at a random point between 10%
and 35% of that duration. Save durations vary up to 2x between saves on a
busy machine, and Keras opens the file within the first few percent of
the save, so the write is in progress when the kill lands (the first
test checks that it was).
"""

import os
import random
import signal
import time
import zipfile

import keras
import numpy as np
import pytest
from conftest import BACKEND
from conftest import finish_job
from conftest import start_job

import keras_aegan
from keras_aegan.testing.atomic_save_job import outputs

JOB = "keras_aegan.testing.atomic_save_job"


def _kill_during_last_save(directory, plain=False):
    """Runs the job and SIGKILLs it during its last save.

    Returns the delay used, for failure messages.
    """
    args = [directory] + (["--plain"] if plain else [])
    proc = start_job(JOB, args, directory / "job.log")
    duration = None
    delay = None
    for line in proc.stdout:
        if line.startswith("ready "):
            duration = float(line.split()[1])
        elif line.startswith("saving"):
            delay = random.uniform(0.1, 0.35) * duration
            # Sleep in the parent, then kill: the child is inside save().
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    code, err = finish_job(proc)
    assert code == -signal.SIGKILL, f"job ended with {code}:\n{err}"
    return duration, delay


@pytest.mark.slow
# The atomic write (temporary file, fsync, rename) is the same code on
# every backend; the per-backend save/load tests cover what goes in it.
@pytest.mark.rotation("torch")
def test_kill_during_save_leaves_previous_model_loadable(tmp_path):
    duration, delay = _kill_during_last_save(tmp_path)
    context = f"save took {duration:.3f}s, killed after {delay:.3f}s"
    leftovers = [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    # The kill landed inside the write: its temporary file is still there.
    assert leftovers, f"no write was in progress ({context})"
    model = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(model, keras_aegan.AEGAN)
    expected = np.load(tmp_path / "outputs.npz")
    np.testing.assert_array_equal(
        outputs(model), expected["first"], err_msg=context
    )
    # The next save to the same path clears the dead writer's file.
    model.save(tmp_path / "model.keras")
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]


@pytest.mark.slow
@pytest.mark.skipif(
    BACKEND != "jax",
    reason="a property of Keras's own save path, which is the same on "
    "every backend; checked once",
)
def test_kill_during_plain_keras_save_corrupts_the_file(tmp_path):
    """The same kill against Keras's in-place save: the hazard is real."""
    duration, delay = _kill_during_last_save(tmp_path, plain=True)
    path = tmp_path / "model.keras"
    assert not zipfile.is_zipfile(path), (
        f"the in-place file survived a kill after {delay:.3f}s of a "
        f"{duration:.3f}s save"
    )
