"""SAM on the convex quadratic ℓ(w) = ½ wᵀΛw (Sections 3 and 4 of the paper).

``Λ = diag(λ1, ..., λd)`` with ``λ1 ≥ ... ≥ λd > 0``. The theorems additionally assume
``λ1 > λ2`` and ``0 < η < 1/(2λ1)``; simulations run without them, while the theory
helpers here raise a ``ValueError`` that names the assumption that fails
(see :func:`violated_assumptions`). Theorem 3's number of steps, and the lemmas of
its proof, are in :mod:`samlib.proof`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    PointFunction,
    as_eigenvalues,
    as_param,
    as_points,
    as_scalar,
    batch_param,
    float_or_array,
    unchecked,
)
from samlib.objectives import Objective
from samlib.steps import normalize, run_gd, run_sam

__all__ = [
    "Quadratic",
    "QuadraticConstants",
    "QuadraticRun",
    "RunProfile",
    "cycle_distance",
    "cycle_jacobian",
    "cycle_multipliers",
    "limit_cycle",
    "quadratic_constants",
    "require_assumptions",
    "run_profile",
    "sam_on_quadratic",
    "theorem1_rate",
    "top_eigenspace_cycle",
    "violated_assumptions",
]


@dataclass(frozen=True)
class Quadratic:
    """The loss ``ℓ(w) = ½ wᵀΛw`` with ``Λ = diag(lams)`` (Section 3).

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ λ2 ≥ ... ≥ λd > 0``.

    Attributes
    ----------
    value, grad, hess, d3 : callable
        ``ℓ(w) = ½ Σ λi wi²``, ``∇ℓ(w) = Λw``, ``∇²ℓ(w) = Λ`` (shape ``(..., d, d)``)
        and the third derivative, identically zero (``(..., d, d, d)``), for one
        point ``(d,)`` or a batch ``(..., d)``. Each checks its points; samlib's
        runners call their unchecked kernels (``.unchecked``).

    Examples
    --------
    >>> q = Quadratic([1.0, 0.5])
    >>> q.value([2.0, 2.0]), q.grad([2.0, 2.0])
    (3.0, array([2., 1.]))
    """

    lams: np.ndarray

    def __post_init__(self):
        lams = as_eigenvalues(self.lams)
        d = lams.size
        diag = np.diag(lams)
        object.__setattr__(self, "lams", lams)
        functions = {
            "value": PointFunction(
                lambda w: 0.5 * np.sum(lams * w**2, axis=-1), d, scalar=True
            ),
            "grad": PointFunction(lambda w: lams * w, d),
            "hess": PointFunction(
                lambda w: np.broadcast_to(diag, (*w.shape[:-1], d, d)), d
            ),
            "d3": PointFunction(lambda w: np.zeros((*w.shape[:-1], d, d, d)), d),
        }
        for name, function in functions.items():
            object.__setattr__(self, name, function)

    @property
    def d(self) -> int:
        """Dimension of the parameter space."""
        return self.lams.size

    def sam_map(self, w, eta, rho):
        """The closed-form SAM update, eq. (3): ``(I - ηΛ - ηρΛ²/‖Λw‖) w``.

        At ``w = 0`` the gradient vanishes and, by samlib's convention
        (:func:`samlib.normalize`), the point stays at 0.
        """
        w = as_points(w, d=self.d)
        eta = batch_param(as_param(eta, "eta", positive=True), w, "eta")
        rho = batch_param(as_param(rho, "rho", nonneg=True), w, "rho")
        lw = self.lams * w
        return w - eta * self.lams * w - eta * rho * self.lams * normalize(lw)

    def as_objective(self) -> Objective:
        """This quadratic as an :class:`~samlib.Objective` (with its zero ``d3``)."""
        return Objective(self.value, self.grad, self.hess, self.d3, name="quadratic")


@dataclass(frozen=True)
class QuadraticConstants:
    """The constants of Lemma 5, each an array over ``i = 1..d`` except ``b``.

    Attributes
    ----------
    gamma : ndarray
        ``γi = ηρλi²/(1 - ηλi)``: ``|v_{t+1,i}| = (1-ηλi)|‖v_t‖ - γi| |v_{t,i}|/‖v_t‖``.
    beta : ndarray
        ``βi = ηρλi²/(2 - ηλi)``: ``v_{t,i}²`` shrinks iff ``‖v_t‖ > βi`` (part 2).
    alpha : ndarray
        ``αi = ((1-ηλ1)γ1 + (1-ηλi)γi)/((1-ηλ1) + (1-ηλi))``: the first component
        gains on the i-th iff ``‖v_t‖ < αi`` (part 3).
    b : float
        ``b = (1 - ηλ1)γ1 = ηρλ1²``: the ball ``‖v‖ ≤ b`` is absorbing (part 5).
    """

    gamma: np.ndarray
    beta: np.ndarray
    alpha: np.ndarray
    b: float


def _violations(lams, eta) -> list[str]:
    problems = []
    if not eta < 1 / (2 * lams[0]):
        problems.append(
            f"the step size must satisfy η < 1/(2λ1) = {1 / (2 * lams[0]):.6g}, "
            f"got η = {eta:.6g}"
        )
    if lams.size > 1 and not lams[0] > lams[1]:
        problems.append(
            f"the top eigenvalue must be simple, λ1 > λ2, got λ1 = λ2 = {lams[0]:.6g}"
        )
    return problems


@unchecked(_violations)
def violated_assumptions(lams, eta) -> list[str]:
    """The assumptions of Theorems 1–3 that ``(lams, eta)`` violates.

    Returns
    -------
    list of str
        Empty when ``λ1 > λ2`` (for ``d ≥ 2``) and ``0 < η < 1/(2λ1)`` both hold;
        otherwise one sentence per violated assumption, with the numbers.
    """
    return _violations(as_eigenvalues(lams), as_param(eta, "eta", positive=True))


def _require(lams, eta, where: str = "Theorems 1–3") -> None:
    problems = _violations(lams, eta)
    if problems:
        raise ValueError(f"{where} assume(s): " + "; ".join(problems))


@unchecked(_require)
def require_assumptions(lams, eta, where: str = "Theorems 1–3") -> None:
    """Raise ``ValueError`` naming each assumption of ``where`` that fails."""
    _require(as_eigenvalues(lams), as_param(eta, "eta", positive=True), where)


def _constants(lams, eta, rho) -> QuadraticConstants:
    shrink = 1 - eta * lams
    gamma = eta * rho * lams**2 / shrink
    beta = eta * rho * lams**2 / (2 - eta * lams)
    alpha = (shrink[0] * gamma[0] + shrink * gamma) / (shrink[0] + shrink)
    b = float(eta * rho * lams[0] ** 2)
    return QuadraticConstants(gamma=gamma, beta=beta, alpha=alpha, b=b)


@unchecked(_constants)
def quadratic_constants(lams, eta, rho, *, strict: bool = True) -> QuadraticConstants:
    """The constants γi, βi, αi and b of Lemma 5.

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta : float
        Step size; Lemma 5 assumes ``η < 1/(2λ1)``.
    rho : float
        Radius ρ > 0.
    strict : bool
        If True (default), raise when ``η ≥ 1/(2λ1)``. If False, compute the formulas
        wherever they are defined (``ηλ1 < 1``); Lemma 5's conclusions may then fail.

    Notes
    -----
    ``quadratic_constants.unchecked(lams, eta, rho)`` computes the same constants
    from values already checked (and the assumption already required), for samlib's
    own modules.

    Examples
    --------
    >>> c = quadratic_constants([1.0, 0.5], eta=0.2, rho=1.0)
    >>> c.beta.round(6), c.b
    (array([0.111111, 0.026316]), 0.2)
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if strict:
        _require(lams[:1], eta, where="Lemma 5")
    elif not eta * lams[0] < 1:
        raise ValueError(
            f"γ1 = ηρλ1²/(1 - ηλ1) needs ηλ1 < 1, got ηλ1 = {eta * lams[0]:.6g}"
        )
    return _constants(lams, eta, rho)


