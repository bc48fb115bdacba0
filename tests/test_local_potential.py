"""The local Lemma 10 and the saddles of J (samlib.local_potential, Chapter 7.9).

On an exact quadratic the local J is Proposition 8's J and the discrepancy vanishes;
on other losses the discrepancy is computed from actual SAM steps and compared with
its Taylor expansion by its rate; the escape factor against its closed form and
against gradient descent on J; the rotated loss against finite differences.
"""

import numpy as np
import pytest

from samlib import J_gd_step, Objective, Quadratic, run_sam, sign_flip
from samlib.local_potential import (
    escape_time,
    escape_time_prediction,
    leading_discrepancy,
    lemma10_discrepancy,
    local_quadratic,
    noisy_escape_time_prediction,
    noisy_gradient,
    predicted_cycle_offset,
    saddle_escape_factor,
    saddle_noise_scale,
    saddle_paths,
    sam_in_local_coordinates,
    turned_saddle_escapes,
    worst_discrepancy,
)
from samlib.objectives import cubic_objective, paper_objective, rotated_objective

ETA = 0.2


def shifted_quadratic(lams, Q, centre):
    """½(w - c)ᵀ Q diag(lams) Qᵀ (w - c), with its derivatives."""
    A = Q @ np.diag(lams) @ Q.T
    return Objective(
        value=lambda w: 0.5 * np.einsum("...i,ij,...j->...", w - centre, A, w - centre),
        grad=lambda w: (np.asarray(w) - centre) @ A,
        hess=lambda w: A,
        name="shifted quadratic",
    )


def random_rotation(d, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return Q


def cubic():
    T = np.zeros((2, 2, 2))
    T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 0] = 1.0  # ℓ = w1² + w2²/2 + w1²w2/2
    return cubic_objective(np.diag([2.0, 1.0]), T)


def directions(n=12):
    phi = np.linspace(0.1, 2 * np.pi, n + 1)[:-1]
    return np.stack([np.cos(phi), np.sin(phi)], axis=-1)


def test_on_an_exact_quadratic_the_local_J_is_proposition_8s():
    lams = np.array([1.0, 0.6, 0.35])
    Q, centre = random_rotation(3, 0), np.array([0.5, -1.0, 2.0])
    loss = shifted_quadratic(lams, Q, centre)
    model = local_quadratic(loss, centre)
    np.testing.assert_allclose(model.lams, lams, rtol=1e-12)
    np.testing.assert_allclose(np.abs(model.V.T @ Q), np.eye(3), atol=1e-12)
    # Lemma 10, step by step and along a whole path, in the local coordinates
    w = centre + np.random.default_rng(1).normal(size=(20, 3))
    assert np.abs(lemma10_discrepancy(loss, model, w, ETA, 0.3)).max() < 1e-13
    u = sam_in_local_coordinates(loss, model, model.to_local(w[0]), ETA, 0.3, 60)
    path = run_sam(loss.grad, w[0], ETA, 0.3, 60)  # the same, by hand
    np.testing.assert_allclose(u, sign_flip(model.to_local(path)), atol=1e-15)
    gd = [u[0]]
    for _ in range(60):
        gd.append(J_gd_step(gd[-1], lams, ETA, 0.3))
    np.testing.assert_allclose(u, gd, atol=1e-12)
    np.testing.assert_allclose(model.from_local(model.to_local(w)), w, atol=1e-14)


def test_local_model_of_the_papers_loss_at_zero():
    model = local_quadratic(paper_objective(), [0.0, 0.0])
    np.testing.assert_array_equal(model.lams, [2.0, 1.0])
    points = model.stationary_points(ETA, 0.05)
    beta = ETA * 0.05 * model.lams**2 / (2 - ETA * model.lams)
    np.testing.assert_allclose(points[0], [beta[0] / 2.0, 0.0])
    np.testing.assert_allclose(points[2], [0.0, beta[1] / 1.0])


