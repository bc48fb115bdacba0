"""Edges of stability: the largest curvature on which GD, SAM and USAM are stable.

* :func:`gd_edge`: ``2/η``, the largest curvature on which gradient descent with step
  size η is stable; the "edge of stability" of Cohen et al. (2021) (Chapter 2).
* :func:`sam_edge`: the corresponding threshold for SAM, eq. (2), which also depends on
  ``ρ`` and on the gradient norm (Long & Bartlett, 2024).
* :func:`usam_edge`: the threshold of unnormalised SAM, which does not depend on the
  gradient norm (Chapter 7).
* :func:`sam_multiplier` and :func:`usam_multiplier`: the factor one step multiplies
  the coordinate along an eigenvector by; an edge is where it equals -1.
* :func:`steps_along_top_eigenvector`: the component of each step ``w_{t+1} - w_t``
  along the top Hessian eigenvector at ``w_t`` (the "bounce across the ravine").
* :func:`edge_of_stability_trace`: GD and SAM run side by side from one start, with
  their sharpness, losses, bounces and edges at every step (Chapter 2).

The loss of Chapter 2 that sharpens up to the edge is
:func:`samlib.objectives.sharpening_loss`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    as_count,
    as_param,
    as_point,
    as_points,
    as_scalar,
    float_or_array,
    sign_fixed,
)
from samlib.objectives import Objective, as_objective
from samlib.steps import run_gd, run_sam

__all__ = [
    "StabilityTrace",
    "edge_of_stability_trace",
    "gd_edge",
    "sam_edge",
    "sam_multiplier",
    "self_stabilised_cycle",
    "steps_along_top_eigenvector",
    "usam_edge",
    "usam_multiplier",
]


def gd_edge(eta):
    """``2/η``: gradient descent with step size η is stable on curvature below it.

    On a quadratic ``½λx²`` gradient descent multiplies x by ``1 - ηλ`` at every step,
    so it converges if and only if ``|1 - ηλ| < 1``, that is ``0 < λ < 2/η``.

    Parameters
    ----------
    eta : float or array_like
        Step size η > 0.

    Examples
    --------
    >>> gd_edge(0.2)
    10.0
    """
    eta = as_param(eta, "eta", positive=True)
    return 2 / eta


def sam_edge(grad_norm, eta, rho):
    """The largest curvature on which SAM's step, eq. (2), is stable.

    Along an eigenvector of the Hessian with eigenvalue λ, one SAM step multiplies
    that coordinate by ``1 - ηλ - ηρλ²/‖∇ℓ(w)‖`` to first order (the gradient at the
    ascent point ``w + ρ∇ℓ/‖∇ℓ‖`` adds ``ρλ²x/‖∇ℓ‖``). Requiring this factor to be
    at least -1 gives ``ηλ + ηρλ²/‖∇ℓ‖ ≤ 2``, whose positive root is

    ``λ = 4 / (η (1 + sqrt(1 + 8ρ/(η ‖∇ℓ(w)‖))))``,

    the "SAM edge" of Long & Bartlett (2024). It is ``2/η`` at ρ = 0, below ``2/η``
    for every ρ > 0, and tends to 0 with the gradient norm.

    Parameters
    ----------
    grad_norm : float or array_like
        ``‖∇ℓ(w)‖ ≥ 0`` (one value per iterate, for instance).
    eta : float
        Step size η > 0.
    rho : float
        Radius ρ ≥ 0.

    Returns
    -------
    float or ndarray
        The threshold for each gradient norm (0 where ``‖∇ℓ‖ = 0`` and ρ > 0).

    Examples
    --------
    >>> sam_edge(1.0, eta=1.0, rho=1.0)
    1.0
    >>> sam_edge(3.0, eta=0.2, rho=0.0)
    10.0
    """
    g = np.asarray(as_param(grad_norm, "grad_norm", nonneg=True))
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    # η(1 + sqrt(1 + 8ρ/(ηg))) = η + hypot(η, s) with s = sqrt(8ηρ/g), each factor
    # of s under its own square root: finite for every float g > 0, so the edge
    # neither overflows (large g) nor underflows (tiny g) before the last division.
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(8 * eta) * np.sqrt(rho) / np.sqrt(g)  # inf at g = 0 < ρ
        edge = np.where(np.asarray(rho) == 0, 2 / eta, 4 / (eta + np.hypot(eta, s)))
    return float_or_array(edge)


def steps_along_top_eigenvector(objective: Objective, path):
    """``⟨w_{t+1} - w_t, v1(w_t)⟩`` for each step of a trajectory.

    ``v1(w_t)`` is the unit eigenvector of the largest eigenvalue of ``∇²ℓ(w_t)``, with
    the sign convention of :func:`samlib.top_eigenpair` (largest-magnitude entry
    positive), so that the signs of successive components can be compared. A bounce
    across the ravine shows as components of alternating sign.

    Parameters
    ----------
    objective : Objective
    path : array_like, shape (T + 1, d)
        A trajectory ``w_0, ..., w_T`` as returned by :func:`samlib.run_gd`.

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    Gradient descent on ``½·3x² + ½y²`` with η = 0.5 overshoots along x, the top
    eigenvector, so its steps along x alternate in sign.

    >>> from samlib import Quadratic, run_gd
    >>> q = Quadratic([3.0, 1.0])
    >>> path = run_gd(q.grad, [1.0, 1.0], 0.5, 3)
    >>> steps_along_top_eigenvector(q.as_objective(), path).tolist()
    [-1.5, 0.75, -0.375]
    """
    objective = as_objective(objective)
    path = as_points(path, name="path")
    if path.ndim != 2 or path.shape[0] < 2:
        raise ValueError(
            f"path must have shape (T + 1, d) with T >= 1, got shape {path.shape}"
        )
    H = np.asarray(objective.hess(path[:-1]), dtype=float)
    _, vecs = np.linalg.eigh((H + np.swapaxes(H, -1, -2)) / 2)
    v1 = sign_fixed(vecs[..., -1])
    return np.einsum("td,td->t", np.diff(path, axis=0), v1)


def sam_multiplier(lam, grad_norm, eta, rho):
    """``1 - ηλ - ηρλ²/‖∇ℓ‖``: the factor one SAM step multiplies a coordinate by.

    On a quadratic, the coordinate along an eigenvector with eigenvalue λ is
    multiplied by this factor when the gradient norm is ``‖∇ℓ(w)‖`` (eq. 3). It is
    -1 at SAM's edge of stability :func:`sam_edge` and on the 2-cycle of
    Theorems 1–2.

    Examples
    --------
    On the 2-cycle of ``½·w²`` with η = 0.2, ρ = 1 the gradient norm is β1 = 0.2/1.8:

    >>> round(sam_multiplier(1.0, 0.2 / 1.8, 0.2, 1.0), 12)
    -1.0
    """
    lam = as_param(lam, "lam")
    g = as_param(grad_norm, "grad_norm", positive=True)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    return float_or_array(1 - eta * lam - eta * rho * np.square(lam) / g)


def usam_multiplier(lam, eta, rho):
    """``1 - ηλ(1 + ρλ)``: one unnormalised SAM step on ``½λw²`` multiplies w by it.

    ``∇ℓ(w + ρ∇ℓ(w)) = λ(w + ρλw)``, so USAM on a quadratic is a linear map, and it
    converges if and only if the factor lies in ``(-1, 1)``.

    Examples
    --------
    >>> usam_multiplier(2.0, 0.5, 0.5)
    -1.0
    """
    lam = as_param(lam, "lam")
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    return float_or_array(1 - eta * lam * (1 + rho * lam))


def usam_edge(eta, rho):
    """The largest curvature on which unnormalised SAM is stable.

    The positive root of ``ηλ(1 + ρλ) = 2`` (:func:`usam_multiplier` = -1),

    ``λ = (sqrt(1 + 8ρ/η) - 1)/(2ρ) = 4/(η(1 + sqrt(1 + 8ρ/η)))``,

    which is ``2/η`` at ρ = 0 and decreases in ρ. Unlike SAM's edge
    (:func:`sam_edge`) it does not depend on the gradient norm.

    Parameters
    ----------
    eta : float or array_like
        η > 0.
    rho : float or array_like
        ρ ≥ 0.

    Examples
    --------
    >>> usam_edge(0.1, 0.1)
    10.0
    >>> usam_edge(0.2, 0.0)
    10.0
    """
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    return float_or_array(4 / (eta * (1 + np.sqrt(1 + 8 * np.asarray(rho) / eta))))


@dataclass(frozen=True)
class StabilityTrace:
    """GD and SAM run side by side from one start, with what Chapter 2 plots.

    Attributes
    ----------
    eta, rho : float
        The step size of both methods and SAM's radius.
    gd, sam : ndarray, shape (T + 1, d)
        The iterates.
    gd_sharpness, sam_sharpness : ndarray, shape (T + 1,)
        ``λmax(∇²ℓ(w_t))`` along each path.
    gd_loss, sam_loss : ndarray, shape (T + 1,)
        ``ℓ(w_t)``.
    gd_bounce, sam_bounce : ndarray, shape (T,)
        :func:`steps_along_top_eigenvector` of each path.
    gd_edge : float
        ``2/η`` (:func:`gd_edge`).
    sam_edge : ndarray, shape (T + 1,)
        SAM's edge :func:`sam_edge` at the gradient norm of each SAM iterate.
    """

    eta: float
    rho: float
    gd: np.ndarray
    sam: np.ndarray
    gd_sharpness: np.ndarray
    sam_sharpness: np.ndarray
    gd_loss: np.ndarray
    sam_loss: np.ndarray
    gd_bounce: np.ndarray
    sam_bounce: np.ndarray
    gd_edge: float
    sam_edge: np.ndarray

    def summary(self, last: int = 100) -> str:
        """The mean sharpness of GD and SAM over the ``last`` steps, against ``2/η``:
        one line for Chapter 2's explorer."""
        gd, sam = self.gd_sharpness[-last:].mean(), self.sam_sharpness[-last:].mean()
        means = f"GD's mean sharpness {gd:.2f}, SAM's {sam:.2f}"
        return f"last {last} steps: {means}, 2/η = {self.gd_edge:.2f}"


