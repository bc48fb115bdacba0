"""Variants of SAM for the open problems of Section 7 (Chapter 7).

* :func:`run_momentum_sam`: SAM with heavy-ball momentum; :func:`momentum_cycle`,
  the 2-cycle it reaches on a quadratic; :func:`momentum_drift_factor`, a heuristic
  for how much faster it drifts; :func:`orbit_periods`, the periods of the orbits
  its runs end on; :func:`bounce_average`, a quantity averaged over the two points
  of each bounce.
* :func:`run_stochastic_sam`: SAM whose two gradients (the ascent direction and the
  descent gradient) both come from the same random mini-batch of examples, the
  stochastic SAM of Wen et al. (2023); batch size 1 is their "1-SAM".

Both runners iterate in :func:`samlib._runner.iterate`, the loop of every runner.
The edges of stability of SAM, USAM and their multipliers are in
:mod:`samlib.stability`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from samlib._runner import batch_shape, gradient_kernel, iterate
from samlib._validation import (
    as_count,
    as_eigenvalues,
    as_param,
    as_points,
    as_rng,
    batch_param,
)
from samlib.steps import sam_ascent_point

__all__ = [
    "bounce_average",
    "momentum_cycle",
    "momentum_drift_factor",
    "momentum_sam_step",
    "orbit_periods",
    "run_momentum_sam",
    "run_stochastic_sam",
    "stochastic_sam_step",
]


def _sam_gradient(w, grad, rho):
    """∇ℓ at SAM's ascent point, eq. (2), for checked values."""
    return grad(sam_ascent_point.unchecked(w, grad, rho))


# --- heavy-ball momentum -----------------------------------------------------------


def momentum_sam_step(w, m, grad: Callable, eta, rho, beta):
    """One step of SAM with heavy-ball momentum.

    ``m_{t+1} = β m_t + ∇ℓ(w_t + ρ∇ℓ(w_t)/‖∇ℓ(w_t)‖)``, ``w_{t+1} = w_t - η m_{t+1}``.
    With ``β = 0`` it is :func:`samlib.sam_step`.

    Parameters
    ----------
    w, m : array_like, shape (d,) or (..., d)
        Current point(s) and momentum buffer(s).
    grad : callable
        Batched gradient ``w -> ∇ℓ(w)``.
    eta, rho, beta : float or array_like
        Step size η > 0, radius ρ ≥ 0, momentum ``0 ≤ β < 1``; arrays broadcast
        against the batch shape ``w.shape[:-1]``.

    Returns
    -------
    w_next, m_next : ndarray
    """
    w, grad = gradient_kernel(grad, w)
    m = np.broadcast_to(as_points(m, name="m", d=w.shape[-1]), w.shape)
    eta, rho, beta = _momentum_params(w, eta, rho, beta)
    return _momentum_update(w, m, grad, eta, rho, beta)


def _momentum_update(w, m, grad, eta, rho, beta):
    m_next = beta * m + _sam_gradient(w, grad, rho)
    return w - eta * m_next, m_next


def _momentum_params(w, eta, rho, beta):
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    beta = as_param(beta, "beta", nonneg=True)
    if not np.all(np.asarray(beta) < 1):
        raise ValueError(f"the momentum must satisfy 0 ≤ β < 1, got β = {beta!r}")
    return (
        batch_param(eta, w, "eta"),
        batch_param(rho, w, "rho"),
        batch_param(beta, w, "beta"),
    )


