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
    "STUDY_COLOURS",
    "contour_grid",
    "draw_J_landscape",
    "draw_J_panel",
    "draw_alignment",
    "draw_alignment_panel",
    "draw_edge_of_stability",
    "draw_gradient_levels",
    "draw_methods",
    "draw_saddle_escape",
    "draw_sam_on_quadratic",
    "draw_sam_vs_gd",
    "draw_study_runs",
    "draw_valley_path",
    "draw_valley_runs",
    "draw_width_measures",
    "draw_width_panels",
    "fixed_legend",
    "move_paths",
    "move_valley_runs",
    "plot_J_decrease",
    "plot_J_iterates",
    "plot_J_landscape",
    "plot_against_diagonal",
    "plot_alignment",
    "plot_ascent",
    "plot_bound_against_measured",
    "plot_closest_approach",
    "plot_contours",
    "plot_entry_times",
    "plot_error_panels",
    "plot_final_amplitudes",
    "plot_lemma5_constants",
    "plot_lemma5_levels",
    "plot_lemma5_multipliers",
    "plot_local_lemma10",
    "plot_logistic_runs",
    "plot_loss_and_sharpness",
    "plot_loss_sharpness_grid",
    "plot_momentum_drift",
    "plot_momentum_orbits",
    "plot_network_training",
    "plot_orbit_amplitudes",
    "plot_over_steps",
    "plot_path",
    "plot_paths",
    "plot_product_valley",
    "plot_recovery",
    "plot_relative_errors",
    "plot_rho_threshold",
    "plot_saddle_escapes",
    "plot_sam_anatomy",
    "plot_sam_anatomy_panels",
    "plot_sam_vs_usam",
    "plot_separable_data",
    "plot_settling_times",
    "plot_step_size_sweep",
    "plot_stochastic_sam_runs",
    "plot_study_curves",
    "plot_study_curves_by_noise",
    "plot_study_flatness",
    "plot_study_flatness_grid",
    "plot_theorem3_scaling",
    "plot_two_phases",
    "plot_valley_runs",
    "plot_valley_speeds",
    "plot_valley_zoom",
    "quadratic_level_curves",
    "sam_anatomy_legend",
    "show_J_landscape",
    "show_J_panel",
    "show_alignment",
    "show_alignment_panel",
    "show_drift_flow",
    "show_edge_of_stability",
    "show_gd_sam_runs",
    "show_gradient_levels",
    "show_log_det",
    "show_methods",
    "show_saddle_escape",
    "show_sam_on_quadratic",
    "show_sam_vs_gd",
    "show_study_runs",
    "show_valley_path",
    "show_valley_runs",
    "update_edge_of_stability",
    "update_gradient_levels",
    "update_sam_on_quadratic",
    "update_sam_vs_gd",
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


def plot_sam_anatomy_panels(fig, panels, *, eta, rho, extent=3.0):
    """Chapter 1's figure of SAM's step: one panel per loss, side by side.

    Each panel shows the contours of the loss over ``[-extent, extent]²`` (levels
    0.25 to 5) and :func:`plot_sam_anatomy` at its points; the legend
    (:func:`sam_anatomy_legend`) goes under the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    panels : dict
        ``title: (objective, points)``, ``objective`` with batched ``value`` and
        ``grad``, ``points`` of shape ``(k, 2)``.
    eta, rho : float
        SAM's step size and radius.

    Returns
    -------
    list
        For each panel, the list of :func:`plot_sam_anatomy`'s artists per point.
    """
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    style = {"levels": np.linspace(0.25, 5, 12), "vmin": -5, "vmax": 9, "n": 151}
    lims = (-extent, extent)
    artists = []
    for ax, (title, (objective, points)) in zip(axes, panels.items(), strict=True):
        plot_contours(ax, objective.value, lims, lims, **style)
        artists.append(plot_sam_anatomy(ax, objective.grad, points, eta, rho))
        ax.set(title=title, xlabel="$w_1$", ylabel="$w_2$")
    sam_anatomy_legend(fig)
    return artists


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


def update_sam_vs_gd(art, eta, rho, n_steps, *, w0=(2.0, 2.0)):
    """Chapter 1's explorer: run SAM and GD from ``w0`` on the quadratic of
    :func:`draw_sam_vs_gd` and move its artists (:func:`show_sam_vs_gd`).

    The runs are :func:`samlib.quadratic.sam_on_quadratic`, which raises a
    ``ValueError`` for ``η ≥ 2/λ1``, where GD and SAM diverge.

    Returns
    -------
    str
        How far SAM ends from the 2-cycle and GD from the minimum, and which
        assumption of Theorems 1–2 fails, if one does.
    """
    from samlib.quadratic import sam_on_quadratic

    run = sam_on_quadratic(art["lams"], w0, eta, rho, n_steps, gd=True)
    show_sam_vs_gd(art, run.path, run.gd, run.cycle)
    sam = f"SAM is {run.distance:.1e} from the 2-cycle ±{run.cycle[0, 0]:.4f}·e1"
    gd = f"GD {np.linalg.norm(run.gd[-1]):.1e} from the minimum"
    return f"{sam}, {gd}; {run.status}."


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
    fixed_legend(ax, loc="upper left", fontsize=8)
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
    square of half-width the first of them at least ``1.8c``. A later call keeps a
    panel's ``r`` while ``r`` is between that bound and twice it (the picture still
    fills at least half the panel), so that most moves of an explorer's sliders
    leave the axes as they are. For one run, the iterates of ``labelled`` are
    numbered.
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

    # limits on a grid of ten steps a decade, kept while the picture fills half of
    # them: most moves keep them, and the axes is not redrawn whole (an explorer's
    # update stays cheap)
    def grid(x, previous):
        if previous is not None and x <= previous <= 2 * x:
            return previous
        return 10 ** (np.ceil(10 * np.log10(x)) / 10)

    _, last_lim, last_zoom, *_ = art.get("frame") or (None,) * 5
    lim = grid(1.1 * max(np.abs(paths).max(), c), last_lim)
    zoom_lim = grid(1.8 * c, last_zoom)
    frame = (tuple(lams), lim, zoom_lim, c, circle)
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


def update_sam_on_quadratic(art, lam2, eta, rho, angle, radius, n_steps):
    """Chapter 3's explorer: run SAM on ``½(w1² + λ2w2²)`` (``λ1 = 1``) from the
    start at ``angle`` (degrees) and ``radius`` and move the artists of
    :func:`draw_sam_on_quadratic` to the run.

    The run is :func:`samlib.quadratic.sam_on_quadratic`, which raises a
    ``ValueError`` for ``η ≥ 2/λ1`` (SAM diverges); with ``λ2 = 1`` the circle of
    cycles is drawn.

    Returns
    -------
    str
        How far ``w_n`` is from a 2-cycle, and which assumption of Theorems 1–2
        fails, if one does.
    """
    from samlib.quadratic import sam_on_quadratic

    phi = np.radians(angle)
    start = radius * np.array([np.cos(phi), np.sin(phi)])
    run = sam_on_quadratic([1.0, lam2], start, eta, rho, n_steps)
    show_sam_on_quadratic(art, run.path, run.lams, run.cycle[0, 0])
    return f"w_{n_steps} is {run.distance:.0e} from a 2-cycle; {run.status}"


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


def update_edge_of_stability(art, eta, rho, *, objective, w0, n_steps=400):
    """Chapter 2's explorer: trace GD and SAM from ``w0``
    (:func:`samlib.stability.edge_of_stability_trace`) and move the artists of
    :func:`draw_edge_of_stability` to the trace.

    Raises a ``ValueError`` when an iterate leaves ``|w_i| < 1000`` (the step size
    is too large to show the edge) or the runs diverge.

    Returns
    -------
    str
        GD's and SAM's mean sharpness over the last 100 steps, against ``2/η``.
    """
    from samlib.stability import edge_of_stability_trace

    run = edge_of_stability_trace(objective, w0, eta, rho, n_steps, max_norm=1e3)
    show_edge_of_stability(art, run)
    return run.summary(last=100)


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


