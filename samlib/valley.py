"""A valley of minima, SAM's drift along it, and a closer look at Theorem 21.

Chapter 5 of the book follows SAM along the valley of minima ``xy = 1`` of
:func:`samlib.objectives.product_loss`, ``ℓ(x, y) = ½(xy - 1)²``. On the valley the
Hessian is ``(y, x)ᵀ(y, x)``, with eigenvalues ``x² + y²`` (across the valley) and 0
(along it), so the sharpness varies along a set of equally good minima.

* Geometry of the valley: :func:`valley_point`, :func:`valley_foot` (the nearest point
  of the valley), :func:`valley_arclength`, :func:`valley_tangent`,
  :func:`valley_sharpness`.
* Measuring and predicting the drift: :func:`valley_runs` (SAM and GD with the
  sharpness each one sees), :func:`midpoints` (which average out SAM's bounce),
  :func:`measured_valley_speed`, :func:`speed_checkpoints` (for several radii at
  once, :func:`speed_study`),
  :func:`predicted_valley_speed` and :func:`drift_flow` (the drift alone; from a
  step of a SAM run, :func:`drift_flow_after`).
* Theorem 21's remainder: :func:`leading_remainder`, its part of order ``η²ρ²``
  (the losses whose third derivative is constant, which Chapter 5 uses to probe it,
  are :func:`samlib.objectives.cubic_objective`), :func:`third_derivative_bound`,
  a constant B for which the theorem's proof holds on the valley, and
  :func:`valley_step_errors`, the theorem's prediction against SAM's step there
  (:func:`valley_error_curves` at several valley points).

Every valley function works on the branch ``x, y > 0``, and on ``x, y < 0`` by the
symmetry ``ℓ(-w) = ℓ(w)``.
"""

from __future__ import annotations

import numpy as np

from samlib._validation import as_count, as_param, as_points, float_or_array
from samlib.drift import drift_field, theorem21_errors, theorem21_prediction
from samlib.objectives import Objective, as_objective, product_loss
from samlib.steps import run_gd, run_sam

__all__ = [
    "drift_flow",
    "drift_flow_after",
    "leading_remainder",
    "measured_valley_speed",
    "midpoints",
    "predicted_valley_speed",
    "speed_checkpoints",
    "speed_study",
    "third_derivative_bound",
    "valley_arclength",
    "valley_error_curves",
    "valley_foot",
    "valley_point",
    "valley_runs",
    "valley_sharpness",
    "valley_step_errors",
    "valley_tangent",
]

# Gauss–Legendre nodes and weights on [-1, 1] for the arc-length integral.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
# Search range of u = log|x| for the foot of a point: |x| in [e^-9, e^9], on a grid.
_U_MAX = 9.0
_GRID = np.linspace(-_U_MAX, _U_MAX, 721)
_GRID_STEP = _GRID[1] - _GRID[0]
_EXP = np.exp(_GRID)
_INV_EXP = 1 / _EXP


def _valley_x(x, name="x"):
    x = np.asarray(as_param(x, name), dtype=float)
    if not np.all(x != 0):
        raise ValueError(
            f"{name} must be nonzero: the valley xy = 1 has no point x = 0"
        )
    return x


def valley_point(x):
    """The point ``(x, 1/x)`` of the valley ``xy = 1``, for scalar or array ``x``.

    Examples
    --------
    >>> valley_point(2.0)
    array([2. , 0.5])
    """
    return _point(_valley_x(x))


def _point(x):
    return np.stack([x, 1 / x], axis=-1)


def valley_sharpness(x):
    """``x² + 1/x²``, the sharpness λmax(∇²ℓ) of ``½(xy - 1)²`` at ``(x, 1/x)``.

    It is smallest, 2, at ``x = ±1``.

    Examples
    --------
    >>> valley_sharpness(2.0)
    4.25
    """
    x = _valley_x(x)
    return float_or_array(x**2 + 1 / x**2)


def valley_tangent(x):
    """The unit tangent of the valley at ``(x, 1/x)``, pointing towards larger x.

    ``(1, -1/x²)/‖(1, -1/x²)‖``: along it the Hessian of ``½(xy - 1)²`` vanishes.

    Examples
    --------
    >>> valley_tangent(1.0) * np.sqrt(2)
    array([ 1., -1.])
    """
    x = _valley_x(x)
    t = np.stack([np.ones_like(x), -1 / x**2], axis=-1)
    return t / np.linalg.norm(t, axis=-1, keepdims=True)


