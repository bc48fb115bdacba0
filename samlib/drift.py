"""Hessian drift (Section 5): SAM near a minimum descends the top Hessian eigenvalue.

Theorem 21: at ``w_t = w_z + s β1/λ1 v1`` next to a minimum ``w_z``, one SAM step is a
bounce ``-2ηρλ1 s/(2 - ηλ1) v1`` across the ravine plus a drift
``-(ηρ²/2)(1 + ηλ1/(2 - ηλ1))² ∇λmax(∇²ℓ(w_z))``, up to a remainder of order
``ηρ²(ρ + η)``.

* :func:`theorem21_prediction`: the bounce, the drift and the remainder's bound at one
  point, with the hypotheses under which the theorem's proof gives that bound
  (:meth:`Theorem21Prediction.violated_hypotheses`; Chapter 5 shows that the
  statement printed in the paper needs them);
* :func:`step_split`: one actual SAM step against the predicted one, in the
  eigenbasis;
* :func:`theorem21_errors`: the prediction against SAM's actual step over a sweep of
  ``(η, ρ)``;
* :func:`drift_field`: the drift at many minima at once (a valley, a manifold), and
  :func:`drift_gap`, the steps of SAM's midpoints against it;
* :func:`reduction_runs`: Section 5's reduction of the zero eigenvalues, run;
* :func:`compare_methods`: SAM, gradient descent and noisy gradient descent from one
  start, the three methods of Section 6;
* :func:`sgd_flatness`: how flat many noisy-GD runs end up, against SAM (Figure 5
  repeated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    as_count,
    as_param,
    as_point,
    as_points,
    kernel_of,
    sign_fixed,
    unchecked,
)
from samlib.generalisation import bootstrap_interval
from samlib.objectives import Objective, as_objective
from samlib.steps import run_gd, run_noisy_gd, run_sam, sam_ascent_point

__all__ = [
    "SharpnessShares",
    "Theorem21Errors",
    "Theorem21Prediction",
    "compare_methods",
    "drift_field",
    "drift_gap",
    "grad_lambda_max",
    "reduction_runs",
    "sgd_flatness",
    "step_split",
    "theorem21_errors",
    "theorem21_prediction",
    "top_eigenpair",
]


def _hessian_at(objective, w):
    H = np.asarray(kernel_of(objective.hess)(w), dtype=float)
    d = w.shape[-1]
    if H.shape != (d, d):
        raise ValueError(f"objective.hess(w) must have shape ({d}, {d}), got {H.shape}")
    return H


def top_eigenpair(H):
    """The largest eigenvalue λmax of a symmetric matrix and a unit eigenvector.

    The eigenvector's sign is fixed so that its largest-magnitude entry is positive,
    which makes the result deterministic.

    Parameters
    ----------
    H : array_like, shape (d, d)
        A finite symmetric matrix.

    Returns
    -------
    lam : float
    v : ndarray, shape (d,)

    Examples
    --------
    >>> lam, v = top_eigenpair([[2.0, 0.0], [0.0, 1.0]])
    >>> lam, bool(np.allclose(v, [1.0, 0.0], rtol=0, atol=1e-12))
    (2.0, True)
    """
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise ValueError(f"H must be a square (d, d) matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError("H must be finite")
    scale = max(1.0, float(np.max(np.abs(H))))
    if not np.allclose(H, H.T, rtol=0, atol=1e-10 * scale):
        raise ValueError("H must be symmetric")
    lams, vecs = np.linalg.eigh((H + H.T) / 2)
    return float(lams[-1]), sign_fixed(vecs[:, -1])


def _require_simple_top(H):
    lams = np.linalg.eigvalsh(H)
    if lams.size > 1:
        gap = lams[-1] - lams[-2]
        if not gap > 1e-9 * max(1.0, abs(lams[-1])):
            raise ValueError(
                "λmax(∇²ℓ) is not differentiable where the top eigenvalue is repeated "
                f"(λ1 = λ2 = {lams[-1]:.6g}); Theorem 21 assumes λ1 > λ2"
            )


def grad_lambda_max(objective: Objective, w, *, step: float | None = None):
    """The gradient of ``λmax(∇²ℓ(w))`` with respect to w.

    For a simple top eigenvalue with unit eigenvector v1, ``∂λmax/∂wk =
    D³ℓ(w)(v1, v1, e_k)`` (first-order eigenvalue perturbation), the third
    derivative that SAM's drift follows (Theorem 21).

    Parameters
    ----------
    objective : Objective
        The loss; its exact ``d3`` is used when present.
    w : array_like, shape (d,)
    step : float, optional
        Finite-difference step when ``objective.d3`` is None. Default
        ``(3 ε_mach)^{1/3} · max(1, ‖w‖) ≈ 1e-5``.

    Returns
    -------
    ndarray, shape (d,)

    Notes
    -----
    Without ``d3``, each ``∂_k ∇²ℓ`` is taken by central differences of the Hessian,
    ``(∇²ℓ(w + h e_k) - ∇²ℓ(w - h e_k))/(2h)``, and contracted with v1. The error is
    ``h²/6 · |D⁵ℓ|`` from truncation plus about ``ε_mach |∇²ℓ|/h`` from round-off;
    with the default step both are near ``1e-10`` relative to the scale of the
    derivatives (the tests measure it against exact ``d3`` on the book's objectives).
    """
    objective = as_objective(objective)
    w = as_point(w)
    if step is not None:
        step = as_param(step, "step", positive=True)
    return _grad_lambda_max(objective, w, _hessian_at(objective, w), step)


def _grad_lambda_max(objective, w, H, step=None):
    """``∇λmax(∇²ℓ(w))`` for a checked point ``w`` with Hessian ``H``."""
    _require_simple_top(H)
    _, v1 = top_eigenpair(H)
    if objective.d3 is not None:
        T = np.asarray(kernel_of(objective.d3)(w), dtype=float)
        return np.einsum("ijk,i,j->k", T, v1, v1)
    if step is None:
        step = (3 * np.finfo(float).eps) ** (1 / 3) * max(1.0, float(np.linalg.norm(w)))
    result = np.empty(w.size)
    for k in range(w.size):
        e = np.zeros(w.size)
        e[k] = step
        dH = (_hessian_at(objective, w + e) - _hessian_at(objective, w - e)) / (
            2 * step
        )
        result[k] = v1 @ dH @ v1
    return result


def _checked(objective, wz, eta, rho):
    """The arguments of Theorem 21's functions, checked once: a samlib Objective,
    one point ``w_z`` of shape ``(d,)`` and positive ``η``, ``ρ``."""
    objective = as_objective(objective)
    wz = as_point(wz, name="wz")
    return (
        objective,
        wz,
        as_param(eta, "eta", positive=True),
        as_param(rho, "rho", positive=True),
    )


@dataclass(frozen=True)
class Theorem21Prediction:
    """Theorem 21's prediction of one SAM step from ``w_t = w_z + s β1/λ1 v1``.

    Attributes
    ----------
    w_t : ndarray
        The point on the 2-cycle next to the minimum.
    bounce : ndarray
        ``-2ηρλ1 s/(2 - ηλ1) v1``, the jump to the other side of the ravine.
    drift : ndarray
        ``-(ηρ²/2)(1 + ηλ1/(2 - ηλ1))² ∇λmax(∇²ℓ(w_z))``.
    step : ndarray
        ``bounce + drift``, the predicted ``w_{t+1} - w_t``.
    lam1 : float
        λ1, the top Hessian eigenvalue at ``w_z``.
    v1 : ndarray
        Its unit eigenvector (the paper's e1).
    grad_lambda_max : ndarray
        ``∇λmax(∇²ℓ(w_z))``.
    eta, rho : float
    lams : ndarray, shape (d,)
        All eigenvalues of ``∇²ℓ(w_z)``, in decreasing order (``lams[0] = lam1``).
    basis : ndarray, shape (d, d)
        Unit eigenvectors as columns, in the order of ``lams`` (``basis[:, 0] = v1``):
        the paper's ``e1, ..., ed``. Their signs are fixed (largest entry positive,
        :func:`top_eigenpair`), then the last column's is flipped if needed to make
        the basis a rotation (determinant 1): in two dimensions ``v2`` is ``v1``
        turned by +90°.
    """

    w_t: np.ndarray
    bounce: np.ndarray
    drift: np.ndarray
    step: np.ndarray
    lam1: float
    v1: np.ndarray
    grad_lambda_max: np.ndarray
    eta: float
    rho: float
    lams: np.ndarray
    basis: np.ndarray

    @property
    def ball_radius(self) -> float:
        """``β1/λ1 + ρ = 2ρ/(2 - ηλ1)``: the ball around ``w_z`` that holds ``w_t``,
        SAM's perturbed point and the idealised one ``w_z + s(β1/λ1 + ρ)e1`` of the
        proof. Theorem 21's constant B must bound ``‖D³ℓ‖`` and the Lipschitz
        constant of ``D³ℓ`` on this ball."""
        return 2 * self.rho / (2 - self.eta * self.lam1)

    def in_eigenbasis(self, vector) -> np.ndarray:
        """The coordinates of ``vector`` (shape ``(..., d)``) along ``e1, ..., ed``."""
        return np.asarray(vector, dtype=float) @ self.basis

    def violated_hypotheses(self, B: float) -> list[str]:
        """The conditions of Theorem 21, as its proof uses them, that fail here.

        The proof (Chapter 5) needs ``ηλ1 ≤ 1``, ``Bηρ ≤ 1`` and ``|λi| ≤ λ1`` for
        every eigenvalue (so that ``‖∇²ℓ(w_z)‖ = λ1``; true at a minimum), besides
        ``λ1 > λ2`` (checked when the prediction is made) and B bounding both
        ``‖D³ℓ‖`` and the Lipschitz constant of ``D³ℓ`` on the ball of radius
        :attr:`ball_radius`, which depends on the loss and is not checked here.

        Returns
        -------
        list of str
            The failed conditions, e.g. ``["ηλ1 ≤ 1"]``; empty if all hold.
        """
        B = as_param(B, "B", nonneg=True)
        failed = []
        if not self.eta * self.lam1 <= 1:
            failed.append("ηλ1 ≤ 1")
        if not B * self.eta * self.rho <= 1:
            failed.append("Bηρ ≤ 1")
        if not np.all(np.abs(self.lams) <= self.lam1):
            failed.append("|λi| ≤ λ1")
        return failed

    def remainder_bound(self, B: float) -> float:
        """Theorem 21's bound on ``‖actual step - predicted step‖``.

        ``ηρ²((1 + ηλ1)³ρ/6 + 2(2λ1 + Bρ)η) B``. The proof gives this bound when
        :meth:`violated_hypotheses` is empty and B bounds both ``‖D³ℓ‖`` and the
        Lipschitz constant of ``D³ℓ`` on the ball of radius :attr:`ball_radius`
        around ``w_z``. The paper's statement asks only that D³ℓ be B-Lipschitz and
        that ``Bηρ ≤ 1``; Chapter 5 shows counterexamples to that reading (a cubic
        loss, B = 0; a quartic one with ``ηλ1 = 1.9``; a saddle).

        Raises
        ------
        ValueError
            If ``Bηρ > 1``.
        """
        B = as_param(B, "B", nonneg=True)
        eta, rho, lam1 = self.eta, self.rho, self.lam1
        if not B * eta * rho <= 1:
            raise ValueError(
                f"Theorem 21 assumes Bηρ ≤ 1, got Bηρ = {B * eta * rho:.6g}"
            )
        return (
            eta
            * rho**2
            * ((1 + eta * lam1) ** 3 * rho / 6 + 2 * (2 * lam1 + B * rho) * eta)
            * B
        )


def _theorem21(objective, wz, eta, rho, s=1, grad_tol=1e-8) -> Theorem21Prediction:
    """Theorem 21's prediction for checked arguments.

    What the theorem assumes of the point ``w_z`` itself (a stationary point with a
    simple top eigenvalue ``0 < λ1 < 2/η``) is checked here, at every point.
    """
    g = np.asarray(kernel_of(objective.grad)(wz), dtype=float)
    if not np.linalg.norm(g) <= grad_tol:
        raise ValueError(
            f"Theorem 21 assumes ∇ℓ(w_z) = 0, got ‖∇ℓ(w_z)‖ = {np.linalg.norm(g):.3g} "
            f"> grad_tol = {grad_tol:g}"
        )
    H = _hessian_at(objective, wz)
    lam1, v1 = top_eigenpair(H)
    if not lam1 > 0:
        raise ValueError(f"Theorem 21 needs λ1 > 0 at w_z, got λ1 = {lam1:.6g}")
    if not eta * lam1 < 2:
        raise ValueError(f"Theorem 21 needs ηλ1 < 2, got ηλ1 = {eta * lam1:.6g}")
    glam = _grad_lambda_max(objective, wz, H)
    lams, vecs = np.linalg.eigh((H + H.T) / 2)
    basis = sign_fixed(vecs[:, ::-1].T).T
    basis[:, 0] = v1
    if wz.size > 1 and np.linalg.det(basis) < 0:  # a rotation: v2 = v1 turned by +90°
        basis[:, -1] *= -1
    radius = eta * rho * lam1 / (2 - eta * lam1)  # β1/λ1
    w_t = wz + s * radius * v1
    bounce = -2 * s * radius * v1
    drift = -(eta * rho**2 / 2) * (1 + eta * lam1 / (2 - eta * lam1)) ** 2 * glam
    return Theorem21Prediction(
        w_t=w_t,
        bounce=bounce,
        drift=drift,
        step=bounce + drift,
        lam1=lam1,
        v1=v1,
        grad_lambda_max=glam,
        eta=eta,
        rho=rho,
        lams=lams[::-1].copy(),
        basis=basis,
    )


@unchecked(_theorem21)
def theorem21_prediction(
    objective: Objective, wz, eta, rho, s: int = 1, *, grad_tol: float = 1e-8
) -> Theorem21Prediction:
    """Theorem 21's bounce and drift components of one SAM step next to ``w_z``.

    The theorem writes the Hessian at ``w_z`` as ``diag(λ1, ..., λd)``; that is a
    choice of coordinates, so here e1 is the top eigenvector v1 of ``∇²ℓ(w_z)``.

    Parameters
    ----------
    objective : Objective
        A C³ loss.
    wz : array_like, shape (d,)
        A stationary point, ``∇ℓ(w_z) = 0`` (checked to ``grad_tol``).
    eta, rho : float
        Step size η > 0 and radius ρ > 0.
    s : {1, -1}
        Which side of the ravine ``w_t`` is on.
    grad_tol : float
        Largest ``‖∇ℓ(w_z)‖`` accepted as zero.

    Returns
    -------
    Theorem21Prediction

    Notes
    -----
    ``theorem21_prediction.unchecked(objective, wz, eta, rho, s, grad_tol)`` skips
    the checks of the arguments (not those of the point), for samlib's loops over
    many points with the same objective and parameters (:mod:`samlib.valley`).

    Examples
    --------
    >>> from samlib.objectives import product_loss
    >>> p = theorem21_prediction(product_loss(), [2.0, 0.5], eta=0.05, rho=0.05)
    >>> p.lam1
    4.25
    """
    objective, wz, eta, rho = _checked(objective, wz, eta, rho)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s not in (1, -1):
        raise ValueError(f"s must be +1 or -1, got {s!r}")
    return _theorem21(objective, wz, eta, rho, s, grad_tol)


@dataclass(frozen=True)
class Theorem21Errors:
    """Theorem 21's prediction against SAM's actual step, over ``(η, ρ)`` pairs.

    Each array has one entry per pair; each error is the larger over the two sides
    ``s = ±1`` of the ravine.

    Attributes
    ----------
    eta, rho : ndarray
    error : ndarray
        ``‖actual - (bounce + drift)‖``, the error of the prediction.
    flipped, halved : ndarray
        The errors of two wrong predictions, ``bounce - drift`` and
        ``bounce + drift/2``: what a check must be able to tell apart.
    drift : ndarray
        ``‖drift‖``.
    bound : ndarray
        :meth:`Theorem21Prediction.remainder_bound` for the given B (NaN without B).
    """

    eta: np.ndarray
    rho: np.ndarray
    error: np.ndarray
    flipped: np.ndarray
    halved: np.ndarray
    drift: np.ndarray
    bound: np.ndarray

    @property
    def relative(self) -> np.ndarray:
        """``error / ‖drift‖``."""
        return self.error / self.drift


def _actual_step(objective, w, eta, rho):
    """SAM's step ``-η∇ℓ(w + ρ∇ℓ(w)/‖∇ℓ(w)‖)`` (eq. 2) at a checked point."""
    grad = kernel_of(objective.grad)
    return -eta * grad(sam_ascent_point.unchecked(w, grad, rho))


def step_split(objective: Objective, wz, eta, rho):
    """SAM's actual step from Theorem 21's point ``w_t`` and the predicted step,
    both along the eigenbasis ``(v1, ..., vd)`` of ``∇²ℓ(w_z)`` (Chapter 5, one step
    checked).

    The prediction is :func:`theorem21_prediction` at ``w_z`` (with ``s = 1``); the
    actual step is one SAM step (eq. 2) from its ``w_t``.

    Returns
    -------
    steps : ndarray, shape (2, d)
        The actual step and the predicted one (bounce plus drift), in the eigenbasis.
    drift_norm : float
        ``‖drift‖``, the scale against which the two are compared.

    Examples
    --------
    >>> from samlib.objectives import product_loss
    >>> (actual, predicted), size = step_split(product_loss(), [2.0, 0.5], 0.05, 0.05)
    >>> bool(np.linalg.norm(actual - predicted) < 0.02 * size)
    True
    """
    p = theorem21_prediction(objective, wz, eta, rho)
    actual = _actual_step(as_objective(objective), p.w_t, p.eta, p.rho)
    return p.in_eigenbasis([actual, p.step]), float(np.linalg.norm(p.drift))


def theorem21_errors(objective: Objective, wz, eta, rho, *, B=None) -> Theorem21Errors:
    """SAM's actual step from ``w_t = w_z ± β1/λ1 v1`` against Theorem 21's prediction.

    For each pair ``(η, ρ)`` (``eta`` and ``rho`` broadcast against each other), the
    prediction of :func:`theorem21_prediction` for both signs ``s = ±1`` and one SAM
    step (eq. 2) from its ``w_t``.

    Parameters
    ----------
    objective : Objective
    wz : array_like, shape (d,)
        A stationary point with a simple top Hessian eigenvalue.
    eta, rho : float or array_like
        Step sizes and radii, > 0; broadcast to one 1-D sweep.
    B : float or array_like, optional
        The constant of the remainder bound (broadcast like ``eta``).

    Returns
    -------
    Theorem21Errors

    Examples
    --------
    >>> from samlib.objectives import product_loss
    >>> e = theorem21_errors(product_loss(), [2.0, 0.5], 0.01, [0.01, 0.001])
    >>> bool(e.relative[1] < e.relative[0] < 0.01)
    True
    """
    objective, wz, eta, rho = _checked(objective, wz, eta, rho)
    B = np.nan if B is None else as_param(B, "B", nonneg=True)
    eta, rho, B = (
        np.atleast_1d(a).astype(float) for a in np.broadcast_arrays(eta, rho, B)
    )
    if eta.ndim != 1:
        raise ValueError(
            f"eta and rho must broadcast to one sweep (n,), got {eta.shape}"
        )
    out = np.zeros((5, eta.size))
    for i in range(eta.size):
        for s in (1, -1):
            p = _theorem21(objective, wz, eta[i], rho[i], s)
            actual = _actual_step(objective, p.w_t, eta[i], rho[i])
            wrong = (p.step, p.bounce - p.drift, p.bounce + p.drift / 2)
            errors = [np.linalg.norm(actual - guess) for guess in wrong]
            out[:3, i] = np.maximum(out[:3, i], errors)
            out[3, i] = np.linalg.norm(p.drift)
            out[4, i] = np.nan if np.isnan(B[i]) else p.remainder_bound(B[i])
    return Theorem21Errors(eta, rho, *out)


def _drift_field(objective, points, eta, rho):
    flat = points.reshape(-1, points.shape[-1])
    drifts = [_theorem21(objective, z, eta, rho).drift for z in flat]
    return np.reshape(drifts, points.shape)


@unchecked(_drift_field)
def drift_field(objective: Objective, points, eta, rho) -> np.ndarray:
    """Theorem 21's drift ``-(2ηρ²/(2 - ηλ1)²) ∇λmax(∇²ℓ(z))`` at each point z.

    Parameters
    ----------
    objective : Objective
    points : array_like, shape (..., d)
        Stationary points of the loss (a valley or a manifold of minima), each with a
        simple top Hessian eigenvalue.
    eta, rho : float
        Step size and radius.

    Returns
    -------
    ndarray, shape (..., d)

    Examples
    --------
    >>> from samlib.objectives import product_loss
    >>> drift_field(product_loss(), [[1.0, 1.0], [2.0, 0.5]], 0.1, 0.1).shape
    (2, 2)
    """
    objective = as_objective(objective)
    points = as_points(points, name="points")
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if np.ndim(eta) or np.ndim(rho):
        raise ValueError("drift_field takes one eta and one rho (scalars)")
    return _drift_field(objective, points, eta, rho)


def drift_gap(objective: Objective, mids, feet, eta, rho) -> np.ndarray:
    """How far the steps of SAM's midpoints are from Theorem 21's drift (Chapter
    5.7): ``‖(m_{t+1} - m_t) - drift(z_t)‖ / ‖drift(z_t)‖`` for each step, with
    ``z_t = feet[t]`` the minimum nearest ``m_t`` (:func:`drift_field`).

    Parameters
    ----------
    objective : Objective
    mids : array_like, shape (T, d)
        Midpoints of consecutive SAM iterates (:func:`samlib.valley.midpoints`).
    feet : array_like, shape (T, d)
        A minimum next to each midpoint; the last one is not used.
    eta, rho : float

    Returns
    -------
    ndarray, shape (T - 1,)

    Examples
    --------
    >>> from samlib.objectives import manifold_loss
    >>> mids = np.array([[0.0, 0.0, 1.0, 0.5], [0.0, 0.0, 0.99, 0.5]])
    >>> drift_gap(manifold_loss(), mids, mids, 0.1, 0.1).shape
    (1,)
    """
    mids = as_points(mids, name="mids")
    feet = as_points(feet, name="feet", d=mids.shape[-1])
    if feet.shape != mids.shape or len(mids) < 2:
        raise ValueError("drift_gap needs as many feet as midpoints, and two of each")
    predicted = drift_field(objective, feet[:-1], eta, rho)
    measured = np.diff(mids, axis=0)
    gap = np.linalg.norm(measured - predicted, axis=-1)
    return gap / np.linalg.norm(predicted, axis=-1)


def compare_methods(grad, w0, eta, rho, sigma, n_steps: int, seed, *, limit=1e3):
    """SAM, gradient descent and noisy gradient descent from one start (Section 6).

    The three methods of the paper's Figures 3–5: SAM (eq. 2) with radius ρ, GD, and
    GD whose gradients carry independent ``N(0, σ²I)`` noise (the paper's SGD,
    :func:`samlib.run_noisy_gd`), each for ``n_steps`` steps with step size η.

    Parameters
    ----------
    grad : callable
        The gradient of the loss.
    w0 : array_like, shape (d,)
    eta, rho, sigma : float
        Step size, SAM's radius (ρ ≥ 0) and the noise level (σ ≥ 0).
    n_steps : int
    seed : int or numpy.random.Generator
        The noise's seed.
    limit : float
        Largest ``|w_i|`` accepted: beyond it the run counts as blown up.

    Returns
    -------
    dict
        ``{"SAM": path, "GD": path, "SGD": path}``, each of shape
        ``(n_steps + 1, d)``.

    Raises
    ------
    ValueError
        If an iterate of a method leaves ``|w_i| < limit`` (or overflows).

    Examples
    --------
    >>> from samlib.objectives import paper_objective
    >>> grad = paper_objective().grad
    >>> runs = compare_methods(grad, [1.0, 1.0], 0.2, 1.0, 0.5, 100, seed=0)
    >>> sorted(runs), runs["GD"].shape
    (['GD', 'SAM', 'SGD'], (101, 2))
    """
    limit = as_param(limit, "limit", positive=True)
    paths = {
        "SAM": run_sam(grad, w0, eta, rho, n_steps),
        "GD": run_gd(grad, w0, eta, n_steps),
        "SGD": run_noisy_gd(grad, w0, eta, sigma, n_steps, seed),
    }
    for name, path in paths.items():
        if not np.max(np.abs(path)) < limit:
            raise ValueError(
                f"the iterates of {name} left the region |w| < {limit:g}: the steps "
                "are too large"
            )
    return paths


@dataclass(frozen=True)
class SharpnessShares:
    """How flat many noisy-GD runs end up against a reference sharpness
    (:func:`sgd_flatness`).

    Attributes
    ----------
    means : ndarray, shape (n_runs,)
        Each run's mean sharpness after the burn-in.
    shares : dict of str to (float, float, float)
        For ``"as_flat"`` (the mean within ``top - reference`` of the reference) and
        ``"flatter"`` (the mean below the reference): the share of the runs and its
        95 % percentile-bootstrap interval.
    """

    means: np.ndarray
    shares: dict

    def percentages(self) -> dict:
        """``{"as_flat_pct": ..., "as_flat_low": ..., ...}``: the shares in percent."""
        keys = ("pct", "low", "high")
        return {
            f"{name}_{key}": float(100 * value)
            for name, share in self.shares.items()
            for key, value in zip(keys, share, strict=True)
        }


def sgd_flatness(
    objective,
    w0,
    eta,
    sigma,
    n_steps: int,
    reference,
    n_runs: int,
    *,
    seed,
    burn_in: int = 20,
    top: float = 2.0,
) -> SharpnessShares:
    """Mean sharpness of ``n_runs`` independent noisy-GD runs against a reference
    (Section 6, Figure 5 repeated).

    The runs of :func:`samlib.run_noisy_gd` from ``w0`` (one noise stream each,
    batched) are summarised by their mean ``λmax(∇²ℓ(w_t))`` over steps ``burn_in``
    to ``n_steps``, and compared with ``reference`` (SAM's sharpness): a run is *as
    flat* when its mean is within ``top - reference`` of it (closer to SAM than SAM
    is to the minimum, of sharpness ``top``), *flatter* when below it. The shares of
    the runs come with 95 % bootstrap intervals
    (:func:`samlib.generalisation.bootstrap_interval`, seed 0).

    Returns
    -------
    SharpnessShares

    Examples
    --------
    >>> from samlib.objectives import paper_objective
    >>> study = sgd_flatness(paper_objective(), [1.0, 1.0], 0.2, 0.5, 60, 1.97, 20,
    ...                      seed=0)
    >>> study.means.shape, sorted(study.shares)
    ((20,), ['as_flat', 'flatter'])
    """
    objective = as_objective(objective)
    n_runs = as_count(n_runs, "n_runs", minimum=2)
    burn_in = as_count(burn_in, "burn_in")
    reference, top = as_param(reference, "reference"), as_param(top, "top")
    w0 = as_point(w0, "w0")
    w0 = np.broadcast_to(w0, (n_runs, w0.size))
    runs = run_noisy_gd(objective.grad, w0, eta, sigma, n_steps, seed)
    means = objective.sharpness(runs[burn_in:]).mean(axis=0)
    verdicts = {
        "as_flat": np.abs(means - reference) < top - reference,
        "flatter": means < reference,
    }
    shares = {}
    for name, holds in verdicts.items():
        interval = bootstrap_interval(lambda i, h=holds: h[i].mean(axis=1), n_runs)
        shares[name] = (float(holds.mean()), *interval)
    return SharpnessShares(means, shares)


def reduction_runs(objective: Objective, wz, u0, eta, rho, n_steps: int):
    """Section 5's reduction of the zero eigenvalues, run (Chapter 5.7).

    With ``e_1, ..., e_d`` the eigenvectors of ``H = ∇²ℓ(w_z)`` (the ``basis`` of
    :func:`theorem21_prediction`, eigenvalues decreasing) and ``k = len(u0)``, SAM
    runs twice: on the quadratic approximation
    ``ℓq(w) = ℓ(w_z) + ½(w - w_z)ᵀH(w - w_z)`` in ``R^d`` from
    ``w0 = w_z + Σ_{i≤k} u0_i e_i``, and on the quadratic ``½Σ_{i≤k} λi ui²`` in
    ``R^k`` from ``u0``. When ``λ_{k+1} = ... = λ_d = 0`` the first run never moves
    along the flat directions and its coordinates along ``e_1, ..., e_k`` are the
    second run.

    Returns
    -------
    full : ndarray, shape (n_steps + 1, d)
    reduced : ndarray, shape (n_steps + 1, k)

    Examples
    --------
    >>> from samlib.objectives import manifold_loss
    >>> z = np.array([0.0, 0.0, 1.0, 0.5])
    >>> full, reduced = reduction_runs(manifold_loss(), z, [0.3, -0.2], 0.1, 0.1, 50)
    >>> full.shape, reduced.shape, bool(np.all(full[:, 2:] == z[2:]))
    ((51, 4), (51, 2), True)
    """
    objective = as_objective(objective)
    p = theorem21_prediction(objective, wz, eta, rho)
    wz, u0 = as_point(wz, "wz"), as_point(u0, "u0")
    if u0.size > wz.size:
        raise ValueError(f"u0 has {u0.size} coordinates, more than d = {wz.size}")
    H, lams = objective.hess(wz), p.lams[: u0.size]
    w0 = wz + p.basis[:, : u0.size] @ u0
    full = run_sam(lambda w: (w - wz) @ H, w0, eta, rho, n_steps)
    reduced = run_sam(lambda u: lams * u, u0, eta, rho, n_steps)
    return full, reduced
