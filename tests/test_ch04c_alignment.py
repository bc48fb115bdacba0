"""Chapters 4.4-4.5 (book/04c_alignment.ipynb): Lemmas 13-20, Theorem 3 and the
passage Theorem 3 => Theorem 1 => Theorem 2.

The checks the chapter makes on its 400 runs that moved out of the notebook (Lemma 14's
chain with the measured counts, Lemma 16's contraction and sign flips, Lemma 18 where
its hypotheses hold, Lemma 20) run here on the same runs. The samlib functions the
chapter calls are checked against loops, closed forms and SAM's own iterates.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    Quadratic,
    cycle_distance,
    plotting,
    proof,
    quadratic_constants,
    run_sam,
    theorem3_steps,
    theorem3_terms,
)

# The chapter's running example, its seed and its 400 runs of 300 steps.
LAMS, ETA, RHO, SEED = np.array([1.0, 0.6, 0.35, 0.2]), 0.2, 1.0, 2023


@pytest.fixture(scope="module")
def runs():
    return proof.ball_runs(LAMS, ETA, RHO, n=400, radius=5.0, n_steps=300, seed=SEED)


@st.composite
def setups(draw, d_max=4, ratio_min=0.3):
    """λ1 > λ2 > ... > λd > 0, η = frac/(2λ1), ρ > 0, a seed."""
    d = draw(st.integers(2, d_max))
    lams = [draw(st.floats(0.2, 3.0))]
    for _ in range(d - 1):
        lams.append(lams[-1] * draw(st.floats(ratio_min, 0.95)))
    eta = draw(st.floats(0.1, 0.98)) / (2 * lams[0])
    return np.array(lams), eta, draw(st.floats(0.1, 3.0)), draw(st.integers(0, 2**32))


# ------------------------------------------- the chapter's own claims, moved here


def test_the_chapters_lemma14_chain_with_measured_counts(runs):
    """Over 60 steps from T0, the log off-axis ratio is at most the chain of
    per-step factors with the measured numbers of good and failing steps."""
    steps = proof.lemma14_classify(runs.V, LAMS, ETA, RHO)
    t = np.arange(300)[:, None]
    window = (t >= runs.T0) & (t < runs.T0 + 60)
    ok = np.all(np.isfinite(steps.growth) | ~window, axis=0)
    n_bad = (window & ~steps.shrinks).sum(axis=0)
    r_end = proof.offaxis_ratio(runs.V[runs.T0 + 60, np.arange(400)])
    bound = proof.lemma14_log_ratio_bound(LAMS, ETA, RHO, runs.ratio0, 60, n_bad)
    assert np.all(np.log(r_end[ok]) <= bound[ok])
    assert ok.mean() > 0.9


def test_the_chapters_lemma16_contraction_and_sign_flips(runs):
    c = quadratic_constants(LAMS, ETA, RHO)
    V, beta1, x1 = runs.V, c.beta[0], ETA * LAMS[0]
    s, delta = proof.s_t(V), proof.delta_t(V)
    gap = np.abs(V[..., 0] - s * beta1)  # |v_{t,1} - s_t β1|
    contraction = (1 - x1) * (gap[:-1] + c.gamma[0] * delta[:-1])
    assert np.all(gap[1:] <= contraction * (1 + 1e-12) + 1e-15 * beta1)  # (10)
    condition = (runs.norms[:-1] <= c.b) & (delta[:-1] <= x1 * beta1 / (2 * c.gamma[0]))
    assert np.all(s[1:][condition] == -s[:-1][condition])
    in_ball = (runs.norms[:-1] <= c.b) & (V[:-1, :, 0] != 0)
    assert np.any(in_ball & ~condition)  # steps with a large δ exist...
    assert np.all(s[1:][in_ball] == -s[:-1][in_ball])  # ...and the sign flips there too
    # the paper's (9) fails at some in-ball steps; its one-sided form holds at all
    inside = runs.norms <= c.b
    assert np.any(gap[inside] > (1 - x1) * beta1)
    assert np.all((s * V[..., 0] - beta1)[inside] <= (1 - x1) * beta1 * (1 + 1e-12))


@pytest.mark.parametrize("eps", [0.05, 0.01, 0.001])
def test_the_chapters_lemma18_where_its_hypotheses_hold(runs, eps):
    c = quadratic_constants(LAMS, ETA, RHO)
    V, s = runs.V, proof.s_t(runs.V)
    hyp = (np.abs(V[..., 0] - s * c.beta[0]) <= eps) & (proof.delta_t(V) <= eps**2)
    assert hyp.sum() > 1000
    e1 = np.eye(LAMS.size)[0]
    own_side = np.linalg.norm(V - s[..., None] * c.beta[0] * e1, axis=-1)
    assert np.all(own_side[hyp] <= proof.lemma18_bound(LAMS, ETA, RHO, eps))


def test_the_chapters_lemma20_at_every_step_and_both_signs(runs):
    beta1, e1 = quadratic_constants(LAMS, ETA, RHO).beta[0], np.eye(LAMS.size)[0]
    for sign in (-1.0, 1.0):
        left = np.linalg.norm(runs.W - sign * beta1 / LAMS[0] * e1, axis=-1)
        right = np.linalg.norm(runs.V - sign * beta1 * e1, axis=-1) / LAMS[-1]
        assert np.all(left <= right * (1 + 1e-12))


# ----------------------------------------------------------------------- Lemma 14


def _classify_by_loop(V, lams, eta, rho):
    mu = proof.lemma14_mu(lams, eta)
    beta1 = quadratic_constants(lams, eta, rho).beta[0]
    threshold = proof.lemma14_threshold(lams, eta)
    T, n = V.shape[0] - 1, V.shape[1]
    shrinks, below = np.zeros((T, n), bool), np.zeros((T, n), bool)
    for t in range(T):
        for k in range(n):
            now, nxt = V[t, k], V[t + 1, k]
            shrinks[t, k] = all(
                nxt[i] ** 2 / nxt[0] ** 2 < now[i] ** 2 / now[0] ** 2 / (1 + mu) ** 2
                for i in range(1, lams.size)
            )
            below[t, k] = np.linalg.norm(now) / beta1 < threshold
    return shrinks, below


@given(setup=setups())
def test_lemma14_classify_matches_a_loop_and_the_equivalence_holds(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    w0 = proof.sample_ball(6, lams.size, 4 * c.b / lams[-1], seed)
    V = lams * run_sam(Quadratic(lams).grad, w0, eta, rho, 40)
    steps = proof.lemma14_classify(V, lams, eta, rho)
    shrinks, below = _classify_by_loop(V, lams, eta, rho)
    d = steps.decided
    np.testing.assert_array_equal(steps.shrinks[d], shrinks[d])
    np.testing.assert_array_equal(steps.below, below)
    np.testing.assert_array_equal(steps.shrinks[d], steps.below[d])  # Lemma 14


def test_lemma14_equivalence_fails_with_a_zero_component():
    zero = proof.lemma14_classify([[0.1, 0.0], [-0.1, 0.0]], [1.0, 0.5], 0.2, 1.0)
    assert zero.below[0] and not zero.shrinks[0] and not zero.decided[0]


@given(setup=setups(), radius=st.floats(1.0, 1e4))
def test_lemma14_bound_counted_from_T0_holds_at_every_step(setup, radius):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    R = radius * c.b
    steps = math.ceil(proof.lemma6_descent_time(lams, eta, rho, lams[0] * R)) + 60
    runs = proof.ball_runs(lams, eta, rho, 8, R, steps, seed)
    for k in np.flatnonzero(np.isfinite(runs.ratio0)):  # v_{T0,1} has not underflowed
        T0 = runs.T0[k]
        N = np.arange(min(60, steps - T0))
        with np.errstate(divide="ignore"):
            log_delta = np.log(proof.delta_t(runs.V[T0 + N, k]))
        bound = proof.lemma14_log_ratio_bound(lams, eta, rho, runs.ratio0[k], N)
        assert np.all(log_delta <= bound - math.log(2) + 1e-9)


def test_lemma14_log_ratio_bound_is_the_formula():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    mu, T1 = proof.lemma14_mu(lams, eta), proof.lemma14_T1(lams, eta, rho)
    expected = -2 * (30 - T1) * math.log(1 + mu) + 2 * T1 * math.log(2 / 0.2) + 1.0
    got = proof.lemma14_log_ratio_bound(lams, eta, rho, math.e, 30)
    assert got == pytest.approx(expected)
    worst = proof.lemma14_bad_step_factor(lams, eta, rho)
    expected = -2 * 27 * math.log(1 + mu) + 3 * math.log(worst) + 1.0
    assert proof.lemma14_log_ratio_bound(
        lams, eta, rho, math.e, 30, 3
    ) == pytest.approx(expected)


def test_the_printed_lemma14_fails_for_a_far_start():
    far = proof.runs_from([1.0, 0.83], 0.49, 1.0, [1e60, 1e60], 330)
    T0 = int(far.T0[0])
    printed = proof.lemma14_log_ratio_bound(
        [1.0, 0.83], 0.49, 1.0, far.ratio0[0], T0 - 1
    )
    assert proof.delta_t(far.V[T0, 0]) > math.exp(printed - math.log(2)) * 1e10


# ------------------------------------------------------------- Lemmas 17 and 19


@given(setup=setups(), ratio=st.floats(1e-300, 1e300))
def test_step_counts_are_never_negative_and_positive_parts_of_the_printed(setup, ratio):
    lams, eta, rho, _ = setup
    eps14 = 0.01
    eps17 = 0.5 * proof.lemma17_eps_max(lams, eta, rho)
    eps19 = 0.5 * proof.lemma19_eps_max(lams, eta, rho)
    assert proof.lemma14_steps(lams, eta, rho, eps14, ratio) >= 0
    for lemma, eps in ((proof.lemma17_steps, eps17), (proof.lemma19_steps, eps19)):
        box, printed = (
            lemma(lams, eta, rho, eps, ratio),
            lemma(lams, eta, rho, eps, ratio, printed=True),
        )
        tail = (
            6
            / (eta * lams[0])
            * math.log(
                1 / eps
                if lemma is proof.lemma17_steps
                else 2 * (1 + quadratic_constants(lams, eta, rho).beta[0]) / eps
            )
        )
        assert box == pytest.approx(
            max(printed - tail, 0.0) + tail, rel=1e-12, abs=1e-9
        )
        assert box >= tail > 0


def _settle_by_loop(ok):
    """First t after which ``ok`` holds for good (−1 if it fails at the end)."""
    out = []
    for k in range(ok.shape[1]):
        if not ok[-1, k]:
            out.append(-1)
            continue
        t = ok.shape[0]
        while t > 0 and ok[t - 1, k]:
            t -= 1
        out.append(t)
    return np.array(out)


def test_lemmas17_19_settling_matches_loops(runs):
    c = quadratic_constants(LAMS, ETA, RHO)
    V, beta1, eps = runs.V[:, :40], c.beta[0], 0.01
    s = np.sign(V[..., 0])
    flips = np.vstack([s[1:] == -s[:-1], np.ones((1, 40), bool)])
    ok17 = (np.abs(np.abs(V[..., 0]) - beta1) <= eps) & (proof.delta_t(V) <= eps**2)
    e1 = np.eye(4)[0]
    near = np.minimum(
        np.linalg.norm(V - beta1 * e1, axis=-1), np.linalg.norm(V + beta1 * e1, axis=-1)
    )
    settle = proof.lemmas17_19_settling(V, LAMS, ETA, RHO, eps)
    np.testing.assert_array_equal(settle.lemma17, _settle_by_loop(ok17 & flips))
    np.testing.assert_array_equal(
        settle.lemma19, _settle_by_loop((near <= eps) & flips)
    )


def test_the_printed_lemmas17_19_fail_and_the_box_holds_for_a_start_on_the_axis():
    far = ([1.0, 0.83], 0.49, 1.0)
    axis = proof.runs_from(*far, [1e60, 1e-40], 300)
    settle = proof.lemmas17_19_settling(axis.V, *far, 0.1)
    for lemma, measured in (
        (proof.lemma17_steps, settle.lemma17),
        (proof.lemma19_steps, settle.lemma19),
    ):
        assert axis.T0[0] + lemma(*far, 0.1, axis.ratio0[0], printed=True) < 0
        assert 0 <= measured[0] <= axis.T0[0] + lemma(*far, 0.1, axis.ratio0[0])


def test_cycle_settling_time_matches_a_loop():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    w0 = proof.sample_ball(30, 2, 2.0, seed=3)
    path = run_sam(Quadratic(lams).grad, w0, eta, rho, 200)
    dist = cycle_distance(path, lams, eta, rho)
    side = np.sign(path[..., 0])
    ok = (dist[:-1] <= 1e-3) & (dist[1:] <= 1e-3) & (side[1:] == -side[:-1])
    got = proof.cycle_settling_time(path, lams, eta, rho, 1e-3)
    np.testing.assert_array_equal(got, _settle_by_loop(ok))


# ---------------------------------------------------------------------- Theorem 3


def theorem3_corrected_by_hand(lams, eta, rho, eps, R, q, A, delta):
    """The corrected bound of the chapter's box, written out independently."""
    lam1, lam2, lamd, d = lams[0], lams[1], lams[-1], len(lams)
    mu = min(eta * lamd, lam1**2 / lam2**2 - 1)
    T = math.ceil(max(math.log(R / (eta * rho * lam1)), 0.0) / (eta * lamd))
    total = 8 * lam1**5 / (eta * lamd**6 * mu) * math.log(4 / (eta * lam1))
    total += (
        math.log(4 * (1 + eta * rho * lam1**2) ** 2 / (lamd**2 * eps**2))
        + math.log(R**2 / q)
    ) / mu
    if T > 0:
        growth = math.log(
            9
            * 6 ** (d + 3)
            * R**3
            / ((eta * lamd) ** (d + 3) * (eta * rho * lam1) ** 3)
        )
        ring = math.log(
            4
            * math.pi ** (d / 2)
            * (4 * eta * rho * lam1**2) ** (d - 1)
            * T
            * A
            / (math.gamma(d / 2) * delta * math.prod(lams))
        )
        total += T + 2 * T / mu * (math.log(2 * lam1 * R) + T * growth + ring)
    total += 6 / (eta * lam1) * math.log(2 * (1 + eta * rho * lam1**2) / (lamd * eps))
    return total