def valley_arclength(x):
    """Signed arc length along the valley from ``sign(x)·(1, 1)`` to ``(x, 1/x)``.

    ``s(x) = sign(x) ∫_0^{log|x|} √(2 cosh 2u) du``, which increases with x on each
    branch (``ds/dx = √(1 + 1/x⁴)``) and is odd under ``x -> 1/x``. Computed by
    64-point Gauss–Legendre quadrature, exact to rounding for ``|log|x|| ≤ 9``.

    Parameters
    ----------
    x : float or array_like
        Nonzero first coordinates of valley points.

    Returns
    -------
    float or ndarray
        Arc lengths, of the shape of ``x``.

    Examples
    --------
    >>> valley_arclength(1.0)
    0.0
    >>> bool(np.isclose(valley_arclength(2.0), -valley_arclength(0.5)))
    True
    """
    x = _valley_x(x)
    U = np.log(np.abs(x))
    if not np.all(np.abs(U) <= _U_MAX):
        raise ValueError(f"valley_arclength needs e^-{_U_MAX:g} ≤ |x| ≤ e^{_U_MAX:g}")
    u = U[..., None] * (_GL_NODES + 1) / 2  # nodes on [0, U]
    integrand = np.sqrt(2 * np.cosh(2 * u))
    return float_or_array(np.sign(x) * (U / 2) * (integrand @ _GL_WEIGHTS))


def valley_foot(w, *, n_newton: int = 30):
    """The nearest point of the valley ``xy = 1`` to each point ``w = (a, b)``.

    The branch is the one on the side of the line ``x + y = 0`` where w lies. On it,
    with ``x = e^u``, the squared distance ``f(u) = (e^u - a)² + (e^-u - b)²`` is
    minimised by a grid search over ``|u| ≤ 9`` followed by Newton's method on
    ``f'(u) = 0``.

    Parameters
    ----------
    w : array_like, shape (2,) or (..., 2)
    n_newton : int
        Newton iterations after the grid search.

    Returns
    -------
    ndarray, shape of w
        Points ``(x, 1/x)``; ``w - foot`` is normal to the valley.

    Examples
    --------
    >>> valley_foot([1.0, 1.0])
    array([1., 1.])
    >>> valley_foot([1.5, 1.5]).round(12)
    array([1., 1.])
    """
    return _foot(as_points(w, d=2), as_count(n_newton, "n_newton"))


def _foot(w, n_newton: int = 30):
    """:func:`valley_foot` of checked points."""
    sign = np.where(w[..., 0] + w[..., 1] >= 0, 1.0, -1.0)
    a, b = sign * w[..., 0], sign * w[..., 1]
    u = _GRID[_nearest_on_grid(a.ravel(), b.ravel())].reshape(a.shape)
    lo, hi = u - _GRID_STEP, u + _GRID_STEP
    for _ in range(n_newton):
        e, f = np.exp(u), np.exp(-u)
        d1 = (e - a) * e - (f - b) * f  # f'(u)/2
        d2 = (2 * e - a) * e + (2 * f - b) * f  # f''(u)/2
        step = np.where(d2 > 0, d1 / np.where(d2 > 0, d2, 1.0), 0.0)
        moved = np.clip(u - step, lo, hi)
        if np.array_equal(moved, u):  # converged: further steps change nothing
            break
        u = moved
    x = sign * np.exp(u)
    return np.stack([x, 1 / x], axis=-1)


def _nearest_on_grid(a, b):
    """Index of the grid point ``u`` nearest to each ``(a, b)``: the argmin over the
    whole grid of ``(e^u - a)² + (e^-u - b)²``, searched only where it can be.

    If some grid point is at distance D, the nearest one has ``e^u ≤ a + D`` and
    ``e^-u ≤ b + D``; every grid point outside that window is strictly farther. D
    comes from the grid point next to a guess (``u = ½ log(a/b)`` near the valley),
    so points near the valley search a few grid points instead of all 721.
    """
    n = _GRID.size
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.where(
            (a > 0) & (b > 0),
            0.5 * np.log(a / b),
            np.where(
                a >= b, np.log(np.maximum(a, 1e-300)), -np.log(np.maximum(b, 1e-300))
            ),
        )
    k0 = np.clip(np.rint((guess + _U_MAX) / _GRID_STEP), 0, n - 1).astype(int)
    reach = np.sqrt((_EXP[k0] - a) ** 2 + (_INV_EXP[k0] - b) ** 2)
    first = np.floor((-np.log(b + reach) + _U_MAX) / _GRID_STEP) - 1
    last = np.ceil((np.log(a + reach) + _U_MAX) / _GRID_STEP) + 1
    first = np.clip(first, 0, n - 1).astype(int)
    last = np.clip(last, 0, n - 1).astype(int)
    window = first[:, None] + np.arange(int(np.max(last - first, initial=0)) + 1)
    window = np.minimum(window, n - 1)
    dist = (_EXP[window] - a[:, None]) ** 2 + (_INV_EXP[window] - b[:, None]) ** 2
    return window[np.arange(a.size), np.argmin(dist, axis=-1)]


