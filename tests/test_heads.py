"""simvae_core.analysis.heads: the trained head, and the random frozen head that is its control."""

from __future__ import annotations

import pytest
import torch

from simvae_core.analysis import heads
from simvae_core.learning.train import fit, initial_model


@pytest.fixture(scope="module")
def views():
    return torch.randn(64, 2, 6, generator=torch.Generator().manual_seed(0))


def _fit(method, views, **kw):
    return fit(
        method, views, epochs=1, latent_dim=4, seed=3, batch_size=32, progress=False, cache=False, **kw
    )


def test_trained_head_is_the_embedding_and_random_head_is_the_initial_one(views):
    trained = _fit("simclr", views, head_layers=2, head_width=8, embed_dim=4)
    x = views[:, 0]
    h = trained.encode(x)
    torch.testing.assert_close(heads.embed(heads.head_of(trained), h), trained.encode(x, after_head=True))
    start = initial_model(trained, views)
    rand = heads.random_head(trained, views)
    # the network's own initial head: on the initial representation it gives the initial embedding
    torch.testing.assert_close(heads.embed(rand, start.encode(x)), start.encode(x, after_head=True))
    assert not torch.allclose(heads.embed(rand, h), heads.embed(heads.head_of(trained), h))
    other = heads.random_head(trained, views, seed=4)
    assert not torch.allclose(heads.embed(other, h), heads.embed(rand, h))
    assert all(not p.requires_grad for p in rand.parameters())
    assert heads.embed(rand, h.reshape(32, 2, 4)).shape == (32, 2, 4)  # (N, J, d) inputs keep their groups


def test_models_without_a_head_are_refused(views):
    with pytest.raises(ValueError, match="no projection head"):
        heads.head_of(_fit("simvae", views))
    with pytest.raises(ValueError, match="head_layers=0"):
        heads.random_head(_fit("simclr", views, head_layers=0), views)
    with pytest.raises(TypeError, match="what fit returned"):
        heads.head_of(torch.nn.Linear(2, 2))
