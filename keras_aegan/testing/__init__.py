"""Tools for testing models: the model contract and the parity harness."""

from keras_aegan.testing.model_test import run_model_test

__all__ = ["run_model_test"]