def show_gd_sam_runs(artists, runs, eta, rho, lam0) -> str:
    """Show :func:`samlib.valley.valley_runs`' ``runs`` on :func:`plot_valley_runs`
    with the note ``η, ρ``, and return the status line of Chapter 5's explorer: each
    method's final sharpness, and a warning when ``ηλ1 > 1`` for the sharpness
    ``lam0`` at the start, outside the range of Theorem 21's proof."""
    move_valley_runs(artists, runs, f"η = {eta:.3g}, ρ = {rho:.3g}")
    n_steps = len(runs["GD"][0]) - 1
    ends = [f"{name}'s sharpness {runs[name][1][-1]:.3f}" for name in ("SAM", "GD")]
    status = f"After {n_steps} steps: {', '.join(ends)} (flattest minimum: 2)."
    if eta * lam0 > 1:
        status += " Outside Theorem 21's proof: ηλ₁ > 1."
    return status


def show_drift_flow(
    fig,
    t,
    sharpness,
    n_steps,
    *,
    zoom_path=None,
    zoom=((1.9, 2.1), (0.44, 0.56)),
    view=((0.2, 3.4), (0.15, 1.75)),
    sharp_top=10.0,
):
    """Add the sharpness along Theorem 21's drift alone (dashed, "drift") to a figure
    of :func:`plot_valley_runs`, and close in: the paths' panel to ``view`` (legend
    lower left), the sharpness panel to ``n_steps`` steps and ``[0, sharp_top]``;
    with ``zoom_path``, an inset of it over ``zoom = (xlim, ylim)``
    (:func:`plot_valley_zoom`).

    Returns
    -------
    Line2D, Axes or None
        The drift's sharpness and the inset.
    """
    ax_path, ax_sharp = fig.axes[:2]
    ax_path.set(xlim=view[0], ylim=view[1])
    ax_path.get_legend().set_loc("lower left")
    ax_sharp.set(xlim=(0, n_steps), ylim=(0, sharp_top))
    (line,) = ax_sharp.plot(t, sharpness, "--", c=PALETTE["theory"], label="drift")
    ax_sharp.legend(loc="center right")
    inset = None if zoom_path is None else plot_valley_zoom(ax_path, zoom_path, *zoom)
    return line, inset


def plot_error_panels(fig, errors, *, slope=0.3, dotted=("cubic loss",)):
    """Theorem 21's relative errors, one panel per schedule of ``(η, ρ)`` sharing
    the y axis, and one legend under them (Chapter 5).

    Parameters
    ----------
    fig : matplotlib Figure
        An empty figure.
    errors : dict of str to dict
        ``{schedule: curves}``, each ``curves`` drawn by :func:`plot_relative_errors`
        and titled by its schedule.
    slope, dotted
        As for :func:`plot_relative_errors`.

    Returns
    -------
    ndarray of Axes
    """
    axes = fig.subplots(1, len(errors), sharey=True, squeeze=False)[0]
    for ax, (schedule, curves) in zip(axes, errors.items(), strict=True):
        plot_relative_errors(ax, curves, slope=slope, dotted=dotted)
        ax.set(xlabel=r"$\rho$", title=schedule)
    axes[0].set_ylabel(
        r"$\|\mathrm{actual} - \mathrm{predicted}\| / \|\mathrm{drift}\|$"
    )
    handles = axes[0].get_legend_handles_labels()
    fig.legend(*handles, loc="outside lower center", ncol=5)
    return axes


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


def plot_loss_sharpness_grid(fig, objective, panels, *, ylims=(None, None), top=2.0):
    """The loss (top row) and the sharpness (bottom row) along the paths of several
    settings, one column each (Chapter 6), with the minimum's sharpness ``top``
    dashed in the bottom row.

    Parameters
    ----------
    fig : matplotlib Figure
        An empty figure; the panels share x by column and y by row.
    objective : samlib.Objective
    panels : dict of str to dict
        ``{column title: {name: (T, d) path}}``, each column drawn by
        :func:`plot_loss_and_sharpness`.
    ylims : (pair, pair)
        The limits of the loss axes and of the sharpness axes (None: automatic).
    top : float
        The sharpness at the minimum.

    Returns
    -------
    ndarray of Axes, shape (2, len(panels))
    """
    axes = fig.subplots(2, len(panels), sharex="col", sharey="row", squeeze=False)
    for column, (title, paths) in zip(axes.T, panels.items(), strict=True):
        plot_loss_and_sharpness(column, objective, paths, title)
        column[1].axhline(top, color=PALETTE["neutral"], ls="--", lw=0.8)
    axes[0, 0].set(ylabel=r"loss $\ell(w_t)$", ylim=ylims[0])
    axes[1, 0].set(ylabel=r"sharpness $\lambda_{\max}$", ylim=ylims[1])
    return axes


def plot_rho_threshold(ax, rhos, final_w2, threshold, *, marked=None):
    """SAM's final ``|w_2|`` against the radius ρ, with the threshold ``ρ = 1 − η``
    dashed (Chapter 6); ``marked = (ρ, |w_2|)`` circles one run (the paper's ρ = 1).

    Returns
    -------
    list of Line2D
        The curve, the threshold and, if drawn, the marked run.
    """
    color, final_w2 = PALETTE["sam"], np.abs(final_w2)
    drawn = ax.plot(rhos, final_w2, "o-", ms=3, c=color, label="SAM")
    label = "ρ = 1 − η"
    drawn.append(ax.axvline(threshold, c=PALETTE["accent"], ls="--", lw=1, label=label))
    if marked is not None:
        drawn += ax.plot(*marked, "o", ms=8, mfc="none", label="the paper's ρ = 1")
    ax.set(xlabel="radius ρ", ylabel="final $|w_2|$")
    ax.legend()
    return drawn


def draw_methods(fig, view=2.2, methods=("SAM", "GD", "SGD"), *, value=None):
    """Contours of ``value`` (default the loss of Section 6,
    :func:`samlib.objectives.paper_objective`) over ``[-view, view]²`` and empty
    paths of ``methods`` (SGD in sky blue), in a constrained layout, for
    :func:`show_methods` (Chapter 6's explorer).

    The fourteen contour levels scale with ``view²``, so that a closer view shows as
    many. Returns the artists of :func:`plot_paths`.
    """
    if value is None:
        from samlib.objectives import paper_objective

        value = paper_objective().value
    fig.set_layout_engine("constrained")
    paths, lim = dict.fromkeys(methods, np.ones((1, 2))), (-view, view)
    levels = np.geomspace(1e-3, 4, 14) * (view / 2.2) ** 2
    options = {"levels": levels, "colors": {"SGD": PALETTE["sky"]}}
    return plot_paths(fig.subplots(), value, paths, lim, lim, **options)


def show_methods(artists, objective, runs, title="") -> str:
    """Move :func:`draw_methods`' artists to ``runs`` (``{name: path}``), set the
    title, and return each method's final loss and sharpness as a status line."""
    move_paths(artists, runs)
    artists[1].axes.set_title(title)
    ends = {name: np.asarray(path)[-1] for name, path in runs.items()}
    return "; ".join(
        f"{name} loss {objective.value(w):.3f} sharpness {objective.sharpness(w):.3f}"
        for name, w in ends.items()
    )


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


def update_gradient_levels(
    artists, eta, lam_d, radius, *, direction=(0.3, 0.5, 0.6, 0.55), n_steps=120
):
    """Chapter 4's explorer: one SAM run in ``d = 4`` with ρ = 1 and eigenvalues
    spaced geometrically from ``λ1 = 1`` down to ``lam_d``, from
    ``v0 = radius · direction``, drawn by :func:`show_gradient_levels`.

    Lemma 5's constants come from :func:`samlib.quadratic_constants`, which raises a
    ``ValueError`` for ``η ≥ 1/(2λ1)``; the run is :func:`samlib.proof.sam_gradients`.

    Returns
    -------
    str
        ``b``, ``β1`` and Lemma 6's ``T`` for the start.
    """
    from samlib.proof import lemma6_descent_time, sam_gradients
    from samlib.quadratic import quadratic_constants

    direction = np.asarray(direction, dtype=float)
    lams = np.geomspace(1.0, lam_d, direction.size)
    c = quadratic_constants(lams, eta, 1.0)
    v = sam_gradients(radius * direction, lams, eta, 1.0, n_steps)
    show_gradient_levels(artists, v, c, eta=eta, lam_d=lam_d)
    T = lemma6_descent_time(lams, eta, 1.0, radius)
    return f"b = {c.b:.3g}, β1 = {c.beta[0]:.3g}, Lemma 6: T = {T:.0f}"


