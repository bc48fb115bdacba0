"""What a reader sees on a built page: the checks of the browser tests.

Each ``check_*`` function takes a Playwright page that has been prepared with
:func:`prepare` (MathJax done, lazy images and players loaded, dropdowns opened) and
returns a list of problems, one readable line each; an empty list means the page
passes. ``tests/test_browser.py`` runs them on every page of the book at desktop and
phone widths; ``tests/test_browser_fixtures.py`` builds a scratch book with one defect
of each kind and asserts that each check reports its defect.

Rule for figures (see ``book/_ext/phone_figures.py``): a figure's text is drawn at no
less than 9 CSS px, taking the book style's smallest text (``use_book_style``).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import importlib.util
import os
import shutil
import sys
import threading
from pathlib import Path

#: ``SAMBOOK_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns a missing prerequisite of
#: the browser tests (a build, Playwright, axe-core, Chromium) into a failure.
REQUIRED = os.environ.get("SAMBOOK_REQUIRE_BROWSER") == "1"


def missing(reason: str):
    """Skip a browser test for want of ``reason``, or fail it where CI requires it."""
    import pytest

    if REQUIRED:
        pytest.fail(f"browser test prerequisite missing: {reason}")
    pytest.skip(reason)


ROOT = Path(__file__).resolve().parents[1]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Words that never belong in the published text: development notes, placeholder
# addresses, remarks about how the book's copy of the paper was obtained.
FORBIDDEN_TEXT = [
    "example/sam-dynamics-book",
    "TODO",
    "FIXME",
    "TBD",
    "lorem ipsum",
    "garbled",
    "extracted text",
    "text of the paper",
]
AXE_IMPACTS = ("critical", "serious")


def chromium() -> str | None:
    """A Chromium executable on the PATH (Debian's ``chromium``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium():
    """Headless Debian chromium under Playwright, for a module-scoped fixture:
    yields the browser and closes it; skips (or, where required, fails) with the
    reason when Playwright or chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    executable = chromium()
    if executable is None:
        missing("no chromium binary on PATH")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def phone_figures():
    """``book/_ext/phone_figures.py``, the figure rule shared with the build."""
    return _load("phone_figures", ROOT / "book" / "_ext" / "phone_figures.py")


def _load(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- serving the site -------------------------------------------------------------


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped when the browser accepts it (as GitHub Pages does)."""

    COMPRESSIBLE = (".html", ".js", ".css", ".svg", ".json", ".txt", ".xml", ".map")
    protocol_version = "HTTP/1.1"  # keep-alive, as browsers use a real host

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.suffix in self.COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._gzip_body = body
        return None

    def do_GET(self):
        self._gzip_body = None
        file = self.send_head()
        if self._gzip_body is not None:
            self.wfile.write(self._gzip_body)
        elif file:
            try:
                self.copyfile(file, self.wfile)
            finally:
                file.close()


class Site:
    """A built HTML folder served on 127.0.0.1 (gzip like GitHub Pages)."""

    def __init__(self, html: Path):
        handler = functools.partial(GzipHandler, directory=str(html))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- opening a page ---------------------------------------------------------------


class PageReport:
    """What one page load did: bad responses, JavaScript errors, external requests."""

    def __init__(self, origin: str):
        self.origin = origin
        self.bad_responses: list[str] = []
        self.js_errors: list[str] = []
        self.external: list[str] = []

    def route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:"):
            route.continue_()
        else:  # the book must read offline: record and block every external request
            self.external.append(url)
            route.abort()

    def response(self, response):
        if response.url.startswith(self.origin) and response.status != 200:
            self.bad_responses.append(f"{response.status} {response.url}")

    def page_error(self, error):
        self.js_errors.append(str(error))

    def console(self, message):
        if message.type == "error" and "net::ERR_FAILED" not in message.text:
            self.js_errors.append(message.text)


def open_page(browser, origin: str, page_path: str, viewport: str):
    """A new context at ``viewport`` with ``page_path`` loaded and watched."""
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    report = PageReport(origin)
    page.route("**/*", report.route)
    page.on("response", report.response)
    page.on("pageerror", report.page_error)
    page.on("console", report.console)
    page.goto(f"{origin}/{page_path}", wait_until="load")
    return context, page, report


def wait_for_mathjax(page, timeout_ms: int = 60_000) -> bool:
    """Wait until MathJax has typeset the page; False when MathJax never loaded."""
    has_math = page.evaluate("() => !!document.querySelector('.math')")
    if not has_math:
        return True
    try:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=timeout_ms,
        )
    except Exception:
        return False
    page.evaluate("() => MathJax.startup.promise")
    return True


