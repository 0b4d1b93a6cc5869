"""The C2/C3 experiments (notebook 02) at tiny sizes, each on a case whose answer is known."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import torch

from simvae_core.experiments import c2_c3_correspondence as c2
from simvae_core.experiments.common import Clock


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class _Identity:
    """A 'trained model' whose representation is its input (for known answers)."""

    def encode(self, x: torch.Tensor, **_: object) -> torch.Tensor:
        return x


def test_sizes_are_typed_and_the_default_matches_the_spec():
    default = c2.SIZES.resolve("default")
    assert isinstance(default, c2.Sizes)
    assert all(c.seeds == default.n_seeds for c in c2.SPEC.claims if c.kind != "derivation")
    assert c2.SIZES.resolve("smoke", {"steps": 7}).steps == 7
    with pytest.raises(TypeError):
        c2.SIZES.resolve("smoke", {"steps": 1.5})
    with pytest.raises(KeyError):
        c2.SIZES.resolve("smoke", {"step": 7})
    for profile in ("smoke", "default", "full"):
        sizes = c2.SIZES.resolve(profile)
        assert dataclasses.asdict(sizes)["checkpoints"] >= 5  # the last fifth needs a point at 4/5


def test_true_latents_cluster_and_random_features_do_not():
    data = c2.sphere_groups(300, _gen())
    truth = c2.cluster_scores(data.z[:, : c2.N_POOL], data.z[:, c2.N_POOL :], data.y)
    assert truth["NCC"] > 0.5 and truth["R2_y"] > 0.8 and truth["rho_w"] < 0.2
    noise = torch.randn(300, 6, 8, generator=_gen(1))
    rand = c2.cluster_scores(noise[:, : c2.N_POOL], noise[:, c2.N_POOL :], data.y)
    assert rand["NCC"] < 0.05 and rand["R2_y"] < 0.1 and rand["rho_w"] > 0.9
    refs = c2.references(data)
    assert list(refs["method"]) == ["true latents", "raw x"]


def test_style_probes_separate_shared_and_per_view_parts():
    data = c2.content_style_groups(1500, _gen())
    truth = c2.style_scores(data.z[:, c2.N_POOL :], data)
    assert truth["content"] > 0.99 and truth["per_view"] > 0.99
    assert truth["shared"] == pytest.approx(2 / 3, abs=0.07)  # s from the mean of two s + ε
    # content only: no style at all, in either part
    content = data.y[:, None].expand(-1, 2, -1)
    only = c2.style_scores(content, data)
    assert only["content"] > 0.99 and only["shared"] < 0.05 and only["per_view"] < 0.05
    assert only["rho_w"] == pytest.approx(0.0, abs=1e-6)
    # the shared style alone: the between-group part without the per-view part
    shared = torch.cat([data.y, data.style], 1)[:, None].expand(-1, 2, -1)
    kept = c2.style_scores(shared, data)
    assert kept["shared"] > 0.99 and kept["per_view"] < 0.05


def test_the_true_inverse_reads_the_bayes_posterior_exactly():
    pairs = c2.anchor_pairs(64, _gen(), n_test=256)
    exact = c2.Pairs(pairs.train, pairs.z_test, pairs.z_test)  # x = z: the identity inverts the mixing
    scores = c2.posterior_scores(_Identity(), exact, 1 / c2.POST_KAPPA)
    assert scores["TV"] == pytest.approx(0.0, abs=1e-5)
    assert scores["TV_2tau"] > 0.1  # the wrong temperature is visible
    assert scores["ECE"] < 0.2


def test_last_fifth_is_the_change_between_four_fifths_and_the_end():
    curves = pd.DataFrame(
        {"seed": [1] * 6, "step": [0, 20, 40, 60, 80, 100], "v": [9.0, 5.0, 4.0, 3.5, 3.0, 2.9]}
    )
    out = c2.last_fifth(curves, "v")
    assert out.iloc[0]["change"] == pytest.approx(-0.1)
    assert out.iloc[0]["before"] == 3.0
    two = pd.concat([curves, curves.assign(seed=0, v=curves["v"] + 1)])
    assert c2.per_seed(two, "v") == [3.9, 2.9]
    assert c2.per_seed(two, "v", step=0) == [10.0, 9.0]
    assert list(c2.at_end(two, by=[])["v"]) == [2.9, 3.9]


def test_style_gap_is_simvae_minus_simclr_per_seed_and_step():
    rows = [
        {"method": m, "d": d, "seed": 0, "step": 10, "per_view": v}
        for m, d, v in (("simvae", 5, 0.5), ("simclr", 5, 0.2), ("simclr", 10, 0.9))
    ]
    gap = c2.style_gap(pd.DataFrame(rows))
    assert gap["gap"].tolist() == pytest.approx([0.3])
    assert "10 seeds" in c2.budget(c2.SIZES.resolve("default"))


def test_linear_optima_match_their_closed_forms():
    error, table = c2.linear_optima_error()
    assert error < 1e-6
    assert table.shape == (3, 4)


def test_runners_return_tidy_curves_and_time_both_parts():
    clock = Clock()
    sphere = c2.sphere_groups(64, _gen())
    clusters = c2.cluster_curves(
        sphere, ["simclr"], seeds=[1000], steps=4, batch_size=32, checkpoints=2, clock=clock
    )
    assert list(clusters["step"]) == [0, 2, 4]
    assert {"method", "seed", "NCC", "R2_y", "rho_w"} <= set(clusters.columns)
    pairs = c2.anchor_pairs(128, _gen(), n_test=128)
    post = c2.posterior_curves(pairs, seeds=[1000, 1001], steps=4, batch_size=64, checkpoints=2, clock=clock)
    assert len(post) == 6 and post["TV"].between(0, 1).all()
    blocks = c2.content_style_groups(64, _gen())
    style = c2.style_curves(
        blocks, [("simvae", 5)], seeds=[1000], steps=2, batch_size=32, checkpoints=2, clock=clock
    )
    assert set(style["d"]) == {5} and {"content", "shared", "per_view"} <= set(style.columns)
    assert clock.seconds["train"] > 0 and clock.seconds["eval"] > 0
