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
