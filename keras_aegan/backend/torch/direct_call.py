"""PyTorch: plain layer chains called without Keras's per-layer machinery.

Under PyTorch every Keras layer call runs `Layer.__call__` eagerly:
input conversion, call-signature binding, build checks, the training
flag's resolution, mask handling, name and autocast scopes, and the
tracking of each attribute it sets. For the small dense networks of
vector data that machinery costs more than the matrix products (a
4-layer MLP of width 128 on a batch of 256: about 2.1 ms through
`model(x)` against 0.9 ms through the layers' `call` methods in turn,
one thread), and a train step makes 18 network calls.

`install_direct_call(network)` gives a functional network whose graph
is one chain of `Dense`, `ReLU` and `LeakyReLU` layers, all float32,
without regularisers, quantisation or rematerialisation, a `forward`
that runs those layers in order, each as the torch calls its `call`
method reduces to for float32 tensors (`torch.matmul` and `torch.add`
for a `Dense` of linear activation, `relu`, `leaky_relu`), without the
`keras.ops` wrappers' conversions and dtype resolution; any other layer
(a `Dense` with LoRA or an activation, a `ReLU` with a threshold) runs
its `call` method. The same torch operations run in the same order, so
outputs and gradients are bit-identical to Keras's path
(tests/torch_direct_call_test.py).

Called as `network(x)`, such a network still runs its own
`Layer.__call__` (signature binding, input checks, the training flag,
masks, clearing losses over every sublayer, attribute tracking: about
as long as the matrix products of a small MLP). Inside
`direct_calls(networks)`, which the PyTorch trainer wraps around each
phase's loss in its train and test steps, the networks wear a subclass
of their own class whose `__call__` runs the chain directly when that
is what `Layer.__call__` would end up doing: a float32 matrix of the
network's input width, no mask, no torch hooks, no activity
regulariser, no distribution. Any other call goes to the class's own
`__call__`. The block gives each network its own class back on the way
out, also when the step raises, so saving, cloning and type checks
outside the steps see the network unchanged.

Anything else (another input, a symbolic tensor, a distribution, any
other network) takes Keras's path. Set `KERAS_AEGAN_DIRECT_CALL=0` to
turn it off, for example to compare the two.
"""

import contextlib
import os
import types

import keras
import torch

# Exact types: subclasses (spectral normalisation, for instance) may add
# work to `__call__` that skipping it would lose.
_PLAIN_LAYERS = (keras.layers.Dense, keras.layers.ReLU, keras.layers.LeakyReLU)
_CHAIN = "_keras_aegan_direct_chain"
_FEATURES = "_keras_aegan_direct_features"
ENV = "KERAS_AEGAN_DIRECT_CALL"


def _is_plain(layer):
    return (
        type(layer) in _PLAIN_LAYERS
        and layer.dtype_policy.name == "float32"
        and layer.activity_regularizer is None
        and getattr(layer, "quantization_mode", None) is None
        and not getattr(layer, "_remat_mode", None)
        and len(getattr(layer, "_inbound_nodes", ())) == 1
    )


def plain_chain(network):
    """The layers of `network`, in call order, if it is a plain chain.

    Args:
        network: A Keras model.

    Returns:
        A tuple of layers, or `None` when `network` is not a functional
        model of one input and one output whose layers (after its input
        layer) are plain `Dense`, `ReLU` and `LeakyReLU` layers, float32,
        each fed by the one before it.

    Example:

    ```python
    net = build_mlp(2, 1, units=8)
    plain_chain(net)  # (Dense, ReLU, Dense, ReLU, Dense, ReLU, Dense)
    ```
    """
    try:
        operations = list(network._operations)
        inputs, outputs = list(network.inputs), list(network.outputs)
    except (AttributeError, TypeError, ValueError):
        return None
    if (
        len(inputs) != 1
        or len(outputs) != 1
        or network.dtype_policy.name != "float32"
        or len(operations) < 2
        or not isinstance(operations[0], keras.layers.InputLayer)
    ):
        return None
    chain = tuple(operations[1:])
    previous = operations[0]
    for layer in chain:
        if not _is_plain(layer):
            return None
        node = layer._inbound_nodes[0]
        if (
            len(node.input_tensors) != 1
            or node.input_tensors[0]._keras_history.operation is not previous
        ):
            return None
        previous = layer
    if outputs[0]._keras_history.operation is not chain[-1]:
        return None
    return chain


def _plain_input(args, kwargs):
    """The float32 matrix a plain chain can take directly, or `None`."""
    x = args[0] if len(args) == 1 else None
    if (
        not isinstance(x, torch.Tensor)
        or x.dtype != torch.float32
        or x.ndim != 2
        or kwargs.get("mask") is not None
        or set(kwargs) - {"training", "mask"}
        or keras.distribution.distribution() is not None
    ):
        return None
    return x


def _direct_forward(self, *args, **kwargs):
    """`forward` of a network with a plain chain (see the module)."""
    x = _plain_input(args, kwargs)
    if x is None:
        return type(self).forward(self, *args, **kwargs)
    # Installed together with this method (`install_direct_call`).
    for layer, step in self.__dict__[_CHAIN]:
        x = step(layer, x)
    return x


