"""The digits study of Chapter 7.8 (samlib.generalisation).

The data against scikit-learn's own loader and PCA, the statistics against scipy,
and the study's measurements against dense Hessians of small networks.
"""

import numpy as np
import pytest
import scipy.stats

from _helpers import tiny_study
from samlib.generalisation import (
    bootstrap_interval,
    digits_split,
    flatness_correlations,
    flip_labels,
    load_digits_data,
    one_hot,
    paired_difference,
    run_study,
    seed_differences,
    spearman,
    t_interval,
)
from samlib.network import TwoLayerNet


def test_the_digits_are_scikit_learns():
    from sklearn.datasets import load_digits

    images, labels = load_digits_data()
    X, y = load_digits(return_X_y=True)
    assert images.shape == (1797, 64)
    np.testing.assert_array_equal(images, X)
    np.testing.assert_array_equal(labels, y)


def test_split_is_stratified_disjoint_and_its_pca_is_scikit_learns():
    from sklearn.decomposition import PCA

    split = digits_split(per_class=10, n_components=6, seed=3)
    images, labels = load_digits_data()
    np.testing.assert_array_equal(np.bincount(split.labels_train), [10] * 10)
    assert np.intersect1d(split.index_train, split.index_test).size == 0
    assert split.index_train.size + split.index_test.size == 1797
    np.testing.assert_array_equal(split.labels_test, labels[split.index_test])
    pca = PCA(n_components=6, svd_solver="full").fit(images[split.index_train])
    ref_train = pca.transform(images[split.index_train])
    ref_test = pca.transform(images[split.index_test])
    scale = ref_train.std(axis=0)
    signs = np.sign(np.sum(split.X_train * ref_train, axis=0))  # PCA's sign is free
    np.testing.assert_allclose(split.X_train, signs * ref_train / scale, atol=1e-9)
    np.testing.assert_allclose(split.X_test, signs * ref_test / scale, atol=1e-9)
    assert split.explained == pytest.approx(pca.explained_variance_ratio_.sum())
    np.testing.assert_allclose(split.X_train.std(axis=0), 1.0)
    # the same seed gives the same split, another one another
    again = digits_split(per_class=10, n_components=6, seed=3)
    np.testing.assert_array_equal(again.index_train, split.index_train)
    other = digits_split(per_class=10, n_components=6, seed=4)
    assert not np.array_equal(other.index_train, split.index_train)


def test_label_noise_flips_exactly_the_requested_fraction():
    labels = np.repeat(np.arange(10), 10)
    noisy, flipped = flip_labels(labels, 0.2, seed=5)
    assert flipped.sum() == 20
    assert np.all(noisy[flipped] != labels[flipped])
    np.testing.assert_array_equal(noisy[~flipped], labels[~flipped])
    assert set(np.unique(noisy)) <= set(range(10))
    np.testing.assert_array_equal(flip_labels(labels, 0.2, seed=5)[0], noisy)
    assert not np.array_equal(flip_labels(labels, 0.2, seed=6)[0], noisy)
    np.testing.assert_array_equal(flip_labels(labels, 0.0, seed=5)[0], labels)
    np.testing.assert_array_equal(one_hot(labels).argmax(axis=-1), labels)
    assert one_hot(labels).sum() == labels.size


def test_t_interval_is_students():
    values = np.random.default_rng(0).normal(size=12)
    mean, half = t_interval(values, confidence=0.9)
    low, high = scipy.stats.t.interval(
        0.9, 11, loc=values.mean(), scale=scipy.stats.sem(values)
    )
    assert mean == pytest.approx(values.mean())
    assert (mean - half, mean + half) == pytest.approx((low, high), rel=1e-12)


def test_spearman_is_scipys_with_and_without_ties():
    rng = np.random.default_rng(1)
    x = rng.normal(size=30)
    y = x + rng.normal(size=30)
    assert spearman(x, y) == pytest.approx(scipy.stats.spearmanr(x, y)[0], rel=1e-12)
    x_tied, y_tied = np.round(x), np.round(y * 2) / 2  # many ties
    expected = scipy.stats.spearmanr(x_tied, y_tied)[0]
    assert spearman(x_tied, y_tied) == pytest.approx(expected, rel=1e-12)
    assert np.isnan(spearman(np.ones(5), np.arange(5.0)))


