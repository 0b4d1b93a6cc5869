"""The reader's paths through the repository: every relative link in the README, the docs, the results
page and the notebooks reaches a file (and, with ``#anchor``, a heading) inside the repository; nothing
refers to a file outside it; every notebook links the sections of the docs it verifies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simvae_core.tooling.results import slug

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)|(?:src|href)=\"([^\"]+)\"")
OUTSIDE = ("PAPER.md", "VERIFICATION.md", "STYLE.md", "/work/shared", "../shared")


def _markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text())
        return "\n\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
        )
    return path.read_text()


def _headings(text: str) -> set[str]:
    """GitHub-style anchors of the markdown headings (fenced code skipped; repeats get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        base = slug(re.sub(r"[`*]", "", m.group(2)))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def _pages() -> list[Path]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages += sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    pages += [p for p in [ROOT / "figures" / "README.md"] if p.exists()]
    pages += sorted((ROOT / "figures" / "executed").glob("*.ipynb"))
    return pages


def _links(path: Path) -> list[str]:
    return [next(g for g in m.groups() if g) for m in LINK.finditer(_markdown_of(path))]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_reaches_a_file_and_heading_in_the_repository(page):
    broken = []
    for link in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # https:, mailto:, ...
            continue
        target, _, anchor = link.partition("#")
        file = (page.parent / target).resolve() if target else page
        if not file.exists():
            broken.append(f"{link}: no such file {file}")
            continue
        if ROOT not in file.parents and file != ROOT:
            broken.append(f"{link}: outside the repository")
            continue
        if anchor and file.suffix in (".md", ".ipynb") and anchor not in _headings(_markdown_of(file)):
            broken.append(f"{link}: no heading with anchor #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_nothing_refers_to_a_file_outside_the_repository():
    texts = {p: p.read_text() for p in _pages()}
    texts.update({p: p.read_text() for p in (ROOT / "notebooks").glob("*.py")})
    found = [f"{p.relative_to(ROOT)}: {word}" for p, t in texts.items() for word in OUTSIDE if word in t]
    assert not found, "\n".join(found)


def test_every_notebook_links_the_docs_it_verifies():
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        docs = [link for link in _links(nb) if link.startswith("../docs/") and "#" in link]
        assert any("claims.md#" in link for link in docs), f"{nb.name} links no claim of docs/claims.md"
        assert len(docs) >= 2, f"{nb.name} links only {docs} of the docs"
