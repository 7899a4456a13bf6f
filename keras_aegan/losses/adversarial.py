"""Adversarial loss terms as pure functions of logits (keras.ops only)."""

from keras import ops


def sigmoid_cross_entropy(logits, target):
    """Mean binary cross-entropy of logits against a constant target.

    Written as `max(l, 0) - l * t + log(1 + exp(-|l|))` so it is stable for
    large logits and the same formula on every backend.

    Args:
        logits: Tensor of discriminator logits.
        target: Python float in [0, 1] (label smoothing allowed).

    Returns:
        Scalar tensor.

    Example:

    ```python
    sigmoid_cross_entropy(ops.zeros((4, 1)), 1.0)  # log(2)
    ```
    """
    logits = ops.cast(logits, "float32")
    return ops.mean(
        ops.relu(logits)
        - logits * target
        + ops.log1p(ops.exp(-ops.abs(logits)))
    )


def discriminator_terms(real_logits, fake_logits, real_label, fake_label):
    """Non-saturating GAN discriminator terms for one real and fake batch.

    Args:
        real_logits: Logits on real samples.
        fake_logits: Logits on generated samples.
        real_label: Target for real samples (e.g. 0.95 with smoothing).
        fake_label: Target for generated samples (e.g. 0.05).

    Returns:
        `(real_term, fake_term)` scalar tensors.

    Example:

    ```python
    real, fake = discriminator_terms(d(x), d(g(z)), 1.0, 0.0)
    ```
    """
    return (
        sigmoid_cross_entropy(real_logits, real_label),
        sigmoid_cross_entropy(fake_logits, fake_label),
    )


def generator_term(fake_logits):
    """Non-saturating generator term: -log D(G(z)) on the logits.

    Args:
        fake_logits: Discriminator logits on generated samples.

    Returns:
        Scalar tensor.

    Example:

    ```python
    loss = generator_term(d(g(z)))
    ```
    """
    return sigmoid_cross_entropy(fake_logits, 1.0)