def run_momentum_sam(
    grad: Callable, w0, eta, rho, beta, n_steps: int, *, m0=None, allow_divergence=False
):
    """Iterate SAM with heavy-ball momentum (:func:`momentum_sam_step`).

    Parameters
    ----------
    grad : callable
        Batched gradient.
    w0 : array_like, shape (d,) or (..., d)
    eta, rho, beta : float or array_like
        As in :func:`momentum_sam_step`; an array of β sweeps the momentum in one call.
    n_steps : int
    m0 : array_like, optional
        Initial momentum buffer, broadcastable against ``w0``; default 0.
    allow_divergence : bool
        As in :func:`samlib.run_sam`: if False a run that overflows raises
        :class:`~samlib.DivergenceError`; if True its rows are NaN from that step on.

    Returns
    -------
    ndarray, shape (n_steps + 1, *batch, d)

    Examples
    --------
    On ``½·w²`` with η = 0.2, ρ = 1 and β = 0.5, started on the 2-cycle
    ``c = ηρλ1/(2(1 + β) - ηλ1) = 0.2/2.8`` of :func:`momentum_cycle` with the
    momentum ``m0 = -2c/η`` it has there, the iterates stay on it:

    >>> from samlib import Quadratic
    >>> c = 0.2 / 2.8
    >>> path = run_momentum_sam(Quadratic([1.0]).grad, [c], 0.2, 1.0, 0.5, 4,
    ...                         m0=[-2 * c / 0.2])
    >>> (path[:, 0] / c).round(12).tolist()
    [1.0, -1.0, 1.0, -1.0, 1.0]
    """
    n_steps = as_count(n_steps, "n_steps")
    w0, grad = gradient_kernel(grad, w0, name="w0")
    eta, rho, beta = _momentum_params(w0, eta, rho, beta)
    w = np.broadcast_to(w0, (*batch_shape(w0, eta, rho, beta), w0.shape[-1]))
    w = w.astype(float)
    if m0 is None:
        m = np.zeros_like(w)
    else:
        m0 = as_points(m0, name="m0", d=w.shape[-1])
        m = np.broadcast_to(m0, w.shape).astype(float)

    def step(t, w, m):
        return _momentum_update(w, m, grad, eta, rho, beta)

    return iterate(step, (w, m), n_steps, allow_divergence=allow_divergence)


