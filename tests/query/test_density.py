"""Tests for skxil.query._density."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances

from skxil.query import (
    density_weighted_sampling,
    information_density,
    uncertainty_sampling,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=200, n_features=4, random_state=1)
    clf = LogisticRegression().fit(X[:30], y[:30])
    return clf, X[30:]


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
def test_information_density_definition(data, metric):
    _, X = data
    expected = (1 / (1 + pairwise_distances(X, metric=metric))).mean(axis=1)
    assert_allclose(information_density(X, metric=metric), expected)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_information_density_agrees_with_modal(data, metric):
    modal_density = pytest.importorskip("modAL.density")
    _, X = data
    assert_allclose(
        information_density(X, metric=metric),
        modal_density.information_density(X, metric=metric),
    )


def test_information_density_sparse_dataframe_and_jobs(data):
    pd = pytest.importorskip("pandas")
    _, X = data
    expected = information_density(X)
    assert_allclose(information_density(sp.csr_matrix(X)), expected)
    assert_allclose(information_density(pd.DataFrame(X)), expected)
    assert_allclose(information_density(X, n_jobs=2), expected)


def test_information_density_errors():
    with pytest.raises(ValueError, match="empty"):
        information_density(np.empty((0, 3)))
    with pytest.raises(TypeError, match="numeric features"):
        information_density(np.array([["a"], ["b"]]))
    with pytest.raises(ValueError, match="metric"):
        information_density(np.ones((2, 2)), metric=None)


@pytest.mark.parametrize("beta", [0, 0.5, 1, 2])
def test_density_weighted_scores(data, beta):
    clf, X = data
    uncertainty = 1 - clf.predict_proba(X).max(axis=1)
    expected = uncertainty * information_density(X, metric="cosine") ** beta
    idx, scores = density_weighted_sampling(clf, X, n_instances=X.shape[0], beta=beta)
    assert_array_equal(idx, np.argsort(-expected, kind="stable"))
    assert_allclose(scores, expected[idx])


def test_beta_zero_is_uncertainty_sampling(data):
    clf, X = data
    idx, _ = density_weighted_sampling(clf, X, n_instances=10, beta=0)
    assert_array_equal(idx, uncertainty_sampling(clf, X, n_instances=10)[0])


def test_outlier_is_down_weighted():
    clf = LogisticRegression().fit(
        [[-2.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [3.0, 0.0]], [0, 0, 1, 1]
    )
    X = np.array([[0.5, 20.0], [0.8, 0.0], [0.9, 0.0], [1.0, 0.0], [1.1, 0.0]])
    assert uncertainty_sampling(clf, X)[0][0] == 0
    assert density_weighted_sampling(clf, X, metric="euclidean")[0][0] != 0


def test_cold_start_queries_the_densest_rows(data):
    _, X = data
    idx, _ = density_weighted_sampling(LogisticRegression(), X, n_instances=3)
    density = information_density(X, metric="cosine")
    assert_array_equal(idx, np.argsort(-density, kind="stable")[:3])


def test_chunks_ties_and_random_state(data):
    clf, X = data
    expected = density_weighted_sampling(clf, X, n_instances=7)
    got = density_weighted_sampling(clf, X, n_instances=7, chunk_size=13)
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])
    # Identical rows tie; they come out by index, or shuffled reproducibly.
    X_tied = np.vstack([X[:1]] * 6)
    idx, _ = density_weighted_sampling(clf, X_tied, n_instances=6)
    assert_array_equal(idx, np.arange(6))
    a, _ = density_weighted_sampling(
        clf, X_tied, n_instances=6, random_tie_break=True, random_state=0
    )
    b, _ = density_weighted_sampling(
        clf, X_tied, n_instances=6, random_tie_break=True, random_state=0
    )
    assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(6))


def test_sparse_and_dataframe_pools(data):
    pd = pytest.importorskip("pandas")
    clf, X = data
    expected, _ = density_weighted_sampling(clf, X, n_instances=5)
    assert_array_equal(
        density_weighted_sampling(clf, sp.csr_matrix(X), n_instances=5)[0], expected
    )
    clf_df = LogisticRegression().fit(pd.DataFrame(X[:30]), clf.predict(X[:30]))
    idx, _ = density_weighted_sampling(clf_df, pd.DataFrame(X), n_instances=5)
    assert idx.shape == (5,)


@pytest.mark.parametrize("n_instances", [0, 171])
def test_n_instances_out_of_range(data, n_instances):
    clf, X = data
    with pytest.raises(ValueError, match="n_instances"):
        density_weighted_sampling(clf, X, n_instances=n_instances)


def test_errors(data):
    clf, X = data
    with pytest.raises(ValueError, match="beta"):
        density_weighted_sampling(clf, X, beta=-1)
    with pytest.raises(TypeError, match="numeric features"):
        density_weighted_sampling(LogisticRegression(), [["a"], ["b"]])
