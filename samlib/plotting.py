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


# --------------------------------------------------------------------------------------
# Chapters 1–3: SAM's step drawn on the contours, SAM against GD on a quadratic, SAM on
# the quadratic of Figure 1, and GD and SAM at the edge of stability. Each ``draw_*``
# lays out a figure once and returns its moving artists; the matching ``show_*``
# moves them to one run. An explorer (:class:`samlib.widgets.Explorer`), its sweep
# and the chapter's static figure are all drawn by the same pair.


def _arrow(ax, start, end, color, lw, ls="-"):
    """An arrow from ``start`` to ``end`` whose tip lands exactly on ``end``."""
    style = {"arrowstyle": "-|>", "color": color, "lw": lw, "ls": ls}
    style.update(shrinkA=0, shrinkB=0, mutation_scale=12)
    return ax.annotate(
        "", xy=end, xytext=start, arrowprops=style, annotation_clip=False
    )


def plot_sam_anatomy(ax, grad, w, eta, rho):
    """SAM steps, eq. (2), drawn piece by piece at one point or several (Chapter 1).

    At each point ``w``: the ball ``‖ε‖ ≤ ρ`` (dashed) and the perturbation to
    ``w + ρ∇ℓ(w)/‖∇ℓ(w)‖`` (vermillion), the vector ``η∇ℓ`` at that perturbed point
    (dotted blue), the SAM step, minus that vector applied at ``w`` (blue), and the
    GD step ``-η∇ℓ(w)`` (thick green).

    Parameters
    ----------
    w : array_like, shape (2,) or (k, 2)
        The point(s).

    Returns
    -------
    dict or list of dict
        For each point, the artists keyed ``"perturbation"``, ``"ball"``,
        ``"gradient"``, ``"sam"`` and ``"gd"`` (arrows are annotations from
        ``.xyann`` to ``.xy``).
    """
    from samlib.steps import gd_step, sam_ascent_point, sam_step

    w = np.asarray(w, dtype=float)
    if w.ndim == 2:
        return [plot_sam_anatomy(ax, grad, point, eta, rho) for point in w]
    tip = sam_ascent_point(w, grad, rho)
    perturbation, ball = plot_ascent(ax, w, grad, rho)
    ax.plot(*tip, "o", color=PALETTE["accent"], ms=3.5, zorder=5)
    artists = {
        "perturbation": perturbation,
        "ball": ball,
        "gradient": _arrow(ax, tip, tip + eta * grad(tip), PALETTE["sam"], 1.2, ":"),
        "gd": _arrow(ax, w, gd_step(w, grad, eta), PALETTE["gd"], 3.5),
        "sam": _arrow(ax, w, sam_step(w, grad, eta, rho), PALETTE["sam"], 1.8),
    }
    ax.plot(*w, "o", color="black", ms=4, zorder=5)
    return artists


def sam_anatomy_legend(fig, **kwargs):
    """The legend of :func:`plot_sam_anatomy`'s pieces, under the figure."""
    from matplotlib.lines import Line2D

    accent, sam = PALETTE["accent"], PALETTE["sam"]
    handles = [
        Line2D(
            [], [], color=accent, ls="--", lw=1, label=r"ball $\|\varepsilon\|\leq\rho$"
        ),
        Line2D([], [], color=accent, lw=1.5, marker="o", ms=3.5, label="perturbation"),
        Line2D(
            [],
            [],
            color=sam,
            lw=1.2,
            ls=":",
            label=r"$\eta\nabla\ell$ at the perturbed point",
        ),
        Line2D([], [], color=sam, lw=1.8, label="SAM step"),
        Line2D([], [], color=PALETTE["gd"], lw=3.5, label="GD step"),
    ]
    options = {"loc": "outside lower center", "ncol": 3, "frameon": False, **kwargs}
    return fig.legend(handles=handles, **options)


