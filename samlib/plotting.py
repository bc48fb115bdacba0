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


# ----------------------------------------------------------------- Chapter 7's figures
# Drawings that Chapter 7's explorers and figures share, each on a given ``ax``.


def plot_valley(ax, objective, xlim=(0.0, 3.4), ylim=(0.0, 2.0)):
    """The valley of minima ``xy = 1`` of ``½(xy - 1)²`` on its contours (Chapter 7).

    Draws the contours of ``objective`` (the product loss), the valley as a dashed
    curve and its flattest point ``(1, 1)`` as a cross, with axis labels; returns the
    valley's ``Line2D``.
    """
    plot_contours(ax, objective.value, xlim, ylim, levels=np.geomspace(1e-3, 2, 12))
    x = np.linspace(1 / ylim[1], xlim[1], 100)
    (valley,) = ax.plot(
        x, 1 / x, "--", color=PALETTE["neutral"], lw=1, label="$xy = 1$"
    )
    ax.plot(1, 1, "x", color=PALETTE["accent"], ms=9, mew=2)
    ax.set(xlabel="$x$", ylabel="$y$")
    return valley


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
    ax.plot(B[along_e2], amp2[along_e2], "x", color=PALETTE["neutral"], ms=6,
            label="orbit along $e_2$")  # fmt: skip
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
        ax.errorbar(mx, 100 * my, xerr=hx, yerr=100 * hy, fmt="s", ms=6, capsize=2,
                    color=colours[m], label=method.name)  # fmt: skip
    ax.set_ylabel("test accuracy (%)")


def plot_study_curves(ax, result, noise, colours=STUDY_COLOURS):
    """Each method's mean test accuracy (%) over its seeds along training, from the
    first checkpoint on, at the label noise ``noise`` (Chapter 7.8)."""
    for m, method in enumerate(result.study.methods):
        runs = result.select(noise=noise, method=m)
        accuracy = 100 * result.curves["test_accuracy"][1:, runs].mean(axis=1)
        ax.plot(result.steps[1:], accuracy, color=colours[m], lw=1.8, label=method.name)
