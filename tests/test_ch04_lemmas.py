"""Chapter 4 (Sections 4.1–4.2): Lemmas 4–7 and the steps of Lemma 7's proof.

The trajectories come from SAM itself (``run_sam`` through
``proof.sam_gradients``), never from the formulas under test; determinants are
checked against central differences, the inverse map by round trips, the pushed-
forward density by counting where sampled points land.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from _helpers import central_difference
from samlib import Quadratic, plotting, proof, quadratic_constants, run_sam

LAMS = np.array([1.0, 0.6, 0.35, 0.2])
ETA, RHO = 0.2, 1.0
SETTING = (LAMS, ETA, RHO)


@st.composite
def setups(draw, d_min=1, d_max=5):
    """λ1 > λ2 > ... > λd > 0, η ∈ (0, 1/(2λ1)), ρ > 0."""
    d = draw(st.integers(d_min, d_max))
    lams = [draw(st.floats(0.2, 5.0))]
    for _ in range(d - 1):
        lams.append(lams[-1] * draw(st.floats(0.2, 0.95)))
    lams = np.array(lams)
    eta = draw(st.floats(0.05, 0.98)) / (2 * lams[0])
    return lams, eta, draw(st.floats(0.05, 5.0))


def lemma7_domain(lams, eta, rho, n, seed, r_max_over_gamma1=20.0):
    """``n`` points of ``γ1 + ε ≤ ‖v‖ ≤ R`` and that R."""
    gamma1 = quadratic_constants(lams, eta, rho).gamma[0]
    eps = proof.lemma7_epsilon(lams, eta, rho)
    R = r_max_over_gamma1 * gamma1
    return proof.sample_shell(n, lams.size, gamma1 + eps, R, seed), R


# ------------------------------------------------------------------- Lemma 4


def test_lemma4_on_random_admissible_values():
    """a²(x-α)² > b²(x-β)² iff x < (aα+bβ)/(a+b), on 20 000 random admissible
    (a, b, α, β, x) with 0 ≤ a < b, α > β ≥ 0, aα ≥ bβ (the check Chapter 4 ran)."""
    rng = np.random.default_rng(2027)
    a = rng.uniform(0, 1, 20000)
    b = a + rng.uniform(1e-3, 1, 20000)
    alpha = rng.uniform(0.1, 2, 20000)
    beta = alpha * a / b * rng.uniform(0, 1, 20000)  # aα ≥ bβ, β < α
    x = rng.uniform(1e-6, 3, 20000)
    lhs = a**2 * (x - alpha) ** 2 > b**2 * (x - beta) ** 2
    x_star = (a * alpha + b * beta) / (a + b)
    clear = np.abs(x - x_star) > 1e-9
    assert np.array_equal(lhs[clear], (x < x_star)[clear])


@given(
    a=st.floats(0, 10),
    gap=st.floats(1e-3, 10),
    alpha=st.floats(1e-3, 10),
    share=st.floats(0, 1),
    x=st.floats(1e-6, 30),
)
def test_lemma4_property(a, gap, alpha, share, x):
    b = a + gap
    beta = share * alpha * a / b  # β ≥ 0, aα ≥ bβ, and β < α as a < b
    x_star = (a * alpha + b * beta) / (a + b)
    if abs(x - x_star) <= 1e-9 * max(1.0, x_star):
        return
    assert (a**2 * (x - alpha) ** 2 > b**2 * (x - beta) ** 2) == (x < x_star)


# ------------------------------------------------------------------- Lemma 5


def test_sam_gradients_follows_the_recurrence_and_run_sam():
    v0 = LAMS * proof.sample_ball(50, 4, 5.0, seed=1)
    V = proof.sam_gradients(v0, *SETTING, 30)
    assert V.shape == (31, 50, 4)
    W = run_sam(Quadratic(LAMS).grad, v0 / LAMS, ETA, RHO, 30)
    np.testing.assert_array_equal(V, LAMS * W)
    c = quadratic_constants(*SETTING)
    r = np.linalg.norm(V[:-1], axis=-1, keepdims=True)
    factor = (1 - ETA * LAMS) * (r - c.gamma) / r
    np.testing.assert_allclose(V[1:], factor * V[:-1], rtol=1e-10, atol=1e-14)


def test_sam_gradients_checks_its_input():
    with pytest.raises(ValueError, match="last dimension d = 4"):
        proof.sam_gradients([1.0, 2.0], *SETTING, 3)
    with pytest.raises(ValueError, match="sorted"):
        proof.sam_gradients([1.0, 2.0], [0.5, 1.0], ETA, RHO, 3)


@given(setup=setups())
@example(setup=SETTING)  # the figure of Chapter 4
def test_lemma5_multipliers_cross_one_at_beta_and_alpha(setup):
    """Parts 2 and 3 at their thresholds: along e_i the i-th squared multiplier is
    > 1 just below βi and < 1 just above; on a grid of norms each multiplier crosses
    1 once, at βi, and the first over the i-th once, at αi (Figure of Chapter 4)."""
    lams, eta, rho = setup
    c = quadratic_constants(lams, eta, rho)
    d = lams.size
    pair = c.beta * np.array([[1 - 1e-6], [1 + 1e-6]])
    on_axis = pair[..., None] * np.eye(d)
    step = np.diagonal(proof.sam_gradients(on_axis, lams, eta, rho, 1)[1], 0, 1, 2)
    assert np.all(step[0] ** 2 > pair[0] ** 2)
    assert np.all(step[1] ** 2 < pair[1] ** 2)

    radii = np.geomspace(c.beta[-1] / 10, 10 * c.gamma[0], 3000)
    probe = radii[:, None] * np.ones(d) / math.sqrt(d)
    mult = (proof.sam_gradients(probe, lams, eta, rho, 1)[1] / probe) ** 2
    for curves, levels in ((mult, c.beta), (mult[:, :1] / mult[:, 1:], c.alpha[1:])):
        crossing = np.diff(np.sign(np.log(curves)), axis=0) != 0
        k = crossing.argmax(axis=0)
        assert np.all(crossing.sum(axis=0) == 1)
        assert np.all((radii[k] <= levels) & (levels <= radii[k + 1]))


def test_lemma5_part2_needs_a_nonzero_component():
    """The paper's part 2 without the proviso v_{t,i} ≠ 0 fails: a zero component
    never shrinks strictly, whatever ‖v_t‖ is."""
    beta = quadratic_constants(*SETTING).beta
    v = np.array([1.0, 0.0, 0.0, 0.0])
    v_next = proof.sam_gradients(v, *SETTING, 1)[1]
    assert np.linalg.norm(v) > beta[1] and v_next[1] ** 2 == v[1] ** 2 == 0


# ------------------------------------------------------------------- Lemma 6


def test_lemma6_functions_are_batched():
    R = np.array([0.1, 1.0, 7.0])
    T = proof.lemma6_descent_time(*SETTING, R)
    assert T.shape == (3,)
    for k in range(3):
        assert T[k] == proof.lemma6_descent_time(*SETTING, float(R[k]))
    v0 = np.array([[0.05, 0.05, 0.0, 0.0], [0.5, 0.5, 0.1, 0.1], [5, 4, 1, 1]])
    bounds = proof.lemma6_log_ratio_bound(*SETTING, R, 0.01, v0)
    for k in range(3):
        single = proof.lemma6_log_ratio_bound(*SETTING, float(R[k]), 0.01, v0[k])
        assert bounds[k] == pytest.approx(single, rel=1e-14)


@given(setup=setups(d_min=2), R_over_b=st.floats(1.0001, 3.0))
def test_lemma6_corrected_bound_adds_two_steps(setup, R_over_b):
    lams, eta, rho = setup
    c = quadratic_constants(lams, eta, rho)
    R, Delta = R_over_b * c.b, 0.01 * c.gamma[0]
    v0 = R * np.ones(lams.size) / math.sqrt(lams.size)
    printed = proof.lemma6_log_ratio_bound(
        lams, eta, rho, R, Delta, v0, corrected=False
    )
    corrected = proof.lemma6_log_ratio_bound(lams, eta, rho, R, Delta, v0)
    assert corrected - printed == pytest.approx(2 * math.log(2 * R / Delta))


def test_lemma6_printed_bound_fails_just_outside_the_ball():
    """T < 1 but one step is needed: the printed (4) fails, the ⌈T⌉ form holds."""
    lams, R = np.array([1.0, 0.2]), 1.001 * 0.2  # b = ηρλ1² = 0.2
    v0 = R * np.array([1.0, math.sqrt(0.1)]) / math.sqrt(1.1)
    path = proof.sam_gradients(v0, lams, ETA, RHO, 5)
    norms = np.linalg.norm(path, axis=-1)
    assert proof.entry_time(norms, 0.2) == 1
    Delta = np.abs(norms - quadratic_constants(lams, ETA, RHO).gamma[0]).min()
    log_ratio = math.log(proof.offaxis_ratio(path[1]))
    args = (lams, ETA, RHO, R, Delta, v0)
    assert proof.lemma6_log_ratio_bound(*args, corrected=False) < log_ratio
    assert log_ratio <= proof.lemma6_log_ratio_bound(*args)


# ------------------------------------------------------------------- Lemma 7


def test_sample_shell_is_uniform_in_the_shell():
    r_min, r_max, d = 0.5, 2.0, 3
    v = proof.sample_shell(60000, d, r_min, r_max, seed=3)
    r = np.linalg.norm(v, axis=-1)
    assert r.min() >= r_min and r.max() <= r_max
    for x in (0.8, 1.2, 1.7):  # Pr[r ≤ x] = (x^d - r_min^d)/(r_max^d - r_min^d)
        expected = (x**d - r_min**d) / (r_max**d - r_min**d)
        assert np.mean(r <= x) == pytest.approx(expected, abs=0.01)
    assert np.abs(v.mean(axis=0)).max() < 0.02
    with pytest.raises(ValueError, match="r_min < r_max"):
        proof.sample_shell(3, 2, 2.0, 1.0, seed=0)


@pytest.mark.parametrize("d", [1, 2, 4])
def test_shell_density_of_the_ball_is_A(d):
    A = proof.ball_start_constants(d, 1.5, 0.1).A
    inside = proof.shell_density(np.full((1, d), 0.1), 0.0, 1.5)
    assert inside[0] == pytest.approx(A, rel=1e-12)
    assert proof.shell_density(np.full(d, 2.0), 0.0, 1.5) == 0.0


def test_gamma1_sphere_direction_zeroes_the_first_component():
    u = proof.gamma1_sphere_direction(*SETTING, seed=7)
    gamma1 = quadratic_constants(*SETTING).gamma[0]
    assert np.linalg.norm(u) == pytest.approx(1.0)
    path = proof.sam_gradients(gamma1 * u, *SETTING, 20)
    assert np.all(path[1:, 0] == 0.0)


@given(setup=setups())
def test_lemma7_epsilon_lands_below_the_ring(setup):
    lams, eta, rho = setup
    c = quadratic_constants(lams, eta, rho)
    eps = proof.lemma7_epsilon(lams, eta, rho)
    gamma1, shrink = c.gamma[0], 1 - eta * lams[-1]
    assert shrink * (gamma1 + eps) == pytest.approx(gamma1 - eps, rel=1e-12)
    assert c.b < gamma1 - eps
    # a SAM step from b ≤ ‖v‖ < γ1 + ε lands below γ1 − ε
    v, _ = lemma7_domain(lams, eta, rho, 500, 0)
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    v *= np.linspace(c.b, gamma1 + eps, 500, endpoint=False)[:, None]
    v_next = proof.sam_gradients(v, lams, eta, rho, 1)[1]
    assert np.all(np.linalg.norm(v_next, axis=-1) < gamma1 - eps)


@given(setup=setups(), seed=st.integers(0, 2**31))
def test_lemma7_map_is_sams_step_and_invertible(setup, seed):
    lams, eta, rho = setup
    v, _ = lemma7_domain(lams, eta, rho, 200, seed)
    y = proof.lemma7_map(v, lams, eta, rho)
    np.testing.assert_allclose(
        y, proof.sam_gradients(v, lams, eta, rho, 1)[1], rtol=1e-12, atol=1e-13
    )
    back = proof.lemma7_inverse(y, lams, eta, rho)
    scale = np.linalg.norm(v, axis=-1, keepdims=True)
    assert np.all(np.abs(back - v) <= 1e-11 * scale)
    y_any = np.random.default_rng(seed).normal(size=(200, lams.size))
    y_any[:, 0] *= 10.0 ** np.random.default_rng(seed + 1).uniform(-9, 2, 200)
    v_any = proof.lemma7_inverse(y_any, lams, eta, rho)
    gamma1 = quadratic_constants(lams, eta, rho).gamma[0]
    assert np.all(np.linalg.norm(v_any, axis=-1) > gamma1)
    forth = proof.lemma7_map(v_any, lams, eta, rho)
    assert np.all(np.abs(forth - y_any) <= 1e-11 * (1 + np.abs(y_any)))


def test_lemma7_inverse_is_the_unique_root():
    """φ(r) = Σ yi²/(gi(r - γi))² decreases on (γ1, ∞): one root, the one found."""
    c = quadratic_constants(*SETTING)
    g = 1 - ETA * LAMS
    y = np.array([0.3, -0.2, 0.1, 0.05])
    r = np.geomspace(c.gamma[0] * (1 + 1e-9), 100, 20000)[:, None]
    phi = np.sum(y**2 / (g * (r - c.gamma)) ** 2, axis=-1)
    assert np.all(np.diff(phi) < 0)
    crossing = np.flatnonzero(np.diff(np.sign(phi - 1)))
    assert crossing.size == 1
    found = np.linalg.norm(proof.lemma7_inverse(y, *SETTING))
    assert r[crossing[0], 0] <= found <= r[crossing[0] + 1, 0]


def test_lemma7_functions_check_their_domain():
    gamma1 = quadratic_constants(*SETTING).gamma[0]
    with pytest.raises(ValueError, match="‖v‖ > γ1"):
        proof.lemma7_map(0.9 * gamma1 * np.eye(4)[0], *SETTING)
    with pytest.raises(ValueError, match="‖v‖ > γ1"):
        proof.lemma7_jacobian_det(0.5 * gamma1 * np.eye(4)[1], *SETTING)
    with pytest.raises(ValueError, match="y1 ≠ 0"):
        proof.lemma7_inverse([0.0, 1.0, 0.0, 0.0], *SETTING)
    with pytest.raises(ValueError, match=r"η < 1/\(2λ1\)"):
        proof.lemma7_epsilon(LAMS, 0.6, RHO)
    with pytest.raises(ValueError, match="γ1 \\+ ε"):
        proof.lemma7_density_growth_chain(np.eye(4)[0], *SETTING, 0.5)


@given(setup=setups(), seed=st.integers(0, 2**31))
def test_lemma7_determinants_match_central_differences(setup, seed):
    lams, eta, rho = setup
    v, _ = lemma7_domain(lams, eta, rho, 3, seed)
    for point in v:
        y = proof.lemma7_map(point, lams, eta, rho)
        h = 1e-6 * np.linalg.norm(point)
        jac_f = central_difference(
            lambda x: proof.lemma7_map(x, lams, eta, rho), point, h
        )
        jac_inv = central_difference(
            lambda x: proof.lemma7_inverse(x, lams, eta, rho), y, 1e-6 * np.abs(y).max()
        )
        det_f = proof.lemma7_jacobian_det(point, lams, eta, rho)
        det_inv = proof.lemma7_inverse_jacobian_det(y, lams, eta, rho)
        assert det_f == pytest.approx(np.linalg.det(jac_f), rel=1e-6)
        assert det_inv == pytest.approx(np.linalg.det(jac_inv), rel=1e-5)
        assert det_inv * det_f == pytest.approx(1.0, rel=1e-12)


def printed_eq6(y, lams, eta, rho):
    """Eq. (6) exactly as the paper prints it, term by term (independent of samlib's
    transcription): numerator 1 + Σ_i 2yi²hi/((gi - hi/r) r² (rgi - hi)²
    Σ_k yk²gk/(2(rgk - hk)³)), denominator Π_i (gi - hi/r)."""
    c = quadratic_constants(lams, eta, rho)
    g = 1 - eta * lams
    h = g * c.gamma
    r = np.linalg.norm(proof.lemma7_inverse(y, lams, eta, rho))
    inner = sum(y[k] ** 2 * g[k] / (2 * (r * g[k] - h[k]) ** 3) for k in range(y.size))
    total = 1.0
    for i in range(y.size):
        total += (
            2
            * y[i] ** 2
            * h[i]
            / ((g[i] - h[i] / r) * r**2 * (r * g[i] - h[i]) ** 2 * inner)
        )
    return total / math.prod(g[i] - h[i] / r for i in range(y.size))


def test_lemma7_map_det_fd_is_the_central_difference_determinant():
    v, _ = lemma7_domain(LAMS, ETA, RHO, 50, seed=5)
    fd = proof.lemma7_map_det_fd(v, *SETTING)
    for k in range(5):
        jac = central_difference(lambda x: proof.lemma7_map(x, *SETTING), v[k], h=1e-6)
        assert fd[k] == pytest.approx(np.linalg.det(jac), rel=1e-8)
    np.testing.assert_allclose(fd, proof.lemma7_jacobian_det(v, *SETTING), rtol=1e-6)


@given(setup=setups(d_min=2), seed=st.integers(0, 2**31))
def test_eq6_as_printed_overstates_the_determinant(setup, seed):
    lams, eta, rho = setup
    v, _ = lemma7_domain(lams, eta, rho, 5, seed)
    for point in v:
        y = proof.lemma7_map(point, lams, eta, rho)
        printed = proof.lemma7_inverse_jacobian_det(y, lams, eta, rho, corrected=False)
        assert printed == pytest.approx(printed_eq6(y, lams, eta, rho), rel=1e-10)
        assert printed >= proof.lemma7_inverse_jacobian_det(y, lams, eta, rho)


def test_eq6_as_printed_is_not_the_determinant():
    y = proof.lemma7_map(np.array([0.3, 0.2, 0.1, 0.1]), *SETTING)
    jac = central_difference(lambda x: proof.lemma7_inverse(x, *SETTING), y, 1e-7)
    printed = printed_eq6(y, *SETTING)
    assert printed > 1.2 * np.linalg.det(jac)


@given(setup=setups(), seed=st.integers(0, 2**31))
def test_lemma7_density_growth_chain_is_a_chain(setup, seed):
    lams, eta, rho = setup
    v, R = lemma7_domain(lams, eta, rho, 300, seed)
    chain = proof.lemma7_density_growth_chain(v, lams, eta, rho, R)
    assert chain.shape == (len(proof.LEMMA7_CHAIN), 300)
    assert np.all(np.diff(chain, axis=0) >= -1e-12 * chain[1:])
    B = eta * lams[-1] / 6
    g = 1 - eta * lams
    gamma1 = quadratic_constants(lams, eta, rho).gamma[0]
    r = np.linalg.norm(v, axis=-1)[:, None]
    margin = g * (1 - quadratic_constants(lams, eta, rho).gamma / r)
    assert np.all(margin >= g[0] * eta * lams[-1] / 2 * (1 - 1e-12))
    assert np.all(margin > B)
    assert chain[-1, 0] == pytest.approx(9 * R**3 / (B ** (lams.size + 3) * gamma1**3))


def test_pushforward_density_predicts_where_points_land():
    """d = 2: v0 uniform in the shell γ1 + ε ≤ ‖v‖ ≤ 1; the fraction of f(v0) in
    each cell of a grid against μ0(f⁻¹(x))|det ∇f⁻¹(x)| integrated over the cell."""
    lams = np.array([1.0, 0.4])
    c = quadratic_constants(lams, ETA, RHO)
    r_in, r_out = c.gamma[0] + proof.lemma7_epsilon(lams, ETA, RHO), 1.0
    v0 = proof.sample_shell(400_000, 2, r_in, r_out, seed=11)
    landed = proof.sam_gradients(v0, lams, ETA, RHO, 1)[1]
    edges = np.linspace(-1.0, 1.0, 9)
    counts, _, _ = np.histogram2d(landed[:, 0], landed[:, 1], bins=[edges, edges])
    measured = counts / landed.shape[0]
    rng = np.random.default_rng(12)
    corners = np.stack(np.meshgrid(edges[:-1], edges[:-1], indexing="ij"), axis=-1)
    x = corners + 0.25 * rng.random((4000, 8, 8, 2))
    x[..., 0] = np.where(x[..., 0] == 0, 1e-12, x[..., 0])
    mu0 = proof.shell_density(proof.lemma7_inverse(x, lams, ETA, RHO), r_in, r_out)
    det = proof.lemma7_inverse_jacobian_det(x, lams, ETA, RHO)
    predicted = 0.25**2 * np.mean(mu0 * det, axis=0)
    assert abs(predicted.sum() - 1) < 0.01
    busy = measured > 0.005
    np.testing.assert_allclose(measured[busy], predicted[busy], rtol=0.1)
    assert np.abs(measured - predicted).sum() < 0.03  # total variation, all cells


# ------------------------------------------- Chapter 4's measurements, one call each


def test_squared_multipliers_are_the_recurrences_factor_squared():
    from samlib.stability import sam_multiplier

    radii = np.geomspace(1e-3, 2.0, 50)
    c = quadratic_constants(*SETTING)
    mult = proof.squared_multipliers(radii, *SETTING)
    closed = ((1 - ETA * LAMS) * (radii[:, None] - c.gamma) / radii[:, None]) ** 2
    np.testing.assert_allclose(mult, closed, rtol=1e-9)
    np.testing.assert_allclose(
        mult, sam_multiplier(LAMS, radii[:, None], ETA, RHO) ** 2, rtol=1e-9
    )
    at_beta = proof.squared_multipliers(c.beta, *SETTING)
    np.testing.assert_allclose(np.diag(at_beta), 1.0, rtol=1e-9)


def test_sample_sphere_has_the_norms_and_uniform_directions():
    radii = np.geomspace(0.1, 10, 40_000)
    v = proof.sample_sphere(radii, 3, seed=4)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), radii, rtol=1e-12)
    u = v / radii[:, None]
    assert np.abs(u.mean(axis=0)).max() < 0.02  # no preferred direction
    np.testing.assert_allclose((u**2).mean(axis=0), 1 / 3, atol=0.01)
    with pytest.raises(ValueError, match="radii"):
        proof.sample_sphere([[1.0]], 3, seed=0)


def test_lemma6_runs_are_the_lemma6_functions_run_by_run():
    starts = np.vstack(
        [proof.sample_sphere([0.5, 3.0, 40.0], 4, seed=1), 9 * np.eye(4)[3]]
    )
    runs = proof.lemma6_runs(starts, *SETTING, 120)
    c = quadratic_constants(*SETTING)
    path = proof.sam_gradients(starts, *SETTING, 120)
    np.testing.assert_array_equal(runs.V, path)
    norms = np.linalg.norm(path, axis=-1)
    np.testing.assert_array_equal(runs.T0, proof.entry_time(norms, c.b))
    for k in range(3):
        R, Delta = np.linalg.norm(starts[k]), np.abs(norms[:, k] - c.gamma[0]).min()
        assert runs.Delta[k] == Delta and runs.R[k] == pytest.approx(R, rel=1e-15)
        assert runs.T[k] == pytest.approx(proof.lemma6_descent_time(*SETTING, R))
        ratio = proof.offaxis_ratio(path[runs.T0[k], k])
        assert runs.log_ratio[k] == pytest.approx(math.log(ratio))
        growth = math.log(ratio / proof.offaxis_ratio(starts[k]))
        assert runs.log_growth[k] == pytest.approx(growth)
        args = (*SETTING, R, Delta, starts[k])
        assert runs.log_bound[k] == pytest.approx(proof.lemma6_log_ratio_bound(*args))
        printed = proof.lemma6_log_ratio_bound(*args, corrected=False)
        assert runs.log_bound_printed[k] == pytest.approx(printed)
    # along e_d the first component is 0 forever: the ratio and its bound are infinite
    assert runs.log_ratio[3] == np.inf and runs.log_bound[3] == np.inf
    R, T, Delta = runs.R, runs.T, runs.Delta
    with np.errstate(over="ignore"):
        ceil, flat = (2 * R / Delta) ** (2 * np.ceil(T)), (2 * R / Delta) ** (2 * T)
    np.testing.assert_allclose(runs.growth_bound(), ceil)
    np.testing.assert_allclose(runs.growth_bound(printed=True), flat)
    ratios = [
        norms[t + 1, k] / norms[t, k]
        for t in range(120)
        for k in range(4)
        if norms[t, k] >= c.b
    ]
    np.testing.assert_allclose(np.sort(runs.shrink_outside), np.sort(ratios))


def test_lemma6_runs_by_default_run_one_step_past_the_largest_T():
    starts = proof.sample_sphere([0.5, 3.0, 40.0], 4, seed=1)
    runs = proof.lemma6_runs(starts, *SETTING)
    T = proof.lemma6_descent_time(*SETTING, 40.0)
    assert runs.V.shape[0] == math.ceil(T) + 2
    assert np.all(runs.T0 >= 0)


def test_gamma1_sphere_runs_recover_later_the_closer_they_start():
    offsets = [1e-1, 1e-4, 1e-8, 0.0]
    runs = proof.gamma1_sphere_runs(offsets, *SETTING, 400, seed=7)
    u = proof.gamma1_sphere_direction(*SETTING, seed=7)
    gamma1 = quadratic_constants(*SETTING).gamma[0]
    np.testing.assert_allclose(runs.V[0], gamma1 * (1 + np.array(offsets))[:, None] * u)
    np.testing.assert_array_equal(runs.delta, proof.delta_t(runs.V))
    for k in range(3):  # by a loop: the first t ≥ 1 with δ_t ≤ 0.01
        t = next(t for t in range(1, 401) if runs.delta[t, k] <= 0.01)
        assert runs.recovery[k] == t
    assert runs.recovery[2] > runs.recovery[0] and runs.recovery[3] == -1
    assert np.all(runs.V[1:, 3, 0] == 0.0)


def test_lemma7_pushforward_counts_agree_with_the_true_determinant_only():
    lams = np.array([1.0, 0.4])
    c = quadratic_constants(lams, ETA, RHO)
    r_in = c.gamma[0] + proof.lemma7_epsilon(lams, ETA, RHO)
    push = proof.lemma7_pushforward(lams, ETA, RHO, r_in, 1.0, 0.4, n=200_000, seed=3)
    v0 = proof.sample_shell(200_000, 2, r_in, 1.0, seed=3)  # the same points
    np.testing.assert_array_equal(
        push.centres, proof.sam_gradients(v0[:6], lams, ETA, RHO, 1)[1]
    )
    np.testing.assert_allclose(push.measured, push.predicted, rtol=0.1)
    assert np.all(push.printed >= push.predicted)  # (6) as printed overstates it
    with pytest.raises(ValueError, match="outside"):
        proof.lemma7_pushforward(lams, ETA, RHO, 0.5 * c.gamma[0], 1.0, 0.4)


def test_lemma7_chain_extremes_are_each_lines_min_and_max():
    v, R = lemma7_domain(LAMS, ETA, RHO, 200, seed=2)
    chain = proof.lemma7_density_growth_chain(v, *SETTING, R)
    rows = proof.lemma7_chain_extremes(chain)
    assert list(rows[:, 0]) == list(proof.LEMMA7_CHAIN)
    np.testing.assert_allclose(rows[:, 1].astype(float), chain.min(axis=1), rtol=1e-2)
    np.testing.assert_allclose(rows[:, 2].astype(float), chain.max(axis=1), rtol=1e-2)
    with pytest.raises(ValueError, match="shape"):
        proof.lemma7_chain_extremes(chain[:3])


# ------------------------------------------------------------ Chapter 4's figures


def test_chapter4_figures_draw_their_data():
    import matplotlib.pyplot as plt

    c = quadratic_constants(*SETTING)
    _, axes = plt.subplots(1, 2)
    radii = np.geomspace(1e-3, 1.0, 50)
    mult = np.tile(radii[:, None], (1, 4))
    lines = plotting.plot_lemma5_multipliers(axes, radii, mult, c.beta, c.alpha)
    assert len(lines) == 7
    np.testing.assert_array_equal(lines[0].get_ydata(), mult[:, 0])
    vertical = [ln.get_xdata()[0] for ln in axes[0].lines if ln not in lines]
    assert np.allclose(sorted(vertical[:4]), sorted(c.beta))
    ax = plt.figure().subplots()
    assert len(plotting.plot_lemma5_constants(ax, c)) == 4
    ax = plt.figure().subplots()
    assert len(plotting.plot_lemma5_levels(ax, np.ones((10, 3)), c)) == 3
    ax = plt.figure().subplots()
    plotting.plot_entry_times(ax, radii, radii, radii, radii[:5], radii[:5])
    ax = plt.figure().subplots()
    assert len(plotting.plot_recovery(ax, np.ones((10, 2)), [1e-3, 0.0])) == 2
    axes = plt.figure().subplots(1, 2)
    plotting.plot_closest_approach(axes, np.geomspace(1e-6, 1e-2, 100), 50.0)
    plt.close("all")


def test_chapter4_explorer_pair_moves_its_artists():
    from matplotlib.figure import Figure

    artists = plotting.draw_gradient_levels(Figure())
    v = proof.sam_gradients(np.array([3.0, 2.0, 1.0, 1.0]), *SETTING, 120)
    c = quadratic_constants(*SETTING)
    plotting.show_gradient_levels(artists, v, c, eta=ETA, lam_d=LAMS[-1])
    np.testing.assert_allclose(artists["norm"].get_ydata(), np.linalg.norm(v, axis=-1))
    np.testing.assert_allclose(artists["components"][2].get_ydata(), np.abs(v[:, 2]))
    assert [ln.get_ydata()[0] for ln in artists["levels"]] == [
        c.gamma[0],
        c.b,
        c.beta[0],
    ]
    assert "0.20" in artists["title"].get_text()


def test_chapter4_explorer_update_draws_one_run_and_its_levels():
    from matplotlib.figure import Figure

    artists = plotting.draw_gradient_levels(Figure())
    message = plotting.update_gradient_levels(artists, 0.2, 0.2, 10.0)
    lams = np.geomspace(1.0, 0.2, 4)
    v = proof.sam_gradients(10.0 * np.array([0.3, 0.5, 0.6, 0.55]), lams, 0.2, 1.0, 120)
    np.testing.assert_allclose(artists["norm"].get_ydata(), np.linalg.norm(v, axis=-1))
    c = quadratic_constants(lams, 0.2, 1.0)
    T = proof.lemma6_descent_time(lams, 0.2, 1.0, 10.0)
    assert message == f"b = {c.b:.3g}, β1 = {c.beta[0]:.3g}, Lemma 6: T = {T:.0f}"
    with pytest.raises(ValueError, match="η < 1/\\(2λ1\\)"):
        plotting.update_gradient_levels(artists, 0.6, 0.2, 10.0)
