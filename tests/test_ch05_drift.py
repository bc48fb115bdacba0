"""Chapter 5 (drift towards wide minima): the claims its text makes that the notebook
does not assert itself, the checks of its exercises, and the losses and figure helpers
written for it (samlib.objectives' quartic and plane of minima, samlib.plotting)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.legend import Legend

from _helpers import central_difference, cubic_example
from samlib import (
    grad_lambda_max,
    run_gd,
    run_sam,
    sam_step,
    theorem21_prediction,
    top_eigenpair,
    valley,
)
from samlib.drift import drift_field, theorem21_errors
from samlib.objectives import manifold_loss, product_loss, quartic_objective
from samlib.plotting import (
    fixed_legend,
    move_valley_runs,
    plot_relative_errors,
    plot_valley_runs,
    plot_valley_speeds,
    plot_valley_zoom,
)
from samlib.rendering import PartialRenderer

LOSS = product_loss()
RHOS = np.geomspace(1e-3, 1e-1, 11)  # the chapter's sweep
VALLEY_XS = [1.5, 2.0, 3.0]


# ------------------------------------------------------------------ Sections 5.3–5.6


@pytest.mark.parametrize("x", [0.5, 1.5, 2.0, 3.0])
def test_one_step_drift_points_along_the_valley_towards_the_flattest_minimum(x):
    """Section 5.3's table: along v2 the actual step has the sign of the predicted
    drift and is within 2 % of it, and the drift lowers the valley's sharpness."""
    p = theorem21_prediction(LOSS, valley.valley_point(x), 0.05, 0.05)
    actual = sam_step(p.w_t, LOSS.grad, 0.05, 0.05) - p.w_t
    a, q = p.in_eigenbasis([actual, p.step])
    assert np.sign(a[1]) == np.sign(q[1]) and abs(a[1] - q[1]) < 0.02 * abs(q[1])
    foot = valley.valley_foot(valley.valley_point(x) + p.drift)
    assert valley.valley_sharpness(foot[0]) < valley.valley_sharpness(x)


@pytest.mark.parametrize("x", VALLEY_XS)
def test_the_error_sweep_has_teeth_and_a_flat_bound_at_fixed_eta(x):
    """Section 5.3: for ρ ≤ 0.005 the error is below 1 % of the drift; a flipped or
    halved drift exceeds the box's bound for ρ ≤ 0.0025; with η fixed the bound stays
    a fixed fraction of the drift."""
    e = valley.valley_step_errors(x, RHOS, RHOS)
    small = RHOS <= 0.005 * (1 + 1e-9)
    assert np.all(e.relative[small] < 0.01)
    tiny = RHOS < 0.0026
    assert np.all(np.minimum(e.flipped, e.halved)[tiny] > e.bound[tiny])
    fixed = valley.valley_step_errors(x, 0.05, RHOS)
    ratio = fixed.bound / fixed.drift
    assert ratio.min() > 0.8 * ratio.max()


def test_the_leading_remainder_explains_the_cubic_plateau():
    """Section 5.4, with the chapter's η = 0.05: adding the term of order η²ρ² to the
    prediction leaves an error o(drift); on the valley the term vanishes."""
    cubic = cubic_example()
    for rho in RHOS[RHOS <= 0.005 * (1 + 1e-9)]:
        p = theorem21_prediction(cubic, [0.0, 0.0], 0.05, rho)
        actual = sam_step(p.w_t, cubic.grad, 0.05, rho) - p.w_t
        corrected = p.step + valley.leading_remainder(cubic, [0.0, 0.0], 0.05, rho)
        assert np.linalg.norm(actual - corrected) < 2 * rho * np.linalg.norm(p.drift)
    np.testing.assert_allclose(
        valley.leading_remainder(LOSS, valley.valley_point(2.0), 0.05, 0.05),
        0.0,
        atol=1e-18,
    )


def test_gd_lands_at_a_minimum_and_sam_reaches_the_flattest_one():
    """Section 5.5: GD from (3, 1/2) ends on the valley (loss below 1e-20); SAM's
    sharpness drops below 3, then 2.1, on its way to 2."""
    runs = valley.valley_runs([3.0, 0.5], 0.1, 0.1, 2000)
    gd, _ = runs["GD"]
    _, sam_sharpness = runs["SAM"]
    assert LOSS.value(gd[-1]) < 1e-20
    t3, t21 = np.argmax(sam_sharpness < 3), np.argmax(sam_sharpness < 2.1)
    assert 0 < t3 < t21 < 2000 and sam_sharpness[-1] < 2.01


