"""Migrate the ``verdicts.json`` of runs made before outcomes existed (schema 1), without re-running them.

Schema 1 recorded each claim's per-seed values, reference, interval, margin and a pass/fail verdict. The
migration keeps every number as the run stored it, and adds what a reader now needs:

- each claim's evidence kind, primary flag and paper claim, from the notebook's spec
  (:mod:`simvae_core.specs`), or from :data:`LEGACY` for ids the spec no longer declares (a mirror
  negative control that was dropped, a claim that was renamed);
- its outcome, recomputed from the stored per-seed values (the recomputed interval must equal the stored
  one), the Holm adjustment of the secondaries, premises, resolution, negative-control checks;
- the answers to the paper claims, the run's budget, and the parameters the run was injected with
  (read from the committed executed notebook).

Honesty about what this is: the kinds, primary tests and qualifications were designated when these
results were known, so the migrated file says ``registered: after the run`` and carries a ``migrated``
note that the results page shows. The next default run of each notebook is decided under its spec,
declared before the run.

    python -m simvae_core.specs.migrate          # migrate every schema-1 figures/*/verdicts.json
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import repro
from ..atomic import write_json_atomic
from ..claims import ClaimBook, ClaimSpec, NotebookSpec, SpecError
from . import spec_for

_DECLARED = ("kind", "paper_claim", "primary", "trained", "premise", "checks", "out_of_reach")
_OBSOLETE_NOTE = "not supported at this budget"  # the one label the outcomes replace


@dataclass(frozen=True)
class Legacy:
    """What the migration of one notebook's schema-1 file needs beyond its spec.

    ``budget``: what that run spent, in words. ``declarations``: kind (and the other declared fields) of
    ids its spec no longer declares. ``derived``: a claim the spec declares that the old run measured
    under another id: new id -> (old id, detail), e.g. the primary "against the best-validated baseline"
    that the old run recorded as the comparison with that baseline.
    """

    budget: str
    declarations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _negative_control(checks: str, trained: bool = True) -> dict[str, Any]:
    return {"kind": "negative_control", "checks": checks, "trained": trained}


# The runs committed before schema 2 (default profile, seed 0): their budgets, read from the notebooks'
# sizes at those commits, and the declarations of ids today's specs no longer hold.
LEGACY: dict[str, Legacy] = {
    "01_ssl_generative_model": Legacy(
        budget="closed forms and Monte Carlo (200 000 draws); no network is trained",
        declarations={
            # replaced by near-miss temperatures: these failed at 12× and 22× their margin
            "C1.bayes.calibrated.tau_0.25sigma2": _negative_control("C1.bayes.calibrated", trained=False),
            "C1.bayes.calibrated.tau_4sigma2": _negative_control("C1.bayes.calibrated", trained=False),
        },
    ),
    "02_discriminative_ssl_correspondence": Legacy(
        budget="synthetic: 600 steps of 256 groups × 2 views on 4 096 groups, 3 seeds; Fashion-MNIST: 8 "
        "epochs on 15 % of the training images, 3 seeds",
        declarations={
            # mirrored C3.keeps_spread.simvae (the same numbers); replaced by the untrained encoder
            "C3.collapse.simvae": _negative_control("C3.collapse.simclr"),
        },
    ),
    "03_mutual_information": Legacy(
        budget="critics: 1 500 steps per MI level, one seed; encoders (section 4): 4 000 steps at K = 16, "
        "3 seeds",
        declarations={
            "C4.content.dropped": _negative_control("C4.style.unshared_dropped"),  # mirrored content.kept
            "C4.saturate.spread_moves.frozen": _negative_control("C4.saturate.spread_moves"),  # always 0
        },
    ),
    "04_projection_head": Legacy(
        budget="synthetic: 1 500 steps of 256 groups × 2 views on 8 192 groups, 3 seeds; Fashion-MNIST: 8 "
        "epochs on 15 % of the training images, 3 seeds",
    ),
    "05_simvae_vs_vae_family": Legacy(
        budget="8 epochs on 8 100 of the 54 000 Fashion-MNIST training images (15 %) in batches of 64 "
        "images × 2 views, 5 paired seeds (rate-matched and clean-view ablations: 3); 0.27 % of the authors' "
        "optimisation steps (400 epochs on 60 000 images); MNIST 5k: 8 epochs on its 3 500 training images",
        declarations={
            # the negated mirror of C6.content.linear.vs_vae (roles swapped): dropped from the spec
            "C6.content.linear.vae_vs_simvae": _negative_control("C6.content.linear.vs_vae"),
        },
        # the run chose CR-VAE (γ = 0.001) as the baseline with the best validation accuracy
        derived={
            "C6.content.linear.vs_best": ("C6.content.linear.vs_cr_vae", "best validation baseline: CR-VAE")
        },
    ),
}


def _declaration(old: Mapping[str, Any], declared: Mapping[str, Any], present: set[str]) -> ClaimSpec:
    """The claim as the old run checked it (statement, statistic, reference, margin, direction), with
    the declared fields (kind, primary, ...) of today's spec."""
    fields = {k: declared.get(k) for k in _DECLARED if k in declared}
    for link in ("premise", "checks"):
        if fields.get(link) not in present:
            fields[link] = None
    if fields.get("kind") == "negative_control" and not fields.get("checks"):
        raise SpecError(f"{old['id']}: a migrated negative control must name a recorded claim it checks")
    return ClaimSpec(
        id=old["id"],
        statement=old["claim"],
        statistic=old["statistic"],
        reference=old["reference"]["name"],
        reference_kind=old["reference"]["kind"],
        direction=old["direction"],
        margin=float(old["margin"]),
        margin_source=old.get("threshold_source") or "as the run declared it",
        seeds=max(1, len(old["value"]["per_seed"])),
        paired=bool(old.get("paired", True)),
        **fields,
    )


