"""The built book, opened page by page in headless Chromium.

Needs the built HTML (`make book`), Playwright's Python package and a Chromium binary
(Debian's `chromium`; `.ci/run` installs both). Without them the tests skip, unless
``SAMBOOK_REQUIRE_BROWSER=1`` (set by `.ci/run`) turns a missing prerequisite into a
failure. Screenshots at desktop and phone widths go to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
REQUIRED = os.environ.get("SAMBOOK_REQUIRE_BROWSER") == "1"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = pytest.mark.acceptance


def _missing(reason: str):
    if REQUIRED:
        pytest.fail(f"browser test prerequisite missing: {reason}")
    pytest.skip(reason)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _pages() -> list[str]:
    """The book's pages, in table-of-contents order, as paths below _build/html."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    return [f"{Path(f).with_suffix('').as_posix()}.html" for f in files]


def _is_chapter(page: str) -> bool:
    """Chapter pages are the executable notebooks; they must show figures."""
    source = (ROOT / page).with_suffix(".ipynb")
    return source.exists()


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        _missing("the book is not built (run `make book` first)")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(HTML)
    )
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    executable = _chromium()
    if executable is None:
        _missing("no chromium binary on PATH")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class PageReport:
    """What one page load did: responses, JavaScript errors, blocked requests."""

    def __init__(self, origin: str):
        self.origin = origin
        self.bad_responses: list[str] = []
        self.js_errors: list[str] = []
        self.blocked: list[str] = []

    def route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:"):
            route.continue_()
        else:  # the test machine has no internet: block external requests
            self.blocked.append(url)
            route.abort()

    def response(self, response):
        if response.url.startswith(self.origin) and response.status != 200:
            self.bad_responses.append(f"{response.status} {response.url}")

    def page_error(self, error):
        self.js_errors.append(str(error))

    def console(self, message):
        text = message.text
        external = "net::ERR_FAILED" in text or "ERR_BLOCKED" in text
        if message.type == "error" and not external:
            self.js_errors.append(text)


def _open(browser, server, page_path, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    report = PageReport(server)
    page.route("**/*", report.route)
    page.on("response", report.response)
    page.on("pageerror", report.page_error)
    page.on("console", report.console)
    page.goto(f"{server}/{page_path}", wait_until="load")
    page.wait_for_timeout(300)
    return context, page, report


def _images_without_alt(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main img'))
            .filter(img => !(img.getAttribute('alt') || '').trim())
            .map(img => (img.currentSrc || img.src || img.id || '').slice(0, 80))"""
    )


def _image_problems(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0
                             && img.naturalHeight > 0))
            .map(img => (img.currentSrc || img.src || '').slice(0, 80))"""
    )


PAGES = _pages()


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_cleanly(browser, server, page_path):
    context, page, report = _open(browser, server, page_path, "desktop")
    try:
        assert not report.bad_responses, report.bad_responses
        assert not report.js_errors, report.js_errors
        broken = _image_problems(page)
        assert not broken, f"images that did not decode: {broken}"
        no_alt = _images_without_alt(page)
        assert not no_alt, f"images without alt text: {no_alt}"
        if _is_chapter(page_path):
            figures = page.locator("main img").count()
            assert figures >= 1, f"{page_path} shows no figure"
        for viewport in VIEWPORTS:
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = Path(page_path).with_suffix("").name
            if viewport != "desktop":
                page.set_viewport_size(
                    dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True))
                )
                page.wait_for_timeout(200)
            path = SHOTS / f"{name}-{viewport}.png"
            page.screenshot(path=str(path), full_page=False)
            assert path.stat().st_size > 0
    finally:
        context.close()


@pytest.mark.parametrize("page_path", [p for p in PAGES if _is_chapter(p)])
def test_static_companions_play(browser, server, page_path):
    """Every JavaScript animation on a chapter page moves when stepped."""
    context, page, _ = _open(browser, server, page_path, "desktop")
    try:
        animations = page.locator("div.animation")
        count = animations.count()
        assert count >= 1, f"{page_path} has no static companion animation"
        for k in range(count):
            animation = animations.nth(k)
            image = animation.locator("img")
            before = image.get_attribute("src")
            animation.locator("button[onclick*='next_frame']").click()
            page.wait_for_timeout(100)
            after = image.get_attribute("src")
            assert after and after != before, f"animation {k} on {page_path} is frozen"
    finally:
        context.close()


def test_no_live_widget_controls_in_static_pages():
    """No ipywidgets output may sit dead in the static HTML."""
    if not (HTML / "index.html").exists():
        _missing("the book is not built (run `make book` first)")
    dead = [
        page
        for page in PAGES
        if "application/vnd.jupyter.widget-view+json"
        in (HTML / page).read_text(encoding="utf-8")
    ]
    assert not dead, f"pages with widget views that cannot run statically: {dead}"


LAUNCH_LINK = re.compile(
    r'href="(?P<url>https://(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github)'
    r'/[^"]+)"'
)


@pytest.mark.parametrize("page_path", [p for p in PAGES if _is_chapter(p)])
def test_launch_links_point_at_files_in_the_repository(page_path):
    """Binder and Colab buttons open this chapter's notebook in this repository."""
    if not (HTML / "index.html").exists():
        _missing("the book is not built (run `make book` first)")
    repository = os.environ.get("BOOK_REPOSITORY_URL", "")
    if not repository:
        _missing("BOOK_REPOSITORY_URL is not set, so the build has no launch buttons")
    owner_repo = repository.removeprefix("https://github.com/").strip("/")
    links = [m["url"] for m in LAUNCH_LINK.finditer((HTML / page_path).read_text())]
    binder = [u for u in links if "mybinder.org" in u]
    colab = [u for u in links if "colab.research.google.com" in u]
    assert binder and colab, f"{page_path}: launch buttons missing ({links})"
    for url in binder:
        prefix = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/"
        assert url.startswith(prefix), url
        assert (ROOT / url.removeprefix(prefix)).is_file(), url
    for url in colab:
        prefix = f"https://colab.research.google.com/github/{owner_repo}/blob/main/"
        assert url.startswith(prefix), url
        assert (ROOT / url.removeprefix(prefix)).is_file(), url
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert "-e ." in (ROOT / "requirements.txt").read_text().splitlines()  # on Binder