def edge_of_stability_trace(
    objective, w0, eta, rho, n_steps: int, *, max_norm=None
) -> StabilityTrace:
    """Run GD and SAM from ``w0`` and measure their sharpness and bounce (Chapter 2).

    The runs are :func:`samlib.run_gd` and :func:`samlib.run_sam`; the sharpness is
    the largest eigenvalue of the Hessian at each iterate.

    Parameters
    ----------
    objective : Objective
        A loss with ``value``, ``grad`` and ``hess``.
    w0 : array_like, shape (d,)
        The common start.
    eta : float
        Step size η > 0 of both methods.
    rho : float
        SAM's radius ρ ≥ 0.
    n_steps : int
        Number of steps, at least 1.
    max_norm : float, optional
        If given, raise a ``ValueError`` when an iterate of either run leaves the
        box ``|w_i| < max_norm`` (a step size too large to show the edge).

    Returns
    -------
    StabilityTrace

    Raises
    ------
    samlib.DivergenceError
        (a ``ValueError``) if either run leaves the floating-point range; its
        message names the step.
    ValueError
        If ``max_norm`` is given and an iterate leaves ``|w_i| < max_norm``.

    Examples
    --------
    On ``½(3x² + y²)`` with η = 0.5 GD's steps along the top eigenvector x
    alternate in sign, and its sharpness is 3 at every step:

    >>> from samlib import Quadratic
    >>> trace = edge_of_stability_trace(Quadratic([3.0, 1.0]).as_objective(),
    ...                                 [1.0, 1.0], 0.5, 0.1, 3)
    >>> trace.gd_bounce.tolist(), trace.gd_sharpness.tolist()
    ([-1.5, 0.75, -0.375], [3.0, 3.0, 3.0, 3.0])
    """
    objective = as_objective(objective)
    w0 = as_point(w0, name="w0")
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", nonneg=True)
    n_steps = as_count(n_steps, "n_steps", minimum=1)
    if max_norm is not None:
        max_norm = as_scalar(max_norm, "max_norm", positive=True)
    # two runs of one point each: faster than one batch of two rows
    gd = run_gd(objective.grad, w0, eta, n_steps)
    sam = run_sam(objective.grad, w0, eta, rho, n_steps)
    if max_norm is not None and not np.abs([gd, sam]).max() < max_norm:
        raise ValueError(
            f"the iterates left |w| < {max_norm:g}: the step size is too large"
        )
    paths = np.stack([gd, sam], axis=1)
    sharpness = objective.sharpness(paths)
    loss = np.asarray(objective.value(paths), dtype=float)
    grad_norm = np.linalg.norm(objective.grad(sam), axis=-1)
    return StabilityTrace(
        eta=eta,
        rho=rho,
        gd=gd,
        sam=sam,
        gd_sharpness=sharpness[:, 0],
        sam_sharpness=sharpness[:, 1],
        gd_loss=loss[:, 0],
        sam_loss=loss[:, 1],
        gd_bounce=steps_along_top_eigenvector(objective, gd),
        sam_bounce=steps_along_top_eigenvector(objective, sam),
        gd_edge=2 / eta,
        sam_edge=np.asarray(sam_edge(grad_norm, eta, rho)),
    )


