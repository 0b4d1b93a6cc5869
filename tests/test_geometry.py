"""analysis.geometry on constructed inputs with known answers, and against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import torch
import torch.nn.functional as F

from simvae_core.analysis.geometry import (
    VarianceTraces,
    alignment,
    covariance_spectrum,
    effective_rank,
    mean_cosine_to_prototypes,
    nearest_centroid_accuracy,
    uniformity,
    uniformity_optimum,
    uniformity_simplex,
    variance_traces,
    within_group_variance_ratio,
)
from simvae_core.theory.ssl_model import SSLModel

from .conftest import gen

F64 = torch.float64

pytestmark = pytest.mark.usefixtures("one_thread")  # small tensors: one intra-op thread


def orthogonal(d: int, seed: int = 0) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(d, d, generator=gen(seed), dtype=F64))
    return q * torch.sign(torch.diagonal(r))


def sphere(n: int, m: int, seed: int = 0) -> torch.Tensor:
    return F.normalize(torch.randn(n, m, generator=gen(seed), dtype=F64), dim=-1)


# --------------------------------------------------------------------------------------------- spectrum


def test_covariance_spectrum_exact_construction():
    # whitened Gaussian rows, then scaled and rotated: the sample covariance is exactly Q diag(v) Qᵀ
    n, var = 500, torch.tensor([9.0, 4.0, 1.0, 0.25, 0.0], dtype=F64)
    x = torch.randn(n, 5, generator=gen(1), dtype=F64)
    x = x - x.mean(0)
    chol = torch.linalg.cholesky(x.T @ x / (n - 1))
    white = x @ torch.linalg.inv(chol).T  # sample covariance = I exactly
    z = white * var.sqrt() @ orthogonal(5).T + 3.0  # an offset does not change a covariance
    spec = covariance_spectrum(z)
    assert spec.shape == (5,) and spec.dtype == F64
    torch.testing.assert_close(spec, var, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(covariance_spectrum(z, normalize=True), var / 9.0, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(spec, torch.linalg.eigvalsh(torch.cov(z.T)).flip(0), atol=1e-10, rtol=0)


def test_covariance_spectrum_large_sample_diagonal():
    var = torch.tensor([4.0, 2.0, 1.0, 0.5])
    z = torch.randn(200_000, 4, generator=gen(2)) * var.sqrt()
    torch.testing.assert_close(covariance_spectrum(z), var, rtol=0.02, atol=0)


def test_covariance_spectrum_collapsed_normalize_keeps_zeros():
    z = torch.zeros(10, 3, dtype=F64)
    assert torch.equal(covariance_spectrum(z, normalize=True), torch.zeros(3, dtype=F64))


# --------------------------------------------------------------------------------------------- RankMe


@pytest.mark.parametrize("k", [1, 2, 5, 8])
def test_effective_rank_k_equal_singular_values(k):
    # z = U diag(σ) Vᵀ with k equal singular values and 8 − k zeros
    u = orthogonal(20)[:, :8]
    sigma = torch.cat([torch.full((k,), 3.0, dtype=F64), torch.zeros(8 - k, dtype=F64)])
    z = u * sigma @ orthogonal(8, seed=3).T  # (20, 8)
    assert effective_rank(z) == pytest.approx(k, rel=1e-4)
    assert effective_rank(sigma) == pytest.approx(k, rel=1e-4)
    assert effective_rank(sigma, eps=0.0) == pytest.approx(k, rel=1e-12)


def test_effective_rank_rank_one_and_formula():
    z = torch.randn(50, 1, generator=gen(0), dtype=F64) @ torch.randn(1, 10, generator=gen(1), dtype=F64)
    assert effective_rank(z) == pytest.approx(1.0, abs=1e-4)
    s = torch.tensor([4.0, 2.0, 1.0, 1.0], dtype=F64)
    p = s / s.sum() + 1e-7
    assert effective_rank(s) == pytest.approx(math.exp(-float((p * p.log()).sum())), rel=1e-12)


def test_effective_rank_uncentred_vs_centred():
    # a large common offset is one big uncentred singular value (RankMe's definition sees it); centring
    # removes it, and the centred value is a function of the covariance spectrum alone
    z = torch.randn(400, 6, generator=gen(4), dtype=F64) + 100.0
    centred = effective_rank(z, center=True)
    assert effective_rank(z) < 1.5 and centred > 5.5
    assert centred == pytest.approx(effective_rank(covariance_spectrum(z).sqrt()), rel=1e-5)


# ------------------------------------------------------------------------------ alignment / uniformity


@pytest.mark.parametrize("alpha", [1.0, 2.0, 3.0])
def test_alignment_identical_and_antipodal(alpha):
    z = torch.randn(64, 5, generator=gen(0), dtype=F64)
    assert float(alignment(z, 2.5 * z, alpha)) == pytest.approx(0.0, abs=1e-12)  # normalised: same point
    assert float(alignment(z, -z, alpha)) == pytest.approx(2.0**alpha, rel=1e-12)


def test_alignment_unnormalised_and_grouped():
    z1 = torch.randn(30, 4, generator=gen(1), dtype=F64)
    z2 = torch.randn(30, 4, generator=gen(2), dtype=F64)
    expected = (z1 - z2).norm(dim=1).pow(3).mean()
    torch.testing.assert_close(alignment(z1, z2, 3, normalize=False), expected)
    # (B, J, d): the mean over all view pairs equals the brute-force double loop
    z = torch.randn(7, 4, 3, generator=gen(3), dtype=F64)
    zn = F.normalize(z, dim=-1)
    pairs = [(zn[:, i] - zn[:, j]).pow(2).sum(-1) for i in range(4) for j in range(i + 1, 4)]
    torch.testing.assert_close(alignment(z), torch.stack(pairs).mean())
    assert float(alignment(z[:, :1].expand(7, 4, 3))) == 0.0  # all views identical


def test_alignment_and_uniformity_are_differentiable():
    z = torch.randn(16, 2, 3, generator=gen(0), dtype=F64, requires_grad=True)
    loss = alignment(z) + uniformity(z)
    loss.backward()
    assert z.grad is not None and bool(torch.isfinite(z.grad).all())
    w = torch.ones(4, 2, 3, dtype=F64, requires_grad=True)  # coinciding views: alpha=2 has no sqrt
    alignment(w).backward()
    assert bool(torch.isfinite(w.grad).all())


@pytest.mark.parametrize("t", [0.5, 2.0, 5.0])
def test_uniformity_two_antipodal_points(t):
    z = torch.tensor([[0.0, 3.0, 0.0], [0.0, -1.0, 0.0]], dtype=F64)
    assert float(uniformity(z, t)) == pytest.approx(-4 * t, abs=1e-12)


def test_uniformity_matches_pdist_bruteforce_and_blocks():
    z = torch.randn(2500, 4, generator=gen(5), dtype=F64)  # > one row block of 2048
    zn = F.normalize(z, dim=-1)
    brute = torch.pdist(zn).pow(2).mul(-2.0).exp().mean().log()
    torch.testing.assert_close(uniformity(z), brute, rtol=1e-10, atol=1e-12)
    grouped = z[:2400].reshape(300, 8, 4)
    torch.testing.assert_close(uniformity(grouped), uniformity(z[:2400]))
    raw = torch.pdist(z[:300]).pow(2).mul(-0.5).exp().mean().log()
    torch.testing.assert_close(uniformity(z[:300], 0.5, normalize=False), raw, rtol=1e-10, atol=1e-12)


def test_uniformity_optimum_closed_forms_and_integral():
    for t in (0.5, 2.0, 4.0):
        assert uniformity_optimum(3, t) == pytest.approx(
            math.log((1 - math.exp(-4 * t)) / (4 * t)), rel=1e-12
        )
        assert uniformity_optimum(1, t) == pytest.approx(math.log((1 + math.exp(-4 * t)) / 2), rel=1e-12)
    # experiment E7's reference values: −2.080 (m = 3) and −3.247 (m = 10) at t = 2
    assert round(uniformity_optimum(3), 3) == -2.080
    assert round(uniformity_optimum(10), 3) == -3.247
    for m in (2, 4, 10, 32):
        # u = xᵀy has density ∝ (1 − u²)^{(m − 3)/2} on [−1, 1]
        def density(u: float, w: float = (m - 3) / 2) -> float:
            return (1 - u * u) ** w

        num = scipy.integrate.quad(lambda u, f=density: math.exp(-4 * (1 - u)) * f(u), -1, 1, limit=200)[0]
        den = scipy.integrate.quad(density, -1, 1, limit=200)[0]
        assert uniformity_optimum(m) == pytest.approx(math.log(num / den), abs=1e-9)


@pytest.mark.parametrize("m", [3, 10])
def test_uniformity_monte_carlo_on_the_sphere_approaches_optimum(m):
    z = sphere(4000, m, seed=m)
    # pairs are not independent, but 8 M of them from 4 000 points pin the mean to ~1e-2
    assert float(uniformity(z)) == pytest.approx(uniformity_optimum(m), abs=0.02)
    # any non-uniform distribution does worse: a cap around the north pole
    cap = F.normalize(z + 2.0 * torch.eye(m, dtype=F64)[0], dim=-1)
    assert float(uniformity(cap)) > uniformity_optimum(m) + 0.3


def test_uniformity_simplex_collapsed_clusters():
    k, per = 4, 50
    # the regular simplex of K = 4 vertices in R^3 (centred one-hot vectors of R^4, rotated into R^3)
    e = torch.eye(k, dtype=F64) - 1.0 / k
    vertices = F.normalize(torch.linalg.svd(e)[0][:, : k - 1] * torch.linalg.svd(e)[1][: k - 1], dim=-1)
    d2 = torch.cdist(vertices, vertices).pow(2)
    torch.testing.assert_close(
        d2[~torch.eye(k, dtype=torch.bool)], torch.full((12,), 2 * k / (k - 1), dtype=F64)
    )
    z = vertices.repeat_interleave(per, 0)  # (K·per, 3)
    n = k * per
    same = (per - 1) / (n - 1)  # share of distinct pairs inside one cluster
    exact = math.log(same + (1 - same) * math.exp(-2 * 2.0 * k / (k - 1)))
    assert float(uniformity(z)) == pytest.approx(exact, abs=1e-10)
    assert uniformity_simplex(k) == pytest.approx(
        math.log(1 / k + (1 - 1 / k) * math.exp(-16 / 3)), rel=1e-12
    )
    assert uniformity_simplex(2, 1.0) == pytest.approx(math.log((1 + math.exp(-4)) / 2), rel=1e-12)


# ------------------------------------------------------------------------------ within-group variance


def test_within_group_ratio_zero_for_collapsed_groups():
    centres = torch.randn(20, 5, generator=gen(0), dtype=F64)
    z = centres[:, None, :].expand(20, 4, 5)  # (B, J, d): every view equals its group's point
    assert within_group_variance_ratio(z) == 0.0
    tr = variance_traces(z)
    assert isinstance(tr, VarianceTraces) and tr.within == 0.0
    assert tr.between == pytest.approx(tr.total) and tr.total > 0


@pytest.mark.parametrize(("sigma2", "prior_var"), [(0.15, 1.0), (1.0, 1.0), (2.0, 0.5)])
def test_within_group_ratio_ssl_model_population_value(sigma2, prior_var):
    model = SSLModel(8, sigma2=sigma2, prior_var=prior_var, dtype=F64)
    z = model.sample(4000, 4, seed=1).z  # (B, J, d)
    expected = sigma2 / (prior_var + sigma2)
    assert within_group_variance_ratio(z) == pytest.approx(expected, abs=0.01)
    tr = variance_traces(z)
    assert tr.within == pytest.approx(8 * sigma2, rel=0.02)
    assert tr.between == pytest.approx(8 * prior_var, rel=0.05)
    assert tr.within + tr.between == pytest.approx(tr.total, rel=1e-12)


def test_within_group_ratio_labels_match_grouped_and_bruteforce():
    z = torch.randn(6, 3, 2, generator=gen(1), dtype=F64)
    flat = z.reshape(18, 2)
    labels = torch.arange(6).repeat_interleave(3) * 7 - 5  # arbitrary integer labels
    perm = torch.randperm(18, generator=gen(2))
    assert within_group_variance_ratio(flat[perm], labels[perm]) == pytest.approx(
        within_group_variance_ratio(z), rel=1e-12
    )
    # unequal group sizes: pooled within variance by hand
    lab = torch.tensor([0, 0, 0, 1, 1, 2])
    x = torch.randn(6, 2, generator=gen(3), dtype=F64)
    within = sum(float((x[lab == g] - x[lab == g].mean(0)).pow(2).sum()) for g in range(3)) / (2 + 1 + 0)
    total = float(torch.cov(x.T).trace())
    assert variance_traces(x, lab) == pytest.approx((within, total - within, total), rel=1e-12)


def test_within_group_ratio_nan_when_all_identical():
    assert math.isnan(within_group_variance_ratio(torch.ones(3, 2, 4)))


# ------------------------------------------------------------------------------------- NCC / prototypes


def test_nearest_centroid_accuracy_separated_clusters():
    centres = 10.0 * torch.eye(6)[:5]  # 5 instances in 6-D
    g = gen(4)
    ytr, yte = torch.arange(5).repeat(20), torch.arange(5).repeat(8)
    xtr = centres[ytr] + torch.randn(100, 6, generator=g)
    xte = centres[yte] + torch.randn(40, 6, generator=g)
    for metric in ("cosine", "euclidean"):
        assert nearest_centroid_accuracy(xtr, ytr + 100, xte, yte + 100, metric=metric) == 1.0
    # shuffled test labels: the accuracy is the share that still matches
    wrong = (yte + 1) % 5
    wrong[:8] = yte[:8]
    assert nearest_centroid_accuracy(xtr, ytr, xte, wrong) == pytest.approx(8 / 40)


def test_nearest_centroid_metrics_differ_on_scale():
    # two groups on the same ray at different norms: cosine cannot tell them apart, euclidean can
    xtr = torch.tensor([[1.0, 0.0], [1.1, 0.0], [5.0, 0.0], [5.2, 0.0]])
    ytr = torch.tensor([0, 0, 1, 1])
    xte, yte = torch.tensor([[1.05, 0.0], [5.1, 0.0]]), torch.tensor([0, 1])
    assert nearest_centroid_accuracy(xtr, ytr, xte, yte, metric="euclidean") == 1.0
    assert nearest_centroid_accuracy(xtr, ytr, xte, yte, metric="cosine") == 0.5


def test_mean_cosine_to_prototypes():
    w = torch.randn(10, 4, generator=gen(0), dtype=F64)
    z = w[:, None, :] * torch.tensor([1.0, 2.0, 3.0], dtype=F64)[None, :, None]
    assert mean_cosine_to_prototypes(z, w) == pytest.approx(1.0, abs=1e-12)
    assert mean_cosine_to_prototypes(-z, w) == pytest.approx(-1.0, abs=1e-12)
    flat, groups = z.reshape(30, 4), torch.arange(10).repeat_interleave(3)
    assert mean_cosine_to_prototypes(flat, w, groups) == pytest.approx(1.0, abs=1e-12)
    half = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=F64)
    assert mean_cosine_to_prototypes(half, half[[1, 1]], torch.tensor([0, 1])) == pytest.approx(0.5)


# --------------------------------------------------------------------------------------------- validation


def test_numpy_inputs_accepted():
    z = np.random.default_rng(0).normal(size=(50, 3))
    assert covariance_spectrum(z).dtype == F64
    assert effective_rank(z) > 1.0
    assert within_group_variance_ratio(z, np.arange(50) % 5) > 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: covariance_spectrum(torch.zeros(5)), r"shape \(N, d\)"),
        (lambda: covariance_spectrum(torch.zeros(1, 3)), "at least 2 points"),
        (lambda: covariance_spectrum(torch.tensor([[0.0, 1.0], [float("nan"), 0.0]])), "NaN or inf"),
        (lambda: covariance_spectrum(torch.zeros(2, 3, 4)), "flatten the views"),
        (lambda: effective_rank(torch.zeros(4, 3)), "all zero"),
        (lambda: effective_rank(torch.tensor([1.0, -1.0])), ">= 0"),
        (lambda: effective_rank(torch.ones(3), center=True), "center=True"),
        (lambda: effective_rank(torch.ones(3), eps=-1.0), "eps"),
        (lambda: alignment(torch.ones(4, 3), torch.ones(5, 3)), "same shape"),
        (lambda: alignment(torch.ones(4, 3)), "J >= 2"),
        (lambda: alignment(torch.ones(4, 1, 3)), "J >= 2"),
        (lambda: alignment(torch.ones(4, 2, 3), alpha=0), "alpha"),
        (lambda: uniformity(torch.ones(4, 3), t=-1.0), "t must be"),
        (lambda: uniformity(torch.ones(1, 3)), "at least 2 points"),
        (lambda: uniformity_optimum(0), "m must be >= 1"),
        (lambda: uniformity_simplex(1), ">= 2"),
        (lambda: within_group_variance_ratio(torch.ones(4, 3)), "needs groups"),
        (lambda: within_group_variance_ratio(torch.ones(4, 2, 3), torch.arange(8)), "groups=None"),
        (lambda: within_group_variance_ratio(torch.ones(4, 3), torch.arange(3)), "must match"),
        (lambda: within_group_variance_ratio(torch.randn(4, 3), torch.arange(4)), "single point"),
        (
            lambda: nearest_centroid_accuracy(
                torch.ones(4, 3), torch.arange(4), torch.ones(2, 3), torch.tensor([0, 9])
            ),
            "absent",
        ),
        (
            lambda: nearest_centroid_accuracy(
                torch.ones(4, 3), torch.arange(4), torch.ones(2, 2), torch.arange(2)
            ),
            "dimensions",
        ),
        (
            lambda: nearest_centroid_accuracy(
                torch.ones(4, 3), torch.arange(4), torch.ones(2, 3), torch.arange(2), "l1"
            ),
            "metric",
        ),
        (
            lambda: mean_cosine_to_prototypes(torch.ones(4, 3), torch.ones(2, 3), torch.tensor([0, 1, 2, 0])),
            "0..1",
        ),
        (lambda: mean_cosine_to_prototypes(torch.ones(4, 2, 3), torch.ones(3, 3)), "prototypes"),
    ],
)
def test_validation_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: covariance_spectrum([[0.0, 1.0], [1.0, 0.0]]),
        lambda: within_group_variance_ratio(torch.ones(4, 3), torch.ones(4)),
        lambda: uniformity(torch.ones(4, 3), t=True),
        lambda: uniformity_optimum(3.0),
    ],
)
def test_type_errors(call):
    with pytest.raises(TypeError):
        call()
