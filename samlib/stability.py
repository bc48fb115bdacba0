"""Stability thresholds of GD and SAM, and a loss that sharpens (Chapter 2).

* :func:`gd_edge`: ``2/η``, the largest curvature on which gradient descent with step
  size η is stable; the "edge of stability" of Cohen et al. (2021).
* :func:`sam_edge`: the corresponding threshold for SAM, eq. (2), which also depends on
  ``ρ`` and on the gradient norm (Long & Bartlett, 2024).
* :func:`sharpening_loss`: ``½(1 + y²)x² + ½α(y - y*)²``, a two-parameter loss on
  which gradient flow sharpens without bound towards ``(0, y*)``, so that gradient
  descent reaches and then hovers at the edge of stability.
* :func:`steps_along_top_eigenvector`: the component of each step ``w_{t+1} - w_t``
  along the top Hessian eigenvector at ``w_t`` (the "bounce across the ravine").
"""

from __future__ import annotations

import numpy as np

from samlib._validation import as_param, as_points
from samlib.objective import Objective

__all__ = [
    "gd_edge",
    "sam_edge",
    "sharpening_loss",
    "steps_along_top_eigenvector",
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
    g = as_param(grad_norm, "grad_norm", nonneg=True)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    g = np.asarray(g, dtype=float)
    if rho == 0:
        edge = np.full_like(g, 2 / eta)
    else:
        # 4g / (ηg + sqrt(ηg(ηg + 8ρ))) equals the root above and is finite at g = 0.
        root = np.sqrt(eta * g * (eta * g + 8 * rho))
        denom = eta * g + root
        edge = np.divide(4 * g, denom, out=np.zeros_like(g), where=denom > 0)
    return float(edge) if edge.ndim == 0 else edge


def sharpening_loss(alpha: float = 0.3, y_star: float = 3.3) -> Objective:
    """The loss ``ℓ(x, y) = ½(1 + y²)x² + ½α(y - y*)²`` of Chapter 2.

    A quadratic in x whose curvature ``1 + y²`` is set by the second parameter, which
    the second term pulls towards ``y*``. Its only minimum is ``(0, y*)``, with
    sharpness ``max(1 + y*², α)``; gradient descent started at a smaller y sharpens
    on its way there. When ``1 + y*² > 2/η`` it cannot converge: the curvature reaches
    the edge of stability ``2/η`` first, x starts to oscillate, and the growing term
    ``½·2y·x²`` of ∂ℓ/∂y pushes y back (the self-stabilisation of Damian et al.).

    Parameters
    ----------
    alpha : float
        Strength α > 0 of the pull towards ``y*``.
    y_star : float
        The y coordinate of the minimum.

    Returns
    -------
    Objective
        With exact gradient, Hessian and third derivative.

    Examples
    --------
    >>> loss = sharpening_loss(alpha=0.3, y_star=3.3)
    >>> loss.value([0.0, 3.3]), round(loss.sharpness([0.0, 3.3]), 2)
    (0.0, 11.89)
    >>> loss.hess([1.0, 2.0]).tolist()
    [[5.0, 4.0], [4.0, 1.3]]
    """
    alpha = as_param(alpha, "alpha", positive=True)
    y_star = as_param(y_star, "y_star")
    if np.ndim(y_star) != 0 or np.ndim(alpha) != 0:
        raise ValueError("alpha and y_star must be scalars")

    def _xy(w):
        w = as_points(w, d=2)
        return w[..., 0], w[..., 1]

    def _scalar(v):
        return float(v) if np.ndim(v) == 0 else v

    def value(w):
        x, y = _xy(w)
        return _scalar(0.5 * (1 + y**2) * x**2 + 0.5 * alpha * (y - y_star) ** 2)

    def grad(w):
        x, y = _xy(w)
        return np.stack([(1 + y**2) * x, y * x**2 + alpha * (y - y_star)], -1)

    def hess(w):
        x, y = _xy(w)
        a11 = 1 + y**2
        a12 = 2 * x * y
        a22 = x**2 + alpha
        return np.stack([np.stack([a11, a12], -1), np.stack([a12, a22], -1)], -2)

    def d3(w):
        # ∂xxy = 2y, ∂xyy = 2x, ∂xxx = ∂yyy = 0, symmetric in its three indices.
        x, y = _xy(w)
        T = np.zeros((*np.shape(x), 2, 2, 2))
        for i, j, k in ((0, 0, 1), (0, 1, 0), (1, 0, 0)):
            T[..., i, j, k] = 2 * y
        for i, j, k in ((0, 1, 1), (1, 0, 1), (1, 1, 0)):
            T[..., i, j, k] = 2 * x
        return T

    return Objective(
        value, grad, hess, d3, name=f"½(1+y²)x² + ½·{alpha:g}(y − {y_star:g})²"
    )


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
    if not isinstance(objective, Objective):
        raise TypeError(
            f"objective must be a samlib.Objective, got {type(objective).__name__}"
        )
    path = as_points(path, name="path")
    if path.ndim != 2 or path.shape[0] < 2:
        raise ValueError(
            f"path must have shape (T + 1, d) with T >= 1, got shape {path.shape}"
        )
    H = np.asarray(objective.hess(path[:-1]), dtype=float)
    _, vecs = np.linalg.eigh((H + np.swapaxes(H, -1, -2)) / 2)
    v1 = vecs[..., -1]
    rows = np.arange(v1.shape[0])
    flip = v1[rows, np.argmax(np.abs(v1), axis=-1)] < 0
    v1 = np.where(flip[:, None], -v1, v1)
    return np.einsum("td,td->t", np.diff(path, axis=0), v1)