def self_stabilised_cycle(alpha, y_star, eta):
    """GD's 2-cycle ``(x_e, y_e) ↔ (-x_e, y_e)`` on Chapter 2's loss
    ``ℓ(x, y) = ½(1 + y²)x² + ½α(y - y*)²`` (:func:`samlib.objectives.sharpening_loss`).

    A GD step flips x exactly when ``1 + y_e² = 2/η`` (the curvature of the x
    direction is at the edge :func:`gd_edge`), and leaves y unchanged when
    ``y_e x_e² = α(y* - y_e)`` (the term ``y x²`` of ∂ℓ/∂y balances the pull
    towards ``y*``): the equilibrium of the self-stabilisation of Damian et al.

    Parameters
    ----------
    alpha, y_star : float
        The loss's parameters, ``α > 0`` and ``y* > y_e``.
    eta : float
        Step size with ``1 < 2/η < 1 + y*²``.

    Returns
    -------
    (float, float)
        ``x_e = sqrt(α(y* - y_e)/y_e)`` and ``y_e = sqrt(2/η - 1)``.

    Examples
    --------
    >>> x_e, y_e = self_stabilised_cycle(0.3, 3.3, 0.2)
    >>> round(x_e, 4), y_e
    (0.1732, 3.0)
    """
    alpha = as_scalar(alpha, "alpha", positive=True)
    y_star = as_scalar(y_star, "y_star", positive=True)
    eta = as_scalar(eta, "eta", positive=True)
    if not 1 < 2 / eta < 1 + y_star**2:
        raise ValueError(
            f"the cycle needs 1 < 2/η < 1 + y*², got 2/η = {2 / eta:.6g} and "
            f"1 + y*² = {1 + y_star**2:.6g}"
        )
    y_e = float(np.sqrt(2 / eta - 1))
    return float(np.sqrt(alpha * (y_star - y_e) / y_e)), y_e
