"""Two things a new user tries first, on this suite's backend (issue #17).

A torch `DataLoader` over a plain tensor (no `TensorDataset`), and Keras's
monitoring callbacks left on `mode="auto"` for a loss term.
"""

import keras
import numpy as np
import pytest
from conftest import assert_all_finite
from conftest import small_aegan

torch = pytest.importorskip("torch")


class _Rows(torch.utils.data.IterableDataset):
    """Rows of an array, without `__len__` (steps per epoch unknown)."""

    def __init__(self, x):
        super().__init__()
        self.x = x

    def __iter__(self):
        return iter(torch.from_numpy(self.x))


def _plain(x):
    return torch.utils.data.DataLoader(
        torch.from_numpy(x), batch_size=64, shuffle=True
    )


def _dicts(x):
    rows = [{"x": torch.from_numpy(row)} for row in x]
    return torch.utils.data.DataLoader(rows, batch_size=64)


def _unsized(x):
    return torch.utils.data.DataLoader(_Rows(x), batch_size=64)


def test_data_loader_of_bare_batches_trains(ring):
    x = ring[:256] * 3.0 + 1.0
    model = small_aegan(width=4)
    steps = []
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: steps.append(batch)
    )
    # One model for all three loaders: one compiled step.
    for make, epochs in ((_plain, 2), (_dicts, 1), (_unsized, 1)):
        steps.clear()
        history = model.fit(
            make(x), epochs=epochs, verbose=0, callbacks=[counter]
        )
        assert_all_finite(history)
        assert len(history.history["generator_loss"]) == epochs
        assert len(steps) == 4 * epochs, make.__name__  # batches of 64
        if make is _plain:
            assert model.data_shape == (2,)
            # Statistics were read from whole batches, not single rows.
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(model.data_scaler.offset),
                x.mean(axis=0),
                rtol=1e-5,
            )
    assert model.generate(3, seed=0).shape == (3, 2)


def test_monitors_of_a_loss_term_need_no_mode(ring):
    model = small_aegan(width=4)
    model.fit(ring[:64], epochs=1, batch_size=64, verbose=0)
    before = keras.ops.convert_to_numpy(model.generator_optimizer.learning_rate)
    stopping = keras.callbacks.EarlyStopping(
        monitor="discriminator_loss", patience=5
    )
    validated = keras.callbacks.EarlyStopping(
        monitor="val_generator_loss", patience=5
    )
    explicit = keras.callbacks.EarlyStopping(
        monitor="generator_loss", mode="max", patience=5
    )
    # A huge min_delta: no epoch after the first counts as better, so the
    # learning rates halve after epochs 2 and 3 (patience 0).
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="generator_loss", factor=0.5, patience=0, min_delta=1e9
    )
    history = model.fit(
        ring[:128],
        validation_data=ring[128:256],
        epochs=3,
        batch_size=64,
        verbose=0,
        callbacks=[stopping, validated, explicit, plateau],
    )
    assert len(history.history["discriminator_loss"]) == 3
    assert stopping.mode == "min" and validated.mode == "min"
    assert plateau.mode == "min"
    assert stopping.monitor_op is keras.ops.less
    assert explicit.mode == "max"  # a mode given is left alone
    directions = {m.name: m._direction for m in model.metrics}
    assert directions["reconstruction_x"] == "down"
    after = keras.ops.convert_to_numpy(model.generator_optimizer.learning_rate)
    np.testing.assert_allclose(after, before / 4, rtol=1e-6)