def test_bootstrap_interval_of_a_mean_is_close_to_the_normal_one():
    values = np.random.default_rng(2).normal(size=400)
    low, high = bootstrap_interval(lambda idx: values[idx].mean(axis=1), 400, seed=0)
    half = 1.96 * values.std(ddof=1) / np.sqrt(400)
    assert low == pytest.approx(values.mean() - half, abs=0.15 * half)
    assert high == pytest.approx(values.mean() + half, abs=0.15 * half)
    again = bootstrap_interval(lambda idx: values[idx].mean(axis=1), 400, seed=0)
    assert again == (low, high)


def test_stratified_bootstrap_keeps_the_size_of_every_group():
    groups = np.repeat([0, 1, 2], [3, 5, 7])
    seen = []

    def statistic(idx):
        seen.append(idx)
        return idx.mean(axis=1)

    bootstrap_interval(statistic, 15, groups=groups, n_boot=50, seed=1)
    (idx,) = seen
    assert idx.shape == (50, 15)
    # every position is resampled from its own group
    np.testing.assert_array_equal(groups[idx], np.broadcast_to(groups, (50, 15)))


def test_statistics_reject_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        t_interval([1.0])
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=1.5)
    with pytest.raises(ValueError, match="same length"):
        spearman([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="groups must have shape"):
        bootstrap_interval(np.mean, 4, groups=[0, 1])
    with pytest.raises(ValueError, match="undefined"):
        bootstrap_interval(lambda idx: np.full(20, np.nan), 4, n_boot=20)
    with pytest.raises(ValueError, match="one value per resample"):
        bootstrap_interval(lambda idx: 1.0, 4, n_boot=20)
    with pytest.raises(ValueError, match="per_class must be < 174"):
        digits_split(per_class=174, n_components=4, seed=0)
    with pytest.raises(ValueError, match="n_components"):
        digits_split(per_class=2, n_components=30, seed=0)
    with pytest.raises(TypeError, match="seed"):
        digits_split(per_class=2, n_components=3, seed=None)
    with pytest.raises(ValueError, match="fraction"):
        flip_labels(np.arange(5), 1.5, seed=0)


TINY = tiny_study()


@pytest.fixture(scope="module")
def tiny():
    return run_study(TINY)


def test_study_table_is_laid_out_noise_method_seed(tiny):
    table = tiny.table
    assert all(v.shape == (12,) for v in table.values())
    np.testing.assert_array_equal(table["noise"], np.repeat([0.0, 0.3], 6))
    np.testing.assert_array_equal(table["method"], np.tile(np.repeat([0, 1, 2], 2), 2))
    np.testing.assert_array_equal(table["seed"], np.tile([0, 1], 6))
    np.testing.assert_array_equal(tiny.steps, [0, 20, 40])
    assert tiny.curves["test_accuracy"].shape == (3, 12)
    np.testing.assert_array_equal(tiny.select(noise=0.3, method=1), [8, 9])


def test_study_measures_what_it_says(tiny):
    split = tiny.split
    net = TwoLayerNet(TINY.n_components, TINY.width, n_out=10)
    for run in range(12):
        theta = tiny.theta[run]
        noise, seed = tiny.table["noise"][run], int(tiny.table["seed"][run])
        labels = flip_labels(split.labels_train, noise, seed)[0]
        Y = one_hot(labels)
        H = net.hessian(theta, split.X_train, Y)
        assert tiny.table["lam_max"][run] == pytest.approx(
            np.linalg.eigvalsh(H)[-1], rel=1e-9
        )
        assert tiny.table["trace"][run] == pytest.approx(np.trace(H), rel=1e-12)
        assert tiny.table["train_loss"][run] == pytest.approx(
            net.loss(theta, split.X_train, Y), rel=1e-12
        )
        predicted = net.predict(theta, split.X_test).argmax(axis=-1)
        assert tiny.table["test_accuracy"][run] == pytest.approx(
            np.mean(predicted == split.labels_test)
        )
        trained = net.predict(theta, split.X_train).argmax(axis=-1)
        assert tiny.table["train_accuracy"][run] == np.mean(trained == labels)
        assert tiny.table["clean_train_accuracy"][run] == np.mean(
            trained == split.labels_train
        )
    # the curves end where the table is, and the peak is the best checkpoint
    np.testing.assert_array_equal(
        tiny.curves["test_accuracy"][-1], tiny.table["test_accuracy"]
    )
    np.testing.assert_array_equal(
        tiny.table["peak_test_accuracy"], tiny.curves["test_accuracy"].max(axis=0)
    )


def test_flatness_correlations_are_scipys_spearman(tiny):
    runs = tiny.select(noise=0.3)
    lam, acc = tiny.table["lam_max"][runs], tiny.table["test_accuracy"][runs]
    found = flatness_correlations(tiny, 0.3, n_boot=50)
    assert found["across"].value == pytest.approx(scipy.stats.spearmanr(lam, acc)[0])
    groups = tiny.table["method"][runs]
    within = [scipy.stats.spearmanr(lam[groups == m], acc[groups == m])[0]
              for m in range(3)]  # fmt: skip
    within = [w for w in within if np.isfinite(w)]  # two seeds: ±1, or undefined
    assert found["within"].value == pytest.approx(np.mean(within))
    for c in found.values():
        assert c.low <= c.high


def test_methods_share_their_starts_and_noisy_labels(tiny):
    # paired design: at step 0 every method of a seed has the same parameters, so the
    # curves start equal (same loss on the same noisy labels)
    loss0 = tiny.curves["train_loss"][0].reshape(2, 3, 2)  # noise, method, seed
    np.testing.assert_array_equal(loss0, np.broadcast_to(loss0[:, :1], loss0.shape))


def test_sam_method_finds_the_normalised_full_batch_radius(tiny):
    assert tiny.sam_method(0.05) == 1
    with pytest.raises(ValueError, match="no SAM run"):
        tiny.sam_method(0.2)
    with pytest.raises(ValueError, match="no SAM run"):
        tiny.sam_method(0.0)  # GD and SGD have ρ = 0: not SAM


@pytest.mark.parametrize("when", ["start", "end"])
def test_hutchinson_estimate_agrees_with_the_recorded_trace(tiny, when):
    runs = tiny.select(noise=0.3)
    estimate, stderr, recorded = tiny.trace_estimate(runs, when, n_samples=400)
    net, X = tiny.network, tiny.split.X_train
    Y = tiny.training_targets(runs)
    theta = (
        tiny.theta[runs]
        if when == "end"
        else np.stack([net.init(int(s)) for s in tiny.table["seed"][runs]])
    )
    dense = [np.trace(net.hessian(t, X, y)) for t, y in zip(theta, Y, strict=True)]
    np.testing.assert_allclose(recorded, dense, rtol=1e-12)
    assert np.all(np.abs(estimate - recorded) < 4 * stderr) and np.all(stderr > 0)
    with pytest.raises(ValueError, match="when"):
        tiny.trace_estimate(runs, "middle")


def test_seed_differences_pair_the_runs_of_each_seed(tiny):
    for noise in TINY.noise:
        differences = seed_differences(tiny, "test_accuracy", noise, 1)
        assert differences.shape == (len(TINY.seeds),)
        for k, seed in enumerate(TINY.seeds):
            runs = {
                m: np.flatnonzero(
                    (tiny.table["noise"] == noise)
                    & (tiny.table["method"] == m)
                    & (tiny.table["seed"] == seed)
                )
                for m in (0, 1)
            }
            accuracy = tiny.table["test_accuracy"]
            assert differences[k] == accuracy[runs[1][0]] - accuracy[runs[0][0]]
        mean, half = paired_difference(tiny, "test_accuracy", noise, 1)
        assert mean == pytest.approx(differences.mean())
        assert half == pytest.approx(t_interval(differences)[1])
