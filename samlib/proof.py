"""Theorem 3 and the quantities of its proof (Section 4 of the paper, Chapter 4).

SAM on ``ℓ(w) = ½ wᵀΛw`` is studied through the gradient ``v_t = Λw_t``, whose
components follow ``v_{t+1,i} = (1 - ηλi)(‖v_t‖ - γi) v_{t,i}/‖v_t‖``. Each function
below transcribes one definition, bound or step count of Sections 4.1–4.5, after
re-deriving it from the paper; where the printed statement has a typo, the docstring
says so and the function implements the corrected statement (Chapter 4 checks both).

The standing assumption of Section 4 is ``0 < η < 1/(2λ1)``; Lemmas 14–19 also use
``λ1 > λ2``. Functions whose lemma needs an assumption raise a ``ValueError`` naming
it. Constants are those of Lemma 5 (:func:`samlib.quadratic_constants`):
``γi = ηρλi²/(1-ηλi)``, ``βi = ηρλi²/(2-ηλi)``, ``b = ηρλ1²``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    as_count,
    as_eigenvalues,
    as_param,
    as_points,
    as_rng,
    as_scalar,
    float_or_array,
)
from samlib.quadratic import (
    Quadratic,
    cycle_distance,
    quadratic_constants,
    require_assumptions,
)
from samlib.steps import run_sam

__all__ = [
    "LEMMA7_CHAIN",
    "LEMMA11_HEADER",
    "THEOREM1_GAP_HEADER",
    "BallRuns",
    "BallStart",
    "CycleSettling",
    "KappaExponents",
    "Lemma6Runs",
    "Lemma7Pushforward",
    "Lemma11Chain",
    "Lemma14Steps",
    "SettlingStudy",
    "SphereRuns",
    "Theorem1Gap",
    "Theorem3Measurement",
    "ball_runs",
    "ball_start_constants",
    "cycle_settling_time",
    "delta_t",
    "entry_time",
    "gamma1_sphere_direction",
    "gamma1_sphere_runs",
    "gaussian_start_radius",
    "lemma6_descent_time",
    "lemma6_log_ratio_bound",
    "lemma6_runs",
    "lemma7_Delta",
    "lemma7_chain_extremes",
    "lemma7_density_growth_chain",
    "lemma7_epsilon",
    "lemma7_inverse",
    "lemma7_inverse_jacobian_det",
    "lemma7_jacobian_det",
    "lemma7_log_inv_Delta_bound",
    "lemma7_map",
    "lemma7_map_det_fd",
    "lemma7_pushforward",
    "lemma11_J_range",
    "lemma11_chain",
    "lemma11_count_bound",
    "lemma11_count_bound_J",
    "lemma11_high_steps",
    "lemma11_row",
    "lemma11_step_decrease",
    "lemma13_bound",
    "lemma14_T1",
    "lemma14_bad_step_factor",
    "lemma14_classify",
    "lemma14_log_ratio_bound",
    "lemma14_mu",
    "lemma14_steps",
    "lemma14_threshold",
    "lemma16_rhs",
    "lemma17_eps_max",
    "lemma17_steps",
    "lemma18_bound",
    "lemma18_eps_max",
    "lemma19_eps_max",
    "lemma19_steps",
    "lemmas17_19_bounds",
    "lemmas17_19_settling",
    "offaxis_ratio",
    "runs_from",
    "s_t",
    "sam_gradients",
    "sample_ball",
    "sample_shell",
    "sample_singular",
    "sample_sphere",
    "settling_study",
    "settling_time",
    "shell_density",
    "singular_density",
    "singular_mass_above",
    "squared_multipliers",
    "theorem1_degree_needed",
    "theorem1_eps_max",
    "theorem1_factor",
    "theorem1_gap",
    "theorem1_gap_rows",
    "theorem3_grid",
    "theorem3_kappa_exponents",
    "theorem3_series",
    "theorem3_steps",
    "theorem3_terms",
]


# --------------------------------------------------------------------------- helpers


def _setup(lams, eta, rho, where: str, *, gap: bool = False):
    """Check ``(lams, eta, rho)`` once, and the assumption ``η < 1/(2λ1)`` (and
    ``λ1 > λ2`` if ``gap``); return them with Lemma 5's constants."""
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", positive=True)
    require_assumptions.unchecked(lams if gap else lams[:1], eta, where=where)
    return lams, eta, rho, quadratic_constants.unchecked(lams, eta, rho)


def _rescaled(v):
    """``v`` divided by its largest |entry| (rows of zeros kept): the scale-free
    quantities below then never underflow or overflow when squared."""
    scale = np.max(np.abs(v), axis=-1, keepdims=True)
    return v / np.where(scale > 0, scale, 1.0)


# ---------------------------------------------------------- Definitions 12 and 15


def delta_t(v):
    """Definition 12: ``δ_t = 1 - |v_{t,1}|/‖v_t‖``, the share of ‖v_t‖ off e1.

    Computed as ``Σ_{i≥2} v_i² / (‖v‖ (‖v‖ + |v_1|))``, which equals the definition
    and keeps full relative accuracy when δ is tiny (no cancellation in ``1 - ...``).

    Parameters
    ----------
    v : array_like, shape (..., d)
        Gradient(s) ``v = Λw``, e.g. a whole trajectory ``(T, n, d)``.

    Returns
    -------
    float or ndarray
        Values in ``[0, 1]``: 0 when v lies on the e1 axis, 1 when ``v_1 = 0``.

    Examples
    --------
    >>> delta_t([3.0, 4.0])
    0.4
    """
    return float_or_array(_delta(as_points(v, name="v")))


def _delta(v):
    """:func:`delta_t` of checked gradients ``v``."""
    v = _rescaled(v)
    norm = np.linalg.norm(v, axis=-1)
    if np.any(norm == 0):
        raise ValueError("Definition 12 needs v ≠ 0 (δ_t divides by ‖v_t‖)")
    off = np.sum(v[..., 1:] ** 2, axis=-1)
    return np.clip(off / (norm * (norm + np.abs(v[..., 0]))), 0.0, 1.0)


def s_t(v):
    """Definition 15: ``s_t = sign(v_{t,1})`` (0 where ``v_{t,1} = 0``).

    Parameters
    ----------
    v : array_like, shape (..., d)

    Examples
    --------
    >>> s_t([[-0.5, 1.0], [2.0, 0.0]])
    array([-1.,  1.])
    """
    v = as_points(v, name="v")
    return float_or_array(np.sign(v[..., 0]))


def offaxis_ratio(v):
    """``Σ_{i≥2} v_i² / v_1²``, the quantity Lemmas 6, 13 and 14 track.

    Returns ``inf`` where ``v_1 = 0`` (and ``v`` has another non-zero component).

    Examples
    --------
    >>> offaxis_ratio([2.0, 1.0, 1.0])
    0.5
    """
    v = _rescaled(as_points(v, name="v"))
    off = np.sum(v[..., 1:] ** 2, axis=-1)
    first = v[..., 0] ** 2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(first > 0, off / np.where(first > 0, first, 1.0), np.inf)
    ratio = np.where((first == 0) & (off == 0), np.nan, ratio)
    if np.any(np.isnan(ratio)):
        raise ValueError("the off-axis ratio needs v ≠ 0")
    return float_or_array(ratio)


def lemma13_bound(v):
    """Lemma 13: ``δ_t ≤ ½ Σ_{i≥2} v_{t,i}²/v_{t,1}²``.

    The paper states the bound "whenever this bound is at most 1/2", but its proof's
    inequality ``1 - 1/√(1+α) ≤ α/2`` holds for every ``α ≥ 0``, so the bound holds
    for all v (it is only informative when it is below 1).

    Examples
    --------
    >>> lemma13_bound([2.0, 1.0])
    0.125
    """
    return float_or_array(0.5 * np.asarray(offaxis_ratio(v)))


# ------------------------------------------------------------- measured quantities


def entry_time(norms, b):
    """First index t with ``norms[t] ≤ b`` along axis 0 (−1 if there is none).

    With ``norms = ‖v_t‖`` and ``b = ηρλ1²`` this is the ``T0`` of Lemma 6: the step
    at which SAM enters the absorbing ball of Lemma 5, part 5.

    Parameters
    ----------
    norms : array_like, shape (T, ...)
    b : float

    Examples
    --------
    >>> entry_time([[3.0, 0.5], [1.0, 0.4], [0.2, 0.1]], 1.0)
    array([1, 0])
    """
    norms = np.asarray(norms, dtype=float)
    if norms.ndim == 0:
        raise ValueError("norms must have a time axis (shape (T, ...))")
    b = as_scalar(b, "b", positive=True)
    inside = norms <= b
    first = np.argmax(inside, axis=0)
    return np.where(inside.any(axis=0), first, -1)


def settling_time(dist, eps):
    """First index t after which ``dist[s] ≤ eps`` for every ``s ≥ t`` (axis 0).

    Returns −1 where the last entry still exceeds ``eps`` (not settled within the
    horizon). With ``dist`` the distance to the 2-cycle
    (:func:`samlib.cycle_distance`) this is the measured counterpart of
    Theorem 3's number of steps.

    Examples
    --------
    >>> settling_time([5.0, 0.1, 2.0, 0.1, 0.05], 0.5)
    3
    """
    dist = np.asarray(dist, dtype=float)
    if dist.ndim == 0:
        raise ValueError("dist must have a time axis (shape (T, ...))")
    eps = as_scalar(eps, "eps", positive=True)
    outside = dist > eps
    n = dist.shape[0]
    # index of the last step outside, +1; 0 if never outside
    last = n - np.argmax(outside[::-1], axis=0)
    result = np.where(outside.any(axis=0), last, 0)
    result = np.where(outside[-1], -1, result)
    return float_or_array(result) if np.ndim(result) else int(result)


@dataclass(frozen=True)
class SettlingStudy:
    """Settling times of a batch of SAM runs on a quadratic (:func:`settling_study`).

    Attributes
    ----------
    lams : ndarray
        The eigenvalues.
    settle : ndarray, shape batch
        :func:`settling_time` of each run, −1 if it has not settled by ``n_steps``.
    ends : ndarray, shape (keep, *batch, d)
        The last ``keep`` iterates of each run.
    n_steps : int
    """

    lams: np.ndarray
    settle: np.ndarray
    ends: np.ndarray
    n_steps: int

    @property
    def settled(self) -> float:
        """The fraction of runs that settled within ``n_steps``."""
        return float(np.mean(self.settle >= 0))

    def quantiles(self, q=(0, 0.1, 0.5, 0.9, 1)) -> np.ndarray:
        """Integer quantiles of the settling times, a run that has not settled
        counted as ``n_steps + 1``."""
        times = np.where(self.settle < 0, self.n_steps + 1, self.settle)
        return np.quantile(times, q).astype(int)

    def summary(self) -> str:
        """The smallest eigenvalue, the share of runs settled and the quantiles
        0/10/50/90/100 % of :meth:`quantiles`, as one line."""
        q = self.quantiles()
        return (
            f"smallest λ {self.lams[-1]:.2f}: {self.settled:.2%} settled, quantiles {q}"
        )

    @property
    def alternates(self) -> np.ndarray:
        """For each run, whether its kept iterates lie on alternating sides of the
        ravine: ``w_{t,1} w_{t+1,1} < 0`` for each pair of consecutive ones."""
        first = self.ends[..., 0]
        return np.all(first[:-1] * first[1:] < 0, axis=0)


def settling_study(
    lams, eta, rho, starts, n_steps, eps, *, relative=False, strict=True, keep=2
) -> SettlingStudy:
    """Run SAM on ``½wᵀΛw`` from a batch of starts and measure when each run
    settles on the 2-cycle ``±c e1`` of Theorem 2 (Chapter 3).

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float or array_like
        As in :func:`samlib.run_sam`: arrays broadcast against the batch shape
        ``starts.shape[:-1]``.
    starts : array_like, shape (..., d)
    n_steps : int
    eps : float
        The accuracy: a run has settled from the first ``t`` after which its
        distance to the cycle (:func:`samlib.cycle_distance`) stays ``≤ eps``.
    relative : bool
        Measure the distance in units of ``c = ηρλ1/(2 - ηλ1)``.
    strict : bool
        As in :func:`samlib.cycle_distance`: by default raise unless Theorem 2's
        assumptions hold; ``strict=False`` allows any ``ηλ1 < 2``.
    keep : int
        How many of the last iterates to keep.

    Examples
    --------
    >>> s = settling_study([1.0, 0.5], 0.2, 1.0, [[2.0, 2.0], [1.0, -3.0]], 200, 1e-6)
    >>> s.settled, s.ends.shape
    (1.0, (2, 2, 2))
    """
    lams = as_eigenvalues(lams)
    keep = as_count(keep, "keep", minimum=1)
    paths = run_sam(Quadratic(lams).grad, starts, eta, rho, n_steps)
    far = cycle_distance(paths, lams, eta, rho, strict=strict)
    if relative:
        far = far / (eta * rho * lams[0] / (2 - eta * lams[0]))
    return SettlingStudy(
        lams=lams,
        settle=np.asarray(settling_time(far, eps)),
        ends=paths[-keep:].copy(),
        n_steps=paths.shape[0] - 1,
    )


@dataclass(frozen=True)
class BallStart:
    """Theorem 3's initialisation parameters for ``w0`` uniform in a ball.

    Attributes
    ----------
    R : float
        Radius of the ball: ``‖w0‖ ≤ R`` with probability 1.
    A : float
        The density of w0, ``1/vol(B_R) = Γ(d/2+1)/(π^{d/2} R^d)``.
    q : float
        ``Pr[w0,1² < q] ≤ delta``.
    delta : float
        The failure probability the parameters were computed for.
    """

    R: float
    A: float
    q: float
    delta: float


