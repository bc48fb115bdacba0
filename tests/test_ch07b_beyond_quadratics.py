"""Chapter 7.4's loss minimised at infinity: the logistic loss and the max margin.

The logistic loss's derivatives against central finite differences (value → grad →
hess → d3), and the maximum-margin direction against a brute-force search over
angles, the independent checks the chapter made before they moved into samlib.
"""

import numpy as np
import pytest

from _helpers import central_difference
from samlib.margins import max_margin_direction
from samlib.objectives import logistic_loss


def separable_data(seed=3):
    """The chapter's data: 16 points, 8 per class, around ±(1, 1) (seed 3)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([1.0, -1.0], 8)
    X = labels[:, None] * np.array([1.0, 1.0]) + 0.6 * rng.standard_normal((16, 2))
    return X, labels


@pytest.mark.parametrize("w", [[0.7, -0.2], [3.0, 4.0], [-1.0, 0.1]])
def test_logistic_derivatives_match_finite_differences(w):
    loss = logistic_loss(*separable_data())
    w = np.array(w)
    for f, derivative in [
        (loss.value, loss.grad),
        (loss.grad, loss.hess),
        (loss.hess, loss.d3),
    ]:
        np.testing.assert_allclose(
            central_difference(f, w, 1e-6), derivative(w), rtol=1e-6, atol=1e-9
        )


def test_logistic_loss_is_the_formula_and_batches():
    X, y = separable_data()
    loss = logistic_loss(X, y)
    W = np.random.default_rng(0).normal(size=(3, 4, 2))
    expected = np.mean(np.log1p(np.exp(-y * (W @ X.T))), axis=-1)
    np.testing.assert_allclose(loss.value(W), expected, rtol=1e-12)
    assert loss.grad(W).shape == (3, 4, 2) and loss.hess(W).shape == (3, 4, 2, 2)
    np.testing.assert_allclose(loss.hess(W)[1, 2], loss.hess(W[1, 2]))


def test_logistic_loss_stays_finite_far_out_along_the_separator():
    X, y = separable_data()
    loss = logistic_loss(X, y)
    u, _ = max_margin_direction(y[:, None] * X)
    far = 1e3 * u  # margins of hundreds: e^{-m} underflows, the formulas must not
    assert loss.value(far) == 0.0 or 0 < loss.value(far) < 1e-100
    assert np.all(np.isfinite(loss.grad(far))) and np.all(np.isfinite(loss.hess(far)))


def test_logistic_loss_rejects_bad_data():
    with pytest.raises(ValueError, match="±1"):
        logistic_loss([[1.0, 0.0]], [0.5])
    with pytest.raises(ValueError, match="shape"):
        logistic_loss([1.0, 0.0], [1.0])


def test_max_margin_direction_beats_a_search_over_angles():
    X, y = separable_data()
    Z = y[:, None] * X
    u, gamma = max_margin_direction(Z)
    angles = np.linspace(0, 2 * np.pi, 100_001)
    grid = (np.stack([np.cos(angles), np.sin(angles)], -1) @ Z.T).min(axis=1)
    assert gamma > 0 and gamma - 1e-4 < grid.max() <= gamma + 1e-12
    assert np.linalg.norm(u) == pytest.approx(1.0)
    assert (Z @ u).min() == pytest.approx(gamma, rel=1e-14)


def test_max_margin_of_two_symmetric_points_is_their_bisector():
    u, gamma = max_margin_direction([[1.0, 2.0], [1.0, -2.0]])
    np.testing.assert_allclose(u, [1.0, 0.0], atol=1e-15)
    assert gamma == pytest.approx(1.0)


def test_max_margin_rejects_points_outside_the_plane():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        max_margin_direction(np.ones((3, 3)))
    with pytest.raises(ValueError, match="origin"):
        max_margin_direction([[0.0, 0.0], [1.0, 1.0]])
