"""samlib.widgets: controls, explorers (headless) and their static sweeps.

The synthetic explorer below draws gradient descent on ½w² for a step size η: the
pattern every chapter's explorer follows (``draw`` once, ``update`` per setting, a
sweep of one parameter as the static companion).
"""

import base64
import re

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from _helpers import full_render, png_pixels
from samlib import Quadratic, run_gd, run_sam
from samlib.widgets import Control, Explorer, slider_grid, slider_index

CONTROLS = {
    "eta": Control(0.5, 0.01, 3.0, label="η", log=True),
    "n_steps": Control(10, 1, 50, integer=True),
}


def draw(fig, legend=True):
    """The fixed parts: axes, limits, labels, an empty line, a legend."""
    ax = fig.subplots()
    ax.set(xlim=(0, 50), ylim=(-1.1, 1.1), xlabel="step t", ylabel="w_t")
    (line,) = ax.plot([], [], "o-", label="GD")
    if legend:
        ax.legend(loc="upper right")
    return {"ax": ax, "line": line, "calls": []}


def update(artists, eta, n_steps):
    """GD on ½w² for η; η ≥ 2 diverges and run_gd raises its DivergenceError (a
    ValueError) before any artist moves."""
    artists["calls"].append((eta, n_steps))
    path = run_gd(lambda w: np.asarray(w, dtype=float).copy(), [1.0], eta, 2000)
    path = path[: int(n_steps) + 1, 0]
    artists["line"].set_data(np.arange(path.size), path)
    artists["ax"].set_title(f"η = {eta:.3g}")
    return f"final |w| = {abs(path[-1]):.3g}"


def make_explorer(**options):
    options.setdefault("figsize", (3, 2))
    options.setdefault("dpi", 50)
    return Explorer(draw, update, CONTROLS, **options)


def artists_of(explorer):
    """The artists ``draw`` returned for the explorer's figure."""
    return explorer._move.__closure__[0].cell_contents


def frames_of(html) -> list[np.ndarray]:
    data = html.data
    frames = re.findall(r"data:image/png;base64,([^\"']+)", data)
    return [png_pixels(base64.b64decode(frame)) for frame in frames]


# --------------------------------------------------------------------------------------
# Explorer


def test_explorer_draws_once_on_construction():
    explorer = make_explorer()
    artists = artists_of(explorer)
    assert artists["calls"] == [(0.5, 10)]
    assert explorer.ok and explorer.params == {"eta": 0.5, "n_steps": 10}
    assert explorer.message == f"final |w| = {0.5**10:.3g}"
    np.testing.assert_allclose(artists["line"].get_ydata(), 0.5 ** np.arange(11))
    assert explorer.fig.get_size_inches().tolist() == [3, 2]
    assert explorer.fig.dpi == 50
    assert not plt.get_fignums()  # never a pyplot figure: nothing shown twice


def test_explorer_update_with_valid_values_redraws():
    explorer = make_explorer()
    line = artists_of(explorer)["line"]
    status = explorer.update(eta=0.25, n_steps=5)
    assert status == f"final |w| = {0.75**5:.3g}" == explorer.message
    assert explorer.ok and explorer.params == {"eta": 0.25, "n_steps": 5}
    np.testing.assert_allclose(line.get_ydata(), 0.75 ** np.arange(6))
    # partial updates keep the other parameters
    explorer.update(n_steps=3)
    assert explorer.params == {"eta": 0.25, "n_steps": 3}


def test_explorer_update_with_bad_values_keeps_the_last_picture():
    explorer = make_explorer()
    line = artists_of(explorer)["line"]
    explorer.update(eta=0.25, n_steps=5)
    before = np.array(line.get_ydata())
    picture = png_pixels(explorer.render())
    status = explorer.update(eta=2.5)  # GD on ½w² diverges for η > 2
    assert status.startswith("Cannot draw these settings")
    assert "diverged" in status and "step" in status
    assert not explorer.ok
    assert explorer.params == {"eta": 0.25, "n_steps": 5}
    np.testing.assert_array_equal(line.get_ydata(), before)
    np.testing.assert_array_equal(png_pixels(explorer.render()), picture)
    # a good value afterwards recovers
    assert explorer.update(eta=0.5).startswith("final")
    assert explorer.ok and explorer.params["eta"] == 0.5


