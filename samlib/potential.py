"""The potential J of Proposition 8: SAM on a quadratic is gradient descent on J.

``J(u) = ½ uᵀCu - ‖Λu‖`` with ``C = (2I - ηΛ)/(ηρ) = diag(λi²/βi)``. Lemma 10: the
sign-flipped SAM iterates ``u_t = (-1)^t w_t`` follow ``u_{t+1} = u_t - ηρ∇J(u_t)``,
and J never increases along them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samlib._validation import as_eigenvalues, as_param, as_points, float_or_array

__all__ = [
    "J",
    "J_gd_step",
    "J_stationary_points",
    "StationaryCheck",
    "StationaryPoint",
    "grad_J",
    "hess_J",
    "hessian_signature",
    "lemma10_decrease_bound",
    "lemma10_decreases",
    "sign_flip",
    "stationary_checks",
    "stationary_hessian",
]


def _setup(u, lams, eta, rho):
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    u = as_points(u, name="u", d=lams.size)
    curvature = (2 - eta * lams) / (eta * rho)  # diagonal of C
    return u, lams, eta, rho, curvature


def _norm_lambda_u(u, lams):
    norm = np.linalg.norm(lams * u, axis=-1)
    if np.any(norm == 0):
        raise ValueError(
            "J is not differentiable at u = 0 (‖Λu‖ = 0): Proposition 8's formulas "
            "need u ≠ 0"
        )
    return norm


def J(u, lams, eta, rho):
    """The potential ``J(u) = ½ Σ λi²ui²/βi - ‖Λu‖`` of Proposition 8.

    Parameters
    ----------
    u : array_like, shape (d,) or (..., d)
    lams : array_like
        Eigenvalues ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        Step size η > 0 and radius ρ > 0.

    Examples
    --------
    The global minima ``±(β1/λ1) e1`` have value ``-β1/2`` (Remark 9):

    >>> round(J([0.2 / 1.8, 0.0], [1.0, 0.5], 0.2, 1.0), 6)
    -0.055556
    """
    u, lams, eta, rho, c = _setup(u, lams, eta, rho)
    value = 0.5 * np.sum(c * u**2, axis=-1) - np.linalg.norm(lams * u, axis=-1)
    return float_or_array(value)


def grad_J(u, lams, eta, rho):
    """``∇J(u) = Cu - Λ²u/‖Λu‖`` (Proposition 8); undefined, and raising, at u = 0."""
    u, lams, _, _, c = _setup(u, lams, eta, rho)
    return _grad_J(u, lams, c)


def _grad_J(u, lams, curvature):
    """``∇J(u)`` for checked arguments; ``curvature`` is the diagonal of C."""
    norm = _norm_lambda_u(u, lams)
    return curvature * u - lams**2 * u / norm[..., None]


def hess_J(u, lams, eta, rho):
    """``∇²J(u) = C - ΛP⊥Λ/‖Λu‖`` with ``P⊥ = I - Λuuᵀ Λ/‖Λu‖²`` (Proposition 8).

    Returns
    -------
    ndarray, shape (..., d, d)
    """
    u, lams, eta, rho, c = _setup(u, lams, eta, rho)
    norm = _norm_lambda_u(u, lams)[..., None, None]
    lu = lams * u
    outer = lu[..., :, None] * lu[..., None, :]
    projector = np.eye(lams.size) - outer / norm**2
    return np.diag(c) - lams[:, None] * projector * lams[None, :] / norm


def J_gd_step(u, lams, eta, rho):
    """One gradient-descent step on J with step size ηρ: ``u - ηρ∇J(u)`` (Lemma 10)."""
    u, lams, eta, rho, c = _setup(u, lams, eta, rho)
    return u - eta * rho * _grad_J(u, lams, c)


def sign_flip(trajectory):
    """The map ``u_t = (-1)^t w_t`` of Lemma 10, applied along the first axis.

    It is its own inverse, so it also takes J's iterates back to SAM's.

    Parameters
    ----------
    trajectory : array_like, shape (T, ..., d)
        ``w_0, w_1, ...`` as returned by :func:`samlib.run_sam`.
    """
    trajectory = np.asarray(trajectory, dtype=float)
    if trajectory.ndim < 2:
        raise ValueError(
            f"trajectory must have shape (T, ..., d), got shape {trajectory.shape}"
        )
    signs = (-1.0) ** np.arange(trajectory.shape[0])
    return trajectory * signs.reshape(-1, *([1] * (trajectory.ndim - 1)))


def lemma10_decrease_bound(u, lams, eta, rho):
    """Lemma 10's guaranteed decrease of J in one step from ``u``.

    ``J(u_{t+1}) - J(u_t) ≤ -(1/(2ρ)) Σ ui² (1 - βi/‖Λu‖)² (2 - ηλi)² λi``; the
    function returns the right-hand side (a number ≤ 0). The bound holds for every
    η > 0 and ρ > 0: it only uses ``∇²J ⪯ C``.
    """
    u, lams, eta, rho, _ = _setup(u, lams, eta, rho)
    norm = _norm_lambda_u(u, lams)[..., None]
    beta = eta * rho * lams**2 / (2 - eta * lams)
    terms = u**2 * (1 - beta / norm) ** 2 * (2 - eta * lams) ** 2 * lams
    return float_or_array(-np.sum(terms, axis=-1) / (2 * rho))


@dataclass(frozen=True)
class StationaryPoint:
    """A stationary point ``±(βi/λi) e_i`` of J, with Proposition 8's signature.

    Attributes
    ----------
    point : ndarray, shape (d,)
    index : int
        The eigen-direction i (0-based: ``index = 0`` is the paper's e1).
    value : float
        ``J = -βi/2``.
    n_positive, n_negative, n_zero : int
        Counts of positive, negative and zero Hessian eigenvalues stated by
        Proposition 8: ``|{j: βj < βi}| + 1``, ``|{j: βj > βi}|`` and
        ``|{j: βj = βi}| - 1``.
    """

    point: np.ndarray
    index: int
    value: float
    n_positive: int
    n_negative: int
    n_zero: int

    @property
    def is_minimum(self) -> bool:
        """True for the global minima of Remark 9 (no negative eigenvalue)."""
        return self.n_negative == 0


def J_stationary_points(lams, eta, rho) -> list[StationaryPoint]:
    """The stationary points ``±(βi/λi) e_i`` of J and their Hessian signatures.

    Proposition 8: ∇J(u) = 0 iff ``‖u‖ = βi/λi`` and ``u ∈ span{e_j : λj = λi}``
    for some i. When eigenvalues repeat, the stationary set is a sphere in the
    eigenspace; this function returns the points on the coordinate axes, two per
    eigen-direction (``2d`` points in all, ``+`` before ``-``).

    Parameters
    ----------
    lams : array_like
        ``λ1 ≥ ... ≥ λd > 0``.
    eta, rho : float
        η > 0 with ``ηλ1 < 2`` (so that every βi is positive) and ρ > 0.
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if not eta * lams[0] < 2:
        raise ValueError(
            f"J has stationary points only when ηλ1 < 2, got ηλ1 = {eta * lams[0]:.6g}"
        )
    beta = eta * rho * lams**2 / (2 - eta * lams)
    points = []
    for i, (lam, b) in enumerate(zip(lams, beta, strict=False)):
        smaller = int(np.sum(lams < lam))  # βj < βi  ⇔  λj < λi  (β increasing in λ)
        larger = int(np.sum(lams > lam))
        equal = int(np.sum(lams == lam))
        for sign in (1.0, -1.0):
            point = np.zeros(lams.size)
            point[i] = sign * b / lam
            points.append(
                StationaryPoint(
                    point=point,
                    index=i,
                    value=float(-b / 2),
                    n_positive=smaller + 1,
                    n_negative=larger,
                    n_zero=equal - 1,
                )
            )
    return points


def lemma10_decreases(U, lams, eta, rho):
    """The decrease of J along sign-flipped iterates and Lemma 10's guarantee.

    Parameters
    ----------
    U : array_like, shape (T + 1, ..., d)
        Iterates ``u_t = (-1)^t w_t`` (:func:`sign_flip`), time first.
    lams, eta, rho
        As in :func:`J`.

    Returns
    -------
    decrease, guaranteed : ndarray, shape (T, ...)
        ``J(u_t) - J(u_{t+1})`` and ``-``:func:`lemma10_decrease_bound` ``(u_t)``;
        Lemma 10 says ``decrease ≥ guaranteed`` (both are ≥ 0).
    """
    U, lams, eta, rho, c = _setup(U, lams, eta, rho)
    if U.ndim < 2 or U.shape[0] < 2:
        raise ValueError("U must hold at least two iterates (shape (T + 1, ..., d))")
    values = 0.5 * np.sum(c * U**2, axis=-1) - np.linalg.norm(lams * U, axis=-1)
    norm = _norm_lambda_u(U[:-1], lams)[..., None]
    beta = eta * rho * lams**2 / (2 - eta * lams)
    terms = U[:-1] ** 2 * (1 - beta / norm) ** 2 * (2 - eta * lams) ** 2 * lams
    return values[:-1] - values[1:], np.sum(terms, axis=-1) / (2 * rho)


def hessian_signature(hessian, tol=1e-9):
    """Counts ``(positive, negative, zero)`` of a symmetric matrix's eigenvalues.

    An eigenvalue counts as zero when ``|λ| ≤ tol · max|λ|``.

    Examples
    --------
    >>> hessian_signature(np.diag([2.0, -1.0, 1e-14]))
    (1, 1, 1)
    """
    hessian = np.asarray(hessian, dtype=float)
    if hessian.ndim != 2 or hessian.shape[0] != hessian.shape[1]:
        raise ValueError(f"hessian must be a square matrix, got shape {hessian.shape}")
    ev = np.linalg.eigvalsh(hessian)
    cut = tol * np.abs(ev).max()
    return int(np.sum(ev > cut)), int(np.sum(ev < -cut)), int(np.sum(np.abs(ev) <= cut))


def stationary_hessian(lams, eta, rho, index, direction=None):
    """Proposition 8's closed form of ∇²J at the stationary point ``(βi/λi) û``:

    ``Λ² (Σ_{j: βj ≠ βi} (1/βj - 1/βi) e_j e_jᵀ + û ûᵀ/βi)``.

    Parameters
    ----------
    lams, eta, rho
        As in :func:`J_stationary_points`.
    index : int
        The eigen-direction i (0-based).
    direction : array_like, optional
        The unit vector û, in ``span{e_j : λj = λi}``; default ``e_i``. The paper
        prints ``e_i e_iᵀ`` in the last term, which is the Hessian only for
        ``û = ±e_i``.
    """
    lams = as_eigenvalues(lams)
    eta = as_param(eta, "eta", positive=True)
    rho = as_param(rho, "rho", positive=True)
    if not 0 <= index < lams.size:
        raise ValueError(f"index must be in 0..{lams.size - 1}, got {index}")
    if direction is None:
        direction = np.eye(lams.size)[index]
    u_hat = as_points(direction, name="direction", d=lams.size)
    if not np.isclose(np.linalg.norm(u_hat), 1.0, rtol=1e-12):
        raise ValueError("direction must be a unit vector")
    if np.any(u_hat[lams != lams[index]] != 0):
        raise ValueError("direction must lie in span{e_j : λj = λi}")
    beta = eta * rho * lams**2 / (2 - eta * lams)
    diag = np.where(lams == lams[index], 0.0, 1 / beta - 1 / beta[index])
    inner = np.diag(diag) + np.outer(u_hat, u_hat) / beta[index]
    return lams[:, None] * inner * lams[None, :]


@dataclass(frozen=True)
class StationaryCheck:
    """A stationary point of J with Proposition 8's predictions and what numpy
    measures there (:func:`stationary_checks`).

    Attributes
    ----------
    lams : tuple of float
    point : StationaryPoint
    value : float
        ``J`` evaluated at the point (Proposition 8: ``-βi/2``).
    closed_form : float
        ``-βi/2`` from Lemma 5's βi.
    measured : tuple of int
        Signs of the eigenvalues of ``hess_J`` (:func:`hessian_signature`).
    predicted : tuple of int
        Proposition 8's counts.
    hessian_error : float
        ``max |hess_J - stationary_hessian|``.
    gradient_norm : float
        ``‖∇J‖`` at the point.
    lowest_eigenvalue : float
        The smallest eigenvalue of ``hess_J`` (Remark 9).
    """

    #: Column titles of :meth:`row`.
    HEADER = (
        "λ",
        "point",
        "J",
        r"$-\beta_i/2$",
        "predicted + / − / 0",
        "numerical + / − / 0",
        "type",
    )

    lams: tuple
    point: StationaryPoint
    value: float
    closed_form: float
    measured: tuple
    predicted: tuple
    hessian_error: float
    gradient_norm: float
    lowest_eigenvalue: float

    def row(self) -> list[str]:
        """The point's row of Chapter 4.3's table (Markdown with inline math)."""
        i = self.point.index + 1
        sign = "+" if self.point.point[i - 1] > 0 else "-"
        return [
            "(" + ", ".join(f"{x:g}" for x in self.lams) + ")",
            f"${sign}(\\beta_{i}/\\lambda_{i})e_{i}$",
            f"{self.value:.5f}",
            f"{self.closed_form:.5f}",
            "{} / {} / {}".format(*self.predicted),
            "{} / {} / {}".format(*self.measured),
            "minimum" if self.point.is_minimum else "saddle",
        ]


def stationary_checks(lams, eta, rho) -> list[StationaryCheck]:
    """Each stationary point of :func:`J_stationary_points` with Proposition 8's
    predictions (value, Hessian, signature) next to the numerical ones."""
    points = J_stationary_points(lams, eta, rho)  # checks the arguments
    lams = as_eigenvalues(lams)
    beta = eta * rho * lams**2 / (2 - eta * lams)
    checks = []
    for p in points:
        H = hess_J(p.point, lams, eta, rho)
        closed = stationary_hessian(lams, eta, rho, p.index)
        checks.append(
            StationaryCheck(
                lams=tuple(lams.tolist()),
                point=p,
                value=J(p.point, lams, eta, rho),
                closed_form=float(-beta[p.index] / 2),
                measured=hessian_signature(H),
                predicted=(p.n_positive, p.n_negative, p.n_zero),
                hessian_error=float(np.abs(H - closed).max()),
                gradient_norm=float(np.linalg.norm(grad_J(p.point, lams, eta, rho))),
                lowest_eigenvalue=float(np.linalg.eigvalsh(H).min()),
            )
        )
    return checks
