"""What every objective returns: the scalar to minimise and its named terms, for logging."""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["LossOutput"]


class LossOutput(NamedTuple):
    """``loss``: 0-dim tensor to minimise; ``terms``: named 0-dim detached values (group averages).

    The terms stay on the loss's device: a training loop sums them there and reads them once per epoch.
    """

    loss: torch.Tensor
    terms: dict[str, torch.Tensor]
