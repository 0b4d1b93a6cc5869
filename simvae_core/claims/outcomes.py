"""What a difference interval says about a claim: its outcome, its Holm adjustment, its resolution.

A claim states that ``difference = value − reference`` lies beyond a margin ``m`` fixed before the run,
in a direction. Its 95 % interval ``[lo, hi]`` gives one of six outcomes (rules for ``greater``; ``less``
mirrors them through ``[−hi, −lo]``):

============== =====================================================================================
supported      lo > m: the effect is there, and at least as large as claimed
contradicted   hi < 0: the effect points the other way
direction_only 0 < lo ≤ m: the direction is established, the claimed size is not
no_effect      lo ≤ 0 and hi < m: an effect of the claimed size is excluded, none is shown
inconclusive   lo ≤ 0 and hi ≥ m: the interval is too wide to tell; more seeds would settle it
not_decidable  the run cannot decide: fewer than 3 seeds for a trained network, a premise not met, or
               a budget declared (before the run) unable to reach the claim; the reason is recorded
============== =====================================================================================

``within`` (an equality up to ±m): supported when the interval lies inside ±m, contradicted when it lies
wholly outside, otherwise inconclusive.

    >>> outcome(0.12, 0.30, 0.1, "greater"), outcome(-0.3, -0.05, 0.1, "greater")
    ('supported', 'contradicted')
    >>> outcome(0.02, 0.08, 0.1, "greater"), outcome(-0.05, 0.08, 0.1, "greater")
    ('direction_only', 'no_effect')
    >>> outcome(-0.05, 0.2, 0.1, "greater"), outcome(-0.2, -0.12, 0.1, "less")
    ('inconclusive', 'supported')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from .stats import LEVEL, Estimate, t_quantile

OUTCOMES = ("supported", "contradicted", "direction_only", "no_effect", "inconclusive", "not_decidable")
DIRECTIONS = ("greater", "less", "within")
MIN_SEEDS = 3  # fewer seeds than this for a trained network: not decidable
MAX_PROJECTED_SEEDS = 10_000


def outcome(lo: float, hi: float, margin: float, direction: str) -> str:
    """The outcome of interval ``[lo, hi]`` of the difference against ``margin`` in ``direction``."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if direction == "within":
        if -margin <= lo and hi <= margin:
            return "supported"
        if hi < -margin or lo > margin:
            return "contradicted"
        return "inconclusive"
    if direction == "less":
        lo, hi = -hi, -lo
    if lo > margin:
        return "supported"
    if hi < 0:
        return "contradicted"
    if lo > 0:
        return "direction_only"
    if hi < margin:
        return "no_effect"
    return "inconclusive"


def p_value(diff: Estimate, margin: float, direction: str) -> float:
    """One-sided p-value of the claim's own test (H0: the difference is not beyond the margin); for
    ``within`` the larger of the two one-sided tests (TOST). Rejecting at α/2 = 0.025 is the same decision
    as the 95 % interval clearing the margin."""
    mean = diff.mean
    if diff.se is None:
        return math.nan
    if direction == "within":
        return max(_upper_tail(mean + margin, diff), _upper_tail(margin - mean, diff))
    distance = mean - margin if direction == "greater" else -margin - mean
    return _upper_tail(distance, diff)


def _upper_tail(distance: float, diff: Estimate) -> float:
    """P(T ≥ distance / se) under H0, for a distance by which the estimate clears the null."""
    if diff.se == 0:
        return 0.0 if distance > 0 else 1.0
    return float(stats.t.sf(distance / diff.se, diff.df))


@dataclass(frozen=True)
class Adjustment:
    """A claim's place in its notebook's Holm family: the level of its adjusted interval."""

    level: float
    family_size: int
    rank: int  # 1 = the smallest p-value


def holm_levels(p_values: Sequence[float], alpha: float = 1 - LEVEL) -> list[Adjustment]:
    """Holm's step-down procedure, read as interval levels.

    Sort the family's one-sided p-values; the i-th smallest is tested at (α/2)/(M − i + 1) and the
    procedure stops at the first that is not rejected (rank k). A claim of rank i < k gets the two-sided
    interval at level 1 − α/(M − i + 1); every claim from rank k on gets level 1 − α/(M − k + 1). An
    interval then clears its margin exactly when Holm's test rejects its null, so the adjusted outcome
    and the adjusted test agree, and the family-wise error stays at α.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    levels: list[Adjustment | None] = [None] * m
    stop = None
    for rank, index in enumerate(order, start=1):
        threshold = (alpha / 2) / (m - rank + 1)
        if stop is None and not p_values[index] <= threshold:
            stop = rank
        used = rank if stop is None else stop
        levels[index] = Adjustment(level=1 - alpha / (m - used + 1), family_size=m, rank=rank)
    return [a for a in levels if a is not None]


@dataclass(frozen=True)
class Resolution:
    """How finely the run resolves a claim: the smallest effect it could establish and, projected from
    the observed mean and spread, the seeds that would settle it."""

    n: int
    sd: float | None
    half_width: float
    mde: float
    seeds_to_settle: int | None

    def as_json(self) -> dict[str, float | int | None]:
        return {
            "n": self.n,
            "sd": self.sd,
            "half_width": self.half_width,
            "mde": self.mde,
            "seeds_to_settle": self.seeds_to_settle,
        }


def resolution(diff: Estimate, n: int, margin: float, direction: str) -> Resolution:
    """``mde``: the smallest difference the interval could show beyond 0 at this n and spread, i.e. the
    margin plus the interval's half-width (``within``: the smallest ±margin the interval fits in,
    |mean| + half-width). ``seeds_to_settle``: the n at which the half-width, at the observed spread,
    falls below the distance from the mean to the nearest decision boundary (0 and m; ±m for
    ``within``), i.e. the seeds after which the outcome would no longer be inconclusive if mean and spread
    stayed as observed (None where there is no spread to project, or the mean sits on a boundary)."""
    half = diff.half_width
    mean = -diff.mean if direction == "less" else diff.mean
    if direction == "within":
        mde = abs(mean) + half
        distance = abs(margin - abs(mean))
    else:
        mde = margin + half
        distance = min(abs(mean), abs(mean - margin))
    settle = None
    if diff.sd is not None and diff.sd > 0 and distance > 0:
        settle = _seeds_for(diff.sd, distance)
    return Resolution(n=n, sd=diff.sd, half_width=half, mde=mde, seeds_to_settle=settle)


def _seeds_for(sd: float, distance: float) -> int | None:
    """The smallest n ≥ 2 with t_{n−1} · sd / √n < distance (the half-width falls monotonically in n),
    by bisection; None beyond :data:`MAX_PROJECTED_SEEDS`."""

    def settles(k: int) -> bool:
        return t_quantile(k - 1) * sd / math.sqrt(k) < distance

    if not settles(MAX_PROJECTED_SEEDS):
        return None
    lo, hi = 2, MAX_PROJECTED_SEEDS  # settles(hi) holds
    if settles(lo):
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if settles(mid) else (mid, hi)
    return hi
