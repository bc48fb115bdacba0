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