@given(setup=setups(), R=st.floats(0.05, 50.0), eps_frac=st.floats(0.01, 0.99))
def test_theorem3_corrected_is_the_box_and_above_the_printed(setup, R, eps_frac):
    lams, eta, rho, _ = setup
    lam1, lamd = lams[0], lams[-1]
    eps_max = min(
        math.sqrt(eta * lam1 / 2), 1 / (2 * rho * lam1), eta * rho * lam1**2 / 2
    )
    eps = eps_frac * eps_max / max(1.0, lamd)
    start = proof.ball_start_constants(lams.size, R, 0.01)
    args = (lams, eta, rho, eps, R, start.q, start.A, 0.01)
    box = theorem3_steps(*args, corrected=True)
    assert box == pytest.approx(theorem3_corrected_by_hand(*args), rel=1e-9)
    assert box > theorem3_steps(*args)
    assert set(theorem3_terms(*args, corrected=True)) == set(theorem3_terms(*args))


@given(setup=setups(d_max=3), eps_frac=st.floats(0.01, 0.999))
def test_the_box_range_puts_lemma19s_accuracy_in_lemmas_17_and_18(setup, eps_frac):
    """The proof of Theorem 3 uses Lemmas 17 and 18 at ε' = λdε/(2(1+β1)); the box's
    range (with max{1, λd}) makes ε' fit both."""
    lams, eta, rho, _ = setup
    lams = lams * 10 ** (2 * eps_frac - 1)  # λ on both sides of 1
    eta = eta / 10 ** (2 * eps_frac - 1)
    lam1, lamd = lams[0], lams[-1]
    eps_max = min(
        math.sqrt(eta * lam1 / 2), 1 / (2 * rho * lam1), eta * rho * lam1**2 / 2
    )
    eps = eps_frac * eps_max / max(1.0, lamd)
    beta1 = quadratic_constants(lams, eta, rho).beta[0]
    small = lamd * eps / (2 * (1 + beta1))
    assert small < proof.lemma17_eps_max(lams, eta, rho)
    assert small <= proof.lemma18_eps_max()


