"""The book (``make book``) in a real headless browser: Debian's chromium, driven by Selenium.

The book is built from the repository's files into a temporary folder, served by an ``http.server``
thread on 127.0.0.1, and crawled from its index by following every internal link. On every page:
it loads; no request fails and none leaves 127.0.0.1 (the Chrome DevTools performance log records every
request, response and failure); every math element is typeset by MathJax, without a MathJax error, and
no raw TeX delimiter is left in the visible text (code listings aside); every image has loaded
(``naturalWidth > 0``). The crawl must reach every notebook. Then the same book is opened from
``file://``, as a reader who double-clicks ``index.html`` would, and must load with its CSS and math.

Needs /usr/bin/chromium and /usr/bin/chromedriver (``.ci/run`` installs them: ``apt-get install chromium
chromium-driver``); skipped with that message where they are absent. SIMVAE_BOOK_FIGURES /
SIMVAE_BOOK_DOCS point the build at other folders (development: e.g. build/figures/smoke).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SIMVAE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SIMVAE_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = "`.ci/run` installs them (apt-get install chromium chromium-driver)"

# raw TeX left in the visible text: display or inline delimiters, or a $...$ pair on one line
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$[^\s$][^$\n]{0,300}\$")
SKIP_DIRS = ("_static/", "_sources/", "_images/", "_downloads/")

PAGE_STATE_JS = """
const done = arguments[arguments.length - 1];
const finish = () => {
  const hide = document.createElement('style');
  hide.textContent = 'pre, code, .highlight, script, style {display: none !important}';
  document.head.appendChild(hide);
  const text = document.body ? document.body.innerText : '';
  hide.remove();
  const maths = [...document.querySelectorAll('span.math, div.math')];
  const imgs = [...document.images];
  done({
    title: document.title,
    url: location.href,
    text: text,
    maths: maths.length,
    typeset: document.querySelectorAll('mjx-container').length,
    untypeset: maths.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror, [data-mjx-error], [data-mml-node="merror"]')]
      .map(e => e.textContent.slice(0, 80)),
    mathjax: typeof window.MathJax === 'object' && !!window.MathJax.startup,
    images: imgs.map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    css: [...document.querySelectorAll('link[rel=stylesheet]')].map(l => ({href: l.href, ok: !!l.sheet})),
  });
};
const images = () => Promise.all([...document.images].map(i => {
  i.loading = 'eager';
  return i.complete ? null : new Promise(r => { i.onload = i.onerror = r; });
}));
const sheets = () => new Promise(resolve => {
  const start = Date.now();
  const poll = () => {
    const links = [...document.querySelectorAll('link[rel=stylesheet]')];
    if (links.every(l => l.sheet) || Date.now() - start > 10000) resolve(); else setTimeout(poll, 50);
  };
  poll();
});
const math = (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)
  || Promise.resolve();
Promise.all([math, images(), sheets()]).then(finish, finish);
"""


def _require_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists() or not os.access(p, os.X_OK)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
    pytest.importorskip(
        "selenium", reason="selenium is not installed: make setup (the dev extra) installs it"
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    _require_browser()
    pytest.importorskip("myst_nb", reason="the book's tools are not installed: make setup installs them")
    from simvae_core.tooling import book as book_mod

    out = tmp_path_factory.mktemp("book")
    env = {
        k: Path(os.environ[v])
        for k, v in (("figures", "SIMVAE_BOOK_FIGURES"), ("docs", "SIMVAE_BOOK_DOCS"))
        if os.environ.get(v)
    }
    result = book_mod.build(out, **env)
    assert not result.broken, "broken links or missing files in the build:\n" + "\n".join(result.broken)
    yield result
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def server(book):
    handler = functools.partial(_QuietHandler, directory=str(book.html))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # the browser drops a connection when a page navigates away mid-request: not the book's fault
        # (a request that failed for the page shows in the performance log and fails the test)
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output for failures
        pass


@pytest.fixture(scope="module")
def browser(book):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def _requests(driver) -> tuple[list[str], list[str]]:
    """URLs the pages asked for since the last call, and the failures (with reasons)."""
    urls, failures, by_id = [], [], {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            by_id[params["requestId"]] = url
            urls.append(url)
        elif method == "Network.responseReceived":
            status = params["response"].get("status", 0)
            if status >= 400:
                failures.append(f"HTTP {status}: {params['response']['url']}")
        elif method == "Network.loadingFailed":
            url = by_id.get(params["requestId"], params["requestId"])
            blocked = f" (blocked: {params['blockedReason']})" if params.get("blockedReason") else ""
            failures.append(f"{params.get('errorText')}{blocked}: {url}")
    return urls, failures


def _external(urls: list[str], origin: str) -> list[str]:
    allowed = (origin, "file://", "data:", "blob:", "about:")
    return [u for u in urls if not u.startswith(allowed)]


def _visit(driver, url: str) -> dict:
    """Load a page (following a meta-refresh redirect: the book's index.html) and read its state."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && !document.querySelector('meta[http-equiv=refresh]')"
        )
    )
    return driver.execute_async_script(PAGE_STATE_JS)


