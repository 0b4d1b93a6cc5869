"""Per-seed numbers, their mean and a Student-t interval; the difference of a value and its reference.

An :class:`Estimate` keeps what any later step needs: the per-seed values, the standard error and the
degrees of freedom, so that the same difference can be read at another confidence level (the Holm
adjustment of :mod:`.outcomes`) or projected to more seeds (the resolution of a claim).

    >>> e = estimate([0.81, 0.84, 0.80])
    >>> round(e.mean, 4), e.n, round(e.half_width, 4)
    (0.8167, 3, 0.0517)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

LEVEL = 0.95  # every interval of the project, unless a Holm adjustment widens it


def t_quantile(df: float, level: float = LEVEL) -> float:
    """The two-sided Student-t quantile of ``level`` with ``df`` degrees of freedom."""
    return float(stats.t.ppf(0.5 + level / 2, df))


def floats(values: Any, what: str) -> list[float]:
    """``values`` (a number or a sequence of numbers) as a non-empty list of finite floats."""
    if isinstance(values, (int, float)) and not isinstance(values, bool):
        values = [values]
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError) as err:
        raise TypeError(f"{what} must be a number or a sequence of numbers, got {values!r}") from err
    if not out:
        raise ValueError(f"{what} is empty: pass at least one per-seed value")
    bad = [v for v in out if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{what} holds non-finite values {bad}: the experiment did not produce a number")
    return out


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % interval. ``se``, ``df`` and ``sd`` are None where one value gives no spread;
    ``per_seed`` is empty for a Welch difference (two independent sets of seeds have no per-seed pairs)."""

    mean: float
    ci: tuple[float, float]
    per_seed: tuple[float, ...]
    se: float | None = None
    df: float | None = None
    sd: float | None = None  # the spread of one seed's value (of one difference, for a difference)
    n_seeds: int | None = None  # seeds behind it where ``per_seed`` is empty (Welch)

    @property
    def n(self) -> int:
        return self.n_seeds if self.n_seeds is not None else len(self.per_seed)

    @property
    def half_width(self) -> float:
        return self.ci[1] - self.mean

    def interval(self, level: float) -> tuple[float, float]:
        """The two-sided interval at ``level`` (the point itself where there is no spread)."""
        if self.se is None or self.df is None:
            return self.ci
        half = t_quantile(self.df, level) * self.se
        return (self.mean - half, self.mean + half)

    def __str__(self) -> str:
        if self.ci[0] == self.ci[1]:
            return f"{self.mean:.4g}"
        return f"{self.mean:.4g} [{self.ci[0]:.4g}, {self.ci[1]:.4g}]"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mean": self.mean, "ci": list(self.ci), "per_seed": list(self.per_seed)}
        for key in ("se", "df", "sd"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.n_seeds is not None:
            out["n"] = self.n_seeds
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Estimate:
        return cls(
            mean=float(d["mean"]),
            ci=(float(d["ci"][0]), float(d["ci"][1])),
            per_seed=tuple(float(v) for v in d.get("per_seed", ())),
            se=d.get("se"),
            df=d.get("df"),
            sd=d.get("sd"),
            n_seeds=d.get("n"),
        )


def estimate(values: float | Sequence[float]) -> Estimate:
    """Mean and 95 % t-interval of per-seed ``values`` (one value: the point, no interval)."""
    v = floats(values, "values")
    n = len(v)
    mean = math.fsum(v) / n
    if n == 1:
        return Estimate(mean, (mean, mean), tuple(v))
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in v) / (n - 1))
    se = sd / math.sqrt(n)
    half = t_quantile(n - 1) * se
    return Estimate(mean, (mean - half, mean + half), tuple(v), se=se, df=float(n - 1), sd=sd)


def difference(value: Estimate, reference: Estimate, paired: bool) -> Estimate:
    """``value − reference``: per-seed differences when ``paired`` (equal seed counts), a constant shift
    when the reference is one number, else Welch's interval for the difference of two means."""
    if reference.n == 1:
        return estimate([v - reference.mean for v in value.per_seed])
    if paired:
        if value.n != reference.n:
            raise ValueError(
                f"a paired comparison needs one reference value per seed: got {value.n} values and "
                f"{reference.n} reference values; declare paired=False in the spec for independent runs"
            )
        return estimate([a - b for a, b in zip(value.per_seed, reference.per_seed, strict=True)])
    diff = value.mean - reference.mean
    if value.n < 2:
        return Estimate(diff, (diff, diff), (), n_seeds=value.n)
    var_a, var_b = value.se**2, reference.se**2  # s²/n of each side
    se = math.sqrt(var_a + var_b)
    sd = math.sqrt(value.sd**2 + reference.sd**2)
    if se == 0:
        return Estimate(diff, (diff, diff), (), se=0.0, df=float(value.n - 1), sd=0.0, n_seeds=value.n)
    df = (var_a + var_b) ** 2 / (var_a**2 / (value.n - 1) + var_b**2 / (reference.n - 1))
    half = t_quantile(df) * se
    return Estimate(diff, (diff - half, diff + half), (), se=se, df=df, sd=sd, n_seeds=value.n)
