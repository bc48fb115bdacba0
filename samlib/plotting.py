"""The book's figure style and drawing helpers. Each helper takes an ``ax`` and
returns the artists it drew.

Colours come from one colour-blind-safe palette (Okabe & Ito), set once here, with the
paper's convention kept: SAM blue, GD green (Figures 3–5). How figures are rendered
for explorers and animations is :mod:`samlib.rendering`'s job.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PALETTE",
    "contour_grid",
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


# ------------------------------------------ Chapters 5 and 6: a valley, methods' paths
# Self-contained helpers of Chapters 5 and 6; each takes an ``ax`` and returns the
# artists it drew, so that an explorer's ``update`` can move them.


def plot_product_valley(ax, xlim, ylim, *, levels=None, n: int = 161):
    """Contours of ``½(xy - 1)²`` with its valley of minima ``xy = 1`` (dashed) and
    the flattest minima ``±(1, 1)`` (star) on ``ax`` (Chapter 5).

    Parameters
    ----------
    ax : matplotlib Axes
    xlim, ylim : (float, float)
        The view; the contours are computed over it.
    levels : array_like, optional
        Contour levels; default ten levels from 0.002 to 2, spaced geometrically.
    n : int
        Grid points per axis of the contours.

    Returns
    -------
    (QuadContourSet, Line2D, Line2D)
        The contours, the valley and the star.
    """
    from samlib.objectives import product_loss

    levels = np.geomspace(2e-3, 2.0, 10) if levels is None else levels
    contours = plot_contours(
        ax,
        product_loss().value,
        xlim,
        ylim,
        levels=levels,
        n=n,
        linewidths=0.6,
        vmin=-1e-2,
        vmax=1.5,
    )
    x = np.geomspace(1e-2, 1e2, 800)
    (valley,) = ax.plot(
        x, 1 / x, "--", color=PALETTE["neutral"], lw=1, label="valley $xy = 1$"
    )
    (star,) = ax.plot(
        [1, -1],
        [1, -1],
        "*",
        color=PALETTE["theory"],
        ms=13,
        mec="k",
        mew=0.6,
        zorder=6,
        label="flattest minimum",
        ls="",
    )
    ax.set(xlabel="$x$", ylabel="$y$", xlim=xlim, ylim=ylim)
    return contours, valley, star


def plot_valley_runs(fig, *, n_steps: int = 1000, sharp_top: float = 17.0):
    """Two panels for GD and SAM on ``½(xy - 1)²`` (Chapter 5): the paths on the
    valley (left, :func:`plot_product_valley` over ``[0.1, 4.2]²``) and the
    sharpness over ``n_steps`` steps (right, up to ``sharp_top``), empty, with a
    constrained layout.

    The legend is a :func:`fixed_legend`; :func:`move_valley_runs` fills the panels.

    Returns
    -------
    (dict, Text)
        ``{"GD": (path line, sharpness line), "SAM": ...}`` and a note at the top
        right of the sharpness panel.
    """
    fig.set_layout_engine("constrained")
    ax_path, ax_sharp = fig.subplots(1, 2, width_ratios=[1.3, 1])
    plot_product_valley(ax_path, (0.1, 4.2), (0.1, 4.2))
    lines = {}
    for name, width in [("GD", 1.5), ("SAM", 0.5)]:
        color = PALETTE[name.lower()]
        (path,) = ax_path.plot([], [], color=color, lw=width, label=name)
        lines[name] = path, ax_sharp.plot([], [], color=color)[0]
    fixed_legend(ax_path, loc="upper right")
    ax_sharp.axhline(2.0, color=PALETTE["neutral"], lw=0.8, ls=":")
    ax_sharp.set(
        xlabel="step $t$",
        ylabel=r"$\lambda_{\max}(\nabla^2\ell)$",
        xlim=(0, n_steps),
        ylim=(0, sharp_top),
    )
    note = ax_sharp.text(0.96, 0.95, "", transform=ax_sharp.transAxes, ha="right")
    return lines, note


def move_valley_runs(artists, runs, note: str = "") -> None:
    """Show :func:`samlib.valley.valley_runs`' ``runs`` on :func:`plot_valley_runs`."""
    lines, text = artists
    for name, (path, sharpness) in runs.items():
        path_line, sharpness_line = lines[name]
        path_line.set_data(path[:, 0], path[:, 1])
        sharpness_line.set_data(np.arange(len(sharpness)), sharpness)
    text.set_text(note)


