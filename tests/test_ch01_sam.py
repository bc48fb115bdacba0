"""Chapter 1's library: the worst perturbation of the minimax problem (1), the
drawing of one SAM step, and the SAM-against-GD figure of its explorer.

``worst_perturbation`` is checked against the Lagrange condition of the inner
maximisation on a quadratic (an independent computation), the drawings against the
steps and runs they are meant to show.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

from samlib import Quadratic, gd_step, limit_cycle, run_gd, run_sam, sam_step
from samlib.objectives import paper_objective
from samlib.plotting import (
    draw_sam_vs_gd,
    plot_sam_anatomy,
    show_sam_vs_gd,
    update_sam_vs_gd,
)
from samlib.steps import sam_ascent_point, worst_perturbation


def lagrange_maximiser(lams, w, rho):
    """The maximiser of ``½(w + ε)ᵀΛ(w + ε)`` over ``‖ε‖ = ρ``, by the Lagrange
    condition ``Λ(w + ε) = με``: ``ε = (μ - Λ)⁻¹Λw`` with the multiplier ``μ > λ1``
    that gives ``‖ε‖ = ρ`` (the maximum of a convex quadratic on a sphere), found by
    bisection (``w1 ≠ 0``)."""
    g = lams * w
    lo, hi = lams[0], lams[0] + np.linalg.norm(g) / rho  # ‖ε(hi)‖ ≤ ρ < ‖ε(lo+)‖
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.linalg.norm(g / (mid - lams)) > rho else (lo, mid)
    return g / (hi - lams)


@pytest.mark.parametrize("seed", range(8))
def test_worst_perturbation_is_the_lagrange_maximiser_on_a_quadratic(seed):
    rng = np.random.default_rng(seed)
    lams = np.sort(rng.uniform(0.2, 3.0, 2))[::-1]
    w, rho = rng.normal(size=2), rng.uniform(0.05, 2.0)
    quad, n = Quadratic(lams), 20_000
    found = worst_perturbation(quad.value, w, rho, n_angles=n)
    expected = lagrange_maximiser(lams, w, rho)
    assert np.linalg.norm(found) == pytest.approx(rho, rel=1e-12)
    # the best grid angle is the grid angle next to the maximiser's (spacing 2π/n)
    assert np.linalg.norm(found - expected) <= rho * 2 * np.pi / n
    assert quad.value(w + found) <= quad.value(w + expected) + 1e-12


def test_worst_perturbation_beats_every_point_of_the_circle():
    loss, w = paper_objective(), np.array([1.0, 1.0])
    rhos = np.array([0.1, 0.5, 1.0])
    best = worst_perturbation(loss.value, w, rhos)
    assert best.shape == (3, 2)
    angles = np.random.default_rng(0).uniform(0, 2 * np.pi, 5000)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    for eps, rho in zip(best, rhos, strict=True):
        assert np.all(loss.value(w + rho * circle) <= loss.value(w + eps) + 1e-6)


def test_worst_perturbation_tends_to_sams_first_order_point():
    """Chapter 1's claim: ``‖ε* - ρg/‖g‖‖/ρ`` shrinks like ρ."""
    loss, w = paper_objective(), np.array([1.0, 1.0])
    rhos = np.geomspace(1e-3, 1e-1, 5)
    first_order = sam_ascent_point(w, loss.grad, rhos) - w
    gap = np.linalg.norm(worst_perturbation(loss.value, w, rhos) - first_order, axis=1)
    slope = np.polyfit(np.log(rhos), np.log(gap / rhos), 1)[0]
    assert 0.8 < slope < 1.2


@pytest.mark.parametrize(
    "args, message",
    [
        (([1.0, 2.0, 3.0], 1.0), "last dimension d = 2"),
        (([[1.0, 2.0]], 1.0), "one point of shape"),
        (([1.0, 2.0], 0.0), "rho must be > 0"),
        (([1.0, 2.0], [[1.0]]), "1-D array"),
    ],
)
def test_worst_perturbation_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        worst_perturbation(Quadratic([1.0, 0.5]).value, *args)