def quadratic_level_curves(lams, radius, *, n_levels: int = 12, n_points: int = 200):
    """Level curves of ``½(λ1w1² + λ2w2²)`` as one polyline, for a line artist.

    Ellipses with semi-axes ``r`` along ``w1`` and ``r√(λ1/λ2)`` along ``w2``, for
    ``n_levels`` radii ``r`` from ``radius/100`` to ``radius`` (levels in geometric
    progression), joined into one curve with NaN gaps: redrawing them for another λ2
    or zoom is one ``set_data`` (Chapters 1 and 3).

    Returns
    -------
    x, y : ndarray
    """
    lams = np.asarray(lams, dtype=float)
    t = np.append(np.linspace(0, 2 * np.pi, n_points), np.nan)  # NaN: a gap
    radii = radius * np.sqrt(np.geomspace(1e-4, 1, n_levels))[:, None]
    x = radii * np.cos(t)
    y = radii * np.sqrt(lams[0] / lams[1]) * np.sin(t)
    return x.ravel(), y.ravel()


def _few_ticks(ax):
    """At most five short tick labels per axis, at any zoom."""
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
        axis.set_major_formatter(StrMethodFormatter("{x:g}"))


def draw_sam_vs_gd(fig, lams=(1.0, 0.5), *, max_steps: int = 300, extent=2.6):
    """SAM against GD on ``½wᵀΛw``, drawn once (Chapter 1): the paths on the
    contours with an inset that zooms on the 2-cycle, and the losses ``ℓ(w_t)``.

    ``lams`` defaults to ``(1, 1/2)``, the quadratic of the paper's Figure 1; the
    figure gets a constrained layout. Returns the artists that
    :func:`show_sam_vs_gd` moves.
    """
    lams = np.asarray(lams, dtype=float)
    fig.set_layout_engine("constrained")

    def value(w):
        return 0.5 * np.sum(lams * w**2, axis=-1)

    ax_path, ax_loss = fig.subplots(1, 2)
    for ax in (ax_path, ax_loss):
        ax.set_axisbelow(True)  # ticks under the moving artists: not redrawn with them
    levels = np.geomspace(0.002, 6, 14)
    span = (-extent, extent)
    plot_contours(ax_path, value, span, span, levels=levels, linewidths=0.7)
    zoom = ax_path.inset_axes([0.52, 0.03, 0.45, 0.42], xticks=[], yticks=[])
    zoom.spines[["top", "right"]].set_visible(True)
    zoom.set_aspect("equal")
    (contours,) = zoom.plot([], [], color="0.7", lw=0.6)
    art = {"lams": lams, "zoom": zoom, "zoom levels": contours}
    for where, ax in (("path", ax_path), ("zoom", zoom)):
        for method in ("gd", "sam"):
            art[where, method] = plot_path(
                ax, np.zeros((0, 2)), color=PALETTE[method], label=method.upper()
            )
        (art[where, "cycle"],) = ax.plot(
            [], [], "x", color=PALETTE["accent"], ms=8, mew=2, label="2-cycle"
        )
    ax_path.set(xlabel="$w_1$", ylabel="$w_2$", title="iterates")
    _few_ticks(ax_path)
    ax_path.legend(loc="upper left", fontsize=9)
    for method in ("gd", "sam"):
        (art["loss", method],) = ax_loss.semilogy(
            [], [], color=PALETTE[method], label=method.upper()
        )
    (art["loss", "cycle"],) = ax_loss.plot(
        [], [], ":", color=PALETTE["accent"], lw=1.5, label="loss of the 2-cycle"
    )
    ax_loss.set(xlabel="step $t$", ylabel=r"$\ell(w_t)$", title="loss")
    ax_loss.set(xlim=(0, max_steps), ylim=(1e-21, 1e5))
    ax_loss.legend(fontsize=9, loc="lower left")
    return art


def show_sam_vs_gd(art, sam, gd, cycle):
    """Move the artists of :func:`draw_sam_vs_gd` to the paths ``sam`` and ``gd``
    (``(T + 1, 2)``) and the 2-cycle ``cycle`` (``(2, 2)``, its rows ``±c e1``).

    The inset shows ``|w1| ≤ 1.8c``; the loss panel the steps ``0, ..., T``.
    """
    lams, zoom = art["lams"], art["zoom"]
    view = 1.8 * abs(cycle[0, 0])
    zoom.set(xlim=(-view, view), ylim=(-0.7 * view, 0.7 * view))
    art["zoom levels"].set_data(*quadratic_level_curves(lams, 1.3 * view))
    t = np.arange(len(sam))
    for method, path in (("sam", sam), ("gd", gd)):
        for where in ("path", "zoom"):
            art[where, method].set_data(path[:, 0], path[:, 1])
        art["loss", method].set_data(t, 0.5 * np.sum(lams * path**2, axis=-1))
    for where in ("path", "zoom"):
        art[where, "cycle"].set_data(cycle[:, 0], cycle[:, 1])
    cycle_loss = 0.5 * lams[0] * cycle[0, 0] ** 2
    art["loss", "cycle"].set_data([0, t[-1]], [cycle_loss, cycle_loss])
    art["loss", "sam"].axes.set_xlim(0, max(t[-1], 1))


