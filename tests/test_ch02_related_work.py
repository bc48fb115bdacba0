"""Chapter 2's library and text: GD and SAM traced side by side at the edge of
stability (``samlib.stability.edge_of_stability_trace``), its figure, and Wen et
al.'s result stated as the paper states it.

The trace is checked against independent computations: the runners themselves, the
Hessian's eigenvalues, and on a quadratic the closed form of GD's bounce,
``⟨w_{t+1} - w_t, e1⟩ = -ηλ1(1 - ηλ1)^t x0``.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from samlib import DivergenceError, Quadratic, run_gd, run_sam
from samlib.objectives import sharpening_loss
from samlib.plotting import (
    draw_edge_of_stability,
    show_edge_of_stability,
    update_edge_of_stability,
)
from samlib.stability import edge_of_stability_trace, sam_edge, self_stabilised_cycle

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "02_related_work.ipynb"


def test_trace_holds_the_runs_and_what_is_measured_on_them():
    loss, w0, eta, rho = sharpening_loss(0.3, 3.3), np.array([0.2, 2.5]), 0.2, 0.1
    trace = edge_of_stability_trace(loss, w0, eta, rho, 120)
    np.testing.assert_array_equal(trace.gd, run_gd(loss.grad, w0, eta, 120))
    np.testing.assert_array_equal(trace.sam, run_sam(loss.grad, w0, eta, rho, 120))
    for path, sharpness, values in (
        (trace.gd, trace.gd_sharpness, trace.gd_loss),
        (trace.sam, trace.sam_sharpness, trace.sam_loss),
    ):
        top = [np.linalg.eigvalsh(loss.hess(w))[-1] for w in path]
        np.testing.assert_allclose(sharpness, top, rtol=1e-12)
        np.testing.assert_allclose(values, [loss.value(w) for w in path], rtol=1e-12)
    grad_norm = np.linalg.norm(loss.grad(trace.sam), axis=-1)
    np.testing.assert_allclose(trace.sam_edge, sam_edge(grad_norm, eta, rho))
    assert trace.gd_edge == pytest.approx(2 / eta)
    assert trace.gd_bounce.shape == trace.sam_bounce.shape == (120,)


def test_gds_bounce_on_a_quadratic_is_the_closed_form():
    lam1, eta, x0 = 3.0, 0.5, 1.0  # ηλ1 = 1.5: GD flips x at every step
    trace = edge_of_stability_trace(
        Quadratic([lam1, 1.0]).as_objective(), [x0, 1.0], eta, 0.2, 12
    )
    t = np.arange(12)
    expected = -eta * lam1 * (1 - eta * lam1) ** t * x0
    np.testing.assert_allclose(trace.gd_bounce, expected, rtol=1e-12)
    np.testing.assert_allclose(trace.gd_sharpness, lam1)


def test_trace_summary_is_the_mean_sharpness_of_the_last_steps():
    loss, w0 = sharpening_loss(0.3, 3.3), np.array([0.2, 2.5])
    trace = edge_of_stability_trace(loss, w0, 0.2, 0.1, 400, max_norm=1e3)
    gd, sam = trace.gd_sharpness[-100:].mean(), trace.sam_sharpness[-100:].mean()
    assert trace.summary() == (
        f"last 100 steps: GD's mean sharpness {gd:.2f}, SAM's {sam:.2f}, 2/η = 10.00"
    )
    assert trace.summary(last=5).startswith("last 5 steps: ")
    with pytest.raises(ValueError, match=r"left \|w\| < 2: the step size is too"):
        edge_of_stability_trace(loss, w0, 0.2, 0.1, 10, max_norm=2.0)  # y0 = 2.5
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        edge_of_stability_trace(loss, w0, 0.2, 0.1, 10, max_norm=-1.0)


@pytest.mark.parametrize("eta", [0.18, 0.2, 0.3])
def test_self_stabilised_cycle_is_a_two_cycle_of_gd(eta):
    loss = sharpening_loss(alpha=0.3, y_star=3.3)
    x_e, y_e = self_stabilised_cycle(0.3, 3.3, eta)
    two_steps = run_gd(loss.grad, [x_e, y_e], eta, 2)
    np.testing.assert_allclose(two_steps, [[x_e, y_e], [-x_e, y_e], [x_e, y_e]])
    with pytest.raises(ValueError, match="1 < 2/η < 1"):
        self_stabilised_cycle(0.3, 3.3, 0.1)  # 2/η = 20 > 1 + y*²: GD converges


def test_the_explorers_update_draws_the_trace_and_reports_on_it():
    loss, w0 = sharpening_loss(0.3, 3.3), np.array([0.2, 2.5])
    art = draw_edge_of_stability(Figure(), loss.value, n_steps=400, panels="a")
    message = update_edge_of_stability(art, 0.2, 0.1, objective=loss, w0=w0)
    trace = edge_of_stability_trace(loss, w0, 0.2, 0.1, 400)
    assert message == trace.summary(last=100)
    np.testing.assert_array_equal(
        art["sharpness", "gd"].get_ydata(), trace.gd_sharpness
    )
    with pytest.raises(ValueError, match="too large"):
        update_edge_of_stability(art, 0.45, 0.4, objective=loss, w0=w0)


def test_below_the_threshold_gd_converges_to_the_minimum():
    """Chapter 2: for η below 2/(1 + y*²), the minimum's sharpness, GD converges."""
    loss, y_star = sharpening_loss(alpha=0.3, y_star=3.3), 3.3
    eta_small = 0.9 * 2 / (1 + y_star**2)
    path = run_gd(loss.grad, np.array([0.2, 2.5]), eta_small, 2000)
    np.testing.assert_allclose(path[-1], [0, y_star], atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"w0": [[0.2, 2.5]]}, ValueError, "one point of shape"),
        ({"n_steps": 0}, ValueError, "n_steps must be >= 1"),
        ({"eta": -0.1}, ValueError, "eta must be > 0"),
        ({"rho": [0.1, 0.2]}, ValueError, "rho must be a scalar"),
        ({"objective": "loss"}, TypeError, "samlib.Objective"),
        ({"eta": 0.45}, DivergenceError, "diverged"),
    ],
)
def test_trace_rejects_bad_input(kwargs, error, message):
    args = {
        "objective": sharpening_loss(0.3, 3.3),
        "w0": [0.2, 2.5],
        "eta": 0.2,
        "rho": 0.1,
        "n_steps": 50,
        **kwargs,
    }
    with pytest.raises(error, match=message):
        edge_of_stability_trace(**args)


