"""A two-layer network in numpy, with hand-written backprop and Hessian-vector products.

The model of Chapter 7: ``f(x) = W2 σ(W1 x + b1) + b2`` with ``σ = tanh`` (or the
identity, a linear network) and ``k`` outputs (``k = 1``: ``f(x) = w2ᵀσ(W1x + b1) +
b2``), trained on the squared error ``L(θ) = (1/2n) Σ_i ‖f(x_i) - y_i‖²`` (with
one-hot targets ``y_i`` for a classifier). All parameters live in one flat vector
``θ`` so that samlib's runners (:func:`samlib.run_sam`, :func:`samlib.run_gd`) apply
unchanged, and every method takes a batch of ``θ`` (independent networks trained in
one numpy call).

* :class:`TwoLayerNet`: the architecture; ``loss``, ``grad`` (backpropagation),
  ``hvp`` (Pearlmutter's R-operator: an exact Hessian-vector product at the cost of
  about two gradients), ``hessian`` (dense, from ``hvp``), ``hessian_diagonal`` (in
  closed form, so the trace costs one forward pass) and ``objective``.
* :func:`power_iteration` and :func:`lanczos_top_eigenpair`: the largest Hessian
  eigenvalue from Hessian-vector products only, as one does for networks too large for
  a dense Hessian (:meth:`TwoLayerNet.sharpness`); :func:`hutchinson_trace`, the
  trace from Hessian-vector products;
* :func:`bounce_statistics`: how the last steps of a training run bounce across the
  ravine of the top Hessian eigenvectors (Chapter 7.5).
"""

from __future__ import annotations

import numbers
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
from samlib.steps import normalize

__all__ = [
    "Bounce",
    "Training",
    "TwoLayerNet",
    "bounce_statistics",
    "hutchinson_trace",
    "lanczos_top_eigenpair",
    "power_iteration",
    "train_networks",
]

_ACTIVATIONS = ("tanh", "linear")

#: Batches of networks (and of Hessian-vector products) are processed in blocks of
#: rows whose largest temporary array, ``(rows, n, max(h, k))``, holds about this many
#: numbers (128 KiB): small arrays stay in cache, and their memory is reused instead
#: of being mapped afresh (page by page) at every step.
BLOCK_ELEMENTS = 1 << 14


