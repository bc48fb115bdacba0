"""Teaching losses with exact derivatives up to third order.

* :func:`paper_objective`, ``w1²/(1 + w2²/2) + w2²/2``, the loss of Section 6
  (Figures 3–5): a quadratic whose sharpness falls as ``|w2|`` grows.
* :func:`product_loss`, ``½(xy - 1)²``: a valley of minima ``xy = 1`` whose sharpness
  ``x² + y²`` varies along the valley and is smallest at ``±(1, 1)`` (Chapter 5).
* :func:`quadratic_objective`, ``½ wᵀΛw`` as an :class:`~samlib.Objective`.

Every function takes one point ``(2,)`` or a batch ``(..., 2)``.
"""

from __future__ import annotations

import numpy as np

from samlib._validation import as_points
from samlib.objective import Objective
from samlib.quadratic import Quadratic

__all__ = ["paper_objective", "product_loss", "quadratic_objective"]


def _xy(w):
    w = as_points(w, d=2)
    return w[..., 0], w[..., 1]


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x


def _pair(a, b):
    """``np.stack([a, b], -1)`` for the two components of a gradient, but faster."""
    out = np.empty((*np.broadcast_shapes(np.shape(a), np.shape(b)), 2))
    out[..., 0], out[..., 1] = a, b
    return out


def _symmetric2(a11, a12, a22):
    return np.stack([np.stack([a11, a12], -1), np.stack([a12, a22], -1)], -2)


def _symmetric3(t111, t112, t122, t222):
    """The symmetric 2×2×2 tensor with the given independent entries."""
    shape = np.broadcast_shapes(*(np.shape(t) for t in (t111, t112, t122, t222)))
    T = np.empty((*shape, 2, 2, 2))
    for (i, j, k), value in {
        (0, 0, 0): t111,
        (0, 0, 1): t112,
        (0, 1, 0): t112,
        (1, 0, 0): t112,
        (0, 1, 1): t122,
        (1, 0, 1): t122,
        (1, 1, 0): t122,
        (1, 1, 1): t222,
    }.items():
        T[..., i, j, k] = value
    return T


def paper_objective() -> Objective:
    """The loss ``ℓ(w) = w1²/(1 + w2²/2) + w2²/2`` of Section 6 (Figures 3, 4, 5).

    A perturbation of ``w1² + w2²/2`` with the same minimum at 0 whose Hessian
    ``diag(2/(1 + w2²/2), 1)`` on the axis ``w1 = 0`` is less sharp as ``|w2|`` grows.

    Examples
    --------
    >>> loss = paper_objective()
    >>> round(loss.value([1.0, 1.0]), 12)
    1.166666666667
    >>> loss.sharpness([0.0, 0.0])
    2.0
    """

    def value(w):
        x, y = _xy(w)
        return _scalar(x**2 / (1 + y**2 / 2) + y**2 / 2)

    def grad(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _pair(2 * x / q, -(x**2) * y / q**2 + y)

    def hess(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _symmetric2(
            2 / q, -2 * x * y / q**2, 1 - x**2 * (1 / q**2 - 2 * y**2 / q**3)
        )

    def d3(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _symmetric3(
            np.zeros_like(x),
            -2 * y / q**2,
            -2 * x * (1 / q**2 - 2 * y**2 / q**3),
            6 * x**2 * y * (1 / q**3 - y**2 / q**4),
        )

    return Objective(value, grad, hess, d3, name="w1²/(1+w2²/2) + w2²/2")


def product_loss() -> Objective:
    """The loss ``ℓ(x, y) = ½(xy - 1)²``: a curved valley of minima ``xy = 1``.

    On the valley the Hessian ``[[y², 1], [1, x²]]`` has eigenvalues 0 and
    ``x² + y²``, so the sharpness varies along the valley and is smallest, 2, at
    ``±(1, 1)``. Its third derivative is ``∂xxy = 2y``, ``∂xyy = 2x`` (others 0) and its
    fourth is constant, so D³ℓ is Lipschitz (Theorem 21's B is finite).

    Examples
    --------
    >>> loss = product_loss()
    >>> loss.value([2.0, 0.5]), loss.sharpness([2.0, 0.5])
    (0.0, 4.25)
    """

    def value(w):
        x, y = _xy(w)
        return _scalar(0.5 * (x * y - 1) ** 2)

    def grad(w):
        x, y = _xy(w)
        r = x * y - 1
        return _pair(r * y, r * x)

    def hess(w):
        x, y = _xy(w)
        return _symmetric2(y**2, 2 * x * y - 1, x**2)

    def d3(w):
        x, y = _xy(w)
        zero = np.zeros_like(x)
        return _symmetric3(zero, 2 * y, 2 * x, zero)

    return Objective(value, grad, hess, d3, name="½(xy − 1)²")


def quadratic_objective(lams) -> Objective:
    """``½ wᵀ diag(lams) w`` as an :class:`~samlib.Objective` (Sections 3–4)."""
    return Quadratic(lams).as_objective()