def draw_sam_on_quadratic(fig, *, labelled=range(10, 17)):
    """The two panels of the paper's Figure 1, drawn once (Chapter 3): SAM's iterates
    on the contours of ``½(λ1w1² + λ2w2²)`` and a zoom on the origin, where the
    iterates ``w_t`` for ``t`` in ``labelled`` are numbered.

    The figure gets a constrained layout. Returns the artists that
    :func:`show_sam_on_quadratic` moves.
    """
    from matplotlib.patches import Rectangle

    fig.set_layout_engine("constrained")
    ax, zoom = fig.subplots(1, 2)
    art = {"axes": (ax, zoom), "labelled": list(labelled)}
    for a in (ax, zoom):
        (art[a, "levels"],) = a.plot([], [], color="#b0b0b0", lw=0.7)
        art[a, "path"] = plot_path(
            a, np.zeros((0, 2)), color=PALETTE["sam"], label="SAM iterates $w_t$"
        )
        (art[a, "cycle"],) = a.plot(
            [], [], "*", color=PALETTE["accent"], ms=13, ls="none", label="2-cycle"
        )
        (art[a, "circle"],) = a.plot([], [], "--", color=PALETTE["accent"], lw=1)
        a.set(xlabel="$w_1$", ylabel="$w_2$", aspect="equal")
        a.set_axisbelow(True)  # ticks under the moving artists: not redrawn with them
        _few_ticks(a)
    (art["start"],) = ax.plot(
        [], [], "s", color=PALETTE["neutral"], ms=7, label="$w_0$"
    )
    art["box"] = ax.add_patch(
        Rectangle((0, 0), 0, 0, fill=False, ec=PALETTE["neutral"], lw=1)
    )
    art["labels"] = [
        zoom.annotate("", (0, 0), xytext=(4, 4), textcoords="offset points", fontsize=9)
        for _ in art["labelled"]
    ]
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("(a) the iterates")
    zoom.set_title("(b) zoom near the origin")
    return art


def show_sam_on_quadratic(art, paths, lams, c):
    """Move the artists of :func:`draw_sam_on_quadratic` to runs of SAM.

    Parameters
    ----------
    art : dict
        From :func:`draw_sam_on_quadratic`.
    paths : ndarray, shape (T + 1, 2) or (T + 1, k, 2)
        The iterates ``w_0, ..., w_T`` of one run or of ``k`` runs (drawn as one
        curve, with gaps between runs); the starts are marked by squares.
    lams : array_like
        ``(λ1, λ2)``, for the contours.
    c : float
        The 2-cycle's ``c = ηρλ1/(2 - ηλ1)``. If ``λ1 > λ2`` the stars mark the
        2-cycle ``±c e1``; if ``λ1 = λ2`` every direction of the plane has its
        2-cycle, the circle of radius ``c`` is drawn dashed and the stars mark where
        the runs ended (their last two iterates).

    Notes
    -----
    Panel (a) shows the square ``|w1|, |w2| ≤ r`` with ``r`` the first of
    ``10^(k/10)`` (k an integer) at least ``1.1 max(|w_t|, c)``, panel (b) the
    square of half-width the first of them at least ``1.8c``. For one run, the
    iterates of ``labelled`` are numbered.
    """
    paths, lams = np.asarray(paths, dtype=float), np.asarray(lams, dtype=float)
    runs = paths if paths.ndim == 3 else paths[:, None]
    gaps = np.full((1, runs.shape[1], 2), np.nan)
    curve = np.concatenate([runs, gaps]).transpose(1, 0, 2).reshape(-1, 2)[:-1]
    ax, zoom = art["axes"]
    circle = lams[0] == lams[1]
    marks = runs[-2:].reshape(-1, 2) if circle else np.array([[c, 0.0], [-c, 0.0]])
    theta = np.linspace(0, 2 * np.pi, 200)
    ring = (c * np.cos(theta), c * np.sin(theta)) if circle else ([], [])

    # limits on a grid of ten steps a decade: most moves keep them, and the axes is
    # not redrawn whole (an explorer's update stays cheap)
    def grid(x):
        return 10 ** (np.ceil(10 * np.log10(x)) / 10)

    lim, zoom_lim = grid(1.1 * max(np.abs(paths).max(), c)), grid(1.8 * c)
    frame = (tuple(lams), lim, c, circle)
    for a, r in ((ax, lim), (zoom, zoom_lim)):
        art[a, "path"].set_data(curve[:, 0], curve[:, 1])
        if circle or frame != art.get("frame"):  # else these have not moved
            a.set(xlim=(-r, r), ylim=(-r, r))
            art[a, "levels"].set_data(*quadratic_level_curves(lams, r))
            art[a, "circle"].set_data(*ring)
            art[a, "cycle"].set_data(marks[:, 0], marks[:, 1])
    if frame != art.get("frame"):
        art["box"].set_bounds(-zoom_lim, -zoom_lim, 2 * zoom_lim, 2 * zoom_lim)
    art["frame"] = frame
    art["start"].set_data(runs[0, :, 0], runs[0, :, 1])
    for t, label in zip(art["labelled"], art["labels"], strict=True):
        shown = paths.ndim == 2 and t < len(paths)
        label.set_text(str(t) if shown else "")
        label.xy = paths[t] if shown else (np.nan, np.nan)