def _layer_call(layer, x):
    return layer.call(x)


def _dense(layer, x):
    """`Dense.call` with a linear activation, as the torch calls it makes.

    `ops.matmul` and `ops.add` convert their inputs (a variable to its
    `value`, a tensor on another device to `get_device()`), resolve the
    result dtype and cast (no-ops for float32 inputs), then call
    `torch.matmul` and `torch.add`; those two calls are all that is left.
    """
    kernel = layer._kernel
    if (
        layer.lora_enabled
        or layer.quantization_mode is not None
        or kernel is None
        or kernel.dtype != "float32"
    ):
        return layer.call(x)
    w = kernel.value
    if x.device != w.device:
        return layer.call(x)
    y = torch.matmul(x, w)
    if layer.bias is not None:
        y = torch.add(y, layer.bias.value)
    return y


def _relu(layer, x):
    # `activations.relu` with its defaults: `backend.nn.relu`.
    return torch.nn.functional.relu(x)


def _leaky_relu(layer, x):
    # `activations.leaky_relu`: `backend.nn.leaky_relu`.
    return torch.nn.functional.leaky_relu(
        x, negative_slope=layer.negative_slope
    )


def _step(layer):
    """The function that runs `layer.call` on a float32 tensor."""
    kind = type(layer)
    if kind is keras.layers.Dense:
        if layer.activation is keras.activations.linear:
            return _dense
    elif kind is keras.layers.ReLU:
        if (
            layer.negative_slope == 0.0
            and layer.max_value is None
            and layer.threshold == 0.0
        ):
            return _relu
    elif kind is keras.layers.LeakyReLU:
        return _leaky_relu
    return _layer_call


def install_direct_call(network):
    """Gives `network` the direct `forward` when it is a plain chain.

    Args:
        network: A Keras model.

    Returns:
        `True` if installed, `False` if `network` is not a plain chain or
        `KERAS_AEGAN_DIRECT_CALL=0` is set.

    Example:

    ```python
    install_direct_call(model.generator)
    ```
    """
    if os.environ.get(ENV, "1") == "0":
        return False
    chain = plain_chain(network)
    if chain is None:
        return False
    # object.__setattr__: Keras and torch would track a tuple of layers
    # and a method as parts of the model; these are only a cache.
    steps = tuple((layer, _step(layer)) for layer in chain)
    object.__setattr__(network, _CHAIN, steps)
    object.__setattr__(network, _FEATURES, network.inputs[0].shape[-1])
    object.__setattr__(
        network, "forward", types.MethodType(_direct_forward, network)
    )
    return True


# ------------------------------------------------------------------
# The network's own `__call__`, skipped inside a train or test step.
_DIRECT_CLASSES = {}


def _direct_class(cls):
    """A subclass of `cls` whose `__call__` runs a plain chain directly.

    Named as `cls` (name, module, qualified name): a network wears it
    only inside `direct_calls`, and anything that reports its class
    there reads the original's names.
    """
    direct = _DIRECT_CLASSES.get(cls)
    if direct is None:
        direct = type(
            cls.__name__,
            (cls,),
            {
                "__call__": _direct_call,
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
            },
        )
        _DIRECT_CLASSES[cls] = direct
    return direct


def _torch_hooks(module):
    """Whether torch would run hooks around `module`'s `forward`."""
    hooks = torch.nn.modules.module
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
        or hooks._global_forward_hooks
        or hooks._global_forward_pre_hooks
        or hooks._global_backward_hooks
        or hooks._global_backward_pre_hooks
    )


def _direct_call(self, *args, **kwargs):
    """`__call__` of a network inside `direct_calls` (see the module)."""
    x = _plain_input(args, kwargs)
    if (
        x is None
        or x.shape[1] != self.__dict__[_FEATURES]
        or getattr(x, "_keras_mask", None) is not None
        or not self.built
        or self.activity_regularizer is not None
        or _torch_hooks(self)
    ):
        return type(self).__mro__[1].__call__(self, *args, **kwargs)
    for layer, step in self.__dict__[_CHAIN]:
        x = step(layer, x)
    return x


@contextlib.contextmanager
def direct_calls(networks):
    """Within the block, `networks` with a direct chain skip `__call__`.

    Args:
        networks: Keras models; those given the direct `forward` by
            `install_direct_call` run their chain without their own
            `Layer.__call__` (and torch's `Module.__call__`) when called
            with a float32 matrix of the right width, no mask, no hooks
            and no distribution; any other call takes Keras's path.
            Nothing changes while `torch.compile` traces the step.

    Example:

    ```python
    with direct_calls([model.generator, model.encoder]):
        loss = phase.loss(x, noise, training=True)
    ```
    """
    if torch.compiler.is_compiling():
        # `torch.compile` traces the step once; Keras's per-call Python
        # costs nothing in its graph, and a class swapped while tracing
        # would only break the graph.
        yield
        return
    swapped = []
    try:
        for network in networks:
            if _CHAIN in network.__dict__:
                cls = type(network)
                # object.__setattr__: Keras and torch would track it.
                object.__setattr__(network, "__class__", _direct_class(cls))
                swapped.append((network, cls))
        yield
    finally:
        for network, cls in swapped:
            object.__setattr__(network, "__class__", cls)
