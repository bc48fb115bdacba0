"""Hessian drift (Section 5): top_eigenpair, grad_lambda_max and Theorem 21."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _helpers import central_difference, cubic_example
from samlib import (
    Objective,
    Quadratic,
    grad_lambda_max,
    run_gd,
    run_noisy_gd,
    run_sam,
    sam_step,
    theorem21_prediction,
    top_eigenpair,
)
from samlib.drift import compare_methods, drift_field, theorem21_errors
from samlib.objectives import (
    cubic_objective,
    paper_objective,
    product_loss,
    quartic_objective,
)
from samlib.valley import third_derivative_bound, valley_point

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
    the error is below Theorem 21's remainder bound with B bounding ‖D³ℓ‖ and the
    Lipschitz constant √24 of D³ℓ on the ball (D⁴ℓ is constant with entries 2 at the
    six (x, x, y, y) permutations, Frobenius norm √24 ≥ its operator norm), as the
    corrected statement of Chapter 5 asks, and error/‖drift‖ falls roughly linearly
    in ρ (drift ~ ρ³, error ~ ρ⁴): the fitted log-log slope is at least 0.8."""
    obj = product_loss()
    rhos = np.array([0.08, 0.04, 0.02, 0.01, 0.005])
    ratios = []
    for rho in rhos:
        eta = rho
        p = theorem21_prediction(obj, wz, eta, rho, s=s)
        B = third_derivative_bound(wz[0], p.ball_radius)  # the corrected theorem's B
        assert B >= math.sqrt(24) and p.violated_hypotheses(B) == []
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


# --------------------------------------------------------------------------------------
# Theorem 21 as its proof supports it (Chapter 5): eigenbasis, hypotheses, errors


def test_prediction_carries_the_eigenbasis_of_the_hessian():
    """lams and basis diagonalise ∇²ℓ(w_z) (checked against eigvalsh), in decreasing
    order, with basis[:, 0] = v1 and determinant 1: in 2-D, v2 = v1 turned by +90°."""
    for wz in VALLEY_POINTS:
        p = theorem21_prediction(product_loss(), wz, 0.05, 0.05)
        H = product_loss().hess(wz)
        np.testing.assert_allclose(p.lams, np.linalg.eigvalsh(H)[::-1], atol=1e-12)
        np.testing.assert_allclose(H @ p.basis, p.basis * p.lams, atol=1e-12)
        np.testing.assert_allclose(p.basis.T @ p.basis, np.eye(2), atol=1e-12)
        np.testing.assert_array_equal(p.basis[:, 0], p.v1)
        np.testing.assert_allclose(p.basis[:, 1], [-p.v1[1], p.v1[0]], atol=1e-15)
        step = np.array([0.3, -0.7])
        np.testing.assert_allclose(
            p.in_eigenbasis(step), [step @ p.v1, step @ p.basis[:, 1]]
        )
    p = theorem21_prediction(
        Quadratic([3.0, 2.0, 1.0]).as_objective(), np.zeros(3), 0.1, 0.1
    )
    assert np.linalg.det(p.basis) == pytest.approx(1.0)


def test_ball_radius_is_beta1_over_lambda1_plus_rho():
    p = theorem21_prediction(product_loss(), [2.0, 0.5], 0.1, 0.2)
    beta1_over_lam1 = 0.1 * 0.2 * 4.25 / (2 - 0.1 * 4.25)
    assert p.ball_radius == pytest.approx(beta1_over_lam1 + 0.2, rel=1e-14)
    assert np.linalg.norm(p.w_t - [2.0, 0.5]) == pytest.approx(beta1_over_lam1)


def test_violated_hypotheses_names_each_missing_condition():
    T = np.zeros((2, 2, 2))
    T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 0] = 1.0
    saddle = cubic_objective(np.diag([1.0, -100.0]), T)
    quartic = quartic_objective([1.0, 0.5], [1.0, 0.0])
    valley = theorem21_prediction(product_loss(), [2.0, 0.5], 0.1, 0.1)
    assert valley.violated_hypotheses(5.0) == []
    assert valley.violated_hypotheses(200.0) == ["Bηρ ≤ 1"]
    assert theorem21_prediction(quartic, [0.0, 0.0], 1.9, 0.1).violated_hypotheses(
        1
    ) == ["ηλ1 ≤ 1"]
    assert theorem21_prediction(saddle, [0.0, 0.0], 0.05, 0.01).violated_hypotheses(
        1.0
    ) == ["|λi| ≤ λ1"]
    with pytest.raises(ValueError, match="B"):
        valley.violated_hypotheses(-1.0)


