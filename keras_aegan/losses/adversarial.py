"""The non-saturating GAN terms as functions of logits (keras.ops only).

Shorthands for `keras_aegan.losses.NonSaturating`, the zoo's objective,
for code that uses it alone (see `examples/autoencoder_generator.py`).
"""

from keras_aegan.losses.zoo import NonSaturating
from keras_aegan.losses.zoo import sigmoid_cross_entropy

__all__ = ["discriminator_terms", "generator_term", "sigmoid_cross_entropy"]

_NON_SATURATING = NonSaturating()


def discriminator_terms(real_logits, fake_logits, real_label, fake_label):
    """Non-saturating GAN discriminator terms for one real and fake batch.

    `NonSaturating().discriminator_terms(...)`: the cross-entropy of the
    logits against the labels.

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
    return _NON_SATURATING.discriminator_terms(
        real_logits, fake_logits, real_label, fake_label
    )


def generator_term(fake_logits):
    """Non-saturating generator term: -log D(G(z)) on the logits.

    `NonSaturating().generator_term(fake_logits)`.

    Args:
        fake_logits: Discriminator logits on generated samples.

    Returns:
        Scalar tensor.

    Example:

    ```python
    loss = generator_term(d(g(z)))
    ```
    """
    return _NON_SATURATING.generator_term(fake_logits)
