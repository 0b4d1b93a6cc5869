"""One notebook run's claims, recorded against its spec, decided, and written as ``verdicts.json``.

    >>> from simvae_core.claims.spec import Answer, ClaimSpec, NotebookSpec
    >>> spec = NotebookSpec("demo", (ClaimSpec("demo.gain", "training helps", "accuracy", "untrained",
    ...     "control", "greater", 0.1, "fixed before the run", "empirical", "C2", primary=True, seeds=3),),
    ...     (Answer("C2", "training helps", "demo.gain"),))
    >>> book = ClaimBook(spec, profile="default", seed=0, code_version="git:0")
    >>> c = book.check("demo.gain", [0.81, 0.84, 0.80], [0.12, 0.10, 0.11])  # doctest: +ELLIPSIS
    supported ... [demo.gain] training helps: accuracy 0.8167 [0.765, 0.8684] vs untrained ...
    >>> c.outcome, c.n
    ('supported', 3)

What raises, and only this: a failed derivation, a negative control that passes, and a run that does
not match its spec (an undeclared id, a margin given where the spec fixes one, the wrong number of seeds
in the ``default`` profile, a declared claim never recorded there, a negative control that mirrors a
claim or is identically zero). Empirical claims are findings: whatever their outcome, the run goes on.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import repro
from ..atomic import write_json_atomic
from .answers import answer, derivation_counts
from .outcomes import (
    MIN_SEEDS,
    OUTCOMES,
    Resolution,
    holm_levels,
    outcome,
    p_value,
    resolution,
)
from .readings import WORDS, render, show_markdown
from .spec import ClaimSpec, NotebookSpec, SpecError
from .stats import LEVEL, Estimate, difference, estimate

SCHEMA = 2
UNINFORMATIVE = 10.0  # a negative control missing its margin by more than this many margins says little
COMMITTED_PROFILES = ("default", "full")  # profiles whose runs must record every declared claim


@dataclass
class Claim:
    """One recorded claim: its declaration, the numbers of the run, and the outcome they give."""

    spec: ClaimSpec
    value: Estimate
    reference: Estimate
    difference: Estimate
    margin: float
    paired: bool
    raw_outcome: str
    outcome: str
    reason: str = ""
    detail: str = ""
    note: str = ""
    adjusted: dict[str, Any] | None = None
    negative_control: dict[str, Any] | None = None
    gates: bool = False  # the premise of another claim: judged at its own level, outside the Holm family

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def n(self) -> int:
        return self.value.n

    @property
    def resolution(self) -> Resolution:
        return resolution(self.difference, self.n, self.margin, self.spec.direction)

    @property
    def criterion(self) -> str:
        m = f"{self.margin:g}"
        return {
            "greater": f"difference > {m}",
            "less": f"difference < −{m}",
            "within": f"difference within ±{m}",
        }[self.spec.direction]

    def line(self) -> str:
        s = self.spec
        why = f" — {self.reason}" if self.reason else ""
        stat = f"{s.statistic} ({self.detail})" if self.detail else s.statistic
        return (
            f"{WORDS[self.outcome]:14s} [{s.id}] {s.statement}: {stat} {self.value} vs {s.reference} "
            f"{self.reference}; difference {self.difference} ({self.criterion}; n = {self.n}; "
            f"{s.kind}{', primary' if s.primary else ''}){why}"
        )

    def as_json(self) -> dict[str, Any]:
        s = self.spec
        out = {
            "id": s.id,
            "claim": s.statement,
            "statistic": s.statistic,
            "detail": self.detail,
            "kind": s.kind,
            "primary": s.primary,
            "paper_claim": s.paper_claim,
            "trained": s.trained,
            "value": self.value.as_json(),
            "reference": {"kind": s.reference_kind, "name": s.reference, **self.reference.as_json()},
            "difference": self.difference.as_json(),
            "margin": self.margin,
            "margin_source": s.margin_source,
            "direction": s.direction,
            "paired": self.paired,
            "outcome": self.outcome,
            "outcome_reason": self.reason,
            "adjusted": self.adjusted,
            "resolution": self.resolution.as_json(),
            "premise": s.premise,
            "checks": s.checks,
            "note": self.note,
        }
        if self.negative_control is not None:
            out["negative_control"] = self.negative_control
        return out


def raw_outcome(spec: ClaimSpec, diff: Estimate, n: int, margin: float) -> tuple[str, str]:
    """The outcome and reason from the 95 % interval alone (before premises and the Holm adjustment)."""
    if spec.out_of_reach:
        return "not_decidable", spec.out_of_reach
    if spec.trained and n < MIN_SEEDS:
        return "not_decidable", f"n = {n} < {MIN_SEEDS} seeds for a claim about a trained network"
    return outcome(diff.ci[0], diff.ci[1], margin, spec.direction), ""


def _uninformative(nc: Claim, claims: list[Claim]) -> str | None:
    """Why a negative control cannot inform (identically zero, or the mirror of another claim), or None."""
    diffs = nc.difference.per_seed
    if diffs and all(d == 0 for d in diffs):
        return "is identically zero: it fails whatever the check"
    if not diffs or all(float(d).is_integer() for d in diffs):  # counts coincide by chance
        return None
    for c in claims:
        other = c.difference.per_seed
        if c is nc or c.spec.kind == "negative_control" or len(other) != len(diffs):
            continue
        for sign in (1, -1):
            if all(
                math.isclose(a, sign * b, rel_tol=1e-12, abs_tol=0) for a, b in zip(diffs, other, strict=True)
            ):
                negated = ", negated" if sign < 0 else ""
                return f"mirrors {c.id} (the same numbers{negated}): it fails exactly where that claim holds"
    return None


def negative_control_miss(diff: Estimate, margin: float, direction: str) -> float | None:
    """How far a negative control's mean lies short of its margin, in margins (0: on the margin; larger:
    further from passing). With a zero margin, in units of the per-seed spread; None without one."""
    mean = -diff.mean if direction == "less" else diff.mean
    short = (abs(mean) - margin) if direction == "within" else (margin - mean)
    scale = margin if margin > 0 else diff.sd
    return short / scale if scale else None


class ClaimBook:
    """Every claim of one notebook run, recorded against ``spec``.

    ``check`` decides a claim from its 95 % interval and prints it; ``write`` finishes the run's
    decisions (premises, the Holm adjustment of the secondary empirical claims) and writes
    ``verdicts.json``. ``run`` holds what reproduces the run (parameters, threads, builds, CPU).
    """

    def __init__(
        self,
        spec: NotebookSpec,
        *,
        profile: str,
        seed: int,
        code_version: str,
        out_dir: str | os.PathLike | None = None,
        run: dict[str, Any] | None = None,
        audit: bool = False,
    ) -> None:
        if not isinstance(spec, NotebookSpec):
            raise TypeError(f"spec must be a NotebookSpec (simvae_core.specs), got {type(spec).__name__}")
        self.spec = spec
        self.profile = profile
        self.seed = seed
        self.code_version = code_version
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.run = dict(run or {})
        # audit=True reads records made elsewhere (a migrated verdicts file): it records what is wrong with
        # them instead of raising, and takes the run record as given rather than from this machine
        self.audit = audit
        self.budget = ""
        self.claims: list[Claim] = []
        self._final = False

    @property
    def notebook(self) -> str:
        return self.spec.notebook

    def describe_budget(self, text: str) -> None:
        """What this run could spend (steps, epochs, images, seeds), shown beside every answer."""
        self.budget = str(text)

    # ------------------------------------------------------------------------------------ recording

    def check(
        self,
        id: str,
        values: float | Sequence[float],
        reference: float | Sequence[float],
        *,
        margin: float | None = None,
        detail: str = "",
        note: str = "",
    ) -> Claim:
        """Record claim ``id`` (declared in the spec): per-seed ``values`` against ``reference`` (a number,
        or one value per seed). ``margin`` only where the spec leaves a derivation's tolerance to the run;
        ``detail`` adds run facts to the statistic ("over 50 000 groups"). Raises only as the module says."""
        spec = self.spec[id]
        if any(c.id == id for c in self.claims):
            raise SpecError(f"claim {id!r} is recorded twice in {self.notebook}")
        if spec.margin is None:
            if margin is None:
                raise SpecError(
                    f"{id}: the spec leaves the tolerance to the run ({spec.margin_source}): pass margin="
                )
            margin = float(margin)
            if not (margin >= 0 and math.isfinite(margin)):
                raise SpecError(f"{id}: margin must be a finite number ≥ 0, got {margin}")
        elif margin is not None:
            raise SpecError(f"{id}: the spec fixes the margin at {spec.margin:g}; the run may not pass one")
        else:
            margin = spec.margin
        claim = self.record(spec, values, reference, margin, detail=detail, note=note)
        print(claim.line(), flush=True)
        raw = claim.raw_outcome
        if spec.kind == "derivation" and raw != "supported":
            raise AssertionError(f"derivation failed: {claim.line()}")
        if spec.kind == "negative_control" and raw == "supported":
            raise AssertionError(f"negative control passed, so the check has no teeth: {claim.line()}")
        return claim

    def record(
        self,
        spec: ClaimSpec,
        values: float | Sequence[float],
        reference: float | Sequence[float],
        margin: float,
        *,
        detail: str = "",
        note: str = "",
    ) -> Claim:
        """Decide and keep one claim from its declaration and numbers, without raising on its outcome
        (:meth:`check` is what a notebook calls)."""
        value, ref = estimate(values), estimate(reference)
        self._check_seeds(spec, value.n)
        paired = bool(spec.paired and ref.n > 1)
        diff = difference(value, ref, paired)
        raw, reason = raw_outcome(spec, diff, value.n, margin)
        claim = Claim(spec, value, ref, diff, margin, paired, raw, raw, reason, str(detail), str(note))
        claim.gates = spec.id in self.spec.premises
        self.claims.append(claim)
        self._final = False
        return claim

    def _check_seeds(self, spec: ClaimSpec, n: int) -> None:
        if self.profile == "default" and n != spec.seeds:
            raise SpecError(f"{spec.id}: the spec declares {spec.seeds} seed(s) for a default run, got {n}")
        if self.profile == "full" and n < spec.seeds:
            raise SpecError(f"{spec.id}: the spec declares at least {spec.seeds} seed(s), got {n}")

    def __getitem__(self, id: str) -> Claim:
        for c in self.claims:
            if c.id == id:
                return c
        raise KeyError(
            f"no claim {id!r} recorded in {self.notebook}; recorded: {[c.id for c in self.claims]}"
        )

    def reading(self, template: str, **values: Any) -> None:
        """Display a reading whose numbers come from this run (:mod:`.readings`): ``{c[<id>]}`` for a
        recorded claim, ``{name:.2f}`` for a value passed as a keyword."""
        show_markdown(render(template, self.__getitem__, final=self._final, **values))

    # ------------------------------------------------------------------------------------ deciding

    def finalize(self) -> None:
        """Decide what needs the whole run: the Holm adjustment of the secondary empirical claims (a
        premise, which gates another claim rather than stating a finding, is judged at its own 95 % level
        like a primary), the claims whose premise failed, and whether each negative control is informative."""
        if self._final:
            return
        family = [
            c
            for c in self.claims
            if c.spec.kind == "empirical"
            and not c.spec.primary
            and not c.gates
            and c.raw_outcome != "not_decidable"
            and c.difference.se is not None
        ]
        levels = holm_levels([p_value(c.difference, c.margin, c.spec.direction) for c in family])
        for c, adj in zip(family, levels, strict=True):
            lo, hi = c.difference.interval(adj.level)
            c.adjusted = {
                "ci": [lo, hi],
                "method": "holm",
                "family_size": adj.family_size,
                "level": adj.level,
            }
            c.outcome = outcome(lo, hi, c.margin, c.spec.direction)
        by_id = {c.id: c for c in self.claims}
        for c in self.claims:
            premise = c.spec.premise
            if premise is None:
                continue
            p = by_id.get(premise)
            if p is None or p.outcome != "supported":
                c.outcome = "not_decidable"
                c.reason = f"its premise {premise} is {p.outcome if p else 'not recorded'}"
        for c in self.claims:
            if c.spec.kind == "negative_control":
                self._judge_negative_control(c)
        self._final = True

    def _judge_negative_control(self, nc: Claim) -> None:
        problem = _uninformative(nc, self.claims)
        if problem and not self.audit:
            raise SpecError(f"negative control {nc.id} {problem}")
        miss = negative_control_miss(nc.difference, nc.margin, nc.spec.direction)
        informative = problem is None and miss is not None and miss <= UNINFORMATIVE
        nc.negative_control = {"miss_in_margins": miss, "informative": informative}
        if problem:
            nc.negative_control["problem"] = problem

    # ------------------------------------------------------------------------------------ output

    def unrecorded(self) -> list[str]:
        recorded = {c.id for c in self.claims}
        return [c.id for c in self.spec.claims if c.id not in recorded]

    def counts(self) -> dict[str, Any]:
        self.finalize()
        by_kind: dict[str, dict[str, int]] = {}
        for c in self.claims:
            by_kind.setdefault(c.spec.kind, dict.fromkeys(OUTCOMES, 0))[c.outcome] += 1
        return by_kind

    def answers(self) -> list[dict[str, Any]]:
        self.finalize()
        records = [c.as_json() for c in self.claims]
        return [answer(a.as_json(), records) for a in self.spec.answers]

    def as_json(self) -> dict[str, Any]:
        self.finalize()
        return {
            "schema": SCHEMA,
            "notebook": self.notebook,
            "profile": self.profile,
            "seed": self.seed,
            "code_version": self.code_version,
            "level": LEVEL,
            "spec": {
                "sha256": self.spec.sha256,
                "registered": "before the run (committed with the code version above)",
            },
            "run": self.run if self.audit else {**self.run, **repro.run_record()},
            "budget": self.budget,
            "answers": self.answers(),
            "counts": self.counts(),
            "unrecorded": self.unrecorded(),
            "claims": [c.as_json() for c in self.claims],
        }

    def write(self, path: str | os.PathLike | None = None) -> Path:
        """Finish the decisions and write ``verdicts.json`` (atomically) to ``path`` or
        ``<out_dir>/verdicts.json``. In a ``default`` or ``full`` run every declared claim must have been
        recorded."""
        missing = self.unrecorded()
        if missing and self.profile in COMMITTED_PROFILES:
            raise SpecError(
                f"{self.notebook}: declared claims never recorded in this {self.profile} run: {missing}"
            )
        if path is None:
            if self.out_dir is None:
                raise ValueError("this ClaimBook has no out_dir: pass the path to write verdicts.json to")
            path = self.out_dir / "verdicts.json"
        path = Path(path)
        write_json_atomic(path, self.as_json())
        return path

    def summary(self) -> str:
        """The run's answers first, then the outcome counts by kind."""
        lines = []
        for a in self.answers():
            primary = f" (primary {a['primary']})" if a["primary"] else ""
            reason = f": {a['reason']}" if a.get("reason") else ""
            lines.append(f"{a['paper_claim']}{primary}: {a['answer']}{reason}")
        counts = self.counts()
        for kind in ("empirical", "negative_control"):
            if kind in counts:
                parts = ", ".join(f"{v} {WORDS[k]}" for k, v in counts[kind].items() if v)
                lines.append(f"{kind.replace('_', ' ')}: {parts}")
        verified, declared = derivation_counts([c.as_json() for c in self.claims])
        lines.append(f"derivations: {verified} of {declared} verified")
        missing = self.unrecorded()
        if missing:
            lines.append(f"declared but not run in profile {self.profile}: {len(missing)}")
        lines.append(f"profile {self.profile}, seed {self.seed}, spec {self.spec.sha256[:12]}")
        return "\n".join(lines)

    def table(self) -> Any:
        """The recorded claims as a pandas DataFrame (one row per claim)."""
        import pandas as pd

        self.finalize()
        rows = []
        for c in self.claims:
            adj = c.adjusted["ci"] if c.adjusted else None
            rows.append(
                {
                    "id": c.id,
                    "kind": c.spec.kind + (" (primary)" if c.spec.primary else ""),
                    "outcome": WORDS[c.outcome],
                    "difference": str(c.difference),
                    "Holm interval": f"[{adj[0]:.4g}, {adj[1]:.4g}]" if adj else "",
                    "criterion": c.criterion,
                    "n": c.n,
                    "claim": c.spec.statement,
                    "reason": c.reason,
                }
            )
        return pd.DataFrame(rows).set_index("id")
