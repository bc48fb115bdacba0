"""Chapter 3's library: the factors that make the 2-cycle attract, the distance to
the 2-cycle (batched over step sizes, and to the sphere of cycles when the top
eigenvalue repeats), the rate of Theorem 1, and the chapter's figures.

Each function is checked against an independent computation: finite differences of
the SAM map, the edge-of-stability factor of :mod:`samlib.stability`, brute-force
minima over the cycle's points, and Theorem 3's explicit bound.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from _helpers import central_difference
from samlib import (
    Quadratic,
    cycle_distance,
    limit_cycle,
    quadratic_constants,
    run_sam,
    theorem3_steps,
)
from samlib.plotting import (
    draw_sam_on_quadratic,
    plot_settling_times,
    plot_step_size_sweep,
    plot_two_phases,
    show_sam_on_quadratic,
    update_sam_on_quadratic,
)
from samlib.proof import settling_study, settling_time
from samlib.quadratic import (
    cycle_jacobian,
    cycle_multipliers,
    run_profile,
    sam_on_quadratic,
    theorem1_rate,
    top_eigenspace_cycle,
)
from samlib.stability import sam_multiplier

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "03_quadratics.ipynb"


# ------------------------------------------------------------------ cycle_multipliers


@pytest.mark.parametrize(
    "lams, eta, rho",
    [([1.0, 0.5], 0.2, 1.0), ([1.0, 0.8, 0.5, 0.1], 0.2, 0.3), ([2.0, 1.9], 0.9, 2.0)],
)
def test_cycle_multipliers_are_the_jacobian_of_one_sam_step(lams, eta, rho):
    """One step maps c e1 + δ to -c e1 + diag(m) δ to first order."""
    quad = Quadratic(lams)
    plus = limit_cycle(lams, eta, rho, strict=False)[0]
    jacobian = central_difference(lambda w: quad.sam_map(w, eta, rho), plus, h=1e-7)
    np.testing.assert_allclose(
        jacobian, np.diag(cycle_multipliers(lams, eta)), atol=1e-6
    )


def test_cycle_multipliers_off_the_axis_are_sams_factor_at_gradient_norm_beta1():
    lams, eta, rho = np.array([1.5, 1.2, 0.7, 0.2]), 0.3, 0.8
    beta1 = quadratic_constants(lams, eta, rho, strict=False).beta[0]
    expected = [sam_multiplier(lam, beta1, eta, rho) for lam in lams[1:]]
    np.testing.assert_allclose(cycle_multipliers(lams, eta)[1:], expected, rtol=1e-12)
    assert cycle_multipliers(lams, eta)[0] == pytest.approx(1 - eta * lams[0])


@pytest.mark.parametrize("eta", [0.05, 0.4, 1.0, 1.9])
def test_the_cycle_attracts_exactly_when_the_top_eigenvalue_is_simple(eta):
    m = cycle_multipliers([1.0, 0.999, 0.5, 0.01], eta)
    assert np.all(np.abs(m) < 1)
    m_equal = cycle_multipliers([1.0, 1.0, 0.5], eta)
    assert m_equal[1] == pytest.approx(-1.0)


def test_cycle_multipliers_need_the_cycle_to_exist():
    with pytest.raises(ValueError, match="ηλ1 < 2"):
        cycle_multipliers([1.0, 0.5], 2.0)
    with pytest.raises(ValueError, match="eta must be a scalar"):
        cycle_multipliers([1.0, 0.5], [0.1, 0.2])


@pytest.mark.parametrize(
    "lams, eta, rho", [([1.0, 0.8, 0.5, 0.1], 0.2, 1.0), ([2.0, 1.9], 0.9, 2.0)]
)
def test_cycle_jacobian_is_the_two_step_central_difference(lams, eta, rho):
    quad = Quadratic(lams)
    plus = limit_cycle(lams, eta, rho, strict=False)[0]
    expected = central_difference(
        lambda w: quad.sam_map(quad.sam_map(w, eta, rho), eta, rho), plus, h=1e-7
    )
    np.testing.assert_allclose(cycle_jacobian(lams, eta, rho), expected, atol=1e-5)
    m = cycle_multipliers(lams, eta)
    np.testing.assert_allclose(cycle_jacobian(lams, eta, rho), np.diag(m**2), atol=1e-5)
    with pytest.raises(ValueError, match="ηλ1 < 2"):
        cycle_jacobian(lams, 2.5 / lams[0], rho)


# --------------------------------------------------------------------- cycle_distance


def test_cycle_distance_is_the_distance_to_the_nearer_cycle_point():
    rng = np.random.default_rng(5)
    lams, eta, rho = np.array([1.0, 0.6, 0.3]), 0.3, 0.7
    w = rng.normal(size=(200, 3)) * rng.uniform(0.01, 2, (200, 1))
    cycle = limit_cycle(lams, eta, rho)
    brute = np.min(np.linalg.norm(w[:, None, :] - cycle, axis=-1), axis=1)
    np.testing.assert_allclose(cycle_distance(w, lams, eta, rho), brute, rtol=1e-12)


def test_cycle_distance_broadcasts_over_step_sizes_like_run_sam():
    lams, rho = np.array([1.0, 0.5]), 1.0
    etas = np.array([0.1, 0.8, 1.5])
    starts = np.random.default_rng(0).normal(size=(7, 1, 2))
    paths = run_sam(Quadratic(lams).grad, starts, etas, rho, 40)  # (41, 7, 3, 2)
    batched = cycle_distance(paths, lams, etas, rho, strict=False)
    assert batched.shape == (41, 7, 3)
    for j, eta in enumerate(etas):
        one = cycle_distance(paths[:, :, j], lams, eta, rho, strict=False)
        np.testing.assert_array_equal(batched[:, :, j], one)


def test_cycle_distance_to_the_sphere_of_cycles_of_a_repeated_eigenvalue():
    """λ1 = λ2: every c u, u a unit vector of the top eigenspace, is on a 2-cycle."""
    lams, eta, rho = np.array([1.0, 1.0, 0.5]), 0.2, 1.0
    c = limit_cycle(lams, eta, rho, strict=False)[0, 0]
    quad = Quadratic(lams)
    angles = np.linspace(0, 2 * np.pi, 7)
    on_sphere = c * np.column_stack([np.cos(angles), np.sin(angles), 0 * angles])
    np.testing.assert_allclose(
        quad.sam_map(quad.sam_map(on_sphere, eta, rho), eta, rho), on_sphere, atol=1e-15
    )
    distance = cycle_distance(on_sphere, lams, eta, rho, strict=False, all_cycles=True)
    np.testing.assert_allclose(distance, 0, atol=1e-15)
    # elsewhere: the distance to the nearest of many points of that circle
    w = np.random.default_rng(1).normal(size=(50, 3))
    fine = np.linspace(0, 2 * np.pi, 200_001)
    circle = c * np.column_stack([np.cos(fine), np.sin(fine), 0 * fine])
    brute = [np.min(np.linalg.norm(circle - point, axis=1)) for point in w]
    np.testing.assert_allclose(
        cycle_distance(w, lams, eta, rho, strict=False, all_cycles=True),
        brute,
        rtol=1e-8,
    )
    # by default, the distance to the pair ±c e1 of limit_cycle
    pair = limit_cycle(lams, eta, rho, strict=False)
    nearer = np.min(np.linalg.norm(w[:, None] - pair, axis=-1), axis=1)
    np.testing.assert_allclose(cycle_distance(w, lams, eta, rho, strict=False), nearer)
    with pytest.raises(ValueError, match="λ1 > λ2"):
        cycle_distance(w, lams, eta, rho)


def test_cycle_distance_rejects_what_it_cannot_measure():
    w = np.zeros((4, 3, 2))
    with pytest.raises(ValueError, match="does not broadcast"):
        cycle_distance(w, [1.0, 0.5], np.array([0.1, 0.2]), 1.0)
    with pytest.raises(ValueError, match="η < 1/\\(2λ1\\)"):
        cycle_distance(w, [1.0, 0.5], np.array([0.1, 0.6, 0.2]), 1.0)
    with pytest.raises(ValueError, match="ηλ1 < 2"):
        cycle_distance(w, [1.0, 0.5], np.array([0.1, 2.0, 0.2]), 1.0, strict=False)


# ------------------------------------------- the explorers' run and Chapter 3's studies


def test_sam_on_quadratic_is_run_sam_and_run_gd_with_the_theory_of_its_end():
    lams, w0 = np.array([1.0, 0.5]), np.array([2.0, 2.0])
    run = sam_on_quadratic(lams, w0, 0.2, 1.0, 300, gd=True)
    np.testing.assert_array_equal(
        run.path, run_sam(Quadratic(lams).grad, w0, 0.2, 1.0, 300)
    )
    assert np.linalg.norm(run.gd[-1]) < 1e-12 and run.gd.shape == (301, 2)
    np.testing.assert_array_equal(run.cycle, limit_cycle(lams, 0.2, 1.0))
    assert run.distance == cycle_distance(run.path[-1], lams, 0.2, 1.0)
    assert run.problems == [] and run.status.endswith("Theorems 1–2 hold")
    assert sam_on_quadratic(lams, w0, 0.2, 1.0, 5).gd is None


def test_sam_on_quadratic_names_what_fails_and_refuses_to_diverge():
    w0 = np.array([2.0, 2.0])
    with pytest.raises(ValueError, match=r"η = 2.5 ≥ 2/λ1 = 2: .*diverges"):
        sam_on_quadratic([1.0, 0.5], w0, 2.5, 1.0, 10)
    equal = sam_on_quadratic([1.0, 1.0], w0, 0.2, 1.0, 300)  # a circle of cycles
    assert "λ1 > λ2" in equal.status and equal.distance < 1e-12
    large = sam_on_quadratic([1.0, 0.05], [0.05, 0.0], 1.98, 1.0, 299)
    assert "η < 1/(2λ1)" in large.status and "λ1 > λ2" not in large.status


def test_run_profile_measures_the_path():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    path = run_sam(Quadratic(lams).grad, [2.0, 2.0], eta, rho, 60)
    p = run_profile(path, lams, eta, rho)
    np.testing.assert_allclose(p.grad_norm, np.linalg.norm(path * lams, axis=1))
    np.testing.assert_allclose(p.norm, np.linalg.norm(path, axis=1))
    np.testing.assert_allclose(p.loss, Quadratic(lams).value(path))
    np.testing.assert_allclose(p.share, np.abs(path[:, 0]) / p.norm)
    np.testing.assert_allclose(p.ratio, path[:, 0] ** 2 / path[:, 1] ** 2)
    b = quadratic_constants(lams, eta, rho).b
    assert p.grad_norm[p.t_star] <= b and np.all(p.grad_norm[: p.t_star] > b)
    assert run_profile(path[:1], lams, eta, rho).t_star == -1
    with pytest.raises(ValueError, match="d >= 2"):
        run_profile(path[:, :1], lams[:1], eta, rho)


def test_settling_study_is_settling_time_of_the_distance_to_the_cycle():
    lams, eta, rho = np.array([1.0, 0.6, 0.2]), 0.2, 1.0
    starts = np.random.default_rng(3).normal(size=(50, 3))
    s = settling_study(lams, eta, rho, starts, 150, 1e-6)
    paths = run_sam(Quadratic(lams).grad, starts, eta, rho, 150)
    expected = settling_time(cycle_distance(paths, lams, eta, rho), 1e-6)
    np.testing.assert_array_equal(s.settle, expected)
    np.testing.assert_array_equal(s.ends, paths[-2:])
    assert s.settled == np.mean(expected >= 0)
    first = paths[-2:, :, 0]
    np.testing.assert_array_equal(s.alternates, first[0] * first[1] < 0)
    q = s.quantiles()
    assert s.summary() == f"smallest λ 0.20: {s.settled:.2%} settled, quantiles {q}"
    times = np.where(expected < 0, 151, expected)
    np.testing.assert_array_equal(
        s.quantiles([0, 0.5, 1]), np.quantile(times, [0, 0.5, 1]).astype(int)
    )
    with pytest.raises(ValueError, match="λ1 > λ2"):
        settling_study([1.0, 1.0], eta, rho, starts[:, :2], 10, 1e-6)


def test_settling_study_over_step_sizes_relative_to_the_cycle():
    etas, rho = np.array([0.3, 1.2]), 0.5
    starts = np.random.default_rng(4).normal(size=(6, 1, 2))
    s = settling_study(
        [1.0, 0.5], etas, rho, starts, 400, 1e-5, relative=True, strict=False, keep=4
    )
    paths = run_sam(Quadratic([1.0, 0.5]).grad, starts, etas, rho, 400)
    c = etas * rho / (2 - etas)
    far = cycle_distance(paths, [1.0, 0.5], etas, rho, strict=False) / c
    np.testing.assert_array_equal(s.settle, settling_time(far, 1e-5))
    assert s.ends.shape == (4, 6, 2, 2) and s.settle.shape == (6, 2)
    with pytest.raises(ValueError, match="η < 1/\\(2λ1\\)"):
        settling_study([1.0, 0.5], etas, rho, starts, 10, 1e-5)


def test_top_eigenspace_cycle_is_where_sam_ends_with_a_repeated_top_eigenvalue():
    lams, eta, rho = np.array([1.0, 1.0, 0.5]), 0.2, 1.0
    starts = np.random.default_rng(9).normal(size=(40, 3))
    end = run_sam(Quadratic(lams).grad, starts, eta, rho, 300)[-1]
    predicted = top_eigenspace_cycle(starts, lams, eta, rho)
    c = limit_cycle(lams, eta, rho, strict=False)[0, 0]
    np.testing.assert_allclose(np.linalg.norm(predicted, axis=1), c)
    np.testing.assert_allclose(np.abs(end), np.abs(predicted), atol=1e-9)
    # a simple top eigenvalue: the pair ±c e1 of limit_cycle
    one = top_eigenspace_cycle([-2.0, 1.0], [1.0, 0.5], eta, rho)
    np.testing.assert_allclose(one, -limit_cycle([1.0, 0.5], eta, rho)[0])
    with pytest.raises(ValueError, match="top eigenspace"):
        top_eigenspace_cycle([0.0, 0.0, 1.0], lams, eta, rho)


# ------------------------------------------------------ checks of Chapter 3's exercises


@pytest.mark.parametrize("lams", [[1.0, 0.5], [1.0, 0.8, 0.5, 0.1], [1.0, 0.99]])
def test_on_the_cycle_the_gradient_norm_is_beta1_and_c_is_beta1_over_lambda1(lams):
    """Exercise "ex-ch3-cycle-beta"."""
    lams, eta, rho = np.array(lams), 0.2, 1.0
    w = limit_cycle(lams, eta, rho)
    beta1 = quadratic_constants(lams, eta, rho).beta[0]
    np.testing.assert_allclose(np.linalg.norm(Quadratic(lams).grad(w), axis=1), beta1)
    assert w[0, 0] == pytest.approx(beta1 / lams[0])


def test_doubling_rho_doubles_the_picture_but_halving_eta_does_not_halve_it():
    """Exercise "ex-ch3-rho-doubles", with Figure 1's settings."""
    lams, eta, rho, w0 = np.array([1.0, 0.5]), 0.2, 1.0, np.array([2.0, 2.0])
    quad, cycle = Quadratic(lams), limit_cycle(lams, eta, rho)
    base = run_sam(quad.grad, w0, eta, rho, 60)
    doubled = run_sam(quad.grad, 2 * w0, eta, 2 * rho, 60)
    np.testing.assert_allclose(doubled, 2 * base)
    np.testing.assert_allclose(limit_cycle(lams, eta, 2 * rho), 2 * cycle)
    b = quadratic_constants(lams, eta, rho).b
    assert quadratic_constants(lams, eta, 2 * rho).b == pytest.approx(2 * b)
    assert not np.allclose(limit_cycle(lams, eta / 2, rho), cycle / 2)


