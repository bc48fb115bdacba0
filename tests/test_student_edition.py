"""The student edition of the book has no solution anywhere a student can reach.

``python assignments/build.py --student-edition`` builds the book from a copy whose
``{solution}`` directives are removed, without the page for instructors. The test
builds it and scans **every file** of the built site (pages, ``_sources`` downloads,
executed notebooks, the search index, scripts) for

* a distinctive run of words from the prose of every ``{solution}`` of the book, and
  every distinctive line of code in a solution;
* words that only solutions use, in the search index (after Sphinx's stemming);
* the page for instructors: its file, links to it, and sentences from it.

The needles come from the book's sources, so every new exercise is covered, and each
solution must yield at least one needle. The unit tests at the end check the source
transformations on small inputs.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from _helpers import load_module

ROOT = Path(__file__).resolve().parents[1]


build = load_module("assignments_build", ROOT / "assignments" / "build.py")
_OPEN = re.compile(r"^\s*(`{3,}|:{3,})\s*\{solution\}")
BINARY = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".eot"}


# ------------------------------------------------------------------ the needles


def _pages() -> dict[str, str]:
    """The markdown of every page of the book (notebooks: markdown cells)."""
    pages = {}
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        pages[path.name] = "\n\n".join(
            c.source for c in nb.cells if c.cell_type == "markdown"
        )
    for path in sorted((ROOT / "book").glob("*.md")):
        pages[path.name] = path.read_text(encoding="utf8")
    return pages


def solution_bodies(markdown: str) -> list[str]:
    """The bodies of the ``{solution}`` directives of ``markdown``."""
    bodies, body, fence = [], None, None
    for line in markdown.splitlines():
        if body is not None:
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                bodies.append("\n".join(body))
                body = None
            else:
                body.append(line)
            continue
        match = _OPEN.match(line)
        if match:
            body, fence = [], match[1]
    return bodies


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _prose_and_code(body: str) -> tuple[list[str], list[str]]:
    """Prose lines (no math, no markup) and code lines of a solution body."""
    prose, code, in_code, in_math = [], [], False, False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if stripped.startswith("$$"):
            in_math = not in_math if stripped == "$$" else in_math
            continue
        if in_code:
            code.append(stripped)
        elif not in_math and not stripped.startswith(":"):
            prose.append(re.sub(r"\$[^$]*\$|\{[^}]*\}`[^`]*`|`[^`]*`", " | ", line))
    return prose, code


def _rest_of_book() -> str:
    """Everything a student edition may show: the sources without solutions."""
    texts = [build.strip_solutions(text) for text in _pages().values()]
    for path in (ROOT / "book").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        texts += [c.source for c in nb.cells if c.cell_type == "code"]
        texts += [json.dumps(c.metadata) for c in nb.cells]
    texts.append((ROOT / "book" / "references.bib").read_text(encoding="utf8"))
    return " " + " ".join(words(" ".join(texts))) + " "


def needles() -> dict[str, list[str]]:
    """For each solution (``page#n``), runs of words found nowhere else in the book."""
    rest = _rest_of_book()
    out = {}
    for page, text in _pages().items():
        for n, body in enumerate(solution_bodies(text)):
            prose, code = _prose_and_code(body)
            found = []
            for segment in " ".join(prose).split(" | "):
                tokens = words(segment)
                for start in range(0, max(len(tokens) - 7, 0), 4):
                    window = " ".join(tokens[start : start + 8])
                    if f" {window} " not in rest:
                        found.append(window)
                        break
            for line in code:
                tokens = words(line)
                if len(tokens) >= 4 and f" {' '.join(tokens)} " not in rest:
                    found.append(" ".join(tokens))
            if not found:  # a solution in formulas only: runs of its words and symbols
                tokens = words(body)
                for start in range(0, max(len(tokens) - 9, 0), 5):
                    window = " ".join(tokens[start : start + 10])
                    if f" {window} " not in rest:
                        found.append(window)
                        break
            out[f"{page}#{n + 1}"] = found
    return out


def instructors_needles() -> list[str]:
    """Distinctive runs of words of the page for instructors."""
    text = (ROOT / "book" / "instructors.md").read_text(encoding="utf8")
    rest = _rest_of_book()
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        if paragraph.lstrip().startswith(("```", "|", "#")):
            continue
        tokens = words(re.sub(r"`[^`]*`|\$[^$]*\$", " ", paragraph))
        if len(tokens) >= 10:
            window = " ".join(tokens[2:10])
            if f" {window} " not in rest:
                found.append(window)
    return found


# ------------------------------------------------------------------ the scan


_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)


def _unescape(match: re.Match) -> str:
    """Undo one escape of a JS/JSON string: ``\\u00e9`` is é, ``\\n`` a newline."""
    code = match[1]
    if len(code) == 5:
        return chr(int(code[1:], 16))
    return {"n": "\n", "t": "\t", "r": "\r"}.get(code, code)


def site_texts(site: Path) -> dict[str, str]:
    """The text of every file of the built site, as words joined by spaces."""
    out = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix.lower() in BINARY:
            continue
        raw = path.read_bytes().decode("utf8", errors="replace")
        if path.suffix == ".ipynb":
            try:
                nb = json.loads(raw)
                raw = "\n".join("".join(c.get("source", "")) for c in nb["cells"])
            except (ValueError, KeyError, TypeError):
                pass
        raw = html.unescape(re.sub(r"<[^>]+>", " ", raw))
        if path.suffix in (".js", ".json"):  # strings with \n, \u00e9 escapes
            raw = _JS_ESCAPE.sub(_unescape, raw)
        out[str(path.relative_to(site))] = " " + " ".join(words(raw)) + " "
    return out


