"""Does drifting towards wide minima help generalisation? A study on real digits.

Section 7 of the paper asks how generalisation is affected by SAM's drift towards
wide minima. Chapter 7.8 answers with one experiment, built from the functions here:

* the data: the 1,797 handwritten digits (8 × 8 images, classes 0–9) that
  scikit-learn ships (:func:`load_digits_data`), a stratified training set with
  the rest as test set, inputs reduced by a PCA fitted on the training set alone
  (:func:`digits_split`), labels flipped at random (:func:`flip_labels`);
* the study: a batch of :class:`samlib.network.TwoLayerNet` trained by GD, SAM with
  several ρ, unnormalised SAM and SGD, with and without label noise, over several
  seeds (:func:`run_study`), with the test accuracy, the sharpness λmax (Lanczos on
  Hessian-vector products) and the trace of the Hessian (in closed form) at the end;
* the statistics: Student-t intervals (:func:`t_interval`), Spearman's rank
  correlation (:func:`spearman`) and stratified bootstrap intervals
  (:func:`bootstrap_interval`).

scikit-learn is not imported: the digits are read from the data file it installs,
which takes a few milliseconds instead of a second (a test checks that the arrays
are those of ``sklearn.datasets.load_digits``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from samlib._validation import as_count, sign_fixed
from samlib.network import (
    BLOCK_ELEMENTS,
    TwoLayerNet,
    hutchinson_trace,
    train_networks,
)
from samlib.tables import markdown_table

__all__ = [
    "COLUMNS",
    "Correlation",
    "DigitsSplit",
    "Method",
    "Study",
    "StudyResult",
    "bootstrap_interval",
    "correlation_table",
    "digits_split",
    "flatness_correlations",
    "flip_labels",
    "group_interval",
    "load_digits_data",
    "one_hot",
    "paired_difference",
    "paired_table",
    "run_study",
    "seed_differences",
    "spearman",
    "study_table",
    "t_interval",
]

N_CLASSES = 10


# -- data ---------------------------------------------------------------------------


def load_digits_data() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten digits scikit-learn ships: images and labels.

    The arrays of ``sklearn.datasets.load_digits(return_X_y=True)`` (8 × 8 images
    with grey levels 0–16, flattened to 64 numbers, and their classes 0–9), read from
    the file scikit-learn installs, without importing scikit-learn.

    Returns
    -------
    images : ndarray, shape (1797, 64)
    labels : ndarray of int, shape (1797,)
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "the digits come with scikit-learn: pip install scikit-learn"
        )
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(int)


@dataclass(frozen=True)
class DigitsSplit:
    """A training and a test set of digits, inputs reduced by a PCA.

    Attributes
    ----------
    X_train, X_test : ndarray, shapes (n_train, n_components) and (n_test, ...)
        Coordinates on the training set's principal components, each divided by its
        standard deviation on the training set.
    labels_train, labels_test : ndarray of int
        Classes 0–9.
    index_train, index_test : ndarray of int
        Rows of :func:`load_digits_data` in each set.
    explained : float
        Fraction of the training set's variance the components keep.
    """

    X_train: np.ndarray
    labels_train: np.ndarray
    X_test: np.ndarray
    labels_test: np.ndarray
    index_train: np.ndarray
    index_test: np.ndarray
    explained: float


def digits_split(per_class: int, n_components: int, seed) -> DigitsSplit:
    """A stratified split of the digits and a PCA fitted on the training set only.

    ``per_class`` images of each class, drawn with ``default_rng(seed)``, form the
    training set; all the others the test set. The principal directions (signs
    fixed so that each direction's largest entry is positive, for reproducibility)
    and the scales come from the training images alone, so that nothing of the test
    set leaks into training.

    Parameters
    ----------
    per_class : int
        Training images per class, ``1 ≤ per_class ≤ 170``.
    n_components : int
        Number of principal components, ``1 ≤ n_components ≤ min(64, 10·per_class)``.
    seed : int
    """
    images, labels = load_digits_data()
    smallest = int(np.bincount(labels).min())
    per_class = as_count(per_class, "per_class", minimum=1)
    if per_class >= smallest:
        raise ValueError(
            f"per_class must be < {smallest} (the smallest class) so that every class "
            f"is also in the test set, got {per_class}"
        )
    n_train = N_CLASSES * per_class
    n_components = as_count(n_components, "n_components", minimum=1)
    if n_components > min(images.shape[1], n_train):
        raise ValueError(
            f"n_components must be <= min(64, n_train = {n_train}), got {n_components}"
        )
    rng = np.random.default_rng(as_count(seed, "seed"))
    train = np.sort(
        np.concatenate(
            [
                rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                for c in range(N_CLASSES)
            ]
        )
    )
    test = np.setdiff1d(np.arange(labels.size), train)
    mean = images[train].mean(axis=0)
    _, singular, directions = np.linalg.svd(images[train] - mean, full_matrices=False)
    directions = sign_fixed(directions[:n_components])
    coords_train = (images[train] - mean) @ directions.T
    scale = coords_train.std(axis=0)
    return DigitsSplit(
        X_train=coords_train / scale,
        labels_train=labels[train],
        X_test=(images[test] - mean) @ directions.T / scale,
        labels_test=labels[test],
        index_train=train,
        index_test=test,
        explained=float(np.sum(singular[:n_components] ** 2) / np.sum(singular**2)),
    )


def one_hot(labels, n_classes: int = N_CLASSES) -> np.ndarray:
    """One-hot targets: ``(..., n) -> (..., n, n_classes)`` with a 1 at each label."""
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    return np.eye(n_classes)[labels]


def flip_labels(labels, fraction: float, seed, n_classes: int = N_CLASSES):
    """Labels with ``round(fraction·n)`` of them replaced by a different class.

    The examples to corrupt are drawn without replacement and each gets a class
    drawn uniformly among the ``n_classes - 1`` wrong ones, all with
    ``default_rng(seed)``: symmetric label noise at rate exactly ``fraction``.

    Returns
    -------
    noisy : ndarray of int, shape (n,)
    flipped : ndarray of bool, shape (n,)
        Which examples were corrupted.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError("labels must be a 1-D array of integers")
    if isinstance(fraction, (bool, np.bool_)) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    rng = np.random.default_rng(as_count(seed, "seed"))
    flipped = np.zeros(labels.size, dtype=bool)
    flipped[rng.choice(labels.size, round(fraction * labels.size), replace=False)] = (
        True
    )
    shift = rng.integers(1, n_classes, size=labels.size)
    noisy = np.where(flipped, (labels + shift) % n_classes, labels)
    return noisy, flipped


# -- the study ------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """A training method of :func:`samlib.network.train_networks`.

    ``rho = 0`` with full batches is GD; ``rho > 0`` is SAM (``normalised``) or
    unnormalised SAM; ``batch_size`` gives SGD (``rho = 0``), run for
    ``steps_factor`` times as many steps (the same number of passes over the data
    as the full-batch methods when ``steps_factor = n/batch_size``).
    """

    name: str
    rho: float = 0.0
    normalised: bool = True
    batch_size: int | None = None
    steps_factor: int = 1


@dataclass(frozen=True)
class Study:
    """The settings of the generalisation study of Chapter 7.8 (its defaults)."""

    per_class: int = 10
    n_components: int = 12
    width: int = 48
    eta: float = 0.5
    n_steps: int = 300
    checkpoint_every: int = 30
    noise: tuple[float, ...] = (0.0, 0.2)
    seeds: tuple[int, ...] = tuple(range(10))
    split_seed: int = 0
    methods: tuple[Method, ...] = (
        Method("GD"),
        Method("SAM ρ=0.05", rho=0.05),
        Method("SAM ρ=0.1", rho=0.1),
        Method("SAM ρ=0.2", rho=0.2),
        Method("USAM ρ=0.05", rho=0.05, normalised=False),
        Method("SGD b=20", batch_size=20, steps_factor=5),
    )
    lanczos_steps: int = 40


@dataclass
class StudyResult:
    """Every run of a :class:`Study`: the settings, the final metrics and the curves.

    Runs are ordered noise level first, then method, then seed; ``table`` holds one
    entry per run for each column: ``noise``, ``method`` (index into
    ``study.methods``), ``seed``, ``test_accuracy``, ``train_accuracy`` (on the
    labels trained on), ``clean_train_accuracy`` (on the true labels),
    ``train_loss``, ``lam_max`` and ``trace`` (of the Hessian of the training loss),
    and ``peak_test_accuracy``, the best test accuracy over the checkpoints (what
    early stopping chosen on the test set would give: optimistic). ``curves`` holds,
    at the checkpoints ``steps`` (for SGD: after as many passes over the data),
    ``test_accuracy``, ``train_loss`` and ``trace``, each ``(m, runs)``; ``theta``
    the final parameters, ``(runs, n_params)``.
    """

    study: Study
    split: DigitsSplit
    table: dict[str, np.ndarray]
    steps: np.ndarray
    curves: dict[str, np.ndarray]
    theta: np.ndarray = field(repr=False)

    def select(self, *, noise=None, method=None) -> np.ndarray:
        """Indices of the runs with the given noise level and/or method index."""
        keep = np.ones(self.table["seed"].size, dtype=bool)
        if noise is not None:
            keep &= np.isclose(self.table["noise"], noise)
        if method is not None:
            keep &= self.table["method"] == method
        return np.flatnonzero(keep)

    @property
    def network(self) -> TwoLayerNet:
        """The architecture every run trained."""
        return TwoLayerNet(self.study.n_components, self.study.width, n_out=N_CLASSES)

    def training_targets(self, runs) -> np.ndarray:
        """The one-hot targets (noisy labels included) the given runs trained on."""
        runs = np.atleast_1d(runs)
        labels = [
            flip_labels(self.split.labels_train, self.table["noise"][r],
                        int(self.table["seed"][r]))[0]
            for r in runs
        ]  # fmt: skip
        return one_hot(np.stack(labels))

    def interval(self, metric: str, noise, method: int, **kwargs):
        """Mean and half-width of the 95 % t-interval (:func:`t_interval`) of
        ``metric`` over the seeds of one noise level and method."""
        values = self.table[metric][self.select(noise=noise, method=method)]
        return t_interval(values, **kwargs)

    def sam_method(self, rho) -> int:
        """The index of the study's SAM method (normalised, full batch) of radius ρ."""
        for m, method in enumerate(self.study.methods):
            sam = method.normalised and method.batch_size is None and method.rho > 0
            if sam and np.isclose(method.rho, rho, rtol=1e-9, atol=0):
                return m
        raise ValueError(f"the study has no SAM run with ρ = {rho:.3g}")

    def trace_estimate(self, runs, when: str = "end", *, n_samples=200, seed=0):
        """Hutchinson's estimate of the trace of the Hessian, against the closed form.

        At the start (``when="start"``, the initial parameters) or the end of the
        given runs, the trace of the Hessian of each run's training loss is
        estimated from ``n_samples`` Hessian-vector products
        (:func:`samlib.network.hutchinson_trace`), independently of the closed form
        of :meth:`samlib.network.TwoLayerNet.hessian_diagonal` that the study
        recorded.

        Returns
        -------
        estimate, stderr, recorded : ndarray, shape (len(runs),)
        """
        runs = np.atleast_1d(runs)
        net, X, Y = self.network, self.split.X_train, self.training_targets(runs)
        if when == "start":
            theta = np.stack([net.init(int(s)) for s in self.table["seed"][runs]])
            recorded = self.curves["trace"][0, runs]
        elif when == "end":
            theta, recorded = self.theta[runs], self.table["trace"][runs]
        else:
            raise ValueError(f"when must be 'start' or 'end', got {when!r}")
        estimate, stderr = hutchinson_trace(
            lambda V: net.hvp(theta, X, Y, V),
            net.n_params,
            n_samples=n_samples,
            batch_shape=(len(runs),),
            seed=seed,
        )
        return estimate, stderr, recorded


def _accuracy(net, theta, X, labels):
    """The fraction of ``argmax f(x_i) = labels_i``, per run: ``theta`` is (runs, P).

    Computed one run and a few hundred examples at a time, so that every temporary
    array stays small (see :data:`samlib.network.BLOCK_ELEMENTS`).
    """
    chunk = max(1, BLOCK_ELEMENTS // max(net.width, net.n_out))
    correct = np.zeros(theta.shape[:-1])
    labels = np.broadcast_to(labels, (*theta.shape[:-1], X.shape[0]))
    for start in range(0, X.shape[0], chunk):
        part = slice(start, start + chunk)
        for r in np.ndindex(theta.shape[:-1]):
            f = net.predict(theta[r], X[part])
            correct[r] += np.sum(np.argmax(f, axis=-1) == labels[r][part])
    return correct / X.shape[0]


def _in_blocks(function, net, n, theta, Y):
    """``function(theta[b], Y[b])`` on blocks of runs (the last axis of the result).

    A block holds as many runs as keep ``(runs, n, max(h, k))`` within
    :data:`samlib.network.BLOCK_ELEMENTS` numbers.
    """
    rows = max(1, BLOCK_ELEMENTS // (n * max(net.width, net.n_out)))
    parts = [
        function(theta[s : s + rows], Y[s : s + rows])
        for s in range(0, theta.shape[0], rows)
    ]
    return np.concatenate(parts, axis=-1)


def run_study(study: Study = Study()) -> StudyResult:
    """Train every (noise, method, seed) of ``study`` and measure the networks.

    Seed ``s`` fixes the initial parameters (``TwoLayerNet.init(s)``), the corrupted
    labels (``flip_labels(..., seed=s)``) and SGD's batches, so the methods are
    compared on the same starts and the same noisy labels (a paired design).
    λmax is the top eigenvalue of the Hessian of the training loss from
    ``study.lanczos_steps`` Lanczos steps on exact Hessian-vector products; the trace
    is exact (:meth:`TwoLayerNet.hessian_diagonal`).
    """
    if not isinstance(study, Study):
        raise TypeError(f"study must be a Study, got {type(study).__name__}")
    split = digits_split(study.per_class, study.n_components, study.split_seed)
    net = TwoLayerNet(study.n_components, study.width, n_out=N_CLASSES)
    X, Xt, lt = split.X_train, split.X_test, split.labels_test
    seeds = np.array([as_count(s, "seed") for s in study.seeds])
    theta0 = np.stack([net.init(int(s)) for s in seeds])
    rows, thetas = [], []
    for noise in study.noise:
        labels = np.stack(
            [flip_labels(split.labels_train, noise, int(s))[0] for s in seeds]
        )
        Y = one_hot(labels)
        for m, method in enumerate(study.methods):
            run = train_networks(
                net, X, Y, theta0, eta=study.eta,
                n_steps=study.n_steps * method.steps_factor,
                rho=method.rho, normalised=method.normalised,
                batch_size=method.batch_size, seed=0,
                checkpoint_every=study.checkpoint_every * method.steps_factor,
            )  # fmt: skip
            thetas.append(run.theta)
            rows.append((noise, m, labels, Y))
    theta = np.concatenate(thetas, axis=1)  # (checkpoints, runs, n_params)
    final = theta[-1]
    labels = np.concatenate([r[2] for r in rows])
    Y = np.concatenate([r[3] for r in rows])
    clean = np.broadcast_to(split.labels_train, labels.shape)
    n_seeds = seeds.size

    def measures(th, Yb):
        loss = net.loss(th, X, Yb)
        return np.stack([loss, net.hessian_diagonal(th, X, Yb).sum(axis=-1)])

    def top_eigenvalue(th, Yb):
        return net.sharpness(th, X, Yb, n_iter=study.lanczos_steps)

    n = X.shape[0]
    curve = np.stack([_in_blocks(measures, net, n, th, Y) for th in theta])
    test = _accuracy(net, theta, Xt, lt)  # (checkpoints, runs)
    lam = _in_blocks(top_eigenvalue, net, n, final, Y)
    table = {
        "noise": np.repeat([r[0] for r in rows], n_seeds),
        "method": np.repeat([r[1] for r in rows], n_seeds),
        "seed": np.tile(seeds, len(rows)),
        "test_accuracy": test[-1],
        "train_accuracy": _accuracy(net, final, X, labels),
        "clean_train_accuracy": _accuracy(net, final, X, clean),
        "train_loss": curve[-1, 0],
        "lam_max": lam,
        "trace": curve[-1, 1],
        "peak_test_accuracy": test.max(axis=0),
    }
    return StudyResult(
        study=study,
        split=split,
        table=table,
        steps=np.arange(0, study.n_steps + 1, study.checkpoint_every),
        curves={"test_accuracy": test, "train_loss": curve[:, 0], "trace": curve[:, 1]},
        theta=final,
    )


# -- statistics -----------------------------------------------------------------------


def _sample(values, name="values"):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 numbers")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must be finite")
    return values


def _confidence(confidence):
    if isinstance(confidence, (bool, np.bool_)) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return float(confidence)


def t_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """The mean and the half-width of Student's t confidence interval for it.

    ``mean ± t_{(1+c)/2, n-1} · s/√n`` with ``s`` the sample standard deviation:
    exact for normal samples, approximate otherwise.

    Examples
    --------
    >>> mean, half = t_interval([1.0, 2.0, 3.0, 4.0])
    >>> mean, round(half, 4)  # t_{0.975, 3} = 3.1824, s = 1.291
    (2.5, 2.0543)
    """
    from scipy.special import stdtrit

    values = _sample(values)
    q = stdtrit(values.size - 1, (1 + _confidence(confidence)) / 2)
    half = q * values.std(ddof=1) / np.sqrt(values.size)
    return float(values.mean()), float(half)


def _ranks(x):
    """Ranks 1..n along the last axis of ``x``, ties sharing their average rank.

    ``(#{j: x_j < x_i} + #{j: x_j ≤ x_i} + 1)/2`` is ``i``'s rank, or the average of
    the ranks its tied group occupies; computed by comparing all pairs, which for the
    samples here (at most a few hundred) is cheaper than sorting row by row.
    """
    less = np.sum(x[..., None, :] < x[..., :, None], axis=-1)
    at_most = np.sum(x[..., None, :] <= x[..., :, None], axis=-1)
    return (less + at_most + 1) / 2


def _pearson_rows(a, b):
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    den = np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, np.sum(a * b, axis=-1) / den, np.nan)


def spearman(x, y) -> float:
    """Spearman's rank correlation: Pearson's correlation of the (average) ranks.

    NaN if one of the samples is constant (its ranks carry no order).

    Examples
    --------
    >>> spearman([1.0, 2.0, 3.0, 4.0], [10.0, 30.0, 20.0, 40.0])
    0.8
    """
    x, y = _sample(x, "x"), _sample(y, "y")
    if x.size != y.size:
        raise ValueError(f"x and y must have the same length, got {x.size}, {y.size}")
    return float(_pearson_rows(_ranks(x), _ranks(y)))


def bootstrap_interval(
    statistic: Callable[[np.ndarray], np.ndarray],
    n: int,
    *,
    groups=None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed=0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over resampled observations.

    Each of the ``n_boot`` resamples draws ``n`` indices into ``range(n)`` with
    replacement, or, with ``groups``, draws each position's index from that
    position's group (a stratified bootstrap, which keeps the design: here, ten
    seeds per method). ``statistic`` receives all resamples at once, an integer
    array of shape ``(n_boot, n)``, and returns the ``n_boot`` values of the
    statistic; resamples on which it is NaN are dropped.

    Returns
    -------
    low, high : float
        The ``(1 - c)/2`` and ``(1 + c)/2`` quantiles of the resampled statistic.

    Examples
    --------
    >>> values = np.arange(10.0)
    >>> low, high = bootstrap_interval(lambda idx: values[idx].mean(axis=1), 10)
    >>> bool(low < values.mean() < high)
    True
    """
    n = as_count(n, "n", minimum=2)
    n_boot = as_count(n_boot, "n_boot", minimum=10)
    level = _confidence(confidence)
    groups = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must have shape ({n},), got {groups.shape}")
    rng = np.random.default_rng(as_count(seed, "seed"))
    idx = np.empty((n_boot, n), dtype=int)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        idx[:, members] = rng.choice(members, (n_boot, members.size))
    stats = np.asarray(statistic(idx), dtype=float)
    if stats.shape != (n_boot,):
        raise ValueError(
            f"statistic must return one value per resample, shape ({n_boot},), "
            f"got {stats.shape}"
        )
    stats = stats[np.isfinite(stats)]
    if stats.size < n_boot // 2:
        raise ValueError("the statistic is undefined (NaN) on most resamples")
    low, high = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


# -- summaries of a study ------------------------------------------------------------


def group_interval(result: StudyResult, metric: str, noise, method: int, **kwargs):
    """Mean and t-interval half-width of ``metric`` over the seeds of one group
    (:meth:`StudyResult.interval`)."""
    return result.interval(metric, noise, method, **kwargs)


def seed_differences(
    result: StudyResult, metric: str, noise, method: int, baseline: int = 0
) -> np.ndarray:
    """``metric`` (method) − ``metric`` (baseline), seed by seed, at one noise level.

    Both runs of a seed share their initial parameters and their noisy labels, so
    each difference compares two methods on the same start and the same data.

    Returns
    -------
    ndarray, shape (n_seeds,)
        In the order of ``result.study.seeds``.
    """
    values = result.table[metric]
    a = values[result.select(noise=noise, method=method)]
    b = values[result.select(noise=noise, method=baseline)]
    return a - b


def paired_difference(
    result: StudyResult, metric: str, noise, method: int, baseline: int = 0, **kwargs
):
    """Mean and t-interval half-width of ``metric`` (method) − ``metric`` (baseline).

    The difference is taken seed by seed (:func:`seed_differences`): both runs of a
    seed share their initial parameters and their noisy labels (a paired comparison,
    which removes the variation between seeds that the two methods have in common).
    """
    differences = seed_differences(result, metric, noise, method, baseline)
    return t_interval(differences, **kwargs)


@dataclass(frozen=True)
class Correlation:
    """A rank correlation and its bootstrap interval."""

    value: float
    low: float
    high: float


def flatness_correlations(
    result: StudyResult,
    noise,
    flatness: str = "lam_max",
    accuracy: str = "test_accuracy",
    *,
    methods=None,
    n_boot: int = 1000,
    seed=0,
) -> dict[str, Correlation]:
    """Spearman correlations between a flatness measure and the test accuracy.

    * ``"across"``: over all runs of the noise level (every method and seed pooled),
      so it mixes the differences between methods with those between seeds;
    * ``"within"``: the mean over methods of the correlation over one method's seeds,
      which only sees how the seeds of one method differ.

    Intervals: stratified percentile bootstrap (:func:`bootstrap_interval`), seeds
    resampled within each method.
    """
    methods = range(len(result.study.methods)) if methods is None else methods
    idx = np.concatenate([result.select(noise=noise, method=m) for m in methods])
    x, y = result.table[flatness][idx], result.table[accuracy][idx]
    groups = result.table["method"][idx]

    def across(i):
        return _pearson_rows(_ranks(x[i]), _ranks(y[i]))

    def within(i):  # the mean over methods of the defined (non-NaN) correlations
        values = np.array([across(i[..., groups == m]) for m in methods])
        defined = np.isfinite(values)
        total = np.where(defined, values, 0.0).sum(axis=0)
        count = defined.sum(axis=0)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    everything = np.arange(idx.size)
    out = {}
    for name, statistic in (("across", across), ("within", within)):
        low, high = bootstrap_interval(
            statistic, idx.size, groups=groups, n_boot=n_boot, seed=seed
        )
        out[name] = Correlation(float(statistic(everything)), low, high)
    return out


# -- tables ---------------------------------------------------------------------------

#: How each column of a study's table is shown: (heading, multiplier, decimals).
COLUMNS = {
    "test_accuracy": ("test accuracy (%)", 100, 1),
    "peak_test_accuracy": ("best test accuracy on the way (%)", 100, 1),
    "train_accuracy": ("training accuracy (%)", 100, 1),
    "clean_train_accuracy": ("accuracy on the true training labels (%)", 100, 1),
    "train_loss": ("training loss", 1, 3),
    "lam_max": ("λmax", 1, 2),
    "trace": ("trace", 1, 0),
}


def _pm(metric, mean, half, signed=False) -> str:
    _, scale, digits = COLUMNS[metric]
    sign = "+" if signed else ""
    return f"{scale * mean:{sign}.{digits}f} ± {scale * half:.{digits}f}"


def study_table(
    result: StudyResult, metrics=("test_accuracy", "lam_max", "trace", "train_loss")
) -> str:
    """A Markdown table: mean ± 95 % t-interval half-width, per noise and method."""
    rows = [
        [f"{100 * noise:.0f} %", method.name]
        + [_pm(k, *group_interval(result, k, noise, m)) for k in metrics]
        for noise in result.study.noise
        for m, method in enumerate(result.study.methods)
    ]
    return markdown_table(
        ["label noise", "method", *(COLUMNS[k][0] for k in metrics)], rows
    )


def paired_table(
    result: StudyResult, metrics=("test_accuracy", "lam_max", "trace"), baseline=0
) -> str:
    """A Markdown table of paired differences to the ``baseline`` method (GD)."""
    rows = [
        [
            f"{100 * noise:.0f} %",
            f"{method.name} − {result.study.methods[baseline].name}",
        ]
        + [
            _pm(k, *paired_difference(result, k, noise, m, baseline), signed=True)
            for k in metrics
        ]
        for noise in result.study.noise
        for m, method in enumerate(result.study.methods)
        if m != baseline
    ]
    heads = [f"Δ {COLUMNS[k][0]}" for k in metrics]
    return markdown_table(["label noise", "difference", *heads], rows)


def correlation_table(result: StudyResult, flatness=("lam_max", "trace"), **kwargs):
    """A Markdown table of :func:`flatness_correlations` with their intervals.

    Returns the table and the correlations, keyed by ``(noise, flatness)``.
    """
    found = {
        (noise, f): flatness_correlations(result, noise, f, **kwargs)
        for noise in result.study.noise
        for f in flatness
    }
    rows = [
        [f"{100 * noise:.0f} %", COLUMNS[f][0]]
        + [
            f"{c[kind].value:+.2f} [{c[kind].low:+.2f}, {c[kind].high:+.2f}]"
            for kind in ("across", "within")
        ]
        for (noise, f), c in found.items()
    ]
    header = ["label noise", "flatness", "across all runs", "within methods (mean)"]
    return markdown_table(header, rows), found
