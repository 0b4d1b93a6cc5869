"""The results page, the README's answer and notebook tables and the forest plots are generated from the
verdicts and cannot disagree with them: the committed pages are checked against the committed verdicts,
and a synthetic figures folder, written by the real ClaimBook, shows that every outcome and answer is
worded as what it is, that the run record is flagged, and that a changed verdict makes every page stale."""

import json

import nbformat
import pytest

from simvae_core.claims import Answer, ClaimBook, ClaimSpec, NotebookSpec, Qualification
from simvae_core.notebook import figures
from simvae_core.tooling import pipeline, results

ROOT = pipeline.project_root()


def test_committed_results_page_readme_and_forest_plots_match_the_verdicts():
    problems = results.check(ROOT)
    assert problems == [], "\n".join(problems) + "\n(run: python -m simvae_core.tooling.pipeline results)"


def _spec(id, kind="empirical", margin=0.1, **kw):
    return ClaimSpec(
        id=id,
        statement=f"claim {id} | with a pipe",
        statistic="accuracy",
        reference="untrained",
        reference_kind="control",
        direction=kw.pop("direction", "greater"),
        margin=margin,
        margin_source="fixed before the run",
        kind=kind,
        paper_claim="C3" if kind == "empirical" else None,
        seeds=kw.pop("seeds", 3),
        **kw,
    )


def _verdicts(folder, code_version="git:abc", primary=(0.5, 0.52, 0.51)):
    spec = NotebookSpec(
        "01_a",
        (
            _spec("p", primary=True),
            _spec("q"),
            _spec("wide"),
            _spec("nc", kind="negative_control", checks="p"),
            _spec("d", kind="derivation", margin=1e-9, direction="within", seeds=1),
        ),
        (
            Answer(
                "C3",
                "style collapses",
                "p",
                (Qualification("q", ("contradicted",), "a limit found"),),
                "more",
            ),
        ),
    )
    book = ClaimBook(spec, profile="default", seed=0, code_version=code_version, out_dir=folder / "01_a")
    book.describe_budget("600 steps, 3 seeds")
    book.check("p", list(primary), [0.1, 0.1, 0.1])
    book.check("q", [0.1, 0.11, 0.12], [0.5, 0.5, 0.52])
    book.check("wide", [0.1, 0.5, 0.3], [0.1, 0.1, 0.1])
    book.check("nc", [0.12, 0.1, 0.11], [0.1, 0.12, 0.1])
    book.check("d", 0.0, 0.0)
    return book.write()


@pytest.fixture
def repo(tmp_path):
    nbs, figs = tmp_path / "notebooks", tmp_path / "figures"
    for name, title in (("01_a", "# 01 · First claim (C3)"), ("02_b", "# 02 · Second claim")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(title + "\n\nprose")]
        nbs.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, nbs / f"{name}.ipynb")
    _verdicts(figs)
    (figs / "01_a" / "plot.png").write_bytes(b"png")
    manifest = {
        "figures": {
            "01_a/plot.png": {
                "notebook": "01_a",
                "format": "png",
                "sha256": figures.sha256_of(figs / "01_a" / "plot.png"),
            }
        },
        "notebooks": {"01_a": {"seconds": 12.0, "jobs": 1}},
    }
    (figs / "manifest.json").write_text(json.dumps(manifest))
    (figs / "executed").mkdir()
    (figs / "executed" / "01_a.ipynb").write_text("{}")
    (tmp_path / "README.md").write_text(
        f"# Project\n\n{results.ANSWERS_BEGIN}\nold\n{results.ANSWERS_END}\n\n"
        f"{results.README_BEGIN}\nstale\n{results.README_END}\n\nmore\n"
    )
    return tmp_path


def test_answers_come_first_and_every_outcome_is_worded_as_what_it_is(repo):
    found = results.collect(repo)
    assert [r.name for r in found] == ["01_a", "02_b"]
    page = results.results_page(found)
    assert page.index("## Does each claim of the paper hold?") < page.index("## 01_a")
    # the primary is supported, but its declared qualification was found: the answer is qualified
    row = next(line for line in page.splitlines() if line.startswith("| **C3**"))
    assert "**◐ qualified**" in row and "[`p`](#01_a)" in row and "+0.41 [" in row and "> 0.1" in row
    assert "a limit found (`q`: −0.397" not in row and "a limit found (`q`: -0.397" in row
    assert "budget: 600 steps, 3 seeds" in row and "| more |" in row
    assert "| inconclusive | claim wide \\| with a pipe (`wide`)" in page
    assert "≈" in page and "seeds to settle" in page  # the inconclusive claim says what would settle it
    assert "Holm [" in page  # secondaries show their adjusted interval
    assert "✔ fails (no effect)" in page or "✔ fails (contradicted)" in page
    assert "1 of 1 derivations verified" in page
    assert "3 empirical: 1 supported, 1 contradicted, 1 inconclusive" in page
    assert '<img src="01_a/claims_forest.png"' in page and '<img src="01_a/plot.png"' in page
    assert "no verdicts yet" in page  # 02_b has not run
    table = results.readme_table(found)
    assert "[details](figures/README.md#01_a), [executed](figures/executed/01_a.ipynb)" in table
    assert "(figures/README.md#01_a)" in results.answers_table(found, "figures/README.md")


