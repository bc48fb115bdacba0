"""How samlib renders figures for explorers and their static animations.

* :class:`PartialRenderer`: PNG pictures of a figure that redraw only the artists an
  update changed, over a cached background (what a live explorer shows).
* :func:`freeze_layout`: lay a figure out once, so that redraws skip the layout.
* :func:`render_frames` and :func:`animation_html`: the frames of a sweep and
  matplotlib's JavaScript player around them; :func:`jshtml_sweep` does both.

Everything here that goes beyond matplotlib's public API is in the section "private
matplotlib API" below: the player's HTML and JavaScript templates
(``matplotlib._animation_data``), and the order in which ``Axes.draw`` draws an
axes' children, which :class:`PartialRenderer` replays. Both were verified on
matplotlib :data:`MATPLOTLIB_VERIFIED`, the version ``requirements.txt`` pins;
``tests/test_rendering.py`` fails when the installed matplotlib is another one, so
that a new pin is verified again before it is trusted (the partial redraws are
compared pixel by pixel with full draws there).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = [
    "MATPLOTLIB_VERIFIED",
    "PartialRenderer",
    "animation_html",
    "encode_png",
    "freeze_layout",
    "jshtml_sweep",
    "render_frames",
]

# ------------------------------------------------------------- private matplotlib API

#: The matplotlib release on which the private API below was verified.
MATPLOTLIB_VERIFIED = "3.11.2"


def _player_templates() -> tuple[str, str, str]:
    """matplotlib's ``to_jshtml`` player: ``(JS_INCLUDE, STYLE_INCLUDE,
    DISPLAY_TEMPLATE)`` of the private module ``matplotlib._animation_data``."""
    import matplotlib

    try:
        from matplotlib._animation_data import (
            DISPLAY_TEMPLATE,
            JS_INCLUDE,
            STYLE_INCLUDE,
        )
    except ImportError as err:
        raise RuntimeError(
            "samlib.rendering builds its animations from matplotlib's private module "
            "matplotlib._animation_data, verified on matplotlib "
            f"{MATPLOTLIB_VERIFIED}; the installed matplotlib {matplotlib.__version__} "
            "does not have it. Install the version of requirements.txt."
        ) from err
    return JS_INCLUDE, STYLE_INCLUDE, DISPLAY_TEMPLATE


def _axes_axes(ax) -> list:
    """The axis objects of ``ax`` (x, y and, in 3-D, z)."""
    return [
        getattr(ax, name) for name in ("xaxis", "yaxis", "zaxis") if hasattr(ax, name)
    ]


def _draw_order(ax) -> list:
    """The children of ``ax`` in the order ``Axes.draw`` draws them.

    A replay of ``Axes.draw`` (matplotlib 3.11): every child but the background
    patch, without the spines when the frame is off and without the axes when the
    axis is off, sorted by ``zorder`` (a stable sort, so ties keep their order).
    """
    children = [c for c in ax.get_children() if c is not ax.patch]
    if not (ax.axison and ax.get_frame_on()):
        children = [c for c in children if c not in ax.spines.values()]
    if not ax.axison:
        children = [c for c in children if c not in _axes_axes(ax)]
    return sorted(children, key=lambda c: c.zorder)


# ----------------------------------------------------------------------------- frames


def encode_png(rgba: np.ndarray, *, opaque: bool = True) -> bytes:
    """A PNG file of the pixels ``rgba`` (``(height, width, 4)``, 8 bits each).

    The rows are stored unfiltered and deflated at level 1: on the flat colours of a
    figure this is about four times as fast as Pillow's adaptive filters, and as
    small. ``opaque`` drops the alpha channel.
    """
    pixels = rgba[..., :3] if opaque else rgba
    height, width, channels = pixels.shape
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # filter 0
    rows[:, 1:] = pixels.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


def render_frames(fig, update, frames) -> list[bytes]:
    """PNG pictures of ``fig`` after ``update(value)``, for each value of ``frames``.

    The figure is laid out once, at the first frame (unless it already was, see
    :func:`freeze_layout`), and each later frame redraws only the artists ``update``
    changed (:class:`PartialRenderer`), as a live explorer does.
    """
    renderer = PartialRenderer(fig)
    pngs = []
    for k, value in enumerate(frames):
        update(value)
        if k == 0:
            freeze_layout(fig)
        pngs.append(renderer.png())
    return pngs


def animation_html(pngs, *, interval: int = 400, default_mode="loop", alt=None):
    """matplotlib's JavaScript animation player (``to_jshtml``) around PNG frames.

    ``alt`` is the animation's alternative text for screen readers (a default names
    the number of frames). Returns an ``IPython.display.HTML`` object.
    """
    import base64
    import html as html_lib
    import uuid

    from IPython.display import HTML

    js_include, style_include, display_template = _player_templates()
    fill_frames = "\n" + "".join(
        f'  frames[{i}] = "data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}"\n'
        for i, png in enumerate(pngs)
    )
    modes = {
        f"{mode}_checked": "checked" if mode == default_mode else ""
        for mode in ("once", "loop", "reflect")
    }
    html = (
        js_include
        + style_include
        + display_template.format(
            id=uuid.uuid4().hex,
            Nframes=len(pngs),
            fill_frames=fill_frames,
            interval=int(interval),
            **modes,
        )
    )
    alt = alt or (
        f"Animation in {len(pngs)} frames of the figure as its parameter changes; "
        "the buttons below it step, play and pause."
    )
    html = html.replace(
        '<img id="_anim_img', f'<img alt="{html_lib.escape(alt)}" id="_anim_img', 1
    )
    return HTML(html)


def jshtml_sweep(
    fig, update, frames, *, interval: int = 400, default_mode="loop", alt=None
):
    """A JavaScript animation of ``fig`` as ``update(frame)`` runs over ``frames``.

    The static companion of a live explorer: it moves in the online book, where no
    Python kernel runs. ``update`` changes the figure's artists for one frame value;
    the frames are drawn by :func:`render_frames` and played by
    :func:`animation_html` (``interval`` in ms, ``default_mode`` one of ``"once"``,
    ``"loop"``, ``"reflect"``, ``alt`` the text for screen readers). ``fig`` is
    closed so that it is not shown twice. :meth:`samlib.widgets.Explorer.sweep`
    builds one from an explorer's own description.
    """
    import matplotlib.pyplot as plt

    pngs = render_frames(fig, update, list(frames))
    plt.close(fig)
    return animation_html(pngs, interval=interval, default_mode=default_mode, alt=alt)


def freeze_layout(fig) -> None:
    """Lay ``fig`` out once; later redraws keep that layout.

    A constrained or tight layout is recomputed at every redraw and costs about half
    of it; an explorer's (or an animation's) axes do not move, so it is computed once.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
        return  # nothing to lay out, or laid out already
    fig.draw_without_rendering()
    try:
        fig.set_layout_engine("none")
    except RuntimeError:  # a colorbar ties the figure to its layout engine
        pass


