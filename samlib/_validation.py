"""Parameter checks at samlib's public boundary, and the conventions of its results.

Each check raises a ``ValueError`` (or ``TypeError``) whose message names the violated
condition, so that bad input never reaches numpy and never becomes a silent NaN.

Inputs are checked once, where they enter samlib. A public function checks its
arguments and then calls an unchecked kernel; where another module needs that kernel
on values it has already checked, the public function carries it as ``.unchecked``
(see :func:`unchecked`). A loss built by samlib (:class:`PointFunction`) checks its
points when a user calls it, and samlib's runners call its kernel directly on points
they checked once.
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


def as_point(w, name: str = "w", d: int | None = None) -> np.ndarray:
    """Return one point ``w`` of shape ``(d,)`` (:func:`as_points`, not a batch)."""
    arr = as_points(w, name, d)
    if arr.ndim != 1:
        shape = f"({d},)" if d is not None else "(d,)"
        raise ValueError(
            f"{name} must be one point of shape {shape}, got shape {arr.shape}"
        )
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


def as_scalar(value, name: str, **conditions) -> float:
    """A real number (not an array) checked by :func:`as_param` with ``conditions``."""
    out = as_param(value, name, **conditions)
    if np.ndim(out) != 0:
        raise ValueError(f"{name} must be a scalar here, got shape {np.shape(out)}")
    return float(out)


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


def as_rng(seed) -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for an explicit seed (an int or a Generator).

    ``None`` (fresh entropy) and booleans are refused: explicit seeds keep every run
    of the book reproducible.
    """
    if seed is None or isinstance(seed, (bool, np.bool_)):
        raise TypeError(
            "seed must be an int or a numpy Generator: explicit seeds keep runs "
            f"reproducible, got {seed!r}"
        )
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"seed must be an int or a numpy Generator, got {seed!r}"
        ) from err


def float_or_array(x):
    """A 0-d result as a Python ``float``; arrays unchanged (one point vs a batch)."""
    return float(x) if np.ndim(x) == 0 else x


def sign_fixed(v: np.ndarray) -> np.ndarray:
    """Unit vectors ``(..., d)`` with the sign that makes each largest-|entry| positive.

    An eigenvector is defined up to its sign; samlib returns this one everywhere
    (:func:`samlib.top_eigenpair`, the Lanczos and power iterations,
    :func:`samlib.stability.steps_along_top_eigenvector`), so results are
    deterministic and comparable from one point to the next.
    """
    v = np.asarray(v, dtype=float)
    top = np.take_along_axis(v, np.argmax(np.abs(v), axis=-1)[..., None], axis=-1)
    return np.where(top < 0, -v, v)


def unchecked(kernel):
    """Decorator: attach ``kernel``, the unchecked computation, to a public function.

    The public function checks its arguments and calls ``kernel``; other samlib
    modules that already hold checked values call ``public.unchecked`` instead, so
    that a loop does not re-check the same parameters at every iteration.
    """

    def attach(public):
        public.unchecked = kernel
        return public

    return attach


class PointFunction:
    """A function of points ``(..., d)`` whose input is checked where it is called.

    Calling it checks ``w`` (:func:`as_points` with the dimension ``d``) and applies
    ``kernel``; samlib's runners, which check their starting points once, call
    ``.unchecked`` (the kernel itself) at every step. Losses built by samlib
    (:mod:`samlib.objectives`, :class:`samlib.Quadratic`) are made of these.

    Parameters
    ----------
    kernel : callable
        ``kernel(w)`` for a finite float array ``w`` of shape ``(..., d)``.
    d : int
        The dimension of the points.
    scalar : bool
        Whether the result is one number per point (a loss value): then a single
        point gives a Python ``float``.
    name : str
        The points' name in error messages.
    """

    def __init__(self, kernel, d: int, *, scalar: bool = False, name: str = "w"):
        self.unchecked = kernel
        self.d = d
        self.scalar = scalar
        self.name = name
        self.__doc__ = kernel.__doc__

    def __call__(self, w):
        out = self.unchecked(as_points(w, self.name, d=self.d))
        return float_or_array(out) if self.scalar else out

    def __repr__(self) -> str:
        return f"<PointFunction of points (..., {self.d})>"


def kernel_of(function):
    """The unchecked kernel of a :class:`PointFunction`; any other callable as is.

    For samlib's loops over points they checked themselves (a user's callable gets
    no check from samlib in the first place).
    """
    return function.unchecked if isinstance(function, PointFunction) else function


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
