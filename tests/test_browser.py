"""The built book, opened page by page in headless Chromium, as a reader sees it.

Needs the built HTML (`make book`), Playwright's Python package and axe-core
(`requirements-ci.txt`) and a Chromium binary (Debian's `chromium`; `.ci/run` installs
it). Without them the tests skip, unless ``SAMBOOK_REQUIRE_BROWSER=1`` (set by
`.ci/run`) turns a missing prerequisite into a failure.

Every page of the table of contents is checked at 1280 px and 390 px
(`tests/browser_checks.py` holds the checks): formulas typeset, no raw TeX or
markdown table, nothing clipped without a scrollbar and no sideways pan, figure text
>= 9 CSS px, the sidebar toggles open their menus, a tap on a solution's bar opens it
(phone), no development note or placeholder
address, axe-core without critical or serious violations, no failed or external
request, no JavaScript error, images decoded with alt text, players that step.
A full-page screenshot of every page at both widths goes to ``_build/screenshots/``,
with ``index.html``, a sheet that shows them side by side.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import browser_checks as checks
import pytest

from _helpers import book_pages

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"

pytestmark = pytest.mark.acceptance


def _pages() -> list[str]:
    """The book's pages, in table-of-contents order, as paths below _build/html."""
    return [f"{page}.html" for page in book_pages()]


def _is_chapter(page: str) -> bool:
    """Chapter pages are the executable notebooks; they must show figures."""
    return (ROOT / page).with_suffix(".ipynb").exists()


PAGES = _pages()


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        checks.missing("the book is not built (run `make book` first)")
    with checks.Site(HTML) as site:
        yield site.origin


@pytest.fixture(scope="module")
def browser():
    try:
        checks.axe_source()
    except ImportError:
        checks.missing("axe-core is not installed (axe-playwright-python)")
    yield from checks.launch_chromium()


def _shot_name(page_path: str, viewport: str) -> str:
    return f"{Path(page_path).with_suffix('').name}-{viewport}.png"


def _reader_sees(browser, server, page_path, viewport):
    """Every check of tests/browser_checks.py on one page at one width."""
    context, page, report = checks.open_page(browser, server, page_path, viewport)
    try:
        problems = {}
        if viewport == "phone":
            problems["solution bars"] = checks.check_solution_bars(page)
        problems["loading"] = checks.prepare(page)
        for name, check in checks.PAGE_CHECKS.items():
            problems[name] = check(page)
        if _is_chapter(page_path) and not page.locator("main img").count():
            problems["images"].append("a chapter without a figure")
        problems["sidebars"] = checks.check_sidebars(page, viewport)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => scrollTo({top: 0, behavior: 'instant'})")
        # away from the toggles the sidebar check clicked: no tooltip in the shot
        size = page.viewport_size
        page.mouse.move(size["width"] // 2, size["height"] - 4)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.wait_for_timeout(400)
        shot = SHOTS / _shot_name(page_path, viewport)
        page.screenshot(path=str(shot), full_page=True)
        write_screenshot_sheet()
        problems["requests"] = checks.check_requests(report)
    finally:
        context.close()
    found = {name: p for name, p in problems.items() if p}
    assert not found, f"{page_path} at {viewport} width:\n" + "\n".join(
        f"  [{name}] {line}" for name, lines in found.items() for line in lines
    )


# One class per width, so that pytest-xdist (--dist loadscope) runs the two widths
# on two workers.
class TestDesktop:
    @pytest.mark.parametrize("page_path", PAGES)
    def test_reader_sees_the_page(self, browser, server, page_path):
        _reader_sees(browser, server, page_path, "desktop")


class TestPhone:
    @pytest.mark.parametrize("page_path", PAGES)
    def test_reader_sees_the_page(self, browser, server, page_path):
        _reader_sees(browser, server, page_path, "phone")


@pytest.mark.parametrize("page_path", [p for p in PAGES if _is_chapter(p)])
def test_static_companions_play(browser, server, page_path):
    """Every JavaScript animation on a chapter page moves when stepped."""
    context, page, report = checks.open_page(browser, server, page_path, "phone")
    try:
        count = page.locator("div.animation").count()
        assert count >= 1, f"{page_path} has no static companion animation"
        problems = checks.check_players(page) + checks.check_requests(report)
        assert not problems, problems
    finally:
        context.close()


def write_screenshot_sheet() -> int:
    """``_build/screenshots/index.html``: every page at both widths, side by side."""
    rows = []
    for page_path in PAGES:
        cells = []
        for viewport in checks.VIEWPORTS:
            name = _shot_name(page_path, viewport)
            width = 360 if viewport == "desktop" else 180
            if (SHOTS / name).exists():
                cells.append(
                    f'<td><a href="{name}"><img src="{name}" alt="{html.escape(name)}"'
                    f' style="width:{width}px"></a></td>'
                )
        rows.append(f"<tr><th>{html.escape(page_path)}</th>{''.join(cells)}</tr>")
    sheet = (
        "<!doctype html><meta charset='utf-8'><title>Screenshots</title>"
        "<table style='border-collapse:collapse'><tr><th>page</th><th>1280 px</th>"
        f"<th>390 px</th></tr>{''.join(rows)}</table>"
    )
    (SHOTS / "index.html").write_text(sheet, encoding="utf-8")
    return len(rows)


def test_no_live_widget_controls_in_static_pages():
    """No ipywidgets output may sit dead in the static HTML."""
    if not (HTML / "index.html").exists():
        checks.missing("the book is not built (run `make book` first)")
    dead = [
        page
        for page in PAGES
        if "application/vnd.jupyter.widget-view+json"
        in (HTML / page).read_text(encoding="utf-8")
    ]
    assert not dead, f"pages with widget views that cannot run statically: {dead}"


def test_site_ships_no_source_maps_and_serves_mathjax():
    """No ``*.map`` in the site; MathJax 3 is part of it; no CDN address in a page."""
    if not (HTML / "index.html").exists():
        checks.missing("the book is not built (run `make book` first)")
    maps = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.map"))
    assert not maps, f"source maps shipped: {maps}"
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    cdn = re.compile(r'<(?:script|link)[^>]+(?:src|href)="https?://[^"]+"')
    for page_path in PAGES:
        tags = cdn.findall((HTML / page_path).read_text(encoding="utf-8"))
        assert not tags, f"{page_path} loads from outside the site: {tags}"


LAUNCH_LINK = re.compile(
    r'href="(?P<url>https://(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github)'
    r'/[^"]+)"'
)


@pytest.mark.parametrize("page_path", [p for p in PAGES if _is_chapter(p)])
def test_launch_links_point_at_files_in_the_repository(page_path):
    """Binder and Colab buttons open this chapter's notebook in this repository."""
    if not (HTML / "index.html").exists():
        checks.missing("the book is not built (run `make book` first)")
    repository = os.environ.get("BOOK_REPOSITORY_URL", "")
    if not repository:
        checks.missing(
            "BOOK_REPOSITORY_URL is not set, so the build has no launch buttons"
        )
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
