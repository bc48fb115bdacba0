"""Keep the theme's assets to what a reader's browser needs.

* The theme (pydata-sphinx-theme 0.15) draws its icons twice over: its stylesheet
  ships Font Awesome 6 as a web font (``all.min.css``), and it also loads Font
  Awesome's JavaScript (``all.min.js``, 1.5 MB, 0.54 MB gzipped, render-blocking in
  ``<head>``) that swaps the same icons for inline SVGs. The stylesheet alone draws
  every icon, so the script tag is dropped; so are the preloads of the three icon
  fonts, which made every page fetch all three (the browser fetches the fonts a page
  uses).
* The chapter list's expand buttons (``<summary>`` elements holding only an icon) get
  an accessible name, "Sections of <chapter>" (axe: summary-name, serious).
* Reference lists: docutils marks the list ``role="list"`` and each entry
  ``role="doc-biblioentry"``, a role ARIA 1.2 deprecates and axe no longer counts as
  a list item (aria-required-children, critical); entries become ``listitem``.
* No source maps (``*.map``) are shipped, nor ``sourceMappingURL`` comments that
  point at them.

Runs when the build has finished, on every page of the site (idempotent).
"""

from __future__ import annotations

import re
from pathlib import Path

ICON_SCRIPT = re.compile(
    r'\s*<script src="[^"]*/vendor/fontawesome/[^"]*/js/all\.min\.js[^"]*"></script>'
)
FONT_PRELOAD = re.compile(
    r'\s*<link rel="preload" as="font" type="font/woff2" crossorigin '
    r'href="[^"]*/vendor/fontawesome/[^"]*"\s*/?>'
)
NAMED_TOGGLE = re.compile(
    r'(?P<link><a class="reference internal" href="[^"]*">(?P<title>[^<]*)</a>)'
    r"<details><summary>"
)
UNNAMED_TOGGLE = re.compile(r'<summary>(?=<span class="toctree-toggle")')
SOURCE_MAP_COMMENT = re.compile(
    r"\n?(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/)\s*$"
)


def _strip_page(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    stripped = FONT_PRELOAD.sub("", ICON_SCRIPT.sub("", text))
    stripped = NAMED_TOGGLE.sub(
        lambda m: (
            f'{m["link"]}<details><summary aria-label="Sections of '
            f'{m["title"].strip()}">'
        ),
        stripped,
    )
    stripped = UNNAMED_TOGGLE.sub('<summary aria-label="Sections">', stripped)
    stripped = stripped.replace('role="doc-biblioentry"', 'role="listitem"')
    if stripped != text:
        path.write_text(stripped, encoding="utf-8")


def _strip_source_maps(static: Path) -> None:
    for source_map in static.rglob("*.map"):
        source_map.unlink()
    for path in [*static.rglob("*.js"), *static.rglob("*.css")]:
        if path.stat().st_size and b"sourceMappingURL" in path.read_bytes()[-400:]:
            text = path.read_text(encoding="utf-8")
            path.write_text(SOURCE_MAP_COMMENT.sub("", text), encoding="utf-8")


def _finish(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        _strip_page(page)
    _strip_source_maps(outdir / "_static")


def setup(app):
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
