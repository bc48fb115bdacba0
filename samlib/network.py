"""A two-layer network in numpy, with hand-written backprop and Hessian-vector products.

The model of Chapter 7: ``f(x) = w2ᵀ σ(W1 x + b1) + b2`` with ``σ = tanh`` (or the
identity, a linear network), trained on the mean squared error
``L(θ) = (1/2n) Σ_i (f(x_i) - y_i)²``. All parameters live in one flat vector ``θ``
so that samlib's runners (:func:`samlib.run_sam`, :func:`samlib.run_gd`) apply
unchanged.

* :class:`TwoLayerNet`: the architecture; ``loss``, ``grad`` (backpropagation),
  ``hvp`` (Pearlmutter's R-operator: an exact Hessian-vector product at the cost of
  about two gradients), ``hessian`` (dense, from ``hvp``) and ``objective``.
* :func:`power_iteration` and :func:`lanczos_top_eigenpair`: the largest Hessian
  eigenvalue from Hessian-vector products only, as one does for networks too large for
  a dense Hessian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from samlib._validation import (
    PointFunction,
    as_count,
    as_points,
    as_rng,
    float_or_array,
    sign_fixed,
)
from samlib.objectives import Objective

__all__ = ["TwoLayerNet", "lanczos_top_eigenpair", "power_iteration"]

_ACTIVATIONS = ("tanh", "linear")


@dataclass(frozen=True)
class TwoLayerNet:
    """``f(x) = w2ᵀ σ(W1 x + b1) + b2`` with a flat parameter vector ``θ``.

    Parameters
    ----------
    d_in : int
        Input dimension.
    width : int
        Number of hidden units h.
    activation : {"tanh", "linear"}
        σ; ``"linear"`` gives a linear network (a product parameterisation).
    bias : bool
        Whether the layers have biases ``b1`` and ``b2``.

    Notes
    -----
    ``θ`` is the concatenation of ``W1`` (``h × d_in``, row-major), ``b1`` (h, if
    ``bias``), ``w2`` (h) and ``b2`` (1, if ``bias``). Data are ``X`` of shape
    ``(n, d_in)`` and targets ``y`` of shape ``(n,)``. Every method except
    :meth:`hessian` also takes a batch ``θ`` of shape ``(..., n_params)``, so that
    :func:`samlib.run_sam` can train several networks (or several ρ) in one call.

    Examples
    --------
    >>> net = TwoLayerNet(d_in=2, width=3)
    >>> net.n_params
    13
    >>> theta = net.init(seed=0)
    >>> X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0])
    >>> net.grad(theta, X, y).shape
    (13,)
    """

    d_in: int
    width: int
    activation: str = "tanh"
    bias: bool = True

    def __post_init__(self):
        as_count(self.d_in, "d_in", minimum=1)
        as_count(self.width, "width", minimum=1)
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {_ACTIVATIONS}, got {self.activation!r}"
            )

    @property
    def n_params(self) -> int:
        """Length of ``θ``: ``h·d_in + h + (h + 1 if bias)``."""
        h = self.width
        return h * self.d_in + h + (h + 1 if self.bias else 0)

    # -- parameters --------------------------------------------------------------

    def unpack(self, theta):
        """``(W1, b1, w2, b2)`` of ``θ`` (zeros for absent biases).

        For a batch ``θ`` of shape ``(..., n_params)`` the layers carry the same
        leading batch shape: ``W1`` is ``(..., h, d_in)`` and ``b2`` is ``(...)``.
        """
        return self._layers(self._theta(theta))

    def _layers(self, theta):
        """:meth:`unpack` of a checked ``θ``."""
        h, d = self.width, self.d_in
        batch = theta.shape[:-1]
        W1 = theta[..., : h * d].reshape(*batch, h, d)
        k = h * d
        if self.bias:
            b1 = theta[..., k : k + h]
            k += h
        else:
            b1 = np.zeros((*batch, h))
        w2 = theta[..., k : k + h]
        k += h
        b2 = theta[..., k] if self.bias else np.zeros(batch)
        return W1, b1, w2, b2

    def pack(self, W1, b1, w2, b2) -> np.ndarray:
        """The flat ``θ`` of the given layers (``b1``, ``b2`` ignored without bias)."""
        W1 = np.asarray(W1, dtype=float)
        batch = W1.shape[:-2]
        parts = [W1.reshape(*batch, -1)]
        if self.bias:
            parts.append(np.broadcast_to(b1, (*batch, self.width)))
        parts.append(np.broadcast_to(w2, (*batch, self.width)))
        if self.bias:
            parts.append(np.reshape(np.broadcast_to(b2, batch), (*batch, 1)))
        theta = np.concatenate([np.asarray(p, dtype=float) for p in parts], axis=-1)
        return self._theta(theta)

    def init(self, seed, scale: float = 1.0) -> np.ndarray:
        """A random ``θ``: weights ``N(0, scale²/fan_in)``, biases zero.

        Parameters
        ----------
        seed : int or numpy.random.Generator
            Seed of ``numpy.random.default_rng``.
        scale : float
            Multiplies the standard deviation of every weight.
        """
        rng = as_rng(seed)
        W1 = rng.standard_normal((self.width, self.d_in)) * scale / np.sqrt(self.d_in)
        w2 = rng.standard_normal(self.width) * scale / np.sqrt(self.width)
        return self.pack(W1, np.zeros(self.width), w2, 0.0)

    # -- forward and backward ------------------------------------------------------

    def _forward(self, W1, b1, X, second=False):
        """σ(z), σ'(z) and, if ``second``, σ''(z), each ``(..., n, h)``."""
        z = X @ np.swapaxes(W1, -1, -2) + b1[..., None, :]
        if self.activation == "tanh":
            a = np.tanh(z)
            da = 1 - a * a
            return a, da, (-2 * a * da if second else None)
        return z, np.ones_like(z), (np.zeros_like(z) if second else None)

    def _pack(self, gW1, gb1, gw2, gb2):
        """Concatenate layer-shaped arrays with a common batch shape (no checks)."""
        parts = [gW1.reshape(*gW1.shape[:-2], -1)]
        if self.bias:
            parts.append(gb1)
        parts.append(gw2)
        if self.bias:
            parts.append(gb2[..., None])
        return np.concatenate(parts, axis=-1)

    def predict(self, theta, X) -> np.ndarray:
        """The outputs ``f(x_i)``, shape ``(..., n)``."""
        return self._predict(self._theta(theta), self._data(X))

    def _predict(self, theta, X):
        W1, b1, w2, b2 = self._layers(theta)
        a, _, _ = self._forward(W1, b1, X)
        return _matvec(a, w2) + b2[..., None]

    def loss(self, theta, X, y):
        """``L(θ) = (1/2n) Σ (f(x_i) - y_i)²``; a float, or ``(...)`` for a batch."""
        return float_or_array(self._loss(self._theta(theta), *self._data(X, y)))

    def _loss(self, theta, X, y):
        return 0.5 * np.mean((self._predict(theta, X) - y) ** 2, axis=-1)

    def grad(self, theta, X, y) -> np.ndarray:
        """``∇L(θ)`` by backpropagation, shape ``(..., n_params)``."""
        return self._grad(self._theta(theta), *self._data(X, y))

    def _grad(self, theta, X, y):
        W1, b1, w2, b2 = self._layers(theta)
        a, da, _ = self._forward(W1, b1, X)
        f = _matvec(a, w2) + b2[..., None]
        delta_f = (f - y) / len(y)  # ∂L/∂f_i
        delta_z = delta_f[..., :, None] * w2[..., None, :] * da  # ∂L/∂z_ij
        return self._pack(
            np.swapaxes(delta_z, -1, -2) @ X,
            delta_z.sum(-2),
            _matvec(np.swapaxes(a, -1, -2), delta_f),
            delta_f.sum(-1),
        )

    def hvp(self, theta, X, y, v) -> np.ndarray:
        """The Hessian-vector product ``∇²L(θ) v``, exactly, by the R-operator.

        Differentiates every line of :meth:`grad` in the direction ``v``
        (Pearlmutter, 1994): ``R{u} = d/dt u(θ + t v)|_{t=0}``. Costs about two
        gradients and never forms the Hessian. ``θ`` and ``v`` may be batches that
        broadcast against each other.
        """
        theta, v = np.broadcast_arrays(self._theta(theta), self._theta(v))
        W1, b1, w2, b2 = self._layers(theta)
        V1, c1, v2, c2 = self._layers(v)
        X, y = self._data(X, y)
        n = len(y)
        a, da, dda = self._forward(W1, b1, X, second=True)
        Rz = X @ np.swapaxes(V1, -1, -2) + c1[..., None, :]
        Ra = da * Rz
        f = _matvec(a, w2) + b2[..., None]
        delta_f = (f - y) / n
        R_delta_f = (_matvec(Ra, w2) + _matvec(a, v2) + c2[..., None]) / n
        delta_a = delta_f[..., :, None] * w2[..., None, :]
        R_delta_a = (
            R_delta_f[..., :, None] * w2[..., None, :]
            + delta_f[..., :, None] * v2[..., None, :]
        )
        R_delta_z = R_delta_a * da + delta_a * dda * Rz
        return self._pack(
            np.swapaxes(R_delta_z, -1, -2) @ X,
            R_delta_z.sum(-2),
            _matvec(np.swapaxes(Ra, -1, -2), delta_f)
            + _matvec(np.swapaxes(a, -1, -2), R_delta_f),
            R_delta_f.sum(-1),
        )

    def hessian(self, theta, X, y) -> np.ndarray:
        """The dense Hessian of one ``θ``, from :meth:`hvp` on every basis vector.

        One batched call of :meth:`hvp`; meant for small networks.
        """
        theta = self._theta(theta)
        if theta.ndim != 1:
            raise ValueError(
                f"hessian takes one θ of shape (n_params,), got {theta.shape}"
            )
        H = self.hvp(theta, X, y, np.eye(self.n_params))  # row k is H e_k
        return (H + H.T) / 2

    def objective(self, X, y) -> Objective:
        """The training loss as an :class:`~samlib.Objective` of ``θ``.

        ``value`` and ``grad`` take one ``θ`` or a batch; ``hess`` takes one ``θ``.
        The data are checked once, here; ``θ`` where the functions are called, except
        in samlib's runners, which check the starting ``θ`` once.
        """
        X, y = self._data(X, y)
        return Objective(
            value=PointFunction(
                lambda theta: self._loss(theta, X, y),
                self.n_params,
                scalar=True,
                name="theta",
            ),
            grad=PointFunction(
                lambda theta: self._grad(theta, X, y), self.n_params, name="theta"
            ),
            hess=lambda theta: self.hessian(theta, X, y),
            name=f"{self.d_in}→{self.width}→1 {self.activation} network, MSE",
        )

    # -- checks ------------------------------------------------------------------

    def _theta(self, theta):
        theta = as_points(theta, name="theta")
        if theta.shape[-1] != self.n_params:
            raise ValueError(
                f"theta must have shape ({self.n_params},) or (..., {self.n_params}) "
                f"for this network, got {theta.shape}"
            )
        return theta

    def _data(self, X, y=None):
        X = as_points(X, name="X", d=self.d_in)
        if X.ndim != 2:
            raise ValueError(f"X must have shape (n, {self.d_in}), got {X.shape}")
        if y is None:
            return X
        y = np.asarray(y, dtype=float)
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
        return X, y


