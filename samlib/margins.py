"""Losses minimised at infinity: the maximum-margin direction (Chapter 7.4).

On linearly separable data the logistic loss
(:func:`samlib.objectives.logistic_loss`) has no minimum, and gradient descent
converges in direction to the maximum-margin separator (Soudry et al., 2018), which
:func:`max_margin_direction` computes exactly in the plane.
"""

from __future__ import annotations

import numpy as np

__all__ = ["max_margin_direction"]


def max_margin_direction(Z) -> tuple[np.ndarray, float]:
    """``u* = argmax_{‖u‖=1} min_i ⟨u, z_i⟩`` and the margin γ, for points in the plane.

    On the unit circle ``u(φ) = (cos φ, sin φ)`` the margin ``min_i ⟨u(φ), z_i⟩`` is
    a minimum of sinusoids, so its maximum lies either at the top of one of them,
    ``u = z_i/‖z_i‖``, or at a kink where two are equal, ``u ⟂ z_i - z_j``: the best
    of these finitely many candidates is the answer, exactly.

    Parameters
    ----------
    Z : array_like, shape (n, 2)
        The points ``z_i = y_i x_i`` (labels times inputs).

    Returns
    -------
    u_star : ndarray, shape (2,)
    gamma : float
        The maximum margin; the data are separable through the origin iff γ > 0.

    Examples
    --------
    >>> u, gamma = max_margin_direction([[1.0, 1.0], [1.0, -1.0]])
    >>> bool(np.allclose(u, [1.0, 0.0])), round(gamma, 12)
    (True, 1.0)
    """
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 2 or Z.shape[0] == 0 or not np.isfinite(Z).all():
        raise ValueError(f"Z must be a finite array of points (n, 2), got {Z.shape}")
    if np.any(np.linalg.norm(Z, axis=1) == 0):
        raise ValueError("Z must not contain the origin (a point with no direction)")
    i, j = np.triu_indices(len(Z), k=1)
    diff = Z[i] - Z[j]
    diff = diff[np.linalg.norm(diff, axis=1) > 0]
    kinks = np.stack([-diff[:, 1], diff[:, 0]], axis=-1)
    candidates = np.concatenate([Z, kinks, -kinks])
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True)
    margins = (candidates @ Z.T).min(axis=1)
    best = int(np.argmax(margins))
    return candidates[best], float(margins[best])
