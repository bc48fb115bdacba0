"""The SAM, USAM and GD steps and the runners (samlib.steps).

Each step is compared with its formula evaluated by hand in the test: eq. (2) for
SAM, eq. (3) for SAM on a quadratic, ``w - η∇ℓ(w + ρ∇ℓ(w))`` for USAM.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    DivergenceError,
    Quadratic,
    gd_step,
    noisy_gd_step,
    normalize,
    run_gd,
    run_noisy_gd,
    run_sam,
    run_usam,
    sam_ascent_point,
    sam_step,
    usam_step,
)
from samlib.objectives import paper_objective, product_loss

points2 = st.tuples(st.floats(-3, 3), st.floats(-3, 3)).map(np.array)
etas = st.floats(0.01, 0.5)
rhos = st.floats(0.0, 2.0)


def linear_grad(w):
    """A batched gradient that knows nothing of samlib's validation: ∇(½‖w‖²)."""
    return np.asarray(w, dtype=float).copy()


# --------------------------------------------------------------------------------------
# normalize


@given(
    g=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6).map(np.array),
    exponent=st.integers(-300, 300),
)
def test_normalize_has_unit_norm_and_the_direction_of_g(g, exponent):
    g = g * 10.0**exponent
    n = normalize(g)
    if np.all(g == 0):
        np.testing.assert_array_equal(n, 0.0)
    else:
        assert np.linalg.norm(n) == pytest.approx(1.0, rel=1e-14)
        # n is a positive multiple of g: the same signs (where a component is not
        # negligible next to the largest) and n * (g_k / n_k) = g
        big = np.abs(g) > 1e-250 * np.max(np.abs(g))
        assert np.all(np.sign(n[big]) == np.sign(g[big]))
        k = np.argmax(np.abs(g))
        np.testing.assert_allclose(
            n * (g[k] / n[k]), g, rtol=1e-13, atol=1e-13 * abs(g[k])
        )


def test_normalize_tiny_gradients_and_zero_rows():
    tiny = np.array([3e-200, -4e-200])
    np.testing.assert_allclose(normalize(tiny), [0.6, -0.8], rtol=1e-15)
    np.testing.assert_allclose(normalize(np.array([5e-324, 0.0])), [1.0, 0.0])
    batch = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, -1e-250]])
    np.testing.assert_allclose(normalize(batch), [[0, 0], [0.6, 0.8], [0, -1]])
    huge = np.array([3e200, 4e200])  # no overflow either
    np.testing.assert_allclose(normalize(huge), [0.6, 0.8], rtol=1e-15)


# --------------------------------------------------------------------------------------
# single steps


def sam_by_hand(w, grad, eta, rho):
    """Eq. (2): w - η ∇ℓ(w + ρ ∇ℓ(w)/‖∇ℓ(w)‖)."""
    g = grad(w)
    ascent = w + rho * g / np.sqrt(np.sum(g**2))
    return w - eta * grad(ascent)


@pytest.mark.parametrize("objective", [paper_objective, product_loss])
@given(w=points2, eta=etas, rho=rhos)
def test_sam_step_is_equation_2(objective, w, eta, rho):
    grad = objective().grad
    if np.linalg.norm(grad(w)) < 1e-6:
        return  # eq. (2) is undefined at stationary points (tested separately)
    expected = sam_by_hand(w, grad, eta, rho)
    np.testing.assert_allclose(sam_step(w, grad, eta, rho), expected, atol=1e-12)
    g = grad(w)
    np.testing.assert_allclose(
        sam_ascent_point(w, grad, rho), w + rho * g / np.linalg.norm(g), atol=1e-13
    )