def _matvec(A, x):
    """``A @ x`` over leading batch axes: ``(..., m, k) × (..., k) -> (..., m)``."""
    return (A @ x[..., None])[..., 0]


def _start(dim, seed):
    dim = as_count(dim, "dim", minimum=1)
    v = as_rng(seed).standard_normal(dim)
    return dim, v / np.linalg.norm(v)


def power_iteration(
    hvp: Callable, dim: int, *, n_iter: int = 100, tol: float = 1e-10, seed=0
):
    """The eigenvalue of largest magnitude of a symmetric operator, by power iteration.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` for a symmetric ``H`` of size ``dim``.
    dim : int
    n_iter : int
        Maximum number of products.
    tol : float
        Stop when the Rayleigh quotient changes by less than ``tol·|λ|``.
    seed : int
        Seed of the random starting vector.

    Returns
    -------
    lam : float
        The Rayleigh quotient ``vᵀHv`` at the last iterate.
    v : ndarray, shape (dim,)
        A unit vector, sign fixed as in :func:`samlib.top_eigenpair`.

    Notes
    -----
    Converges at the rate ``|λ2/λ1|`` per product, and finds the eigenvalue of largest
    *magnitude*, which is the sharpness only if no negative eigenvalue is larger in
    magnitude. :func:`lanczos_top_eigenpair` has neither limitation.
    """
    dim, v = _start(dim, seed)
    lam = 0.0
    for _ in range(as_count(n_iter, "n_iter", minimum=1)):
        Hv = np.asarray(hvp(v), dtype=float)
        new = float(v @ Hv)
        norm = np.linalg.norm(Hv)
        if norm == 0:
            return 0.0, sign_fixed(v)
        v = Hv / norm
        if abs(new - lam) <= tol * abs(new):
            lam = new
            break
        lam = new
    return lam, sign_fixed(v)