def test_drift_speeds_point_to_the_flattest_minimum_and_scale_like_rho_squared():
    """Section 5.6: every measured speed is negative (towards (1, 1)), the gap to the
    prediction grows with ρ, and at fixed η the predicted speed scales like ρ²."""
    from samlib import run_sam

    levels = [8, 7, 6, 5, 4, 3, 2.5, 2.2]
    runs = run_sam(LOSS.grad, [3.0, 0.5], 0.1, np.array([0.05, 0.1, 0.2]), 4000)
    gaps = []
    for k, rho in enumerate([0.05, 0.1, 0.2]):
        _, measured, predicted = valley.speed_checkpoints(runs[:, k], 0.1, rho, levels)
        assert np.all(measured < 0)
        gaps.append(np.max(np.abs(measured / predicted - 1)))
    assert gaps[2] > gaps[1] and gaps[2] > gaps[0]
    ratio = valley.predicted_valley_speed(
        2.0, 0.1, 0.1
    ) / valley.predicted_valley_speed(2.0, 0.1, 0.05)
    assert ratio == pytest.approx(4.0)


# ------------------------------------------------------------------------- exercises


@pytest.mark.parametrize("x", [0.3, 1.0, 2.5, -1.7])
def test_exercise_1_the_hessian_on_the_valley_is_rank_one(x):
    y = 1 / x
    H = LOSS.hess([x, y])
    np.testing.assert_allclose(H, np.outer([y, x], [y, x]), atol=1e-14)
    np.testing.assert_allclose(H @ [y, x], (x**2 + y**2) * np.array([y, x]))
    np.testing.assert_allclose(H @ [x, -y], 0.0, atol=1e-13)
    xs = np.linspace(0.2, 5, 1001)
    assert valley.valley_sharpness(xs).min() == pytest.approx(2.0, abs=1e-4)


@pytest.mark.parametrize("x", [0.4, 0.9, 1.0, 2.0, 3.0])
def test_exercise_2_the_gradient_of_the_sharpness_in_closed_form(x):
    eta, rho = 0.1, 0.1
    y, n = 1 / x, np.hypot(x, 1 / x)
    g = grad_lambda_max(LOSS, [x, y])
    expected = [2 * x * (2 * y**2 + x**2) / n**2, 2 * y * (y**2 + 2 * x**2) / n**2]
    np.testing.assert_allclose(g, expected)
    assert g @ np.array([y, x]) / n == pytest.approx(6 / n)
    assert g @ np.array([x, -y]) / n == pytest.approx(2 * (x**2 - y**2) / n, abs=1e-12)
    closed = -2 * eta * rho**2 / (2 - eta * n**2) ** 2 * 2 * (x**2 - y**2) / n
    assert valley.predicted_valley_speed(x, eta, rho) == pytest.approx(
        closed, abs=1e-15
    )


def test_exercise_3_gd_moves_along_the_valley_less_than_the_series_bound():
    wz = valley.valley_point(2.0)
    lam1, v1 = top_eigenpair(LOSS.hess(wz))
    delta0 = 0.1
    gd = run_gd(LOSS.grad, wz + delta0 * v1, 0.1, 500)
    moved = abs(
        valley.valley_arclength(valley.valley_foot(gd[-1])[0])
        - valley.valley_arclength(2.0)
    )
    tangential = 2 * (4 - 0.25) / np.hypot(2, 0.5)
    bound = delta0**2 * tangential / (2 * lam1 * (2 - 0.1 * lam1))
    assert bound == pytest.approx(0.0027, abs=5e-5)
    assert moved < bound
    assert np.ptp(LOSS.sharpness(gd[100:])) < 1e-9  # and then GD stops


# ---------------------------------------------------------------- the chapter's losses


