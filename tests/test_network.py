"""The two-layer network of Chapter 7 (samlib.network).

Backpropagation is checked against central finite differences of the loss, the
R-operator Hessian-vector product against finite differences of the gradient, and
the Lanczos and power iterations against ``numpy.linalg.eigvalsh`` of the dense
Hessian.
"""

import numpy as np
import pytest

from _helpers import central_difference, directional_difference
from samlib import run_gd, run_sam
from samlib.network import TwoLayerNet, lanczos_top_eigenpair, power_iteration

ARCHITECTURES = [
    TwoLayerNet(2, 3),
    TwoLayerNet(3, 4, activation="linear"),
    TwoLayerNet(2, 5, bias=False),
    TwoLayerNet(4, 1, activation="linear", bias=False),
]
IDS = ["tanh", "linear", "tanh-nobias", "linear-width1"]


def data(net, n=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, net.d_in))
    return X, np.sin(X.sum(axis=1)) + 0.1 * rng.standard_normal(n)


def random_theta(net, seed=1):
    # Non-zero biases, so that every term of the gradient is exercised.
    return net.init(seed) + 0.3 * np.random.default_rng(seed + 1).standard_normal(
        net.n_params
    )


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_backprop_matches_finite_differences_of_the_loss(net):
    X, y = data(net)
    theta = random_theta(net)
    fd = central_difference(lambda t: net.loss(t, X, y), theta, h=1e-6)
    np.testing.assert_allclose(net.grad(theta, X, y), fd, atol=1e-8)


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_hvp_matches_finite_differences_of_the_gradient(net):
    X, y = data(net)
    theta = random_theta(net)
    v = np.random.default_rng(5).standard_normal(net.n_params)
    fd = directional_difference(lambda t: net.grad(t, X, y), theta, v)
    hv = net.hvp(theta, X, y, v)
    np.testing.assert_allclose(hv, fd, atol=1e-7 * max(1.0, np.abs(hv).max()))


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_dense_hessian_is_the_jacobian_of_the_gradient(net):
    X, y = data(net)
    theta = random_theta(net)
    jac = central_difference(lambda t: net.grad(t, X, y), theta)
    H = net.hessian(theta, X, y)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(H, jac, atol=1e-7)


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_batched_parameters_give_the_rows_of_single_calls(net):
    X, y = data(net)
    thetas = np.stack([random_theta(net, seed=s) for s in range(3)])
    vs = np.random.default_rng(9).standard_normal(thetas.shape)
    np.testing.assert_allclose(
        net.loss(thetas, X, y), [net.loss(t, X, y) for t in thetas], rtol=1e-13
    )
    np.testing.assert_allclose(
        net.grad(thetas, X, y), [net.grad(t, X, y) for t in thetas], atol=1e-14
    )
    np.testing.assert_allclose(
        net.hvp(thetas, X, y, vs),
        [net.hvp(t, X, y, v) for t, v in zip(thetas, vs, strict=True)],
        atol=1e-14,
    )


def test_pack_and_unpack_are_inverse():
    net = TwoLayerNet(3, 4)
    theta = random_theta(net)
    np.testing.assert_array_equal(net.pack(*net.unpack(theta)), theta)
    W1, b1, w2, b2 = net.unpack(theta)
    assert W1.shape == (4, 3) and b1.shape == (4,) and w2.shape == (4,)
    assert np.ndim(b2) == 0


def test_predict_is_the_formula():
    net = TwoLayerNet(2, 3)
    X, _ = data(net)
    theta = random_theta(net)
    W1, b1, w2, b2 = net.unpack(theta)
    np.testing.assert_allclose(
        net.predict(theta, X), np.tanh(X @ W1.T + b1) @ w2 + b2, rtol=1e-14
    )