def draw_edge_of_stability(
    fig,
    value,
    *,
    n_steps: int,
    panels: str = "abcd",
    n_bounce: int = 80,
    n_path: int = 200,
    window=((-0.6, 0.6), (2.3, 3.5)),
    minimum=(0.0, 3.3),
):
    """Chapter 2's edge of stability, drawn once: any of the panels (a) the
    sharpness of GD and SAM with the edges ``2/η`` and SAM's, (b) their losses,
    (c) each step's component along the top Hessian eigenvector (first ``n_bounce``
    steps) and (d) the first ``n_path`` iterates on the contours of ``value`` over
    ``window``, with the minimum marked.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure; four panels are laid out 2 × 2, fewer side by side, in a
        constrained layout.
    value : callable
        The loss, for the contours of panel (d).
    n_steps : int
        The length of the runs, for the time axes.
    panels : str
        Which panels to draw, e.g. ``"abcd"`` (the book's figure) or ``"a"``.

    Returns
    -------
    dict
        The artists that :func:`show_edge_of_stability` moves.
    """
    fig.set_layout_engine("constrained")
    shape = (2, 2) if len(panels) == 4 else (1, len(panels))
    ax = dict(zip(panels, np.ravel(fig.subplots(*shape, squeeze=False)), strict=True))
    for a in ax.values():
        a.set_axisbelow(True)  # ticks under the moving artists: not redrawn with them
    art = {"n_bounce": n_bounce, "n_path": n_path, "panels": panels}
    for method in ("gd", "sam"):
        line = {"color": PALETTE[method], "lw": 1, "label": method.upper()}
        if "a" in ax:
            (art["sharpness", method],) = ax["a"].plot([], [], **line)
        if "b" in ax:
            (art["loss", method],) = ax["b"].semilogy([], [], **line)
        if "c" in ax:
            marker = "o-" if method == "gd" else "s-"
            (art["bounce", method],) = ax["c"].plot(
                [], [], marker, ms=3, **{**line, "lw": 0.6}
            )
        if "d" in ax:
            art["path", method] = plot_path(
                ax["d"],
                np.zeros((0, 2)),
                color=PALETTE[method],
                label=method.upper(),
                markersize=2,
                linewidth=0.4,
            )
    if "a" in ax:
        a = ax["a"]
        (art["gd edge"],) = a.plot(
            [0, n_steps],
            [np.nan] * 2,
            "--",
            color=PALETTE["accent"],
            lw=1,
            label=r"$2/\eta$",
        )
        (art["sam edge"],) = a.plot(
            [], [], ":", color=PALETTE["sam"], lw=1.5, label="SAM edge"
        )
        a.set(xlabel="step $t$", ylabel=r"sharpness $\lambda_{\max}$", ylim=(0, 16))
        a.set_xlim(0, n_steps)
        legend = a.legend(loc="center right", bbox_to_anchor=(1.0, 0.4), fontsize=9)
        art["sam label"], art["title"] = legend.get_texts()[1], a
    if "b" in ax:
        ax["b"].set(xlabel="step $t$", ylabel=r"loss $\ell(w_t)$", title="(b) loss")
        ax["b"].set(xlim=(0, n_steps), ylim=(1e-4, 10))
        ax["b"].legend(loc="lower right")
    if "c" in ax:
        c = ax["c"]
        c.axhline(0, color=PALETTE["neutral"], lw=0.5)
        c.set(xlabel="step $t$", ylabel=r"$\langle w_{t+1} - w_t, v_1(w_t)\rangle$")
        c.set(title="(c) the bounce", xlim=(-2, n_bounce + 1), ylim=(-1, 1))
        c.legend(loc="upper right")
    if "d" in ax:
        d = ax["d"]
        levels = np.geomspace(0.01, 3, 14)
        plot_contours(d, value, *window, levels=levels, linewidths=0.8)
        d.plot(*minimum, "x", color=PALETTE["accent"], ms=8)
        d.set(xlabel="$x$", ylabel="$y$", title=f"(d) first {n_path} iterates")
        d.set_aspect("auto")
        d.legend(loc="lower right")
    return art