# ---------------------------------------------------------------------- theorem1_rate


def test_theorem1_rates_are_the_formulas():
    lams, eta = np.array([2.0, 1.0, 0.5]), np.array([0.01, 0.1, 0.2])
    kappa5, mu = 4.0**5, np.minimum(eta * 0.5, 3.0)
    np.testing.assert_allclose(
        theorem1_rate(lams, eta, printed=True), kappa5 / (eta * 0.5 * mu) + 3
    )
    np.testing.assert_allclose(
        theorem1_rate(lams, eta), (kappa5 + 3 / (eta * 0.5)) / (eta * 0.5 * mu)
    )
    with pytest.raises(ValueError, match="λ1 > λ2"):
        theorem1_rate([1.0, 1.0], 0.1)
    with pytest.raises(ValueError, match="η < 1/\\(2λ1\\)"):
        theorem1_rate([1.0, 0.5], [0.1, 0.5])


@pytest.mark.parametrize(
    "lams", [[1.0, 0.5], [1.0, 0.9, 0.2], [3.0, 1.0, 0.5, 0.4, 0.3, 0.2]]
)
def test_theorem3_gives_the_corrected_rate_of_theorem1_not_the_printed_one(lams):
    """With ε = η² (a polynomial p′), Theorem 3's bound over the corrected rate times
    log³(1/ε) does not grow as η → 0; over the printed rate it grows like 1/η."""
    lam1 = lams[0]
    etas = 0.2 / lam1 * 10.0 ** -np.arange(2, 8)
    steps = np.array(
        [theorem3_steps(lams, e, 1.0, e**2, 3.0, 0.01, 1.0, 0.01) for e in etas]
    )
    cube = np.log(1 / etas**2) ** 3
    corrected = steps / (theorem1_rate(lams, etas) * cube)
    printed = steps / (theorem1_rate(lams, etas, printed=True) * cube)
    assert np.all(np.diff(printed) > 0)

    def slope(ratio):  # of log(ratio) against log(η), over the three smallest η
        return np.polyfit(np.log(etas[-3:]), np.log(ratio[-3:]), 1)[0]

    assert abs(slope(corrected)) < 0.1  # flat: a polynomial in log(1/ε) covers it
    assert slope(printed) < -0.8  # about 1/η: more than any power of log(1/ε)