def _declared_fields(id: str, spec: NotebookSpec, legacy: Legacy) -> Mapping[str, Any]:
    if id in legacy.declarations:
        return legacy.declarations[id]
    if id in spec:
        c = spec[id]
        return {k: getattr(c, k) for k in _DECLARED}
    raise SpecError(
        f"{spec.notebook}: {id!r} is neither declared in the spec nor in the migration's LEGACY table"
    )


def injected_parameters(executed: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(injected, defaults): the parameters papermill injected into an executed notebook, and the
    defaults of its ``parameters`` cell (both read, never executed)."""
    nb = json.loads(executed.read_text())
    found: dict[str, dict[str, Any]] = {"injected-parameters": {}, "parameters": {}}
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        for tag in found:
            if tag in tags:
                for node in ast.parse("".join(cell["source"])).body:
                    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                        found[tag][node.targets[0].id] = ast.literal_eval(node.value)
    return found["injected-parameters"], found["parameters"]


def migrate(
    old: Mapping[str, Any],
    spec: NotebookSpec,
    legacy: Legacy,
    injected: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The schema-2 record of a schema-1 ``old`` file: every number kept, outcomes computed."""
    if old.get("schema", 1) != 1:
        raise ValueError(f"{spec.notebook}: verdicts.json is already schema {old.get('schema')}")
    claims = list(old["claims"])
    by_id = {c["id"]: c for c in claims}
    for new_id, (old_id, detail) in legacy.derived.items():
        claims.append({**by_id[old_id], "id": new_id, "claim": spec[new_id].statement, "detail": detail})
    present = {c["id"] for c in claims}
    declared = {c["id"]: _declared_fields(c["id"], spec, legacy) for c in claims}
    answers = tuple(a for a in spec.answers if a.primary is None or a.primary in present)
    primaries = {a.primary for a in answers}
    for id, fields in declared.items():  # a primary of today's spec that the old run did not record
        if fields.get("primary") and id not in primaries:
            declared[id] = {**fields, "primary": False}
    migration_spec = NotebookSpec(
        spec.notebook,
        tuple(_declaration(c, declared[c["id"]], present) for c in claims),
        answers,
    )
    injected = dict(injected or {})
    non_default = {k: v for k, v in injected.items() if (defaults or {}).get(k, v) != v}
    run = {
        "recorded": False,
        "note": "threads, builds and CPU were not recorded by runs before schema 2",
        "injected": injected,
        "non_default": non_default,
    }
    book = ClaimBook(
        migration_spec,
        profile=old["profile"],
        seed=old["seed"],
        code_version=old["code_version"],
        run=run,
        audit=True,
    )
    book.describe_budget(legacy.budget)
    for c in claims:
        note = "" if str(c.get("note", "")).startswith(_OBSOLETE_NOTE) else c.get("note", "")
        reference = c["reference"]["per_seed"] or [c["reference"]["mean"]]
        record = book.record(
            migration_spec[c["id"]],
            c["value"]["per_seed"],
            reference,
            float(c["margin"]),
            detail=c.get("detail", ""),
            note=note,
        )
        _same_interval(c, record.difference.ci)
    out = book.as_json()
    out["spec"] = {
        "sha256": migration_spec.sha256,
        "registered": "after the run: kinds, primary tests and qualifications designated at the migration "
        "(issue 26), when these results were known",
        "next_run_spec": spec.sha256,
    }
    out["migrated"] = {
        "from_schema": 1,
        "by": repro.code_version(),
        "note": "migrated without re-running: outcomes computed from the intervals the run stored; the "
        "primary tests were designated after the run",
    }
    return out


def _same_interval(old: Mapping[str, Any], ci: tuple[float, float]) -> None:
    """The interval recomputed from the stored per-seed values must be the one the run stored."""
    stored = old["difference"]["ci"]
    if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(stored, ci, strict=True)):
        raise ValueError(f"{old['id']}: recomputed interval {ci} differs from the stored {stored}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simvae_core.specs.migrate", description=__doc__)
    parser.add_argument("--figures", type=Path, default=Path("figures"), help="the figures folder")
    args = parser.parse_args(argv)
    for notebook, legacy in LEGACY.items():
        path = args.figures / notebook / "verdicts.json"
        old = json.loads(path.read_text())
        if old.get("schema", 1) != 1:
            print(f"{path}: schema {old['schema']}, nothing to do")
            continue
        executed = args.figures / "executed" / f"{notebook}.ipynb"
        injected, defaults = injected_parameters(executed) if executed.exists() else ({}, {})
        write_json_atomic(path, migrate(old, spec_for(notebook), legacy, injected, defaults))
        print(f"{path}: migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