def test_the_printed_range_leaves_lemma17_for_a_large_lambda_d():
    beta1 = quadratic_constants([4.0, 3.0], 0.1, 1.0).beta[0]
    small = 3.0 * 0.99 / 8 / (2 * (1 + beta1))
    assert small > proof.lemma17_eps_max([4.0, 3.0], 0.1, 1.0)
    with pytest.raises(ValueError, match="max"):
        theorem3_steps(
            [4.0, 3.0], 0.1, 1.0, 0.99 / 8, 3.0, 0.1, 1.0, 0.01, corrected=True
        )


def test_theorem3_grid_rows_series_and_bounds():
    grid = proof.theorem3_grid(
        [2, 4], [2], [1e-2, 1e-3], 0.2, 1.0, 2.0, 0.01, 50, 600, 1
    )
    assert len(grid) == 4
    for m in grid:
        assert m.bound >= m.measured > 0 and m.bound > m.printed
        assert len(m.row()) == len(proof.Theorem3Measurement.HEADER)
    kappa, bound, _ = proof.theorem3_series(grid, "kappa", d=2, eps=1e-3, kappa=9)
    np.testing.assert_array_equal(kappa, [2, 4])
    assert list(bound) == [m.bound for m in grid if m.eps == 1e-3]
    with pytest.raises(ValueError, match="no measurement"):
        proof.theorem3_series(grid, "kappa", d=3)


