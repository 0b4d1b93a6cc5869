"""Fast guards for the key directions of claims C3 and C5 on small synthetic content/style data.

The figure notebooks verify these claims at full budget; these guards run in the unit-test command so that
a change to a loss or to ``fit`` that breaks a claim fails CI. Every guard compares a trained network with
a control from the same seed (the untrained network, or a random head), never an absolute threshold alone.

Data (the content/style block model of notebook 02, section 3): per group, content ``c ~ N(0, I_k)`` is
shared by every view and style ``s̃_j = s + ε_j`` (``s, ε_j ~ N(0, I)``) changes per view; ``x = g(c, s̃)``
through a fixed random injective MLP, standardised. Networks train on a pool of ``J_POOL`` views per group;
probes read one further, held-out view. Groups are split 70/15/15 for the linear (ridge) probes.

Margins (chosen from reasoning before any run, not tuned on the results):

- ``CONTENT_MARGIN = 0.15``: a random encoder mixes content and style, so with d = k it keeps roughly half
  of each linearly; a trained SimCLR encoder whose only job is to identify groups by content should recover
  nearly all of it. A gain below 0.15 R² means it learned little content.
- ``STYLE_DISCARD_MARGIN = 0.15``: at d = k (the content dimension) SimCLR's alignment term penalises every
  direction that changes within a group, so its style R² should fall from the random encoder's level (of
  the order of the content level) towards 0; a drop below 0.15 is no discard.
- ``SIMVAE_STYLE_MARGIN = 0.2``: SimVAE reconstructs x, so it must keep style (d = k_content + k_style); the
  notebook asserts 0.3 at full budget, here 0.2 leaves room for the small budget.
- ``HEAD_MARGIN = 0.1``: any head loses some information (a random BN-ReLU MLP too), which is why the
  random head is the control; the trained head is pushed to invariance by alignment on g(h), so it should
  lose clearly more style than the random one. Smaller than the encoder margin because both heads read the
  same h, which itself keeps only part of the style.
"""

from __future__ import annotations

import copy

import pytest
import torch

from simvae_core.analysis import probes
from simvae_core.learning.train import TrainedModel, fit, initial_model
from simvae_core.theory import ssl_model as ssl

K_CONTENT, K_STYLE = 3, 3
N_GROUPS = 1500
J_POOL = 4  # training views per group; one more view per group is held out for the probes
BATCH = 256
EPOCHS = 50  # about 6 steps per epoch: ~300 optimisation steps per model
TEMPERATURE = 0.1

CONTENT_MARGIN = 0.15
STYLE_DISCARD_MARGIN = 0.15
SIMVAE_STYLE_MARGIN = 0.2
HEAD_MARGIN = 0.1


# ------------------------------------------------------------------------------------------------ helpers


def content_style_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Content/style block data: ``(pool (N, J_POOL, D), held (N, D), content (N, k), style (N, k))``.

    ``content`` and ``style`` are the latents of the held-out view ``held``; x is standardised over all
    views.
    """
    g = torch.Generator().manual_seed(seed)
    prior_var, sigma2 = ssl.content_style_variances(
        K_CONTENT, K_STYLE, content_var=1.0, style_var=1.0, shared_style_var=1.0
    )
    model = ssl.SSLModel(K_CONTENT + K_STYLE, sigma2=sigma2, prior_var=prior_var, decoder="mlp", generator=g)
    with torch.no_grad():
        sample = model.sample(N_GROUPS, J_POOL + 1, generator=g)
        x = sample.x.float()
        x = (x - x.mean((0, 1))) / x.std((0, 1))
    z = sample.z[:, J_POOL].float()
    return x[:, :J_POOL].contiguous(), x[:, J_POOL].contiguous(), z[:, :K_CONTENT], z[:, K_CONTENT:]


def probe_r2(features: torch.Tensor, target: torch.Tensor) -> float:
    """Test R² (mean over outputs) of a ridge probe, groups split 70/15/15, alpha chosen on val."""
    n = len(features)
    a, b = int(0.7 * n), int(0.85 * n)
    splits = [(features[s], target[s]) for s in (slice(0, a), slice(a, b), slice(b, n))]
    return probes.linear_probe(*splits, task="regression").test


def train(method: str, pool: torch.Tensor, latent_dim: int, **options) -> TrainedModel:
    """``fit`` at the guards' budget (seed 0, pairs drawn from the view pool, no model cache)."""
    return fit(
        method,
        pool,
        epochs=EPOCHS,
        latent_dim=latent_dim,
        seed=0,
        batch_size=BATCH,
        n_views=2,
        progress=False,
        cache=False,
        **options,
    )