# ----------------------------------------------------------------- Chapter 7's figures
# Drawings that Chapter 7's explorers and figures share, each on a given ``ax``.


def plot_orbit_amplitudes(ax, betas, periods, amp1, amp2, cycle):
    """Where runs of SAM with momentum end: each run's final amplitude against β.

    ``periods``, ``amp1`` and ``amp2`` have shape ``(runs, len(betas))``: the period of
    each final orbit (:func:`samlib.variants.orbit_periods`, 0 for none) and its
    amplitudes along ``e1`` and ``e2``. Runs are coloured by period; runs whose orbit
    lies along ``e2`` (``amp2 > 1e-3``) are crosses at their ``e2`` amplitude; the
    2-cycle amplitude ``cycle`` (one per β) is the dashed curve (Chapter 7.3).
    """
    B = np.broadcast_to(betas, periods.shape)
    along_e2 = amp2 > 1e-3
    for p in np.unique(periods[~along_e2]):
        sel = (periods == p) & ~along_e2
        name = f"period {p}" if p else "no period ≤ 24"
        ax.plot(B[sel], amp1[sel], "o", ms=4, alpha=0.6, label=name)
    ax.plot(
        B[along_e2],
        amp2[along_e2],
        "x",
        color=PALETTE["neutral"],
        ms=6,
        label="orbit along $e_2$",
    )
    ax.plot(betas, cycle, "--", color="black", lw=1.2, label=r"2-cycle $c_\beta$")
    ax.set(xlabel="momentum β", ylabel="amplitude of the final orbit", yscale="log")


def plot_separable_data(ax, X, labels, u_star):
    """Two classes of points in the plane, the max-margin direction ``u*`` as an
    arrow and the separating line through 0 perpendicular to it (Chapter 7.4)."""
    for label, marker in [(1, "o"), (-1, "s")]:
        ax.plot(*X[labels == label].T, marker, label=f"$y = {label:+d}$")
    ax.axline((0, 0), (-u_star[1], u_star[0]), color=PALETTE["neutral"], lw=1)
    arrow = {"arrowstyle": "->", "color": PALETTE["neutral"], "lw": 1.5}
    ax.annotate("", xy=1.5 * u_star, xytext=(0, 0), arrowprops=arrow)
    ax.text(*(1.6 * u_star), r"$u^\star$")
    ax.set(aspect="equal", xlabel="$x_1$", ylabel="$x_2$")


#: Colours of the six methods of the generalisation study (Chapter 7.8): GD green,
#: SAM in blues from the smallest radius to the largest, USAM purple, SGD vermillion.
STUDY_COLOURS = (
    PALETTE["gd"],
    PALETTE["sky"],
    PALETTE["sam"],
    "#003f66",
    PALETTE["usam"],
    PALETTE["accent"],
)


def plot_study_flatness(ax, result, noise, metric, colours=STUDY_COLOURS):
    """Test accuracy (%) against a flatness ``metric`` at the end of training.

    One dot per run of a :class:`samlib.generalisation.StudyResult` at the label
    noise ``noise``, and per method a square at the means with bars for the 95 %
    t-intervals of both (:meth:`~samlib.generalisation.StudyResult.interval`),
    labelled with the method's name (Chapter 7.8).
    """
    for m, method in enumerate(result.study.methods):
        runs = result.select(noise=noise, method=m)
        x, y = result.table[metric][runs], 100 * result.table["test_accuracy"][runs]
        ax.plot(x, y, "o", ms=3.5, alpha=0.45, color=colours[m])
        (mx, hx), (my, hy) = (
            result.interval(key, noise, m) for key in (metric, "test_accuracy")
        )
        ax.errorbar(
            mx,
            100 * my,
            xerr=hx,
            yerr=100 * hy,
            fmt="s",
            ms=6,
            capsize=2,
            color=colours[m],
            label=method.name,
        )
    ax.set_ylabel("test accuracy (%)")


def plot_study_curves(ax, result, noise, colours=STUDY_COLOURS):
    """Each method's mean test accuracy (%) over its seeds along training, from the
    first checkpoint on, at the label noise ``noise`` (Chapter 7.8)."""
    for m, method in enumerate(result.study.methods):
        runs = result.select(noise=noise, method=m)
        accuracy = 100 * result.curves["test_accuracy"][1:, runs].mean(axis=1)
        ax.plot(result.steps[1:], accuracy, color=colours[m], lw=1.8, label=method.name)


def _empty_lines(ax, styles, **common):
    """One empty ``Line2D`` per ``(format, colour, label)`` style, for an explorer's
    ``update`` to fill (``label`` None: not in the legend)."""
    return [
        ax.plot([], [], fmt, color=colour, label=label, **common)[0]
        for fmt, colour, label in styles
    ]


def _log_steps(ax, n_steps, ylim, ylabel, **more):
    """A logarithmic step axis from 1 to ``n_steps``."""
    ax.set(
        xscale="log",
        xlim=(1, n_steps),
        ylim=ylim,
        xlabel="step $t$",
        ylabel=ylabel,
        **more,
    )


def draw_valley_runs(fig, n_steps: int = 1500):
    """The layout of Chapter 7.1's explorer, SAM and USAM on the valley ``xy = 1``.

    Left, :func:`plot_product_valley` over ``[0, 3.4] × [0, 2]`` with an empty path
    for SAM and one for USAM; right, on a logarithmic step axis up to ``n_steps``,
    empty curves for SAM's sharpness, its edge, USAM's sharpness, USAM's edge and
    GD's edge, with a legend. Returns
    ``(paths, curves)``, the lists of those ``Line2D`` (``update`` fills them).
    """
    left, right = fig.subplots(1, 2)
    plot_product_valley(left, (0.0, 3.4), (0.0, 2.0))
    left.set_title("(a) the paths")
    above = {"zorder": 3}  # above the axes and the legend: an update redraws them only
    paths = _empty_lines(
        left, [("-", PALETTE["sam"], None), ("-", PALETTE["usam"], None)], lw=0.4
    )
    _log_steps(right, n_steps, (0, 15), "curvature", title="(b) sharpness and edges")
    curves = _empty_lines(
        right,
        [
            ("-", PALETTE["sam"], "SAM"),
            ("--", PALETTE["theory"], r"$\lambda_{\mathrm{SAM}}$"),
            ("-", PALETTE["usam"], "USAM"),
            (":", PALETTE["usam"], "USAM's edge"),
            ("-", PALETTE["gd"], r"$2/\eta$"),
        ],
        **above,
    )
    right.legend(loc="upper right", bbox_to_anchor=(1, 0.86), ncols=2).set_zorder(2.9)
    return paths, curves


def plot_final_amplitudes(ax, lams, amplitudes, cycle, edges):
    """The size of the last iterates of runs on ``½λw²`` against λ (Chapter 7.2).

    ``amplitudes`` maps a method's name to ``(values, marker, colour)``; values are
    clipped to ``[1e-14, 1e5]`` (NaN, a diverged run, is drawn at ``1e5``).
    ``cycle`` is the 2-cycle amplitude for each λ (NaN where there is none) and
    ``edges`` maps a name to a threshold, drawn as a dotted vertical line.
    """
    for name, (values, marker, colour) in amplitudes.items():
        shown = np.clip(np.nan_to_num(values, nan=np.inf), 1e-14, 1e5)
        ax.semilogy(lams, shown, marker, ms=3, color=colour, label=name)
    ax.semilogy(lams, cycle, color=PALETTE["theory"], label="2-cycle")
    for name, x in edges.items():
        ax.axvline(x, color=PALETTE["neutral"], ls=":", lw=1)
        ax.text(x, 1e2, f" {name}")
    ax.set(xlabel=r"$\lambda$", ylabel="$|w|$ after 300 steps")


