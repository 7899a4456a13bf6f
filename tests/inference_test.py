"""predict_batches: the outputs of `predict()` without its per-call cost."""

import keras
import numpy as np
import pytest

from keras_aegan.utils.inference import predict_batches


def _two_output_model():
    a = keras.Input((3,))
    b = keras.Input((2,))
    h = keras.layers.Dense(4, activation="tanh")(
        keras.layers.Concatenate()([a, b])
    )
    # BatchNormalization: inference mode uses the moving statistics, so a
    # row's output does not depend on the rest of its batch.
    h = keras.layers.BatchNormalization(
        moving_mean_initializer="ones", moving_variance_initializer="ones"
    )(h)
    return keras.Model([a, b], [keras.layers.Dense(1)(h), h])


@pytest.mark.parametrize("rows,batch_size", [(1, 4), (7, 3), (8, 4), (5, 9)])
def test_equals_predict_for_every_batch_split(rows, batch_size):
    model = _two_output_model()
    rng = np.random.default_rng(rows)
    inputs = [
        rng.normal(size=(rows, 3)).astype("float32"),
        rng.normal(size=(rows, 2)).astype("float32"),
    ]
    ours = predict_batches(model, inputs, batch_size)
    keras_outputs = model.predict(inputs, batch_size=batch_size, verbose=0)
    assert isinstance(ours, list) and len(ours) == 2
    for got, want in zip(ours, keras_outputs):
        assert isinstance(got, np.ndarray) and got.shape[0] == rows
        np.testing.assert_array_equal(got, want)
    # Inference mode: one row alone gives that row's batched output.
    alone = predict_batches(model, [t[-1:] for t in inputs], 1)
    np.testing.assert_allclose(alone[1], ours[1][-1:], rtol=1e-6, atol=1e-6)


def test_a_layer_without_predict_is_called_in_inference_mode():
    layer = keras.layers.Dropout(0.9)  # drops units only when training
    x = np.ones((5, 4), "float32")
    np.testing.assert_array_equal(predict_batches(layer, x, 2), x)


def test_no_rows_is_an_error():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="Received: 0 rows"):
        predict_batches(model, np.zeros((0, 2), "float32"), 4)
