"""Bad input raises ValueError/TypeError whose message names the violated condition.

Each case matches a distinctive fragment of the message, so a check that silently
disappears (or a message that stops naming its condition) fails here.
"""

import numpy as np
import pytest

from samlib import (
    J,
    J_stationary_points,
    Objective,
    Quadratic,
    cycle_distance,
    gd_step,
    grad_J,
    grad_lambda_max,
    limit_cycle,
    noisy_gd_step,
    quadratic_constants,
    require_assumptions,
    run_gd,
    run_noisy_gd,
    run_sam,
    run_usam,
    sam_ascent_point,
    sam_step,
    sign_flip,
    theorem3_steps,
    theorem3_terms,
    theorem21_prediction,
    top_eigenpair,
    usam_step,
    violated_assumptions,
)
from samlib.objectives import paper_objective, product_loss

Q = Quadratic([1.0, 0.5])
GOOD = {"lams": [1.0, 0.5], "eta": 0.2, "rho": 1.0}
T3 = {"eps": 1e-3, "R": 3.0, "q": 1.0, "A": 0.25, "delta": 0.01}


# --------------------------------------------------------------------------------------
# eigenvalues


@pytest.mark.parametrize(
    "lams, match",
    [
        ([1.0, 0.0], "positive"),
        ([1.0, -0.5], "positive"),
        ([0.5, 1.0], "sorted non-increasing"),
        ([1.0, 0.2, 0.5], "sorted non-increasing"),
        ([], "non-empty 1-D"),
        ([[1.0, 0.5]], "non-empty 1-D"),
        ([1.0, np.nan], "finite"),
        ([np.inf, 1.0], "finite"),
    ],
)
def test_bad_eigenvalues(lams, match):
    for make in (
        lambda: Quadratic(lams),
        lambda: quadratic_constants(lams, 0.1, 1.0),
        lambda: limit_cycle(lams, 0.1, 1.0),
        lambda: violated_assumptions(lams, 0.1),
        lambda: J([1.0, 1.0], lams, 0.1, 1.0),
        lambda: J_stationary_points(lams, 0.1, 1.0),
        lambda: theorem3_steps(lams, 0.1, 1.0, **T3),
    ):
        with pytest.raises(ValueError, match=match):
            make()


def test_eigenvalues_that_are_not_numbers():
    with pytest.raises(TypeError, match="lams must be an array of real numbers"):
        Quadratic(["a", "b"])


# --------------------------------------------------------------------------------------
# step parameters


STEPPERS = {
    "sam_step": lambda w, eta=0.1, rho=0.5: sam_step(w, Q.grad, eta, rho),
    "usam_step": lambda w, eta=0.1, rho=0.5: usam_step(w, Q.grad, eta, rho),
    "gd_step": lambda w, eta=0.1, rho=0.5: gd_step(w, Q.grad, eta),
    "run_sam": lambda w, eta=0.1, rho=0.5: run_sam(Q.grad, w, eta, rho, 3),
    "run_usam": lambda w, eta=0.1, rho=0.5: run_usam(Q.grad, w, eta, rho, 3),
    "run_gd": lambda w, eta=0.1, rho=0.5: run_gd(Q.grad, w, eta, 3),
    "run_noisy_gd": lambda w, eta=0.1, rho=0.5: run_noisy_gd(Q.grad, w, eta, rho, 3, 0),
    "noisy_gd_step": lambda w, eta=0.1, rho=0.5: noisy_gd_step(
        w, Q.grad, eta, rho, np.random.default_rng(0)
    ),
    "sam_map": lambda w, eta=0.1, rho=0.5: Q.sam_map(w, eta, rho),
}


@pytest.mark.parametrize("name", STEPPERS)
@pytest.mark.parametrize("eta", [0.0, -0.1, np.array([0.1, -0.1])])
def test_eta_must_be_positive(name, eta):
    with pytest.raises(ValueError, match="eta must be > 0"):
        STEPPERS[name]([1.0, 1.0], eta=eta)


