"""Which width? Measures of the width of a minimum along a curve of minima.

Section 7 of the paper asks whether methods target other measures of the width of a
minimum than SAM's λmax. Chapter 7.6–7.7 compares three on one curve of minima:

* :class:`ScaleCurve`: the width-one linear network ``f(x) = w2⟨W1, x⟩`` on the
  examples ``x_i = e_i`` with targets ``y_i``, whose global minima form the curve
  ``θ(s) = (y/s, s)``, with the Hessian's spectrum along it in closed form;
* the measures, each a summary of that spectrum: λmax and the trace
  (:meth:`ScaleCurve.measures`), the volume of a cross-section of a sublevel set
  (:func:`ellipsoid_volume`, and :func:`sublevel_volume_monte_carlo` on the true
  loss), the regularised :func:`log_det` and the :func:`schatten_norm`;
  :func:`grid_minimisers` finds where along the curve one of them is smallest.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gamma, pi

import numpy as np

from samlib._validation import as_count, as_param, as_rng, float_or_array
from samlib.network import TwoLayerNet

__all__ = [
    "ScaleCurve",
    "ellipsoid_volume",
    "grid_minimisers",
    "log_det",
    "schatten_norm",
    "sublevel_volume_monte_carlo",
]


@dataclass(frozen=True)
class ScaleCurve:
    """The curve of minima of a width-one linear network, ``θ(s) = (y/s, s)``.

    The network ``f(x) = w2⟨W1, x⟩`` (``TwoLayerNet(n, 1, "linear", bias=False)``,
    parameters ``θ = (W1, w2)``) is trained on the ``n`` examples ``x_i = e_i`` with
    targets ``y_i`` under ``L(θ) = (1/2n) Σ (f(x_i) - y_i)²``. Since ``f(e_i) = w2
    W1_i``, every ``θ(s) = (y/s, s)``, ``s ≠ 0``, is a global minimum: the output
    weight trades against the size of the first layer. At ``θ(s)`` the Hessian is
    the Gram matrix ``(1/n) Σ ∇f_i∇f_iᵀ`` with ``∇f_i = (s e_i, y_i/s)``; its
    eigenvalues are 0 (along the curve), ``s²/n`` (``n - 1`` times) and
    ``(s² + ‖y‖²/s²)/n`` (Chapter 7.6).

    Parameters
    ----------
    y : array_like, shape (n,)
        The targets, not all zero.

    Examples
    --------
    >>> curve = ScaleCurve(np.ones(4))
    >>> curve.spectrum(2.0).tolist()  # 0, s²/4 three times, (s² + 4/s²)/4
    [0.0, 1.0, 1.0, 1.0, 1.25]
    >>> float(curve.loss(curve.point(2.0)))
    0.0
    """

    y: np.ndarray

    def __post_init__(self):
        y = np.asarray(self.y, dtype=float)
        if y.ndim != 1 or y.size < 1 or not np.isfinite(y).all() or not y.any():
            raise ValueError("y must be a finite 1-D array of targets, not all zero")
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """The number of examples (and of inputs)."""
        return self.y.size

    @property
    def network(self) -> TwoLayerNet:
        return TwoLayerNet(self.n, 1, activation="linear", bias=False)

    @property
    def X(self) -> np.ndarray:
        """The examples ``x_i = e_i``, shape ``(n, n)``."""
        return np.eye(self.n)

    def _s(self, s):
        s = as_param(s, "s")
        if not np.all(np.asarray(s) != 0):
            raise ValueError("s must be non-zero: θ(0) is not a point of the curve")
        return np.asarray(s, dtype=float)[..., None]

    def point(self, s) -> np.ndarray:
        """The minimum ``θ(s) = (y/s, s)``, shape ``(..., n + 1)`` for an array s."""
        s = self._s(s)
        return np.concatenate([self.y / s, s], axis=-1)

    def spectrum(self, s) -> np.ndarray:
        """The Hessian's eigenvalues at ``θ(s)``, increasing, ``(..., n + 1)``."""
        s = self._s(s)
        yy = self.y @ self.y
        return np.concatenate(
            [
                0 * s,
                np.repeat(s**2 / self.n, self.n - 1, -1),
                (s**2 + yy / s**2) / self.n,
            ],
            axis=-1,
        )

    @property
    def lam_max_minimiser(self) -> float:
        """The ``s > 0`` at which λmax ``= (s² + ‖y‖²/s²)/n`` is smallest: ``√‖y‖``."""
        return float(np.sqrt(np.linalg.norm(self.y)))

    @property
    def trace_minimiser(self) -> float:
        """The ``s > 0`` at which the trace ``s² + ‖y‖²/(n s²)`` is smallest:
        ``(‖y‖²/n)^{1/4}``."""
        return float((self.y @ self.y / self.n) ** 0.25)

    def loss(self, theta):
        """``L(θ)``, for one θ or a batch."""
        return self.network.loss(theta, self.X, self.y)

    def grad(self, theta) -> np.ndarray:
        """``∇L(θ)``, for one θ or a batch (the full-batch gradient)."""
        return self.example_grad(theta, np.arange(self.n))

    def example_grad(self, theta, idx) -> np.ndarray:
        """The gradient of the mean loss over the distinct examples ``idx``
        (for :func:`samlib.variants.run_stochastic_sam`).

        In closed form: with ``r_i = w2 W1_i - y_i`` on the examples of the batch B
        (0 elsewhere), ``∂L_B/∂W1 = w2 r/|B|`` and ``∂L_B/∂w2 = ⟨r, W1⟩/|B|``; the
        tests check it against the network's backpropagation.
        """
        theta = np.asarray(theta, dtype=float)
        idx = np.atleast_1d(idx)
        W1, w2 = theta[..., :-1], theta[..., -1:]
        r = np.zeros_like(W1)
        r[..., idx] = w2 * W1[..., idx] - self.y[idx]
        return (
            np.concatenate([w2 * r, np.sum(r * W1, -1, keepdims=True)], -1) / idx.size
        )

    def hessian(self, theta) -> np.ndarray:
        """The dense Hessian ``∇²L(θ)`` at one θ."""
        return self.network.hessian(theta, self.X, self.y)

    def sublevel_volume(self, s, delta, n_samples: int, seed) -> float:
        """The cross-section ``V_δ(s)`` of ``{L ≤ δ}`` through ``θ(s)``, normal to the
        curve, by Monte Carlo on the true loss (:func:`sublevel_volume_monte_carlo`
        with the curve's one flat direction left out). For small δ it tends to
        :func:`ellipsoid_volume` of the non-zero eigenvalues of :meth:`spectrum`.
        """
        theta = self.point(as_param(s, "s"))
        if theta.ndim != 1:
            raise ValueError("s must be one point of the curve")
        hessian = self.hessian(theta)
        return sublevel_volume_monte_carlo(
            self.loss, theta, hessian, delta, n_samples, seed
        )

    def measures(self, theta):
        """λmax and the trace of the Hessian of the loss at θ (one or a batch).

        Returns
        -------
        lam_max, trace : float or ndarray of the batch shape
        """
        theta = np.asarray(theta, dtype=float)
        batch = theta.reshape(-1, theta.shape[-1])
        eig = np.array([np.linalg.eigvalsh(self.hessian(t)) for t in batch])
        shape = theta.shape[:-1]
        lam, trace = eig[:, -1].reshape(shape), eig.sum(-1).reshape(shape)
        return float_or_array(lam), float_or_array(trace)


