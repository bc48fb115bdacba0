"""The lemma quantities of Section 4 (samlib.proof) against SAM's actual dynamics.

Trajectories come from samlib's ``run_sam`` / ``sam_step`` (never from the formulas
under test), and ``v_t = Λ w_t``. Each lemma's inequality is checked along them, each
closed form against an independent computation, and each stated typo of the paper
against a counterexample.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samlib import (
    J,
    Quadratic,
    cycle_distance,
    lemma10_decrease_bound,
    proof,
    quadratic_constants,
    run_sam,
    sam_step,
    sign_flip,
)


@st.composite
def setups(draw, d_min=1, d_max=5, gap=True, ratio_min=0.2, eta_min=0.05):
    """λ1 > λ2 > ... > λd > 0 (strict when ``gap``), η ∈ (0, 1/(2λ1)), ρ > 0, seed."""
    d = draw(st.integers(d_min, d_max))
    lams = [draw(st.floats(0.2, 5.0))]
    for _ in range(d - 1):
        lams.append(lams[-1] * draw(st.floats(ratio_min, 0.95 if gap else 1.0)))
    lams = np.array(lams)
    eta = draw(st.floats(eta_min, 0.98)) / (2 * lams[0])
    rho = draw(st.floats(0.05, 5.0))
    seed = draw(st.integers(0, 2**32 - 1))
    return lams, eta, rho, seed


def trajectory(lams, eta, rho, seed, n=64, steps=80, radius=None):
    """SAM from ``n`` starts uniform in a ball (in w); returns W and V = ΛW."""
    c = quadratic_constants(lams, eta, rho)
    radius = radius if radius is not None else 20 * c.b / lams[-1]
    w0 = proof.sample_ball(n, lams.size, radius, seed)
    W = run_sam(Quadratic(lams).grad, w0, eta, rho, steps)
    return W, lams * W


def normal(V):
    """Mask of the steps where no squared component has underflowed."""
    return np.all(V**2 > 1e-250, axis=-1)


# ------------------------------------------------------------ Definitions 12, 15


@given(v=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6))
def test_delta_t_matches_definition_12(v):
    v = np.array(v)
    if not np.any(v):
        with pytest.raises(ValueError, match="Definition 12"):
            proof.delta_t(v)
        return
    x = v / np.abs(v).max()  # scale-free; avoids underflow of tiny entries
    direct = 1 - abs(x[0]) / np.linalg.norm(x)
    assert proof.delta_t(v) == pytest.approx(direct, abs=1e-12)
    assert 0 <= proof.delta_t(v) <= 1


def test_delta_t_keeps_accuracy_when_tiny():
    v = np.array([1.0, 1e-9])
    assert proof.delta_t(v) == pytest.approx(0.5e-18, rel=1e-9)


def test_s_t_and_offaxis_ratio():
    v = np.array([[-2.0, 1.0, 1.0], [3.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(proof.s_t(v), [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(proof.offaxis_ratio(v), [0.5, 0.0, np.inf])
    with pytest.raises(ValueError, match="v ≠ 0"):
        proof.offaxis_ratio([0.0, 0.0])


@given(v=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=6))
def test_lemma13_holds_for_every_ratio(v):
    """δ ≤ ½ Σ_{i≥2} v_i²/v_1², with or without the paper's "≤ 1/2" proviso."""
    v = np.array(v)
    if v[0] == 0:
        return
    assert proof.delta_t(v) <= proof.lemma13_bound(v) * (1 + 1e-12) + 1e-300


# ------------------------------------------------------------ measured quantities


@given(
    x=st.lists(st.floats(0, 10), min_size=1, max_size=12),
    b=st.floats(0.1, 9.0),
)
def test_entry_and_settling_times_match_loops(x, b):
    x = np.array(x)
    entry = next((t for t, value in enumerate(x) if value <= b), -1)
    assert int(proof.entry_time(x, b)) == entry
    settle = -1
    if x[-1] <= b:
        settle = len(x)
        while settle > 0 and x[settle - 1] <= b:
            settle -= 1
    assert proof.settling_time(x, b) == settle


