"""Explorers: a figure described once, driven live by sliders and swept into an
animation for the static book (ipywidgets imported lazily).

A chapter describes an explorer by two functions and its controls:

* ``draw(fig)`` draws what never changes (axes, contours, legends, limits) on an
  empty figure and returns the artists that move, in any container;
* ``update(artists, **params)`` moves them to one setting of the parameters (one
  keyword per control) and may return a short status line; it raises
  ``ValueError`` for a setting it cannot draw.

:meth:`Explorer.widget` is the live version (sliders, the picture and a message line;
it needs a kernel), and :meth:`Explorer.sweep` its static companion: a JavaScript
animation, drawn by the same ``draw`` and ``update`` on a figure of its own, of one
parameter running over given values while the others keep their initial values (or
values given for the sweep). Both redraw only what ``update`` changed
(:mod:`samlib.rendering`). Invalid settings (a step size beyond the stable range, a
diverging run) show the error's message under the controls instead of a traceback,
and the last valid picture stays on screen.

Examples
--------
>>> import numpy as np
>>> from samlib import Quadratic, run_gd
>>> quad = Quadratic([1.0])
>>> def draw(fig):
...     ax = fig.subplots()
...     ax.set(xlim=(0, 20), ylim=(-1.1, 1.1), xlabel="step t", ylabel="w_t")
...     (line,) = ax.plot([], [])
...     return line
>>> def update(line, eta):
...     if not eta < 2:
...         raise ValueError(f"GD diverges on ½w² for η ≥ 2, got η = {eta}")
...     path = run_gd(quad.grad, [1.0], eta, 20)
...     line.set_data(np.arange(21), path[:, 0])
...     return f"|w_20| = {abs(path[-1, 0]):.2g}"
>>> explorer = Explorer(draw, update, {"eta": Control(0.5, 0.1, 2.5, 0.1, label="η")},
...                     figsize=(4, 3))
>>> explorer.message
'|w_20| = 9.5e-07'
>>> explorer.update(eta=2.5)
'Cannot draw these settings: GD diverges on ½w² for η ≥ 2, got η = 2.5'
>>> sweep = explorer.sweep("eta", [0.5, 1.0, 1.5], dpi=50)  # the static companion
>>> sweep.data.count("data:image/png")
3

In a notebook, ``explorer.widget()`` (in a cell tagged ``remove-output``) shows the
live version and ``explorer.sweep(...)`` (in the next cell) the static one.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from samlib.rendering import (
    PartialRenderer,
    animation_html,
    freeze_layout,
    render_frames,
)

__all__ = ["Control", "Explorer", "slider_grid", "slider_index"]

#: The errors that an update raises for settings it cannot draw: they are shown as
#: a message (a DivergenceError is a ValueError).
SETTING_ERRORS = (ValueError, ArithmeticError)


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
    """A figure described once, with the controls that drive it live or in a sweep.

    Parameters
    ----------
    draw : callable
        ``draw(fig)`` draws the fixed parts on an empty ``matplotlib.figure.Figure``
        and returns the artists that ``update`` moves.
    update : callable
        ``update(artists, **params)`` changes the artists in place for the
        parameters (one keyword per control, plus those fixed for a sweep); it may
        return a short status string (shown under the figure) and may raise
        ``ValueError`` for settings it cannot draw.
    controls : dict of str to Control
        The sliders, keyed by ``update``'s keyword names.
    figsize, dpi, layout
        The figure's size in inches, resolution and layout engine
        (``"constrained"``, ``"tight"`` or None), as for ``matplotlib.figure.Figure``.

    Notes
    -----
    :meth:`update` and :meth:`render` work without ipywidgets (tests and benchmarks
    call them headless); :meth:`widget` builds the interactive version. The figure is
    laid out once, at the controls' initial values, and never shown by pyplot.

    ``Explorer(fig, update, controls)`` with an existing figure and
    ``update(**params)`` is the older form, which cannot :meth:`sweep`; it is kept
    while the chapters move to ``draw``/``update``.
    """

    def __init__(
        self,
        draw,
        update: Callable[..., str | None],
        controls: dict,
        *,
        figsize=None,
        dpi=None,
        layout=None,
    ):
        from matplotlib.figure import Figure

        self.controls = dict(controls)
        self.params = {name: c.value for name, c in self.controls.items()}
        self.message = ""
        self.ok = True
        self._blitter = None
        if isinstance(draw, Figure):  # the older form: a figure and update(**params)
            self.fig, self._draw, self._move = draw, None, update
        else:
            if not callable(draw) or not callable(update):
                raise TypeError(
                    "Explorer(draw, update, controls): draw(fig) and "
                    "update(artists, **params) must be callables"
                )
            self._draw, self._update = draw, update
            self._options = {"figsize": figsize, "dpi": dpi, "layout": layout}
            self.fig, self._move = self._build(**self._options)
        self.update()
        freeze_layout(self.fig)

    def _build(self, draw_options=None, **options):
        """A new figure drawn by ``draw``, and the function moving its artists."""
        from matplotlib.figure import Figure

        fig = Figure(**options)
        artists = self._draw(fig, **(draw_options or {}))
        update = self._update
        return fig, lambda **params: update(artists, **params)

    def render(self) -> bytes:
        """The figure as PNG bytes, as the live widget shows it.

        Only the artists that the last update changed are redrawn, over a cached
        picture of the rest (see :class:`samlib.rendering.PartialRenderer`).
        """
        if self._blitter is None:
            self._blitter = PartialRenderer(self.fig)
        return self._blitter.png()

    def update(self, **changes) -> str:
        """Redraw with ``changes`` applied; returns the status or error message."""
        params = {**self.params, **changes}
        try:
            status = self._move(**params) or ""
        except SETTING_ERRORS as err:
            self.ok = False
            self.message = f"Cannot draw these settings: {err}"
        else:
            self.ok = True
            self.params = params
            self.message = status
        return self.message

    def sweep(
        self,
        name: str,
        values,
        *,
        figsize=None,
        dpi=None,
        interval: int = 400,
        default_mode: str = "loop",
        alt: str | None = None,
        draw_options: dict | None = None,
        **fixed,
    ):
        """The static companion: an animation of ``name`` running over ``values``.

        A new figure is drawn by the explorer's own ``draw`` and each frame by its
        ``update``, with the other parameters at the controls' initial values or at
        the values given in ``fixed``. The figure is laid out at the initial values,
        as the live one, so a frame is the picture :meth:`render` shows for the same
        parameters (at the same ``figsize`` and ``dpi``).

        Parameters
        ----------
        name : str
            The parameter that moves.
        values : iterable
            Its value at each frame.
        figsize, dpi : optional
            The animation's size and resolution; default the explorer's.
        interval : int
            Milliseconds between frames.
        default_mode : {"loop", "once", "reflect"}
            How the player repeats.
        alt : str, optional
            The animation's text for screen readers.
        draw_options : dict, optional
            Keyword arguments for ``draw`` (``draw(fig, **draw_options)``), for a
            lighter companion: fewer contour levels, a legend left out, a closer
            view. The live figure is drawn by ``draw(fig)``.
        **fixed
            Values of other parameters for the whole sweep (e.g. fewer steps).

        Returns
        -------
        IPython.display.HTML
            The animation (matplotlib's JavaScript player), which plays without a
            kernel.

        Raises
        ------
        ValueError
            If a frame's setting cannot be drawn; the message names the frame.
        """
        if self._draw is None:
            raise TypeError(
                "an Explorer built on an existing figure cannot sweep: build it as "
                "Explorer(draw, update, controls), so that the sweep draws its own "
                "figure"
            )
        values = list(values)
        if not values:
            raise ValueError(f"the sweep of {name} needs at least one value")
        options = {
            **self._options,
            "figsize": figsize or self._options["figsize"],
            "dpi": dpi or self._options["dpi"],
        }
        fig, move = self._build(draw_options, **options)
        base = {**{n: c.value for n, c in self.controls.items()}, **fixed}

        def frame(value, **params):
            try:
                move(**{**base, **params, name: value})
            except SETTING_ERRORS as err:
                raise ValueError(
                    f"the sweep cannot draw the frame {name} = {value!r}: {err}"
                ) from err

        frame(base.get(name, values[0]))  # the layout of the live figure
        freeze_layout(fig)
        pngs = render_frames(fig, frame, values)
        return animation_html(
            pngs, interval=interval, default_mode=default_mode, alt=alt
        )

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