def ellipsoid_volume(lams, delta):
    """The volume of ``{x ∈ R^k : ½ xᵀ diag(lams) x ≤ δ}``.

    ``ω_k (2δ)^{k/2} / √(Π λ_i)`` with ``ω_k = π^{k/2}/Γ(k/2 + 1)`` the volume of the
    unit ball: for small δ, the volume of a cross-section of the sublevel set
    ``{L ≤ δ}`` through a minimum, perpendicular to the curve of minima, with
    ``lams`` the Hessian's non-zero eigenvalues (Chapter 7.6).

    Parameters
    ----------
    lams : array_like, shape (..., k)
        Positive eigenvalues.
    delta : float
        δ > 0.

    Examples
    --------
    >>> ellipsoid_volume([2.0, 2.0], 1.0)  # the unit disc: π
    3.141592653589793
    """
    lams = np.asarray(lams, dtype=float)
    if lams.ndim < 1 or lams.shape[-1] == 0 or not np.all(lams > 0):
        raise ValueError("lams must be positive eigenvalues, shape (..., k)")
    delta = as_param(delta, "delta", positive=True)
    k = lams.shape[-1]
    ball = pi ** (k / 2) / gamma(k / 2 + 1)
    return float_or_array(ball * (2 * delta) ** (k / 2) / np.sqrt(np.prod(lams, -1)))


