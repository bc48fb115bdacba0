"""SAM, unnormalised SAM, gradient descent and noisy gradient descent.

Every step is a pure function of the current point(s) ``w`` and a gradient callable
``grad``. ``w`` may be one point ``(d,)`` or a batch ``(..., d)``; ``eta``, ``rho``
and ``sigma`` may be scalars or arrays that broadcast against the batch shape
``w.shape[:-1]``, so a single call advances a whole grid of parameter values.

The runners return the whole trajectory, of shape ``(n_steps + 1, *batch, d)`` where
``batch`` is the broadcast of ``w0``'s batch shape with the parameters' shapes.

``grad`` is applied to each point of a batch independently (it is the gradient of the
loss at each point). Large batches are therefore advanced in blocks of rows that fit
in the processor's cache, which makes a step over 100,000 points about twice as fast
as whole-array operations (``benchmarks/run.py``).

Inputs are checked once per call: a runner checks ``w0`` and the parameters, then
iterates unchecked kernels (for a loss built by samlib, its gradient's kernel), so
that a step costs about what the same arithmetic written in numpy costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from samlib._runner import (
    DivergenceError,
    batch_shape,
    blockwise,
    gradient_kernel,
    iterate,
    needs_blocks,
)
from samlib._validation import (
    as_count,
    as_param,
    as_point,
    as_rng,
    batch_param,
    unchecked,
)

Grad = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "DivergenceError",
    "gd_step",
    "noisy_gd_step",
    "normalize",
    "run_gd",
    "run_noisy_gd",
    "run_sam",
    "run_usam",
    "sam_ascent_point",
    "sam_step",
    "usam_step",
    "worst_perturbation",
]


def normalize(g: np.ndarray) -> np.ndarray:
    """Unit vector ``g / ‖g‖`` along the last axis, with ``0 / ‖0‖ := 0``.

    SAM's perturbation ``ρ ∇ℓ(w)/‖∇ℓ(w)‖`` (eq. 2) is undefined where the gradient
    vanishes. samlib defines it as zero there, so at a stationary point SAM takes the
    plain gradient step ``-η∇ℓ(w) = 0`` and stays put. The norm is computed after
    rescaling by the largest entry, so tiny gradients (``1e-200``) still normalise
    correctly instead of underflowing to zero.

    Parameters
    ----------
    g : ndarray, shape (..., d)

    Returns
    -------
    ndarray, shape (..., d)
        Rows of unit norm, or zero rows where ``g`` is zero.
    """
    g = np.asarray(g, dtype=float)
    if g.ndim == 1:  # one point: the squared norm as a Python float, summed as
        # einsum sums a row of a batch, so that a point and a row of a batch give
        # the same bits (the runners promise each row is its own run)
        if g.size == 2:
            x, y = g.tolist()  # Python floats: fast, and overflow is silently inf
            square = x * x + y * y
        else:
            square = float(np.einsum("i,i->", g, g))
        if 1e-300 < square < 1e300:
            return g / math.sqrt(square)
        norm = np.array([math.sqrt(square)])
    else:
        norm = np.sqrt(np.einsum("...i,...i->...", g, g))[..., None]
        if norm.min() > 1e-150 and norm.max() < 1e150:
            return g / norm  # the common case: one pass for the norm, one to divide
    safe = (norm > 1e-150) & (norm < 1e150)
    # rescale only the rows whose norm would under- or overflow, so that a row's
    # result never depends on the other rows of the batch
    out = g / np.where(safe, norm, 1.0)  # zero rows stay zero
    rows = ~safe[..., 0] & np.any(g != 0, axis=-1)
    if np.any(rows):
        out[rows] = _normalize_rescaled(g[rows])
    return out


def _normalize_rescaled(g: np.ndarray) -> np.ndarray:
    """``g/‖g‖`` row by row, computed as ``s/‖s‖`` with ``s = g/max|g|``."""
    scale = np.max(np.abs(g), axis=-1, keepdims=True)
    scaled = g / np.where(scale > 0, scale, 1.0)
    scaled_norm = np.linalg.norm(scaled, axis=-1, keepdims=True)
    return np.where(
        scaled_norm > 0, scaled / np.where(scaled_norm > 0, scaled_norm, 1.0), 0.0
    )


# The updates, on checked points and parameters (scalars or arrays (..., 1)).


def _ascent(w, grad, rho):
    return w + rho * normalize(grad(w))


def _sam_update(w, grad, eta, rho):
    return w - eta * grad(_ascent(w, grad, rho))


def _usam_update(w, grad, eta, rho):
    return w - eta * grad(w + rho * grad(w))


def _gd_update(w, grad, eta):
    return w - eta * grad(w)


def _prepare(w, grad, **params):
    """Check ``w``, ``grad`` and the parameters once; return them ready to use.

    ``params`` maps each name to ``(value, positive)``: ``value > 0`` is required if
    ``positive``, else ``value >= 0``.
    """
    w, grad = gradient_kernel(grad, w)
    checked = [
        batch_param(as_param(value, name, positive=pos, nonneg=not pos), w, name)
        for name, (value, pos) in params.items()
    ]
    return w, grad, checked


@unchecked(_ascent)
def sam_ascent_point(w, grad: Grad, rho):
    """The perturbed point ``w + ρ ∇ℓ(w)/‖∇ℓ(w)‖`` where SAM evaluates its gradient.

    It maximises the first-order model of ℓ over the ball ``‖ε‖ ≤ ρ``, the inner
    problem of the minimax formulation (1) (Chapter 1).

    Parameters
    ----------
    w : array_like, shape (d,) or (..., d)
    grad : callable
        ``grad(w)`` returns ∇ℓ(w) with the shape of ``w``.
    rho : float or array_like
        Neighbourhood radius ρ ≥ 0.

    Notes
    -----
    ``sam_ascent_point.unchecked(w, grad, rho)`` is the same point for checked
    values, for samlib's SAM variants (:mod:`samlib.variants`).
    """
    w, grad, (rho,) = _prepare(w, grad, rho=(rho, False))
    return _ascent(w, grad, rho)


def worst_perturbation(value, w, rho, *, n_angles: int = 20_000):
    """The perturbation ``ε`` with ``‖ε‖ = ρ`` that maximises ``ℓ(w + ε)``, by search.

    The inner problem of the minimax formulation (1), ``max_{‖ε‖≤ρ} ℓ(w + ε)``,
    solved by brute force for a loss of two parameters: ℓ is evaluated on the circle
    ``‖ε‖ = ρ`` at ``n_angles`` equally spaced angles and the best point is kept.
    The maximum over the ball is on this circle whenever ℓ is convex, and wherever
    ``∇ℓ(w) ≠ 0`` and ρ is small. Chapter 1 compares it with SAM's first-order
    answer ``ρ∇ℓ(w)/‖∇ℓ(w)‖`` (:func:`sam_ascent_point`).

    Parameters
    ----------
    value : callable
        Batched loss ``value(w)`` for points of shape ``(..., 2)``.
    w : array_like, shape (2,)
        One point.
    rho : float or array_like, shape (k,)
        Radius ρ > 0, or several radii.
    n_angles : int
        Number of angles searched (at least 3).

    Returns
    -------
    ndarray, shape (2,) or (k, 2)
        For each ρ, the best point of the grid: ``‖ε‖ = ρ``, and its angle is within
        ``π/n_angles`` of the angle of a maximiser of ``ℓ(w + ε)`` on the circle.

    Examples
    --------
    On ``½(w1² + w2²/2)`` at the minimum the worst direction is the sharp one, e1:

    >>> from samlib import Quadratic
    >>> worst_perturbation(Quadratic([1.0, 0.5]).value, [0.0, 0.0], 2.0).round(9)
    array([2., 0.])
    """
    if not callable(value):
        raise TypeError(f"value must be a callable w -> ℓ(w), got {value!r}")
    w = as_point(w, d=2)
    rho = as_param(rho, "rho", positive=True)
    if np.ndim(rho) > 1:
        raise ValueError(f"rho must be a number or a 1-D array, got {np.shape(rho)}")
    n_angles = as_count(n_angles, "n_angles", minimum=3)
    angles = np.linspace(0.0, 2 * np.pi, n_angles, endpoint=False)
    unit = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    eps = np.multiply.outer(np.atleast_1d(rho), unit)  # (k, n_angles, 2)
    values = np.asarray(value(w + eps), dtype=float)
    if values.shape != eps.shape[:-1]:
        raise ValueError(
            "value(w) must return one number per point, shape (..., 2) -> (...), "
            f"got {values.shape} for points of shape {eps.shape}"
        )
    if not np.isfinite(values).all():
        raise ValueError("value(w + ε) must be finite on the whole circle ‖ε‖ = ρ")
    best = eps[np.arange(len(eps)), np.argmax(values, axis=-1)]
    return best[0] if np.ndim(rho) == 0 else best


def _step(update, w, grad, params):
    """One step of ``update``, the batch advanced in blocks if it is large."""
    return blockwise(lambda w, *p: update(w, grad, *p), w, *params)


def sam_step(w, grad: Grad, eta, rho):
    """One SAM step, eq. (2): ``w - η ∇ℓ(w + ρ ∇ℓ(w)/‖∇ℓ(w)‖)``.

    Parameters
    ----------
    w : array_like, shape (d,) or (..., d)
        Current point(s).
    grad : callable
        ``grad(w)`` returns ∇ℓ(w) with the shape of ``w`` (batched).
    eta : float or array_like
        Step size η > 0, scalar or broadcastable against ``w.shape[:-1]``.
    rho : float or array_like
        Neighbourhood radius ρ ≥ 0 (ρ = 0 is gradient descent).

    Returns
    -------
    ndarray
        The next point(s). Where ∇ℓ(w) = 0 the perturbation is defined as zero
        (see :func:`normalize`), so a stationary point is a fixed point.

    Examples
    --------
    >>> from samlib import Quadratic, sam_step
    >>> sam_step([0.0, 1.0], Quadratic([1.0, 0.5]).grad, eta=0.2, rho=1.0)
    array([0. , 0.8])
    """
    w, grad, p = _prepare(w, grad, eta=(eta, True), rho=(rho, False))
    return _step(_sam_update, w, grad, p)


def usam_step(w, grad: Grad, eta, rho):
    """One step of unnormalised SAM: ``w - η ∇ℓ(w + ρ ∇ℓ(w))``.

    The variant without the normalisation of eq. (2); Chapter 7 compares the two.
    Parameters as in :func:`sam_step`.
    """
    w, grad, p = _prepare(w, grad, eta=(eta, True), rho=(rho, False))
    return _step(_usam_update, w, grad, p)


def gd_step(w, grad: Grad, eta):
    """One gradient-descent step ``w - η ∇ℓ(w)`` (SAM with ρ = 0)."""
    w, grad, p = _prepare(w, grad, eta=(eta, True))
    return _step(_gd_update, w, grad, p)


def noisy_gd_step(w, grad: Grad, eta, sigma, rng: np.random.Generator):
    """One step of GD with Gaussian gradient noise, ``w - η (∇ℓ(w) + σ ξ)``.

    ``ξ ~ N(0, I)`` is drawn from ``rng``; this is the SGD of Section 6 (Figure 5).
    """
    w, grad, (eta, sigma) = _prepare(w, grad, eta=(eta, True), sigma=(sigma, False))
    shape = np.broadcast_shapes(w.shape, np.shape(eta), np.shape(sigma))
    return _gd_update(w, grad, eta) - eta * sigma * rng.standard_normal(shape)


def _run(update, w0, grad, n_steps, allow_divergence, params, noise=None):
    """Check the inputs once, then iterate ``update`` (plus ``noise``, if any)."""
    n_steps = as_count(n_steps, "n_steps")
    w0, grad, p = _prepare(w0, grad, **params)
    w = np.broadcast_to(w0, (*batch_shape(w0, *p), w0.shape[-1])).astype(float)
    if needs_blocks(w.size):  # w has the whole batch's shape: decide once

        def advance(w):
            return blockwise(lambda w, *p: update(w, grad, *p), w, *p)

    else:

        def advance(w):
            return update(w, grad, *p)

    if noise is None:

        def step(t, w):
            return (advance(w),)

    else:

        def step(t, w):
            return (advance(w) - noise(w.shape, *p),)

    return iterate(step, (w,), n_steps, allow_divergence=allow_divergence)


def run_sam(grad: Grad, w0, eta, rho, n_steps: int, *, allow_divergence=False):
    """Iterate SAM, eq. (2), for ``n_steps`` steps.
    Parameters
    ----------
    grad : callable
        Batched gradient ``grad(w) -> ∇ℓ(w)``.
    w0 : array_like, shape (d,) or (..., d)
        Starting point(s).
    eta, rho : float or array_like
        Step size η > 0 and radius ρ ≥ 0, broadcastable against ``w0.shape[:-1]``.
    n_steps : int
        Number of steps.
    allow_divergence : bool
        If False (default) a trajectory that overflows raises :class:`DivergenceError`
        naming the step; if True the run goes on and the rows that diverged are NaN
        from the step where they left the finite range.

    Returns
    -------
    ndarray, shape (n_steps + 1, *batch, d)
        ``w_0, w_1, ..., w_n``.

    Examples
    --------
    Theorem 2: from almost any start SAM on a quadratic ends on the 2-cycle
    ``±ηρλ1/(2 - ηλ1) e1``; here ``0.2/1.8 = 0.111...``.

    >>> import numpy as np
    >>> from samlib import Quadratic, run_sam
    >>> path = run_sam(Quadratic([1.0, 0.5]).grad, [2.0, 2.0], 0.2, 1.0, 400)
    >>> np.abs(path[-2:]).round(4)
    array([[0.1111, 0.    ],
           [0.1111, 0.    ]])
    >>> bool(np.isclose(path[-2, 0], -path[-1, 0], rtol=1e-12))
    True
    """
    return _run(
        _sam_update,
        w0,
        grad,
        n_steps,
        allow_divergence,
        {"eta": (eta, True), "rho": (rho, False)},
    )


def run_usam(grad: Grad, w0, eta, rho, n_steps: int, *, allow_divergence=False):
    """Iterate unnormalised SAM (:func:`usam_step`). Arguments as in :func:`run_sam`."""
    return _run(
        _usam_update,
        w0,
        grad,
        n_steps,
        allow_divergence,
        {"eta": (eta, True), "rho": (rho, False)},
    )


def run_gd(grad: Grad, w0, eta, n_steps: int, *, allow_divergence=False):
    """Iterate gradient descent. Arguments as in :func:`run_sam` without ``rho``."""
    return _run(_gd_update, w0, grad, n_steps, allow_divergence, {"eta": (eta, True)})


def run_noisy_gd(
    grad: Grad, w0, eta, sigma, n_steps: int, seed, *, allow_divergence=False
):
    """Iterate GD with Gaussian gradient noise, the SGD of Section 6 (Figure 5).

    ``w_{t+1} = w_t - η (∇ℓ(w_t) + σ ξ_t)`` with ``ξ_t ~ N(0, I)`` independent.

    Parameters
    ----------
    grad, w0, eta, n_steps, allow_divergence
        As in :func:`run_sam`.
    sigma : float or array_like
        Noise scale σ ≥ 0; the paper uses ``σ = ρ/(2 - η)``.
    seed : int or numpy.random.Generator
        Seed of ``numpy.random.default_rng``; the same seed gives the same path.
    """
    rng = as_rng(seed)

    def noise(shape, eta, sigma):
        return eta * sigma * rng.standard_normal(shape)

    return _run(
        lambda w, grad, eta, sigma: _gd_update(w, grad, eta),
        w0,
        grad,
        n_steps,
        allow_divergence,
        {"eta": (eta, True), "sigma": (sigma, False)},
        noise=noise,
    )
