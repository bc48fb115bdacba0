"""Parameter checks shared by every samlib function.

Each check raises a ``ValueError`` (or ``TypeError``) whose message names the violated
condition, so that bad input never reaches numpy and never becomes a silent NaN.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_points(w, name: str = "w", d: int | None = None) -> np.ndarray:
    """Return ``w`` as a finite float array of shape ``(..., d)``.

    Parameters
    ----------
    w : array_like
        One point ``(d,)`` or a batch ``(n, d)`` (any leading batch shape is accepted).
    name : str
        Name used in error messages.
    d : int, optional
        Required size of the last axis.
    """
    try:
        arr = np.asarray(w, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got {w!r}") from err
    if arr.ndim == 0:
        raise ValueError(f"{name} must have shape (d,) or (n, d), got a scalar")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one coordinate (d >= 1)")
    if d is not None and arr.shape[-1] != d:
        raise ValueError(
            f"{name} must have last dimension d = {d}, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_param(value, name: str, *, positive: bool = False, nonneg: bool = False):
    """Return a scalar or array parameter (``eta``, ``rho``, ...) after checking it.

    Parameters
    ----------
    value : float or array_like
        The parameter; arrays are allowed so that one call sweeps a grid.
    name : str
        Name used in error messages.
    positive, nonneg : bool
        Require ``value > 0`` or ``value >= 0`` everywhere.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got a bool")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be a real number or array, got {value!r}"
        ) from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if nonneg and not np.all(arr >= 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def as_eigenvalues(lams) -> np.ndarray:
    """Return the eigenvalues λ1 ≥ ... ≥ λd > 0 of a quadratic as a float array.

    The paper (Section 3) sorts the eigenvalues in non-increasing order and assumes
    them positive; anything else raises a ``ValueError`` naming the condition.
    """
    try:
        arr = np.asarray(lams, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"lams must be an array of real numbers, got {lams!r}") from err
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"lams must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("lams must be finite")
    if not np.all(arr > 0):
        raise ValueError(f"lams must be positive (λd > 0), got {arr.tolist()}")
    if np.any(np.diff(arr) > 0):
        raise ValueError(
            "lams must be sorted non-increasing (λ1 ≥ λ2 ≥ ... ≥ λd), "
            f"got {arr.tolist()}"
        )
    return arr


def as_count(value, name: str, *, minimum: int = 0) -> int:
    """Return a whole number ``>= minimum`` (a step count, a seed, a dimension)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def batch_param(value, w: np.ndarray, name: str) -> np.ndarray:
    """Give a parameter a trailing axis so it broadcasts against points ``(..., d)``.

    A scalar stays a scalar; an array must broadcast against the batch shape
    ``w.shape[:-1]`` and gets shape ``(..., 1)``.
    """
    if np.ndim(value) == 0:
        return value
    arr = np.asarray(value)
    try:
        np.broadcast_shapes(arr.shape, w.shape[:-1])
    except ValueError as err:
        raise ValueError(
            f"{name} of shape {arr.shape} does not broadcast against the batch shape "
            f"{w.shape[:-1]} of w (shape {w.shape})"
        ) from err
    return arr[..., None]
