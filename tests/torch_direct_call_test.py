"""PyTorch's direct calls of plain dense networks give Keras's results.

`keras_aegan.backend.torch.direct_call` runs the layers of a plain
Dense/ReLU/LeakyReLU chain through their `call` methods instead of
`Layer.__call__`. The same operations run in the same order, so every
comparison here is exact: bit-identical outputs, gradients and trained
weights, not a tolerance.
"""

import keras
import numpy as np
import pytest

import keras_aegan
from keras_aegan.networks.conv import image_discriminator
from keras_aegan.networks.mlp import build_mlp

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "torch",
    reason="the direct call path exists under PyTorch only",
)

if keras.backend.backend() == "torch":
    import torch

    from keras_aegan.backend.torch import direct_call


def _trained_weights(monkeypatch, enabled, x):
    monkeypatch.setenv(direct_call.ENV, "1" if enabled else "0")
    keras.utils.set_random_seed(0)
    model = keras_aegan.AEGAN(seed=0)
    model.fit(x, batch_size=64, epochs=2, verbose=0)
    installed = {
        name: "forward" in vars(getattr(model, name))
        for name in model.network_names
    }
    return [keras.ops.convert_to_numpy(v) for v in model.weights], installed


def test_training_is_bit_identical_with_and_without(monkeypatch, ring):
    x = ring[:256]
    direct, installed = _trained_weights(monkeypatch, True, x)
    keras_path, not_installed = _trained_weights(monkeypatch, False, x)
    # The vector AEGAN's four networks are plain chains.
    assert all(installed.values()) and not any(not_installed.values())
    assert len(direct) == len(keras_path)
    for a, b in zip(direct, keras_path):
        np.testing.assert_array_equal(a, b)


def test_outputs_and_gradients_are_bit_identical(monkeypatch):
    net = build_mlp(3, 2, units=16, activation="leaky_relu")
    x = torch.randn(8, 3)
    reference = keras.models.clone_model(net)
    reference.set_weights(net.get_weights())
    assert direct_call.install_direct_call(net)
    # Counts the inner layers' `Layer.__call__`: none on the direct path
    # (so the comparison below is not Keras's path against itself), 4
    # Dense calls on Keras's.
    dense_calls = []
    keras_call = keras.layers.Dense.__call__

    def counting_call(layer, *args, **kwargs):
        dense_calls.append(layer)
        return keras_call(layer, *args, **kwargs)

    monkeypatch.setattr(keras.layers.Dense, "__call__", counting_call)
    outputs, calls = [], []
    for model in (net, reference):
        dense_calls.clear()
        y = model(x, training=True)
        calls.append(len(dense_calls))
        grads = torch.autograd.grad(
            y.square().sum(), [v.value for v in model.trainable_variables]
        )
        outputs.append((y.detach(), grads))
    assert calls == [0, 4]
    (y_direct, g_direct), (y_keras, g_keras) = outputs
    assert torch.equal(y_direct, y_keras)
    for a, b in zip(g_direct, g_keras):
        assert torch.equal(a, b)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_plain_layers_run_as_torch_calls(monkeypatch, activation):
    """Dense, ReLU and LeakyReLU run as the torch calls their `call`
    methods reduce to: no layer's `call` runs, outputs are bit-equal."""
    net = build_mlp(3, 2, units=16, activation=activation)
    reference = keras.models.clone_model(net)
    reference.set_weights(net.get_weights())
    assert direct_call.install_direct_call(net)
    layer_calls = []
    for kind in (keras.layers.Dense, keras.layers.ReLU, keras.layers.LeakyReLU):
        original = kind.call

        def counting(layer, *args, _original=original, **kwargs):
            layer_calls.append(layer)
            return _original(layer, *args, **kwargs)

        monkeypatch.setattr(kind, "call", counting)
    x = torch.randn(8, 3)
    y = net(x, training=True)
    assert layer_calls == []
    assert torch.equal(y, reference(x, training=True))
    assert len(layer_calls) == 7  # Keras's path: 4 Dense, 3 activations


def test_changed_layers_fall_back_to_their_call():
    """A layer given LoRA, or a Dense with an activation, after or before
    the direct call was installed, computes what Keras computes."""
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4, activation="tanh")(inputs)
    net = keras.Model(inputs, keras.layers.Dense(2)(h))
    reference = keras.models.clone_model(net)
    assert direct_call.install_direct_call(net)
    net.layers[-1].enable_lora(1, b_initializer="ones")
    reference.layers[-1].enable_lora(1, b_initializer="ones")
    reference.set_weights(net.get_weights())
    x = torch.randn(5, 3)
    assert torch.equal(net(x), reference(x))


def test_other_inputs_take_keras_path_and_saving_is_unchanged(tmp_path):
    net = build_mlp(3, 2, units=4)
    assert direct_call.install_direct_call(net)
    # Symbolic inputs (Keras building a graph) and float64 arrays go
    # through Keras's own path.
    assert net(keras.Input((3,))).shape == (None, 2)
    y64 = net(np.ones((2, 3), "float64"))
    assert keras.ops.convert_to_numpy(y64).dtype == np.float32
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\)"):
        net(torch.ones(2, 5))
    path = tmp_path / "net.keras"
    net.save(path)
    loaded = keras.models.load_model(path)
    x = torch.ones(2, 3)
    assert torch.equal(loaded(x), net(x))


@pytest.mark.parametrize(
    "make",
    [
        lambda: image_discriminator((16, 16, 1)),
        lambda: _with_policy("mixed_bfloat16"),
        lambda: _with_extra_layer(keras.layers.Dropout(0.1)),
        lambda: _branching(),
    ],
    ids=["conv", "mixed_policy", "dropout", "branching"],
)
def test_only_plain_chains_are_changed(make):
    net = make()
    assert direct_call.plain_chain(net) is None
    assert not direct_call.install_direct_call(net)
    assert "forward" not in vars(net)


