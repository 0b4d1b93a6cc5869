"""Variational bounds on mutual information, each a function of one ``scores`` matrix.

Every bound takes ``scores`` of shape ``(K, K)`` (K ≥ 2) with ``scores[i, j] = f(x_i, y_j)``: row i holds
one ``x`` against every ``y`` of the batch, and the K positive pairs ``(x_i, y_i) ~ p(x, y)`` sit on the
diagonal; the K(K − 1) off-diagonal pairs stand in for samples of ``p(x) p(y)``. Each returns a 0-d tensor
in nats, differentiable in ``scores`` (the layout follows Poole et al. 2019, "On Variational Bounds of
Mutual Information", and their ``vbmi`` demo).

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

Data with known MI and the analytic critics live in :mod:`simvae_core.theory.known_mi`; learned critics
and their training loop in :mod:`simvae_core.learning.critics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from ..checks import check_number, check_tensor

__all__ = [
    "ESTIMATORS",
    "ba",
    "dv",
    "estimate",
    "infonce",
    "interpolated",
    "js",
    "js_fgan",
    "log_mean_exp_offdiagonal",
    "nwj",
    "optimal_critic_offset",
    "resolve_estimator",
    "smile",
    "tuba",
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
        b = torch.tensor(check_number(log_baseline, "log_baseline"), dtype=s.dtype, device=s.device)
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
    if clip is None or clip == math.inf:
        tau = math.inf
    else:
        tau = check_number(clip, "clip", minimum=0.0, strict_minimum=True, what="None or inf: no clipping")
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
    a = check_number(alpha, "alpha", minimum=0.0, maximum=1.0, what="1 = InfoNCE-like, 0 = TUBA")
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
        h = torch.tensor(check_number(entropy, "entropy"), dtype=s.dtype, device=s.device)
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


def resolve_estimator(estimator: str | Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """A bound by name (a key of :data:`ESTIMATORS`), or the callable itself."""
    if callable(estimator):
        return estimator
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}.")
    return ESTIMATORS[estimator]


def estimate(estimator: str, scores: torch.Tensor, **options: Any) -> torch.Tensor:
    """``ESTIMATORS[estimator](scores, **options)``, e.g. ``estimate("smile", s, clip=5.0)``."""
    return resolve_estimator(estimator)(scores, **options)


def optimal_critic_offset(estimator: str, **options: Any) -> float:
    """The constant c such that ``pmi + c`` is an optimal critic for ``estimator`` with ``options``.

    0 for infonce, dv, js, smile (infonce and dv accept any offset); 1 for nwj; the log baseline for tuba and
    interpolated (their default baselines are 0 and 1). Used to evaluate bounds with the analytic critic.
    """
    resolve_estimator(estimator)
    if estimator == "nwj":
        return 1.0
    if estimator in ("tuba", "interpolated"):
        default = 0.0 if estimator == "tuba" else 1.0
        return check_number(options.get("log_baseline", default), "log_baseline")
    return 0.0
