"""The valley of ½(xy - 1)² and the finer analysis of Theorem 21 (samlib.valley)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _helpers import central_difference, cubic_example
from samlib import run_gd, run_sam, sam_step, theorem21_prediction
from samlib.drift import theorem21_errors
from samlib.objectives import product_loss
from samlib.valley import (
    drift_flow,
    leading_remainder,
    measured_valley_speed,
    midpoints,
    predicted_valley_speed,
    speed_checkpoints,
    third_derivative_bound,
    valley_arclength,
    valley_foot,
    valley_point,
    valley_runs,
    valley_sharpness,
    valley_step_errors,
    valley_tangent,
)

LOSS = product_loss()
valley_x = st.floats(0.05, 20.0).flatmap(lambda x: st.sampled_from([x, -x]))


# --------------------------------------------------------------------------------------
# geometry


@given(valley_x)
def test_valley_points_are_minima_with_the_stated_sharpness_and_tangent(x):
    z = valley_point(x)
    assert np.isclose(z[0] * z[1], 1.0)
    assert np.allclose(LOSS.grad(z), 0.0, atol=1e-12)
    assert np.isclose(LOSS.sharpness(z), valley_sharpness(x), rtol=1e-10)
    t = valley_tangent(x)
    assert np.isclose(np.linalg.norm(t), 1.0)
    # The Hessian vanishes along the valley, and the tangent points to larger x.
    assert np.allclose(LOSS.hess(z) @ t, 0.0, atol=1e-9 * valley_sharpness(x))
    assert t[0] > 0


def test_valley_functions_broadcast():
    x = np.array([[0.5, 2.0], [-3.0, 1.0]])
    assert valley_point(x).shape == (2, 2, 2)
    assert valley_tangent(x).shape == (2, 2, 2)
    assert valley_sharpness(x).shape == (2, 2)
    assert valley_arclength(x).shape == (2, 2)
    assert isinstance(valley_arclength(2.0), float)


def test_arclength_matches_a_fine_polyline():
    for x_end in [3.0, 0.2, -4.0, -0.5]:
        xs = np.linspace(np.sign(x_end), x_end, 200_001)
        pts = valley_point(xs)
        polyline = np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))
        assert np.isclose(abs(valley_arclength(x_end)), polyline, rtol=1e-9)
        assert np.sign(valley_arclength(x_end)) == np.sign(x_end - np.sign(x_end))


@given(st.floats(0.05, 20.0))
def test_arclength_derivative_and_symmetry(x):
    deriv = central_difference(valley_arclength, [x], h=1e-6 * x)[0]
    assert np.isclose(deriv, np.sqrt(1 + x**-4), rtol=1e-6)
    assert np.isclose(valley_arclength(1 / x), -valley_arclength(x), atol=1e-12)
    assert np.isclose(valley_arclength(-x), -valley_arclength(x), atol=1e-12)


def test_valley_rejects_x_zero_and_far_points():
    with pytest.raises(ValueError, match="nonzero"):
        valley_point(0.0)
    with pytest.raises(ValueError, match="nonzero"):
        valley_sharpness([1.0, 0.0])
    with pytest.raises(ValueError, match="valley_arclength needs"):
        valley_arclength(1e5)


@given(valley_x, st.floats(-0.5, 0.5))
def test_foot_of_a_normal_offset_is_the_valley_point(x, offset):
    z = valley_point(x)
    normal = np.array([z[1], z[0]]) / np.linalg.norm(z)  # ∇(xy) direction
    w = z + offset * normal
    # A normal offset shorter than the valley's radius of curvature keeps its foot.
    radius = np.linalg.norm(z) ** 3 / 2
    if abs(offset) < 0.5 * radius:
        assert np.allclose(valley_foot(w), z, atol=1e-9 * max(1, abs(x)))


def test_foot_is_the_nearest_point_by_brute_force():
    rng = np.random.default_rng(0)
    w = rng.uniform(0.2, 3.0, size=(20, 2))
    w[::2] *= -1
    feet = valley_foot(w)
    assert feet.shape == w.shape
    for point, foot in zip(w, feet, strict=True):
        xs = np.sign(point[0] + point[1]) * np.geomspace(1e-3, 1e3, 100_001)
        dist = np.min(np.linalg.norm(valley_point(xs) - point, axis=1))
        gap = np.linalg.norm(foot - point)
        # No sampled point is nearer; the samples' spacing limits the lower bound.
        assert dist - 2e-5 <= gap <= dist + 1e-12
        assert np.isclose(foot[0] * foot[1], 1.0)
        # w - foot is normal to the valley.
        assert abs((point - foot) @ valley_tangent(foot[0])) < 1e-12


# --------------------------------------------------------------------------------------
# drift along the valley


def test_midpoints_average_consecutive_iterates():
    path = np.arange(12.0).reshape(6, 2)
    assert np.array_equal(midpoints(path), (path[1:] + path[:-1]) / 2)
    with pytest.raises(ValueError, match="T ≥ 2"):
        midpoints(path[:1])


def test_predicted_speed_matches_the_closed_form():
    """Drift along the tangent: -(ηρ²/2)(2/(2 - ηλ1))² · 2(x² - y²)/√(x² + y²)."""
    eta, rho = 0.1, 0.05
    x = np.array([0.4, 0.8, 1.0, 1.5, 3.0])
    y = 1 / x
    lam1 = x**2 + y**2
    closed = (
        -(eta * rho**2 / 2)
        * (2 / (2 - eta * lam1)) ** 2
        * 2
        * (x**2 - y**2)
        / np.sqrt(lam1)
    )
    assert np.allclose(predicted_valley_speed(x, eta, rho), closed, atol=1e-15)
    assert predicted_valley_speed(1.0, eta, rho) == pytest.approx(0.0, abs=1e-15)


def test_measured_speed_of_a_sam_run_agrees_with_theorem_21():
    eta = rho = 0.05
    path = run_sam(LOSS.grad, [2.0, 0.6], eta, rho, 1500)
    x, speed = measured_valley_speed(path, window=10)
    assert x.shape == speed.shape == (1500 - 20,)
    settled = slice(300, None, 100)  # after the fall into the valley
    predicted = predicted_valley_speed(x[settled], eta, rho)
    assert np.all(speed[settled] < 0)  # towards (1, 1)
    assert np.allclose(speed[settled], predicted, rtol=0.01)
    with pytest.raises(ValueError, match="at least"):
        measured_valley_speed(path[:5], window=10)


def test_drift_flow_follows_the_predicted_speed_and_stops_at_the_flattest_point():
    eta, rho = 0.1, 0.1
    t, x = drift_flow(2.0, eta, rho, 40, stride=1)
    assert t.tolist() == list(range(41))
    s = valley_arclength(x)
    assert np.allclose(np.diff(s), predicted_valley_speed(x[:-1], eta, rho), rtol=1e-3)
    t, x = drift_flow(2.0, eta, rho, 3000, stride=50)
    assert t[-1] == 3000 and len(t) == 61
    assert np.all(np.diff(x) <= 0) and abs(x[-1] - 1) < 1e-3
    assert drift_flow(-2.0, eta, rho, 3000, stride=50)[1][-1] == pytest.approx(-x[-1])


# --------------------------------------------------------------------------------------
# Theorem 21's remainder


def test_leading_remainder_explains_the_error_of_order_eta2_rho2():
    loss = cubic_example()
    eta = 0.2
    for rho in [0.02, 0.01, 0.005]:
        p = theorem21_prediction(loss, [0.0, 0.0], eta, rho)
        actual = sam_step(p.w_t, loss.grad, eta, rho) - p.w_t
        lead = leading_remainder(loss, [0.0, 0.0], eta, rho)
        # Closed form here: -η²ρ²/(2(2 - 2η)) · H·(0, 1) = -η²ρ²/(4(1 - η)) e2.
        assert np.allclose(lead, [0.0, -(eta**2) * rho**2 / (4 * (1 - eta))])
        err = np.linalg.norm(actual - p.step)
        # Without it the error is a fixed fraction of the drift; with it, o(drift).
        assert err / np.linalg.norm(p.drift) == pytest.approx(
            eta * (2 - 2 * eta) / 4, rel=0.05
        )
        assert np.linalg.norm(actual - p.step - lead) < 0.05 * err
    # On the valley of ½(xy - 1)² the Hessian kills it.
    assert np.allclose(leading_remainder(LOSS, valley_point(2.0), 0.1, 0.1), 0.0)


# --------------------------------------------------------------------------------------
# Chapter 5's helpers: the constant B, the step errors, runs and checkpoints


def operator_norm(T, n=3601):
    """max |T(u, u, u)| over unit vectors u of the plane: the operator norm of a
    symmetric 2×2×2 tensor (Banach), found independently on a fine circle."""
    angles = np.linspace(0, np.pi, n)
    u = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    return np.max(np.abs(np.einsum("ijk,ni,nj,nk->n", T, u, u, u)))


@pytest.mark.parametrize("x", [0.5, 1.0, 2.0, 3.0])
def test_third_derivative_bound_bounds_d3_and_its_lipschitz_constant(x):
    rng = np.random.default_rng(0)
    radius = 0.3
    B = third_derivative_bound(x, radius)
    z = valley_point(x)
    directions = rng.standard_normal((200, 2))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    points = z + radius * rng.uniform(0, 1, (200, 1)) * directions
    norms = [operator_norm(LOSS.d3(w)) for w in points]
    assert max(norms) <= B
    for w, v in zip(points[:100], points[100:], strict=True):
        change = operator_norm(LOSS.d3(w) - LOSS.d3(v))
        assert change <= B * np.linalg.norm(w - v) + 1e-12
    # and it is the larger of √24 and 2√3(‖z‖ + r)
    assert B == pytest.approx(
        max(np.sqrt(24), 2 * np.sqrt(3) * (np.hypot(x, 1 / x) + radius))
    )


def test_valley_step_errors_use_the_bound_of_the_largest_ball():
    etas, rhos = np.array([0.02, 0.05]), np.array([0.01, 0.1])
    e = valley_step_errors(3.0, etas, rhos)
    lam = 9 + 1 / 9
    B = third_derivative_bound(3.0, 2 * 0.1 / (2 - 0.05 * lam))
    expected = theorem21_errors(LOSS, valley_point(3.0), etas, rhos, B=B)
    np.testing.assert_array_equal(e.bound, expected.bound)
    np.testing.assert_array_equal(e.error, expected.error)
    assert np.all(e.error <= e.bound)
    with pytest.raises(ValueError, match="ηλ1 < 2"):
        valley_step_errors(3.0, 0.3, 0.1)


def test_speed_checkpoints_pick_the_first_passage_below_each_level():
    eta = rho = 0.1
    path = run_sam(LOSS.grad, [3.0, 0.5], eta, rho, 1500)
    lam, measured, predicted = speed_checkpoints(path, eta, rho, [6.0, 3.0, 2.5])
    x, speed = measured_valley_speed(path, window=10)
    sharp = x**2 + 1 / x**2
    for level, l_k, m_k in zip([6.0, 3.0, 2.5], lam, measured, strict=True):
        k = np.flatnonzero(sharp < level)[0]
        assert (l_k, m_k) == (sharp[k], speed[k]) and sharp[k - 1] >= level
    np.testing.assert_allclose(
        predicted,
        predicted_valley_speed(np.sqrt((lam + np.sqrt(lam**2 - 4)) / 2), eta, rho),
    )  # x from x² + 1/x² = λ, x > 1
    with pytest.raises(ValueError, match="never gets below"):
        speed_checkpoints(path, eta, rho, [1.9])


def test_valley_runs_are_the_runners_and_the_sharpness_each_method_sees():
    runs = valley_runs([3.0, 0.5], 0.1, 0.1, 300)
    gd, gd_sharp = runs["GD"]
    sam, sam_sharp = runs["SAM"]
    np.testing.assert_array_equal(gd, run_gd(LOSS.grad, [3.0, 0.5], 0.1, 300))
    np.testing.assert_array_equal(sam, run_sam(LOSS.grad, [3.0, 0.5], 0.1, 0.1, 300))
    np.testing.assert_allclose(gd_sharp, LOSS.sharpness(gd))
    feet = valley_foot(midpoints(sam))
    np.testing.assert_allclose(sam_sharp, LOSS.sharpness(feet), rtol=1e-10)
    with pytest.raises(ValueError, match="≥ 2 at the valley point"):
        valley_runs([4.0, 0.375], 0.5, 0.1, 10)