def test_explorer_shows_arithmetic_errors_as_messages_and_raises_the_others():
    def fragile(artists, x):
        if x > 1:
            raise KeyError("not a parameter problem")
        if x < 0:
            raise ZeroDivisionError("x must not be negative")

    explorer = Explorer(
        lambda fig: None, fragile, {"x": Control(0.5, -1.0, 2.0)}, figsize=(1, 1)
    )
    assert explorer.message == ""
    assert explorer.update(x=-0.5) == (
        "Cannot draw these settings: x must not be negative"
    )
    with pytest.raises(KeyError):
        explorer.update(x=1.5)


def test_explorer_rejects_a_description_that_is_not_callable():
    with pytest.raises(TypeError, match="draw"):
        Explorer("not a function", update, CONTROLS)


def test_explorer_render_is_a_full_draw_of_its_figure():
    explorer = make_explorer()
    for change in ({}, {"eta": 0.3}, {"n_steps": 40}, {"eta": 1.7}):
        explorer.update(**change)
        differ = np.abs(
            png_pixels(explorer.render()).astype(int) - full_render(explorer.fig)
        ).max(axis=-1)
        assert differ.max() <= 1 and (differ > 0).sum() <= 8, change


def test_the_older_form_on_an_existing_figure_still_works_but_cannot_sweep():
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    (line,) = ax.plot([], [])

    def update_line(eta, n_steps):
        line.set_data(np.arange(n_steps + 1), (1 - eta) ** np.arange(n_steps + 1))
        return "drawn"

    explorer = Explorer(fig, update_line, CONTROLS)
    assert explorer.fig is fig and explorer.message == "drawn"
    np.testing.assert_allclose(line.get_ydata(), 0.5 ** np.arange(11))
    assert explorer.render().startswith(b"\x89PNG")
    with pytest.raises(TypeError, match="cannot sweep"):
        explorer.sweep("eta", [0.1, 0.2])
    plt.close(fig)


# --------------------------------------------------------------------------------------
# Explorer.sweep: the static companion from the same description


def test_sweep_frames_are_the_explorers_renders_at_the_same_values():
    """Each frame is, pixel for pixel, the picture the live explorer shows for the
    same parameters: same draw, same update, same layout."""
    values = [0.1, 0.3, 0.6, 1.0, 1.5, 1.9]
    sweep = make_explorer().sweep("eta", values, n_steps=30)
    frames = frames_of(sweep)
    assert len(frames) == len(values)
    live = make_explorer()
    for value, frame in zip(values, frames, strict=True):
        live.update(eta=value, n_steps=30)
        np.testing.assert_array_equal(frame, png_pixels(live.render()), err_msg=value)
    # and the frames differ from each other: the parameter moved
    assert not np.array_equal(frames[0], frames[-1])


def test_sweep_keeps_the_other_parameters_at_their_initial_values():
    explorer = make_explorer()
    explorer.update(eta=0.2, n_steps=50)  # the live state does not leak into a sweep
    frames = frames_of(explorer.sweep("n_steps", [10]))
    reference = make_explorer()  # initial values: η = 0.5, 10 steps
    np.testing.assert_array_equal(frames[0], png_pixels(reference.render()))
    assert explorer.params == {"eta": 0.2, "n_steps": 50}  # the live one unchanged


def test_sweep_has_its_own_size_and_player_settings():
    explorer = make_explorer()
    sweep = explorer.sweep(
        "eta", [0.2, 0.4], figsize=(4, 3), dpi=20, interval=250, alt="GD <sweep>"
    )
    frames = frames_of(sweep)
    assert frames[0].shape == (60, 80, 3)  # 4 x 3 inches at 20 dpi
    assert 'alt="GD &lt;sweep&gt;"' in sweep.data
    assert "250" in sweep.data and "loop" in sweep.data
    assert not plt.get_fignums()


def test_sweep_draws_its_figure_with_the_options_given():
    explorer = make_explorer()
    plain = frames_of(explorer.sweep("eta", [0.5], draw_options={"legend": False}))
    live = png_pixels(explorer.render())
    assert plain[0].shape == live.shape
    assert not np.array_equal(plain[0], live)  # the legend is left out
    reference = Explorer(
        lambda fig: draw(fig, legend=False), update, CONTROLS, figsize=(3, 2), dpi=50
    )
    np.testing.assert_array_equal(plain[0], png_pixels(reference.render()))


def test_sweep_names_the_frame_it_cannot_draw():
    explorer = make_explorer()
    with pytest.raises(ValueError, match=r"frame eta = 2\.5: .*diverged"):
        explorer.sweep("eta", [0.5, 2.5])
    with pytest.raises(ValueError, match="at least one value"):
        explorer.sweep("eta", [])


# --------------------------------------------------------------------------------------
# controls


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


def test_explorer_widget_shows_the_message_for_bad_slider_values():
    explorer = make_explorer()
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
