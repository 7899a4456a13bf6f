"""PyTorch: the loss trackers' per-step update as a few torch calls.

A train step updates one `keras.metrics.Mean` per logged loss term (14
for AEGAN) and reads every result back for the logs. Under PyTorch each
`update_state` runs eagerly through `keras.ops`: casts, rank checks,
broadcasting, a `Variable.assign` per variable, each converting its
inputs and resolving dtypes; a `result()` does the same again. On the
small dense networks of vector data that was about a tenth of a step.

`update_means(trackers, logs, batch_size)` does for the float32 `Mean`
trackers of 0-d float32 values what `update_state(value,
sample_weight=batch_size)` then `result()` do, as a handful of torch
calls on all of them at once:

- `total += value * batch_size` and `count += batch_size`
  (`Mean.update_state` for a scalar value and a scalar weight: the
  product, a sum over one element, `assign(total + product)`);
- `result = total / count`, or 0 where `count == 0`
  (`ops.divide_no_nan`, the same two `torch.where` calls).

The same float32 operations on the same operands, element by element,
so the trackers' variables and the logs are bit-identical to Keras's
path (tests/torch_trackers_test.py). Any other tracker (the `Sum` of
skipped updates, a float16 value, a metric of another type) takes its
own `update_state` and `result`. `KERAS_AEGAN_DIRECT_CALL=0` turns this
off too.
"""

import os

import keras
import torch

from keras_aegan.backend.torch.direct_call import ENV


def _is_fast(tracker, value):
    return (
        type(tracker) is keras.metrics.Mean
        and tracker.dtype == "float32"
        and isinstance(value, torch.Tensor)
        and value.dtype == torch.float32
        and value.ndim == 0
    )


def update_means(trackers, logs, batch_size, skip_key):
    """Updates `trackers` with `logs` and returns their results.

    Args:
        trackers: The model's loss trackers: `keras.metrics.Mean` per
            loss term, and the `Sum` of skipped updates under
            `skip_key`.
        logs: Dict of the step's values by tracker name; a tracker whose
            name is missing is not updated (a disabled phase's terms, the
            skip count in a test step).
        batch_size: The step's batch size (each term's sample weight).
        skip_key: Name of the tracker updated without a sample weight.

    Returns:
        Dict of every tracker's result by name, in `trackers`' order.

    Example:

    ```python
    with torch.no_grad():
        logs = update_means(model.metrics, logs, 64, SKIPS_KEY)
    ```
    """
    direct = os.environ.get(ENV, "1") != "0"
    fast = []
    for tracker in trackers:
        if tracker.name not in logs:
            continue
        if tracker.name == skip_key:
            tracker.update_state(logs[skip_key])
        elif direct and _is_fast(tracker, logs[tracker.name]):
            fast.append((tracker, logs[tracker.name]))
        else:
            tracker.update_state(logs[tracker.name], sample_weight=batch_size)
    means = {}
    if fast:
        values = [value for _, value in fast]
        totals = [t.total.value for t, _ in fast]
        counts = [t.count.value for t, _ in fast]
        # `convert_to_tensor(batch_size, "float32")` in Keras's path.
        weight = torch.as_tensor(
            batch_size, dtype=torch.float32, device=totals[0].device
        )
        torch._foreach_add_(totals, torch._foreach_mul(values, weight))
        torch._foreach_add_(counts, weight)
        total, count = torch.stack(totals), torch.stack(counts)
        zero = count == 0
        safe = torch.where(zero, torch.ones_like(count), count)
        result = torch.where(zero, 0, torch.divide(total, safe))
        means = {t.name: r for (t, _), r in zip(fast, result.unbind())}
    return {
        t.name: means[t.name] if t.name in means else t.result()
        for t in trackers
    }
