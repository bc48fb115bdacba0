"""Chapter 7.6–7.7: measures of width along a curve of minima, and the derivatives
that a few gradients give (samlib.widths, samlib.line_derivatives).

The closed-form spectrum against the network's dense Hessian, the volume formula
against known volumes and against Monte Carlo on the true loss, the regularised
log det and the Schatten norms against their limits, and the derivatives along a
line against the exact derivatives of the losses of samlib.objectives.
"""

from math import pi

import numpy as np
import pytest

from _helpers import directional_difference
from samlib.line_derivatives import line_derivatives
from samlib.objectives import paper_objective, product_loss
from samlib.widths import (
    ScaleCurve,
    ellipsoid_volume,
    grid_minimisers,
    log_det,
    schatten_norm,
    sublevel_volume_monte_carlo,
)

CURVE = ScaleCurve(np.ones(4))


@pytest.mark.parametrize("y", [np.ones(4), np.array([1.0, 2.0, -1.0, 0.5])])
@pytest.mark.parametrize("s", [0.5, 1.0, np.sqrt(2), 2.5, -1.5])
def test_the_curve_is_made_of_minima_with_the_closed_form_spectrum(y, s):
    curve = ScaleCurve(y)
    theta = curve.point(s)
    assert curve.loss(theta) < 1e-30
    np.testing.assert_allclose(np.linalg.norm(curve.grad(theta)), 0, atol=1e-14)
    eig = np.linalg.eigvalsh(curve.hessian(theta))
    np.testing.assert_allclose(eig, curve.spectrum(s), atol=1e-12)


def test_measures_are_the_top_and_the_sum_of_the_spectrum():
    s = np.array([0.6, 1.0, 2.0])
    lam, trace = CURVE.measures(CURVE.point(s))
    np.testing.assert_allclose(lam, CURVE.spectrum(s)[:, -1], rtol=1e-12)
    np.testing.assert_allclose(trace, CURVE.spectrum(s).sum(-1), rtol=1e-12)
    # λmax is smallest at s⁴ = ‖y‖², the trace at s⁴ = ‖y‖²/n (Chapter 7.6)
    grid = np.geomspace(0.3, 3, 20001)
    spectra = CURVE.spectrum(grid)
    assert grid[np.argmin(spectra[:, -1])] == pytest.approx(np.sqrt(2), rel=1e-3)
    assert grid[np.argmin(spectra.sum(-1))] == pytest.approx(1.0, rel=1e-3)


def test_example_gradients_average_to_the_full_gradient():
    theta = CURVE.point(1.3) + 0.1
    single = [CURVE.example_grad(theta, [i]) for i in range(4)]
    np.testing.assert_allclose(np.mean(single, axis=0), CURVE.grad(theta), rtol=1e-12)


def test_ellipsoid_volume_of_balls_and_boxes():
    assert ellipsoid_volume([2.0, 2.0], 1.0) == pytest.approx(pi)  # the unit disc
    assert ellipsoid_volume([2.0] * 3, 1.0) == pytest.approx(4 * pi / 3)
    assert ellipsoid_volume([2.0] * 4, 1.0) == pytest.approx(pi**2 / 2)
    # an ellipse with half-axes √(2δ/λ_i): π a b
    assert ellipsoid_volume([1.0, 4.0], 0.5) == pytest.approx(pi * 1 * 0.5)


@pytest.mark.parametrize("s", [0.7, 1.4])
def test_monte_carlo_volume_on_the_true_loss_is_the_formula(s):
    theta, delta = CURVE.point(s), 1e-6
    mc = sublevel_volume_monte_carlo(
        CURVE.loss, theta, CURVE.hessian(theta), delta, 40_000, seed=0
    )
    assert mc / ellipsoid_volume(CURVE.spectrum(s)[1:], delta) == pytest.approx(
        1, abs=0.05
    )
    assert CURVE.sublevel_volume(s, delta, 40_000, seed=0) == mc  # the same draws


def test_log_det_runs_from_the_volume_to_the_trace():
    spectrum = CURVE.spectrum(np.array([0.8, 1.7]))
    # small ε: log det' (the product of the non-zero eigenvalues) plus log ε
    small = log_det(spectrum, 1e-12) - np.log(1e-12)
    np.testing.assert_allclose(small, np.log(spectrum[:, 1:]).sum(-1), rtol=1e-9)
    # large ε: P log ε + tr/ε + O(ε⁻²)
    eps = 1e4
    large = log_det(spectrum, eps) - 5 * np.log(eps)
    np.testing.assert_allclose(large, spectrum.sum(-1) / eps, rtol=1e-3)


def test_schatten_norms_run_from_the_trace_to_lambda_max():
    spectrum = CURVE.spectrum(1.2)
    assert schatten_norm(spectrum, 1) == pytest.approx(spectrum.sum())
    assert schatten_norm(spectrum, 2) == pytest.approx(np.linalg.norm(spectrum))
    assert schatten_norm(spectrum, 400) == pytest.approx(spectrum.max(), rel=1e-2)