def midpoints(path):
    """``(w_t + w_{t+1})/2`` for consecutive iterates of a path ``(T, ..., d)``.

    Near the valley SAM's iterates bounce from one side of it to the other; the
    midpoints of consecutive iterates cancel the bounce and follow the drift.
    """
    path = np.asarray(path, dtype=float)
    if path.ndim < 2 or path.shape[0] < 2:
        raise ValueError(
            f"path must have shape (T, ..., d) with T ≥ 2, got {path.shape}"
        )
    return (path[1:] + path[:-1]) / 2


def measured_valley_speed(path, window: int = 10):
    """The drift of a run along the valley: position and speed per step.

    The position of step t is the arc length (:func:`valley_arclength`) of the foot
    (:func:`valley_foot`) of the midpoint ``m_t = (w_t + w_{t+1})/2``; the speed is
    the central difference ``(s_{t+k} - s_{t-k})/(2k)`` with ``k = window``.

    Parameters
    ----------
    path : array_like, shape (T, 2)
        Iterates of one run.
    window : int
        Half-width k of the central difference, in steps.

    Returns
    -------
    x : ndarray, shape (T - 1 - 2k,)
        First coordinate of the foot of ``m_t`` for ``t = k, ..., T - 2 - k``.
    speed : ndarray, shape (T - 1 - 2k,)
        Arc length travelled per step (positive towards larger x).
    """
    path = as_points(path, name="path", d=2)
    window = as_count(window, "window", minimum=1)
    if path.ndim != 2:
        raise ValueError(f"path must be one run of shape (T, 2), got {path.shape}")
    if path.shape[0] < 2 * window + 2:
        raise ValueError(
            f"path needs at least 2·window + 2 = {2 * window + 2} iterates, "
            f"got {path.shape[0]}"
        )
    x = valley_foot(midpoints(path))[:, 0]
    s = valley_arclength(x)
    speed = (s[2 * window :] - s[: -2 * window]) / (2 * window)
    return x[window:-window], speed


def predicted_valley_speed(x, eta, rho, objective: Objective | None = None):
    """Theorem 21's drift per step along the valley at ``(x, 1/x)``.

    The drift component of :func:`samlib.theorem21_prediction` at the minimum
    ``w_z = (x, 1/x)``, projected on :func:`valley_tangent` (its component across the
    valley only shifts the bounce).

    Parameters
    ----------
    x : float or array_like
        Points of the valley.
    eta, rho : float
        Step size and radius.
    objective : Objective, optional
        A loss with the valley ``xy = 1`` of minima; default
        :func:`samlib.objectives.product_loss`.

    Returns
    -------
    float or ndarray
        Arc length per step, positive towards larger x.
    """
    objective, eta, rho = _drift_arguments(objective, eta, rho)
    x = _valley_x(x)
    drift = drift_field.unchecked(objective, _point(x), eta, rho)
    return float_or_array(np.einsum("...i,...i->...", drift, valley_tangent(x)))


def _drift_arguments(objective, eta, rho):
    """The checked loss (default :func:`samlib.objectives.product_loss`), η and ρ,
    as :func:`samlib.theorem21_prediction` checks them."""
    objective = product_loss() if objective is None else as_objective(objective)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    return objective, eta, rho


