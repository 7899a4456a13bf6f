"""AEGAN().fit() on the built-in data and on every kind of input Keras takes."""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite
from conftest import small_aegan

import keras_aegan


def _reconstruction_error(model, x):
    recon = model.reconstruct(x)
    return float(np.mean(np.abs(recon.astype("float64") - x)))


@pytest.mark.rotation("torch")
def test_digits_reconstruction_improves(digits):
    (x, _), (x_test, _) = digits
    model = small_aegan()
    model.fit(x, epochs=0, verbose=0)  # builds; no step taken
    before = _reconstruction_error(model, x_test)
    history = model.fit(x, epochs=6, batch_size=64, verbose=0)
    after = _reconstruction_error(model, x_test)
    assert_all_finite(history)
    # Held-out L1 error in [0, 1] pixel units after 138 steps; an untrained
    # model scores about 0.34 (grey output on mostly black digits).
    assert after < before, (before, after)
    assert (
        history.history["reconstruction_x"][-1]
        < (history.history["reconstruction_x"][0])
    )


def test_ring_fit_all_losses_finite(ring):
    model = keras_aegan.AEGAN(seed=0)  # default networks, no arguments
    history = model.fit(ring, epochs=2, batch_size=256, verbose=0)
    assert_all_finite(history)
    assert model.latent_dim == 2 and model.data_kind == "vector"
    samples = model.generate(100, seed=0)
    assert samples.shape == (100, 2) and np.all(np.isfinite(samples))
    lines = model.interpolate(ring[:3], ring[3:6], steps=5)
    assert lines.shape == (3, 5, 2)
    single = model.interpolate(ring[0], ring[1], steps=4)
    assert single.shape == (4, 2)


def _batches(x, batch_size):
    for i in range(0, len(x), batch_size):
        yield (x[i : i + batch_size],)  # Keras wants tuples from generators


class _RingSequence(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        return self.x[i * self.batch_size : (i + 1) * self.batch_size]


def _tf_dataset(x, batch_size):
    tf = pytest.importorskip("tensorflow")
    return tf.data.Dataset.from_tensor_slices(x).batch(batch_size)


def _torch_loader(x, batch_size):
    torch = pytest.importorskip("torch")
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size)


@pytest.mark.parametrize(
    "make",
    [_batches, _RingSequence, _tf_dataset, _torch_loader],
    ids=["generator", "py_dataset", "tf_data", "torch_dataloader"],
)
def test_fit_accepts_keras_inputs(ring, make):
    x = ring[:256] * 3.0 + 1.0
    model = small_aegan()
    steps = []
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: steps.append(batch)
    )
    history = model.fit(make(x, 64), epochs=1, verbose=0, callbacks=[counter])
    assert_all_finite(history)
    # Count steps with a callback: with a Python generator under a
    # tf.function, Keras's own optimizer counter also advances on the call
    # that finds the generator exhausted (plain keras.Sequential does too).
    assert len(steps) == 4
    # Statistics were read from the data (all 4 batches here).
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.data_scaler.offset),
        x.mean(axis=0),
        rtol=1e-5,
    )


def test_batch_larger_than_data_and_batch_of_one(ring):
    model = small_aegan()
    history = model.fit(ring[:10], batch_size=64, epochs=1, verbose=0)
    assert_all_finite(history)
    assert int(model.generator_optimizer.iterations) == 1
    history = model.fit(ring[:1], batch_size=1, epochs=1, verbose=0)
    assert_all_finite(history)


def test_host_noise_is_reproducible_and_seeded(ring):
    histories = []
    for seed in (7, 7, 8):
        keras.utils.set_random_seed(0)  # same initial weights
        model = small_aegan(seed=seed, noise="host")
        history = model.fit(ring[:128], epochs=2, batch_size=32, verbose=0)
        histories.append(history.history["generator_loss"])
    assert histories[0] == histories[1]
    assert histories[0] != histories[2]


def test_host_noise_needs_arrays(ring):
    model = small_aegan(noise="host")
    with pytest.raises(ValueError, match=r"noise='host'.*generator"):
        model.fit(_batches(ring[:64], 32), verbose=0)
    with pytest.raises(ValueError, match=r"noise.*'gpu'"):
        small_aegan(noise="gpu")
