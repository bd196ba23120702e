"""Tests for skxil.query._explanation_based."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import make_column_transformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.explain import Explanation
from skxil.query import (
    explanation_pair_sampling,
    uncertainty_sampling,
    wrong_reason_sampling,
)
from skxil.query._explanation_based import _corrected_feature_counts


class StubExplainer(ClassifierMixin, BaseEstimator):
    """Explains row i with fixed (predicted class, weights); counts its calls."""

    def __init__(self, classes=None, weights=None):
        self.classes = classes
        self.weights = weights

    def explain(self, X):
        self.calls_ = getattr(self, "calls_", 0) + 1
        rows = np.asarray(X)
        out = []
        for row in rows:
            i = int(row[0])
            w = np.asarray(self.weights[i], dtype=float)
            out.append(Explanation(self.classes[i], np.arange(w.size), w, w.size))
        return out

    def predict_proba(self, X):
        rows = np.asarray(X)
        p = 0.5 + 0.4 * np.cos(rows[:, 0])
        return np.column_stack([p, 1 - p])


def _id_pool(n, n_features=3):
    """Pool rows whose first column is their index (for StubExplainer)."""
    X = np.zeros((n, n_features))
    X[:, 0] = np.arange(n)
    return X


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.fixture
def learner(data):
    X, y = data
    return CaipiClassifier(LogisticRegression(), random_state=0).fit(X[:40], y[:40])


# ---------------------------------------------------------------------------
# explanation_pair_sampling


def test_pair_sampling_returns_modal_convention(learner, data):
    X, _ = data
    query_idx, scores = explanation_pair_sampling(
        learner, X, n_instances=5, n_explained=30, random_state=0
    )
    assert query_idx.dtype == np.intp and query_idx.shape == (5,)
    assert scores.dtype == np.float64 and scores.shape == (5,)
    assert len(set(query_idx.tolist())) == 5
    assert query_idx.min() >= 0 and query_idx.max() < X.shape[0]


def test_pair_sampling_deterministic_with_random_state(learner, data):
    X, _ = data
    a = explanation_pair_sampling(learner, X, 7, n_explained=20, random_state=3)
    b = explanation_pair_sampling(learner, X, 7, n_explained=20, random_state=3)
    assert_array_equal(a[0], b[0])
    assert_allclose(a[1], b[1])
    rs = np.random.RandomState(3)
    c = explanation_pair_sampling(learner, X, 7, n_explained=20, random_state=rs)
    assert_array_equal(a[0], c[0])


def test_pair_sampling_explains_once_in_one_batch():
    classes = [0, 1, 0, 1]
    weights = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    clf = StubExplainer(classes, weights)
    explanation_pair_sampling(clf, _id_pool(4), 2, n_explained=4, random_state=0)
    assert clf.calls_ == 1


def test_pair_sampling_best_pair_first():
    # rows 0 and 1 have identical explanations and different predictions: the
    # most confusing pair. With cosine in input space the rows of a pair are
    # their own nearest neighbours, so they come first.
    classes = [0, 1, 0, 1, 0]
    weights = [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    clf = StubExplainer(classes, weights)
    X = _id_pool(5)
    X[:, 1] = 1.0  # no zero rows; distinct directions
    idx, scores = explanation_pair_sampling(
        clf, X, 2, n_explained=5, n_retrieved=2, similarity="cosine", random_state=0
    )
    assert set(idx.tolist()) == {0, 1}
    assert_allclose(scores, [1.0, 1.0])


def test_pair_sampling_signs_are_ignored():
    # the same feature with opposite signs is the same reason (the sign is
    # relative to each row's predicted class)
    classes = [0, 1, 0]
    weights = [[2, 0, 0], [-2, 0, 0], [0, 0, 1]]
    clf = StubExplainer(classes, weights)
    X = _id_pool(3)
    X[:, 1] = 1.0
    _, scores = explanation_pair_sampling(
        clf, X, 1, n_explained=3, similarity="cosine", random_state=0
    )
    assert_allclose(scores, [1.0])


def test_pair_sampling_round_robin_over_pairs():
    # discordant pairs with similar explanations: (0, 1) (similarity 9) and
    # (2, 3) (similarity 1); (0, 3) and (1, 2) share no feature and are not
    # used. n_retrieved=None: one row per pair per round.
    classes = [0, 1, 0, 1]
    weights = [[3, 0, 0], [3, 0, 0], [0, 1, 0], [0, 1, 0]]
    clf = StubExplainer(classes, weights)
    X = np.column_stack([np.arange(4), np.eye(4)])
    idx, scores = explanation_pair_sampling(clf, X, 4, n_explained=4, random_state=0)
    assert_allclose(scores, [9.0, 1.0, 9.0, 1.0])
    assert len(set(idx.tolist())) == 4
    _idx2, scores2 = explanation_pair_sampling(
        clf, X, 4, n_explained=4, n_retrieved=2, random_state=0
    )
    assert_allclose(scores2, [9.0, 9.0, 1.0, 1.0])


def test_pair_sampling_no_similar_pair_falls_back():
    # different predictions, but the explanations share no feature
    clf = StubExplainer([0, 1, 0, 1], [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]])
    X = _id_pool(4)
    idx, _scores = explanation_pair_sampling(clf, X, 2, n_explained=4, random_state=0)
    ref = uncertainty_sampling(clf, X, 2)
    assert_array_equal(idx, ref[0])


def test_pair_sampling_ties_by_index():
    # pool rows alternate between the two rows of the only pair; every row is
    # exactly as similar (dot product 1) to its twin, so ties come in
    # increasing row order
    X = np.column_stack([np.arange(6) % 2, 1 - np.arange(6) % 2])
    clf = StubExplainer([0, 1], [[1, 0], [1, 0]])
    idx, _ = explanation_pair_sampling(
        clf, X, 6, n_explained=6, n_retrieved=6, random_state=0
    )
    assert_array_equal(idx, [0, 1, 2, 3, 4, 5])


@pytest.mark.parametrize("n_instances", [1, 119, 120])
def test_pair_sampling_n_instances_edge_cases(learner, data, n_instances):
    X, _ = data
    idx, scores = explanation_pair_sampling(
        learner, X, n_instances, n_explained=10, random_state=0
    )
    assert idx.shape == (n_instances,) and scores.shape == (n_instances,)
    assert len(set(idx.tolist())) == n_instances


def test_pair_sampling_n_instances_too_large(learner, data):
    X, _ = data
    with pytest.raises(ValueError, match="n_instances must be between 1 and"):
        explanation_pair_sampling(learner, X, 121)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_explained": 1}, "'n_explained' parameter"),
        ({"n_explained": 0}, "'n_explained' parameter"),
        ({"n_retrieved": 0}, "'n_retrieved' parameter"),
        ({"similarity": "euclidean"}, "'similarity' parameter"),
        ({"n_instances": 0}, "'n_instances' parameter"),
    ],
)
def test_pair_sampling_invalid_params(learner, data, params, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        explanation_pair_sampling(learner, X, **params)


def test_pair_sampling_bool_n_instances(learner, data):
    X, _ = data
    with pytest.raises(TypeError, match="n_instances must be an integer"):
        explanation_pair_sampling(learner, X, True)


def test_pair_sampling_falls_back_to_uncertainty_without_discordant_pair():
    # every explained row has the same predicted class: no pair
    clf = StubExplainer([1] * 8, [[1, 0, 0]] * 8)
    X = _id_pool(8)
    idx, scores = explanation_pair_sampling(clf, X, 3, n_explained=8, random_state=0)
    ref_idx, ref_scores = uncertainty_sampling(clf, X, 3)
    assert_array_equal(idx, ref_idx)
    assert_allclose(scores, ref_scores)


def test_pair_sampling_single_row_pool_falls_back():
    clf = StubExplainer([1], [[1, 0, 0]])
    idx, _ = explanation_pair_sampling(clf, _id_pool(1), 1, random_state=0)
    assert_array_equal(idx, [0])


def test_pair_sampling_cold_start():
    X = np.random.RandomState(0).normal(size=(10, 3))
    idx, scores = explanation_pair_sampling(CaipiClassifier(), X, 3)
    assert_array_equal(idx, [0, 1, 2])
    assert_allclose(scores, 0.0)


def test_pair_sampling_sparse_pool_matches_dense(data):
    X, y = data
    X = np.abs(X)
    dense = CaipiClassifier(LogisticRegression(), random_state=0).fit(X[:40], y[:40])
    Xs = sp.csr_matrix(X)
    sparse_learner = CaipiClassifier(LogisticRegression(), random_state=0).fit(
        Xs[:40], y[:40]
    )
    a = explanation_pair_sampling(dense, X, 6, n_explained=25, random_state=1)
    b = explanation_pair_sampling(sparse_learner, Xs, 6, n_explained=25, random_state=1)
    c = explanation_pair_sampling(
        sparse_learner, Xs.tocoo(), 6, n_explained=25, random_state=1
    )
    assert_array_equal(a[0], b[0])
    assert_allclose(a[1], b[1])
    assert_array_equal(b[0], c[0])


def test_pair_sampling_plain_classifier_uses_linear_explainer(data):
    X, y = data
    model = LogisticRegression().fit(X[:40], y[:40])
    learner = CaipiClassifier(LogisticRegression(), random_state=0).fit(X[:40], y[:40])
    a = explanation_pair_sampling(model, X, 4, n_explained=30, random_state=2)
    b = explanation_pair_sampling(learner, X, 4, n_explained=30, random_state=2)
    # the same exact contributions coef_ * x, whatever the background
    assert_array_equal(a[0], b[0])


def _frame(n=60, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": pd.Categorical(rng.choice(["red", "green"], n)),
        }
    )
    y = ((df["a"] > 0) ^ (df["c"] == "red")).to_numpy(int)
    return df, y


def test_pair_sampling_dataframe_pool_uses_pipeline():
    df, y = _frame()
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["c"]), (StandardScaler(), ["a", "b"])),
        LogisticRegression(),
    )
    learner = CaipiClassifier(pipe, random_state=0).fit(df[:30], y[:30])
    idx, _scores = explanation_pair_sampling(learner, df, 5, n_explained=30, random_state=0)
    assert idx.shape == (5,) and len(set(idx.tolist())) == 5


def test_pair_sampling_dataframe_without_pipeline_raises():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.normal(size=30), "c": rng.choice(["x", "y"], 30)})
    y = (df["a"] > 0).to_numpy(int)
    classes = y.tolist()

    class FrameStub(StubExplainer):
        def explain(self, X):
            return [
                Explanation(classes[i], [0, 1], [1.0, 0.5], 2) for i in X.index
            ]

    with pytest.raises(TypeError, match="not a numeric array or sparse matrix"):
        explanation_pair_sampling(FrameStub(), df, 2, n_explained=10, random_state=0)


def test_pair_sampling_documents_match_words_by_name():
    docs = ["good film", "bad film", "great cast", "dull cast", "good plot", "bad plot"]
    y = [1, 0, 1, 0, 1, 0]
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()), random_state=0
    ).fit(docs, y)
    idx, scores = explanation_pair_sampling(learner, docs, 3, n_explained=6, random_state=0)
    assert len(set(idx.tolist())) == 3
    assert np.all(scores >= 0)


# ---------------------------------------------------------------------------
# wrong_reason_sampling


def test_corrected_feature_counts_from_counterexamples(data):
    X, y = data
    learner = CaipiClassifier(random_state=0, n_counterexamples=4).fit(
        X[:30], y[:30], corrections=[[3], [3, 4], None] + [None] * 27
    )
    assert _corrected_feature_counts(learner.training_set_) == {3: 2, 4: 1}
    assert _corrected_feature_counts(None) == {}


def test_wrong_reason_prefers_rows_relying_on_corrected_features():
    # feature 2 was corrected; rows 3 and 1 put most of their mass on it
    clf = StubExplainer(
        [0, 1, 0, 1, 0],
        [[1, 0, 0], [0.2, 0, 0.8], [0, 1, 0], [0, 0, -1], [0.5, 0.5, 0]],
    )
    from skxil._training_set import TrainingSet

    X_real = np.zeros((1, 3))
    X_ce = np.array([[0.0, 0.0, 5.0], [0.0, 0.0, 2.0]])
    clf.training_set_ = TrainingSet(
        X_real, np.array([0]), None, X_ce, np.array([0, 0]), np.array([0, 0])
    )
    idx, scores = wrong_reason_sampling(clf, _id_pool(5), 3)
    assert_array_equal(idx[:2], [3, 1])
    assert_allclose(scores[:2], [1.0, 0.8])


def test_wrong_reason_ties_by_uncertainty_then_index():
    clf = StubExplainer([0] * 4, [[1, 0, 0]] * 4)
    from skxil._training_set import TrainingSet

    clf.training_set_ = TrainingSet(
        np.zeros((1, 3)), np.array([0]), None, np.array([[0, 0, 1.0]]),
        np.array([0]), np.array([0]),
    )
    X = _id_pool(4)
    idx, scores = wrong_reason_sampling(clf, X, 4)
    assert_allclose(scores, 0.0)
    # StubExplainer's uncertainty grows with cos(i) towards 0: row 2 (cos 2 = -0.42)
    # then 1 (0.54) then 3 (-0.99) then 0 (1.0)
    unc = 1 - np.asarray(clf.predict_proba(X)).max(axis=1)
    assert_array_equal(idx, np.argsort(-unc, kind="stable"))


def test_wrong_reason_falls_back_to_uncertainty_without_corrections(learner, data):
    X, _ = data
    a = wrong_reason_sampling(learner, X, 4)
    b = uncertainty_sampling(learner, X, 4)
    assert_array_equal(a[0], b[0])
    assert_allclose(a[1], b[1])


def test_wrong_reason_with_corrections_deterministic(data):
    X, y = data
    learner = CaipiClassifier(random_state=0).fit(
        X[:30], y[:30], corrections=[[4]] * 5 + [None] * 25
    )
    a = wrong_reason_sampling(learner, X[30:], 5, n_explained=50, random_state=0)
    b = wrong_reason_sampling(learner, X[30:], 5, n_explained=50, random_state=0)
    assert_array_equal(a[0], b[0])
    assert np.all(np.diff(a[1]) <= 0)
    assert np.all(a[1] > 0)


def test_wrong_reason_n_explained_smaller_than_n_instances(data):
    X, y = data
    learner = CaipiClassifier(random_state=0).fit(
        X[:30], y[:30], corrections=[[4]] + [None] * 29
    )
    with pytest.raises(ValueError, match="n_explained=3"):
        wrong_reason_sampling(learner, X, 5, n_explained=3, random_state=0)


@pytest.mark.parametrize(
    "params, match",
    [({"n_explained": 0}, "'n_explained' parameter"), ({"n_instances": 0}, "'n_instances'")],
)
def test_wrong_reason_invalid_params(learner, data, params, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        wrong_reason_sampling(learner, X, **params)


def test_wrong_reason_sparse_pool(data):
    X, y = data
    Xs = sp.csr_matrix(np.abs(X))
    learner = CaipiClassifier(random_state=0).fit(
        Xs[:30], y[:30], corrections=[[2]] + [None] * 29
    )
    assert _corrected_feature_counts(learner.training_set_) == {2: 1}
    idx, scores = wrong_reason_sampling(learner, Xs.tocoo(), 3)
    assert idx.shape == (3,) and scores[0] > 0


def test_wrong_reason_dataframe_pool():
    df, y = _frame()
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["c"]), (StandardScaler(), ["a", "b"])),
        LogisticRegression(),
    )
    learner = CaipiClassifier(pipe, random_state=0).fit(
        df[:30], y[:30], corrections=[["c"]] + [None] * 29
    )
    assert _corrected_feature_counts(learner.training_set_) == {2: 1}
    _idx, scores = wrong_reason_sampling(learner, df[30:], 3)
    assert scores[0] > 0


def test_wrong_reason_documents():
    docs = ["good film zq", "bad plot", "great cast zq", "dull film", "good plot"]
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        counterexample_strategy="remove",
        random_state=0,
    ).fit(docs, [1, 0, 1, 0, 1], corrections=[["zq"], None, None, None, None])
    assert _corrected_feature_counts(learner.training_set_) == {"zq": 1}
    pool = ["nice zq", "bad film", "zq zq great", "dull"]
    idx, scores = wrong_reason_sampling(learner, pool, 2)
    assert set(idx.tolist()) == {0, 2}
    assert np.all(scores > 0)


def test_strategies_plug_into_caipi_query(data):
    X, y = data
    learner = CaipiClassifier(
        LogisticRegression(), query_strategy=explanation_pair_sampling, random_state=0
    ).fit(X[:40], y[:40])
    idx, rows = learner.query(X[40:], n_instances=3, n_explained=20, random_state=0)
    assert idx.shape == (3,) and rows.shape == (3, 5)
