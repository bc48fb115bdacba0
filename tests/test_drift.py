"""Hessian drift (Section 5): top_eigenpair, grad_lambda_max and Theorem 21."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _helpers import central_difference
from samlib import (
    Objective,
    Quadratic,
    grad_lambda_max,
    sam_step,
    theorem21_prediction,
    top_eigenpair,
)
from samlib.objectives import cubic_objective, paper_objective, product_loss

seeds = st.integers(0, 2**32 - 1)


def random_symmetric(rng, d, order):
    """A random fully symmetric tensor with ``order`` axes of size d."""
    T = rng.standard_normal((d,) * order)
    perms = list(itertools.permutations(range(order)))
    return sum(T.transpose(p) for p in perms) / len(perms)


def fd_grad_lambda_max(hess, w, h=1e-5):
    """Central differences of the top eigenvalue of ``hess``: an independent
    computation of ∇λmax that uses neither d3 nor eigenvectors."""
    return central_difference(lambda u: np.linalg.eigvalsh(hess(u))[-1], w, h)


def has_simple_top(H, rel_gap=0.05):
    ev = np.linalg.eigvalsh(H)
    return ev.size == 1 or ev[-1] - ev[-2] > rel_gap * max(1.0, abs(ev[-1]))


# --------------------------------------------------------------------------------------
# top_eigenpair


@given(d=st.integers(1, 7), seed=seeds)
def test_top_eigenpair_on_random_symmetric_matrices(d, seed):
    rng = np.random.default_rng(seed)
    H = random_symmetric(rng, d, 2) * rng.uniform(0.1, 100)
    lam, v = top_eigenpair(H)
    scale = np.max(np.abs(H))
    assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(H @ v, lam * v, atol=1e-10 * scale)
    # λ is the largest Rayleigh quotient: no random direction beats it
    x = rng.standard_normal((200, d))
    rayleigh = np.einsum("ni,ij,nj->n", x, H, x) / np.einsum("ni,ni->n", x, x)
    assert np.all(rayleigh <= lam + 1e-10 * scale)
    assert lam == pytest.approx(np.max(np.linalg.eigvals(H).real), abs=1e-10 * scale)
    # deterministic sign: the largest-magnitude entry is positive
    assert v[np.argmax(np.abs(v))] > 0
    lam2, v2 = top_eigenpair(H.copy())
    assert lam2 == lam
    np.testing.assert_array_equal(v2, v)


def test_top_eigenpair_sign_convention_on_a_known_matrix():
    lam, v = top_eigenpair([[1.0, 2.0], [2.0, 1.0]])
    assert lam == pytest.approx(3.0, rel=1e-14)
    np.testing.assert_allclose(v, [1 / math.sqrt(2), 1 / math.sqrt(2)], rtol=1e-14)
    lam, v = top_eigenpair([[-1.0, 0.0], [0.0, -5.0]])
    assert lam == pytest.approx(-1.0) and v.tolist() == [1.0, 0.0]


# --------------------------------------------------------------------------------------
# grad_lambda_max


@pytest.mark.parametrize("objective", [paper_objective, product_loss])
@given(w=st.tuples(st.floats(-2.5, 2.5), st.floats(-2.5, 2.5)).map(np.array))
def test_grad_lambda_max_matches_fd_of_the_top_eigenvalue(objective, w):
    obj = objective()
    if not has_simple_top(obj.hess(w)):
        return  # λmax is not smooth at a repeated top eigenvalue
    exact = grad_lambda_max(obj, w)
    expected = fd_grad_lambda_max(obj.hess, w)
    np.testing.assert_allclose(
        exact, expected, rtol=0, atol=1e-6 * max(1, abs(w).max())
    )


@given(d=st.integers(2, 5), seed=seeds)
def test_grad_lambda_max_on_random_cubics(d, seed):
    rng = np.random.default_rng(seed)
    obj = cubic_objective(random_symmetric(rng, d, 2), random_symmetric(rng, d, 3))
    w = rng.standard_normal(d)
    if not has_simple_top(obj.hess(w)):
        return
    exact = grad_lambda_max(obj, w)
    np.testing.assert_allclose(
        exact, fd_grad_lambda_max(obj.hess, w), rtol=0, atol=1e-6 * np.abs(exact).max()
    )
    # first-order perturbation: ∂λmax/∂wk = T(v1, v1, e_k)
    _, v1 = top_eigenpair(obj.hess(w))
    np.testing.assert_allclose(exact, np.einsum("ijk,i,j->k", obj.d3(w), v1, v1))


@pytest.mark.parametrize("objective", [paper_objective, product_loss])
def test_grad_lambda_max_finite_difference_fallback(objective):
    """Without d3, grad_lambda_max differentiates the Hessian numerically. Against the
    exact d3, the error is below 1e-8 (relative, floor 1) at 100 random points: about
    8e-10 for the paper's loss and 2e-11 for the product loss when measured."""
    obj = objective()
    no_d3 = Objective(obj.value, obj.grad, obj.hess)
    rng = np.random.default_rng(14)
    worst, checked = 0.0, 0
    for w in rng.uniform(-2, 2, size=(100, 2)):
        if not has_simple_top(obj.hess(w), rel_gap=0.01):
            continue
        exact = grad_lambda_max(obj, w)
        approx = grad_lambda_max(no_d3, w)
        worst = max(worst, np.max(np.abs(exact - approx)) / max(1, np.abs(exact).max()))
        checked += 1
    assert checked > 80
    assert worst < 1e-8


