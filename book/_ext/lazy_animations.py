"""Animation players that load their frames when the reader reaches them.

Each chapter's static companion is a matplotlib ``to_jshtml`` player
(:func:`samlib.plotting.jshtml_sweep`): its frames are base64 PNGs written into the
page, which made them 56–80 % of a chapter's first load. When a page is written,
this extension moves each player's frames into ``_static/animations/<hash>.js`` (and
its first frame into ``<hash>.png``, shown lazily as the poster) and lets
``_static/sam-animations.js`` load that script when the player comes near the
viewport, or as soon as a control is used. The players queue themselves in
``window.samLazyAnimations`` as they are parsed, so that the loader can be deferred.
The player keeps working without a kernel and from ``file://`` (a ``<script>``
element, not ``fetch``).

It also fixes what the player's template gets wrong on the book's pages: its Font
Awesome 4 stylesheet from a CDN is dropped (the theme's own Font Awesome draws the
buttons' ``fa`` icons), the frame slider gets an accessible name, and the frame is
wrapped in a box that scrolls sideways rather than being clipped on a phone.

A page whose player no longer matches matplotlib's template stops the build, so a
change of matplotlib cannot silently put the frames back into the first load.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import struct
from pathlib import Path

from sphinx.errors import ExtensionError

LOADER = "sam-animations.js"
FOLDER = "animations"  # below _static

CDN_STYLESHEET = re.compile(r"<link[^>]*font-awesome[^>]*>\s*", re.IGNORECASE)
PLAYER_IMG = re.compile(r'<img (?P<attrs>[^>]*?)id="_anim_img(?P<id>\w+)"\s*>')
SLIDER = re.compile(r'<input id="_anim_slider(?P<id>\w+)"')
FRAMES = re.compile(
    r"var frames = new Array\((?P<n>\d+)\);\s*"
    r'(?P<fill>(?:frames\[\d+\] = "data:image/png;base64,[A-Za-z0-9+/=]*"\s*)+)'
)
FRAME = re.compile(r'frames\[(\d+)\] = "(data:image/png;base64,[A-Za-z0-9+/=]*)"')
START = re.compile(
    r"setTimeout\(function\(\) \{\s*(?P<name>anim\w+) = new Animation\(frames, "
    r"img_id, slider_id, (?P<interval>\d+),\s*loop_select_id\);\s*\}, 0\);"
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def _externalise(body: str, write, url) -> tuple[str, int]:
    """``body`` with every player's frames moved out; returns (body, players)."""
    players = body.count('id="_anim_img')
    if not players:
        return body, 0
    body = CDN_STYLESHEET.sub("", body)
    frame_blocks = list(FRAMES.finditer(body))
    starts = list(START.finditer(body))
    images = list(PLAYER_IMG.finditer(body))
    if not (len(frame_blocks) == len(starts) == len(images) == players):
        raise ExtensionError(
            "an animation player does not match matplotlib's to_jshtml template "
            f"({players} players, {len(frame_blocks)} frame lists, {len(starts)} "
            f"starts, {len(images)} images): update book/_ext/lazy_animations.py"
        )
    posters = {}
    for block, start in zip(frame_blocks, starts, strict=True):
        frames = [uri for _, uri in sorted(FRAME.findall(block["fill"]), key=_index)]
        if len(frames) != int(block["n"]):
            raise ExtensionError("an animation player lists fewer frames than it has")
        text = ",\n".join(f'"{uri}"' for uri in frames)
        key = hashlib.sha256(text.encode()).hexdigest()[:20]
        poster = base64.b64decode(frames[0].split(",", 1)[1])
        write(f"{key}.js", f'samAnimationFrames("{key}", [\n{text}\n]);\n'.encode())
        write(f"{key}.png", poster)
        posters[start["name"].removeprefix("anim")] = (key, png_size(poster))
    body = FRAMES.sub(lambda m: f"var frames = null; /* {m['n']} frames */", body)

    def lazy_start(match):
        key = posters[match["name"].removeprefix("anim")][0]
        return (
            "(window.samLazyAnimations = window.samLazyAnimations || []).push(["
            f'"{match["name"]}", img_id, "{key}", "{url(key + ".js")}", '
            "function (frames) {\n"
            f"      return new Animation(frames, img_id, slider_id, "
            f"{match['interval']}, loop_select_id);\n    }}]);"
        )

    body = START.sub(lazy_start, body)

    def poster_img(match):
        key, (width, height) = posters[match["id"]]
        alt = re.search(r'alt="([^"]*)"', match["attrs"])
        alt_text = alt[1] if alt else "Animation frame"
        return (
            f'<div class="sam-anim-frame"><img alt="{alt_text}" '
            f'id="_anim_img{match["id"]}" src="{url(key + ".png")}" '
            f'width="{width}" height="{height}" loading="lazy" '
            f'style="min-width: {min_width(width)}px"></div>'
        )

    body = PLAYER_IMG.sub(poster_img, body)
    body = SLIDER.sub(
        lambda m: (
            f'<input aria-label="{html.escape(SLIDER_LABEL)}" '
            f'id="_anim_slider{m["id"]}"'
        ),
        body,
    )
    return body, players


SLIDER_LABEL = "Animation frame"


def min_width(width: int) -> int:
    """The smallest width a figure ``width`` px wide may be drawn at (phones)."""
    from phone_figures import min_rendered_width

    return min_rendered_width(width)


def _index(item):
    return int(item[0])


def _page(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or "_anim_img" not in body:
        return
    target = Path(app.outdir) / "_static" / FOLDER
    target.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: bytes):
        path = target / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)

    def url(name: str) -> str:
        return context["pathto"](f"_static/{FOLDER}/{name}", 1)

    context["body"], players = _externalise(body, write, url)
    if players:
        app.add_js_file(LOADER)


def setup(app):
    app.connect("html-page-context", _page, priority=400)
    # env_version: a change to what this extension writes rebuilds every page
    return {"env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}
