"""samlib.plotting on the Agg backend: the book's style and its drawing helpers."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.text import Annotation

from samlib import Quadratic, run_gd, sam_ascent_point
from samlib.objectives import paper_objective
from samlib.plotting import (
    PALETTE,
    contour_grid,
    plot_ascent,
    plot_contours,
    plot_path,
    use_book_style,
)


@pytest.fixture
def fig_ax():
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    yield fig, ax
    plt.close(fig)


def test_the_backend_is_headless():
    assert matplotlib.get_backend().lower() == "agg"


def test_contour_grid_evaluates_the_loss_on_the_grid():
    q = Quadratic([1.0, 0.5])
    X, Y, Z = contour_grid(q.value, (-1, 2), (-3, 1), n=7)
    assert X.shape == Y.shape == Z.shape == (7, 7)
    np.testing.assert_allclose(X[0], np.linspace(-1, 2, 7))
    np.testing.assert_allclose(Y[:, 0], np.linspace(-3, 1, 7))
    np.testing.assert_allclose(Z, 0.5 * X**2 + 0.25 * Y**2, rtol=1e-14)


@pytest.mark.parametrize("filled", [False, True])
def test_plot_contours_returns_a_contour_set(fig_ax, filled):
    fig, ax = fig_ax
    artist = plot_contours(
        ax, paper_objective().value, (-2, 2), (-1, 3), levels=8, n=41, filled=filled
    )
    assert isinstance(artist, ContourSet)
    assert artist.filled == filled
    assert artist in ax.get_children()
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-1, 3)
    assert ax.get_aspect() == 1.0
    fig.canvas.draw()


def test_plot_path_returns_the_line(fig_ax):
    fig, ax = fig_ax
    path = run_gd(Quadratic([1.0, 0.5]).grad, [2.0, 2.0], 0.2, 10)
    line = plot_path(ax, path, color=PALETTE["gd"], label="GD")
    assert isinstance(line, Line2D) and line in ax.lines
    np.testing.assert_array_equal(line.get_xdata(), path[:, 0])
    np.testing.assert_array_equal(line.get_ydata(), path[:, 1])
    assert line.get_label() == "GD" and line.get_marker() == "o"
    assert matplotlib.colors.same_color(line.get_color(), PALETTE["gd"])
    fig.canvas.draw()


def test_plot_ascent_draws_the_arrow_and_the_ball(fig_ax):
    fig, ax = fig_ax
    q = Quadratic([1.0, 0.5])
    w, rho = np.array([1.0, 2.0]), 0.7
    arrow, ball = plot_ascent(ax, w, q.grad, rho)
    assert isinstance(arrow, Annotation) and isinstance(ball, Circle)
    # the tip is w + ρ∇ℓ/‖∇ℓ‖ with ∇ℓ = (1, 1)
    tip = w + rho * np.array([1.0, 1.0]) / np.sqrt(2)
    np.testing.assert_allclose(arrow.xy, tip, rtol=1e-14)
    np.testing.assert_allclose(arrow.xy, sam_ascent_point(w, q.grad, rho))
    np.testing.assert_allclose(arrow.xyann, w)
    np.testing.assert_allclose(ball.center, w)
    assert ball.radius == rho and ball in ax.patches
    arrow2, ball2 = plot_ascent(ax, w, q.grad, rho, show_ball=False)
    assert ball2 is None and isinstance(arrow2, Annotation)
    fig.canvas.draw()


def test_use_book_style_sets_the_palette():
    with matplotlib.rc_context():
        use_book_style()
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert cycle[0] == PALETTE["sam"] and cycle[1] == PALETTE["gd"]
        assert matplotlib.rcParams["axes.spines.top"] is False


# ----------------------------------------- Chapters 4.3–4.5, 5 and 6 (04b, 04c, 05, 06)


def test_plot_loss_sharpness_grid_draws_each_column_and_the_minimum():
    from samlib import run_sam
    from samlib.plotting import plot_loss_sharpness_grid

    loss = paper_objective()
    paths = [run_sam(loss.grad, (0.1, 0.1), 0.2, rho, 20) for rho in (0.5, 1.0)]
    panels = {"a": {"SAM": paths[0]}, "b": {"SAM": paths[1], "GD": paths[0]}}
    fig = plt.figure()
    axes = plot_loss_sharpness_grid(fig, loss, panels, ylims=[(0, 1), (1, 3)])
    assert axes.shape == (2, 2) and [ax.get_title() for ax in axes[0]] == ["a", "b"]
    np.testing.assert_allclose(axes[0, 1].lines[0].get_ydata(), loss.value(paths[1]))
    sharp = axes[1, 1].lines[1].get_ydata()  # GD's, after SAM's
    np.testing.assert_allclose(sharp, loss.sharpness(paths[0]))
    assert all(ax.lines[-1].get_ydata()[0] == 2.0 for ax in axes[1])  # the minimum
    assert axes[0, 0].get_ylim() == (0, 1) and axes[1, 1].get_ylim() == (1, 3)
    assert "loss" in axes[0, 0].get_ylabel() and "sharpness" in axes[1, 0].get_ylabel()
    plt.close(fig)


def test_plot_rho_threshold_draws_the_curve_the_threshold_and_the_marked_run(fig_ax):
    from samlib.plotting import plot_rho_threshold

    _, ax = fig_ax
    rhos, w2 = np.linspace(0.3, 1.2, 5), np.array([0.0, 0.0, -0.1, 0.2, 0.3])
    curve, threshold, marked = plot_rho_threshold(ax, rhos, w2, 0.8, marked=(1, 0.2))
    np.testing.assert_array_equal(curve.get_xydata(), np.c_[rhos, np.abs(w2)])
    assert threshold.get_xdata()[0] == 0.8 and "1 − η" in threshold.get_label()
    np.testing.assert_array_equal(marked.get_xydata(), [[1, 0.2]])
    assert ax.get_legend() is not None and "ρ" in ax.get_xlabel()


def test_draw_methods_and_show_methods_move_the_paths_and_report_the_ends():
    from matplotlib.figure import Figure

    from samlib.drift import compare_methods
    from samlib.plotting import draw_methods, show_methods

    loss = paper_objective()
    fig = Figure()
    artists = draw_methods(fig, view=1.1, methods=("SAM", "SGD"), value=loss.value)
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    assert set(artists[0]) == {"SAM", "SGD"} and fig.axes[0].get_xlim() == (-1.1, 1.1)
    assert artists[0]["SGD"][0].get_color() == PALETTE["sky"]
    levels = fig.axes[0].collections[0].levels  # as many, closer, in a closer view
    np.testing.assert_allclose(levels, np.geomspace(1e-3, 4, 14) / 4)
    runs = compare_methods(loss.grad, (1.0, 1.0), 0.2, 1.0, 0.5, 30, seed=0)
    status = show_methods(artists, loss, runs, "a title")
    np.testing.assert_array_equal(artists[0]["SAM"][0].get_xydata(), runs["SAM"])
    assert fig.axes[0].get_title() == "a title"
    for name, w in runs.items():
        end = (
            f"{name} loss {loss.value(w[-1]):.3f} sharpness {loss.sharpness(w[-1]):.3f}"
        )
        assert end in status
    default, explicit = Figure(), Figure()  # the default loss is Section 6's
    draw_methods(default)
    draw_methods(explicit, value=loss.value)
    levels = [f.axes[0].collections[0].allsegs for f in (default, explicit)]
    for segments_a, segments_b in zip(*levels, strict=True):
        for a, b in zip(segments_a, segments_b, strict=True):
            np.testing.assert_array_equal(a, b)


def test_show_valley_runs_moves_the_runs_and_reports_their_sharpness():
    from samlib import valley
    from samlib.plotting import plot_valley_runs, show_valley_runs

    fig = plt.figure()
    artists = plot_valley_runs(fig, n_steps=200)
    runs = valley.valley_runs([3.0, 0.5], 0.1, 0.1, 200)
    status = show_valley_runs(artists, runs, 0.1, 0.1, 9.1)
    np.testing.assert_array_equal(artists[0]["SAM"][0].get_xydata(), runs["SAM"][0])
    assert artists[1].get_text() == "η = 0.1, ρ = 0.1"
    sam, gd = runs["SAM"][1][-1], runs["GD"][1][-1]
    assert status == (
        f"After 200 steps: SAM's sharpness {sam:.3f}, GD's sharpness {gd:.3f} "
        "(flattest minimum: 2)."
    )
    outside = show_valley_runs(artists, runs, 0.15, 0.1, 9.1)  # ηλ1 = 1.37 > 1
    assert outside.endswith("Outside Theorem 21's proof: ηλ₁ > 1.")
    plt.close(fig)


def test_show_drift_flow_adds_the_drift_and_closes_in():
    from samlib.plotting import plot_valley_runs, show_drift_flow

    fig = plt.figure()
    plot_valley_runs(fig)
    t, sharpness = np.arange(0, 500, 5), np.linspace(9.0, 2.0, 100)
    path = np.c_[np.linspace(1.9, 2.1, 5), 1 / np.linspace(1.9, 2.1, 5)]
    line, inset = show_drift_flow(fig, t, sharpness, 500, zoom_path=path)
    np.testing.assert_array_equal(inset.lines[-1].get_xydata(), path)
    assert inset.get_xlim() == (1.9, 2.1) and inset.get_ylim() == (0.44, 0.56)
    np.testing.assert_array_equal(line.get_xydata(), np.c_[t, sharpness])
    ax_path, ax_sharp = fig.axes[:2]
    assert line.get_label() == "drift" and line.get_linestyle() == "--"
    assert ax_path.get_xlim() == (0.2, 3.4) and ax_path.get_ylim() == (0.15, 1.75)
    assert ax_sharp.get_xlim() == (0, 500) and ax_sharp.get_ylim() == (0, 10)
    assert "drift" in [text.get_text() for text in ax_sharp.get_legend().get_texts()]
    plt.close(fig)


def test_plot_error_panels_one_panel_per_schedule_and_one_legend():
    from samlib import valley
    from samlib.plotting import plot_error_panels

    rhos = np.geomspace(1e-3, 1e-1, 5)
    errors = {s: valley.valley_error_curves([2.0], eta, rhos) for s, eta in
              [("a", rhos), ("b", 0.05)]}  # fmt: skip
    fig = plt.figure()
    axes = plot_error_panels(fig, errors, slope=0.3)
    assert [ax.get_title() for ax in axes] == ["a", "b"] and len(fig.legends) == 1
    curve = errors["b"]["$x = 2.0$"]
    np.testing.assert_allclose(axes[1].lines[0].get_ydata(), curve.relative)
    assert "drift" in axes[0].get_ylabel() and axes[1].get_xlabel() == r"$\rho$"
    plt.close(fig)


def test_plot_alignment_draws_each_run_from_its_entry_and_a_legend(fig_ax):
    from samlib.plotting import plot_alignment

    _, ax = fig_ax
    delta = np.linspace(1, 1e-3, 40).reshape(20, 2)
    curves = plot_alignment(ax, delta, [1.0, 0.5], 0.2, length=5, start=[0, 3])
    np.testing.assert_array_equal(curves["lines"][1].get_ydata(), delta[3:9, 1])
    guide = 0.5 * 1.1 ** (-2.0 * np.arange(6))  # μ = min(ηλd, λ1²/λ2² - 1) = 0.1
    np.testing.assert_allclose(curves["guide"].get_ydata(), guide)
    assert ax.get_legend() is not None and "T_0" in ax.get_xlabel()


def test_alignment_panel_shows_delta_mu_and_the_settings():
    from matplotlib.figure import Figure

    from samlib.plotting import draw_alignment_panel, show_alignment_panel

    fig = Figure()
    artists = draw_alignment_panel(fig, 2, 10)
    delta = np.full((11, 2), 0.5) ** np.arange(11)[:, None]
    status = show_alignment_panel(artists, delta, [1.0, 0.8, 0.5], 0.2)
    mu = min(0.2 * 0.5, 1 / 0.8**2 - 1)  # ηλd = 0.1
    np.testing.assert_allclose(
        artists[0]["guide"].get_ydata(), 0.5 * (1 + mu) ** (-2.0 * np.arange(11))
    )
    np.testing.assert_array_equal(artists[0]["lines"][0].get_ydata(), delta[:, 0])
    assert status == f"μ = {mu:.4g}; δ_10 ≤ {0.5**10:.2g}"
    title = artists[1].get_text()
    assert r"\lambda_2=0.8" in title and r"\lambda_3=0.5" in title
    assert title.endswith(r"$\eta\lambda_d$")
    with pytest.raises(ValueError):  # λ3 > λ2
        show_alignment_panel(artists, delta, [1.0, 0.5, 0.8], 0.2)


def test_plot_theorem3_scaling_one_panel_per_parameter():
    from samlib import proof
    from samlib.plotting import plot_theorem3_scaling

    grid = proof.theorem3_grid(
        [2, 4], [2, 3], [1e-2, 1e-3], 0.2, 1, 2.0, 0.01, 20, 600, 1
    )
    fig = plt.figure()
    axes = plot_theorem3_scaling(fig, grid, kappa=2, d=2, eps=1e-2)
    assert [ax.get_xlabel() for ax in axes] == [
        r"$\kappa = \lambda_1/\lambda_d$",
        "$d$",
        r"$\varepsilon$",
    ]
    kappa, bound, measured = proof.theorem3_series(grid, "kappa", d=2, eps=1e-2)
    np.testing.assert_array_equal(axes[0].lines[0].get_xydata(), np.c_[kappa, bound])
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), measured)
    assert axes[2].xaxis_inverted() and axes[0].get_legend() is not None
    plt.close(fig)


def test_plot_J_iterates_labels_the_first_iterates(fig_ax):
    from samlib import Quadratic, run_sam, sign_flip
    from samlib.plotting import plot_J_iterates

    _, ax = fig_ax
    lams = np.array([1.0, 0.2])
    u = sign_flip(run_sam(Quadratic(lams).grad, [0.244, 0.0224], 0.2, 1.0, 25))
    artists = plot_J_iterates(ax, lams, 0.2, 1.0, u, (-0.3, 0.3), (-0.04, 0.04), n=41)
    np.testing.assert_allclose(artists["path"].get_xydata(), u)
    labels = [t for t in ax.texts if t.get_text().startswith("$u_")]
    assert [t.get_text() for t in labels] == ["$u_0$", "$u_1$"]
    np.testing.assert_allclose(labels[1].xy, u[1])


def test_plot_J_decrease_draws_the_gaps_and_the_decreases_against_the_bound():
    from samlib.plotting import plot_J_decrease

    fig, axes = plt.subplots(1, 2)
    gap = np.geomspace(1, 1e-6, 100)[:, None] * np.ones((1, 30))
    guaranteed, decrease = np.geomspace(1e-6, 1, 50), np.geomspace(2e-6, 2, 50)
    curves, diagonal = plot_J_decrease(axes, gap, guaranteed, decrease)
    assert len(curves) == 20 and len(curves[0].get_ydata()) == 81
    assert axes[0].get_yscale() == "log" and diagonal.get_label() == "equality"
    points = axes[1].lines[0]
    np.testing.assert_allclose(points.get_xydata(), np.c_[guaranteed, decrease])
    plt.close(fig)


def test_J_panel_shows_the_landscape_title_and_the_last_value_of_J():
    from matplotlib.figure import Figure

    from samlib import J, Quadratic, run_sam, sign_flip
    from samlib.plotting import draw_J_panel, show_J_panel

    fig = Figure()
    artists = draw_J_panel(fig)
    lams = np.array([1.0, 0.5])
    u = sign_flip(run_sam(Quadratic(lams).grad, [0.3, 0.4], 0.2, 1.0, 10))
    status = show_J_panel(artists, lams, 0.2, 1.0, u, "a note")
    assert status == f"J(u_10) = {J(u[-1], lams, 0.2, 1.0):.4g}"
    assert artists[1].get_text() == "η = 0.20, ρ = 1.00, λ₂ = 0.50, a note"
    show_J_panel(artists, lams, 0.25, 1.0, u)  # without a note
    assert artists[1].get_text() == "η = 0.25, ρ = 1.00, λ₂ = 0.50"
    np.testing.assert_allclose(artists[0]["path"].get_xydata(), u)
    assert fig.get_layout_engine().__class__.__name__ == "TightLayoutEngine"
