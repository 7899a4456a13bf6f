"""Under JAX and PyTorch, seeding, training an anomaly detector, training
with the TensorBoard callbacks, saving and loading never import
TensorFlow (about 460 MiB and several seconds per process when it is
installed), the package's seeding leaves
the state Keras's `set_random_seed` leaves, and configs serialise the
same with or without TensorFlow.

Runs a fresh subprocess on this suite's backend (the process running the
tests has long imported everything); skipped under TensorFlow.
"""

import os
import subprocess
import sys
import textwrap

import keras
import pytest

BACKEND = keras.backend.backend()

SCRIPT = textwrap.dedent(
    """
    import json, os, random, sys
    import keras
    import numpy as np
    import keras_aegan
    from keras_aegan.backend import set_random_seed

    def state():
        noise = keras.random.normal((3,))
        return [random.random(), float(np.random.rand())] + [
            float(v) for v in keras.ops.convert_to_numpy(noise)
        ]

    # keras.utils.set_random_seed imports TensorFlow whenever it is
    # installed, to seed it; the package's own seeding (the detector's
    # `seed`, the CLI's `--seed`) must not.
    set_random_seed(3)
    seeded = state()
    x = keras_aegan.datasets.make_ring(128, seed=0)
    detector = keras_aegan.anomaly.AnomalyDetector(
        epochs=1, batch_size=32, seed=0, model_kwargs={"width": 8}
    )
    detector.fit(x)
    model = keras_aegan.AEGAN(width=8, seed=0)  # EMA copies: clone_model
    # The TensorBoard log the CLI writes: scalars, images, sample metrics.
    log_dir = sys.argv[2]
    callbacks = [
        keras_aegan.callbacks.TensorBoardScalars(log_dir),
        keras_aegan.callbacks.TensorBoardImages(log_dir, num_samples=16),
        keras_aegan.callbacks.SampleMetrics(
            "ring", num_samples=64, log_dir=log_dir, tensorboard=True
        ),
    ]
    model.fit(x, epochs=1, batch_size=32, verbose=0, callbacks=callbacks)
    events = os.listdir(os.path.join(log_dir, "train"))
    print("event files:", len(events))
    model.save(sys.argv[1])
    loaded = keras_aegan.load_model(sys.argv[1])
    np.testing.assert_array_equal(
        loaded.generate(4, seed=0), model.generate(4, seed=0)
    )
    before = json.dumps(loaded.get_config(), sort_keys=True, default=str)
    optimizer = json.dumps(
        keras.saving.serialize_keras_object(loaded.generator_optimizer),
        sort_keys=True,
    )
    print("imported:", "tensorflow" in sys.modules)
    keras.utils.set_random_seed(3)  # imports TensorFlow, if installed
    print("same seeded state:", state() == seeded)
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        print("same config: True")
    else:
        after = json.dumps(loaded.get_config(), sort_keys=True, default=str)
        optimizer_after = json.dumps(
            keras.saving.serialize_keras_object(loaded.generator_optimizer),
            sort_keys=True,
        )
        print("same config:", before == after and optimizer == optimizer_after)
    """
)


@pytest.mark.skipif(
    BACKEND == "tensorflow", reason="TensorFlow is this suite's framework"
)
def test_seeding_training_saving_and_loading_leave_tensorflow_unimported(
    tmp_path,
):
    env = dict(os.environ, KERAS_BACKEND=BACKEND)
    env.setdefault("OMP_NUM_THREADS", "1")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(tmp_path / "model.keras"),
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported: False" in result.stdout, result.stdout
    # One event file per writer: scalars, images, sample metrics.
    assert "event files: 3" in result.stdout, result.stdout
    assert "same seeded state: True" in result.stdout, result.stdout
    assert "same config: True" in result.stdout, result.stdout