def test_worst_perturbation_rejects_a_bad_loss():
    with pytest.raises(TypeError, match="callable"):
        worst_perturbation("loss", [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="one number per point"):
        worst_perturbation(lambda p: p, [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="finite"):
        worst_perturbation(
            lambda p: np.where(p[..., 0] > 1.4, np.inf, 0.0), [0.5, 0], 1
        )
    with pytest.raises(ValueError, match="n_angles must be >= 3"):
        worst_perturbation(Quadratic([1.0, 0.5]).value, [1.0, 1.0], 1.0, n_angles=2)


def test_plot_sam_anatomy_draws_the_steps_of_equation_2():
    fig = Figure()
    ax = fig.subplots()
    loss, w, eta, rho = paper_objective(), np.array([1.3, 1.4]), 0.3, 0.5
    art = plot_sam_anatomy(ax, loss.grad, w, eta, rho)
    tip = sam_ascent_point(w, loss.grad, rho)
    np.testing.assert_allclose(art["perturbation"].xy, tip)
    np.testing.assert_allclose(art["ball"].center, w)
    assert art["ball"].radius == rho
    np.testing.assert_allclose(art["sam"].xy, sam_step(w, loss.grad, eta, rho))
    np.testing.assert_allclose(art["gd"].xy, gd_step(w, loss.grad, eta))
    # the dotted arrow is η∇ℓ at the perturbed point: as long as the SAM step
    sam_vector = np.subtract(art["sam"].xy, art["sam"].xyann)
    np.testing.assert_allclose(
        np.subtract(art["gradient"].xy, art["gradient"].xyann), -sam_vector
    )


def test_sam_vs_gd_figure_shows_the_runs_it_is_given():
    lams, w0, eta, rho = np.array([1.0, 0.5]), np.array([2.0, 2.0]), 0.2, 1.0
    fig = Figure(figsize=(9, 4))
    art = draw_sam_vs_gd(fig, lams)
    quad = Quadratic(lams)
    sam, gd = run_sam(quad.grad, w0, eta, rho, 50), run_gd(quad.grad, w0, eta, 50)
    cycle = limit_cycle(lams, eta, rho)
    show_sam_vs_gd(art, sam, gd, cycle)
    for where in ("path", "zoom"):
        np.testing.assert_array_equal(art[where, "sam"].get_xydata(), sam)
        np.testing.assert_array_equal(art[where, "gd"].get_xydata(), gd)
        np.testing.assert_array_equal(art[where, "cycle"].get_xydata(), cycle)
    np.testing.assert_allclose(art["loss", "sam"].get_ydata(), quad.value(sam))
    np.testing.assert_allclose(art["loss", "gd"].get_ydata(), quad.value(gd))
    c = cycle[0, 0]
    np.testing.assert_allclose(art["loss", "cycle"].get_ydata(), 0.5 * c**2)
    np.testing.assert_allclose(art["zoom"].get_xlim(), [-1.8 * c, 1.8 * c])
    # the inset's level curves are level sets of the loss
    x, y = art["zoom levels"].get_data()
    levels = quad.value(np.stack([x, y], axis=-1)[np.isfinite(x)])
    assert len(np.unique(np.round(levels, 12))) == 12


def test_the_explorers_update_runs_sam_and_gd_and_reports_on_them():
    art = draw_sam_vs_gd(Figure(figsize=(9, 4)))
    message = update_sam_vs_gd(art, 0.3, 0.5, 100)
    quad = Quadratic([1.0, 0.5])
    sam = run_sam(quad.grad, [2.0, 2.0], 0.3, 0.5, 100)
    np.testing.assert_array_equal(art["path", "sam"].get_xydata(), sam)
    np.testing.assert_array_equal(
        art["path", "gd"].get_xydata(), run_gd(quad.grad, [2.0, 2.0], 0.3, 100)
    )
    c = 0.3 * 0.5 / (2 - 0.3)  # the inset follows the 2-cycle
    np.testing.assert_allclose(art["zoom"].get_xlim(), [-1.8 * c, 1.8 * c])
    assert message.startswith("SAM is ") and f"±{c:.4f}·e1" in message
    assert message.endswith("Theorems 1–2 hold.")
    assert "η < 1/(2λ1)" in update_sam_vs_gd(art, 1.5, 1.0, 100)
    with pytest.raises(ValueError, match=r"η = 2\.2 ≥ 2/λ1 = 2"):
        update_sam_vs_gd(art, 2.2, 1.0, 100)


# ------------------------------------------------------ checks of Chapter 1's exercises


@pytest.mark.parametrize(
    "lam, eta, rho, w0", [(1, 0.2, 1, 3), (2, 0.3, 0.1, -0.7), (0.5, 1, 2, 1e-9)]
)
def test_one_dimensional_sam_ends_on_the_two_cycle(lam, eta, rho, w0):
    """Exercise 2: 1-D SAM ends on ±ηρλ/(2 − ηλ), alternating sides."""
    path = run_sam(Quadratic([lam]).grad, [w0], eta, rho, 400)
    c1 = eta * rho * lam / (2 - eta * lam)
    np.testing.assert_allclose(np.abs(path[-2:, 0]), c1, rtol=1e-10)
    assert path[-1, 0] == pytest.approx(-path[-2, 0], rel=1e-10)


def test_a_stationary_point_is_fixed_and_a_tiny_gradient_is_thrown_to_eta_rho_lam():
    """Exercise 3: w = 0 is a fixed point; 1e-12 e1 is thrown to about −ηρλ1."""
    from samlib import normalize

    quad, eta, rho, lam1 = Quadratic([1.0, 0.5]), 0.2, 1.0, 1.0
    assert np.array_equal(normalize(np.zeros(2)), np.zeros(2))
    assert np.array_equal(sam_step(np.zeros(2), quad.grad, eta, rho), np.zeros(2))
    kick = sam_step(np.array([1e-12, 0.0]), quad.grad, eta, rho)
    expected = 1e-12 - eta * lam1 * (1e-12 + rho)
    np.testing.assert_allclose(kick, [expected, 0.0], rtol=1e-12, atol=0)
    assert kick[0] == pytest.approx(-eta * rho * lam1, rel=1e-9)