def _page_problems(state: dict, urls: list[str], failures: list[str], origin: str) -> list[str]:
    problems = [f"request failed: {f}" for f in failures]
    problems += [f"external request: {u}" for u in _external(urls, origin)]
    problems += [f"image not loaded: {i['src']}" for i in state["images"] if not i["ok"]]
    problems += [f"stylesheet not loaded: {c['href']}" for c in state["css"] if not c["ok"]]
    if state["maths"] and not state["mathjax"]:
        problems.append("page has math but MathJax did not start")
    problems += [f"math not typeset: {t!r}" for t in state["untypeset"]]
    problems += [f"MathJax error: {t!r}" for t in state["errors"]]
    for m in RAW_TEX.finditer(state["text"]):
        context = state["text"][max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
        problems.append(f"raw TeX in the visible text: {context!r}")
    return problems


def _internal_pages(links: list[str], origin: str) -> tuple[set[str], set[str]]:
    """Pages (.html, fragment dropped) and other local files that the links of a page lead to."""
    pages, files = set(), set()
    for link in links:
        url = urllib.parse.urldefrag(link).url
        if not url.startswith(origin):
            continue
        path = url[len(origin) :]
        if path == "" or path.endswith("/"):
            path += "index.html"
        if path.endswith(".html"):
            if not path.startswith(SKIP_DIRS):
                pages.add(path)
        else:
            files.add(path)
    return pages, files


def test_book_in_a_browser(book, server, browser):
    origin = server
    _requests(browser)  # drop what the browser did on start
    seen, queue, files, problems, states = set(), ["index.html"], set(), {}, {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        state = _visit(browser, origin + path)
        urls, failures = _requests(browser)
        if state["url"] != origin + path:  # a redirect: the state is that of the page it leads to
            path = urllib.parse.urldefrag(state["url"]).url[len(origin) :]
            seen.add(path)
        states[path] = state
        page_problems = _page_problems(state, urls, failures, origin)
        if page_problems:
            problems[path] = page_problems
        pages, linked = _internal_pages(state["links"], origin)
        files |= linked
        queue += sorted(pages - seen)

    # every non-page link (thumbnails' targets, downloads) leads to a file the server has
    for path in sorted(files):
        try:
            with urllib.request.urlopen(origin + urllib.parse.quote(urllib.parse.unquote(path))) as r:
                assert r.status == 200
        except (urllib.error.URLError, AssertionError) as exc:
            problems.setdefault("(links)", []).append(f"{path}: {exc}")

    assert not problems, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in problems.items())

    notebook_pages = {page[: -len(".ipynb")] + ".html" for page in book.staged.notebooks.values()}
    assert notebook_pages <= seen, f"notebooks the navigation does not reach: {sorted(notebook_pages - seen)}"
    assert "docs/index.html" in seen and "figures/README.html" in seen
    # the results page opens with the answer to each claim of the paper, then the forest plots
    page = states["figures/README.html"]
    text = page["text"]
    assert "Does each claim of the paper hold?" in text
    assert all(f"C{i} ·" in text for i in range(1, 7)), "the answer table lacks a claim of the paper"
    assert text.index("Does each claim of the paper hold?") < text.index("01_ssl_generative_model")
    forests = [i for i in page["images"] if i["src"].endswith("claims_forest.png")]
    assert forests and all(i["ok"] for i in forests), forests
    # the landing page and every notebook whose markdown has math show typeset math
    with_math = [p for p in ["docs/index.html", *sorted(notebook_pages)] if states[p]["maths"]]
    assert "docs/index.html" in with_math
    for page in with_math:
        assert states[page]["typeset"] >= states[page]["maths"], page
    print(f"\n[book] {len(seen)} pages crawled, {len(files)} linked files, {len(with_math)} pages with math")


def test_book_from_a_plain_folder(book, browser):
    """Opened from file:// (no server): the index redirects to the landing page, with its CSS and math."""
    _requests(browser)
    state = _visit(browser, (book.html / "index.html").as_uri())
    urls, failures = _requests(browser)
    assert state["url"].endswith("/docs/index.html"), state["url"]
    problems = _page_problems(state, urls, failures, origin="file://")
    assert not problems, "\n".join(problems)
    assert state["css"] and all(c["ok"] for c in state["css"])
    theme_css = [c for c in state["css"] if "theme" in c["href"]]
    assert theme_css, state["css"]
    assert state["maths"] and state["typeset"] >= state["maths"]
    assert browser.execute_script("return getComputedStyle(document.body).fontFamily") != "Times New Roman"


def test_plumbing_cells_are_hidden_in_the_book(book):
    """A code cell tagged ``hide-input`` in an executed notebook shows its output with its input folded
    away (MyST-NB's collapsed ``details`` above the output), so a notebook reads as prose."""
    checked = 0
    for page in book.staged.notebooks.values():
        source = json.loads((book.html.parent / "src" / page).read_text())
        tagged = sum("hide-input" in c.get("metadata", {}).get("tags", []) for c in source["cells"])
        html = (book.html / page).with_suffix(".html").read_text()
        folded = re.findall(r'<details class="[^"]*\bhide\b[^"]*\babove-input\b', html)
        assert len(folded) == tagged, page
        checked += tagged
    assert checked > 0, "no notebook tags a plumbing cell hide-input"
