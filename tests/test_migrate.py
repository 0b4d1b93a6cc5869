"""The migration of schema-1 verdicts: every number kept, the interval recomputed from the per-seed values
(and refused when it differs from the stored one), kinds from the spec or the migration table, outcomes,
Holm and answers computed, and the file honest about having been designated after the run."""

from __future__ import annotations

import copy

import nbformat
import pytest

from simvae_core.claims import Answer, ClaimSpec, NotebookSpec, SpecError, difference, estimate
from simvae_core.specs.migrate import LEGACY, Legacy, injected_parameters, migrate


def _old_claim(id, values, reference, margin=0.1, direction="greater", expect="pass", note=""):
    v, r = estimate(values), estimate(reference)
    d = difference(v, r, paired=r.n > 1)
    return {
        "id": id,
        "claim": f"claim {id}",
        "statistic": "accuracy",
        "value": {"mean": v.mean, "ci": list(v.ci), "per_seed": list(v.per_seed)},
        "reference": {
            "kind": "control",
            "name": "untrained",
            "mean": r.mean,
            "ci": list(r.ci),
            "per_seed": list(r.per_seed),
        },
        "difference": {"mean": d.mean, "ci": list(d.ci)},
        "margin": margin,
        "direction": direction,
        "paired": r.n > 1,
        "threshold_source": "fixed before the run",
        "passed": False,
        "enforced": False,
        "expect": expect,
        "note": note,
    }


OLD = {
    "notebook": "nb",
    "profile": "default",
    "seed": 0,
    "code_version": "git:old",
    "level": 0.95,
    "claims": [
        _old_claim("p", [0.5, 0.52, 0.51], [0.1, 0.1, 0.12], note="not supported at this budget: old words"),
        _old_claim("s", [0.1, 0.5, 0.3], [0.1, 0.1, 0.1], note="one seed of many: kept"),
        _old_claim("mirror", [0.1, 0.1, 0.12], [0.5, 0.52, 0.51], expect="fail"),
    ],
}


def _spec(id, kind="empirical", **kw):
    return ClaimSpec(
        id=id,
        statement=f"today's words for {id}",
        statistic="accuracy",
        reference="untrained",
        reference_kind="control",
        direction="greater",
        margin=0.2,  # today's margin differs: the migration keeps the margin the run was checked with
        margin_source="today",
        kind=kind,
        paper_claim=kw.pop("paper_claim", "C3" if kind == "empirical" else None),
        seeds=3,
        **kw,
    )


SPEC = NotebookSpec(
    "nb",
    (_spec("p", primary=True), _spec("s"), _spec("best", primary=True, paper_claim="C6")),
    (Answer("C3", "a claim", "p"), Answer("C6", "another", "best")),
)
TABLE = Legacy(
    budget="600 steps",
    declarations={"mirror": {"kind": "negative_control", "checks": "p"}},
    derived={"best": ("s", "best validation baseline: s")},
)


def test_migration_keeps_the_numbers_and_computes_what_schema_1_lacked():
    new = migrate(
        OLD, SPEC, TABLE, {"profile": "default", "strict": False}, {"profile": "default", "strict": True}
    )
    by_id = {c["id"]: c for c in new["claims"]}
    assert new["schema"] == 2 and new["budget"] == "600 steps" and new["code_version"] == "git:old"
    assert by_id["p"]["margin"] == 0.1 and by_id["p"]["claim"] == "claim p"  # as the run checked it
    assert by_id["p"]["outcome"] == "supported" and by_id["p"]["primary"] and by_id["p"]["note"] == ""
    assert by_id["s"]["note"] == "one seed of many: kept" and by_id["s"]["outcome"] == "inconclusive"
    assert (
        by_id["best"]["detail"] == "best validation baseline: s"
        and by_id["best"]["claim"] == "today's words for best"
    )
    assert by_id["mirror"]["kind"] == "negative_control"
    assert "mirrors p" in by_id["mirror"]["negative_control"]["problem"]  # recorded, not raised
    assert new["run"]["recorded"] is False and new["run"]["non_default"] == {"strict": False}
    assert (
        new["spec"]["registered"].startswith("after the run") and new["spec"]["next_run_spec"] == SPEC.sha256
    )
    assert "designated after the run" in new["migrated"]["note"]
    assert [a["answer"] for a in new["answers"]] == ["supported", "inconclusive"]


def test_a_stored_interval_that_the_numbers_do_not_give_is_refused():
    tampered = copy.deepcopy(OLD)
    tampered["claims"][0]["difference"]["ci"][0] += 0.01
    with pytest.raises(ValueError, match="differs from the stored"):
        migrate(tampered, SPEC, TABLE)


def test_an_id_nobody_declares_is_refused_and_schema_2_is_left_alone():
    with pytest.raises(SpecError, match="neither declared in the spec nor in the migration"):
        migrate(OLD, SPEC, Legacy(budget="x", derived=TABLE.derived))
    with pytest.raises(ValueError, match="already schema 2"):
        migrate({**OLD, "schema": 2}, SPEC, TABLE)


def test_injected_parameters_are_read_from_the_executed_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "default"\nseed = 0\nstrict = True')
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell('# Parameters\nprofile = "default"\nseed = 0\nstrict = False')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells = [params, injected]
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert injected_parameters(tmp_path / "x.ipynb") == (
        {"profile": "default", "seed": 0, "strict": False},
        {"profile": "default", "seed": 0, "strict": True},
    )


def test_the_table_covers_the_five_committed_notebooks():
    assert sorted(LEGACY) == [
        "01_ssl_generative_model",
        "02_discriminative_ssl_correspondence",
        "03_mutual_information",
        "04_projection_head",
        "05_simvae_vs_vae_family",
    ]
