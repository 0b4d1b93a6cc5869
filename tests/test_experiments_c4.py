"""C4's experiments layer (notebook 03) at tiny sizes, on cases with known answers: the derivations pass
their own checks, the Bayes critic reaches the ceiling, the true latents keep what the data hold and an
untrained encoder does not, learned InfoNCE never exceeds log K, bijections move only the linear probe."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from simvae_core.claims import ClaimBook
from simvae_core.experiments import c4_mutual_information as c4
from simvae_core.experiments.common import Clock
from simvae_core.learning import critics
from simvae_core.specs.c4_mutual_information import BIJ_DRAWS, CRITIC_SEEDS, SEEDS


def test_sizes_are_typed_and_match_the_spec():
    default = c4.SIZES.resolve("default")
    assert (default.n_seeds, default.critic_seeds, default.bij_draws) == (SEEDS, CRITIC_SEEDS, BIJ_DRAWS)
    assert c4.SIZES.resolve("default", {"steps": 600}).steps == 600
    with pytest.raises(TypeError):
        c4.SIZES.resolve("default", {"steps": 1.5})
    assert c4.SPEC is not None and c4.SPEC.notebook == "03_mutual_information"


def test_derivations_pass_their_own_checks_at_tiny_sizes():
    book = ClaimBook(c4.SPEC, profile="smoke", seed=0, code_version="test")
    for checks in (
        c4.ground_truth(0, 20_000)[0],
        c4.bound_optima(0, 100),
        c4.staircase_analytic(0, 100)[0],
        c4.e9_table(0, 100)[0],
        c4.elbo_prior_term(0, 20_000)[0],
    ):
        c4.record(book, checks)  # raises on a failed derivation
    derivations = [c for c in book.claims if c.spec.kind == "derivation"]
    assert len(derivations) == sum(c.kind == "derivation" for c in c4.SPEC.claims)
    assert all(c.outcome == "supported" for c in derivations)


def test_bayes_critic_reaches_its_ceiling_below_log_k():
    ceiling = c4.bayes_ceiling(c4.c4_model(0), K=8, n_batches=200)
    assert ceiling <= math.log(8) and ceiling > math.log(8) - 0.01  # 9.8 nats of content MI ≫ log 8


class _Latents(torch.nn.Module):
    """An 'encoder' that inverts the linear decoder (the true latents z), or a fixed random non-linear map."""

    def __init__(self, model, random: bool = False):
        super().__init__()
        sample = model.sample(2000, 1, generator=torch.Generator().manual_seed(9))
        xs, zs = sample.x[:, 0].double(), sample.z[:, 0].double()
        self.inverse = torch.linalg.lstsq(xs, zs).solution.float()  # x A⁺ = z (the decoder is linear)
        self.rand = torch.randn(20, 16, generator=torch.Generator().manual_seed(3))
        self.random = random

    def embed_x(self, x):
        return torch.tanh(4 * x @ self.rand) if self.random else x @ self.inverse


def test_true_latents_keep_content_shared_and_per_view_style():
    model = c4.c4_model(0)
    held = model.sample(2000, 2, generator=torch.Generator().manual_seed(1))
    truth = c4._state(_Latents(model), held, seed=0)
    assert truth["content"] > 0.98 and truth["per_view"] > 0.98
    assert truth["shared"] == pytest.approx(2 / 3, abs=0.05)  # the mean of two views keeps s + ε̄
    # per view: within-group variance 5 · 1 (ε) + 5 · 0.01 of a total 5 · 1.01 + 5 · 2
    assert truth["rho_w"] == pytest.approx(5 / 15, abs=0.05)
    random = c4._state(_Latents(model, random=True), held, seed=0)
    assert random["content"] < truth["content"] - 0.2


def test_saturation_records_the_curve_the_saturation_point_and_a_second_held_out_set():
    model = c4.c4_model(0)
    clock = Clock()
    table = c4.saturation(model, seeds=[0, 1], steps=40, n_curve=4, n_held=300, n_eval=10, clock=clock)
    assert len(table) == 2 * (4 + 1) + 2  # every point on set A, the saturation point on set B too
    assert table["nce"].max() <= math.log(c4.K_C4) + 1e-6
    assert len(c4.at(table, "shared", "sat", held="B")) == 2 and len(c4.at(table, "nce", "end")) == 2
    assert c4.at(table, "nce", "end") != c4.at(table, "nce", "start")
    assert set(clock.seconds) == {"train", "eval"}
    short = c4.saturation(model, seeds=[0], steps=40, n_curve=4, n_held=300, n_eval=10, curve=False)
    assert sorted(short["step"].unique()) == [0, 10, 40]


def test_learned_infonce_never_exceeds_log_k_and_summaries_are_per_level():
    traces = c4.staircase_learned([0], level_steps=6)
    assert set(traces["estimator"]) == set(c4.LEARNED)
    nce = traces[traces["estimator"] == "InfoNCE"]["value"]
    assert nce.max() <= math.log(64) + 1e-5
    summary = c4.learned_summary(traces)
    assert len(summary) == len(c4.LEARNED) * len(c4.E8_MIS) and (summary["sd"] >= 0).all()


def test_bijections_keep_the_identity_at_the_bayes_r2_and_move_the_linear_probe():
    table = c4.bijection_probes([0, 1], n_bij=4, n_train=2000, n_mlp=1)
    identity = table[table["k"] == 0]["linear"]
    assert identity.between(1 / 1.1 - 0.04, 1 / 1.1 + 0.04).all()
    span = table.groupby("draw")["linear"].agg(lambda v: v.max() - v.min())
    assert (span > 0.05).all()
    assert table[table["draw"] == 1]["mlp"].isna().all() and table["mlp"].notna().sum() == 2


def test_record_passes_a_margin_only_where_the_spec_leaves_it():
    seen = []

    class Book:
        def check(self, id, value, reference, margin=None):
            seen.append((id, margin))

    checks = pd.DataFrame(
        [("a", 1.0, 1.0, math.nan), ("b", 1.0, 1.0, 0.5)], columns=["id", "value", "reference", "margin"]
    )
    c4.record(Book(), checks)
    assert seen == [("a", None), ("b", 0.5)]


def test_the_encoder_is_a_cosine_critic():
    enc = critics.SeparableCritic(20, embed_dim=16, shared=True, normalize=True, temperature=c4.TAU, seed=0)
    x = torch.randn(8, 20)
    assert enc(x, x).diagonal().allclose(torch.full((8,), 1 / c4.TAU))
