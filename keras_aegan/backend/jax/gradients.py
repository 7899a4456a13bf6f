"""JAX: gradients of a network's output with respect to its input."""

import jax
import keras
from keras.src.backend.common.stateless_scope import get_stateless_scope


def input_gradients(network, inputs, training):
    """Returns `(outputs, [d sum(outputs) / d input for each input])`.

    `jax.vjp` of the network call. Inside a train step the model state is
    held by a `keras.StatelessScope`; the call runs in a nested scope
    that starts from the same values and is then dropped, so state the
    call changes (BatchNorm statistics) is discarded and no inner tracer
    escapes. The result is differentiable by the enclosing
    `jax.value_and_grad` (double backpropagation). The inputs are treated
    as constants.

    Args:
        network: A Keras layer or model.
        inputs: List of tensors; the network is called on the list, or on
            its only element.
        training: Passed to the network call.
    """
    outer = get_stateless_scope()
    inputs = [jax.lax.stop_gradient(jax.numpy.asarray(t)) for t in inputs]

    def call(*args):
        scope = keras.StatelessScope()
        if outer is not None:
            scope.state_mapping = dict(outer.state_mapping)
        with scope:
            out = network(
                args[0] if len(args) == 1 else list(args), training=training
            )
        return out.astype("float32")

    outputs, pullback = jax.vjp(call, *inputs)
    grads = pullback(jax.numpy.ones_like(outputs))
    return outputs, list(grads)