def lanczos_top_eigenpair(hvp: Callable, dim: int, *, n_iter: int = 30, seed=0):
    """The largest (algebraic) eigenvalue of a symmetric operator, by Lanczos.

    ``n_iter`` products ``H v`` build an orthonormal Krylov basis (fully
    re-orthogonalised, which is cheap at the sizes of this book); the top eigenpair
    of the small tridiagonal matrix approximates the top eigenpair of ``H``. With
    ``n_iter ≥ dim`` the result is exact up to rounding.

    Parameters
    ----------
    hvp, dim
        As in :func:`power_iteration`.
    n_iter : int
        Number of Lanczos steps (at most ``dim`` are used).
    seed : int
        Seed of the random starting vector.

    Returns
    -------
    lam : float
    v : ndarray, shape (dim,)
        Unit Ritz vector, sign fixed as in :func:`samlib.top_eigenpair`.

    Examples
    --------
    >>> H = np.diag([3.0, -5.0, 1.0])
    >>> lam, v = lanczos_top_eigenpair(lambda v: H @ v, 3)
    >>> round(lam, 12), bool(np.allclose(v, [1.0, 0.0, 0.0], atol=1e-9))
    (3.0, True)
    """
    dim, q = _start(dim, seed)
    k_max = min(as_count(n_iter, "n_iter", minimum=1), dim)
    Q = np.zeros((k_max, dim))
    alpha, beta = [], []
    for k in range(k_max):
        Q[k] = q
        w = np.asarray(hvp(q), dtype=float)
        alpha.append(float(q @ w))
        w = w - Q[: k + 1].T @ (Q[: k + 1] @ w)  # full re-orthogonalisation
        w = w - Q[: k + 1].T @ (Q[: k + 1] @ w)
        b = float(np.linalg.norm(w))
        scale = max(1.0, max(abs(a) for a in alpha))
        if k == k_max - 1 or b <= 1e-12 * scale:
            break
        beta.append(b)
        q = w / b
    m = len(alpha)
    T = np.diag(alpha) + np.diag(beta[: m - 1], 1) + np.diag(beta[: m - 1], -1)
    vals, vecs = np.linalg.eigh(T)
    v = Q[:m].T @ vecs[:, -1]
    return float(vals[-1]), sign_fixed(v / np.linalg.norm(v))