@pytest.mark.parametrize(("loss", "order"), [(cubic(), 2), (paper_objective(), 3)])
def test_discrepancy_scales_like_the_taylor_order(loss, order):
    # ‖y‖ = ρ = s: the discrepancy is O(η s²) with a third derivative at w*, and
    # O(η s³) for the even loss of Section 6 (D³ℓ(0) = 0)
    model = local_quadratic(loss, [0.0, 0.0])
    sizes = np.array([1e-2, 1e-3, 1e-4])
    worst = [
        np.abs(lemma10_discrepancy(loss, model, s * directions(), ETA, s)).max()
        for s in sizes
    ]
    slopes = np.diff(np.log(worst)) / np.diff(np.log(sizes))
    np.testing.assert_allclose(slopes, order, atol=0.02)


def test_leading_term_is_the_discrepancy_up_to_third_order():
    loss = cubic()
    model = local_quadratic(loss, [0.0, 0.0])
    rest = []
    for s in (1e-2, 1e-3):
        w = s * directions()
        D = lemma10_discrepancy(loss, model, w, ETA, s)
        L = leading_discrepancy(loss, model, w, ETA, s)
        assert np.abs(L).max() > 0.5 * np.abs(D).max()  # it is the leading term...
        rest.append(np.abs(D - L).max())
    assert rest[0] / rest[1] == pytest.approx(1e3, rel=0.05)  # ...up to O(s³)
    # for the even loss it vanishes: D³ℓ(0) = 0
    even = paper_objective()
    even_model = local_quadratic(even, [0.0, 0.0])
    assert np.abs(leading_discrepancy(even, even_model, 1e-2 * directions(), ETA,
                                      1e-2)).max() == 0.0  # fmt: skip


def test_predicted_offset_of_the_cycle_matches_sam():
    loss = cubic()
    model = local_quadratic(loss, [0.0, 0.0])
    for rho in (0.01, 0.02):
        path = run_sam(loss.grad, np.array([0.3 * rho, 0.2 * rho]), ETA, rho, 3000)
        centre = model.to_local((path[-1] + path[-2]) / 2)
        predicted = predicted_cycle_offset(loss, model, ETA, rho)
        # closed form for this loss: D2 = -(η/2)(β1/λ1 + ρ)² - ηρ β1/(4λ1), over
        # ηλ2(1 + ρλ2/β1), with β1/λ1 = ρ/4: c2 = -0.28125 ρ²
        assert predicted[1] == pytest.approx(-0.28125 * rho**2, rel=1e-12)
        np.testing.assert_allclose(centre, predicted, rtol=2 * rho, atol=1e-12)


def test_escape_factor_is_the_closed_form_and_the_growth_of_gd_on_J():
    lams, eta, rho = np.array([1.3, 1.1, 0.5]), 0.3, 0.07
    for i in (1, 2):
        # the unstable direction with the largest factor is e1 (j = 0)
        closed = (
            1 + (2 - eta * lams[i]) * lams[0] ** 2 / lams[i] ** 2 - (2 - eta * lams[0])
        )
        assert saddle_escape_factor(lams, eta, rho, index=i) == pytest.approx(closed)
    mu = saddle_escape_factor(lams, eta, rho, index=1)
    beta = eta * rho * lams**2 / (2 - eta * lams)
    u = np.array([1e-12, beta[1] / lams[1], 0.0])
    saddle = u.copy()
    saddle[0] = 0.0
    d = []
    for _ in range(10):
        u = J_gd_step(u, lams, eta, rho)
        d.append(abs(u[0]))
    np.testing.assert_allclose(np.array(d[1:]) / d[:-1], mu, rtol=1e-6)
    with pytest.raises(ValueError, match="no negative curvature"):
        saddle_escape_factor(lams, eta, rho, index=0)


def test_escape_time_interpolates_an_exponential_exactly():
    mu, eps, r = 3.0, 1e-9, 0.5
    d = eps * mu ** np.arange(30)
    assert escape_time(d, r) == pytest.approx(escape_time_prediction(mu, r, eps))
    both = escape_time(np.stack([d, d / 10], axis=-1), r)
    assert both[1] - both[0] == pytest.approx(np.log(10) / np.log(mu))
    assert escape_time([0.1, 0.2], 1.0) == np.inf  # never leaves
    assert escape_time([2.0, 3.0], 1.0) == 0.0  # starts outside
    assert escape_time([0.0, 0.0, 2.0], 1.0) == 2.0  # from exactly 0: the step
    with pytest.raises(ValueError, match="factor must be > 1"):
        escape_time_prediction(0.5, 1.0, 1e-3)


