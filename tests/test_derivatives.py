"""Every derivative in samlib against central finite differences.

Quadratic (value, grad, hess, d3), the potential J of Proposition 8 (J, grad_J,
hess_J) and every loss of ``samlib.objectives`` (value -> grad -> hess -> d3).
Also: symmetry of Hessians and third-derivative tensors, and batched calls
``(n, d)`` / ``(n, m, d)`` agreeing with one call per point.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _helpers import H_STEP, central_difference, cubic_example
from samlib import J, Quadratic, grad_J, hess_J
from samlib.objectives import (
    cubic_objective,
    paper_objective,
    product_loss,
    quadratic_objective,
    sharpening_loss,
)


def assert_matches_fd(exact, f, w, *, rtol=1e-6, h=H_STEP):
    """``exact`` agrees with the finite-difference derivative of ``f`` at ``w``,
    relative to the size of the derivative (with a floor of 1)."""
    fd = central_difference(f, w, h)
    exact = np.asarray(exact)
    assert exact.shape == fd.shape
    scale = max(1.0, float(np.max(np.abs(fd))))
    np.testing.assert_allclose(exact, fd, rtol=0, atol=rtol * scale)


def assert_symmetric(T, k):
    """All permutations of the trailing ``k`` (derivative) axes give the same tensor."""
    T = np.asarray(T)
    lead = tuple(range(T.ndim - k))
    # entries summed in another order may differ in their last bits: scale to |T|
    atol = 1e-14 * max(1.0, float(np.max(np.abs(T))))
    for perm in itertools.permutations(range(T.ndim - k, T.ndim)):
        np.testing.assert_allclose(T, T.transpose(*lead, *perm), rtol=0, atol=atol)


# --------------------------------------------------------------------------------------
# strategies


@st.composite
def eigenvalues(draw, d_min=1, d_max=5):
    d = draw(st.integers(d_min, d_max))
    lams = draw(st.lists(st.floats(0.05, 5.0), min_size=d, max_size=d))
    return np.sort(np.array(lams))[::-1]


points2 = st.tuples(st.floats(-3, 3), st.floats(-3, 3)).map(np.array)


# --------------------------------------------------------------------------------------
# Quadratic


@given(lams=eigenvalues(), seed=st.integers(0, 2**32 - 1))
def test_quadratic_derivatives_match_finite_differences(lams, seed):
    q = Quadratic(lams)
    w = np.random.default_rng(seed).normal(size=lams.size)
    assert_matches_fd(q.grad(w), q.value, w)
    assert_matches_fd(q.hess(w), q.grad, w)
    assert_matches_fd(q.d3(w), q.hess, w)
    # and the closed forms of Section 3
    assert q.value(w) == pytest.approx(0.5 * np.sum(lams * w**2), rel=1e-12)
    np.testing.assert_allclose(q.grad(w), lams * w, rtol=1e-14)
    np.testing.assert_array_equal(q.hess(w), np.diag(lams))


def test_quadratic_batched_calls_agree_with_pointwise_calls():
    rng = np.random.default_rng(0)
    q = Quadratic([3.0, 1.0, 0.5])
    W = rng.normal(size=(4, 5, 3))
    assert q.value(W).shape == (4, 5)
    assert q.grad(W).shape == (4, 5, 3)
    assert q.hess(W).shape == (4, 5, 3, 3)
    assert q.d3(W).shape == (4, 5, 3, 3, 3)
    for i, j in itertools.product(range(4), range(5)):
        assert q.value(W[i, j]) == pytest.approx(q.value(W)[i, j], rel=1e-14)
        np.testing.assert_array_equal(q.grad(W[i, j]), q.grad(W)[i, j])
        np.testing.assert_array_equal(q.hess(W[i, j]), q.hess(W)[i, j])
    assert isinstance(q.value(W[0, 0]), float)


def test_quadratic_objective_is_the_quadratic():
    obj = quadratic_objective([2.0, 0.5])
    w = np.array([0.3, -1.2])
    assert obj.value(w) == pytest.approx(0.5 * (2.0 * 0.09 + 0.5 * 1.44), rel=1e-14)
    np.testing.assert_allclose(obj.grad(w), [0.6, -0.6], rtol=1e-14)
    assert obj.sharpness(w) == pytest.approx(2.0, rel=1e-14)


# --------------------------------------------------------------------------------------
# The potential J of Proposition 8


@st.composite
def potential_setups(draw):
    lams = draw(eigenvalues(d_max=4))
    eta = draw(st.floats(0.02, 0.98)) / (2 * lams[0])
    rho = draw(st.floats(0.05, 5.0))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # scale u like the stationary points beta_i/lambda_i, away from the kink at 0
    scale = eta * rho * lams[0] / (2 - eta * lams[0])
    u = rng.normal(size=lams.size) * scale * rng.uniform(0.3, 3.0)
    if np.linalg.norm(u) < 0.1 * scale:
        u = u + 0.5 * scale
    return lams, eta, rho, u


@given(setup=potential_setups())
def test_J_derivatives_match_finite_differences(setup):
    lams, eta, rho, u = setup
    h = 1e-5 * np.linalg.norm(u)

    def value(x):
        return J(x, lams, eta, rho)

    def grad(x):
        return grad_J(x, lams, eta, rho)

    assert_matches_fd(grad(u), value, u, h=h)
    assert_matches_fd(hess_J(u, lams, eta, rho), grad, u, h=h, rtol=1e-5)
    assert_symmetric(hess_J(u, lams, eta, rho), 2)


@given(setup=potential_setups())
def test_J_closed_form_of_proposition_8(setup):
    """J(u) = ½ Σ λi² ui² / βi - sqrt(Σ λi² ui²), transcribed independently."""
    lams, eta, rho, u = setup
    beta = eta * rho * lams**2 / (2 - eta * lams)
    expected = 0.5 * np.sum(lams**2 * u**2 / beta) - np.sqrt(np.sum(lams**2 * u**2))
    assert J(u, lams, eta, rho) == pytest.approx(expected, rel=1e-10, abs=1e-14)
    C = np.diag((2 - eta * lams) / (eta * rho))
    Lam = np.diag(lams)
    nrm = np.linalg.norm(Lam @ u)
    P = np.eye(lams.size) - np.outer(Lam @ u, Lam @ u) / nrm**2
    np.testing.assert_allclose(
        grad_J(u, lams, eta, rho), C @ u - Lam @ Lam @ u / nrm, rtol=1e-9, atol=1e-12
    )
    scale = np.max(np.abs(C))
    np.testing.assert_allclose(
        hess_J(u, lams, eta, rho), C - Lam @ P @ Lam / nrm, rtol=0, atol=1e-10 * scale
    )


def test_J_batched_calls_agree_with_pointwise_calls():
    rng = np.random.default_rng(1)
    lams, eta, rho = np.array([1.0, 0.6, 0.2]), 0.3, 0.7
    U = rng.normal(size=(6, 3))
    vals, grads = J(U, lams, eta, rho), grad_J(U, lams, eta, rho)
    hesses = hess_J(U, lams, eta, rho)
    assert vals.shape == (6,) and grads.shape == (6, 3) and hesses.shape == (6, 3, 3)
    for i in range(6):
        assert J(U[i], lams, eta, rho) == pytest.approx(vals[i], rel=1e-13)
        np.testing.assert_allclose(grad_J(U[i], lams, eta, rho), grads[i], rtol=1e-13)
        np.testing.assert_allclose(hess_J(U[i], lams, eta, rho), hesses[i], rtol=1e-13)
    assert isinstance(J(U[0], lams, eta, rho), float)


# --------------------------------------------------------------------------------------
# samlib.objectives


OBJECTIVES = {
    "paper": paper_objective,
    "product": product_loss,
    "sharpening": sharpening_loss,
    "sharpening(0.4, 2)": lambda: sharpening_loss(alpha=0.4, y_star=2.0),
    "cubic": cubic_example,
}


@pytest.mark.parametrize("name", OBJECTIVES)
@given(w=points2)
def test_objective_derivatives_match_finite_differences(name, w):
    obj = OBJECTIVES[name]()
    assert_matches_fd(obj.grad(w), obj.value, w)
    assert_matches_fd(obj.hess(w), obj.grad, w)
    assert_matches_fd(obj.d3(w), obj.hess, w)
    assert_symmetric(obj.hess(w), 2)
    assert_symmetric(obj.d3(w), 3)


def test_paper_objective_closed_forms():
    """ℓ = w1²/(1 + w2²/2) + w2²/2; on the axis w1 = 0 the Hessian is
    diag(2/(1 + w2²/2), 1) (Section 6)."""
    obj = paper_objective()
    rng = np.random.default_rng(2)
    for x, y in rng.uniform(-2, 2, size=(5, 2)):
        assert obj.value([x, y]) == pytest.approx(
            x**2 / (1 + y**2 / 2) + y**2 / 2, rel=1e-13
        )
        np.testing.assert_allclose(
            obj.hess([0.0, y]), np.diag([2 / (1 + y**2 / 2), 1.0]), atol=1e-14
        )
        assert obj.sharpness([0.0, y]) == pytest.approx(
            max(2 / (1 + y**2 / 2), 1.0), rel=1e-13
        )


def test_product_loss_closed_forms_on_the_valley():
    """ℓ = ½(xy - 1)²: on xy = 1 the Hessian is [[y², 1], [1, x²]], eigenvalues 0
    and x² + y² (Chapter 5)."""
    obj = product_loss()
    for x in (0.5, 1.0, 1.5, 2.0, 3.0):
        w = np.array([x, 1 / x])
        assert obj.value(w) == pytest.approx(0.0, abs=1e-30)
        np.testing.assert_allclose(obj.grad(w), 0.0, atol=1e-15)
        np.testing.assert_allclose(
            obj.hess(w), [[x**-2, 1.0], [1.0, x**2]], rtol=1e-13, atol=1e-14
        )
        assert obj.sharpness(w) == pytest.approx(x**2 + x**-2, rel=1e-13)
        T = obj.d3(w)
        assert T[0, 0, 1] == pytest.approx(2 / x) and T[0, 1, 1] == pytest.approx(2 * x)
        assert T[0, 0, 0] == 0 and T[1, 1, 1] == 0


@pytest.mark.parametrize("name", OBJECTIVES)
def test_objective_batched_calls_agree_with_pointwise_calls(name):
    obj = OBJECTIVES[name]()
    W = np.random.default_rng(3).uniform(-2, 2, size=(3, 4, 2))
    out = {f: getattr(obj, f)(W) for f in ("value", "grad", "hess", "d3")}
    assert out["value"].shape == (3, 4)
    assert out["grad"].shape == (3, 4, 2)
    assert out["hess"].shape == (3, 4, 2, 2)
    assert out["d3"].shape == (3, 4, 2, 2, 2)
    for i, j in itertools.product(range(3), range(4)):
        for f in out:
            np.testing.assert_allclose(
                getattr(obj, f)(W[i, j]), out[f][i, j], rtol=1e-14, atol=1e-15
            )
    assert isinstance(obj.value(W[0, 0]), float)
    sharp = obj.sharpness(W)
    assert sharp.shape == (3, 4)
    np.testing.assert_allclose(
        sharp, np.linalg.eigvalsh(out["hess"])[..., -1], rtol=1e-14
    )


def test_sharpening_loss_has_its_minimum_at_y_star():
    """ℓ = ½(1 + y²)x² + ½α(y - y*)² vanishes at (0, y*), with sharpness 1 + y*²."""
    loss = sharpening_loss(alpha=0.3, y_star=3.3)
    batch = np.array([[0.0, 3.3], [1.0, 2.0], [0.2, 2.5]])
    assert loss.value([0.0, 3.3]) == 0.0
    np.testing.assert_allclose(loss.grad([0.0, 3.3]), [0.0, 0.0])
    assert loss.sharpness([0.0, 3.3]) == pytest.approx(1 + 3.3**2)
    assert np.all(loss.value(batch[1:]) > 0)


def test_cubic_objective_has_the_constant_third_derivative_it_is_given():
    T = cubic_example().d3(np.zeros((3, 2)))
    assert T.shape == (3, 2, 2, 2)
    np.testing.assert_array_equal(T[1], cubic_example().d3([5.0, -2.0]))
    assert T[0, 0, 0, 1] == 1.0 and T[0, 1, 1, 1] == 0.0


@pytest.mark.parametrize("alpha", [0.0, -1.0, [0.1, 0.2]])
def test_sharpening_loss_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        sharpening_loss(alpha=alpha)


def test_cubic_objective_rejects_a_tensor_that_is_not_symmetric():
    with pytest.raises(ValueError, match="fully symmetric"):
        cubic_objective(np.eye(2), np.arange(8.0).reshape(2, 2, 2))