def _with_policy(policy):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        return build_mlp(3, 2, units=4)
    finally:
        keras.config.set_dtype_policy(previous)


def _with_extra_layer(layer):
    inputs = keras.Input((3,))
    h = keras.layers.Dense(4)(inputs)
    return keras.Model(inputs, keras.layers.Dense(2)(layer(h)))


def _branching():
    inputs = keras.Input((3,))
    a = keras.layers.Dense(4)(inputs)
    b = keras.layers.Dense(4)(inputs)
    return keras.Model(inputs, keras.layers.Add()([a, b]))


def test_plain_chain_lists_the_layers_in_call_order():
    net = build_mlp(3, 2, units=4, depth=2, activation="relu")
    chain = direct_call.plain_chain(net)
    assert [type(layer).__name__ for layer in chain] == [
        "Dense", "ReLU", "Dense", "ReLU", "Dense",
    ]  # fmt: skip
    assert chain[-1] is net.layers[-1]


def test_switch_turns_it_off(monkeypatch):
    monkeypatch.setenv(direct_call.ENV, "0")
    net = build_mlp(3, 2, units=4)
    assert not direct_call.install_direct_call(net)
    assert "forward" not in vars(net)


def _network_calls(monkeypatch, model):
    """Records the `Layer.__call__`s of `model`'s four networks."""
    calls = []
    original = keras.layers.Layer.__call__
    networks = {id(getattr(model, n)): n for n in model.network_names}

    def counting(layer, *args, **kwargs):
        if id(layer) in networks:
            calls.append(networks[id(layer)])
        return original(layer, *args, **kwargs)

    monkeypatch.setattr(keras.layers.Layer, "__call__", counting)
    return calls


def test_steps_skip_the_networks_own_call(monkeypatch, ring):
    """Inside train and test steps the plain networks run their chains
    without `Layer.__call__`; outside, they are their own class again."""
    model = keras_aegan.AEGAN(seed=0, width=16)
    model.fit(ring[:64], batch_size=64, epochs=1, verbose=0)  # installs
    classes = {n: type(getattr(model, n)) for n in model.network_names}
    calls = _network_calls(monkeypatch, model)
    model.fit(ring[:128], batch_size=64, epochs=1, verbose=0)
    model.evaluate(ring[:64], batch_size=64, verbose=0)
    assert calls == []
    assert {n: type(getattr(model, n)) for n in model.network_names} == (
        classes
    )
    # Those are the networks' own classes, not the ones worn in steps.
    worn = set(direct_call._DIRECT_CLASSES.values())
    assert worn and not worn & set(classes.values())
    # Outside a step, a call takes Keras's path.
    model.generator(torch.zeros(2, model.latent_dim))
    assert calls == ["generator"]
    # With the switch off, every step calls the networks through Keras.
    monkeypatch.setenv(direct_call.ENV, "0")
    keras_path = keras_aegan.AEGAN(seed=0, width=16)
    keras_path.fit(ring[:64], batch_size=64, epochs=1, verbose=0)
    calls = _network_calls(monkeypatch, keras_path)
    keras_path.fit(ring[:64], batch_size=64, epochs=1, verbose=0)
    assert len(calls) == 18  # a step calls AEGAN's networks 18 times


def test_class_is_restored_when_a_step_raises(ring):
    model = keras_aegan.AEGAN(seed=0, width=16)
    model.fit(ring[:64], batch_size=64, epochs=1, verbose=0)
    cls = type(model.encoder)

    class Boom(RuntimeError):
        pass

    def fail(*args, **kwargs):
        assert type(model.encoder) is not cls  # inside: swapped
        raise Boom()

    phase = model.phases[0]
    original = phase.loss
    object.__setattr__(phase, "loss", fail)
    try:
        with pytest.raises(Boom):
            model.fit(ring[:64], batch_size=64, epochs=1, verbose=0)
    finally:
        object.__setattr__(phase, "loss", original)
    assert type(model.encoder) is cls


def test_calls_inside_direct_calls_that_are_not_plain_take_keras_path():
    net = build_mlp(3, 2, units=4)
    reference = keras.models.clone_model(net)
    reference.set_weights(net.get_weights())
    assert direct_call.install_direct_call(net)
    hooked = []
    with direct_call.direct_calls([net]):
        # Keras's input check still names the wrong width.
        with pytest.raises(ValueError, match=r"expected shape=\(None, 3\)"):
            net(torch.ones(2, 5))
        y64 = net(np.ones((2, 3), "float64"))  # converted by Keras
        handle = net.register_forward_hook(lambda *a: hooked.append(1))
        y = net(torch.ones(2, 3))
        handle.remove()
        z = net(torch.ones(2, 3))
    assert hooked == [1]  # the torch hook ran: Module.__call__ did
    assert torch.equal(y, reference(torch.ones(2, 3)))
    assert torch.equal(z, y)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(y64),
        keras.ops.convert_to_numpy(reference(np.ones((2, 3), "float64"))),
    )
    # Given back its own class, not the one worn inside the block.
    assert type(net) is type(reference)


def test_nothing_is_swapped_while_torch_compile_traces(monkeypatch):
    net = build_mlp(3, 2, units=4)
    assert direct_call.install_direct_call(net)
    cls = type(net)
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    with direct_call.direct_calls([net]):
        assert type(net) is cls
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: False)
    with direct_call.direct_calls([net]):
        assert type(net) is not cls and isinstance(net, cls)
    assert type(net) is cls
