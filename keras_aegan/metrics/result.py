"""The value every metric function returns, with how it was measured."""

import dataclasses
import math
import numbers
import types

import numpy as np


def _plain(value):
    """Converts NumPy scalars/arrays and containers to plain Python types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dict, types.MappingProxyType)):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"`MetricResult` values must be real numbers. "
            f"Received: {name}={value!r}"
        )
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


@dataclasses.dataclass(frozen=True)
class MetricResult:
    """The result of a metric, with the protocol it was measured under.

    Every public function in `keras_aegan.metrics` returns a
    `MetricResult`. A single-valued metric (such as FID) has a number as
    its `value`; a multi-valued one (such as precision and recall) has a
    dict of named numbers. `protocol` records how the number was obtained,
    so that it can be compared with other numbers: the metric functions
    fill in what they know (sample counts, feature dimension, subset
    sizes, neighbourhood sizes, ...) and merge in the `protocol` dict their
    caller passes (extractor name, reference split, sampling seed,
    `"ema"` or `"raw"` generator weights, ...).

    The instance is immutable: `value` (when a dict) and `protocol` are
    read-only mappings holding copies of what was passed in.

    Args:
        name: Name of the metric, for example `"fid"`.
        value: A real number, or a dict mapping names to real numbers.
            Integers stay integers (for example a count of modes); other
            reals become Python floats. NaN and infinities are kept.
        protocol: Optional dict of JSON-friendly facts about the
            measurement. NumPy scalars and arrays are converted to
            Python numbers and lists.

    Example:

    >>> result = MetricResult("fid", 12.5, {"num_fake": 10000})
    >>> float(result)
    12.5
    >>> result.to_dict()
    {'name': 'fid', 'value': 12.5, 'protocol': {'num_fake': 10000}}
    >>> pr = MetricResult("precision_recall", {"precision": 0.9, "recall": 1})
    >>> pr["recall"]
    1
    """

    name: str
    value: object
    protocol: object = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(
                "`name` must be a non-empty string. "
                f"Received: name={self.name!r}"
            )
        value = _plain(self.value)
        if isinstance(value, dict):
            if not value:
                raise ValueError(
                    "`value` must be a number or a non-empty dict of "
                    f"numbers. Received: value={self.value!r}"
                )
            value = types.MappingProxyType(
                {k: _number(f"value[{k!r}]", v) for k, v in value.items()}
            )
        else:
            value = _number("value", value)
        protocol = {} if self.protocol is None else self.protocol
        if not isinstance(protocol, (dict, types.MappingProxyType)):
            raise ValueError(
                "`protocol` must be a dict or None. "
                f"Received: protocol of type {type(protocol).__name__}"
            )
        protocol = types.MappingProxyType(_plain(protocol))
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "protocol", protocol)

    def __float__(self):
        if not isinstance(self.value, numbers.Real):
            raise TypeError(
                f"`{self.name}` has several values "
                f"({', '.join(self.value)}); index it by name instead of "
                "calling float() on it."
            )
        return float(self.value)

    def __getitem__(self, key):
        if not isinstance(self.value, types.MappingProxyType):
            raise TypeError(
                f"`{self.name}` has a single value; use `float(result)` or "
                f"`result.value`. Received: key={key!r}"
            )
        return self.value[key]

    def __repr__(self):
        value = self.value
        if isinstance(value, types.MappingProxyType):
            value = dict(value)
        return (
            f"MetricResult(name={self.name!r}, value={value!r}, "
            f"protocol={dict(self.protocol)!r})"
        )

    def to_dict(self):
        """Returns the result as plain Python types, for JSON.

        `json.dumps(result.to_dict())` works whenever the protocol holds
        JSON types. Non-finite values (an undefined KL divergence, for
        example) stay `float("nan")`/`float("inf")`, which `json.dumps`
        writes as `NaN`/`Infinity` unless `allow_nan=False` is passed.

        Returns:
            A dict with keys `"name"`, `"value"` and `"protocol"`.
        """
        return {
            "name": self.name,
            "value": _plain(self.value),
            "protocol": _plain(self.protocol),
        }

    @classmethod
    def from_dict(cls, config):
        """Rebuilds a `MetricResult` from the output of `to_dict()`.

        Args:
            config: A dict with keys `"name"`, `"value"` and optionally
                `"protocol"`.

        Returns:
            A `MetricResult`.
        """
        return cls(config["name"], config["value"], config.get("protocol"))


def make_result(name, value, measured, protocol):
    """Builds a `MetricResult`, merging the caller's protocol (private).

    Args:
        name: Metric name.
        value: Number or dict of numbers.
        measured: Dict of facts the metric function knows itself.
        protocol: The caller's dict, or None. Its keys are added to
            `measured`; a key that `measured` also has must carry the same
            value, since a different one would record the measurement
            wrongly.

    Returns:
        A `MetricResult`.
    """
    merged = dict(measured)
    if protocol is not None:
        if not isinstance(protocol, (dict, types.MappingProxyType)):
            raise ValueError(
                "`protocol` must be a dict or None. "
                f"Received: protocol of type {type(protocol).__name__}"
            )
        for key, caller_value in protocol.items():
            if key in merged and not _same(merged[key], caller_value):
                raise ValueError(
                    f"`protocol[{key!r}]` contradicts what {name} measured "
                    f"({merged[key]!r}). Leave the key out or use another "
                    f"name. Received: protocol[{key!r}]={caller_value!r}"
                )
            merged[key] = caller_value
    return MetricResult(name, value, merged)


def _same(a, b):
    a, b = _plain(a), _plain(b)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b