@pytest.mark.parametrize(
    "loss, w",
    [
        (quartic_objective([1.0, 0.5], [1.0, 0.0]), [0.7, -1.3]),
        (quartic_objective([2.0, -1.0, 0.5], [0.3, -2.0, 1.0]), [0.4, 1.1, -0.8]),
        (manifold_loss(), [0.3, -0.7, 1.2, 0.5]),
        (manifold_loss(), [0.0, 0.0, -0.4, 2.0]),
    ],
)
def test_the_chapters_losses_have_exact_derivatives(loss, w):
    """Each derivative against central differences of the one below it."""
    w = np.asarray(w)
    np.testing.assert_allclose(
        central_difference(loss.value, w), loss.grad(w), atol=1e-8
    )
    np.testing.assert_allclose(
        central_difference(loss.grad, w), loss.hess(w), atol=1e-8
    )
    np.testing.assert_allclose(central_difference(loss.hess, w), loss.d3(w), atol=1e-8)
    T = loss.d3(w)  # symmetric in its three indices
    np.testing.assert_array_equal(T, T.transpose(1, 0, 2))
    np.testing.assert_array_equal(T, T.transpose(0, 2, 1))
    batch = np.stack([w, 2 * w])
    np.testing.assert_allclose(loss.grad(batch)[1], loss.grad(2 * w))
    np.testing.assert_allclose(loss.d3(batch)[1], loss.d3(2 * w))


def test_the_manifold_loss_has_a_plane_of_minima_whose_sharpness_drift_follows():
    """ℓ(u, v) = ½uᵀA(v)u: at (0, 0, v) the Hessian is diag(A(v), 0, 0), λmax(A(v)) =
    (3 + v1²)/2 + √((1 + v1²)²/4 + v2²), and Theorem 21's drift has flat components
    -(2ηρ²/(2 - ηλ1)²) ∇v λmax(A(v)), by differences of that closed form."""
    loss = manifold_loss()

    def lam_max(v):
        return (3 + v[0] ** 2) / 2 + np.sqrt((1 + v[0] ** 2) ** 2 / 4 + v[1] ** 2)

    for v in ([1.0, 0.5], [0.0, 0.0], [-0.6, 1.4]):
        z = np.array([0.0, 0.0, *v])
        np.testing.assert_array_equal(loss.grad(z), 0.0)
        lams = np.linalg.eigvalsh(loss.hess(z))
        np.testing.assert_allclose(lams[:2], 0.0, atol=1e-15)
        assert lams[-1] == pytest.approx(lam_max(v))
        lam1 = lam_max(v)
        flat = drift_field(loss, z, 0.1, 0.1)[2:]
        expected = (
            -2 * 0.1 * 0.1**2 / (2 - 0.1 * lam1) ** 2 * central_difference(lam_max, v)
        )
        np.testing.assert_allclose(flat, expected, rtol=1e-7, atol=1e-12)
    with pytest.raises(ValueError, match="lams and q"):
        quartic_objective([1.0, 2.0], [1.0])


def test_valley_error_curves_are_the_step_errors_at_each_point():
    curves = valley.valley_error_curves(VALLEY_XS, 0.05, RHOS)
    assert list(curves) == ["$x = 1.5$", "$x = 2.0$", "$x = 3.0$"]
    for x, errors in zip(VALLEY_XS, curves.values(), strict=True):
        expected = valley.valley_step_errors(x, 0.05, RHOS)
        np.testing.assert_array_equal(errors.relative, expected.relative)
        np.testing.assert_array_equal(errors.bound, expected.bound)