def draw_valley_path(fig, n_steps: int = 1500):
    """The layout of Chapter 7.3's explorer: a path on :func:`plot_product_valley`
    over ``[0, 3.4] × [0, 2]`` (left) and its bounce-averaged sharpness on a
    logarithmic step axis up to ``n_steps`` (right).

    Returns the two empty ``Line2D``: ``(path, sharpness)``.
    """
    left, right = fig.subplots(1, 2)
    plot_product_valley(left, (0.0, 3.4), (0.0, 2.0))
    (path,) = left.plot([], [], "o-", ms=1, lw=0.3, color=PALETTE["sam"])
    (sharpness,) = right.plot([], [], color=PALETTE["sam"])
    _log_steps(right, n_steps, (0, 10), "sharpness (bounce average)")
    return path, sharpness


def plot_over_steps(ax, values, labels, colours, *, log_x=True):
    """Columns of ``values`` (steps first, from step 1) as curves against the step."""
    steps = np.arange(1, len(values) + 1)
    for column, label, colour in zip(values.T, labels, colours, strict=True):
        ax.plot(steps, column, color=colour, label=label)
    ax.set(xscale="log" if log_x else "linear", xlabel="step $t$")


def plot_network_training(axes, checkpoints, loss, sharpness, sam_edge, bounces, eta):
    """Chapter 7.5's three panels, for GD (green) and SAM (blue).

    ``loss`` and ``sharpness`` are ``{name: values at the checkpoints}`` for
    ``"GD"`` and ``"SAM"``; ``sam_edge`` is SAM's edge at every step (from step 1);
    ``bounces`` maps the two names to the components of their last steps along the
    top eigenvector (:class:`samlib.network.Bounce`).
    """
    colours = {"GD": PALETTE["gd"], "SAM": PALETTE["sam"]}
    for name, colour in colours.items():
        axes[0].semilogy(checkpoints, loss[name], color=colour, label=name)
        axes[1].plot(checkpoints, sharpness[name], color=colour, label=name)
        steps = np.arange(-len(bounces[name]), 0) + checkpoints[-1]
        axes[2].plot(steps, bounces[name], "o-", ms=3, lw=0.6, color=colour)
    axes[1].axhline(2 / eta, color=PALETTE["gd"], ls="--", lw=1, label=r"$2/\eta$")
    axes[1].plot(
        np.arange(1, len(sam_edge) + 1),
        sam_edge,
        ":",
        color=PALETTE["sam"],
        lw=1.2,
        label="SAM's edge",
    )
    axes[2].axhline(0, color=PALETTE["neutral"], lw=0.5)
    axes[0].set(ylabel="training loss", title="(a) loss")
    axes[1].set(ylabel="sharpness", ylim=(0, 5), title="(b) sharpness")
    axes[2].set(
        ylabel=r"$\langle\theta_{t+1} - \theta_t, v_1\rangle$", title="(c) the bounce"
    )
    for ax in axes:
        ax.set_xlabel("step $t$")
    axes[0].legend()
    axes[1].legend(loc="lower right")


def draw_width_measures(ax, s, measures):
    """Measures of width along a curve of minima, each scaled to [0, 1] on the
    plotted range, with a dot at each minimiser, and an empty line and dot for the
    regularised log det that Chapter 7.7's explorer moves. Returns ``(line, dot)``.
    """
    colours = [PALETTE["sam"], PALETTE["usam"], PALETTE["gd"]]
    for (name, v), colour in zip(measures.items(), colours, strict=True):
        ax.semilogx(s, (v - v.min()) / np.ptp(v), color=colour, lw=1.8, label=name)
        ax.plot(s[v.argmin()], 0, "o", color=colour, ms=7)
    name = r"$\log\det(H + \varepsilon I)$"
    (line,) = ax.plot([], [], color=PALETTE["theory"], lw=2.5, label=name)
    (dot,) = ax.plot([], [], "o", color=PALETTE["theory"], ms=9)
    ax.set(xlabel="$s$", ylabel="normalised measure", ylim=(-0.05, 1.05))
    ax.set_xticks([0.2, 0.5, 1, 2, 3], ["0.2", "0.5", "1", "2", "3"])
    ax.minorticks_off()
    ax.legend(loc="upper center")
    return line, dot


def draw_saddle_escape(fig, J_value, minima, saddles, n_steps: int):
    """The layout of Chapter 7.9's explorer: J's contours in the plane ``u/ρ`` with
    its minima (plus signs) and saddles (crosses) on the left, distances on a
    logarithmic axis on the right. Returns ``(paths, lines)``: empty lines for SAM
    and gradient descent on J (left) and for their distances to the saddle and the
    linearised growth (right).
    """
    left, right = fig.subplots(1, 2)
    plot_contours(left, J_value, (-0.45, 0.45), (-0.45, 0.45), n=121, levels=18)
    left.plot(*np.transpose(minima), "P", color="black", ms=8)
    left.plot(*np.transpose(saddles), "X", color=PALETTE["accent"], ms=8)
    style = {"zorder": 3, "ms": 2.5, "lw": 0.8}  # above the axes: only they redraw
    kinds = [("o-", PALETTE["sam"], "SAM"), ("s-", PALETTE["theory"], "GD on J")]
    paths = _empty_lines(left, kinds, **style)
    lines = _empty_lines(right, [*kinds, (":", PALETTE["neutral"], "ε μᵗ")], **style)
    left.set(xlabel="u₁/ρ", ylabel="u₂/ρ", title=" ")  # room for the title
    right.set(
        xlabel="step $t$",
        ylabel=r"$\|u_t - u_{\mathrm{saddle}}\|/\rho$",
        yscale="log",
        xlim=(0, n_steps),
        ylim=(1e-15, 10),
    )
    right.legend(loc="lower right").set_zorder(2.9)  # below the lines: never redrawn
    return left, paths, lines


def draw_study_runs(fig, steps, n_seeds: int):
    """The layout of Chapter 7.8's explorer: test accuracy along training (left) and
    at the end against λmax (right), with empty artists for ``update`` to fill.

    Returns ``(left, seeds, mean, gd, dots)``: the left axes, ``n_seeds`` thin lines
    for SAM's runs, SAM's mean, GD's mean (dashed), and three scatter plots (all
    runs in grey, GD, SAM) on the right. The moving artists are drawn above the
    axes and the legends below them, so that an update redraws only the artists.
    """
    left, right = fig.subplots(1, 2)
    up = {"zorder": 3}
    blue, green = PALETTE["sam"], PALETTE["gd"]
    seeds = left.plot(
        steps, np.zeros((len(steps), n_seeds)), color=blue, lw=0.6, alpha=0.5, **up
    )
    (mean,) = left.plot(steps, 0 * steps, color=blue, lw=2.5, label="SAM, mean", **up)
    (gd,) = left.plot(steps, 0 * steps, "--", color=green, lw=2, label="GD, mean", **up)
    kinds = [("all runs", 10, "0.75"), ("GD", 18, green), ("SAM", 18, blue)]
    dots = [right.scatter([], [], s=s, color=c, label=k, **up) for k, s, c in kinds]
    left.set(xlabel="step", ylabel="test accuracy (%)", ylim=(50, 92), title=" ")
    right.set(xlabel=r"$\lambda_{\max}$ at the end", xlim=(1.5, 4.8), ylim=(50, 92))
    for ax, where in [(left, "lower right"), (right, "upper right")]:
        ax.legend(loc=where).set_zorder(2.9)
    return left, seeds, mean, gd, dots


def plot_momentum_orbits(axes, betas, periods, amp1, amp2, cycle, fraction):
    """Chapter 7.3's first figure on two axes: (a) where the runs end, drawn by
    :func:`plot_orbit_amplitudes`, and (b) the ``fraction`` of starts that end on the
    2-cycle, against β. Returns the line of panel (b).
    """
    left, right = axes
    plot_orbit_amplitudes(left, betas, periods, amp1, amp2, cycle)
    left.set_title(f"(a) where {periods.shape[0]} starts end")
    left.legend(loc="upper left", ncols=2)
    (line,) = right.plot(betas, fraction, "o-")
    right.set(xlabel="momentum β", ylabel="fraction of starts")
    right.set_title("(b) on the 2-cycle")
    return line


