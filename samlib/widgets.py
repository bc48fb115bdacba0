"""Live explorers: ipywidgets controls backed by samlib (ipywidgets imported lazily).

An :class:`Explorer` couples a matplotlib figure with an ``update(**params)`` function
that redraws it. Invalid parameter values (a step size beyond the stable range, a
diverging run) show the ``ValueError``'s message under the controls instead of a
traceback, and the last valid picture stays on screen.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from samlib.plotting import PartialRenderer, freeze_layout

__all__ = ["Control", "Explorer", "slider_grid", "slider_index"]


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


def slider_grid(controls: dict) -> list:
    """Every combination of the sliders' positions, as arrays that broadcast.

    The ``k``-th array holds the positions of the ``k``-th control along axis ``k``
    (``np.meshgrid(..., indexing="ij", sparse=True)``), so passing them as samlib's
    parameters runs every setting the sliders allow in one batched call; the run for
    a setting is then at :func:`slider_index` of the batch (Chapters 2 and 7).
    """
    import numpy as np

    positions = [control.positions() for control in controls.values()]
    return np.meshgrid(*positions, indexing="ij", sparse=True)


def slider_index(controls: dict, **values) -> tuple[int, ...] | None:
    """The index in :func:`slider_grid` of the setting ``values`` (one per control).

    None if a value is not one of its slider's positions (set from code, say).
    """
    index = tuple(control.index(values[name]) for name, control in controls.items())
    return None if None in index else index


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
        freeze_layout(self.fig)

    def render(self) -> bytes:
        """The figure as PNG bytes, as the live widget shows it.

        Only the artists that the last update changed are redrawn, over a cached
        picture of the rest (see :class:`samlib.plotting.PartialRenderer`).
        """
        if self._blitter is None:
            self._blitter = PartialRenderer(self.fig)
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