@pytest.mark.parametrize("y", [np.ones(4), np.array([1.0, 2.0, -1.0, 0.5])])
def test_the_minimisers_of_lam_max_and_trace_are_the_closed_forms(y):
    curve = ScaleCurve(y)
    s = np.linspace(0.3, 3.0, 27_001)
    spectra = curve.spectrum(s)
    assert curve.lam_max_minimiser == pytest.approx(
        s[np.argmin(spectra[:, -1])], abs=2e-4
    )
    assert curve.trace_minimiser == pytest.approx(
        s[np.argmin(spectra.sum(-1))], abs=2e-4
    )
    # on the grid, the trace is the Schatten norm p = 1, λmax its limit p → ∞
    found = grid_minimisers(s, spectra, schatten_norm, [1, 2, 200])
    assert found[0] == pytest.approx(curve.trace_minimiser, abs=2e-4)
    assert found[0] < found[1] < found[2] < curve.lam_max_minimiser


def test_grid_minimisers_of_log_det_are_the_argmins_on_the_grid():
    s = np.geomspace(0.05, 4, 801)
    spectra = CURVE.spectrum(s)
    epsilons = [0.01, 0.1, 1.0, 100.0]
    found = grid_minimisers(s, spectra, log_det, epsilons)
    for eps, s_min in zip(epsilons, found, strict=True):
        values = np.log(spectra + eps).sum(-1)  # log det(H + εI), independently
        assert s_min == s[np.argmin(values)]
    assert np.all(np.diff(found) > 0) and abs(found[-1] - 1) < 0.01
    with pytest.raises(ValueError, match="one spectrum per point"):
        grid_minimisers(s[:-1], spectra, log_det, [0.1])


def test_width_functions_reject_bad_input():
    with pytest.raises(ValueError, match="not all zero"):
        ScaleCurve(np.zeros(3))
    with pytest.raises(ValueError, match="non-zero"):
        CURVE.point(0.0)
    with pytest.raises(ValueError, match="one point"):
        CURVE.sublevel_volume([0.5, 1.0], 1e-6, 10, seed=0)
    with pytest.raises(ValueError, match="positive"):
        ellipsoid_volume([1.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="p must be >= 1"):
        schatten_norm([1.0], 0.5)


# -- derivatives along a line ---------------------------------------------------------


def test_two_gradients_give_the_third_derivative_at_a_minimum_exactly():
    # ½(xy - 1)² has a constant fourth derivative, so along a line its gradient is a
    # cubic: SAM's pair ±ρ gives D³ℓ[v, v, ·] exactly (the cubic term is odd)
    loss, w, v = product_loss(), np.ones(2), np.ones(2) / np.sqrt(2)
    for rho in (0.5, 0.1, 0.01):
        c = line_derivatives(loss.grad, w, v, [-rho, rho], at_minimum=True)
        assert c.shape == (3, 2)
        np.testing.assert_allclose(c[2], loss.d3(w) @ v @ v, rtol=1e-9)


def test_four_gradients_give_the_fourth_derivative():
    loss, w, v = product_loss(), np.ones(2), np.ones(2) / np.sqrt(2)
    c = line_derivatives(loss.grad, w, v, [-0.2, -0.1, 0.1, 0.2], at_minimum=True)
    d4 = directional_difference(lambda x: loss.d3(x) @ v @ v, w, v)  # d/ds D³[v, v]
    np.testing.assert_allclose(c[3], d4, rtol=1e-6)
    np.testing.assert_allclose(c[1], loss.hess(w) @ v, rtol=1e-9)


@pytest.mark.parametrize(
    "offsets, order, rate",
    [([-1, 0, 1], 2, 2), ([-1, 0, 1], 1, 2), ([0, 1, 2], 2, 1), ([-2, -1, 1, 2], 2, 2)],
)
def test_errors_shrink_at_the_order_of_the_taylor_remainder(offsets, order, rate):
    loss, w, v = paper_objective(), np.array([0.3, 0.5]), np.array([0.6, 0.8])
    exact = {1: loss.hess(w) @ v, 2: loss.d3(w) @ v @ v}[order]
    errors = [
        np.abs(
            line_derivatives(loss.grad, w, v, h * np.array(offsets))[order] - exact
        ).max()
        for h in (1e-1, 1e-2)
    ]
    assert np.log10(errors[0] / errors[1]) == pytest.approx(rate, abs=0.15)


def test_line_derivatives_reject_bad_offsets():
    grad = product_loss().grad
    with pytest.raises(ValueError, match="distinct"):
        line_derivatives(grad, [1.0, 1.0], [1.0, 0.0], [0.1, 0.1])
    with pytest.raises(ValueError, match="implied"):
        line_derivatives(grad, [1.0, 1.0], [1.0, 0.0], [0.0, 0.1], at_minimum=True)