# --------------------------------------------------------------------------- figures


def test_figure1_shows_the_run_the_cycle_and_the_numbered_steps():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    path = run_sam(Quadratic(lams).grad, [2.0, 2.0], eta, rho, 29)
    c = limit_cycle(lams, eta, rho)[0, 0]
    fig = Figure()
    art = draw_sam_on_quadratic(fig)
    show_sam_on_quadratic(art, path, lams, c)
    ax, zoom = art["axes"]
    for a in (ax, zoom):
        np.testing.assert_array_equal(art[a, "path"].get_xydata(), path)
        np.testing.assert_array_equal(art[a, "cycle"].get_xydata(), [[c, 0], [-c, 0]])
        assert len(art[a, "circle"].get_xdata()) == 0
    half_width = zoom.get_xlim()[1]  # the first 10^(k/10) from 1.8c on
    assert zoom.get_xlim()[0] == -half_width and zoom.get_ylim()[1] == half_width
    assert 1.8 * c <= half_width < 1.8 * c * 10**0.1
    assert np.isclose(10 * np.log10(half_width), round(10 * np.log10(half_width)))
    np.testing.assert_array_equal(art["start"].get_xydata(), [[2.0, 2.0]])
    labels = {int(t.get_text()): t.xy for t in art["labels"] if t.get_text()}
    assert sorted(labels) == list(range(10, 17))
    for t, xy in labels.items():
        np.testing.assert_array_equal(xy, path[t])