def test_settling_time_is_batched():
    dist = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(proof.settling_time(dist, 0.5), [1, 2])


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_ball_start_constants_density_and_q(d):
    R, delta = 2.0, 0.05
    s = proof.ball_start_constants(d, R, delta)
    volume = math.pi ** (d / 2) / math.gamma(d / 2 + 1) * R**d
    assert s.A * volume == pytest.approx(1.0, rel=1e-12)
    w = proof.sample_ball(40000, d, R, seed=d)
    assert np.all(np.linalg.norm(w, axis=1) <= R)
    freq = np.mean(w[:, 0] ** 2 < s.q)
    # Pr[w0,1² < q] ≤ δ, and the bound is nearly tight (density is flat near 0)
    assert freq <= delta + 3 * math.sqrt(delta / 40000)
    assert freq >= 0.8 * delta


def test_sample_ball_is_uniform():
    w = proof.sample_ball(40000, 3, 1.0, seed=0)
    assert np.mean(np.linalg.norm(w, axis=1) <= 0.5) == pytest.approx(1 / 8, abs=0.01)
    assert np.abs(w.mean(axis=0)).max() < 0.02


# ------------------------------------------------------------------- Lemmas 6, 7


# Lemma 6's T grows like 1/(ηλd): keep ηλd away from 0 so that runs stay short
LEMMA6 = {"d_max": 4, "ratio_min": 0.4, "eta_min": 0.3}


