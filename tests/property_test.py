"""Property-based tests (hypothesis): shapes and value ranges.

Each property is checked on this suite's backend over generated inputs:
accepted data keeps its shape, dtype and range through the model; refused
data names what it received; the host data stream that exact resume
relies on always covers every sample once and can be rebuilt from its
saved state.
"""

import os

import keras
import numpy as np
import pytest
from conftest import small_aegan
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_aegan.layers import DataScaler
from keras_aegan.trainers import data_checks
from keras_aegan.trainers.host_noise import HostNoiseBatches
from keras_aegan.utils.atomic import write_text_atomic

FAST = settings(max_examples=40, deadline=None)
MODEL = settings(max_examples=20, deadline=None)

shapes = st.lists(st.integers(1, 5), min_size=1, max_size=6).map(tuple)


@pytest.mark.filterwarnings("ignore:Training on data of shape")
@FAST
@given(shape=shapes)
def test_only_vectors_sequences_and_images_are_accepted(shape):
    x = np.zeros(shape, "float32")
    kinds = {2: "vector", 3: "sequence", 4: "image"}
    if len(shape) in kinds:
        spec = data_checks.inspect_array(x)
        assert spec.sample_shape == shape[1:]
        assert spec.kind == kinds[len(shape)]
    else:
        with pytest.raises(ValueError, match=rf"shape={shape}".replace(
            "(", r"\(").replace(")", r"\)")):  # fmt: skip
            data_checks.inspect_array(x)


@FAST
@given(
    low=st.floats(-3, 3, width=32),
    span=st.floats(0, 3, width=32),
)
def test_float_image_ranges(low, span):
    high = np.float32(low + span)
    x = np.array([low, high], "float32").reshape(2, 1, 1, 1)
    tol = data_checks.RANGE_TOLERANCE
    lo, hi = float(x.min()), float(x.max())
    if lo >= -tol and hi <= 1 + tol:
        assert data_checks.image_range(lo, hi, x.dtype) == "unit"
    elif lo >= -1 - tol and hi <= 1 + tol:
        assert data_checks.image_range(lo, hi, x.dtype) == "symmetric"
    else:
        with pytest.raises(ValueError, match=r"Received values in \["):
            data_checks.image_range(lo, hi, x.dtype)


@FAST
@given(low=st.integers(-300, 300), high=st.integers(-300, 300))
def test_integer_image_ranges(low, high):
    low, high = min(low, high), max(low, high)
    if 0 <= low and high <= 255:
        assert data_checks.image_range(low, high, np.int32) == "uint8"
    else:
        with pytest.raises(ValueError, match=rf"\[{low}, {high}\]"):
            data_checks.image_range(low, high, np.int32)


@FAST
@given(
    data=st.integers(0, 2**32 - 1).map(np.random.default_rng),
    features=st.integers(1, 6),
    n=st.integers(2, 50),
    scale=st.floats(1e-3, 1e3),
    shift=st.floats(-1e3, 1e3),
)
def test_vector_scaling_round_trips(data, features, n, scale, shift):
    x = (data.normal(size=(n, features)) * scale + shift).astype("float32")
    spec = data_checks.inspect_array(x)
    scaler = DataScaler("vector", features)
    scaler.adapt_statistics(spec.mean, spec.std)
    y = keras.ops.convert_to_numpy(scaler(x))
    back = scaler.to_user_numpy(y)
    # float32 keeps ~7 digits: (x - m) / s * s + m is exact to a few ulps
    # of the largest magnitude involved, |x| <= |shift| + 6 * scale.
    bound = 8 * np.finfo("float32").eps * (abs(shift) + 6 * scale + 1)
    np.testing.assert_allclose(back, x, rtol=0, atol=bound)
    assert back.dtype == np.float32 and back.shape == x.shape