def limit_cycle(lams, eta, rho, *, strict: bool = True) -> np.ndarray:
    """The 2-cycle ``±ηρλ1/(2 - ηλ1) e1`` of Theorems 1 and 2.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`quadratic_constants`.
    strict : bool
        If True (default), raise unless ``λ1 > λ2`` and ``η < 1/(2λ1)``, the
        theorems' assumptions. With ``strict=False`` the two points are returned for
        any ``ηλ1 < 2``: they form a 2-cycle of eq. (3), though it may not attract.

    Returns
    -------
    ndarray, shape (2, d)
        The points ``+c e1`` and ``-c e1`` with ``c = β1/λ1 = ηρλ1/(2 - ηλ1)``.

    Examples
    --------
    >>> limit_cycle([1.0, 0.5], eta=0.2, rho=1.0).round(4)
    array([[ 0.1111,  0.    ],
           [-0.1111,  0.    ]])
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if strict:
        _require(lams, eta, where="Theorems 1 and 2")
    elif not eta * lams[0] < 2:
        raise ValueError(f"the 2-cycle needs ηλ1 < 2, got ηλ1 = {eta * lams[0]:.6g}")
    c = eta * rho * lams[0] / (2 - eta * lams[0])
    points = np.zeros((2, lams.size))
    points[:, 0] = [c, -c]
    return points


def cycle_distance(w, lams, eta, rho, *, strict: bool = True, all_cycles=False):
    """Distance from ``w`` to the nearer point of the 2-cycle, ``min_s ‖w - s c e1‖``.

    Works on one point ``(d,)`` or a batch (e.g. a trajectory ``(T, d)``). Theorem 2
    says that for almost every start this tends to 0, with consecutive iterates on
    opposite sides.

    Parameters
    ----------
    w : array_like, shape (d,) or (..., d)
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float or array_like
        Step size and radius; arrays broadcast against the batch shape
        ``w.shape[:-1]``, so that one call measures a batched run over a grid of
        step sizes (``run_sam`` with an array ``eta``).
    strict : bool
        As in :func:`limit_cycle` (for every step size given).
    all_cycles : bool
        If True, the distance to the set of all 2-cycles of eq. (3) on the top
        eigenspace: where the top eigenvalue is repeated, ``λ1 = ... = λk`` (only
        with ``strict=False``), every point ``c u`` with ``u`` a unit vector of that
        eigenspace is on a 2-cycle, and the distance is to that sphere. With a
        simple top eigenvalue the set is ``±c e1`` and nothing changes.

    Returns
    -------
    float or ndarray, shape ``w.shape[:-1]``
        ``sqrt((|w1| - c)² + w2² + ... + wd²)`` with ``c = ηρλ1/(2 - ηλ1)``: the
        nearer cycle point is the one on the side of ``w1``. With ``all_cycles``
        and ``λ1 = ... = λk``, ``sqrt((‖(w1, ..., wk)‖ - c)² + w_{k+1}² + ... + wd²)``.

    Examples
    --------
    >>> cycle_distance([[0.0, 0.0], [0.2, 0.0]], [1.0, 0.5], 0.2, 1.0).round(4)
    array([0.1111, 0.0889])
    """
    lams = as_eigenvalues(lams)
    w = as_points(w, d=lams.size)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    for name, value in (("eta", eta), ("rho", rho)):
        try:
            np.broadcast_shapes(np.shape(value), w.shape[:-1])
        except ValueError as err:
            raise ValueError(
                f"{name} of shape {np.shape(value)} does not broadcast against the "
                f"batch shape {w.shape[:-1]} of w (shape {w.shape})"
            ) from err
    largest = float(np.max(eta))
    if strict:
        _require(lams, largest, where="Theorems 1 and 2")
    elif not largest * lams[0] < 2:
        raise ValueError(
            f"the 2-cycle needs ηλ1 < 2, got ηλ1 = {largest * lams[0]:.6g}"
        )
    c = eta * rho * lams[0] / (2 - eta * lams[0])
    k = int(np.sum(lams == lams[0])) if all_cycles else 1  # the multiplicity of λ1
    top, rest = w[..., :k], w[..., k:]
    along = np.sqrt(np.einsum("...i,...i->...", top, top))  # ‖(w1, ..., wk)‖
    across = np.sqrt(np.einsum("...i,...i->...", rest, rest))  # ‖(w_{k+1}, ..., wd)‖
    return float_or_array(np.hypot(along - c, across))


def cycle_multipliers(lams, eta) -> np.ndarray:
    """The factors by which one SAM step multiplies a small displacement from the
    2-cycle, along each axis ``e_i`` (Chapter 3).

    Near ``c e1``, with ``c = ηρλ1/(2 - ηλ1)``, the gradient length is
    ``‖Λw‖ ≈ λ1 c``, so by eq. (3) a displacement along ``e_i``, ``i ≥ 2``, is
    multiplied by ``1 - ηλi - ηρλi²/(λ1 c) = 1 - ηλi - (λi/λ1)²(2 - ηλ1)``, and one
    along ``e1`` by ``1 - ηλ1`` (on the axis the normalised term is constant). The
    step maps ``c e1 + δ`` to ``-c e1 + m δ`` to first order (and ``-c e1 + δ`` to
    ``c e1 + m δ``), so two steps multiply δ by ``m²``. The factors do not depend
    on ρ. ``|m_i| < 1`` for all i exactly when ``λi < λ1`` for ``i ≥ 2``: the cycle
    attracts (for any ``ηλ1 < 2``), and at ``λi = λ1`` the factor is -1.

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta : float
        Step size with ``ηλ1 < 2`` (where the 2-cycle exists).

    Returns
    -------
    ndarray, shape (d,)
        ``m_1 = 1 - ηλ1`` and ``m_i = 1 - ηλi - (λi/λ1)²(2 - ηλ1)``.

    Examples
    --------
    >>> cycle_multipliers([1.0, 0.5], 0.2).round(6)
    array([0.8 , 0.45])
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    if not eta * lams[0] < 2:
        raise ValueError(f"the 2-cycle needs ηλ1 < 2, got ηλ1 = {eta * lams[0]:.6g}")
    m = 1 - eta * lams - (lams / lams[0]) ** 2 * (2 - eta * lams[0])
    m[0] = 1 - eta * lams[0]
    return m


