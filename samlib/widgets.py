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
        """Lay the figure out once; later redraws keep that layout.

        A constrained or tight layout is recomputed at every redraw and costs about
        half of it; the explorer's axes do not move, so it is computed only here.
        """
        if self.fig.get_layout_engine() is None:
            return
        self.fig.draw_without_rendering()
        try:
            self.fig.set_layout_engine("none")
        except RuntimeError:  # a colorbar ties the figure to its layout engine
            pass

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
    scales, tick texts and the set of artists stay the same, a render restores the
    background and draws only the redrawn artists, in matplotlib's own order, so the
    picture is the one a full draw gives (for every explorer in the book, pixel for
    pixel; at worst one level in 255 on the antialiased corners where spines meet).
    Anything else (the first picture, a zoom, a change outside every axes, axes whose
    tick labels reach into each other) draws the whole figure.
    """

    def __init__(self, fig):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.background = None
        self.redrawn: list = []  # artists left out of the background, in draw order
        self.key = None
        self.separate = False
        self.redraws = 0  # full draws so far

    @staticmethod
    def _draw_order(ax) -> list:
        """The children of ``ax`` in the order ``Axes.draw`` draws them."""
        children = [c for c in ax.get_children() if c is not ax.patch]
        if not (ax.axison and ax.get_frame_on()):
            children = [c for c in children if c not in ax.spines.values()]
        if not ax.axison:
            children = [c for c in children if c not in ax._axis_map.values()]
        return sorted(children, key=lambda c: c.zorder)

    def _axis_parts(self) -> set:
        return {
            a
            for ax in self.fig.axes
            for x in ax._axis_map.values()
            for a in x.findobj()
        }

    def _key(self, leaves, axis_parts) -> tuple:
        """What the background depends on besides the changed artists."""
        return (
            frozenset(leaves),
            tuple(
                (ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale())
                for ax in self.fig.axes
            ),
            tuple(sorted(t.get_text() for t in axis_parts if hasattr(t, "get_text"))),
        )

    def _state(self):
        """The leaves that changed, the child of an axes owning each, and the key."""
        owner = {
            leaf: child
            for ax in self.fig.axes
            for child in self._draw_order(ax)
            for leaf in child.findobj()
        }
        axis_parts = self._axis_parts()
        leaves = [a for a in self.fig.findobj() if not a.get_children()]
        # setting limits marks every tick stale even when the values stay the same;
        # the ticks are drawn from what the key records instead
        changed = {a for a in leaves if a.stale and a not in axis_parts}
        return changed, owner, self._key(leaves, axis_parts)

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
        self.canvas.draw()
        self.redraws += 1
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.separate = self._axes_are_separate()

    def _axes_are_separate(self) -> bool:
        """Whether no axes (with its tick labels) reaches into another one.

        Redrawing one axes' artists is exact only if nothing of another axes lies
        under them; a cramped figure gets full draws instead.
        """
        renderer = self.canvas.get_renderer()
        boxes = [ax.get_tightbbox(renderer) for ax in self.fig.axes]
        return not any(
            a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
        )

    def png(self) -> bytes:
        from PIL import Image

        changed, owner, key = self._state()
        before = self.redraws
        redraw = self._to_redraw(changed, owner)
        if redraw is None or (self.background is not None and not self.separate):
            self._full_draw([])
        elif self.background is not None and key == self.key:
            if not set(redraw) <= set(self.redrawn):
                kept = set(self.redrawn) | set(redraw)
                self._full_draw(self._to_redraw(kept, {a: a for a in kept}))
            self.canvas.restore_region(self.background)
        else:
            self._full_draw(redraw if self.background is not None else [])
        for artist in self.redrawn:
            self.fig.draw_artist(artist)
        if self.redraws != before:  # a full draw sets the tick texts: key them now
            leaves = [a for a in self.fig.findobj() if not a.get_children()]
            key = self._key(leaves, self._axis_parts())
        self.key = key
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()
