"""analysis.collapse: Jing et al.'s dimensional-collapse toys, their loss, gradient identity and ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simvae_core.analysis import geometry
from simvae_core.analysis.collapse import (
    augmentation_collapse,
    decaying_init,
    effective_rank_from_spectrum,
    implicit_collapse,
    infonce_dot,
)

from .conftest import gen

F64 = torch.float64

pytestmark = pytest.mark.usefixtures("one_thread")  # small tensors: one intra-op thread


# --------------------------------------------------------------------------------------------- loss


def test_infonce_dot_is_cross_entropy_over_the_batch():
    z1, z2 = torch.randn(7, 3, generator=gen(1), dtype=F64), torch.randn(7, 3, generator=gen(2), dtype=F64)
    expected = F.cross_entropy(z1 @ z2.T / 0.1, torch.arange(7))
    torch.testing.assert_close(infonce_dot(z1, z2, 0.1), expected)
    batched = infonce_dot(torch.stack([z1, 2 * z1]), torch.stack([z2, z2]), 0.1)
    assert batched.shape == (2,)
    torch.testing.assert_close(batched[1], F.cross_entropy(2 * z1 @ z2.T / 0.1, torch.arange(7)))


def test_gradient_of_a_linear_embedding_is_w_times_m():
    """The docstring's identity: ∂L/∂W = W M, M = Σ_ij c_ij (x_i x'_jᵀ + x'_j x_iᵀ), c = (α − I)/(N τ);
    and M = (Σ_i d_ii d_iiᵀ − Σ_ij α_ij d_ij d_ijᵀ)/(N τ) + (column-sum term), d_ij = x'_j − x_i."""
    n, d, tau = 9, 4, 0.3
    x1, x2 = torch.randn(n, d, generator=gen(3), dtype=F64), torch.randn(n, d, generator=gen(4), dtype=F64)
    w = torch.randn(d, d, generator=gen(5), dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(infonce_dot(x1 @ w.T, x2 @ w.T, tau), w)
    with torch.no_grad():
        alpha = torch.softmax((x1 @ w.T) @ (x2 @ w.T).T / tau, dim=1)  # (N, N)
        c = (alpha - torch.eye(n, dtype=F64)) / (n * tau)
        m = x1.T @ c @ x2 + x2.T @ c.T @ x1
        torch.testing.assert_close(grad, w @ m)
        diff = x2[None, :, :] - x1[:, None, :]  # (N, N, d): d_ij = x'_j − x_i
        positive = torch.einsum("ik,il->kl", diff.diagonal().T, diff.diagonal().T)
        negative = torch.einsum("ij,ijk,ijl->kl", alpha, diff, diff)
        column = torch.einsum("j,jk,jl->kl", alpha.sum(0) - 1, x2, x2)
        torch.testing.assert_close(m, (positive - negative) / (n * tau) + column / (n * tau))


# --------------------------------------------------------------------------------------------- ranks


def test_effective_rank_from_spectrum_known_values_and_geometry_agreement():
    assert effective_rank_from_spectrum(np.ones(5)) == pytest.approx(5.0, rel=1e-5)
    assert effective_rank_from_spectrum(np.array([2.0, 0, 0])) == pytest.approx(1.0, abs=1e-4)
    # singular values ∝ √λ: λ = (4, 1) gives p = (2/3, 1/3); the eigenvalue version p = (4/5, 1/5)
    h = lambda p: math.exp(-sum(q * math.log(q) for q in p))  # noqa: E731
    lam = np.array([4.0, 1.0])
    assert effective_rank_from_spectrum(lam, eps=0) == pytest.approx(h([2 / 3, 1 / 3]), rel=1e-12)
    assert effective_rank_from_spectrum(lam, of="eigenvalues", eps=0) == pytest.approx(h([0.8, 0.2]))
    z = torch.randn(300, 6, generator=gen(6), dtype=F64) * torch.tensor(
        [3.0, 2, 1, 0.5, 0.1, 0.01], dtype=F64
    )
    spec = geometry.covariance_spectrum(z).numpy()
    assert effective_rank_from_spectrum(spec) == pytest.approx(
        geometry.effective_rank(z, center=True), rel=1e-6
    )
    batched = effective_rank_from_spectrum(np.stack([spec, np.ones(6)]))
    assert batched.shape == (2,) and batched[1] == pytest.approx(6.0, rel=1e-5)
    with pytest.raises(ValueError, match="of must be"):
        effective_rank_from_spectrum(spec, of="values")


def test_decaying_init_has_the_prescribed_singular_values():
    w = decaying_init(16, 0.35, gen(7))
    torch.testing.assert_close(torch.linalg.svdvals(w), torch.exp(-0.35 * torch.arange(16, dtype=F64)))
    assert not torch.allclose(w, decaying_init(16, 0.35, gen(8)))


# --------------------------------------------------------------------------------------------- case 1


def test_augmentation_collapse_collapses_exactly_the_augmented_directions():
    # gradient-flow time lr·steps = 10, as in the 10 000-step original at lr 1e-3
    res = augmentation_collapse((0.01, 1.5), steps=1_000, lr=1e-2, seed=0)
    assert res.spectrum.shape == (len(res.record_steps), 2, 16) and res.W.shape == (2, 16, 16)
    assert res.record_steps[0] == 0 and res.record_steps[-1] == 1_000
    weak, strong = res.ratios
    assert (weak >= 0.5).all()
    assert (strong <= 0.1).sum() == 8 and (strong[:8] >= 0.5).all()
    share = res.noisy_weight_share
    assert share[0] == pytest.approx(0.5, abs=0.1) and share[1] < 0.15
    assert res.effective_rank()[0] > 15 and res.effective_rank()[1] < res.effective_rank()[0] - 2
    assert (res.effective_rank(of="eigenvalues") <= res.effective_rank()).all()
    assert res.loss[-1, 1] > res.loss[-1, 0]  # strong augmentation: positives are harder to identify


def test_augmentation_collapse_is_reproducible_and_batched_runs_are_independent():
    a = augmentation_collapse((0.01, 1.5), steps=50, seed=3)
    b = augmentation_collapse(1.5, steps=50, seed=3)  # common random numbers: the same draws
    np.testing.assert_allclose(a.W[1], b.W[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(a.W, augmentation_collapse((0.01, 1.5), steps=50, seed=3).W)
    assert not np.allclose(a.W, augmentation_collapse((0.01, 1.5), steps=50, seed=4).W)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(noise=-1.0), ValueError),
        (dict(noise=()), ValueError),
        (dict(steps=0), ValueError),
        (dict(lr=0.0), ValueError),
        (dict(n_noisy=17), ValueError),
        (dict(batch_size=20, n_data=10), ValueError),
        (dict(temperature="0.1"), TypeError),
    ],
)
def test_augmentation_collapse_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        augmentation_collapse(**kwargs)