def direct_errors(objective, wz, eta, rho, B):
    """The errors of theorem21_errors computed from the public functions alone."""
    rows = []
    for s in (1, -1):
        p = theorem21_prediction(objective, wz, eta, rho, s=s)
        actual = sam_step(p.w_t, objective.grad, eta, rho) - p.w_t
        rows.append(
            [
                np.linalg.norm(actual - p.step),
                np.linalg.norm(actual - p.bounce + p.drift),
                np.linalg.norm(actual - p.bounce - p.drift / 2),
                np.linalg.norm(p.drift),
                p.remainder_bound(B),
            ]
        )
    rows = np.array(rows)
    return [*rows[:, :3].max(axis=0), rows[0, 3], rows[0, 4]]


@pytest.mark.parametrize(
    "objective, wz",
    [
        (product_loss(), [2.0, 0.5]),
        (cubic_objective(np.diag([2.0, 1.0]), np.ones((2, 2, 2))), [0, 0]),
    ],
)
def test_theorem21_errors_against_a_direct_computation(objective, wz):
    rhos = np.array([0.002, 0.01, 0.05])
    e = theorem21_errors(objective, wz, 0.05, rhos, B=1.0)
    for k, rho in enumerate(rhos):
        expected = direct_errors(objective, wz, 0.05, rho, 1.0)
        got = [e.error[k], e.flipped[k], e.halved[k], e.drift[k], e.bound[k]]
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(e.rho, rhos)
    np.testing.assert_array_equal(e.eta, 0.05)
    np.testing.assert_allclose(e.relative, e.error / e.drift)
    assert np.all(np.isnan(theorem21_errors(objective, wz, 0.05, rhos).bound))


def test_theorem21_errors_on_the_cubic_tend_to_the_closed_form():
    """w1² + w2²/2 + w1²w2/2 at 0 with η fixed: error/drift → η(2 - ηλ1)/4 = η(1 - η)/2
    as ρ → 0 (the leading remainder of Chapter 5, Section 5.4)."""
    e = theorem21_errors(cubic_example(), [0.0, 0.0], 0.05, [1e-4, 1e-5])
    np.testing.assert_allclose(e.relative, 0.05 * 0.95 / 2, rtol=2e-3)


