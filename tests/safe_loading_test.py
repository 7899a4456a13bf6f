"""Loading is safe: safe_mode holds, bad files fail with clear errors."""

import json
import zipfile

import keras
import numpy as np
import pytest
from conftest import small_aegan

from keras_aegan.cli import main


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, ring):
    model = small_aegan()
    model.fit(ring[:64], epochs=1, batch_size=32, verbose=0)
    path = tmp_path_factory.mktemp("safe") / "model.keras"
    model.save(path)
    return model, path


def _rewrite(src, dst, edit_config):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit_config(config)
                data = json.dumps(config).encode()
            zout.writestr(item, data)


def test_package_model_loads_in_safe_mode(saved_model):
    model, path = saved_model
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        loaded.generate(4, seed=0), model.generate(4, seed=0)
    )
    with zipfile.ZipFile(path) as z:
        text = z.read("config.json").decode()
    assert "Lambda" not in text and "pickle" not in text


def test_injected_lambda_is_refused(saved_model, tmp_path):
    _, path = saved_model
    bad = tmp_path / "lambda.keras"

    def inject(config):
        net = config["config"]["generator"]["config"]
        # A Lambda layer with a serialized Python function, as an attacker
        # would add it.
        lam = keras.layers.Lambda(lambda t: t * 2.0)
        entry = keras.saving.serialize_keras_object(lam)
        entry["name"] = "injected"
        entry["inbound_nodes"] = []
        net["layers"].append(entry)

    _rewrite(path, bad, inject)
    with pytest.raises(ValueError, match=r"(?i)lambda.*safe_mode|unsafe"):
        keras.saving.load_model(bad, safe_mode=True)


def test_truncated_file_fails_clearly(saved_model, tmp_path):
    _, path = saved_model
    data = path.read_bytes()
    bad = tmp_path / "truncated.keras"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(SystemExit, match=r"Not a .keras file.*truncated"):
        main(["sample", str(bad)])
    # The original file is untouched and still loads.
    keras.saving.load_model(path)


def test_file_of_another_class_is_refused(tmp_path):
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(SystemExit, match=r"holds a Sequential, not a keras"):
        main(["sample", str(path)])