class PartialRenderer:
    """PNG pictures of a figure that redraw only what changed since the last one.

    An update marks the artists it touched as stale (``set_data``, ``set_offsets``,
    ``set_text``). Within each axes, those artists and everything matplotlib draws
    after them (higher ``zorder``: a legend, a title) are the *redrawn* artists; the
    rest of the figure is drawn once into a cached background. While the axes limits,
    scales, tick locators and the set of artists stay the same, a render restores the
    background and draws only the redrawn artists, in matplotlib's own order, so the
    picture is the one a full draw gives (for every explorer in the book, pixel for
    pixel; at worst one level in 255 on the antialiased corners where spines meet).
    An axes whose limits (or scale, locators, label) changed is redrawn whole, over a
    blank copy of its area, and the others are left alone. Anything else (the first
    picture, a new or removed artist, a change outside every axes, axes whose tick
    labels reach into each other) draws the whole figure.
    """

    def __init__(self, fig):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.background = None
        self.redrawn: list = []  # artists left out of the background, in draw order
        self.key = None
        self.separate = False
        self.blank = None  # the figure without its axes
        self.boxes: list = []  # each axes' area, tick labels included, in pixels
        self.redraws = 0  # full draws so far
        self.axes_redraws = 0  # single axes redrawn after a change of their limits

    @staticmethod
    def _leaves(artist) -> list:
        """The leaf artists under ``artist``; an axis counts as one leaf.

        Not descending into an axis saves its tick locator a run at every render: its
        ticks are drawn from what :meth:`_key` records (limits, scale, locators,
        formatters, label), which setting the same limits again does not change.
        """
        from matplotlib.axis import Axis

        stack, leaves = [artist], []
        while stack:
            a = stack.pop()
            children = [] if isinstance(a, Axis) else a.get_children()
            if children:
                stack.extend(children)
            else:
                leaves.append(a)
        return leaves

    @staticmethod
    def _axes_key(ax) -> tuple:
        """What an axes' ticks are drawn from: limits, scales, locators, labels."""
        ticks = [
            (
                axis.get_scale(),
                axis.label.get_text(),
                id(axis.get_major_locator()),
                id(axis.get_major_formatter()),
                id(axis.get_minor_locator()),
                id(axis.get_minor_formatter()),
            )
            for axis in _axes_axes(ax)
        ]
        return (ax.get_xlim(), ax.get_ylim(), *ticks)

    def _key(self, leaves) -> tuple:
        """The set of artists, and each axes' key."""
        return frozenset(leaves), tuple(self._axes_key(ax) for ax in self.fig.axes)

    def _state(self):
        """The leaves that changed, the child of an axes owning each, and the key."""
        from matplotlib.axis import Axis

        owner = {
            leaf: child
            for ax in self.fig.axes
            for child in _draw_order(ax)
            for leaf in self._leaves(child)
        }
        leaves = self._leaves(self.fig)
        # setting limits marks an axis stale even when the values stay the same
        changed = {a for a in leaves if a.stale and not isinstance(a, Axis)}
        return changed, owner, self._key(leaves)

    def _to_redraw(self, firsts: set) -> list:
        """Per axes, the first of its children in ``firsts`` and all drawn after it."""
        redraw = []
        for ax in self.fig.axes:
            order = _draw_order(ax)
            starts = [i for i, child in enumerate(order) if child in firsts]
            if starts:
                redraw += order[min(starts) :]
        return redraw

    def _full_draw(self, redrawn: list) -> None:
        for artist in self.redrawn:
            artist.set_animated(False)
        self.redrawn = redrawn
        for artist in self.redrawn:
            artist.set_animated(True)
        if self.blank is None:
            self.blank = self._draw_blank()
        self.canvas.draw()
        self.redraws += 1
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.boxes = [self._box(ax) for ax in self.fig.axes]
        self.separate = self._are_separate(self.boxes)

    def _draw_blank(self):
        """The figure drawn without its axes: what lies under each of them."""
        visible = [ax.get_visible() for ax in self.fig.axes]
        for ax in self.fig.axes:
            ax.set_visible(False)
        self.canvas.draw()
        blank = self.canvas.copy_from_bbox(self.fig.bbox)
        for ax, shown in zip(self.fig.axes, visible, strict=True):
            ax.set_visible(shown)
        return blank

    def _box(self, ax) -> tuple:
        """The pixels ``ax`` covers, tick labels and title included, padded by 2."""
        width, height = self.canvas.get_width_height()
        if len(self.fig.axes) == 1:  # nothing else to keep apart from: all of it
            return (0, 0, width, height)
        box = ax.get_tightbbox(self.canvas.get_renderer())
        return (
            max(0, int(box.x0) - 2),
            max(0, int(box.y0) - 2),
            min(width, int(box.x1) + 3),
            min(height, int(box.y1) + 3),
        )

    @staticmethod
    def _are_separate(boxes) -> bool:
        """Whether no axes (with its tick labels) reaches into another one.

        Redrawing one axes is exact only if nothing of another axes lies under it;
        a cramped figure gets full draws instead.
        """
        return not any(
            a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
        )

    def _redraw_axes(self, changed_axes: list) -> bool:
        """Redraw whole axes (their new limits) over blank copies of their areas.

        Returns False, having drawn nothing that lasts, if an axes now reaches into
        another one; the caller then draws the whole figure.
        """
        renderer = self.canvas.get_renderer()
        height = self.canvas.get_width_height()[1]
        for ax in changed_axes:
            k = self.fig.axes.index(ax)
            x0, y0, x1, y1 = self.boxes[k]
            self.canvas.restore_region(
                self.blank, bbox=(x0, height - y1, x1, height - y0), xy=(0, 0)
            )
            ax.draw(renderer)  # without its animated (redrawn) artists
            self.axes_redraws += 1
            self.boxes[k] = self._box(ax)
        if not self._are_separate(self.boxes):
            return False
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        return True

    def png(self) -> bytes:
        """The figure as PNG bytes, redrawing only what changed since the last call."""
        changed, owner, key = self._state()
        figure_level = any(leaf not in owner for leaf in changed)
        redraw = self._to_redraw({owner[leaf] for leaf in changed if leaf in owner})
        if figure_level or (self.background is not None and not self.separate):
            self._full_draw([])
        elif self.background is not None and key[0] == self.key[0]:
            if not set(redraw) <= set(self.redrawn):
                self._full_draw(self._to_redraw(set(self.redrawn) | set(redraw)))
            self.canvas.restore_region(self.background)
            moved = [
                ax
                for ax, old, new in zip(self.fig.axes, self.key[1], key[1], strict=True)
                if old != new
            ]
            if moved and not self._redraw_axes(moved):
                self._full_draw(self.redrawn)
        else:
            self._full_draw(redraw if self.background is not None else [])
        for artist in self.redrawn:
            self.fig.draw_artist(artist)
        self.key = key
        opaque = self.fig.get_facecolor()[3] == 1  # then a quarter less to encode
        return encode_png(np.asarray(self.canvas.buffer_rgba()), opaque=opaque)
