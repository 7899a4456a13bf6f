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
    with pytest.raises(
        SystemExit, match=r"holds a 'Sequential'.*not a keras_aegan"
    ):
        main(["sample", str(path)])


def _variant(path, tmp_path, name, edit):
    """A copy of the saved file with one member rewritten by `edit`."""
    bad = tmp_path / name
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)
    return bad


def _flip_byte_in_weights(path, tmp_path):
    """Flips one stored byte of the weights member, keeping the zip valid
    except for that member's checksum."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("model.weights.h5")
    # The member's data starts after its 30-byte local header, name and
    # extra field; flip a byte in the middle of it.
    start = info.header_offset + 30 + len(info.filename.encode())
    start += len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    bad = tmp_path / "flipped.keras"
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    "case,message",
    [
        ("missing", r"No such model file"),
        ("empty", r"Not a .keras file.*\(0 bytes\)"),
        ("garbage", r"Not a .keras file.*truncated or corrupted"),
        ("truncated", r"Not a .keras file"),
        ("directory", r"No such model file"),
        ("bad_json", r"config.json is not valid JSON"),
        ("json_list", r"config.json holds a list"),
        ("no_weights", r"lacks \['model.weights.h5'\]"),
        ("flipped", r"member 'model.weights.h5' fails its checksum"),
        ("unknown_class", r"holds a 'NoSuchGAN'.*not a keras_aegan model"),
        ("lambda", r"(?i)Could not load.*lambda"),
    ],
)
def test_bad_model_files_fail_clearly(saved_model, tmp_path, case, message):
    import keras_aegan

    _, path = saved_model
    original = path.read_bytes()
    data = path.read_bytes()

    def unknown(config):
        config["class_name"] = "NoSuchGAN"
        config["registered_name"] = "keras_aegan>NoSuchGAN"

    def lam(config):
        entry = keras.saving.serialize_keras_object(
            keras.layers.Lambda(lambda t: t * 2.0)
        )
        entry["name"], entry["inbound_nodes"] = "injected", []
        config["config"]["generator"]["config"]["layers"].append(entry)

    bad = tmp_path / f"{case}.keras"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "garbage":
        bad.write_bytes(np.random.default_rng(0).bytes(4096))
    elif case == "truncated":
        bad.write_bytes(data[: len(data) * 3 // 4])
    elif case == "directory":
        bad.mkdir()
    elif case == "bad_json":
        bad = _variant(
            path, tmp_path, "j.keras",
            lambda n, d: d[:-5] if n == "config.json" else d,
        )  # fmt: skip
    elif case == "json_list":
        bad = _variant(
            path, tmp_path, "l.keras",
            lambda n, d: b"[1, 2]" if n == "config.json" else d,
        )  # fmt: skip
    elif case == "no_weights":
        bad = _variant(
            path, tmp_path, "w.keras",
            lambda n, d: None if n == "model.weights.h5" else d,
        )  # fmt: skip
    elif case == "flipped":
        bad = _flip_byte_in_weights(path, tmp_path)
    elif case == "unknown_class":
        _rewrite(path, bad, unknown)
    elif case == "lambda":
        _rewrite(path, bad, lam)
    with pytest.raises((ValueError, OSError), match=message):
        keras_aegan.load_model(bad)
    with pytest.raises(SystemExit, match=message):
        main(["sample", str(bad), "--output", str(tmp_path / "x.png")])
    # The good file is untouched.
    assert path.read_bytes() == original
