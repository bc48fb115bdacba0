"""SAM's variants of Chapter 7 (samlib.variants): momentum and stochastic SAM.

Each variant is checked to reduce to :func:`samlib.sam_step` / :func:`samlib.run_sam`
in the limit where it should (β = 0, a batch of all examples). Their stability
thresholds are tested with the other edges, in ``test_stability.py``.
"""

import itertools

import numpy as np
import pytest
from hypothesis import strategies as st

from samlib import (
    DivergenceError,
    Quadratic,
    limit_cycle,
    run_sam,
    sam_step,
)
from samlib.objectives import paper_objective, product_loss
from samlib.variants import (
    bounce_average,
    momentum_cycle,
    momentum_sam_step,
    run_momentum_sam,
    run_stochastic_sam,
    stochastic_sam_step,
)

positive = st.floats(min_value=1e-3, max_value=1e3)


# --- momentum ----------------------------------------------------------------------


def test_momentum_zero_is_sam():
    loss = paper_objective()
    w0 = np.array([1.0, 1.0])
    np.testing.assert_allclose(
        run_momentum_sam(loss.grad, w0, 0.2, 1.0, 0.0, 100),
        run_sam(loss.grad, w0, 0.2, 1.0, 100),
        rtol=1e-13,
        atol=1e-15,
    )


def test_one_momentum_step_from_an_empty_buffer_is_a_sam_step():
    loss = product_loss()
    w = np.array([[2.0, 0.7], [-0.5, 1.5]])
    w_next, m_next = momentum_sam_step(w, np.zeros(2), loss.grad, 0.1, 0.3, 0.9)
    np.testing.assert_allclose(w_next, sam_step(w, loss.grad, 0.1, 0.3), rtol=1e-14)
    np.testing.assert_allclose(m_next, (w - w_next) / 0.1, rtol=1e-12)


def test_momentum_step_is_the_heavy_ball_formula():
    loss = paper_objective()
    w, m = np.array([0.3, -1.2]), np.array([0.5, 0.25])
    eta, rho, beta = 0.2, 0.5, 0.7
    g = loss.grad(w)
    sam_grad = loss.grad(w + rho * g / np.linalg.norm(g))
    w_next, m_next = momentum_sam_step(w, m, loss.grad, eta, rho, beta)
    np.testing.assert_allclose(m_next, beta * m + sam_grad, rtol=1e-14)
    np.testing.assert_allclose(w_next, w - eta * (beta * m + sam_grad), rtol=1e-14)
    path = run_momentum_sam(loss.grad, w, eta, rho, beta, 1, m0=m)
    np.testing.assert_allclose(path[1], w_next, rtol=1e-14)


def test_momentum_runner_broadcasts_beta():
    loss = product_loss()
    betas = np.array([0.0, 0.5, 0.9])
    batch = run_momentum_sam(loss.grad, [2.0, 0.6], 0.05, 0.1, betas, 50)
    assert batch.shape == (51, 3, 2)
    for k, beta in enumerate(betas):
        single = run_momentum_sam(loss.grad, [2.0, 0.6], 0.05, 0.1, beta, 50)
        np.testing.assert_allclose(batch[:, k], single, rtol=1e-13)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.6, 0.9])
def test_the_momentum_cycle_is_a_2_cycle(beta):
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    cycle = momentum_cycle(lams, eta, rho, beta)
    c = cycle[0, 0]
    assert c == pytest.approx(eta * rho / (2 * (1 + beta) - eta))
    path = run_momentum_sam(
        Quadratic(lams).grad, cycle[0], eta, rho, beta, 6, m0=-2 * cycle[0] / eta
    )
    np.testing.assert_allclose(path[::2], np.tile(cycle[0], (4, 1)), atol=1e-14)
    np.testing.assert_allclose(path[1::2], np.tile(cycle[1], (3, 1)), atol=1e-14)


def test_momentum_cycle_at_beta_zero_is_theorem_2s_cycle():
    np.testing.assert_allclose(
        momentum_cycle([2.0, 1.0, 0.5], 0.1, 0.3, 0.0),
        limit_cycle([2.0, 1.0, 0.5], 0.1, 0.3),
        rtol=1e-14,
    )


