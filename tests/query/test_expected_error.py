"""expected_error_reduction: modAL's definition, on skxil's learners."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.query import expected_error_reduction


def _reference(model, X_train, y_train, X, loss):
    """modAL's loop, written out: refit per candidate and label, sum the loss."""
    proba = model.predict_proba(X)
    errors = np.zeros(len(X))
    for i in range(len(X)):
        rest = np.delete(np.arange(len(X)), i)
        for k, label in enumerate(model.classes_):
            refit = clone(model).fit(np.vstack([X_train, X[i : i + 1]]),
                                     np.append(y_train, label))
            p = refit.predict_proba(X[rest])
            per_row = 1 - p.max(axis=1) if loss == "binary" else -np.sum(
                np.where(p > 0, p * np.log(p), 0.0), axis=1)
            errors[i] += proba[i, k] * per_row.sum()
    return errors


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=30) > 0).astype(int)
    train = np.concatenate([np.flatnonzero(y == 0)[:4], np.flatnonzero(y == 1)[:4]])
    pool = np.setdiff1d(np.arange(30), train)
    return X[train], y[train], X[pool]


@pytest.mark.parametrize("loss", ["binary", "log"])
def test_matches_the_definition(problem, loss):
    X_train, y_train, X = problem
    model = LogisticRegression().fit(X_train, y_train)
    expected = _reference(model, X_train, y_train, X, loss)
    idx, scores = expected_error_reduction(model, X, n_instances=len(X), loss=loss,
                                           X_labelled=X_train, y_labelled=y_train)
    np.testing.assert_allclose(scores, expected[idx], rtol=1e-10)
    assert list(idx) == list(np.argsort(expected, kind="stable"))


def test_on_a_caipi_learner_sparse_pool_and_chunks(problem):
    X_train, y_train, X = problem
    learner = CaipiClassifier(random_state=0).fit(X_train, y_train)
    idx, scores = expected_error_reduction(learner, X, n_instances=3)
    again = expected_error_reduction(learner, X, n_instances=3, chunk_size=4)
    np.testing.assert_array_equal(idx, again[0])
    np.testing.assert_allclose(scores, again[1], rtol=1e-12)
    sparse_learner = CaipiClassifier(random_state=0).fit(sparse.csr_matrix(X_train), y_train)
    sp_idx, _ = expected_error_reduction(sparse_learner, sparse.csr_matrix(X), n_instances=3)
    np.testing.assert_array_equal(sp_idx, idx)


def test_subsample_is_seeded_and_marks_the_rest_infinite(problem):
    X_train, y_train, X = problem
    learner = CaipiClassifier(random_state=0).fit(X_train, y_train)
    a = expected_error_reduction(learner, X, n_instances=len(X), p_subsample=0.5,
                                 random_state=1)
    b = expected_error_reduction(learner, X, n_instances=len(X), p_subsample=0.5,
                                 random_state=1)
    np.testing.assert_array_equal(a[0], b[0])
    assert np.isinf(a[1]).any() and np.isfinite(a[1]).any()


def test_errors_and_cold_start(problem):
    X_train, y_train, X = problem
    model = LogisticRegression().fit(X_train, y_train)
    with pytest.raises(ValueError, match="give its labelled rows as X_labelled"):
        expected_error_reduction(model, X)
    with pytest.raises(ValueError, match="X_labelled needs y_labelled"):
        expected_error_reduction(model, X, X_labelled=X_train)
    with pytest.raises(ValueError, match="'loss' parameter"):
        expected_error_reduction(model, X, loss="hinge", X_labelled=X_train, y_labelled=y_train)
    with pytest.raises(ValueError, match="'p_subsample' parameter"):
        expected_error_reduction(model, X, p_subsample=2.0, X_labelled=X_train, y_labelled=y_train)
    idx, scores = expected_error_reduction(LogisticRegression(), X, n_instances=2)
    assert idx.tolist() == [0, 1] and scores.tolist() == [0.0, 0.0]
