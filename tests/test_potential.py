"""The potential J: Proposition 8, Remark 9 and Lemma 10 (SAM is GD on J)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    J,
    J_gd_step,
    J_stationary_points,
    Quadratic,
    grad_J,
    hess_J,
    lemma10_decrease_bound,
    run_sam,
    sign_flip,
)


@st.composite
def setups(draw, d_max=5, eta_max=0.99, ties=True):
    """λ1 ≥ ... ≥ λd > 0 (possibly with ties), η = frac/(2λ1), ρ > 0, a seed."""
    d = draw(st.integers(1, d_max))
    lams = [draw(st.floats(0.1, 5.0))]
    for _ in range(d - 1):
        tie = ties and draw(st.booleans()) and draw(st.booleans())
        lams.append(lams[-1] * (1.0 if tie else draw(st.floats(0.05, 0.95))))
    eta = draw(st.floats(0.01, eta_max)) / (2 * lams[0])
    rho = draw(st.floats(0.05, 5.0))
    return np.array(lams), eta, rho, draw(st.integers(0, 2**32 - 1))


def betas(lams, eta, rho):
    return eta * rho * lams**2 / (2 - eta * lams)


# --------------------------------------------------------------------------------------
# Proposition 8 and Remark 9


def check_stationary_points(lams, eta, rho):
    beta = betas(lams, eta, rho)
    points = J_stationary_points(lams, eta, rho)
    assert len(points) == 2 * lams.size
    C = (2 - eta * lams) / (eta * rho)
    for p in points:
        i = p.index
        expected = np.zeros(lams.size)
        expected[i] = beta[i] / lams[i]
        np.testing.assert_allclose(np.abs(p.point), expected, rtol=1e-14)
        # ∇J = 0 to round-off, relative to the size of its two terms C u and Λ²u/‖Λu‖
        scale = np.max(C * np.abs(p.point))
        np.testing.assert_allclose(
            grad_J(p.point, lams, eta, rho), 0, atol=1e-13 * scale
        )
        assert p.value == pytest.approx(-beta[i] / 2, rel=1e-14)
        assert J(p.point, lams, eta, rho) == pytest.approx(-beta[i] / 2, rel=1e-12)
        # stated counts: |{βj < βi}| + 1 positive, |{βj > βi}| negative,
        # |{βj = βi}| - 1 zero (ties decided on λ, as β is increasing in λ)
        assert p.n_positive == np.sum(lams < lams[i]) + 1
        assert p.n_negative == np.sum(lams > lams[i])
        assert p.n_zero == np.sum(lams == lams[i]) - 1
        # and the numerical eigenvalues of hess_J have exactly these signs
        H = hess_J(p.point, lams, eta, rho)
        ev = np.linalg.eigvalsh(H)
        tol = 1e-9 * np.max(np.abs(ev))
        assert np.sum(ev > tol) == p.n_positive
        assert np.sum(ev < -tol) == p.n_negative
        assert np.sum(np.abs(ev) <= tol) == p.n_zero
        # and hess_J is the closed form
        # Λ²(Σ_{βj≠βi}(1/βj - 1/βi) ej ejᵀ + ei eiᵀ/βi)
        diag = np.where(lams == lams[i], 0.0, 1 / beta - 1 / beta[i])
        diag[i] = 1 / beta[i]
        closed_form = np.diag(lams**2 * diag)
        np.testing.assert_allclose(
            H, closed_form, rtol=0, atol=1e-10 * np.max(np.abs(closed_form))
        )
        assert p.is_minimum == (lams[i] == lams[0])
    return points


@given(setup=setups())
def test_proposition8_stationary_points_and_hessian_signatures(setup):
    lams, eta, rho, _ = setup
    check_stationary_points(lams, eta, rho)


@pytest.mark.parametrize(
    "lams",
    [[2.0, 1.0, 1.0], [1.0, 1.0, 0.5], [1.0, 1.0, 1.0], [3.0, 2.0, 2.0, 2.0, 1.0]],
)
def test_proposition8_with_repeated_eigenvalues(lams):
    lams = np.array(lams)
    points = check_stationary_points(lams, eta=0.2 / lams[0], rho=0.7)
    # e.g. for [2, 1, 1], the points on e2, e3 have one zero and one negative eigenvalue
    for p in points:
        assert p.n_zero == np.sum(lams == lams[p.index]) - 1


@given(setup=setups(ties=False))
def test_proposition8_no_other_stationary_points(setup):
    """With distinct eigenvalues, ∇J(u) = 0 only at ±(βi/λi) ei: points on the
    spheres ‖u‖ = βi/λi off the axes, and points on the axes at other radii, have
    ∇J ≠ 0 (relative to the size of C u)."""
    lams, eta, rho, seed = setup
    rng = np.random.default_rng(seed)
    beta = betas(lams, eta, rho)
    C = (2 - eta * lams) / (eta * rho)
    d = lams.size
    for i in range(d):
        radius = beta[i] / lams[i]
        if d > 1:
            u = rng.standard_normal((50, d))
            u = u / np.linalg.norm(u, axis=-1, keepdims=True) * radius
            g = np.linalg.norm(grad_J(u, lams, eta, rho), axis=-1)
            second = np.sort(np.abs(u), axis=-1)[:, -2]
            off_axis = second > 1e-3 * radius
            assert off_axis.any()
            assert np.all(g[off_axis] > 1e-8 * C.max() * second[off_axis])
        e = np.zeros(d)
        e[i] = 1.0
        for factor in (0.5, 0.9, 1.1, 2.0):
            g = grad_J(factor * radius * e, lams, eta, rho)
            assert np.linalg.norm(g) > 1e-3 * C[i] * radius


def test_remark9_global_minimum_is_minus_beta1_over_2():
    """Nothing in a fine grid or in 20000 random points is below -β1/2; the minima
    ±(β1/λ1) e1 attain it (the setting of Figure 2)."""
    lams, eta, rho = np.array([1.0, 0.2]), 0.2, 1.0
    beta1 = betas(lams, eta, rho)[0]
    r = 1.5 * beta1 / lams[1]
    x = np.linspace(-r, r, 401)
    U = np.stack(np.meshgrid(x, x), axis=-1).reshape(-1, 2)
    U = U[np.linalg.norm(U, axis=-1) > 0]
    values = J(U, lams, eta, rho)
    assert values.min() >= -beta1 / 2 - 1e-14
    assert values.min() <= -beta1 / 2 + 1e-3 * beta1  # the grid gets close
    rng = np.random.default_rng(12)
    for d_lams in ([1.0, 0.2], [3.0, 2.0, 0.5], [1.0, 1.0, 0.3]):
        d_lams = np.array(d_lams)
        b1 = betas(d_lams, 0.1, 0.8)[0]
        u = rng.standard_normal((20000, d_lams.size)) * rng.uniform(0, 2, (20000, 1))
        assert J(u, d_lams, 0.1, 0.8).min() >= -b1 / 2 - 1e-14
        minima = [p for p in J_stationary_points(d_lams, 0.1, 0.8) if p.is_minimum]
        for p in minima:
            assert J(p.point, d_lams, 0.1, 0.8) == pytest.approx(-b1 / 2, rel=1e-12)


def test_J_is_continuous_at_zero_but_its_derivatives_are_not_defined():
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    assert J([0.0, 0.0], lams, eta, rho) == 0.0
    assert abs(J([1e-9, 0.0], lams, eta, rho)) < 2e-9
    for f in (grad_J, hess_J, lemma10_decrease_bound, J_gd_step):
        with pytest.raises(ValueError, match="u = 0"):
            f([0.0, 0.0], lams, eta, rho)


# --------------------------------------------------------------------------------------
# Lemma 10


@st.composite
def sam_runs(draw, eta_max=0.99):
    lams, eta, rho, seed = draw(setups(eta_max=eta_max))
    rng = np.random.default_rng(seed)
    scale = np.exp(rng.uniform(np.log(0.01), np.log(100.0))) * rho
    w0 = rng.standard_normal((8, lams.size)) * scale
    return lams, eta, rho, w0


@given(run=sam_runs())
def test_lemma10_sign_flipped_sam_is_gradient_descent_on_J(run):
    lams, eta, rho, w0 = run
    n = 40
    path = run_sam(Quadratic(lams).grad, w0, eta, rho, n)
    u = sign_flip(path)
    np.testing.assert_array_equal(u[1::2], -path[1::2])
    np.testing.assert_array_equal(u[::2], path[::2])
    np.testing.assert_array_equal(sign_flip(u), path)  # its own inverse
    # one step at a time: u_{t+1} = u_t - ηρ∇J(u_t)
    for t in range(n):
        expected = J_gd_step(u[t], lams, eta, rho)
        np.testing.assert_allclose(u[t + 1], expected, rtol=1e-9, atol=1e-12 * rho)
        by_hand = u[t] - eta * rho * grad_J(u[t], lams, eta, rho)
        np.testing.assert_allclose(expected, by_hand, rtol=1e-14, atol=1e-300)
    # and a GD run on J from u_0 = w_0 reproduces the first steps of the SAM run
    v = w0.copy()
    for t in range(10):
        v = J_gd_step(v, lams, eta, rho)
        np.testing.assert_allclose(v, u[t + 1], rtol=1e-7, atol=1e-10 * rho)


@given(run=sam_runs())
def test_lemma10_J_decreases_at_least_by_the_stated_amount(run):
    lams, eta, rho, w0 = run
    n = 60
    u = sign_flip(run_sam(Quadratic(lams).grad, w0, eta, rho, n))
    values = J(u, lams, eta, rho)  # (n + 1, 8)
    bounds = lemma10_decrease_bound(u[:-1], lams, eta, rho)  # (n, 8)
    tol = 1e-11 * (1 + np.abs(values[:-1]))
    assert np.all(np.diff(values, axis=0) <= tol)  # J never increases
    assert np.all(bounds <= 0)
    assert np.all(np.diff(values, axis=0) <= bounds + tol)


@given(setup=setups())
def test_lemma10_bound_is_the_stated_formula(setup):
    lams, eta, rho, seed = setup
    u = np.random.default_rng(seed).standard_normal(lams.size)
    beta = betas(lams, eta, rho)
    nrm = np.sqrt(np.sum(lams**2 * u**2))
    expected = -np.sum(u**2 * (1 - beta / nrm) ** 2 * (2 - eta * lams) ** 2 * lams) / (
        2 * rho
    )
    assert lemma10_decrease_bound(u, lams, eta, rho) == pytest.approx(
        expected, rel=1e-12, abs=1e-300
    )


def test_lemma10_bound_holds_beyond_eta_below_one_over_two_lambda1():
    """The proof only uses ∇²J ⪯ C, so the decrease holds for any η with ηλ1 < 2."""
    lams = np.array([1.0, 0.6, 0.3])
    rng = np.random.default_rng(13)
    for eta in (0.6, 1.0, 1.5, 1.9):
        u = sign_flip(
            run_sam(Quadratic(lams).grad, rng.normal(size=(16, 3)), eta, 0.5, 30)
        )
        values = J(u, lams, eta, 0.5)
        bounds = lemma10_decrease_bound(u[:-1], lams, eta, 0.5)
        tol = 1e-11 * (1 + np.abs(values[:-1]))
        assert np.all(np.diff(values, axis=0) <= bounds + tol)
