"""The results page and the README's notebook table are generated from the verdicts and cannot disagree
with them: the committed pages are checked against the committed verdicts, and a synthetic figures
folder shows that every outcome is worded as what it is."""

import json

import nbformat
import pytest

from simvae_core.notebook import pipeline, results

ROOT = pipeline.project_root()


def test_committed_results_page_and_readme_table_match_the_verdicts():
    problems = results.check(ROOT)
    assert problems == [], "\n".join(problems) + "\n(run: python -m simvae_core.notebook.pipeline results)"


def _claim(id_, passed, expect="pass", enforced=True, note=""):
    est = {"mean": 0.7, "ci": [0.69, 0.71], "per_seed": [0.69, 0.7, 0.71]}
    return {
        "id": id_,
        "claim": f"claim {id_} | with a pipe",
        "statistic": "accuracy",
        "value": est,
        "reference": {"kind": "control", "name": "VAE", **est},
        "difference": {"mean": 0.02, "ci": [0.01, 0.03]},
        "margin": 0.005,
        "direction": "greater",
        "paired": True,
        "threshold_source": "fixed before the run",
        "passed": passed,
        "enforced": enforced,
        "expect": expect,
        "note": note,
    }


@pytest.fixture
def repo(tmp_path):
    nbs, figs = tmp_path / "notebooks", tmp_path / "figures"
    for name, title in (("01_a", "# 01 · First claim (C1)"), ("02_b", "# 02 · Second claim")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(title + "\n\nprose")]
        nbs.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, nbs / f"{name}.ipynb")
    claims = [
        _claim("c.held", True),
        _claim("c.not", False, enforced=False, note="not supported at this budget: 0.001 [−0.01, 0.01]"),
        _claim("c.neg", False, expect="fail"),
    ]
    (figs / "01_a").mkdir(parents=True)
    verdicts = {"notebook": "01_a", "profile": "default", "seed": 0, "code_version": "git:abc", "level": 0.95}
    (figs / "01_a" / "verdicts.json").write_text(json.dumps({**verdicts, "claims": claims}))
    (figs / "01_a" / "plot.png").write_bytes(b"png")
    manifest = {
        "figures": {"01_a/plot.png": {"notebook": "01_a", "format": "png"}},
        "notebooks": {"01_a": {"seconds": 12.0, "jobs": 1}},
    }
    (figs / "manifest.json").write_text(json.dumps(manifest))
    (figs / "executed").mkdir()
    (figs / "executed" / "01_a.ipynb").write_text("{}")
    (tmp_path / "README.md").write_text(
        f"# Project\n\n{results.README_BEGIN}\nstale\n{results.README_END}\n\nmore\n"
    )
    return tmp_path


def test_every_outcome_is_worded_as_what_it_is(repo):
    found = results.collect(repo)
    assert [r.name for r in found] == ["01_a", "02_b"]
    assert found[0].title == "First claim (C1)" and found[0].executed == "executed/01_a.ipynb"
    assert found[0].counts() == {"claims": 2, "held": 1, "negatives": 1, "negatives_failing": 1}
    page = results.results_page(found)
    assert "✔ holds | claim c.held \\| with a pipe (`c.held`)" in page
    assert "✘ not supported | claim c.not" in page and "not supported at this budget: 0.001" in page
    assert "✔ fails, as a negative control must | claim c.neg" in page
    assert "0.02 [0.01, 0.03]; > 0.005 (fixed before the run)" in page
    assert "accuracy: 0.7 [0.69, 0.71] vs VAE (control) 0.7 [0.69, 0.71]" in page
    assert "profile `default` · seed 0 · code `git:abc`" in page and "seeds per claim: 3" in page
    assert '<img src="01_a/plot.png"' in page and "[executed/01_a.ipynb](executed/01_a.ipynb)" in page
    assert "no verdicts yet" in page  # 02_b has not run
    table = results.readme_table(found)
    assert "⚠️ 1 of 2 claims hold; 1 of 1 negative control fails as it must (1 not supported" in table
    assert "[details](figures/README.md#01_a), [executed](figures/executed/01_a.ipynb)" in table


def test_a_changed_verdict_makes_the_pages_stale_until_regenerated(repo):
    assert len(results.check(repo)) == 2  # never generated: both pages are out of date
    changed = results.write(repo)
    assert {p.name for p in changed} == {"README.md"} and len(changed) == 2
    assert results.check(repo) == []
    readme = (repo / "README.md").read_text()
    assert readme.startswith("# Project") and readme.endswith("more\n") and "stale" not in readme
    path = repo / "figures" / "01_a" / "verdicts.json"
    verdicts = json.loads(path.read_text())
    verdicts["claims"][1]["passed"] = True  # a claim that now holds
    path.write_text(json.dumps(verdicts))
    assert len(results.check(repo)) == 2
    results.write(repo)
    assert "✅ 2 of 2 claims hold" in (repo / "README.md").read_text()


def test_a_negative_control_that_passes_is_flagged():
    assert results.verdict_label(_claim("x", True, expect="fail")) == "✘ negative control PASSED"
    assert results.verdict_label(_claim("x", False, enforced=True)) == "✘ FAILS"


def test_a_readme_without_markers_gets_instructions(repo):
    (repo / "README.md").write_text("# no table here\n")
    with pytest.raises(ValueError, match="results-table:begin"):
        results.write(repo)
    assert any("results-table:begin" in p for p in results.check(repo))


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
