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
* ``styles/theme.css`` only ``@import``s ``basic.css``: a request that can start only
  after theme.css arrived, one more round trip before the first paint (0.56 s on slow
  4G). basic.css is written into theme.css instead.
* No source maps (``*.map``) are shipped, nor ``sourceMappingURL`` comments that
  point at them.

* Scripts in ``<head>`` load with ``defer``, so that they no longer hold back the
  first paint (all but ``documentation_options.js``, which an inline script of every
  page reads at once). ``defer`` keeps their order, and they run before
  ``DOMContentLoaded``.
* The ipywidgets state that myst-nb writes into every chapter's ``<head>`` (40-100 kB)
  is dropped: the pages load no widget manager (``nb_ipywidgets_js: {}``) and show no
  widget, so nothing reads it.

Sphinx rebuilds nothing when only a static file changed ("no targets are out of
date"), so an edited ``book/_static/sam-book.css`` would not reach the site; a digest
of the static folders is a configuration value, and a new digest rebuilds the pages.

The page-level changes run as each page is written; the others when the build has
finished, on every page of the site (idempotent).
"""

from __future__ import annotations

import hashlib
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


KEEP_BLOCKING = ("documentation_options.js",)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        if attributes.get("type") == WIDGET_STATE:
            continue
        filename = str(getattr(script, "filename", script) or "")
        local = filename.startswith("_static/") and "://" not in filename
        if (
            local
            and not attributes.get("body")
            and not ({"async", "defer"} & set(attributes))
            and not filename.endswith(KEEP_BLOCKING)
        ):
            attributes["defer"] = "defer"
        kept.append(script)
    context["script_files"] = kept


IMPORT_BASIC = re.compile(r'@import\s+(?:url\()?"\.\./basic\.css"\)?;')


def _inline_basic_css(static: Path) -> None:
    theme, basic = static / "styles" / "theme.css", static / "basic.css"
    if not (theme.is_file() and basic.is_file()):
        return
    text = theme.read_text(encoding="utf-8")
    if IMPORT_BASIC.search(text):
        basic_css = basic.read_text(encoding="utf-8")
        theme.write_text(IMPORT_BASIC.sub(lambda m: basic_css, text), encoding="utf-8")


def _finish(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    _inline_basic_css(outdir / "_static")
    for page in outdir.rglob("*.html"):
        _strip_page(page)
    _strip_source_maps(outdir / "_static")


def _static_digest(app, config):
    digest = hashlib.sha256()
    for folder in config.html_static_path:
        root = Path(app.confdir) / folder
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    config.sam_static_digest = digest.hexdigest()


def setup(app):
    app.add_config_value("sam_static_digest", "", "html")
    app.connect("config-inited", _static_digest)
    app.connect("html-page-context", _page, priority=950)
    app.connect("build-finished", _finish)
    # env_version: a change to what this extension writes rebuilds every page
    return {"env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
