"""Variants of SAM for the open problems of Section 7 (Chapter 7).

* :func:`run_momentum_sam`: SAM with heavy-ball momentum, and
  :func:`momentum_cycle`, the 2-cycle it reaches on a quadratic.
* :func:`run_stochastic_sam`: SAM whose two gradients (the ascent direction and the
  descent gradient) both come from the same random mini-batch of examples, the
  stochastic SAM of Wen et al. (2023); batch size 1 is their "1-SAM".
* Stability along one eigenvector: :func:`sam_multiplier` and
  :func:`usam_multiplier`, the factor one step multiplies a coordinate by, and
  :func:`usam_edge`, the largest curvature on which unnormalised SAM is stable. SAM's
  own threshold is :func:`samlib.stability.sam_edge`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from samlib._validation import (
    as_count,
    as_eigenvalues,
    as_param,
    as_points,
    batch_param,
)
from samlib.steps import _DivergenceGuard, _shape_checked, normalize

__all__ = [
    "momentum_cycle",
    "momentum_sam_step",
    "run_momentum_sam",
    "run_stochastic_sam",
    "sam_multiplier",
    "stochastic_sam_step",
    "usam_edge",
    "usam_multiplier",
]


def _sam_gradient(w, grad, rho):
    return grad(w + rho * normalize(grad(w)))


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
    w = as_points(w)
    m = np.broadcast_to(as_points(m, name="m", d=w.shape[-1]), w.shape)
    p = _momentum_params(w, eta, rho, beta)
    m_next = p["beta"] * m + _sam_gradient(w, _shape_checked(grad), p["rho"])
    return w - p["eta"] * m_next, m_next


def _momentum_params(w, eta, rho, beta):
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    beta = as_param(beta, "beta", nonneg=True)
    if not np.all(np.asarray(beta) < 1):
        raise ValueError(f"the momentum must satisfy 0 ≤ β < 1, got β = {beta!r}")
    return {
        "eta": batch_param(eta, w, "eta"),
        "rho": batch_param(rho, w, "rho"),
        "beta": batch_param(beta, w, "beta"),
    }


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
    w0 = as_points(w0, name="w0")
    grad = _shape_checked(grad)
    p = _momentum_params(w0, eta, rho, beta)
    batch = np.broadcast_shapes(w0.shape[:-1], *(np.shape(v)[:-1] for v in p.values()))
    w = np.broadcast_to(w0, (*batch, w0.shape[-1])).astype(float)
    if m0 is None:
        m = np.zeros_like(w)
    else:
        m0 = as_points(m0, name="m0", d=w.shape[-1])
        m = np.broadcast_to(m0, w.shape).astype(float)
    trajectory = np.empty((n_steps + 1, *w.shape))
    trajectory[0] = w
    guard = _DivergenceGuard(w, allow_divergence)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            w, m = guard.feed(w, m)
            m = p["beta"] * m + _sam_gradient(w, grad, p["rho"])
            w = guard.check(w - p["eta"] * m, t + 1)
            trajectory[t + 1] = w
    return trajectory


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
    if seed is None or isinstance(seed, bool):
        raise TypeError(
            "seed must be an int or a numpy Generator: explicit seeds keep runs "
            "reproducible"
        )
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    if np.ndim(eta) or np.ndim(rho):
        raise ValueError("eta and rho must be scalars for run_stochastic_sam")
    w = as_points(w0, name="w0").astype(float)
    rng = np.random.default_rng(seed)
    if batch_size == 1:
        batches = rng.integers(n_examples, size=(n_steps, 1))
    else:
        keys = rng.random((n_steps, n_examples))
        batches = np.argsort(keys, axis=1)[:, :batch_size]
    trajectory = np.empty((n_steps + 1, *w.shape))
    trajectory[0] = w
    guard = _DivergenceGuard(w, allow_divergence)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            (w,) = guard.feed(w)
            idx = batches[t]
            g = example_grad(w, idx)
            w = guard.check(w - eta * example_grad(w + rho * normalize(g), idx), t + 1)
            trajectory[t + 1] = w
    return trajectory


# --- stability along one eigenvector ---------------------------------------------


def sam_multiplier(lam, grad_norm, eta, rho):
    """``1 - ηλ - ηρλ²/‖∇ℓ‖``: the factor one SAM step multiplies a coordinate by.

    On a quadratic, the coordinate along an eigenvector with eigenvalue λ is
    multiplied by this factor when the gradient norm is ``‖∇ℓ(w)‖`` (eq. 3). It is
    -1 at SAM's edge of stability :func:`samlib.stability.sam_edge` and on the 2-cycle
    of Theorems 1–2.

    Examples
    --------
    On the 2-cycle of ``½·w²`` with η = 0.2, ρ = 1 the gradient norm is β1 = 0.2/1.8:

    >>> round(sam_multiplier(1.0, 0.2 / 1.8, 0.2, 1.0), 12)
    -1.0
    """
    lam = as_param(lam, "lam")
    g = as_param(grad_norm, "grad_norm", positive=True)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    factor = 1 - eta * lam - eta * rho * np.square(lam) / g
    return float(factor) if np.ndim(factor) == 0 else factor


def usam_multiplier(lam, eta, rho):
    """``1 - ηλ(1 + ρλ)``: one unnormalised SAM step on ``½λw²`` multiplies w by it.

    ``∇ℓ(w + ρ∇ℓ(w)) = λ(w + ρλw)``, so USAM on a quadratic is a linear map, and it
    converges if and only if the factor lies in ``(-1, 1)``.

    Examples
    --------
    >>> usam_multiplier(2.0, 0.5, 0.5)
    -1.0
    """
    lam = as_param(lam, "lam")
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    factor = 1 - eta * lam * (1 + rho * lam)
    return float(factor) if np.ndim(factor) == 0 else factor


def usam_edge(eta, rho):
    """The largest curvature on which unnormalised SAM is stable.

    The positive root of ``ηλ(1 + ρλ) = 2`` (:func:`usam_multiplier` = -1),

    ``λ = (sqrt(1 + 8ρ/η) - 1)/(2ρ) = 4/(η(1 + sqrt(1 + 8ρ/η)))``,

    which is ``2/η`` at ρ = 0 and decreases in ρ. Unlike SAM's edge
    (:func:`samlib.stability.sam_edge`) it does not depend on the gradient norm.

    Parameters
    ----------
    eta : float or array_like
        η > 0.
    rho : float or array_like
        ρ ≥ 0.

    Examples
    --------
    >>> usam_edge(0.1, 0.1)
    10.0
    >>> usam_edge(0.2, 0.0)
    10.0
    """
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", nonneg=True)
    edge = 4 / (eta * (1 + np.sqrt(1 + 8 * np.asarray(rho) / eta)))
    return float(edge) if np.ndim(edge) == 0 else edge