def test_theorem21_errors_checks_its_input():
    with pytest.raises(ValueError, match="rho"):
        theorem21_errors(product_loss(), [2.0, 0.5], 0.1, [0.1, -0.1])
    with pytest.raises(ValueError, match="shape"):
        theorem21_errors(product_loss(), [[2.0, 0.5]], 0.1, 0.1)
    with pytest.raises(ValueError, match="broadcast"):
        theorem21_errors(product_loss(), [2.0, 0.5], [0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="∇ℓ"):
        theorem21_errors(product_loss(), [2.0, 1.0], 0.1, 0.1)


@given(seed=seeds, d=st.integers(2, 4))
def test_the_corrected_theorem21_bound_holds_on_random_cubic_losses(seed, d):
    """The box of Chapter 5: with B ≥ ‖D³ℓ‖ (here D³ℓ = T is constant, so ‖T‖_F ≥ its
    operator norm bounds both it and the Lipschitz constant 0), |λi| ≤ λ1, ηλ1 ≤ 1 and
    Bηρ ≤ 1, SAM's step is within the remainder bound of bounce + drift."""
    rng = np.random.default_rng(seed)
    lams = rng.uniform(-1, 1, d)
    lams[0] = 1.0 + rng.uniform(0.05, 1)  # a simple top eigenvalue, the largest in size
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    T = random_symmetric(rng, d, 3)
    loss = cubic_objective(Q @ np.diag(lams) @ Q.T, T)
    B = float(np.linalg.norm(T))
    eta = rng.uniform(0.01, 1.0) / lams[0]
    rho = rng.uniform(0.001, 1.0) / (B * eta)
    p = theorem21_prediction(loss, np.zeros(d), eta, rho)
    assert p.violated_hypotheses(B) == []
    e = theorem21_errors(loss, np.zeros(d), eta, rho, B=B)
    assert e.error[0] <= e.bound[0] * (1 + 1e-9) + 1e-15


@given(seed=seeds)
def test_the_corrected_theorem21_bound_holds_on_random_quartic_losses(seed):
    """ℓ = Σ λi wi²/2 + qi wi⁴/24: ‖D³ℓ(w)‖ = max|qi wi| ≤ max|q|·r on the ball of
    radius r around 0, and D³ℓ is max|q|-Lipschitz, so B = max|q|·max(1, r)."""
    rng = np.random.default_rng(seed)
    lams = np.array([1.0, rng.uniform(-1, 0.9)])
    q = rng.uniform(-3, 3, 2)
    loss = quartic_objective(lams, q)
    eta = rng.uniform(0.01, 1.0)
    rho = rng.uniform(0.001, 0.5)
    radius = 2 * rho / (2 - eta)
    B = np.max(np.abs(q)) * max(1.0, radius)
    if B * eta * rho > 1:
        return
    e = theorem21_errors(loss, [0.0, 0.0], eta, rho, B=B)
    assert e.error[0] <= e.bound[0] * (1 + 1e-9) + 1e-15


def test_the_proofs_last_step_holds_exactly_when_eta_lambda1_is_at_most_one():
    """The proof bounds its remainder by the printed one through 2/(2 - x) ≤ 1 + x and
    (x + 2y/(2 - x))/(2(2 - x) - y) ≤ 2x + y, x = ηλ1, y = Bηρ ∈ [0, 1]; the first
    fails for every x in (1, 2)."""
    x, y = np.meshgrid(np.linspace(1e-6, 1, 401), np.linspace(0, 1, 401))
    assert np.all(2 / (2 - x) <= 1 + x + 1e-12)
    assert np.all((x + 2 * y / (2 - x)) / (2 * (2 - x) - y) <= 2 * x + y + 1e-12)
    over = np.linspace(1.001, 1.999, 101)
    assert np.all(2 / (2 - over) > 1 + over)


def test_drift_field_is_the_drift_of_each_prediction():
    points = valley_point(np.array([[0.5, 2.0], [1.5, 3.0]]))
    field = drift_field(product_loss(), points, 0.1, 0.05)
    assert field.shape == (2, 2, 2)
    for index in np.ndindex(2, 2):
        expected = theorem21_prediction(product_loss(), points[index], 0.1, 0.05).drift
        np.testing.assert_array_equal(field[index], expected)
    with pytest.raises(ValueError, match="scalars"):
        drift_field(product_loss(), points, [0.1, 0.2], 0.05)


def test_compare_methods_runs_the_three_methods_of_section_6():
    loss = paper_objective()
    runs = compare_methods(loss.grad, [1.0, 1.0], 0.2, 1.0, 0.5, 30, seed=3)
    np.testing.assert_array_equal(
        runs["SAM"], run_sam(loss.grad, [1.0, 1.0], 0.2, 1.0, 30)
    )
    np.testing.assert_array_equal(runs["GD"], run_gd(loss.grad, [1.0, 1.0], 0.2, 30))
    np.testing.assert_array_equal(
        runs["SGD"], run_noisy_gd(loss.grad, [1.0, 1.0], 0.2, 0.5, 30, seed=3)
    )
    with pytest.raises(ValueError, match=r"of SAM left the region \|w\| < 1000"):
        compare_methods(Quadratic([1.0, 0.5]).grad, [1.0, 1.0], 3.0, 0.1, 0.0, 20, 0)


def test_remainder_bound_is_the_printed_expression():
    """ηρ²((1 + ηλ1)³ρ/6 + 2(2λ1 + Bρ)η)B by hand, at λ1 = 4.25 (valley, x = 2)."""
    eta, rho, B = 0.1, 0.2, 3.0
    p = theorem21_prediction(product_loss(), [2.0, 0.5], eta, rho)
    by_hand = (
        eta * rho**2 * ((1 + eta * 4.25) ** 3 * rho / 6 + 2 * (8.5 + B * rho) * eta)
    )
    assert p.remainder_bound(B) == pytest.approx(by_hand * B, rel=1e-14)
    with pytest.raises(ValueError, match="Bηρ ≤ 1"):
        p.remainder_bound(60.0)