def test_rotated_objective_against_finite_differences():
    Q = random_rotation(2, 3)
    loss = paper_objective()
    turned = rotated_objective(loss, Q)
    w, h = np.array([0.4, -0.7]), 1e-5
    assert turned.value(Q @ w) == pytest.approx(loss.value(w), rel=1e-14)
    E = np.eye(2)
    fd = [(turned.value(w + h * e) - turned.value(w - h * e)) / (2 * h) for e in E]
    np.testing.assert_allclose(turned.grad(w), fd, atol=1e-9)
    fd = [(turned.grad(w + h * e) - turned.grad(w - h * e)) / (2 * h) for e in E]
    np.testing.assert_allclose(turned.hess(w), fd, atol=1e-9)
    fd = [(turned.hess(w + h * e) - turned.hess(w - h * e)) / (2 * h) for e in E]
    np.testing.assert_allclose(turned.d3(w), fd, atol=1e-8)
    model = local_quadratic(turned, [0.0, 0.0])
    np.testing.assert_allclose(np.abs(model.V.T @ Q), np.eye(2), atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal"):
        rotated_objective(loss, [[1.0, 1.0], [0.0, 1.0]])


def test_noisy_gradient_is_reproducible_and_unbiased():
    grad = paper_objective().grad
    w = np.tile([0.3, 0.2], (20000, 1))
    g1, g2 = noisy_gradient(grad, 0.1, seed=4)(w), noisy_gradient(grad, 0.1, seed=4)(w)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_allclose(g1.mean(axis=0), grad(w[0]), atol=4 * 0.1 / 141)
    assert np.std(g1 - grad(w)) == pytest.approx(0.1, rel=0.02)
    np.testing.assert_array_equal(noisy_gradient(grad, 0.0, seed=1)(w[:2]), grad(w[:2]))


def test_bad_input_is_named():
    loss = paper_objective()
    with pytest.raises(ValueError, match="stationary point"):
        local_quadratic(loss, [0.5, 0.5])
    T = np.zeros((2, 2, 2))
    saddle_loss = cubic_objective(np.diag([1.0, -1.0]), T)
    with pytest.raises(ValueError, match="positive definite"):
        local_quadratic(saddle_loss, [0.0, 0.0])
    no_d3 = Objective(loss.value, loss.grad, loss.hess)
    model = local_quadratic(no_d3, [0.0, 0.0])
    with pytest.raises(ValueError, match="third derivative"):
        leading_discrepancy(no_d3, model, [0.1, 0.1], ETA, 0.1)
    with pytest.raises(TypeError, match="Objective"):
        local_quadratic(loss.grad, [0.0, 0.0])
    with pytest.raises(TypeError, match="seed"):
        noisy_gradient(loss.grad, 0.1, seed=None)


def test_mean_escape_time_of_the_noisy_linear_recursion():
    # Monte Carlo of x_{t+1} = μ x_t + s ξ_t, independent of SAM and of J
    mu, s, r = 1.8, 1e-8, 1.0
    rng = np.random.default_rng(0)
    x = np.zeros(20000)
    paths = [np.abs(x)]
    for _ in range(60):
        x = mu * x + s * rng.standard_normal(x.size)
        paths.append(np.abs(x))
    times = escape_time(np.array(paths), r)
    assert np.all(np.isfinite(times))
    predicted = noisy_escape_time_prediction(mu, r, s)
    assert times.mean() == pytest.approx(predicted, abs=4 * times.std() / 141)


def test_noise_scale_at_the_saddle_is_what_sam_feels():
    # one step of SAM from the saddle of a quadratic, many noise draws: the spread of
    # the e1-component is the predicted scale. With λ = (2, 1.9) and η = 0.54 the two
    # sources (the turned ascent direction and the noisy second gradient) are of the
    # same size, so leaving out either one would be off by about 40 %.
    lams, eta, rho, sigma = np.array([2.0, 1.9]), 0.54, 0.05, 1e-9
    loss = Quadratic(lams).as_objective()
    model = local_quadratic(loss, [0.0, 0.0])
    saddle = model.stationary_points(eta, rho)[2]
    start = np.tile(model.from_local(saddle), (20000, 1))
    step = run_sam(noisy_gradient(loss.grad, sigma, seed=2), start, eta, rho, 1)[1]
    spread = np.std(model.to_local(step)[:, 0])
    beta2 = eta * rho * lams[1] ** 2 / (2 - eta * lams[1])
    ascent, descent = eta * rho * lams[0] / beta2 * sigma, eta * sigma
    assert ascent == pytest.approx(descent, rel=0.05)
    expected = saddle_noise_scale(lams, eta, rho, sigma)
    assert spread == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("leading", [False, True])
def test_worst_discrepancy_is_the_largest_over_directions(leading):
    loss = cubic()
    model = local_quadratic(loss, [0.0, 0.0])
    step = leading_discrepancy if leading else lemma10_discrepancy
    sizes, rhos = np.array([1e-3, 1e-2]), np.array([2e-3, 1e-5])
    angles = 0.1 + 2 * np.pi * np.arange(36) / 36
    u = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    direct = [
        np.abs(step(loss, model, s * u, ETA, r)).max()
        for s, r in zip(sizes, rhos, strict=True)
    ]
    found = worst_discrepancy(loss, model, ETA, sizes, rhos, leading=leading)
    np.testing.assert_allclose(found, direct, rtol=1e-14)
    assert worst_discrepancy(loss, model, ETA, 1e-3, 2e-3, leading=leading) == found[0]


def test_saddle_paths_coincide_on_a_quadratic_where_lemma_10_is_exact():
    lams = np.array([2.0, 1.0])
    loss = Quadratic(lams).as_objective()
    model = local_quadratic(loss, [0.0, 0.0])
    sam, gd, saddle = saddle_paths(loss, model, ETA, 0.05, 1e-8, 20)
    beta2 = ETA * 0.05 * lams[1] ** 2 / (2 - ETA * lams[1])
    np.testing.assert_allclose(saddle, [0.0, beta2 / lams[1]])
    np.testing.assert_allclose(gd[0], saddle + np.array([1e-8, 0.0]))
    np.testing.assert_allclose(sam, gd, rtol=0, atol=1e-14)
    # the nudge grows by the escape factor μ per step while it is small
    mu = saddle_escape_factor(lams, ETA, 0.05)
    np.testing.assert_allclose(gd[1:6, 0] / gd[:5, 0], mu, rtol=1e-4)


def test_on_the_papers_loss_sam_leaves_a_saddle_as_linearised_for_small_rho():
    # Chapter 7.9's explorer at ρ = 0.05, ε = 1e-8: to a fraction of a step
    loss, rho = paper_objective(), 0.05
    model = local_quadratic(loss, [0.0, 0.0])
    sam, _, point = saddle_paths(loss, model, ETA, rho, 1e-8, 40)
    radius = 0.5 * np.linalg.norm(model.stationary_points(ETA, rho)[2])
    mu = saddle_escape_factor([2.0, 1.0], ETA, rho)
    escaped = escape_time(np.linalg.norm(sam - point, axis=-1), radius)
    assert abs(escaped - escape_time_prediction(mu, radius, 1e-8)) < 0.1


def test_turned_saddles_either_cycle_exactly_or_escape_from_rounding():
    loss = paper_objective()
    rho = 0.05
    saddle = local_quadratic(loss, [0.0, 0.0]).stationary_points(ETA, rho)[2]
    radius, mu = 0.5 * np.linalg.norm(saddle), saddle_escape_factor([2, 1], ETA, rho)
    angles = np.linspace(0, np.pi, 26)[1:-1]
    escape, exact = turned_saddle_escapes(loss, angles, ETA, rho, 60, radius)
    np.testing.assert_array_equal(np.isinf(escape), exact)
    # rounding errors between 2⁻⁶⁴ and 2⁻⁴⁸ of the start, grown by μ per step
    fastest = escape_time_prediction(mu, radius, 2.0**-48 * np.linalg.norm(saddle))
    slowest = escape_time_prediction(mu, radius, 2.0**-64 * np.linalg.norm(saddle))
    assert np.all(exact | ((escape > fastest) & (escape < slowest)))
    assert not exact.all()
    # without a turn the first coordinate is an exact 0: SAM stays for ever
    assert turned_saddle_escapes(loss, 0.0, ETA, rho, 60, radius)[1].all()