@pytest.mark.parametrize("name", ["sam_step", "usam_step", "run_sam", "run_usam"])
def test_rho_must_be_nonnegative(name):
    with pytest.raises(ValueError, match="rho must be >= 0"):
        STEPPERS[name]([1.0, 1.0], rho=-0.1)
    with pytest.raises(ValueError, match="rho must be >= 0"):
        sam_ascent_point([1.0, 1.0], Q.grad, -1.0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        run_noisy_gd(Q.grad, [1.0, 1.0], 0.1, -0.5, 3, seed=0)


@pytest.mark.parametrize("name", STEPPERS)
@pytest.mark.parametrize(
    "value, match", [(np.nan, "eta must be finite"), (np.inf, "eta must be finite")]
)
def test_non_finite_eta(name, value, match):
    with pytest.raises(ValueError, match=match):
        STEPPERS[name]([1.0, 1.0], eta=value)


@pytest.mark.parametrize("name", STEPPERS)
def test_parameters_of_the_wrong_type(name):
    with pytest.raises(TypeError, match="eta must be a real number, got a bool"):
        STEPPERS[name]([1.0, 1.0], eta=True)
    with pytest.raises(TypeError, match="eta must be a real number or array"):
        STEPPERS[name]([1.0, 1.0], eta="big")


@pytest.mark.parametrize("name", STEPPERS)
@pytest.mark.parametrize(
    "w, exc, match",
    [
        ([1.0, np.nan], ValueError, "w must be finite"),
        ([[1.0, 1.0], [np.inf, 0.0]], ValueError, "w must be finite"),
        ([1.0, 1.0, 1.0], ValueError, r"last dimension d = 2"),
        (1.0, ValueError, "got a scalar"),
        (np.zeros((3, 0)), ValueError, "at least one coordinate"),
        (["x", "y"], TypeError, "w must be an array of real numbers"),
    ],
)
def test_bad_points(name, w, exc, match):
    with pytest.raises(exc, match=match):
        STEPPERS[name](w)


@pytest.mark.parametrize("run", [run_sam, run_usam])
def test_grad_of_the_wrong_shape_or_not_callable(run):
    def bad_grad(w):
        return np.asarray(w)[..., :1]

    with pytest.raises(ValueError, match=r"grad\(w\) must return an array of the same"):
        run(bad_grad, [1.0, 1.0], 0.1, 0.5, 3)
    with pytest.raises(ValueError, match=r"grad\(w\) must return an array of the same"):
        sam_step([1.0, 1.0], bad_grad, 0.1, 0.5)
    with pytest.raises(ValueError, match=r"grad\(w\) must return an array of the same"):
        gd_step([1.0, 1.0], lambda w: 0.0, 0.1)
    with pytest.raises(TypeError, match="grad must be a callable"):
        run("not a function", [1.0, 1.0], 0.1, 0.5, 3)


def test_parameters_that_do_not_broadcast_against_the_batch():
    w = np.ones((4, 2))
    with pytest.raises(ValueError, match="does not broadcast against the batch shape"):
        sam_step(w, Q.grad, np.array([0.1, 0.2, 0.3]), 0.5)
    with pytest.raises(ValueError, match=r"rho of shape \(3,\) does not broadcast"):
        run_sam(Q.grad, w, 0.1, np.array([0.1, 0.2, 0.3]), 2)


@pytest.mark.parametrize(
    "n_steps, exc, match",
    [
        (-1, ValueError, "n_steps must be >= 0"),
        (2.5, TypeError, "n_steps must be an integer"),
        (10.0, TypeError, "n_steps must be an integer"),
        (True, TypeError, "n_steps must be an integer"),
        ("10", TypeError, "n_steps must be an integer"),
        (None, TypeError, "n_steps must be an integer"),
    ],
)
def test_bad_step_counts(n_steps, exc, match):
    for run in (
        lambda: run_sam(Q.grad, [1.0, 1.0], 0.1, 0.5, n_steps),
        lambda: run_usam(Q.grad, [1.0, 1.0], 0.1, 0.5, n_steps),
        lambda: run_gd(Q.grad, [1.0, 1.0], 0.1, n_steps),
        lambda: run_noisy_gd(Q.grad, [1.0, 1.0], 0.1, 0.1, n_steps, seed=0),
    ):
        with pytest.raises(exc, match=match):
            run()


def test_numpy_integer_step_counts_are_accepted():
    assert run_gd(Q.grad, [1.0, 1.0], 0.1, np.int64(3)).shape == (4, 2)


@pytest.mark.parametrize("seed", [None, True, False])
def test_noisy_gd_needs_an_explicit_seed(seed):
    with pytest.raises(TypeError, match="seed must be an int or a numpy Generator"):
        run_noisy_gd(Q.grad, [1.0, 1.0], 0.1, 0.1, 3, seed=seed)


# --------------------------------------------------------------------------------------
# assumptions of the theorems


def test_violated_assumptions_returns_one_sentence_per_assumption():
    assert violated_assumptions([1.0, 0.5], 0.2) == []
    assert violated_assumptions([1.0], 0.49) == []
    (only_eta,) = violated_assumptions([1.0, 0.5], 0.5)
    assert "η < 1/(2λ1) = 0.5" in only_eta and "η = 0.5" in only_eta
    (only_gap,) = violated_assumptions([1.0, 1.0, 0.5], 0.2)
    assert "λ1 > λ2" in only_gap and "λ1 = λ2 = 1" in only_gap
    both = violated_assumptions([2.0, 2.0], 0.3)
    assert len(both) == 2
    assert "η < 1/(2λ1) = 0.25" in both[0] and "λ1 > λ2" in both[1]
    with pytest.raises(ValueError, match=r"Theorems 1–3 assume.*η < 1/\(2λ1\)"):
        require_assumptions([2.0, 2.0], 0.3)
    with pytest.raises(ValueError, match="eta must be > 0"):
        violated_assumptions([1.0], 0.0)


@pytest.mark.parametrize(
    "lams, eta, match",
    [
        ([1.0, 0.5], 0.5, "η < 1/\\(2λ1\\)"),
        ([1.0, 0.5], 0.7, "η < 1/\\(2λ1\\)"),
        ([1.0, 1.0], 0.2, "λ1 > λ2"),
    ],
)
def test_limit_cycle_is_strict_by_default(lams, eta, match):
    with pytest.raises(ValueError, match="Theorems 1 and 2 assume.*" + match):
        limit_cycle(lams, eta, 1.0)
    with pytest.raises(ValueError, match=match):
        cycle_distance([0.1, 0.1], lams, eta, 1.0)


@pytest.mark.parametrize("lams, eta", [([1.0, 0.5], 0.7), ([1.0, 1.0], 0.2)])
def test_limit_cycle_non_strict_computes_a_two_cycle_of_equation_3(lams, eta):
    cyc = limit_cycle(lams, eta, 1.0, strict=False)
    c = eta * lams[0] / (2 - eta * lams[0])
    np.testing.assert_allclose(cyc, [[c, 0.0], [-c, 0.0]], rtol=1e-14)
    q = Quadratic(lams)
    np.testing.assert_allclose(q.sam_map(cyc[0], eta, 1.0), cyc[1], rtol=1e-12)
    d = cycle_distance([c, 0.3], lams, eta, 1.0, strict=False)
    assert d == pytest.approx(0.3)
    with pytest.raises(ValueError, match="needs ηλ1 < 2"):
        limit_cycle(lams, 2.0, 1.0, strict=False)


def test_quadratic_constants_strict_and_non_strict():
    with pytest.raises(ValueError, match=r"Lemma 5 assume.*η < 1/\(2λ1\)"):
        quadratic_constants([1.0, 0.5], 0.6, 1.0)
    # Lemma 5 itself does not need λ1 > λ2
    quadratic_constants([1.0, 1.0], 0.2, 1.0)
    c = quadratic_constants([1.0, 0.5], 0.6, 1.0, strict=False)
    lams = np.array([1.0, 0.5])
    np.testing.assert_allclose(c.gamma, 0.6 * lams**2 / (1 - 0.6 * lams), rtol=1e-14)
    np.testing.assert_allclose(c.beta, 0.6 * lams**2 / (2 - 0.6 * lams), rtol=1e-14)
    assert c.b == pytest.approx(0.6)
    with pytest.raises(ValueError, match="needs ηλ1 < 1"):
        quadratic_constants([1.0, 0.5], 1.0, 1.0, strict=False)
    with pytest.raises(ValueError, match="rho must be > 0"):
        quadratic_constants([1.0, 0.5], 0.2, 0.0)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"eta": 0.5}, "η < 1/\\(2λ1\\)"),
        ({"eta": 0.8}, "η < 1/\\(2λ1\\)"),
        ({"lams": [1.0, 1.0]}, "λ1 > λ2"),
        ({"eps": 0.1}, "ε < min"),  # min{√0.1, 0.5, 0.1} = 0.1
        ({"eps": 0.5}, "ε < min"),
        ({"eps": 0.0}, "eps must be > 0"),
        ({"R": -1.0}, "R must be > 0"),
        ({"q": 0.0}, "q must be > 0"),
        ({"A": 0.0}, "A must be > 0"),
        ({"delta": 0.0}, "delta must be > 0"),
        ({"rho": 0.0}, "rho must be > 0"),
    ],
)
def test_theorem3_raises_naming_the_violated_condition(changes, match):
    args = {**GOOD, **T3, **changes}
    for f in (theorem3_steps, theorem3_terms):
        with pytest.raises(ValueError, match=match):
            f(**args)


