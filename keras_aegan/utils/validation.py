"""Argument checks shared across the package."""

import math
import numbers


def check_int(name, value, minimum):
    """Returns `value` as an `int`, or raises if it is not one >= minimum.

    Args:
        name: Argument name, for the message.
        value: The value received.
        minimum: Smallest accepted value.

    Returns:
        `int(value)`.

    Example:

    ```python
    check_int("steps", 8, 2)  # 8
    ```
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_positive_int(name, value):
    """`check_int(name, value, 1)`.

    Args:
        name: Argument name, for the message.
        value: The value received.

    Returns:
        `int(value)`.

    Example:

    ```python
    check_positive_int("latent_dim", 16)  # 16
    ```
    """
    return check_int(name, value, 1)


def check_positive(name, value):
    """Returns `value` as a `float`, or raises if it is not finite and > 0.

    Args:
        name: Argument name, for the message.
        value: The value received.

    Returns:
        `float(value)`.

    Example:

    ```python
    check_positive("std", 0.01)  # 0.01
    ```
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"`{name}` must be a finite number > 0. Received: {name}={value!r}"
        )
    return float(value)