def cycle_jacobian(lams, eta, rho, *, h: float = 1e-7) -> np.ndarray:
    """The Jacobian of the two-step SAM map ``w ↦ SAM(SAM(w))`` at the cycle point
    ``c e1``, by forward differences of eq. (3) (Chapter 3).

    An independent check of :func:`cycle_multipliers`: to first order the two-step
    map multiplies a displacement along ``e_i`` by ``m_i²``, so the Jacobian is
    ``diag(m²)`` up to ``O(h)``.

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        Step size with ``ηλ1 < 2`` (where the 2-cycle exists) and radius.
    h : float
        The forward-difference step.

    Returns
    -------
    ndarray, shape (d, d)
        Entry ``(i, j)``: the change of coordinate i per unit move along ``e_j``.

    Examples
    --------
    >>> cycle_jacobian([1.0, 0.5], 0.2, 1.0).round(4)
    array([[0.64  , 0.    ],
           [0.    , 0.2025]])
    """
    lams = as_eigenvalues(lams)
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", positive=True)
    h = as_scalar(h, "h", positive=True)
    point = limit_cycle(lams, eta, rho, strict=False)[0]
    quad = Quadratic(lams)
    nudged = point + h * np.eye(lams.size)  # the cycle point, nudged along each axis
    twice = quad.sam_map(quad.sam_map(nudged, eta, rho), eta, rho)
    return (twice - point).T / h


