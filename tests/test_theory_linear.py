"""simvae_core.theory.linear: E5's closed-form values, the losses against Monte Carlo, E12's dynamics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from simvae_core.theory.linear import (
    E12_R,
    E12_S,
    ContentStyleCovariance,
    content_style_views_covariance,
    linear_prediction_r2,
    population_r2,
    population_spectral_contrastive_loss,
    ppca_optimum,
    principal_angles,
    spectral_contrastive_loss,
    spectral_contrastive_optimum,
    two_layer_linear_gd,
)

from .conftest import gen

F64 = torch.float64
NOISE = 0.1
CONTENT_CORR = 1 / (1 + NOISE)  # 0.90909...

pytestmark = pytest.mark.usefixtures("one_thread")  # small tensors: one intra-op thread


def r2_pair(a2: float, k: int, method: str, seed: int = 0) -> tuple[float, float]:
    cov = content_style_views_covariance(20, 3, 3, a2=a2, b2=1.0, noise_var=NOISE, seed=seed)
    if method == "spectral":
        W = spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, k).W
    else:
        W = ppca_optimum(cov.sigma, k).W
    return tuple(population_r2(W, cov))


# --------------------------------------------------------------------------------------------- the model


def test_covariances_closed_form():
    cov = content_style_views_covariance(seed=3)
    assert isinstance(cov, ContentStyleCovariance)
    assert (cov.obs_dim, cov.content_dim, cov.style_dim) == (20, 3, 3)
    A = cov.A
    torch.testing.assert_close(A.T @ A, torch.eye(6, dtype=F64))
    expected = A @ torch.diag(torch.tensor([1.0] * 3 + [1.5] * 3, dtype=F64)) @ A.T + NOISE * torch.eye(20)
    torch.testing.assert_close(cov.sigma, expected.to(F64))
    torch.testing.assert_close(
        cov.sigma_plus, A @ torch.diag(torch.tensor([1.0] * 3 + [0.5] * 3, dtype=F64)) @ A.T
    )
    torch.testing.assert_close(cov.cross_content, A[:, :3].T)
    torch.testing.assert_close(cov.cross_style, 1.5 * A[:, 3:].T)
    theory = cov.canonical_correlations_theory()
    assert theory == pytest.approx({"content": CONTENT_CORR, "style": 0.3125})


def test_sampler_matches_the_covariances():
    cov = content_style_views_covariance(10, 2, 2, a2=0.5, b2=1.0, noise_var=0.2, seed=1)
    v = cov.sample(200_000, seed=0)
    n = v.x1.shape[0]
    x1, x2 = v.x1 - v.x1.mean(0), v.x2 - v.x2.mean(0)
    tol = {"atol": 0.02, "rtol": 0}
    torch.testing.assert_close(x1.T @ x1 / n, cov.sigma, **tol)
    torch.testing.assert_close((x1.T @ x2 + x2.T @ x1) / (2 * n), cov.sigma_plus, **tol)
    torch.testing.assert_close(v.c.T @ x1 / n, cov.cross_content, **tol)
    torch.testing.assert_close(v.s1.T @ x1 / n, cov.cross_style, **tol)
    torch.testing.assert_close(v.s1.T @ v.s2 / n, 0.5 * torch.eye(2, dtype=F64), **tol)


def test_given_A_and_invariance_to_A():
    q, _ = torch.linalg.qr(torch.randn(20, 6, generator=gen(7), dtype=F64))
    given = content_style_views_covariance(A=q)
    assert torch.equal(given.A, q)
    for W_of in (
        lambda c: spectral_contrastive_optimum(c.sigma, c.sigma_plus, 3).W,
        lambda c: ppca_optimum(c.sigma, 3).W,
    ):
        values = [tuple(population_r2(W_of(c), c)) for c in (given, content_style_views_covariance(seed=5))]
        assert values[0] == pytest.approx(values[1], abs=1e-12)


# --------------------------------------------------------------------------------------------- E5 table


@pytest.mark.parametrize(
    ("a2", "k", "method", "expected"),
    [
        # experiment E5's reference, population values (the table lists N = 200 000 sample values)
        (0.5, 3, "spectral", (CONTENT_CORR, 0.0)),
        (0.5, 3, "pca", (0.0, 1.5 / 1.6)),
        (0.5, 6, "spectral", (CONTENT_CORR, 1.5 / 1.6)),
        (0.5, 6, "pca", (CONTENT_CORR, 1.5 / 1.6)),
        (0.0, 6, "spectral", (CONTENT_CORR, 0.0)),  # exactly 0: zero correlation, weight √0
        (0.0, 6, "pca", (CONTENT_CORR, 1.0 / 1.1)),
        (0.0, 3, "spectral", (CONTENT_CORR, 0.0)),
    ],
)
def test_e5_population_r2_table(a2, k, method, expected):
    assert r2_pair(a2, k, method) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("a2", [0.5, 0.0, 2.0])
def test_e5_canonical_correlations(a2):
    cov = content_style_views_covariance(a2=a2, b2=1.0, noise_var=NOISE)
    corr = spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, 3).correlations
    style = a2 / (a2 + 1.0 + NOISE)
    expected = sorted([CONTENT_CORR] * 3 + [style] * 3 + [0.0] * 14, reverse=True)
    torch.testing.assert_close(corr, torch.tensor(expected, dtype=F64), atol=1e-12, rtol=0)
    # independent computation: the eigenvalues of Σ⁻¹Σ₊ are the canonical correlations
    ev = np.sort(np.linalg.eigvals(np.linalg.solve(cov.sigma.numpy(), cov.sigma_plus.numpy())).real)[::-1]
    np.testing.assert_allclose(ev, expected, atol=1e-10)


def test_population_r2_matches_sample_regression():
    cov = content_style_views_covariance()
    with pytest.warns(UserWarning, match="not unique"):  # which content direction comes 4th is arbitrary
        W = ppca_optimum(cov.sigma, 4).W  # 3 style + 1 content direction
    v = cov.sample(100_000, seed=2)
    z = v.x1 @ W.T
    z1 = torch.cat([z, torch.ones(z.shape[0], 1, dtype=F64)], 1)
    sample = []
    for target in (v.c, v.s1):
        coef = torch.linalg.lstsq(z1, target).solution
        resid = target - z1 @ coef
        sample.append(1 - float(resid.pow(2).sum() / (target - target.mean(0)).pow(2).sum()))
    assert tuple(population_r2(W, cov)) == pytest.approx(tuple(sample), abs=0.01)
    assert population_r2(W, cov).content == pytest.approx(CONTENT_CORR / 3, abs=1e-9)


def test_r2_zero_rows_and_scale_invariance():
    cov = content_style_views_covariance(a2=0.0)
    W = spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, 6).W
    assert bool((W[3:] == 0).all())  # the zero-correlation rows are exactly zero
    assert population_r2(torch.zeros(2, 20, dtype=F64), cov) == (0.0, 0.0)
    assert tuple(population_r2(5.0 * W[:3], cov)) == pytest.approx(tuple(population_r2(W, cov)), abs=1e-12)
    # a tiny but real weight on style counts in full above rtol, and not at all below it
    tiny = torch.cat([W[:3], 1e-3 * cov.A[:, 3:].T])
    assert population_r2(tiny, cov).style == pytest.approx(1 / 1.1, abs=1e-9)
    assert population_r2(tiny, cov, rtol=1e-4).style == pytest.approx(0.0, abs=1e-12)


def test_linear_prediction_r2_identity_encoder():
    cov = content_style_views_covariance(a2=0.5)
    eye = torch.eye(20, dtype=F64)
    assert linear_prediction_r2(eye, cov.sigma, cov.cross_content, cov.var_content) == pytest.approx(
        CONTENT_CORR
    )


# --------------------------------------------------------------------------------------------- optima


@pytest.mark.parametrize("k", [3, 6, 8])
def test_spectral_optimum_minimises_population_loss(k):
    cov = content_style_views_covariance(a2=0.5)
    opt = spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, k)
    loss = population_spectral_contrastive_loss(opt.W, cov.sigma, cov.sigma_plus)
    assert float(loss) == pytest.approx(opt.loss, abs=1e-10)
    top = opt.correlations[:k].clamp(min=0)
    assert opt.loss == pytest.approx(-float(top.pow(2).sum()), abs=1e-12)
    W = opt.W.clone().requires_grad_(True)
    population_spectral_contrastive_loss(W, cov.sigma, cov.sigma_plus).backward()
    assert float(W.grad.abs().max()) < 1e-10  # stationary
    g = gen(k)
    for _ in range(20):
        delta = 0.05 * torch.randn(opt.W.shape, generator=g, dtype=F64)
        assert (
            float(population_spectral_contrastive_loss(opt.W + delta, cov.sigma, cov.sigma_plus)) > opt.loss
        )
    q, _ = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=F64))  # a left rotation is also optimal
    assert float(population_spectral_contrastive_loss(q @ opt.W, cov.sigma, cov.sigma_plus)) == pytest.approx(
        opt.loss, abs=1e-10
    )


def test_ppca_optimum():
    cov = content_style_views_covariance(a2=0.5)
    p = ppca_optimum(cov.sigma, 3)
    torch.testing.assert_close(p.W @ p.W.T, torch.eye(3, dtype=F64))
    assert p.eigenvalues[:6].tolist() == pytest.approx([1.6] * 3 + [1.1] * 3)
    assert p.noise_var == pytest.approx((3 * 1.1 + 14 * 0.1) / 17)
    # the ML model reproduces Σ's top-k eigenvalues and replaces the rest by their mean
    model = p.loadings @ p.loadings.T + p.noise_var * torch.eye(20, dtype=F64)
    ev = torch.linalg.eigvalsh(model).flip(0)
    assert ev[:3].tolist() == pytest.approx([1.6] * 3) and ev[3:].tolist() == pytest.approx(
        [p.noise_var] * 17
    )
    assert float(principal_angles(p.W, cov.A[:, 3:].T).max()) < 1e-6  # the style subspace


def test_ties_at_the_cut_off_warn():
    cov = content_style_views_covariance(a2=0.0)  # content and style variances are both 1.1
    with pytest.warns(UserWarning, match="not unique"):
        ppca_optimum(cov.sigma, 3)


# --------------------------------------------------------------------------------------------- angles


def test_principal_angles_known_values():
    U = torch.randn(3, 10, generator=gen(0), dtype=F64)
    assert float(principal_angles(U, torch.randn(3, 3, generator=gen(1), dtype=F64) @ U).max()) < 1e-6
    eye = torch.eye(10, dtype=F64)
    torch.testing.assert_close(principal_angles(eye[:3], eye[3:5]), torch.full((2,), 90.0, dtype=F64))
    theta = 0.3
    v = torch.tensor([[math.cos(theta), math.sin(theta), 0.0]], dtype=F64)
    torch.testing.assert_close(
        principal_angles(eye[:1, :3], v), torch.tensor([math.degrees(theta)], dtype=F64)
    )
    # column spaces = row spaces of the transposes; zero rows do not count
    assert float(principal_angles(U.T, 2.0 * U.T, space="column").max()) < 1e-6
    padded = torch.cat([U, torch.zeros(2, 10, dtype=F64)])
    assert principal_angles(padded, U).shape == (3,)


def test_principal_angles_match_scipy():
    g = gen(3)
    for k1, k2 in ((3, 3), (2, 5), (6, 4)):
        U = torch.randn(k1, 12, generator=g, dtype=F64)
        V = torch.randn(k2, 12, generator=g, dtype=F64)
        ref = np.sort(np.degrees(scipy.linalg.subspace_angles(U.T.numpy(), V.T.numpy())))
        np.testing.assert_allclose(principal_angles(U, V).numpy(), ref, atol=1e-9)
        np.testing.assert_allclose(principal_angles(U.T, V.T, space="column").numpy(), ref, atol=1e-9)
    # near-coincident subspaces: the small angle is resolved (arccos alone would lose it)
    a = torch.eye(2, 5, dtype=F64)
    b = a.clone()
    b[1, 2] = 1e-9
    assert float(principal_angles(a, b)[-1]) == pytest.approx(math.degrees(1e-9), rel=1e-6)


# --------------------------------------------------------------------------------------------- losses


def test_sample_loss_matches_population_loss_monte_carlo():
    cov = content_style_views_covariance(a2=0.5)
    W = 0.5 * torch.randn(4, 20, generator=gen(1), dtype=F64)
    pop = float(population_spectral_contrastive_loss(W, cov.sigma, cov.sigma_plus))
    g = gen(2)
    estimates = []
    for _ in range(25):
        v = cov.sample(4_000, g)
        estimates.append(float(spectral_contrastive_loss(v.x1 @ W.T, v.x2 @ W.T)))
    est = torch.tensor(estimates, dtype=F64)
    se = float(est.std() / math.sqrt(est.numel()))
    assert abs(float(est.mean()) - pop) < 4 * se


def test_sample_loss_bruteforce():
    z1 = torch.randn(7, 3, generator=gen(0), dtype=F64)
    z2 = torch.randn(7, 3, generator=gen(1), dtype=F64)
    gram = z1 @ z2.T
    off = ~torch.eye(7, dtype=torch.bool)
    expected = -2 * gram.diagonal().mean() + gram[off].pow(2).mean()
    torch.testing.assert_close(spectral_contrastive_loss(z1, z2), expected)


@pytest.mark.parametrize("a2", [0.5, 0.0])
def test_sgd_linear_encoder_spans_the_cca_subspace(a2):
    # E5's training check at k = 3: Adam on the sample loss finds the CCA subspace and drops style
    cov = content_style_views_covariance(a2=a2)
    g = gen(0)
    W = (0.1 * torch.randn(3, 20, generator=g, dtype=F64)).requires_grad_(True)
    opt = torch.optim.Adam([W], lr=1e-2)
    for _ in range(300):
        v = cov.sample(512, g)
        loss = spectral_contrastive_loss(v.x1 @ W.T, v.x2 @ W.T)
        opt.zero_grad()
        loss.backward()
        opt.step()
    target = spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, 3).W
    assert float(principal_angles(W.detach(), target).max()) <= 5.0
    assert population_r2(W.detach(), cov).style <= 0.02


# --------------------------------------------------------------------------------------------- E12


def test_two_layer_gd_one_step_matches_autograd():
    res = two_layer_linear_gd(steps=1, lr=1e-2, init=0.5, seed=4)
    rng = np.random.default_rng(4)
    w1 = torch.tensor(0.5 * rng.standard_normal((8, 8)), requires_grad=True)
    w2 = torch.tensor(0.5 * rng.standard_normal((8, 8)), requires_grad=True)
    sigma = torch.diag(torch.tensor(E12_S, dtype=F64))
    sigma_plus = torch.diag(torch.tensor(E12_S, dtype=F64) * torch.tensor(E12_R, dtype=F64))
    loss = population_spectral_contrastive_loss(w2 @ w1, sigma, sigma_plus)
    loss.backward()
    np.testing.assert_allclose(res.W1, (w1 - 1e-2 * w1.grad).detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(res.W2, (w2 - 1e-2 * w2.grad).detach().numpy(), atol=1e-13)
    assert res.loss[0] == pytest.approx(loss.item())


def test_two_layer_gd_short_schedule_fast_features():
    # 5 000 steps at lr 2e-2 (instead of 100 000 at 5e-3): all features but 7 have converged; feature 7
    # (the lowest r, and r s = 0.1) is still near the saddle (see the docstring: slow, seed-dependent escape)
    res = two_layer_linear_gd(steps=5_000, lr=2e-2, init=0.1, seed=0)
    fast = res.r > 0.2
    assert fast.sum() == 7
    np.testing.assert_allclose(res.post_ratio[fast], 1.0, atol=0.02)
    np.testing.assert_allclose(res.pre_ratio[fast], 1.0, atol=0.1)
    assert res.post_ratio[~fast][0] < 0.5
    assert res.record_steps[0] == 0 and res.record_steps[-1] == 5_000
    assert res.post_trace.shape == (res.record_steps.size, 8) and res.loss.shape == res.record_steps.shape
    assert res.loss[-1] < res.loss[0] and res.loss[-1] >= res.optimal_loss - 1e-9
    # gradient flow conserves W₂ᵀW₂ − W₁W₁ᵀ; discrete steps move it only slightly
    assert abs(res.balancedness[-1] - res.balancedness[0]) < 0.05 * res.balancedness[0]
    # the pre/post ratio follows (s/r)^{1/4} (E12's correlation check)
    ratio = res.pre_std[fast] / res.post_std[fast]
    assert np.corrcoef(ratio, (res.s[fast] / res.r[fast]) ** 0.25)[0, 1] >= 0.95


def test_two_layer_gd_wide_layers_learn_every_feature_fast_batched():
    # the slow escape of the lowest-r feature comes from the 8-unit bottleneck: with 16 hidden and 16
    # output units every E12 feature converges within 5 000 steps, in every run
    res = two_layer_linear_gd(steps=5_000, lr=2e-2, init=0.05, runs=3, hidden_dim=16, out_dim=16)
    assert res.W1.shape == (3, 16, 8) and res.W2.shape == (3, 16, 16) and res.post_std.shape == (3, 8)
    assert res.loss.shape == (3, res.record_steps.size) and res.post_trace.shape == (
        3,
        res.record_steps.size,
        8,
    )
    np.testing.assert_allclose(res.post_ratio, 1.0, atol=0.02)
    np.testing.assert_allclose(res.pre_ratio, 1.0, atol=0.1)
    assert res.loss[:, -1] == pytest.approx([res.optimal_loss] * 3, abs=1e-6)
    single = two_layer_linear_gd((1.0, 2.0), (0.5, 0.5), steps=10, seed=9)
    assert single.W1.shape == (2, 2) and single.post_std.shape == (2,)


def test_two_layer_gd_divergence_and_validation():
    with pytest.raises(FloatingPointError, match="diverged"), np.errstate(over="ignore", invalid="ignore"):
        two_layer_linear_gd(steps=200, lr=1.0, init=1.0)
    with pytest.raises(ValueError, match="equal length"):
        two_layer_linear_gd((1.0, 2.0), (0.5,))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        two_layer_linear_gd((1.0,), (1.5,))
    with pytest.raises(ValueError, match="> 0"):
        two_layer_linear_gd((0.0,), (0.5,))
    with pytest.raises(ValueError, match="lr"):
        two_layer_linear_gd(lr=0.0)


# --------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: content_style_views_covariance(5, 3, 3), "obs_dim must be >= 6"),
        (lambda: content_style_views_covariance(a2=-1.0), "a2"),
        (lambda: content_style_views_covariance(A=torch.ones(20, 6, dtype=F64)), "orthonormal"),
        (lambda: content_style_views_covariance(A=torch.eye(20, 5, dtype=F64)), "shape"),
        (lambda: content_style_views_covariance(A=torch.eye(20, 6, dtype=F64), seed=1), "not both"),
        (lambda: spectral_contrastive_optimum(torch.eye(3), torch.eye(4), 1), "shape of sigma"),
        (lambda: spectral_contrastive_optimum(torch.eye(3), torch.eye(3), 4), "k must be <= D"),
        (lambda: spectral_contrastive_optimum(torch.zeros(3, 3), torch.eye(3), 1), "positive definite"),
        (
            lambda: spectral_contrastive_optimum(torch.tensor([[1.0, 2.0], [0.0, 1.0]]), torch.eye(2), 1),
            "symmetric",
        ),
        (lambda: ppca_optimum(torch.eye(3), 3), "k < D"),
        (lambda: principal_angles(torch.ones(2, 3), torch.ones(2, 4)), "different dimension"),
        (lambda: principal_angles(torch.zeros(2, 3), torch.ones(2, 3)), "spans no subspace"),
        (lambda: principal_angles(torch.ones(2, 3), torch.ones(2, 3), space="rows"), "space"),
        (lambda: spectral_contrastive_loss(torch.ones(1, 3), torch.ones(1, 3)), "N >= 2"),
        (lambda: spectral_contrastive_loss(torch.ones(4, 3), torch.ones(4, 2)), "shape"),
        (
            lambda: linear_prediction_r2(torch.ones(2, 3), torch.eye(4), torch.ones(1, 4), torch.eye(1)),
            "columns",
        ),
        (
            lambda: population_r2(torch.ones(2, 20), content_style_views_covariance(noise_var=float("nan"))),
            "noise_var",
        ),
    ],
)
def test_validation_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_singular_sigma_needs_noise():
    cov = content_style_views_covariance(noise_var=0.0)
    with pytest.raises(ValueError, match="noise"):
        spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, 3)
    with pytest.raises(TypeError):
        population_r2(torch.ones(2, 20), {"sigma": cov.sigma})
