"""A torch `DataLoader` of bare batches, made readable on every backend.

Keras's `TorchDataLoaderAdapter` turns each batch into a tuple with
`tuple(batch)`. A loader over a plain tensor (`DataLoader(tensor)`) or a
dict yields bare batches, which that call splits into rows (JAX: "Invalid
input shape") or keys, or whose `TensorSpec` it cannot iterate
(TensorFlow). Wrapping each batch in a one-element tuple `(batch,)` is
what the adapter expects, and the trainer reads the data from the
tuple's first element on every backend.

This module imports torch; it is imported only when `fit()` receives a
torch `DataLoader` (so torch is installed), whatever the Keras backend.
"""

import torch


class _TupleBatches(torch.utils.data.IterableDataset):
    """Yields the batches of `loader` as `(batch,)`, in its order."""

    def __init__(self, loader):
        super().__init__()
        self.loader = loader

    def __iter__(self):
        for batch in self.loader:
            yield (batch,)


class _SizedTupleBatches(_TupleBatches):
    """`_TupleBatches` of a loader whose length is known."""

    def __len__(self):
        return len(self.loader)


def is_data_loader(data):
    """Whether `data` is a `torch.utils.data.DataLoader`."""
    return isinstance(data, torch.utils.data.DataLoader)


def tuple_batches(loader):
    """A `DataLoader` yielding `(batch,)` for each batch of `loader`.

    The returned loader re-iterates `loader` every epoch (its shuffling,
    sampler and workers stay in charge) and has its length when that is
    known, so Keras still counts the steps of an epoch.

    Args:
        loader: A `torch.utils.data.DataLoader` whose batches are bare
            tensors or dicts.

    Returns:
        A `torch.utils.data.DataLoader`.

    Example:

    ```python
    loader = torch.utils.data.DataLoader(torch.from_numpy(x), batch_size=64)
    batch = next(iter(tuple_batches(loader)))  # (tensor of 64 rows,)
    ```
    """
    try:
        len(loader)
        wrapper = _SizedTupleBatches(loader)
    except TypeError:  # An IterableDataset without `__len__`.
        wrapper = _TupleBatches(loader)
    # batch_size=None: the inner loader's batches pass through unchanged.
    return torch.utils.data.DataLoader(wrapper, batch_size=None)