def momentum_cycle(lams, eta, rho, beta) -> np.ndarray:
    """The 2-cycle ``±ηρλ1/(2(1 + β) - ηλ1) e1`` of momentum SAM on ``½wᵀΛw``.

    On the cycle ``w_t = ±c e1`` the momentum is ``m_t = ∓2c/η``, and one step of
    :func:`momentum_sam_step` maps ``c`` to ``c + 2βc - ηλ1(c + ρ)``; this equals
    ``-c`` exactly when ``c = ηρλ1/(2(1 + β) - ηλ1)``. It is the 2-cycle of plain SAM
    (Theorems 1–2) with the step size ``η/(1 + β)``. Whether it attracts is not
    proved here; Chapter 7 checks it numerically.

    Parameters
    ----------
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        η > 0, ρ > 0.
    beta : float
        ``0 ≤ β < 1``.

    Returns
    -------
    ndarray, shape (2, d)
        ``+c e1`` and ``-c e1``.

    Examples
    --------
    >>> momentum_cycle([1.0, 0.5], 0.2, 1.0, 0.0).round(4)  # Theorem 2's cycle
    array([[ 0.1111,  0.    ],
           [-0.1111,  0.    ]])
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    beta = as_param(beta, "beta", nonneg=True)
    if not beta < 1:
        raise ValueError(f"the momentum must satisfy 0 ≤ β < 1, got β = {beta!r}")
    if not eta * lams[0] < 2 * (1 + beta):
        raise ValueError(
            "the 2-cycle needs ηλ1 < 2(1 + β), got "
            f"ηλ1 = {eta * lams[0]:.6g} and 2(1 + β) = {2 * (1 + beta):.6g}"
        )
    c = eta * rho * lams[0] / (2 * (1 + beta) - eta * lams[0])
    points = np.zeros((2, lams.size))
    points[:, 0] = [c, -c]
    return points


def momentum_drift_factor(beta, lam1, eta):
    """The heuristic speed-up ``F(β)`` of SAM's drift under heavy-ball momentum β.

    In Theorem 21 the drift comes from the gradient at the ascent point, at distance
    ``c + ρ`` from the bottom of the ravine: ``½(c + ρ)²∇λmax``. With momentum the
    bounce sees the step ``η/(1 + β)`` (the 2-cycle ``c_β`` of :func:`momentum_cycle`)
    while the drift, which does not alternate, is summed by the momentum into the
    step ``η/(1 - β)``. Replacing ``c`` by ``c_β`` and η by ``η/(1 - β)`` multiplies
    the drift per step by

    ``F(β) = ((1 + β)(2 - ηλ1)/(2(1 + β) - ηλ1))² / (1 - β)``.

    A heuristic, not a theorem (Chapter 7.3 measures it); ``F(0) = 1``.

    Examples
    --------
    >>> momentum_drift_factor(0.0, 5.0, 0.05)
    1.0
    >>> round(momentum_drift_factor(0.5, 5.0, 0.05), 4)  # (1.5·1.75/2.75)²/0.5
    1.8223
    """
    beta = as_param(beta, "beta", nonneg=True)
    lam1 = as_param(lam1, "lam1", positive=True)
    eta = as_param(eta, "eta", positive=True)
    if not (np.all(np.asarray(beta) < 1) and np.all(eta * np.asarray(lam1) < 2)):
        raise ValueError("F(β) needs 0 ≤ β < 1 and ηλ1 < 2")
    ratio = (1 + beta) * (2 - eta * lam1) / (2 * (1 + beta) - eta * lam1)
    return ratio**2 / (1 - beta)


def orbit_periods(tail, *, max_period: int = 24, atol: float = 1e-7) -> np.ndarray:
    """The smallest period ``p ≤ max_period`` of each orbit in ``tail``, else 0.

    ``tail`` holds the last iterates of a batch of runs, time first: an orbit has
    period ``p`` if ``|w_{t+p} - w_t| < atol`` in every coordinate for every ``t`` of
    the tail (so the tail must be longer than ``max_period``).

    Parameters
    ----------
    tail : array_like, shape (T, ..., d)
    max_period : int
    atol : float

    Returns
    -------
    ndarray of int, shape ``tail.shape[1:-1]``

    Examples
    --------
    >>> t = np.arange(12)
    >>> tail = np.stack([(-1.0) ** t, np.cos(np.pi * t / 3)], axis=-1)[:, None, :]
    >>> orbit_periods(tail, max_period=8).tolist()  # periods 2 and 6: 6
    [6]
    """
    tail = as_points(tail, name="tail")
    max_period = as_count(max_period, "max_period", minimum=1)
    if tail.ndim < 2 or tail.shape[0] <= max_period:
        raise ValueError(
            f"tail must have shape (T, ..., d) with T > max_period = {max_period}, "
            f"got {tail.shape}"
        )
    result = np.zeros(tail.shape[1:-1], dtype=int)
    for p in range(max_period, 0, -1):  # the smallest period found last wins
        repeats = np.all(np.abs(tail[p:] - tail[:-p]) < atol, axis=(0, -1))
        result[repeats] = p
    return result


def bounce_average(values) -> np.ndarray:
    """``(v_t + v_{t+1})/2`` along the first (time) axis: a quantity averaged over
    the two points of each bounce of SAM's 2-cycle.

    Across a ravine that is not symmetric the two points of a bounce differ, and the
    relations of Theorems 1–2 and of SAM's edge of stability (Chapter 7.1) hold for
    the average over a bounce, not at each step.

    Parameters
    ----------
    values : array_like, shape (T, ...)
        One value (or array of values) per step, ``T ≥ 2``.

    Returns
    -------
    ndarray, shape (T - 1, ...)

    Examples
    --------
    >>> bounce_average([9.0, 1.0, 5.0, 3.0]).tolist()
    [5.0, 3.0, 4.0]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim < 1 or len(values) < 2:
        raise ValueError(f"values needs at least two steps, got shape {values.shape}")
    return (values[1:] + values[:-1]) / 2