@pytest.mark.parametrize("x", [0.5, 2.0])
def test_step_split_is_one_sam_step_from_w_t_and_the_prediction(x):
    from samlib.drift import step_split

    (actual, predicted), size = step_split(LOSS, valley.valley_point(x), 0.05, 0.05)
    p = theorem21_prediction(LOSS, valley.valley_point(x), 0.05, 0.05)
    step = sam_step(p.w_t, LOSS.grad, 0.05, 0.05) - p.w_t
    np.testing.assert_allclose(actual, p.basis.T @ step, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(predicted, p.basis.T @ p.step, rtol=1e-12, atol=1e-15)
    assert size == np.linalg.norm(p.drift)


def test_drift_flow_after_starts_at_the_foot_and_runs_to_the_end_of_the_run():
    feet = np.array([valley.valley_point(x) for x in np.linspace(3.0, 2.5, 101)])
    t, sharpness = valley.drift_flow_after(feet, 20, 0.1, 0.1, stride=5)
    t_alone, x_alone = valley.drift_flow(feet[20, 0], 0.1, 0.1, 80, stride=5)
    np.testing.assert_array_equal(t, t_alone + 20)
    np.testing.assert_allclose(sharpness, x_alone**2 + 1 / x_alone**2, rtol=1e-15)
    assert t[-1] == 100
    with pytest.raises(ValueError, match="beyond"):
        valley.drift_flow_after(feet, 101, 0.1, 0.1)


def test_reduction_runs_are_sam_on_the_quadratic_approximation_and_its_reduction():
    """Against ℓq built from a finite-difference Hessian and the eigenbasis of
    numpy's eigh: the full run, and the reduced one on the nonzero eigenvalues."""
    from samlib.drift import reduction_runs

    loss, z, u0 = manifold_loss(), np.array([0.0, 0.0, 1.0, 0.5]), np.array([0.3, -0.2])
    full, reduced = reduction_runs(loss, z, u0, 0.1, 0.1, 200)
    H = central_difference(loss.grad, z)
    lams, vectors = np.linalg.eigh((H + H.T) / 2)
    lams, vectors = lams[::-1], vectors[:, ::-1]
    signs = np.sign(np.sum(vectors[:, :2] * (full[0] - z)[:, None], axis=0) / u0)
    w0 = z + vectors[:, :2] @ (u0 * signs)
    np.testing.assert_allclose(full[0], w0, atol=1e-8)
    expected = run_sam(lambda w: (w - z) @ H, w0, 0.1, 0.1, 200)
    np.testing.assert_allclose(full, expected, atol=1e-6)
    expected = run_sam(lambda u: lams[:2] * u, u0, 0.1, 0.1, 200)
    np.testing.assert_allclose(reduced, expected, atol=1e-6)
    with pytest.raises(ValueError, match="more than"):
        reduction_runs(loss, z, np.ones(5), 0.1, 0.1, 10)


def test_speed_study_is_speed_checkpoints_of_each_radius_run():
    from samlib import run_sam

    speeds = valley.speed_study([3.0, 0.5], 0.1, [0.1, 0.2], 1500, [6.0, 3.0])
    assert list(speeds) == [0.1, 0.2]
    for rho, result in speeds.items():
        path = run_sam(LOSS.grad, [3.0, 0.5], 0.1, rho, 1500)
        expected = valley.speed_checkpoints(path, 0.1, rho, [6.0, 3.0])
        for got, want in zip(result, expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_drift_gap_compares_the_midpoints_steps_with_the_drift_field():
    from samlib.drift import drift_gap
    from samlib.valley import midpoints

    loss, w0 = manifold_loss(), np.array([0.2, 0.1, 1.0, 0.5])  # next to (0, 0, v)
    mids = midpoints(run_sam(loss.grad, w0, 0.1, 0.1, 400))[100:]
    feet = mids * [0, 0, 1, 1]
    gap = drift_gap(loss, mids, feet, 0.1, 0.1)
    for t in (0, 150, 298):
        step, drift = mids[t + 1] - mids[t], drift_field(loss, feet[t], 0.1, 0.1)
        expected = np.linalg.norm(step - drift) / np.linalg.norm(drift)
        assert np.isclose(gap[t], expected, rtol=1e-12)
    assert gap.shape == (len(mids) - 1,)
    with pytest.raises(ValueError, match="as many feet"):
        drift_gap(loss, mids, feet[:-1], 0.1, 0.1)


# --------------------------------------------------------- Section 5.8's explorer


def chapter_explorer(n_steps=1000):
    """Section 5.8's explorer, as the chapter builds it."""
    from samlib.plotting import show_gd_sam_runs
    from samlib.widgets import Control, Explorer

    def update(artists, rho, eta, x0, n_steps=n_steps):
        runs = valley.valley_runs([x0, 1.5 / x0], eta, rho, n_steps)
        sharpness = valley.valley_sharpness(x0)
        return show_gd_sam_runs(artists, runs, eta, rho, sharpness)

    controls = {
        "rho": Control(0.1, 0.02, 0.4, step=0.01, label="ρ (radius)"),
        "eta": Control(0.1, 0.02, 0.5, step=0.01, label="η (step size)"),
        "x0": Control(3.0, 0.4, 4.0, step=0.05, label="x₀ (start)"),
    }
    return Explorer(plot_valley_runs, update, controls, figsize=(8.5, 4.0))


def test_the_explorer_reports_bad_settings_and_moves_its_artists_on_good_ones():
    """Bad settings give a message and keep the last picture; a valid update moves
    the artists without redrawing the contours; from x0 < 1 SAM goes up the other
    arm of the valley to (1, 1) (the chapter's text); and the status warns outside
    Theorem 21's proof (ηλ1 > 1)."""
    explorer = chapter_explorer()
    sam_line = explorer.fig.axes[0].lines[-1]
    before, n_contours = sam_line.get_xydata().copy(), len(sam_line.axes.collections)
    message = explorer.update(eta=0.5, x0=4.0)  # ηλ1 = 0.5 · 15.3 ≥ 2
    assert not explorer.ok and "≥ 2" in message and "ηλ1" in message
    assert (
        np.array_equal(sam_line.get_xydata(), before) and sam_line.get_label() == "SAM"
    )
    message = explorer.update(rho=0.3, eta=0.1, x0=0.5)
    assert explorer.ok and float(message.split("SAM's sharpness ")[1][:5]) < 2.01
    assert sam_line.get_xydata().shape == (1001, 2)  # the new run
    assert len(sam_line.axes.collections) == n_contours
    assert "Outside Theorem 21" in explorer.update(rho=0.1, eta=0.15, x0=3.0)
    assert explorer.update(rho=0.1, eta=0.1, x0=3.0) and explorer.ok
    assert "Outside" not in explorer.message
    assert explorer.message.startswith("After 1000 steps: SAM's sharpness ")
    plt.close(explorer.fig)


# ------------------------------------------------------------------ figure helpers


def test_plot_valley_runs_draws_once_and_moves_its_artists():
    fig = plt.figure(figsize=(6, 3), dpi=50)
    artists = plot_valley_runs(fig, n_steps=300)
    lines, note = artists
    assert set(lines) == {"GD", "SAM"} and note.get_text() == ""
    runs = valley.valley_runs([3.0, 0.5], 0.1, 0.1, 300)
    move_valley_runs(artists, runs, "η = 0.1")
    np.testing.assert_array_equal(lines["SAM"][0].get_xydata(), runs["SAM"][0])
    np.testing.assert_array_equal(lines["GD"][1].get_ydata(), runs["GD"][1])
    assert note.get_text() == "η = 0.1"
    ax_path, ax_sharp = fig.axes
    assert ax_sharp.get_xlim() == (0, 300) and ax_path.get_legend() is not None
    plt.close(fig)


def test_fixed_legend_stays_in_the_cached_background():
    """Moving a line redraws it, not a fixed legend under it (a plain legend is drawn
    above the line, so it is redrawn at every move)."""
    for fixed in (True, False):
        fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
        (line,) = ax.plot([0, 1], [0, 1], label="a")
        legend = fixed_legend(ax, loc="upper left") if fixed else ax.legend()
        assert (legend.get_zorder() < line.get_zorder()) == fixed
        renderer = PartialRenderer(fig)
        for k in range(3):
            line.set_data([0, 1], [k, -k])
            renderer.png()
        assert line in renderer.redrawn and (legend in renderer.redrawn) != fixed
        assert isinstance(legend, Legend) and renderer.redraws == 2
        plt.close(fig)


def test_plot_relative_errors_draws_errors_bounds_and_the_slope():
    fig, ax = plt.subplots()
    with_bound = theorem21_errors(LOSS, valley.valley_point(2.0), RHOS, RHOS, B=8.0)
    without = theorem21_errors(cubic_example(), [0.0, 0.0], 0.05, RHOS)
    lines = plot_relative_errors(
        ax, {"a": with_bound, "b": without}, slope=0.3, dotted=["b"]
    )
    assert len(lines) == 4  # a, a's bound, b, the slope
    np.testing.assert_allclose(lines[0].get_ydata(), with_bound.relative)
    np.testing.assert_allclose(
        lines[1].get_ydata(), with_bound.bound / with_bound.drift
    )
    assert lines[2].get_linestyle() == ":" and lines[3].get_label() == "slope 1"
    plt.close(fig)


def test_plot_valley_speeds_and_zoom():
    from samlib import run_sam

    path = run_sam(LOSS.grad, [3.0, 0.5], 0.1, 0.1, 1500)
    speeds = {0.1: valley.speed_checkpoints(path, 0.1, 0.1, [6.0, 3.0])}
    fig, ax = plt.subplots()
    lines = plot_valley_speeds(ax, speeds, 0.1)
    assert len(lines) == 2 and ax.xaxis_inverted()
    np.testing.assert_allclose(lines[1].get_ydata(), -speeds[0.1][1])
    zoom = plot_valley_zoom(ax, path, (1.9, 2.1), (0.44, 0.56))
    assert zoom.get_xlim() == (1.9, 2.1)
    plt.close(fig)
