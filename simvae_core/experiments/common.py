"""Pieces every claim family uses: training on view groups, encoding them, and what each part costs.

- :func:`train_on_groups`  ``fit`` on a pool of views per group for a fixed number of optimisation steps
- :func:`encode_views`     representations of every view of every group, ``(N, J, D) -> (N, J, d)``
- :func:`watched_fit`      one training run evaluated at evenly spaced checkpoints (and at initialisation)
- :func:`last_fifth`       each seed's change over the last fifth of training (the declared plateau)
- :class:`Clock`           seconds spent training and evaluating, so a notebook can show that evaluation
  costs no more than the training it evaluates
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import torch

from ..learning.methods import get_method
from ..learning.train import TrainedModel, fit, initial_model

__all__ = ["Clock", "checkpoint_steps", "encode_views", "last_fifth", "train_on_groups", "watched_fit"]


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


def checkpoint_steps(steps: int, per_epoch: int, checkpoints: int) -> dict[int, int]:
    """{epoch: step} of ``checkpoints`` evaluations evenly spaced over the run (the last at its end)."""
    epochs = -(-steps // per_epoch)
    out = {}
    for k in range(1, checkpoints + 1):
        e = max(1, round(k * epochs / checkpoints))
        out[e] = min(e * per_epoch, steps)
    return out


def watched_fit(
    method: str,
    views: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    latent_dim: int,
    seed: int,
    checkpoints: int,
    evaluate: Callable[[Any], dict[str, float]],
    clock: Clock,
    **options: Any,
) -> tuple[list[dict[str, Any]], Any]:
    """Train once, evaluating ``evaluate(model)`` at ``checkpoints`` points (and at initialisation, step
    0); training and evaluation time go to the clock's ``train`` and ``eval``. Returns (rows, model)."""
    per_epoch = max(1, views.shape[0] // min(batch_size, views.shape[0]))
    at = checkpoint_steps(steps, per_epoch, checkpoints)
    rows: list[dict[str, Any]] = []

    def watch(epoch: int, trained: Any) -> None:
        if epoch in at:
            with clock("eval"):  # nested in "train": counted as evaluation only
                rows.append({"step": at[epoch], **evaluate(trained)})

    with clock("train"):
        trained = train_on_groups(
            method,
            views,
            steps=max(at.values()),
            batch_size=batch_size,
            latent_dim=latent_dim,
            seed=seed,
            cache=False,
            callback=watch,
            **options,
        )
    with clock("eval"):
        rows.insert(0, {"step": 0, **evaluate(initial_model(trained, views))})
    return rows, trained


def last_fifth(curves: pd.DataFrame, value: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per seed (and ``by``): ``value`` at the last step, at the last checkpoint at or before four fifths
    of the run (so the window is never shorter than a fifth), and their difference ``change`` (the declared
    plateau: the statistic moves by less than its margin over the last fifth of training)."""
    rows = []
    for key, part in curves.groupby([*by, "seed"], sort=False):
        last = part["step"].max()
        before = part["step"][part["step"] <= 0.8 * last + 1e-9].max()
        end = float(part.loc[part["step"] == last, value].iloc[0])
        then = float(part.loc[part["step"] == before, value].iloc[0])
        rows.append(
            {**dict(zip([*by, "seed"], key, strict=True)), "end": end, "before": then, "change": end - then}
        )
    return pd.DataFrame(rows)
