"""samlib.rendering: partial redraws equal full draws, animations of sweeps, and the
matplotlib version its private API was verified on."""

import base64
import io
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from _helpers import ROOT, full_render, png_pixels
from samlib.rendering import (
    MATPLOTLIB_VERIFIED,
    PartialRenderer,
    encode_png,
    freeze_layout,
    jshtml_sweep,
)


def test_matplotlib_is_the_release_the_private_api_was_verified_on():
    """samlib.rendering relies on matplotlib._animation_data and replays the drawing
    order of Axes.draw; both were checked on one release. A different matplotlib (a
    new pin in requirements.txt) must be verified again (this file's pixel checks)
    and MATPLOTLIB_VERIFIED updated before it is trusted."""
    pinned = re.search(
        r"^matplotlib==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M
    )
    assert pinned, "requirements.txt must pin matplotlib"
    assert pinned[1] == MATPLOTLIB_VERIFIED, (
        f"requirements.txt pins matplotlib {pinned[1]}, but samlib.rendering's "
        f"private API was verified on {MATPLOTLIB_VERIFIED}"
    )
    assert matplotlib.__version__ == MATPLOTLIB_VERIFIED, (
        f"matplotlib {matplotlib.__version__} is installed; samlib.rendering's "
        f"private API was verified on {MATPLOTLIB_VERIFIED}"
    )


def test_the_private_api_is_used_in_one_place_only():
    """Only samlib/rendering.py reaches into matplotlib's private names."""
    private = re.compile(r"matplotlib\._|\._axis_map|\._animation_data")
    for path in (ROOT / "samlib").glob("*.py"):
        if path.name != "rendering.py":
            assert not private.search(path.read_text()), path.name


def two_panel(layout):
    """Contours, a path, a marker and a legend on the left, a curve on the right;
    returns the figure and its update(a, b, zoom)."""
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

    return fig, update


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
def test_partial_render_redraws_only_what_changed_and_matches_a_full_draw(
    layout, expected_full_draws, expected_axes_redraws
):
    """The cached-background render equals a full redraw after every kind of update:
    one line moved, several artists moved, the title changed, the limits changed."""
    fig, update = two_panel(layout)
    params = {"a": 0.3, "b": 0.5, "zoom": 2.0}
    update(**params)
    freeze_layout(fig)  # as an explorer lays its figure out once
    renderer = PartialRenderer(fig)
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
        params.update(change)
        update(**params)
        before = (renderer.redraws, renderer.axes_redraws)
        blitted = png_pixels(renderer.png())
        full.append(renderer.redraws - before[0])
        single.append(renderer.axes_redraws - before[1])
        differ = np.abs(blitted.astype(int) - full_render(fig)).max(axis=-1)
        # at most a rounding of the antialiasing where the spines meet
        assert differ.max() <= 1 and (differ > 0).sum() <= 8, (change, differ.sum())
    assert full == expected_full_draws
    assert single == expected_axes_redraws
    plt.close(fig)


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


def test_jshtml_sweep_frames_have_the_figure_dpi_and_alt_text():

    with matplotlib.rc_context({"savefig.dpi": 100}):  # as use_book_style sets it
        fig, ax = plt.subplots(figsize=(5, 3.5), dpi=40)
        (line,) = ax.plot([0, 1], [0, 1])
        html = jshtml_sweep(fig, lambda k: line.set_ydata([0, k]), [1, 2], alt="a <b>")
    data = html.data
    png = base64.b64decode(re.search(r"data:image/png;base64,([^\"']+)", data)[1])
    width, height = (int.from_bytes(png[i : i + 4], "big") for i in (16, 20))
    assert (width, height) == (200, 140)  # 5 x 3.5 inches at the figure's 40 dpi
    assert 'alt="a &lt;b&gt;"' in data


@pytest.mark.parametrize("opaque", [True, False])
def test_encode_png_keeps_every_pixel(opaque):
    from PIL import Image

    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(rgba, opaque=opaque)))
    assert decoded.mode == ("RGB" if opaque else "RGBA")
    np.testing.assert_array_equal(np.asarray(decoded), rgba[..., : 3 if opaque else 4])
