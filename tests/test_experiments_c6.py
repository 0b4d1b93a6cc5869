"""Notebook 05's runners (claim C6) at tiny sizes, on cases with known answers."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from simvae_core.data import load_dataset
from simvae_core.experiments import c6_vae_family as c6
from simvae_core.experiments.common import Clock
from simvae_core.learning import cache as model_cache
from simvae_core.learning.methods import get_method
from simvae_core.learning.train import fit
from simvae_core.objectives.elbo import beta_vae, vae_elbo

TINY = dict(latent_dim=4, batch_size=64, n_views=2, arch="mlp", augment="authors_fashion", progress=False)


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion_mnist")


def test_sizes_are_typed_and_every_profile_constructs():
    assert c6.SIZES.type is c6.Sizes
    for profile in ("smoke", "default", "full"):
        s = c6.SIZES.resolve(profile)
        assert len(s.sigma2) == len(s.vae_lr) == len(s.beta) == len(s.gamma)  # equal tuning budgets
        assert len(c6.curve_plan(s)) == s.n_seeds
    full = c6.SIZES.resolve("full")
    assert (full.epochs, full.n_train) == (c6.AUTHORS_EPOCHS, 54000)  # the authors' epochs, every image
    assert c6.curve_plan(c6.SIZES.resolve("default"))[:3] == [32, 32, 16]
    default = c6.SIZES.resolve("default")
    with pytest.raises(ValueError, match="same number of configurations"):
        dataclasses.replace(default, beta=(0.5,))
    with pytest.raises(ValueError, match="primary"):
        dataclasses.replace(default, curve_seeds=(10, 10, 5, 3, 2))
    with pytest.raises(TypeError):
        c6.SIZES.resolve("default", {"n_train": 2.5})


def test_capacity_objective_by_hand_and_in_the_cache_key(tmp_path):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5, 2, 6, generator=g)
    logits, mu = torch.randn(5, 2, 6, generator=g), torch.randn(5, 2, 3, generator=g)
    logvar, z = 0.3 * torch.randn(5, 2, 3, generator=g), torch.randn(5, 2, 3, generator=g)
    plain = vae_elbo(x, logits, mu, logvar, z)
    recon = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2))
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum((1, 2))
    for capacity in (0.0, 2.0, 50.0):
        out = beta_vae(x, logits, mu, logvar, z, beta=3.0, capacity=capacity)
        torch.testing.assert_close(out.loss, -(recon - 3.0 * (kl - capacity).abs()).mean())
        torch.testing.assert_close(out.terms["kl"], plain.terms["kl"])  # the rate itself
        torch.testing.assert_close(out.terms["elbo"], plain.terms["elbo"])
    none = beta_vae(x, logits, mu, logvar, z, beta=3.0)
    torch.testing.assert_close(none.loss, vae_elbo(x, logits, mu, logvar, z, beta=3.0).loss)
    assert "capacity" in get_method("beta_vae").options()
    # the option is part of the configuration, so of the model cache's key
    views = torch.rand(64, 2, 8, generator=g)
    kw = dict(epochs=1, latent_dim=2, arch="linear", likelihood="gaussian", batch_size=32, progress=False)
    fit("beta_vae", views, cache=str(tmp_path), **kw)
    fit("beta_vae", views, cache=str(tmp_path), capacity=3.0, **kw)
    fit("beta_vae", views, cache=str(tmp_path), capacity=3.0, **kw)  # found: no third entry
    assert len(model_cache.list_entries(tmp_path)) == 2


def test_the_model_a_callback_sees_at_epoch_e_is_the_e_epoch_model(fashion):
    seen = {}

    def keep(epoch, trained):
        seen[epoch] = {k: v.clone() for k, v in trained.model.state_dict().items()}

    fit("simvae", fashion, epochs=3, seed=1000, max_train=128, callback=keep, cache=False, **TINY)
    two = fit("simvae", fashion, epochs=2, seed=1000, max_train=128, cache=False, **TINY)
    assert set(seen) == {1, 2, 3}
    for name, value in two.model.state_dict().items():
        torch.testing.assert_close(seen[2][name], value, rtol=0, atol=0)


def test_content_scores_read_a_class_code_and_nothing_from_permuted_labels():
    g = torch.Generator().manual_seed(0)
    feats = {}
    for name, n in (("train", 600), ("val", 300), ("test", 600)):
        y = torch.randint(0, 10, (n,), generator=g)
        feats[name] = (torch.nn.functional.one_hot(y, 10).float() + 0.1 * torch.randn(n, 10, generator=g), y)
    scores = c6.content_scores(feats, shuffle_seed=3)
    assert scores["acc"] > 0.99 and scores["val"] > 0.99
    assert abs(scores["acc_shuffled"] - 0.1) < 0.06  # chance
    noise = {k: (torch.randn(len(y), 10, generator=g), y) for k, (_, y) in feats.items()}
    assert abs(c6.content_scores(noise, shuffle_seed=3)["acc"] - 0.1) < 0.06


def test_pixel_probe_reads_fashion_classes(fashion):
    out = c6.pixel_probe(fashion, 500, 300, 500)
    assert 0.6 < out["acc"] < 0.95


def test_selection_extends_an_edge_and_the_curve_scores_every_epoch_reached(fashion):
    grids = dict(sigma2=(0.05, 0.15), vae_lr=(1e-3, 3e-3), beta=(0.25, 0.5), gamma=(0.01, 1.0))
    sizes = dataclasses.replace(
        c6.SIZES.resolve("smoke"), n_train=128, n_val=200, select_epochs=1, extend=1, **grids
    )
    clock = Clock()
    sel = c6.select(fashion, sizes, seed=1000, clock=clock)
    assert set(sel.method) == set(c6.METHODS) and (sel.seed == 1000 + c6.SELECT_OFFSET).all()
    for label, part in sel.groupby("method"):
        grid = c6._grids(sizes)[label]
        assert len(grid) == 2 and len(part) in (2, 3)  # extend = 1: one extension at most
        if len(part) == len(grid) + 1:  # tried only because the best grid value was on an edge
            best = part[~part.extension].sort_values("val").value.iloc[-1]
            assert best in (min(grid), max(grid))
    edges = c6.edges(sel)
    assert set(edges.method) == set(c6.METHODS)
    assert c6.best_baseline(sel) in c6.BASELINES
    assert c6._next_value((0.1, 0.3), "high") == pytest.approx(0.9)
    assert c6._next_value((0.1, 0.3), "low") == 0.033
    assert c6._next_value((3e-4, 1e-3, 3e-3), "low") == 9e-05
    table = c6.paired_curve(
        fashion,
        {"SimVAE": 0.15, "VAE": 1e-3},
        seeds=[1000, 1001],
        epochs_per_seed=[2, 1],
        eval_epochs=(1, 2),
        n_train=128,
        n_val=200,
        n_test=200,
        augment="authors_fashion",
        clock=clock,
    )
    assert len(table) == 2 * 2 + 2 * 1
    assert set(table.columns) >= {
        "seed",
        "method",
        "epoch",
        "acc",
        "val",
        "acc_shuffled",
        "kl",
        "image_passes",
    }
    assert (table.image_passes == table.epoch * 128).all()
    rm = c6.rate_matched(
        fashion,
        table[(table.method == "SimVAE") & (table.epoch == 1)],
        epochs=1,
        n_train=128,
        n_val=200,
        n_test=200,
        clock=clock,
    )
    assert list(rm.seed) == [1000, 1001] and (rm.kl > 0).all()
    assert clock.seconds["train"] > 0 and clock.seconds["eval"] > 0


def test_paper_scale_counts_the_authors_steps():
    out = c6.paper_scale(20, ms_per_step=2.0)
    assert out["steps_per_model"] == 375_000  # 400 × 60 000 / 64
    assert out["gpu_hours"] == pytest.approx(20 * 375_000 * 2.0 / 3.6e6)