def top_eigenspace_cycle(w0, lams, eta, rho) -> np.ndarray:
    """Where SAM ends when the top eigenvalue repeats, ``λ1 = ... = λk``: one point
    ``c P w0/‖P w0‖`` of the 2-cycle through the projection ``P w0`` of the start on
    the top eigenspace, ``c = ηρλ1/(2 - ηλ1)`` (Chapter 3).

    Eq. (3) multiplies the first k coordinates by one common factor, so their ratios
    never change, and the others die out; the run ends on ``±c P w0/‖P w0‖``.

    Parameters
    ----------
    w0 : array_like, shape (d,) or (n, d)
        Starts with ``P w0 ≠ 0``.
    lams, eta, rho
        As in :func:`limit_cycle` with ``strict=False``.

    Examples
    --------
    >>> top_eigenspace_cycle([3.0, 4.0, 1.0], [1.0, 1.0, 0.5], 0.2, 1.0).round(4)
    array([0.0667, 0.0889, 0.    ])
    """
    lams = as_eigenvalues(lams)
    w0 = as_points(w0, name="w0", d=lams.size)
    c = limit_cycle(lams, eta, rho, strict=False)[0, 0]
    top = np.where(lams == lams[0], w0, 0.0)
    norm = np.linalg.norm(top, axis=-1, keepdims=True)
    if np.any(norm == 0):
        raise ValueError("the start must have a component in the top eigenspace")
    return c * top / norm


