"""The answer to a paper claim, computed from a notebook's recorded claims (``verdicts.json``).

The answer is the primary test's outcome, read for a reader:

============== ===========================================================================================
supported      the primary test is supported and no declared qualification was found
qualified      supported, but a secondary found a declared limit; or the direction is shown, not the size
contradicted   the primary interval lies on the wrong side of 0, or excludes an effect of the claimed size
inconclusive   the primary interval straddles the margin: more seeds would settle it
not decidable  the budget cannot reach the claim, a premise failed, or too few seeds (the reason is given)
model          a modelling claim (C1) without an empirical test: its derivations are what is verified
============== ===========================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ANSWERS = ("supported", "qualified", "contradicted", "inconclusive", "not decidable", "model")
_FROM_OUTCOME = {
    "supported": "supported",
    "direction_only": "qualified",
    "contradicted": "contradicted",
    "no_effect": "contradicted",
    "inconclusive": "inconclusive",
    "not_decidable": "not decidable",
}


# what an answer keeps of its primary claim's record (the whole record stays in the claims list)
_EVIDENCE = (
    "id",
    "claim",
    "statistic",
    "detail",
    "outcome",
    "outcome_reason",
    "difference",
    "margin",
    "margin_source",
    "direction",
    "reference",
    "resolution",
)


def derivation_counts(claims: list[Mapping[str, Any]]) -> tuple[int, int]:
    """(verified, declared) derivations among ``claims``."""
    derivations = [c for c in claims if c["kind"] == "derivation"]
    return sum(c["outcome"] == "supported" for c in derivations), len(derivations)


def answer(spec: Mapping[str, Any], claims: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The answer to one paper claim (``spec``: an :class:`~.spec.Answer` as JSON) from its notebook's
    recorded ``claims``: the answer word, the primary claim's record, the qualifications found."""
    by_id = {c["id"]: c for c in claims}
    verified, declared = derivation_counts(claims)
    out: dict[str, Any] = {**spec, "derivations": {"verified": verified, "declared": declared}}
    if spec["primary"] is None:
        out.update(answer="model", primary_claim=None, qualifications_found=[])
        return out
    primary = by_id.get(spec["primary"])
    if primary is None:
        out.update(
            answer="not decidable",
            reason=f"the primary test {spec['primary']} was not recorded in this run",
            primary_claim=None,
            qualifications_found=[],
        )
        return out
    word = _FROM_OUTCOME[primary["outcome"]]
    found = []
    for q in spec.get("qualifications", []):
        c = by_id.get(q["claim"])
        if c is not None and c["outcome"] in q["when"]:
            found.append({**q, "outcome": c["outcome"], "difference": c["difference"], "n": seeds_of(c)})
    if primary["outcome"] == "direction_only":  # qualified by its own size
        found.insert(
            0,
            {
                "claim": primary["id"],
                "when": ["direction_only"],
                "text": "the direction is established, the claimed size (its margin) is not",
                "outcome": "direction_only",
                "difference": primary["difference"],
                "n": seeds_of(primary),
            },
        )
    if word == "supported" and found:
        word = "qualified"
    evidence = {k: primary[k] for k in _EVIDENCE if k in primary}
    out.update(answer=word, primary_claim=evidence, qualifications_found=found)
    if primary["outcome"] == "not_decidable":
        out["reason"] = primary.get("outcome_reason", "")
    return out


def seeds_of(claim: Mapping[str, Any]) -> int:
    """The seeds behind a recorded claim (its resolution's n; schema-1 records: its per-seed values)."""
    return int(claim.get("resolution", {}).get("n") or len(claim["value"].get("per_seed", [])) or 1)