def drift_flow(
    x0, eta, rho, n_steps: int, *, stride: int = 1, objective: Objective | None = None
):
    """The valley positions reached by Theorem 21's drift alone.

    Starting at ``z_0 = (x0, 1/x0)``, each update moves ``z`` by ``stride`` times the
    drift component of :func:`samlib.theorem21_prediction` at ``z`` and returns to
    the valley (:func:`valley_foot`): Euler's method, with step ``stride``, for the
    path that SAM's bouncing iterates follow along the valley according to the
    theorem, the bounce itself left out. ``stride = 1`` takes one update per SAM
    step; a larger stride is faster, and accurate while the drift changes little
    over ``stride`` steps.

    Parameters
    ----------
    x0 : float
        Nonzero first coordinate of the starting valley point.
    eta, rho : float
        Step size and radius.
    n_steps : int
        Number of SAM steps to cover; rounded down to a multiple of ``stride``.
    stride : int
        SAM steps per update.
    objective : Objective, optional
        Default :func:`samlib.objectives.product_loss`.

    Returns
    -------
    t : ndarray of int, shape (n_steps // stride + 1,)
        The step numbers ``0, stride, 2·stride, ...``.
    x : ndarray, shape (n_steps // stride + 1,)
        The first coordinates of the valley points reached at those steps.
    """
    objective, eta, rho = _drift_arguments(objective, eta, rho)
    x = float(_valley_x(x0, "x0"))
    n_steps = as_count(n_steps, "n_steps")
    stride = as_count(stride, "stride", minimum=1)
    n_updates = n_steps // stride
    xs = np.empty(n_updates + 1)
    xs[0] = x
    for k in range(n_updates):
        z = _point(x)
        z = z + stride * theorem21_prediction.unchecked(objective, z, eta, rho).drift
        x = float(_foot(z)[0])
        xs[k + 1] = x
    return stride * np.arange(n_updates + 1), xs


def drift_flow_after(feet, start: int, eta, rho, *, stride: int = 1):
    """Theorem 21's drift alone (:func:`drift_flow`) from where SAM's midpoints are
    at step ``start``, to the end of the run (Chapter 5.5).

    Parameters
    ----------
    feet : array_like, shape (T, 2)
        The feet on the valley (:func:`valley_foot`) of SAM's :func:`midpoints`.
    start : int
        The step from which the drift runs alone, from ``feet[start]``.
    eta, rho : float
    stride : int
        SAM steps per update of :func:`drift_flow`.

    Returns
    -------
    t : ndarray of int
        Steps of the run, from ``start`` to at most ``T - 1``.
    sharpness : ndarray
        The valley's sharpness ``x² + 1/x²`` at the flow's points.

    Examples
    --------
    >>> feet = np.array([valley_point(x) for x in np.linspace(3.0, 2.9, 21)])
    >>> t, sharpness = drift_flow_after(feet, 10, 0.1, 0.1, stride=5)
    >>> t.tolist(), bool(sharpness[0] == valley_sharpness(feet[10, 0]))
    ([10, 15, 20], True)
    """
    feet = as_points(feet, name="feet", d=2)
    start = as_count(start, "start")
    if not start < len(feet):
        raise ValueError(f"start = {start} is beyond the {len(feet)} feet")
    t, x = drift_flow(feet[start, 0], eta, rho, len(feet) - 1 - start, stride=stride)
    return t + start, valley_sharpness(x)


def leading_remainder(objective: Objective, wz, eta, rho):
    """The part of order ``η²ρ²`` of Theorem 21's remainder.

    At ``w_t = w_z ± (β1/λ1) v1`` the normalised gradient is not exactly ``±v1``:
    ``∇ℓ(w_t)/‖∇ℓ(w_t)‖ = ±v1 + (β1/(2λ1²)) P⊥∇λmax + O(η²ρ²)``, where
    ``P⊥ = I - v1v1ᵀ`` and ``∇λmax = D³ℓ(w_z)(v1, v1, ·)``. SAM's gradient at the
    perturbed point feels this tilt through the Hessian H, which adds

    ``-η²ρ²/(2(2 - ηλ1)) · H P⊥ ∇λmax(∇²ℓ(w_z))``

    to the step, for either sign of the bounce. It vanishes when H is zero on the
    directions orthogonal to v1, as on the valley of ``½(xy - 1)²``; otherwise it is a
    fixed fraction of the drift when η is held fixed and ρ -> 0 (Chapter 5).

    Parameters
    ----------
    objective : Objective
    wz : array_like, shape (d,)
        A stationary point.
    eta, rho : float

    Returns
    -------
    ndarray, shape (d,)
    """
    p = theorem21_prediction(objective, wz, eta, rho)
    H = np.asarray(objective.hess(np.asarray(wz, dtype=float)), dtype=float)
    g = p.grad_lambda_max
    g_perp = g - (g @ p.v1) * p.v1
    return -(p.eta**2) * p.rho**2 / (2 * (2 - p.eta * p.lam1)) * (H @ g_perp)