@given(setup=setups(gap=False, **LEMMA6))
def test_lemma6_after_T_steps_the_gradient_is_in_the_ball(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    W, V = trajectory(lams, eta, rho, seed, steps=1)
    R = float(np.linalg.norm(V[0], axis=-1).max())
    T = proof.lemma6_descent_time(lams, eta, rho, R)
    assert T == pytest.approx(max(math.log(R / c.b), 0) / (eta * lams[-1]))
    W = run_sam(Quadratic(lams).grad, W[0], eta, rho, math.ceil(T) + 2)
    norms = np.linalg.norm(lams * W, axis=-1)
    assert np.all(norms[math.ceil(T) :] <= c.b * (1 + 1e-12))
    # eq. (5): outside the ball the norm shrinks by at least (1 - ηλd)
    out = norms[:-1] >= c.b
    assert np.all(
        norms[1:][out] <= (1 - eta * lams[-1]) * norms[:-1][out] * (1 + 1e-12)
    )


def test_lemma6_is_zero_inside_the_ball_and_checks_eta():
    assert proof.lemma6_descent_time([1.0, 0.5], 0.2, 1.0, R=0.1) == 0.0
    with pytest.raises(ValueError, match=r"η < 1/\(2λ1\)"):
        proof.lemma6_descent_time([1.0, 0.5], 0.6, 1.0, R=1.0)


@given(setup=setups(d_min=2, **LEMMA6))
def test_lemma6_ratio_bound_at_entry(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    W, V = trajectory(lams, eta, rho, seed, steps=1)
    R = float(np.linalg.norm(V[0], axis=-1).max())
    steps = math.ceil(proof.lemma6_descent_time(lams, eta, rho, R)) + 1
    W = run_sam(Quadratic(lams).grad, W[0], eta, rho, steps)
    V = lams * W
    norms = np.linalg.norm(V, axis=-1)
    T0 = proof.entry_time(norms, c.b)
    assert np.all(T0 >= 0)
    Delta = np.abs(norms - c.gamma[0]).min(axis=0)
    at_entry = V[T0, np.arange(V.shape[1])]
    log_ratio = np.log(proof.offaxis_ratio(at_entry))
    bound = proof.lemma6_log_ratio_bound(lams, eta, rho, R, Delta, V[0])
    assert np.all(log_ratio <= bound + 1e-9)


def test_lemma7_Delta_matches_the_formula():
    # R just above b: T̄0 = 1, so Δ is small but representable
    lams, eta, rho = np.array([1.0, 0.5, 0.25]), 0.2, 1.0
    c = quadratic_constants(lams, eta, rho)
    R, A, delta = c.b * 1.01, 0.3, 0.01
    d, g1, xd = 3, c.gamma[0], eta * lams[-1]
    T0bar = math.ceil(math.log(R / c.b) / xd)
    assert T0bar == 1
    expected = (
        math.gamma(d / 2)
        * delta
        / (4 * math.pi ** (d / 2) * (2 * g1) ** (d - 1) * T0bar * A)
        * (xd ** (d + 3) * g1**3 / (9 * 6 ** (d + 3) * R**3)) ** T0bar
    )
    assert proof.lemma7_Delta(lams, eta, rho, R, A, delta) == pytest.approx(
        expected, rel=1e-10
    )
    assert proof.lemma7_Delta(lams, eta, rho, R, A, delta, log=True) == pytest.approx(
        math.log(expected), rel=1e-12
    )


@given(setup=setups(d_min=1), R_over_b=st.floats(1.05, 1e4))
def test_lemma7_simplified_bound_needs_the_plus_one(setup, R_over_b):
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    args = (lams, eta, rho, R_over_b * c.b, 1.0, 0.01)
    exact = -proof.lemma7_Delta(*args, log=True)
    assert proof.lemma7_log_inv_Delta_bound(*args) >= exact - 1e-9 * abs(exact)
    T = math.log(R_over_b) / (eta * lams[-1])
    if T % 1 > 1e-6:  # T̄0 = ⌈T⌉ > T: the printed bound is below log(1/Δ)
        assert proof.lemma7_log_inv_Delta_bound(*args, corrected=False) < exact


def test_lemma7_rejects_R_inside_the_ball():
    with pytest.raises(ValueError, match="R > b"):
        proof.lemma7_Delta([1.0, 0.5], 0.2, 1.0, R=0.1, A=1.0, delta=0.1)


# --------------------------------------------------------------------- Lemma 11


@given(setup=setups(d_min=1))
def test_lemma11_J_range_against_brute_force(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    rng = np.random.default_rng(seed)
    d = lams.size
    # points v with ‖v‖ ≤ b, including the maximiser's direction e_d at ‖v‖ = b
    x = rng.standard_normal((4000, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x *= c.b * rng.random((4000, 1)) ** (1 / d)
    x = np.vstack([x, c.b * np.eye(d)[-1], 1e-14 * np.eye(d)[-1]])
    values = J(x / lams, lams, eta, rho)
    brute = values.max() + c.beta[0] / 2  # min J = -β1/2 (Remark 9)
    stationary = J(c.beta[0] / lams[0] * np.eye(d)[0], lams, eta, rho)
    assert stationary == pytest.approx(-c.beta[0] / 2, rel=1e-12)
    assert proof.lemma11_J_range(lams, eta, rho) == pytest.approx(brute, rel=1e-6)


@given(setup=setups(d_min=1), eps=st.floats(0.01, 2.0))
def test_lemma11_counts_and_decrease_on_trajectories(setup, eps):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    W, V = trajectory(lams, eta, rho, seed, steps=120)
    norms = np.linalg.norm(V, axis=-1)
    T0 = proof.entry_time(norms, c.b)
    after = (np.arange(W.shape[0])[:, None] >= T0) & (T0 >= 0)
    large = (norms >= (1 + eps) * c.beta[0]) & after
    count = large.sum(axis=0)
    assert count.max() <= proof.lemma11_count_bound(lams, eta, rho, eps)
    assert count.max() <= proof.lemma11_count_bound_J(lams, eta, rho, eps)
    U = sign_flip(W)
    drop = J(U[:-1], lams, eta, rho) - J(U[1:], lams, eta, rho)
    need = proof.lemma11_step_decrease(lams, eta, rho, eps)
    assert np.all(drop[large[:-1]] >= need * (1 - 1e-9))
    # the last inequality's corrected derivation: factor 2 - ηλ1 ≥ 3/2 per step
    assert proof.lemma11_count_bound(lams, eta, rho, eps) >= proof.lemma11_J_range(
        lams, eta, rho
    ) / (1.5 * need) * (1 - 1e-12)


def test_lemma11_papers_middle_step_can_fail():
    """max J - min J ≤ 3β1²/(2βd) is false for small ηλ1 and β1 ≫ βd."""
    lams, eta, rho = [1.0, 0.1], 0.01, 1.0
    c = quadratic_constants(lams, eta, rho)
    assert proof.lemma11_J_range(lams, eta, rho) > 3 * c.beta[0] ** 2 / (2 * c.beta[1])
    assert proof.lemma11_count_bound_J(lams, eta, rho, 0.1) > proof.lemma11_count_bound(
        lams, eta, rho, 0.1
    )


def test_lemma10_decrease_along_sam():
    lams, eta, rho = np.array([1.0, 0.4, 0.1]), 0.3, 0.7
    W, _ = trajectory(lams, eta, rho, seed=3, steps=60)
    U = sign_flip(W)
    change = J(U[1:], lams, eta, rho) - J(U[:-1], lams, eta, rho)
    assert np.all(change <= lemma10_decrease_bound(U[:-1], lams, eta, rho) + 1e-15)


# --------------------------------------------------------------------- Lemma 14


def test_lemma14_mu_and_assumptions():
    assert proof.lemma14_mu([1.0, 0.5], 0.2) == pytest.approx(0.1)
    assert proof.lemma14_mu([1.0, 0.95], 0.2) == pytest.approx(1 / 0.95**2 - 1)
    assert proof.lemma14_mu([2.0], 0.2) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="λ1 > λ2"):
        proof.lemma14_mu([1.0, 1.0], 0.2)
    with pytest.raises(ValueError, match="λ1 > λ2"):
        proof.lemma14_T1([1.0, 1.0, 0.5], 0.2, 1.0)


@given(setup=setups(d_min=2))
def test_lemma14_threshold_is_the_binding_lemma4_threshold(setup):
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    mu = proof.lemma14_mu(lams, eta)
    g = 1 - eta * lams
    theta = (g[0] * c.gamma[0] + (1 + mu) * g * c.gamma) / (g[0] + (1 + mu) * g)
    assert np.all(np.diff(theta[1:]) <= 1e-15 * theta[0])
    assert proof.lemma14_threshold(lams, eta) == pytest.approx(
        theta[-1] / c.beta[0], rel=1e-12
    )
    assert proof.lemma14_threshold(lams, eta) > 1 + (1 + mu) * lams[-1] ** 2 / lams[
        0
    ] ** 2 * (1 - 1e-12)


@given(setup=setups(d_min=2))
def test_lemma14_equivalence_and_factors_on_trajectories(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    _, V = trajectory(lams, eta, rho, seed, steps=60)
    ok = normal(V)
    ok = ok[:-1] & ok[1:]
    norms = np.linalg.norm(V, axis=-1)
    mu = proof.lemma14_mu(lams, eta)
    with np.errstate(all="ignore"):
        ratio = V[..., 1:] ** 2 / V[..., :1] ** 2
        factor = ratio[1:] / ratio[:-1]
    shrink_all = np.all(factor < 1 / (1 + mu) ** 2, axis=-1)
    below = norms[:-1] / c.beta[0] < proof.lemma14_threshold(lams, eta)
    # equivalence, away from round-off at the boundary
    margin = np.abs(norms[:-1] / c.beta[0] / proof.lemma14_threshold(lams, eta) - 1)
    check = ok & (margin > 1e-9)
    np.testing.assert_array_equal(shrink_all[check], below[check])
    # inside the ball no step multiplies a ratio by more than the bad-step factor
    inside = ok & (norms[:-1] <= c.b)
    worst = proof.lemma14_bad_step_factor(lams, eta, rho)
    assert np.all(factor[inside] <= worst * (1 + 1e-9))
    assert worst <= (2 / (eta * lams[0])) ** 2
    # bad steps inside the ball: at most T1
    bad = inside & ~shrink_all
    assert bad.sum(axis=0).max() <= proof.lemma14_T1(lams, eta, rho)


@given(setup=setups(d_min=2))
def test_lemma14_T1_is_lemma11_at_its_epsilon(setup):
    lams, eta, rho, _ = setup
    mu = proof.lemma14_mu(lams, eta)
    eps = (1 + mu) * lams[-1] ** 2 / lams[0] ** 2
    assert proof.lemma11_count_bound(lams, eta, rho, eps) <= proof.lemma14_T1(
        lams, eta, rho
    ) * (1 + 1e-12)


# a setting where Lemmas 14, 17 and 19's counts are short enough to simulate past
FAST = (np.array([1.0, 0.9]), 0.45, 1.0)


def test_fast_setting_counts_are_small():
    assert proof.lemma14_T1(*FAST) < 20
    assert proof.lemma19_steps(*FAST, 1e-3, 100.0) < 1000


def test_lemma14_17_19_hold_past_their_counts():
    lams, eta, rho = FAST
    c = quadratic_constants(lams, eta, rho)
    W, V = trajectory(lams, eta, rho, seed=7, n=200, steps=1, radius=5.0)
    norms0 = np.linalg.norm(V[0], axis=-1)
    T0_max = math.ceil(proof.lemma6_descent_time(lams, eta, rho, norms0.max())) + 1
    W = run_sam(Quadratic(lams).grad, W[0], eta, rho, T0_max + 1200)
    V = lams * W
    T0 = proof.entry_time(np.linalg.norm(V, axis=-1), c.b)
    cols = np.arange(V.shape[1])
    ratio0 = proof.offaxis_ratio(V[T0, cols])
    t = np.arange(V.shape[0])[:, None]
    eps14 = 0.01
    after14 = t >= T0 + np.ceil(proof.lemma14_steps(lams, eta, rho, eps14, ratio0))
    assert after14[-1].all()
    assert np.all(proof.delta_t(V)[after14] <= eps14)
    eps17 = 0.5 * proof.lemma17_eps_max(lams, eta, rho)
    after17 = t >= T0 + np.ceil(proof.lemma17_steps(lams, eta, rho, eps17, ratio0))
    assert after17[-1].all()
    assert np.all(proof.delta_t(V)[after17] <= eps17**2)
    first_dist = np.abs(np.abs(V[..., 0]) - c.beta[0])
    assert np.all(first_dist[after17] <= eps17)
    eps19 = 0.5 * proof.lemma19_eps_max(lams, eta, rho)
    after19 = t >= T0 + np.ceil(proof.lemma19_steps(lams, eta, rho, eps19, ratio0))
    assert after19[-1].all()
    e1 = np.eye(2)[0]
    dist = np.minimum(
        np.linalg.norm(V - c.beta[0] * e1, axis=-1),
        np.linalg.norm(V + c.beta[0] * e1, axis=-1),
    )
    assert np.all(dist[after19] <= eps19)
    signs = np.sign(V[..., 0])
    flips = signs[1:] == -signs[:-1]
    assert np.all(flips[after19[:-1]])


# ------------------------------------------------------------------ Lemmas 16–20


@given(setup=setups(d_min=1, gap=False))
def test_lemma16_identity_with_the_corrected_sign(setup):
    lams, eta, rho, seed = setup
    rng = np.random.default_rng(seed)
    c = quadratic_constants(lams, eta, rho)
    v = rng.standard_normal((50, lams.size)) * c.b * rng.uniform(0.01, 10, (50, 1))
    v_next = lams * sam_step(v / lams, Quadratic(lams).grad, eta, rho)
    lhs = v_next[:, 0] + np.sign(v[:, 0]) * c.beta[0]
    rhs = proof.lemma16_rhs(v, lams, eta, rho)
    scale = np.abs(v[:, 0]) + c.gamma[0]
    assert np.all(np.abs(lhs - rhs) <= 1e-12 * scale)
    # the paper's printed sign is wrong wherever the right-hand side is not ~0
    big = np.abs(rhs) > 1e-6 * scale
    assert np.all(np.abs(lhs + rhs)[big] > 1e-7 * scale[big])


@given(setup=setups(d_min=2))
def test_lemma16_contraction_and_sign_flip(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    _, V = trajectory(lams, eta, rho, seed, steps=100)
    norms = np.linalg.norm(V, axis=-1)
    s = np.sign(V[..., 0])
    gap = np.abs(V[..., 0] - s * c.beta[0])
    delta = proof.delta_t(V)
    # (10): |v_{t+1,1} - s_{t+1}β1| ≤ (1-ηλ1)(|v_{t,1} - s_tβ1| + γ1δ_t)
    rhs = (1 - eta * lams[0]) * (gap[:-1] + c.gamma[0] * delta[:-1])
    assert np.all(gap[1:] <= rhs * (1 + 1e-10) + 1e-14 * c.b)
    # sign flips inside the ball when δ_t ≤ ηλ1β1/(2γ1) (the corrected condition)
    cond = (norms[:-1] <= c.b) & (
        delta[:-1] <= eta * lams[0] * c.beta[0] / (2 * c.gamma[0])
    )
    assert np.all(s[1:][cond] == -s[:-1][cond])


def test_lemma18_counterexample_and_range():
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    c = quadratic_constants(lams, eta, rho)
    beta1 = c.beta[0]
    # ε = 1: δ ≤ 1 always holds, yet ‖v - β1e1‖ is as large as we like
    v = np.array([beta1, 100.0])
    assert proof.delta_t(v) <= 1.0
    assert np.linalg.norm(v - beta1 * np.eye(2)[0]) > 2 * (1 + beta1) * 1.0
    with pytest.raises(ValueError, match="Lemma 18"):
        proof.lemma18_bound(lams, eta, rho, 1.0)
    x = proof.lemma18_eps_max() ** 2
    assert 1 / (1 - x) ** 2 - 1 == pytest.approx(3 * x, rel=1e-12)


@given(
    eps=st.floats(1e-4, 0.48),
    beta1=st.floats(0.01, 5.0),
    frac=st.floats(0, 1),
    sign=st.sampled_from([-1.0, 1.0]),
    e=st.floats(-1, 1),
)
def test_lemma18_on_its_worst_vectors(eps, beta1, frac, sign, e):
    """v with |v1 - sβ1| ≤ ε and δ = frac·ε² exactly: ‖v - sβ1e1‖ ≤ 2(1+β1)ε."""
    v1 = sign * max(beta1 + e * eps, 1e-9)
    delta = frac * eps**2
    norm = abs(v1) / (1 - delta)
    v = np.array([v1, math.sqrt(max(norm**2 - v1**2, 0.0))])
    bound = 2 * (1 + beta1) * eps
    assert np.linalg.norm(v - sign * beta1 * np.eye(2)[0]) <= bound * (1 + 1e-9)


@given(setup=setups(d_min=2))
def test_lemma19_is_lemma17_at_a_smaller_epsilon(setup):
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    eps = 0.5 * proof.lemma19_eps_max(lams, eta, rho)
    small = eps / (2 * (1 + c.beta[0]))
    assert small < proof.lemma17_eps_max(lams, eta, rho)
    assert small <= proof.lemma18_eps_max()
    assert proof.lemma19_steps(lams, eta, rho, eps, 3.0) == pytest.approx(
        proof.lemma17_steps(lams, eta, rho, small, 3.0), rel=1e-12
    )
    assert proof.lemma18_bound(lams, eta, rho, small) == pytest.approx(eps)


def test_step_counts_reject_large_epsilon():
    lams, eta, rho = [1.0, 0.5], 0.2, 1.0
    with pytest.raises(ValueError, match="Lemma 17 assumes"):
        proof.lemma17_steps(lams, eta, rho, 1.0, 1.0)
    with pytest.raises(ValueError, match="Lemma 19 assumes"):
        proof.lemma19_steps(lams, eta, rho, 1.0, 1.0)
    with pytest.raises(ValueError, match="ε < 1/2"):
        proof.lemma14_steps(lams, eta, rho, 0.5, 1.0)


@given(setup=setups(d_min=2))
def test_lemma20_on_trajectories(setup):
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    W, V = trajectory(lams, eta, rho, seed, steps=40)
    e1 = np.eye(lams.size)[0]
    for s in (-1.0, 1.0):
        left = np.linalg.norm(W - s * c.beta[0] / lams[0] * e1, axis=-1)
        right = np.linalg.norm(V - s * c.beta[0] * e1, axis=-1) / lams[-1]
        assert np.all(left <= right * (1 + 1e-12))
    # β1/λ1 e1 is the 2-cycle point of Theorems 1-2
    near = np.minimum(
        np.linalg.norm(W - c.beta[0] / lams[0] * e1, axis=-1),
        np.linalg.norm(W + c.beta[0] / lams[0] * e1, axis=-1),
    )
    np.testing.assert_allclose(
        near, cycle_distance(W, lams, eta, rho), rtol=1e-9, atol=1e-12 * c.b
    )
