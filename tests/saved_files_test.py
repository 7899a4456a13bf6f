"""Files saved by the release before a change still load and train.

`data/*_2118fb7.keras` were saved by commit 2118fb7 (see
`data/make_models_2118fb7.py`), when BEGAN's `gamma` / `lambda_k` and
EBGAN's `margin` were `compile()` arguments, kept in the compile config
only; `data/models_2118fb7.json` holds what those models computed.
`data/aegan_5964532.keras` was saved by commit 5964532 (see
`data/make_models_5964532.py`), when AEGAN's `real_label` / `fake_label`
were `compile()` arguments; `data/models_5964532.json` likewise.
"""

import json
import os
import warnings

import keras
import numpy as np
import pytest

import keras_aegan

DATA = os.path.join(os.path.dirname(__file__), "data")
with open(os.path.join(DATA, "models_2118fb7.json"), encoding="utf-8") as f:
    EXPECTED = json.load(f)
with open(os.path.join(DATA, "models_5964532.json"), encoding="utf-8") as f:
    EXPECTED_5964532 = json.load(f)


@pytest.mark.parametrize(
    "name,hyperparameters,loss_weights",
    [
        ("began", {"gamma": 0.6, "lambda_k": 0.01}, {}),
        ("ebgan", {"margin": 0.4}, {"pull_away": 0.2}),
    ],
)
def test_compile_hyperparameters_of_2118fb7_files_load(
    name, hyperparameters, loss_weights, ring, tmp_path
):
    path = os.path.join(DATA, f"{name}_2118fb7.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras_aegan.load_model(path)
    # Applied from the compile config, without a deprecation warning.
    assert not [w for w in caught if "compile(" in str(w.message)]
    assert model.compiled
    for key, value in hyperparameters.items():
        assert getattr(model, key) == value
        assert model.get_config()[key] == value
    assert model.loss_weights == loss_weights
    expected = EXPECTED[name]
    codes = np.array(EXPECTED["codes"], "float32")
    np.testing.assert_allclose(
        model.decode(codes), expected["decoded"], rtol=1e-5, atol=1e-6
    )
    if "k" in expected:
        assert float(keras.ops.convert_to_numpy(model.k)) == expected["k"]
    # It trains on, and saves the hyperparameters in its config now.
    model.fit(ring[:64], batch_size=32, verbose=0)
    model.save(tmp_path / "again.keras")
    again = keras_aegan.load_model(tmp_path / "again.keras")
    assert again.get_compile_config()["options"] == {}
    for key, value in hyperparameters.items():
        assert getattr(again, key) == value
    np.testing.assert_array_equal(
        again.generate(4, seed=0), model.generate(4, seed=0)
    )


def test_compile_labels_of_5964532_aegan_file_load(ring, tmp_path):
    path = os.path.join(DATA, "aegan_5964532.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras_aegan.load_model(path)
    # Applied from the compile config, without a deprecation warning.
    assert not [w for w in caught if "compile(" in str(w.message)]
    assert model.compiled
    assert (model.real_label, model.fake_label) == (0.9, 0.2)
    config = model.get_config()
    assert (config["real_label"], config["fake_label"]) == (0.9, 0.2)
    assert model.loss_weights["reconstruction_z"] == 2.0
    expected = EXPECTED_5964532["aegan"]
    codes = np.array(EXPECTED_5964532["codes"], "float32")
    x = keras_aegan.datasets.make_ring(64, seed=0)
    np.testing.assert_allclose(
        model.decode(codes), expected["decoded"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        model.encode(x[:4]), expected["encoded"], rtol=1e-5, atol=1e-6
    )
    # The discriminator terms of fixed data and noise use the labels.
    noise = {
        name: np.full((32, 2), 0.5, "float32")
        for name in ("discriminator", "generator")
    }
    losses = model.evaluate(
        {"x": x[:32], "noise": noise},
        batch_size=32,
        verbose=0,
        return_dict=True,
    )
    for key in ("dx_real", "dz_prior"):
        np.testing.assert_allclose(losses[key], expected[key], rtol=1e-5)
    # It trains on, and saves the labels in its config now.
    model.fit(ring[:64], batch_size=32, verbose=0)
    model.save(tmp_path / "again.keras")
    again = keras_aegan.load_model(tmp_path / "again.keras")
    assert again.get_compile_config()["options"] == {}
    assert (again.real_label, again.fake_label) == (0.9, 0.2)
    np.testing.assert_array_equal(
        again.generate(4, seed=0), model.generate(4, seed=0)
    )