def third_derivative_bound(x, radius):
    """A constant B of Theorem 21 for ``½(xy - 1)²`` on a ball around ``(x, 1/x)``.

    The theorem's proof needs B to bound both ``‖D³ℓ‖`` and the Lipschitz constant
    of ``D³ℓ`` on the ball of radius ``β1/λ1 + ρ`` around the minimum
    (:attr:`samlib.Theorem21Prediction.ball_radius`). Here ``D³ℓ(w)`` has the entries
    ``∂xxy = 2y`` and ``∂xyy = 2x`` (three orderings each), so its Frobenius norm,
    which bounds the operator norm, is ``2√3‖w‖ ≤ 2√3(‖(x, 1/x)‖ + radius)`` on the
    ball; ``D⁴ℓ`` is constant with entries 2 at the six orderings of
    ``(x, x, y, y)``, so ``D³ℓ`` is ``√24``-Lipschitz. B is the larger of the two.

    Parameters
    ----------
    x : float or array_like
        Nonzero first coordinates of valley points.
    radius : float or array_like
        Radii ≥ 0 of the balls.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(third_derivative_bound(1.0, 0.0), 4)  # √24 > 2√3·√2 = √24: a tie
    4.899
    """
    x = _valley_x(x)
    radius = as_param(radius, "radius", nonneg=True)
    norm = np.sqrt(x**2 + 1 / x**2)
    return float_or_array(np.maximum(np.sqrt(24.0), 2 * np.sqrt(3.0) * (norm + radius)))


def valley_runs(w0, eta, rho, n_steps: int) -> dict:
    """SAM and GD on ``½(xy - 1)²`` from ``w0``, with the sharpness each one sees.

    GD's sharpness is ``λmax(∇²ℓ)`` at its iterates. SAM's iterates bounce across
    the valley, so its sharpness is taken at the foot (:func:`valley_foot`) of the
    midpoint of consecutive iterates (:func:`midpoints`), where the valley's
    sharpness is ``x² + 1/x²`` (:func:`valley_sharpness`).

    Parameters
    ----------
    w0 : array_like, shape (2,)
        The start, on the branch ``x, y > 0`` or ``x, y < 0``.
    eta, rho : float
        Step size and SAM's radius.
    n_steps : int

    Returns
    -------
    dict
        ``{"GD": (path, sharpness), "SAM": (path, sharpness)}``, the paths of shape
        ``(n_steps + 1, 2)``, GD's sharpness ``(n_steps + 1,)`` and SAM's
        ``(n_steps,)``.

    Raises
    ------
    ValueError
        If ``ηλ1 ≥ 2`` at the valley point nearest ``w0``: GD cannot settle in the
        valley there.

    Examples
    --------
    >>> runs = valley_runs([3.0, 0.5], 0.1, 0.1, 1000)
    >>> bool(runs["SAM"][1][-1] < 2.1 < 8.9 < runs["GD"][1][-1])
    True
    """
    w0 = as_points(w0, name="w0", d=2)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if w0.ndim != 1 or np.ndim(eta) or np.ndim(rho):
        raise ValueError("valley_runs takes one start w0 (2,) and scalar eta and rho")
    x = float(_foot(w0)[0])
    lam = float(x**2 + 1 / x**2)
    if not eta * lam < 2:
        raise ValueError(
            f"ηλ1 = {eta * lam:.3g} ≥ 2 at the valley point ({x:.3g}, {1 / x:.3g}) "
            f"nearest w0, where λ1 = x² + 1/x² = {lam:.3g}: GD cannot settle in the "
            "valley there"
        )
    loss = product_loss()
    gd = run_gd(loss.grad, w0, eta, n_steps)
    sam = run_sam(loss.grad, w0, eta, rho, n_steps)
    sam_x = _foot(midpoints(sam))[:, 0]
    return {
        "GD": (gd, loss.sharpness(gd)),
        "SAM": (sam, sam_x**2 + 1 / sam_x**2),
    }