def test_theorem3_eps_just_inside_the_range_is_accepted():
    assert theorem3_steps(**{**GOOD, **T3, "eps": 0.0999}) > 0


# --------------------------------------------------------------------------------------
# the potential


def test_potential_validation():
    with pytest.raises(ValueError, match="u = 0"):
        grad_J([0.0, 0.0], **GOOD)
    with pytest.raises(ValueError, match="u = 0"):
        grad_J([[1.0, 0.0], [0.0, 0.0]], **GOOD)  # one bad row is enough
    with pytest.raises(ValueError, match="u must have last dimension d = 2"):
        J([1.0, 1.0, 1.0], **GOOD)
    with pytest.raises(ValueError, match="u must be finite"):
        J([1.0, np.nan], **GOOD)
    with pytest.raises(ValueError, match="rho must be > 0"):
        J([1.0, 1.0], [1.0, 0.5], 0.2, 0.0)
    with pytest.raises(ValueError, match="only when ηλ1 < 2"):
        J_stationary_points([1.0, 0.5], 2.0, 1.0)
    with pytest.raises(ValueError, match="trajectory must have shape"):
        sign_flip([1.0, 2.0])


# --------------------------------------------------------------------------------------
# drift


def test_objective_validation():
    with pytest.raises(TypeError, match=r"Objective\.grad must be callable"):
        Objective(lambda w: 0.0, None, lambda w: 0.0)
    with pytest.raises(TypeError, match=r"Objective\.d3 must be callable or None"):
        Objective(lambda w: 0.0, lambda w: w, lambda w: w, d3=3.0)


