"""Sphinx configuration of the book (``make book``; see ``simvae_core/tooling/book.py``).

Used with ``-c docs`` on a staging folder that mirrors the repository (``docs/``, ``figures/``,
``notebooks/``), never on the checkout itself: ``python -m simvae_core.tooling.book`` stages the files
and runs Sphinx. Everything a page needs travels with it: the theme's CSS, fonts and scripts are local,
and the math is typeset by a copy of MathJax 3 (SVG output, so no web fonts) taken from an installed
PyPI package, copied into ``_static/mathjax/`` at the end of the build. No page asks the network for
anything, so the book works from a plain folder (``file://``) and from ``python -m http.server``.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

project = "SimVAE: theory and verification"
author = "The simvae-core developers"
copyright = "the simvae-core developers (MIT licence)"

root_doc = "docs/index"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]

# MyST: $...$ and $$...$$ math, \begin{align} blocks, GitHub-style heading anchors (links such as
# theory.md#elbo_ssl and the results page's #01_ssl_generative_model resolve as on GitHub).
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True
myst_heading_anchors = 4

# The notebooks are shown as executed (figures/executed/): never run again here.
nb_execution_mode = "off"
nb_render_markdown_format = "myst"  # markdown outputs (verdict tables) with tables and math
nb_ipywidgets_js = {}  # no widget manager from a CDN; widget outputs fall back to their text
nb_merge_streams = True

# Math: MathJax 3 from the sphinx-mathjax-offline wheel (upstream's 3.2.2 build, unchanged), SVG output.
MATHJAX_PACKAGE = "sphinx-mathjax-offline"
mathjax_path = "mathjax/tex-svg.js"
# Files of the MathJax distribution the pages load: the combined component and the TeX extensions its
# autoloader may fetch (\boldsymbol, \cancel, ...). Everything else of the 24 MB distribution stays out.
MATHJAX_FILES = ("tex-svg.js", "input/tex/extensions")
mathjax3_config = {
    "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]},
    "options": {
        "processHtmlClass": "tex2jax_process|mathjax_process|math|output_area",
        "ignoreHtmlClass": "tex2jax_ignore|mathjax_ignore|document",
        # the menu's explorer/speech features would load further components on demand
        "enableMenu": False,
    },
}

html_theme = "sphinx_book_theme"
html_title = "SimVAE: theory and verification"
html_theme_options = {
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # without one the browser asks the server for /favicon.ico (a 404)
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None

suppress_warnings = [
    "myst.header",  # a notebook may jump from # to ###: harmless
]


def _mathjax_source() -> Path:
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{MATHJAX_PACKAGE} is not installed: pip install -e '.[book]'")
    return Path(spec.origin).parent / "static" / "mathjax"


def _copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src = _mathjax_source()
    dst = Path(app.outdir) / "_static" / "mathjax"
    for rel in MATHJAX_FILES:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (src / rel).is_dir():
            shutil.copytree(src / rel, target, dirs_exist_ok=True)
        else:
            shutil.copy2(src / rel, target)


def setup(app) -> None:
    _mathjax_source()  # fail before building when MathJax is missing
    app.connect("build-finished", _copy_mathjax)