def show_edge_of_stability(art, trace):
    """Move the artists of :func:`draw_edge_of_stability` to a
    :class:`samlib.stability.StabilityTrace` (GD and SAM side by side)."""
    t = np.arange(len(trace.gd))
    k = np.arange(min(art["n_bounce"], len(t) - 1))
    for method in ("gd", "sam"):
        data = {
            "sharpness": (t, getattr(trace, f"{method}_sharpness")),
            "loss": (t, getattr(trace, f"{method}_loss")),
            "bounce": (k, getattr(trace, f"{method}_bounce")[k]),
            "path": getattr(trace, method)[: art["n_path"]].T,
        }
        for panel, (x, y) in data.items():
            if (panel, method) in art:
                art[panel, method].set_data(x, y)
    if "a" in art["panels"]:
        art["gd edge"].set_ydata([trace.gd_edge] * 2)
        art["sam edge"].set_data(t, trace.sam_edge)
        art["sam label"].set_text(f"SAM, $\\rho = {trace.rho:g}$")
        prefix = "(a) sharpness; " if len(art["panels"]) == 4 else ""
        art["title"].set_title(
            f"{prefix}$\\eta = {trace.eta:g}$, $\\rho = {trace.rho:g}$"
        )


def plot_two_phases(axes, path, lams, b, cycle_loss, t_star):
    """The two phases of a SAM run on ``½wᵀΛw`` (Chapter 3), on three stacked axes:
    the lengths ``‖w_t‖`` and ``‖Λw_t‖`` with the radius ``b`` of Lemma 5's absorbing
    ball, the loss with its value ``cycle_loss`` on the 2-cycle, and the share
    ``|w_t,1|/‖w_t‖`` of the first coordinate; a dashed line marks ``t_star``."""
    path, lams = np.asarray(path, dtype=float), np.asarray(lams, dtype=float)
    norm = np.linalg.norm(path, axis=1)
    theory = {"color": PALETTE["theory"], "lw": 1}
    axes[0].semilogy(norm, "o-", ms=3, label=r"$\|w_t\|$")
    axes[0].semilogy(
        np.linalg.norm(lams * path, axis=1), "s-", ms=3, label=r"$\|\Lambda w_t\|$"
    )
    axes[0].axhline(b, **theory, label=r"$b = \eta\rho\lambda_1^2$")
    loss = 0.5 * np.sum(lams * path**2, axis=1)
    axes[1].semilogy(loss, "o-", ms=3, color=PALETTE["sam"], label=r"$\ell(w_t)$")
    axes[1].axhline(cycle_loss, **theory, label=r"$\ell(\pm c\,e_1)$")
    share = np.abs(path[:, 0]) / norm
    axes[2].plot(
        share, "o-", ms=3, color=PALETTE["sam"], label=r"$|w_{t,1}| / \|w_t\|$"
    )
    axes[2].set(ylim=(-0.05, 1.05), xlabel="step $t$")
    for ax, where in zip(
        axes, ["upper right", "upper right", "center right"], strict=True
    ):
        ax.axvline(t_star, color=PALETTE["neutral"], ls="--", lw=1)
        ax.legend(loc=where, fontsize=9)
    axes[2].text(t_star / 2, 0.9, "phase 1", ha="center")
    axes[2].text(t_star + 14, 0.6, "phase 2", ha="left")