def plot_relative_errors(ax, curves, *, slope=None, dotted=()):
    """Theorem 21's relative error against ρ on log-log axes (Chapter 5).

    Parameters
    ----------
    ax : matplotlib Axes
    curves : dict of str to Theorem21Errors
        For each label, the errors of :func:`samlib.drift.theorem21_errors`, drawn in
        the next colour of the axes' cycle as ``error/‖drift‖`` (joined circles, or
        dotted squares for the labels in ``dotted``) and, dashed in the same colour,
        as ``bound/‖drift‖`` where a bound was computed.
    slope : float, optional
        Draw the reference line ``slope·ρ`` (grey, "slope 1").
    dotted : collection of str
        Labels drawn dotted.

    Returns
    -------
    list of Line2D
    """
    drawn = []
    for label, errors in curves.items():
        style = "s:" if label in dotted else "o-"
        (line,) = ax.loglog(errors.rho, errors.relative, style, ms=3, label=label)
        drawn.append(line)
        if not np.all(np.isnan(errors.bound)):
            ratio = errors.bound / errors.drift
            drawn += ax.loglog(errors.rho, ratio, "--", color=line.get_color(), lw=1)
    if slope is not None:
        rho = np.concatenate([errors.rho for errors in curves.values()])
        rho = np.array([rho.min(), rho.max()])
        drawn += ax.loglog(
            rho, slope * rho, color="0.6", lw=3, alpha=0.6, zorder=0, label="slope 1"
        )
    return drawn


def plot_paths(ax, value, paths, xlim, ylim, *, levels=12, colors=None, legend=True):
    """Contours of a loss and several methods' paths from one start (Figures 3–5).

    Each path ``(T, 2)`` is drawn as joined markers with its last point circled; the
    start of the first path is starred.

    Parameters
    ----------
    ax : matplotlib Axes
    value : callable
        The batched loss, for the contours.
    paths : dict of str to array_like
        ``{name: path}``; the name labels the path and, unless ``colors`` says
        otherwise, picks its colour ``PALETTE[name.lower()]``.
    xlim, ylim : (float, float)
    levels : int or array_like
        Contour levels.
    colors : dict of str to colour, optional
    legend : bool or str
        Draw a :func:`fixed_legend`, under the paths (at this ``loc`` if a string,
        else upper left).

    Returns
    -------
    dict of str to (Line2D, Line2D), Line2D
        Each path's line and end marker, and the start marker: what
        :func:`move_paths` moves.
    """
    colors = {**{name: PALETTE[name.lower()] for name in paths}, **(colors or {})}
    plot_contours(ax, value, xlim, ylim, levels=levels, linewidths=0.8)
    drawn = {}
    for name, path in paths.items():
        color = colors[name]
        line = plot_path(ax, path, color=color, label=name, linewidth=0.8)
        (end,) = ax.plot([], [], "o", color=color, ms=7, mfc="white", mew=1.5)
        drawn[name] = (line, end)
    (start,) = ax.plot([], [], "k*", ms=9, label="start", ls="")
    move_paths((drawn, start), paths)
    ax.set(xlabel="$w_1$", ylabel="$w_2$")
    if legend:
        fixed_legend(ax, loc=legend if isinstance(legend, str) else "upper left")
    return drawn, start


def move_paths(artists, paths) -> None:
    """Move the artists of :func:`plot_paths` to new paths ``{name: (T, 2)}``.

    Paths whose name was not drawn are left out; the start marker moves to the start
    of the first path.
    """
    drawn, start = artists
    for name, path in paths.items():
        if name not in drawn:
            continue
        path = np.asarray(path)
        line, end = drawn[name]
        line.set_data(path[:, 0], path[:, 1])
        end.set_data(path[-1:, 0], path[-1:, 1])
    first = np.asarray(next(iter(paths.values())))
    start.set_data(first[:1, 0], first[:1, 1])