def test_lanczos_matches_the_dense_eigenvalue_on_a_tiny_network():
    net = TwoLayerNet(2, 3)
    X, y = data(net)
    theta = random_theta(net)
    H = net.hessian(theta, X, y)
    top = np.linalg.eigvalsh(H)[-1]
    lam, v = lanczos_top_eigenpair(
        lambda u: net.hvp(theta, X, y, u), net.n_params, n_iter=net.n_params
    )
    assert lam == pytest.approx(top, rel=1e-10)
    np.testing.assert_allclose(H @ v, lam * v, atol=1e-8)
    # a few steps already give the top eigenvalue to a few digits
    lam8, _ = lanczos_top_eigenpair(lambda u: H @ u, net.n_params, n_iter=8)
    assert lam8 == pytest.approx(top, rel=1e-3)
    assert lam8 <= top + 1e-12  # Ritz values never exceed the top eigenvalue


def test_power_iteration_matches_the_dense_eigenvalue_when_it_dominates():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    spectrum = np.array([4.0, 2.0, 1.0, 0.5, -0.5, -1.0])
    H = Q @ np.diag(spectrum) @ Q.T
    lam, v = power_iteration(lambda u: H @ u, 6, n_iter=500, tol=1e-14)
    assert lam == pytest.approx(4.0, rel=1e-10)
    assert abs(v @ Q[:, 0]) == pytest.approx(1.0, rel=1e-8)


def test_power_iteration_matches_the_dense_eigenvalue_on_a_tiny_network():
    net = TwoLayerNet(2, 3)
    X, y = data(net)
    theta = net.init(0)
    evals = np.linalg.eigvalsh(net.hessian(theta, X, y))
    largest = evals[np.argmax(np.abs(evals))]
    lam, v = power_iteration(
        lambda u: net.hvp(theta, X, y, u), net.n_params, n_iter=5000, tol=1e-15
    )
    assert lam == pytest.approx(largest, rel=1e-8)
    np.testing.assert_allclose(net.hvp(theta, X, y, v), lam * v, atol=1e-5 * abs(lam))


def test_power_iteration_finds_the_largest_magnitude_and_lanczos_the_largest():
    H = np.diag([3.0, -5.0, 1.0])
    lam_power, _ = power_iteration(lambda u: H @ u, 3, n_iter=300)
    lam_lanczos, v = lanczos_top_eigenpair(lambda u: H @ u, 3)
    assert lam_power == pytest.approx(-5.0, rel=1e-8)
    assert lam_lanczos == pytest.approx(3.0, rel=1e-12)
    np.testing.assert_allclose(v, [1.0, 0.0, 0.0], atol=1e-10)


def test_width_one_linear_network_has_the_closed_form_spectrum_on_its_minima():
    # f(x) = w2 <W1, x> with X = I: the minima are W1 = y/s, w2 = s, where the
    # Hessian's non-zero eigenvalues are (s² + ‖y‖²/s²)/n and s²/n (n - 1 times).
    n = 4
    net = TwoLayerNet(n, 1, activation="linear", bias=False)
    X, y = np.eye(n), np.array([1.0, 2.0, -1.0, 0.5])
    for s in (0.5, 1.0, 2.0):
        theta = np.append(y / s, s)
        assert net.loss(theta, X, y) == pytest.approx(0.0, abs=1e-30)
        expected = np.sort(np.r_[0.0, [s**2 / n] * (n - 1), (s**2 + y @ y / s**2) / n])
        np.testing.assert_allclose(
            np.linalg.eigvalsh(net.hessian(theta, X, y)), expected, atol=1e-12
        )