def ball_start_constants(d, R, delta) -> BallStart:
    """Theorem 3's ``(R, A, q)`` for a start ``w0`` uniform in the ball ``‖w‖ ≤ R``.

    The first coordinate ``x = w0,1/R`` of a uniform point of the unit ball in ``R^d``
    has density ``f(x) = c_d (1 - x²)^{(d-1)/2}`` with
    ``c_d = Γ(d/2+1)/(√π Γ((d+1)/2))``, largest at 0, so
    ``Pr[|w0,1| < a R] ≤ 2 a c_d``. Choosing ``a = δ/(2c_d)`` and ``q = (aR)²`` gives
    ``Pr[w0,1² < q] ≤ δ``; ``‖w0‖ ≤ R`` always holds.

    Parameters
    ----------
    d : int
        Dimension, ``d ≥ 1``.
    R : float
        Radius of the ball.
    delta : float
        Failure probability, ``0 < δ < 1``.

    Examples
    --------
    >>> s = ball_start_constants(1, 2.0, 0.1)
    >>> round(s.A, 6), round(s.q, 6)
    (0.25, 0.04)
    """
    d = as_count(d, "d", minimum=1)
    R = as_scalar(R, "R", positive=True)
    delta = as_scalar(delta, "delta", positive=True)
    if not delta < 1:
        raise ValueError(f"delta is a probability: need 0 < δ < 1, got δ = {delta}")
    log_A = math.lgamma(d / 2 + 1) - (d / 2) * math.log(math.pi) - d * math.log(R)
    c_d = math.exp(math.lgamma(d / 2 + 1) - math.lgamma((d + 1) / 2)) / math.sqrt(
        math.pi
    )
    a = delta / (2 * c_d)
    return BallStart(R=R, A=math.exp(log_A), q=(a * R) ** 2, delta=delta)


def gaussian_start_radius(p, d) -> float:
    """The radius ``R`` with ``Pr[‖w0‖ > R] = p`` for a Gaussian start
    ``w0 ~ N(0, I_d)``: ``R²`` is the ``1 - p`` quantile of the ``χ²_d``
    distribution (Chapter 4.5's exercise on a Gaussian start, with ``p = δ/2``).

    Parameters
    ----------
    p : float
        Tail probability, ``0 < p < 1``.
    d : int
        Dimension, ``d ≥ 1``.

    Examples
    --------
    >>> R = gaussian_start_radius(0.005, 2)  # χ²_2 tail e^{-R²/2}
    >>> bool(np.isclose(np.exp(-R**2 / 2), 0.005))
    True
    """
    from scipy.stats import chi2

    p = as_scalar(p, "p", positive=True)
    d = as_count(d, "d", minimum=1)
    if not p < 1:
        raise ValueError(f"p is a probability: need 0 < p < 1, got p = {p}")
    return float(np.sqrt(chi2.isf(p, df=d)))


def sample_ball(n, d, radius, seed):
    """``n`` points drawn uniformly from the ball ``‖w‖ ≤ radius`` in ``R^d``.

    A Gaussian direction times ``radius · U^{1/d}`` with ``U`` uniform on [0, 1].

    Parameters
    ----------
    n, d : int
    radius : float
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (n, d)
    """
    radius = as_scalar(radius, "radius", positive=True)
    g, rng = _directions(n, d, seed)
    return g * radius * rng.random((len(g), 1)) ** (1 / g.shape[1])


def sample_sphere(radii, d, seed):
    """One point of norm ``radii[k]`` for each k, in a uniformly random direction
    of ``R^d`` (a normalised Gaussian, as in :func:`sample_ball`).

    Parameters
    ----------
    radii : array_like, shape (n,)
        The norms, positive.
    d : int
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> np.linalg.norm(sample_sphere([1.0, 5.0], 3, seed=0), axis=1).round(12)
    array([1., 5.])
    """
    radii = np.atleast_1d(as_param(radii, "radii", positive=True))
    if radii.ndim != 1:
        raise ValueError(f"radii must be one-dimensional, got shape {radii.shape}")
    g, _ = _directions(radii.size, d, seed)
    return radii[:, None] * g


def _directions(n, d, seed):
    """``n`` checked random unit vectors of ``R^d`` (Gaussian, normalised) and the
    generator that drew them, for the samplers above and below."""
    n = as_count(n, "n", minimum=1)
    d = as_count(d, "d", minimum=1)
    rng = as_rng(seed)
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True), rng


def squared_multipliers(radii, lams, eta, rho):
    """``v_{t+1,i}²/v_{t,i}²`` as a function of ``‖v_t‖``, measured by one SAM step
    (Lemma 5, parts 1–3; Chapter 4's figure of the multipliers).

    From ``v_t = r (1, ..., 1)/√d`` for each ``r`` in ``radii``, one step of
    :func:`sam_gradients`. By the recurrence the result is
    ``((1 - ηλi)(r - γi)/r)²``, which crosses 1 at ``r = βi``.

    Parameters
    ----------
    radii : array_like, shape (n,)
        Gradient norms ``‖v_t‖ > 0``.
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    At ``‖v‖ = β1 = 1/9`` the first component keeps its magnitude, and the second
    is multiplied by ``1 - ηλ2 - ηρλ2²/β1 = 0.45``:

    >>> squared_multipliers([1 / 9], [1.0, 0.5], 0.2, 1.0).round(6)
    array([[1.    , 0.2025]])
    """
    lams = as_eigenvalues(lams)
    radii = np.atleast_1d(as_param(radii, "radii", positive=True))
    probe = radii[:, None] * np.ones(lams.size) / math.sqrt(lams.size)  # ‖probe‖ = r
    return (sam_gradients(probe, lams, eta, rho, 1)[1] / probe) ** 2


# ------------------------------------------------------------------ Lemmas 6 and 7


def lemma6_descent_time(lams, eta, rho, R):
    """Lemma 6: ``T = [log(R/b)]_+ / (ηλd)``; ``‖v0‖ ≤ R`` gives ``‖v_t‖ ≤ b``
    for every ``t ≥ T``.

    The proof: while ``‖v_t‖ ≥ b ≥ γ1/2`` each component satisfies
    ``(‖v_t‖ - γi)² ≤ ‖v_t‖²``, so ``‖v_{t+1}‖ ≤ (1 - ηλd)‖v_t‖`` (eq. 5), and the
    ball ``‖v‖ ≤ b`` is absorbing (Lemma 5, part 5).

    Parameters
    ----------
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        ``0 < η < 1/(2λ1)``, ρ > 0.
    R : float or array_like
        Bound(s) on the initial gradient norm ``‖v0‖ = ‖Λw0‖``, one per start.

    Returns
    -------
    float or ndarray
        T, of the shape of ``R``.

    Examples
    --------
    >>> round(lemma6_descent_time([1.0, 0.5], 0.2, 1.0, R=2.0), 4)
    23.0259
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 6")
    R = as_param(R, "R", positive=True)
    return float_or_array(np.maximum(np.log(R / c.b), 0.0) / (eta * lams[-1]))


def lemma6_log_ratio_bound(lams, eta, rho, R, Delta, v0, *, corrected=True):
    """Lemma 6, second part: the bound on ``log(Σ_{i≥2} v_{T0,i}²/v_{T0,1}²)``.

    If ``‖v0‖ ≤ R`` and ``|‖v_t‖ - γ1| ≥ Δ`` for all t, then at the first step T0
    inside the ball ``‖v‖ ≤ b``,

    ``log(Σ_{i≥2} v_{T0,i}²/v_{T0,1}²) ≤ ((2/(ηλd)) [log(R/b)]_+ + 2) log(2R/Δ)
    + log(R²/v_{0,1}²)``.

    Each step outside the ball multiplies ``v_i²/v_1²`` by at most
    ``(1-ηλd)²R²/((1-ηλ1)²Δ²) ≤ (2R/Δ)²``, and there are ``T0 ≤ ⌈T⌉ ≤ T + 1``
    such steps (T of :func:`lemma6_descent_time`). The paper bounds T0 by T itself
    and prints the bound without the ``+ 2`` (``corrected=False``); an integer T0 is
    only guaranteed to be ``≤ ⌈T⌉``, and the printed form fails when T < 1
    (Chapter 4, ``check-lem-6``).

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma6_descent_time`.
    R : float or array_like
        ``‖v0‖ ≤ R`` (one per start, or one for all).
    Delta : float or array_like
        ``Δ > 0`` with ``|‖v_t‖ - γ1| ≥ Δ`` along the trajectory (one per start).
    v0 : array_like, shape (d,) or (n, d)
        The initial gradient(s) ``v0 = Λw0``.
    corrected : bool
        The statement with ``⌈T⌉`` (True, default) or the paper's printed one.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 6")
    R = as_param(R, "R", positive=True)
    Delta = as_param(Delta, "Delta", positive=True)
    v0 = as_points(v0, name="v0", d=lams.size)
    if np.any(np.linalg.norm(v0, axis=-1) > R * (1 + 1e-12)):
        raise ValueError("Lemma 6 assumes ‖v0‖ ≤ R")
    if np.any(v0[..., 0] == 0):
        raise ValueError("Lemma 6's ratio bound needs v0,1 ≠ 0")
    steps = 2 / (eta * lams[-1]) * np.maximum(np.log(R / c.b), 0.0)
    if corrected:
        steps = steps + 2
    bound = steps * np.log(2 * R / Delta) + np.log(R**2 / v0[..., 0] ** 2)
    return float_or_array(bound)


@dataclass(frozen=True)
class Lemma6Runs:
    """SAM runs followed in the gradient, measured against Lemma 6
    (:func:`lemma6_runs`); every array but ``V`` and ``norms`` has the batch shape.

    Attributes
    ----------
    V : ndarray, shape (n_steps + 1, *batch, d)
        ``v_t`` (:func:`sam_gradients`).
    norms : ndarray, shape (n_steps + 1, *batch)
        ``‖v_t‖``.
    R : ndarray
        ``‖v0‖``, the smallest R of the lemma.
    T : ndarray
        :func:`lemma6_descent_time` at R.
    T0 : ndarray
        :func:`entry_time`: the first t with ``‖v_t‖ ≤ b`` (−1 if none yet).
    Delta : ndarray
        ``min_t |‖v_t‖ - γ1|`` over the steps run, the largest Δ of the lemma.
    log_ratio : ndarray
        ``log(Σ_{i≥2} v_{T0,i}²/v_{T0,1}²)`` (``inf`` where ``v_{0,1} = 0``).
    log_bound, log_bound_printed : ndarray
        :func:`lemma6_log_ratio_bound` at ``(R, Δ, v0)``, corrected and as printed
        (``inf`` where ``v_{0,1} = 0``).
    log_growth : ndarray
        ``log_ratio`` minus the same logarithm at ``t = 0``: what the descent did to
        the off-axis ratio (NaN where ``v_{0,1} = 0``).
    b : float
        ``ηρλ1²``, the radius of the absorbing ball.
    """

    V: np.ndarray
    norms: np.ndarray
    R: np.ndarray
    T: np.ndarray
    T0: np.ndarray
    Delta: np.ndarray
    log_ratio: np.ndarray
    log_bound: np.ndarray
    log_bound_printed: np.ndarray
    log_growth: np.ndarray
    b: float

    def growth_bound(self, *, printed: bool = False):
        """Lemma 6's bound on the growth of the off-axis ratio up to ``T0``,
        ``(2R/Δ)^(2⌈T⌉)``, or as printed in the paper's eq. (4), ``(2R/Δ)^(2T)``."""
        exponent = 2 * (self.T if printed else np.ceil(self.T))
        with np.errstate(over="ignore"):  # +inf: a bound that says nothing
            return (2 * self.R / self.Delta) ** exponent

    @property
    def shrink_outside(self) -> np.ndarray:
        """``‖v_{t+1}‖/‖v_t‖`` at every step with ``‖v_t‖ ≥ b`` (eq. 5 bounds it by
        ``1 - ηλd``), flattened over steps and runs."""
        outside = self.norms[:-1] >= self.b
        return self.norms[1:][outside] / self.norms[:-1][outside]


def lemma6_runs(v0, lams, eta, rho, n_steps=None) -> Lemma6Runs:
    """Run SAM from each ``v0`` and measure what Lemma 6 speaks about: the entry
    time ``T0`` into the ball ``‖v‖ ≤ b`` against ``T``, the margin Δ from the
    sphere ``‖v‖ = γ1``, and the off-axis ratio at ``T0`` against its bound.

    Parameters
    ----------
    v0 : array_like, shape (d,) or (..., d)
        Initial gradients, nonzero.
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        ``0 < η < 1/(2λ1)``, ρ > 0.
    n_steps : int, optional
        How many steps to run; at least ``⌈T⌉`` for ``T0`` to be found. By default
        ``⌈T⌉ + 1`` for the largest ``‖v0‖``.

    Examples
    --------
    >>> r = lemma6_runs([[3.0, 1.0], [0.5, 0.5]], [1.0, 0.5], 0.2, 1.0, 40)
    >>> r.T0, bool(np.all(r.T0 <= np.ceil(r.T)))
    (array([9, 4]), True)
    >>> bool(np.all(r.log_ratio <= r.log_bound))
    True
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 6")
    v0 = as_points(v0, name="v0", d=lams.size)
    R = np.linalg.norm(v0, axis=-1)
    T = np.asarray(lemma6_descent_time(lams, eta, rho, R))
    if n_steps is None:
        n_steps = math.ceil(T.max()) + 1
    V = sam_gradients(v0, lams, eta, rho, as_count(n_steps, "n_steps", minimum=1))
    norms = np.linalg.norm(V, axis=-1)
    T0 = np.asarray(entry_time(norms, c.b))
    Delta = np.abs(norms - c.gamma[0]).min(axis=0)
    at_T0 = np.take_along_axis(V, T0[None, ..., None], axis=0)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(np.asarray(offaxis_ratio(at_T0)))
        log_growth = log_ratio - np.log(np.asarray(offaxis_ratio(v0)))
    on_axis = v0[..., 0] == 0  # the bound is +inf there: log(R²/v_{0,1}²)
    e1_R = np.multiply.outer(R, np.eye(lams.size)[0])  # any start of norm R off it
    args = (lams, eta, rho, R, Delta, np.where(on_axis[..., None], e1_R, v0))

    def bound(**kwargs):
        return np.where(on_axis, np.inf, lemma6_log_ratio_bound(*args, **kwargs))

    return Lemma6Runs(
        V=V,
        norms=norms,
        R=R,
        T=T,
        T0=T0,
        Delta=Delta,
        log_ratio=log_ratio,
        log_bound=bound(),
        log_bound_printed=bound(corrected=False),
        log_growth=log_growth,
        b=c.b,
    )


def _lemma7_parts(lams, eta, rho, R, A, delta):
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 7")
    R = as_scalar(R, "R", positive=True)
    A = as_scalar(A, "A", positive=True)
    delta = as_scalar(delta, "delta", positive=True)
    L = math.log(R / c.b)
    if not L > 0:
        raise ValueError(
            f"Lemma 7's Δ needs R > b = ηρλ1² = {c.b:.6g} (T̄0 ≥ 1), got R = {R:.6g}; "
            "for R ≤ b every ‖v_t‖ ≤ b and |‖v_t‖ - γ1| ≥ γ1 - b = ηλ1γ1 already"
        )
    d, etalam_d, g1 = lams.size, eta * lams[-1], c.gamma[0]
    growth = (  # log(9·6^{d+3} R³ / ((ηλd)^{d+3} γ1³)): density growth per step
        math.log(9)
        + (d + 3) * math.log(6)
        + 3 * math.log(R)
        - (d + 3) * math.log(etalam_d)
        - 3 * math.log(g1)
    )
    ring = (  # log(4 π^{d/2} (2γ1)^{d-1} A / (Γ(d/2) δ)), without the T̄0 factor
        math.log(4)
        + (d / 2) * math.log(math.pi)
        + (d - 1) * math.log(2 * g1)
        + math.log(A)
        - math.lgamma(d / 2)
        - math.log(delta)
    )
    return L / etalam_d, growth, ring


def lemma7_Delta(lams, eta, rho, R, A, delta, *, log: bool = False):
    """Lemma 7's margin Δ: with probability ``1 - 2δ``, ``|‖v_t‖ - γ1| ≥ Δ`` for all t.

    ``Δ = Γ(d/2) δ / (4π^{d/2} (2γ1)^{d-1} T̄0 A) · ((ηλd)^{d+3} γ1³ /
    (9·6^{d+3} R³))^{T̄0}`` with ``T̄0 = ⌈[log(R/b)]_+/(ηλd)⌉``.

    Δ is astronomically small (it underflows to 0.0 for most settings); pass
    ``log=True`` for ``log Δ`` (natural log).

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma6_descent_time`.
    R : float
        ``Pr[‖v0‖ > R] ≤ δ``; must exceed ``b`` (see Raises).
    A : float
        Upper bound on the density of ``v0`` (the density of ``w0`` divided by
        ``det Λ``).
    delta : float
        δ > 0.

    Raises
    ------
    ValueError
        If ``R ≤ b``: then ``T̄0 = 0`` and the formula divides by zero, while the
        conclusion holds trivially with ``Δ = γ1 - b``.
    """
    T, growth, ring = _lemma7_parts(lams, eta, rho, R, A, delta)
    T0bar = math.ceil(T)
    log_delta = -(ring + math.log(T0bar) + T0bar * growth)
    return log_delta if log else math.exp(log_delta)


def lemma7_log_inv_Delta_bound(lams, eta, rho, R, A, delta, *, corrected=True):
    """The paper's simplified bound on ``log(1/Δ)`` after Lemma 7 ("Thus, ...").

    The paper replaces ``T̄0 = ⌈[log(R/b)]_+/(ηλd)⌉`` by ``[log(R/b)]_+/(ηλd)``,
    which is smaller, so its printed bound (``corrected=False``) is slightly *below*
    ``log(1/Δ)`` whenever ``[log(R/b)]_+/(ηλd)`` is not an integer. With
    ``corrected=True`` (default) ``T̄0 ≤ [log(R/b)]_+/(ηλd) + 1`` is used instead,
    which gives a true upper bound.

    Parameters
    ----------
    lams, eta, rho, R, A, delta
        As in :func:`lemma7_Delta`.
    corrected : bool
        Use ``T + 1`` (True) or the paper's ``T`` (False) in place of ``T̄0``.
    """
    T, growth, ring = _lemma7_parts(lams, eta, rho, R, A, delta)
    Tb = T + 1 if corrected else T
    return Tb * growth + ring + math.log(Tb)


# ----------------------------------------------- Chapter 4: Lemmas 5–7 step by step
#
# SAM in the gradient coordinates ``v = Λw`` of Sections 4.1–4.2, and the pieces of
# the proof of Lemma 7: outside the sphere ``‖v‖ = γ1`` one SAM step is the map
# ``f(v) = Gv - Hv/‖v‖`` with ``G = diag(gi)``, ``gi = 1 - ηλi``, and
# ``H = diag(hi)``, ``hi = giγi = ηρλi²``; the proof inverts f, computes the Jacobian
# determinant of its inverse (eq. 6) and bounds it on ``γ1 + ε ≤ ‖v‖ ≤ R``.


def sam_gradients(v0, lams, eta, rho, n_steps):
    """SAM on ``½wᵀΛw`` followed in the gradient ``v_t = Λw_t`` (Section 4).

    Runs :func:`samlib.run_sam` from ``w0 = Λ⁻¹v0`` and returns ``Λw_t``: the
    trajectory that Lemmas 5–7 speak about, computed by SAM itself (eq. 2), not by
    the recurrence ``v_{t+1,i} = (1 - ηλi)(‖v_t‖ - γi)v_{t,i}/‖v_t‖`` that the
    lemmas are derived from.

    Parameters
    ----------
    v0 : array_like, shape (d,) or (..., d)
        Initial gradient(s).
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float or array_like
        As in :func:`samlib.run_sam` (no assumption on η: this is a simulation).
    n_steps : int

    Returns
    -------
    ndarray, shape (n_steps + 1, *v0.shape)

    Examples
    --------
    From ``β1 e1`` (``β1 = ηρλ1²/(2 - ηλ1) = 1/9``) SAM jumps to ``-β1 e1`` and back:

    >>> sam_gradients([1 / 9, 0.0], [1.0, 0.5], 0.2, 1.0, 2)[:, 0].round(4)
    array([ 0.1111, -0.1111,  0.1111])
    """
    lams = as_eigenvalues(lams)
    v0 = as_points(v0, name="v0", d=lams.size)

    def grad(w):  # ∇ℓ(w) = Λw
        return lams * w

    return lams * run_sam(grad, v0 / lams, eta, rho, n_steps)


def gamma1_sphere_direction(lams, eta, rho, seed, *, tries: int = 1000):
    """A unit vector u such that SAM's step from ``v0 = γ1 u`` sets ``v_{1,1}`` to
    exactly 0 in floating point (the event that Lemma 7 shows to be rare).

    On the sphere ``‖v‖ = γ1`` the first component's factor ``(1 - ηλ1)(‖v‖ - γ1)``
    vanishes, but in floating point ``‖γ1 u‖`` is γ1 only up to rounding. This
    draws ``tries`` random directions (from ``seed``) and returns the first for
    which one step of :func:`sam_gradients` gives an exact zero.

    Raises
    ------
    ValueError
        If none of ``tries`` directions does.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 7")
    u, _ = _directions(tries, lams.size, seed)
    # one batched step: each row gives the bits it would give alone (samlib.run_sam)
    exact = np.flatnonzero(
        sam_gradients(c.gamma[0] * u, lams, eta, rho, 1)[1, :, 0] == 0
    )
    if exact.size == 0:
        raise ValueError(f"no direction out of {len(u)} gives an exact zero")
    return u[exact[0]]


