"""Learned critics for the MI bounds, and the loops that train and evaluate them.

:class:`SeparableCritic` (``g(x)ᵀ h(y) / τ``) and :class:`ConcatCritic` (``MLP([x; y])``) map a batch of
pairs to the ``(K, K)`` scores matrix that every bound of :mod:`simvae_core.objectives.mi_bounds` reads;
:func:`train_critic` maximises a bound over a critic's parameters, :func:`evaluate_critic` reads a fixed
critic (learned, or an analytic one from :mod:`simvae_core.theory.known_mi`) on fresh batches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_int, check_positive, resolve_generator
from ..objectives.mi_bounds import resolve_estimator

__all__ = ["ConcatCritic", "SeparableCritic", "evaluate_critic", "train_critic"]

# ----------------------------------------------------------------------------------------------------------
# learned critics


def _mlp(in_dim: int, hidden: int, layers: int, out_dim: int) -> nn.Sequential:
    mods: list[nn.Module] = []
    width = in_dim
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    mods.append(nn.Linear(width, out_dim))
    return nn.Sequential(*mods)


class _SeededInit:
    """Build parameters under a fixed seed without touching the global RNG stream."""

    def __init__(self, seed: int | None) -> None:
        self.seed = None if seed is None else check_int(seed, "seed", minimum=0)
        self._fork: Any = None

    def __enter__(self) -> None:
        if self.seed is not None:
            self._fork = torch.random.fork_rng(devices=[])
            self._fork.__enter__()
            torch.manual_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        if self._fork is not None:
            self._fork.__exit__(*exc)


class SeparableCritic(nn.Module):
    """``f(x, y) = g(x)ᵀ h(y) / τ`` with two MLP embeddings (Oord et al. 2018; Poole et al.'s "separable").

    ``x_dim`` -> ``layers`` × ``hidden`` ReLU -> ``embed_dim`` (likewise for y). ``shared=True`` uses one
    network for both (a SimCLR-style encoder for two views of the same kind); ``normalize=True`` puts the
    embeddings on the unit sphere (cosine similarity, SimCLR's critic) and ``temperature`` τ scales the
    scores. ``forward(x (K, x_dim), y (K, y_dim)) -> scores (K, K)``; ``embed_x`` / ``embed_y`` give the
    representations. ``seed`` makes the initialisation reproducible without consuming the global RNG.
    """

    def __init__(
        self,
        x_dim: int,
        y_dim: int | None = None,
        *,
        hidden: int = 256,
        layers: int = 2,
        embed_dim: int = 32,
        shared: bool = False,
        normalize: bool = False,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        x_dim = check_int(x_dim, "x_dim")
        y_dim = x_dim if y_dim is None else check_int(y_dim, "y_dim")
        if shared and y_dim != x_dim:
            raise ValueError(f"shared=True needs x_dim == y_dim, got {x_dim} and {y_dim}.")
        hidden = check_int(hidden, "hidden")
        layers = check_int(layers, "layers", minimum=0)
        embed_dim = check_int(embed_dim, "embed_dim")
        tau = check_positive(temperature, "temperature")
        with _SeededInit(seed):
            self.g = _mlp(x_dim, hidden, layers, embed_dim)
            self.h = self.g if shared else _mlp(y_dim, hidden, layers, embed_dim)
        self.normalize = bool(normalize)
        self.temperature = tau

    def embed_x(self, x: torch.Tensor) -> torch.Tensor:
        e = self.g(x)
        return F.normalize(e, dim=-1) if self.normalize else e

    def embed_y(self, y: torch.Tensor) -> torch.Tensor:
        e = self.h(y)
        return F.normalize(e, dim=-1) if self.normalize else e

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.embed_x(x) @ self.embed_y(y).mT / self.temperature  # (K, K)


class ConcatCritic(nn.Module):
    """``f(x, y) = MLP([x; y])`` evaluated on all K² pairs (Poole et al.'s "concat"; MINE's critic).

    More flexible than :class:`SeparableCritic` (not limited to a low-rank score matrix) but K² forward
    passes per batch. ``forward(x (K, x_dim), y (K, y_dim)) -> scores (K, K)``.
    """

    def __init__(
        self,
        x_dim: int,
        y_dim: int | None = None,
        *,
        hidden: int = 256,
        layers: int = 2,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        x_dim = check_int(x_dim, "x_dim")
        y_dim = x_dim if y_dim is None else check_int(y_dim, "y_dim")
        with _SeededInit(seed):
            self.net = _mlp(x_dim + y_dim, check_int(hidden, "hidden"), check_int(layers, "layers"), 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        K = x.shape[0]
        pairs = torch.cat([x.unsqueeze(1).expand(K, K, -1), y.unsqueeze(0).expand(K, K, -1)], dim=-1)
        return self.net(pairs).squeeze(-1)  # (K, K): [i, j] = f(x_i, y_j)


# ----------------------------------------------------------------------------------------------------------
# training and evaluating critics

Sampler = Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Run on one intra-op thread, then restore the caller's setting.

    The critics here are small (batches of 64–512, widths of 256): each op takes microseconds, so extra
    threads only add synchronisation, and on a busy machine an oversubscribed pool made these loops
    ~50× slower in our measurements.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _check_steps_and_sampler(steps: object, sampler: object) -> int:
    steps = check_int(steps, "steps")
    if not callable(sampler):
        raise TypeError("sampler must be a callable (step, generator) -> (x (K, d_x), y (K, d_y)).")
    return steps


def train_critic(
    critic: nn.Module,
    estimator: str | Callable[..., torch.Tensor],
    sampler: Sampler,
    *,
    steps: int,
    lr: float = 5e-4,
    seed: int = 0,
    **options: Any,
) -> np.ndarray:
    """Maximise ``estimator`` over the critic's parameters with Adam; return the trace of estimates.

    ``sampler(step, generator) -> (x, y)`` draws the batch of step ``step`` (so a schedule, such as Poole
    et al.'s MI staircase, lives in the sampler); all its randomness comes from ``generator``, seeded with
    ``seed``. ``options`` go to the estimator (``clip=``, ``alpha=``, ``log_baseline=``). Returns a float64
    array of shape (steps,): the estimate on each training batch, before that step's update (as Poole et
    al. report them). The critic is trained in place, on one thread (see ``_one_thread``).
    """
    fn = resolve_estimator(estimator)
    steps = _check_steps_and_sampler(steps, sampler)
    if not isinstance(critic, nn.Module) or not any(p.requires_grad for p in critic.parameters()):
        raise TypeError(
            "critic must be an nn.Module with trainable parameters (SeparableCritic, ConcatCritic)."
        )
    lr = check_positive(lr, "lr")
    generator = resolve_generator(None, seed, "train_critic")
    optimiser = torch.optim.Adam(critic.parameters(), lr=lr)
    trace = np.empty(steps)
    critic.train()
    with _one_thread():
        for step in range(steps):
            x, y = sampler(step, generator)
            value = fn(critic(x, y), **options)
            optimiser.zero_grad(set_to_none=True)
            (-value).backward()
            optimiser.step()
            trace[step] = value.item()
    return trace


def evaluate_critic(
    critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    estimator: str | Callable[..., torch.Tensor],
    sampler: Sampler,
    *,
    n_batches: int,
    seed: int = 0,
    **options: Any,
) -> np.ndarray:
    """Estimates of a fixed critic (learned, or analytic: :func:`gaussian_log_critic`) on fresh batches.

    ``critic(x, y) -> scores (K, K)``; ``sampler(batch_index, generator)`` as in :func:`train_critic`.
    Returns a float64 array of shape (n_batches,) (no gradients are taken).
    """
    fn = resolve_estimator(estimator)
    n_batches = _check_steps_and_sampler(n_batches, sampler)
    if not callable(critic):
        raise TypeError("critic must be a callable (x, y) -> scores (K, K).")
    generator = resolve_generator(None, seed, "evaluate_critic")
    out = np.empty(n_batches)
    was_training = getattr(critic, "training", None)
    if isinstance(critic, nn.Module):
        critic.eval()
    with torch.no_grad(), _one_thread():
        for i in range(n_batches):
            x, y = sampler(i, generator)
            out[i] = fn(critic(x, y), **options).item()
    if isinstance(critic, nn.Module) and was_training:
        critic.train()
    return out