def test_theorem3_kappa_exponents_against_log_ratios_and_fits():
    grid = proof.theorem3_grid([2, 4, 8], [2], [1e-2], 0.2, 1.0, 2.0, 0.01, 30, 600, 1)
    k = proof.theorem3_kappa_exponents(grid, d=2, eps=1e-2)
    bound = np.array([m.bound for m in grid])
    measured = np.array([m.measured for m in grid])
    terms = [m.terms["alignment"] for m in grid]
    np.testing.assert_allclose(k.alignment, np.log2(np.array(terms[1:]) / terms[:-1]))
    np.testing.assert_allclose(k.alignment, 7)  # 8λ1⁵/(ηλd⁶μ) with μ = ηλd: κ⁷
    assert np.isclose(k.last_doubling, math.log2(bound[2] / bound[1]))
    slope = np.polyfit(np.log2([2, 4, 8]), np.log2(measured), 1)[0]  # base-free
    assert np.isclose(k.slope_measured, slope)
    assert np.isclose(k.slope_bound, np.polyfit(np.log([2, 4, 8]), np.log(bound), 1)[0])


@pytest.mark.parametrize("p", [0.005, 0.1, 0.5])
def test_gaussian_start_radius_is_the_chi2_tail_in_closed_form(p):
    """For d = 4 (the chapter's exercise) the χ²₄ tail is e^{-x/2}(1 + x/2); for d = 2
    it is e^{-x/2}; for d = 1, Pr[|N(0, 1)| > R] = erfc(R/√2)."""
    R4, R2, R1 = (proof.gaussian_start_radius(p, d) for d in (4, 2, 1))
    assert np.isclose(np.exp(-(R4**2) / 2) * (1 + R4**2 / 2), p)
    assert np.isclose(R2, np.sqrt(-2 * np.log(p)))
    assert np.isclose(math.erfc(R1 / math.sqrt(2)), p)
    with pytest.raises(ValueError):
        proof.gaussian_start_radius(1.0, 4)


