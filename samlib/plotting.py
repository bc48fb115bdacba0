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