@dataclass(frozen=True)
class SphereRuns:
    """SAM runs started near the sphere ``‖v‖ = γ1`` (:func:`gamma1_sphere_runs`).

    Attributes
    ----------
    V : ndarray, shape (n_steps + 1, k, d)
        ``v_t`` of each run (one per offset).
    delta : ndarray, shape (n_steps + 1, k)
        :func:`delta_t` along each run.
    recovery : ndarray, shape (k,)
        The first ``t ≥ 1`` with ``δ_t ≤`` the threshold, −1 if there is none.
    """

    V: np.ndarray
    delta: np.ndarray
    recovery: np.ndarray


def gamma1_sphere_runs(offsets, lams, eta, rho, n_steps, seed, *, threshold=0.01):
    """Lemma 7's danger: SAM from ``v0 = γ1(1 + offset) u`` for each offset, with u
    from :func:`gamma1_sphere_direction` (at offset 0 the first component is zeroed
    exactly), and how long ``δ_t`` takes to come back to ``threshold``.

    The first step multiplies ``v_1`` by ``(1 - ηλ1)(‖v0‖ - γ1)/‖v0‖``, about
    ``(1 - ηλ1) offset``, so δ jumps to almost 1 and recovers in a number of steps
    that grows like ``log(1/offset)``; at offset 0 it never does.

    Parameters
    ----------
    offsets : array_like, shape (k,)
        Relative distances from the sphere, ``≥ 0``.
    lams, eta, rho
        As in :func:`gamma1_sphere_direction`.
    n_steps : int
    seed : int or numpy.random.Generator
        For the direction u.
    threshold : float

    Examples
    --------
    >>> runs = gamma1_sphere_runs([1e-2, 1e-8, 0.0], [1.0, 0.5], 0.2, 1.0, 300, 0)
    >>> runs.recovery.tolist(), float(runs.V[-1, -1, 0])
    ([5, 12, -1], 0.0)
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 7")
    offsets = np.atleast_1d(as_param(offsets, "offsets", nonneg=True))
    threshold = as_scalar(threshold, "threshold", positive=True)
    u = gamma1_sphere_direction(lams, eta, rho, seed)
    near = c.gamma[0] * (1 + offsets)[:, None] * u
    V = sam_gradients(near, lams, eta, rho, n_steps)
    delta = np.asarray(delta_t(V))
    first = np.asarray(entry_time(delta[1:], threshold))
    return SphereRuns(V=V, delta=delta, recovery=np.where(first >= 0, first + 1, -1))


def sample_shell(n, d, r_min, r_max, seed):
    """``n`` points uniform in the shell ``r_min ≤ ‖v‖ ≤ r_max`` of ``R^d``.

    A Gaussian direction times the radius ``(r_min^d + U (r_max^d - r_min^d))^{1/d}``
    with ``U`` uniform on [0, 1] (the radius's distribution function is
    ``(r^d - r_min^d)/(r_max^d - r_min^d)``). Its density is
    ``Γ(d/2 + 1)/(π^{d/2}(r_max^d - r_min^d))`` on the shell.

    Parameters
    ----------
    n, d : int
    r_min, r_max : float
        ``0 ≤ r_min < r_max``.
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (n, d)
    """
    r_min = as_scalar(r_min, "r_min", nonneg=True)
    r_max = as_scalar(r_max, "r_max", positive=True)
    if not r_min < r_max:
        raise ValueError(f"the shell needs r_min < r_max, got {r_min} ≥ {r_max}")
    g, rng = _directions(n, d, seed)
    d = g.shape[1]
    u = rng.random((len(g), 1))
    return g * (r_min**d + u * (r_max**d - r_min**d)) ** (1 / d)


def shell_density(v, r_min, r_max):
    """The density of the uniform distribution on ``r_min ≤ ‖v‖ ≤ r_max``
    (:func:`sample_shell`): ``Γ(d/2 + 1)/(π^{d/2}(r_max^d - r_min^d))`` inside the
    shell, 0 outside.

    Examples
    --------
    >>> shell_density([[0.5, 0.0], [2.0, 0.0]], 0.0, 1.0).round(6)  # 1/π inside
    array([0.31831, 0.     ])
    """
    v = as_points(v, name="v")
    r_min = as_scalar(r_min, "r_min", nonneg=True)
    r_max = as_scalar(r_max, "r_max", positive=True)
    if not r_min < r_max:
        raise ValueError(f"the shell needs r_min < r_max, got {r_min} ≥ {r_max}")
    d = v.shape[-1]
    log_volume = (d / 2) * math.log(math.pi) - math.lgamma(d / 2 + 1)
    volume = math.exp(log_volume) * (r_max**d - r_min**d)
    r = np.linalg.norm(v, axis=-1)
    return float_or_array(((r >= r_min) & (r <= r_max)) / volume)


def _lemma7_gh(lams, eta, rho):
    """Checked ``(lams, γ, g, h)`` of the map f (Lemma 7's standing assumption)."""
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 7")
    g = 1 - eta * lams
    return lams, c.gamma, g, g * c.gamma


def lemma7_epsilon(lams, eta, rho) -> float:
    """Lemma 7's margin ``ε = ηλdγ1/(2 - ηλd)`` around the sphere ``‖v‖ = γ1``.

    Chosen so that ``(1 - ηλd)(γ1 + ε) = γ1 - ε``: by eq. (5) a step from
    ``‖v_t‖ < γ1 + ε`` (and ``≥ b``) lands at ``‖v_{t+1}‖ < γ1 - ε``, and from then
    on the norm stays below ``γ1 - ε`` (it shrinks while ``≥ b`` and the ball
    ``‖v‖ ≤ b`` is absorbing, with ``b < γ1 - ε``). So SAM can come near γ1 only at
    steps that follow steps with ``‖v_t‖ ≥ γ1 + ε``, where f is applied.

    Examples
    --------
    >>> round(lemma7_epsilon([1.0, 0.5], 0.2, 1.0), 6)  # 0.1 · 0.25 / 1.9
    0.013158
    """
    lams, gamma, _, _ = _lemma7_gh(lams, eta, rho)
    return _epsilon(float(eta) * lams[-1], gamma[0])


def _epsilon(etalam_d, gamma1) -> float:
    return float(etalam_d * gamma1 / (2 - etalam_d))


def _radius(v, gamma1, where):
    r = np.linalg.norm(v, axis=-1)
    if not np.all(r > gamma1):
        raise ValueError(
            f"{where} is defined on ‖v‖ > γ1 = {gamma1:.6g} (Lemma 7's domain), got "
            f"‖v‖ = {r.min():.6g}"
        )
    return r


def lemma7_map(v, lams, eta, rho):
    """Lemma 7's map ``f(v) = Gv - Hv/‖v‖``: one SAM step on ``‖v‖ > γ1``.

    Component by component ``f(v)_i = (1 - ηλi)(‖v‖ - γi) v_i/‖v‖``, SAM's step in
    the gradient coordinates (Section 4). The paper's display of f has ``+H``; its
    next line, ``y = Gv - Hv̂``, and the recurrence have ``-H``, the correct sign.

    Parameters
    ----------
    v : array_like, shape (..., d)
        Points with ``‖v‖ > γ1``.
    lams, eta, rho
        ``λ1 ≥ ... ≥ λd > 0``, ``0 < η < 1/(2λ1)``, ρ > 0.
    """
    lams, gamma, g, h = _lemma7_gh(lams, eta, rho)
    v = as_points(v, name="v", d=lams.size)
    return _f(v, _radius(v, gamma[0], "f"), g, h)


def _f(v, r, g, h):
    """Lemma 7's map on checked points ``v`` of norms ``r``."""
    return g * v - h * v / r[..., None]


def lemma7_inverse(y, lams, eta, rho):
    """The inverse of :func:`lemma7_map`: the ``v`` with ``‖v‖ > γ1`` and ``f(v) = y``.

    Writing ``v = r v̂`` gives ``y = (rG - H)v̂`` with ``rG - H = diag(gi(r - γi))``
    positive for ``r > γ1 ≥ γi``, so ``r`` solves ``φ(r) = Σ yi²/(gi(r - γi))² = 1``
    and ``v = r(rG - H)⁻¹y``. On ``(γ1, ∞)`` φ decreases strictly from ``+∞`` (when
    ``y1 ≠ 0``) to 0, so the root, and hence v, is unique: f is invertible there.
    The root is found by Newton's method on ``φ(r)^{-1/2} - 1``, an increasing
    concave function of r (a power mean with exponent -2), started from the lower
    bound ``max(γ1 + |y1|/g1, ‖y‖/gd)`` of the root: the iterates increase to it.
    The unknown is ``s = r - γ1``, so that ``r - γ1`` loses no digits when the root
    is close to γ1 (small ``y1``).

    Parameters
    ----------
    y : array_like, shape (..., d)
        Points with ``y1 ≠ 0`` (every point of f's image but a null set).
    lams, eta, rho
        As in :func:`lemma7_map`.
    """
    lams, gamma, g, _ = _lemma7_gh(lams, eta, rho)
    return _f_inverse(_image_points(y, lams.size), gamma, g)[0]


def _image_points(y, d):
    y = as_points(y, name="y", d=d)
    if np.any(y[..., 0] == 0):
        raise ValueError("Lemma 7's inverse map is computed for y1 ≠ 0")
    return y


def _f_inverse(y, gamma, g):
    """``(f⁻¹(y), s = ‖f⁻¹(y)‖ - γ1)`` for checked points ``y`` (``y1 ≠ 0``)."""
    y2, gap = y**2, gamma[0] - gamma  # gap ≥ 0: r - γi = s + (γ1 - γi), s = r - γ1
    s = np.maximum(np.abs(y[..., 0]) / g[0], np.sqrt(y2.sum(-1)) / g[-1] - gamma[0])
    for _ in range(200):  # Newton in s = r - γ1 > 0, free of cancellation near γ1
        q = g * (s[..., None] + gap)
        phi = np.sum(y2 / q**2, axis=-1)
        slope = np.sum(y2 * g / q**3, axis=-1)  # -φ'/2
        step = np.maximum((phi**1.5 - phi) / slope, 0.0)
        s = s + step
        if np.all(step <= 4e-16 * s):
            break
    r = gamma[0] + s
    return r[..., None] * y / (g * (s[..., None] + gap)), s


def lemma7_jacobian_det(v, lams, eta, rho):
    """``det ∇f(v)`` in closed form, for Lemma 7's map f.

    ``∇f(v) = diag(gi - hi/r) + Hvvᵀ/r³`` with ``r = ‖v‖``, a diagonal matrix plus a
    rank-one one, so ``det(D + abᵀ) = det D (1 + bᵀD⁻¹a)`` gives

    ``det ∇f(v) = Π_i gi(1 - γi/r) · Σ_k v̂k² r/(r - γk)``, ``v̂ = v/r``,

    and ``det ∇f⁻¹(f(v)) = 1/det ∇f(v)``. The sum is at least 1, so
    ``|det ∇f⁻¹| ≤ 1/Π_i(gi - hi/r)``.

    Parameters
    ----------
    v : array_like, shape (..., d)
        Points with ``‖v‖ > γ1``.
    lams, eta, rho
        As in :func:`lemma7_map`.
    """
    lams, gamma, g, _ = _lemma7_gh(lams, eta, rho)
    v = as_points(v, name="v", d=lams.size)
    r = _radius(v, gamma[0], "∇f")[..., None]
    diagonal = np.prod(g * (1 - gamma / r), axis=-1)
    return diagonal * np.sum((v / r) ** 2 * r / (r - gamma), axis=-1)


def lemma7_map_det_fd(v, lams, eta, rho, *, h: float = 1e-6):
    """``det ∇f(v)`` by central differences of :func:`lemma7_map` with step ``h``:
    an independent check of :func:`lemma7_jacobian_det` and of eq. (6).

    Parameters
    ----------
    v : array_like, shape (n, d)
        Points with ``‖v‖ > γ1`` (also after a move of ``h``).
    lams, eta, rho
        As in :func:`lemma7_map`.

    Examples
    --------
    >>> v = [[0.5, 0.4], [-0.3, 0.9]]
    >>> bool(np.allclose(lemma7_map_det_fd(v, [1.0, 0.5], 0.2, 1.0),
    ...                  lemma7_jacobian_det(v, [1.0, 0.5], 0.2, 1.0)))
    True
    """
    lams, eta, rho, _ = _setup(lams, eta, rho, "Lemma 7")
    v = as_points(v, name="v", d=lams.size)
    h = as_scalar(h, "h", positive=True)
    step = h * np.eye(lams.size)
    f_plus, f_minus = (
        lemma7_map(v[..., None, :] + k * step, *(lams, eta, rho)) for k in (1, -1)
    )
    return np.linalg.det(np.swapaxes(f_plus - f_minus, -1, -2) / (2 * h))


def lemma7_inverse_jacobian_det(y, lams, eta, rho, *, corrected=True):
    """Eq. (6): ``det ∇f⁻¹(y)`` for Lemma 7's map f.

    With ``r = ‖f⁻¹(y)‖``, ``qi = r gi - hi = gi(r - γi)`` and
    ``S = Σ_k yk² gk/qk³``, differentiating ``Σ_i yi²/qi² = 1`` gives
    ``∂r/∂yj = (yj/qj²)/S``, and ``vi = yi/(gi - hi/r)`` gives
    ``∂vi/∂yj = δij/(gi - hi/r) - (yi hi/qi²) ∂r/∂yj``. The matrix-determinant lemma
    then gives

    ``det ∇f⁻¹(y) = (1 - X)/Π_i(gi - hi/r)``, ``X = Σ_i yi² hi/(r qi³ S)``,

    and since ``Σ_i yi²/qi² = 1``, ``1 - X = 1/(rS)`` (computed in that form).

    The paper's eq. (6) prints the numerator as
    ``1 + Σ_i 2yi²hi/((gi - hi/r) r² qi² Σ_k yk²gk/(2qk³))``, which is ``1 + 4X``
    (``corrected=False``): a plus sign where the derivative of ``1/(gi - hi/r)`` in
    r gives a minus, and factors 2 that do not cancel. As ``0 ≤ X < 1`` the printed
    value exceeds the true one, so the bounds the paper derives from it still bound
    the true determinant.

    Parameters
    ----------
    y : array_like, shape (..., d)
        Points of f's image with ``y1 ≠ 0``.
    lams, eta, rho
        As in :func:`lemma7_map`.
    corrected : bool
        The determinant (True, default) or eq. (6) as printed.
    """
    lams, gamma, g, h = _lemma7_gh(lams, eta, rho)
    return _inverse_det(_image_points(y, lams.size), gamma, g, h, corrected)


def _inverse_det(y, gamma, g, h, corrected):
    """Eq. (6), corrected or as printed, at checked points ``y``."""
    s = _f_inverse(y, gamma, g)[1][..., None]
    r, q = gamma[0] + s, g * (s + gamma[0] - gamma)  # q = g(r - γ), no cancellation
    S = np.sum(y**2 * g / q**3, axis=-1)
    diagonal = np.prod(q / r, axis=-1)
    if corrected:
        return 1 / (r[..., 0] * S * diagonal)
    X = np.sum(y**2 * h / (r * q**3), axis=-1) / S
    return (1 + 4 * X) / diagonal


#: The lines of the paper's chain of bounds on ``|det ∇f⁻¹|`` (proof of Lemma 7),
#: in order, as :func:`lemma7_density_growth_chain` evaluates them (B = ηλd/6).
LEMMA7_CHAIN = (
    r"$\lvert\det\nabla f^{-1}\rvert$",
    r"eq. (6) as printed",
    r"$\frac{1}{B^d} + \frac{2\lVert y\rVert^2 (1-\eta\lambda_1)\gamma_1}"
    r"{B^{d+3} r^4 \sum_k y_k^2 g_k/(2(rg_k-h_k)^3)}$",
    r"$\frac{1}{B^d} + \frac{2}{B^{d+3}\gamma_1^3 \min_k g_k/(2(rg_k-h_k)^3)}$",
    r"$\frac{1}{B^d} + \frac{4r^3(1-\eta\lambda_d)^3}"
    r"{B^{d+3}\gamma_1^3(1-\eta\lambda_1)}$",
    r"$\frac{1}{B^d} + \frac{8R^3}{B^{d+3}\gamma_1^3}$",
    r"$\frac{9R^3}{B^{d+3}\gamma_1^3}$",
)


def lemma7_density_growth_chain(v, lams, eta, rho, R):
    """Each line of the paper's bound on ``|det ∇f⁻¹(y)|``, at ``y = f(v)``.

    On ``γ1 + ε ≤ r = ‖v‖ ≤ R``, ``|gi - hi/r| ≥ (1 - ηλ1)ηλd/2 ≥ ηλd/6 = B``, and
    the proof of Lemma 7 bounds eq. (6) as printed by the lines of
    :data:`LEMMA7_CHAIN`, ending with ``9R³/(B^{d+3}γ1³)``, the factor by which
    the density of ``v_t`` can grow in one step. Returned in that order, after the
    true ``|det ∇f⁻¹(y)|`` (:func:`lemma7_inverse_jacobian_det`), so that every
    inequality of the chain is a comparison of consecutive rows.

    Parameters
    ----------
    v : array_like, shape (..., d)
        Points with ``γ1 + ε ≤ ‖v‖ ≤ R`` (ε of :func:`lemma7_epsilon`).
    lams, eta, rho
        As in :func:`lemma7_map`.
    R : float
        The bound ``‖v0‖ ≤ R`` of Lemma 7 (the norm only decreases before ``f``
        stops applying).

    Returns
    -------
    ndarray, shape (7, ...)
    """
    lams, gamma, g, h = _lemma7_gh(lams, eta, rho)
    R = as_scalar(R, "R", positive=True)
    v = as_points(v, name="v", d=lams.size)
    eps = _epsilon(eta * lams[-1], gamma[0])
    r = np.linalg.norm(v, axis=-1)
    if not (np.all(r >= (gamma[0] + eps) * (1 - 1e-12)) and np.all(r <= R)):
        raise ValueError(
            f"the chain holds on γ1 + ε = {gamma[0] + eps:.6g} ≤ ‖v‖ ≤ R = {R:.6g}"
        )
    d, B, g1 = lams.size, eta * lams[-1] / 6, gamma[0]
    y = _f(v, r, g, h)
    q = g * (r[..., None] - gamma)
    c = g / (2 * q**3)  # the paper's gk/(2(rgk - hk)³)
    base = 1 / B**d
    lines = [
        np.abs(_inverse_det(y, gamma, g, h, True)),
        _inverse_det(y, gamma, g, h, False),
        base
        + np.sum(y**2, -1) * 2 * h[0] / (B ** (d + 3) * r**4 * np.sum(y**2 * c, -1)),
        base + 2 / (B ** (d + 3) * g1**3 * c.min(axis=-1)),
        base + 4 * r**3 * g[-1] ** 3 / (B ** (d + 3) * g1**3 * g[0]),
        np.full_like(r, base + 8 * R**3 / (B ** (d + 3) * g1**3)),
        np.full_like(r, 9 * R**3 / (B ** (d + 3) * g1**3)),
    ]
    return np.stack(lines)


def lemma7_chain_extremes(chain) -> np.ndarray:
    """The rows ``(line, smallest, largest)`` of Chapter 4's table of
    :func:`lemma7_density_growth_chain`: each line of :data:`LEMMA7_CHAIN` with the
    smallest and largest value it takes over the points (three significant digits).

    Examples
    --------
    >>> chain = np.arange(14.0).reshape(7, 2)
    >>> lemma7_chain_extremes(chain)[-1, 1:].tolist()
    ['12', '13']
    """
    chain = np.asarray(chain, dtype=float)
    if chain.ndim != 2 or chain.shape[0] != len(LEMMA7_CHAIN):
        raise ValueError(
            f"chain must have shape ({len(LEMMA7_CHAIN)}, n), got {chain.shape}"
        )
    extremes = np.char.mod("%.3g", np.column_stack([chain.min(1), chain.max(1)]))
    return np.column_stack([np.array(LEMMA7_CHAIN), extremes])


@dataclass(frozen=True)
class Lemma7Pushforward:
    """Where one SAM step sends points uniform in a shell, against the density
    pushed forward (:func:`lemma7_pushforward`); one entry per cube.

    Attributes
    ----------
    centres : ndarray, shape (k, d)
        Centres of the cubes (images of the first k points).
    measured : ndarray, shape (k,)
        The fraction of the images ``f(v0)`` that lands in each cube.
    predicted : ndarray, shape (k,)
        ``∫ μ0(f⁻¹(x)) |det ∇f⁻¹(x)| dx`` over each cube (Monte Carlo), with the
        true determinant.
    printed : ndarray, shape (k,)
        The same with eq. (6) as printed.
    """

    centres: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    printed: np.ndarray


def lemma7_pushforward(
    lams, eta, rho, r_in, r_out, side, *, n=400_000, n_mc=20_000, cubes=6, seed=0
) -> Lemma7Pushforward:
    """The change of variables behind Lemma 7: ``v1 = f(v0)`` has density
    ``μ1(x) = μ0(f⁻¹(x)) |det ∇f⁻¹(x)|`` (eq. 6), checked by counting.

    Draws ``n`` points ``v0`` uniform in the shell ``r_in ≤ ‖v‖ ≤ r_out``
    (:func:`sample_shell`, seed ``seed``), takes one SAM step, and counts the
    fraction landing in ``cubes`` cubes of side ``side`` centred on the first images;
    the prediction integrates μ1 over each cube with ``n_mc`` uniform points (seed
    ``seed + 1``), by :func:`lemma7_inverse`, :func:`shell_density` and
    :func:`lemma7_inverse_jacobian_det` (true and as printed).

    Parameters
    ----------
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        ``0 < η < 1/(2λ1)``, ρ > 0.
    r_in, r_out : float
        The shell, ``γ1 < r_in < r_out`` (where f applies).
    side : float
        The cubes' side.
    n, n_mc, cubes : int
    seed : int

    Examples
    --------
    >>> lams, eta, rho = [1.0, 0.4], 0.2, 1.0
    >>> r_in = 0.25 + lemma7_epsilon(lams, eta, rho)
    >>> p = lemma7_pushforward(lams, eta, rho, r_in, 1.0, 0.5, n=50_000, n_mc=4000)
    >>> bool(np.allclose(p.measured, p.predicted, rtol=0.2))
    True
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 7")
    r_in = as_scalar(r_in, "r_in", positive=True)
    if not r_in > c.gamma[0]:
        raise ValueError(f"the shell must lie outside ‖v‖ = γ1 = {c.gamma[0]:.6g}")
    side = as_scalar(side, "side", positive=True)
    cubes = as_count(cubes, "cubes", minimum=1)
    v0 = sample_shell(n, lams.size, r_in, r_out, seed=seed)
    landed = sam_gradients(v0, lams, eta, rho, 1)[1]
    centres = landed[:cubes]
    inside = np.all(np.abs(landed[:, None] - centres) <= side / 2, axis=-1)
    rng = as_rng(seed + 1)
    shape = (as_count(n_mc, "n_mc", minimum=1), cubes, lams.size)
    x = centres + side * (rng.random(shape) - 0.5)
    mu0 = shell_density(lemma7_inverse(x, lams, eta, rho), r_in, r_out)
    volume = side**lams.size
    predicted, printed = (
        volume
        * np.mean(
            mu0 * lemma7_inverse_jacobian_det(x, lams, eta, rho, corrected=k), axis=0
        )
        for k in (True, False)
    )
    return Lemma7Pushforward(centres, inside.mean(axis=0), predicted, printed)


# --------------------------------------------------------------------- Lemma 11


def lemma11_J_range(lams, eta, rho):
    """``max_{‖Λw‖≤b, s=±1} J(sw) - min_u J(u)`` from the proof of Lemma 11.

    With ``v = Λw``, ``J = ½ Σ vi²/βi - ‖v‖`` is largest on the sphere ``‖v‖ = z``
    along e_d, where it equals ``z²/(2βd) - z``; this is convex in z, so its maximum
    over ``0 ≤ z ≤ b`` is ``max{0, b²/(2βd) - b}``. The minimum is ``-β1/2``
    (Remark 9). Returns ``max{0, b²/(2βd) - b} + β1/2``.

    Examples
    --------
    >>> round(lemma11_J_range([1.0], 0.2, 1.0), 6)
    0.055556
    """
    return _J_range(_setup(lams, eta, rho, "Lemma 11")[3])


def _J_range(c) -> float:
    beta1, betad = c.beta[0], c.beta[-1]
    return float(max(0.0, c.b**2 / (2 * betad) - c.b) + beta1 / 2)


def lemma11_step_decrease(lams, eta, rho, eps):
    """Lemma 11's guaranteed decrease ``J(u_t) - J(u_{t+1}) ≥ ηε²λ1β1/2`` at every
    step with ``‖v_t‖ ≥ (1 + ε)β1`` (from Lemma 10, using ``2 - ηλi ≥ 1``)."""
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 11")
    return _step_decrease(lams, eta, as_scalar(eps, "eps", positive=True), c)


def _step_decrease(lams, eta, eps, c) -> float:
    return float(eta * eps**2 * lams[0] * c.beta[0] / 2)


def lemma11_count_bound_J(lams, eta, rho, eps):
    """Lemma 11, first bound: ``(2/(ηε²λ1β1)) (max J - min J)`` on the number of
    steps ``t ≥ T0`` with ``‖v_t‖ ≥ (1 + ε)β1``.

    J never increases (Lemma 10), starts at most ``max_{‖Λw‖≤b} J(sw)`` once
    ``‖v_{T0}‖ ≤ b``, never goes below ``min J``, and drops by at least
    :func:`lemma11_step_decrease` at each such step. See :func:`lemma11_J_range`.
    Not always smaller than :func:`lemma11_count_bound`.
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 11")
    eps = as_scalar(eps, "eps", positive=True)
    return _J_range(c) / _step_decrease(lams, eta, eps, c)


def lemma11_count_bound(lams, eta, rho, eps):
    """Lemma 11: at most ``3β1/(ηε²λ1βd)`` steps ``t ≥ T0`` have
    ``‖v_t‖ ≥ (1 + ε)β1`` (once ``‖v_{T0}‖ ≤ b``).

    The paper derives it from the first bound with ``max J - min J ≤ 3β1²/(2βd)``,
    but that step is not right: the range (:func:`lemma11_J_range`) can be close to
    ``2β1²/βd`` (small ηλ1, ``β1 ≫ βd``). The final bound still holds: the
    per-step decrease of Lemma 10 carries a factor ``2 - ηλi > 3/2`` that the proof
    drops, and ``(4/3)·2β1²/βd / (ηε²λ1β1) = 8β1/(3ηε²λ1βd) ≤ 3β1/(ηε²λ1βd)``.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma6_descent_time`.
    eps : float
        ε > 0.

    Examples
    --------
    >>> round(lemma11_count_bound([1.0, 0.5], 0.2, 1.0, 0.5), 2)
    253.33
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 11")
    eps = as_scalar(eps, "eps", positive=True)
    return float(3 * c.beta[0] / (eta * eps**2 * lams[0] * c.beta[-1]))


# --------------------------------------------------------------------- Lemma 14


def lemma14_mu(lams, eta):
    """Lemma 14's rate ``μ = min{ηλd, λ1²/λ2² - 1}`` (``ηλd`` when ``d = 1``).

    Parameters
    ----------
    lams : array_like
        ``λ1 > λ2 ≥ ... ≥ λd > 0``.
    eta : float
        ``0 < η < 1/(2λ1)``.

    Examples
    --------
    >>> lemma14_mu([1.0, 0.5], 0.2), round(lemma14_mu([1.0, 0.95], 0.2), 6)
    (0.1, 0.108033)
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    require_assumptions.unchecked(lams, eta, where="Lemma 14")
    return _mu(lams, eta)


def _mu(lams, eta) -> float:
    gap = lams[0] ** 2 / lams[1] ** 2 - 1 if lams.size > 1 else math.inf
    return float(min(eta * lams[-1], gap))


def lemma14_threshold(lams, eta):
    """Lemma 14's threshold on ``‖v_t‖/β1``: every ratio ``v_{t,i}²/v_{t,1}²``
    (i ≥ 2) shrinks by more than ``(1 + μ)²`` iff ``‖v_t‖/β1`` is below

    ``(2 - ηλ1)/(2 - ηλ1 - (ηλd - μ) - ηλdμ) · (1 + (1 + μ)λd²/λ1²)``.

    It is ``θ_d/β1`` where ``θ_i = ((1-ηλ1)γ1 + (1+μ)(1-ηλi)γi)/((1-ηλ1) +
    (1+μ)(1-ηλi))`` is the threshold of Lemma 4 for component i; the θ_i decrease
    in i, so i = d binds. It does not depend on ρ.

    Examples
    --------
    >>> round(lemma14_threshold([1.0, 0.5], 0.2), 6)
    1.282123
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    require_assumptions.unchecked(lams, eta, where="Lemma 14")
    return _threshold(lams, eta)


def _threshold(lams, eta) -> float:
    mu = _mu(lams, eta)
    x1, xd = eta * lams[0], eta * lams[-1]
    return float(
        (2 - x1)
        / (2 - x1 - (xd - mu) - xd * mu)
        * (1 + (1 + mu) * lams[-1] ** 2 / lams[0] ** 2)
    )


def lemma14_T1(lams, eta, rho):
    """Lemma 14's ``T1 = 3β1λ1³/(ηβdλd⁴)``: at most T1 steps inside the ball
    ``‖v‖ ≤ b`` fail to shrink every ratio ``v_i²/v_1²`` by ``(1 + μ)²``.

    (Lemma 11 with ``ε = (1 + μ)λd²/λ1²``.)

    Examples
    --------
    >>> round(lemma14_T1([1.0, 0.5], 0.2, 1.0))
    1013
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 14", gap=True)
    return _T1(lams, eta, c)


def _T1(lams, eta, c) -> float:
    return float(3 * c.beta[0] * lams[0] ** 3 / (eta * c.beta[-1] * lams[-1] ** 4))


def lemma14_bad_step_factor(lams, eta, rho):
    """The most a step inside the ball can multiply ``v_i²/v_1²`` by, in Lemma 14:
    ``(1-ηλd)²/((1-ηλ1)²η²λ1²) ≤ (2/(ηλ1))²``.

    For ``‖v_t‖ ≤ b``: ``(‖v_t‖ - γ1)² ≥ (γ1 - b)² = η²λ1²γ1²`` and
    ``(‖v_t‖ - γi)² ≤ γ1²``.
    """
    lams, eta, rho, _ = _setup(lams, eta, rho, "Lemma 14", gap=True)
    x1, xd = eta * lams[0], eta * lams[-1]
    return float((1 - xd) ** 2 / ((1 - x1) ** 2 * x1**2))


def lemma14_steps(lams, eta, rho, eps, ratio0):
    """Lemma 14's step count: ``δ ≤ ε`` after
    ``(2/μ)[T1 log(4/(ηλ1)) + ½ log(ratio0/(2ε))]_+`` steps past T0.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma14_T1`.
    eps : float
        ``0 < ε < 1/2``.
    ratio0 : float or array_like
        ``Σ_{i≥2} v_{T0,i}²/v_{T0,1}²`` at the entry step T0 (:func:`offaxis_ratio`).

    Notes
    -----
    The paper counts the steps from T0 as if T0 = 0 and does not take the positive
    part; as printed (t counted from 0) the lemma fails when T0 is large (Chapter
    4.4's corrected box and its check). The count holds for
    ``t ≥ T0 + lemma14_steps(...)``.
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 14", gap=True)
    eps = as_scalar(eps, "eps", positive=True)
    if not eps < 0.5:
        raise ValueError(f"Lemma 14's step count assumes ε < 1/2, got ε = {eps}")
    ratio0 = as_param(ratio0, "ratio0", positive=True)
    return float_or_array(_alignment_steps(lams, eta, c, ratio0 / (2 * eps)))


def _alignment_steps(lams, eta, c, ratio, printed=False):
    """``(2/μ)[T1 log(4/(ηλ1)) + ½ log(ratio)]_+``, the count of Lemmas 14, 17, 19.

    The positive part: a count of steps after T0 is never negative. (When the ratio
    at T0 is tiny the bracket is negative; the paper's proofs take it as a number of
    steps, which the corrected statements of Chapter 4.4 make explicit.)
    """
    mu, T1 = _mu(lams, eta), _T1(lams, eta, c)
    steps = 2 / mu * (T1 * np.log(4 / (eta * lams[0])) + 0.5 * np.log(ratio))
    return steps if printed else np.maximum(steps, 0.0)


# ------------------------------------------------------------------ Lemmas 16–19


def lemma16_rhs(v, lams, eta, rho):
    """Lemma 16's identity, right-hand side: ``v_{t+1,1} + s_tβ1`` equals
    ``(1 - ηλ1)(v_{t,1} - s_tβ1 + s_tγ1δ_t)``.

    The paper prints a minus sign in front of ``(1 - ηλ1)``; re-deriving from
    ``v_{t+1,1} = (1-ηλ1)v_{t,1} - s_t(2-ηλ1)β1(1 - δ_t)`` and
    ``(2-ηλ1)β1 = (1-ηλ1)γ1`` gives the plus sign implemented here (at
    ``δ = 0``, ``v_{t,1} = s(β1 + x)`` maps to ``-s(β1 - (1-ηλ1)x)``).

    Parameters
    ----------
    v : array_like, shape (..., d)
        Gradient(s) ``v_t = Λw_t`` (non-zero).
    lams, eta, rho
        Eigenvalues, step size and radius; the identity holds for any ``ηλ1 < 1``.

    Returns
    -------
    float or ndarray
        The predicted ``v_{t+1,1} + s_tβ1``.
    """
    lams = as_eigenvalues(lams)
    v = as_points(v, name="v", d=lams.size)
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", positive=True)
    c = quadratic_constants(lams, eta, rho, strict=False)
    s = np.sign(v[..., 0])
    return float_or_array(
        (1 - eta * lams[0]) * (v[..., 0] - s * c.beta[0] + s * c.gamma[0] * _delta(v))
    )


def lemma17_eps_max(lams, eta, rho):
    """Lemma 17's range: ``ε < min{√(ηλ1β1/(2γ1)), ηλ1/(2γ1), 1/b, β1/2}``.

    Its first entry makes ``δ_t ≤ ε²`` imply Lemma 16's condition, which the paper
    prints as ``δ_t ≤ ηλ1β1/2`` but uses (and needs) as ``δ_t ≤ ηλ1β1/(2γ1)``.
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 17", gap=True)
    return _eps17(lams, eta, c)


def _eps17(lams, eta, c) -> float:
    g1, beta1, x1 = c.gamma[0], c.beta[0], eta * lams[0]
    return float(
        min(math.sqrt(x1 * beta1 / (2 * g1)), x1 / (2 * g1), 1 / c.b, beta1 / 2)
    )


def lemma17_steps(lams, eta, rho, eps, ratio0, *, printed: bool = False):
    """Lemma 17's ``T2``: for ``t ≥ T0 + T2``, ``|v_{t,1} ∓ β1| ≤ ε`` (alternating)
    and ``δ_t ≤ ε²``.

    ``T2 = (2/μ)[T1 log(4/(ηλ1)) + ½ log(ratio0/(2ε²))]_+ + (6/(ηλ1)) ln(1/ε)``,
    counted from the entry step T0 (see :func:`lemma14_steps`; the paper counts from
    0 and has no positive part, under which the lemma fails for a start far out
    along e1).

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma14_T1`.
    eps : float
        ``0 < ε <`` :func:`lemma17_eps_max`.
    ratio0 : float or array_like
        ``Σ_{i≥2} v_{T0,i}²/v_{T0,1}²``.
    printed : bool
        The paper's formula, without the positive part (it can be negative).
    """
    lams, eta, c, eps, ratio0 = _count_arguments(
        lams, eta, rho, eps, ratio0, "Lemma 17", _eps17, _EPS17
    )
    return float_or_array(_steps17(lams, eta, c, eps, ratio0, printed))


_EPS17 = "min{√(ηλ1β1/(2γ1)), ηλ1/(2γ1), 1/b, β1/2}"
_EPS19 = "min{√(2ηλ1β1/γ1), ηλ1/(2γ1), 2/b, β1, 1}"


def _count_arguments(lams, eta, rho, eps, ratio0, lemma, eps_max, bound):
    """The checked arguments of the step counts of Lemmas 17 and 19, with
    ``ε < eps_max(lams, eta, c)`` (the lemma's range, written ``bound``)."""
    lams, eta, _, c = _setup(lams, eta, rho, lemma, gap=True)
    eps = as_scalar(eps, "eps", positive=True)
    largest = eps_max(lams, eta, c)
    if not eps < largest:
        raise ValueError(
            f"{lemma} assumes ε < {bound} = {largest:.6g}, got ε = {eps:.6g}"
        )
    return lams, eta, c, eps, as_param(ratio0, "ratio0", positive=True)


def _steps17(lams, eta, c, eps, ratio0, printed=False):
    alignment = _alignment_steps(lams, eta, c, ratio0 / (2 * eps**2), printed)
    return alignment + 6 / (eta * lams[0]) * math.log(1 / eps)


def lemma18_eps_max():
    """Largest ε for which Lemma 18's proof step ``1/(1-ε²)² - 1 ≤ 3ε²`` holds:
    ``ε² ≤ (5 - √13)/6`` (ε ≈ 0.482).

    The paper states Lemma 18 for ``0 < ε ≤ 1``, but for ε near 1 the hypothesis
    ``δ_t ≤ ε²`` barely constrains the direction of v_t, and the conclusion fails
    (Chapter 4 gives a counterexample). Lemma 19 only applies it with
    ``ε/(2(1+β1)) < 1/4``, inside the corrected range.
    """
    return math.sqrt((5 - math.sqrt(13)) / 6)


def lemma18_bound(lams, eta, rho, eps):
    """Lemma 18: if ``|v_{t,1} - sβ1| ≤ ε`` and ``δ_t ≤ ε²`` then
    ``‖v_t - sβ1e1‖ ≤ 2(1 + β1)ε`` (for ``ε ≤`` :func:`lemma18_eps_max`).

    Examples
    --------
    >>> round(lemma18_bound([1.0, 0.5], 0.2, 1.0, 0.1), 6)
    0.222222
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", positive=True)
    eps = as_scalar(eps, "eps", positive=True)
    if not eps <= lemma18_eps_max():
        raise ValueError(
            "Lemma 18 needs ε² ≤ (5 - √13)/6 (ε ≤ 0.482) so that "
            f"1/(1-ε²)² - 1 ≤ 3ε²; the paper's ε ≤ 1 is too generous; got ε = {eps}"
        )
    c = quadratic_constants(lams, eta, rho, strict=False)
    return float(2 * (1 + c.beta[0]) * eps)


def lemma19_eps_max(lams, eta, rho):
    """Lemma 19's range ``ε < min{√(2ηλ1β1/γ1), ηλ1/(2γ1), 2/b, β1, 1}``.

    Lemma 19 applies Lemma 17 with ``ε' = ε/(2(1+β1))``; each entry makes ε' satisfy
    the corresponding condition of Lemma 17 (and ``ε' < 1/4`` suits the corrected
    Lemma 18).
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 19", gap=True)
    return _eps19(lams, eta, c)


def _eps19(lams, eta, c) -> float:
    g1, beta1, x1 = c.gamma[0], c.beta[0], eta * lams[0]
    return float(
        min(math.sqrt(2 * x1 * beta1 / g1), x1 / (2 * g1), 2 / c.b, beta1, 1.0)
    )


def lemma19_steps(lams, eta, rho, eps, ratio0, *, printed: bool = False):
    """Lemma 19's count: ``‖v_t ∓ β1e1‖ ≤ ε`` (alternating) for t past T0 by

    ``(2/μ)[T1 log(4/(ηλ1)) + ½ log(2(1+β1)² ratio0/ε²)]_+
    + (6/(ηλ1)) ln(2(1+β1)/ε)``.

    This is :func:`lemma17_steps` at ``ε/(2(1+β1))`` (Lemmas 17 and 18 combined).

    Parameters
    ----------
    lams, eta, rho, ratio0
        As in :func:`lemma17_steps`.
    eps : float
        ``0 < ε <`` :func:`lemma19_eps_max`.
    printed : bool
        The paper's formula, without the positive part (it can be negative).
    """
    lams, eta, c, eps, ratio0 = _count_arguments(
        lams, eta, rho, eps, ratio0, "Lemma 19", _eps19, _EPS19
    )
    small = eps / (2 * (1 + c.beta[0]))
    return float_or_array(_steps17(lams, eta, c, small, ratio0, printed))


# ------------------------------------------------------------------- Theorem 3


def theorem3_terms(
    lams, eta, rho, eps, R, q, A, delta, *, corrected: bool = False
) -> dict[str, float]:
    """The four terms of Theorem 3's iteration bound, term by term.

    With ``μ = min{ηλd, λ1²/λ2² - 1}``, ``L = [log(R/(ηρλ1))]_+`` and
    ``T = L/(ηλd)`` the printed bound (``corrected=False``) is the sum of

    * ``alignment`` = 6λ1⁵ / (ηλd⁶ μ) · log(4/(ηλ1)) (Lemma 14: the first component
      takes over);
    * ``initial_ratio`` = (1/μ)(log(4(1 + ηρλ1²)²/(λd² ε²)) + log(R²/q));
    * ``early_descent`` = (2T/μ) · (log(2λ1R) + T log(9·6^{d+3}R³/((ηλd)^{d+3}
      (ηρλ1)³)) + log(4π^{d/2}(4ηρλ1²)^{d-1} T A/(Γ(d/2) δ))) (Lemmas 6, 7);
    * ``convergence`` = 6/(ηλ1) · ln(2(1 + ηρλ1²)/(λd ε)) (Lemmas 16–19).

    ``corrected=True`` gives the bound that the lemmas prove (Chapter 4.5's box):

    * ``alignment`` with 8 in place of 6: the proof's ``6β1λ1³/(ηµβdλd⁴)`` is up to
      ``(2 - ηλd)/(2 - ηλ1) ≤ 4/3`` times the printed ``6λ1⁵/(ηλd⁶μ)``;
    * ``early_descent`` with ``T̄ = ⌈T⌉`` in place of T (the number of descent steps
      is an integer, Lemmas 6 and 7), ``A/(λ1⋯λd)`` in place of A (Lemma 7 needs the
      density of ``v0 = Λw0``), and ``T̄`` more steps (the lemmas count from the
      entry step ``T0 ≤ T̄``);
    * and the range ``max{1, λd} ε < min{√(ηλ1/2), 1/(2ρλ1), ηρλ1²/2}``, which makes
      Lemma 19's accuracy ``λd ε`` fit Lemmas 17 and 18.

    Parameters
    ----------
    lams, eta
        ``λ1 > λ2 ≥ ... ≥ λd > 0`` and ``0 < η < 1/(2λ1)``.
    rho : float
        ρ > 0.
    eps : float
        Target accuracy, ``0 < ε < min{√(ηλ1/2), 1/(2ρλ1), ηρλ1²/2}`` (divided by
        ``max{1, λd}`` when ``corrected``).
    R, q : float
        With probability 1 - δ the start has ``‖w0‖ ≤ R`` and ``w0,1² ≥ q``.
    A : float
        Upper bound on the density of ``w0``.
    delta : float
        Failure probability δ > 0 (the theorem holds with probability 1 - 2δ).
    corrected : bool
        The printed bound (False, default) or the proved one (True).
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    eps = as_param(eps, "eps", positive=True)
    R = as_param(R, "R", positive=True)
    q = as_param(q, "q", positive=True)
    A = as_param(A, "A", positive=True)
    delta = as_param(delta, "delta", positive=True)
    require_assumptions.unchecked(lams, eta, where="Theorem 3")
    lam1, lamd, d = lams[0], lams[-1], lams.size
    eps_max = min(
        math.sqrt(eta * lam1 / 2), 1 / (2 * rho * lam1), eta * rho * lam1**2 / 2
    )
    scale = max(1.0, lamd) if corrected else 1.0
    if not scale * eps < eps_max:
        what = "max{1, λd}·ε" if corrected else "ε"
        raise ValueError(
            f"Theorem 3 assumes {what} < min{{√(ηλ1/2), 1/(2ρλ1), ηρλ1²/2}} = "
            f"{eps_max:.6g}, got ε = {eps:.6g}"
        )
    if not q <= R**2:
        raise ValueError(
            f"‖w0‖ ≤ R and w0,1² ≥ q need q ≤ R², got q = {q:.6g} > R² = {R**2:.6g}"
        )
    ball_volume = math.exp(
        (d / 2) * math.log(math.pi) + d * math.log(R) - math.lgamma(d / 2 + 1)
    )
    if not A * ball_volume >= 1 - delta:
        raise ValueError(
            "a density bounded by A puts mass at most A·vol(ball of radius R) in "
            f"‖w0‖ ≤ R, so A ≥ (1 - δ)/vol = {(1 - delta) / ball_volume:.6g} is "
            f"needed, got A = {A:.6g}"
        )
    mu = _mu(lams, eta)
    etalam_d = eta * lamd
    L = max(math.log(R / (eta * rho * lam1)), 0.0)
    factor = 8 if corrected else 6
    alignment = factor * lam1**5 / (eta * lamd**6 * mu) * math.log(4 / (eta * lam1))
    initial_ratio = (
        math.log(4 * (1 + eta * rho * lam1**2) ** 2 / (lamd**2 * eps**2))
        + math.log(R**2 / q)
    ) / mu
    T = math.ceil(L / etalam_d) if corrected else L / etalam_d
    if T > 0:
        log_density_growth = (
            math.log(9)
            + (d + 3) * math.log(6)
            + 3 * math.log(R)
            - (d + 3) * math.log(etalam_d)
            - 3 * math.log(eta * rho * lam1)
        )
        log_density = math.log(A) - (np.sum(np.log(lams)) if corrected else 0.0)
        log_ring = (
            math.log(4)
            + (d / 2) * math.log(math.pi)
            + (d - 1) * math.log(4 * eta * rho * lam1**2)
            + math.log(T)
            + log_density
            - math.lgamma(d / 2)
            - math.log(delta)
        )
        early_descent = 2 * T / mu * (
            math.log(2 * lam1 * R) + T * log_density_growth + log_ring
        ) + (T if corrected else 0.0)
    else:
        early_descent = 0.0
    convergence = (
        6 / (eta * lam1) * math.log(2 * (1 + eta * rho * lam1**2) / (lamd * eps))
    )
    return {
        "alignment": alignment,
        "initial_ratio": initial_ratio,
        "early_descent": float(early_descent),
        "convergence": convergence,
    }


def theorem3_steps(
    lams, eta, rho, eps, R, q, A, delta, *, corrected: bool = False
) -> float:
    """Theorem 3's explicit number of SAM steps after which the iterates are ε-close
    to the 2-cycle (with probability 1 - 2δ).

    The sum of the terms of :func:`theorem3_terms`; arguments as there
    (``corrected=True`` for the bound the lemmas prove). Raises a ``ValueError``
    naming the assumption (λ1 > λ2, η < 1/(2λ1), the range of ε) that the arguments
    violate.

    Examples
    --------
    >>> t = theorem3_steps([1.0, 0.5], 0.2, 1.0, eps=1e-3, R=3.0, q=1.0, A=1.0,
    ...                    delta=0.01)
    >>> t > 1000
    True
    """
    terms = theorem3_terms(lams, eta, rho, eps, R, q, A, delta, corrected=corrected)
    return float(sum(terms.values()))


# ===================================================================================
# Lemmas 11–20 and Theorems 1–3 in Chapters 4.3–4.5: the corrected statements, their
# measured counterparts, and the passage Theorem 3 ⇒ Theorem 1 ⇒ Theorem 2.
# ===================================================================================


@dataclass(frozen=True)
class Lemma11Chain:
    """The bounds of Lemma 11 on ``|{t ≥ T0 : ‖v_t‖ ≥ (1 + ε)β1}|``.

    Attributes
    ----------
    step_decrease : float
        ``ηε²λ1β1(2 - ηλ1)/2``: J drops at least this much at each such step.
    via_J : float
        ``(max J - min J)/step_decrease``, the first bound of the corrected chain.
    middle : float
        ``4β1/((2 - ηλ1)ηε²λ1βd)``, from ``max J - min J ≤ 2β1²/βd``.
    final : float
        ``3β1/(ηε²λ1βd)`` (needs ``ηλ1 ≤ 2/3``, implied by ``ηλ1 < 1/2``).
    printed_via_J : float
        The paper's middle expression ``2/(ηε²λ1β1) (max J - min J)``, which can
        exceed ``final``.
    """

    step_decrease: float
    via_J: float
    middle: float
    final: float
    printed_via_J: float


def lemma11_chain(lams, eta, rho, eps) -> Lemma11Chain:
    """Lemma 11's chain ``count ≤ via_J ≤ middle ≤ final``, as the lemmas prove it.

    At a step with ``‖v_t‖ ≥ (1 + ε)β1`` Lemma 10's decrease is
    ``(η/2) Σ vi²(1 - βi/‖v‖)²(2 - ηλi)λi/βi ≥ (η/2)(2 - ηλ1)(λ1/β1)(ε/(1+ε))²‖v‖²
    ≥ ηε²λ1β1(2 - ηλ1)/2`` (``βi ≤ β1``, ``λi/βi ≥ λ1/β1``, ``2 - ηλi ≥ 2 - ηλ1``);
    the paper replaces ``2 - ηλ1`` by 1. The range of J over the ball is
    :func:`lemma11_J_range` ``≤ b²/(2βd) ≤ 2β1²/βd`` (``β1/2 ≤ b = (2 - ηλ1)β1 ≤ 2β1``),
    and ``4/(2 - ηλ1) ≤ 3``.

    Examples
    --------
    >>> c = lemma11_chain([1.0, 0.6, 0.35, 0.2], 0.2, 1.0, 0.05)
    >>> c.printed_via_J > c.final >= c.middle >= c.via_J
    True
    """
    lams, eta, _, c = _setup(lams, eta, rho, "Lemma 11")
    eps = as_scalar(eps, "eps", positive=True)
    x1, beta1, betad = eta * lams[0], c.beta[0], c.beta[-1]
    printed_decrease = _step_decrease(lams, eta, eps, c)
    decrease = printed_decrease * (2 - x1)
    return Lemma11Chain(
        step_decrease=float(decrease),
        via_J=float(_J_range(c) / decrease),
        middle=float(4 * beta1 / ((2 - x1) * eta * eps**2 * lams[0] * betad)),
        final=float(3 * beta1 / (eta * eps**2 * lams[0] * betad)),
        printed_via_J=float(_J_range(c) / printed_decrease),
    )


#: Column titles of :func:`lemma11_row`.
LEMMA11_HEADER = (
    "ε",
    "measured (max over starts)",
    "via $J$",
    "middle",
    "final",
    "printed middle",
)


def lemma11_row(eps, count, chain: Lemma11Chain) -> list:
    """A row of Chapter 4.3's table of Lemma 11 (columns :data:`LEMMA11_HEADER`):
    ε, the measured count, and the chain's bounds (``via_J``, ``middle``, ``final``
    and the paper's ``printed_via_J``) in whole steps with thousands separators.

    Examples
    --------
    >>> lemma11_row(0.5, 3, Lemma11Chain(0.1, 1234.4, 5678.9, 12345.0, 99.0))
    [0.5, 3, '1,234', '5,679', '12,345', '99']
    """
    bounds = (chain.via_J, chain.middle, chain.final, chain.printed_via_J)
    return [eps, count, *(f"{x:,.0f}" for x in bounds)]


@dataclass(frozen=True)
class Lemma14Steps:
    """Each step ``t → t+1`` of trajectories, classified as in Lemma 14.

    Arrays of shape ``(T, ...)`` for gradients ``V`` of shape ``(T + 1, ..., d)``.

    Attributes
    ----------
    shrinks : ndarray of bool
        Every ratio ``v_{t,i}²/v_{t,1}²`` (i ≥ 2) shrank by more than ``(1 + μ)²``.
    below : ndarray of bool
        ``‖v_t‖/β1`` is below Lemma 14's threshold (:func:`lemma14_threshold`).
    growth : ndarray
        The largest factor ``max_i (v_{t+1,i}²/v_{t+1,1}²)/(v_{t,i}²/v_{t,1}²)``.
    decided : ndarray of bool
        Steps where the comparison is meaningful: no component is zero or
        underflowed at t or t+1, and ``‖v_t‖/β1`` is not within 1e-9 of the
        threshold.
    """

    shrinks: np.ndarray
    below: np.ndarray
    growth: np.ndarray
    decided: np.ndarray


def lemma14_classify(V, lams, eta, rho) -> Lemma14Steps:
    """Classify the steps of gradient trajectories ``V = Λw`` as Lemma 14 does.

    Lemma 14 says ``shrinks == below`` at every decided step (the equivalence);
    :func:`lemma14_bad_step_factor` bounds ``growth`` inside the ball.

    Parameters
    ----------
    V : array_like, shape (T + 1, ..., d)
        Gradients along trajectories, time first (e.g. ``lams * run_sam(...)``).
    lams, eta, rho
        As in :func:`lemma14_T1`.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 14", gap=True)
    V = as_points(V, name="V", d=lams.size)
    if V.ndim < 2 or V.shape[0] < 2:
        raise ValueError("V must hold at least two time steps (shape (T + 1, ..., d))")
    normal = np.all(V**2 > 1e-250, axis=-1)
    with np.errstate(all="ignore"):
        ratios = V[..., 1:] ** 2 / V[..., :1] ** 2
        per_step = ratios[1:] / ratios[:-1]
    mu = _mu(lams, eta)
    threshold = _threshold(lams, eta)
    level = np.linalg.norm(V[:-1], axis=-1) / c.beta[0]
    decided = normal[:-1] & normal[1:] & (np.abs(level / threshold - 1) > 1e-9)
    return Lemma14Steps(
        shrinks=np.all(per_step < 1 / (1 + mu) ** 2, axis=-1),
        below=level < threshold,
        growth=np.where(normal[:-1] & normal[1:], per_step.max(axis=-1), np.nan),
        decided=decided,
    )


def lemma14_log_ratio_bound(lams, eta, rho, ratio0, steps, n_bad=None):
    """Lemma 14's bound on ``log Σ_{i≥2} v_{T0+N,i}²/v_{T0+N,1}²`` after N steps.

    ``-2(N - T1) log(1 + μ) + 2T1 log(2/(ηλ1)) + log(ratio0)``: at most T1 of the N
    steps from the entry step T0 fail (each multiplies a ratio by at most
    ``(2/(ηλ1))²``), the others shrink every ratio by ``(1 + μ)²``. It holds for every
    ``N ≥ 0``. With ``n_bad`` (the measured number of failing steps) the chain uses
    it and the exact worst factor (:func:`lemma14_bad_step_factor`) instead, which
    gives a bound tight enough to fail if a per-step claim were wrong.

    By Lemma 13, ``δ_{T0+N} ≤ exp(bound)/2``. The paper's printed third part reads
    ``δ_{T+1}`` with exponent ``2(T - T1)`` and T counted from 0: that is this
    function at ``steps = T0 + N - 1`` for the step ``T0 + N``.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma14_T1`.
    ratio0 : float or array_like
        ``Σ_{i≥2} v_{T0,i}²/v_{T0,1}²`` (:func:`offaxis_ratio`).
    steps : int or array_like
        N, the number of steps after T0.
    n_bad : int or array_like, optional
        Measured number of failing steps among them.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 14", gap=True)
    ratio0 = as_param(ratio0, "ratio0", positive=True)
    steps = as_param(steps, "steps", nonneg=True)
    mu, x1 = _mu(lams, eta), eta * lams[0]
    if n_bad is None:
        bad, log_factor = _T1(lams, eta, c), 2 * math.log(2 / x1)
    else:
        bad = as_param(n_bad, "n_bad", nonneg=True)
        log_factor = math.log((1 - eta * lams[-1]) ** 2 / ((1 - x1) ** 2 * x1**2))
    bound = -2 * (steps - bad) * math.log1p(mu) + bad * log_factor + np.log(ratio0)
    return float_or_array(bound)


@dataclass(frozen=True)
class CycleSettling:
    """Measured steps after which Lemmas 17 and 19 conclude (−1: not within the
    horizon), one per trajectory.

    Attributes
    ----------
    lemma17 : ndarray
        First t after which ``|v_{t,1}| - β1| ≤ ε``, ``δ_t ≤ ε²`` and the sign of
        ``v_{t,1}`` alternates, for good.
    lemma19 : ndarray
        First t after which ``min_s ‖v_t - sβ1e1‖ ≤ ε`` and the sign alternates, for
        good.
    """

    #: Column titles of :meth:`row`.
    HEADER = (
        "ε",
        "Lemma 17: measured (max)",
        "Lemma 17: $T_0 + T_2$ (min)",
        "Lemma 19: measured (max)",
        "Lemma 19: $T_0$ + count (min)",
    )

    lemma17: np.ndarray
    lemma19: np.ndarray

    def row(self, eps, bound17, bound19) -> list:
        """Chapter 4.4's table row: the slowest run against the smallest bound."""
        return [
            f"{eps:g}",
            int(np.max(self.lemma17)),
            f"{np.min(bound17):.3g}",
            int(np.max(self.lemma19)),
            f"{np.min(bound19):.3g}",
        ]


def lemmas17_19_settling(V, lams, eta, rho, eps) -> CycleSettling:
    """The measured counterparts of Lemma 17's and Lemma 19's step counts.

    Parameters
    ----------
    V : array_like, shape (T + 1, n, d)
        Gradients ``Λw_t`` of n trajectories.
    lams, eta, rho
        As in :func:`lemma17_steps`.
    eps : float
        ε > 0.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 17", gap=True)
    V = as_points(V, name="V", d=lams.size)
    eps = as_scalar(eps, "eps", positive=True)
    beta1 = c.beta[0]
    s = np.sign(V[..., 0])
    flips = np.concatenate([s[1:] == -s[:-1], np.ones_like(s[:1], bool)])
    e1 = np.eye(lams.size)[0]
    to_cycle = np.minimum(
        np.linalg.norm(V - beta1 * e1, axis=-1), np.linalg.norm(V + beta1 * e1, axis=-1)
    )
    ok17 = (np.abs(np.abs(V[..., 0]) - beta1) <= eps) & (_delta(V) <= eps**2) & flips
    ok19 = (to_cycle <= eps) & flips
    return CycleSettling(
        lemma17=np.asarray(settling_time(np.where(ok17, 0.0, 1.0), 0.5)),
        lemma19=np.asarray(settling_time(np.where(ok19, 0.0, 1.0), 0.5)),
    )


def lemmas17_19_bounds(runs: BallRuns, lams, eta, rho, eps):
    """Lemmas 17 and 19's step counts for the runs of :func:`ball_runs`, counted
    from each run's entry step: ``T0 + lemma17_steps(...)`` and
    ``T0 + lemma19_steps(...)`` (Chapter 4.4's table, against
    :func:`lemmas17_19_settling`)."""
    b17 = runs.T0 + lemma17_steps(lams, eta, rho, eps, runs.ratio0)
    b19 = runs.T0 + lemma19_steps(lams, eta, rho, eps, runs.ratio0)
    return b17, b19


def cycle_settling_time(path, lams, eta, rho, eps):
    """Measured counterpart of Theorem 3: the first t after which, for good,
    ``‖w_t ∓ ce1‖ ≤ ε`` and ``‖w_{t+1} ± ce1‖ ≤ ε`` (opposite sides).

    Parameters
    ----------
    path : array_like, shape (T + 1, ..., d)
        SAM iterates, time first.
    lams, eta, rho
        As in :func:`samlib.limit_cycle`.
    eps : float
        ε > 0.

    Returns
    -------
    int or ndarray
        The step (−1 if the conclusion fails at the last pair of steps).
    """
    path = as_points(path, name="path")
    eps = as_scalar(eps, "eps", positive=True)
    dist = cycle_distance(path, lams, eta, rho)
    sides = np.sign(path[..., 0])
    ok = (dist[:-1] <= eps) & (dist[1:] <= eps) & (sides[1:] == -sides[:-1])
    return settling_time(np.where(ok, 0.0, 1.0), 0.5)


def theorem1_factor(lams, eta, *, printed: bool = False) -> float:
    """The leading factor of Theorem 1's number of steps.

    ``(κ⁵ + d/(ηλd))/(ηλd μ)`` is what Theorem 3 gives (``t ≥ factor · C log³(1/ε)``
    with C = 30, for ε below :func:`theorem1_eps_max`); the paper prints
    ``κ⁵/(ηλd μ) + d`` (``printed=True``), which Theorem 3's early-descent term,
    of order ``d log³/((ηλd)² μ)``, exceeds as η → 0 by more than any power of
    ``log(1/ε)``.

    Parameters
    ----------
    lams, eta
        ``λ1 > λ2 ≥ ... ≥ λd > 0`` and ``0 < η < 1/(2λ1)``; ``κ = λ1/λd``.
    printed : bool
        Return the paper's factor instead.
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    require_assumptions.unchecked(lams, eta, where="Theorem 1")
    kappa, xd, d = lams[0] / lams[-1], eta * lams[-1], lams.size
    mu = _mu(lams, eta)
    if printed:
        return float(kappa**5 / (xd * mu) + d)
    return float((kappa**5 + d / xd) / (xd * mu))


def theorem1_eps_max(lams, eta, rho, R, q, A, delta) -> float:
    """The ε below which Theorem 3's bound is at most
    ``30 · theorem1_factor · log³(1/ε)`` (Theorem 3 ⇒ Theorem 1, Chapter 4.5).

    The minimum of Theorem 3's corrected range and the values that make each
    logarithm of the bound at most ``log(1/ε)``: ``ηλd/6``,
    ``λd/(2(1 + ηρλ1²))``, ``q/R²``, ``ηρλ1/R``, ``1/(2λ1R)``, ``1/A``, ``δ``,
    ``λd`` and ``1/9``: monomials in the quantities Theorem 1's ``p'`` takes.
    """
    lams, eta, rho, _ = _setup(lams, eta, rho, "Theorem 1", gap=True)
    R = as_scalar(R, "R", positive=True)
    q = as_scalar(q, "q", positive=True)
    A = as_scalar(A, "A", positive=True)
    delta = as_scalar(delta, "delta", positive=True)
    lam1, lamd = lams[0], lams[-1]
    theorem3_range = min(
        math.sqrt(eta * lam1 / 2), 1 / (2 * rho * lam1), eta * rho * lam1**2 / 2
    ) / max(1.0, lamd)
    return float(
        min(
            theorem3_range,
            eta * lamd / 6,
            lamd / (2 * (1 + eta * rho * lam1**2)),
            q / R**2,
            eta * rho * lam1 / R,
            1 / (2 * lam1 * R),
            1 / A,
            delta,
            lamd,
            1 / 9,
        )
    )


def sample_singular(n, d, seed):
    """``n`` points with independent coordinates of density ``1/(4√|x|)`` on [-1, 1].

    A continuous distribution whose density ``Π_i 1/(4√|w_i|)`` is unbounded (near
    every coordinate hyperplane), used in Chapter 4.5 to show why Theorem 1 ⇒
    Theorem 2 needs a truncation. Each ``|w_i| = U_i²`` with ``U_i`` uniform, and a
    random sign.
    """
    n = as_count(n, "n", minimum=1)
    d = as_count(d, "d", minimum=1)
    rng = as_rng(seed)
    return rng.choice([-1.0, 1.0], size=(n, d)) * rng.random((n, d)) ** 2


def singular_density(w):
    """The density ``Π_i 1/(4√|w_i|)`` of :func:`sample_singular` (0 outside the
    cube ``[-1, 1]^d``, ``inf`` on a coordinate hyperplane)."""
    w = as_points(w)
    inside = np.all(np.abs(w) <= 1, axis=-1)
    with np.errstate(divide="ignore"):
        value = np.prod(1 / (4 * np.sqrt(np.abs(w))), axis=-1)
    return float_or_array(np.where(inside, value, 0.0))


def singular_mass_above(A, d):
    """``Pr[p(w0) > A]`` for :func:`sample_singular` in dimension d, exactly.

    ``p(w0) = 4^{-d} / Π U_i`` exceeds A iff ``Π U_i < r = 1/(4^d A)``, and for
    uniform ``U_i`` this has probability ``r Σ_{k<d} (-log r)^k / k!`` (for r ≤ 1).
    """
    A = as_scalar(A, "A", positive=True)
    d = as_count(d, "d", minimum=1)
    r = 1 / (4**d * A)
    if r >= 1:
        return 1.0
    return float(r * sum((-math.log(r)) ** k / math.factorial(k) for k in range(d)))


@dataclass(frozen=True)
class BallRuns:
    """SAM runs on ``ℓ = ½wᵀΛw`` from starts uniform in a ball, seen through
    ``v_t = Λw_t`` (the objects of Sections 4.3–4.5).

    Attributes
    ----------
    W, V : ndarray, shape (T + 1, n, d)
        Iterates and gradients ``V = ΛW``.
    norms : ndarray, shape (T + 1, n)
        ``‖v_t‖``.
    T0 : ndarray of int, shape (n,)
        Entry steps into the ball ``‖v‖ ≤ b`` (−1 if a run never enters).
    ratio0 : ndarray, shape (n,)
        ``Σ_{i≥2} v_{T0,i}²/v_{T0,1}²`` at each run's entry step.
    """

    W: np.ndarray
    V: np.ndarray
    norms: np.ndarray
    T0: np.ndarray
    ratio0: np.ndarray


def ball_runs(lams, eta, rho, n, radius, n_steps, seed) -> BallRuns:
    """``n`` SAM runs of ``n_steps`` steps from starts uniform in ``‖w0‖ ≤ radius``
    (:func:`sample_ball`, then :func:`runs_from`).

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma6_descent_time` (``η < 1/(2λ1)``).
    n, n_steps : int
        Number of runs and of steps.
    radius : float
        Radius of the ball of starts.
    seed : int or numpy.random.Generator
    """
    lams = as_eigenvalues(lams)
    w0 = sample_ball(n, lams.size, radius, seed)
    return runs_from(lams, eta, rho, w0, n_steps)


def runs_from(lams, eta, rho, w0, n_steps) -> BallRuns:
    """SAM runs of ``n_steps`` steps from the starts ``w0``, seen through ``Λw``.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`lemma6_descent_time` (``η < 1/(2λ1)``).
    w0 : array_like, shape (d,) or (n, d)
        Starts (one start is treated as a batch of one).
    n_steps : int

    Raises
    ------
    ValueError
        If a run has not entered the ball ``‖v‖ ≤ b`` within ``n_steps``.
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Section 4")
    w0 = as_points(w0, name="w0", d=lams.size).reshape(-1, lams.size)
    n = w0.shape[0]
    W = run_sam(
        Quadratic(lams).grad, w0, eta, rho, as_count(n_steps, "n_steps", minimum=1)
    )
    V = lams * W
    norms = np.linalg.norm(V, axis=-1)
    T0 = np.asarray(entry_time(norms, c.b))
    if np.any(T0 < 0):
        raise ValueError(
            f"{int(np.sum(T0 < 0))} runs never enter the ball ‖v‖ ≤ b within "
            f"{n_steps} steps: run more steps"
        )
    ratio0 = np.asarray(offaxis_ratio(V[T0, np.arange(n)]))
    return BallRuns(W=W, V=V, norms=norms, T0=T0, ratio0=ratio0)


def lemma11_high_steps(runs: BallRuns, lams, eta, rho, eps) -> np.ndarray:
    """The steps Lemma 11 counts: ``t ≥ T0`` with ``‖v_t‖ ≥ (1 + ε)β1``.

    Returns
    -------
    ndarray of bool, shape (T + 1, n)
    """
    lams, eta, rho, c = _setup(lams, eta, rho, "Lemma 11")
    eps = as_scalar(eps, "eps", positive=True)
    after = np.arange(runs.norms.shape[0])[:, None] >= runs.T0
    return (runs.norms >= (1 + eps) * c.beta[0]) & after


@dataclass(frozen=True)
class Theorem3Measurement:
    """Theorem 3's bound and the measured steps for one setting of
    :func:`theorem3_grid`.

    Attributes
    ----------
    kappa, d, eps
        Condition number ``λ1/λd``, dimension and accuracy.
    measured : int
        The largest :func:`cycle_settling_time` over the starts.
    bound, printed : float
        The corrected bound (Chapter 4.5's box) and the paper's.
    terms : dict
        The corrected bound's terms (:func:`theorem3_terms`).
    """

    #: Column titles of :meth:`row`.
    HEADER = (
        "κ",
        "d",
        "measured steps",
        "Theorem 3's bound",
        "printed bound",
        "bound / measured",
        "largest term",
    )

    kappa: float
    d: int
    eps: float
    measured: int
    bound: float
    printed: float
    terms: dict

    def row(self) -> list:
        """The setting's row of Chapter 4.5's table."""
        top = max(self.terms, key=self.terms.get).replace("_", " ")
        ratio = self.bound / self.measured
        return [
            f"{self.kappa:g}",
            self.d,
            self.measured,
            f"{self.bound:.2e}",
            f"{self.printed:.2e}",
            f"{ratio:.1e}",
            top,
        ]


def _matching(grid, key, fixed) -> list:
    """The measurements of ``grid`` equal to ``fixed`` on every key but ``key``."""
    fixed = {k: v for k, v in fixed.items() if k != key}
    picked = [m for m in grid if all(getattr(m, k) == v for k, v in fixed.items())]
    if not picked:
        raise ValueError(f"no measurement matches {fixed}")
    return picked


def theorem3_series(grid, key, **fixed):
    """``(x, bound, measured)`` arrays along ``key`` (``"kappa"``, ``"d"`` or
    ``"eps"``) of the measurements of :func:`theorem3_grid` that match ``fixed`` on
    the other keys (an entry of ``fixed`` for ``key`` itself is ignored)."""
    picked = _matching(grid, key, fixed)
    return tuple(
        np.array([getattr(m, name) for m in picked])
        for name in (key, "bound", "measured")
    )


@dataclass(frozen=True)
class KappaExponents:
    """How Theorem 3's bound and the measured steps grow with ``κ = λ1/λd``
    (:func:`theorem3_kappa_exponents`).

    Attributes
    ----------
    alignment : ndarray
        The alignment term's exponent between successive κ,
        ``Δ log(term) / Δ log κ``.
    last_doubling : float
        The bound's exponent between the last two κ (``log2`` of its ratio when κ
        doubles).
    slope_bound, slope_measured : float
        Least-squares slopes of ``log(bound)`` and ``log(measured)`` against
        ``log κ``.
    """

    alignment: np.ndarray
    last_doubling: float
    slope_bound: float
    slope_measured: float


def theorem3_kappa_exponents(grid, **fixed) -> KappaExponents:
    """Exponents of growth in κ of the measurements of :func:`theorem3_grid` that
    match ``fixed`` on ``d`` and ``eps`` (Chapter 4.5: the bound's exponent tends to
    the 7 of its alignment term, the measured one stays small).

    Examples
    --------
    >>> grid = theorem3_grid([2, 4], [2], [1e-2], 0.2, 1.0, 2.0, 0.01, 20, 400, 0)
    >>> k = theorem3_kappa_exponents(grid, d=2, eps=1e-2)
    >>> bool(np.allclose(k.alignment, 7))
    True
    """
    kappa, bound, measured = theorem3_series(grid, "kappa", **fixed)
    picked = _matching(grid, "kappa", fixed)
    log_kappa = np.log(kappa)
    alignment = np.log([m.terms["alignment"] for m in picked])
    return KappaExponents(
        alignment=np.diff(alignment) / np.diff(log_kappa),
        last_doubling=float(
            np.diff(np.log(bound[-2:]))[0] / np.diff(log_kappa[-2:])[0]
        ),
        slope_bound=float(np.polyfit(log_kappa, np.log(bound), 1)[0]),
        slope_measured=float(np.polyfit(log_kappa, np.log(measured), 1)[0]),
    )


def theorem3_grid(kappas, dims, accuracies, eta, rho, R, delta, n, n_steps, seed):
    """Theorem 3's bound against measured steps over a grid of settings.

    For each condition number κ and dimension d, ``λ`` is spaced geometrically from
    1 down to ``1/κ``; ``n`` starts uniform in ``‖w0‖ ≤ R`` (density
    ``A = 1/vol(B_R)``, and ``q`` from :func:`ball_start_constants` for δ) run
    ``n_steps`` SAM steps. For each accuracy ε the measured count is the largest
    :func:`cycle_settling_time` over the starts.

    Returns
    -------
    list of Theorem3Measurement
        One per ``(κ, d, ε)``.

    Raises
    ------
    ValueError
        If a run has not settled within ``n_steps``.
    """
    rng = as_rng(seed)
    results = []
    for kappa in kappas:
        for d in dims:
            lams = np.geomspace(1.0, 1.0 / kappa, d)
            start = ball_start_constants(d, R, delta)
            w0 = sample_ball(n, d, R, seed=rng)
            path = run_sam(Quadratic(lams).grad, w0, eta, rho, n_steps)
            for eps in accuracies:
                settle = np.asarray(cycle_settling_time(path, lams, eta, rho, eps))
                if np.any(settle < 0):
                    raise ValueError(f"runs not settled in {n_steps} steps: more steps")
                args = (lams, eta, rho, eps, R, start.q, start.A, delta)
                results.append(
                    Theorem3Measurement(
                        kappa=kappa,
                        d=d,
                        eps=eps,
                        measured=int(settle.max()),
                        bound=theorem3_steps(*args, corrected=True),
                        printed=theorem3_steps(*args),
                        terms=theorem3_terms(*args, corrected=True),
                    )
                )
    return results


@dataclass(frozen=True)
class Theorem1Gap:
    """Theorem 3's bound against Theorem 1's leading factors (:func:`theorem1_gap`).

    Attributes
    ----------
    eps : ndarray
        The accuracy used, half of :func:`theorem1_eps_max`.
    ell : ndarray
        ``log(1/ε)``.
    bound : ndarray
        Theorem 3's corrected bound.
    ratio : ndarray
        ``bound / (theorem1_factor · ℓ³)``: at most 30 (Theorem 3 ⇒ Theorem 1).
    printed_ratio : ndarray
        ``bound / (κ⁵/(ηλdμ) + d)``, the bound over the paper's factor.
    """

    eps: np.ndarray
    ell: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    printed_ratio: np.ndarray


def theorem1_gap(lams, etas, rho, R, q, A, delta) -> Theorem1Gap:
    """Theorem 3's corrected bound, at ``ε`` half the largest of
    :func:`theorem1_eps_max`, for each step size in ``etas``, against Theorem 1's
    leading factors (ours and the printed one).

    Parameters
    ----------
    lams : array_like
        ``λ1 > λ2 ≥ ... ≥ λd > 0``.
    etas : array_like
        Step sizes, each ``< 1/(2λ1)``.
    rho, R, q, A, delta
        As in :func:`theorem3_terms`.
    """
    etas = np.atleast_1d(as_param(etas, "etas", positive=True))
    eps = np.array([theorem1_eps_max(lams, e, rho, R, q, A, delta) / 2 for e in etas])
    bound = np.array(
        [
            theorem3_steps(lams, e, rho, x, R, q, A, delta, corrected=True)
            for e, x in zip(etas, eps, strict=True)
        ]
    )
    ell = np.log(1 / eps)
    ours = np.array([theorem1_factor(lams, e) for e in etas])
    printed = np.array([theorem1_factor(lams, e, printed=True) for e in etas])
    return Theorem1Gap(eps, ell, bound, bound / (ours * ell**3), bound / printed)


#: Column titles of :func:`theorem1_gap_rows`.
THEOREM1_GAP_HEADER = ("η", "bound / printed factor", "degree needed")


def theorem1_degree_needed(gap: Theorem1Gap) -> np.ndarray:
    """The degree a polynomial ``p`` needs, between successive step sizes, for
    Theorem 3's bound over the printed factor to stay below ``p(log(1/ε))``:
    ``Δ log(printed_ratio) / Δ log(ℓ)`` (Chapter 4.5; it grows without bound).

    Examples
    --------
    >>> ell, ratio = np.array([1.0, 2.0, 4.0]), np.array([1.0, 8.0, 64.0])
    >>> gap = Theorem1Gap(ell, ell, ell, ell, ratio)  # ε, bound, ratio unused
    >>> np.round(theorem1_degree_needed(gap), 12).tolist()
    [3.0, 3.0]
    """
    return np.diff(np.log(gap.printed_ratio)) / np.diff(np.log(gap.ell))


def theorem1_gap_rows(etas, gap: Theorem1Gap) -> list:
    """Rows of Chapter 4.5's table (columns :data:`THEOREM1_GAP_HEADER`): each step
    size from the second on, the bound over the printed factor there, and
    :func:`theorem1_degree_needed` since the previous step size."""
    degree = theorem1_degree_needed(gap)
    rows = zip(np.ravel(etas)[1:], gap.printed_ratio[1:], degree, strict=True)
    return [[f"{e:.0e}", f"{r:.2e}", f"{g:.1f}"] for e, r, g in rows]
