"""The book: a static, offline HTML site of the docs, the results page and the executed notebooks.

    python -m simvae_core.tooling.book                     # -> build/book/html/ (what `make book` runs)
    python -m simvae_core.tooling.book --out /tmp/book     # -> /tmp/book/html/
    python -m simvae_core.tooling.book --figures build/figures/smoke   # another figures folder

What goes in: ``docs/*.md`` (MyST markdown; ``docs/index.md`` is the landing page), the results page
``figures/README.md`` with its thumbnails ``figures/<notebook>/*.png``, and each notebook as executed:
``figures/executed/<name>.ipynb`` where that exists, else the source ``notebooks/<name>.ipynb`` (without
outputs). Nothing is executed. The files are staged in ``<out>/src/`` at their repository paths, so the
relative links between them stay valid unchanged, with two rewrites. In the notebooks' markdown, a
``$$...$$`` that starts and ends a line is set off by blank lines, as Jupyter (which lifts the math out
before it parses the markdown) shows it: MyST would otherwise read a line of it starting with ``+ ``
as a list item. And every link to a notebook (from the
docs: ``../notebooks/<name>.ipynb``; from the results page: ``executed/<name>.ipynb``) points at the one
page the book has for that notebook, so each notebook appears once and every link reaches it. A link
to a repository file that is not part of the book (a folder, ``README.md``, a source file) keeps its
text and loses its link (it would lead nowhere in the book); a link to a file that does not exist is
left alone, so that Sphinx reports it. ``<out>/html/index.html`` redirects to the landing page.

Broken internal links, missing images and toctree entries without a document are build failures (exit
1; MyST and Sphinx report them as warnings, which this module classifies); other warnings (a lexer that
cannot highlight a cell, ...) are printed and counted, not fatal, since the docs have several authors.

Why Sphinx + MyST-NB (the engine of Jupyter Book 1) with sphinx-book-theme: measured here (2 shared
cores) on the four docs, the results page and the five notebooks as executed by the smoke profile
(0.8-1.9 MB each):

- Sphinx 9.0 + MyST-NB 1.4 + sphinx-book-theme 1.4: 7 s cold build (each build reads every page again,
  so that no warning is lost), 15.5 MB of HTML: 9 MB of images (the notebooks' outputs and the results
  page's figures), 2.6 MB of MathJax, 3 MB of theme (its 3.4 MB of source maps are dropped). Renders
  MyST ($...$, $$...$$, labels, heading anchors) in the docs and in the notebooks' markdown alike,
  one navigation over all pages, search that works offline, every asset local. Chosen.
- nbconvert 7.17 (HTML exporter, lab template): 3 s and a 1.2 MB page (images inlined) per notebook,
  but pages for notebooks only (the MyST docs would need a second tool), no shared navigation, and its
  template asks CDNs for MathJax, require.js and mermaid.
- Quarto: not installable here: the ``quarto-cli`` package on PyPI is a source package that downloads
  the Quarto binary from GitHub while installing, and Debian 12 has no Quarto.
- Jupyter Book 2 (mystmd, on Node): installs (a 168 MB environment), but ``jupyter-book build --html``
  first asks api.mystmd.org for its site template, so it cannot build offline.

Math: MathJax 3.2.2 (the upstream build, unchanged) from the ``sphinx-mathjax-offline`` wheel, of which
only the SVG component and the TeX extensions it may autoload are copied (2.6 MB of its 24 MB): SVG
output needs no web fonts, one script per page. ``jupyter-server-mathjax`` (the Jupyter project's
MathJax 2.7.7) also works offline, but needs its whole 12 MB copied, five more requests a page, only
STIX-Web fonts, and typesets a notebook page more slowly (1.3 s against 1.0 s in headless chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from . import results
from .pipeline import project_root

EXECUTED = results.EXECUTED  # the executed notebooks' folder inside the figures folder
RESULTS_PAGE = f"figures/{results.RESULTS_PAGE}"
LANDING = "docs/index"
# links: [text](target "title") and ![alt](target); raw HTML src="..." / href="..."
_MD_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
)
_HTML_ATTR = re.compile(r"""(?P<attr>\b(?:src|href))=(?P<q>["'])(?P<target>[^"'#?]+)(?P=q)""")
# $$...$$ opening a line and closing one: display math in Jupyter, which lifts math out before parsing
# markdown; MyST parses markdown first, so a line of it starting with "+ " would become a list item
_DISPLAY_MATH = re.compile(r"(?ms)^\$\$(?:(?!\$\$).)+?\$\$[ \t]*$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*\{toctree\}")
# what Sphinx and MyST print for a link, an image or a toctree entry that leads nowhere
BROKEN = re.compile(
    r"myst\.xref_missing|cross-reference target not found|local id not found|image file not readable|"
    r"download file not readable|nonexisting document|isn't included in any toctree|undefined label|"
    r"Unknown target name|myst\.xref_ambiguous|image not found|file not found",
    re.IGNORECASE,
)


@dataclass
class Staged:
    """What the staging step put where (paths relative to the staging folder, POSIX)."""

    pages: dict[str, str] = field(default_factory=dict)  # repository path of a document -> staged path
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook name -> staged path
    extra: list[str] = field(default_factory=list)  # files copied beside the pages (raw-HTML images)
    unlinked: list[str] = field(default_factory=list)  # links dropped: targets outside the book


class Sources:
    """Where each repository path is read from (``figures/`` may be another folder, for development)."""

    def __init__(self, root: Path, figures: Path | None = None, docs: Path | None = None):
        self.root = root
        self.figures = (figures or root / "figures").resolve()
        self.docs = (docs or root / "docs").resolve()

    def real(self, rel: str) -> Path:
        head, _, rest = rel.partition("/")
        base = {"figures": self.figures, "docs": self.docs}.get(head)
        return (base / rest) if base is not None else self.root / rel

    def repo_path(self, path: Path) -> str | None:
        """The repository path of a real file (None outside the repository and the folders read)."""
        path = Path(os.path.normpath(path))
        for prefix, base in (("figures", self.figures), ("docs", self.docs), ("", self.root)):
            if path == base or path.is_relative_to(base):
                rel = path.relative_to(base).as_posix()
                return posixpath.join(prefix, rel) if prefix else rel
        return None


def _write_if_changed(path: Path, data: bytes) -> None:
    """Leave an unchanged file alone, so that Sphinx's incremental build sees nothing to redo."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def collect_pages(src: Sources) -> Staged:
    """Decide which file each page of the book comes from."""
    staged = Staged()
    if not (src.docs / "index.md").is_file():
        raise FileNotFoundError(f"no landing page {src.docs / 'index.md'}")
    for md in sorted(src.docs.glob("*.md")):
        staged.pages[f"docs/{md.name}"] = f"docs/{md.name}"
    if (src.figures / "README.md").is_file():
        staged.pages[RESULTS_PAGE] = RESULTS_PAGE
    names = sorted(p.stem for p in (src.root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        raise FileNotFoundError(f"no notebooks in {src.root / 'notebooks'}")
    for name in names:
        executed = f"figures/{EXECUTED}/{name}.ipynb"
        page = executed if src.real(executed).is_file() else f"notebooks/{name}.ipynb"
        staged.notebooks[name] = page
        staged.pages[f"notebooks/{name}.ipynb"] = page
        staged.pages[executed] = page
    return staged


def _resolve(src: Sources, doc: str, target: str, pages: dict[str, str]) -> str | None:
    """The repository path that a relative link of the document at repository path ``doc`` leads to.

    Read from the document's repository path, or else from where the file really is (with ``--figures``
    elsewhere, an executed notebook's links are relative to that folder): the first that names a page
    or an existing file; None for a path outside the repository."""
    target = urllib.parse.unquote(target)
    candidates = [
        src.repo_path(src.root / posixpath.dirname(doc) / target),
        src.repo_path(src.real(doc).parent / target),
    ]
    for rel in candidates:
        if rel is not None and (rel in pages or src.real(rel).exists()):
            return rel
    return candidates[0]


def _relative(doc: str, rel: str) -> str:
    return posixpath.relpath(rel, posixpath.dirname(doc) or ".")


def rewrite_markdown(text: str, doc: str, staged: Staged, src: Sources, out_src: Path, extra: Path) -> str:
    """Point the links of one markdown text (a doc, or a notebook's markdown cell) at the book's pages."""

    def link(match: re.Match[str]) -> str:
        target = match.group("target")
        if _URL.match(target) or target.startswith(("#", "/")):
            return match.group(0)
        path, sep, anchor = target.partition("#")
        rel = _resolve(src, doc, path, staged.pages)
        if rel is None:
            return match.group(0)  # outside the repository: left for Sphinx to report
        if rel in staged.pages:
            new = _relative(doc, staged.pages[rel]) + sep + anchor
            return f"{match.group('bang')}[{match.group('text')}]({new}{match.group('title') or ''})"
        real = src.real(rel)
        if real.is_file() and real.suffix not in (".md", ".ipynb"):
            _copy_if_changed(real, out_src / rel)  # an image, or a file MyST offers as a download
            new = _relative(doc, rel) + sep + anchor
            return f"{match.group('bang')}[{match.group('text')}]({new}{match.group('title') or ''})"
        if real.exists() and not match.group("bang"):
            staged.unlinked.append(f"{doc}: {target}")
            return match.group("text")
        return match.group(0)  # leads nowhere: left for Sphinx to report

    def attr(match: re.Match[str]) -> str:
        target = match.group("target")
        if not _URL.match(target) and not target.startswith("/"):
            rel = _resolve(src, doc, target, staged.pages)
            real = src.real(rel) if rel is not None else None
            if real is not None and real.is_file() and rel not in staged.pages:
                _copy_if_changed(real, extra / rel)  # raw HTML is opaque to Sphinx: copy it beside the page
                staged.extra.append(rel)
                return f"{match.group('attr')}={match.group('q')}{_relative(doc, rel)}{match.group('q')}"
        return match.group(0)

    return _HTML_ATTR.sub(attr, _MD_LINK.sub(link, text))


def rewrite_toctrees(text: str, doc: str, staged: Staged, src: Sources) -> str:
    """Toctree entries (``../notebooks/01_x``) that name a notebook point at the page the book has for it."""
    docnames = {posixpath.splitext(k)[0]: posixpath.splitext(v)[0] for k, v in staged.pages.items()}
    lines, fence = [], None
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if fence is None:
            m = _FENCE.match(stripped)
            fence = m.group("fence") if m else None
        elif stripped.startswith(fence):
            fence = None
        elif stripped and not stripped.startswith(":"):
            m = re.match(r"^(?P<title>.*<)?(?P<entry>[^<>]+?)(?P<close>>)?$", stripped)
            entry = m.group("entry") if m else stripped
            rel = _resolve(src, doc, entry, docnames)
            if rel in docnames and docnames[rel] != rel:
                new = _relative(doc, docnames[rel])
                line = line.replace(entry, new, 1)
        lines.append(line)
    return "".join(lines)


def display_math_blocks(text: str) -> str:
    """Each ``$$...$$`` that starts a line and ends one becomes a block of its own (blank lines around
    it), as Jupyter shows it; the TeX itself is unchanged."""
    return _DISPLAY_MATH.sub(lambda m: "\n" + m.group(0).strip() + "\n", text)


def stage(src: Sources, out_src: Path, extra: Path) -> Staged:
    """Mirror the book's files into ``out_src`` (and raw-HTML assets into ``extra``), links rewritten."""
    staged = collect_pages(src)
    wanted: set[str] = set()
    for repo_path, page in sorted(staged.pages.items()):
        if repo_path != page or page in wanted:
            continue  # an alias (a link target) of a page staged under its own path
        wanted.add(page)
        real = src.real(page)
        if page.endswith(".md"):
            text = rewrite_markdown(real.read_text(encoding="utf-8"), page, staged, src, out_src, extra)
            text = rewrite_toctrees(text, page, staged, src)
            _write_if_changed(out_src / page, text.encode("utf-8"))
        else:
            nb = json.loads(real.read_text(encoding="utf-8"))
            for cell in nb.get("cells", []):
                if cell.get("cell_type") == "markdown":
                    source = cell["source"]
                    source = "".join(source) if isinstance(source, list) else source
                    source = display_math_blocks(source)
                    cell["source"] = rewrite_markdown(source, page, staged, src, out_src, extra)
                for output in cell.get("outputs", []):  # markdown outputs (verdict tables) have links too
                    data = output.get("data", {})
                    if "text/markdown" in data:
                        text = data["text/markdown"]
                        text = "".join(text) if isinstance(text, list) else text
                        data["text/markdown"] = rewrite_markdown(text, page, staged, src, out_src, extra)
            _write_if_changed(out_src / page, (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode())
    # a page left from an earlier staging (a notebook that has since been executed) would be built too
    for path in sorted(out_src.rglob("*")):
        rel = path.relative_to(out_src).as_posix()
        if path.is_file() and path.suffix in (".md", ".ipynb") and rel not in wanted:
            path.unlink()
    return staged


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _redirect(html: Path) -> None:
    target = f"{LANDING}.html"
    (html / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<link rel="icon" href="_static/favicon.svg">\n'  # else the browser asks for /favicon.ico
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<title>SimVAE book</title></head><body><p><a href="{target}">Open the book</a></p></body></html>\n',
        encoding="utf-8",
    )


@dataclass
class BuildResult:
    html: Path
    seconds: float
    size: int
    staged: Staged
    warnings: list[str]
    broken: list[str]


def build(
    out: Path,
    root: Path | None = None,
    figures: Path | None = None,
    docs: Path | None = None,
    jobs: int = 1,
    quiet: bool = True,
) -> BuildResult:
    """Stage the book's files under ``out/src`` and build the site into ``out/html`` with Sphinx."""
    root = (root or project_root()).resolve()
    out = out.resolve()
    src = Sources(root, figures=figures, docs=docs)
    start = time.perf_counter()
    out_src, extra, html = out / "src", out / "extra", out / "html"
    shutil.rmtree(extra, ignore_errors=True)
    out_src.mkdir(parents=True, exist_ok=True)
    extra.mkdir(parents=True, exist_ok=True)
    staged = stage(src, out_src, extra)
    warnings_file = out / "warnings.txt"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-c",
        str(root / "docs"),
        "-d",
        str(out / "doctrees"),
        "-w",
        str(warnings_file),
        "-j",
        str(jobs),
        "-D",
        f"html_extra_path={extra}",
        "-E",  # every document read again: a warning is reported on every build, not only the first
        "--keep-going",
        str(out_src),
        str(html),
    ]
    if quiet:
        cmd.insert(3, "-q")
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    proc = subprocess.run(cmd, env=env, check=False)
    warnings = [w for w in warnings_file.read_text(encoding="utf-8").splitlines() if w.strip()]
    if proc.returncode != 0 and not warnings:
        raise RuntimeError(f"sphinx-build failed (exit {proc.returncode})")
    broken = [w for w in warnings if BROKEN.search(w)]
    _redirect(html)
    for source_map in (html / "_static").rglob("*.map"):
        source_map.unlink()  # the theme's source maps (a third of the site): only a debugger asks for them
    return BuildResult(html, time.perf_counter() - start, _size(html), staged, warnings, broken)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m simvae_core.tooling.book",
        description="Build the offline HTML book (docs, results page, executed notebooks) with Sphinx.",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="output folder (default build/book); HTML in OUT/html"
    )
    p.add_argument("--figures", type=Path, default=None, help="figures folder (default figures/)")
    p.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="folder of the docs pages, index.md among them (default docs/; conf.py is always docs/conf.py)",
    )
    p.add_argument("--jobs", type=int, default=1, help="Sphinx processes (default 1)")
    p.add_argument("--verbose", action="store_true", help="Sphinx's progress output")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = project_root()
    out = args.out or root / "build" / "book"
    result = build(out, root, figures=args.figures, docs=args.docs, jobs=args.jobs, quiet=not args.verbose)
    for line in result.staged.unlinked:
        print(f"[book] link outside the book shown as text: {line}")
    for w in result.warnings:
        print(f"[book] {'BROKEN ' if w in result.broken else ''}warning: {w}", file=sys.stderr)
    sources = {name: page for name, page in result.staged.notebooks.items()}
    not_executed = [name for name, page in sources.items() if page.startswith("notebooks/")]
    if not_executed:
        print(f"[book] no executed copy (the source is shown): {', '.join(not_executed)}")
    print(
        f"[book] {result.html / 'index.html'}  ({result.size / 1e6:.1f} MB, {result.seconds:.1f} s, "
        f"{len(result.warnings)} warning(s), {len(result.broken)} broken link(s))"
    )
    if result.broken:
        print("[book] FAILED: broken internal links or missing files (listed above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
