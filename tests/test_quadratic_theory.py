"""SAM on quadratics: Lemma 5, Theorems 1-2 (the 2-cycle) and Theorem 3's bound.

Throughout, ``v_t = Λ w_t`` is the gradient, and ``v_{t+1}`` is computed with samlib's
``sam_step`` (not with the constants under test), so each property of Lemma 5 checks
the constants of ``quadratic_constants`` against the actual SAM dynamics.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    Quadratic,
    cycle_distance,
    limit_cycle,
    quadratic_constants,
    run_sam,
    sam_step,
    theorem3_steps,
    theorem3_terms,
)


@st.composite
def lemma5_setups(draw, distinct=False, d_max=6):
    """λ1 ≥ ... ≥ λd > 0 (strictly decreasing if ``distinct``), η ∈ (0, 1/(2λ1)),
    ρ > 0 and a seed for the random vectors."""
    d = draw(st.integers(1, d_max))
    lam = draw(st.floats(0.1, 10.0))
    lams = [lam]
    for _ in range(d - 1):
        ratio = draw(st.floats(0.05, 0.98) if distinct else st.sampled_from([1.0, 0.5]))
        if not distinct and ratio != 1.0:
            ratio = draw(st.floats(0.05, 1.0))
        lams.append(lams[-1] * ratio)
    lams = np.array(lams)
    eta = draw(st.floats(0.01, 0.99)) / (2 * lams[0])
    rho = draw(st.floats(0.01, 10.0))
    seed = draw(st.integers(0, 2**32 - 1))
    return lams, eta, rho, seed


def next_gradient(v, lams, eta, rho):
    """v_{t+1} = Λ w_{t+1} with w_{t+1} = sam_step(w_t) and w_t = Λ⁻¹ v_t."""
    return lams * sam_step(v / lams, Quadratic(lams).grad, eta, rho)


def random_vectors(rng, d, norms):
    """Vectors with the given norms in uniformly random directions."""
    x = rng.standard_normal((len(norms), d))
    return x / np.linalg.norm(x, axis=-1, keepdims=True) * np.asarray(norms)[:, None]


# --------------------------------------------------------------------------------------
# Lemma 5


@given(setup=lemma5_setups())
def test_lemma5_constants_match_the_paper(setup):
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    gamma = eta * rho * lams**2 / (1 - eta * lams)
    beta = (1 - eta * lams) / (2 - eta * lams) * gamma
    a1 = (1 - eta * lams[0]) * gamma[0]
    alpha = (a1 + (1 - eta * lams) * gamma) / (1 - eta * lams[0] + 1 - eta * lams)
    np.testing.assert_allclose(c.gamma, gamma, rtol=1e-12)
    np.testing.assert_allclose(c.beta, beta, rtol=1e-12)
    np.testing.assert_allclose(c.alpha, alpha, rtol=1e-12)
    assert c.b == pytest.approx(a1, rel=1e-12)
    assert c.b == pytest.approx(eta * rho * lams[0] ** 2, rel=1e-12)


@given(setup=lemma5_setups())
def test_lemma5_part2_component_shrinks_iff_norm_exceeds_beta(setup):
    """v_{t+1,i}² < v_{t,i}² iff ‖v_t‖ > βi."""
    lams, eta, rho, seed = setup
    rng = np.random.default_rng(seed)
    beta = quadratic_constants(lams, eta, rho).beta
    # norms spread on both sides of every βi (log-uniform in [βd/4, 4β1])
    norms = np.exp(rng.uniform(np.log(beta[-1] / 4), np.log(4 * beta[0]), 300))
    v = random_vectors(rng, lams.size, norms)
    v_next = next_gradient(v, lams, eta, rho)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    shrinks = v_next**2 < v**2
    predicted = norm > beta
    # away from ties ‖v‖ ≈ βi, where round-off may decide, and from v_i ≈ 0
    clear = (np.abs(norm / beta - 1) > 1e-6) & (np.abs(v) > 1e-8 * norm)
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(shrinks[clear], predicted[clear])
    # both outcomes actually occur for the top component
    assert predicted[:, 0].any() and not predicted[:, 0].all()


@given(setup=lemma5_setups(distinct=True))
def test_lemma5_part3_first_component_gains_iff_norm_below_alpha(setup):
    """For λ1 > λ2: v²_{t+1,1}/v²_{t+1,i} > v²_{t,1}/v²_{t,i} iff ‖v_t‖ < αi."""
    lams, eta, rho, seed = setup
    if lams.size < 2:
        return
    rng = np.random.default_rng(seed)
    c = quadratic_constants(lams, eta, rho)
    norms = np.exp(rng.uniform(np.log(c.beta[-1] / 4), np.log(4 * c.alpha[0]), 300))
    v = random_vectors(rng, lams.size, norms)
    v_next = next_gradient(v, lams, eta, rho)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    gains = v_next[:, :1] ** 2 * v[:, 1:] ** 2 > v[:, :1] ** 2 * v_next[:, 1:] ** 2
    predicted = norm < c.alpha[1:]
    clear = (
        (np.abs(norm / c.alpha[1:] - 1) > 1e-6)
        & (np.abs(v[:, 1:]) > 1e-8 * norm)
        & (np.abs(v[:, :1]) > 1e-8 * norm)
        # also away from the zero of v_{t+1,i} at ‖v‖ = γi
        & (np.abs(norm / c.gamma[1:] - 1) > 1e-6)
        & (np.abs(norm / c.gamma[0] - 1) > 1e-6)
    )
    np.testing.assert_array_equal(gains[clear], predicted[clear])


@given(setup=lemma5_setups())
def test_lemma5_part4_ordering_of_the_constants(setup):
    """βd ≤ ... ≤ β1 ≤ αd ≤ ... ≤ α1 = γ1, β1 ≤ b, and β1 < αd (λd > 0)."""
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    tol = 1e-12 * c.gamma[0]
    assert np.all(np.diff(c.beta) <= tol)  # non-increasing in i
    assert np.all(np.diff(c.alpha) <= tol)
    assert c.beta[0] <= c.alpha[-1] + tol
    assert c.alpha[0] == pytest.approx(c.gamma[0], rel=1e-12)
    assert c.beta[0] <= c.b
    assert c.beta[0] < c.alpha[-1]


@given(setup=lemma5_setups())
def test_lemma5_part5_the_ball_of_radius_b_is_absorbing(setup):
    """‖v_t‖ ≤ b implies ‖v_{t+1}‖ ≤ b."""
    lams, eta, rho, seed = setup
    rng = np.random.default_rng(seed)
    b = quadratic_constants(lams, eta, rho).b
    norms = b * np.concatenate(
        [rng.uniform(0, 1, 200) ** (1 / lams.size), [1.0, 1 - 1e-12, 1e-6, 1e-3]]
    )
    v = random_vectors(rng, lams.size, norms)
    v_next = next_gradient(v, lams, eta, rho)
    assert np.all(np.linalg.norm(v_next, axis=-1) <= b * (1 + 1e-12))
    # starting on a coordinate axis, right at the boundary
    for i in range(lams.size):
        e = np.zeros(lams.size)
        e[i] = b
        assert np.linalg.norm(next_gradient(e, lams, eta, rho)) <= b * (1 + 1e-12)


# --------------------------------------------------------------------------------------
# Theorems 1-2: the 2-cycle


def test_limit_cycle_is_a_two_cycle_of_equation_3():
    lams, eta, rho = np.array([1.0, 0.5, 0.2]), 0.2, 1.0
    cyc = limit_cycle(lams, eta, rho)
    c = eta * rho * lams[0] / (2 - eta * lams[0])
    np.testing.assert_allclose(cyc, [[c, 0, 0], [-c, 0, 0]], rtol=1e-14)
    q = Quadratic(lams)
    np.testing.assert_allclose(q.sam_map(cyc[0], eta, rho), cyc[1], rtol=1e-13)
    np.testing.assert_allclose(q.sam_map(cyc[1], eta, rho), cyc[0], rtol=1e-13)
    # c = β1/λ1 (Lemma 5)
    beta1 = quadratic_constants(lams, eta, rho).beta[0]
    assert c == pytest.approx(beta1 / lams[0], rel=1e-14)


def test_cycle_distance():
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    c = 0.2 / 1.8
    w = np.array([[c, 0.0], [-c, 0.0], [0.0, 0.0], [c + 0.3, 0.4], [-c, -0.25]])
    np.testing.assert_allclose(
        cycle_distance(w, lams, eta, rho), [0, 0, c, 0.5, 0.25], atol=1e-15
    )
    assert cycle_distance(w, lams, eta, rho).shape == (5,)


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6])
def test_theorem2_sam_ends_on_the_two_cycle(d):
    """From 24 random Gaussian starts and 3 step sizes (a batched run of 1000 steps,
    about 0.1 s), SAM ends within 1e-9·c of ±c e1, c = ηρλ1/(2 - ηλ1), alternating
    sides."""
    n_steps = 1000
    rng = np.random.default_rng(1000 + d)
    lam1 = rng.uniform(0.5, 3.0)
    lams = np.sort(lam1 * rng.uniform(0.2, 0.8, d - 1))[::-1]
    lams = np.concatenate([[lam1], lams])
    assert np.all(np.diff(lams) < 0)
    etas = np.array([0.15, 0.3, 0.45]) / lam1  # all < 1/(2λ1)
    rho = rng.uniform(0.2, 2.0)
    w0 = rng.standard_normal((24, 1, d)) * rng.uniform(0.1, 5.0)
    path = run_sam(Quadratic(lams).grad, w0, etas, rho, n_steps)
    assert path.shape == (n_steps + 1, 24, 3, d)
    c = etas * rho * lam1 / (2 - etas * lam1)  # (3,)
    last, before = path[-1], path[-2]
    # the last two iterates are at ±c e1, on opposite sides
    np.testing.assert_allclose(
        np.abs(last[..., 0]), np.broadcast_to(c, (24, 3)), rtol=1e-9
    )
    np.testing.assert_allclose(last[..., 1:], 0.0, atol=1e-9 * c.min())
    assert np.all(np.sign(last[..., 0]) == -np.sign(before[..., 0]))
    # samlib's cycle_distance agrees (one step size at a time)
    for j, eta in enumerate(etas):
        dist = cycle_distance(path[-2:, :, j], lams, eta, rho)
        assert np.all(dist <= 1e-9 * c[j])


# --------------------------------------------------------------------------------------
# Theorem 3


def theorem3_by_hand(lams, eta, rho, eps, R, q, A, delta):
    """Theorem 3's four terms, transcribed from Section 4 of the paper."""
    lam1, lam2, lamd, d = lams[0], lams[1], lams[-1], len(lams)
    mu = min(eta * lamd, lam1**2 / lam2**2 - 1)
    L = max(math.log(R / (eta * rho * lam1)), 0.0)  # [log(R/(ηρλ1))]_+
    t1 = 6 * lam1**5 / (eta * lamd**6 * mu) * math.log(4 / (eta * lam1))
    t2 = (
        math.log(4 * (1 + eta * rho * lam1**2) ** 2 / (lamd**2 * eps**2))
        + math.log(R**2 / q)
    ) / mu
    if L > 0:
        inner = (
            math.log(2 * lam1 * R)
            + L
            * math.log(
                9
                * 6 ** (d + 3)
                * R**3
                / ((eta * lamd) ** (d + 3) * (eta * rho * lam1) ** 3)
            )
            / (eta * lamd)
            + math.log(
                4
                * math.pi ** (d / 2)
                * (4 * eta * rho * lam1**2) ** (d - 1)
                * L
                * A
                / (math.gamma(d / 2) * delta * eta * lamd)
            )
        )
        t3 = 2 * L / (eta * lamd * mu) * inner
    else:
        t3 = 0.0
    t4 = 6 / (eta * lam1) * math.log(2 * (1 + eta * rho * lam1**2) / (lamd * eps))
    return {
        "alignment": t1,
        "initial_ratio": t2,
        "early_descent": t3,
        "convergence": t4,
    }


