"""Several outputs, the closed-form Hessian diagonal, batched Lanczos, Hutchinson's
trace and the batched trainer of samlib.network (Chapter 7.8).

Every derivative is checked against central finite differences or the dense Hessian,
the trainer against samlib's own runners (run_gd, run_sam, run_usam) on the network's
objective, and the estimators against numpy's eigvalsh and trace.
"""

import numpy as np
import pytest

import samlib.network as network
from samlib import run_gd, run_sam, run_usam
from samlib.network import (
    TwoLayerNet,
    hutchinson_trace,
    lanczos_top_eigenpair,
    train_networks,
)

ARCHITECTURES = [
    TwoLayerNet(3, 4, n_out=3),
    TwoLayerNet(2, 3, activation="linear", n_out=2),
    TwoLayerNet(3, 2, bias=False, n_out=4),
    TwoLayerNet(2, 3),
]
IDS = ["tanh-3out", "linear-2out", "tanh-nobias-4out", "tanh-1out"]


def data(net, n=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, net.d_in))
    shape = (n,) if net.n_out == 1 else (n, net.n_out)
    return X, rng.standard_normal(shape)


def random_theta(net, seed=1):
    return net.init(seed) + 0.3 * np.random.default_rng(seed + 1).standard_normal(
        net.n_params
    )


def central_jacobian(f, theta, h=1e-5):
    return np.stack(
        [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)],
        axis=-1,
    )


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_loss_is_the_formula(net):
    X, y = data(net)
    theta = random_theta(net)
    W1, b1, W2, b2 = net.unpack(theta)
    act = np.tanh if net.activation == "tanh" else (lambda z: z)
    hidden = act(X @ W1.T + b1)
    f = hidden @ W2.T + b2 if net.n_out > 1 else hidden @ W2 + b2
    np.testing.assert_allclose(net.predict(theta, X), f, rtol=1e-13)
    expected = 0.5 * np.mean(np.sum((f - y).reshape(len(X), -1) ** 2, axis=-1))
    assert net.loss(theta, X, y) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_gradient_hvp_and_hessian_against_finite_differences(net):
    X, y = data(net)
    theta = random_theta(net)
    fd_grad = central_jacobian(lambda t: np.array(net.loss(t, X, y)), theta, h=1e-6)
    np.testing.assert_allclose(net.grad(theta, X, y), fd_grad, atol=1e-8)
    jac = central_jacobian(lambda t: net.grad(t, X, y), theta)
    H = net.hessian(theta, X, y)
    np.testing.assert_allclose(H, jac, atol=1e-7)
    v = np.random.default_rng(3).standard_normal(net.n_params)
    np.testing.assert_allclose(net.hvp(theta, X, y, v), jac @ v, atol=1e-6)


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_hessian_diagonal_is_the_dense_diagonal(net):
    X, y = data(net)
    theta = random_theta(net)
    H = net.hessian(theta, X, y)
    diag = net.hessian_diagonal(theta, X, y)
    np.testing.assert_allclose(diag, np.diag(H), atol=1e-12)
    assert diag.sum() == pytest.approx(np.trace(H), rel=1e-12)


@pytest.mark.parametrize("net", ARCHITECTURES, ids=IDS)
def test_batches_of_parameters_inputs_and_targets_broadcast(net):
    X, _ = data(net)
    thetas = np.stack([random_theta(net, seed=s) for s in range(3)])
    ys = np.stack([data(net, seed=s)[1] for s in range(3)])  # one target set per θ
    vs = np.random.default_rng(9).standard_normal(thetas.shape)
    for method, args in [
        ("loss", ()),
        ("grad", ()),
        ("hessian_diagonal", ()),
        ("hvp", (vs,)),
    ]:
        batched = getattr(net, method)(thetas, X, ys, *args)
        single = [
            getattr(net, method)(t, X, yy, *(a[i] for a in args))
            for i, (t, yy) in enumerate(zip(thetas, ys, strict=True))
        ]
        np.testing.assert_allclose(batched, single, atol=1e-14, err_msg=method)
    # a batch of data sets, one per θ (mini-batches): rows equal single calls
    Xs = np.stack([data(net, seed=10 + s)[0] for s in range(3)])
    batched = net.grad(thetas, Xs, ys)
    for i in range(3):
        np.testing.assert_allclose(batched[i], net.grad(thetas[i], Xs[i], ys[i]))


