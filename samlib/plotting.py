"""Plotting helpers shared by the chapters. Each takes an ``ax`` and returns artists.

Colours come from one colour-blind-safe palette (Okabe & Ito), set once here, with the
paper's convention kept: SAM blue, GD green (Figures 3–5).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PALETTE",
    "contour_grid",
    "jshtml_sweep",
    "plot_ascent",
    "plot_contours",
    "plot_path",
    "use_book_style",
]

#: Okabe–Ito colours, safe for the common forms of colour blindness.
PALETTE = {
    "sam": "#0072B2",  # blue
    "gd": "#009E73",  # bluish green
    "sgd": "#009E73",
    "usam": "#CC79A7",  # reddish purple
    "accent": "#D55E00",  # vermillion
    "theory": "#E69F00",  # orange
    "neutral": "#555555",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
}


def use_book_style() -> None:
    """Set matplotlib defaults for the book: palette, sizes legible at phone width."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(
                color=[
                    PALETTE[k]
                    for k in ("sam", "gd", "accent", "usam", "theory", "sky", "neutral")
                ]
            ),
            "image.cmap": "viridis",
        }
    )


def contour_grid(value, xlim, ylim, n: int = 201):
    """Evaluate a batched loss on an ``n × n`` grid; returns ``(X, Y, Z)``."""
    x = np.linspace(*xlim, n)
    y = np.linspace(*ylim, n)
    X, Y = np.meshgrid(x, y)
    Z = np.asarray(value(np.stack([X, Y], axis=-1)))
    return X, Y, Z


def plot_contours(
    ax, value, xlim, ylim, *, levels=15, n: int = 201, filled=False, **kwargs
):
    """Contours of a batched loss ``value`` over ``xlim × ylim`` on ``ax``."""
    X, Y, Z = contour_grid(value, xlim, ylim, n)
    kwargs.setdefault("cmap", "Greys_r" if filled else "Greys")
    draw = ax.contourf if filled else ax.contour
    artist = draw(X, Y, Z, levels=levels, **kwargs)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    return artist


def plot_path(
    ax,
    path,
    *,
    color=None,
    label=None,
    marker="o",
    markersize=3,
    linewidth=1.0,
    **kwargs,
):
    """Draw a 2-D trajectory ``(T, 2)`` as joined markers; returns the ``Line2D``."""
    path = np.asarray(path)
    (line,) = ax.plot(
        path[:, 0],
        path[:, 1],
        marker=marker,
        markersize=markersize,
        linewidth=linewidth,
        color=color,
        label=label,
        **kwargs,
    )
    return line


def plot_ascent(ax, w, grad, rho, *, color=None, show_ball=True):
    """Draw SAM's perturbation: the ball ``‖ε‖ ≤ ρ`` around w and the arrow to
    ``w + ρ∇ℓ(w)/‖∇ℓ(w)‖`` (eq. 2). Returns ``(arrow, ball)``."""
    from matplotlib.patches import Circle

    from samlib.steps import sam_ascent_point

    color = color or PALETTE["accent"]
    w = np.asarray(w, dtype=float)
    tip = sam_ascent_point(w, grad, rho)
    arrow = ax.annotate(
        "", xy=tip, xytext=w, arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5}
    )
    ball = None
    if show_ball:
        ball = Circle(w, rho, fill=False, linestyle="--", color=color, linewidth=1)
        ax.add_patch(ball)
    return arrow, ball


def jshtml_sweep(
    fig, update, frames, *, interval: int = 400, default_mode="loop", alt=None
):
    """A JavaScript animation of ``fig`` as ``update(frame)`` runs over ``frames``.

    The static companion of a live explorer: it moves in the online book, where no
    Python kernel runs. ``update`` changes the figure's artists for one frame value.
    ``alt`` is the animation's alternative text for screen readers (a default names
    the number of frames). Returns an ``IPython.display.HTML`` object holding the
    animation (matplotlib's ``to_jshtml`` player), and closes ``fig`` so that it is
    not shown twice.

    The figure is laid out once, at the first frame, and each later frame redraws
    only the artists ``update`` changed (as a live explorer does), so a sweep over a
    figure with contours costs a fraction of full redraws.
    """
    import base64
    import html as html_lib
    import uuid

    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib._animation_data import DISPLAY_TEMPLATE, JS_INCLUDE, STYLE_INCLUDE

    from samlib.widgets import _Blitter, freeze_layout

    frames = list(frames)
    blitter = _Blitter(fig)
    pngs = []
    for k, value in enumerate(frames):
        update(value)
        if k == 0:
            freeze_layout(fig)
        pngs.append(base64.b64encode(blitter.png()).decode("ascii"))
    plt.close(fig)
    fill_frames = "\n" + "".join(
        f'  frames[{i}] = "data:image/png;base64,{png}"\n' for i, png in enumerate(pngs)
    )
    modes = {
        f"{mode}_checked": "checked" if mode == default_mode else ""
        for mode in ("once", "loop", "reflect")
    }
    html = (
        JS_INCLUDE
        + STYLE_INCLUDE
        + DISPLAY_TEMPLATE.format(
            id=uuid.uuid4().hex,
            Nframes=len(pngs),
            fill_frames=fill_frames,
            interval=int(interval),
            **modes,
        )
    )
    alt = alt or (
        f"Animation in {len(frames)} frames of the figure as its parameter changes; "
        "the buttons below it step, play and pause."
    )
    html = html.replace(
        '<img id="_anim_img', f'<img alt="{html_lib.escape(alt)}" id="_anim_img', 1
    )
    return HTML(html)
