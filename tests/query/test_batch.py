"""Tests for skxil.query._batch (ranked batch-mode sampling)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances

from skxil import CaipiClassifier
from skxil.query import ranked_batch_sampling, uncertainty_sampling


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    X_lab, y_lab, X_pool = X[:40], y[:40], X[40:]
    clf = LogisticRegression().fit(X_lab, y_lab)
    return clf, X_lab, y_lab, X_pool


def _naive_ranked_batch(clf, X_lab, X_pool, n_instances, metric="euclidean"):
    """The definition, recomputed from scratch at every pick."""
    uncertainty = 1 - clf.predict_proba(X_pool).max(axis=1)
    known = X_lab
    picked, scores_out = [], []
    for _ in range(n_instances):
        n_left = X_pool.shape[0] - len(picked)
        alpha = n_left / (n_left + known.shape[0])
        similarity = 1 / (1 + pairwise_distances(X_pool, known, metric=metric).min(1))
        scores = alpha * (1 - similarity) + (1 - alpha) * uncertainty
        scores[picked] = -np.inf
        i = int(np.argmax(scores))
        picked.append(i)
        scores_out.append(scores[i])
        known = np.vstack([known, X_pool[[i]]])
    return np.array(picked), np.array(scores_out)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_matches_the_definition(data, metric):
    clf, X_lab, _, X_pool = data
    idx, scores = ranked_batch_sampling(
        clf, X_pool, n_instances=12, metric=metric, X_labelled=X_lab
    )
    expected_idx, expected_scores = _naive_ranked_batch(clf, X_lab, X_pool, 12, metric)
    assert idx.dtype == np.intp
    assert_array_equal(idx, expected_idx)
    assert_allclose(scores, expected_scores)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_agrees_with_modal(data, metric, n_jobs):
    modal_batch = pytest.importorskip("modAL.batch")
    modal_models = pytest.importorskip("modAL.models")
    _, X_lab, y_lab, X_pool = data
    learner = modal_models.ActiveLearner(
        LogisticRegression(), X_training=X_lab, y_training=y_lab
    )
    expected_idx, expected_uncertainty = modal_batch.uncertainty_batch_sampling(
        learner, X_pool, n_instances=10, metric=metric, n_jobs=n_jobs
    )
    # The labelled rows are read from the modAL learner's X_training.
    idx, _ = ranked_batch_sampling(
        learner, X_pool, n_instances=10, metric=metric, n_jobs=n_jobs
    )
    assert_array_equal(idx, expected_idx)
    uncertainty = 1 - learner.predict_proba(X_pool).max(axis=1)
    assert_allclose(uncertainty[idx], expected_uncertainty)


def test_labelled_rows_from_caipi_training_set(data):
    _, X_lab, y_lab, X_pool = data
    caipi = CaipiClassifier(LogisticRegression()).fit(X_lab, y_lab)
    assert caipi.training_set_.X_real.shape[0] == 40
    expected = ranked_batch_sampling(
        caipi, X_pool, n_instances=5, X_labelled=caipi.training_set_.X_real
    )
    got = ranked_batch_sampling(caipi, X_pool, n_instances=5)
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])


def test_batch_is_diverse_unlike_uncertainty_sampling():
    X_lab = np.array([[-3.0], [-2.0], [2.0], [3.0]])
    clf = LogisticRegression().fit(X_lab, [0, 0, 1, 1])
    # Ten near-duplicates on the boundary and one row far away.
    X_pool = np.vstack([np.linspace(-0.01, 0.01, 10)[:, None], [[30.0]]])
    plain, _ = uncertainty_sampling(clf, X_pool, n_instances=2)
    assert set(plain) <= set(range(10))
    ranked, _ = ranked_batch_sampling(clf, X_pool, n_instances=2, X_labelled=X_lab)
    assert 10 in ranked


def test_fixed_alpha(data):
    clf, X_lab, _, X_pool = data
    uncertainty = 1 - clf.predict_proba(X_pool).max(axis=1)
    idx, scores = ranked_batch_sampling(
        clf, X_pool, n_instances=3, alpha=0.0, X_labelled=X_lab
    )
    # alpha = 0: pure uncertainty, in order.
    assert_array_equal(idx, uncertainty_sampling(clf, X_pool, n_instances=3)[0])
    assert_allclose(scores, uncertainty[idx])
    idx, _ = ranked_batch_sampling(
        clf, X_pool, n_instances=1, alpha=1.0, X_labelled=X_lab
    )
    # alpha = 1: the row farthest from the labelled rows.
    assert idx[0] == np.argmax(pairwise_distances(X_pool, X_lab).min(1))


def test_cold_start_picks_the_most_central_row():
    rng = np.random.RandomState(0)
    X_pool = rng.normal(size=(50, 3))
    clf = LogisticRegression()  # unfitted: uncertainty 1 everywhere
    idx, _ = ranked_batch_sampling(clf, X_pool, n_instances=3)
    assert idx[0] == np.argmin(pairwise_distances(X_pool).mean(axis=1))
    assert len(set(idx)) == 3
    # An empty labelled set is a cold start too.
    idx_empty, _ = ranked_batch_sampling(
        clf, X_pool, n_instances=3, X_labelled=np.empty((0, 3))
    )
    assert_array_equal(idx, idx_empty)


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_chunk_size_does_not_change_the_result(data, chunk_size):
    clf, X_lab, _, X_pool = data
    expected = ranked_batch_sampling(clf, X_pool, n_instances=6, X_labelled=X_lab)
    got = ranked_batch_sampling(
        clf, X_pool, n_instances=6, X_labelled=X_lab, chunk_size=chunk_size
    )
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])


def test_whole_pool_and_single_row(data):
    clf, X_lab, _, X_pool = data
    pool = X_pool[:8]
    idx, _ = ranked_batch_sampling(clf, pool, n_instances=8, X_labelled=X_lab)
    assert sorted(idx.tolist()) == list(range(8))
    idx, _ = ranked_batch_sampling(clf, pool[:1], n_instances=1, X_labelled=X_lab)
    assert_array_equal(idx, [0])


@pytest.mark.parametrize("n_instances", [0, -1, 9])
def test_n_instances_out_of_range(data, n_instances):
    clf, X_lab, _, X_pool = data
    with pytest.raises(ValueError, match="n_instances"):
        ranked_batch_sampling(
            clf, X_pool[:8], n_instances=n_instances, X_labelled=X_lab
        )


def test_ties_lowest_index_or_random():
    X_lab = np.array([[0.0, 0.0]])
    X_pool = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    clf = LogisticRegression()  # unfitted: all uncertainties equal
    idx, _ = ranked_batch_sampling(clf, X_pool, n_instances=1, X_labelled=X_lab)
    assert_array_equal(idx, [0])

    def shuffled(seed, n_instances):
        return ranked_batch_sampling(
            clf,
            X_pool,
            n_instances=n_instances,
            X_labelled=X_lab,
            random_tie_break=True,
            random_state=seed,
        )[0]

    assert len({shuffled(seed, 1)[0] for seed in range(20)}) > 1
    assert_array_equal(shuffled(3, 4), shuffled(3, 4))
    assert sorted(shuffled(3, 4).tolist()) == [0, 1, 2, 3]


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_pool(data, fmt):
    clf, X_lab, _, X_pool = data
    expected = ranked_batch_sampling(clf, X_pool, n_instances=5, X_labelled=X_lab)
    got = ranked_batch_sampling(
        clf,
        sp.csr_matrix(X_pool).asformat(fmt),
        n_instances=5,
        X_labelled=sp.csr_matrix(X_lab),
        chunk_size=50,
    )
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])


def test_numeric_dataframe_pool(data):
    pd = pytest.importorskip("pandas")
    clf, X_lab, _, X_pool = data
    columns = [f"f{i}" for i in range(5)]
    expected = ranked_batch_sampling(clf, X_pool, n_instances=5, X_labelled=X_lab)
    clf_df = LogisticRegression().fit(pd.DataFrame(X_lab, columns=columns), data[2])
    got = ranked_batch_sampling(
        clf_df,
        pd.DataFrame(X_pool, columns=columns),
        n_instances=5,
        X_labelled=pd.DataFrame(X_lab, columns=columns),
    )
    assert_array_equal(got[0], expected[0])


def test_mixed_dataframe_is_one_hot_encoded():
    pd = pytest.importorskip("pandas")
    X_lab = pd.DataFrame({"x": [0.0, 0.0], "colour": ["red", "red"]})
    X_pool = pd.DataFrame({"x": [0.0, 0.0, 0.5], "colour": ["red", "blue", "red"]})
    clf = LogisticRegression()  # unfitted: the distances decide
    idx, _ = ranked_batch_sampling(
        clf, X_pool, n_instances=1, X_labelled=X_lab, alpha=1.0
    )
    # "blue" differs in two one-hot columns: distance sqrt(2) > 0.5.
    assert_array_equal(idx, [1])


def test_errors_name_what_is_needed(data):
    clf, X_lab, _, X_pool = data
    with pytest.raises(TypeError, match="numeric features"):
        ranked_batch_sampling(
            LogisticRegression(), np.array([["a"], ["b"]]), X_labelled=np.array([["a"]])
        )
    with pytest.raises(ValueError, match="features"):
        ranked_batch_sampling(clf, X_pool, X_labelled=X_lab[:, :3])
    with pytest.raises(ValueError, match="alpha"):
        ranked_batch_sampling(clf, X_pool, alpha=1.5, X_labelled=X_lab)
    with pytest.raises(ValueError, match="alpha"):
        ranked_batch_sampling(clf, X_pool, alpha="max", X_labelled=X_lab)
    with pytest.raises(ValueError, match="metric"):
        ranked_batch_sampling(clf, X_pool, metric=3, X_labelled=X_lab)
    with pytest.raises(ValueError, match="chunk_size"):
        ranked_batch_sampling(clf, X_pool, chunk_size=0, X_labelled=X_lab)
    with pytest.raises(ValueError, match="empty"):
        ranked_batch_sampling(clf, X_pool[:0], X_labelled=X_lab)
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="same columns"):
        ranked_batch_sampling(
            LogisticRegression(),
            pd.DataFrame({"a": [1.0]}),
            X_labelled=pd.DataFrame({"b": [1.0]}),
        )


def test_does_not_modify_inputs(data):
    clf, X_lab, _, X_pool = data
    X_pool_copy, X_lab_copy = X_pool.copy(), X_lab.copy()
    ranked_batch_sampling(clf, X_pool, n_instances=5, X_labelled=X_lab)
    assert_array_equal(X_pool, X_pool_copy)
    assert_array_equal(X_lab, X_lab_copy)


def test_usable_as_caipi_query_strategy(data):
    _, X_lab, y_lab, X_pool = data
    caipi = CaipiClassifier(
        LogisticRegression(), query_strategy=ranked_batch_sampling
    ).fit(X_lab, y_lab)
    query_idx, X_query = caipi.query(X_pool, n_instances=4)
    expected, _ = ranked_batch_sampling(caipi, X_pool, n_instances=4)
    assert_array_equal(query_idx, expected)
    assert_array_equal(X_query, X_pool[expected])
