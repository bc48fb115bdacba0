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


def draw_valley_runs(fig, objective, n_steps: int = 1500):
    """The layout of Chapter 7.1's explorer, SAM and USAM on the valley ``xy = 1``.

    Left, :func:`plot_valley` with an empty path for SAM and one for USAM; right, on
    a logarithmic step axis up to ``n_steps``, empty curves for SAM's sharpness, its
    edge, USAM's sharpness, USAM's edge and GD's edge, with a legend. Returns
    ``(paths, curves)``, the lists of those ``Line2D`` (``update`` fills them).
    """
    left, right = fig.subplots(1, 2)
    plot_valley(left, objective)
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


def draw_valley_path(fig, objective, n_steps: int):
    """The layout of Chapter 7.3's explorer: a path on :func:`plot_valley` (left)
    and its bounce-averaged sharpness on a logarithmic step axis (right).

    Returns the two empty ``Line2D``: ``(path, sharpness)``.
    """
    left, right = fig.subplots(1, 2)
    plot_valley(left, objective)
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