@dataclass(frozen=True)
class TwoLayerNet:
    """``f(x) = W2 σ(W1 x + b1) + b2`` with a flat parameter vector ``θ``.

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
    n_out : int
        Number of outputs k (10 for a classifier of digits with one-hot targets).

    Notes
    -----
    ``θ`` is the concatenation of ``W1`` (``h × d_in``, row-major), ``b1`` (h, if
    ``bias``), ``W2`` (``k × h``, row-major) and ``b2`` (k, if ``bias``); for
    ``k = 1`` the output layer is a vector ``w2`` (h) and a number ``b2``.

    Data are ``X`` of shape ``(..., n, d_in)`` and targets ``y`` of shape
    ``(..., n)`` (``k = 1``) or ``(..., n, k)``. Every method except :meth:`hessian`
    also takes a batch ``θ`` of shape ``(..., n_params)``, and the leading shapes of
    ``θ``, ``X`` and ``y`` broadcast against each other: one call trains several
    networks (several ρ, several seeds), each on its own labels or mini-batch if
    ``X`` and ``y`` carry the batch axes too.

    Examples
    --------
    >>> net = TwoLayerNet(d_in=2, width=3)
    >>> net.n_params
    13
    >>> theta = net.init(seed=0)
    >>> X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, -1.0])
    >>> net.grad(theta, X, y).shape
    (13,)
    >>> TwoLayerNet(d_in=2, width=3, n_out=10).n_params  # 6 + 3 + 30 + 10
    49
    """

    d_in: int
    width: int
    activation: str = "tanh"
    bias: bool = True
    n_out: int = 1

    def __post_init__(self):
        as_count(self.d_in, "d_in", minimum=1)
        as_count(self.width, "width", minimum=1)
        as_count(self.n_out, "n_out", minimum=1)
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {_ACTIVATIONS}, got {self.activation!r}"
            )

    @property
    def n_params(self) -> int:
        """Length of ``θ``: ``h·d_in + k·h + (h + k if bias)``."""
        h, k = self.width, self.n_out
        return h * self.d_in + k * h + (h + k if self.bias else 0)

    # -- parameters --------------------------------------------------------------

    def unpack(self, theta):
        """``(W1, b1, W2, b2)`` of ``θ`` (zeros for absent biases).

        For a batch ``θ`` of shape ``(..., n_params)`` the layers carry the same
        leading batch shape: ``W1`` is ``(..., h, d_in)``, ``W2`` is ``(..., k, h)``
        and ``b2`` is ``(..., k)``; for ``k = 1``, ``w2`` is ``(..., h)`` and ``b2``
        is ``(...)``.
        """
        W1, b1, W2, b2 = self._layers(self._theta(theta))
        if self.n_out == 1:
            return W1, b1, W2[..., 0, :], b2[..., 0]
        return W1, b1, W2, b2

    def _layers(self, theta):
        """``(W1, b1, W2, b2)``, ``W2`` always of shape ``(..., k, h)``."""
        h, d, k = self.width, self.d_in, self.n_out
        batch = theta.shape[:-1]
        W1 = theta[..., : h * d].reshape(*batch, h, d)
        i = h * d
        if self.bias:
            b1 = theta[..., i : i + h]
            i += h
        else:
            b1 = np.zeros((*batch, h))
        W2 = theta[..., i : i + k * h].reshape(*batch, k, h)
        i += k * h
        b2 = theta[..., i : i + k] if self.bias else np.zeros((*batch, k))
        return W1, b1, W2, b2

    def pack(self, W1, b1, W2, b2) -> np.ndarray:
        """The flat ``θ`` of the given layers (``b1``, ``b2`` ignored without bias).

        ``W2`` and ``b2`` have the shapes :meth:`unpack` returns: ``(..., h)`` and
        ``(...)`` for one output, ``(..., k, h)`` and ``(..., k)`` for k outputs.
        """
        W1 = np.asarray(W1, dtype=float)
        batch = W1.shape[:-2]
        k, h = self.n_out, self.width
        parts = [W1.reshape(*batch, -1)]
        if self.bias:
            parts.append(np.broadcast_to(b1, (*batch, h)))
        out_shape = (*batch, h) if k == 1 else (*batch, k, h)
        parts.append(np.broadcast_to(W2, out_shape).reshape(*batch, k * h))
        if self.bias:
            parts.append(np.reshape(np.broadcast_to(b2, out_shape[:-1]), (*batch, k)))
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
        h, k = self.width, self.n_out
        W1 = rng.standard_normal((h, self.d_in)) * scale / np.sqrt(self.d_in)
        W2 = rng.standard_normal((k, h)) * scale / np.sqrt(h)
        return self.pack(W1, np.zeros(h), W2[0] if k == 1 else W2, 0.0 if k == 1 else 0)

    # -- forward and backward ------------------------------------------------------

    def _forward(self, W1, b1, X, second=False):
        """σ(z), σ'(z) and, if ``second``, σ''(z), each ``(..., n, h)``."""
        z = X @ W1.swapaxes(-1, -2) + b1[..., None, :]
        if self.activation == "tanh":
            a = np.tanh(z)
            da = 1 - a * a
            return a, da, (-2 * a * da if second else None)
        return z, np.ones_like(z), (np.zeros_like(z) if second else None)

    def _pack(self, gW1, gb1, gW2, gb2):
        """The flat vector of layer-shaped arrays whose batch shapes broadcast."""
        h, d, k = self.width, self.d_in, self.n_out
        batch = np.broadcast_shapes(
            gW1.shape[:-2], gb1.shape[:-1], gW2.shape[:-2], gb2.shape[:-1]
        )
        out = np.empty((*batch, self.n_params))
        out[..., : h * d] = gW1.reshape(*gW1.shape[:-2], h * d)
        i = h * d
        if self.bias:
            out[..., i : i + h] = gb1
            i += h
        out[..., i : i + k * h] = gW2.reshape(*gW2.shape[:-2], k * h)
        if self.bias:
            out[..., i + k * h :] = gb2
        return out

    def _outputs(self, theta, X):
        """Layers, hidden activations and outputs ``f`` of shape ``(..., n, k)``."""
        W1, b1, W2, b2 = self._layers(theta)
        a, da, _ = self._forward(W1, b1, X)
        return (W1, b1, W2, b2), a, da, a @ W2.swapaxes(-1, -2) + b2[..., None, :]

    def predict(self, theta, X) -> np.ndarray:
        """The outputs ``f(x_i)``: ``(..., n)`` for one output, else ``(..., n, k)``."""
        theta, X = self._theta(theta), self._data(X)
        f = self._outputs(theta, X)[-1]
        return f[..., 0] if self.n_out == 1 else f

    def loss(self, theta, X, y):
        """``L(θ) = (1/2n) Σ ‖f(x_i) - y_i‖²``; a float, or ``(...)`` for a batch."""
        return float_or_array(self._loss(self._theta(theta), *self._data(X, y)))

    def _loss(self, theta, X, Y):
        """:meth:`loss` on checked inputs, targets ``Y`` of shape ``(..., n, k)``."""
        r = self._outputs(theta, X)[-1] - Y
        return 0.5 * np.mean(np.sum(r * r, axis=-1), axis=-1)

    def grad(self, theta, X, y) -> np.ndarray:
        """``∇L(θ)`` by backpropagation, shape ``(..., n_params)``."""
        theta, (X, Y) = self._theta(theta), self._data(X, y)
        return self._grad(theta, X, Y)

    def _grad(self, theta, X, Y):
        """:meth:`grad` on checked inputs, targets ``Y`` of shape ``(..., n, k)``."""
        (_, _, W2, _), a, da, f = self._outputs(theta, X)
        delta_f = (f - Y) / Y.shape[-2]  # ∂L/∂f_i, (..., n, k)
        delta_z = (delta_f @ W2) * da  # ∂L/∂z_ij
        return self._pack(
            delta_z.swapaxes(-1, -2) @ X,
            delta_z.sum(-2),
            delta_f.swapaxes(-1, -2) @ a,
            delta_f.sum(-2),
        )

    def hvp(self, theta, X, y, v) -> np.ndarray:
        """The Hessian-vector product ``∇²L(θ) v``, exactly, by the R-operator.

        Differentiates every line of :meth:`grad` in the direction ``v``
        (Pearlmutter, 1994): ``R{u} = d/dt u(θ + t v)|_{t=0}``. Costs about two
        gradients and never forms the Hessian. ``θ`` and ``v`` may be batches that
        broadcast against each other.
        """
        theta, v = np.broadcast_arrays(self._theta(theta), self._theta(v))
        X, Y = self._data(X, y)
        W1, b1, W2, b2 = self._layers(theta)
        V1, c1, V2, c2 = self._layers(v)
        n = Y.shape[-2]
        a, da, dda = self._forward(W1, b1, X, second=True)
        Rz = X @ V1.swapaxes(-1, -2) + c1[..., None, :]
        Ra = da * Rz
        f = a @ W2.swapaxes(-1, -2) + b2[..., None, :]
        delta_f = (f - Y) / n
        R_delta_f = (
            Ra @ W2.swapaxes(-1, -2) + a @ V2.swapaxes(-1, -2) + c2[..., None, :]
        ) / n
        delta_a = delta_f @ W2
        R_delta_a = R_delta_f @ W2 + delta_f @ V2
        R_delta_z = R_delta_a * da + delta_a * dda * Rz
        return self._pack(
            R_delta_z.swapaxes(-1, -2) @ X,
            R_delta_z.sum(-2),
            R_delta_f.swapaxes(-1, -2) @ a + delta_f.swapaxes(-1, -2) @ Ra,
            R_delta_f.sum(-2),
        )

    def hessian(self, theta, X, y) -> np.ndarray:
        """The dense Hessian of one ``θ``, from :meth:`hvp` on every basis vector.

        Batched calls of :meth:`hvp` on blocks of basis vectors (see
        :data:`BLOCK_ELEMENTS`); meant for small networks.
        """
        theta = self._theta(theta)
        if theta.ndim != 1:
            raise ValueError(
                f"hessian takes one θ of shape (n_params,), got {theta.shape}"
            )
        X, Y = self._data(X, y)
        if X.ndim != 2 or Y.ndim != 2:
            raise ValueError("hessian takes one data set: X of shape (n, d_in)")
        P = self.n_params
        rows = max(1, BLOCK_ELEMENTS // (X.shape[0] * max(self.width, self.n_out)))
        H = np.empty((P, P))
        for start in range(0, P, rows):  # row k is H e_k
            basis = np.eye(rows, P, start)[: P - start]
            H[start : start + rows] = self.hvp(theta, X, Y, basis)
        return (H + H.T) / 2

    def hessian_diagonal(self, theta, X, y) -> np.ndarray:
        """The diagonal of ``∇²L(θ)``, exactly, in closed form; shape of ``θ``.

        With ``r_i = f(x_i) - y_i`` and ``c_ij = σ'(z_ij)² ‖W2[:, j]‖² + σ''(z_ij)
        ⟨r_i, W2[:, j]⟩``, the second derivatives are ``(1/n) Σ_i x_il² c_ij`` for
        ``W1[j, l]``, ``(1/n) Σ_i c_ij`` for ``b1[j]``, ``(1/n) Σ_i σ(z_ij)²`` for
        ``W2[k, j]`` and 1 for ``b2[k]``: the output layer enters linearly and the
        squared error's Hessian in ``f`` is the identity. Its sum is the trace of the
        Hessian at the cost of one forward pass (compare :func:`hutchinson_trace`).
        """
        theta, (X, Y) = self._theta(theta), self._data(X, y)
        W1, b1, W2, b2 = self._layers(theta)
        a, da, dda = self._forward(W1, b1, X, second=True)
        f = a @ W2.swapaxes(-1, -2) + b2[..., None, :]
        n, k, h = Y.shape[-2], self.n_out, self.width
        mean_a2 = np.mean(a * a, axis=-2)
        c = da * da * np.sum(W2 * W2, axis=-2)[..., None, :] + dda * ((f - Y) @ W2)
        return self._pack(
            c.swapaxes(-1, -2) @ (X * X) / n,
            c.mean(-2),
            np.broadcast_to(mean_a2[..., None, :], (*mean_a2.shape[:-1], k, h)),
            np.ones(k),
        )

    def sharpness(self, theta, X, y, *, n_iter: int = 20, seed=0):
        """λmax of the Hessian of the loss at θ (one or a batch), without forming it.

        :func:`lanczos_top_eigenpair` with ``n_iter`` steps on exact Hessian-vector
        products (:meth:`hvp`), one Lanczos process per θ of the batch, all from the
        same random start (``seed``).

        Returns
        -------
        float, or ndarray of the batch shape ``theta.shape[:-1]``
        """
        theta = self._theta(theta)
        X, Y = self._data(X, y)
        lam, _ = lanczos_top_eigenpair(
            lambda V: self.hvp(theta, X, Y, V),
            self.n_params,
            n_iter=n_iter,
            seed=seed,
            batch_shape=theta.shape[:-1],
        )
        return lam

    def objective(self, X, y) -> Objective:
        """The training loss as an :class:`~samlib.Objective` of ``θ``.

        ``value`` and ``grad`` take one ``θ`` or a batch; ``hess`` takes one ``θ``.
        The data are checked once, here; ``θ`` where the functions are called, except
        in samlib's runners, which check the starting ``θ`` once.
        """
        X, Y = self._data(X, y)
        return Objective(
            value=PointFunction(
                lambda theta: self._loss(theta, X, Y),
                self.n_params,
                scalar=True,
                name="theta",
            ),
            grad=PointFunction(
                lambda theta: self._grad(theta, X, Y), self.n_params, name="theta"
            ),
            hess=lambda theta: self.hessian(theta, X, y),
            name=f"{self.d_in}→{self.width}→{self.n_out} {self.activation} network, "
            "MSE",
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
        """``X`` checked, and ``y`` as targets ``Y`` of shape ``(..., n, k)``."""
        X = as_points(X, name="X", d=self.d_in)
        if X.ndim < 2:
            raise ValueError(
                f"X must have shape (n, {self.d_in}) or (..., n, {self.d_in}), "
                f"got {X.shape}"
            )
        if y is None:
            return X
        n, k = X.shape[-2], self.n_out
        Y = np.asarray(y, dtype=float)
        expected = f"(..., {n})" if k == 1 else f"(..., {n}, {k})"
        if k == 1 and Y.ndim >= 1 and Y.shape[-1] == n:
            Y = Y[..., None]
        if Y.ndim < 2 or Y.shape[-2:] != (n, k):
            raise ValueError(
                f"y must have shape {expected} for {n} examples and {k} output(s), "
                f"got {np.shape(y)}"
            )
        if not np.isfinite(Y).all():
            raise ValueError("y must be finite (no NaN or inf)")
        return X, Y


# -- training many networks at once ---------------------------------------------------


@dataclass(frozen=True)
class Training:
    """Checkpoints of a batch of training runs (:func:`train_networks`).

    Attributes
    ----------
    steps : ndarray of int, shape (m,)
        The steps at which ``theta`` was recorded: 0, ``every``, ..., ``n_steps``.
    theta : ndarray, shape (m, runs, n_params)
        The parameters of every run at those steps.
    """

    steps: np.ndarray
    theta: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The parameters at the last step, shape ``(runs, n_params)``."""
        return self.theta[-1]


def _run_vector(value, runs, name, kind):
    arr = np.asarray(value, dtype=kind)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (runs,)):
        raise ValueError(
            f"{name} must be a scalar or have shape ({runs},) (one per run), "
            f"got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (runs,))


def _batches(n, batch_size, n_steps, seed, runs):
    """Sorted indices of a fresh batch per step for each run: ``(len(runs), T, b)``.

    Run ``r`` draws from ``numpy.random.default_rng([seed, r])``, so its batches do
    not depend on which other runs are trained alongside it.
    """
    out = np.empty((len(runs), n_steps, batch_size), dtype=int)
    for i, r in enumerate(runs):
        keys = np.random.default_rng([seed, r]).random((n_steps, n))
        chosen = np.argpartition(keys, batch_size - 1, axis=1)[:, :batch_size]
        out[i] = np.sort(chosen, axis=1)
    return out


def train_networks(
    net: TwoLayerNet,
    X,
    y,
    theta0,
    *,
    eta: float,
    n_steps: int,
    rho=0.0,
    normalised=True,
    batch_size: int | None = None,
    seed=None,
    checkpoint_every: int | None = None,
) -> Training:
    """Train a batch of networks by SAM, unnormalised SAM, GD or SGD, in one loop.

    Every run ``r`` (a row of ``theta0``) follows

    ``θ ← θ - η ∇L_B(θ + ρ_r φ_r(∇L_B(θ)))``,

    with ``φ_r(g) = g/‖g‖`` (SAM, eq. 2) if ``normalised[r]`` and ``φ_r(g) = g``
    (unnormalised SAM) otherwise; ``ρ_r = 0`` is gradient descent. ``L_B`` is the
    loss on all examples, or, with ``batch_size``, on a fresh random batch of
    ``batch_size`` distinct examples for each step and run, used by both gradients
    of the step (SGD when ``ρ_r = 0``).

    Parameters
    ----------
    net : TwoLayerNet
    X : array_like, shape (n, d_in)
        Training inputs, shared by the runs.
    y : array_like, shape (n, k) or (runs, n, k)
        Targets, shared or one set per run (e.g. labels with different noise);
        ``(n,)`` or ``(runs, n)`` for one output.
    theta0 : array_like, shape (runs, n_params)
        Initial parameters.
    eta : float
        Step size η > 0.
    n_steps : int
    rho : float or array_like of shape (runs,)
        Radii ρ ≥ 0.
    normalised : bool or array_like of bool, shape (runs,)
    batch_size : int, optional
        ``1 ≤ batch_size ≤ n``; full batch if None.
    seed : int
        Seed of the batches (required with ``batch_size``).
    checkpoint_every : int, optional
        Record ``θ`` every that many steps (and at the end); only at the start and
        the end if None.

    Returns
    -------
    Training

    Examples
    --------
    >>> net = TwoLayerNet(d_in=2, width=3)
    >>> X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, -1.0, 0])
    >>> theta0 = np.stack([net.init(seed=s) for s in range(4)])
    >>> run = train_networks(net, X, y, theta0, eta=0.1, n_steps=50,
    ...                      rho=[0.0, 0.05, 0.05, 0.0], normalised=[1, 1, 0, 1])
    >>> run.theta.shape, run.steps.tolist()
    ((2, 4, 13), [0, 50])
    >>> bool(np.all(net.loss(run.final, X, y) < net.loss(theta0, X, y)))
    True
    """
    if not isinstance(net, TwoLayerNet):
        raise TypeError(f"net must be a TwoLayerNet, got {type(net).__name__}")
    theta0 = net._theta(theta0)
    if theta0.ndim != 2:
        raise ValueError(
            f"theta0 must have shape (runs, {net.n_params}), got {theta0.shape}"
        )
    X, Y = net._data(X, y)
    runs, n = theta0.shape[0], X.shape[0]
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n, {net.d_in}), got {X.shape}")
    if Y.ndim == 3 and Y.shape[0] != runs:
        raise ValueError(
            f"y must hold one set of targets or one per run ({runs}), got {Y.shape[0]}"
        )
    if Y.ndim > 3:
        raise ValueError(f"y must have at most one batch axis, got shape {Y.shape}")
    if isinstance(eta, (bool, np.bool_)) or not np.ndim(eta) == 0 or not eta > 0:
        raise ValueError(f"eta must be a number > 0, got {eta!r}")
    rho = _run_vector(rho, runs, "rho", float)
    if not np.all(np.isfinite(rho)) or np.any(rho < 0):
        raise ValueError(f"rho must be finite and >= 0, got {rho.tolist()}")
    normalised = _run_vector(normalised, runs, "normalised", bool)
    n_steps = as_count(n_steps, "n_steps")
    every = n_steps if checkpoint_every is None else checkpoint_every
    every = as_count(every, "checkpoint_every", minimum=1) if n_steps else 1
    steps = np.unique(np.r_[np.arange(0, n_steps + 1, every), n_steps])
    if batch_size is not None:
        batch_size = as_count(batch_size, "batch_size", minimum=1)
        if batch_size > n:
            raise ValueError(f"batch_size must be <= n = {n}, got {batch_size}")
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
            # run r draws its batches from default_rng([seed, r])
            raise TypeError(
                f"seed must be an int when batch_size is given, got {seed!r}"
            )
    width = (batch_size or n) * max(net.width, net.n_out)
    block = max(1, BLOCK_ELEMENTS // width)
    theta = np.empty((len(steps), runs, net.n_params))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, runs, block):
            rows = np.arange(start, min(start + block, runs))
            batches = (
                None
                if batch_size is None
                else _batches(n, batch_size, n_steps, seed, rows)
            )
            theta[:, rows] = _train_block(
                net,
                X,
                Y[rows] if Y.ndim == 3 else Y,
                theta0[rows],
                eta,
                rho[rows, None],
                normalised[rows, None],
                batches,
                steps,
            )
    bad = ~np.isfinite(theta[-1]).all(axis=-1)
    if np.any(bad):
        raise ValueError(
            f"training diverged (non-finite parameters) in runs "
            f"{np.flatnonzero(bad).tolist()}: lower eta or rho"
        )
    return Training(steps=steps, theta=theta)


def _train_block(net, X, Y, theta, eta, rho, normalised, batches, steps):
    """The loop of :func:`train_networks` for one block of runs (checked inputs)."""
    out = np.empty((len(steps), *theta.shape))
    out[0] = theta
    ascend = bool(np.any(rho > 0))
    rows = np.arange(theta.shape[0])[:, None]
    k = 1
    for t in range(steps[-1]):
        if batches is None:
            Xt, Yt = X, Y
        else:
            idx = batches[:, t]
            Xt, Yt = X[idx], (Y[rows, idx] if Y.ndim == 3 else Y[idx])
        point = theta
        if ascend:
            g = net._grad(theta, Xt, Yt)
            point = theta + rho * np.where(normalised, normalize(g), g)
        theta = theta - eta * net._grad(point, Xt, Yt)
        if t + 1 == steps[k]:
            out[k] = theta
            k += 1
    return out


def _start(dim, seed):
    dim = as_count(dim, "dim", minimum=1)
    v = as_rng(seed).standard_normal(dim)
    return dim, v / np.linalg.norm(v)


def _batch_shape(batch_shape) -> tuple[int, ...]:
    shape = (batch_shape,) if np.ndim(batch_shape) == 0 else tuple(batch_shape)
    return tuple(as_count(s, "batch_shape entries", minimum=1) for s in shape)


def _products(hvp, v, shape):
    """``hvp(v)`` as a float array, checked to have the shape of ``v``."""
    Hv = np.asarray(hvp(v), dtype=float)
    if Hv.shape != shape:
        raise ValueError(
            f"hvp(v) must return an array of shape {shape}, got {Hv.shape}"
        )
    return Hv


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
        Hv = _products(hvp, v, (dim,))
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


def _orthogonalised(w, Q):
    """``w`` minus its projection on the orthonormal rows ``Q[0], Q[1], ...``, twice.

    ``Q`` has shape ``(m, ..., dim)`` and ``w`` ``(..., dim)``; twice is enough for
    orthogonality to rounding ("twice is enough", Kahan–Parlett).
    """
    for _ in range(2):
        w = w - np.einsum("k...,k...d->...d", np.einsum("k...d,...d->k...", Q, w), Q)
    return w


def lanczos_top_eigenpair(
    hvp: Callable, dim: int, *, n_iter: int = 30, seed=0, batch_shape=()
):
    """The largest (algebraic) eigenvalue of a symmetric operator, by Lanczos.

    ``n_iter`` products ``H v`` build an orthonormal Krylov basis (fully
    re-orthogonalised, which is cheap at the sizes of this book); the top eigenpair
    of the small tridiagonal matrix approximates the top eigenpair of ``H``. With
    ``n_iter ≥ dim`` the result is exact up to rounding. If the Krylov space becomes
    invariant early, the basis is continued with a random vector orthogonal to it,
    so the result stays exact.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` for a symmetric ``H`` of size ``dim``; with ``batch_shape``,
        ``V -> (H_b V_b)_b`` for a batch of symmetric operators and vectors of
        shape ``(*batch_shape, dim)`` (e.g. :meth:`TwoLayerNet.hvp` at a batch of
        ``θ``), each with its own Lanczos process.
    dim : int
    n_iter : int
        Number of Lanczos steps (at most ``dim`` are used).
    seed : int
        Seed of the random starting vector (the same for every operator).
    batch_shape : tuple of int
        Shape of the batch of operators; ``()`` for one.

    Returns
    -------
    lam : float, or ndarray of shape ``batch_shape``
    v : ndarray, shape (*batch_shape, dim)
        Unit Ritz vector(s), sign fixed as in :func:`samlib.top_eigenpair`.

    Examples
    --------
    >>> H = np.diag([3.0, -5.0, 1.0])
    >>> lam, v = lanczos_top_eigenpair(lambda v: H @ v, 3)
    >>> round(lam, 12), bool(np.allclose(v, [1.0, 0.0, 0.0], atol=1e-9))
    (3.0, True)
    """
    dim, q = _start(dim, seed)
    batch = _batch_shape(batch_shape)
    k_max = min(as_count(n_iter, "n_iter", minimum=1), dim)
    rng = np.random.default_rng([as_count(seed, "seed"), 1])  # for restarts only
    q = np.broadcast_to(q, (*batch, dim))
    Q = np.zeros((k_max, *batch, dim))
    alpha = np.zeros((k_max, *batch))
    beta = np.zeros((k_max, *batch))  # beta[k] couples the vectors k and k + 1
    for k in range(k_max):
        Q[k] = q
        w = _products(hvp, q, (*batch, dim))
        alpha[k] = np.sum(q * w, axis=-1)
        if k == k_max - 1:
            break
        w = _orthogonalised(w, Q[: k + 1])
        b = np.linalg.norm(w, axis=-1)
        scale = np.maximum(1.0, np.abs(alpha[: k + 1]).max(axis=0))
        invariant = b <= 1e-12 * scale
        if np.any(invariant):  # continue with a fresh direction, uncoupled (β = 0)
            fresh = _orthogonalised(rng.standard_normal((*batch, dim)), Q[: k + 1])
            fresh /= np.linalg.norm(fresh, axis=-1, keepdims=True)
            b = np.where(invariant, 0.0, b)
            w = np.where(
                invariant[..., None], fresh, w / np.where(invariant, 1, b)[..., None]
            )
        else:
            w = w / b[..., None]
        beta[k] = b
        q = w
    T = np.zeros((*batch, k_max, k_max))
    idx = np.arange(k_max)
    T[..., idx, idx] = np.moveaxis(alpha, 0, -1)
    T[..., idx[:-1], idx[1:]] = T[..., idx[1:], idx[:-1]] = np.moveaxis(
        beta[:-1], 0, -1
    )
    top = np.linalg.eigvalsh(T)[..., -1]
    v = np.einsum("k...d,...k->...d", Q, _top_eigenvector(T, top))
    v = sign_fixed(v / np.linalg.norm(v, axis=-1, keepdims=True))
    return (float(top), v) if not batch else (top, v)


def _top_eigenvector(T, top):
    """Unit eigenvectors of the symmetric ``T`` (..., m, m) for eigenvalues ``top``.

    Inverse iteration with a shift just above ``top``, which makes ``T - shift I``
    negative definite: each solve shrinks the other components by
    ``(shift - top)/(shift - λ_j) ≈ 1e-10/gap``. Cheaper than ``eigh``, which
    computes every eigenvector (and, run by a multithreaded LAPACK on a busy machine,
    can take milliseconds for a 40 × 40 matrix).
    """
    m = T.shape[-1]
    shift = top + 1e-10 * np.maximum(1.0, np.abs(top))
    A = T - shift[..., None, None] * np.eye(m)
    y = np.broadcast_to(np.random.default_rng(0).uniform(0.5, 1.5, m), T.shape[:-1])
    for _ in range(3):
        y = np.linalg.solve(A, y[..., None])[..., 0]
        y = y / np.linalg.norm(y, axis=-1, keepdims=True)
    return y


def hutchinson_trace(
    hvp: Callable, dim: int, *, n_samples: int = 100, seed=0, batch_shape=()
):
    """Hutchinson's estimate of ``tr H`` from products ``H z`` with random signs.

    ``E[zᵀHz] = tr H`` for ``z`` with independent entries ±1 (Hutchinson, 1989); the
    estimate is the mean over ``n_samples`` draws, and its variance is
    ``2(‖H‖_F² - Σ_i H_ii²)/n_samples``.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` as in :func:`lanczos_top_eigenpair` (batched if ``batch_shape``).
    dim : int
    n_samples : int
        Number of products, at least 2 (for the standard error).
    seed : int
        Seed of the random signs.
    batch_shape : tuple of int
        Shape of the batch of operators; each gets its own signs.

    Returns
    -------
    trace : float or ndarray of shape ``batch_shape``
    stderr : float or ndarray
        The standard error of the mean of the ``n_samples`` quadratic forms.

    Examples
    --------
    >>> H = np.diag([3.0, -5.0, 1.0])  # diagonal: every zᵀHz equals the trace
    >>> hutchinson_trace(lambda v: H @ v, 3, n_samples=4)
    (-1.0, 0.0)
    """
    dim = as_count(dim, "dim", minimum=1)
    n_samples = as_count(n_samples, "n_samples", minimum=2)
    batch = _batch_shape(batch_shape)
    rng = as_rng(seed)
    forms = np.empty((n_samples, *batch))
    for s in range(n_samples):
        z = rng.choice([-1.0, 1.0], size=(*batch, dim))
        forms[s] = np.sum(z * _products(hvp, z, z.shape), axis=-1)
    trace = forms.mean(axis=0)
    stderr = forms.std(axis=0, ddof=1) / np.sqrt(n_samples)
    return (float(trace), float(stderr)) if not batch else (trace, stderr)


# -- the bounce of a training run ----------------------------------------------------


@dataclass(frozen=True)
class Bounce:
    """How the last steps ``Δ_t = θ_{t+1} - θ_t`` of a run bounce across a ravine.

    Attributes
    ----------
    components : ndarray, shape (window,)
        ``⟨Δ_t, v1⟩`` with ``v1`` the top Hessian eigenvector at ``θ_t``, its sign
        chosen to agree with the previous step's ``v1``.
    flip_rate : float
        The fraction of consecutive components that change sign (1 for a bounce
        along ``v1``).
    mean_cosine : float
        The mean cosine between consecutive steps (-1 for an exact bounce).
    top2_share : float
        The mean of ``‖P Δ_t‖/‖Δ_t‖``, ``P`` the projection on the span of the top
        two eigenvectors.
    mean_gap : float
        The mean of ``λ1 - λ2`` at the ``θ_t``.
    """

    components: np.ndarray
    flip_rate: float
    mean_cosine: float
    top2_share: float
    mean_gap: float


def bounce_statistics(hessian: Callable, path, window: int = 60) -> Bounce:
    """The bounce of the last ``window`` steps of a path, in the Hessian's eigenbasis.

    Near the edge of stability GD, and SAM at its own edge, bounce across a ravine:
    consecutive steps are nearly opposite, along the top eigenvector of the Hessian
    (Chapters 2 and 7.5). For each of the last ``window`` steps the dense Hessian at
    its start is diagonalised (``hessian`` must be cheap enough for that).

    Parameters
    ----------
    hessian : callable
        ``θ -> ∇²L(θ)``, a dense symmetric ``(P, P)`` matrix.
    path : array_like, shape (T, P)
        The iterates, ``T ≥ window + 1``.
    window : int
        The number of last steps to look at, at least 2.
    """
    path = as_points(path, name="path")
    window = as_count(window, "window", minimum=2)
    if path.ndim != 2 or path.shape[0] < window + 1:
        raise ValueError(
            f"path must have shape (T, P) with T >= window + 1 = {window + 1}, "
            f"got {path.shape}"
        )
    steps = np.diff(path[-window - 1 :], axis=0)
    components, shares, gaps, previous = [], [], [], None
    for theta, step in zip(path[-window - 1 : -1], steps, strict=True):
        evals, evecs = np.linalg.eigh(np.asarray(hessian(theta), dtype=float))
        v1 = evecs[:, -1]
        if previous is not None and v1 @ previous < 0:
            v1 = -v1
        previous = v1
        components.append(step @ v1)
        shares.append(np.linalg.norm(evecs[:, -2:].T @ step) / np.linalg.norm(step))
        gaps.append(evals[-1] - evals[-2])
    components = np.array(components)
    norms = np.linalg.norm(steps, axis=1)
    cosines = np.sum(steps[1:] * steps[:-1], axis=1) / (norms[1:] * norms[:-1])
    flips = np.sign(components[1:]) != np.sign(components[:-1])
    return Bounce(
        components=components,
        flip_rate=float(np.mean(flips)),
        mean_cosine=float(np.mean(cosines)),
        top2_share=float(np.mean(shares)),
        mean_gap=float(np.mean(gaps)),
    )
