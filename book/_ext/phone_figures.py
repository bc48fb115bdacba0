"""Figures stay readable on a phone: they scroll sideways rather than shrink away.

The rule: **a figure's text is drawn at no less than 9 CSS px**. The book's figures
use the style of :func:`samlib.plotting.use_book_style`, whose smallest text (the
legends, 10 pt) is ``10 × dpi / 72`` px tall in the PNG at the style's dpi (100), so
a figure may be scaled down to ``9 / (10 × 100 / 72) ≈ 0.65`` of its natural width
and no further. When a page is written, every PNG figure gets that minimum width;
the theme's ``max-width: 100%`` still fits it to wide columns, and on a phone a
figure wider than the column scrolls inside its output box (``sam-book.css``)
instead of shrinking its text to 4–8 px. The browser test applies the same rule.

Figures also get their natural ``width`` and ``height`` (no layout shift) and
``loading="lazy"``: a chapter's first load fetches the figures near the top, the
others as the reader scrolls towards them.

Text set smaller than the style in a notebook (``fontsize=7``) is not covered by
this rule: the style's sizes are the book's convention for figures.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

MIN_TEXT_PX = 9.0
IMG = re.compile(r"<img (?P<attrs>[^>]*)>")
SRC = re.compile(r'\bsrc="(?P<src>[^"]+)"')


@cache
def book_style_text_px() -> float:
    """Height in px of the smallest text of the book style, at the style's dpi."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    from samlib.plotting import use_book_style

    with mpl.rc_context():
        use_book_style()
        keys = [
            "font.size",
            "axes.labelsize",
            "axes.titlesize",
            "legend.fontsize",
            "xtick.labelsize",
            "ytick.labelsize",
        ]
        points = [FontProperties(size=mpl.rcParams[key]).get_size() for key in keys]
        dpi = float(mpl.rcParams["figure.dpi"])
    return min(points) * dpi / 72


def min_scale() -> float:
    """The smallest rendered/natural width ratio that keeps the text ≥ 9 px."""
    return MIN_TEXT_PX / book_style_text_px()


def min_rendered_width(natural_width: int) -> int:
    """The smallest width, in CSS px, at which a figure may be drawn."""
    return min(natural_width, math.ceil(natural_width * min_scale()))


def _png_size(path: Path) -> tuple[int, int] | None:
    from lazy_animations import png_size

    try:
        with path.open("rb") as file:
            return png_size(file.read(24))
    except (OSError, ValueError):
        return None


def _page(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or "<img" not in body:
        return
    sizes = {}
    for source, name in app.builder.images.items():
        if name.lower().endswith(".png"):
            size = _png_size(Path(app.srcdir) / source)
            if size:
                sizes[name] = size

    def with_min_width(match):
        attrs = match["attrs"]
        src = SRC.search(attrs)
        if not src or "min-width" in attrs or "/_images/" not in f"/{src['src']}":
            return match[0]
        size = sizes.get(src["src"].rsplit("/", 1)[-1])
        if not size:
            return match[0]
        width, height = size
        style = f"min-width: {min_rendered_width(width)}px"
        if 'style="' in attrs:
            attrs = attrs.replace('style="', f'style="{style}; ', 1)
        else:
            attrs = f'{attrs.rstrip("/ ")} style="{style}"'
        if "width=" not in attrs and "height=" not in attrs:
            attrs += f' width="{width}" height="{height}"'
        if "loading=" not in attrs:
            attrs += ' loading="lazy" decoding="async"'
        return f"<img {attrs}>"

    context["body"] = IMG.sub(with_min_width, body)


def setup(app):
    app.connect("html-page-context", _page, priority=450)
    # env_version: a change to what this extension writes rebuilds every page
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
