"""The project's promises about itself: cheap import, consistent installs, notebooks stored clean."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_import_is_cheap_and_lazy():
    code = (
        "import sys, time; t = time.perf_counter(); import simvae_core; dt = time.perf_counter() - t; "
        "heavy = [m for m in ('torch', 'scipy', 'sympy', 'matplotlib', 'papermill') if m in sys.modules]; "
        "print(dt, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, heavy = out.split(" ", 1)
    assert heavy.strip() == "[]", f"import simvae_core pulled in {heavy.strip()}"
    assert float(seconds) < 2.0


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
    assert f'start_run("{path.stem}"' in "".join(c.source for c in nb.cells), (
        "start_run must name the notebook"
    )


def test_committed_figures_agree_with_their_manifest():
    """figures/ is what `make figures` wrote: every file listed, every listed file present and unchanged."""
    from simvae_core.notebook import figures

    problems = figures.check_manifest(ROOT / "figures")
    assert not problems, "figures/ and figures/manifest.json disagree (run `make figures`):\n" + "\n".join(
        problems
    )
