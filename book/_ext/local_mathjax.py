"""Serve MathJax 3 from the built site instead of a CDN.

The book's formulas are typeset by MathJax in the reader's browser. A CDN copy would
make the book unreadable offline and its formulas untestable on a machine without
internet, so the build copies a pinned MathJax 3 (the ``django-static-mathjax``
package of ``requirements.txt``, which ships MathJax's own ``es5`` distribution and
nothing else the book uses) into ``_build/html/_static/mathjax`` and points Sphinx's
``mathjax_path`` at it.

Only the parts a page can load are copied: the ``tex-chtml`` component, the TeX
extensions it loads on demand (``autoload``), the CommonHTML fonts, and the
accessibility and menu components that MathJax's context menu loads when a reader
asks for them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

COMPONENT = "tex-chtml.js"
PARTS = [COMPONENT, "input/tex/extensions", "output/chtml", "a11y", "ui", "sre"]
TARGET = "mathjax"  # below _static


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax 3 distribution."""
    try:
        import mathjax  # the django-static-mathjax package
    except ImportError as error:
        raise ExtensionError(
            "MathJax is not installed: run `pip install -r requirements.txt` "
            "(package django-static-mathjax)"
        ) from error
    root = Path(mathjax.__file__).resolve().parent / "static" / "mathjax"
    version = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
    if not version.startswith("3."):
        raise ExtensionError(f"the book needs MathJax 3, found MathJax {version}")
    es5 = root / "es5"
    missing = [part for part in PARTS if not (es5 / part).exists()]
    if missing:
        raise ExtensionError(f"MathJax {version} at {es5} lacks {missing}")
    return es5


def _configure(app, config):
    mathjax_source()  # fail early, before any notebook runs
    config.mathjax_path = f"{TARGET}/{COMPONENT}"


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / TARGET
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def setup(app):
    app.connect("config-inited", _configure, priority=900)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