def test_figure1_keeps_its_limits_while_the_picture_fills_half_of_them():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    c = limit_cycle(lams, eta, rho)[0, 0]
    art = draw_sam_on_quadratic(Figure())
    ax, zoom = art["axes"]

    def limits(start, rho=rho):
        path = run_sam(Quadratic(lams).grad, start, eta, rho, 29)
        show_sam_on_quadratic(art, path, lams, c * rho)
        return ax.get_xlim()[1], zoom.get_xlim()[1]

    first, first_zoom = limits([2.0, 2.0])
    assert 1.1 * 2.0 <= first < 1.1 * 2.0 * 10**0.1  # a fresh figure: the grid point
    assert limits([1.3, 1.3]) == (first, first_zoom)  # needs 1.43: at least half kept
    assert limits([2.0, 2.0], rho=0.7) == (first, first_zoom)  # c × 0.7: kept
    smaller, _ = limits([0.9, 0.9])  # needs 0.99 < first / 2: shrinks to the grid
    assert 0.99 <= smaller < 0.99 * 10**0.1
    _, zoomed_out = limits([0.9, 0.9], rho=3.0)  # c × 3: the zoom grows at once
    assert 1.8 * 3 * c <= zoomed_out < 1.8 * 3 * c * 10**0.1


def test_several_runs_with_equal_eigenvalues_end_on_the_dashed_circle():
    lams, eta, rho = np.array([1.0, 1.0]), 0.2, 1.0
    starts = np.array([[1.0, 0.5], [-0.3, 1.2], [0.7, -1.1]])
    paths = run_sam(Quadratic(lams).grad, starts, eta, rho, 200)
    c = limit_cycle(lams, eta, rho, strict=False)[0, 0]
    fig = Figure()
    art = draw_sam_on_quadratic(fig, labelled=())
    show_sam_on_quadratic(art, paths, lams, c)
    ax, _ = art["axes"]
    drawn = art[ax, "path"].get_xydata()
    runs = np.split(drawn, np.flatnonzero(np.isnan(drawn[:, 0])))
    assert len(runs) == 3
    for k, run in enumerate(runs):
        np.testing.assert_array_equal(run[np.isfinite(run[:, 0])], paths[:, k])
    np.testing.assert_array_equal(art["start"].get_xydata(), starts)
    marks = art[ax, "cycle"].get_xydata()
    np.testing.assert_array_equal(marks, paths[-2:].reshape(-1, 2))
    np.testing.assert_allclose(np.linalg.norm(marks, axis=1), c, rtol=1e-9)
    np.testing.assert_allclose(np.hypot(*art[ax, "circle"].get_data()), c)


