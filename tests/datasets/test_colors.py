"""Tests for skxil.datasets._colors."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxil.datasets import SameColorFeatures, make_colors


def _rule0(X):
    return np.all(X[:, [0, 4, 20, 24]] == X[:, [0]], axis=1)


def _rule1(X):
    a, b, c = X[:, 1], X[:, 2], X[:, 3]
    return (a != b) & (a != c) & (b != c)


def test_make_colors_labels_follow_both_rules():
    X, y, rules = make_colors(2000, random_state=0)
    assert X.shape == (2000, 25) and X.dtype == np.int64
    assert y.shape == (2000,) and y.dtype == np.int64
    assert set(np.unique(X)) == {0, 1, 2, 3}
    positive = y == 1
    # Every positive satisfies both rules, every negative neither.
    assert np.all(_rule0(X[positive]) & _rule1(X[positive]))
    assert not np.any(_rule0(X[~positive]) | _rule1(X[~positive]))
    assert_array_equal(np.flatnonzero(rules[0]), [0, 4, 20, 24])
    assert_array_equal(np.flatnonzero(rules[1]), [1, 2, 3])
    assert rules.dtype == bool and rules.shape == (2, 25)


@pytest.mark.parametrize("n_samples", [1, 2, 7, 1000])
def test_make_colors_is_balanced(n_samples):
    _, y, _ = make_colors(n_samples, random_state=1)
    assert abs(int((y == 1).sum()) - int((y == 0).sum())) <= 1


def test_make_colors_reproducible_and_random_order():
    X1, y1, _ = make_colors(50, random_state=3)
    X2, y2, _ = make_colors(50, random_state=3)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    assert not np.array_equal(y1, np.arange(50) % 2)
    X3, _, _ = make_colors(50, random_state=4)
    assert not np.array_equal(X1, X3)


def test_make_colors_non_rule_pixels_vary():
    X, _, _ = make_colors(1000, random_state=0)
    other = np.setdiff1d(np.arange(25), [0, 1, 2, 3, 4, 20, 24])
    counts = np.array([np.bincount(X[:, j], minlength=4) for j in other])
    assert counts.min() > 150  # about uniform: 250 expected per colour


@pytest.mark.parametrize("n_samples", [1, 2, 7, 3000])
def test_make_colors_repair_keeps_the_rules_and_balance(n_samples):
    X, y, rules = make_colors(n_samples, sampling="repair", random_state=0)
    assert X.shape == (n_samples, 25) and X.dtype == np.int64
    assert y.dtype == np.int64
    assert abs(int((y == 1).sum()) - int((y == 0).sum())) <= 1
    positive = y == 1
    assert np.all(_rule0(X[positive]) & _rule1(X[positive]))
    assert not np.any(_rule0(X[~positive]) | _rule1(X[~positive]))
    assert_array_equal(np.flatnonzero(rules[0]), [0, 4, 20, 24])
    assert_array_equal(np.flatnonzero(rules[1]), [1, 2, 3])


def test_make_colors_repair_follows_ross_et_al():
    X, y, _ = make_colors(20000, sampling="repair", random_state=0)
    negative = X[y == 0]
    top = negative[:, 1:4]
    all_equal = np.mean((top[:, 0] == top[:, 1]) & (top[:, 1] == top[:, 2]))
    # Repairing distinct top-middle colours never makes all three equal: only
    # images drawn that way keep them (1/16), against 4 of the 40 triples with
    # a repeat (1/10) under uniform sampling.
    assert abs(all_equal - 1 / 16) < 0.01
    Xu, yu, _ = make_colors(20000, random_state=0)
    top_u = Xu[yu == 0][:, 1:4]
    all_equal_u = np.mean((top_u[:, 0] == top_u[:, 1]) & (top_u[:, 1] == top_u[:, 2]))
    assert abs(all_equal_u - 1 / 10) < 0.01
    # Each negative has one diagonal of corners forced apart, so at least one
    # of the two diagonals differs.
    assert np.all((negative[:, 4] != negative[:, 20]) | (negative[:, 0] != negative[:, 24]))
    # Pixels outside the rules stay uniform.
    other = np.setdiff1d(np.arange(25), [0, 1, 2, 3, 4, 20, 24])
    counts = np.array([np.bincount(X[:, j], minlength=4) for j in other])
    assert counts.min() > 4500  # 5000 expected per colour
    # Positives: uniform corner colour and distinct top-middle colours.
    positive = X[y == 1]
    assert np.bincount(positive[:, 0], minlength=4).min() > 2200
    triples = positive[:, 1] * 16 + positive[:, 2] * 4 + positive[:, 3]
    counts = np.bincount(triples, minlength=64)
    assert np.count_nonzero(counts) == 24 and counts[counts > 0].min() > 330  # 417


def test_make_colors_repair_reproducible():
    X1, y1, _ = make_colors(40, sampling="repair", random_state=5)
    X2, y2, _ = make_colors(40, sampling="repair", random_state=5)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)


def test_make_colors_rejects_bad_sampling():
    with pytest.raises(ValueError, match=r"'sampling' parameter of make_colors must be a str among \{'(uniform|repair)', '(uniform|repair)'\}\. Got 'ross'"):
        make_colors(10, sampling="ross")


def test_make_colors_rejects_bad_n_samples():
    with pytest.raises(ValueError, match=r"'n_samples' parameter of make_colors must be an int in the range \[1, inf\)\. Got 0"):
        make_colors(0)


def test_same_color_features_values_and_names():
    X = np.zeros((2, 25), dtype=np.int64)
    X[1, 1] = 3
    features = SameColorFeatures().fit(X)
    assert features.n_features_in_ == 25
    assert features.pairs_.shape == (300, 2)
    assert_array_equal(features.pairs_[:3], [[0, 1], [0, 2], [0, 3]])
    assert_array_equal(features.pairs_[-1], [23, 24])
    assert np.all(features.pairs_[:, 0] < features.pairs_[:, 1])
    Z = features.transform(X)
    assert Z.shape == (2, 300) and Z.dtype == np.float64
    assert np.all(Z[0] == 1.0)
    # Pixel 1 differs from all others in the second image: 24 pairs.
    involves_1 = np.any(features.pairs_ == 1, axis=1)
    assert_array_equal(Z[1], (~involves_1).astype(float))
    names = features.get_feature_names_out()
    assert names[0] == "same_0_1" and names[-1] == "same_23_24"
    assert len(names) == 300


def test_same_color_features_names_from_dataframe():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame([[0, 1, 0]], columns=["a", "b", "c"])
    features = SameColorFeatures().fit(X)
    assert_array_equal(features.get_feature_names_out(), ["same_a_b", "same_a_c", "same_b_c"])
    assert_array_equal(features.transform(X), [[0.0, 1.0, 0.0]])


def test_feature_mask_of_rules():
    X, _, rules = make_colors(10, random_state=0)
    features = SameColorFeatures().fit(X)
    corner_pairs = features.feature_mask(rules[0])
    assert corner_pairs.shape == (300,) and corner_pairs.dtype == bool
    assert_array_equal(
        features.pairs_[corner_pairs],
        [[0, 4], [0, 20], [0, 24], [4, 20], [4, 24], [20, 24]],
    )
    assert_array_equal(features.pairs_[features.feature_mask(rules[1])], [[1, 2], [1, 3], [2, 3]])
    with pytest.raises(ValueError, match=r"pixel_mask must have shape \(25,\).*\(24,\)"):
        features.feature_mask(np.ones(24, dtype=bool))


def test_transform_checks_number_of_pixels():
    features = SameColorFeatures().fit(np.zeros((1, 25)))
    with pytest.raises(ValueError, match="X has 24 features, but SameColorFeatures is expecting 25"):
        features.transform(np.zeros((1, 24)))


def test_pipeline_learns_both_rules_in_feature_space():
    X, y, rules = make_colors(400, random_state=0)
    model = make_pipeline(SameColorFeatures(), LogisticRegression(C=10.0, max_iter=1000))
    model.fit(X, y)
    assert model.score(X, y) == 1.0
    features = model[0]
    coef = np.abs(model[-1].coef_[0])
    relevant = features.feature_mask(rules[0]) | features.feature_mask(rules[1])
    assert coef[relevant].mean() > 3 * coef[~relevant].mean()


@parametrize_with_checks([SameColorFeatures()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
