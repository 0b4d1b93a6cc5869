"""What several test files share: one-thread torch, seeded generators, tiny view groups, a model cache.

Fixtures are found by pytest; the builders are plain functions (they are also called in ``parametrize``
lists, at collection time), imported as ``from .conftest import group_views``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from simvae_core.learning import cache

# fit's options for the tiny runs: 4 steps per epoch on 64 groups, no progress bar
FAST = dict(batch_size=16, progress=False)


def gen(seed: int = 0) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


def group_views(n: int = 64, j: int = 2, d: int = 6, seed: int = 0, noise: float = 0.3) -> torch.Tensor:
    """``n`` groups of ``j`` views that share a content ``y ~ N(0, I_d)``: ``y + noise · ε``, (N, J, d)."""
    g = gen(seed)
    y = torch.randn(n, 1, d, generator=g)
    return y + noise * torch.randn(n, j, d, generator=g)  # (N, J, d): groups share y


@pytest.fixture
def one_thread():
    """Small tensors: a second intra-op thread only adds spin-waits on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def model_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The model cache switched on (whatever ``$SIMVAE_CACHE`` says) and kept in a fresh folder."""
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV, raising=False)
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "models"))
    return tmp_path / "models"