# --------------------------------------------------------------------------------------------- case 2


def test_implicit_collapse_traces_and_initial_state():
    res = implicit_collapse(steps=200, seed=0, record_every=50)
    np.testing.assert_array_equal(res.record_steps, [0, 50, 100, 150, 200])
    init = np.exp(-0.35 * np.arange(16))
    np.testing.assert_allclose(res.w1_singular[0], init, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(res.w2_singular[0], init, rtol=1e-5, atol=1e-7)
    assert res.embedding_spectrum.shape == res.representation_spectrum.shape == (5, 16)
    assert res.alignment_matrix.shape == (16, 16) and ((res.alignment >= 0) & (res.alignment <= 1)).all()
    # |V₂ᵀU₁| is orthogonal up to signs: its rows have unit norm
    np.testing.assert_allclose((res.alignment_matrix**2).sum(1), 1.0, rtol=1e-6)
    # the initial embedding is a product of two decaying spectra: far more collapsed than the representation
    assert res.effective_rank(step=0) < res.effective_rank("representation", step=0)
    with pytest.raises(ValueError, match="which"):
        res.ratios("head")


def test_implicit_collapse_keeps_small_directions_collapsed_more_in_the_embedding():
    res = implicit_collapse(steps=2_000, seed=0)
    emb, rep = res.ratios(), res.ratios("representation")
    assert res.effective_rank() > res.effective_rank(step=0)  # training spreads the large directions
    assert (emb < 1e-3).sum() >= 2  # but the smallest stay collapsed (weak noise: no augmentation cause)
    assert emb[-1] < rep[-1]  # the embedding (two factors) is more collapsed than the representation
    assert res.loss[-1] < res.loss[0]
