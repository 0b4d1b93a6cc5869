"""torch.distributed building blocks for training on several processes (torchrun), one job each.

- :func:`world` — this process's rank and the number of processes (0 and 1 without a process group).
- :func:`gather_with_grad` — the embeddings of the *global* batch, concatenated in rank order, with the
  gradient flowing back to every rank's own rows. A loss that compares across the batch (NT-Xent, CLIP,
  VICReg's and Barlow Twins' statistics, ...) computed on it equals the loss of one process holding the
  whole batch, and so do the parameter gradients once DistributedDataParallel has averaged them.

Why the backward is a sum: every rank computes the same global loss ``L`` from the gathered tensor, so
rank r's autograd graph gives ``∂L/∂x_s`` for the rows ``x_s`` of every rank s. Summing these over the
ranks (``all_reduce``) and keeping its own rows gives rank r ``W · ∂L/∂x_r`` (W ranks); DDP's average
over ranks of the parameter gradients divides the W back out, leaving exactly the single-process
gradient. A plain ``all_gather`` returns tensors without a graph: the loss then trains each rank only on
its local rows, the known pitfall that ``tests/test_distributed.py`` shows to give a different gradient.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

__all__ = ["gather_with_grad", "world"]


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` when none is initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        rank, size = world()
        ctx.rank, ctx.rows = rank, x.shape[0]
        parts = [torch.empty_like(x) for _ in range(size)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """``x`` of every rank concatenated along dim 0 (rank order), differentiable (module docstring).

    Every rank must pass the same shape (the global batch split evenly); a mismatch is an error that
    names both shapes, raised on every rank before any data moves. Without a process group, ``x``."""
    rank, size = world()
    if size == 1:
        return x
    shapes = [None] * size
    dist.all_gather_object(shapes, tuple(x.shape))
    if len(set(shapes)) != 1:
        raise ValueError(
            f"gather_with_grad needs the same shape on every rank (split the global batch evenly), got "
            f"{dict(enumerate(shapes))}"
        )
    return _GatherWithGrad.apply(x)