def load_everything(page) -> None:
    """Scroll through the page so lazy images and players load, then come back."""
    page.evaluate(
        """async () => {
            const step = Math.max(200, innerHeight - 100);
            for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
                scrollTo({top: y, behavior: 'instant'});
                await new Promise(r => setTimeout(r, 30));
            }
            for (const img of document.querySelectorAll('img[loading="lazy"]')) {
                if (img.complete || !img.getClientRects().length) continue;
                img.scrollIntoView({block: 'center', behavior: 'instant'});
                await new Promise(resolve => {
                    img.addEventListener('load', resolve, {once: true});
                    img.addEventListener('error', resolve, {once: true});
                    setTimeout(resolve, 10000);
                });
            }
            scrollTo({top: 0, behavior: 'instant'});
            // let the theme's scroll-driven header and back-to-top button settle
            await new Promise(r => setTimeout(r, 300));
        }"""
    )
    page.wait_for_function(
        "() => Array.from(document.images).every(img => img.complete)",
        timeout=30_000,
    )


def open_dropdowns(page) -> None:
    """Open every collapsed solution and dropdown, as a reader may."""
    page.evaluate(
        """() => {
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            document.querySelectorAll('.toggle-hidden').forEach(el => {
                const button = el.querySelector('button.toggle-button')
                    || (el.previousElementSibling
                        && el.previousElementSibling.querySelector('button'));
                if (button) button.click();
            });
        }"""
    )
    page.wait_for_timeout(150)


def prepare(page) -> list[str]:
    """Get the page to what the reader sees; returns problems met on the way."""
    problems = []
    if not wait_for_mathjax(page):
        problems.append("MathJax did not load, so no formula is typeset")
    load_everything(page)
    open_dropdowns(page)
    return problems


# --- the checks -------------------------------------------------------------------

_TEXT_NODES = """
(root) => {
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, '
    + 'kbd, samp, .linenos, svg, math';
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!node.textContent.trim()) continue;
    out.push(node.textContent);
  }
  return out;
}
"""


def _article_text_nodes(page) -> list[str]:
    return page.evaluate(
        f"""() => {{
            const root = document.querySelector('article.bd-article')
                || document.querySelector('main') || document.body;
            return ({_TEXT_NODES})(root);
        }}"""
    )


