"""Tests of samlib.stability: the edges of stability of GD, SAM and USAM and the
multipliers whose value -1 defines them (Chapters 2 and 7)."""

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    Quadratic,
    gd_step,
    limit_cycle,
    quadratic_constants,
    run_gd,
    run_usam,
    sam_step,
    top_eigenpair,
)
from samlib.objectives import sharpening_loss
from samlib.stability import (
    gd_edge,
    sam_edge,
    sam_multiplier,
    steps_along_top_eigenvector,
    usam_edge,
    usam_multiplier,
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


def exact_sam_edge(g, eta, rho) -> float:
    """``4/(η(1 + sqrt(1 + 8ρ/(ηg))))`` in 60-digit decimal arithmetic, whose
    exponent range no float reaches: an independent value of the edge."""
    with localcontext() as ctx:
        ctx.prec = 60
        g, eta, rho = Decimal(g), Decimal(eta), Decimal(rho)
        return float(4 / (eta * (1 + (1 + 8 * rho / (eta * g)).sqrt())))


@pytest.mark.parametrize("eta, rho", [(0.1, 0.5), (1e-3, 2.0), (5.0, 1e-4)])
@pytest.mark.parametrize("exponent", [-323, -300, -160, -1, 0, 150, 155, 156, 200, 308])
def test_sam_edge_holds_across_the_whole_float_range(eta, rho, exponent):
    """Where (η‖g‖)² overflows (‖g‖ ≳ 1e155) the edge is ≈ 2/η, not 0; where ‖g‖
    is subnormal it is tiny but not 0. As the SAM step, it stays exact at any scale."""
    g = 1.7 * 10.0**exponent if exponent < 308 else 1.7e308
    got = sam_edge(g, eta, rho)
    assert got == pytest.approx(exact_sam_edge(g, eta, rho), rel=1e-13)
    assert 0 < got <= gd_edge(eta)


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


# --- usam_edge and the multipliers ----------------------------------------------


@given(eta=positive, rho=positive)
def test_usam_edge_solves_its_defining_equation(eta, rho):
    lam = usam_edge(eta, rho)
    assert 0 < lam < gd_edge(eta)
    assert eta * lam * (1 + rho * lam) == pytest.approx(2.0, rel=1e-10)
    assert usam_multiplier(lam, eta, rho) == pytest.approx(-1.0, abs=1e-9)


def test_usam_edge_at_rho_zero_is_two_over_eta_and_decreases_in_rho():
    assert usam_edge(0.2, 0.0) == pytest.approx(10.0)
    edges = usam_edge(0.2, np.array([0.0, 0.01, 0.1, 1.0, 10.0]))
    assert np.all(np.diff(edges) < 0)
    # closed form (sqrt(1 + 8ρ/η) - 1)/(2ρ)
    rho = 0.3
    assert usam_edge(0.2, rho) == pytest.approx(
        (np.sqrt(1 + 8 * rho / 0.2) - 1) / (2 * rho), rel=1e-14
    )


@pytest.mark.parametrize("factor, converges", [(0.98, True), (1.02, False)])
def test_usam_edge_separates_convergence_from_divergence(factor, converges):
    eta, rho = 0.15, 0.1
    lam = factor * usam_edge(eta, rho)
    path = run_usam(Quadratic([lam]).grad, [1.0], eta, rho, 400)
    assert (abs(path[-1, 0]) < 1e-2) == converges
    assert (abs(path[-1, 0]) > 1e2) == (not converges)
    # one step is multiplication by the factor
    ratio = path[1, 0] / path[0, 0]
    assert ratio == pytest.approx(usam_multiplier(lam, eta, rho), rel=1e-12)


@given(g=positive, eta=positive, rho=positive)
def test_sam_multiplier_is_minus_one_at_sams_edge(g, eta, rho):
    lam = sam_edge(g, eta, rho)
    assert sam_multiplier(lam, g, eta, rho) == pytest.approx(-1.0, abs=1e-9)


def test_sam_multiplier_is_one_sam_step_on_a_quadratic():
    # eq. (3): along e1, SAM multiplies w1 by 1 - ηλ1 - ηρλ1²/‖Λw‖.
    q = Quadratic([3.0, 1.0])
    w = np.array([0.4, 0.7])
    eta, rho = 0.1, 0.2
    ratio = sam_step(w, q.grad, eta, rho)[0] / w[0]
    expected = sam_multiplier(3.0, np.linalg.norm(q.grad(w)), eta, rho)
    assert ratio == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    "lams, eta, rho", [([1.0, 0.5], 0.2, 1.0), ([4.0, 2.0, 1.0], 0.1, 0.05)]
)
def test_the_2_cycle_sits_exactly_on_sams_edge(lams, eta, rho):
    w = limit_cycle(lams, eta, rho)[0]
    g = np.linalg.norm(Quadratic(lams).grad(w))
    beta1 = quadratic_constants(lams, eta, rho).beta[0]
    assert g == pytest.approx(beta1, rel=1e-14)
    assert sam_multiplier(lams[0], g, eta, rho) == pytest.approx(-1.0, rel=1e-13)
    assert sam_edge(g, eta, rho) == pytest.approx(lams[0], rel=1e-12)
