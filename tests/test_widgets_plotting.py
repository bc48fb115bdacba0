"""samlib.widgets (headless) and samlib.plotting on the Agg backend."""

import io
import re

import ipywidgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.text import Annotation

from samlib import Quadratic, run_gd, run_sam, sam_ascent_point
from samlib.objectives import paper_objective
from samlib.plotting import (
    PALETTE,
    contour_grid,
    jshtml_sweep,
    plot_ascent,
    plot_contours,
    plot_path,
    use_book_style,
)
from samlib.widgets import Control, Explorer, slider_grid, slider_index


@pytest.fixture
def fig_ax():
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    yield fig, ax
    plt.close(fig)


def test_the_backend_is_headless():
    assert matplotlib.get_backend().lower() == "agg"


# --------------------------------------------------------------------------------------
# Explorer


def make_explorer(fig, ax):
    """An explorer that draws GD on ½w² for a step size η; η ≥ 2 diverges and the
    update raises samlib's DivergenceError (a ValueError)."""
    (line,) = ax.plot([], [])
    ax.set(xlim=(0, 50), ylim=(-1.1, 1.1))
    calls = []

    def update(eta, n_steps):
        calls.append((eta, n_steps))
        path = run_gd(lambda w: np.asarray(w, dtype=float).copy(), [1.0], eta, 2000)
        path = path[: int(n_steps) + 1, 0]
        line.set_data(np.arange(path.size), path)
        return f"final |w| = {abs(path[-1]):.3g}"

    controls = {
        "eta": Control(0.5, 0.01, 3.0, label="η", log=True),
        "n_steps": Control(10, 1, 50, integer=True),
    }
    return Explorer(fig, update, controls), line, calls


def test_explorer_draws_once_on_construction(fig_ax):
    explorer, line, calls = make_explorer(*fig_ax)
    assert calls == [(0.5, 10)]
    assert explorer.ok and explorer.params == {"eta": 0.5, "n_steps": 10}
    assert explorer.message == f"final |w| = {0.5**10:.3g}"
    np.testing.assert_allclose(line.get_ydata(), 0.5 ** np.arange(11))


def test_explorer_update_with_valid_values_redraws(fig_ax):
    fig, ax = fig_ax
    explorer, line, _ = make_explorer(fig, ax)
    status = explorer.update(eta=0.25, n_steps=5)
    assert status == f"final |w| = {0.75**5:.3g}" == explorer.message
    assert explorer.ok and explorer.params == {"eta": 0.25, "n_steps": 5}
    np.testing.assert_allclose(line.get_ydata(), 0.75 ** np.arange(6))
    fig.canvas.draw()  # the figure renders headless
    # partial updates keep the other parameters
    explorer.update(n_steps=3)
    assert explorer.params == {"eta": 0.25, "n_steps": 3}


def test_explorer_update_with_bad_values_keeps_the_last_picture(fig_ax):
    explorer, line, _ = make_explorer(*fig_ax)
    explorer.update(eta=0.25, n_steps=5)
    before = np.array(line.get_ydata())
    status = explorer.update(eta=2.5)  # GD on ½w² diverges for η > 2
    assert status.startswith("Cannot draw these settings")
    assert "diverged" in status and "step" in status
    assert not explorer.ok
    assert explorer.params == {"eta": 0.25, "n_steps": 5}
    np.testing.assert_array_equal(line.get_ydata(), before)
    # a good value afterwards recovers
    assert explorer.update(eta=0.5).startswith("final")
    assert explorer.ok and explorer.params["eta"] == 0.5


def png_pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def full_render(fig) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return png_pixels(buffer.getvalue())


