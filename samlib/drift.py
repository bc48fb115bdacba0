"""Hessian drift (Section 5): SAM near a minimum descends the top Hessian eigenvalue.

Theorem 21: at ``w_t = w_z + s β1/λ1 v1`` next to a minimum ``w_z``, one SAM step is a
bounce ``-2ηρλ1 s/(2 - ηλ1) v1`` across the ravine plus a drift
``-(ηρ²/2)(1 + ηλ1/(2 - ηλ1))² ∇λmax(∇²ℓ(w_z))``, up to a remainder of order
``ηρ²(ρ + η)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    as_param,
    as_points,
    kernel_of,
    sign_fixed,
    unchecked,
)
from samlib.objectives import Objective, as_objective

__all__ = [
    "Theorem21Prediction",
    "grad_lambda_max",
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
    w = as_points(w)
    if w.ndim != 1:
        raise ValueError(f"w must be one point of shape (d,), got shape {w.shape}")
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

    def remainder_bound(self, B: float) -> float:
        """Theorem 21's bound on ``‖actual step - predicted step‖``.

        ``ηρ²((1 + ηλ1)³ρ/6 + 2(2λ1 + Bρ)η) B`` for a loss whose third derivative is
        B-Lipschitz; the theorem assumes ``Bηρ ≤ 1``.

        The theorem states only that D³ℓ is B-Lipschitz, but its proof also uses
        ``‖D³ℓ‖ ≤ B`` near ``w_z`` (through ``‖∇ℓ(w_t) - s β1 e1‖ ≤ Bβ1²/(2λ1²)``):
        for a cubic loss (D³ℓ constant, so B = 0 is Lipschitz) the error is of order
        ``η²ρ²‖D³ℓ‖``, not 0. Take B at least the larger of the two constants, with
        ``‖D³ℓ‖`` bounded on the ball of radius ``β1/λ1 + ρ`` around ``w_z``. The
        proof's last step also uses ``ηλ1 ≤ 1`` (Chapter 5 shows both).
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
    objective = as_objective(objective)
    wz = as_points(wz, name="wz")
    if wz.ndim != 1:
        raise ValueError(f"wz must be one point of shape (d,), got shape {wz.shape}")
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s not in (1, -1):
        raise ValueError(f"s must be +1 or -1, got {s!r}")
    return _theorem21(objective, wz, eta, rho, s, grad_tol)
