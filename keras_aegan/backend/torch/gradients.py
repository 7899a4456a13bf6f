"""PyTorch: gradients of a network's output with respect to its input."""

import torch


def input_gradients(network, inputs, training):
    """Returns `(outputs, [d sum(outputs) / d input for each input])`.

    `torch.autograd.grad` with `create_graph=True` when gradients are being
    recorded (inside a train step), so a penalty built from the returned
    gradients trains the network's weights (double backpropagation). The
    inputs are detached (treated as constants). State the call changes
    (BatchNorm statistics) is put back afterwards.

    Args:
        network: A Keras layer or model.
        inputs: List of tensors; the network is called on the list, or on
            its only element.
        training: Passed to the network call.
    """
    create_graph = torch.is_grad_enabled()
    state = network.non_trainable_variables
    saved = [v.value.detach().clone() for v in state]
    with torch.enable_grad():
        inputs = [
            torch.as_tensor(t).detach().requires_grad_(True) for t in inputs
        ]
        outputs = network(
            inputs[0] if len(inputs) == 1 else inputs, training=training
        )
        grads = torch.autograd.grad(
            outputs.float().sum(), inputs, create_graph=create_graph
        )
    with torch.no_grad():
        for v, value in zip(state, saved):
            v.assign(value)
    if not create_graph:
        outputs = outputs.detach()
    return outputs, list(grads)
