"""Fast guards of the key claim directions (C3, C5) on small synthetic data, decided by
``simvae_core.claims.outcome``.

The notebooks test the claims at their budget with seeds and intervals; these guards train for seconds,
so that a change to a loss, to ``fit`` or to a probe that breaks a claim's direction fails ``make test``,
not only ``make figures``. One seed each (so the difference is a point, decided against the margin as a
degenerate interval), margins fixed here before the guards were run, well inside the effects the notebooks
measure; every guard is paired with a negative control that must fail the same check, so a guard that can
no longer fail is caught too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simvae_core import claims
from simvae_core.analysis import heads, probes
from simvae_core.learning.train import fit, initial_model
from simvae_core.theory import ssl_model as ssl
from simvae_core.theory.generators import make_decoder

N, POOL = 2048, 4  # groups; views 0-3 train, views 4-5 are held out

pytestmark = pytest.mark.usefixtures("one_thread")  # small tensors: one intra-op thread


def _guard(name, value, reference, margin, expect="supported"):
    """Decide ``value − reference > margin`` (one seed: a point) and assert the expected outcome: a
    guard must be supported, its negative control must not be."""
    diff = value - reference
    got = claims.outcome(diff, diff, margin, "greater")
    print(f"{name}: {value:.3f} vs {reference:.3f}, difference {diff:+.3f} against > {margin}: {got}")
    if expect == "supported":
        assert got == "supported", f"guard {name} broke: difference {diff:+.3f}, margin {margin}"
    else:
        assert got != "supported", f"negative control {name} passed: the guard has no teeth ({diff:+.3f})"


def _fit(method, views, d, seed=0, **kw):
    return fit(
        method,
        views,
        epochs=40,
        latent_dim=d,
        seed=seed,
        batch_size=256,
        n_views=2,
        progress=False,
        cache=False,
        **kw,
    )


def _r2(features, target):
    """(content R², style R²) of a linear probe, groups split 70/15/15, strength on val, test once."""
    a, b = int(0.7 * N), int(0.85 * N)
    splits = [(features[s], target[s]) for s in (slice(0, a), slice(a, b), slice(b, N))]
    r2 = np.asarray(probes.linear_probe(*splits, task="regression").params["r2_per_output"])
    return float(r2[:5].mean()), float(r2[5:].mean())


@pytest.fixture(scope="module")
def content_style():
    """Notebook 02's block model: 5 content coordinates shared by a group's views, 5 style coordinates of
    which half the variance changes from view to view, through a fixed injective MLP."""
    g = torch.Generator().manual_seed(11)
    prior_var, sigma2 = ssl.content_style_variances(
        5, 5, content_var=1.0, style_var=1.0, shared_style_var=1.0
    )
    model = ssl.SSLModel(10, sigma2=sigma2, prior_var=prior_var, decoder="mlp", generator=g)
    with torch.no_grad():
        d = model.sample(N, POOL + 2, generator=g)
    x = d.x.float()
    x = (x - x.mean((0, 1))) / x.std((0, 1))
    return x[:, :POOL], x[:, POOL], d.z[:, POOL].float()


def test_simclr_at_the_content_dimension_keeps_content_and_drops_style_simvae_keeps_it(content_style):
    pool, held, factors = content_style
    simclr = _fit("simclr", pool, 5, head_layers=0, temperature=0.1)
    simvae = _fit("simvae", pool, 5, sigma2=0.15)
    c_tr, s_tr = _r2(simclr.encode(held), factors)
    c_un, s_un = _r2(initial_model(simclr, pool).encode(held), factors)
    _, s_vae = _r2(simvae.encode(held), factors)
    _guard("C3.content: SimCLR (d = 5) learns content", c_tr, c_un, 0.2)
    _guard("C3.style: SimVAE keeps more style than SimCLR at d = 5", s_vae, s_tr, 0.1)
    # the negative control: the same check between two SimCLR runs (seeds 0 and 1), which differ by chance
    # only; not the roles swapped, which would fail exactly where the guard holds
    _, s_tr1 = _r2(_fit("simclr", pool, 5, seed=1, head_layers=0, temperature=0.1).encode(held), factors)
    _guard(
        "C3.style.negative: SimCLR (seed 1) keeps more style than SimCLR (seed 0)", s_tr1, s_tr, 0.1, "fail"
    )


@pytest.fixture(scope="module")
def flip_data():
    """Notebook 04's data: content, a style block with mean 1.5 and a recorded sign flip t per view
    (the transformation), through a fixed injective MLP; returns (pool, held-out view, its flip)."""
    g = torch.Generator().manual_seed(5)
    mix = make_decoder("mlp", 10, generator=g)
    with torch.no_grad():
        content = torch.randn(N, 1, 5, generator=g).expand(N, POOL + 1, 5)
        anchor = 1.5 + torch.randn(N, 1, 5, generator=g)
        flip = (torch.rand(N, POOL + 1, 1, generator=g) < 0.5).float()
        style = (1 - 2 * flip) * (anchor + torch.randn(N, POOL + 1, 5, generator=g))
        x = mix(torch.cat([content, style], -1))
    x = (x - x.mean((0, 1))) / x.std((0, 1))
    return x[:, :POOL], x[:, POOL], flip[:, POOL, 0].long()


def _flip_accuracy(features, flip):
    a, b = int(0.7 * N), int(0.85 * N)
    splits = [(features[s], flip[s]) for s in (slice(0, a), slice(a, b), slice(b, N))]
    return probes.linear_probe(*splits, task="classification").test


def test_a_trained_head_removes_linear_access_to_the_transformation_a_random_head_does_not(flip_data):
    pool, held, flip = flip_data
    trained = _fit("simclr", pool, 16, head_layers=2, head_width=32, embed_dim=16, temperature=0.1)
    h = trained.encode(held)
    acc_h = _flip_accuracy(h, flip)
    lost = {
        name: acc_h - _flip_accuracy(heads.embed(head, h), flip)
        for name, head in (
            ("trained", heads.head_of(trained)),
            ("random", heads.random_head(trained, pool)),
            ("random 2", heads.random_head(trained, pool, seed=1000)),
        )
    }
    _guard(
        "C5.flip_linear: the trained head removes more than a random head",
        lost["trained"],
        lost["random"],
        0.15,
    )
    _guard(
        "C5.flip_linear.negative: a random head removes more than another random head",
        lost["random"],
        lost["random 2"],
        0.15,
        expect="fail",
    )