def test_top_eigenpair_validation():
    with pytest.raises(ValueError, match="must be symmetric"):
        top_eigenpair([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"square \(d, d\) matrix"):
        top_eigenpair(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"square \(d, d\) matrix"):
        top_eigenpair(np.ones(3))
    with pytest.raises(ValueError, match="H must be finite"):
        top_eigenpair([[1.0, np.nan], [np.nan, 1.0]])


def test_grad_lambda_max_validation():
    with pytest.raises(ValueError, match="top eigenvalue is repeated"):
        grad_lambda_max(Quadratic([1.0, 1.0]).as_objective(), [0.3, 0.2])
    with pytest.raises(ValueError, match="top eigenvalue is repeated"):
        # the paper's loss on the axis w1 = 0 has Hessian diag(2/(1 + w2²/2), 1),
        # whose eigenvalues cross at w2 = √2
        grad_lambda_max(paper_objective(), [0.0, np.sqrt(2.0)])
    with pytest.raises(ValueError, match=r"one point of shape \(d,\)"):
        grad_lambda_max(product_loss(), np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"objective must be a samlib\.Objective"):
        grad_lambda_max(product_loss().grad, [1.0, 1.0])
    bad = Objective(lambda w: 0.0, lambda w: w, lambda w: np.eye(3))
    with pytest.raises(ValueError, match=r"objective\.hess\(w\) must have shape"):
        grad_lambda_max(bad, [1.0, 1.0])
    no_d3 = Objective(product_loss().value, product_loss().grad, product_loss().hess)
    with pytest.raises(ValueError, match="step must be > 0"):
        grad_lambda_max(no_d3, [2.0, 0.5], step=0.0)


def test_theorem21_prediction_validation():
    obj = product_loss()
    with pytest.raises(ValueError, match=r"Theorem 21 assumes ∇ℓ\(w_z\) = 0"):
        theorem21_prediction(obj, [2.0, 1.0], 0.05, 0.05)
    for s in (0, 2, -2, "+"):
        with pytest.raises(ValueError, match=r"s must be \+1 or -1"):
            theorem21_prediction(obj, [2.0, 0.5], 0.05, 0.05, s=s)
    with pytest.raises(ValueError, match="needs ηλ1 < 2"):
        theorem21_prediction(obj, [2.0, 0.5], 0.5, 0.05)  # λ1 = 4.25
    with pytest.raises(ValueError, match="needs λ1 > 0"):
        theorem21_prediction(
            Objective(lambda w: 0.0, np.zeros_like, lambda w: -np.eye(2)),
            [0.0, 0.0],
            0.1,
            0.1,
        )
    with pytest.raises(ValueError, match="eta must be > 0"):
        theorem21_prediction(obj, [2.0, 0.5], 0.0, 0.05)
    with pytest.raises(ValueError, match="rho must be > 0"):
        theorem21_prediction(obj, [2.0, 0.5], 0.05, 0.0)
    with pytest.raises(ValueError, match="wz must be one point"):
        theorem21_prediction(obj, [[2.0, 0.5]], 0.05, 0.05)
    with pytest.raises(TypeError, match=r"objective must be a samlib\.Objective"):
        theorem21_prediction(obj.grad, [2.0, 0.5], 0.05, 0.05)
    p = theorem21_prediction(obj, [2.0, 0.5], 0.1, 0.1)
    with pytest.raises(ValueError, match="Theorem 21 assumes Bηρ ≤ 1"):
        p.remainder_bound(101.0)
    with pytest.raises(ValueError, match="B must be >= 0"):
        p.remainder_bound(-1.0)