def check_math(page) -> list[str]:
    """Every formula typeset: no MathJax error, no TeX left in the text."""
    import re

    problems = []
    errors = page.evaluate(
        """() => Array.from(document.querySelectorAll('mjx-merror'))
            .map(e => (e.getAttribute('data-mjx-error') || e.textContent)
                      .slice(0, 80))"""
    )
    problems += [f"MathJax error: {error}" for error in errors]
    untypeset = page.evaluate(
        """() => Array.from(document.querySelectorAll('span.math, div.math'))
            .filter(e => !e.querySelector('mjx-container'))
            .map(e => e.textContent.trim().slice(0, 60))"""
    )
    problems += [f"formula not typeset: {text!r}" for text in untypeset]
    tex = re.compile(
        r"\\\(|\\\)|\\\[|\\\]|\$\$|(?<![\w$])\$(?=\S)[^$\n]{1,200}(?<=\S)\$(?![\w$])"
        r"|\\(?:frac|eta|rho|lambda|alpha|beta|gamma|mathbb|mathrm|nabla|sum|top|"
        r"operatorname|left|right|cdot|le|ge|varepsilon|epsilon|sigma|tau|mu|"
        r"partial|sqrt|infty|hat|tilde|bar|boldsymbol|mathbf|ldots|dots|quad)\b"
    )
    # TeX subscripts written as plain text ("w_t", "v_{t,1}", "λ_SAM").
    subscript = re.compile(
        r"(?<![\w/.\-])[A-Za-zΑ-Ωα-ωλ‖]+_(?:\{[^}\s]{1,12}\}|[A-Za-z0-9+]{1,6})"
        r"(?![\w/.(])"
    )
    for text in _article_text_nodes(page):
        for pattern, what in ((tex, "raw TeX"), (subscript, "TeX subscript")):
            match = pattern.search(text)
            if match:
                start = max(0, match.start() - 30)
                excerpt = text[start : start + 90]
                problems.append(f"{what} in the text: {excerpt!r}")
    alts = page.evaluate(
        "() => Array.from(document.querySelectorAll('article img[alt]'))"
        ".map(img => img.alt)"
    )
    for alt in alts:
        if tex.search(alt) or subscript.search(alt):
            problems.append(f"TeX in an image's alternative text: {alt[:90]!r}")
    return problems


def check_raw_tables(page) -> list[str]:
    """No markdown table printed as pipe text."""
    import re

    row = re.compile(r"\|[^|\n]*\|[^|\n]*\||\|\s*:?[-—–]{3,}:?\s*\|")
    problems = []
    for text in _article_text_nodes(page):
        match = row.search(text)
        if match:
            problems.append(f"raw markdown table: {text.strip()[:100]!r}")
    return problems


CLIPPING_JS = """
() => {
  const problems = [];
  const selectors = 'mjx-container, article img, .animation, article table, '
    + 'article figure, .cell_output';
  const describe = el => {
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList && el.classList.length
      ? '.' + Array.from(el.classList).slice(0, 2).join('.') : '';
    let text = (el.getAttribute && (el.getAttribute('alt') || '')) || '';
    if (!text && el.textContent) text = el.textContent.trim();
    return el.tagName.toLowerCase() + id + cls + ' '
      + JSON.stringify(text.slice(0, 50));
  };
  for (const el of document.querySelectorAll(selectors)) {
    const rects = el.getClientRects();
    if (!rects.length) continue;
    let box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    let left = box.left, right = box.right;
    for (let a = el.parentElement; a && a !== document.documentElement;
         a = a.parentElement) {
      const style = getComputedStyle(a);
      const ox = style.overflowX;
      if (ox === 'visible') continue;
      const r = a.getBoundingClientRect();
      const innerLeft = r.left + a.clientLeft;
      const innerRight = innerLeft + a.clientWidth;
      const scrollable = (ox === 'auto' || ox === 'scroll')
        && a.scrollWidth > a.clientWidth + 1;
      if (innerLeft - left > 1.5 && a.scrollLeft <= 0) {
        problems.push(describe(el) + ': ' + Math.round(innerLeft - left)
          + ' px cut off on the left by ' + describe(a));
        break;
      }
      if (right - innerRight > 1.5 && !scrollable) {
        problems.push(describe(el) + ': ' + Math.round(right - innerRight)
          + ' px cut off on the right by ' + describe(a) + ' (no scrollbar)');
        break;
      }
      left = Math.max(left, innerLeft);
      right = Math.min(right, innerRight);
    }
  }
  const doc = document.documentElement;
  if (doc.scrollWidth > innerWidth + 1) {
    const unclipped = el => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return false;
      }
      return true;
    };
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter(el => el.getBoundingClientRect().right > innerWidth + 1
                    && getComputedStyle(el).position !== 'fixed' && unclipped(el))
      .slice(0, 3).map(describe);
    problems.push('the page pans sideways by ' + (doc.scrollWidth - innerWidth)
      + ' px; widest: ' + wide.join('; '));
  }
  return problems;
}
"""


