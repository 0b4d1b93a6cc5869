"""Data whose mutual information is known in closed form, and the analytic critics that attain it.

- :func:`correlated_gaussian`: Poole et al.'s benchmark, ``x ~ N(0, I_d)``, ``y = ρ x + sqrt(1 − ρ²) ε``,
  with ``I(x; y) = −(d/2) log(1 − ρ²)`` (:func:`rho_to_mi`, :func:`mi_to_rho`);
- :func:`gaussian_log_critic`: its pointwise MI ``scores[i, j] = pmi(x_i, y_j)``, the optimal critic;
- :func:`ssl_log_critic`: ``log p(z_a | z_b)`` for two views of the SSL model, whose MI is
  :func:`simvae_core.theory.ssl_model.view_mutual_information`.

The bounds these critics feed are in :mod:`simvae_core.objectives.mi_bounds`.
"""

from __future__ import annotations

import math

import torch

from ..checks import as_variance, check_int, check_number, check_tensor, resolve_generator

__all__ = [
    "correlated_gaussian",
    "gaussian_log_critic",
    "mi_to_rho",
    "rho_to_mi",
    "ssl_log_critic",
]

# ----------------------------------------------------------------------------------------------------------
# ground truths: the correlated Gaussian and the SSL model


def _check_dim(dim: object) -> int:
    return check_int(dim, "dim")


def rho_to_mi(rho: float, dim: int) -> float:
    """MI of ``dim`` independent coordinate pairs of correlation ρ: ``−(d/2) log(1 − ρ²)`` nats."""
    d = _check_dim(dim)
    r = check_number(rho, "rho")
    if not -1.0 < r < 1.0:
        raise ValueError(f"rho must be in (-1, 1) (|rho| = 1 has infinite MI), got {rho!r}.")
    return -0.5 * d * math.log1p(-r * r)


def mi_to_rho(mi: float, dim: int) -> float:
    """The correlation ρ ≥ 0 giving MI ``mi`` over ``dim`` coordinates: ``ρ = sqrt(1 − exp(−2 I / d))``."""
    d = _check_dim(dim)
    value = check_number(mi, "mi")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"mi must be a finite number >= 0 (nats), got {mi!r}.")
    return math.sqrt(-math.expm1(-2.0 * value / d))


