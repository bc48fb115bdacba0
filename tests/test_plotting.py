"""samlib.plotting on the Agg backend: the book's style and its drawing helpers."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.text import Annotation

import _helpers
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


# ------------------------------------------------------------- Chapter 1 (01_sam)


def test_sam_anatomy_panels_draw_each_loss_and_its_steps():
    from matplotlib.figure import Figure

    from samlib.objectives import paper_objective
    from samlib.plotting import plot_sam_anatomy_panels
    from samlib.steps import sam_step

    quad, loss = Quadratic([1.0, 0.5]), paper_objective()
    panels = {
        "quadratic": (quad, [[1.5, 1.2], [-1.3, 1.6]]),
        "paper": (loss, [[1.3, 1.4]]),
    }
    fig = Figure()
    art = plot_sam_anatomy_panels(fig, panels, eta=0.3, rho=0.5)
    assert [ax.get_title() for ax in fig.axes] == ["quadratic", "paper"]
    assert [len(a) for a in art] == [2, 1]
    for ax, (objective, points), drawn in zip(
        fig.axes, panels.values(), art, strict=True
    ):
        assert ax.get_xlim() == (-3.0, 3.0) and ax.get_xlabel() == "$w_1$"
        assert len(ax.collections) >= 1  # the contours
        np.testing.assert_allclose(ax.collections[0].levels, np.linspace(0.25, 5, 12))
        for point, steps in zip(points, drawn, strict=True):
            np.testing.assert_allclose(steps["ball"].center, point)
            expected = sam_step(np.array(point), objective.grad, 0.3, 0.5)
            np.testing.assert_allclose(steps["sam"].xy, expected)
    assert fig.legends and "SAM step" in [t.get_text() for t in fig.legends[0].texts]


# --- Chapter 7 (07, 07b-07e): the chapters' figures and explorers' updates ----------


@pytest.fixture
def two_axes():
    fig, axes = plt.subplots(1, 2, figsize=(4, 2), dpi=50)
    yield fig, axes
    plt.close(fig)


def test_plot_momentum_orbits_draws_the_fraction_on_the_right(two_axes):
    from samlib.plotting import plot_momentum_orbits

    fig, axes = two_axes
    betas = np.array([0.0, 0.5, 0.9])
    periods = np.array([[2, 2, 4], [2, 4, 0]])
    amp1 = np.array([[1.0, 0.8, 2.0], [1.0, 1.7, 3.0]])
    amp2 = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.5]])
    fraction = np.array([1.0, 0.5, 0.0])
    line = plot_momentum_orbits(
        axes, betas, periods, amp1, amp2, [1.0, 0.8, 0.6], fraction
    )
    np.testing.assert_array_equal(line.get_xdata(), betas)
    np.testing.assert_array_equal(line.get_ydata(), fraction)
    assert axes[0].get_title() == "(a) where 2 starts end"
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert "period 2" in labels and "orbit along $e_2$" in labels
    fig.canvas.draw()


def test_plot_momentum_drift_draws_the_heuristic_and_the_measurements(two_axes):
    from samlib.plotting import plot_momentum_drift
    from samlib.variants import momentum_drift_factor

    fig, axes = two_axes
    betas = np.array([0.0, 0.5, 0.9])
    sharpness = np.linspace(9, 2, 20)[:, None] * np.ones(3)
    speedup, two = np.array([1.0, 1.8, 12.0]), np.array([True, True, False])
    measured, open_, factor, bound = plot_momentum_drift(
        axes, betas, sharpness, speedup, two, 5.0, 0.05, shown=(0, 2)
    )
    np.testing.assert_array_equal(measured.get_ydata(), [1.0, 1.8])
    np.testing.assert_array_equal(open_.get_xdata(), [0.9])
    fine = factor.get_xdata()
    assert fine[0] == 0 and fine[-1] == 0.9
    np.testing.assert_allclose(
        factor.get_ydata(), momentum_drift_factor(fine, 5.0, 0.05)
    )
    np.testing.assert_allclose(bound.get_ydata(), 1 / (1 - fine))
    assert [line.get_label() for line in axes[0].lines] == ["β = 0", "β = 0.9"]
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), sharpness[:, 2])
    fig.canvas.draw()


def test_show_valley_path_moves_the_path_and_the_bounce_average():
    from samlib.objectives import product_loss
    from samlib.plotting import draw_valley_path, show_valley_path

    valley = product_loss()
    fig = plt.figure(figsize=(4, 2), dpi=50)
    artists = draw_valley_path(fig, n_steps=4)
    path = np.array([[3.0, 0.3], [2.0, 0.6], [1.5, 0.7], [1.1, 0.9], [1.0, 1.0]])
    message = show_valley_path(artists, valley, path, "β = 0.5")
    sharp = valley.sharpness(path)
    np.testing.assert_array_equal(artists[0].get_xdata(), path[:, 0])
    np.testing.assert_allclose(artists[1].get_ydata(), (sharp[1:] + sharp[:-1]) / 2)
    np.testing.assert_array_equal(artists[1].get_xdata(), [1, 2, 3, 4])
    assert artists[0].axes.get_title() == "β = 0.5"
    assert message.endswith(f"final sharpness {(sharp[-1] + sharp[-2]) / 2:.2f}")
    with pytest.raises(ValueError, match="1000"):
        show_valley_path(artists, valley, np.full((3, 2), np.nan))
    plt.close(fig)


def test_plot_logistic_runs_draws_the_four_panels():
    from samlib.plotting import plot_logistic_runs

    fig, axes = plt.subplots(2, 2, figsize=(4, 4), dpi=50)
    X, labels = np.array([[1.0, 1.0], [-1.0, -1.2]]), np.array([1, -1])
    u_star, rhos = np.array([1.0, 1.0]) / np.sqrt(2), np.array([0.0, 1.0])
    runs = [np.arange(12.0).reshape(6, 2) + k for k in range(3)]
    plot_logistic_runs(axes, X, labels, u_star, 0.5, rhos, *runs)
    for ax, values in zip(axes.flat[1:], runs, strict=True):
        np.testing.assert_array_equal(ax.lines[1].get_ydata(), values[1:, 1])
        assert [line.get_label() for line in ax.lines[:2]] == ["GD", "SAM, ρ = 1"]
    t = np.arange(1, 6)
    np.testing.assert_allclose(axes[0, 1].lines[-1].get_ydata(), np.log(t) / 0.5)
    assert axes[1, 1].get_yscale() == "log"
    assert axes[0, 0].get_title() == "(a) the data"
    fig.canvas.draw()
    plt.close(fig)


def test_plot_local_lemma10_draws_the_rates_and_the_offsets(two_axes):
    from samlib.plotting import plot_local_lemma10

    fig, axes = two_axes
    sizes, rhos = np.geomspace(1e-4, 1e-1, 4), np.geomspace(0.01, 0.1, 3)
    worst = {"cubic": sizes**2, "even": sizes**3}
    slopes = {"cubic": 2.0, "even": 3.0}
    predicted = -0.28125 * rhos**2
    measured, prediction, bounce = plot_local_lemma10(
        axes,
        sizes,
        worst,
        slopes,
        0.9 * sizes**2,
        rhos,
        1.01 * predicted,
        predicted,
        0.25 * rhos,
    )
    labels = [line.get_label() for line in axes[0].lines]
    assert labels[:2] == ["cubic: slope 2.00", "even: slope 3.00"]
    np.testing.assert_allclose(axes[0].lines[1].get_ydata(), sizes**3)
    np.testing.assert_allclose(measured.get_ydata(), -1.01 * predicted)
    np.testing.assert_allclose(prediction.get_ydata(), 0.28125 * rhos**2)
    assert prediction.get_label() == r"predicted $0.28125\rho^2$"
    np.testing.assert_allclose(bounce.get_ydata(), 0.25 * rhos)
    fig.canvas.draw()


def test_plot_saddle_escapes_draws_runs_growth_and_escape_times(two_axes):
    from samlib.plotting import plot_saddle_escapes

    fig, axes = two_axes
    mu, radius, eps = 6.6, 0.01, np.geomspace(1e-14, 1e-4, 3)
    distance = eps * mu ** np.arange(21)[:, None]
    sigmas = np.array([1e-10, 1e-6])
    t_sigma = np.array([[10.0, 12.0, 11.0], [6.0, 5.0, 7.0]])
    plot_saddle_escapes(
        axes,
        mu,
        radius,
        eps,
        distance,
        [14, 9, 4],
        [14.1, 9.1, 4.1],
        sigmas,
        t_sigma,
        [11.2, 6.1],
    )
    left, right = axes
    np.testing.assert_allclose(left.lines[1].get_ydata(), distance[:, 2])
    np.testing.assert_allclose(left.lines[2].get_ydata(), eps[0] * mu ** np.arange(16))
    assert left.get_title() == r"(a) from $\varepsilon = 10^{-14}, \dots, 10^{-4}$"
    np.testing.assert_array_equal(right.lines[0].get_ydata(), [14, 9, 4])
    np.testing.assert_array_equal(right.lines[-1].get_ydata(), [11.2, 6.1])
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert r"noise $\sigma$, 3 seeds" in labels
    fig.canvas.draw()


def test_show_saddle_escape_moves_the_paths_and_reports_the_escape():
    from samlib.local_potential import escape_time, escape_time_prediction
    from samlib.plotting import draw_saddle_escape, show_saddle_escape

    fig = plt.figure(figsize=(4, 2), dpi=50)
    artists = draw_saddle_escape(
        fig, lambda u: (u**2).sum(-1), [[1, 0]], [[0, 1]], n_steps=5
    )
    point, rho, eps, mu = np.array([0.0, 0.1]), 0.5, 1e-3, 6.0
    sam = point + np.outer(eps * mu ** np.arange(6), [1.0, 0.0])
    gd = point + np.outer(eps * 5.0 ** np.arange(6), [1.0, 0.0])
    message = show_saddle_escape(artists, sam, gd, point, rho, eps, mu)
    left, paths, lines = artists
    np.testing.assert_allclose(paths[0].get_xdata(), sam[:, 0] / rho)
    np.testing.assert_allclose(paths[1].get_ydata(), gd[:, 1] / rho)
    np.testing.assert_allclose(lines[0].get_ydata(), eps * mu ** np.arange(6) / rho)
    assert left.get_title() == "ρ = 0.5, ε = 1e-3"
    escaped = escape_time(np.linalg.norm(sam - point, axis=-1), 0.05)
    predicted = escape_time_prediction(mu, 0.05, eps)
    assert message == (
        f"SAM leaves at step {escaped:.1f}; linearised J predicts {predicted:.1f}"
    )
    plt.close(fig)


@pytest.fixture(scope="module")
def tiny_study():
    from samlib.generalisation import run_study

    return run_study(_helpers.tiny_study())


def test_plot_study_flatness_grid_draws_one_row_per_noise_level(tiny_study):
    from samlib.plotting import plot_study_flatness_grid

    fig, axes = plt.subplots(2, 2, figsize=(4, 4), dpi=50)
    plot_study_flatness_grid(axes, tiny_study)
    for row, noise in zip(axes, (0.0, 0.3), strict=True):
        for ax, key in zip(row, ("lam_max", "trace"), strict=True):
            assert ax.get_title() == f"label noise {100 * noise:.0f} %"
            gd = tiny_study.select(noise=noise, method=0)
            np.testing.assert_array_equal(
                ax.lines[0].get_xdata(), tiny_study.table[key][gd]
            )
    assert axes[0, 1].get_xlabel() == "trace of the Hessian"
    labels = [t.get_text() for t in axes[0, 0].get_legend().get_texts()]
    assert labels == ["GD", "SAM", "SGD"]
    fig.canvas.draw()
    plt.close(fig)


def test_plot_study_curves_by_noise_draws_each_methods_mean(tiny_study):
    from samlib.plotting import plot_study_curves_by_noise

    fig, axes = plt.subplots(1, 2, figsize=(4, 2), dpi=50)
    plot_study_curves_by_noise(axes, tiny_study)
    sam = tiny_study.select(noise=0.3, method=1)
    expected = 100 * tiny_study.curves["test_accuracy"][1:, sam].mean(axis=1)
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), expected)
    np.testing.assert_array_equal(axes[1].lines[1].get_xdata(), tiny_study.steps[1:])
    assert axes[0].get_ylabel() == "test accuracy (%), mean of 2 seeds"
    assert axes[1].get_title() == "label noise 30 %"
    fig.canvas.draw()
    plt.close(fig)


def test_show_study_runs_moves_the_runs_of_one_setting(tiny_study):
    from samlib.generalisation import paired_difference
    from samlib.plotting import draw_study_runs, show_study_runs

    fig = plt.figure(figsize=(4, 2), dpi=50)
    artists = draw_study_runs(fig, tiny_study.steps[1:], 2)
    message = show_study_runs(artists, tiny_study, 0.05, 0.3)
    left, seeds, mean, gd, dots = artists
    assert left.get_title() == "SAM ρ = 0.05, label noise 30 %"
    accuracy = 100 * tiny_study.curves["test_accuracy"][1:]
    sam = tiny_study.select(noise=0.3, method=1)
    gd_runs = tiny_study.select(noise=0.3, method=0)
    np.testing.assert_allclose(seeds[1].get_ydata(), accuracy[:, sam[1]])
    np.testing.assert_allclose(mean.get_ydata(), accuracy[:, sam].mean(axis=1))
    np.testing.assert_allclose(gd.get_ydata(), accuracy[:, gd_runs].mean(axis=1))
    final = 100 * tiny_study.table["test_accuracy"][sam]
    np.testing.assert_allclose(dots[2].get_offsets()[:, 1], final)
    assert len(dots[0].get_offsets()) == len(tiny_study.select(noise=0.3))
    diff, half = paired_difference(tiny_study, "test_accuracy", 0.3, 1)
    assert (
        message
        == f"SAM − GD, seed by seed: {100 * diff:+.1f} ± {100 * half:.1f} points"
    )
    with pytest.raises(ValueError, match="no SAM run"):
        show_study_runs(artists, tiny_study, 0.2, 0.3)
    plt.close(fig)


def test_show_valley_runs_draws_sharpness_and_edges_of_both_methods():
    from samlib import run_sam, run_usam, stability
    from samlib.objectives import product_loss
    from samlib.plotting import draw_valley_runs, show_valley_runs

    valley, w0 = product_loss(), np.array([3.0, 0.3])
    fig = plt.figure(figsize=(4, 2), dpi=50)
    artists = draw_valley_runs(fig, n_steps=50)
    sam = run_sam(valley.grad, w0, 0.15, 0.1, 50)
    usam = run_usam(valley.grad, w0, 0.15, 0.1, 50)
    message = show_valley_runs(artists, valley, sam, usam, 0.15, 0.1)
    paths, curves = artists
    np.testing.assert_array_equal(paths[1].get_ydata(), usam[:, 1])
    sharp, g = valley.sharpness(sam), np.linalg.norm(valley.grad(sam), axis=-1)
    np.testing.assert_allclose(curves[0].get_ydata(), (sharp[1:] + sharp[:-1]) / 2)
    edge = stability.sam_edge((g[1:] + g[:-1]) / 2, 0.15, 0.1)
    np.testing.assert_allclose(curves[1].get_ydata(), edge)
    np.testing.assert_allclose(curves[2].get_ydata(), valley.sharpness(usam[1:]))
    assert np.all(curves[3].get_ydata() == stability.usam_edge(0.15, 0.1))
    assert np.all(curves[4].get_ydata() == stability.gd_edge(0.15))
    np.testing.assert_array_equal(curves[4].get_xdata(), np.arange(1, 51))
    assert curves[0].axes.get_title() == "(b) η = 0.15, ρ = 0.1"
    assert message.startswith(f"final sharpness: SAM {(sharp[-1] + sharp[-2]) / 2:.2f}")
    with pytest.raises(ValueError, match="smaller"):
        show_valley_runs(artists, valley, sam, np.full_like(usam, 1e4), 0.15, 0.1)
    plt.close(fig)


def test_plot_sam_vs_usam_draws_amplitudes_and_the_valley(two_axes):
    from samlib.plotting import plot_sam_vs_usam

    fig, axes = two_axes
    lams = np.array([1.0, 5.0, 14.0])
    amps = {"SAM": np.array([0.02, 0.1, np.nan]), "USAM": np.array([0.0, 1e-8, 1e9])}
    cycle, edges = np.array([0.01, 0.05, np.nan]), {"USAM's edge": 7.6, "GD's edge": 13}
    start, ends = np.array([3.0, 9.0]), {"SAM": [2.0, 2.1], "USAM": [3.0, 6.0]}
    plot_sam_vs_usam(axes, lams, amps, cycle, edges, start, ends)
    left, right = axes
    sam = next(line for line in left.lines if line.get_label() == "SAM")
    np.testing.assert_array_equal(sam.get_ydata(), [0.02, 0.1, 1e5])  # NaN: top
    usam = next(line for line in right.lines if line.get_label() == "USAM")
    np.testing.assert_array_equal(usam.get_xdata(), start)
    np.testing.assert_array_equal(usam.get_ydata(), [3.0, 6.0])
    assert right.lines[-1].get_ydata()[0] == 7.6  # USAM's edge, dotted
    assert left.get_title() == "(a) quadratics"
    fig.canvas.draw()


def test_plot_stochastic_sam_runs_draws_the_measures_and_the_runs(two_axes):
    from samlib.plotting import plot_stochastic_sam_runs
    from samlib.widths import ScaleCurve

    fig, axes = two_axes
    curve, s = ScaleCurve(np.ones(4)), np.linspace(0.5, 2.5, 5)
    full = np.zeros((11, 2, 5)) + np.array([1.3, 1.5])[:, None]
    one = np.zeros((11, 3, 2, 5)) + np.arange(3)[:, None, None]
    plot_stochastic_sam_runs(axes, curve, s, full, one)
    left, right = axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), (s**2 + 4 / s**2) / 4)
    np.testing.assert_allclose(left.lines[1].get_ydata(), s**2 + 1 / s**2)
    assert len(right.lines) == 2 + 6 + 2  # full batch, 1-SAM, the two minimisers
    np.testing.assert_array_equal(right.lines[1].get_ydata(), full[:, 1, -1])
    np.testing.assert_array_equal(right.lines[4].get_ydata(), one[:, 2, 0, -1])
    assert left.lines[-2].get_xdata()[0] == pytest.approx(np.sqrt(2))  # argmin λmax
    assert right.lines[-1].get_ydata()[0] == pytest.approx(1.0)  # argmin trace
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == ["full-batch SAM", "1-SAM"]
    fig.canvas.draw()


def test_draw_width_panels_and_show_log_det():
    from samlib.plotting import draw_width_panels, show_log_det

    s = np.geomspace(0.2, 3.5, 50)
    measures = {"a": s**2, "b": 1 / s, "c": (s - 1) ** 2}
    chains = np.cumsum(np.ones((100, 4)), axis=0)
    fig = plt.figure(figsize=(4, 2), dpi=50)
    left, line, dot = draw_width_panels(fig, s, measures, chains, chains[:, 0])
    right = fig.axes[1]
    np.testing.assert_array_equal(right.lines[0].get_ydata(), chains[::20, 0])
    assert right.get_xlabel() == "step $t$ / 20"
    values = np.log(s**2 + 0.5)
    message = show_log_det((left, line, dot), s, values, 0.1, 0.5)
    np.testing.assert_allclose(
        line.get_ydata(), (values - values.min()) / np.ptp(values)
    )
    np.testing.assert_array_equal(dot.get_xdata(), [s[0]])  # beyond the left edge
    assert message == "minimiser of log det(H + εI): s = 0.100"
    plt.close(fig)
    fig = plt.figure(figsize=(4, 2), dpi=50)
    draw_width_panels(fig, s, measures)
    assert len(fig.axes) == 1  # without chains: panel (a) only
    plt.close(fig)


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


def test_show_gd_sam_runs_moves_the_runs_and_reports_their_sharpness():
    from samlib import valley
    from samlib.plotting import plot_valley_runs, show_gd_sam_runs

    fig = plt.figure()
    artists = plot_valley_runs(fig, n_steps=200)
    runs = valley.valley_runs([3.0, 0.5], 0.1, 0.1, 200)
    status = show_gd_sam_runs(artists, runs, 0.1, 0.1, 9.1)
    np.testing.assert_array_equal(artists[0]["SAM"][0].get_xydata(), runs["SAM"][0])
    assert artists[1].get_text() == "η = 0.1, ρ = 0.1"
    sam, gd = runs["SAM"][1][-1], runs["GD"][1][-1]
    assert status == (
        f"After 200 steps: SAM's sharpness {sam:.3f}, GD's sharpness {gd:.3f} "
        "(flattest minimum: 2)."
    )
    outside = show_gd_sam_runs(artists, runs, 0.15, 0.1, 9.1)  # ηλ1 = 1.37 > 1
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