def two_panel_explorer(layout):
    """Contours, a path, a marker and a legend on the left, a curve on the right."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2), dpi=60, layout=layout)
    grid = np.linspace(-2, 2, 40)
    left.contourf(grid, grid, np.add.outer(grid**2, grid**2), levels=8)
    (path,) = left.plot([], [], "o-", zorder=3, label="path")
    (marker,) = left.plot([], [], "x", label="end")
    left.legend(loc="upper right")
    (curve,) = right.plot([], [])
    right.set(xlim=(0, 20), ylim=(0, 1))

    def update(a, b, zoom):
        t = np.arange(20)
        points = np.c_[np.cos(a * t), np.sin(b * t)] * 1.5
        path.set_data(*points.T)
        marker.set_data(points[-1:, 0], points[-1:, 1])
        curve.set_data(t, (1 + np.cos(b * t)) / 2)
        left.set(xlim=(-zoom, zoom), ylim=(-zoom, zoom))
        if b > 1:
            right.set_title(f"b = {b:.2f}")

    controls = {
        "a": Control(0.3, 0.1, 2),
        "b": Control(0.5, 0.1, 2),
        "zoom": Control(2.0, 1.0, 3.0),
    }
    return Explorer(fig, update, controls)


@pytest.mark.parametrize(
    "layout, expected_full_draws, expected_axes_redraws",
    [
        # the first picture and the first move of the lines draw everything; later
        # moves, the new title included (drawn after the curve), redraw only the
        # changed artists and those above them; the zoom redraws the left axes alone
        ("constrained", [1, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0, 0]),
        # tick labels of the right panel reach into the left one: always everything
        (None, [1] * 9, [0] * 9),
    ],
)
def test_explorer_render_redraws_only_what_changed_and_matches_a_full_draw(
    layout, expected_full_draws, expected_axes_redraws
):
    """The cached-background render equals a full redraw after every kind of update:
    one line moved, several artists moved, the title changed, the limits changed."""
    explorer = two_panel_explorer(layout)
    fig = explorer.fig
    full, single = [], []
    changes = [
        {},
        {"a": 0.7},
        {"a": 0.9},
        {"b": 0.8},
        {"zoom": 1.5},
        {"a": 1.1},
        {"b": 1.5},
        {"b": 1.7},
        {"a": 0.2, "b": 0.3},
    ]
    for change in changes:
        explorer.update(**change)
        blitter = explorer._blitter
        before = (blitter.redraws, blitter.axes_redraws) if blitter else (0, 0)
        blitted = png_pixels(explorer.render())
        full.append(explorer._blitter.redraws - before[0])
        single.append(explorer._blitter.axes_redraws - before[1])
        differ = np.abs(blitted.astype(int) - full_render(fig)).max(axis=-1)
        # at most a rounding of the antialiasing where the spines meet
        assert differ.max() <= 1 and (differ > 0).sum() <= 8, (change, differ.sum())
    assert full == expected_full_draws
    assert single == expected_axes_redraws
    plt.close(fig)


def test_explorer_does_not_swallow_other_errors(fig_ax):
    fig, _ = fig_ax

    def update(x):
        if x > 1:
            raise KeyError("not a parameter problem")

    explorer = Explorer(fig, update, {"x": Control(0.5, 0.0, 2.0)})
    assert explorer.message == ""
    with pytest.raises(KeyError):
        explorer.update(x=1.5)


def test_control_build_makes_the_right_sliders():
    s = Control(10, 1, 50, integer=True, label="steps").build("n")
    assert isinstance(s, ipywidgets.IntSlider)
    assert (s.value, s.min, s.max, s.step) == (10, 1, 50, 1)
    assert s.description == "steps" and s.continuous_update is False

    s = Control(0.1, 0.001, 10.0, log=True).build("eta")
    assert isinstance(s, ipywidgets.FloatLogSlider)
    assert s.base == 10 and s.description == "eta"
    assert s.min == pytest.approx(-3.0) and s.max == pytest.approx(1.0)
    assert s.value == pytest.approx(0.1)

    s = Control(0.5, 0.0, 2.0).build("rho")
    assert type(s) is ipywidgets.FloatSlider
    assert (s.value, s.min, s.max) == (0.5, 0.0, 2.0)
    assert s.step == pytest.approx(0.02)  # (max - min)/100 by default
    assert Control(0.5, 0.0, 2.0, step=0.25).build("rho").step == 0.25


def test_control_positions_are_the_values_the_slider_sends():
    linear = Control(0.15, 0.02, 0.3, 0.01)
    grid = linear.positions()
    assert grid.size == 29 and grid[0] == 0.02 and grid[-1] == pytest.approx(0.3)
    np.testing.assert_allclose(np.diff(grid), 0.01, rtol=1e-12)
    # the browser computes min + k·step in floating point: found all the same
    assert [linear.index(0.02 + k * 0.01) for k in range(29)] == list(range(29))
    assert linear.index(0.155) is None and linear.index(0.5) is None
    log = Control(0.1, 0.01, 1.0, log=True, step=0.05)
    np.testing.assert_allclose(np.log10(log.positions()), np.linspace(-2, 0, 41))
    assert log.index(10 ** (-2 + 7 * 0.05)) == 7
    integer = Control(10, 1, 50, integer=True, step=7)
    assert integer.positions().tolist() == [1, 8, 15, 22, 29, 36, 43, 50]
    assert Control(1, 0, 1, step=0.3).positions().tolist() == pytest.approx(
        [0, 0.3, 0.6, 0.9]
    )
    slider = linear.build("eta")
    assert (slider.min, slider.max, slider.step) == (0.02, 0.3, 0.01)


def test_slider_grid_runs_every_setting_and_slider_index_finds_it():
    controls = {
        "eta": Control(0.1, 0.05, 0.2, 0.05),
        "rho": Control(0.5, 0.0, 1.0, 0.25),
    }
    eta_grid, rho_grid = slider_grid(controls)
    assert eta_grid.shape == (4, 1) and rho_grid.shape == (1, 5)
    quad = Quadratic([1.0, 0.5])
    runs = run_sam(quad.grad, [1.0, 1.0], eta_grid, rho_grid, 3)  # (4, 4, 5, 2)
    index = slider_index(controls, eta=0.15, rho=0.75)
    assert index == (2, 3)
    eta, rho = eta_grid[2, 0], rho_grid[0, 3]  # 0.05 + 2·0.05, as the browser sends
    assert (eta, rho) == pytest.approx((0.15, 0.75), rel=1e-12)
    # each row of the batch is exactly the lone run of its setting
    np.testing.assert_array_equal(
        runs[(slice(None), *index)], run_sam(quad.grad, [1.0, 1.0], eta, rho, 3)
    )
    assert slider_index(controls, eta=0.15, rho=0.7) is None


def test_explorer_widget_shows_the_message_for_bad_slider_values(fig_ax, capsys):
    explorer, _, _ = make_explorer(*fig_ax)
    box = explorer.widget()
    sliders, note, image = box.children
    assert isinstance(image, ipywidgets.Image) and image.format == "png"
    assert bytes(image.value).startswith(b"\x89PNG")
    first_picture = bytes(image.value)
    eta_slider, steps_slider = sliders.children
    assert isinstance(eta_slider, ipywidgets.FloatLogSlider)
    assert isinstance(steps_slider, ipywidgets.IntSlider)
    eta_slider.value = 2.5
    assert "Cannot draw these settings" in note.value
    assert explorer.params["eta"] == 0.5
    eta_slider.value = 0.25
    assert "Cannot draw" not in note.value and "final" in note.value
    assert explorer.params["eta"] == pytest.approx(0.25)
    assert bytes(image.value) != first_picture  # the new settings were drawn


# --------------------------------------------------------------------------------------
# plotting


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


def test_jshtml_sweep_has_one_frame_per_value():
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=30)
    (line,) = ax.plot([0, 1], [0, 0])
    seen = []

    def update(value):
        seen.append(value)
        line.set_ydata([0, value])
        return (line,)

    values = [0.1, 0.4, 0.7, 1.0, 1.3]
    html = jshtml_sweep(fig, update, values, interval=100)
    data = html.data
    assert data.count("data:image/png;base64") == len(values)
    frame_ids = {int(i) for i in re.findall(r"frames\[(\d+)\]\s*=", data)}
    assert frame_ids == set(range(len(values)))
    assert set(values) <= set(seen)
    assert "loop" in data  # the default mode is a loop
    assert not plt.fignum_exists(fig.number)  # closed so that it is not shown twice


def test_jshtml_sweep_frames_are_the_figure_at_each_value():
    """Frames drawn by partial redraws equal full draws of the same states."""
    import base64

    def make():
        fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2), dpi=50, layout="tight")
        grid = np.linspace(-2, 2, 30)
        left.contourf(grid, grid, np.add.outer(grid**2, grid**2), levels=6)
        (line,) = left.plot([], [], "o-")
        (curve,) = right.plot([], [])

        def update(k):
            line.set_data(np.cos(np.arange(9) * k), np.sin(np.arange(9) * k))
            curve.set_data(np.arange(5), np.arange(5) * k)
            right.set(xlim=(0, 4), ylim=(0, 4 * max(k, 1)))  # moves for k > 1
            left.set_title(f"k = {k}")

        return fig, update

    values = [0.3, 0.6, 0.9, 1.5, 2.0]
    fig, update = make()
    data = jshtml_sweep(fig, update, values).data
    frames = re.findall(r"data:image/png;base64,([^\"']+)", data)
    assert len(frames) == len(values)
    reference, update_reference = make()
    update_reference(values[0])
    reference.draw_without_rendering()
    reference.set_layout_engine("none")  # the layout of the first frame, as the sweep
    for value, frame in zip(values, frames, strict=True):
        update_reference(value)
        got = png_pixels(base64.b64decode(frame)).astype(int)
        differ = np.abs(got - full_render(reference)).max(axis=-1)
        assert differ.max() <= 1 and (differ > 0).sum() <= 8, value
    plt.close(reference)


def test_use_book_style_sets_the_palette():
    with matplotlib.rc_context():
        use_book_style()
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert cycle[0] == PALETTE["sam"] and cycle[1] == PALETTE["gd"]
        assert matplotlib.rcParams["axes.spines.top"] is False


def test_jshtml_sweep_frames_have_the_figure_dpi_and_alt_text():
    import base64

    with matplotlib.rc_context({"savefig.dpi": 100}):  # as use_book_style sets it
        fig, ax = plt.subplots(figsize=(5, 3.5), dpi=40)
        (line,) = ax.plot([0, 1], [0, 1])
        html = jshtml_sweep(fig, lambda k: line.set_ydata([0, k]), [1, 2], alt="a <b>")
    data = html.data
    png = base64.b64decode(re.search(r"data:image/png;base64,([^\"']+)", data)[1])
    width, height = (int.from_bytes(png[i : i + 4], "big") for i in (16, 20))
    assert (width, height) == (200, 140)  # 5 x 3.5 inches at the figure's 40 dpi
    assert 'alt="a &lt;b&gt;"' in data
