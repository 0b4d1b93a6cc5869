"""Scores of predictions and representations: R², expected calibration error, active units; the β at which
a β-VAE's rate matches a target (a rate-matched baseline)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ..checks import check_features, check_int, check_labels

__all__ = [
    "active_units",
    "expected_calibration_error",
    "match_rate",
    "r2_columns",
    "r2_score",
]


def r2_columns(y: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """R² per column of ``(n, m)`` tensors; a constant column scores 1 if predicted exactly, else 0
    (scikit-learn's ``force_finite`` convention)."""
    ss_res = (y - pred).pow(2).sum(0)
    ss_tot = (y - y.mean(0)).pow(2).sum(0)
    safe = torch.where(ss_tot > 0, ss_tot, torch.ones_like(ss_tot))
    return torch.where(ss_tot > 0, 1 - ss_res / safe, (ss_res == 0).to(y.dtype))


def expected_calibration_error(probs: torch.Tensor, targets: torch.Tensor, bins: int = 10) -> float:
    """ECE = Σ_b (n_b / N) |mean confidence_b − accuracy_b| over equal-width confidence bins (Guo et al.
    2017). ``probs`` (N, K) rows of a predictive distribution, ``targets`` (N,) class ids. A Bayes
    posterior under the true model is calibrated: its ECE → 0 as N grows.
    """
    probs = check_features(probs, "probs")
    targets = check_labels(targets, "targets", probs.shape[0])
    bins = check_int(bins, "bins", minimum=1)
    if bool((probs < 0).any()) or not torch.allclose(
        probs.sum(1), torch.ones((), dtype=probs.dtype), atol=1e-4
    ):
        raise ValueError("probs must hold probability rows (non-negative, summing to 1); apply softmax first")
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == targets.to(prediction.device)).to(probs.dtype)
    which = torch.clamp(torch.ceil(confidence * bins).long() - 1, 0, bins - 1)  # bins (lo, hi]
    conf_sum = probs.new_zeros(bins).index_add_(0, which, confidence)
    acc_sum = probs.new_zeros(bins).index_add_(0, which, correct)
    return float((conf_sum - acc_sum).abs().sum() / probs.shape[0])


def r2_score(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)², uniform average over outputs.

    ``y_true``, ``y_pred``: ``(N,)`` or ``(N, m)`` (tensors or NumPy arrays), N >= 2. Matches
    ``sklearn.metrics.r2_score`` including its convention for constant targets.
    """
    ys = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not isinstance(y, torch.Tensor):
            try:
                y = torch.as_tensor(y)
            except (TypeError, ValueError, RuntimeError) as err:
                raise TypeError(f"{name} must be a tensor or array, got {type(y).__name__}.") from err
        ys.append(y)
    a, b = ys
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(
            f"y_true and y_pred must have the same shape (N,) or (N, m), got {tuple(a.shape)} and "
            f"{tuple(b.shape)}."
        )
    if a.shape[0] < 2:
        raise ValueError(f"R² needs at least 2 samples, got {a.shape[0]}.")
    a = a.detach().to("cpu", torch.float64).reshape(a.shape[0], -1)
    b = b.detach().to("cpu", torch.float64).reshape(b.shape[0], -1)
    return float(r2_columns(a, b).mean())


def active_units(means: torch.Tensor, threshold: float = 0.01) -> int:
    """Number of active latent dimensions (Burda et al. 2016): ``#{k : Var_x(E_q[z_k | x]) > threshold}``.

    ``means`` (N, d): posterior means of N inputs. A dimension whose mean does not vary with the input is
    ignored by the decoder: the posterior has collapsed to the prior there.
    """
    means = check_features(means, "means")
    return int((means.double().var(dim=0) > threshold).sum())


def match_rate(betas: Sequence[float], rates: Sequence[float], target: float) -> tuple[float, bool]:
    """The β at which a β-VAE's rate (KL per datum) would equal ``target``, from measured ``(β, rate)``.

    The rate of a β-VAE falls smoothly with β (roughly a power law), so log β is interpolated linearly
    in log rate between the two measured points that bracket ``target``. Returns ``(β, inside)``:
    ``inside`` is False when ``target`` lies outside the measured rates, and β is then the grid's end
    point nearest to it (no extrapolation). Needs ≥ 2 distinct positive βs with positive finite rates.
    """
    pairs = sorted((float(b), float(r)) for b, r in zip(betas, rates, strict=True))
    if len({b for b, _ in pairs}) < 2 or len(pairs) != len({b for b, _ in pairs}):
        raise ValueError(f"match_rate needs ≥ 2 distinct βs, one rate each; got betas {list(betas)}.")
    if any(not (b > 0 and math.isfinite(b)) or not (r > 0 and math.isfinite(r)) for b, r in pairs):
        raise ValueError(f"βs and rates must be positive and finite, got {pairs}.")
    target = float(target)
    if not (target > 0 and math.isfinite(target)):
        raise ValueError(f"target rate must be positive and finite, got {target}.")
    by_rate = sorted(pairs, key=lambda p: p[1])
    if target <= by_rate[0][1] or target >= by_rate[-1][1]:
        nearest = by_rate[0] if target <= by_rate[0][1] else by_rate[-1]
        return nearest[0], target in (by_rate[0][1], by_rate[-1][1])
    for (b0, r0), (b1, r1) in zip(by_rate, by_rate[1:], strict=False):
        if r0 <= target <= r1:
            if r1 == r0:
                return b0, True
            w = (math.log(target) - math.log(r0)) / (math.log(r1) - math.log(r0))
            return math.exp((1 - w) * math.log(b0) + w * math.log(b1)), True
    raise AssertionError("unreachable: target lies inside the measured rates")
