"""Gradient penalties of a discriminator: WGAN-GP, R1, R2 (keras.ops).

Each takes the discriminator (a Keras layer or model) and its inputs; the
input-gradient comes from `keras_aegan.backend.input_gradients`, one small
function per backend, and is differentiable inside a train step, so the
penalty trains the discriminator's weights. Inputs may be one tensor or a
list of tensors (a joint `(x, z)` discriminator); the squared gradient
norm of a sample then sums over all of its inputs.
"""

from keras import ops

from keras_aegan import backend


def _as_list(inputs):
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def squared_gradient_norms(network, inputs, training=True):
    """Per-sample `||d D(x) / d x||^2`, shape `(batch,)`.

    Args:
        network: The discriminator.
        inputs: Its input tensor, or a list of input tensors.
        training: Passed to the discriminator call.

    Returns:
        Float32 tensor of shape `(batch,)`.

    Example:

    ```python
    norms = squared_gradient_norms(discriminator, x)
    ```
    """
    _, grads = backend.input_gradients(network, _as_list(inputs), training)
    total = 0.0
    for g in grads:
        g = ops.cast(g, "float32")
        g = ops.reshape(g, (ops.shape(g)[0], -1))
        total = total + ops.sum(ops.square(g), axis=1)
    return total


def r1_penalty(network, real, training=True):
    """R1: `E[||grad D(x)||^2] / 2` on real samples.

    Multiply by `gamma` (10 in Mescheder et al.) to get the paper's term.

    Args:
        network: The discriminator.
        real: Real samples (tensor or list of tensors).
        training: Passed to the discriminator call.

    Returns:
        Scalar float32 tensor.

    Example:

    ```python
    loss = d_loss + 10.0 * r1_penalty(discriminator, x)
    ```

    Reference:
        - [Mescheder et al., "Which Training Methods for GANs do actually
          Converge?", 2018](https://arxiv.org/abs/1801.04406)
    """
    return 0.5 * ops.mean(squared_gradient_norms(network, real, training))


def r2_penalty(network, fake, training=True):
    """R2: `E[||grad D(x)||^2] / 2` on generated samples.

    Args:
        network: The discriminator.
        fake: Generated samples (tensor or list of tensors), treated as
            constants.
        training: Passed to the discriminator call.

    Returns:
        Scalar float32 tensor.

    Example:

    ```python
    loss = d_loss + 10.0 * r2_penalty(discriminator, ops.stop_gradient(g))
    ```

    Reference:
        - [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406)
    """
    return 0.5 * ops.mean(squared_gradient_norms(network, fake, training))


def interpolate(real, fake, epsilon):
    """`epsilon * real + (1 - epsilon) * fake`, per sample.

    Args:
        real: Tensor or list of tensors.
        fake: Same structure and shapes as `real`.
        epsilon: Tensor of shape `(batch,)` or `(batch, 1)` in [0, 1].

    Returns:
        The interpolates, with the structure of `real`.

    Example:

    ```python
    x_hat = interpolate(x, g, keras.random.uniform((batch,)))
    ```
    """
    epsilon = ops.reshape(ops.cast(epsilon, "float32"), (-1,))
    out = []
    for r, f in zip(_as_list(real), _as_list(fake)):
        e = ops.reshape(epsilon, (-1,) + (1,) * (len(r.shape) - 1))
        out.append(
            e * ops.cast(r, "float32") + (1.0 - e) * ops.cast(f, "float32")
        )
    return out if isinstance(real, (list, tuple)) else out[0]


def gradient_penalty(network, real, fake, epsilon, training=True):
    """WGAN-GP: `E[(||grad D(x_hat)|| - 1)^2]` at random interpolates.

    Multiply by lambda (10 in Gulrajani et al.). The norm is taken as
    `sqrt(n + 1e-12)` so its gradient is finite where the input-gradient
    vanishes.

    Args:
        network: The critic.
        real: Real samples (tensor or list of tensors).
        fake: Generated samples of the same structure, treated as
            constants.
        epsilon: Interpolation weights in [0, 1], shape `(batch,)`.
        training: Passed to the critic call.

    Returns:
        Scalar float32 tensor.

    Example:

    ```python
    eps = keras.random.uniform((batch,), seed=seed_generator)
    loss = critic_loss + 10.0 * gradient_penalty(critic, x, g, eps)
    ```

    Reference:
        - [Gulrajani et al., "Improved Training of Wasserstein GANs",
          2017](https://arxiv.org/abs/1704.00028)
    """
    x_hat = interpolate(real, fake, epsilon)
    norms = ops.sqrt(squared_gradient_norms(network, x_hat, training) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def uniform_from_normal(noise):
    """Maps standard normal noise to uniform [0, 1] (the normal CDF).

    Lets a penalty's interpolation weights come from the step's normal
    noise dict, so a test that feeds the noise explicitly feeds them too.

    Args:
        noise: Tensor of standard normal samples.

    Returns:
        Tensor of the same shape with values in [0, 1].

    Example:

    ```python
    eps = uniform_from_normal(noise["gradient_penalty"])
    ```
    """
    return 0.5 * (1.0 + ops.erf(ops.cast(noise, "float32") / 2.0**0.5))