# --- stochastic SAM ----------------------------------------------------------------


def stochastic_sam_step(w, example_grad: Callable, idx, eta, rho):
    """One SAM step in which both gradients come from the examples ``idx``.

    ``w - η ∇ℓ_B(w + ρ∇ℓ_B(w)/‖∇ℓ_B(w)‖)`` with ``ℓ_B`` the loss on the mini-batch
    ``B = idx``: the ascent direction and the descent gradient use the *same* batch.

    Parameters
    ----------
    w : array_like, shape (d,)
    example_grad : callable
        ``example_grad(w, idx)`` returns the gradient at ``w`` of the mean loss over
        the examples ``idx`` (an integer array).
    idx : array_like of int
    eta, rho : float
    """
    w = as_points(w)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    idx = np.atleast_1d(np.asarray(idx, dtype=int))
    return _stochastic_update(w, example_grad, idx, eta, rho)


def _stochastic_update(w, example_grad, idx, eta, rho):
    return w - eta * _sam_gradient(w, lambda u: example_grad(u, idx), rho)


def run_stochastic_sam(
    example_grad: Callable,
    n_examples: int,
    w0,
    eta,
    rho,
    n_steps: int,
    seed,
    *,
    batch_size: int = 1,
    allow_divergence=False,
):
    """Iterate :func:`stochastic_sam_step` on random mini-batches.

    At every step a batch of ``batch_size`` distinct examples is drawn uniformly from
    ``range(n_examples)`` with ``numpy.random.default_rng(seed)``; both gradients of
    the step use it. ``batch_size = 1`` is the 1-SAM of Wen et al. (2023);
    ``batch_size = n_examples`` is full-batch SAM, :func:`samlib.run_sam`.

    Parameters
    ----------
    example_grad : callable
        ``example_grad(w, idx)``: gradient of the mean loss over the examples ``idx``.
    n_examples : int
    w0 : array_like, shape (d,) or (..., d)
        Starting point(s); a batch of starts shares the same mini-batches (this
        needs an ``example_grad`` that accepts batched points).
    eta, rho : float
        Step size η > 0 and radius ρ ≥ 0.
    n_steps : int
    seed : int or numpy.random.Generator
        The same seed gives the same batches and the same path.
    batch_size : int
        ``1 ≤ batch_size ≤ n_examples``.
    allow_divergence : bool
        As in :func:`samlib.run_sam`.

    Returns
    -------
    ndarray, shape (n_steps + 1, *w0.shape)

    Examples
    --------
    Two examples of a one-parameter least-squares problem, ``ℓ_i(w) = ½(w - y_i)²``:

    >>> y = np.array([1.0, 3.0])
    >>> def example_grad(w, idx):
    ...     return w - y[idx].mean()
    >>> path = run_stochastic_sam(example_grad, 2, [0.0], 0.1, 0.01, 200, seed=0)
    >>> bool(1.0 < path[-1, 0] < 3.0)
    True
    """
    n_examples = as_count(n_examples, "n_examples", minimum=1)
    batch_size = as_count(batch_size, "batch_size", minimum=1)
    if batch_size > n_examples:
        raise ValueError(
            f"batch_size must be ≤ n_examples = {n_examples}, got {batch_size}"
        )
    n_steps = as_count(n_steps, "n_steps")
    rng = as_rng(seed)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    if np.ndim(eta) or np.ndim(rho):
        raise ValueError("eta and rho must be scalars for run_stochastic_sam")
    w = as_points(w0, name="w0").astype(float)
    if batch_size == 1:
        batches = rng.integers(n_examples, size=(n_steps, 1))
    else:
        keys = rng.random((n_steps, n_examples))
        batches = np.argsort(keys, axis=1)[:, :batch_size]

    def step(t, w):
        return (_stochastic_update(w, example_grad, batches[t], eta, rho),)

    return iterate(step, (w,), n_steps, allow_divergence=allow_divergence)
