"""pytest plugin: after nbval has executed a notebook, check what it produced.

nbval (``--nbval-lax``) fails a cell that raises, and the notebooks assert their own numbers. What nbval
cannot see is a figure that silently vanished (a headless backend draws nothing and raises nothing).
This plugin appends one item per notebook, run after its last cell, that

- writes the executed notebook (nbval's outputs) to ``<notebook dir>/executed/`` for inspection,
- asserts that the notebook ran to its end and holds at least one PNG image,
- asserts that every figure the notebook recorded in the manifest was also displayed in it, and that
  the manifest lists every figure file on disk (and nothing else).

Loaded with ``-p tests.nbval_checks`` (pyproject's addopts).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest


def _is_nbval_cell(item: pytest.Item) -> bool:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval absent: nothing to check
        return False
    return isinstance(item, IPyNbCell)


def _count_images(outputs: list) -> int:
    return sum(
        1
        for out in outputs
        if out.get("output_type") in ("display_data", "execute_result") and "image/png" in out.get("data", {})
    )


class NotebookOutputs(pytest.Item):
    def __init__(self, *, cells: list, **kwargs):
        super().__init__(**kwargs)
        self.cells = cells

    def runtest(self) -> None:
        import nbformat

        from simvae_core.notebook import figures

        notebook_file = self.parent
        path = Path(str(notebook_file.fspath))
        unrun = [c.name for c in self.cells if getattr(c, "test_outputs", None) is None]
        assert not unrun, f"{path.name}: cells did not run (an earlier cell failed?): {unrun[:5]}"

        executed = copy.deepcopy(notebook_file.nb)
        code_cells = [c for c in executed.cells if c.cell_type == "code"]
        images = 0
        for cell, item in zip(code_cells, self.cells, strict=False):
            cell.outputs = [nbformat.from_dict(o) for o in item.test_outputs]
            images += _count_images(cell.outputs)
        out_dir = path.parent / "executed"
        out_dir.mkdir(exist_ok=True)
        nbformat.write(executed, out_dir / path.name)

        assert images > 0, f"{path.name} holds no PNG image after execution (headless backend dropped them?)"
        fig_dir = Path(os.environ.get("SIMVAE_FIGURES_DIR", figures.figures_root()))
        recorded = [
            key
            for key, entry in figures.read_manifest(fig_dir)["figures"].items()
            if entry["notebook"] == path.stem and entry["format"] == "png" and not entry.get("drawn_from")
        ]
        assert recorded, f"{path.name} saved no figure through savefig into {fig_dir}"
        assert images >= len(recorded), (
            f"{path.name} saved {len(recorded)} figures but displays only {images} images"
        )
        problems = figures.check_manifest(fig_dir)
        assert not problems, "figures and manifest disagree:\n" + "\n".join(problems)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::figures-and-outputs"


def pytest_collection_modifyitems(session, config, items):
    by_notebook: dict = {}
    for index, item in enumerate(items):
        if _is_nbval_cell(item):
            by_notebook.setdefault(item.parent, []).append((index, item))
    # insert from the back so earlier indices stay valid
    for parent, cells in sorted(by_notebook.items(), key=lambda kv: kv[1][-1][0], reverse=True):
        last_index = cells[-1][0]
        check = NotebookOutputs.from_parent(parent, name="figures-and-outputs", cells=[c for _, c in cells])
        items.insert(last_index + 1, check)


# a cell running longer than this says so, then again every HEARTBEAT_S seconds
HEARTBEAT_S = float(os.environ.get("SIMVAE_HEARTBEAT_S", "60"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A long notebook cell is not silent: every minute, one line naming the notebook, the cell and its
    first line (pytest prints nothing until an item ends, and a training cell can run for minutes)."""
    if not _is_nbval_cell(item):
        yield
        return
    import threading
    import time

    capture = item.config.pluginmanager.getplugin("capturemanager")
    reporter = item.config.pluginmanager.getplugin("terminalreporter")
    source = getattr(item, "cell", {}).get("source", "")
    first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            if reporter is None or capture is None:
                return
            with capture.global_and_fixture_disabled():
                reporter.write_line(
                    f"[nbval] {item.parent.name} {item.name}: running for "
                    f"{(time.perf_counter() - start) / 60:.0f} min (`{first[:60]}`)"
                )

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
