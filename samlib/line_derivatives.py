"""Higher derivatives from a few gradients along a line (Section 7's last question).

The paper notes that SAM "uses one additional gradient measurement per iteration to
compute a specific third derivative: the gradient of the second derivative in the
leading eigenvector direction", and asks whether other higher derivatives can be
computed in the same parsimonious way. Along a line ``w + s v`` the gradient has the
Taylor expansion

``∇ℓ(w + s v) = Σ_k s^k/k! D^{k+1}ℓ(w)[v, ..., v, ·]``  (k copies of v),

so ``m`` gradients at distinct offsets determine the first ``m`` terms of it, and no
more: :func:`line_derivatives` solves for them (Chapter 7.7).
"""

from __future__ import annotations

from collections.abc import Callable
from math import factorial

import numpy as np

from samlib._validation import as_point

__all__ = ["line_derivatives"]


def line_derivatives(
    grad: Callable, w, v, offsets, *, at_minimum: bool = False
) -> np.ndarray:
    """The derivatives ``D^{k+1}ℓ(w)[v^k, ·]`` that gradients along ``w + s v`` give.

    With the gradients ``g_i = ∇ℓ(w + s_i v)`` at ``m`` distinct offsets ``s_i``, the
    polynomial of degree ``m - 1`` through them is the Taylor polynomial of the
    gradient along the line up to an error of order ``max|s_i|^m``: its coefficients
    ``c_k`` (``g(s) ≈ Σ_k s^k c_k/k!``) estimate ``D^{k+1}ℓ(w)[v^k, ·]``, each with an
    error of order ``max|s_i|^{m-k}`` (one order better for the even or odd terms of
    offsets symmetric about 0). They are exact when the gradient is a polynomial of
    degree below ``m`` along the line.

    At a minimum the gradient at ``w`` is known to be 0, which adds the offset 0
    without a gradient evaluation (``at_minimum=True``): SAM's bounce, whose ascent
    points lie on both sides of a minimum along the top eigenvector ``v``, gives
    ``c_2 = D³ℓ[v, v, ·]`` (the gradient of ``vᵀ∇²ℓ v``, its drift) from two
    gradients, ``(g(ρ) + g(-ρ))/ρ²``.

    Parameters
    ----------
    grad : callable
        ``∇ℓ``, batched over points ``(..., d)``.
    w, v : array_like, shape (d,)
        The base point and the direction (any length; a unit vector usually).
    offsets : array_like, shape (m,)
        Distinct offsets ``s_i`` (non-zero with ``at_minimum``); one gradient each.
    at_minimum : bool
        Whether ``∇ℓ(w) = 0`` is known (and used, for free, as the offset 0).

    Returns
    -------
    ndarray, shape (m, d), or (m + 1, d) with ``at_minimum``
        Row ``k`` estimates ``D^{k+1}ℓ(w)[v^k, ·]``: the gradient, ``∇²ℓ v``,
        ``D³ℓ[v, v, ·]``, ...

    Examples
    --------
    On ``ℓ = x³/6`` the gradient along the x axis is ``s²/2``: its Taylor
    coefficients ``0, 0, 1`` (up to rounding) come from two gradients at a
    stationary point, as SAM's pair:

    >>> def grad(w):
    ...     return np.stack([w[..., 0] ** 2 / 2, 0 * w[..., 0]], axis=-1)
    >>> c = line_derivatives(grad, [0.0, 0.0], [1.0, 0.0], [-0.5, 0.5], at_minimum=True)
    >>> bool(np.allclose(c, [[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]], atol=1e-12))
    True
    """
    w = as_point(w, "w")
    v = as_point(v, "v", d=w.shape[-1])
    s = np.asarray(offsets, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.isfinite(s).all():
        raise ValueError("offsets must be a non-empty 1-D array of finite numbers")
    if np.unique(s).size != s.size:
        raise ValueError(f"offsets must be distinct, got {s.tolist()}")
    if at_minimum and np.any(s == 0):
        raise ValueError("with at_minimum the offset 0 is implied: give non-zero ones")
    g = np.asarray(grad(w + s[:, None] * v), dtype=float)
    if g.shape != (s.size, w.size):
        raise ValueError(f"grad must return shape {(s.size, w.size)}, got {g.shape}")
    if at_minimum:
        s, g = np.r_[0.0, s], np.vstack([np.zeros(w.size), g])
    orders = np.arange(s.size)
    taylor = s[:, None] ** orders / np.array([factorial(k) for k in orders])
    return np.linalg.solve(taylor, g)