@FAST
@given(data=st.integers(0, 2**32 - 1).map(np.random.default_rng))
def test_uint8_images_round_trip_exactly(data):
    x = data.integers(0, 256, size=(3, 4, 4, 1)).astype("uint8")
    scaler = DataScaler("image", 1, input_range="uint8", output_dtype="uint8")
    y = keras.ops.convert_to_numpy(scaler(x))
    assert y.min() >= -1.0 and y.max() <= 1.0
    np.testing.assert_array_equal(scaler.to_user_numpy(y), x)
    # Outputs beyond the network range are clipped into [0, 255].
    wild = scaler.to_user_numpy(y * 5.0)
    assert wild.dtype == np.uint8 and wild.min() >= 0 and wild.max() <= 255


@FAST
@given(
    n=st.integers(1, 120),
    batch_size=st.integers(1, 40),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**16),
    epochs=st.integers(1, 3),
    data=st.data(),
)
def test_host_batches_cover_each_sample_once_and_rebuild(
    n, batch_size, shuffle, seed, epochs, data
):
    x = np.arange(n, dtype="float32")[:, None]
    shapes = {"generator": (2,)}
    batches = HostNoiseBatches(
        x, batch_size, shuffle, np.random.default_rng(seed), shapes
    )
    for _ in range(epochs):
        batches.on_epoch_begin()
        seen = [batches[i] for i in range(len(batches))]
        got = np.concatenate([b["x"][:, 0] for b in seen])
        assert sorted(got.tolist()) == list(range(n))
        assert all(
            len(b["x"]) == len(b["noise"]["generator"]) <= batch_size
            for b in seen
        )
        # The saved state and a batch index rebuild the rest of the epoch.
        start = data.draw(st.integers(0, len(batches) - 1))
        rebuilt_rng = np.random.default_rng()
        rebuilt_rng.bit_generator.state = batches.epoch_rng_state
        rebuilt = HostNoiseBatches(x, batch_size, shuffle, rebuilt_rng, shapes)
        rebuilt.start = start
        assert len(rebuilt) == len(batches) - start
        for i in range(len(rebuilt)):
            a, b = rebuilt[i], seen[start + i]
            np.testing.assert_array_equal(a["x"], b["x"])
            np.testing.assert_array_equal(
                a["noise"]["generator"], b["noise"]["generator"]
            )
        batches.on_epoch_end()


@pytest.fixture(scope="module")
def models(ring, digits):
    vector = small_aegan()
    vector.fit(ring[:64], epochs=0, verbose=0)
    images = (digits[0][0][:32] * 255).round().astype("uint8")
    image = small_aegan(width=4)
    image.fit(images, epochs=0, verbose=0)
    return vector, image


@MODEL
@given(n=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_generated_samples_keep_shape_dtype_and_range(models, n, seed):
    vector, image = models
    v = vector.generate(n, seed=seed)
    assert v.shape == (n, 2) and v.dtype == np.float32
    assert np.all(np.isfinite(v))
    i = image.generate(n, seed=seed)
    assert i.shape == (n, 16, 16, 1) and i.dtype == np.uint8
    codes = image.encode(i)
    assert codes.shape == (n, image.latent_dim)
    assert image.reconstruct(i).shape == i.shape


@MODEL
@given(shape=shapes)
def test_wrong_shapes_are_refused_naming_the_shape(models, shape):
    vector, _ = models
    x = np.zeros(shape, "float32")
    if shape[1:] == (2,):
        assert vector.encode(x).shape == (shape[0], 2)
        return
    with pytest.raises(ValueError, match=r"Received data with shape \("):
        vector.encode(x)


@FAST
@given(text=st.text(max_size=200))
def test_atomic_text_write_round_trips(tmp_path_factory, text):
    directory = tmp_path_factory.mktemp("atomic")
    path = directory / "file.txt"
    write_text_atomic(path, "old")
    write_text_atomic(path, text)
    with open(path, encoding="utf-8", newline="") as f:
        assert f.read() == text
    assert os.listdir(directory) == ["file.txt"]
