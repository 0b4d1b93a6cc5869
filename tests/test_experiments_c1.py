"""Runners of notebook 01 (simvae_core.experiments.c1_model) at tiny sizes, on cases with known answers."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp
import torch

from simvae_core.claims import ClaimBook
from simvae_core.experiments import c1_model as c1
from simvae_core.notebook.sizes import RunSizes


def stream(k: int) -> torch.Generator:
    return torch.Generator().manual_seed(1000 + k)


@pytest.fixture(scope="module")
def der() -> c1.Derivations:
    return c1.derive()


def _by_claim(table):
    return table.set_index("claim")


def test_sizes_are_typed_and_declare_one_seed():
    assert c1.SIZES.type is c1.Sizes and issubclass(c1.Sizes, RunSizes)
    for profile in ("smoke", "default", "full"):
        sizes = c1.SIZES.resolve(profile)
        assert sizes.n_seeds == 1  # derivations are recorded once per run
    assert c1.SIZES.resolve("smoke").n_mc < c1.SIZES.resolve("default").n_mc
    assert c1.SIZES.resolve("default", {"n_mc": 500}).n_mc == 500
    with pytest.raises(TypeError):
        c1.SIZES.resolve("smoke", {"n_mc": 1.5})
    with pytest.raises(KeyError, match="n_mc"):
        c1.SIZES.resolve("smoke", {"n_samples": 10})
    with pytest.raises(dataclasses.FrozenInstanceError):
        c1.SIZES.resolve("smoke").n_mc = 3


def test_every_runner_row_is_a_declared_claim_and_the_runners_cover_the_spec(der):
    tables = [
        c1.sampler_checks(2000, stream),
        c1.marginal_checks(der, 2000, stream),
        c1.posterior_checks(der, 2000, stream),
        c1.mi_checks(der, 2000, stream),
        c1.elbo_term_checks(der, 2000, stream),
        c1.elbo_bound_checks(stream, n_groups=32, n_random=3, steps=300),
        c1.softmax_checks(20_000, stream).checks,
        c1.authors_checks(der, stream).checks,
    ]
    ids = [c for t in tables for c in t.claim]
    assert sorted(ids) == sorted(c.id for c in c1.SPEC.claims)
    for t in tables:  # the margin column is given exactly where the spec leaves it to the run
        for r in t.itertuples():
            assert math.isnan(r.margin) == (c1.SPEC[r.claim].margin is not None), r.claim
    # and the whole set records without a failed derivation or a passing negative control
    book = ClaimBook(c1.SPEC, profile="smoke", seed=1000, code_version="test")
    for t in tables:
        c1.record(book, t)
    assert not book.unrecorded()
    assert all(c.outcome == "supported" for c in book.claims if c.spec.kind == "derivation")
    assert all(c.outcome != "supported" for c in book.claims if c.spec.kind == "negative_control")


def test_runners_leave_the_default_dtype_alone():
    before = torch.get_default_dtype()
    c1.sampler_checks(2000, stream)
    assert torch.get_default_dtype() == before


def test_sampler_estimates_its_parameters():
    t = _by_claim(c1.sampler_checks(40_000, stream, sigma2=0.7, prior_var=3.0))
    assert (
        abs(t.loc["C1.sampler.within_variance", "value"] - 0.7)
        < t.loc["C1.sampler.within_variance", "margin"]
    )
    assert t.loc["C1.sampler.within_variance", "reference"] == 0.7
    assert (
        abs(t.loc["C1.sampler.content_variance", "value"] - 3.0)
        < t.loc["C1.sampler.content_variance", "margin"]
    )
    assert t.loc["C1.sampler.content_identical", "value"] == 0.0


def test_a_wrong_closed_form_leaves_a_symbolic_residual(der):
    assert c1._nonzero(der.log_marginal["flat"] - der.stated_marginal["flat"]) == 0
    wrong = der.stated_marginal["gaussian"] + sp.Rational(1, 10) * der.zs[0] ** 2
    assert c1._nonzero(sp.logcombine(sp.expand(der.log_marginal["gaussian"] - wrong), force=True)) == 1
    assert sp.simplify(der.entropy_weight_ratio - 2 * sp.pi) == 0


def test_monte_carlo_log_marginal_is_exact_in_one_dimension_with_a_point_prior():
    # a prior of (almost) zero variance makes y = 0, so log p(z) = Σ log N(z_j; 0, σ²) exactly
    z = torch.tensor([[0.3], [-0.2]], dtype=torch.float64)
    est, se = c1.mc_log_marginal(z, 0.5, 1e-12, 1000, stream(0))
    exact = torch.distributions.Normal(0.0, math.sqrt(0.5)).log_prob(z).sum().item()
    assert est == pytest.approx(exact, abs=1e-6) and se < 1e-6


def test_calibration_error_is_zero_for_the_truth_and_large_for_overconfidence():
    g = stream(1)
    n, k = 200_000, 4
    probs = torch.softmax(torch.randn(n, k, generator=g, dtype=torch.float64), -1)
    labels = torch.multinomial(probs, 1, generator=g)[:, 0]  # labels drawn from probs: calibrated
    ece, table = c1.calibration_error(probs, labels)
    assert ece < 0.01 and table.weight.sum() == pytest.approx(1.0)
    one_hot = torch.nn.functional.one_hot(probs.argmax(-1), k).double()  # confidence 1, accuracy < 1
    assert c1.calibration_error(one_hot, labels)[0] > 0.2


def test_softmax_is_best_at_sigma2_and_the_negative_controls_miss_near_their_margin():
    r = c1.softmax_checks(20_000, stream)
    t = _by_claim(r.checks)
    assert t.loc["C1.bayes.cross_entropy_argmin", "value"] == 0.0
    assert t.loc["C1.bayes.calibrated", "value"] < c1.CALIBRATION_MARGIN
    for tau in c1.NEAR_MISS_TAUS:
        miss = t.loc[f"C1.bayes.calibrated.tau_{tau:g}sigma2", "value"] / c1.CALIBRATION_MARGIN
        assert 1 < miss < 4  # fails, and near its margin
    assert set(r.reliability.ratio) == {0.25, *c1.NEAR_MISS_TAUS, 1.0, 4.0}
    assert len(r.cross_entropy) == len(c1.RATIOS)


def test_the_authors_entropy_weight_multiplies_the_optimal_variance_by_two_pi(der):
    r = c1.authors_checks(der, stream)
    assert np.allclose(r.optimum.ratio, 2 * math.pi, rtol=1e-4)
    exact = c1.optimal_posterior_variance(0.15)
    assert r.optimum["v* exact"].iloc[0] == pytest.approx(exact, rel=1e-4)  # no decoder term: the closed form


def test_elbo_bound_holds_for_random_and_optimised_q():
    t = _by_claim(c1.elbo_bound_checks(stream, n_groups=16, n_random=3, steps=200))
    assert t.loc["C1.elbo.lower_bound", "value"] < 0
    assert t.loc["C1.elbo.optimised_gap_nonnegative", "value"] >= -1e-6