def test_the_explorers_update_draws_the_run_and_reports_on_it():
    art = draw_sam_on_quadratic(Figure())
    message = update_sam_on_quadratic(art, 0.5, 0.2, 1.0, 45.0, 2 * np.sqrt(2), 29)
    path = run_sam(Quadratic([1.0, 0.5]).grad, [2.0, 2.0], 0.2, 1.0, 29)
    ax, _ = art["axes"]
    np.testing.assert_allclose(art[ax, "path"].get_xydata(), path, atol=1e-12)
    assert message.startswith("w_29 is ") and message.endswith("Theorems 1–2 hold")
    # λ1 = λ2: the circle of cycles, and the assumption named
    message = update_sam_on_quadratic(art, 1.0, 0.2, 1.0, 45.0, 2.0, 100)
    assert "λ1 > λ2" in message and len(art[ax, "circle"].get_xdata()) > 0
    # the far ends of the other sliders draw
    message = update_sam_on_quadratic(art, 0.05, 1.98, 1.0, 45.0, 0.05, 299)
    assert "η < 1/(2λ1)" in message
    assert np.all(np.isfinite(art[ax, "path"].get_xydata()))
    with pytest.raises(ValueError, match=r"2/λ1 = 2: .*diverges"):
        update_sam_on_quadratic(art, 0.5, 2.5, 1.0, 45.0, 2.0, 29)