def theorem1_rate(lams, eta, *, printed: bool = False):
    """The factor of Theorem 1's number of steps in front of ``p(log(1/ε))``.

    With ``κ = λ1/λd`` and ``μ = min{ηλd, λ1²/λ2² - 1}``, Theorem 1 takes
    ``t ≥ rate · p(log(1/ε))`` steps, and

    * ``printed=False`` (default): ``rate = (κ⁵ + d/(ηλd))/(ηλd μ)``, what Theorem 3
      gives (Chapter 3's box of Theorem 1);
    * ``printed=True``: ``rate = κ⁵/(ηλd μ) + d``, as the paper prints it. Theorem 3's
      bound has a term of order ``d [log(R/(ηρλ1))]² log(6/(ηλd))/((ηλd)² μ)``
      (Lemmas 6 and 7), which this rate times a polynomial in ``log(1/ε)`` does not
      cover as ``η → 0``.

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 > λ2 ≥ ... ≥ λd > 0``.
    eta : float or array_like
        Step sizes with ``0 < η < 1/(2λ1)``.
    printed : bool
        The rate as printed instead of the corrected one.

    Returns
    -------
    float or ndarray
        One rate per step size.

    Examples
    --------
    With ``κ = 2`` and ``ηλd = μ = 1/8``: ``32·64 + 2`` and ``(32 + 2·8)·64``.

    >>> float(theorem1_rate([1.0, 0.5], 0.25, printed=True))
    2050.0
    >>> float(theorem1_rate([1.0, 0.5], 0.25))
    3072.0
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    _require(lams, float(np.max(eta)), where="Theorem 1")
    d, lam1, lamd = lams.size, lams[0], lams[-1]
    kappa5 = (lam1 / lamd) ** 5
    mu = np.minimum(eta * lamd, lam1**2 / lams[1] ** 2 - 1) if d > 1 else eta * lamd
    if printed:
        return float_or_array(kappa5 / (eta * lamd * mu) + d)
    return float_or_array((kappa5 + d / (eta * lamd)) / (eta * lamd * mu))


@dataclass(frozen=True)
class QuadraticRun:
    """One SAM run on ``½wᵀΛw`` with what Theorems 1–2 say about its end
    (:func:`sam_on_quadratic`).

    Attributes
    ----------
    lams : ndarray
        The eigenvalues.
    path : ndarray, shape (n_steps + 1, d)
        SAM's iterates ``w_0, ..., w_n``.
    gd : ndarray or None
        Gradient descent's iterates from the same start with the same η, if asked.
    cycle : ndarray, shape (2, d)
        The points ``±c e1``, ``c = ηρλ1/(2 - ηλ1)`` (:func:`limit_cycle`,
        ``strict=False``).
    distance : float
        Distance from the last iterate to the set of 2-cycles
        (:func:`cycle_distance` with ``all_cycles=True``: a circle if ``λ1 = λ2``).
    problems : list of str
        The assumptions of Theorems 1–2 that fail (:func:`violated_assumptions`).
    """

    lams: np.ndarray
    path: np.ndarray
    gd: np.ndarray | None
    cycle: np.ndarray
    distance: float
    problems: list

    @property
    def status(self) -> str:
        """The failing assumptions, or that they all hold, as one phrase."""
        return "; ".join(self.problems) or "the assumptions of Theorems 1–2 hold"


def sam_on_quadratic(lams, w0, eta, rho, n_steps, *, gd: bool = False) -> QuadraticRun:
    """Run SAM (and optionally GD) on ``½wᵀΛw`` for any ``ηλ1 < 2`` and measure how
    far the run ends from the 2-cycle of Theorem 2 (Chapters 1 and 3's explorers).

    Parameters
    ----------
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0`` (``λ1 = λ2`` allowed).
    w0 : array_like, shape (d,)
        The start.
    eta, rho : float
        Step size and radius; the theorems' assumptions need not hold.
    n_steps : int
    gd : bool
        Also run gradient descent from ``w0`` with step size ``η``.

    Raises
    ------
    ValueError
        If ``ηλ1 ≥ 2``: along ``e1`` gradient descent multiplies the distance to 0 by
        ``|1 - ηλ1| ≥ 1``, SAM diverges too, and there is no 2-cycle.

    Examples
    --------
    >>> run = sam_on_quadratic([1.0, 0.5], [2.0, 2.0], 0.2, 1.0, 300)
    >>> run.distance < 1e-12, run.status
    (True, 'the assumptions of Theorems 1–2 hold')
    """
    lams = as_eigenvalues(lams)
    w0 = as_points(w0, name="w0", d=lams.size)
    eta = as_scalar(eta, "eta", positive=True)
    rho = as_scalar(rho, "rho", positive=True)
    if not eta * lams[0] < 2:
        raise ValueError(
            f"η = {eta:.3g} ≥ 2/λ1 = {2 / lams[0]:.3g}: gradient descent diverges on "
            "this quadratic (|1 − ηλ1| ≥ 1), and so does SAM"
        )
    quad = Quadratic(lams)
    path = run_sam(quad.grad, w0, eta, rho, n_steps)
    return QuadraticRun(
        lams=lams,
        path=path,
        gd=run_gd(quad.grad, w0, eta, n_steps) if gd else None,
        cycle=limit_cycle(lams, eta, rho, strict=False),
        distance=cycle_distance(
            path[-1], lams, eta, rho, strict=False, all_cycles=True
        ),
        problems=_violations(lams, eta),
    )


@dataclass(frozen=True)
class RunProfile:
    """What Chapter 3 measures along one SAM run (:func:`run_profile`).

    Attributes
    ----------
    grad_norm, norm, loss : ndarray, shape (T,)
        ``‖Λw_t‖``, ``‖w_t‖`` and ``ℓ(w_t)``.
    share : ndarray, shape (T,)
        ``|w_{t,1}|/‖w_t‖``, the first coordinate's share.
    ratio : ndarray, shape (T,)
        ``w_{t,1}²/w_{t,2}²`` (Lemma 5, part 3, in the ``w`` coordinates); only for
        ``d ≥ 2``.
    t_star : int
        The first step with ``‖Λw_t‖ ≤ b = ηρλ1²`` (Lemma 5's absorbing ball), −1 if
        there is none.
    """

    grad_norm: np.ndarray
    norm: np.ndarray
    loss: np.ndarray
    share: np.ndarray
    ratio: np.ndarray
    t_star: int


def run_profile(path, lams, eta, rho) -> RunProfile:
    """Gradient length, distance to 0, loss, the first coordinate's share and the
    step ``t*`` at which the gradient enters Lemma 5's ball ``‖Λw‖ ≤ ηρλ1²``.

    Parameters
    ----------
    path : array_like, shape (T, d)
        SAM's iterates on ``½wᵀΛw``, ``d ≥ 2``.
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        The run's step size and radius (for ``b = ηρλ1²``).

    Examples
    --------
    >>> p = run_profile([[2.0, 2.0], [0.1, 0.1]], [1.0, 0.5], 0.2, 1.0)
    >>> p.grad_norm.round(4), p.share.round(4), p.t_star
    (array([2.2361, 0.1118]), array([0.7071, 0.7071]), 1)
    """
    lams = as_eigenvalues(lams)
    path = as_points(path, name="path", d=lams.size)
    if path.ndim != 2 or lams.size < 2:
        raise ValueError(f"path must have shape (T, d) with d >= 2, got {path.shape}")
    b = as_scalar(eta, "eta", positive=True) * as_scalar(rho, "rho", positive=True)
    b *= lams[0] ** 2
    grad_norm = np.linalg.norm(lams * path, axis=1)
    norm = np.linalg.norm(path, axis=1)
    inside = grad_norm <= b
    with np.errstate(divide="ignore", invalid="ignore"):
        share, ratio = np.abs(path[:, 0]) / norm, path[:, 0] ** 2 / path[:, 1] ** 2
    return RunProfile(
        grad_norm=grad_norm,
        norm=norm,
        loss=0.5 * np.sum(lams * path**2, axis=1),
        share=share,
        ratio=ratio,
        t_star=int(np.argmax(inside)) if inside.any() else -1,
    )