def fixed_legend(ax, **kwargs):
    """A legend that an explorer draws once, into its cached background.

    The legend goes under the moving artists (``zorder`` 1), so that redrawing them
    does not redraw it (:class:`samlib.rendering.PartialRenderer` redraws what lies
    above a changed artist), and its empty title, which matplotlib never draws and
    so never marks as drawn, is marked as drawn. Place it where the moving artists
    rarely go. ``kwargs`` go to ``ax.legend``; returns the legend.
    """
    legend = ax.legend(**kwargs)
    legend.set_zorder(1)
    legend.get_title().stale = False
    return legend


def plot_valley_zoom(ax, path, xlim, ylim, *, bounds=(0.56, 0.5, 0.42, 0.48)):
    """An inset of ``ax`` magnifying a path near the valley ``xy = 1`` (Chapter 5).

    The iterates are drawn as joined dots over the dashed valley, in ``xlim × ylim``,
    at ``bounds`` (axes fraction: x0, y0, width, height) of ``ax``; the zoomed region
    is outlined on ``ax``. Returns the inset axes.
    """
    path = np.asarray(path)
    zoom = ax.inset_axes(bounds, xlim=xlim, ylim=ylim)
    x = np.linspace(*xlim, 20)
    zoom.plot(x, 1 / x, "--", color=PALETTE["neutral"], lw=1)
    zoom.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=0.5, color=PALETTE["sam"])
    zoom.set(xticks=[], yticks=[], aspect="equal")
    ax.indicate_inset_zoom(zoom, edgecolor="0.4")
    return zoom


def plot_valley_speeds(ax, speeds, eta, *, colors=("sky", "sam", "usam")):
    """SAM's drift speed along the valley against the sharpness there (Chapter 5).

    Parameters
    ----------
    ax : matplotlib Axes
    speeds : dict of float to (ndarray, ndarray, ndarray)
        For each ρ, :func:`samlib.valley.speed_checkpoints`' sharpness and measured
        speed (drawn as circles); Theorem 21's speed is drawn as a line over the
        valley points of sharpness 2.05 to 8.8.
    eta : float
        The step size of the runs.
    colors : sequence of palette keys

    Returns
    -------
    list of Line2D
    """
    from samlib.valley import predicted_valley_speed

    x = np.linspace(1.12, 2.95, 50)
    drawn = []
    for (rho, (lam, measured, _)), key in zip(speeds.items(), colors, strict=False):
        color, label = PALETTE[key], rf"$\rho = {rho}$"
        theory = -predicted_valley_speed(x, eta, rho)
        drawn += ax.semilogy(
            x**2 + 1 / x**2, theory, color=color, label=label + ": Theorem 21"
        )
        drawn += ax.semilogy(
            lam,
            -np.asarray(measured),
            "o",
            color=color,
            mfc="none",
            label=label + ": measured",
        )
    ax.invert_xaxis()
    ax.set(
        xlabel=r"sharpness $x^2 + 1/x^2$ at the midpoints' feet",
        ylabel="drift speed (arc length per step)",
    )
    return drawn


def plot_loss_and_sharpness(axes, objective, paths, title=""):
    """The loss (top axes) and the sharpness ``λmax(∇²ℓ)`` (bottom) along paths.

    Parameters
    ----------
    axes : pair of matplotlib Axes
    objective : samlib.Objective
    paths : dict of str to array_like
        ``{name: (T, d) path}``, coloured ``PALETTE[name.lower()]``.
    title : str
        Title of the top axes.

    Returns
    -------
    list of Line2D
    """
    top, bottom = axes
    drawn = []
    for name, path in paths.items():
        color = PALETTE[name.lower()]
        drawn += top.plot(objective.value(path), color=color, lw=1.2, label=name)
        drawn += bottom.plot(objective.sharpness(path), color=color, lw=1.2, label=name)
    top.set(title=title)
    top.legend()
    bottom.set(xlabel="step $t$")
    return drawn