def test_lemmas17_19_bounds_count_from_each_runs_entry(runs):
    b17, b19 = proof.lemmas17_19_bounds(runs, LAMS, ETA, RHO, 0.01)
    for k in (0, 7, 399):
        ratio0 = runs.ratio0[k]
        assert b17[k] == runs.T0[k] + proof.lemma17_steps(LAMS, ETA, RHO, 0.01, ratio0)
        assert b19[k] == runs.T0[k] + proof.lemma19_steps(LAMS, ETA, RHO, 0.01, ratio0)


def test_theorem1_degree_needed_and_the_table_rows():
    etas = 10.0 ** -np.arange(4, 11, 2)
    A2 = proof.ball_start_constants(2, 3.0, 0.01).A
    gap = proof.theorem1_gap([1.0, 0.5], etas, 1.0, 3.0, 1e-3, A2, 0.01)
    degree = proof.theorem1_degree_needed(gap)
    for k in range(len(etas) - 1):  # the ratio grows like ℓ^degree between etas
        growth = gap.printed_ratio[k + 1] / gap.printed_ratio[k]
        assert np.isclose(growth, (gap.ell[k + 1] / gap.ell[k]) ** degree[k])
    rows = proof.theorem1_gap_rows(etas, gap)
    assert len(rows) == len(etas) - 1 == len(rows[0]) == len(proof.THEOREM1_GAP_HEADER)
    assert rows[0] == ["1e-06", f"{gap.printed_ratio[1]:.2e}", f"{degree[0]:.1f}"]


