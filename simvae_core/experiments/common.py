"""Pieces every claim family uses: training on view groups, encoding them, and what each part costs.

- :func:`train_on_groups`  ``fit`` on a pool of views per group for a fixed number of optimisation steps
- :func:`encode_views`     representations of every view of every group, ``(N, J, D) -> (N, J, d)``
- :class:`Clock`           seconds spent training and evaluating, so a notebook can show that evaluation
  costs no more than the training it evaluates
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import torch

from ..learning.methods import get_method
from ..learning.train import TrainedModel, fit

__all__ = ["Clock", "encode_views", "train_on_groups"]


def train_on_groups(
    method: str,
    views: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    latent_dim: int,
    seed: int,
    cache: bool = True,
    **options: Any,
) -> TrainedModel:
    """Train ``method`` on ``views`` ``(N, J, D)`` for ``steps`` optimisation steps of ``batch_size`` groups,
    two distinct views of each group per step drawn from the pool (fresh pairs every epoch, like fresh
    augmentations). Discriminative methods act on the representation itself unless ``head_layers`` is
    given (no projection head: notebook 04 studies the head). A finished model is reused from the model
    cache (``cache=False`` when a ``callback`` watches the training)."""
    n = views.shape[0]
    batch = min(batch_size, n)
    if get_method(method).model is not None:
        options = {"head_layers": 0, **options}
    return fit(
        method,
        views,
        steps=steps,
        latent_dim=latent_dim,
        seed=seed,
        batch_size=batch,
        n_views=2,
        progress=False,
        cache=cache and options.get("callback") is None,
        **options,
    )


def encode_views(trained: TrainedModel, views: torch.Tensor, **kw: Any) -> torch.Tensor:
    """Representations of every view: ``(N, J, D) -> (N, J, d)`` (``kw`` as in ``trained.encode``)."""
    n, j = views.shape[:2]
    return trained.encode(views.reshape(n * j, *views.shape[2:]), **kw).reshape(n, j, -1)


class Clock:
    """Seconds by part (``"train"``, ``"eval"``, ...), accumulated over a notebook's runners.

    Parts nest: time spent in an inner part (an evaluation run by a training callback) counts for the
    inner part only, never twice. Wall-clock and CPU seconds (this process) are both kept; with one thread
    per notebook they agree unless the machine is busy, and CPU time is the honest measure then.

    >>> clock = Clock()
    >>> with clock("train"):
    ...     with clock("eval"):
    ...         pass
    >>> list(clock.table().columns)
    ['part', 'seconds', 'cpu_seconds']
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._stack: list[list[float]] = []  # per open part: [wall, cpu] spent in its inner parts

    @contextmanager
    def __call__(self, part: str) -> Iterator[None]:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        self._stack.append([0.0, 0.0])
        try:
            yield
        finally:
            inner = self._stack.pop()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            self.seconds[part] = self.seconds.get(part, 0.0) + wall - inner[0]
            self.cpu_seconds[part] = self.cpu_seconds.get(part, 0.0) + cpu - inner[1]
            if self._stack:
                self._stack[-1][0] += wall
                self._stack[-1][1] += cpu

    def table(self) -> pd.DataFrame:
        parts = list(self.seconds)
        return pd.DataFrame(
            {
                "part": parts,
                "seconds": [self.seconds[p] for p in parts],
                "cpu_seconds": [self.cpu_seconds[p] for p in parts],
            }
        )

    def ratio(self, part: str = "eval", to: str = "train") -> float:
        """``seconds[part] / seconds[to]`` (evaluation against training by default)."""
        return self.seconds.get(part, 0.0) / max(self.seconds.get(to, 0.0), 1e-12)