def test_grad_lambda_max_honours_an_explicit_step():
    """The paper's loss has a non-polynomial Hessian, so central differences with a
    coarse step are visibly worse than with the default one (the product loss has a
    quadratic Hessian, where central differences are exact for any step)."""
    obj = paper_objective()
    no_d3 = Objective(obj.value, obj.grad, obj.hess)
    w = np.array([1.3, -0.7])
    exact = grad_lambda_max(obj, w)
    err_coarse = np.abs(grad_lambda_max(no_d3, w, step=0.3) - exact).max()
    err_default = np.abs(grad_lambda_max(no_d3, w) - exact).max()
    assert err_coarse > 100 * err_default


def test_grad_lambda_max_on_the_product_valley():
    """On xy = 1 the top eigenvector is (y, x)/√(x² + y²) and D³ has ∂xxy = 2y,
    ∂xyy = 2x, so ∂λmax/∂x = (4xy² + 2x³)/(x² + y²) and
    ∂λmax/∂y = (2y³ + 4x²y)/(x² + y²)."""
    obj = product_loss()
    for x in (0.5, 1.0, 1.5, 2.0):
        y = 1 / x
        expected = np.array([4 * x * y**2 + 2 * x**3, 2 * y**3 + 4 * x**2 * y]) / (
            x**2 + y**2
        )
        np.testing.assert_allclose(grad_lambda_max(obj, [x, y]), expected, rtol=1e-12)


# --------------------------------------------------------------------------------------
# Theorem 21


VALLEY_POINTS = [(2.0, 0.5), (0.5, 2.0), (1.5, 2 / 3)]


@pytest.mark.parametrize("wz", VALLEY_POINTS)
@pytest.mark.parametrize("s", [1, -1])
def test_theorem21_prediction_fields(wz, s):
    """Each field against its formula: w_t = w_z + s β1/λ1 v1, β1/λ1 = ηρλ1/(2 - ηλ1),
    bounce = -2 s β1/λ1 v1, drift = -(ηρ²/2)(1 + ηλ1/(2 - ηλ1))² ∇λmax."""
    x, y = wz
    eta, rho = 0.05, 0.04
    p = theorem21_prediction(product_loss(), wz, eta, rho, s=s)
    lam1 = x**2 + y**2
    v1 = np.array([y, x]) / math.sqrt(lam1)
    assert p.lam1 == pytest.approx(lam1, rel=1e-12)
    np.testing.assert_allclose(p.v1, v1, rtol=1e-12)
    radius = eta * rho * lam1 / (2 - eta * lam1)
    np.testing.assert_allclose(p.w_t, np.array(wz) + s * radius * v1, rtol=1e-13)
    np.testing.assert_allclose(p.bounce, -2 * s * radius * v1, rtol=1e-12)
    glam = fd_grad_lambda_max(product_loss().hess, wz)
    np.testing.assert_allclose(p.grad_lambda_max, glam, rtol=1e-6)
    drift = -(eta * rho**2 / 2) * (1 + eta * lam1 / (2 - eta * lam1)) ** 2 * glam
    np.testing.assert_allclose(p.drift, drift, rtol=1e-6)
    np.testing.assert_allclose(p.step, p.bounce + p.drift, rtol=1e-15)
    assert (p.eta, p.rho) == (eta, rho)


@pytest.mark.parametrize("wz", VALLEY_POINTS)
@pytest.mark.parametrize("s", [1, -1])
def test_theorem21_error_vanishes_faster_than_the_drift(wz, s):
    """SAM's actual step from w_t minus the predicted bounce + drift, with η = ρ → 0:
    the error is below Theorem 21's remainder bound with B = √24 (D⁴ℓ is constant
    with entries 2 at the six (x, x, y, y) permutations, Frobenius norm √24 ≥ its
    operator norm), and error/‖drift‖ falls roughly linearly in ρ (drift ~ ρ³,
    error ~ ρ⁴): the fitted log-log slope is at least 0.8."""
    obj = product_loss()
    B = math.sqrt(24)
    rhos = np.array([0.08, 0.04, 0.02, 0.01, 0.005])
    ratios = []
    for rho in rhos:
        eta = rho
        p = theorem21_prediction(obj, wz, eta, rho, s=s)
        actual = sam_step(p.w_t, obj.grad, eta, rho) - p.w_t
        error = np.linalg.norm(actual - p.step)
        assert error <= p.remainder_bound(B)
        # the bounce dominates, then the drift, then the error
        assert error < np.linalg.norm(p.drift) < np.linalg.norm(p.bounce)
        ratios.append(error / np.linalg.norm(p.drift))
    slope = np.polyfit(np.log(rhos), np.log(ratios), 1)[0]
    assert slope >= 0.8
    assert ratios[-1] < 0.01