def test_the_run_record_is_flagged(repo):
    (repo / "figures" / "02_b").mkdir()
    _verdicts(repo / "figures", code_version="git:def").rename(repo / "figures" / "02_b" / "verdicts.json")
    path = _verdicts(repo / "figures")
    defaults = {"profile": "default", "seed": 0, "strict": True}
    pipeline.annotate_verdicts(path, {**defaults, "strict": False}, defaults, None)
    assert json.loads(path.read_text())["run"]["non_default"] == {"strict": False}
    page = results.results_page(results.collect(repo))
    assert "run with non-default parameters: `strict=false`" in page
    assert "different code versions: 01 at `git:abc`; 02 at `git:def`" in page


def test_flips_since_the_previous_run_are_recorded_and_listed(repo, capsys):
    path = repo / "figures" / "01_a" / "verdicts.json"
    previous = pipeline.read_outcomes(path)
    _verdicts(repo / "figures", primary=(0.01, 0.02, 0.03))  # the primary no longer holds
    lines = pipeline.annotate_verdicts(
        path, {"profile": "default", "seed": 0}, {"profile": "default", "seed": 0}, previous
    )
    assert lines == ["p: supported → contradicted"]
    page = results.results_page(results.collect(repo))
    assert "Outcomes that changed since git:abc: `p` supported → contradicted." in page


def test_a_changed_verdict_makes_every_page_and_the_forest_plot_stale(repo):
    assert len(results.check(repo)) == 3  # never generated: forest plot, results page and README
    changed = results.write(repo)
    assert {p.name for p in changed} == {"README.md", "claims_forest.png"} and len(changed) == 3
    assert results.check(repo) == []
    entry = figures.read_manifest(repo / "figures")["figures"]["01_a/claims_forest.png"]
    assert entry["drawn_from"]["path"] == "01_a/verdicts.json" and entry["code_version"] == "git:abc"
    assert not [p for p in figures.check_manifest(repo / "figures") if "claims_forest" in p]
    readme = (repo / "README.md").read_text()
    assert readme.startswith("# Project") and readme.endswith("more\n") and "stale" not in readme
    assert "**◐ qualified**" in readme and "old" not in readme
    _verdicts(repo / "figures", primary=(0.01, 0.02, 0.03))
    assert len(results.check(repo)) == 3
    results.write(repo)
    assert "**✘ contradicted**" in (repo / "README.md").read_text()
    assert results.check(repo) == []


def test_a_readme_without_markers_gets_instructions(repo):
    (repo / "README.md").write_text("# no table here\n")
    with pytest.raises(ValueError, match="answers:begin"):
        results.write(repo)
    assert any("answers:begin" in p for p in results.check(repo))


def test_slugs_follow_github():
    assert results.slug("How a claim is checked") == "how-a-claim-is-checked"
    assert (
        results.slug("C4: mutual information is not the mechanism")
        == "c4-mutual-information-is-not-the-mechanism"
    )
    assert results.slug("ELBO_SSL") == "elbo_ssl"
    assert results.slug("01_ssl_generative_model") == "01_ssl_generative_model"


def test_committed_executed_notebooks_fit_the_budget_and_hold_their_outputs():
    executed = sorted((ROOT / "figures" / results.EXECUTED).glob("*.ipynb"))
    for path in executed:
        assert path.stat().st_size <= pipeline.EXECUTED_BUDGET, f"{path.name}: {path.stat().st_size} bytes"
        nb = nbformat.read(path, as_version=4)
        images = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if "image/png" in o.get("data", {})
        ]
        assert images, f"{path.name} holds no image: not an executed notebook"
        assert (ROOT / "notebooks" / path.name).exists(), f"{path.name} has no source in notebooks/"


def test_the_committed_answers_are_what_the_committed_claims_give():
    """Every committed verdicts.json is schema 2, and its outcomes and answers recompute from its numbers."""
    from simvae_core.claims import answer, outcome

    for path in sorted((ROOT / "figures").glob("*/verdicts.json")):
        data = json.loads(path.read_text())
        assert data.get("schema") == 2, f"{path}: not migrated"
        for c in data["claims"]:
            if c["outcome"] == "not_decidable":
                assert c["outcome_reason"], f"{c['id']}: not decidable without a reason"
                continue
            lo, hi = (c["adjusted"] or c["difference"])["ci"]
            assert c["outcome"] == outcome(lo, hi, c["margin"], c["direction"]), c["id"]
        for a in data["answers"]:
            spec = {k: a[k] for k in ("paper_claim", "statement", "primary", "qualifications", "settle")}
            assert answer(spec, data["claims"]) == a, a["paper_claim"]