def test_pack_and_unpack_with_several_outputs():
    net = TwoLayerNet(3, 4, n_out=5)
    assert net.n_params == 4 * 3 + 4 + 5 * 4 + 5
    theta = random_theta(net)
    W1, b1, W2, b2 = net.unpack(theta)
    assert W1.shape == (4, 3) and b1.shape == (4,)
    assert W2.shape == (5, 4) and b2.shape == (5,)
    np.testing.assert_array_equal(net.pack(W1, b1, W2, b2), theta)
    batch = np.stack([theta, 2 * theta])
    np.testing.assert_array_equal(net.pack(*net.unpack(batch)), batch)


def test_one_output_keeps_the_layout_and_initialisation_of_chapter_7():
    # θ = (W1, b1, w2, b2) and init draws W1 then w2 from one generator: the networks
    # of Chapters 7.5 and 7.6 are unchanged by the several-output extension.
    net = TwoLayerNet(2, 16)
    rng = np.random.default_rng(1)
    W1 = rng.standard_normal((16, 2)) / np.sqrt(2)
    w2 = rng.standard_normal(16) / 4
    expected = np.concatenate([W1.ravel(), np.zeros(16), w2, [0.0]])
    np.testing.assert_array_equal(net.init(1), expected)


def test_bad_targets_and_outputs_are_named():
    net = TwoLayerNet(2, 3, n_out=3)
    X, y = data(net)
    with pytest.raises(ValueError, match=r"y must have shape \(\.\.\., 6, 3\)"):
        net.loss(net.init(0), X, y[:, :2])
    with pytest.raises(ValueError, match="y must be finite"):
        net.grad(net.init(0), X, np.full_like(y, np.nan))
    with pytest.raises(ValueError, match="n_out"):
        TwoLayerNet(2, 3, n_out=0)


# -- Lanczos and Hutchinson ----------------------------------------------------------


def random_symmetric(dim, seed, spectrum=None):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    spectrum = rng.standard_normal(dim) if spectrum is None else np.asarray(spectrum)
    return Q @ np.diag(spectrum) @ Q.T


def test_batched_lanczos_gives_each_operator_its_top_eigenpair():
    Hs = np.stack([random_symmetric(12, s) for s in range(4)])
    lam, v = lanczos_top_eigenpair(
        lambda V: np.einsum("bij,bj->bi", Hs, V), 12, n_iter=12, batch_shape=(4,)
    )
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(Hs)[:, -1], rtol=1e-12)
    np.testing.assert_allclose(np.einsum("bij,bj->bi", Hs, v), lam[:, None] * v,
                               atol=1e-10)  # fmt: skip
    for b in range(4):  # the same as one call per operator
        lam_b, v_b = lanczos_top_eigenpair(lambda u, b=b: Hs[b] @ u, 12, n_iter=12)
        assert lam_b == pytest.approx(lam[b], rel=1e-13)
        np.testing.assert_allclose(v_b, v[b], atol=1e-9)


def test_lanczos_continues_past_an_invariant_krylov_space():
    # 3I: the first product is parallel to the start, the Krylov space is invariant at
    # once; an operator whose top eigenvalue is only reached after a restart...
    spectrum = np.r_[5.0, np.ones(7)]
    Hs = np.stack([3 * np.eye(8), random_symmetric(8, 0, spectrum)])
    lam, v = lanczos_top_eigenpair(
        lambda V: np.einsum("bij,bj->bi", Hs, V), 8, n_iter=8, batch_shape=(2,)
    )
    np.testing.assert_allclose(lam, [3.0, 5.0], rtol=1e-12)
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(Hs[1] @ v[1], 5.0 * v[1], atol=1e-9)


