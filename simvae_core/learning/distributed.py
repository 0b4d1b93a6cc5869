"""torch.distributed building blocks for training on several processes (torchrun), one job each.

- :func:`world` — this process's rank and the number of processes of the default process group (0 and 1
  without one).
- :func:`join` — what ``fit`` calls first: find out whether this run is one of several processes (the
  ``torchrun`` environment, or a process group the caller already initialised), initialise the process
  group if needed (NCCL on CUDA, gloo otherwise) and name the device of this rank (``cuda:LOCAL_RANK``).
- :func:`training_world` / :func:`current` — the ranks a running ``fit`` trains over. The models ask
  :func:`current`, not :func:`world`: a process of a torchrun job that calls ``fit(distributed=False)``
  trains alone even though a process group exists.
- :func:`gather_with_grad` / :func:`global_batch` — the embeddings of the *global* batch, concatenated in
  rank order, with the gradient flowing back to every rank's own rows. A loss that compares across the
  batch (NT-Xent, CLIP, VICReg's and Barlow Twins' statistics, MoCo's keys, DINO's centre, SwAV's
  Sinkhorn codes) computed on it equals the loss of one process holding the whole batch, and so do the
  parameter gradients once DistributedDataParallel has averaged them.
- :class:`GlobalBatchNorm` / :func:`synchronise_batchnorm` — BatchNorm whose training statistics are those
  of the global batch, on every backend (``torch.nn.SyncBatchNorm`` refuses CPU tensors, so it cannot run
  the gloo equivalence tests); state dicts are those of ``nn.BatchNorm1d/2d``.
- :func:`average` — the mean over ranks of a tensor (per-epoch loss terms), :func:`barrier`.

Why the gather's backward is a sum: every rank computes the same global loss ``L`` from the gathered
tensor, so rank r's autograd graph gives ``∂L/∂x_s`` for the rows ``x_s`` of every rank s. Summing these
over the ranks (``all_reduce``) and keeping its own rows gives rank r ``W · ∂L/∂x_r`` (W ranks); DDP's
average over ranks of the parameter gradients divides the W back out, leaving exactly the single-process
gradient. A plain ``all_gather`` returns tensors without a graph: the loss then trains each rank only on
its local rows, the known pitfall that ``tests/test_distributed.py`` shows to give a different gradient.
The same bookkeeping holds for the global BatchNorm statistics: their backward is a sum over ranks too.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch import nn

__all__ = [
    "GlobalBatchNorm",
    "all_agree",
    "average",
    "barrier",
    "current",
    "gather_with_grad",
    "global_batch",
    "join",
    "synchronise_batchnorm",
    "training_world",
    "world",
]

# torchrun (torch.distributed.run) sets these for every process it starts
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` when none is initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _torchrun_world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def join(distributed: bool | str, device: torch.device) -> tuple[int, int, torch.device]:
    """``(rank, world_size, device)`` of this training run (module docstring).

    ``distributed="auto"`` trains on every process of an initialised process group or of a torchrun job
    (``WORLD_SIZE > 1``), else alone; ``True`` insists (an error names what is missing); ``False`` trains
    alone. On CUDA each rank takes ``cuda:LOCAL_RANK`` unless ``device`` names an index.
    """
    if distributed not in ("auto", True, False):
        raise ValueError(f"distributed must be 'auto', True or False, got {distributed!r}")
    if distributed is False:
        return 0, 1, device
    if not (dist.is_available() and dist.is_initialized()):
        missing = [name for name in TORCHRUN_ENV if name not in os.environ]
        if missing or _torchrun_world_size() < 2:
            if distributed is True:
                raise ValueError(
                    "distributed=True needs several processes: start them with "
                    "`torchrun --nproc_per_node N ...` (missing environment: "
                    f"{', '.join(missing) or 'WORLD_SIZE > 1'}), or call "
                    "torch.distributed.init_process_group yourself before fit"
                )
            return 0, 1, device
        if not dist.is_available():  # pragma: no cover - every official build has torch.distributed
            raise ValueError("this torch build has no torch.distributed: train with distributed=False")
        if device.type == "cuda" and device.index is None:
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    elif device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())))
    rank, size = world()
    if size < 2 and distributed is True:
        raise ValueError("distributed=True, but the process group holds a single process")
    return rank, size, device


# ---------------------------------------------------------------------------------------- training world
_TRAINING: contextvars.ContextVar[tuple[int, int]] = contextvars.ContextVar("simvae_training", default=(0, 1))


@contextlib.contextmanager
def training_world(rank: int, size: int) -> Iterator[None]:
    """Inside this block the models train over ``size`` ranks (``current()`` returns ``(rank, size)``)."""
    token = _TRAINING.set((rank, size))
    try:
        yield
    finally:
        _TRAINING.reset(token)


def current() -> tuple[int, int]:
    """``(rank, size)`` of the training run in progress; ``(0, 1)`` outside a distributed ``fit``."""
    return _TRAINING.get()


# ---------------------------------------------------------------------------------------- the global batch
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


def gather_with_grad(x: torch.Tensor, check: bool = True) -> torch.Tensor:
    """``x`` of every rank concatenated along dim 0 (rank order), differentiable (module docstring).

    Every rank must pass the same shape (the global batch split evenly); with ``check`` a mismatch is an
    error that names both shapes, raised on every rank before any data moves (``fit`` splits the batch
    evenly and skips this extra collective). Without a process group, ``x``."""
    rank, size = world()
    if size == 1:
        return x
    if check:
        shapes = [None] * size
        dist.all_gather_object(shapes, tuple(x.shape))
        if len(set(shapes)) != 1:
            raise ValueError(
                f"gather_with_grad needs the same shape on every rank (split the global batch evenly), got "
                f"{dict(enumerate(shapes))}"
            )
    return _GatherWithGrad.apply(x)


def global_batch(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The global batch of each tensor (rows of every rank of the running ``fit``, in rank order), with
    gradient; the tensors themselves when ``fit`` trains alone."""
    if current()[1] == 1:
        return tensors
    return tuple(gather_with_grad(t, check=False) for t in tensors)