@given(
    lams=st.lists(st.floats(0.05, 4.0), min_size=1, max_size=5),
    seed=st.integers(0, 2**32 - 1),
    eta=etas,
    rho=rhos,
)
def test_quadratic_sam_map_is_equation_3_and_equals_sam_step(lams, seed, eta, rho):
    lams = np.sort(lams)[::-1]
    q = Quadratic(lams)
    w = np.random.default_rng(seed).normal(size=(7, lams.size))
    by_hand = (
        1
        - eta * lams
        - eta * rho * lams**2 / np.linalg.norm(lams * w, axis=-1)[:, None]
    ) * w
    np.testing.assert_allclose(q.sam_map(w, eta, rho), by_hand, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(
        sam_step(w, q.grad, eta, rho), q.sam_map(w, eta, rho), rtol=1e-10, atol=1e-13
    )


@pytest.mark.parametrize("objective", [paper_objective, product_loss])
@given(w=points2, eta=etas)
def test_sam_with_rho_zero_is_gradient_descent(objective, w, eta):
    grad = objective().grad
    np.testing.assert_array_equal(sam_step(w, grad, eta, 0.0), gd_step(w, grad, eta))
    np.testing.assert_allclose(gd_step(w, grad, eta), w - eta * grad(w), atol=1e-15)


@pytest.mark.parametrize("objective", [paper_objective, product_loss])
@given(w=points2, eta=etas, rho=rhos)
def test_usam_step_formula(objective, w, eta, rho):
    grad = objective().grad
    expected = w - eta * grad(w + rho * grad(w))
    np.testing.assert_allclose(usam_step(w, grad, eta, rho), expected, atol=1e-12)


def test_usam_on_a_quadratic_is_linear():
    """USAM on ½wᵀΛw is w ↦ (I - ηΛ - ηρΛ²)w."""
    lams = np.array([2.0, 0.7, 0.1])
    q = Quadratic(lams)
    w = np.random.default_rng(4).normal(size=(5, 3))
    np.testing.assert_allclose(
        usam_step(w, q.grad, 0.1, 0.3),
        (1 - 0.1 * lams - 0.03 * lams**2) * w,
        rtol=1e-13,
    )


def test_sam_at_a_stationary_point_stays_put():
    # The quadratic at 0, the paper's loss at 0 and a minimum of the valley xy = 1:
    # ∇ℓ = 0 exactly, so (with 0/‖0‖ := 0) SAM does not move and makes no NaN.
    cases = [
        (Quadratic([1.0, 0.5]).grad, np.zeros(2)),
        (paper_objective().grad, np.zeros(2)),
        (product_loss().grad, np.array([2.0, 0.5])),
    ]
    for grad, w in cases:
        np.testing.assert_array_equal(grad(w), 0.0)
        np.testing.assert_array_equal(sam_step(w, grad, 0.2, 1.0), w)
        np.testing.assert_array_equal(sam_ascent_point(w, grad, 1.0), w)
        path = run_sam(grad, w, 0.2, 1.0, 5)
        assert np.all(np.isfinite(path))
        np.testing.assert_array_equal(path, np.broadcast_to(w, path.shape))


def test_steps_broadcast_parameters_against_the_batch():
    q = Quadratic([1.0, 0.5])
    w = np.array([[1.0, 2.0], [-0.5, 0.3], [0.2, -1.0]])
    eta = np.array([0.1, 0.2, 0.3])
    rho = 0.5
    out = sam_step(w, q.grad, eta, rho)
    for i in range(3):
        np.testing.assert_allclose(out[i], sam_step(w[i], q.grad, eta[i], rho))


def test_noisy_gd_step_with_zero_noise_is_gd_and_draws_from_rng():
    q = Quadratic([1.0, 0.5])
    w = np.array([1.0, -2.0])
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(
        noisy_gd_step(w, q.grad, 0.1, 0.0, rng), gd_step(w, q.grad, 0.1)
    )
    xi = np.random.default_rng(6).standard_normal(2)
    out = noisy_gd_step(w, q.grad, 0.1, 0.3, np.random.default_rng(6))
    np.testing.assert_allclose(out, w - 0.1 * (q.grad(w) + 0.3 * xi), rtol=1e-14)


# --------------------------------------------------------------------------------------
# runners


@pytest.mark.parametrize(
    "run, extra",
    [
        (run_sam, {"rho": 0.5}),
        (run_usam, {"rho": 0.5}),
        (run_gd, {}),
        (run_noisy_gd, {"sigma": 0.1, "seed": 0}),
    ],
    ids=["sam", "usam", "gd", "noisy_gd"],
)
def test_runner_shapes_and_first_row(run, extra):
    q = Quadratic([1.0, 0.5, 0.25])
    w0 = np.random.default_rng(7).normal(size=(4, 3))
    path = run(q.grad, w0, eta=0.1, n_steps=6, **extra)
    assert path.shape == (7, 4, 3)
    np.testing.assert_array_equal(path[0], w0)
    assert run(q.grad, w0[0], eta=0.1, n_steps=6, **extra).shape == (7, 3)
    zero = run(q.grad, w0, eta=0.1, n_steps=0, **extra)
    assert zero.shape == (1, 4, 3)
    np.testing.assert_array_equal(zero[0], w0)


def test_run_sam_broadcasts_w0_eta_rho_to_a_grid():
    q = Quadratic([1.0, 0.5])
    w0 = np.array([2.0, 2.0])
    eta = np.array([0.05, 0.1, 0.2])
    rho = np.array([[0.5], [1.0]])
    path = run_sam(q.grad, w0, eta, rho, 20)
    assert path.shape == (21, 2, 3, 2)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(
                path[:, i, j], run_sam(q.grad, w0, eta[j], rho[i, 0], 20), rtol=1e-12
            )
    # the same grid for USAM and noisy GD
    assert run_usam(q.grad, w0, eta, rho, 3).shape == (4, 2, 3, 2)
    assert run_noisy_gd(q.grad, w0, eta, rho, 3, seed=1).shape == (4, 2, 3, 2)


def test_batched_run_equals_per_row_runs():
    obj = paper_objective()
    rng = np.random.default_rng(8)
    w0 = rng.uniform(-2, 2, size=(5, 2))
    eta = rng.uniform(0.05, 0.2, size=5)
    rho = rng.uniform(0.1, 1.0, size=5)
    sam = run_sam(obj.grad, w0, eta, rho, 40)
    gd = run_gd(obj.grad, w0, eta, 40)
    usam = run_usam(obj.grad, w0, eta, rho, 40)
    for i in range(5):
        np.testing.assert_allclose(
            sam[:, i],
            run_sam(obj.grad, w0[i], eta[i], rho[i], 40),
            rtol=1e-10,
            atol=1e-13,
        )
        np.testing.assert_allclose(
            gd[:, i], run_gd(obj.grad, w0[i], eta[i], 40), rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(
            usam[:, i],
            run_usam(obj.grad, w0[i], eta[i], rho[i], 40),
            rtol=1e-10,
            atol=1e-13,
        )


@pytest.mark.parametrize("batch", [(37,), (5, 9)])
def test_large_batches_advanced_in_blocks_equal_the_row_by_row_steps(
    monkeypatch, batch
):
    """Blocks of rows (``BLOCK_ELEMENTS`` shrunk so that a small batch is split into
    many uneven blocks) give each row exactly the step it gets on its own, with
    per-row η and ρ."""
    from samlib import _runner

    monkeypatch.setattr(_runner, "BLOCK_ELEMENTS", 8)
    obj = paper_objective()
    rng = np.random.default_rng(9)
    w0 = rng.uniform(-2, 2, size=(*batch, 2))
    eta = rng.uniform(0.05, 0.2, size=batch)
    rho = rng.uniform(0.1, 1.0, size=batch[-1:])  # broadcast along the last axis
    rows = [np.unravel_index(i, batch) for i in range(int(np.prod(batch)))]
    for step in (sam_step, usam_step):
        stepped = step(w0, obj.grad, eta, rho)
        for i in rows:
            assert np.array_equal(stepped[i], step(w0[i], obj.grad, eta[i], rho[i[-1]]))
    assert np.array_equal(
        gd_step(w0, obj.grad, eta),
        np.array([gd_step(w0[i], obj.grad, eta[i]) for i in rows]).reshape(w0.shape),
    )
    path = run_sam(obj.grad, w0, eta, rho, 6)
    for i in rows:
        assert np.array_equal(
            path[(slice(None), *i)], run_sam(obj.grad, w0[i], eta[i], rho[i[-1]], 6)
        )
    # a scalar start swept over a grid of step sizes is also split into blocks
    grid = np.linspace(0.05, 0.3, 40)
    swept = run_gd(Quadratic([1.0, 0.5]).grad, [1.0, 1.0], grid, 3)
    np.testing.assert_allclose(swept[-1, :, 0], (1 - grid) ** 3, rtol=1e-14)
    np.testing.assert_allclose(swept[-1, :, 1], (1 - grid / 2) ** 3, rtol=1e-14)


def test_a_row_that_overflows_inside_a_step_diverges_alone():
    """An ascent point beyond the float range is not passed to the objective's
    gradient (which rejects non-finite points): that row is reported as diverged and
    the other rows are exactly their own runs."""
    loss = product_loss()
    w0 = np.array([[1.2, 0.9], [1e110, 1e110]])  # ∇ℓ overflows at the second row
    with pytest.raises(ValueError, match="w must be finite"):
        loss.grad(np.array([np.inf, 1.0]))
    with pytest.raises(DivergenceError, match="at step 1"):
        run_sam(loss.grad, w0, 0.2, 0.1, 5)
    path = run_sam(loss.grad, w0, 0.2, 0.1, 5, allow_divergence=True)
    assert np.isnan(path[1:, 1]).all()
    assert np.array_equal(path[:, 0], run_sam(loss.grad, w0[0], 0.2, 0.1, 5))
    assert np.array_equal(
        normalize(np.array([[3.0, 4.0], [1e-200, 0.0]]))[0], [0.6, 0.8]
    )


def test_run_sam_iterates_sam_step():
    obj = product_loss()
    w = np.array([1.7, 0.3])
    path = run_sam(obj.grad, w, 0.1, 0.2, 15)
    for t in range(15):
        w = sam_step(w, obj.grad, 0.1, 0.2)
        np.testing.assert_allclose(path[t + 1], w, rtol=1e-12)


def test_run_noisy_gd_is_reproducible_and_depends_on_the_seed():
    q = Quadratic([1.0, 0.5])
    w0 = np.array([[1.0, 1.0], [0.5, -0.5]])
    a = run_noisy_gd(q.grad, w0, 0.2, 0.3, 30, seed=11)
    b = run_noisy_gd(q.grad, w0, 0.2, 0.3, 30, seed=11)
    c = run_noisy_gd(q.grad, w0, 0.2, 0.3, 30, seed=12)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[1:], c[1:])
    gen = run_noisy_gd(q.grad, w0, 0.2, 0.3, 30, seed=np.random.default_rng(11))
    np.testing.assert_array_equal(gen, a)


def test_run_noisy_gd_with_zero_sigma_is_run_gd():
    obj = paper_objective()
    w0 = np.random.default_rng(9).uniform(-2, 2, size=(3, 2))
    np.testing.assert_array_equal(
        run_noisy_gd(obj.grad, w0, 0.2, 0.0, 25, seed=3), run_gd(obj.grad, w0, 0.2, 25)
    )


def test_noisy_gd_noise_statistics():
    """w_{t+1} - w_t = -η(∇ℓ(w_t) + σξ_t), ξ_t ~ N(0, I): over many rows the mean
    increment is -η∇ℓ within a few standard errors, the spread is ησ, and the
    coordinates and steps are uncorrelated."""
    n, eta, sigma = 20_000, 0.2, 0.5
    obj = paper_objective()
    w0 = np.random.default_rng(10).uniform(-1, 1, size=(n, 2))
    path = run_noisy_gd(obj.grad, w0, eta, sigma, 2, seed=2024)
    noise = np.concatenate(
        [
            (path[t + 1] - path[t] + eta * obj.grad(path[t])) / (eta * sigma)
            for t in range(2)
        ]
    )  # should be 2n independent standard normal pairs
    se = 1 / np.sqrt(noise.shape[0])
    assert np.all(np.abs(noise.mean(axis=0)) < 4 * se)
    # the standard error of a sample std is about 1/sqrt(2N)
    assert np.all(np.abs(noise.std(axis=0) - 1) < 4 * se / np.sqrt(2))
    assert abs(np.corrcoef(noise.T)[0, 1]) < 4 * se
    # the two steps use fresh draws
    first, second = noise[:n], noise[n:]
    assert abs(np.corrcoef(first[:, 0], second[:, 0])[0, 1]) < 4 / np.sqrt(n)


# --------------------------------------------------------------------------------------
# divergence


def test_divergence_raises_naming_the_step():
    # GD on ½w² with η = 3 multiplies w by -2 each step: 2^1024 overflows, so the
    # first non-finite iterate is w_1024.
    with pytest.raises(DivergenceError, match="at step 1024"):
        run_gd(linear_grad, [1.0], 3.0, 1100)
    with pytest.raises(DivergenceError, match="allow_divergence=True"):
        run_sam(linear_grad, [1.0, 1.0], 3.0, 0.1, 1100)
    path = run_gd(linear_grad, [1.0], 3.0, 1100, allow_divergence=True)
    assert path.shape == (1101, 1)
    first_bad = int(np.argmax(~np.isfinite(path[:, 0])))
    assert first_bad == 1024
    assert np.all(np.isfinite(path[:1024]))
    np.testing.assert_allclose(path[:1024, 0], (-2.0) ** np.arange(1024))


def test_allow_divergence_keeps_nonfinite_values_for_sam_and_usam():
    for run in (run_sam, run_usam):
        path = run(linear_grad, [1.0, -1.0], 3.0, 0.1, 1100, allow_divergence=True)
        assert not np.all(np.isfinite(path))
        assert np.all(np.isfinite(path[:10]))


def test_divergence_on_a_quadratic_raises_divergence_error():
    q = Quadratic([1.0])  # η = 3 ≥ 2/λ1: GD diverges
    with pytest.raises(DivergenceError, match="at step 1024"):
        run_gd(q.grad, [1.0], 3.0, 1100)
    path = run_gd(q.grad, [1.0], 3.0, 1100, allow_divergence=True)
    assert not np.all(np.isfinite(path))


def test_allow_divergence_keeps_the_rows_that_stay_finite():
    q = Quadratic([1.0])  # row 0: η = 0.5 converges; row 1: η = 3, w ← -2w overflows
    path = run_gd(q.grad, [1.0], np.array([0.5, 3.0]), 1100, allow_divergence=True)
    assert np.all(np.isfinite(path[:, 0]))
    np.testing.assert_allclose(path[:, 0, 0], 0.5 ** np.arange(1101), atol=1e-300)
    finite = np.isfinite(path[:, 1, 0])
    assert finite[:1024].all() and not finite[1024:].any()
    np.testing.assert_allclose(path[1023, 1, 0], (-2.0) ** 1023)