def valley_step_errors(x, eta, rho):
    """Theorem 21's prediction of one SAM step at ``(x, 1/x)``, with the box's B.

    :func:`samlib.drift.theorem21_errors` on ``½(xy - 1)²`` at the valley point,
    with B from :func:`third_derivative_bound` on the largest ball of the sweep,
    of radius ``2ρ/(2 - ηλ1)`` for the largest η and ρ (a B for a ball bounds the
    derivatives on every smaller one).

    Parameters
    ----------
    x : float
        Nonzero first coordinate of the valley point.
    eta, rho : float or array_like
        The sweep, as in :func:`samlib.drift.theorem21_errors`; ``ηλ1 < 2``.

    Returns
    -------
    samlib.drift.Theorem21Errors

    Examples
    --------
    >>> e = valley_step_errors(2.0, 0.05, [0.01, 0.05])
    >>> bool(np.all(e.error <= e.bound))
    True
    """
    x = float(_valley_x(x))
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    lam = x**2 + 1 / x**2
    if not np.max(eta) * lam < 2:
        raise ValueError(f"Theorem 21 needs ηλ1 < 2, got ηλ1 = {np.max(eta) * lam:.6g}")
    radius = 2 * np.max(rho) / (2 - np.max(eta) * lam)
    B = third_derivative_bound(x, radius)
    return theorem21_errors(product_loss(), _point(x), eta, rho, B=B)


def valley_error_curves(xs, eta, rho) -> dict:
    """:func:`valley_step_errors` at several valley points ``(x, 1/x)``, keyed
    ``"$x = {x}$"`` for :func:`samlib.plotting.plot_relative_errors`.

    Examples
    --------
    >>> curves = valley_error_curves([1.5, 2.0], 0.05, [0.01, 0.05])
    >>> list(curves)
    ['$x = 1.5$', '$x = 2.0$']
    """
    return {f"$x = {x}$": valley_step_errors(x, eta, rho) for x in xs}


def speed_checkpoints(path, eta, rho, levels, *, window: int = 10):
    """SAM's drift speed along the valley, measured and predicted, at checkpoints.

    The checkpoints are the first midpoints of the run (see
    :func:`measured_valley_speed`) whose valley sharpness ``x² + 1/x²`` falls below
    each of ``levels``.

    Parameters
    ----------
    path : array_like, shape (T, 2)
        One SAM run on ``½(xy - 1)²``.
    eta, rho : float
        Its step size and radius, for the prediction.
    levels : array_like
        Sharpness levels, decreasing.
    window : int
        Half-width of the central difference of :func:`measured_valley_speed`.

    Returns
    -------
    sharpness, measured, predicted : ndarray, shape (len(levels),)
        The sharpness at each checkpoint, the speed measured there and Theorem 21's
        :func:`predicted_valley_speed` (arc length per step, positive towards
        larger x).

    Raises
    ------
    ValueError
        If the run never gets below a level.

    Examples
    --------
    >>> from samlib import run_sam
    >>> path = run_sam(product_loss().grad, [3.0, 0.5], 0.1, 0.1, 1500)
    >>> lam, measured, predicted = speed_checkpoints(path, 0.1, 0.1, [6.0, 3.0])
    >>> bool(np.allclose(measured, predicted, rtol=0.02) and np.all(lam < [6, 3]))
    True
    """
    levels = np.atleast_1d(as_param(levels, "levels", positive=True))
    x, measured = measured_valley_speed(path, window)
    sharpness = x**2 + 1 / x**2
    below = sharpness[:, None] < levels
    if not np.all(below.any(axis=0)):
        missed = levels[~below.any(axis=0)]
        raise ValueError(f"the run never gets below the sharpness levels {missed}")
    idx = np.argmax(below, axis=0)
    return sharpness[idx], measured[idx], predicted_valley_speed(x[idx], eta, rho)


def speed_study(w0, eta, rhos, n_steps: int, levels, *, window: int = 10) -> dict:
    """SAM on ``½(xy - 1)²`` from ``w0`` for each radius of ``rhos`` (one batched
    run of ``n_steps`` steps), measured and predicted at :func:`speed_checkpoints`
    (Chapter 5.6).

    Returns
    -------
    dict of float to (ndarray, ndarray, ndarray)
        For each ρ, :func:`speed_checkpoints`' sharpness, measured speed and
        Theorem 21's speed at the ``levels``.

    Examples
    --------
    >>> speeds = speed_study([3.0, 0.5], 0.1, [0.1, 0.2], 1500, [6.0, 3.0])
    >>> sorted(speeds), len(speeds[0.1][0])
    ([0.1, 0.2], 2)
    """
    rhos = np.atleast_1d(as_param(rhos, "rhos", positive=True))
    paths = run_sam(product_loss().grad, w0, eta, rhos, n_steps)
    return {
        float(rho): speed_checkpoints(paths[:, k], eta, rho, levels, window=window)
        for k, rho in enumerate(rhos)
    }