def test_the_other_figures_of_chapter3_draw_their_data():
    lams, eta, rho = np.array([1.0, 0.5]), 0.2, 1.0
    path = run_sam(Quadratic(lams).grad, [2.0, 2.0], eta, rho, 60)
    fig = Figure()
    axes = fig.subplots(3)
    plot_two_phases(axes, path, lams, 0.2, 0.006, 9)
    np.testing.assert_allclose(
        axes[0].lines[0].get_ydata(), np.linalg.norm(path, axis=1)
    )
    np.testing.assert_allclose(
        axes[0].lines[1].get_ydata(), np.linalg.norm(lams * path, axis=1)
    )
    np.testing.assert_allclose(
        axes[1].lines[0].get_ydata(), Quadratic(lams).value(path)
    )
    etas = np.array([0.1, 0.5, 1.0])
    tails = np.random.default_rng(0).normal(size=(8, 4, 3, 2))
    times = {"a": np.ones((4, 3)), "b": 2 * np.ones((4, 3))}
    ax_cycle, ax_time = Figure().subplots(1, 2)
    plot_step_size_sweep(ax_cycle, ax_time, etas, tails, times)
    np.testing.assert_array_equal(ax_cycle.lines[0].get_ydata(), tails[..., 0].ravel())
    np.testing.assert_array_equal(ax_time.lines[1].get_ydata(), [2, 2, 2])
    ax = Figure().subplots()
    plot_settling_times(ax, {"x": np.array([3, 5, 9])}, n_steps=20)
    assert ax.get_legend().get_texts()[0].get_text() == "x, median 5"


# ------------------------------------------------------------------ the statement box


def test_theorem1_box_is_corrected_with_its_note_and_check():
    cells = json.loads(CHAPTER.read_text())["cells"]
    text = ["".join(c["source"]) for c in cells]
    box = next(i for i, s in enumerate(text) if ":label: thm-1" in s)
    assert re.search(r":class: corrected", text[box])
    assert r"\frac{\kappa^5 + d/(\eta\lambda_d)}{\eta\lambda_d\,\mu}" in text[box]
    assert ":name: paper-thm-1" in text[box] and "+ d \\right)" in text[box]
    check = next(
        i for i, c in enumerate(cells) if "check-thm-1" in c["metadata"].get("tags", [])
    )
    assert check > box and "theorem3_steps" in text[check]