def plot_step_size_sweep(
    ax_cycle, ax_time, etas, tails, settle, *, lam1=1.0, rho=1.0, theorem_range=0.5
):
    """SAM beyond the theorems' step sizes (Chapter 3): on ``ax_cycle`` the first
    coordinate of the last iterates of every run against the curves
    ``±ηρλ1/(2 - ηλ1)``, on ``ax_time`` the median settling time of each family.

    Parameters
    ----------
    etas : ndarray, shape (n_eta,)
    tails : ndarray, shape (k, n_runs, n_eta, 2)
        The last ``k`` iterates of each run (for the first family).
    settle : dict of label to ndarray, shape (n_runs, n_eta)
        Settling times of each family of runs.
    theorem_range : float
        Step sizes below it are shaded (``1/(2λ1)``, where the theorems apply).
    """
    grid = np.broadcast_to(etas, tails.shape[:-1]).ravel()
    ax_cycle.plot(
        grid,
        tails[..., 0].ravel(),
        ".",
        ms=3,
        color=PALETTE["sam"],
        label="last iterates, $w_{t,1}$",
    )
    fine = np.linspace(0.01, 0.985, 200) * 2 / lam1
    c = fine * rho * lam1 / (2 - fine * lam1)
    ax_cycle.plot(
        fine,
        np.c_[c, -c],
        color=PALETTE["theory"],
        lw=1,
        label=[r"$\pm\eta\rho\lambda_1/(2-\eta\lambda_1)$", None],
    )
    ax_cycle.set_yscale("symlog", linthresh=0.1)
    ax_cycle.set_ylabel("$w_{t,1}$")
    for (label, times), style in zip(settle.items(), ("o-", "s-", "^-"), strict=False):
        ax_time.semilogy(etas, np.median(times, axis=0), style, ms=4, label=label)
    ax_time.set_ylabel("median settling time")
    for ax in (ax_cycle, ax_time):
        ax.axvspan(0, theorem_range, color=PALETTE["sky"], alpha=0.2, lw=0)
        ax.set(xlim=(0, 2 / lam1), xlabel=rf"step size $\eta$ ($\lambda_1 = {lam1:g}$)")
        ax.legend(fontsize=9)


def plot_settling_times(ax, settle, *, n_steps, width=4):
    """Histograms of settling times (:func:`samlib.proof.settling_time`), one per
    entry of ``settle`` (label to times), with each median in its legend entry."""
    bins = np.arange(0, n_steps + width + 1, width)
    for name, times in settle.items():
        label = f"{name}, median {np.median(times):.0f}"
        ax.hist(times, bins, histtype="step", lw=1.5, label=label)
    ax.set_xlabel(r"settling time: steps until within $\varepsilon$ of the 2-cycle")
    ax.set_ylabel("number of starts")
    ax.legend()


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


# Chapter 4 (Lemmas 5–7, the early phase of the proof on quadratics): each function
# draws one of the chapter's figures from arrays the chapter measured, on the axes it
# is given, and returns the artists it drew; ``draw_gradient_levels`` and
# ``show_gradient_levels`` are the draw/update pair of the chapter's explorer.


def _crossings_panel(ax, x, curves, thresholds, first):
    """Curves ``curves[:, k]`` against ``x`` (log–log), each with a dotted vertical
    line at ``thresholds[k]`` in its colour, and the level 1."""
    lines = []
    for k in range(curves.shape[1]):
        color, label = f"C{k + first}", f"$i={k + first + 1}$"
        lines += ax.loglog(x, curves[:, k], color=color, label=label)
        ax.axvline(thresholds[k], color=color, linestyle=":", linewidth=1)
    ax.axhline(1.0, color=PALETTE["neutral"], linewidth=0.8)
    ax.set(xlabel=r"$\|v_t\|$", ylim=(1e-3, 1e4))
    ax.legend(loc="lower right", fontsize=9)
    return lines