def sublevel_volume_monte_carlo(
    loss, centre, hessian, delta, n_samples: int, seed, *, n_flat: int = 1
) -> float:
    """The volume of ``{L ≤ δ}`` on the plane through ``centre`` normal to the flat
    directions, by Monte Carlo on the true loss.

    The Hessian's eigenvectors with the ``n_flat`` smallest eigenvalues (the
    directions along a manifold of minima) are left out; in the other ``k``
    directions, ``n_samples`` points are drawn uniformly in the box of half-widths
    ``1.3 √(2δ/λ_i)`` around ``centre`` (which contains the quadratic model's
    ellipsoid), and the fraction with ``L ≤ δ`` times the box's volume estimates the
    volume. For small δ it tends to :func:`ellipsoid_volume` of the ``k``
    eigenvalues.

    Parameters
    ----------
    loss : callable
        Batched loss ``θ -> L(θ)``.
    centre : array_like, shape (P,)
        A minimum.
    hessian : array_like, shape (P, P)
        The Hessian at ``centre``.
    delta : float
    n_samples : int
    seed : int or numpy.random.Generator
    n_flat : int
        The number of flat directions to leave out.
    """
    centre = np.asarray(centre, dtype=float)
    evals, evecs = np.linalg.eigh(np.asarray(hessian, dtype=float))
    n_flat = as_count(n_flat, "n_flat")
    normal, lams = evecs[:, n_flat:], evals[n_flat:]
    if not np.all(lams > 0):
        raise ValueError("the Hessian must be positive on the directions kept")
    half = 1.3 * np.sqrt(2 * as_param(delta, "delta", positive=True) / lams)
    n_samples = as_count(n_samples, "n_samples", minimum=1)
    u = as_rng(seed).uniform(-1, 1, size=(n_samples, lams.size)) * half
    inside = np.asarray(loss(centre + u @ normal.T)) <= delta
    return float(inside.mean() * np.prod(2 * half))


def log_det(spectrum, eps):
    """``log det(H + εI) = Σ log(λ_i + ε)`` from the eigenvalues of H.

    For small ε, up to a constant, ``log det' H``, that is ``-2 log`` of the
    cross-section's volume (:func:`ellipsoid_volume`); for large ε,
    ``P log ε + tr H/ε + O(ε⁻²)``: a family from the volume to the trace (Chapter 7.7).

    Examples
    --------
    >>> log_det([0.0, 1.0], 1.0) == float(np.log(2.0))
    True
    """
    spectrum = np.asarray(spectrum, dtype=float)
    eps = as_param(eps, "eps", positive=True)
    if not np.all(spectrum >= 0):
        raise ValueError("the eigenvalues must be >= 0 (a minimum)")
    return float_or_array(np.log(spectrum + eps).sum(axis=-1))


def schatten_norm(spectrum, p):
    """``‖H‖_p = (Σ |λ_i|^p)^{1/p}``: the trace for p = 1, λmax as p → ∞.

    Examples
    --------
    >>> schatten_norm([3.0, 4.0], 2)
    5.0
    """
    spectrum = np.asarray(spectrum, dtype=float)
    p = as_param(p, "p", positive=True)
    if not p >= 1:
        raise ValueError(f"p must be >= 1 for a norm, got {p}")
    return float_or_array((np.abs(spectrum) ** p).sum(axis=-1) ** (1 / p))


def grid_minimisers(s, spectra, measure, params) -> np.ndarray:
    """Where along a curve of minima a measure of width is smallest, per parameter.

    Parameters
    ----------
    s : array_like, shape (m,)
        Points of the curve (for example :class:`ScaleCurve`'s ``s``).
    spectra : array_like, shape (m, P)
        The Hessian's eigenvalues at each of them (:meth:`ScaleCurve.spectrum`).
    measure : callable
        ``measure(spectra, param)``, a summary of each spectrum, such as
        :func:`log_det` (param ε) or :func:`schatten_norm` (param p).
    params : array_like, shape (k,)

    Returns
    -------
    ndarray, shape (k,)
        ``s[argmin measure(spectra, param)]`` for each param: the minimiser on the
        grid, as fine as the grid.

    Examples
    --------
    >>> curve = ScaleCurve(np.ones(4))
    >>> s = np.linspace(0.5, 2.0, 1501)
    >>> grid_minimisers(s, curve.spectrum(s), schatten_norm, [1, 2]).round(3).tolist()
    [1.0, 1.189]
    """
    s = np.asarray(s, dtype=float)
    spectra = np.asarray(spectra, dtype=float)
    if s.ndim != 1 or spectra.shape[:1] != s.shape:
        raise ValueError(
            f"s must be 1-D with one spectrum per point, got {s.shape}, {spectra.shape}"
        )
    return np.array([s[np.argmin(measure(spectra, p))] for p in np.atleast_1d(params)])