def check_clipping(page) -> list[str]:
    """Nothing cut off without a way to scroll; the page never pans sideways."""
    return page.evaluate(CLIPPING_JS)


def check_figure_text(page) -> list[str]:
    """Figures drawn large enough that their text is >= 9 CSS px (the book's rule)."""
    rule = phone_figures()
    text_px = rule.book_style_text_px()
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                'article .cell_output img, article figure img, .animation img'))
            .filter(img => img.naturalWidth > 0 && img.getClientRects().length)
            .map(img => [img.alt.slice(0, 60) || img.src.slice(-40),
                         img.getBoundingClientRect().width, img.naturalWidth])"""
    )
    problems = []
    for name, rendered, natural in sizes:
        px = rendered / natural * text_px
        if px < rule.MIN_TEXT_PX - 0.05:
            problems.append(
                f"figure text {px:.1f} px < {rule.MIN_TEXT_PX:g} px: {name!r} drawn "
                f"{rendered:.0f} px wide, natural {natural} px"
            )
    return problems


def check_forbidden_text(page) -> list[str]:
    """No development notes or placeholder addresses in the text a reader sees."""
    import re

    text = page.evaluate("() => document.body.innerText")
    problems = []
    for word in FORBIDDEN_TEXT:
        flags = 0 if word.isupper() else re.IGNORECASE
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags):
            start = max(0, match.start() - 40)
            snippet = " ".join(text[start : match.end() + 40].split())
            problems.append(f"{word!r} in the text: {snippet!r}")
    return problems


def _sidebar_state(page, selector: str) -> dict:
    return page.evaluate(
        """(sel) => {
            const el = document.querySelector(sel);
            if (!el) return {present: false};
            const r = el.getBoundingClientRect();
            const cs = getComputedStyle(el);
            const links = Array.from(el.querySelectorAll('a[href]'))
                .filter(a => a.getClientRects().length).length;
            return {present: true, links,
                    shown: cs.visibility === 'visible' && cs.display !== 'none'
                           && r.width > 50 && r.right > 10 && r.left < innerWidth - 10};
        }""",
        selector,
    )


def _close_sidebars(page) -> None:
    """Tap the dimmed page beside an open sidebar, as a reader closes it."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    for overlay, x in (
        ("label.overlay-primary", width - 8),
        ("label.overlay-secondary", 8),
    ):
        locator = page.locator(overlay)
        if locator.count() and locator.first.is_visible():
            page.mouse.click(x, height // 2)
    page.wait_for_timeout(400)


def check_sidebars(page, viewport: str) -> list[str]:
    """The sidebar toggles open the chapter list and the page's contents."""
    problems = []
    page.evaluate("() => scrollTo({top: 0, behavior: 'instant'})")
    menus = {
        "primary": (".primary-toggle", ".bd-sidebar-primary", "chapter list"),
        "secondary": (".secondary-toggle", ".bd-sidebar-secondary", "on this page"),
    }
    for kind, (toggle_sel, sidebar_sel, what) in menus.items():
        state = _sidebar_state(page, sidebar_sel)
        if not state["present"]:
            if kind == "primary":
                problems.append("no primary sidebar (chapter list) on the page")
            continue
        toggles = page.locator(f"{toggle_sel}:visible")
        if state["shown"]:  # wide screen: the menu is open, the toggle hides it
            if state["links"] == 0:
                problems.append(f"the {what} is shown but has no links")
            if toggles.count():
                toggles.first.click()
                page.wait_for_timeout(400)
                if _sidebar_state(page, sidebar_sel)["shown"]:
                    problems.append(f"the {kind} toggle does not hide the {what}")
                toggles.first.click()
                page.wait_for_timeout(400)
                if not _sidebar_state(page, sidebar_sel)["shown"]:
                    problems.append(f"the {kind} toggle does not show the {what} again")
            continue
        if not toggles.count():
            problems.append(f"the {what} is hidden and no visible toggle opens it")
            continue
        toggles.first.click()
        page.wait_for_timeout(500)
        opened = _sidebar_state(page, sidebar_sel)
        if not opened["shown"]:
            problems.append(f"clicking the {kind} toggle does not open the {what}")
        elif opened["links"] == 0:
            problems.append(f"the {what} opens empty")
        _close_sidebars(page)
        if _sidebar_state(page, sidebar_sel)["shown"]:
            problems.append(f"the {what} does not close again ({viewport})")
    return problems


def axe_source() -> str:
    """axe-core, the pinned copy shipped by ``axe-playwright-python``."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def check_axe(page) -> list[str]:
    """axe-core: no critical or serious accessibility violation."""
    page.add_script_tag(content=axe_source())
    results = page.evaluate(
        """async () => {
            // axe's stylesheet preload re-requests @import-ed stylesheets from a
            // wrong base address (a 404 that is axe's, not the site's); it only
            // serves css-orientation-lock, and no page locks its orientation.
            const r = await axe.run(document, {resultTypes: ['violations'],
                preload: false, rules: {'css-orientation-lock': {enabled: false}}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 4),
                count: v.nodes.length}));
        }"""
    )
    return [
        f"axe {v['impact']} {v['id']} ({v['help']}) on {v['count']} node(s): "
        + "; ".join(v["nodes"])
        for v in results
        if v["impact"] in AXE_IMPACTS
    ]


def check_requests(report: PageReport) -> list[str]:
    """Every same-origin request answered, no JavaScript error, nothing external."""
    return (
        [f"failed request: {r}" for r in report.bad_responses]
        + [f"JavaScript error: {e}" for e in report.js_errors]
        + [
            f"request outside the site (the book must read offline): {u}"
            for u in report.external
        ]
    )


def check_images(page) -> list[str]:
    """Every image decoded and, in the article, with alternative text."""
    broken = page.evaluate(
        """() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0))
            .map(img => (img.currentSrc || img.src || '').slice(-60))"""
    )
    no_alt = page.evaluate(
        """() => Array.from(document.querySelectorAll('main img'))
            .filter(img => !(img.getAttribute('alt') || '').trim())
            .map(img => (img.currentSrc || img.src || img.id || '').slice(-60))"""
    )
    return [f"image did not decode: {b}" for b in broken] + [
        f"image without alt text: {n}" for n in no_alt
    ]


def check_players(page) -> list[str]:
    """Every animation player steps, without a kernel, frames loaded on demand."""
    problems = []
    players = page.locator("div.animation")
    for k in range(players.count()):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        image = player.locator("img")
        slider = player.locator("input[type=range]")
        label = slider.get_attribute("aria-label") or ""
        if not label.strip():
            problems.append(f"player {k}: its frame slider has no accessible name")
        before = image.get_attribute("src")
        player.locator("button[onclick*='next_frame']").click()
        try:
            page.wait_for_function(
                "([img, before]) => img.getAttribute('src') !== before",
                arg=[image.element_handle(), before],
                timeout=15_000,
            )
        except Exception:
            problems.append(f"player {k} does not step (its frames never load)")
    return problems


def check_solution_bars(page) -> list[str]:
    """Tapping the middle of a solution's bar opens it, not the exercise it names.

    Run on a freshly loaded page (dropdowns still closed).
    """
    problems = []
    bars = page.locator("div.solution.dropdown > p.admonition-title")
    for k in range(min(bars.count(), 3)):
        bar = bars.nth(k)
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        before = page.evaluate("() => location.href")
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        after = page.evaluate("() => location.href")
        opened = bar.evaluate(
            "bar => !bar.parentElement.classList.contains('toggle-hidden')"
        )
        if after != before:
            problems.append(f"solution bar {k}: tapping its middle jumps to {after}")
        elif not opened:
            problems.append(f"solution bar {k}: tapping its middle does not open it")
    return problems


PAGE_CHECKS = {
    "math": check_math,
    "raw tables": check_raw_tables,
    "clipping": check_clipping,
    "figure text": check_figure_text,
    "forbidden text": check_forbidden_text,
    "images": check_images,
    "axe": check_axe,
}