def plot_lemma5_multipliers(axes, radii, mult, beta, alpha):
    """Lemma 5, parts 2 and 3, measured (Chapter 4).

    Left: the squared multipliers ``v_{t+1,i}²/v_{t,i}²`` (columns of ``mult``)
    against ``‖v_t‖ = radii``, crossing 1 at ``βi``; right: the first one over the
    i-th, crossing 1 at ``αi`` (i ≥ 2).
    """
    left = _crossings_panel(axes[0], radii, mult, beta, 0)
    right = _crossings_panel(axes[1], radii, mult[:, :1] / mult[:, 1:], alpha[1:], 1)
    axes[0].set(ylabel=r"$v_{t+1,i}^2 / v_{t,i}^2$")
    axes[0].set_title(r"each component: crosses 1 at $\beta_i$ (dotted)")
    axes[1].set(ylabel=r"$(v_{t+1,1}^2/v_{t,1}^2)\,/\,(v_{t+1,i}^2/v_{t,i}^2)$")
    axes[1].set_title(r"first against $i$-th: crosses 1 at $\alpha_i$")
    return left + right


def plot_lemma5_constants(ax, const):
    """Lemma 5's βi, αi, γi and b on one logarithmic axis (Chapter 4): part 4's
    ordering at a glance. ``const`` is a :class:`samlib.QuadraticConstants`."""
    rows = [
        (r"\beta", const.beta, PALETTE["sam"]),
        (r"\alpha", const.alpha, PALETTE["accent"]),
        (r"\gamma", const.gamma, PALETTE["gd"]),
    ]
    artists = []
    for y, (name, values, color) in enumerate(rows):
        artists.append(ax.scatter(values, np.full_like(values, y), color=color))
        for i, value in enumerate(values):
            offset = 0.28 if i % 2 == 0 else -0.42
            ax.annotate(
                f"${name}_{i + 1}$",
                (value, y),
                xytext=(value, y + offset),
                ha="center",
                fontsize=10,
                color=color,
            )
    artists.append(ax.scatter([const.b], [2], marker="s", color=PALETTE["neutral"]))
    ax.annotate("$b$", (const.b, 2), xytext=(const.b, 2.28), ha="center", fontsize=10)
    ax.axvline(const.beta[0], color=PALETTE["sam"], linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks([0, 1, 2], [r"$\beta_i$", r"$\alpha_i$", r"$\gamma_i$, $b$"])
    ax.set(ylim=(-0.7, 2.7), xlabel=r"value (a threshold on $\|v_t\|$)")
    ax.spines["left"].set_visible(False)
    return artists


def plot_lemma5_levels(ax, norms, const, *, xlim=None):
    """Gradient norms ``‖v_t‖`` (columns of ``norms``, one per run) on a log axis,
    with Lemma 5's levels ``γ1 = α1``, ``b``, ``αd``, ``β1`` and ``βd`` (Chapter 4).
    ``const`` is a :class:`samlib.QuadraticConstants`."""
    levels = [
        (const.gamma[0], r"$\gamma_1=\alpha_1$", PALETTE["gd"]),
        (const.b, "$b$", PALETTE["neutral"]),
        (const.alpha[-1], r"$\alpha_d$", PALETTE["accent"]),
        (const.beta[0], r"$\beta_1$", PALETTE["theory"]),
        (const.beta[-1], r"$\beta_d$", PALETTE["sky"]),
    ]
    t = np.arange(norms.shape[0])
    lines = ax.semilogy(t, norms, color=PALETTE["sam"], alpha=0.6, linewidth=1)
    for value, label, color in levels:
        ax.axhline(value, color=color, linestyle="--", linewidth=1.2, label=label)
    ax.set(xlabel="step $t$", ylabel=r"$\|v_t\|$", xlim=xlim)
    ax.legend(loc="upper right", ncol=2, fontsize=9)
    return lines


def plot_entry_times(ax, radius, entry, bound, worst_radius, worst_entry):
    """Lemma 6 measured (Chapter 4): entry times into ``‖v‖ ≤ b`` against
    ``‖v0‖`` from random directions (dots) and along ``e_d`` (squares), with the
    bound T of Lemma 6 (line)."""
    dots = ax.scatter(
        radius, entry, s=5, alpha=0.4, color=PALETTE["sam"], label="random direction"
    )
    squares = ax.scatter(
        worst_radius,
        worst_entry,
        marker="s",
        s=22,
        color=PALETTE["accent"],
        label=r"along $e_d$",
    )
    (line,) = ax.plot(
        radius,
        bound,
        color=PALETTE["theory"],
        linewidth=2,
        label=r"Lemma 6: $[\log(R/b)]_+/(\eta\lambda_d)$",
    )
    ax.set_xscale("log")
    ax.set(xlabel=r"$R = \|v_0\|$", ylabel=r"steps to reach $\|v_t\| \leq b$")
    ax.legend()
    return dots, squares, line


def plot_recovery(ax, delta, offsets):
    """``δ_t`` (Definition 12) of runs started at ``‖v0‖ = γ1(1 + offset)``, one
    column of ``delta`` per offset (Chapter 4, before Lemma 7)."""
    lines = []
    for k, offset in enumerate(offsets):
        label = "offset 0" if offset == 0 else f"offset $10^{{{np.log10(offset):.0f}}}$"
        lines += ax.semilogy(np.maximum(delta[:, k], 1e-17), label=label)
    ax.set(xlabel="step $t$", ylabel=r"$\delta_t$")
    ax.legend()
    return lines


def plot_closest_approach(axes, closest, slope):
    """Lemma 7 measured (Chapter 4): the histogram of ``min_t |‖v_t‖ - γ1|`` over
    runs (left) and the fraction of runs closer than x, against ``slope · x``
    (right)."""
    bins = np.geomspace(max(closest.min(), 1e-8), closest.max(), 50)
    axes[0].hist(closest, bins=bins, color=PALETTE["sam"])
    axes[0].set_xscale("log")
    axes[0].set(xlabel=r"$\min_t\,|\|v_t\| - \gamma_1|$", ylabel="number of starts")
    xs = np.geomspace(1e-6, 1e-1, 60)
    fraction = np.searchsorted(np.sort(closest), xs) / closest.size
    axes[1].loglog(xs, fraction, color=PALETTE["sam"], label="measured")
    axes[1].loglog(xs, slope * xs, "--", color=PALETTE["neutral"], label="slope 1")
    axes[1].set(xlabel="$x$", ylabel="fraction of starts closer than $x$")
    axes[1].legend()


def draw_gradient_levels(fig, *, n_steps: int = 120, d: int = 4):
    """The explorer of Chapter 4, drawn once: ``‖v_t‖`` and the ``|v_{t,i}|`` of one
    SAM run on a log axis, and three grey levels (γ1, b, β1). Returns the artists
    that :func:`show_gradient_levels` moves."""
    ax = fig.subplots()
    (norm,) = ax.semilogy([], [], color=PALETTE["sam"], linewidth=2, label=r"$\|v_t\|$")
    colors = [PALETTE[k] for k in ("accent", "gd", "usam", "sky", "theory")]
    components = [
        ax.semilogy(
            [],
            [],
            color=colors[i % len(colors)],
            linewidth=1,
            alpha=0.8,
            label=f"$|v_{{t,{i + 1}}}|$",
        )[0]
        for i in range(d)
    ]
    levels = [
        ax.axhline(1.0, color=PALETTE["neutral"], linestyle=style, linewidth=1)
        for style in (":", "--", "-.")
    ]
    ax.set(xlim=(0, n_steps), ylim=(1e-6, 1e2), xlabel="step $t$")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    title = ax.set_title("", fontsize=9)
    return {"norm": norm, "components": components, "levels": levels, "title": title}


def show_gradient_levels(artists, v, const, *, eta, lam_d):
    """Move :func:`draw_gradient_levels`'s artists to the run ``v`` (shape
    ``(T, d)``) and the levels γ1, b and β1 of ``const`` (a
    :class:`samlib.QuadraticConstants` for the step size ``eta`` and smallest
    eigenvalue ``lam_d``, both named in the title)."""
    t = np.arange(v.shape[0])
    artists["norm"].set_data(t, np.linalg.norm(v, axis=-1))
    for i, line in enumerate(artists["components"]):
        line.set_data(t, np.maximum(np.abs(v[:, i]), 1e-300))
    levels = (const.gamma[0], const.b, const.beta[0])
    for line, level in zip(artists["levels"], levels, strict=True):
        line.set_ydata([level, level])
    artists["title"].set_text(
        rf"$\eta={eta:.2f}$, $\lambda_d={lam_d:.2f}$; grey: "
        r"$\gamma_1$ (dotted), $b$ (dashed), $\beta_1$ (dash-dot)"
    )
