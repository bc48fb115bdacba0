"""Tests of samlib.stability: the edges of stability of GD and SAM (Chapter 2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samlib import Quadratic, gd_step, run_gd, sam_step, top_eigenpair
from samlib.stability import (
    gd_edge,
    sam_edge,
    sharpening_loss,
    steps_along_top_eigenvector,
)

positive = st.floats(min_value=1e-3, max_value=1e3)


# --- gd_edge -------------------------------------------------------------------------


def test_gd_edge_is_two_over_eta():
    assert gd_edge(0.2) == pytest.approx(10.0)
    np.testing.assert_allclose(gd_edge(np.array([0.5, 2.0])), [4.0, 1.0])


@pytest.mark.parametrize("factor, stable", [(0.99, True), (1.01, False)])
def test_gd_edge_separates_convergence_from_divergence_on_a_quadratic(factor, stable):
    eta = 0.3
    lam = factor * gd_edge(eta)
    path = run_gd(Quadratic([lam]).grad, [1.0], eta, 500)
    assert (abs(path[-1, 0]) < 1.0) == stable


@pytest.mark.parametrize("eta", [0.0, -1.0, np.inf])
def test_gd_edge_rejects_bad_step_sizes(eta):
    with pytest.raises(ValueError, match="eta"):
        gd_edge(eta)


# --- sam_edge ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(g=positive, eta=positive, rho=positive)
def test_sam_edge_solves_its_defining_equation(g, eta, rho):
    lam = sam_edge(g, eta, rho)
    assert 0 < lam < 2 / eta
    assert eta * lam + eta * rho * lam**2 / g == pytest.approx(2.0, rel=1e-9)


def test_sam_edge_at_rho_zero_is_the_gd_edge():
    assert sam_edge(3.0, 0.2, 0.0) == pytest.approx(gd_edge(0.2))
    np.testing.assert_allclose(sam_edge(np.array([0.0, 1.0]), 0.5, 0.0), [4.0, 4.0])


def test_sam_edge_vanishes_with_the_gradient_and_decreases_in_rho():
    assert sam_edge(0.0, 0.2, 0.1) == 0.0
    edges = sam_edge(np.array([1e-12, 1e-6, 1e-2, 1.0, 1e2]), 0.2, 0.1)
    assert np.all(np.diff(edges) > 0)
    assert edges[0] < 1e-4
    rhos = [0.01, 0.1, 1.0, 10.0]
    by_rho = [sam_edge(1.0, 0.2, r) for r in rhos]
    assert np.all(np.diff(by_rho) < 0)


@pytest.mark.parametrize("factor", [0.98, 1.0, 1.02])
def test_sam_edge_is_where_one_sam_step_multiplies_the_top_coordinate_by_minus_one(
    factor,
):
    # Independent check with samlib.sam_step on ½(λx² + μy²): with x tiny the gradient
    # norm is μ|y|, and one SAM step multiplies x by 1 - ηλ - ηρλ²/‖∇ℓ‖.
    eta, rho, mu, y = 0.2, 0.3, 1.0, 0.5
    lam = factor * sam_edge(mu * y, eta, rho)
    q = Quadratic([max(lam, mu), min(lam, mu)])
    w = np.array([1e-9, y]) if lam >= mu else np.array([y, 1e-9])
    i = 0 if lam >= mu else 1
    ratio = sam_step(w, q.grad, eta, rho)[i] / w[i]
    if factor == 1.0:
        assert ratio == pytest.approx(-1.0, abs=1e-6)
    else:
        assert (ratio > -1.0) == (factor < 1.0)


@pytest.mark.parametrize(
    "args, match",
    [
        ((-1.0, 0.2, 0.1), "grad_norm"),
        ((1.0, 0.0, 0.1), "eta"),
        ((1.0, 0.2, -1), "rho"),
    ],
)
def test_sam_edge_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        sam_edge(*args)


# --- sharpening_loss -----------------------------------------------------------------


def _central(f, w, h=1e-6):
    w = np.asarray(w, dtype=float)
    cols = []
    for k in range(w.size):
        e = np.zeros_like(w)
        e[k] = h
        cols.append((np.asarray(f(w + e)) - np.asarray(f(w - e))) / (2 * h))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("w", [[0.3, -1.2], [1.5, 2.5], [-0.7, 0.1]])
def test_sharpening_loss_derivatives_match_finite_differences(w):
    loss = sharpening_loss(alpha=0.4, y_star=2.0)
    np.testing.assert_allclose(loss.grad(w), _central(loss.value, w), atol=1e-7)
    np.testing.assert_allclose(loss.hess(w), _central(loss.grad, w), atol=1e-7)
    np.testing.assert_allclose(loss.d3(w), _central(loss.hess, w), atol=1e-6)
    T = loss.d3(w)
    np.testing.assert_allclose(T, np.transpose(T, (1, 0, 2)))
    np.testing.assert_allclose(T, np.transpose(T, (0, 2, 1)))


def test_sharpening_loss_is_batched_and_has_its_minimum_at_y_star():
    loss = sharpening_loss(alpha=0.3, y_star=3.3)
    batch = np.array([[0.0, 3.3], [1.0, 2.0], [0.2, 2.5]])
    assert loss.value(batch).shape == (3,)
    assert loss.grad(batch).shape == (3, 2)
    assert loss.hess(batch).shape == (3, 2, 2)
    assert loss.d3(batch).shape == (3, 2, 2, 2)
    assert loss.value([0.0, 3.3]) == 0.0
    np.testing.assert_allclose(loss.grad([0.0, 3.3]), [0.0, 0.0])
    assert loss.sharpness([0.0, 3.3]) == pytest.approx(1 + 3.3**2)
    assert np.all(loss.value(batch[1:]) > 0)


def test_gd_has_an_exact_two_cycle_at_the_edge_of_stability():
    # On the cycle the x-curvature 1 + y² equals 2/η (so x -> -x) and the push
    # y x² of the oscillation balances the pull α(y* - y) (so y stays put).
    alpha, y_star, eta = 0.3, 3.3, 0.2
    y = np.sqrt(gd_edge(eta) - 1)
    x = np.sqrt(alpha * (y_star - y) / y)
    loss = sharpening_loss(alpha, y_star)
    w = np.array([x, y])
    w1 = gd_step(w, loss.grad, eta)
    np.testing.assert_allclose(w1, [-x, y], atol=1e-12)
    np.testing.assert_allclose(gd_step(w1, loss.grad, eta), w, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.0, -1.0, [0.1, 0.2]])
def test_sharpening_loss_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError):
        sharpening_loss(alpha=alpha)


# --- steps_along_top_eigenvector -----------------------------------------------------


def test_steps_along_top_eigenvector_matches_a_direct_computation():
    loss = sharpening_loss()
    path = run_gd(loss.grad, [0.2, 2.5], 0.2, 30)
    got = steps_along_top_eigenvector(loss, path)
    want = [
        np.dot(path[t + 1] - path[t], top_eigenpair(loss.hess(path[t]))[1])
        for t in range(30)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_gd_beyond_one_over_eta_bounces_along_the_top_eigenvector():
    # On ½(3x² + y²) with 1/η < 3 < 2/η, x -> (1 - 3η)x flips sign at every step.
    q = Quadratic([3.0, 1.0])
    path = run_gd(q.grad, [1.0, 1.0], 0.5, 12)
    c = steps_along_top_eigenvector(q.as_objective(), path)
    assert np.all(np.sign(c[1:]) == -np.sign(c[:-1]))
    np.testing.assert_allclose(c, np.diff(path[:, 0]))


@pytest.mark.parametrize("path", [[[0.0, 1.0]], [0.0, 1.0], np.zeros((2, 3, 2))])
def test_steps_along_top_eigenvector_rejects_bad_paths(path):
    with pytest.raises(ValueError, match="path"):
        steps_along_top_eigenvector(sharpening_loss(), path)


def test_steps_along_top_eigenvector_needs_an_objective():
    with pytest.raises(TypeError, match="Objective"):
        steps_along_top_eigenvector(lambda w: w, np.zeros((3, 2)))
