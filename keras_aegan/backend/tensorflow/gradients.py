"""TensorFlow: gradients of a network's output with respect to its input."""

import tensorflow as tf


def input_gradients(network, inputs, training):
    """Returns `(outputs, [d sum(outputs) / d input for each input])`.

    A nested `tf.GradientTape`: when an outer tape is recording (the
    phase's), the returned gradients are themselves differentiable, so a
    penalty built from them trains the network's weights (double
    backpropagation). The inputs are treated as constants. State the
    call changes (BatchNorm statistics) is put back afterwards.

    Args:
        network: A Keras layer or model.
        inputs: List of tensors; the network is called on the list, or on
            its only element.
        training: Passed to the network call.
    """
    inputs = [tf.stop_gradient(tf.convert_to_tensor(t)) for t in inputs]
    state = network.non_trainable_variables
    saved = [tf.identity(v.value) for v in state]
    with tf.GradientTape() as tape:
        for t in inputs:
            tape.watch(t)
        outputs = network(
            inputs[0] if len(inputs) == 1 else inputs, training=training
        )
        total = tf.reduce_sum(tf.cast(outputs, "float32"))
    grads = tape.gradient(total, inputs)
    for v, value in zip(state, saved):
        v.assign(value)
    return outputs, grads
