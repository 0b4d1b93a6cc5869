"""Variational bounds on mutual information, critics, and ground truths with known MI.

Every bound is a function of one ``scores`` matrix of shape ``(K, K)`` (K ≥ 2) with
``scores[i, j] = f(x_i, y_j)``: row i holds one ``x`` against every ``y`` of the batch, and the K positive
pairs ``(x_i, y_i) ~ p(x, y)`` sit on the diagonal; the K(K − 1) off-diagonal pairs stand in for samples of
``p(x) p(y)``. Each returns a 0-d tensor in nats, differentiable in ``scores`` (the layout follows Poole et
al. 2019, "On Variational Bounds of Mutual Information", and their ``vbmi`` demo).

Bounds (``pmi(x, y) = log p(x, y) / (p(x) p(y))``, the pointwise MI; ``E_p`` = diagonal, ``E_q`` = off
diagonal):

============================  =================================================================  ==========
function                      value                                                              tight at f
============================  =================================================================  ==========
``infonce(s)``                ``log K + mean_i [s_ii − logsumexp_j s_ij]``  (Oord et al. 2018)   pmi + c(x)
``tuba(s, b)``                ``1 + E_p[s − b] − E_q[exp(s − b)]``  (b per row)                  pmi + b(x)
``nwj(s)``                    ``tuba(s, 1) = E_p[s] − E_q[exp(s − 1)]``  (Nguyen et al. 2010)    pmi + 1
``dv(s)``                     ``E_p[s] − log E_q[exp s]``  (Donsker–Varadhan, MINE)              pmi + c
``js_fgan(s)``                ``E_p[−softplus(−s)] − E_q[softplus(s)]``  (f-GAN JS, not MI)      pmi
``js(s)``                     value ``tuba(s, 0)``, gradient of ``js_fgan``  (Poole et al.)      pmi
``smile(s, clip)``            value ``E_p[s] − log E_q[exp clip(s)]``, gradient of ``js_fgan``   pmi + c
``interpolated(s, α, b)``     Poole et al.'s ``I_α``: InfoNCE (α = 1) ↔ TUBA (α = 0)             pmi + b
``ba(s, h)``                  ``h + E_p[s]``, ``s_ij = log q(x_i | y_j)``  (Barber–Agakov)       log p(x|y)
============================  =================================================================  ==========

``infonce ≤ log K`` for every scores matrix: it cannot report more than ``log K`` nats, however large the
MI. ``dv`` and ``smile`` use the log of a sample mean of ``exp s``, so they are consistent but not lower
bounds for a finite batch (Jensen's inequality biases them upwards).

Ground truths: :func:`correlated_gaussian` samples Poole et al.'s benchmark with ``I = −(d/2) log(1 − ρ²)``
(:func:`rho_to_mi`, :func:`mi_to_rho`); :func:`gaussian_log_critic` is its analytic optimal critic and
:func:`ssl_log_critic` the one of two views of the SSL model, whose MI is
:func:`simvae_core.ssl_model.view_mutual_information` (re-exported here). Learned critics:
:class:`SeparableCritic` and :class:`ConcatCritic`, trained by :func:`train_critic`.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_variance, check_positive_int, check_tensor, resolve_generator
from .ssl_model import view_mutual_information

__all__ = [
    "ESTIMATORS",
    "ConcatCritic",
    "SeparableCritic",
    "ba",
    "correlated_gaussian",
    "dv",
    "estimate",
    "evaluate_critic",
    "gaussian_log_critic",
    "infonce",
    "interpolated",
    "js",
    "js_fgan",
    "log_mean_exp_offdiagonal",
    "mi_to_rho",
    "nwj",
    "optimal_critic_offset",
    "rho_to_mi",
    "smile",
    "ssl_log_critic",
    "train_critic",
    "tuba",
    "view_mutual_information",
]


# ----------------------------------------------------------------------------------------------------------
# input checks and helpers


def _check_scores(scores: object) -> torch.Tensor:
    s = check_tensor(
        scores, "scores", ndim=2, shape_hint="with shape (K, K): scores[i, j] = critic(x_i, y_j)"
    )
    if s.shape[0] != s.shape[1]:
        raise ValueError(
            "scores must be square (K, K) with the positive pairs on the diagonal, got shape "
            f"{tuple(s.shape)}; score every x_i against every y_j of the same batch."
        )
    if s.shape[0] < 2:
        raise ValueError(f"scores needs K >= 2 pairs (at least one negative per row), got K = {s.shape[0]}.")
    return s


def _as_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}.")
    return float(value)


def _row_baseline(log_baseline: object, s: torch.Tensor) -> torch.Tensor:
    """A scalar or a (K,) per-row log baseline ``log a(x_i)`` as a (K, 1) tensor matching ``s``."""
    K = s.shape[0]
    if isinstance(log_baseline, torch.Tensor):
        b = log_baseline.to(dtype=s.dtype, device=s.device)
        if b.ndim > 1 or (b.ndim == 1 and b.shape[0] != K):
            raise ValueError(
                f"log_baseline must be a number or a tensor of shape ({K},) (one per row x_i), "
                f"got shape {tuple(b.shape)}."
            )
    else:
        b = torch.tensor(_as_number(log_baseline, "log_baseline"), dtype=s.dtype, device=s.device)
    if not bool(torch.isfinite(b.detach()).all()):
        raise ValueError("log_baseline must be finite.")
    return b.reshape(-1, 1) if b.ndim == 1 else b.reshape(1, 1)


def _off_diagonal_mask(K: int, device: torch.device) -> torch.Tensor:
    return ~torch.eye(K, dtype=torch.bool, device=device)


def log_mean_exp_offdiagonal(scores: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """``log mean exp`` of the off-diagonal entries of a (K, K) matrix, computed with logsumexp.

    ``dim=None``: one number over all K(K − 1) entries, ``log E_q[exp s]`` of the bounds above.
    ``dim=1`` (or 0): per row (column), over its K − 1 off-diagonal entries; returns (K,).
    """
    s = _check_scores(scores)
    K = s.shape[0]
    masked = s.masked_fill(~_off_diagonal_mask(K, s.device), float("-inf"))
    if dim is None:
        return torch.logsumexp(masked.reshape(-1), 0) - math.log(K * (K - 1))
    if dim not in (0, 1, -1, -2):
        raise ValueError(f"dim must be None, 0 or 1, got {dim!r}.")
    return torch.logsumexp(masked, dim) - math.log(K - 1)


def _off_diagonal_mean(x: torch.Tensor) -> torch.Tensor:
    K = x.shape[0]
    return (x.sum() - x.diagonal().sum()) / (K * (K - 1))


def _value_with_gradient_of(value: torch.Tensor, surrogate: torch.Tensor) -> torch.Tensor:
    """A tensor equal to ``value`` whose gradient is that of ``surrogate`` (the straight-through trick)."""
    return surrogate + (value - surrogate).detach()


# ----------------------------------------------------------------------------------------------------------
# bounds


def infonce(scores: torch.Tensor) -> torch.Tensor:
    """InfoNCE / CPC (Oord et al. 2018): ``log K + (1/K) Σ_i [s_ii − log Σ_j exp s_ij]``, nats.

    ``scores`` (K, K) -> 0-d tensor. Each bracket is a log-softmax, so ``≤ 0``, hence ``infonce ≤ log K``
    for any scores. Tight (as K → ∞) at ``s = pmi + c(x)``: the softmax over the y_j of row i is then the
    Bayes posterior of which y_j is x_i's partner.
    """
    s = _check_scores(scores)
    K = s.shape[0]
    return math.log(K) + (s.diagonal() - torch.logsumexp(s, dim=1)).mean()


def tuba(scores: torch.Tensor, log_baseline: float | torch.Tensor = 0.0) -> torch.Tensor:
    """TUBA (Poole et al. 2019, eq. 7): ``1 + E_p[s − b] − E_q[exp(s − b)]``, nats.

    ``scores`` (K, K); ``log_baseline`` ``b = log a(x)`` is a number or a (K,) tensor, one per row x_i
    (the convention of Poole et al.'s code). The marginal term is ``exp`` of :func:`log_mean_exp_offdiagonal`.
    A lower bound on MI for any scores and baseline; tight at ``s = pmi + b``.
    """
    s = _check_scores(scores)
    shifted = s - _row_baseline(log_baseline, s)
    return 1.0 + shifted.diagonal().mean() - torch.exp(log_mean_exp_offdiagonal(shifted))


def nwj(scores: torch.Tensor) -> torch.Tensor:
    """NWJ / f-GAN KL / MINE-f (Nguyen, Wainwright & Jordan 2010): ``E_p[s] − E_q[exp(s − 1)]``, nats.

    Equal to ``tuba(scores, log_baseline=1)``. Tight at ``s = 1 + pmi``; its variance grows like
    ``exp(I)`` because ``E_q[exp(pmi)] = 1`` is estimated from rare large ratios (McAllester & Stratos 2020).
    """
    return tuba(scores, 1.0)


def dv(scores: torch.Tensor) -> torch.Tensor:
    """Donsker–Varadhan / MINE (Belghazi et al. 2018): ``E_p[s] − log E_q[exp s]``, nats.

    Invariant to adding a constant to ``scores``. The log of a sample mean makes it biased upwards for a
    finite batch, so unlike the others it is not a lower bound on average (it is in the limit K → ∞).
    """
    s = _check_scores(scores)
    return s.diagonal().mean() - log_mean_exp_offdiagonal(s)


def js_fgan(scores: torch.Tensor) -> torch.Tensor:
    """The f-GAN Jensen–Shannon objective (Nowozin et al. 2016): ``E_p[−softplus(−s)] − E_q[softplus(s)]``.

    This is the GAN discriminator's ``E_p log σ(s) + E_q log(1 − σ(s))``, a lower bound on
    ``2 JS(p(x, y) ‖ p(x) p(y)) − 2 log 2``, not on MI. It is maximised at ``σ(s) = p / (p + q)``, i.e.
    exactly ``s = pmi`` (no offset), and its gradients stay bounded however large the MI: it is used to
    *train* critics whose MI is then read by another bound (:func:`js`, :func:`smile`).
    """
    s = _check_scores(scores)
    return (-F.softplus(-s.diagonal())).mean() - _off_diagonal_mean(F.softplus(s))


def js(scores: torch.Tensor) -> torch.Tensor:
    """Critic trained with the JS objective, MI read with TUBA (Poole et al. 2019, "JS"), nats.

    The value is ``tuba(scores, 0) = nwj(scores + 1) = 1 + E_p[s] − E_q[exp s]`` and the gradient is that
    of :func:`js_fgan`, so maximising it trains the critic with JS while reporting a valid MI lower bound.
    Since JS's optimum is ``s = pmi`` while NWJ's is ``pmi + 1``, we read the bound at the JS optimum's
    offset. Poole et al.'s code reports ``nwj(scores)`` instead, which at ``s = pmi`` equals
    ``I − 1/e``: the same critic, 0.37 nat lower (tests/test_mi.py checks both numbers).
    """
    s = _check_scores(scores)
    return _value_with_gradient_of(tuba(s, 0.0), js_fgan(s))


def smile(scores: torch.Tensor, clip: float | None = 5.0) -> torch.Tensor:
    """SMILE (Song & Ermon 2020): value ``E_p[s] − log E_q[exp clip(s, −τ, τ)]``, gradient of :func:`js_fgan`.

    ``clip`` τ > 0 bounds the partition-function estimate, trading a bias (at most the mass beyond ``e^τ``)
    for a variance that no longer grows like ``exp(I)``. ``clip=None`` or ``math.inf`` gives the unclipped
    value, which is exactly :func:`dv` (the DV bound read from a JS-trained critic).
    """
    s = _check_scores(scores)
    if clip is None:
        tau = math.inf
    else:
        tau = _as_number(clip, "clip")
        if not tau > 0:  # also rejects NaN
            raise ValueError(f"clip must be > 0 (or None / math.inf for no clipping), got {clip!r}.")
    clipped = s if math.isinf(tau) else s.clamp(-tau, tau)
    value = s.diagonal().mean() - log_mean_exp_offdiagonal(clipped)
    return _value_with_gradient_of(value, js_fgan(s))


def _log_leave_one_out_mean(s: torch.Tensor) -> torch.Tensor:
    """``L[i, j] = log (1/(K−1)) Σ_{k ≠ j} exp s_ik``: row i's log-mean-exp with column j held out. (K, K).

    O(K²) and stable: each sum is taken relative to the largest *remaining* entry of the row — the row
    maximum, or for the maximum's own column the second largest — so the remainder is ≥ 1 and removing
    one term never cancels catastrophically.
    """
    K = s.shape[0]
    m1, arg = s.max(dim=1, keepdim=True)  # (K, 1): each row's maximum and its column
    is_max = torch.zeros_like(s, dtype=torch.bool).scatter_(1, arg, True)
    # columns other than the argmax: Σ_k exp(s_ik − m1) − exp(s_ij − m1) ≥ 1 (the max's own term)
    rest = torch.log((torch.exp(s - m1).sum(1, keepdim=True) - torch.exp(s - m1)).clamp_min(1.0)) + m1
    # the argmax column: the row without its maximum, by logsumexp (relative to the second largest)
    others = torch.logsumexp(s.masked_fill(is_max, float("-inf")), dim=1, keepdim=True)  # (K, 1)
    return torch.where(is_max, others, rest) - math.log(K - 1)


def interpolated(
    scores: torch.Tensor, alpha: float, log_baseline: float | torch.Tensor = 1.0
) -> torch.Tensor:
    """Poole et al.'s interpolated bound ``I_α`` (2019, eq. 13), nats.

    ``I_α = 1 + E[ s(x_i, y_i) − log m_α ] − E[ exp(s(x_j, y_i)) / m_α ]`` with the mixed baseline
    ``m_α = α · (1/(K−1)) Σ_{k ≠ j} exp s(x_k, ·) + (1 − α) · exp(b)``: the InfoNCE partition estimate
    built from the *other* samples (leave-one-out, so it stays a bound), mixed with a fixed baseline. In the
    row convention of ``scores`` (baselines per row x_i, as in Poole et al.'s code):

    - joint term: mean over i and j ≠ i of ``s_ii − log[α · loo_ij + (1 − α) e^{b_i}]``, where
      ``loo_ij`` is row i's mean of ``exp s_ik`` over k ≠ j (includes the positive, leaves out y_j);
    - marginal term: mean over i and j ≠ i of ``exp(s_ij) / [α · loo_ii + (1 − α) e^{b_i}]``.

    ``α = 0``: exactly ``tuba(scores, log_baseline)`` (``nwj`` for b = 1). ``α = 1``: the marginal term is
    1 and ``I_1`` is the mean, over j, of ``infonce`` on the (K−1, K−1) matrix without pair j, so
    ``I_1 ≤ log(K − 1)``. In between, the bias falls and the variance rises as α → 0.
    """
    s = _check_scores(scores)
    a = _as_number(alpha, "alpha")
    if not 0.0 <= a <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] (1 = InfoNCE-like, 0 = TUBA), got {alpha!r}.")
    K = s.shape[0]
    b = _row_baseline(log_baseline, s).expand(K, 1)  # (K, 1)
    loo = _log_leave_one_out_mean(s)  # (K, K)
    if a == 1.0:
        log_m = loo
    elif a == 0.0:
        log_m = b.expand(K, K)
    else:
        log_m = torch.logaddexp(loo + math.log(a), b + math.log1p(-a))  # log(α e^loo + (1 − α) e^b)
    off = _off_diagonal_mask(K, s.device)
    joint = (s.diagonal().unsqueeze(1) - log_m)[off].mean()
    marginal = torch.exp(log_mean_exp_offdiagonal(s - log_m.diagonal().unsqueeze(1)))
    return 1.0 + joint - marginal


def ba(scores: torch.Tensor, entropy: float | torch.Tensor) -> torch.Tensor:
    """Barber–Agakov (2003): ``I ≥ h(X) + E_p[log q(x | y)]``, nats.

    ``scores[i, j] = log q(x_i | y_j)`` for a *normalised* variational conditional density q (only the
    diagonal is used; the matrix keeps the common interface), ``entropy`` = the differential entropy h(X)
    of the marginal of x, which must be known: that is what makes BA impractical on data. Tight at
    ``q = p(x | y)`` (``gaussian_log_critic(..., conditional=True)``): then it is unbiased for every K.
    """
    s = _check_scores(scores)
    if isinstance(entropy, torch.Tensor):
        h = entropy.to(dtype=s.dtype, device=s.device)
        if h.numel() != 1:
            raise ValueError(f"entropy must be a single number h(X), got shape {tuple(h.shape)}.")
        h = h.reshape(())
    else:
        h = torch.tensor(_as_number(entropy, "entropy"), dtype=s.dtype, device=s.device)
    if not bool(torch.isfinite(h.detach())):
        raise ValueError("entropy must be finite.")
    return h + s.diagonal().mean()


ESTIMATORS: dict[str, Callable[..., torch.Tensor]] = {
    "infonce": infonce,
    "nwj": nwj,
    "tuba": tuba,
    "dv": dv,
    "js": js,
    "smile": smile,
    "interpolated": interpolated,
}


def _resolve_estimator(estimator: str | Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    if callable(estimator):
        return estimator
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}.")
    return ESTIMATORS[estimator]


def estimate(estimator: str, scores: torch.Tensor, **options: Any) -> torch.Tensor:
    """``ESTIMATORS[estimator](scores, **options)``, e.g. ``estimate("smile", s, clip=5.0)``."""
    return _resolve_estimator(estimator)(scores, **options)


def optimal_critic_offset(estimator: str, **options: Any) -> float:
    """The constant c such that ``pmi + c`` is an optimal critic for ``estimator`` with ``options``.

    0 for infonce, dv, js, smile (infonce and dv accept any offset); 1 for nwj; the log baseline for tuba and
    interpolated (their default baselines are 0 and 1). Used to evaluate bounds with the analytic critic.
    """
    _resolve_estimator(estimator)
    if estimator == "nwj":
        return 1.0
    if estimator in ("tuba", "interpolated"):
        default = 0.0 if estimator == "tuba" else 1.0
        return _as_number(options.get("log_baseline", default), "log_baseline")
    return 0.0


# ----------------------------------------------------------------------------------------------------------
# ground truths: the correlated Gaussian and the SSL model


def _check_dim(dim: object) -> int:
    return check_positive_int(dim, "dim")


def rho_to_mi(rho: float, dim: int) -> float:
    """MI of ``dim`` independent coordinate pairs of correlation ρ: ``−(d/2) log(1 − ρ²)`` nats."""
    d = _check_dim(dim)
    r = _as_number(rho, "rho")
    if not -1.0 < r < 1.0:
        raise ValueError(f"rho must be in (-1, 1) (|rho| = 1 has infinite MI), got {rho!r}.")
    return -0.5 * d * math.log1p(-r * r)


def mi_to_rho(mi: float, dim: int) -> float:
    """The correlation ρ ≥ 0 giving MI ``mi`` over ``dim`` coordinates: ``ρ = sqrt(1 − exp(−2 I / d))``."""
    d = _check_dim(dim)
    value = _as_number(mi, "mi")
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
    n = check_positive_int(n, "n")
    d = _check_dim(dim)
    if (rho is None) == (mi is None):
        raise ValueError("pass exactly one of rho= (correlation per coordinate) and mi= (nats).")
    r = mi_to_rho(mi, d) if mi is not None else _as_number(rho, "rho")
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
        v = torch.tensor(_as_number(value, name), dtype=like.dtype, device=like.device)
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


# ----------------------------------------------------------------------------------------------------------
# learned critics


def _mlp(in_dim: int, hidden: int, layers: int, out_dim: int) -> nn.Sequential:
    mods: list[nn.Module] = []
    width = in_dim
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    mods.append(nn.Linear(width, out_dim))
    return nn.Sequential(*mods)


class _SeededInit:
    """Build parameters under a fixed seed without touching the global RNG stream."""

    def __init__(self, seed: int | None) -> None:
        self.seed = None if seed is None else check_positive_int(seed, "seed", minimum=0)
        self._fork: Any = None

    def __enter__(self) -> None:
        if self.seed is not None:
            self._fork = torch.random.fork_rng(devices=[])
            self._fork.__enter__()
            torch.manual_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        if self._fork is not None:
            self._fork.__exit__(*exc)


class SeparableCritic(nn.Module):
    """``f(x, y) = g(x)ᵀ h(y) / τ`` with two MLP embeddings (Oord et al. 2018; Poole et al.'s "separable").

    ``x_dim`` -> ``layers`` × ``hidden`` ReLU -> ``embed_dim`` (likewise for y). ``shared=True`` uses one
    network for both (a SimCLR-style encoder for two views of the same kind); ``normalize=True`` puts the
    embeddings on the unit sphere (cosine similarity, SimCLR's critic) and ``temperature`` τ scales the
    scores. ``forward(x (K, x_dim), y (K, y_dim)) -> scores (K, K)``; ``embed_x`` / ``embed_y`` give the
    representations. ``seed`` makes the initialisation reproducible without consuming the global RNG.
    """

    def __init__(
        self,
        x_dim: int,
        y_dim: int | None = None,
        *,
        hidden: int = 256,
        layers: int = 2,
        embed_dim: int = 32,
        shared: bool = False,
        normalize: bool = False,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        x_dim = check_positive_int(x_dim, "x_dim")
        y_dim = x_dim if y_dim is None else check_positive_int(y_dim, "y_dim")
        if shared and y_dim != x_dim:
            raise ValueError(f"shared=True needs x_dim == y_dim, got {x_dim} and {y_dim}.")
        hidden = check_positive_int(hidden, "hidden")
        layers = check_positive_int(layers, "layers", minimum=0)
        embed_dim = check_positive_int(embed_dim, "embed_dim")
        tau = _as_number(temperature, "temperature")
        if not (math.isfinite(tau) and tau > 0):
            raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}.")
        with _SeededInit(seed):
            self.g = _mlp(x_dim, hidden, layers, embed_dim)
            self.h = self.g if shared else _mlp(y_dim, hidden, layers, embed_dim)
        self.normalize = bool(normalize)
        self.temperature = tau

    def embed_x(self, x: torch.Tensor) -> torch.Tensor:
        e = self.g(x)
        return F.normalize(e, dim=-1) if self.normalize else e

    def embed_y(self, y: torch.Tensor) -> torch.Tensor:
        e = self.h(y)
        return F.normalize(e, dim=-1) if self.normalize else e

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.embed_x(x) @ self.embed_y(y).mT / self.temperature  # (K, K)


class ConcatCritic(nn.Module):
    """``f(x, y) = MLP([x; y])`` evaluated on all K² pairs (Poole et al.'s "concat"; MINE's critic).

    More flexible than :class:`SeparableCritic` (not limited to a low-rank score matrix) but K² forward
    passes per batch. ``forward(x (K, x_dim), y (K, y_dim)) -> scores (K, K)``.
    """

    def __init__(
        self,
        x_dim: int,
        y_dim: int | None = None,
        *,
        hidden: int = 256,
        layers: int = 2,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        x_dim = check_positive_int(x_dim, "x_dim")
        y_dim = x_dim if y_dim is None else check_positive_int(y_dim, "y_dim")
        with _SeededInit(seed):
            self.net = _mlp(
                x_dim + y_dim, check_positive_int(hidden, "hidden"), check_positive_int(layers, "layers"), 1
            )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        K = x.shape[0]
        pairs = torch.cat([x.unsqueeze(1).expand(K, K, -1), y.unsqueeze(0).expand(K, K, -1)], dim=-1)
        return self.net(pairs).squeeze(-1)  # (K, K): [i, j] = f(x_i, y_j)


# ----------------------------------------------------------------------------------------------------------
# training and evaluating critics

Sampler = Callable[[int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Run on one intra-op thread, then restore the caller's setting.

    The critics here are small (batches of 64–512, widths of 256): each op takes microseconds, so extra
    threads only add synchronisation, and on a busy machine an oversubscribed pool made these loops
    ~50× slower in our measurements.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _check_steps_and_sampler(steps: object, sampler: object) -> int:
    steps = check_positive_int(steps, "steps")
    if not callable(sampler):
        raise TypeError("sampler must be a callable (step, generator) -> (x (K, d_x), y (K, d_y)).")
    return steps


def train_critic(
    critic: nn.Module,
    estimator: str | Callable[..., torch.Tensor],
    sampler: Sampler,
    *,
    steps: int,
    lr: float = 5e-4,
    seed: int = 0,
    **options: Any,
) -> np.ndarray:
    """Maximise ``estimator`` over the critic's parameters with Adam; return the trace of estimates.

    ``sampler(step, generator) -> (x, y)`` draws the batch of step ``step`` (so a schedule, such as Poole
    et al.'s MI staircase, lives in the sampler); all its randomness comes from ``generator``, seeded with
    ``seed``. ``options`` go to the estimator (``clip=``, ``alpha=``, ``log_baseline=``). Returns a float64
    array of shape (steps,): the estimate on each training batch, before that step's update (as Poole et
    al. report them). The critic is trained in place, on one thread (see ``_one_thread``).
    """
    fn = _resolve_estimator(estimator)
    steps = _check_steps_and_sampler(steps, sampler)
    if not isinstance(critic, nn.Module) or not any(p.requires_grad for p in critic.parameters()):
        raise TypeError(
            "critic must be an nn.Module with trainable parameters (SeparableCritic, ConcatCritic)."
        )
    lr = _as_number(lr, "lr")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}.")
    generator = resolve_generator(None, seed, "train_critic")
    optimiser = torch.optim.Adam(critic.parameters(), lr=lr)
    trace = np.empty(steps)
    critic.train()
    with _one_thread():
        for step in range(steps):
            x, y = sampler(step, generator)
            value = fn(critic(x, y), **options)
            optimiser.zero_grad(set_to_none=True)
            (-value).backward()
            optimiser.step()
            trace[step] = value.item()
    return trace


def evaluate_critic(
    critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    estimator: str | Callable[..., torch.Tensor],
    sampler: Sampler,
    *,
    n_batches: int,
    seed: int = 0,
    **options: Any,
) -> np.ndarray:
    """Estimates of a fixed critic (learned, or analytic: :func:`gaussian_log_critic`) on fresh batches.

    ``critic(x, y) -> scores (K, K)``; ``sampler(batch_index, generator)`` as in :func:`train_critic`.
    Returns a float64 array of shape (n_batches,) (no gradients are taken).
    """
    fn = _resolve_estimator(estimator)
    n_batches = _check_steps_and_sampler(n_batches, sampler)
    if not callable(critic):
        raise TypeError("critic must be a callable (x, y) -> scores (K, K).")
    generator = resolve_generator(None, seed, "evaluate_critic")
    out = np.empty(n_batches)
    was_training = getattr(critic, "training", None)
    if isinstance(critic, nn.Module):
        critic.eval()
    with torch.no_grad(), _one_thread():
        for i in range(n_batches):
            x, y = sampler(i, generator)
            out[i] = fn(critic(x, y), **options).item()
    if isinstance(critic, nn.Module) and was_training:
        critic.train()
    return out