def search_terms(site: Path) -> set[str]:
    text = (site / "searchindex.js").read_text(encoding="utf8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return set(index["terms"])


def leaks(site: Path) -> list[str]:
    """Every place where the site at ``site`` shows a solution or instructors' text."""
    found = []
    texts = site_texts(site)
    for solution, runs in needles().items():
        for run in runs:
            for file, text in texts.items():
                if f" {run} " in text:
                    found.append(f"{file}: solution {solution}: {run!r}")
    for run in instructors_needles():
        for file, text in texts.items():
            if f" {run} " in text:
                found.append(f"{file}: the page for instructors: {run!r}")
    for path in site.rglob("*instructors*"):
        found.append(f"{path.relative_to(site)}: the page for instructors")
    for file, text in texts.items():
        if " instructors html " in text or " for instructors " in text:
            found.append(f"{file}: a link to the page for instructors")
    found += [f"searchindex.js: {term}" for term in solution_only_stems(site)]
    return found


def _solution_words(site: Path) -> set[str]:
    """Stemmed words of the solutions that no page of the site shows."""
    from sphinx.search.en import SearchEnglish

    stem = SearchEnglish({}).stem
    visible = set()
    for file, text in site_texts(site).items():
        if file.endswith(".html"):
            visible |= {stem(w) for w in text.split()}
    in_solutions = {
        stem(w)
        for text in _pages().values()
        for body in solution_bodies(text)
        for w in words(body)
        if len(w) > 3 and not w.isdigit()
    }
    return in_solutions - visible


def solution_only_stems(site: Path) -> set[str]:
    """Stems in the site's search index that only solutions could have put there."""
    return _solution_words(site) & search_terms(site)


# ------------------------------------------------------------------ tests


def test_every_solution_has_a_needle():
    found = needles()
    assert len(found) >= 30, f"only {len(found)} solutions found in the book"
    empty = [solution for solution, runs in found.items() if not runs]
    assert not empty, f"no distinctive text found for the solutions {empty}"
    assert instructors_needles(), "no distinctive text found in book/instructors.md"


@pytest.fixture(scope="module")
def student_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-edition")
    return build.build_student_edition(ROOT, out=out, extra_args=["-q"])


@pytest.mark.acceptance
def test_student_edition_shows_no_solution_anywhere(student_site):
    assert (student_site / "index.html").is_file()
    assert list(student_site.glob("_sources/book/*.ipynb")), "no downloadable notebooks"
    found = leaks(student_site)
    assert not found, "\n".join(found[:40])


@pytest.mark.acceptance
def test_student_edition_keeps_the_exercises(student_site):
    pages = _pages()
    for page, text in pages.items():
        labels = re.findall(r":label: (ex-[\w-]+)", text)
        html_page = student_site / "book" / f"{Path(page).stem}.html"
        for label in labels:
            assert f'id="{label}"' in html_page.read_text(encoding="utf8"), (
                f"{page}: the exercise {label} is missing"
            )
    assert solution_only_stems(student_site) == set()
    in_solutions = {
        w for t in pages.values() for b in solution_bodies(t) for w in words(b)
    }
    assert len(in_solutions) > 200  # the index check above had words to look for


@pytest.mark.acceptance
def test_the_scan_finds_a_solution_put_back(student_site, tmp_path):
    """The checks above can fail: a copy of the site with one solution's text in a
    downloadable notebook, and a solution-only word in the search index, is caught."""
    site = tmp_path / "site"
    shutil.copytree(student_site, site)
    solution, runs = next(iter(needles().items()))
    download = next(site.glob("_sources/book/*.ipynb"))
    nb = json.loads(download.read_text(encoding="utf8"))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": runs[0]})
    download.write_text(json.dumps(nb), encoding="utf8")
    index_file = site / "searchindex.js"
    text = index_file.read_text(encoding="utf8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    word = sorted(_solution_words(site) - set(index["terms"]))[0]
    index["terms"][word] = 0
    index_file.write_text(f"Search.setIndex({json.dumps(index)})", encoding="utf8")
    found = leaks(site)
    assert any(f"solution {solution}" in f and "_sources" in f for f in found), found
    assert f"searchindex.js: {word}" in found, found


@pytest.mark.acceptance
def test_student_edition_has_no_launch_buttons(student_site):
    for page in student_site.glob("book/*.html"):
        text = page.read_text(encoding="utf8")
        assert "colab.research.google.com" not in text, page.name
        assert "mybinder.org" not in text, page.name


# ------------------------------------------------------------------ the transforms


def test_strip_solutions_removes_every_fence_style():
    text = (
        "before\n\n"
        "````{solution} ex-a\n:class: dropdown\n\nSECRET-A\n\n"
        "```python\ncode_a()\n```\n"
        "````\n\nbetween\n\n"
        ":::{solution} ex-b\nSECRET-B\n:::\n\n"
        "```{exercise}\n:label: ex-c\nKEEP\n```\n\n"
        "```{solution} ex-c\nSECRET-C\n```\nafter\n"
    )
    out = build.strip_solutions(text)
    for kept in ("before", "between", "KEEP", "after", "{exercise}"):
        assert kept in out
    for secret in ("SECRET", "code_a", "{solution}"):
        assert secret not in out, out


def test_strip_instructor_mentions():
    text = (
        "## Who\n\n* **Readers** who read.\n* **Instructors**, who can set the\n"
        "  assignments described in {doc}`instructors`.\n* **Students**.\n\n"
        "Another paragraph.\n"
    )
    out = build.strip_instructor_mentions(text)
    assert "Readers" in out and "Students" in out and "Another" in out
    assert "instructors" not in out.lower().replace("**instructors**", "")
    assert "Instructors" not in out