# ----------------------------------------------------- Theorem 3 => Theorem 1 => 2


@given(
    setup=setups(),
    R=st.floats(0.5, 100.0),
    q_frac=st.floats(1e-6, 0.5),
    eps_frac=st.floats(1e-12, 0.99),
)
def test_theorem3_is_at_most_30_theorem1_factor_log_cubed(setup, R, q_frac, eps_frac):
    lams, eta, rho, _ = setup
    A = proof.ball_start_constants(lams.size, R, 0.01).A * 10
    q = q_frac * R**2
    eps = eps_frac * proof.theorem1_eps_max(lams, eta, rho, R, q, A, 0.01)
    bound = theorem3_steps(lams, eta, rho, eps, R, q, A, 0.01, corrected=True)
    assert bound <= 30 * proof.theorem1_factor(lams, eta) * math.log(1 / eps) ** 3


def test_theorem1_factors_are_the_formulas():
    lams, eta = np.array([1.0, 0.5, 0.25]), 0.2
    mu, xd = proof.lemma14_mu(lams, eta), eta * 0.25
    assert proof.theorem1_factor(lams, eta) == pytest.approx(
        (4**5 + 3 / xd) / (xd * mu)
    )
    assert proof.theorem1_factor(lams, eta, printed=True) == pytest.approx(
        4**5 / (xd * mu) + 3
    )


def test_theorem1_gap_grows_faster_than_any_power_of_the_log():
    etas = 10.0 ** -np.arange(4, 17, 2)
    A = proof.ball_start_constants(2, 3.0, 0.01).A
    gap = proof.theorem1_gap([1.0, 0.5], etas, 1.0, 3.0, 1e-3, A, 0.01)
    assert np.all(gap.ratio <= 30)
    degree = np.diff(np.log(gap.printed_ratio)) / np.diff(np.log(gap.ell))
    assert np.all(np.diff(degree) > 0) and degree[-1] > 30