def plot_momentum_drift(
    axes, betas, sharpness, speedup, two_cycle, lam1, eta, shown=(0, 3, 6, 7)
):
    """Chapter 7.3's drift figure on two axes.

    (a) The bounce-averaged ``sharpness`` (steps first, one column per β) for the
    columns ``shown``; (b) the measured ``speedup`` ``T(0)/T(β)`` against β, filled
    where the bounce is a 2-cycle (``two_cycle``) and open where it is not, with the
    heuristic ``F(β)`` of :func:`samlib.variants.momentum_drift_factor` at ``lam1``
    and ``eta`` and the curve ``1/(1 - β)``. Returns the lines of panel (b).
    """
    from samlib.variants import momentum_drift_factor

    left, right = axes
    shown = list(shown)
    labels = [f"β = {beta:g}" for beta in betas[shown]]
    colours = [f"C{k}" for k in range(len(shown))]
    plot_over_steps(left, sharpness[:, shown], labels, colours)
    left.set(ylabel="sharpness (bounce average)", title="(a) the drift")
    fine, two = np.linspace(0, betas.max(), 100), np.asarray(two_cycle)
    lines = right.semilogy(betas[two], speedup[two], "o", label="measured, 2-cycle")
    lines += right.plot(
        betas[~two], speedup[~two], "o", mfc="none", c="C0", label="period 4"
    )
    factor = momentum_drift_factor(fine, lam1, eta)
    lines += right.plot(fine, factor, label=r"$F(\beta)$")
    lines += right.plot(fine, 1 / (1 - fine), "--", c="0.3", label=r"$1/(1 - \beta)$")
    right.set(xlabel="momentum β", ylabel=r"speed-up $T(0)/T(\beta)$")
    right.set_title("(b) speed")
    left.legend()
    right.legend()
    return lines


def show_valley_path(artists, objective, path, title=""):
    """Move :func:`draw_valley_path`'s artists to one run ``path`` (steps first)
    and title the left panel (Chapter 7.3's explorer).

    The right curve is the sharpness averaged over the two points of each bounce
    (:func:`samlib.variants.bounce_average`). Raises ``ValueError`` if the run left
    ``|w| < 1000`` (or diverged); returns a status line with the first step at which
    that sharpness is below 4 and its final value.
    """
    from samlib.variants import bounce_average

    path_line, sharp_line = artists
    if not np.abs(path).max() < 1e3:
        raise ValueError("the iterates left |w| < 1000. Try a smaller β or ρ.")
    sharp = bounce_average(objective.sharpness(path))
    path_line.set_data(*np.transpose(path))
    sharp_line.set_data(np.arange(1, len(sharp) + 1), sharp)
    path_line.axes.set_title(title)
    reached = f"step {np.argmax(sharp < 4)}" if sharp.min() < 4 else "not reached"
    return f"sharpness < 4: {reached}; final sharpness {sharp[-1]:.2f}"


def plot_logistic_runs(axes, X, labels, u_star, gamma, rhos, norms, angles, ratio):
    """Chapter 7.4's four panels on a 2 × 2 array of axes: (a) the data and the
    max-margin direction ``u_star`` (:func:`plot_separable_data`), and along the
    runs (steps first, one column per ρ, ρ = 0 being GD) (b) ``norms`` with the
    curve ``log t/γ`` (``gamma``, the margin), (c) ``angles`` to ``u_star`` in
    degrees, (d) the sharpness over SAM's edge, ``ratio``, on a log scale.
    """
    plot_separable_data(axes[0, 0], X, labels, u_star)
    axes[0, 0].set(xlim=(-3.3, 3.3), ylim=(-3.3, 3.3), title="(a) the data")
    names = ["GD"] + [f"SAM, ρ = {rho:g}" for rho in rhos[1:]]
    colours = ["C1", "C5", "C0", "#003f66"][: len(rhos)]  # GD green, SAM in blues
    for ax, values in zip(axes.flat[1:], [norms, angles, ratio], strict=True):
        plot_over_steps(ax, values[1:], names, colours)
    t = np.arange(1, len(norms))
    axes[0, 1].plot(t, np.log(t) / gamma, "--", c="0.3")
    axes[0, 1].set(ylabel=r"$\|w_t\|$", title=r"(b) the norm grows like $\log t$")
    axes[1, 0].set(ylabel=r"angle to $u^\star$ (degrees)", title="(c) the direction")
    axes[1, 1].set(ylabel="sharpness / edge", yscale="log", title="(d) no bounce")
    axes[0, 0].legend(loc="lower right")
    axes[0, 1].legend()


def plot_local_lemma10(
    axes, sizes, worst, slopes, leading, rhos, centre, predicted, amplitude
):
    """Chapter 7.9's first figure on two axes, log-log.

    (a) One step: for each loss in ``worst`` (``{name: largest discrepancy at each
    of sizes}``, with its fitted slope in ``slopes``), the discrepancy against
    ``s = ‖y‖ = ρ``, and the ``leading`` term. (b) Where SAM ends: the measured
    offset ``-centre`` of the cycle's centre against ρ (``rhos``), the ``predicted``
    one (``-predicted = cρ²``, its coefficient in the label) and the bounce's
    ``amplitude``. Returns the three lines of panel (b).
    """
    left, right = axes
    for name, values in worst.items():
        left.loglog(sizes, values, "o-", label=f"{name}: slope {slopes[name]:.2f}")
    left.loglog(sizes, leading, "--", color="black", lw=1, label="leading term (cubic)")
    left.set(xlabel=r"$s = \|w - w^\star\| = \rho$", ylabel="largest discrepancy")
    coefficient = -predicted[0] / rhos[0] ** 2
    lines = right.loglog(rhos, -centre, "o", label="offset of the cycle's centre")
    lines += right.loglog(
        rhos, -predicted, label=rf"predicted ${coefficient:.6g}\rho^2$"
    )
    lines += right.loglog(
        rhos, amplitude, "s--", c="0.3", ms=4, label=r"bounce $\beta_1/\lambda_1$"
    )
    right.set(xlabel=r"$\rho$", ylabel="distance", title="(b) where SAM ends (cubic)")
    left.set_title("(a) one step")
    left.legend()
    right.legend()
    return lines


def plot_saddle_escapes(
    axes, mu, radius, eps, distance, t_eps, predicted_eps, sigmas, t_sigma, t_pred
):
    """Chapter 7.9's escape figure on two axes.

    (a) The distance to the saddle along the runs nudged by ``eps`` (``distance``,
    steps first, one column per ε; every other one drawn), the linearised growth
    ``ε μᵗ`` and the radius at which a run has escaped. (b) The escape times
    ``t_eps`` against ε with their prediction ``predicted_eps``, and the escape
    times ``t_sigma`` (one row per σ of ``sigmas``, one column per seed) as mean ±
    standard deviation with their prediction ``t_pred``.
    """
    left, right = axes
    t, growing = np.arange(len(distance)), np.arange(16)
    left.semilogy(t, distance[:, ::2], color="C0", lw=1)
    left.semilogy(growing, eps[::2] * mu ** growing[:, None], ":", color="black", lw=1)
    left.axhline(radius, color="0.3", lw=0.8, ls="--")
    ylabel = r"$\|u_t - u_{\mathrm{saddle}}\|$"
    left.set(xlabel="step $t$", ylabel=ylabel, ylim=(1e-15, 0.1))
    low, high = np.log10(eps[0]), np.log10(eps[::2][-1])
    left.set_title(
        rf"(a) from $\varepsilon = 10^{{{low:.0f}}}, \dots, 10^{{{high:.0f}}}$"
    )
    right.semilogx(eps, t_eps, "o", label=r"nudged by $\varepsilon$")
    right.plot(eps, predicted_eps, lw=1, label="linearised")
    mean, sd = t_sigma.mean(axis=1), t_sigma.std(axis=1)
    seeds = t_sigma.shape[1]
    right.errorbar(
        sigmas, mean, sd, fmt="s", ms=4, c="C2", label=rf"noise $\sigma$, {seeds} seeds"
    )
    right.plot(sigmas, t_pred, "--", color="C2", lw=1, label="predicted")
    right.set(xlabel=r"$\varepsilon$ or $\sigma$", ylabel="escape time (steps)")
    right.set_title("(b) escape times")
    right.legend()


