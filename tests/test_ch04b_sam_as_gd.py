"""Chapter 4.3 (book/04b_sam_as_gd.ipynb): the potential J, Proposition 8, Remark 9,
Lemmas 10 and 11, and Figure 2's drawing.

Two kinds of tests. The claims the chapter makes about its own running example that
moved out of the notebook (the derivatives of J against finite differences, the range
of J against a brute-force maximum) are checked here on exactly the chapter's data.
And the samlib functions the chapter calls are checked against closed forms, loops
and SAM's own iterates.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _helpers import central_difference, chapter_cells
from samlib import (
    J,
    J_stationary_points,
    Quadratic,
    grad_J,
    hess_J,
    lemma10_decrease_bound,
    plotting,
    potential,
    proof,
    quadratic_constants,
    run_sam,
    sign_flip,
)

# The chapter's running example and seed.
LAMS, ETA, RHO, SEED = np.array([1.0, 0.6, 0.35, 0.2]), 0.2, 1.0, 2023


@st.composite
def setups(draw, ties=True, eta_min=0.02, ratio_min=0.05):
    """λ1 ≥ ... ≥ λd > 0 (ties allowed), η = frac/(2λ1), ρ > 0, a seed."""
    d = draw(st.integers(1, 5))
    lams = [draw(st.floats(0.1, 5.0))]
    for _ in range(d - 1):
        tie = ties and draw(st.booleans()) and draw(st.booleans())
        lams.append(lams[-1] * (1.0 if tie else draw(st.floats(ratio_min, 0.95))))
    eta = draw(st.floats(eta_min, 0.98)) / (2 * lams[0])
    return np.array(lams), eta, draw(st.floats(0.05, 5.0)), draw(st.integers(0, 2**32))


# ------------------------------------------------ the chapter's own claims, moved here


def test_the_chapters_derivatives_of_J_match_central_differences():
    """Proposition 8's ∇J and ∇²J at the chapter's 20 random points."""
    rng = np.random.default_rng(SEED)
    for u in rng.standard_normal((20, LAMS.size)) * 0.3:
        fd_grad = central_difference(lambda x: J(x, LAMS, ETA, RHO), u, h=1e-6)
        fd_hess = central_difference(lambda x: grad_J(x, LAMS, ETA, RHO), u, h=1e-6)
        assert np.allclose(grad_J(u, LAMS, ETA, RHO), fd_grad, atol=1e-6)
        assert np.allclose(hess_J(u, LAMS, ETA, RHO), fd_hess, atol=1e-5)


def test_the_chapters_range_of_J_matches_a_brute_force_maximum():
    """Lemma 11: max_{‖Λw‖≤b} J - min J, exactly, against 200 000 points of the
    ball (the chapter's sample) and the maximiser b e_d."""
    c = quadratic_constants(LAMS, ETA, RHO)
    ball = proof.sample_ball(200_000, LAMS.size, c.b, seed=SEED + 2)
    ball = np.vstack([ball, c.b * np.eye(LAMS.size)[-1]])
    brute = J(ball / LAMS, LAMS, ETA, RHO).max() + c.beta[0] / 2
    assert proof.lemma11_J_range(LAMS, ETA, RHO) == pytest.approx(brute, rel=1e-9)


# ----------------------------------------------------------- Proposition 8, Remark 9


def test_hessian_signature_counts_signs_relative_to_the_largest():
    assert potential.hessian_signature(np.diag([2.0, -1.0, 1e-14])) == (1, 1, 1)
    assert potential.hessian_signature(np.diag([2.0, -1.0, 1e-6])) == (2, 1, 0)
    assert potential.hessian_signature(-np.eye(3)) == (0, 3, 0)
    with pytest.raises(ValueError, match="square"):
        potential.hessian_signature(np.ones((2, 3)))


@given(setup=setups())
def test_stationary_hessian_is_hess_J_on_the_whole_stationary_sphere(setup):
    """At ``(βi/λi)û`` for any unit û in the eigenspace of λi (not only ±e_i)."""
    lams, eta, rho, seed = setup
    rng = np.random.default_rng(seed)
    beta = quadratic_constants(lams, eta, rho, strict=False).beta
    for i in range(lams.size):
        u_hat = np.where(lams == lams[i], rng.standard_normal(lams.size), 0.0)
        u_hat /= np.linalg.norm(u_hat)
        H = hess_J(beta[i] / lams[i] * u_hat, lams, eta, rho)
        closed = potential.stationary_hessian(lams, eta, rho, i, u_hat)
        scale = np.abs(closed).max()
        np.testing.assert_allclose(H, closed, rtol=0, atol=1e-9 * scale)


def test_the_printed_e_i_term_is_wrong_off_the_axes():
    """The paper's e_i e_iᵀ differs from the Hessian when λi is repeated and û is
    not ±e_i; it agrees at û = e_i."""
    lams = np.array([1.0, 0.5, 0.5, 0.2])
    beta = quadratic_constants(lams, 0.2, 1.0).beta
    u_hat = np.array([0.0, 1.0, 1.0, 0.0]) / math.sqrt(2)
    H = hess_J(beta[1] / lams[1] * u_hat, lams, 0.2, 1.0)
    printed = potential.stationary_hessian(lams, 0.2, 1.0, 1)
    assert np.abs(H - printed).max() > 1
    on_axis = hess_J(beta[1] / lams[1] * np.eye(4)[1], lams, 0.2, 1.0)
    np.testing.assert_allclose(on_axis, printed, atol=1e-12)


def test_stationary_hessian_checks_its_direction():
    with pytest.raises(ValueError, match="unit vector"):
        potential.stationary_hessian([1.0, 0.5], 0.2, 1.0, 0, [2.0, 0.0])
    with pytest.raises(ValueError, match="span"):
        potential.stationary_hessian([1.0, 0.5], 0.2, 1.0, 0, [0.6, 0.8])
    with pytest.raises(ValueError, match="index"):
        potential.stationary_hessian([1.0, 0.5], 0.2, 1.0, 2)


@pytest.mark.parametrize("lams", [[1.0, 0.6, 0.35, 0.2], [1.0, 0.5, 0.5, 0.2]])
def test_stationary_checks_agree_with_proposition_8(lams):
    checks = potential.stationary_checks(lams, 0.2, 1.0)
    assert len(checks) == 2 * len(lams)
    beta = quadratic_constants(lams, 0.2, 1.0).beta
    for c in checks:
        assert c.measured == c.predicted
        assert c.value == pytest.approx(-beta[c.point.index] / 2, rel=1e-12)
        assert c.closed_form == pytest.approx(-beta[c.point.index] / 2, rel=1e-15)
        assert max(c.hessian_error, c.gradient_norm) < 1e-12
        H = hess_J(c.point.point, lams, 0.2, 1.0)
        assert c.lowest_eigenvalue == pytest.approx(np.linalg.eigvalsh(H).min())
        assert len(c.row()) == len(potential.StationaryCheck.HEADER)


def test_remark9_corrected_bound_holds_and_the_printed_one_fails_for_small_lambda1():
    lams = np.array([0.5, 0.25, 0.1])
    beta = quadratic_constants(lams, 0.2, 1.0).beta
    printed = 1 / beta[0] - 1 / beta[1]
    saddles = [c for c in potential.stationary_checks(lams, 0.2, 1.0) if c.predicted[1]]
    lowest = np.array([c.lowest_eigenvalue for c in saddles])
    assert np.all(lowest <= lams[0] ** 2 * printed * (1 - 1e-12))
    assert lowest.max() > printed


# ---------------------------------------------------------------------- Lemma 10


@given(setup=setups(ties=False))
def test_lemma10_decreases_are_the_differences_of_J_and_the_bound(setup):
    lams, eta, rho, seed = setup
    w0 = proof.sample_ball(16, lams.size, 3.0, seed)
    U = sign_flip(run_sam(Quadratic(lams).grad, w0, eta, rho, 30))
    decrease, guaranteed = potential.lemma10_decreases(U, lams, eta, rho)
    values = J(U, lams, eta, rho)
    np.testing.assert_allclose(decrease, values[:-1] - values[1:], rtol=0, atol=0)
    bound = -lemma10_decrease_bound(U[:-1], lams, eta, rho)
    np.testing.assert_allclose(guaranteed, bound, rtol=1e-13, atol=1e-300)
    assert np.all(decrease >= guaranteed - 1e-12 * np.abs(values[:-1]).max())


def test_lemma10_decreases_needs_two_iterates():
    with pytest.raises(ValueError, match="two iterates"):
        potential.lemma10_decreases([[1.0, 0.5]], [1.0, 0.5], 0.2, 1.0)


# ---------------------------------------------------------------------- Lemma 11


@given(setup=setups(ties=False), eps=st.floats(0.01, 2.0))
def test_lemma11_chain_is_the_stated_closed_forms_in_order(setup, eps):
    lams, eta, rho, _ = setup
    c = quadratic_constants(lams, eta, rho)
    chain = proof.lemma11_chain(lams, eta, rho, eps)
    x1, b1, bd = eta * lams[0], c.beta[0], c.beta[-1]
    J_range = max(0.0, c.b**2 / (2 * bd) - c.b) + b1 / 2
    assert chain.step_decrease == pytest.approx(
        (2 - x1) * eta * eps**2 * lams[0] * b1 / 2
    )
    assert chain.via_J == pytest.approx(
        2 * J_range / ((2 - x1) * eta * eps**2 * lams[0] * b1)
    )
    assert chain.middle == pytest.approx(
        4 * b1 / ((2 - x1) * eta * eps**2 * lams[0] * bd)
    )
    assert chain.final == pytest.approx(proof.lemma11_count_bound(lams, eta, rho, eps))
    assert chain.printed_via_J == pytest.approx(
        proof.lemma11_count_bound_J(lams, eta, rho, eps)
    )
    assert chain.via_J <= chain.middle * (1 + 1e-12)
    assert chain.middle <= chain.final * (1 + 1e-12)


@given(
    setup=setups(ties=False, eta_min=0.1, ratio_min=0.4),
    eps=st.sampled_from([0.05, 0.25, 1.0]),
)
def test_lemma11_counted_steps_and_their_decrease_on_trajectories(setup, eps):
    """Every step Lemma 11 counts lowers J by the corrected amount (with the factor
    2 - ηλ1 the paper drops), and the count is within the corrected chain."""
    lams, eta, rho, seed = setup
    c = quadratic_constants(lams, eta, rho)
    radius = 3 * c.b / lams[-1]  # ‖v0‖ ≤ 3 b λ1/λd
    entry = proof.lemma6_descent_time(lams, eta, rho, lams[0] * radius)
    runs = proof.ball_runs(lams, eta, rho, 32, radius, math.ceil(entry) + 200, seed)
    high = proof.lemma11_high_steps(runs, lams, eta, rho, eps)
    decrease, _ = potential.lemma10_decreases(sign_flip(runs.W), lams, eta, rho)
    chain = proof.lemma11_chain(lams, eta, rho, eps)
    scale = np.abs(J(sign_flip(runs.W), lams, eta, rho)).max()
    assert np.all(decrease[high[:-1]] >= chain.step_decrease - 1e-12 * scale)
    assert high.sum(axis=0).max() <= chain.via_J


def test_lemma11_high_steps_is_the_definition():
    runs = proof.ball_runs(LAMS, ETA, RHO, 20, 5.0, 120, seed=SEED + 1)
    beta1 = quadratic_constants(LAMS, ETA, RHO).beta[0]
    high = proof.lemma11_high_steps(runs, LAMS, ETA, RHO, 0.1)
    for k in range(20):
        for t in range(121):
            expected = t >= runs.T0[k] and runs.norms[t, k] >= 1.1 * beta1
            assert high[t, k] == expected


def test_the_printed_chain_fails_on_the_running_example():
    chain = proof.lemma11_chain(LAMS, ETA, RHO, 0.05)
    assert chain.printed_via_J > chain.final >= chain.middle >= chain.via_J


def test_ball_runs_are_run_sam_from_sample_ball():
    runs = proof.ball_runs(LAMS, ETA, RHO, 10, 5.0, 50, seed=7)
    w0 = proof.sample_ball(10, LAMS.size, 5.0, seed=7)
    W = run_sam(Quadratic(LAMS).grad, w0, ETA, RHO, 50)
    np.testing.assert_array_equal(runs.W, W)
    np.testing.assert_array_equal(runs.V, LAMS * W)
    b = quadratic_constants(LAMS, ETA, RHO).b
    np.testing.assert_array_equal(runs.T0, proof.entry_time(runs.norms, b))
    np.testing.assert_allclose(
        runs.ratio0, proof.offaxis_ratio(runs.V[runs.T0, np.arange(10)])
    )
    with pytest.raises(ValueError, match="never enter"):
        proof.runs_from(LAMS, ETA, RHO, [1e6, 0, 0, 0], 3)


def test_the_explorer_says_why_it_cannot_draw_and_starts_at_figure_2s_w0():
    """The chapter's explorer (its own cells): a message, not a traceback, for
    ηλ1 ≥ 2 (J has no minimum), and a picture again after it; its start
    r(cos θ, sin θ) for the initial θ and r is Figure 2's w0."""
    chapter = chapter_cells(
        "04b_sam_as_gd", "use_book_style()", "def update(", "controls = {"
    )
    explorer, controls = chapter["explorer"], chapter["controls"]
    assert explorer.ok and explorer.message.startswith("J(u_25) = ")
    assert "Cannot draw" in explorer.update(eta=2.5)  # ηλ1 ≥ 2: J has no minimum
    explorer.update(eta=0.2)
    assert explorer.ok
    theta, r = np.radians(controls["theta"].value), controls["radius"].value
    assert np.allclose(
        r * np.array([np.cos(theta), np.sin(theta)]), [0.244, 0.0224], atol=1e-3
    )


def test_lemma11_row_is_the_chain_in_whole_steps_under_its_header():
    chain = proof.lemma11_chain(LAMS, ETA, RHO, 0.25)
    row = proof.lemma11_row(0.25, 7, chain)
    assert len(row) == len(proof.LEMMA11_HEADER) and row[:2] == [0.25, 7]
    bounds = [chain.via_J, chain.middle, chain.final, chain.printed_via_J]
    assert [float(x.replace(",", "")) for x in row[2:]] == [round(b) for b in bounds]


# ------------------------------------------------------------------- the drawing


def test_the_landscape_artists_show_J_the_path_and_the_stationary_points():
    fig, ax = plt.subplots()
    lams, eta, rho = np.array([1.0, 0.2]), 0.2, 1.0
    u = sign_flip(run_sam(Quadratic(lams).grad, [0.244, 0.0224], eta, rho, 25))
    artists = plotting.plot_J_landscape(
        ax, lams, eta, rho, u, (-0.3, 0.3), (-0.04, 0.04), 41
    )
    Z = artists["image"].get_array()
    X, Y = np.meshgrid(np.linspace(-0.3, 0.3, 41), np.linspace(-0.04, 0.04, 41))
    np.testing.assert_allclose(Z, J(np.stack([X, Y], axis=-1), lams, eta, rho))
    np.testing.assert_allclose(np.column_stack(artists["path"].get_data()), u)
    points = np.array([p.point for p in J_stationary_points(lams, eta, rho)])
    np.testing.assert_allclose(
        np.column_stack(artists["stationary"].get_data()), points
    )
    assert ax.get_xlim() == (-0.3, 0.3) and len(fig.axes) == 2  # and a colour bar
    # without a window, the view holds the path and the stationary points
    plotting.show_J_landscape(artists, lams, eta, rho, u)
    assert ax.get_xlim()[1] >= np.abs(u[:, 0]).max()
    assert ax.get_ylim()[1] >= np.abs(points[:, 1]).max()
    fig.canvas.draw()
    plt.close(fig)


def test_plot_against_diagonal_leaves_out_the_floor():
    fig, ax = plt.subplots()
    diagonal = plotting.plot_against_diagonal(ax, [0.0, 1e-3, 1e-2], [1e-3, 2e-3, 3e-2])
    (points,) = [line for line in ax.get_lines() if line is not diagonal]
    assert len(points.get_xdata()) == 2
    assert diagonal.get_xdata()[0] == 1e-3
    plt.close(fig)


def test_the_default_window_is_rounded_and_the_landscape_kept_when_unchanged():
    fig, ax = plt.subplots()
    lams = np.array([1.0, 0.2])
    artists = plotting.draw_J_landscape(ax)
    u = sign_flip(run_sam(Quadratic(lams).grad, [0.244, 0.0224], 0.2, 1.0, 25))
    plotting.show_J_landscape(artists, lams, 0.2, 1.0, u)
    xmax, ymax = ax.get_xlim()[1], ax.get_ylim()[1]
    assert xmax >= 1.2 * np.abs(u[:, 0]).max() and ymax >= 1.2 * np.abs(u[:, 1]).max()
    for top in (xmax, ymax):  # 1, 2, 2.5 or 5 times a power of ten
        mantissa = top / 10 ** math.floor(math.log10(top))
        assert any(math.isclose(mantissa, m) for m in (1.0, 2.0, 2.5, 5.0))
    image = artists["image"].get_array()
    plotting.show_J_landscape(artists, lams, 0.2, 1.0, u * 0.99)  # same window
    assert artists["image"].get_array() is image
    plotting.show_J_landscape(artists, lams, 0.25, 1.0, u)  # another landscape
    assert artists["image"].get_array() is not image
    plt.close(fig)
