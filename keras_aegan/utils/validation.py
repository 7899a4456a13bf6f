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


def check_in_range(name, value, low, high, low_open=False):
    """Returns `value` as a `float`, or raises if it is not in the range.

    Args:
        name: Argument name, for the message.
        value: The value received.
        low: Lower bound.
        high: Upper bound, included (`math.inf` for none).
        low_open: Exclude `low` (the range is `(low, high]`, else
            `[low, high]`).

    Returns:
        `float(value)`.

    Example:

    ```python
    check_in_range("gamma", 0.5, 0.0, 1.0, low_open=True)  # 0.5
    ```
    """
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real)
    if ok:
        value = float(value)
        above = value > low if low_open else value >= low
        ok = math.isfinite(value) and above and value <= high
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high}]"
        raise ValueError(
            f"`{name}` must be a number in {interval}. "
            f"Received: {name}={value!r}"
        )
    return value
