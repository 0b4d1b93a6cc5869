"""The C5 experiments (notebook 04) at tiny sizes, each on a case with a known answer."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from simvae_core.analysis import collapse, geometry, heads
from simvae_core.experiments import c5_projection_head as c5
from simvae_core.experiments.common import Clock, encode_views, train_on_groups
from simvae_core.specs import c5_projection_head as spec


def test_sizes_are_typed_and_match_the_spec():
    default = c5.SIZES.resolve("default")
    assert default.n_seeds == spec.SEEDS and default.image_seeds == spec.IMAGE_SEEDS
    assert min(default.n_seeds, c5.SIZES.resolve("full").n_seeds) >= 10 and default.image_seeds >= 5
    assert c5.SIZES.resolve("smoke", {"steps": 7}).steps == 7
    with pytest.raises(TypeError):
        c5.SIZES.resolve("smoke", {"steps": 1.5})
    with pytest.raises(KeyError, match="unknown size"):
        c5.SIZES.resolve("smoke", {"stepz": 3})
    assert c5.SPEC is spec.SPEC


def test_linear_head_gradient_descent_reaches_the_closed_form():
    table = c5.linear_head(steps=20_000)
    assert np.abs(table.post_gd / table.post_theory - 1).max() < 0.02
    assert np.abs(table.pre_gd / table.pre_theory - 1).max() < 0.10


def test_content_style_views_true_latents_have_half_their_variance_inside_groups():
    views = c5.content_style_views(2000, 6, seed=3)
    assert views.x.shape == (2000, 6, 10)
    assert torch.equal(views.content[:, 0], views.content[:, 5])  # content shared by the views
    latents = torch.cat([views.content, views.style], -1)
    assert geometry.within_group_variance_ratio(latents) == pytest.approx(0.5, abs=0.02)
    assert views.x.mean().abs() < 1e-4 and views.x.std((0, 1)).sub(1).abs().max() < 1e-3


def test_plateau_reads_the_change_over_the_last_fifth():
    steps = np.arange(0, 101, 10)
    curve = pd.DataFrame({"method": "m", "seed": np.repeat([0, 1], len(steps)), "step": np.tile(steps, 2)})
    curve["spread_excess"] = np.where(curve.seed == 0, curve.step / 100, 0.3)  # linear; flat
    out = c5.plateau(curve).set_index("seed")["change"]
    assert out[0] == pytest.approx(0.2) and out[1] == 0.0


def test_head_spread_tables_and_the_heads_they_measure():
    views = c5.content_style_views(96, seed=0)
    clock = Clock()
    final, curve = c5.head_spread(
        "simclr", views, seeds=[0, 1], steps=6, batch_size=32, n_curve=3, clock=clock
    )
    assert len(final) == 2 * len(c5.WHERE) and set(final["where"]) == set(c5.WHERE)
    assert final["rho_w"].between(0, 1).all() and final["rankme"].between(0, 1).all()
    assert curve.groupby("seed")["step"].max().eq(6).all()
    assert np.allclose(curve["spread_excess"], curve["rho_w g_rand(h)"] - curve["rho_w g(h)"])
    assert clock.seconds["train"] > 0 and clock.seconds["eval"] > 0
    wide = c5.by_where(final, "rho_w")
    assert list(wide.columns) == list(c5.WHERE) and list(wide.index) == [0, 1]
    assert "2 seeds" in c5.budget(c5.SIZES.resolve("smoke"))
    # the trained head is the network's own head; a random head equals the head at initialisation
    trained = train_on_groups(
        "simclr",
        views.x[:, :4],
        steps=3,
        batch_size=32,
        latent_dim=c5.D_H,
        seed=0,
        cache=False,
        **c5.METHOD_OPTIONS["simclr"],
        **c5.HEAD,
    )
    out = c5._through_heads(trained, views.x[:, :4], views.x[:, 4:], seed=0)
    after = encode_views(trained, views.x[:, 4:], after_head=True)
    torch.testing.assert_close(out["g(h)"], after)
    assert not torch.allclose(out["g_rand(h)"], out["g_rand2(h)"])


def test_weight_share_starts_near_half_and_leaves_the_noisy_inputs_under_strong_noise():
    table = c5.weight_share([0], steps=1000, noises=(0.0, 1.5))
    assert table["share_init"].between(0.35, 0.65).all()
    # the share at initialisation is recomputed from the seed: one step at a negligible rate keeps it
    tiny = collapse.augmentation_collapse((0.0,), steps=1, lr=1e-12, seed=0)
    assert c5._init_share(tiny) == pytest.approx(float(tiny.noisy_weight_share[0]), abs=1e-6)
    assert table["share_init"].iloc[0] == pytest.approx(c5._init_share(tiny), abs=1e-12)
    strong = table[table.noise == 1.5].iloc[0]
    assert strong.share_trained < strong.share_init - 0.1


def test_rotated_images_record_the_turn_of_every_view():
    images = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8)
    views = c5.rotated_images(images, torch.arange(5), n_views=3, seed=0, noise=0.0)
    assert views.x.shape == (5, 3, 196) and views.style.shape == (5, 3)
    pooled = torch.nn.functional.avg_pool2d(images.float() / 255, 2).reshape(5, 1, -1)
    torch.testing.assert_close(views.x.sum(-1), pooled.sum(-1).expand(5, 3))  # turns and shifts move pixels
    assert torch.equal(views.content, torch.arange(5)[:, None].expand(5, 3))


def test_image_head_rows_per_seed_and_head():
    images = torch.randint(0, 256, (60, 1, 28, 28), dtype=torch.uint8)
    views = c5.rotated_images(images, torch.arange(60) % 3, seed=0)
    table = c5.image_head(views, seeds=[0], steps=3, batch_size=16)
    assert list(table["where"]) == list(c5.WHERE)
    assert table["rotation_acc"].between(0, 1).all() and table["class_acc"].between(0, 1).all()


def test_a_view_independent_representation_has_no_spread():
    """The statistic's ends: features of the group only give ρ_w = 0, of the view only ≈ 1."""
    views = c5.content_style_views(500, seed=1)
    assert geometry.within_group_variance_ratio(views.content) == pytest.approx(0.0, abs=1e-12)
    assert geometry.within_group_variance_ratio(views.style) == pytest.approx(1.0, abs=0.03)
    assert dataclasses.is_dataclass(views)
    assert heads.embed  # the head helpers the runners use
