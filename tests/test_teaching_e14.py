"""The E14 explorer of notebook 05: its closed form against the numerical optimum of a linear VAE's ELBO.

The reference is independent of the closed form: the population ELBO of a linear VAE (encoder mean Vx,
diagonal posterior variance v, decoder Wz, fixed decoder variance σ_x²) on x ~ N(0, Σ) is written out
analytically and maximised with L-BFGS in float64, in a random basis of D = 20 dimensions; its active
units and per-unit KL must match ``e14_state``'s.
"""

import math

import matplotlib
import numpy as np
import pytest
import torch
from scipy.optimize import minimize

matplotlib.use("agg")

from simvae_core import teaching as live  # noqa: E402

D = 20


def _covariance(signal, noise, seed=0):
    """Σ = A diag(ℓ) Aᵀ + σ_n² I with A (D, k) random orthonormal columns."""
    g = torch.Generator().manual_seed(seed)
    a, _ = torch.linalg.qr(torch.randn(D, len(signal), generator=g, dtype=torch.float64))
    return a @ torch.diag(torch.tensor(signal, dtype=torch.float64)) @ a.T + noise * torch.eye(
        D, dtype=torch.float64
    )


def _per_unit_kl(params, sigma, k):
    """Per-unit KL of the posterior and the negative ELBO (constants dropped) at flat ``params``."""
    w = params[: D * k].reshape(D, k)  # decoder (D, k)
    v_enc = params[D * k : 2 * D * k].reshape(k, D)  # encoder mean map (k, D)
    logv = params[2 * D * k :]  # (k,) posterior log-variances
    v = logv.exp()
    sxx = v_enc @ sigma @ v_enc.T  # (k, k): covariance of the posterior means
    kl = 0.5 * (torch.diagonal(sxx) + v - 1 - logv)  # (k,)
    resid = torch.eye(D, dtype=sigma.dtype) - w @ v_enc
    recon = torch.trace(resid @ sigma @ resid.T) + (v * w.pow(2).sum(0)).sum()
    return kl, recon


def _numerical_optimum(sigma_x2, signal, noise, seed=0):
    """Per-unit KL at the maximum of the population ELBO of a linear VAE (L-BFGS, float64)."""
    k = len(signal)
    sigma = _covariance(signal, noise, seed)

    def objective(flat):
        p = torch.tensor(flat, dtype=torch.float64, requires_grad=True)
        kl, recon = _per_unit_kl(p, sigma, k)
        loss = recon / (2 * sigma_x2) + kl.sum()
        loss.backward()
        return float(loss.detach()), p.grad.numpy().copy()

    rng = np.random.default_rng(seed + 1)
    x0 = np.concatenate([0.1 * rng.standard_normal(2 * D * k), np.zeros(k)])
    res = minimize(objective, x0, jac=True, method="L-BFGS-B", options={"maxiter": 20_000, "gtol": 1e-11})
    kl, _ = _per_unit_kl(torch.tensor(res.x), sigma, k)
    return kl.detach()


@pytest.mark.parametrize("sigma_x2", [0.01, 0.2, 0.6, 1.5])
def test_closed_form_matches_the_numerical_optimum_of_the_linear_vae(sigma_x2):
    state = live.e14_state(sigma_x2)
    kl = torch.sort(_numerical_optimum(sigma_x2, live.E14_SIGNAL, live.E14_NOISE), descending=True).values
    assert int((kl > 1e-3).sum()) == state.active_units
    assert kl.numpy() == pytest.approx(state.rate_per_dim.numpy(), abs=1e-3)
    assert float(kl.sum()) == pytest.approx(state.rate, rel=1e-3)


def test_the_verification_plan_counts_and_the_edges():
    # E14's prediction: 6, 5, 3, 2 active units at σ_x² = 0.01, 0.2, 0.6, 1.5
    assert [live.e14_state(v).active_units for v in (0.01, 0.2, 0.6, 1.5)] == [6, 5, 3, 2]
    below = live.e14_state(1e-3)  # below every eigenvalue: every unit active, posterior σ_x²/λ_i
    assert below.active_units == 6
    assert below.posterior_var.numpy() == pytest.approx((1e-3 / below.eigenvalues).numpy())
    assert below.rate == pytest.approx(0.5 * sum(math.log(v / 1e-3) for v in below.eigenvalues.tolist()))
    above = live.e14_state(10.0)  # above every eigenvalue: nothing kept, every posterior is the prior
    assert above.active_units == 0 and above.rate == 0.0
    assert above.posterior_var.numpy() == pytest.approx(np.ones(6))
    # the curves on the grid agree with the state at each grid point, and never grow with σ_x²
    assert torch.all(below.active_grid[1:] <= below.active_grid[:-1])
    assert torch.all(below.rate_grid[1:] <= below.rate_grid[:-1] + 1e-12)
    i = 80
    at = live.e14_state(float(below.grid[i]))
    assert below.active_grid[i] == at.active_units and float(below.rate_grid[i]) == pytest.approx(at.rate)


def test_e14_explorer_redraws_and_refuses_bad_controls():
    explorer = live.e14_explorer(sigma_x2=0.2)
    assert explorer.update(sigma_x2=1.5).active_units == 2
    assert explorer.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="sigma_x2 must be"):
        live.e14_state(-1.0)
    with pytest.raises(ValueError, match="no control"):
        explorer.update(beta=2.0)
