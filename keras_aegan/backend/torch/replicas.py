"""PyTorch: data parallelism over `torch.distributed` process groups.

One process per device, launched with `torchrun` (which sets `RANK`,
`WORLD_SIZE` and the rendezvous address); the training script calls
`torch.distributed.init_process_group` (gloo on CPU, NCCL on GPU) before
`fit()`. What DistributedDataParallel does for an `nn.Module`, done for
the multi-phase step: the same initial state on every rank (broadcast
from rank 0), each rank its slice of every global batch, and each
phase's gradients averaged across ranks (one flat all-reduce per phase,
DDP's bucketing with one bucket) before its optimizer applies them. The
DDP wrapper itself cannot be used: it averages inside `backward()` hooks,
and each phase here asks `torch.autograd.grad` for its own variables.
"""

import contextlib
import warnings

import numpy as np
import torch
import torch.distributed as dist


def _world():
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def build_scope(model):
    """Variables are created as usual; `prepare_replicas` syncs them."""
    return contextlib.nullcontext()


def replica_position():
    """`(rank, world_size)`, `(0, 1)` without a process group."""
    return _world()


def average_across_replicas(tensors):
    """Averages a list of tensors over all ranks (one all-reduce)."""
    _, world = _world()
    if world == 1 or not tensors:
        return list(tensors)
    flat = torch.cat([t.detach().reshape(-1).float() for t in tensors])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat = flat / world
    out, start = [], 0
    for t in tensors:
        out.append(flat[start : start + t.numel()].view_as(t).to(t.dtype))
        start += t.numel()
    return out


def _broadcast_state(model):
    """Rank 0's weights, statistics, seeds and optimizer state everywhere."""
    variables = list(model.variables) + list(model.optimizer.variables)
    with torch.no_grad():
        for v in variables:
            dist.broadcast(v.value.data, src=0)


def _shard_rows(n, global_batch, rank, world):
    """Row indices of this rank's slice of every whole global batch."""
    local = global_batch // world
    whole = (n // global_batch) * global_batch
    starts = np.arange(0, whole, global_batch) + rank * local
    return (starts[:, None] + np.arange(local)[None, :]).reshape(-1)


def prepare_replicas(model, data, batch_size):
    """Syncs the state and shards array data for this rank.

    Args:
        model: The built `AdversarialTrainer`.
        data: What `fit()` trains on: an array, a dict `{"x", "noise"}`
            of arrays, or a loader/dataset (passed through: shard it with
            a `DistributedSampler`).
        batch_size: The global batch size (all ranks together).

    Returns:
        `(data, batch_size)` for this rank's `fit()`: its rows and the
        per-rank batch size.
    """
    rank, world = _world()
    if world == 1:
        return data, batch_size
    if model.noise == "host":
        raise ValueError(
            "noise='host' draws the same host noise on every process; "
            "with torch.distributed use noise='device' (the default). "
            f"Received: noise={model.noise!r}, world size {world}"
        )
    _broadcast_state(model)
    if not isinstance(data, (np.ndarray, dict)):
        return data, batch_size
    global_batch = 32 if batch_size is None else batch_size
    if global_batch % world:
        raise ValueError(
            "With torch.distributed the batch size is the global batch, "
            f"split evenly over {world} processes; it must be a multiple "
            f"of {world}. Received: batch_size={global_batch}"
        )
    arrays = data if isinstance(data, dict) else {"x": data}
    n = len(arrays["x"])
    rows = _shard_rows(n, global_batch, rank, world)
    if len(rows) == 0:
        raise ValueError(
            f"Data of {n} samples holds no whole global batch of "
            f"{global_batch}. Received: batch_size={global_batch}"
        )
    dropped = n - len(rows) * world
    if dropped and rank == 0:
        warnings.warn(
            f"{dropped} samples after the last whole global batch of "
            f"{global_batch} are not trained on (each of the {world} "
            "processes must take the same number of steps).",
            stacklevel=3,
        )

    def take(a):
        if isinstance(a, dict):
            return {k: take(v) for k, v in a.items()}
        return np.asarray(a)[rows]

    sharded = take(arrays)
    return (sharded if isinstance(data, dict) else sharded["x"]), (
        global_batch // world
    )
