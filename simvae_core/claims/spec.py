"""Claims declared as data before a run: what each check measures, against what, with which margin.

A notebook's :class:`NotebookSpec` lists every claim it will record (a :class:`ClaimSpec` each) and the
paper claims it answers (an :class:`Answer` each, naming its one *primary* test). The spec is committed
before the run; the run records numbers only, and :class:`~simvae_core.claims.book.ClaimBook` refuses a
record that does not match it. The spec's SHA-256 goes into ``verdicts.json``, so a reader can tell which
declarations a result was decided under.

Evidence kinds:

- ``derivation``: a sympy identity, the package against a closed form, a Monte Carlo check of a closed
  form. Software correctness: enforced in every profile, counted as "derivations verified", never as
  evidence for a paper claim. Its tolerance may be a rule evaluated in the run (``margin=None``, e.g.
  "5 Monte Carlo standard errors"); every other margin is a number fixed here.
- ``empirical``: a trained network against a control of the same run, a theory value or a published
  number. A finding: it never raises; its outcome is what it is.
- ``negative_control``: an empirical check applied where it must *not* hold (a near-miss temperature,
  shuffled positives, a second random head). It raises when it passes: the check would have no teeth.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .outcomes import DIRECTIONS, OUTCOMES

KINDS = ("derivation", "empirical", "negative_control")
REFERENCE_KINDS = ("control", "theory", "literature")
PAPER_CLAIMS = ("C1", "C2", "C3", "C4", "C5", "C6")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class SpecError(ValueError):
    """A spec that contradicts itself, or a run that does not match its spec."""


@dataclass(frozen=True)
class ClaimSpec:
    """One claim, declared before the run.

    ``reference`` names what the statistic is compared with and ``reference_kind`` says what it is
    (``control``: measured in the same run; ``theory``: a closed form; ``literature``: a published value).
    ``seeds``: the per-seed values a ``default`` run records (checked). ``premise``: a claim whose
    support this test presupposes (if it is not supported, this one is not decidable). ``checks``: for a
    negative control, the claim whose check it applies. ``out_of_reach``: declared here, the reason this
    budget cannot decide the claim (it is measured and shown, and its outcome is ``not_decidable``).
    ``trained``: the statistic comes from a trained network (default: every non-derivation), so fewer
    than 3 seeds cannot decide it.
    """

    id: str
    statement: str
    statistic: str
    reference: str
    reference_kind: str
    direction: str
    margin: float | None
    margin_source: str
    kind: str
    paper_claim: str | None = None
    primary: bool = False
    seeds: int = 1
    paired: bool = True
    trained: bool | None = None
    premise: str | None = None
    checks: str | None = None
    out_of_reach: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise SpecError(f"claim id {self.id!r}: letters, digits, '_', '.', '-' only")
        where = f"claim {self.id!r}"
        for name, value, choices in (
            ("kind", self.kind, KINDS),
            ("direction", self.direction, DIRECTIONS),
            ("reference_kind", self.reference_kind, REFERENCE_KINDS),
        ):
            if value not in choices:
                raise SpecError(f"{where}: {name} must be one of {choices}, got {value!r}")
        if self.paper_claim is not None and self.paper_claim not in PAPER_CLAIMS:
            raise SpecError(f"{where}: paper_claim must be one of {PAPER_CLAIMS}, got {self.paper_claim!r}")
        if self.margin is None and self.kind != "derivation":
            raise SpecError(f"{where}: only a derivation may take its tolerance from the run; give a margin")
        if self.margin is not None and not (self.margin >= 0 and self.margin < float("inf")):
            raise SpecError(f"{where}: margin must be a finite number ≥ 0, got {self.margin}")
        if not self.margin_source.strip():
            raise SpecError(f"{where}: say where the margin comes from (margin_source)")
        if self.primary and self.kind != "empirical":
            raise SpecError(f"{where}: a primary test is an empirical claim, not a {self.kind}")
        if self.kind == "negative_control" and not self.checks:
            raise SpecError(f"{where}: a negative control names the claim whose check it applies (checks=)")
        if self.kind != "negative_control" and self.checks:
            raise SpecError(f"{where}: only a negative control applies another claim's check")
        if self.seeds < 1:
            raise SpecError(f"{where}: seeds must be ≥ 1")
        if self.trained is None:
            object.__setattr__(self, "trained", self.kind != "derivation")
        if self.kind == "derivation" and (self.trained or self.out_of_reach or self.premise):
            raise SpecError(f"{where}: a derivation is about no trained network and is always decidable")

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def derivation(
    id: str,
    statement: str,
    statistic: str,
    reference: str,
    margin: float | None,
    margin_source: str,
    direction: str = "within",
    paper_claim: str | None = None,
) -> ClaimSpec:
    """A derivation against a theory value, recorded once per run (the common case of every spec)."""
    return ClaimSpec(
        id=id,
        statement=statement,
        statistic=statistic,
        reference=reference,
        reference_kind="theory",
        direction=direction,
        margin=margin,
        margin_source=margin_source,
        kind="derivation",
        paper_claim=paper_claim,
        seeds=1,
    )


def empirical(
    id: str,
    statement: str,
    statistic: str,
    reference: str,
    direction: str,
    margin: float,
    margin_source: str,
    paper_claim: str | None,
    *,
    seeds: int,
    reference_kind: str = "control",
    kind: str = "empirical",
    **kw: Any,
) -> ClaimSpec:
    """An empirical claim (or a negative control, ``kind="negative_control"``) on ``seeds`` seeds of a
    default run, compared with a ``reference`` from the same run (a control unless ``reference_kind``
    says otherwise); ``kw``: the other :class:`ClaimSpec` fields (``primary``, ``premise``, ...)."""
    return ClaimSpec(
        id=id,
        statement=statement,
        statistic=statistic,
        reference=reference,
        reference_kind=reference_kind,  # type: ignore[arg-type]
        direction=direction,  # type: ignore[arg-type]
        margin=margin,
        margin_source=margin_source,
        kind=kind,  # type: ignore[arg-type]
        paper_claim=paper_claim,
        seeds=seeds,
        **kw,
    )


@dataclass(frozen=True)
class Qualification:
    """A limit of a paper claim that a secondary test can find: found when ``claim``'s outcome is one of
    ``when``; ``text`` says what it means (the numbers are rendered from the run)."""

    claim: str
    when: tuple[str, ...]
    text: str

    def __post_init__(self) -> None:
        bad = [w for w in self.when if w not in OUTCOMES]
        if bad or not self.when:
            raise SpecError(f"qualification {self.claim!r}: when must name outcomes from {OUTCOMES}")


@dataclass(frozen=True)
class Answer:
    """How a notebook answers one paper claim: the claim in one line, its primary test (None for a
    modelling claim, answered by its derivations), the qualifications its secondaries may find, and what
    would settle it beyond more seeds."""

    paper_claim: str
    statement: str
    primary: str | None
    qualifications: tuple[Qualification, ...] = ()
    settle: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "paper_claim": self.paper_claim,
            "statement": self.statement,
            "primary": self.primary,
            "qualifications": [asdict(q) for q in self.qualifications],
            "settle": self.settle,
        }


@dataclass(frozen=True)
class NotebookSpec:
    """Every claim of one notebook, the paper claims it answers, and the constants (theory or literature
    values, never measurements) its prose may quote. Checked for consistency on creation."""

    notebook: str
    claims: tuple[ClaimSpec, ...]
    answers: tuple[Answer, ...] = ()
    # numbers the notebook's prose may quote because they are not measured: "0.909" -> "theory: 1/(1+σ_n²)"
    constants: Mapping[str, str] = field(default_factory=dict)
    _by_id: dict[str, ClaimSpec] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, ClaimSpec] = {}
        for c in self.claims:
            if c.id in by_id:
                raise SpecError(f"{self.notebook}: claim id {c.id!r} is declared twice")
            by_id[c.id] = c
        object.__setattr__(self, "_by_id", by_id)
        for c in self.claims:
            for name, target in (("premise", c.premise), ("checks", c.checks)):
                if target is not None and target not in by_id:
                    raise SpecError(
                        f"{self.notebook}: {c.id!r} names {name} {target!r}, which is not declared"
                    )
            if c.checks and by_id[c.checks].kind == "negative_control":
                raise SpecError(f"{self.notebook}: negative control {c.id!r} checks another negative control")
        answered: dict[str, str] = {}
        for a in self.answers:
            if a.paper_claim not in PAPER_CLAIMS:
                raise SpecError(f"{self.notebook}: answer for unknown paper claim {a.paper_claim!r}")
            if a.paper_claim in answered:
                raise SpecError(f"{self.notebook}: {a.paper_claim} is answered twice")
            if a.primary is not None:
                primary = by_id.get(a.primary)
                if primary is None or not primary.primary:
                    raise SpecError(
                        f"{self.notebook}: {a.paper_claim}'s primary {a.primary!r} must be a declared claim "
                        "with primary=True"
                    )
                if primary.paper_claim not in (None, a.paper_claim):
                    raise SpecError(
                        f"{self.notebook}: {a.primary!r} bears on {primary.paper_claim}, not {a.paper_claim}"
                    )
                answered[a.paper_claim] = a.primary
            for q in a.qualifications:
                if q.claim not in by_id:
                    raise SpecError(f"{self.notebook}: qualification names undeclared claim {q.claim!r}")
        primaries = [c.id for c in self.claims if c.primary]
        orphans = sorted(set(primaries) - set(answered.values()))
        if orphans:
            raise SpecError(f"{self.notebook}: primary claims {orphans} answer no paper claim")

    def __getitem__(self, id: str) -> ClaimSpec:
        try:
            return self._by_id[id]
        except KeyError:
            raise SpecError(
                f"claim {id!r} is not declared in the spec of {self.notebook}: declare it there before the "
                "run (simvae_core/specs/), or fix the id"
            ) from None

    def __contains__(self, id: object) -> bool:
        return id in self._by_id

    @property
    def premises(self) -> frozenset[str]:
        """The claims that gate another claim (its premise): design checks, outside the Holm family."""
        return frozenset(c.premise for c in self.claims if c.premise is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "claims": [c.as_json() for c in self.claims],
            "answers": [a.as_json() for a in self.answers],
            "constants": dict(self.constants),
        }

    @property
    def sha256(self) -> str:
        """The hash of the declarations (canonical JSON): what ``verdicts.json`` records."""
        text = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
