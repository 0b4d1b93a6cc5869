"""Claims that can fail: one verdict mechanism for every notebook.

A *claim* compares a measured statistic with a *reference* and a *margin* fixed before the experiment
runs. The reference is one of

- ``control(name, values)``     measured in the same run (raw input, the untrained encoder, a random head);
- ``theory(name, value)``       a closed form or a population optimum;
- ``literature(name, value)``   a published number (with its citation in ``name``).

Over seeds a statistic is a list of per-seed values. The claim is decided on the difference
``value − reference``: per seed when the two share seeds (``paired``), otherwise Welch's difference of
means. Its 95 % Student-t interval must lie beyond the margin:

- ``direction="greater"``  holds when the interval's lower end exceeds ``+margin``;
- ``direction="less"``     holds when the interval's upper end is below ``−margin``;
- ``direction="within"``   holds when the whole interval lies in ``[−margin, +margin]``.

With one seed there is no interval: the point difference decides, and the record says ``n = 1``.

Every claim states what it expects: ``expect="pass"`` for a claim of the paper, ``expect="fail"`` for a
*negative control*, the same check applied where it must not hold (the untrained encoder, a random head),
which shows that the check has teeth. A claim is *enforced* (an ``AssertionError`` naming it and its
numbers when the outcome differs from the expectation) in the ``default`` and ``full`` profiles; in
``smoke`` claims about trained networks are only reported, while ``always=True`` claims (closed forms)
are enforced everywhere. Checks that hold by construction do not belong here: they are unit tests.

    >>> book = ClaimBook("demo", profile="default", seed=0, code_version="git:0")
    >>> c = book.compare("demo.gain", "the trained encoder beats the untrained one", "accuracy",
    ...                  [0.81, 0.84, 0.80], control("untrained", [0.12, 0.10, 0.11]), margin=0.1,
    ...                  direction="greater", source="fixed before the run")  # doctest: +ELLIPSIS
    PASS ... [demo.gain] the trained encoder beats the untrained one: accuracy 0.8167 [0.765, 0.8684] ...
    >>> c.passed, round(c.value.mean, 3), c.n_seeds
    (True, 0.817, 3)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from .atomic import write_json_atomic

__all__ = [
    "Claim",
    "ClaimBook",
    "Estimate",
    "Reference",
    "control",
    "estimate",
    "literature",
    "theory",
    "difference_interval",
]

DIRECTIONS = ("greater", "less", "within")
KINDS = ("control", "theory", "literature")
LEVEL = 0.95


def _t_quantile(df: float) -> float:
    return float(stats.t.ppf(0.5 + LEVEL / 2, df))


def _floats(values: Any, what: str) -> list[float]:
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
    """Per-seed values, their mean and a 95 % Student-t interval (the point itself when n = 1)."""

    mean: float
    ci: tuple[float, float]
    per_seed: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.per_seed)

    def __str__(self) -> str:
        if self.n == 1:
            return f"{self.mean:.4g}"
        return f"{self.mean:.4g} [{self.ci[0]:.4g}, {self.ci[1]:.4g}]"


def estimate(values: float | Sequence[float]) -> Estimate:
    """Mean and 95 % t-interval of per-seed ``values``."""
    v = _floats(values, "values")
    mean = sum(v) / len(v)
    if len(v) == 1:
        return Estimate(mean, (mean, mean), tuple(v))
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (len(v) - 1))
    half = _t_quantile(len(v) - 1) * sd / math.sqrt(len(v))
    return Estimate(mean, (mean - half, mean + half), tuple(v))


@dataclass(frozen=True)
class Reference:
    kind: str
    name: str
    estimate: Estimate

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"reference kind must be one of {KINDS}, got {self.kind!r}")


def control(name: str, values: float | Sequence[float]) -> Reference:
    """A reference measured in the same run (per seed where it shares the method's seeds)."""
    return Reference("control", name, estimate(values))


def theory(name: str, value: float) -> Reference:
    """A reference from a closed form or a population computation (no uncertainty)."""
    return Reference("theory", name, estimate([value]))


def literature(name: str, value: float, ci: tuple[float, float] | None = None) -> Reference:
    """A published value; ``name`` carries the citation. Its interval, if any, is reported, and the
    decision uses its value."""
    est = estimate([value])
    if ci is not None:
        est = Estimate(est.mean, (float(ci[0]), float(ci[1])), est.per_seed)
    return Reference("literature", name, est)


def difference_interval(value: Estimate, reference: Estimate, paired: bool) -> Estimate:
    """``value − reference``: per-seed differences when paired (equal seed counts), else Welch's interval
    for the difference of means; a one-value reference is a constant."""
    if reference.n == 1 and reference.ci[0] == reference.ci[1]:
        return estimate([v - reference.mean for v in value.per_seed])
    if paired:
        if value.n != reference.n:
            raise ValueError(
                f"a paired comparison needs one control value per seed: got {value.n} values and "
                f"{reference.n} control values; pass paired=False for independent runs"
            )
        return estimate([a - b for a, b in zip(value.per_seed, reference.per_seed, strict=True)])
    diff = value.mean - reference.mean
    if value.n < 2 or reference.n < 2:
        return Estimate(diff, (diff, diff), (diff,))
    var_a = ((value.ci[1] - value.mean) / _t_quantile(value.n - 1)) ** 2  # s²/n of each side
    var_b = ((reference.ci[1] - reference.mean) / _t_quantile(reference.n - 1)) ** 2
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return Estimate(diff, (diff, diff), (diff,))
    df = (var_a + var_b) ** 2 / (var_a**2 / (value.n - 1) + var_b**2 / (reference.n - 1))
    half = _t_quantile(df) * se
    return Estimate(diff, (diff - half, diff + half), (diff,))


def _decide(diff: Estimate, margin: float, direction: str) -> bool:
    lo, hi = diff.ci
    if direction == "greater":
        return lo > margin
    if direction == "less":
        return hi < -margin
    return -margin <= lo and hi <= margin


@dataclass
class Claim:
    id: str
    claim: str
    statistic: str
    value: Estimate
    reference: Reference
    margin: float
    direction: str
    threshold_source: str
    difference: Estimate
    passed: bool
    enforced: bool
    expect: str
    paired: bool
    note: str = ""

    @property
    def n_seeds(self) -> int:
        return self.value.n

    @property
    def as_expected(self) -> bool:
        return self.passed == (self.expect == "pass")

    @property
    def criterion(self) -> str:
        op = {"greater": ">", "less": "<", "within": "within ±"}[self.direction]
        side = {"greater": "lower end", "less": "upper end", "within": "interval"}[self.direction]
        margin = f"{self.margin:g}" if self.direction != "less" else f"{-self.margin:g}"
        return f"{side} of (value − {self.reference.name}) {op} {margin}"

    def as_json(self) -> dict[str, Any]:
        ref = self.reference.estimate
        return {
            "id": self.id,
            "claim": self.claim,
            "statistic": self.statistic,
            "value": {
                "mean": self.value.mean,
                "ci": list(self.value.ci),
                "per_seed": list(self.value.per_seed),
            },
            "reference": {
                "kind": self.reference.kind,
                "name": self.reference.name,
                "mean": ref.mean,
                "ci": list(ref.ci),
                "per_seed": list(ref.per_seed),
            },
            "difference": {"mean": self.difference.mean, "ci": list(self.difference.ci)},
            "margin": self.margin,
            "direction": self.direction,
            "paired": self.paired,
            "threshold_source": self.threshold_source,
            "passed": self.passed,
            "enforced": self.enforced,
            "expect": self.expect,
            "note": self.note,
        }

    def line(self) -> str:
        if self.as_expected:
            status = "PASS" if self.expect == "pass" else "FAILS AS EXPECTED"
        else:
            status = "FAIL" if self.expect == "pass" else "NEGATIVE CONTROL PASSED"
            if not self.enforced:
                status += " (reported, not enforced)"
        return (
            f"{status:18s} [{self.id}] {self.claim}: {self.statistic} {self.value} vs {self.reference.name} "
            f"{self.reference.estimate}; difference {self.difference} ({self.criterion}; n = {self.n_seeds})"
            + (f" — {self.note}" if self.note else "")
        )


@dataclass
class ClaimBook:
    """Every claim of one notebook run, decided as it is recorded and written as ``verdicts.json``.

    ``enforce`` defaults to ``profile != "smoke"``: trained-model claims are enforced in ``default`` and
    ``full``. ``strict=False`` (a calibration run) reports every outcome and enforces only ``always``
    claims.

    ``not_supported`` maps the ids of claims that a fair run at this budget measured *not* to hold (the
    margins unchanged) to the reason: they stay in the table as failed, reported rather than enforced, so
    the rest of the notebook still runs. Every id listed must be recorded (a typo would otherwise enforce
    nothing silently); :meth:`summary` names listed claims that now hold, so the list can shrink.
    """

    notebook: str
    profile: str
    seed: int
    code_version: str
    strict: bool = True
    out_dir: Path | None = None
    not_supported: dict[str, str] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)

    @property
    def enforce(self) -> bool:
        return self.profile != "smoke" and self.strict

    def compare(
        self,
        id: str,
        claim: str,
        statistic: str,
        values: float | Sequence[float],
        reference: Reference,
        *,
        margin: float,
        direction: str,
        source: str,
        expect: str = "pass",
        paired: bool = True,
        always: bool = False,
        enforce: bool = True,
        note: str = "",
    ) -> Claim:
        """Record and decide one claim; raise ``AssertionError`` if it is enforced and not as expected.

        ``always=True`` enforces it in every profile (closed forms). ``enforce=False`` declares it reported
        only, e.g. a literature criterion met only at the authors' budget; ``note`` must then say why.
        """
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        if expect not in ("pass", "fail"):
            raise ValueError(f"expect must be 'pass' or 'fail' (a negative control), got {expect!r}")
        if not isinstance(reference, Reference):
            raise TypeError(
                "reference must come from claims.control(), claims.theory() or claims.literature()"
            )
        if id in self.not_supported:
            if expect == "fail":
                raise ValueError(f"{id!r} is a negative control: it cannot be listed as not supported")
            enforce, note = False, note or f"not supported at this budget: {self.not_supported[id]}"
        if not enforce and not note:
            raise ValueError(f"claim {id!r} is reported only (enforce=False): say why in note=")
        margin = float(margin)
        if not math.isfinite(margin) or margin < 0:
            raise ValueError(f"margin must be a finite number ≥ 0, got {margin}")
        if any(c.id == id for c in self.claims):
            raise ValueError(f"claim id {id!r} is used twice in {self.notebook}; ids name one claim each")
        value = estimate(values)
        paired = bool(paired and reference.kind == "control" and reference.estimate.n > 1)
        diff = difference_interval(value, reference.estimate, paired)
        passed = _decide(diff, margin, direction)
        record = Claim(
            id=id,
            claim=claim,
            statistic=statistic,
            value=value,
            reference=reference,
            margin=margin,
            direction=direction,
            threshold_source=source,
            difference=diff,
            passed=passed,
            enforced=bool(always or (enforce and self.enforce)),
            expect=expect,
            paired=paired,
            note=note,
        )
        self.claims.append(record)
        print(record.line(), flush=True)
        if record.enforced and not record.as_expected:
            what = (
                "claim does not hold"
                if expect == "pass"
                else "negative control passed: the check has no teeth"
            )
            raise AssertionError(f"{what}: {record.line()}")
        return record

    def __getitem__(self, id: str) -> Claim:
        for c in self.claims:
            if c.id == id:
                return c
        raise KeyError(f"no claim {id!r}; recorded: {[c.id for c in self.claims]}")

    def table(self) -> Any:
        """The verdict table as a pandas DataFrame (one row per claim)."""
        import pandas as pd

        rows = []
        for c in self.claims:
            rows.append(
                {
                    "id": c.id,
                    "claim": c.claim,
                    "value": str(c.value),
                    "reference": f"{c.reference.name} ({c.reference.kind}) {c.reference.estimate}",
                    "difference": str(c.difference),
                    "criterion": c.criterion,
                    "n": c.n_seeds,
                    "expect": c.expect,
                    "passed": c.passed,
                    "as expected": c.as_expected,
                    "enforced": c.enforced,
                }
            )
        return pd.DataFrame(rows).set_index("id")

    def as_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "profile": self.profile,
            "seed": self.seed,
            "code_version": self.code_version,
            "level": LEVEL,
            "claims": [c.as_json() for c in self.claims],
        }

    def unrecorded_not_supported(self) -> list[str]:
        """Ids listed in ``not_supported`` that no :meth:`compare` recorded."""
        recorded = {c.id for c in self.claims}
        return [i for i in self.not_supported if i not in recorded]

    def write(self, path: str | os.PathLike | None = None) -> Path:
        """Write ``verdicts.json`` (atomically) to ``path`` or ``<out_dir>/verdicts.json``.

        Refuses (``ValueError``) when an id listed in ``not_supported`` was never recorded."""
        missing = self.unrecorded_not_supported()
        if missing:
            raise ValueError(f"not_supported lists claims that were never recorded (typo?): {missing}")
        if path is None:
            if self.out_dir is None:
                raise ValueError("this ClaimBook has no out_dir: pass the path to write verdicts.json to")
            path = Path(self.out_dir) / "verdicts.json"
        path = Path(path)
        write_json_atomic(path, self.as_json())
        return path

    def summary(self) -> str:
        n_claims = sum(c.expect == "pass" for c in self.claims)
        n_held = sum(c.expect == "pass" and c.passed for c in self.claims)
        n_neg = sum(c.expect == "fail" for c in self.claims)
        n_neg_ok = sum(c.expect == "fail" and not c.passed for c in self.claims)
        n_reported = sum(c.expect == "pass" and not c.enforced for c in self.claims)
        now_hold = [c.id for c in self.claims if c.id in self.not_supported and c.passed]
        return (
            f"{n_held} of {n_claims} claims hold; {n_neg_ok} of {n_neg} negative controls fail as they must "
            f"(profile {self.profile}, {'enforced' if self.enforce else 'reported'}; "
            f"{n_reported} claims reported only)"
            + (f"; listed as not supported but holding in this run: {now_hold}" if now_hold else "")
        )