def test_lanczos_on_a_network_matches_the_dense_hessian():
    net = TwoLayerNet(3, 5, n_out=3)
    X, y = data(net, n=8)
    thetas = np.stack([random_theta(net, seed=s) for s in range(3)])
    lam, _ = lanczos_top_eigenpair(
        lambda V: net.hvp(thetas, X, y, V), net.n_params, n_iter=net.n_params,
        batch_shape=(3,),
    )  # fmt: skip
    dense = [np.linalg.eigvalsh(net.hessian(t, X, y))[-1] for t in thetas]
    np.testing.assert_allclose(lam, dense, rtol=1e-10)


def test_hutchinson_is_exact_on_diagonal_operators_and_unbiased_otherwise():
    H = np.diag([3.0, -5.0, 1.0, 2.0])
    trace, stderr = hutchinson_trace(lambda v: H @ v, 4, n_samples=5)
    assert (trace, stderr) == (1.0, 0.0)  # zᵀHz = Σ H_ii z_i² = tr H for z in {±1}ⁿ
    H = random_symmetric(30, 4)
    m = 4000
    trace, stderr = hutchinson_trace(lambda v: H @ v, 30, n_samples=m, seed=1)
    assert abs(trace - np.trace(H)) < 4 * stderr
    # the standard error is the one of the closed-form variance 2(‖H‖F² − Σ H_ii²)/m
    variance = 2 * (np.sum(H**2) - np.sum(np.diag(H) ** 2)) / m
    assert stderr**2 == pytest.approx(variance, rel=0.1)


def test_hutchinson_on_a_batch_of_networks_agrees_with_the_exact_trace():
    net = TwoLayerNet(3, 4, n_out=2)
    X, y = data(net, n=10)
    thetas = np.stack([random_theta(net, seed=s) for s in range(3)])
    trace, stderr = hutchinson_trace(
        lambda V: net.hvp(thetas, X, y, V), net.n_params, n_samples=400,
        batch_shape=(3,),
    )  # fmt: skip
    exact = net.hessian_diagonal(thetas, X, y).sum(axis=-1)
    assert np.all(np.abs(trace - exact) < 4 * stderr)
    assert np.all(stderr > 0)


def test_estimators_reject_bad_operators():
    with pytest.raises(ValueError, match=r"hvp\(v\) must return an array of shape"):
        lanczos_top_eigenpair(lambda v: v[:2], 3)
    with pytest.raises(ValueError, match="n_samples"):
        hutchinson_trace(lambda v: v, 3, n_samples=1)
    with pytest.raises(ValueError, match="batch_shape"):
        lanczos_top_eigenpair(lambda v: v, 3, batch_shape=(0,))


# -- the trainer -----------------------------------------------------------------------


def small_problem(n_out=2, runs=4):
    net = TwoLayerNet(3, 4, n_out=n_out)
    X, y = data(net, n=9)
    theta0 = np.stack([net.init(s) for s in range(runs)])
    return net, X, y, theta0


@pytest.mark.parametrize("n_out", [1, 3])
def test_full_batch_training_is_samlibs_gd_sam_and_usam(n_out):
    net, X, y, theta0 = small_problem(n_out)
    rho = np.array([0.0, 0.05, 0.1, 0.05])
    normalised = np.array([True, True, True, False])
    run = train_networks(net, X, y, theta0, eta=0.1, n_steps=40, rho=rho,
                         normalised=normalised, checkpoint_every=10)  # fmt: skip
    grad = net.objective(X, y).grad
    np.testing.assert_array_equal(run.steps, [0, 10, 20, 30, 40])
    gd = run_gd(grad, theta0[0], 0.1, 40)
    sam = run_sam(grad, theta0[1:3], 0.1, rho[1:3], 40)
    usam = run_usam(grad, theta0[3], 0.1, 0.05, 40)
    np.testing.assert_allclose(run.theta[:, 0], gd[::10], atol=1e-13)
    np.testing.assert_allclose(run.theta[:, 1:3], sam[::10], atol=1e-13)
    np.testing.assert_allclose(run.theta[:, 3], usam[::10], atol=1e-13)