def show_saddle_escape(artists, sam, gd, point, rho, eps, mu):
    """Move :func:`draw_saddle_escape`'s artists to SAM's and J's gradient descent's
    paths ``sam`` and ``gd`` from the saddle ``point`` nudged by ``eps``
    (:func:`samlib.local_potential.saddle_paths`), in the plane ``u/ρ``, with the
    linearised growth ``ε μᵗ`` (Chapter 7.9's explorer).

    Returns a status line: SAM's escape time to half the saddle's distance from the
    origin, and the linearised prediction.
    """
    from samlib.local_potential import escape_time, escape_time_prediction

    left, paths, lines = artists
    t, half = np.arange(len(sam)), 0.5 * np.linalg.norm(point)
    for path, line, found in zip(paths, lines, (sam, gd), strict=False):
        path.set_data(*(found / rho).T)
        line.set_data(t, np.linalg.norm(found - point, axis=-1) / rho)
    lines[2].set_data(t[:20], eps * mu ** t[:20] / rho)
    left.set_title(f"ρ = {rho:.3g}, ε = 1e{np.log10(eps):.0f}")
    escaped = escape_time(np.linalg.norm(sam - point, axis=-1), half)
    predicted = escape_time_prediction(mu, half, eps)
    return f"SAM leaves at step {escaped:.1f}; linearised J predicts {predicted:.1f}"


def plot_study_flatness_grid(axes, result):
    """Chapter 7.8's flatness figure on a 2 × 2 array of axes: one row per label
    noise level of the study, the test accuracy against λmax (left) and against the
    trace (right), each by :func:`plot_study_flatness`.
    """
    labels = {
        "lam_max": r"$\lambda_{\max}$ at the end",
        "trace": "trace of the Hessian",
    }
    for row, noise in zip(axes, result.study.noise, strict=True):
        for ax, (metric, label) in zip(row, labels.items(), strict=True):
            plot_study_flatness(ax, result, noise, metric)
            ax.set(xlabel=label, title=f"label noise {100 * noise:.0f} %")
    axes[0, 0].legend(loc="lower left")


def plot_study_curves_by_noise(axes, result):
    """Chapter 7.8's accuracy curves: :func:`plot_study_curves` on one axes per
    label noise level of the study."""
    for ax, noise in zip(axes, result.study.noise, strict=True):
        plot_study_curves(ax, result, noise)
        title = f"label noise {100 * noise:.0f} %"
        ax.set(xlabel="step (SGD: after the same passes)", title=title)
    ylabel = f"test accuracy (%), mean of {len(result.study.seeds)} seeds"
    axes[0].set(ylabel=ylabel, ylim=(50, 90))
    axes[0].legend(loc="lower right")


def show_study_runs(artists, result, rho, noise):
    """Move :func:`draw_study_runs`' artists to the SAM runs of radius ``rho`` at the
    label noise ``noise`` of a study ``result`` (Chapter 7.8's explorer): SAM's
    accuracy curves and their mean, GD's mean, and the final λmax and accuracy of
    all runs, GD's and SAM's.

    Raises ``ValueError`` if the study has no SAM run of radius ``rho``; returns the
    seed-by-seed difference SAM − GD in test accuracy
    (:func:`samlib.generalisation.paired_difference`) as a status line.
    """
    from samlib.generalisation import paired_difference

    left, seeds, mean, gd, dots = artists
    accuracy = 100 * result.curves["test_accuracy"][1:]  # from the first checkpoint
    lam, final = result.table["lam_max"], 100 * result.table["test_accuracy"]
    sam_method = result.sam_method(rho)
    sam = result.select(noise=noise, method=sam_method)
    gd_runs = result.select(noise=noise, method=0)
    for line, run in zip(seeds, sam, strict=True):
        line.set_ydata(accuracy[:, run])
    mean.set_ydata(accuracy[:, sam].mean(axis=1))
    gd.set_ydata(accuracy[:, gd_runs].mean(axis=1))
    for dot, runs in zip(dots, [result.select(noise=noise), gd_runs, sam], strict=True):
        dot.set_offsets(np.c_[lam[runs], final[runs]])
    left.set_title(f"SAM ρ = {rho:.2g}, label noise {100 * noise:.0f} %")
    diff, half = paired_difference(result, "test_accuracy", noise, sam_method)
    return f"SAM − GD, seed by seed: {100 * diff:+.1f} ± {100 * half:.1f} points"


def show_valley_runs(artists, objective, sam, usam, eta, rho):
    """Move :func:`draw_valley_runs`' artists to a run of SAM and one of USAM from
    the same start (steps first), at the step size ``eta`` and radius ``rho``
    (Chapter 7.1's explorer).

    The curves are SAM's sharpness and its edge :func:`samlib.stability.sam_edge`,
    both averaged over the two points of each bounce
    (:func:`samlib.variants.bounce_average`), USAM's sharpness, and the constant
    edges of USAM and GD. Raises ``ValueError`` if a run left ``|w| < 1000``;
    returns the final sharpness of both as a status line.
    """
    from samlib.stability import gd_edge, sam_edge, usam_edge
    from samlib.variants import bounce_average

    paths, curves = artists
    if not np.all(np.abs([sam, usam]) < 1e3):
        raise ValueError("the iterates left |w| < 1000. Try a smaller η or ρ.")
    sharp = bounce_average(objective.sharpness(sam))
    grad_norm = bounce_average(np.linalg.norm(objective.grad(sam), axis=-1))
    ys = [sharp, sam_edge(grad_norm, eta, rho), objective.sharpness(usam[1:])]
    ys += [np.full_like(sharp, edge) for edge in (usam_edge(eta, rho), gd_edge(eta))]
    for line, path in zip(paths, (sam, usam), strict=True):
        line.set_data(*np.transpose(path))
    steps = np.arange(1, len(sharp) + 1)
    for line, y in zip(curves, ys, strict=True):
        line.set_data(steps, y)
    curves[0].axes.set_title(f"(b) η = {eta:.3g}, ρ = {rho:.3g}")
    return f"final sharpness: SAM {ys[0][-1]:.2f}, USAM {ys[2][-1]:.2f}"


def plot_sam_vs_usam(axes, lams, amplitudes, cycle, edges, sharp_start, sharp_ends):
    """Chapter 7.2's figure on two axes.

    (a) Quadratics, by :func:`plot_final_amplitudes`: ``amplitudes`` maps ``"SAM"``
    and ``"USAM"`` to the size of their last iterates on ``½λw²`` for each λ of
    ``lams``, ``cycle`` is the 2-cycle's amplitude and ``edges`` maps ``"USAM's
    edge"`` and ``"GD's edge"`` to their thresholds. (b) The valley: the sharpness
    at the end of each run, ``sharp_ends`` (``{"SAM": ..., "USAM": ...}``), against
    the sharpness at its start, with the diagonal and USAM's edge (dotted).
    """
    left, right = axes
    styles = {"SAM": ("o", "C0"), "USAM": ("s", "C3")}
    runs = {name: (amplitudes[name], *style) for name, style in styles.items()}
    plot_final_amplitudes(left, lams, runs, cycle, edges)
    left.set_title("(a) quadratics")
    left.legend(loc="lower right")
    for name, (marker, colour) in styles.items():
        right.plot(sharp_start, sharp_ends[name], marker, c=colour, label=name)
    right.plot([0, 11], [0, 11], c="0.3", lw=0.8, label="no change")
    right.axhline(edges["USAM's edge"], color="0.3", ls=":", lw=1)
    right.set(xlabel="sharpness at the start", ylabel="after 1500 steps")
    right.set(xlim=(1.5, 11), ylim=(0, 11), title="(b) the valley: drift or not")
    right.legend(loc="upper left")