def discards_style(style_trained: float, style_control: float, margin: float = STYLE_DISCARD_MARGIN) -> bool:
    """The C3 style-discard check: training lowered the style R² below the control's by ``margin``."""
    return style_trained < style_control - margin


def head_of(trained: TrainedModel) -> torch.nn.Module:
    """The projection head g of a discriminative model (``EmbeddingModel.head``)."""
    return trained.model.head


@torch.no_grad()
def apply_head(head: torch.nn.Module, h: torch.Tensor) -> torch.Tensor:
    """g(h) in eval mode (BatchNorm with its running statistics), on a copy so the model is not touched."""
    head = copy.deepcopy(head).eval()
    return head(h.to(next(head.parameters()).dtype)).float()


# ----------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data():
    return content_style_data(seed=0)


@pytest.fixture(scope="module")
def simclr(data):
    """SimCLR without a head at d = k_content, and its untrained network (same seed)."""
    pool = data[0]
    trained = train("simclr", pool, K_CONTENT, head_layers=0, temperature=TEMPERATURE)
    return trained, initial_model(trained, pool)


@pytest.fixture(scope="module")
def simvae(data):
    """SimVAE at d = k_content + k_style, and its untrained network (same seed)."""
    pool = data[0]
    trained = train("simvae", pool, K_CONTENT + K_STYLE, sigma2=0.15)
    return trained, initial_model(trained, pool)


@pytest.fixture(scope="module")
def simclr_head(data):
    """SimCLR with a 2-layer head at d = embed_dim = k_content + k_style, and its untrained network."""
    pool = data[0]
    d = K_CONTENT + K_STYLE
    trained = train(
        "simclr", pool, d, head_layers=2, head_width=64, embed_dim=d, temperature=TEMPERATURE
    )
    return trained, initial_model(trained, pool)


# ------------------------------------------------------------------------------------------------- guards


def test_c3_simclr_keeps_content_and_discards_style(data, simclr):
    _, held, content, style = data
    trained, untrained = simclr
    h, h0 = trained.encode(held), untrained.encode(held)
    content_r2, content_r2_0 = probe_r2(h, content), probe_r2(h0, content)
    style_r2, style_r2_0 = probe_r2(h, style), probe_r2(h0, style)
    print(
        f"SimCLR d={K_CONTENT}: content R² {content_r2:.3f} (untrained {content_r2_0:.3f}), "
        f"style R² {style_r2:.3f} (untrained {style_r2_0:.3f})"
    )
    assert content_r2 > content_r2_0 + CONTENT_MARGIN, (content_r2, content_r2_0)
    assert discards_style(style_r2, style_r2_0), (style_r2, style_r2_0)


def test_c3_simvae_keeps_more_style_than_simclr(data, simclr, simvae):
    _, held, _, style = data
    simclr_style = probe_r2(simclr[0].encode(held), style)
    simvae_style = probe_r2(simvae[0].encode(held), style)
    print(f"style R²: SimVAE {simvae_style:.3f} vs SimCLR {simclr_style:.3f}")
    assert simvae_style > simclr_style + SIMVAE_STYLE_MARGIN, (simvae_style, simclr_style)


def test_c3_style_discard_check_does_not_pass_on_simvae(data, simvae):
    """Negative control: the check that SimCLR passes must fail on a model that keeps style."""
    _, held, _, style = data
    trained, untrained = simvae
    style_r2, style_r2_0 = probe_r2(trained.encode(held), style), probe_r2(untrained.encode(held), style)
    print(f"SimVAE style R² {style_r2:.3f} (untrained {style_r2_0:.3f})")
    assert not discards_style(style_r2, style_r2_0), (style_r2, style_r2_0)


def test_c5_trained_head_discards_style_a_random_head_keeps(data, simclr_head):
    _, held, _, style = data
    trained, untrained = simclr_head
    h = trained.encode(held)
    g_trained = trained.encode(held, after_head=True)
    # the trained model's own head, applied by hand, is what encode(after_head=True) gives
    assert torch.allclose(apply_head(head_of(trained), h), g_trained, atol=1e-5)
    g_random = apply_head(head_of(untrained), h)  # the initial (random) head on the TRAINED h
    style_h = probe_r2(h, style)
    style_trained, style_random = probe_r2(g_trained, style), probe_r2(g_random, style)
    print(
        f"SimCLR head: style R² of h {style_h:.3f}, g_trained(h) {style_trained:.3f}, "
        f"g_random(h) {style_random:.3f}"
    )
    assert style_trained < style_random - HEAD_MARGIN, (style_trained, style_random)