def test_one_target_set_per_run():
    net, X, _, theta0 = small_problem(runs=3)
    ys = np.stack([data(net, n=9, seed=s)[1] for s in range(3)])
    run = train_networks(net, X, ys, theta0, eta=0.1, n_steps=20, rho=0.05)
    for r in range(3):
        alone = train_networks(net, X, ys[r], theta0[r : r + 1], eta=0.1,
                               n_steps=20, rho=0.05)  # fmt: skip
        np.testing.assert_allclose(run.final[r], alone.final[0], atol=1e-14)


def test_sgd_batches_are_per_run_and_a_full_batch_is_gd():
    net, X, y, theta0 = small_problem()
    full = train_networks(net, X, y, theta0, eta=0.1, n_steps=15)
    whole = train_networks(net, X, y, theta0, eta=0.1, n_steps=15, batch_size=9,
                           seed=3)  # fmt: skip
    np.testing.assert_allclose(whole.final, full.final, atol=1e-14)
    sgd = train_networks(net, X, y, theta0, eta=0.1, n_steps=15, batch_size=2, seed=3)
    first = train_networks(net, X, y, theta0[:2], eta=0.1, n_steps=15, batch_size=2,
                           seed=3)  # fmt: skip
    np.testing.assert_allclose(sgd.final[:2], first.final, atol=1e-14)
    assert not np.allclose(sgd.final, full.final)  # the batches matter...
    # ...and one SGD step is one GD step on the batch drawn for that run
    step = train_networks(net, X, y, theta0, eta=0.1, n_steps=1, batch_size=2, seed=3)
    for r in range(4):
        (idx,) = network._batches(9, 2, 1, 3, [r])[:, 0]
        assert len(set(idx)) == 2
        manual = theta0[r] - 0.1 * net.grad(theta0[r], X[idx], y[idx])
        np.testing.assert_allclose(step.final[r], manual, atol=1e-15)


def test_results_do_not_depend_on_the_block_size(monkeypatch):
    net, X, y, theta0 = small_problem(runs=5)
    kwargs = {"eta": 0.1, "n_steps": 10, "rho": [0, 0.1, 0.1, 0.05, 0.0]}
    reference = train_networks(net, X, y, theta0, **kwargs)
    monkeypatch.setattr(network, "BLOCK_ELEMENTS", 1)  # one run per block
    np.testing.assert_array_equal(
        train_networks(net, X, y, theta0, **kwargs).theta, reference.theta
    )


def test_trainer_rejects_bad_settings():
    net, X, y, theta0 = small_problem()
    train = train_networks
    with pytest.raises(ValueError, match=r"theta0 must have shape \(runs"):
        train(net, X, y, theta0[0], eta=0.1, n_steps=1)
    with pytest.raises(ValueError, match=r"rho must be a scalar or have shape \(4,\)"):
        train(net, X, y, theta0, eta=0.1, n_steps=1, rho=[0.1, 0.2])
    with pytest.raises(ValueError, match="rho must be finite and >= 0"):
        train(net, X, y, theta0, eta=0.1, n_steps=1, rho=-0.1)
    with pytest.raises(ValueError, match="eta must be a number > 0"):
        train(net, X, y, theta0, eta=0.0, n_steps=1)
    with pytest.raises(ValueError, match="batch_size must be <= n = 9"):
        train(net, X, y, theta0, eta=0.1, n_steps=1, batch_size=10, seed=0)
    with pytest.raises(TypeError, match="seed must be an int when batch_size"):
        train(net, X, y, theta0, eta=0.1, n_steps=1, batch_size=2)
    with pytest.raises(ValueError, match="one per run"):
        train(net, X, np.stack([y, y]), theta0, eta=0.1, n_steps=1)
    with pytest.raises(TypeError, match="TwoLayerNet"):
        train("net", X, y, theta0, eta=0.1, n_steps=1)
    with pytest.raises(
        ValueError, match=r"training diverged .* in runs \[0, 1, 2, 3\]"
    ):
        train(net, X, 1e3 * y, theta0, eta=500.0, n_steps=50)
