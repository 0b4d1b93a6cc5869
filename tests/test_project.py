"""The project's promises about itself: cheap import, consistent installs, notebooks stored clean."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_lazy_attributes_resolve_and_typos_fail_clearly():
    import simvae_core

    assert simvae_core.log_p_z is simvae_core.theory.ssl_model.log_p_z
    with pytest.raises(AttributeError, match="has no attribute 'log_pz'; public names"):
        simvae_core.log_pz  # noqa: B018


def test_torch_pin_is_the_same_in_makefile_and_environment_yml():
    make_pin = re.search(r"^TORCH_SPEC\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    env_text = (ROOT / "environment.yml").read_text()
    assert f"- {make_pin}" in env_text, f"environment.yml must pin {make_pin} like the Makefile"
    assert "-e .[dev]" in env_text, "environment.yml must install the package with the dev extra"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make figures" in readme and "make lab" in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_stored_without_outputs_and_paired(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: outputs committed"
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{path.name} has no jupytext twin {twin.name}"
    import jupytext

    from_py = jupytext.read(twin)
    assert [c.source for c in from_py.cells] == [c.source for c in nb.cells], (
        f"{path.name} and {twin.name} differ: run `make sync`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_a_papermill_parameters_cell(path):
    from simvae_core.notebook.profiles import PROFILE_NAMES

    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
    namespace: dict = {}
    exec(tagged[0].source, namespace)  # plain assignments only
    assert namespace.get("profile") in PROFILE_NAMES and isinstance(namespace.get("seed"), int)
    source = "".join(c.source for c in nb.cells)
    assert re.search(rf'start_run\(\s*"{path.stem}"', source), "start_run must name the notebook"
    assert "overrides=overrides" in source, "the parameters' overrides reach start_run"


def test_committed_figures_agree_with_their_manifest():
    """figures/ is what `make figures` wrote: every file listed, every listed file present and unchanged."""
    from simvae_core.notebook import figures

    problems = figures.check_manifest(ROOT / "figures")
    assert not problems, "figures/ and figures/manifest.json disagree (run `make figures`):\n" + "\n".join(
        problems
    )


# --------------------------------------------------------------------------------------------- packaging


def test_the_version_lives_in_one_place():
    import importlib.metadata

    import simvae_core

    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and not re.search(r'^version\s*=\s*"', pyproject, re.M)
    assert 'version = { attr = "simvae_core.__version__" }' in pyproject
    assert importlib.metadata.version("simvae-core") == simvae_core.__version__, "reinstall: make setup"
    assert not re.search(r"^version:", (ROOT / "CITATION.cff").read_text(), re.M)


def test_license_citation_and_typing_marker_ship_with_the_project():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    citation = (ROOT / "CITATION.cff").read_text()
    for needle in ("cff-version:", "preferred-citation:", "Bizeul", "Schölkopf", "Allen", "2402.01399"):
        assert needle in citation
    assert (ROOT / "simvae_core" / "py.typed").exists()
    assert 'simvae_core = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


def test_pre_commit_runs_what_make_lint_runs():
    lint = re.search(r"^lint:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    commands = [line.strip().removeprefix("$(PY) -m ") for line in lint.splitlines()]
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    entries = re.findall(r"entry:\s*(.+)", config)
    for command in commands:  # e.g. "ruff check ." -> entry "ruff check" (pre-commit passes the files)
        assert command.removesuffix(" .") in entries, f"pre-commit lacks {command!r}"


def test_outputs_are_ignored_by_git():
    for path in ("runs/simvae/last.pt", "build/figures/smoke/x.png", "model.pt"):
        ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", path])
        assert ignored.returncode == 0, f"{path} should be ignored by git"


def test_make_lab_passes_options_and_allows_root():
    """`make -n` prints the command without running it (nor the set-up: VENV points at this one)."""
    venv = Path(sys.executable).parent.parent
    out = subprocess.run(
        ["make", "-n", "-s", "lab", f"VENV={venv}", "LAB_ARGS=--port 8899 --no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if "jupyter lab" in x)
    assert line.rstrip().endswith("--port 8899 --no-browser notebooks")
    assert ("--allow-root" in line) == (os.geteuid() == 0)