def test_objective_drives_samlib_runners_and_sam_trains():
    net = TwoLayerNet(2, 4)
    X, y = data(net, n=12)
    obj = net.objective(X, y)
    theta0 = net.init(0)
    sam = run_sam(obj.grad, theta0, 0.1, 0.01, 200)
    gd = run_gd(obj.grad, theta0, 0.1, 200)
    assert obj.value(sam[-1]) < 0.7 * obj.value(theta0)
    assert obj.value(gd[-1]) < 0.7 * obj.value(theta0)
    # several ρ in one call: ρ = 0 is the GD run
    both = run_sam(obj.grad, theta0, 0.1, np.array([0.0, 0.01]), 200)
    np.testing.assert_allclose(both[:, 0], gd, atol=1e-12)
    np.testing.assert_allclose(both[:, 1], sam, atol=1e-12)
    assert obj.sharpness(theta0) == pytest.approx(
        np.linalg.eigvalsh(net.hessian(theta0, X, y))[-1]
    )


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="activation"):
        TwoLayerNet(2, 3, activation="relu")
    with pytest.raises(ValueError, match="width"):
        TwoLayerNet(2, 0)
    net = TwoLayerNet(2, 3)
    X, y = data(net)
    with pytest.raises(ValueError, match="theta must have shape"):
        net.grad(np.zeros(5), X, y)
    with pytest.raises(ValueError, match="y must have shape"):
        net.grad(net.init(0), X, y[:-1])
    with pytest.raises(ValueError, match="X must have"):
        net.loss(net.init(0), X[:, :1], y)
    with pytest.raises(ValueError, match="one θ"):
        net.hessian(np.zeros((2, net.n_params)), X, y)
    with pytest.raises(TypeError, match="seed"):
        net.init(None)


def test_sharpness_is_the_top_eigenvalue_of_the_dense_hessian_for_a_batch():
    net = TwoLayerNet(2, 6)
    X, y = data(net, n=9)
    thetas = np.stack([random_theta(net, seed) for seed in range(3)])
    dense = [np.linalg.eigvalsh(net.hessian(t, X, y))[-1] for t in thetas]
    found = net.sharpness(thetas, X, y, n_iter=net.n_params)
    np.testing.assert_allclose(found, dense, rtol=1e-10)
    assert net.sharpness(thetas[0], X, y, n_iter=net.n_params) == pytest.approx(
        dense[0], rel=1e-10
    )


def test_bounce_statistics_of_a_bounce_along_the_top_eigenvector():
    from samlib.network import bounce_statistics

    H = np.diag([3.0, 2.5, 1.0])
    # GD on ½θᵀHθ with η just below 2/λ1: the e1 component flips sign each step,
    # while the other components decay without oscillating
    path = run_gd(lambda th: th @ H, np.array([1.0, 1.0, 1.0]), 0.66, 80)
    bounce = bounce_statistics(lambda th: H, path, window=20)
    assert bounce.flip_rate == 1.0
    assert bounce.mean_gap == pytest.approx(0.5)
    steps = np.diff(path[-21:], axis=0)
    np.testing.assert_allclose(np.abs(bounce.components), np.abs(steps[:, 0]))
    norms = np.linalg.norm(steps, axis=1)
    cosines = np.sum(steps[1:] * steps[:-1], axis=1) / (norms[1:] * norms[:-1])
    assert bounce.mean_cosine == pytest.approx(np.mean(cosines))
    assert bounce.mean_cosine < -0.99 and bounce.top2_share > 0.99
    # a path that goes straight on does not bounce
    straight = bounce_statistics(lambda th: H, np.outer(np.arange(30), [1, 0, 0]), 10)
    assert straight.flip_rate == 0.0 and straight.mean_cosine == pytest.approx(1.0)


def test_bounce_statistics_follow_the_top_eigenvector_continuously():
    from samlib.network import bounce_statistics

    def hessian(theta):  # diag(3, 1) turned by an angle that grows along the path
        phi = 0.3 + 2.5 * theta[1] / 6
        R = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
        return R @ np.diag([3.0, 1.0]) @ R.T

    path = np.stack([np.zeros(61), np.linspace(0, 6, 61)], axis=-1)  # straight on
    signs = [np.sign(np.linalg.eigh(hessian(t))[1][1, -1]) for t in path[:-1]]
    assert len(set(signs)) == 2  # numpy's eigenvector changes sign on the way ...
    bounce = bounce_statistics(hessian, path, window=60)
    assert bounce.flip_rate == 0.0  # ... the one followed continuously does not
    phi = 0.3 + 2.5 * path[:-1, 1] / 6
    np.testing.assert_allclose(np.abs(bounce.components), 0.1 * np.sin(phi), rtol=1e-12)
