"""Shared fixtures. The suite runs once per backend (KERAS_BACKEND)."""

import keras
import numpy as np
import pytest

import keras_aegan

BACKEND = keras.backend.backend()


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same initial weights on its backend."""
    keras.utils.set_random_seed(0)


@pytest.fixture(scope="session")
def digits():
    """The built-in digits: ((x_train, y_train), (x_test, y_test))."""
    return keras_aegan.datasets.load_digits()


@pytest.fixture(scope="session")
def ring():
    return keras_aegan.datasets.make_ring(1024, seed=0)


def small_aegan(**kwargs):
    """An AEGAN with narrow default networks, for fast tests."""
    kwargs.setdefault("width", 8)
    kwargs.setdefault("seed", 0)
    return keras_aegan.AEGAN(**kwargs)


def network_values(model, name):
    """NumPy copies of all variables of one network, by path."""
    return {
        v.path: np.array(keras.ops.convert_to_numpy(v))
        for v in getattr(model, name).variables
    }


def optimizer_values(optimizer):
    return [
        np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables
    ]


def assert_all_finite(history):
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
