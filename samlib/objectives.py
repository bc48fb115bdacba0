"""Losses with exact derivatives: :class:`Objective` and every loss the book uses.

* :class:`Objective`: a loss bundled with its gradient, Hessian and (optionally)
  third derivative (Section 5); also ``samlib.Objective``.
* :func:`paper_objective`, ``w1²/(1 + w2²/2) + w2²/2``, the loss of Section 6
  (Figures 3–5): a quadratic whose sharpness falls as ``|w2|`` grows.
* :func:`product_loss`, ``½(xy - 1)²``: a valley of minima ``xy = 1`` whose sharpness
  ``x² + y²`` varies along the valley and is smallest at ``±(1, 1)`` (Chapter 5).
* :func:`sharpening_loss`, ``½(1 + y²)x² + ½α(y - y*)²``, on which gradient descent
  sharpens up to the edge of stability (Chapter 2).
* :func:`cubic_objective`, ``½wᵀMw + T(w, w, w)/6``, whose third derivative is
  constant (Theorem 21's remainder, Chapter 5).
* :func:`quadratic_objective`, ``½ wᵀΛw`` (Sections 3–4).
* :func:`rotated_objective`, a loss turned by an orthogonal matrix, and
  :func:`logistic_loss`, a loss minimised at infinity (Chapter 7).

The losses built here check their points when called, and samlib's runners call
their unchecked kernels on points checked once
(:class:`samlib._validation.PointFunction`).
Every two-dimensional loss takes one point ``(2,)`` or a batch ``(..., 2)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from samlib._validation import PointFunction, as_param, float_or_array

__all__ = [
    "Objective",
    "as_objective",
    "cubic_objective",
    "logistic_loss",
    "manifold_loss",
    "paper_objective",
    "product_loss",
    "quadratic_objective",
    "quartic_objective",
    "rotated_objective",
    "sharpening_loss",
]


@dataclass(frozen=True)
class Objective:
    """A loss ℓ with its gradient, Hessian and (optionally) third derivative.

    All callables take one point ``(d,)`` or a batch ``(..., d)`` and return arrays
    of shape ``(...)``, ``(..., d)``, ``(..., d, d)`` and ``(..., d, d, d)``.

    Parameters
    ----------
    value, grad, hess : callable
        ℓ(w), ∇ℓ(w) and ∇²ℓ(w).
    d3 : callable, optional
        The third-derivative tensor ``D³ℓ(w)[i, j, k] = ∂³ℓ/∂wi∂wj∂wk``. When absent,
        :func:`samlib.grad_lambda_max` falls back to finite differences of ``hess``.
    name : str
        A short label for plots and messages.
    """

    value: Callable
    grad: Callable
    hess: Callable
    d3: Callable | None = None
    name: str = "objective"

    def __post_init__(self):
        for field in ("value", "grad", "hess"):
            if not callable(getattr(self, field)):
                raise TypeError(f"Objective.{field} must be callable")
        if self.d3 is not None and not callable(self.d3):
            raise TypeError("Objective.d3 must be callable or None")

    def sharpness(self, w):
        """λmax(∇²ℓ(w)), the largest Hessian eigenvalue, for one point or a batch."""
        return float_or_array(np.linalg.eigvalsh(self.hess(w))[..., -1])


def as_objective(objective) -> Objective:
    """``objective`` itself if it is an :class:`Objective`, else a ``TypeError``."""
    if not isinstance(objective, Objective):
        raise TypeError(
            f"objective must be a samlib.Objective, got {type(objective).__name__}"
        )
    return objective


def _from_kernels(d: int, value, grad, hess, d3, name: str) -> Objective:
    """An :class:`Objective` whose callables check their points, then run the
    kernels (which take finite float arrays ``(..., d)``)."""
    return Objective(
        PointFunction(value, d, scalar=True),
        PointFunction(grad, d),
        PointFunction(hess, d),
        PointFunction(d3, d),
        name=name,
    )


# ----------------------------------------------------------- two-dimensional losses
# The kernels below take a checked point (2,) or batch (..., 2). A single point is
# unpacked into two numpy scalars: on them each operation costs a fraction of the
# same operation on 0-d arrays, which is what keeps a runner's step near the cost of
# hand-written numpy (benchmarks/run.py).


def _xy(w):
    return (w[0], w[1]) if w.ndim == 1 else (w[..., 0], w[..., 1])


def _pair(w, a, b):
    """The gradient ``(a, b)`` at the point(s) ``w``."""
    if w.ndim == 1:
        return np.array((a, b))
    out = np.empty(w.shape)
    out[..., 0], out[..., 1] = a, b
    return out


def _symmetric2(w, a11, a12, a22):
    """The symmetric 2×2 matrices with the given entries, at the point(s) ``w``."""
    if w.ndim == 1:
        return np.array(((a11, a12), (a12, a22)))
    out = np.empty((*w.shape, 2))
    out[..., 0, 0], out[..., 0, 1], out[..., 1, 0], out[..., 1, 1] = a11, a12, a12, a22
    return out


def _symmetric3(w, t111, t112, t122, t222):
    """The symmetric 2×2×2 tensors with the given independent entries."""
    T = np.empty((*w.shape, 2, 2))
    for (i, j, k), value in {
        (0, 0, 0): t111,
        (0, 0, 1): t112,
        (0, 1, 0): t112,
        (1, 0, 0): t112,
        (0, 1, 1): t122,
        (1, 0, 1): t122,
        (1, 1, 0): t122,
        (1, 1, 1): t222,
    }.items():
        T[..., i, j, k] = value
    return T


def paper_objective() -> Objective:
    """The loss ``ℓ(w) = w1²/(1 + w2²/2) + w2²/2`` of Section 6 (Figures 3, 4, 5).

    A perturbation of ``w1² + w2²/2`` with the same minimum at 0 whose Hessian
    ``diag(2/(1 + w2²/2), 1)`` on the axis ``w1 = 0`` is less sharp as ``|w2|`` grows.

    Examples
    --------
    >>> loss = paper_objective()
    >>> round(loss.value([1.0, 1.0]), 12)
    1.166666666667
    >>> loss.sharpness([0.0, 0.0])
    2.0
    """

    def value(w):
        x, y = _xy(w)
        return x**2 / (1 + y**2 / 2) + y**2 / 2

    def grad(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _pair(w, 2 * x / q, -(x**2) * y / q**2 + y)

    def hess(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _symmetric2(
            w, 2 / q, -2 * x * y / q**2, 1 - x**2 * (1 / q**2 - 2 * y**2 / q**3)
        )

    def d3(w):
        x, y = _xy(w)
        q = 1 + y**2 / 2
        return _symmetric3(
            w,
            0.0,
            -2 * y / q**2,
            -2 * x * (1 / q**2 - 2 * y**2 / q**3),
            6 * x**2 * y * (1 / q**3 - y**2 / q**4),
        )

    return _from_kernels(2, value, grad, hess, d3, "w1²/(1+w2²/2) + w2²/2")


def product_loss() -> Objective:
    """The loss ``ℓ(x, y) = ½(xy - 1)²``: a curved valley of minima ``xy = 1``.

    On the valley the Hessian ``[[y², 1], [1, x²]]`` has eigenvalues 0 and
    ``x² + y²``, so the sharpness varies along the valley and is smallest, 2, at
    ``±(1, 1)``. Its third derivative is ``∂xxy = 2y``, ``∂xyy = 2x`` (others 0) and its
    fourth is constant, so D³ℓ is Lipschitz (Theorem 21's B is finite).

    Examples
    --------
    >>> loss = product_loss()
    >>> loss.value([2.0, 0.5]), loss.sharpness([2.0, 0.5])
    (0.0, 4.25)
    """

    def value(w):
        x, y = _xy(w)
        return 0.5 * (x * y - 1) ** 2

    def grad(w):
        x, y = _xy(w)
        r = x * y - 1
        return _pair(w, r * y, r * x)

    def hess(w):
        x, y = _xy(w)
        return _symmetric2(w, y**2, 2 * x * y - 1, x**2)

    def d3(w):
        x, y = _xy(w)
        return _symmetric3(w, 0.0, 2 * y, 2 * x, 0.0)

    return _from_kernels(2, value, grad, hess, d3, "½(xy − 1)²")


def sharpening_loss(alpha: float = 0.3, y_star: float = 3.3) -> Objective:
    """The loss ``ℓ(x, y) = ½(1 + y²)x² + ½α(y - y*)²`` of Chapter 2.

    A quadratic in x whose curvature ``1 + y²`` is set by the second parameter, which
    the second term pulls towards ``y*``. Its only minimum is ``(0, y*)``, with
    sharpness ``max(1 + y*², α)``; gradient descent started at a smaller y sharpens
    on its way there. When ``1 + y*² > 2/η`` it cannot converge: the curvature reaches
    the edge of stability ``2/η`` first, x starts to oscillate, and the growing term
    ``½·2y·x²`` of ∂ℓ/∂y pushes y back (the self-stabilisation of Damian et al.).

    Parameters
    ----------
    alpha : float
        Strength α > 0 of the pull towards ``y*``.
    y_star : float
        The y coordinate of the minimum.

    Returns
    -------
    Objective
        With exact gradient, Hessian and third derivative.

    Examples
    --------
    >>> loss = sharpening_loss(alpha=0.3, y_star=3.3)
    >>> loss.value([0.0, 3.3]), round(loss.sharpness([0.0, 3.3]), 2)
    (0.0, 11.89)
    >>> loss.hess([1.0, 2.0]).tolist()
    [[5.0, 4.0], [4.0, 1.3]]
    """
    alpha = as_param(alpha, "alpha", positive=True)
    y_star = as_param(y_star, "y_star")
    if np.ndim(y_star) != 0 or np.ndim(alpha) != 0:
        raise ValueError("alpha and y_star must be scalars")

    def value(w):
        x, y = _xy(w)
        return 0.5 * (1 + y**2) * x**2 + 0.5 * alpha * (y - y_star) ** 2

    def grad(w):
        x, y = _xy(w)
        return _pair(w, (1 + y**2) * x, y * x**2 + alpha * (y - y_star))

    def hess(w):
        x, y = _xy(w)
        return _symmetric2(w, 1 + y**2, 2 * x * y, x**2 + alpha)

    def d3(w):
        # ∂xxy = 2y, ∂xyy = 2x, ∂xxx = ∂yyy = 0, symmetric in its three indices.
        x, y = _xy(w)
        return _symmetric3(w, 0.0, 2 * y, 2 * x, 0.0)

    return _from_kernels(
        2, value, grad, hess, d3, f"½(1+y²)x² + ½·{alpha:g}(y − {y_star:g})²"
    )


# -------------------------------------------------------------- losses in any dimension


def cubic_objective(M, T, name: str = "cubic") -> Objective:
    """``ℓ(w) = ½ wᵀMw + T(w, w, w)/6`` with exact derivatives.

    ``∇ℓ = Mw + ½T(w, w, ·)``, ``∇²ℓ = M + T(w, ·, ·)`` and ``D³ℓ = T`` is constant,
    so D³ℓ is 0-Lipschitz: the smallest B of Theorem 21's assumption is 0, while
    the Hessian still changes (Chapter 5).

    Parameters
    ----------
    M : array_like, shape (d, d)
        Symmetric matrix, the Hessian at 0.
    T : array_like, shape (d, d, d)
        Fully symmetric tensor.

    Examples
    --------
    >>> T = np.zeros((2, 2, 2))
    >>> T[0, 0, 1] = T[0, 1, 0] = T[1, 0, 0] = 1.0
    >>> loss = cubic_objective(np.diag([2.0, 1.0]), T)
    >>> loss.value([1.0, 1.0])
    2.0
    """
    M = np.asarray(M, dtype=float)
    T = np.asarray(T, dtype=float)
    d = M.shape[0]
    if M.shape != (d, d) or not np.allclose(M, M.T):
        raise ValueError(f"M must be a symmetric (d, d) matrix, got shape {M.shape}")
    if T.shape != (d, d, d):
        raise ValueError(f"T must have shape ({d}, {d}, {d}), got {T.shape}")
    for axes in [(1, 0, 2), (0, 2, 1), (2, 1, 0)]:
        if not np.allclose(T, T.transpose(axes)):
            raise ValueError("T must be a fully symmetric tensor")

    def value(w):
        return (
            0.5 * np.einsum("...i,ij,...j->...", w, M, w)
            + np.einsum("ijk,...i,...j,...k->...", T, w, w, w) / 6
        )

    def grad(w):
        return w @ M + 0.5 * np.einsum("ijk,...i,...j->...k", T, w, w)

    def hess(w):
        return M + np.einsum("ijk,...i->...jk", T, w)

    def d3(w):
        return np.broadcast_to(T, (*w.shape[:-1], d, d, d)).copy()

    return _from_kernels(d, value, grad, hess, d3, name)


def quadratic_objective(lams) -> Objective:
    """``½ wᵀ diag(lams) w`` as an :class:`Objective` (Sections 3–4).

    The same loss as :class:`samlib.Quadratic`, whose eigenvalue checks apply.
    """
    from samlib.quadratic import Quadratic  # quadratic.py builds on Objective

    return Quadratic(lams).as_objective()


# ------------------------------------------------ Chapter 5: Theorem 21's hypotheses
# Two losses of Chapter 5, self-contained: a separable quartic (the step-size
# condition of Theorem 21's proof) and a plane of minima with two zero Hessian
# eigenvalues (the reduction of Section 5 to the non-flat directions).


def quartic_objective(lams, q) -> Objective:
    """``ℓ(w) = Σ λi wi²/2 + qi wi⁴/24``, a separable quartic with exact derivatives.

    ``∇²ℓ = diag(λi + qi wi²/2)`` and ``D³ℓ(w)`` is diagonal with entries ``qi wi``,
    so ``‖D³ℓ(w)‖ = max |qi wi|`` and ``D³ℓ`` is ``max |qi|``-Lipschitz (``D⁴ℓ`` is
    diagonal and constant). Chapter 5 uses ``λ = (1, 1/2)``, ``q = (1, 0)``: its
    minimum 0 has no drift, so SAM's step from the 2-cycle should be the bounce.

    Parameters
    ----------
    lams, q : array_like, shape (d,)
        The quadratic and quartic coefficients.

    Examples
    --------
    >>> loss = quartic_objective([1.0, 0.5], [1.0, 0.0])
    >>> loss.hess([2.0, 1.0]).diagonal().tolist()  # 1 + 2²/2 and 1/2
    [3.0, 0.5]
    """
    lams = np.atleast_1d(as_param(lams, "lams")).astype(float)
    q = np.atleast_1d(as_param(q, "q")).astype(float)
    if lams.ndim != 1 or lams.shape != q.shape:
        raise ValueError(
            f"lams and q must be two 1-D arrays of one length, got {lams.shape}, "
            f"{q.shape}"
        )
    d = lams.size

    def value(w):
        return np.sum(lams * w**2 / 2 + q * w**4 / 24, axis=-1)

    def grad(w):
        return lams * w + q * w**3 / 6

    def hess(w):
        return (lams + q * w**2 / 2)[..., None] * np.eye(d)

    def d3(w):
        T = np.zeros((*w.shape, d, d))
        i = np.arange(d)
        T[..., i, i, i] = q * w
        return T

    return _from_kernels(d, value, grad, hess, d3, "Σ λi wi²/2 + qi wi⁴/24")


def manifold_loss() -> Objective:
    """``ℓ(u, v) = ½ uᵀA(v)u`` on ``R⁴``, ``A(v) = [[2 + v1², v2], [v2, 1]]``.

    Every point ``(0, 0, v1, v2)`` is a minimum: a plane of minima, along which the
    Hessian ``diag(A(v), 0, 0)`` has two zero eigenvalues (``k = 2`` in Section 5)
    and a top eigenvalue ``λmax(A(v)) = (3 + v1²)/2 + √((1 + v1²)²/4 + v2²)`` that
    is simple and smallest, 2, at ``v = 0``. ``D⁴ℓ`` is constant (entries 2 at the
    six orderings of ``(u1, u1, v1, v1)``), so ``D³ℓ`` is ``√24``-Lipschitz.

    Examples
    --------
    >>> loss = manifold_loss()
    >>> loss.value([1.0, 0.0, 1.0, 0.0]), loss.sharpness([0.0, 0.0, 0.0, 0.0])
    (1.5, 2.0)
    """

    def parts(w):
        return w[..., 0], w[..., 1], w[..., 2], w[..., 3]

    def value(w):
        u1, u2, v1, v2 = parts(w)
        return ((2 + v1**2) * u1**2 + 2 * v2 * u1 * u2 + u2**2) / 2

    def grad(w):
        u1, u2, v1, v2 = parts(w)
        return np.stack(
            [(2 + v1**2) * u1 + v2 * u2, v2 * u1 + u2, v1 * u1**2, u1 * u2], axis=-1
        )

    def hess(w):
        u1, u2, v1, v2 = parts(w)
        H = np.zeros((*w.shape, 4))
        entries = {(0, 0): 2 + v1**2, (0, 1): v2, (0, 2): 2 * v1 * u1, (0, 3): u2}
        entries.update({(1, 1): 1.0, (1, 3): u1, (2, 2): u1**2})
        for (i, j), a in entries.items():
            H[..., i, j] = H[..., j, i] = a
        return H

    def d3(w):
        u1, _, v1, _ = parts(w)
        T = np.zeros((*w.shape, 4, 4))
        for (i, j, k), a in {
            (0, 0, 2): 2 * v1,
            (0, 1, 3): 1.0,
            (0, 2, 2): 2 * u1,
        }.items():
            for p in {(i, j, k), (i, k, j), (j, i, k), (j, k, i), (k, i, j), (k, j, i)}:
                T[(..., *p)] = a
        return T

    return _from_kernels(4, value, grad, hess, d3, "½ uᵀA(v)u")


# ---------------------------------------------- Chapter 7: turned losses, logistic loss
# The losses of the open problems (Chapters 7.4 and 7.9), kept together here.


def rotated_objective(objective: Objective, Q) -> Objective:
    """``ℓ_Q(w) = ℓ(Qᵀw)`` for an orthogonal ``Q``: the same loss, turned by ``Q``.

    Its derivatives are ``Q∇ℓ(Qᵀw)``, ``Q∇²ℓ(Qᵀw)Qᵀ`` and ``D³ℓ`` with every index
    turned by ``Q``; a minimum ``w*`` of ℓ becomes ``Qw*``, and the Hessian's
    eigenvectors ``Q e_i``. SAM is equivariant under rotations (``‖Qg‖ = ‖g‖``), so in
    exact arithmetic SAM on ``ℓ_Q`` is SAM on ℓ turned by ``Q``; in floating point
    the two differ by rounding (Chapter 7.9).

    Examples
    --------
    >>> turned = rotated_objective(paper_objective(), [[0.0, -1.0], [1.0, 0.0]])
    >>> turned.hess([0.0, 0.0]).tolist()  # diag(2, 1) turned by a quarter turn
    [[1.0, 0.0], [0.0, 2.0]]
    """
    objective = as_objective(objective)
    Q = np.asarray(Q, dtype=float)
    d = Q.shape[0] if Q.ndim == 2 else 0
    if Q.shape != (d, d) or d == 0 or not np.allclose(Q.T @ Q, np.eye(d), atol=1e-12):
        raise ValueError(f"Q must be an orthogonal (d, d) matrix, got shape {Q.shape}")

    def value(w):
        return objective.value(w @ Q)  # rows Qᵀw

    def grad(w):
        return np.asarray(objective.grad(w @ Q)) @ Q.T

    def hess(w):
        return Q @ np.asarray(objective.hess(w @ Q)) @ Q.T

    def d3(w):
        T = np.asarray(objective.d3(w @ Q))
        return np.einsum("...abc,ia,jb,kc->...ijk", T, Q, Q, Q)

    turned = _from_kernels(d, value, grad, hess, d3, f"{objective.name}, rotated")
    return turned if objective.d3 is not None else replace(turned, d3=None)


def logistic_loss(X, y) -> Objective:
    """The logistic loss of a linear classifier: ``(1/n) Σ log(1 + e^{-y_i⟨w, x_i⟩})``.

    With ``z_i = y_i x_i`` and ``s_i = σ(-⟨w, z_i⟩)`` (σ the sigmoid, computed as
    ``(1 - tanh(m/2))/2`` so that large margins neither overflow nor lose the small
    values), ``∇L = -(1/n) Σ s_i z_i``, ``∇²L = (1/n) Σ s_i(1 - s_i) z_i z_iᵀ`` and
    ``D³L = -(1/n) Σ s_i(1 - s_i)(1 - 2s_i) z_i ⊗ z_i ⊗ z_i``.
    On separable data it has no minimum: it decreases to 0 along every separating
    direction (Chapter 7.4).

    Parameters
    ----------
    X : array_like, shape (n, d)
        The inputs (no bias: add a constant column for one).
    y : array_like, shape (n,)
        Labels ±1.

    Examples
    --------
    >>> loss = logistic_loss([[1.0, 0.0], [0.0, -1.0]], [1.0, -1.0])
    >>> bool(np.isclose(loss.value([0.0, 0.0]), np.log(2)))
    True
    >>> loss.grad([0.0, 0.0]).tolist()
    [-0.25, -0.25]
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or y.shape != (X.shape[0],):
        raise ValueError(
            f"X must have shape (n, d) and y shape (n,), got {X.shape} and {y.shape}"
        )
    if not (np.isfinite(X).all() and np.all(np.abs(y) == 1)):
        raise ValueError("X must be finite and the labels y must be ±1")
    Z = y[:, None] * X
    n = len(Z)

    def value(w):
        return np.mean(np.logaddexp(0, -(w @ Z.T)), axis=-1)

    def weights(w):  # s_i = σ(-⟨w, z_i⟩)
        return 0.5 * (1 - np.tanh((w @ Z.T) / 2))

    def grad(w):
        return -(weights(w) @ Z) / n

    def hess(w):
        s = weights(w)
        return np.einsum("...n,nd,ne->...de", s * (1 - s), Z, Z) / n

    def d3(w):
        s = weights(w)
        c = s * (1 - s) * (1 - 2 * s)
        return -np.einsum("...n,nd,ne,nf->...def", c, Z, Z, Z) / n

    return _from_kernels(X.shape[1], value, grad, hess, d3, "logistic loss")