def average(x: torch.Tensor) -> torch.Tensor:
    """Mean over the ranks of the running ``fit`` (``x`` itself when it trains alone); not differentiable."""
    size = current()[1]
    if size == 1:
        return x
    x = x.detach().clone()
    dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x / size


def all_agree(flag: bool, device: torch.device) -> bool:
    """True when ``flag`` is true on every rank of the running ``fit`` (``flag`` when it trains alone);
    ``device`` is where the process group's backend reduces (CUDA for NCCL)."""
    if current()[1] == 1:
        return flag
    t = torch.tensor([1 if flag else 0], dtype=torch.int64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def barrier() -> None:
    """Wait for every rank of the running ``fit`` (nothing when it trains alone)."""
    if current()[1] > 1:
        dist.barrier()


# ---------------------------------------------------------------------------------------- BatchNorm
class _SumOverRanks(torch.autograd.Function):
    """``all_reduce(SUM)`` with its adjoint: the backward sums the gradients over the ranks as well."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        x = x.clone()
        dist.all_reduce(x, op=dist.ReduceOp.SUM)
        return x

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm over the global batch of a distributed ``fit``, for inputs ``(N, C)``, ``(N, C, L)`` or
    ``(N, C, H, W)``; outside one (or in eval mode) exactly ``F.batch_norm``, like ``nn.BatchNorm*d``.

    Training statistics are computed in two exact passes over all ranks' rows: the mean from the summed
    values and counts, then the biased variance from the summed squared deviations (no ``E[x²] − E[x]²``
    cancellation); the running variance takes the unbiased one, as ``nn.BatchNorm`` does. Two small
    all-reduces of ``C + 1`` and ``C`` numbers per layer and step; their backward is a sum over ranks.
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() not in (2, 3, 4):
            raise ValueError(f"expected a 2-D, 3-D or 4-D input (got {input.dim()}-D input)")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        if not self.training or current()[1] == 1:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        dims = [0, *range(2, input.dim())]
        shape = [1, -1] + [1] * (input.dim() - 2)
        x = input.float() if input.dtype in (torch.float16, torch.bfloat16) else input
        # sums accumulated in float64 (as nn.BatchNorm does on the CPU), so that splitting the batch
        # over ranks changes the statistics only at float64 rounding
        acc = torch.float32 if x.device.type == "mps" else torch.float64
        local_count = x.numel() // x.shape[1]
        sums = torch.cat([x.sum(dim=dims, dtype=acc), x.new_full((1,), float(local_count), dtype=acc)])
        sums = _SumOverRanks.apply(sums)
        count = sums[-1].detach()
        mean = (sums[:-1] / count).to(x.dtype)
        centred = x - mean.reshape(shape)
        var = (_SumOverRanks.apply((centred * centred).sum(dim=dims, dtype=acc)) / count).to(x.dtype)
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                unbiased = var.detach() * float(count / (count - 1).clamp(min=1))
                self.running_mean.mul_(1 - factor).add_(
                    mean.detach().to(self.running_mean.dtype), alpha=factor
                )
                self.running_var.mul_(1 - factor).add_(unbiased.to(self.running_var.dtype), alpha=factor)
        out = centred * torch.rsqrt(var + self.eps).reshape(shape)
        if self.affine:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out.to(input.dtype)


def synchronise_batchnorm(module: nn.Module) -> nn.Module:
    """``module`` with every ``nn.BatchNorm1d/2d`` replaced, in place, by a :class:`GlobalBatchNorm` holding
    the same parameters and buffers (a module shared by two parents stays shared). Returns ``module``."""
    done: dict[int, nn.Module] = {}

    def convert(bn: nn.modules.batchnorm._BatchNorm) -> nn.Module:
        if id(bn) not in done:
            like = next((t for t in (bn.weight, bn.running_mean) if t is not None), None)
            where = {} if like is None else {"device": like.device, "dtype": like.dtype}
            new = GlobalBatchNorm(
                bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats, **where
            )
            new.load_state_dict(bn.state_dict())
            if bn.affine:  # the same Parameter objects: an optimiser built before still updates them
                new.weight, new.bias = bn.weight, bn.bias
            new.train(bn.training)
            done[id(bn)] = new
        return done[id(bn)]

    for parent in list(module.modules()):
        for name, child in list(parent._modules.items()):
            if isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)) and not isinstance(child, GlobalBatchNorm):
                parent._modules[name] = convert(child)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return convert(module)
    return module