@pytest.mark.parametrize("panels", ["abcd", "a", "ad"])
def test_edge_of_stability_figure_shows_the_trace(panels):
    loss = sharpening_loss(0.3, 3.3)
    trace = edge_of_stability_trace(loss, [0.2, 2.5], 0.2, 0.1, 300)
    fig = Figure()
    art = draw_edge_of_stability(fig, loss.value, n_steps=300, panels=panels)
    assert len(fig.axes) == len(panels)
    show_edge_of_stability(art, trace)
    t = np.arange(301)
    for method in ("gd", "sam"):
        if "a" in panels:
            line = art["sharpness", method]
            np.testing.assert_array_equal(line.get_xdata(), t)
            np.testing.assert_array_equal(
                line.get_ydata(), getattr(trace, f"{method}_sharpness")
            )
        if "d" in panels:
            np.testing.assert_array_equal(
                art["path", method].get_xydata(), getattr(trace, method)[:200]
            )
        if "c" in panels:
            np.testing.assert_array_equal(
                art["bounce", method].get_ydata(),
                getattr(trace, f"{method}_bounce")[:80],
            )
    if "a" in panels:
        np.testing.assert_allclose(art["gd edge"].get_ydata(), 2 / 0.2)
        np.testing.assert_array_equal(art["sam edge"].get_ydata(), trace.sam_edge)
        assert art["sam label"].get_text() == r"SAM, $\rho = 0.1$"


def _chapter_markdown() -> str:
    cells = json.loads(CHAPTER.read_text())["cells"]
    text = "\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    return " ".join(text.split())  # line breaks as spaces


def test_wen_et_al_are_quoted_as_the_paper_states_their_result():
    text = _chapter_markdown()
    # the paper's Section 2, word for word
    assert (
        "SAM almost surely converges in the limit in the convex quadratic case for "
        "suitably small values of various problem parameters" in text
    )
    assert "approximately tracks the path on the manifold of gradient flow" in text
    # not a stronger statement than the paper's
    assert "converges on convex quadratics for suitably small parameters" not in text


def test_the_chapter_checks_wen_et_als_quadratic_statement():
    cells = json.loads(CHAPTER.read_text())["cells"]
    checks = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and "Wen et al." in "".join(c["source"])
    ]
    assert checks and "assert" in checks[0]