def test_small_momentum_reaches_the_cycle_from_a_generic_start():
    lams, eta, rho, beta = [1.0, 0.5], 0.2, 1.0, 0.1
    path = run_momentum_sam(Quadratic(lams).grad, [2.0, 1.5], eta, rho, beta, 800)
    c = momentum_cycle(lams, eta, rho, beta)[0, 0]
    np.testing.assert_allclose(np.abs(path[-4:, 0]), c, rtol=1e-8)
    np.testing.assert_allclose(path[-4:, 1], 0.0, atol=1e-8)


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5])
def test_momentum_outside_zero_one_is_rejected(beta):
    loss = product_loss()
    with pytest.raises(ValueError, match=r"β|beta"):
        run_momentum_sam(loss.grad, [1.0, 1.0], 0.1, 0.1, beta, 5)
    with pytest.raises(ValueError, match=r"β|beta"):
        momentum_cycle([1.0], 0.1, 0.1, beta)


def test_momentum_cycle_needs_a_stable_step():
    with pytest.raises(ValueError, match=r"2\(1 \+ β\)"):
        momentum_cycle([10.0], 0.5, 0.1, 0.2)


def test_momentum_divergence_is_reported():
    with pytest.raises(DivergenceError, match="diverged"):
        run_momentum_sam(Quadratic([1.0]).grad, [1.0], 5.0, 0.1, 0.5, 2000)


def test_diverging_rows_become_nan_while_the_others_go_on():
    # η = 0.2 is stable on ½w², η = 5 is not: one call, two step sizes.
    path = run_momentum_sam(
        Quadratic([1.0]).grad,
        [1.0],
        np.array([0.2, 5.0]),
        0.1,
        0.5,
        2000,
        allow_divergence=True,
    )
    assert np.all(np.isfinite(path[:, 0])) and np.isnan(path[-1, 1]).all()
    first = np.argmax(~np.isfinite(path[:, 1, 0]))
    assert first > 0 and np.isnan(path[first:, 1]).all()
    with pytest.raises(DivergenceError):
        run_stochastic_sam(lambda w, idx: 50.0 * w, 2, [1.0], 0.1, 0.0, 1000, seed=0)
    nan_path = run_stochastic_sam(
        lambda w, idx: 50.0 * w,
        2,
        [1.0],
        0.1,
        0.0,
        1000,
        seed=0,
        allow_divergence=True,
    )
    assert np.isnan(nan_path[-1]).all()


# --- stochastic SAM ----------------------------------------------------------------

# Least squares with three examples: ℓ_i(w) = ½(<a_i, w> - y_i)², L = mean of ℓ_i.
A = np.array([[1.0, 0.5], [-0.3, 1.0], [0.8, -0.6]])
Y = np.array([1.0, -0.5, 0.3])


def example_grad(w, idx):
    a, y = A[idx], Y[idx]
    r = a @ w - y
    return r @ a / len(idx)


def full_grad(w):
    return example_grad(w, np.arange(len(Y)))


def test_a_batch_of_all_examples_is_full_batch_sam():
    w0 = np.array([2.0, -1.0])
    np.testing.assert_allclose(
        run_stochastic_sam(example_grad, 3, w0, 0.3, 0.2, 60, seed=4, batch_size=3),
        run_sam(full_grad, w0, 0.3, 0.2, 60),
        rtol=1e-12,
        atol=1e-14,
    )
    np.testing.assert_allclose(
        stochastic_sam_step(w0, example_grad, [2, 0, 1], 0.3, 0.2),
        sam_step(w0, full_grad, 0.3, 0.2),
        rtol=1e-14,
    )


def test_batch_size_one_takes_a_sam_step_on_one_example_each_time():
    path = run_stochastic_sam(example_grad, 3, [2.0, -1.0], 0.3, 0.2, 40, seed=1)
    for w, w_next in itertools.pairwise(path):
        candidates = [
            sam_step(w, lambda u, i=i: example_grad(u, [i]), 0.3, 0.2) for i in range(3)
        ]
        assert min(np.abs(c - w_next).max() for c in candidates) < 1e-14


