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