@pytest.mark.parametrize("d", [1, 2, 3])
def test_singular_distribution_mass_above_matches_samples(d):
    w = proof.sample_singular(200_000, d, seed=d)
    assert np.all(np.abs(w) <= 1)
    p = proof.singular_density(w)
    for A in (0.5, 2.0, 20.0):
        exact = proof.singular_mass_above(A, d)
        assert abs(np.mean(p > A) - exact) < 5 * math.sqrt(exact / 200_000) + 1e-4
    # each coordinate has density 1/(4√|x|): Pr[|x| < a] = √a
    assert abs(np.mean(np.abs(w[:, 0]) < 0.25) - 0.5) < 0.01
    assert proof.singular_density(np.full(d, 2.0)) == 0.0


# -------------------------------------------------------------------- the drawing


def test_alignment_curves_start_at_each_runs_entry_step():
    fig, ax = plt.subplots()
    artists = plotting.draw_alignment(ax, n_lines=2, length=5)
    delta = np.arange(20.0).reshape(10, 2) + 1
    plotting.show_alignment(artists, delta, 0.1, start=[2, 4])
    np.testing.assert_array_equal(artists["lines"][0].get_ydata(), delta[2:8, 0])
    np.testing.assert_array_equal(artists["lines"][1].get_ydata(), delta[4:10, 1])
    np.testing.assert_allclose(
        artists["guide"].get_ydata(), 0.5 * 1.1 ** (-2.0 * np.arange(6))
    )
    plt.close(fig)


def test_bound_against_measured_uses_the_values_as_ticks():
    fig, ax = plt.subplots()
    plotting.plot_bound_against_measured(
        ax, [2, 4, 8], [1e5, 1e7, 1e9], [10, 20, 40], xlabel="κ"
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8"]
    assert len(ax.get_lines()) == 2
    plt.close(fig)


def test_lemmas17_19_settling_needs_alternating_sides():
    """A sequence that sits on +β1e1 without bouncing never satisfies the lemmas'
    alternating conclusion (only the last step, which has no successor, counts)."""
    beta1 = quadratic_constants(LAMS, ETA, RHO).beta[0]
    still = np.tile(beta1 * np.eye(4)[0], (10, 1, 1))  # (T + 1, n = 1, d)
    bouncing = still * (-1.0) ** np.arange(10)[:, None, None]
    settle = proof.lemmas17_19_settling(still, LAMS, ETA, RHO, 0.01)
    assert settle.lemma17[0] == settle.lemma19[0] == 9
    settle = proof.lemmas17_19_settling(bouncing, LAMS, ETA, RHO, 0.01)
    assert settle.lemma17[0] == settle.lemma19[0] == 0


def test_the_explorer_says_why_it_cannot_draw_lambda3_above_lambda2():
    """The chapter's explorer (draw and update as the chapter writes them): a
    message, not a traceback, for λ3 > λ2, and a picture again after it."""
    from samlib.widgets import Control, Explorer

    def update(artists, lam2, lam3, eta):
        lams = np.array([1.0, lam2, lam3])
        w0 = proof.sample_ball(12, 3, 3.0, seed=SEED + 99)
        w = run_sam(Quadratic(lams).grad, w0, eta, 1.0, 300)
        return plotting.show_alignment_panel(
            artists, proof.delta_t(lams * w), lams, eta
        )

    controls = {
        "lam2": Control(0.8, 0.3, 0.995, 0.005, label="λ₂"),
        "lam3": Control(0.5, 0.05, 0.95, 0.05, label="λ₃"),
        "eta": Control(0.2, 0.02, 0.49, 0.01, label="η"),
    }
    draw = plotting.draw_alignment_panel  # 12 runs of 300 steps
    explorer = Explorer(draw, update, controls, figsize=(5, 3.5), dpi=80)
    assert explorer.ok and explorer.message.startswith("μ = ")
    assert "Cannot draw" in explorer.update(lam3=0.9)  # λ3 > λ2
    explorer.update(lam3=0.5)
    assert explorer.ok