def plot_stochastic_sam_runs(axes, curve, s, full, one):
    """Chapter 7.6's figure on two axes.

    (a) λmax and the trace of the Hessian along the curve of minima ``curve``
    (:class:`samlib.widths.ScaleCurve`) at the points ``s``; (b) the output weight
    ``s = w2`` along the runs of full-batch SAM (``full``, shape ``(T + 1, starts,
    P)``) and of 1-SAM (``one``, ``(T + 1, seeds, starts, P)``). Dotted lines mark
    the minimisers of λmax (blue) and of the trace (red) in both panels.
    """
    left, right = axes
    spectra = curve.spectrum(s)
    left.plot(s, spectra[:, -1], label=r"$\lambda_{\max}(s)$")
    left.plot(s, spectra.sum(-1), "C3", label="trace(s)")
    right.plot(full[..., -1], "C0", lw=2)[0].set_label("full-batch SAM")
    for start in range(one.shape[2]):
        lines = right.plot(one[:, :, start, -1], "C3", lw=0.5)
        if start == 0:
            lines[0].set_label("1-SAM")
    for colour, s_min in [
        ("C0", curve.lam_max_minimiser),
        ("C3", curve.trace_minimiser),
    ]:
        left.axvline(s_min, color=colour, ls=":", lw=1)
        right.axhline(s_min, color=colour, ls=":", lw=1)
    left.set(xlabel="$s$ (position along the curve)", ylabel="curvature", ylim=(0, 8))
    right.set(xlabel="step $t$", ylabel="$s = w_2$", title="(b) where the iterates go")
    left.set_title("(a) two measures of sharpness")
    left.legend()
    right.legend(loc="upper right")


def draw_width_panels(fig, s, measures, chains=None, median=None, every: int = 20):
    """The layout of Chapter 7.7's figure and explorer: (a) measures of width along
    the curve, by :func:`draw_width_measures`, and, if ``chains`` is given, (b) the
    output weight of noisy GD's chains (steps first) and their ``median``, every
    ``every`` steps. Returns ``(left, line, dot)``, the artists that
    :func:`show_log_det` moves.
    """
    left, right = fig.subplots(1, 2) if chains is not None else (fig.subplots(), None)
    line, dot = draw_width_measures(left, s, measures)
    if chains is not None:
        right.plot(chains[::every], color=PALETTE["gd"], lw=0.4)
        right.plot(median[::every], color=PALETTE["gd"], lw=2.5)
        xlabel = f"step $t$ / {every}"
        right.set(xlabel=xlabel, ylabel="$s = w_2$", title="(b) noisy GD")
    return left, line, dot


def show_log_det(artists, s, values, s_min, eps):
    """Move :func:`draw_width_panels`' artists to ``log det(H + εI)``: its
    ``values`` at the points ``s``, scaled to [0, 1], and a dot at its minimiser
    ``s_min`` (drawn at the left edge if it lies beyond it). Returns a status line.
    """
    left, line, dot = artists
    line.set_data(s, (values - values.min()) / np.ptp(values))
    dot.set_data([max(s_min, s[0])], [0])
    left.set_title(f"(a) ε = {eps:.3g}: log det smallest at s = {s_min:.2f}")
    return f"minimiser of log det(H + εI): s = {s_min:.3f}"


# ===================================================================================
# Chapters 4.3–4.5 (04b, 04c): the landscape of J, alignment curves, bounds against
# measurements. Each draw_* lays out the fixed parts and returns the artists that
# the matching show_* moves, so that a figure and an explorer share them.
# ===================================================================================


def draw_J_landscape(ax):
    """Empty artists for a heat map of J with a path of iterates and the stationary
    points (Figure 2 of the paper); fill them with :func:`show_J_landscape`.

    Returns
    -------
    dict
        ``image`` (the heat map), ``path`` (white dots joined in order) and
        ``stationary`` (black pluses).
    """
    image = ax.imshow(np.zeros((2, 2)), origin="lower", aspect="auto", cmap="viridis")
    (path,) = ax.plot([], [], "-o", color="white", markersize=3, linewidth=0.8)
    (stationary,) = ax.plot([], [], "k+", markersize=12, markeredgewidth=1.8)
    ax.set_xlabel("$u_1$")
    ax.set_ylabel("$u_2$")
    return {"image": image, "path": path, "stationary": stationary}


def show_J_landscape(artists, lams, eta, rho, u_path, xlim=None, ylim=None, n=160):
    """Draw J (Proposition 8) for ``d = 2`` on :func:`draw_J_landscape`'s artists.

    Parameters
    ----------
    artists : dict
        From :func:`draw_J_landscape`.
    lams, eta, rho
        The quadratic's eigenvalues ``(λ1, λ2)``, step size and radius (ηλ1 < 2).
    u_path : array_like, shape (T, 2)
        Sign-flipped iterates ``u_t = (-1)^t w_t``.
    xlim, ylim : pair of float, optional
        The window; by default 1.2 times the extent of the path and the stationary
        points, rounded up to 1, 2, 2.5 or 5 times a power of ten (so that small
        moves of an explorer keep the axes, which are then not redrawn).
    n : int
        Grid points per axis.

    Returns
    -------
    tuple of ndarray
        The grid ``(X, Y, Z)`` with ``Z = J``, for contour lines.
    """
    from samlib.potential import J, J_stationary_points

    u_path = np.asarray(u_path, dtype=float)
    points = np.array([p.point for p in J_stationary_points(lams, eta, rho)])
    if xlim is None or ylim is None:
        span = _nice_ceil(1.2 * np.abs(np.vstack([u_path, points])).max(axis=0))
        xlim, ylim = (-span[0], span[0]), (-span[1], span[1])
    key = (tuple(np.ravel(lams)), eta, rho, tuple(xlim), tuple(ylim), n)
    if artists.get("_grid_key") != key:  # the landscape changed: recompute it
        artists["_grid"] = contour_grid(lambda u: J(u, lams, eta, rho), xlim, ylim, n)
        artists["_grid_key"] = key
        Z = artists["_grid"][2]
        image = artists["image"]
        image.set_data(Z)
        image.set_extent((*xlim, *ylim))
        image.set_clim(Z.min(), Z.max())
        image.axes.set_xlim(*xlim)
        image.axes.set_ylim(*ylim)
    artists["path"].set_data(u_path[:, 0], u_path[:, 1])
    artists["stationary"].set_data(points[:, 0], points[:, 1])
    return artists["_grid"]


