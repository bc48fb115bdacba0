"""The one loop behind every runner: an update iterated, its trajectory recorded.

The runners of :mod:`samlib.steps` (SAM, USAM, GD, noisy GD) and of
:mod:`samlib.variants` (momentum SAM, stochastic SAM) check their inputs once, build
an update from unchecked kernels, and hand it to :func:`iterate`, which owns what
they share: the trajectory array, divergence (a row whose iterate leaves the finite
floating-point range), and large batches advanced in cache-sized blocks of rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from samlib._validation import PointFunction, as_points

__all__ = [
    "BLOCK_ELEMENTS",
    "DivergenceError",
    "batch_shape",
    "blockwise",
    "gradient_kernel",
    "iterate",
    "needs_blocks",
]

BLOCK_ELEMENTS = 1 << 17  # 1 MiB of float64: a block and its temporaries stay in cache
CHECK_EVERY = 64  # steps between two checks that the iterates are finite


class DivergenceError(ValueError):
    """The iterates left the range of finite floating-point numbers."""


def gradient_kernel(grad, w0, name: str = "w"):
    """Check the start ``w0`` and return it with the gradient to call at every step.

    A loss built by samlib (:class:`~samlib._validation.PointFunction`) fixes the
    dimension of the points, checked here once; its unchecked kernel is returned.
    Any other callable is wrapped so that a result of the wrong shape raises a clear
    error, and so that rows which overflowed inside a step (an ascent point beyond
    the floating-point range) are not passed to it: their gradient is NaN, and the
    runners report the row as diverged.
    """
    if isinstance(grad, PointFunction):
        return as_points(w0, name=name, d=grad.d), grad.unchecked
    if not callable(grad):
        raise TypeError(f"grad must be a callable w -> ∇ℓ(w), got {grad!r}")
    w0 = as_points(w0, name=name)

    def checked(w):
        try:
            g = np.asarray(grad(w), dtype=float)
        except ValueError:
            bad = ~np.isfinite(w).all(axis=-1, keepdims=True)
            if not bad.any():
                raise
            return np.where(bad, np.nan, checked(np.where(bad, 0.0, w)))
        if g.shape != w.shape:
            raise ValueError(
                f"grad(w) must return an array of the same shape as w {w.shape}, "
                f"got {g.shape}"
            )
        return g

    return w0, checked


def batch_shape(w, *params) -> tuple:
    """The batch shape of points ``w`` and parameters shaped ``(..., 1)``."""
    return np.broadcast_shapes(w.shape[:-1], *(np.shape(v)[:-1] for v in params))


def needs_blocks(size: int) -> bool:
    """Whether a batch of ``size`` numbers is advanced in blocks of rows."""
    return size > 2 * BLOCK_ELEMENTS


def blockwise(update, w, *params):
    """``update(w, *params)``, computed on blocks of rows of a large batch.

    The elementwise temporaries of a step (two gradients, the normalised ascent
    direction, ...) then live in cache instead of main memory. ``params`` are scalars
    or arrays of shape ``(..., 1)`` broadcasting against ``w.shape[:-1]``; ``update``
    treats each row independently.
    """
    batch = batch_shape(w, *params)
    d = w.shape[-1]
    n = math.prod(batch)
    if not needs_blocks(n * d):
        return update(w, *params)
    rows = np.broadcast_to(w, (*batch, d)).reshape(n, d)
    flat = [
        v if np.ndim(v) == 0 else np.broadcast_to(v, (*batch, 1)).reshape(n, 1)
        for v in params
    ]
    out = np.empty((n, d))
    step = max(1, BLOCK_ELEMENTS // d)
    for start in range(0, n, step):
        block = slice(start, start + step)
        out[block] = update(
            rows[block], *(v if np.ndim(v) == 0 else v[block] for v in flat)
        )
    return out.reshape(*batch, d)


class _Diverged:
    """The rows (runs of a batch) that left the finite range, frozen at NaN.

    Frozen rows are fed a harmless 0 so that the other rows go on undisturbed.
    """

    def __init__(self, rows):
        self.rows = rows  # boolean, shape (*batch, 1)

    def feed(self, state):
        return tuple(np.where(self.rows, 0.0, a) for a in state)

    def check(self, w):
        self.rows = self.rows | ~np.isfinite(w).all(axis=-1, keepdims=True)
        return np.where(self.rows, np.nan, w)


def _first_divergence(block, start, allow_divergence):
    """After a block of steps with a non-finite iterate: raise, or freeze its rows.

    ``block`` holds the iterates of steps ``start + 1, ...``; each row that left the
    finite range becomes NaN from the step where it did.
    """
    bad = ~np.isfinite(block).all(axis=-1)  # (steps, *batch)
    if not allow_divergence:
        step = start + 1 + int(np.argmax(bad.reshape(len(bad), -1).any(axis=1)))
        raise DivergenceError(
            f"the iterates diverged (non-finite) at step {step}; the step "
            "size is too large for this loss (on a quadratic: η ≥ 2/λ1). "
            "Pass allow_divergence=True to keep the run, with NaN rows from "
            "the step where they diverged."
        )
    after = np.logical_or.accumulate(bad, axis=0)
    block[after] = np.nan
    return _Diverged(after[-1][..., None])


def iterate(
    step: Callable, state: tuple, n_steps: int, *, allow_divergence: bool = False
) -> np.ndarray:
    """Iterate ``state = step(t, *state)`` for ``t = 0, ..., n_steps - 1``.

    Parameters
    ----------
    step : callable
        ``step(t, w, *carry)`` returns the next ``(w, *carry)``; it treats each row
        of the batch independently.
    state : tuple of ndarray
        The starting point(s) ``w0`` of shape ``(*batch, d)``, then whatever else the
        update carries (a momentum buffer), each of the same shape.
    n_steps : int
    allow_divergence : bool
        If False a run whose iterate stops being finite raises
        :class:`DivergenceError` naming the step; if True that row is NaN from the
        step where it diverged, and the other rows go on.

    Returns
    -------
    ndarray, shape (n_steps + 1, *batch, d)
        The trajectory of ``w``.

    Notes
    -----
    Finiteness is checked once per block of :data:`CHECK_EVERY` steps, over the
    block's iterates at once; after the first divergence every step is checked.
    """
    w = state[0]
    trajectory = np.empty((n_steps + 1, *w.shape))
    trajectory[0] = w
    diverged = None
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n_steps, CHECK_EVERY):
            stop = min(n_steps, start + CHECK_EVERY)
            if diverged is None:
                for t in range(start, stop):
                    state = step(t, *state)
                    trajectory[t + 1] = state[0]
                block = trajectory[start + 1 : stop + 1]
                if not np.isfinite(block).all():
                    diverged = _first_divergence(block, start, allow_divergence)
            else:
                for t in range(start, stop):
                    state = step(t, *diverged.feed(state))
                    trajectory[t + 1] = diverged.check(state[0])
    return trajectory