@pytest.mark.parametrize("wz", VALLEY_POINTS)
def test_theorem21_drift_descends_the_sharpness(wz):
    """The drift has negative inner product with ∇λmax (computed independently by
    finite differences) and, projected on the valley's tangent, points towards the
    flattest minimum (1, 1): the sharpness x² + y² of the valley point decreases."""
    x, y = wz
    p = theorem21_prediction(product_loss(), wz, 0.05, 0.05)
    glam = fd_grad_lambda_max(product_loss().hess, wz)
    assert p.drift @ glam < 0
    tangent = np.array([x, -y]) / math.hypot(x, y)  # d(xy) = 0
    along_valley = (p.drift @ tangent) * tangent
    # the valley's sharpness x² + y² has gradient (2x, 2y): it decreases, and x
    # moves towards the flattest point x = 1
    assert along_valley @ np.array([2 * x, 2 * y]) < 0
    assert np.sign(along_valley[0]) == np.sign(1 - x)


def test_theorem21_on_the_paper_objective_at_its_minimum():
    """At 0, ∇²ℓ = diag(2, 1) and λmax(∇²ℓ) = 2/(1 + w2²/2) near 0 has zero gradient:
    no drift. On the axis w2 = 0 the loss is the quadratic w1², so the SAM step from
    w_t is exactly the bounce."""
    obj = paper_objective()
    np.testing.assert_allclose(fd_grad_lambda_max(obj.hess, [0.0, 0.0]), 0, atol=1e-9)
    for rho in (0.1, 0.01):
        for s in (1, -1):
            p = theorem21_prediction(obj, [0.0, 0.0], rho, rho, s=s)
            assert p.lam1 == pytest.approx(2.0)
            np.testing.assert_allclose(p.grad_lambda_max, 0.0, atol=1e-15)
            np.testing.assert_allclose(p.drift, 0.0, atol=1e-15)
            c = rho * rho * 2 / (2 - rho * 2)
            np.testing.assert_allclose(p.w_t, [s * c, 0.0], rtol=1e-14)
            actual = sam_step(p.w_t, obj.grad, rho, rho) - p.w_t
            np.testing.assert_allclose(actual, p.step, atol=1e-15)
            np.testing.assert_allclose(actual, [-2 * s * c, 0.0], rtol=1e-12)


def test_theorem21_on_a_quadratic_is_exact():
    """D³ = 0: no drift, and one SAM step jumps exactly to the other side of the
    2-cycle (eq. 3), in any dimension."""
    lams = np.array([3.0, 1.0, 0.5])
    obj = Quadratic(lams).as_objective()
    p = theorem21_prediction(obj, np.zeros(3), 0.1, 0.3)
    np.testing.assert_array_equal(p.drift, 0.0)
    actual = sam_step(p.w_t, obj.grad, 0.1, 0.3) - p.w_t
    np.testing.assert_allclose(actual, p.step, rtol=1e-12, atol=1e-16)
    assert p.remainder_bound(0.0) == 0.0


def test_theorem21_remainder_also_needs_B_to_bound_the_third_derivative():
    """A cubic loss has a constant D³ (0-Lipschitz), yet SAM's step differs from
    bounce + drift by terms of order η²ρ²‖D³‖: the proof of Theorem 21 also uses
    ‖∇²ℓ(w) - ∇²ℓ(w_z)‖ ≤ B‖w - w_z‖, i.e. ‖D³ℓ‖ ≤ B. With B = ‖D³‖_F (which bounds
    both) the remainder bound holds; with B = 0, as the statement alone allows, it
    would claim an exact prediction."""
    a = 0.7
    T = np.zeros((2, 2, 2))
    for idx in ((0, 0, 1), (0, 1, 0), (1, 0, 0)):
        T[idx] = 2 * a  # ℓ = w1² + w2²/2 + a w1² w2
    obj = cubic_objective(np.diag([2.0, 1.0]), T)
    B = float(np.linalg.norm(T))
    for rho in (0.08, 0.02):
        p = theorem21_prediction(obj, [0.0, 0.0], rho, rho)
        np.testing.assert_allclose(p.grad_lambda_max, [0.0, 2 * a], atol=1e-15)
        actual = sam_step(p.w_t, obj.grad, rho, rho) - p.w_t
        error = np.linalg.norm(actual - p.step)
        assert error > 0.1 * rho**4 * a  # a genuine remainder, not round-off
        assert p.remainder_bound(0.0) == 0.0 < error
        assert error <= p.remainder_bound(B)
