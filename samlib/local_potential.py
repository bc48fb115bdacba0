"""A local Lemma 10: SAM near a minimum of any smooth loss, and the saddles of J.

Section 7 of the paper: "it is straightforward to extend Lemma 10 to a local version,
showing that SAM with a locally quadratic loss converges to a neighborhood of the
stationary points of a function J defined in terms of the Hessian. It is less
straightforward to show that SAM avoids the suboptimal stationary points of J."
Chapter 7.9 builds that J and looks at both halves numerically:

* :func:`local_quadratic`: the Hessian at a minimum ``w*`` in its eigenbasis,
  ``∇²ℓ(w*) = V diag(λ) Vᵀ``, and the local coordinates ``u = Vᵀ(w - w*)`` in which
  the quadratic model of ℓ is ``½ uᵀΛu`` and Proposition 8's J applies;
* :func:`lemma10_discrepancy`: one SAM step on ℓ against the step of gradient descent
  on J (Lemma 10 for the quadratic model), and :func:`leading_discrepancy`, its
  leading term, of order ``η(‖w - w*‖ + ρ)²`` (the third derivative at ``w*``);
  :func:`predicted_cycle_offset`, where that term moves SAM's 2-cycle;
* :func:`saddle_escape_factor`: the growth factor per step of gradient descent on J
  away from a saddle ``±(βi/λi) e_i``, from Proposition 8's Hessian, and
  :func:`escape_time`, the (interpolated) step at which a path leaves a ball;
* :func:`noisy_gradient` (and :func:`samlib.objectives.rotated_objective`), to break
  the symmetry that keeps a start on a saddle there, by gradient noise (or rounding);
* the experiments of Chapter 7.9 as functions: :func:`worst_discrepancy` (the rate
  of the local Lemma 10), :func:`saddle_paths` (SAM against gradient descent on J
  from a nudged saddle) and :func:`turned_saddle_escapes` (rounding at a saddle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from samlib import (
    J_gd_step,
    J_stationary_points,
    Objective,
    hess_J,
    run_sam,
    sam_step,
    sign_flip,
)
from samlib._validation import (
    as_count,
    as_eigenvalues,
    as_param,
    as_point,
    as_points,
    as_rng,
    float_or_array,
    sign_fixed,
)
from samlib.objectives import as_objective

__all__ = [
    "LocalQuadratic",
    "escape_time",
    "escape_time_prediction",
    "leading_discrepancy",
    "lemma10_discrepancy",
    "local_quadratic",
    "noisy_escape_time_prediction",
    "noisy_gradient",
    "predicted_cycle_offset",
    "saddle_escape_factor",
    "saddle_noise_scale",
    "saddle_paths",
    "sam_in_local_coordinates",
    "turned_saddle_escapes",
    "worst_discrepancy",
]


@dataclass(frozen=True)
class LocalQuadratic:
    """The quadratic model of a loss at a minimum, in the Hessian's eigenbasis.

    ``∇²ℓ(w*) = V diag(lams) Vᵀ`` with ``lams`` sorted non-increasing; the columns of
    ``V`` are the eigenvectors ``e_i`` (each with its largest entry positive). In the
    coordinates ``u = Vᵀ(w - w*)`` the model ``½(w - w*)ᵀ∇²ℓ(w*)(w - w*)`` is
    ``½ uᵀΛu``, the quadratic of Sections 3–4, with Proposition 8's J.

    Attributes
    ----------
    w_star : ndarray, shape (d,)
    lams : ndarray, shape (d,)
    V : ndarray, shape (d, d)
    """

    w_star: np.ndarray
    lams: np.ndarray
    V: np.ndarray

    def to_local(self, w) -> np.ndarray:
        """``u = Vᵀ(w - w*)`` for one point or a batch ``(..., d)``."""
        return (as_points(w, d=self.lams.size) - self.w_star) @ self.V

    def from_local(self, u) -> np.ndarray:
        """``w = w* + V u``, the inverse of :meth:`to_local`."""
        return self.w_star + as_points(u, name="u", d=self.lams.size) @ self.V.T

    def stationary_points(self, eta, rho) -> np.ndarray:
        """The stationary points ``±(βi/λi) e_i`` of J in local coordinates, (2d, d).

        The order of :func:`samlib.J_stationary_points`: ``+`` before ``-``, by ``i``.
        """
        return np.array([p.point for p in J_stationary_points(self.lams, eta, rho)])


def local_quadratic(objective: Objective, w_star, *, tol: float = 1e-9):
    """The quadratic model of ``objective`` at a strict minimum ``w_star``.

    Parameters
    ----------
    objective : samlib.Objective
    w_star : array_like, shape (d,)
        A point where ``∇ℓ = 0`` (to ``tol`` times the Hessian's scale) and the
        Hessian is positive definite.

    Returns
    -------
    LocalQuadratic

    Examples
    --------
    At 0 the loss of Section 6 has Hessian ``diag(2, 1)``:

    >>> from samlib.objectives import paper_objective
    >>> model = local_quadratic(paper_objective(), [0.0, 0.0])
    >>> model.lams.tolist(), model.V.tolist()
    ([2.0, 1.0], [[1.0, 0.0], [0.0, 1.0]])
    """
    objective = as_objective(objective)
    w_star = as_point(w_star, name="w_star")
    H = np.asarray(objective.hess(w_star), dtype=float)
    d = w_star.size
    if H.shape != (d, d) or not np.all(np.isfinite(H)):
        raise ValueError(f"objective.hess(w_star) must be a finite ({d}, {d}) matrix")
    scale = max(1.0, float(np.max(np.abs(H))))
    grad_norm = float(np.linalg.norm(objective.grad(w_star)))
    if grad_norm > tol * scale:
        raise ValueError(
            f"w_star must be a stationary point of the loss: ‖∇ℓ(w*)‖ = {grad_norm:.3g}"
        )
    lams, V = np.linalg.eigh((H + H.T) / 2)
    lams, V = lams[::-1], V[:, ::-1]
    if not lams[-1] > 0:
        raise ValueError(
            "the Hessian at w_star must be positive definite (a strict minimum), "
            f"got smallest eigenvalue {lams[-1]:.3g}"
        )
    return LocalQuadratic(w_star=w_star.copy(), lams=lams, V=sign_fixed(V.T).T)


def lemma10_discrepancy(objective: Objective, model: LocalQuadratic, w, eta, rho):
    """One SAM step on ℓ from ``w``, minus the step Lemma 10 predicts, in ``u``.

    With ``x = Vᵀ(w - w*)`` the quadratic model's SAM step lands at
    ``-(x - ηρ∇J(x))`` (Lemma 10 read for one step: the sign flip of
    ``u_t = (-1)^t w_t`` and the oddness of ∇J); the function returns
    ``Vᵀ(SAM(w) - w*) + (x - ηρ∇J(x))``, of shape ``(..., d)``.
    """
    objective = as_objective(objective)
    x = model.to_local(w)
    sam = model.to_local(sam_step(model.from_local(x), objective.grad, eta, rho))
    return sam + J_gd_step(x, model.lams, eta, rho)


def sam_in_local_coordinates(
    objective: Objective,
    model: LocalQuadratic,
    u0,
    eta,
    rho,
    n_steps: int,
    *,
    grad: Callable | None = None,
):
    """SAM on ℓ from ``w* + V u0``, as Lemma 10's ``u_t = (-1)^t Vᵀ(w_t - w*)``.

    In these coordinates gradient descent on the local J (step ηρ) is the quadratic
    model's prediction, so the two can be compared path against path.

    Parameters
    ----------
    objective : samlib.Objective
    model : LocalQuadratic
    u0 : array_like, shape (d,) or (..., d)
        Starting point(s) in local coordinates.
    eta, rho : float or array_like
        As in :func:`samlib.run_sam`.
    n_steps : int
    grad : callable, optional
        The gradient SAM uses, e.g. a :func:`noisy_gradient` of ``objective.grad``;
        ``objective.grad`` if None.

    Returns
    -------
    ndarray, shape (n_steps + 1, ..., d)
    """
    objective = as_objective(objective)
    grad = objective.grad if grad is None else grad
    path = run_sam(grad, model.from_local(u0), eta, rho, n_steps)
    return sign_flip(model.to_local(path))


def _contract(T, a, b):
    """``T[a, b, ·]``: ``Σ_ij T_ijk a_i b_j`` over batches of vectors."""
    return np.einsum("ijk,...i,...j->...k", T, a, b)


def leading_discrepancy(objective: Objective, model: LocalQuadratic, w, eta, rho):
    """The leading term of :func:`lemma10_discrepancy`, from ``T = D³ℓ(w*)``.

    With ``y = w - w*``, ``g0 = Hy``, ``n0 = g0/‖g0‖`` and ``a0 = y + ρn0``, Taylor's
    theorem gives ``∇ℓ(w* + z) = Hz + ½T[z, z] + O(‖z‖³)``, so the normalised
    gradient is ``n0 + (I - n0n0ᵀ)T[y, y]/(2‖g0‖) + O(‖y‖²)`` and SAM's step differs
    from the model's by

    ``-ηρ H (I - n0n0ᵀ) T[y, y]/(2‖g0‖) - (η/2) T[a0, a0] + O(η(‖y‖ + ρ)³)``,

    returned in local coordinates. Both terms are ``O(η(‖y‖ + ρ)²)``; if
    ``T = 0`` (an even loss, like Section 6's) the discrepancy is ``O(η(‖y‖ + ρ)³)``.
    """
    objective = as_objective(objective)
    if objective.d3 is None:
        raise ValueError("leading_discrepancy needs the third derivative objective.d3")
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    T = np.asarray(objective.d3(model.w_star), dtype=float)
    H = (model.V * model.lams) @ model.V.T
    y = as_points(w, d=model.lams.size) - model.w_star
    g0 = y @ H
    g0_norm = np.linalg.norm(g0, axis=-1, keepdims=True)
    if np.any(g0_norm == 0):
        raise ValueError("SAM's step is undefined at w = w* (the gradient vanishes)")
    n0 = g0 / g0_norm
    Tyy = _contract(T, y, y)
    tangential = Tyy - n0 * np.sum(n0 * Tyy, axis=-1, keepdims=True)
    a0 = y + rho * n0
    step = -eta * rho * (tangential / (2 * g0_norm)) @ H - eta / 2 * _contract(
        T, a0, a0
    )
    return step @ model.V


def predicted_cycle_offset(objective: Objective, model: LocalQuadratic, eta, rho):
    """Where the leading discrepancy moves SAM's 2-cycle: an offset of its centre.

    On the model the 2-cycle is ``w* ± (β1/λ1) e1``. At those points the leading
    discrepancy ``D`` (:func:`leading_discrepancy`) is the same (it is even in
    ``y``), and a small offset ``c`` of the centre along ``e_j``, ``j ≥ 2``, is
    multiplied by ``1 - ηλj - ηρλj²/β1`` per step (eq. 3 on the cycle, where
    ``‖Λu‖ = β1``); the offset that the push ``D`` keeps in balance is

    ``c_j = D_j / (ηλj (1 + ρλj/β1))``,  ``j ≥ 2``  (and 0 along ``e1``),

    in local coordinates, to leading order ``O(ρ²)``. The cycle's centre moves to
    the flatter side when ``D`` is Theorem 21's drift (Chapter 7.9 checks both).
    """
    lams = model.lams
    beta1 = eta * rho * lams[0] ** 2 / (2 - eta * lams[0])
    cycle = model.from_local(np.eye(lams.size)[0] * beta1 / lams[0])
    push = leading_discrepancy(objective, model, cycle, eta, rho)
    offset = push / (eta * lams * (1 + rho * lams / beta1))
    offset[0] = 0.0
    return offset


def saddle_escape_factor(lams, eta, rho, index: int = 1) -> float:
    """The largest growth factor per step of GD on J (step ηρ) at a saddle.

    At the stationary point ``u_i = (βi/λi) e_i`` the map ``u ↦ u - ηρ∇J(u)`` has
    Jacobian ``I - ηρ∇²J(u_i)``; along ``e_j`` with ``λj > λi`` Proposition 8 gives
    ``∇²J = λj²(1/βj - 1/βi) < 0`` and the factor

    ``μ_j = 1 - ηρλj²(1/βj - 1/βi) = 1 + (2 - ηλi)λj²/λi² - (2 - ηλj) > 1``.

    The function computes ``max |1 - ηρκ|`` over the eigenvalues κ < 0 of
    :func:`samlib.hess_J` at ``u_i`` (for ``index = 1`` and ``d = 2`` that is ``μ_1``).

    Parameters
    ----------
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0`` with ``ηλ1 < 2``.
    eta, rho : float
    index : int
        ``i - 1`` of the saddle ``±(βi/λi) e_i`` (0-based, as in
        :func:`samlib.J_stationary_points`); it must have a negative curvature.

    Examples
    --------
    >>> saddle_escape_factor([2.0, 1.0], 0.2, 0.05)  # 1 + 1.8·4 - 1.6
    6.6
    """
    lams = as_eigenvalues(lams)
    points = J_stationary_points(lams, eta, rho)
    if not (isinstance(index, (int, np.integer)) and 0 <= index < lams.size):
        raise ValueError(f"index must be in 0..{lams.size - 1}, got {index!r}")
    point = points[2 * index]
    if point.n_negative == 0:
        raise ValueError(
            f"the stationary point of index {index} has no negative curvature "
            "(it is a minimum of J): nothing to escape from"
        )
    kappa = np.linalg.eigvalsh(hess_J(point.point, lams, eta, rho))
    factors = np.abs(1 - eta * rho * kappa[kappa < 0])
    return float(np.round(factors.max(), 12))


def escape_time_prediction(factor, radius, perturbation):
    """``log(radius/perturbation)/log(factor)``: steps for ``factor^t ε`` to reach r.

    The linearised escape from a saddle: a perturbation ε along the unstable
    direction grows like ``factor^t``.
    """
    factor = as_param(factor, "factor", positive=True)
    if not np.all(np.asarray(factor) > 1):
        raise ValueError(f"factor must be > 1 (an unstable direction), got {factor!r}")
    radius = as_param(radius, "radius", positive=True)
    perturbation = as_param(perturbation, "perturbation", positive=True)
    return np.log(radius / perturbation) / np.log(factor)


def saddle_noise_scale(lams, eta, rho, sigma, index: int = 1) -> float:
    """The noise per step along ``e1`` of SAM with noisy gradients at a saddle of J.

    At the saddle ``±(βi/λi) e_i`` SAM's gradient is ``±βi e_i``. Noise ``σξ`` in
    the first gradient turns the ascent direction by ``σξ⊥/βi`` and moves the
    ascent point by ``ρσξ⊥/βi``, which changes the step by ``-ηρ∇²ℓ σξ⊥/βi``: along
    ``e1``, ``ηρλ1σ/βi`` times a standard normal. Noise in the second gradient adds
    ``ησ``. Together: ``σ √(η² + (ηρλ1/βi)²)`` per step (:func:`noisy_gradient`).
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    sigma = as_param(sigma, "sigma", nonneg=True)
    if not (isinstance(index, (int, np.integer)) and 1 <= index < lams.size):
        raise ValueError(f"index must be in 1..{lams.size - 1}, got {index!r}")
    beta = eta * rho * lams[index] ** 2 / (2 - eta * lams[index])
    return sigma * np.hypot(eta, eta * rho * lams[0] / beta)


def noisy_escape_time_prediction(factor, radius, noise):
    """The mean time for ``x_{t+1} = μ x_t + s ξ_t`` (``x_0 = 0``) to reach ``r``.

    ``x_t = s Σ_k μ^{t-1-k} ξ_k`` is normal with standard deviation
    ``s √((μ^{2t} - 1)/(μ² - 1)) ≈ s μ^t/√(μ² - 1)``, so ``|x_T| = r`` at
    ``T = (log(r/s) + ½ log(μ² - 1) - log|Z|)/log μ`` with ``Z`` standard normal;
    its mean uses ``E[log|Z|] = -(γ + log 2)/2`` (γ Euler's constant).
    """
    base = escape_time_prediction(factor, radius, noise)
    return base + (0.5 * np.log(factor**2 - 1) + (np.euler_gamma + np.log(2)) / 2) / (
        np.log(factor)
    )


def escape_time(distances, radius):
    """The first time a path's distance to a point exceeds ``radius``, interpolated.

    Parameters
    ----------
    distances : array_like, shape (T, ...)
        ``‖u_t - u_saddle‖`` along one or several paths (time first).
    radius : float

    Returns
    -------
    float or ndarray
        ``k - 1 + (log r - log d_{k-1})/(log d_k - log d_{k-1})`` for the first
        ``k`` with ``d_k > r`` (linear in log-distance between the two steps, as for
        an exponential escape); ``k`` itself if ``d_{k-1} = 0``; ``inf`` if the
        path never leaves.

    Examples
    --------
    >>> escape_time([1e-6, 1e-4, 1e-2, 1.0], radius=1e-1)
    2.5
    """
    d = np.asarray(distances, dtype=float)
    if d.ndim < 1 or d.shape[0] < 1 or np.any(d < 0) or np.any(np.isnan(d)):
        raise ValueError("distances must be a non-negative array with time first")
    radius = as_param(radius, "radius", positive=True)
    out = d > radius
    k = np.argmax(out, axis=0)
    left = np.isin(k, [0]) & ~out[0]
    before = np.take_along_axis(d, np.maximum(k - 1, 0)[None], axis=0)[0]
    after = np.take_along_axis(d, k[None], axis=0)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (np.log(radius) - np.log(before)) / (np.log(after) - np.log(before))
    t = np.where((k > 0) & (before > 0), k - 1 + frac, k.astype(float))
    t = np.where(left, np.inf, t)
    return float(t) if np.ndim(t) == 0 else t


def noisy_gradient(grad: Callable, sigma, seed) -> Callable:
    """A stochastic gradient oracle: ``w ↦ ∇ℓ(w) + σξ`` with fresh ``ξ ~ N(0, I)``.

    Every call draws new noise from ``default_rng(seed)``, so SAM run with it
    (:func:`samlib.run_sam` calls it twice per step, at ``w`` and at the ascent
    point) is a stochastic SAM whose two gradients have independent noise, a model
    of SAM with small mini-batches. The same seed gives the same path.
    """
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {grad!r}")
    sigma = as_param(sigma, "sigma", nonneg=True)
    rng = as_rng(seed)

    def noisy(w):
        g = np.asarray(grad(w), dtype=float)
        return g + sigma * rng.standard_normal(g.shape)

    return noisy


# -- the experiments of Chapter 7.9, as functions -------------------------------------


def _plane_directions(n: int, d: int) -> np.ndarray:
    """``n`` unit vectors ``(n, d)`` in the plane of ``e1, e2``, angles 0.1 + 2πk/n."""
    angles = 0.1 + 2 * np.pi * np.arange(n) / n
    out = np.zeros((n, d))
    out[:, 0], out[:, 1] = np.cos(angles), np.sin(angles)
    return out


def worst_discrepancy(
    objective: Objective,
    model: LocalQuadratic,
    eta,
    distance,
    rho,
    *,
    n_directions: int = 36,
    leading: bool = False,
):
    """The largest entry of :func:`lemma10_discrepancy` over directions of ``y``.

    For each distance ``s`` (with its ρ; the two broadcast), one SAM step from
    ``w* + s V u`` for ``n_directions`` unit vectors ``u`` of the plane of ``e1, e2``
    (local coordinates), compared with the step of gradient descent on the local J;
    the result is ``max_u ‖discrepancy‖_∞``. The local Lemma 10 of Chapter 7.9 bounds
    it by ``O(η(s + ρ)²)``, ``O(η(s + ρ)³)`` when ``D³ℓ(w*) = 0``.

    Parameters
    ----------
    objective : samlib.Objective
    model : LocalQuadratic
        The quadratic model of ``objective`` at ``w*`` (of dimension ≥ 2).
    eta : float
    distance, rho : float or array_like
        ``‖w - w*‖ = s > 0`` and ρ ≥ 0, broadcast against each other.
    n_directions : int
    leading : bool
        Take :func:`leading_discrepancy`, the leading term, instead.

    Returns
    -------
    float or ndarray, the broadcast shape of ``distance`` and ``rho``
    """
    objective = as_objective(objective)
    d = model.lams.size
    if d < 2:
        raise ValueError("worst_discrepancy needs a model of dimension d >= 2")
    distance = as_param(distance, "distance", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    u = _plane_directions(as_count(n_directions, "n_directions", minimum=1), d)
    s, r = np.broadcast_arrays(np.asarray(distance), np.asarray(rho))
    step = leading_discrepancy if leading else lemma10_discrepancy
    out = [
        np.abs(step(objective, model, model.from_local(si * u), eta, ri)).max()
        for si, ri in zip(s.ravel(), r.ravel(), strict=True)
    ]
    return float_or_array(np.reshape(out, s.shape))


def saddle_paths(objective, model: LocalQuadratic, eta, rho, nudge, n_steps: int):
    """SAM on ℓ and gradient descent on the local J from a nudged saddle of J.

    Both start at ``(β2/λ2) e2 + nudge·e1`` (local coordinates): SAM's path is given
    as Lemma 10's ``u_t`` (:func:`sam_in_local_coordinates`), and gradient descent on
    J with step ηρ is the quadratic model's prediction for it (Lemma 10), so near
    ``w*`` the two coincide (Chapter 7.9's explorer).

    Returns
    -------
    sam, gd : ndarray, shape (n_steps + 1, d)
    saddle : ndarray, shape (d,)
        The saddle ``(β2/λ2) e2``.
    """
    objective = as_objective(objective)
    n_steps = as_count(n_steps, "n_steps")
    saddle = model.stationary_points(eta, rho)[2]
    start = saddle + as_param(nudge, "nudge") * np.eye(model.lams.size)[0]
    sam = sam_in_local_coordinates(objective, model, start, eta, rho, n_steps)
    gd = [start]
    for _ in range(n_steps):
        gd.append(J_gd_step(gd[-1], model.lams, eta, rho))
    return sam, np.array(gd), saddle


def turned_saddle_escapes(objective, angles, eta, rho, n_steps: int, radius):
    """SAM started exactly on the saddle of J of a turned 2-D loss: does it leave?

    For each angle θ the loss is turned by θ
    (:func:`samlib.objectives.rotated_objective`), its quadratic model at 0 is
    computed again (its eigenvectors ``V``), and SAM starts at the turned saddle
    ``V(β2/λ2)e2``, with ``β2/λ2`` from the loss as given. In exact arithmetic it
    would stay there; in floating point the start and the gradients are rounded, and
    the rounding errors grow like ``μᵗ`` (Chapter 7.9).

    Parameters
    ----------
    objective : samlib.Objective
        A 2-D loss with a strict minimum at 0.
    angles : array_like
    eta, rho : float
    n_steps : int
    radius : float
        The escape radius around the saddle (local coordinates).

    Returns
    -------
    escape : ndarray
        The :func:`escape_time` of each start (``inf`` if it never left).
    exact_cycle : ndarray of bool
        Whether the computed iterates returned exactly to the start after two steps.
    """
    from samlib.objectives import rotated_objective

    objective = as_objective(objective)
    n_steps = as_count(n_steps, "n_steps", minimum=2)
    saddle = local_quadratic(objective, [0.0, 0.0]).stationary_points(eta, rho)[2]
    escape, exact = [], []
    for theta in np.atleast_1d(as_param(angles, "angles")):
        Q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        turned = rotated_objective(objective, Q)
        model = local_quadratic(turned, [0.0, 0.0])
        path = run_sam(turned.grad, model.from_local(saddle), eta, rho, n_steps)
        u = sign_flip(model.to_local(path))
        escape.append(escape_time(np.linalg.norm(u - saddle, axis=-1), radius))
        exact.append(np.array_equal(path[2], path[0]))
    return np.array(escape), np.array(exact)
