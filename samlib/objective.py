"""A smooth loss bundled with its exact derivatives (Section 5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Objective"]


@dataclass(frozen=True)
class Objective:
    """A loss ℓ with its gradient, Hessian and (optionally) third derivative.

    All callables take one point ``(d,)`` or a batch ``(..., d)`` and return arrays
    of shape ``(...)``, ``(..., d)``, ``(..., d, d)`` and ``(..., d, d, d)``.

    Parameters
    ----------
    value, grad, hess : callable
        ℓ(w), ∇ℓ(w) and ∇²ℓ(w).
    d3 : callable, optional
        The third-derivative tensor ``D³ℓ(w)[i, j, k] = ∂³ℓ/∂wi∂wj∂wk``. When absent,
        :func:`samlib.grad_lambda_max` falls back to finite differences of ``hess``.
    name : str
        A short label for plots and messages.
    """

    value: Callable
    grad: Callable
    hess: Callable
    d3: Callable | None = None
    name: str = "objective"

    def __post_init__(self):
        for field in ("value", "grad", "hess"):
            if not callable(getattr(self, field)):
                raise TypeError(f"Objective.{field} must be callable")
        if self.d3 is not None and not callable(self.d3):
            raise TypeError("Objective.d3 must be callable or None")

    def sharpness(self, w):
        """λmax(∇²ℓ(w)), the largest Hessian eigenvalue, for one point or a batch."""
        top = np.linalg.eigvalsh(self.hess(w))[..., -1]
        return float(top) if np.ndim(top) == 0 else top
