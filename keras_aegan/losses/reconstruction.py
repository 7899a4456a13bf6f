"""Reconstruction terms (keras.ops only)."""

from keras import ops


def mean_absolute_error(x, y):
    """Mean of |x - y| over all elements (L1 reconstruction).

    Args:
        x: Tensor.
        y: Tensor of the same shape.

    Returns:
        Scalar tensor.

    Example:

    ```python
    mean_absolute_error(x, decoder(encoder(x)))
    ```
    """
    return ops.mean(ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32")))


def mean_squared_error(x, y):
    """Mean of (x - y)^2 over all elements.

    Args:
        x: Tensor.
        y: Tensor of the same shape.

    Returns:
        Scalar tensor.

    Example:

    ```python
    mean_squared_error(z, encoder(generator(z)))
    ```
    """
    return ops.mean(ops.square(ops.cast(x, "float32") - ops.cast(y, "float32")))
