"""Chapter 6 (the paper's simulations): a claim its text makes about Figure 5 that the
notebook does not assert itself, and the figure helpers written for it."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from _helpers import chapter_cells
from samlib import run_noisy_gd, run_sam
from samlib.objectives import paper_objective
from samlib.plotting import (
    PALETTE,
    move_paths,
    plot_loss_and_sharpness,
    plot_paths,
    plot_product_valley,
)

LOSS = paper_objective()
ETA, RHO = 0.2, 1.0
SIGMA = RHO / (2 - ETA)


def test_figure_5s_sgd_visits_sharpness_on_both_sides_of_sams():
    """Over steps 20 to 100 of Figure 5's run (seed 0) SGD's sharpness ranges from
    below SAM's constant sharpness to above it."""
    sgd = run_noisy_gd(LOSS.grad, (1.0, 1.0), ETA, SIGMA, 100, seed=0)
    sam = run_sam(LOSS.grad, (1.0, 1.0), ETA, RHO, 100)
    sharpness = LOSS.sharpness(sgd[20:])
    assert sharpness.min() < LOSS.sharpness(sam[-1]) < sharpness.max()


def test_plot_paths_draws_each_path_its_end_and_the_start_and_moves_them():
    paths = {
        "SAM": run_sam(LOSS.grad, (1.0, 1.0), ETA, RHO, 10),
        "SGD": run_noisy_gd(LOSS.grad, (1.0, 1.0), ETA, SIGMA, 10, seed=0),
    }
    fig, ax = plt.subplots()
    drawn, start = plot_paths(
        ax, LOSS.value, paths, (-1, 1.5), (-1, 1.5), colors={"SGD": PALETTE["sky"]}
    )
    for name, path in paths.items():
        line, end = drawn[name]
        np.testing.assert_array_equal(line.get_xydata(), path)
        np.testing.assert_array_equal(end.get_xydata(), path[-1:])
        assert line.get_label() == name
    assert drawn["SGD"][0].get_color() == PALETTE["sky"]
    assert drawn["SAM"][0].get_color() == PALETTE["sam"]
    np.testing.assert_array_equal(start.get_xydata(), [[1.0, 1.0]])
    assert ax.get_legend() is not None and ax.get_xlim() == (-1, 1.5)
    moved = {name: path[::-1] for name, path in paths.items()}
    move_paths((drawn, start), moved)
    np.testing.assert_array_equal(drawn["SAM"][0].get_xydata(), moved["SAM"])
    np.testing.assert_array_equal(start.get_xydata(), moved["SAM"][:1])
    move_paths((drawn, start), {**paths, "GD": paths["SAM"]})  # not drawn: left out
    assert set(drawn) == {"SAM", "SGD"}
    np.testing.assert_array_equal(drawn["SAM"][0].get_xydata(), paths["SAM"])
    plt.close(fig)


def test_plot_loss_and_sharpness_along_paths():
    paths = {"GD": run_sam(LOSS.grad, (0.1, 0.1), ETA, 0.0, 20)}
    fig, axes = plt.subplots(2, 1)
    top, bottom = plot_loss_and_sharpness(axes, LOSS, paths, "a title")
    np.testing.assert_allclose(top.get_ydata(), LOSS.value(paths["GD"]))
    np.testing.assert_allclose(bottom.get_ydata(), LOSS.sharpness(paths["GD"]))
    assert axes[0].get_title() == "a title" and top.get_color() == PALETTE["gd"]
    plt.close(fig)


def test_plot_product_valley_draws_the_valley_and_the_flattest_minima():
    fig, ax = plt.subplots()
    contours, valley, star = plot_product_valley(ax, (0.2, 3.0), (0.2, 3.0))
    x, y = valley.get_data()
    np.testing.assert_allclose(x * y, 1.0)
    np.testing.assert_array_equal(star.get_xydata(), [[1, 1], [-1, -1]])
    assert len(contours.levels) == 10 and ax.get_xlim() == (0.2, 3.0)
    plt.close(fig)


def test_sgd_flatness_is_the_runs_mean_sharpness_and_its_shares():
    """sgd_flatness against the runs computed one by one: the same noise streams, the
    mean sharpness over steps 20 to 100, and the shares inside their intervals."""
    from samlib.drift import sgd_flatness

    sam = LOSS.sharpness(run_sam(LOSS.grad, (1.0, 1.0), ETA, RHO, 100)[-1])
    study = sgd_flatness(LOSS, (1.0, 1.0), ETA, SIGMA, 100, sam, 30, seed=0)
    runs = run_noisy_gd(LOSS.grad, np.ones((30, 2)), ETA, SIGMA, 100, seed=0)
    means = [LOSS.sharpness(runs[20:, k]).mean() for k in range(30)]
    np.testing.assert_allclose(study.means, means, rtol=1e-14)
    as_flat = np.mean(np.abs(np.array(means) - sam) < 2 - sam)
    assert study.shares["as_flat"][0] == as_flat
    assert study.shares["flatter"][0] == np.mean(np.array(means) < sam)
    for share, low, high in study.shares.values():
        assert low <= share <= high
    percent = study.percentages()
    assert percent["as_flat_pct"] == 100 * as_flat and len(percent) == 6
    with pytest.raises(ValueError):
        sgd_flatness(LOSS, (1.0, 1.0), ETA, SIGMA, 100, sam, 1, seed=0)


def test_the_explorer_answers_every_corner_of_its_sliders():
    """The chapter's explorer (its own cells) answers every corner of its sliders
    with a picture or a message: η at its maximum (≥ 1) is refused, and runs that
    blow up say so."""
    import itertools

    chapter = chapter_cells(
        "06_simulations",
        "use_book_style()",  # the chapter's imports and its SEED
        "def update(",
        "controls = {",
        loss=LOSS,
        sigma=SIGMA,
    )
    explorer = chapter["explorer"]
    assert explorer.ok, explorer.message
    corners = {name: (c.min, c.max) for name, c in explorer.controls.items()}
    for values in itertools.product(*corners.values()):
        message = explorer.update(**dict(zip(corners, values, strict=True)))
        assert message and (explorer.ok or "η" in message or "|w|" in message), message
        assert explorer.ok != (values[2] == corners["eta"][1]) or "|w|" in message
    explorer.update(w1_0=1.0, w2_0=1.0, eta=0.2, rho=1.0, sigma=round(SIGMA, 3))
    assert explorer.ok
    plt.close(explorer.fig)
