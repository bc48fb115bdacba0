"""Live explorers: ipywidgets controls backed by samlib (ipywidgets imported lazily).

An :class:`Explorer` couples a matplotlib figure with an ``update(**params)`` function
that redraws it. Invalid parameter values (a step size beyond the stable range, a
diverging run) show the ``ValueError``'s message under the controls instead of a
traceback, and the last valid picture stays on screen.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Control", "Explorer"]


@dataclass(frozen=True)
class Control:
    """A slider: ``value`` in ``[min, max]`` by ``step``, log scale if ``log``."""

    value: float
    min: float
    max: float
    step: float | None = None
    label: str = ""
    log: bool = False
    integer: bool = False

    def positions(self):
        """Every value the slider can send: ``min, min + step, ..., max``.

        A log slider steps its exponent (``10**(log10 min + k step)``); an integer
        slider steps by ``step`` (default 1). An explorer can precompute its runs for
        all of them in one batched call and look each move up (Chapter 7).
        """
        import numpy as np

        if self.integer:
            return np.arange(int(self.min), int(self.max) + 1, int(self.step or 1))
        lo, hi = self.min, self.max
        if self.log:
            lo, hi = np.log10(lo), np.log10(hi)
        step = self.step or (0.05 if self.log else (hi - lo) / 100)
        n = int(np.floor((hi - lo) / step + 1e-9))
        grid = lo + step * np.arange(n + 1)
        return 10.0**grid if self.log else grid

    def index(self, value) -> int | None:
        """The index of ``value`` in :meth:`positions`, or None if it is not one."""
        import numpy as np

        grid = self.positions()
        k = int(np.argmin(np.abs(grid - value)))
        return k if abs(grid[k] - value) <= 1e-9 * max(1.0, abs(value)) else None

    def build(self, name: str):
        import ipywidgets as w

        description = self.label or name
        style = {"description_width": "initial"}
        layout = w.Layout(width="min(100%, 420px)")
        if self.integer:
            return w.IntSlider(
                value=int(self.value),
                min=int(self.min),
                max=int(self.max),
                step=int(self.step or 1),
                description=description,
                style=style,
                layout=layout,
                continuous_update=False,
            )
        if self.log:
            import math

            return w.FloatLogSlider(
                value=self.value,
                base=10,
                min=math.log10(self.min),
                max=math.log10(self.max),
                step=self.step or 0.05,
                description=description,
                style=style,
                layout=layout,
                continuous_update=False,
            )
        return w.FloatSlider(
            value=self.value,
            min=self.min,
            max=self.max,
            step=self.step or (self.max - self.min) / 100,
            description=description,
            style=style,
            layout=layout,
            continuous_update=False,
            readout_format=".3g",
        )


def freeze_layout(fig) -> None:
    """Lay ``fig`` out once; later redraws keep that layout.

    A constrained or tight layout is recomputed at every redraw and costs about half
    of it; an explorer's (or an animation's) axes do not move, so it is computed once.
    """
    if fig.get_layout_engine() is None:
        return
    fig.draw_without_rendering()
    try:
        fig.set_layout_engine("none")
    except RuntimeError:  # a colorbar ties the figure to its layout engine
        pass


class Explorer:
    """A figure, an ``update`` function and the controls that drive it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure that ``update`` redraws.
    update : callable
        ``update(**params)`` changes ``fig`` in place; it may return a short status
        string (shown under the figure) and may raise ``ValueError`` for parameter
        values it cannot handle.
    controls : dict of str to Control
        The sliders, keyed by ``update``'s keyword names.

    Notes
    -----
    :meth:`update` works without ipywidgets (tests and benchmarks call it headless);
    :meth:`widget` builds the interactive version.
    """

    def __init__(self, fig, update: Callable[..., str | None], controls: dict):
        self.fig = fig
        self._update = update
        self.controls = dict(controls)
        self.params = {name: c.value for name, c in self.controls.items()}
        self.message = ""
        self.ok = True
        self._blitter = None
        self.update()
        self._freeze_layout()

    def _freeze_layout(self) -> None:
        freeze_layout(self.fig)

    def render(self) -> bytes:
        """The figure as PNG bytes, as the live widget shows it.

        Only the artists that the last update changed are redrawn, over a cached
        picture of the rest (see :class:`_Blitter`).
        """
        if self._blitter is None:
            self._blitter = _Blitter(self.fig)
        return self._blitter.png()

    def update(self, **changes) -> str:
        """Redraw with ``changes`` applied; returns the status or error message."""
        params = {**self.params, **changes}
        try:
            status = self._update(**params) or ""
        except ValueError as err:
            self.ok = False
            self.message = f"Cannot draw these settings: {err}"
        else:
            self.ok = True
            self.params = params
            self.message = status
        return self.message

    def widget(self):
        """The interactive version: sliders, the figure and a message line."""
        import ipywidgets as w

        image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        note = w.HTML()
        sliders = {name: c.build(name) for name, c in self.controls.items()}

        def show():
            text = html.escape(self.message)
            note.value = (
                f"<b style='color:#D55E00'>{text}</b>"
                if not self.ok
                else f"<span>{text}</span>"
            )
            image.value = self.render()

        def on_change(change):
            self.update(**{name: s.value for name, s in sliders.items()})
            show()

        for slider in sliders.values():
            slider.observe(on_change, names="value")
        show()
        return w.VBox(
            [
                w.HBox(list(sliders.values()), layout=w.Layout(flex_flow="row wrap")),
                note,
                image,
            ]
        )


class _Blitter:
    """Redraw only what changed: a cached background plus the artists above it.

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
    def _draw_order(ax) -> list:
        """The children of ``ax`` in the order ``Axes.draw`` draws them."""
        children = [c for c in ax.get_children() if c is not ax.patch]
        if not (ax.axison and ax.get_frame_on()):
            children = [c for c in children if c not in ax.spines.values()]
        if not ax.axison:
            children = [c for c in children if c not in ax._axis_map.values()]
        return sorted(children, key=lambda c: c.zorder)

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
            for axis in ax._axis_map.values()
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
            for child in self._draw_order(ax)
            for leaf in self._leaves(child)
        }
        leaves = self._leaves(self.fig)
        # setting limits marks an axis stale even when the values stay the same
        changed = {a for a in leaves if a.stale and not isinstance(a, Axis)}
        return changed, owner, self._key(leaves)

    def _to_redraw(self, changed, owner) -> list | None:
        """Per axes, the first child holding a changed leaf and all drawn after it."""
        if any(leaf not in owner for leaf in changed):
            return None  # a figure-level change: draw everything
        firsts = {owner[leaf] for leaf in changed}
        redraw = []
        for ax in self.fig.axes:
            order = self._draw_order(ax)
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
            visible = [ax.get_visible() for ax in self.fig.axes]
            for ax in self.fig.axes:
                ax.set_visible(False)
            self.canvas.draw()
            self.blank = self.canvas.copy_from_bbox(self.fig.bbox)
            for ax, shown in zip(self.fig.axes, visible, strict=True):
                ax.set_visible(shown)
        self.canvas.draw()
        self.redraws += 1
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.boxes = [self._box(ax) for ax in self.fig.axes]
        self.separate = self._are_separate(self.boxes)

    def _box(self, ax) -> tuple:
        """The pixels ``ax`` covers, tick labels and title included, padded by 2."""
        box = ax.get_tightbbox(self.canvas.get_renderer())
        width, height = self.canvas.get_width_height()
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
        from PIL import Image

        changed, owner, key = self._state()
        redraw = self._to_redraw(changed, owner)
        if redraw is None or (self.background is not None and not self.separate):
            self._full_draw([])
        elif self.background is not None and key[0] == self.key[0]:
            if not set(redraw) <= set(self.redrawn):
                kept = set(self.redrawn) | set(redraw)
                self._full_draw(self._to_redraw(kept, {a: a for a in kept}))
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
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        if self.fig.get_facecolor()[3] == 1:  # opaque: a quarter less to encode
            image = image.convert("RGB")
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