def correlated_gaussian(
    n: int,
    dim: int,
    *,
    rho: float | None = None,
    mi: float | None = None,
    generator: torch.Generator | None = None,
    seed: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Poole et al.'s benchmark: ``x ~ N(0, I_d)``, ``y = ρ x + sqrt(1 − ρ²) ε``; returns (x, y), (n, d) each.

    Give exactly one of ``rho`` and ``mi`` (nats; then ``ρ = mi_to_rho(mi, dim)``);
    ``I(x; y) = rho_to_mi(ρ, d)``.
    Every draw comes from ``generator`` (or a generator seeded with ``seed``).
    """
    n = check_int(n, "n")
    d = _check_dim(dim)
    if (rho is None) == (mi is None):
        raise ValueError("pass exactly one of rho= (correlation per coordinate) and mi= (nats).")
    r = mi_to_rho(mi, d) if mi is not None else check_number(rho, "rho")
    rho_to_mi(r, d)  # validates |rho| < 1
    g = resolve_generator(generator, seed, "correlated_gaussian")
    x = torch.randn(n, d, generator=g, dtype=dtype)
    eps = torch.randn(n, d, generator=g, dtype=dtype)
    return x, r * x + math.sqrt(1.0 - r * r) * eps


def _gaussian_pair_scores(
    x: torch.Tensor,
    y: torch.Tensor,
    rho: torch.Tensor,
    one_minus_rho_sq: torch.Tensor,
    var: torch.Tensor,
    conditional: bool,
) -> torch.Tensor:
    """``pmi(x_i, y_j)`` (+ ``log p(x_i)`` if conditional) per coordinate pair; all variances (d,)."""
    a = x / var.sqrt()  # (K, d) standardised
    b = y / var.sqrt()  # (K, d)
    quad = rho.pow(2) / (2 * one_minus_rho_sq)  # (d,)
    cross = (a * (rho / one_minus_rho_sq)) @ b.mT  # (K, K): Σ_k ρ a_ik b_jk / (1 − ρ²)
    scores = (
        cross
        - (a.pow(2) * quad).sum(1, keepdim=True)  # (K, 1)
        - (b.pow(2) * quad).sum(1).unsqueeze(0)  # (1, K)
        - 0.5 * torch.log(one_minus_rho_sq).sum()
    )
    if conditional:  # log p(x_i | y_j) = pmi + log p(x_i)
        log_px = -0.5 * (a.pow(2) + torch.log(2 * math.pi * var)).sum(1, keepdim=True)  # (K, 1)
        scores = scores + log_px
    return scores


def _check_pair(x: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    x = check_tensor(x, "x", ndim=2, shape_hint="with shape (K, d)")
    y = check_tensor(y, "y", ndim=2, shape_hint="with shape (K, d)")
    if x.shape != y.shape:
        raise ValueError(f"x and y must both have shape (K, d), got {tuple(x.shape)} and {tuple(y.shape)}.")
    if x.dtype != y.dtype or x.device != y.device:
        raise TypeError("x and y must share a dtype and device.")
    return x, y


def gaussian_log_critic(
    x: torch.Tensor,
    y: torch.Tensor,
    rho: float | torch.Tensor,
    *,
    var: float | torch.Tensor = 1.0,
    conditional: bool = False,
) -> torch.Tensor:
    """Analytic critic of a correlated Gaussian pair: ``scores[i, j] = pmi(x_i, y_j)``, (K, d) × 2 -> (K, K).

    Per coordinate k (variance ``var_k`` for both x and y, correlation ``ρ_k``; standardise
    ``a = x / sqrt(var)``, ``b = y / sqrt(var)``):
    ``pmi = Σ_k −½ log(1 − ρ_k²) − (ρ_k² a_k² − 2 ρ_k a_k b_k + ρ_k² b_k²) / (2(1 − ρ_k²))``.
    Its diagonal averages to ``I = rho_to_mi``; it is the optimal critic of InfoNCE, DV, JS and SMILE
    (add :func:`optimal_critic_offset` for NWJ/TUBA). ``conditional=True`` returns
    ``log p(x_i | y_j) = pmi + log p(x_i)`` instead (a normalised density in x, for :func:`ba`; InfoNCE is
    unchanged by the per-row term). ``rho`` and ``var`` are numbers or (d,) tensors.
    """
    x, y = _check_pair(x, y)
    d = x.shape[1]
    r = _per_coordinate(rho, "rho", d, x)
    if not bool((r.detach().abs() < 1).all()):
        raise ValueError(f"rho must be in (-1, 1) in every coordinate, got {r.detach().tolist()}.")
    kw = {"d": d, "dtype": x.dtype, "device": x.device}
    v = as_variance(var, "var", strictly_positive=True, **kw)
    return _gaussian_pair_scores(x, y, r, 1 - r.pow(2), v, conditional)


def _per_coordinate(value: object, name: str, d: int, like: torch.Tensor) -> torch.Tensor:
    """A number or a (d,) tensor as a finite (d,) tensor with ``like``'s dtype and device."""
    if isinstance(value, torch.Tensor):
        v = value.to(dtype=like.dtype, device=like.device)
    else:
        v = torch.tensor(check_number(value, name), dtype=like.dtype, device=like.device)
    if v.ndim > 1 or (v.ndim == 1 and v.shape[0] != d):
        raise ValueError(f"{name} must be a number or a tensor of shape ({d},), got shape {tuple(v.shape)}.")
    if not bool(torch.isfinite(v.detach()).all()):
        raise ValueError(f"{name} must be finite.")
    return v.expand(d)


def ssl_log_critic(
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    sigma2: float | torch.Tensor,
    prior_var: float | torch.Tensor = 1.0,
    *,
    conditional: bool = True,
) -> torch.Tensor:
    """Analytic critic for two views of the SSL model: ``scores[i, j] = log p(z_a_i | z_b_j)``, (K, K).

    Two views ``z_1 = y + ε_1``, ``z_2 = y + ε_2`` with ``y ~ N(0, s²)``, ``ε ~ N(0, σ²)`` (per coordinate)
    are a correlated Gaussian pair with ``var = s² + σ²`` and ``ρ = s² / (s² + σ²)``, so
    ``p(z_a | z_b) = N(ρ z_b, σ²(σ² + 2 s²) / (s² + σ²))`` (``1 − ρ²`` formed without cancellation).
    Softmax over the conditioning views j is the Bayes posterior of which z_b is z_a's partner: InfoNCE
    with this critic is the best any critic can do at that K. ``conditional=False`` returns the pmi.
    """
    z_a, z_b = _check_pair(z_a, z_b)
    d = z_a.shape[1]
    kw = {"d": d, "dtype": z_a.dtype, "device": z_a.device}
    s2 = as_variance(sigma2, "sigma2", strictly_positive=True, **kw)
    pv = as_variance(prior_var, "prior_var", strictly_positive=False, **kw)
    total = s2 + pv
    return _gaussian_pair_scores(z_a, z_b, pv / total, s2 * (s2 + 2 * pv) / total.pow(2), total, conditional)
