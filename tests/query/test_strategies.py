"""Tests for skxil.query._strategies."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from skxil.query import (
    entropy_sampling,
    margin_sampling,
    random_sampling,
    uncertainty_sampling,
)

PROBA_STRATEGIES = [uncertainty_sampling, margin_sampling, entropy_sampling]
ALL_STRATEGIES = PROBA_STRATEGIES + [random_sampling]


class FixedProbaClassifier(ClassifierMixin, BaseEstimator):
    """Returns a fixed probability table, whatever X is; records its inputs."""

    def __init__(self, proba=None):
        self.proba = proba

    def predict_proba(self, X, **kwargs):
        self.last_X_ = X
        self.last_kwargs_ = kwargs
        return np.asarray(self.proba, dtype=float)


class UnfittedClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        check_is_fitted(self)


# Binary table. uncertainty: [.1, .4, .5, .2, .4]; margin: [.8, .2, 0, .6, .2]
BINARY = [[0.9, 0.1], [0.6, 0.4], [0.5, 0.5], [0.2, 0.8], [0.4, 0.6]]

# Three classes, chosen so that the three measures disagree.
#   row 0: [.50, .49, .01]  unc .50  margin .01  entropy .745
#   row 1: [.40, .30, .30]  unc .60  margin .10  entropy 1.089
#   row 2: [.90, .05, .05]  unc .10  margin .85  entropy .394
#   row 3: [.45, .45, .10]  unc .55  margin .00  entropy .940
MULTICLASS = [
    [0.50, 0.49, 0.01],
    [0.40, 0.30, 0.30],
    [0.90, 0.05, 0.05],
    [0.45, 0.45, 0.10],
]


def _entropy(p):
    p = np.asarray(p, dtype=float)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=1)


@pytest.mark.parametrize(
    "strategy, expected_idx, expected_scores",
    [
        (uncertainty_sampling, [2, 1, 4], [0.5, 0.4, 0.4]),
        (margin_sampling, [2, 1, 4], [0.0, 0.2, 0.2]),
        (entropy_sampling, [2, 1, 4], _entropy(BINARY)[[2, 1, 4]]),
    ],
)
def test_binary_selection_and_scores(strategy, expected_idx, expected_scores):
    X = np.zeros((5, 2))
    query_idx, scores = strategy(FixedProbaClassifier(BINARY), X, n_instances=3)
    assert query_idx.dtype == np.intp
    assert scores.dtype == np.float64
    assert_array_equal(query_idx, expected_idx)
    assert_allclose(scores, expected_scores)


@pytest.mark.parametrize(
    "strategy, expected_idx",
    [
        (uncertainty_sampling, [1, 3, 0, 2]),
        (margin_sampling, [3, 0, 1, 2]),
        (entropy_sampling, [1, 3, 0, 2]),
    ],
)
def test_multiclass_full_ranking(strategy, expected_idx):
    X = np.zeros((4, 3))
    query_idx, scores = strategy(FixedProbaClassifier(MULTICLASS), X, n_instances=4)
    assert_array_equal(query_idx, expected_idx)
    # Best first: monotone scores.
    if strategy is margin_sampling:
        assert np.all(np.diff(scores) >= 0)
    else:
        assert np.all(np.diff(scores) <= 0)


def test_multiclass_scores():
    clf = FixedProbaClassifier(MULTICLASS)
    X = np.zeros((4, 3))
    _, unc = uncertainty_sampling(clf, X, n_instances=4)
    assert_allclose(unc, [0.60, 0.55, 0.50, 0.10])
    _, margin = margin_sampling(clf, X, n_instances=4)
    assert_allclose(margin, [0.00, 0.01, 0.10, 0.85], atol=1e-12)
    _, ent = entropy_sampling(clf, X, n_instances=4)
    assert_allclose(ent, _entropy(MULTICLASS)[[1, 3, 0, 2]])


def test_margin_single_class_is_zero():
    clf = FixedProbaClassifier([[1.0], [1.0], [1.0]])
    query_idx, scores = margin_sampling(clf, np.zeros((3, 1)), n_instances=2)
    assert_array_equal(query_idx, [0, 1])
    assert_array_equal(scores, [0.0, 0.0])


def test_entropy_handles_zero_probabilities():
    clf = FixedProbaClassifier([[1.0, 0.0], [0.5, 0.5]])
    query_idx, scores = entropy_sampling(clf, np.zeros((2, 1)), n_instances=2)
    assert_array_equal(query_idx, [1, 0])
    assert_allclose(scores, [np.log(2), 0.0])
    assert np.all(np.isfinite(scores))


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_ties_are_broken_by_row_index(strategy):
    proba = [[0.5, 0.5]] * 6
    query_idx, _ = strategy(FixedProbaClassifier(proba), np.zeros((6, 1)), 4)
    assert_array_equal(query_idx, [0, 1, 2, 3])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_random_tie_break_is_reproducible_and_random(strategy):
    # Rows 0..19 tie at the best score, row 20 is certain.
    proba = [[0.5, 0.5]] * 20 + [[1.0, 0.0]]
    clf = FixedProbaClassifier(proba)
    X = np.zeros((21, 1))
    first = strategy(clf, X, 5, random_tie_break=True, random_state=0)
    second = strategy(clf, X, 5, random_tie_break=True, random_state=0)
    assert_array_equal(first[0], second[0])
    assert_array_equal(first[1], second[1])
    draws = {
        tuple(strategy(clf, X, 5, random_tie_break=True, random_state=seed)[0])
        for seed in range(10)
    }
    assert len(draws) > 1
    assert all(20 not in draw for draw in draws)
    # A RandomState instance is accepted too.
    rng_draw, _ = strategy(
        clf, X, 5, random_tie_break=True, random_state=np.random.RandomState(0)
    )
    assert_array_equal(rng_draw, first[0])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_random_tie_break_keeps_the_ranking(strategy):
    # No ties: breaking them at random changes nothing.
    clf = FixedProbaClassifier(MULTICLASS)
    X = np.zeros((4, 3))
    plain = strategy(clf, X, 4)
    shuffled = strategy(clf, X, 4, random_tie_break=True, random_state=42)
    assert_array_equal(plain[0], shuffled[0])
    assert_allclose(plain[1], shuffled[1])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_random_state_ignored_without_random_tie_break(strategy):
    proba = [[0.5, 0.5]] * 6
    clf = FixedProbaClassifier(proba)
    results = {
        tuple(strategy(clf, np.zeros((6, 1)), 3, random_state=seed)[0])
        for seed in range(5)
    }
    assert results == {(0, 1, 2)}


def test_random_sampling_without_replacement_and_reproducible():
    X = np.zeros((30, 2))
    query_idx, scores = random_sampling(None, X, n_instances=30, random_state=0)
    assert query_idx.dtype == np.intp
    assert_array_equal(np.sort(query_idx), np.arange(30))
    assert_array_equal(scores, np.zeros(30))
    again, _ = random_sampling(None, X, n_instances=30, random_state=0)
    assert_array_equal(query_idx, again)
    other, _ = random_sampling(None, X, n_instances=30, random_state=1)
    assert not np.array_equal(query_idx, other)
    small, _ = random_sampling(None, X, n_instances=5, random_state=3)
    assert len(np.unique(small)) == 5
    assert small.min() >= 0 and small.max() < 30


def test_random_sampling_does_not_call_the_classifier():
    query_idx, _ = random_sampling(UnfittedClassifier(), [[0], [1], [2]], 2)
    assert len(query_idx) == 2


def test_no_global_random_state_used():
    proba = [[0.5, 0.5]] * 10
    clf = FixedProbaClassifier(proba)
    X = np.zeros((10, 1))
    state = np.random.get_state()
    uncertainty_sampling(clf, X, 3, random_tie_break=True, random_state=0)
    random_sampling(clf, X, 3, random_state=0)
    after = np.random.get_state()
    assert state[0] == after[0]
    assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_dataframe_pool_passed_unchanged(strategy):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": np.arange(5.0), "b": np.ones(5)}, index=[10, 11, 12, 13, 14])
    clf = FixedProbaClassifier(BINARY)
    query_idx, _ = strategy(clf, X, n_instances=2)
    assert len(query_idx) == 2
    # Positional indices, not index labels.
    assert query_idx.max() < 5
    if strategy is not random_sampling:
        assert clf.last_X_ is X
        assert_array_equal(query_idx, [2, 1])


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_pool_passed_unchanged(strategy, fmt):
    X = sp.random(5, 4, density=0.5, format=fmt, random_state=0)
    clf = FixedProbaClassifier(BINARY)
    query_idx, _ = strategy(clf, X, n_instances=2)
    assert len(query_idx) == 2
    if strategy is not random_sampling:
        assert clf.last_X_ is X
        assert_array_equal(query_idx, [2, 1])


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_list_pool(strategy):
    X = [[0.0], [1.0], [2.0], [3.0], [4.0]]
    clf = FixedProbaClassifier(BINARY)
    query_idx, _ = strategy(clf, X, n_instances=3)
    assert len(np.unique(query_idx)) == 3


def test_predict_proba_kwargs_forwarded():
    clf = FixedProbaClassifier(BINARY)
    uncertainty_sampling(clf, np.zeros((5, 1)), 1, foo="bar")
    assert clf.last_kwargs_ == {"foo": "bar"}
    margin_sampling(clf, np.zeros((5, 1)), 1)
    assert clf.last_kwargs_ == {}


@pytest.mark.parametrize(
    "strategy, expected_score",
    [(uncertainty_sampling, 1.0), (margin_sampling, 0.0), (entropy_sampling, 0.0)],
)
def test_cold_start_unfitted_classifier(strategy, expected_score):
    X = np.arange(12.0).reshape(6, 2)
    query_idx, scores = strategy(UnfittedClassifier(), X, n_instances=3)
    assert_array_equal(query_idx, [0, 1, 2])
    assert_array_equal(scores, [expected_score] * 3)
    # Random tie break draws random rows, reproducibly.
    kwargs = dict(random_tie_break=True, random_state=0)
    drawn, _ = strategy(UnfittedClassifier(), X, 3, **kwargs)
    again, _ = strategy(UnfittedClassifier(), X, 3, **kwargs)
    assert_array_equal(drawn, again)
    assert len(np.unique(drawn)) == 3


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_cold_start_unfitted_sklearn_estimator(strategy):
    X = sp.csr_matrix(np.eye(4))
    query_idx, _ = strategy(LogisticRegression(), X, n_instances=2)
    assert_array_equal(query_idx, [0, 1])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_other_predict_proba_errors_propagate(strategy):
    class Broken(BaseEstimator):
        def predict_proba(self, X):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        strategy(Broken(), np.zeros((3, 1)))


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_bad_predict_proba_shape(strategy):
    clf = FixedProbaClassifier(BINARY)  # 5 rows
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_classes\) = \(3,"):
        strategy(clf, np.zeros((3, 1)))


# Below 1, validate_params speaks; above the pool size, which it cannot know,
# skxil does.
BELOW_ONE = r"'n_instances' parameter of \w+ must be an int in the range \[1, inf\)\. "
ABOVE_POOL = r"n_instances must be between 1 and the pool size \(5 samples\), "


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
@pytest.mark.parametrize(
    "n_instances, message",
    [
        (0, BELOW_ONE + "Got 0 instead"),
        (-1, BELOW_ONE + "Got -1 instead"),
        (6, ABOVE_POOL + "got n_instances=6"),
        (100, ABOVE_POOL + "got n_instances=100"),
    ],
)
def test_n_instances_out_of_range(strategy, n_instances, message):
    with pytest.raises(ValueError, match=message):
        strategy(
            FixedProbaClassifier(BINARY), np.zeros((5, 1)), n_instances=n_instances
        )


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
@pytest.mark.parametrize("n_instances", [1.0, 2.5, "2", True, None])
def test_n_instances_not_integer(strategy, n_instances):
    clf = FixedProbaClassifier(BINARY)
    # validate_params words it for floats, strings and None, skxil for bools.
    with pytest.raises(TypeError, match="n_instances.* must be an int"):
        strategy(clf, np.zeros((5, 1)), n_instances=n_instances)


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_n_instances_numpy_integer_accepted(strategy):
    clf = FixedProbaClassifier(BINARY)
    query_idx, scores = strategy(clf, np.zeros((5, 1)), n_instances=np.int64(5))
    assert query_idx.shape == scores.shape == (5,)


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_empty_pool(strategy):
    clf = FixedProbaClassifier(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"pool X is empty \(0 samples\)"):
        strategy(clf, np.zeros((0, 3)))


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_pool_without_rows(strategy):
    with pytest.raises(TypeError, match="pool X must be array-like"):
        strategy(FixedProbaClassifier(BINARY), 3.0)


# --- agreement with modAL -------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_logreg():
    X, y = make_classification(
        n_samples=300,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    clf = LogisticRegression().fit(X[:60], y[:60])
    return clf, X[60:]


@pytest.mark.parametrize("name", ["uncertainty", "margin", "entropy"])
@pytest.mark.parametrize("n_instances", [1, 7, 40])
def test_agrees_with_modal(fitted_logreg, name, n_instances):
    modal_uncertainty = pytest.importorskip("modAL.uncertainty")
    import skxil.query

    clf, X_pool = fitted_logreg
    ours = getattr(skxil.query, f"{name}_sampling")(clf, X_pool, n_instances)
    theirs = getattr(modal_uncertainty, f"{name}_sampling")(clf, X_pool, n_instances)
    their_idx, their_scores = (np.asarray(a) for a in theirs)
    assert set(ours[0].tolist()) == set(their_idx.tolist())
    order = np.argsort(their_idx)
    assert_allclose(
        ours[1][np.argsort(ours[0])], their_scores[order], rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("name", ["uncertainty", "margin", "entropy"])
def test_usable_as_modal_query_strategy(fitted_logreg, name):
    modal_models = pytest.importorskip("modAL.models")
    import skxil.query

    clf, X_pool = fitted_logreg
    strategy = getattr(skxil.query, f"{name}_sampling")
    learner = modal_models.ActiveLearner(
        estimator=LogisticRegression(),
        query_strategy=strategy,
        X_training=X_pool[:20],
        y_training=clf.predict(X_pool[:20]),
    )
    query_idx, query_inst = learner.query(X_pool, n_instances=3)
    assert len(query_idx) == 3
    assert_array_equal(query_inst, X_pool[query_idx])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_random_tie_break_must_be_boolean(strategy):
    with pytest.raises(
        TypeError, match=r"'random_tie_break' parameter of \w+ must be an instance"
    ):
        strategy(FixedProbaClassifier(BINARY), np.zeros((5, 1)), random_tie_break=1)


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_bad_random_state(strategy):
    with pytest.raises(ValueError, match=r"'random_state' parameter of \w+ must be"):
        strategy(FixedProbaClassifier(BINARY), np.zeros((5, 1)), random_state="0")


# Partial sort and chunked scoring ------------------------------------------


def _full_sort(scores, n_instances, largest, random_tie_break=False, seed=None):
    """The reference ranking: a full stable sort, as _select did before."""
    keys = -scores if largest else scores
    if random_tie_break:
        permutation = np.random.RandomState(seed).permutation(scores.shape[0])
        return permutation[np.argsort(keys[permutation], kind="stable")][:n_instances]
    return np.argsort(keys, kind="stable")[:n_instances]


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("random_tie_break", [False, True])
@pytest.mark.parametrize("n_levels", [1, 2, 5, 1000])
def test_partial_sort_equals_full_sort_with_ties(largest, random_tie_break, n_levels):
    from skxil.query._strategies import _select

    rng = np.random.RandomState(n_levels)
    # Few distinct values: most scores tie, including at the cut.
    scores = rng.randint(n_levels, size=500).astype(float) / n_levels
    for n_instances in [1, 2, 37, 250, 499, 500]:
        idx, got = _select(
            scores,
            n_instances,
            largest=largest,
            random_tie_break=random_tie_break,
            random_state=7,
        )
        expected = _full_sort(scores, n_instances, largest, random_tie_break, seed=7)
        assert idx.dtype == np.intp
        assert_array_equal(idx, expected)
        assert_array_equal(got, scores[expected])


def test_partial_sort_with_nan_and_signed_zeros():
    from skxil.query._strategies import _top_n

    keys = np.array([0.0, np.nan, -0.0, 1.0, np.nan, 0.0, -1.0])
    for n_instances in range(1, keys.shape[0] + 1):
        assert_array_equal(
            _top_n(keys, n_instances), np.argsort(keys, kind="stable")[:n_instances]
        )


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
@pytest.mark.parametrize("chunk_size", [1, 3, 4, 5, 100])
def test_chunk_size_gives_identical_results(strategy, chunk_size):
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    clf = LogisticRegression().fit(X[:50], y[:50])
    expected = strategy(clf, X, n_instances=20)
    got = strategy(clf, X, n_instances=20, chunk_size=chunk_size)
    assert_array_equal(got[0], expected[0])
    # predict_proba on one row may round differently (BLAS matrix-vector
    # product instead of matrix-matrix): the scores agree to the last bits.
    assert_allclose(got[1], expected[1], rtol=1e-13)


class ChunkRecorder(FixedProbaClassifier):
    """Returns rows of a fixed table by the first feature; records the chunk sizes."""

    def predict_proba(self, X, **kwargs):
        self.sizes_ = [*getattr(self, "sizes_", []), _n_rows(X)]
        rows = np.asarray(X.toarray() if sp.issparse(X) else X)[:, 0].astype(int)
        return np.asarray(self.proba, dtype=float)[rows]


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
@pytest.mark.parametrize("container", ["array", "dataframe", "csr", "coo", "list"])
def test_chunks_of_any_container(strategy, container):
    proba = np.random.RandomState(0).dirichlet([1, 1, 1], size=10)
    X = np.arange(10, dtype=float)[:, None]
    if container == "dataframe":
        X = pytest.importorskip("pandas").DataFrame(X, columns=["row"])
    elif container in ("csr", "coo"):
        X = sp.csr_matrix(X).asformat(container)
    elif container == "list":
        X = X.tolist()
    expected = strategy(FixedProbaClassifier(proba), np.zeros((10, 1)), n_instances=4)
    clf = ChunkRecorder(proba)
    got = strategy(clf, X, n_instances=4, chunk_size=4)
    assert clf.sizes_ == [4, 4, 2]
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_chunk_size_cold_start_and_errors(strategy):
    X = np.zeros((6, 2))
    idx, _ = strategy(UnfittedClassifier(), X, n_instances=3, chunk_size=2)
    assert_array_equal(idx, [0, 1, 2])
    with pytest.raises(ValueError, match="chunk_size"):
        strategy(FixedProbaClassifier(BINARY), X[:5], chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size"):
        strategy(FixedProbaClassifier(BINARY), X[:5], chunk_size=1.5)


@pytest.mark.parametrize("strategy", PROBA_STRATEGIES)
def test_n_instances_equal_to_pool(strategy):
    idx, _ = strategy(FixedProbaClassifier(BINARY), np.zeros((5, 2)), n_instances=5)
    assert sorted(idx.tolist()) == [0, 1, 2, 3, 4]