@st.composite
def theorem3_setups(draw):
    lams, eta, rho, _ = draw(lemma5_setups(distinct=True, d_max=5))
    if lams.size < 2:
        lams = np.array([lams[0], lams[0] / 2])
    lam1 = lams[0]
    eps_max = min(
        math.sqrt(eta * lam1 / 2), 1 / (2 * rho * lam1), eta * rho * lam1**2 / 2
    )
    eps = eps_max * draw(st.floats(1e-6, 0.99))
    R = draw(st.floats(0.1, 100.0))
    q = R**2 * draw(st.floats(1e-4, 1.0))  # consistent: w_{0,1}² ≤ ‖w0‖² ≤ R²
    # a density bounded by A must reach 1 - δ on the ball of radius R
    d = lams.size
    ball = math.pi ** (d / 2) / math.gamma(d / 2 + 1) * R**d
    A = draw(st.floats(1.0, 100.0)) / ball
    delta = draw(st.floats(1e-6, 0.5))
    return lams, eta, rho, eps, R, q, A, delta


@given(args=theorem3_setups())
def test_theorem3_terms_match_an_independent_transcription(args):
    terms = theorem3_terms(*args)
    expected = theorem3_by_hand(*args)
    assert set(terms) == set(expected)
    for name, value in expected.items():
        assert terms[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name
    total = theorem3_steps(*args)
    assert math.isfinite(total) and total > 0
    assert total == pytest.approx(sum(expected.values()), rel=1e-9)


def test_theorem3_terms_are_finite_and_positive_on_examples():
    cases = [
        ([1.0, 0.5], 0.2, 1.0, 1e-3, 3.0, 1.0, 0.25, 0.01),
        ([2.0, 1.0, 0.5], 0.1, 0.5, 1e-4, 10.0, 0.5, 1e-3, 0.05),
        ([1.0, 0.9, 0.8, 0.1], 0.4, 2.0, 1e-2, 0.05, 1e-3, 1e5, 0.1),  # R small: L = 0
    ]
    for args in cases:
        terms = theorem3_terms(*args)
        for name, value in terms.items():
            assert math.isfinite(value) and value >= 0, name
        assert terms["alignment"] > 0 and terms["convergence"] > 0
        assert theorem3_steps(*args) > 0


def test_theorem3_early_descent_vanishes_when_R_is_within_the_cycle_scale():
    # L = [log(R/(ηρλ1))]_+ = 0 when R ≤ ηρλ1 = 0.2
    terms = theorem3_terms([1.0, 0.5], 0.2, 1.0, 1e-3, 0.2, 0.01, 10.0, 0.01)
    assert terms["early_descent"] == 0.0


def test_theorem3_steps_grow_as_eps_shrinks():
    base = dict(lams=[1.0, 0.5], eta=0.2, rho=1.0, R=3.0, q=1.0, A=0.25, delta=0.01)
    eps_values = [0.09, 1e-2, 1e-3, 1e-6, 1e-12]
    steps = [theorem3_steps(eps=e, **base) for e in eps_values]
    assert all(a < b for a, b in itertools.pairwise(steps))
    # only two terms depend on ε, each through -log ε: ε → ε/10 adds
    # (2/μ + 6/(ηλ1)) log 10 steps with μ = min(ηλd, λ1²/λ2² - 1) = 0.1
    gain = theorem3_steps(eps=1e-4, **base) - theorem3_steps(eps=1e-3, **base)
    assert gain == pytest.approx((2 / 0.1 + 6 / 0.2) * math.log(10), rel=1e-9)


def test_theorem3_bound_exceeds_the_measured_number_of_steps():
    """Starts uniform on [1, 2] × [-2, 2]: ‖w0‖ ≤ √8 < R = 3, w_{0,1}² ≥ q = 1 and
    density A = 1/4 (δ may be anything). Measure, over 64 starts and 2000 steps, the
    step after which every iterate is ε-close to the 2-cycle."""
    lams, eta, rho, eps = [1.0, 0.5], 0.2, 1.0, 1e-3
    rng = np.random.default_rng(33)
    w0 = np.column_stack([rng.uniform(1, 2, 64), rng.uniform(-2, 2, 64)])
    path = run_sam(Quadratic(lams).grad, w0, eta, rho, 2000)
    far = cycle_distance(path, lams, eta, rho) > eps  # (T, 64)
    assert not far[-50:].any(), "the runs have not converged; run longer"
    measured = int(np.max(np.where(far.any(axis=1))[0])) + 1
    bound = theorem3_steps(lams, eta, rho, eps, R=3.0, q=1.0, A=0.25, delta=0.01)
    assert 0 < measured <= bound


# --------------------------------------------------------------------------------------
# Theorem 2 is about almost every start: the exceptional set is visible


def test_a_start_on_the_second_axis_never_reaches_the_cycle():
    """w0 ∈ span{e2} stays there (the first component stays 0): the measure-zero
    exception of Theorem 2. SAM then cycles at ±β2/λ2 e2, a saddle of J."""
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    path = run_sam(Quadratic(lams).grad, [0.0, 2.0], eta, rho, 500)
    np.testing.assert_array_equal(path[:, 0], 0.0)
    c2 = eta * rho * 0.5 / (2 - eta * 0.5)
    np.testing.assert_allclose(np.abs(path[-2:, 1]), c2, rtol=1e-9)
    assert np.all(cycle_distance(path[-2:], lams, eta, rho) > 0.05)
