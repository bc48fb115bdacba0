"""Each check of the browser test, seen failing on the defect it guards.

A scratch book (``tests/fixtures/scratch_book``) is built with the book's own
``_config.yml``, extensions and stylesheet: a clean page, a page holding one defect of
each kind (a raw markdown table, formulas broken by a line break and by a missing
brace, a clipped equation, a figure shrunk below the readable size, a placeholder
address and a TODO, an unlabeled slider, an external request and a missing file),
and a page whose sidebar toggles are dead. Each check must report its defect, and
nothing on the clean page; the wide equation and the wide figure that the book's
layout makes scrollable must not be reported.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
from pathlib import Path

import browser_checks as checks
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).with_name("fixtures") / "scratch_book"

pytestmark = pytest.mark.acceptance


def _wide_figure_png() -> bytes:
    """A 1000 px wide figure in the book's style, with text at the style's sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from samlib.plotting import use_book_style

    with matplotlib.rc_context():
        use_book_style()
        fig, ax = plt.subplots(figsize=(10, 3.5))
        ax.plot([0, 1, 2], [0, 1, 0], label="SAM")
        ax.set_xlabel("step $t$")
        ax.legend()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scratch_site(tmp_path_factory):
    """The scratch book, built with the book's configuration, served over HTTP."""
    if shutil.which("jupyter-book") is None:
        checks.missing("jupyter-book is not installed")
    book = tmp_path_factory.mktemp("scratch_book")
    shutil.copytree(FIXTURE, book, dirs_exist_ok=True)
    for part in ("_ext", "_static", "references.bib"):
        source = ROOT / "book" / part
        if source.is_dir():
            shutil.copytree(source, book / "book" / part, ignore=_no_cache)
        else:
            shutil.copy2(source, book / "book" / part)
    png = _wide_figure_png()
    (book / "book" / "wide.png").write_bytes(png)
    defects = book / "book" / "defects.md"
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    defects.write_text(defects.read_text().replace("FIGURE_DATA_URI", uri))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"] = {"execute_notebooks": "off"}
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {**os.environ, "BOOK_REPOSITORY_URL": ""}
    build = subprocess.run(
        ["jupyter-book", "build", str(book), "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    html = book / "_build" / "html"
    assert (html / "book" / "defects.html").exists(), build.stdout[-3000:]
    with checks.Site(html) as site:
        yield site.origin


def _no_cache(directory, names):
    return [name for name in names if name == "__pycache__"]


@pytest.fixture(scope="module")
def browser():
    yield from checks.launch_chromium()


@pytest.fixture
def open_prepared(browser, scratch_site):
    contexts = []

    def open_(page_path, viewport):
        context, page, report = checks.open_page(
            browser, scratch_site, page_path, viewport
        )
        contexts.append(context)
        assert checks.prepare(page) == []
        return page, report

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", list(checks.VIEWPORTS))
def test_clean_page_passes_every_check(open_prepared, viewport):
    page, report = open_prepared("book/intro.html", viewport)
    problems = {name: check(page) for name, check in checks.PAGE_CHECKS.items()}
    problems["sidebars"] = checks.check_sidebars(page, viewport)
    problems["requests"] = checks.check_requests(report)
    assert not any(problems.values()), problems


def test_raw_markdown_table_is_reported(open_prepared):
    page, _ = open_prepared("book/defects.html", "desktop")
    problems = checks.check_raw_tables(page)
    assert any("| λ | point | J |" in p for p in problems), problems


def test_broken_formulas_are_reported(open_prepared):
    page, _ = open_prepared("book/defects.html", "desktop")
    problems = checks.check_math(page)
    assert any(p.startswith("MathJax error") for p in problems), problems
    assert any(p.startswith("raw TeX") and "\\eta" in p for p in problems), problems
    assert any(p.startswith("formula not typeset") for p in problems), problems
    assert any(p.startswith("TeX subscript") and "w_t" in p for p in problems)
    assert any("alternative text" in p and "$w_t$" in p for p in problems), problems


def test_clipped_equation_is_reported_and_a_scrolling_one_is_not(open_prepared):
    page, _ = open_prepared("book/defects.html", "phone")
    problems = checks.check_clipping(page)
    assert any("#clipped-equation" in p for p in problems), problems
    others = [p for p in problems if "#clipped-equation" not in p]
    assert not others, f"reported although it scrolls: {others}"


def test_unreadable_figure_is_reported_and_a_wide_one_is_not(open_prepared):
    page, _ = open_prepared("book/defects.html", "phone")
    problems = checks.check_figure_text(page)
    assert any("too-small figure" in p for p in problems), problems
    assert not any("wide figure" in p for p in problems), problems


def test_placeholder_address_and_note_are_reported(open_prepared):
    page, _ = open_prepared("book/defects.html", "desktop")
    problems = checks.check_forbidden_text(page)
    assert any("example/sam-dynamics-book" in p for p in problems), problems
    assert any("'TODO'" in p for p in problems), problems


def test_unlabeled_slider_is_reported_by_axe(open_prepared):
    page, _ = open_prepared("book/defects.html", "desktop")
    problems = checks.check_axe(page)
    assert any(" label " in p and "input" in p for p in problems), problems


def test_external_request_and_missing_file_are_reported(open_prepared):
    page, report = open_prepared("book/defects.html", "desktop")
    problems = checks.check_requests(report) + checks.check_images(page)
    assert any("cdn.example.org" in p for p in problems), problems
    assert any("404" in p and "missing-figure.png" in p for p in problems), problems


@pytest.mark.parametrize("viewport", list(checks.VIEWPORTS))
def test_dead_sidebar_toggles_are_reported(open_prepared, viewport):
    page, _ = open_prepared("book/dead_toggles.html", viewport)
    problems = checks.check_sidebars(page, viewport)
    assert any("toggle" in p for p in problems), problems
