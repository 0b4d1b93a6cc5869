"""Notebook prose quotes no measured number: readings are rendered from the run (``book.reading``).

A decimal number with at least two significant digits in a markdown cell of a source notebook is a
measured reading unless it is written in the notebook's code (a parameter, a grid value), in its spec
(a margin, a design value in a statement) or declared in the spec's ``constants`` with what it is (a
theory or literature value). Headings (section numbers) and link targets are not prose numbers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simvae_core.experiments import FAMILIES
from simvae_core.specs import MODULES, spec_for

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+)(?!\w|\.\d)")


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def quoted_numbers(notebook: dict, allowed_text: str, constants: dict[str, str]) -> list[tuple[int, str]]:
    """(cell index, number) of every number in the markdown that is neither in ``allowed_text`` (the code
    and the spec) nor declared in ``constants``."""
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for line in _source(cell).splitlines():
            if line.lstrip().startswith("#"):
                continue  # a heading: section numbers
            line = re.sub(r"\]\([^)]*\)", "]", line)  # link targets
            for number in NUMBER.findall(line):
                significant = number.replace(".", "").lstrip("0")
                if len(significant) < 2 or number in constants:
                    continue
                if not re.search(rf"(?<![\w.]){re.escape(number)}(?![\d])", allowed_text):
                    found.append((index, number))
    return found


def _allowed_text(notebook: dict, name: str) -> tuple[str, dict[str, str]]:
    spec = spec_for(name)
    code = "\n".join(_source(c) for c in notebook["cells"] if c["cell_type"] == "code")
    return code + "\n" + json.dumps(spec.as_json(), ensure_ascii=False), dict(spec.constants)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_notebook_markdown_quotes_no_measured_number(name):
    notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    allowed, constants = _allowed_text(notebook, name)
    found = quoted_numbers(notebook, allowed, constants)
    assert not found, (
        f"{name}: markdown quotes numbers that are neither in its code nor in its spec: {found}. Render "
        "measured readings from the run with book.reading(...); declare a theory or literature value in "
        "the spec's constants with what it is."
    )


def test_a_typed_measurement_is_caught_and_a_declared_constant_is_not():
    notebook = {
        "cells": [
            {"cell_type": "code", "source": "sigma2 = 0.15\nbook.reading('{c[x]}')"},
            {
                "cell_type": "markdown",
                "source": "## 3.1 Results\nSimVAE reaches 0.737 at σ² = 0.15; ρ = 0.909.",
            },
            {"cell_type": "markdown", "source": "See [the table](../docs/e.md#e1.2) and log 64 = 4.16."},
        ]
    }
    code = "\n".join(_source(c) for c in notebook["cells"] if c["cell_type"] == "code")
    assert quoted_numbers(notebook, code, {}) == [(1, "0.737"), (1, "0.909"), (2, "4.16")]
    assert quoted_numbers(notebook, code, {"0.909": "theory", "4.16": "log 64"}) == [(1, "0.737")]


# ------------------------------------------------------------------- prose with short code (issue 27)

MAX_CELL = 25  # non-blank lines of one code cell
MAX_FUNCTIONS = 3  # small functions defined in a notebook
HIDDEN = "hide-input"  # the tag that hides a plumbing cell's input in the book


def shape(notebook: dict) -> dict[str, object]:
    """Non-blank markdown and code lines, the longest code cell, the functions defined, the hidden cells,
    and whether sizes are set in the notebook (a SIZES dict or a branch on the profile)."""
    md = code = longest = functions = hidden = 0
    sizes_here = False
    for cell in notebook["cells"]:
        lines = [line for line in _source(cell).splitlines() if line.strip()]
        if cell["cell_type"] == "markdown":
            md += len(lines)
            continue
        if cell["cell_type"] != "code":
            continue
        code += len(lines)
        longest = max(longest, len(lines))
        functions += sum(1 for line in lines if re.match(r"\s*def \w+\(", line))
        hidden += HIDDEN in cell.get("metadata", {}).get("tags", [])
        sizes_here |= any(re.match(r"\s*SIZES\s*=|.*\bif profile\b|.*profile ==", line) for line in lines)
    return {
        "md": md,
        "code": code,
        "longest": longest,
        "functions": functions,
        "hidden": hidden,
        "sizes_here": sizes_here,
    }


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_notebooks_on_the_experiments_layer_read_as_prose_with_short_code(name):
    s = shape(json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text()))
    assert s["md"] >= s["code"], f"{name}: {s['code']} code lines against {s['md']} markdown lines"
    assert s["longest"] <= MAX_CELL, f"{name}: a code cell of {s['longest']} lines (at most {MAX_CELL})"
    assert s["functions"] <= MAX_FUNCTIONS, f"{name}: {s['functions']} functions defined in the notebook"
    assert s["hidden"] >= 1, f"{name}: no plumbing cell tagged {HIDDEN!r}"
    assert not s["sizes_here"], f"{name}: sizes set in the notebook; they live in its experiments module"


def test_the_shape_check_can_fail():
    long_cell = "\n".join(f"x{i} = {i}" for i in range(MAX_CELL + 1))
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "# One line of prose"},
            {"cell_type": "code", "source": "SIZES = {}\ndef f():\n    pass\n" + long_cell, "metadata": {}},
        ]
    }
    s = shape(notebook)
    assert s["code"] > s["md"] and s["longest"] > MAX_CELL and s["functions"] == 1 and s["sizes_here"]
    assert s["hidden"] == 0