def _nice_ceil(x):
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is ≥ x (elementwise)."""
    x = np.asarray(x, dtype=float)
    power = 10.0 ** np.floor(np.log10(x))
    steps = np.array([1.0, 2.0, 2.5, 5.0, 10.0])
    mantissa = steps[
        np.argmax(steps[:, None] >= (x / power).ravel() * (1 - 1e-12), axis=0)
    ]
    return mantissa.reshape(x.shape) * power


def plot_against_diagonal(ax, x, y, *, floor=1e-14, label=None, color=None):
    """Points ``(x, y)`` on log-log axes with the diagonal ``y = x`` (points with
    ``x ≤ floor`` left out): a bound against what it bounds."""
    x, y = np.ravel(x), np.ravel(y)
    keep = x > floor
    ax.loglog(
        x[keep], y[keep], ".", markersize=2, alpha=0.3, color=color or PALETTE["sam"]
    )
    lim = [x[keep].min(), max(x[keep].max(), y[keep].max())]
    (diagonal,) = ax.loglog(lim, lim, color=PALETTE["accent"], label=label)
    return diagonal


def draw_alignment(ax, n_lines, length, *, xlabel="step $t$"):
    """Empty artists for ``δ_t`` curves (Definition 12) on a log scale and the
    guaranteed decay ``½(1 + μ)^{-2t}`` of Lemma 14 (dashed).

    Returns
    -------
    dict
        ``lines`` (a list of ``n_lines`` curves) and ``guide``.
    """
    lines = [
        ax.semilogy([], [], color=PALETTE["sam"], alpha=0.5, linewidth=1)[0]
        for _ in range(n_lines)
    ]
    (guide,) = ax.semilogy(
        [],
        [],
        "--",
        color=PALETTE["accent"],
        linewidth=1.5,
        label=r"$\frac{1}{2}(1+\mu)^{-2t}$",
    )
    ax.set_xlim(0, length)
    ax.set_ylim(1e-16, 2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(r"$\delta_t$")
    return {"lines": lines, "guide": guide}


def show_alignment(artists, delta, mu, start=None):
    """Put the columns of ``delta`` (shape ``(T, n)``, one per line) and the guide
    ``½(1 + μ)^{-2t}`` on :func:`draw_alignment`'s artists (values below 1e-17 are
    drawn at 1e-17, the floor of the axis). With ``start`` (one step per column),
    column k is drawn from its step ``start[k]``, at ``t = 0``."""
    delta = np.asarray(delta, dtype=float)
    length = artists["lines"][0].axes.get_xlim()[1]
    for k, line in enumerate(artists["lines"]):
        first = 0 if start is None else int(start[k])
        curve = delta[first : first + int(length) + 1, k]
        line.set_data(np.arange(curve.size), np.maximum(curve, 1e-17))
    t = np.arange(int(length) + 1)
    artists["guide"].set_data(t, 0.5 * (1 + mu) ** (-2.0 * t))


def plot_bound_against_measured(ax, xs, bound, measured, *, xlabel):
    """A bound (orange circles) and a measured count (blue squares) against ``xs``
    on log-log axes, with ``xs`` as the ticks."""
    ax.loglog(xs, bound, "o-", color=PALETTE["theory"], label="bound")
    ax.loglog(xs, measured, "s-", color=PALETTE["sam"], label="measured")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])
    ax.xaxis.set_minor_locator(_null_locator())
    ax.set_xlabel(xlabel)


def plot_alignment(ax, delta, lams, eta, *, length, start=None):
    """:func:`draw_alignment` with one curve per column of ``delta``, filled by
    :func:`show_alignment` with Lemma 14's rate μ for ``lams`` and ``eta``
    (:func:`samlib.proof.lemma14_mu`), from each run's step ``start`` if given
    (against the steps after it), and a legend. Returns the artists."""
    from samlib.proof import lemma14_mu

    delta = np.asarray(delta)
    xlabel = "step $t$" if start is None else r"steps after $T_0$, $t - T_0$"
    curves = draw_alignment(ax, delta.shape[1], length, xlabel=xlabel)
    show_alignment(curves, delta, lemma14_mu(lams, eta), start=start)
    ax.legend()
    return curves


def draw_alignment_panel(fig, n_lines=12, length=300):
    """One axes of :func:`draw_alignment` (by default Chapter 4.4's explorer: 12 runs
    of 300 steps) with an empty title, in a tight layout, for an explorer; returns
    ``(curves, title)`` for :func:`show_alignment_panel`."""
    fig.set_layout_engine("tight")
    ax = fig.subplots()
    curves = draw_alignment(ax, n_lines, length, xlabel="step $t$")
    return curves, ax.set_title("", fontsize=9)


def show_alignment_panel(artists, delta, lams, eta) -> str:
    """Show ``delta`` (``(T, n)``, one run a column) on :func:`draw_alignment_panel`'s
    artists with Lemma 14's rate ``μ`` for ``lams`` and ``eta``
    (:func:`samlib.proof.lemma14_mu`, which raises ``ValueError`` outside its
    assumptions), the title naming the settings and which term sets μ; returns the
    status line ``μ; δ_T ≤ max``."""
    from samlib.proof import lemma14_mu

    curves, title = artists
    lams = np.asarray(lams, dtype=float)
    mu = lemma14_mu(lams, eta)
    show_alignment(curves, delta, mu)
    which = (
        r"$\eta\lambda_d$" if mu == eta * lams[-1] else r"$\lambda_1^2/\lambda_2^2-1$"
    )
    settings = [rf"$\lambda_{i}={lam:.3g}$" for i, lam in enumerate(lams[1:], 2)]
    settings = ", ".join([*settings, rf"$\eta={eta:.2f}$"])
    title.set_text(rf"{settings}, $\mu={mu:.3f}$ = {which}")
    delta = np.asarray(delta)
    return f"μ = {mu:.4g}; δ_{len(delta) - 1} ≤ {delta[-1].max():.2g}"


def plot_theorem3_scaling(fig, grid, **fixed):
    """Theorem 3's bound against the measured steps along κ, d and ε (one panel
    each, :func:`plot_bound_against_measured`), the other two at ``fixed``
    (:func:`samlib.proof.theorem3_series`); ε decreases to the right.

    Returns
    -------
    ndarray of Axes
    """
    from samlib.proof import theorem3_series

    axes = fig.subplots(1, 3, sharey=True)
    labels = [r"$\kappa = \lambda_1/\lambda_d$", "$d$", r"$\varepsilon$"]
    for ax, key, label in zip(axes, ["kappa", "d", "eps"], labels, strict=True):
        series = theorem3_series(grid, key, **fixed)
        plot_bound_against_measured(ax, *series, xlabel=label)
    axes[0].set_ylabel("steps")
    axes[2].invert_xaxis()
    axes[0].legend()
    return axes


def _null_locator():
    from matplotlib.ticker import NullLocator

    return NullLocator()


def plot_J_landscape(ax, lams, eta, rho, u_path, xlim, ylim, n=401, contours=15):
    """Figure 2 of the paper on ``ax``: the heat map of J with white contour lines,
    the iterates ``u_path`` and the stationary points, and a colour bar.

    Returns the artists of :func:`draw_J_landscape`, filled by
    :func:`show_J_landscape`.
    """
    artists = draw_J_landscape(ax)
    grid = show_J_landscape(artists, lams, eta, rho, u_path, xlim, ylim, n)
    ax.contour(*grid, levels=contours, colors="white", linewidths=0.4, alpha=0.5)
    ax.figure.colorbar(artists["image"], ax=ax, label="$J(u)$")
    return artists


def plot_J_iterates(ax, lams, eta, rho, u_path, xlim, ylim, *, labels=2, **options):
    """:func:`plot_J_landscape` with the first ``labels`` iterates labelled ``u_0``,
    ``u_1``, ... in white (Figure 2 of the paper). ``options`` go to
    :func:`plot_J_landscape`; returns its artists."""
    artists = plot_J_landscape(ax, lams, eta, rho, u_path, xlim, ylim, **options)
    offsets = [(6, 4), (6, -10)]
    for t in range(labels):
        offset = offsets[t % 2]
        ax.annotate(
            f"$u_{t}$", u_path[t], offset, textcoords="offset points", color="white"
        )
    return artists


def plot_J_decrease(axes, J_gap, guaranteed, decrease, *, n_steps=80, n_runs=20):
    """Lemma 10 on a pair of axes: ``J(u_t) + β1/2`` over the first ``n_steps``
    steps of the first ``n_runs`` runs (left, log scale), and each step's decrease of
    J against the guaranteed one with the diagonal (right).

    Returns
    -------
    list of Line2D, Line2D
        The curves of the left panel and the diagonal of the right one.
    """
    left, right = axes
    curves = left.semilogy(
        J_gap[: n_steps + 1, :n_runs], color=PALETTE["sam"], alpha=0.5, linewidth=1
    )
    left.set(xlabel="step $t$", ylabel=r"$J(u_t) + \beta_1/2$")
    diagonal = plot_against_diagonal(right, guaranteed, decrease, label="equality")
    right.set(xlabel="Lemma 10's guaranteed decrease", ylabel=r"$J(u_t) - J(u_{t+1})$")
    right.legend()
    return curves, diagonal


def draw_J_panel(fig):
    """One axes of :func:`draw_J_landscape` with few ticks and an empty title, in a
    tight layout, for an explorer (Chapter 4.3); returns ``(artists, title)`` for
    :func:`show_J_panel`."""
    fig.set_layout_engine("tight")
    ax = fig.subplots()
    ax.locator_params(nbins=4)  # few tick labels: the axes are redrawn at most moves
    return draw_J_landscape(ax), ax.set_title("", fontsize=9)


def show_J_panel(artists, lams, eta, rho, u_path, note="") -> str:
    """:func:`show_J_landscape` on :func:`draw_J_panel`'s artists, titled with
    ``η``, ``ρ``, the eigenvalues after ``λ1`` and ``note``; returns the status line
    ``J(u_T)`` at the last iterate."""
    from samlib.potential import J

    landscape, text = artists
    show_J_landscape(landscape, lams, eta, rho, u_path)
    subscripts = "₂₃₄₅₆₇₈₉"
    title = [f"η = {eta:.2f}", f"ρ = {rho:.2f}"]
    title += [f"λ{k} = {lam:.2f}" for k, lam in zip(subscripts, lams[1:], strict=False)]
    text.set_text(", ".join([*title, note] if note else title))
    return f"J(u_{len(u_path) - 1}) = {J(np.asarray(u_path)[-1], lams, eta, rho):.4g}"
