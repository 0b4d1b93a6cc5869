"""The projection head as the object of a claim (C5): what ``g`` removes from the representation ``h``.

A discriminative network is an encoder ``f`` and a head ``g``; the loss sees only ``g(h)``. To say that the
*trained* head throws away what ``h`` keeps, compare it with a head that learnt nothing: the same trained
``h`` through a **random frozen head** of the same shape — the trained network's own head at its
initialisation (same seed, same initial weights). Data processing alone makes any head lose information;
only the excess of the trained head over this control is evidence about what the objective asks of ``g``.

    h = trained.encode(x)
    g_trained = embed(head_of(trained), h)                  # = trained.encode(x, after_head=True)
    g_random = embed(random_head(trained, data), h)         # the control
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import nn

from ..checks import check_features, check_int
from ..learning.train import TrainedModel, initial_model

__all__ = ["embed", "head_of", "random_head"]


def head_of(trained: TrainedModel) -> nn.Module:
    """The projection head ``g`` of a trained discriminative network (an error for a VAE or no head)."""
    if not isinstance(trained, TrainedModel):
        raise TypeError(f"head_of takes what fit returned, got {type(trained).__name__}")
    head = getattr(trained.model, "head", None)
    if head is None:
        raise ValueError(
            f"{trained.config.method!r} has no projection head: the VAE family encodes to its latent directly"
        )
    if isinstance(head, nn.Identity):
        raise ValueError(
            f"this {trained.config.method!r} network was trained with head_layers=0: g is the identity"
        )
    return head


def random_head(trained: TrainedModel, data: Any, seed: int | None = None) -> nn.Module:
    """A random frozen head of the trained head's shape: the network's own head at its initialisation, or
    (``seed``) the initial head of the same configuration drawn with another seed.

    ``data`` is what ``trained`` was fitted on (it fixes the input shape, see ``initial_model``)."""
    head_of(trained)  # refuses a model without a head before any work
    if seed is not None:
        config = dataclasses.replace(trained.config, seed=check_int(seed, "seed", minimum=0))
        trained = TrainedModel(trained.model, config, {}, trained.device)
    head = head_of(initial_model(trained, data))
    for p in head.parameters():
        p.requires_grad_(False)
    return head.eval()


@torch.no_grad()
def embed(head: nn.Module, h: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """``g(h)`` for representations ``h (N, d)`` (or ``(N, J, d)``), the head in evaluation mode."""
    batch_size = check_int(batch_size, "batch_size")
    shape = h.shape
    flat = check_features(h.reshape(-1, shape[-1]) if h.ndim == 3 else h, "h")
    param = next(head.parameters(), None)
    was_training = head.training
    head.eval()
    if param is not None:
        flat = flat.to(device=param.device, dtype=param.dtype)
    out = torch.cat([head(flat[i : i + batch_size]) for i in range(0, len(flat), batch_size)])
    head.train(was_training)
    return out.reshape(*shape[:-1], -1) if h.ndim == 3 else out