def test_stochastic_sam_is_reproducible_from_its_seed():
    args = (example_grad, 3, [2.0, -1.0], 0.3, 0.2, 30)
    np.testing.assert_array_equal(
        run_stochastic_sam(*args, seed=7), run_stochastic_sam(*args, seed=7)
    )
    assert not np.allclose(
        run_stochastic_sam(*args, seed=7), run_stochastic_sam(*args, seed=8)
    )
    two = run_stochastic_sam(*args, seed=7, batch_size=2)
    assert two.shape == (31, 2)


def test_stochastic_sam_checks_its_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        run_stochastic_sam(
            example_grad, 3, [0.0, 0.0], 0.1, 0.1, 5, seed=0, batch_size=4
        )
    with pytest.raises(TypeError, match="seed"):
        run_stochastic_sam(example_grad, 3, [0.0, 0.0], 0.1, 0.1, 5, seed=None)
    with pytest.raises(ValueError, match="eta"):
        run_stochastic_sam(example_grad, 3, [0.0, 0.0], -0.1, 0.1, 5, seed=0)


# --- what Chapter 7.3 measures --------------------------------------------------------


def test_drift_factor_is_one_without_momentum_and_the_closed_form_with_it():
    from samlib.variants import momentum_drift_factor

    assert momentum_drift_factor(0.0, 5.0, 0.05) == 1.0
    betas = np.array([0.2, 0.5, 0.9])
    cycle = np.array([momentum_cycle([5.0], 0.05, 1.0, b)[0, 0] for b in betas])
    # F(β) = ((c_β + ρ)/(c_0 + ρ))²/(1 - β): the ascent point's distance, squared,
    # times the momentum's sum 1/(1 - β) of a force that does not alternate
    c0 = momentum_cycle([5.0], 0.05, 1.0, 0.0)[0, 0]
    expected = ((cycle + 1.0) / (c0 + 1.0)) ** 2 / (1 - betas)
    np.testing.assert_allclose(momentum_drift_factor(betas, 5.0, 0.05), expected)
    with pytest.raises(ValueError, match="β < 1"):
        momentum_drift_factor(1.0, 5.0, 0.05)


def test_orbit_periods_of_cycles_of_known_periods():
    from samlib.variants import orbit_periods

    t = np.arange(48)[:, None]
    orbits = {
        1: np.zeros((48, 1)),
        2: (-1.0) ** t,
        4: np.cos(np.pi * t / 2),
        6: np.cos(np.pi * t / 3) + 0.1 * (-1.0) ** t,
        0: np.cos(0.1 * t),  # quasi-periodic: no period ≤ 24
    }
    tail = np.stack([np.broadcast_to(o, (48, 1)) for o in orbits.values()], axis=1)
    np.testing.assert_array_equal(orbit_periods(tail), list(orbits))
    # the 2-cycle of SAM with momentum is found as period 2
    cycle = momentum_cycle([1.0, 0.5], 0.2, 1.0, 0.5)
    path = run_momentum_sam(
        Quadratic([1.0, 0.5]).grad, cycle[0], 0.2, 1.0, 0.5, 60, m0=-2 * cycle[0] / 0.2
    )
    assert orbit_periods(path[-30:, None])[0] == 2
    with pytest.raises(ValueError, match="max_period"):
        orbit_periods(tail[:10])


def test_bounce_average_is_the_mean_of_consecutive_steps():
    rng = np.random.default_rng(0)
    values = rng.standard_normal((7, 3, 2))
    averaged = bounce_average(values)
    assert averaged.shape == (6, 3, 2)
    for t in range(6):
        np.testing.assert_allclose(averaged[t], 0.5 * (values[t] + values[t + 1]))
    # on an exact 2-cycle of a ± b the average is a at every step
    cycle = 2.0 + 0.5 * (-1.0) ** np.arange(10)
    np.testing.assert_array_equal(bounce_average(cycle), np.full(9, 2.0))
    with pytest.raises(ValueError, match="two steps"):
        bounce_average([1.0])
