"""Tests of CaipiClassifier: the meta-estimator that runs the CAIPI loop."""

import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import Explanation, LimeExplainer

FAST_LIME = LimeExplainer(n_features=3, n_samples=200)


@pytest.fixture(scope="module")
def data():
    X, X_pool, y, y_pool, relevant = make_confounded_classification(
        240, random_state=0
    )
    return X, y, X_pool, y_pool, relevant


def _learner(**kwargs):
    kwargs.setdefault("explainer", clone(FAST_LIME))
    kwargs.setdefault("random_state", 0)
    return CaipiClassifier(**kwargs)


def _state(learner):
    """Everything observable about a learner, to check all-or-nothing updates."""
    ts = learner.training_set_
    return (
        np.asarray(ts.X).copy(),
        ts.y.copy(),
        ts.origin.copy(),
        learner.estimator_.coef_.copy(),
        learner._n_updates,
        learner.n_features_in_,
    )


def _assert_same_state(a, b):
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)


# --------------------------------------------------------- scikit-learn checks
# All common checks pass; no expected failure needs declaring.
@parametrize_with_checks(
    [
        CaipiClassifier(),
        CaipiClassifier(make_pipeline(StandardScaler(), LogisticRegression())),
        CaipiClassifier(DecisionTreeClassifier(random_state=0), n_counterexamples=5),
    ],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------------------ fit
def test_fit_without_corrections_matches_wrapped_estimator(data):
    X, y, X_pool, _, _ = data
    learner = CaipiClassifier(LogisticRegression(C=0.5)).fit(X, y)
    reference = LogisticRegression(C=0.5).fit(X, y)
    np.testing.assert_array_equal(learner.estimator_.coef_, reference.coef_)
    np.testing.assert_array_equal(learner.predict(X_pool), reference.predict(X_pool))
    np.testing.assert_array_equal(
        learner.predict_proba(X_pool), reference.predict_proba(X_pool)
    )
    np.testing.assert_array_equal(learner.classes_, reference.classes_)
    assert learner.score(X_pool, data[3]) == reference.score(X_pool, data[3])
    assert learner.training_set_.n_counterexamples == 0
    assert learner.estimator_ is not learner.estimator


def test_default_estimator_is_logistic_regression(data):
    X, y, *_ = data
    learner = CaipiClassifier().fit(X, y)
    assert isinstance(learner.estimator_, LogisticRegression)
    assert learner.estimator is None


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("c", [0, 1, 3])
def test_counterexample_counts_and_provenance(data, per_feature, c):
    X, y, *_ = data
    corrections = [None] * len(y)
    corrections[2] = [5]
    corrections[7] = [0, 5]
    learner = _learner(n_counterexamples=c, per_feature=per_feature)
    learner.fit(X, y, corrections=corrections)
    ts = learner.training_set_
    per_row = {2: c, 7: c * (2 if per_feature else 1)}
    assert ts.n_real == len(y)
    assert ts.n_counterexamples == sum(per_row.values())
    origin = ts.origin
    assert np.all(origin[: len(y)] == -1)
    for row, count in per_row.items():
        assert np.sum(origin == row) == count
    # Counterexamples keep their source's label and change only corrected features.
    X_all, y_all = np.asarray(ts.X), ts.y
    for i in np.flatnonzero(origin >= 0):
        src = origin[i]
        assert y_all[i] == y[src]
        unchanged = np.setdiff1d(np.arange(X.shape[1]), corrections[src])
        np.testing.assert_array_equal(X_all[i, unchanged], X[src, unchanged])
    assert ts.is_counterexample.sum() == ts.n_counterexamples
    assert len(ts) == ts.n_real + ts.n_counterexamples


def test_counterexamples_reach_the_estimator(data):
    X, y, *_ = data
    spy = _WeightSpy()
    learner = CaipiClassifier(spy, n_counterexamples=2, counterexample_weight=0.25)
    learner.fit(X, y, corrections=[[5]] + [None] * (len(y) - 1))
    fitted = learner.estimator_
    assert fitted.n_rows_ == len(y) + 2
    np.testing.assert_array_equal(fitted.sample_weight_[: len(y)], 1.0)
    np.testing.assert_array_equal(fitted.sample_weight_[len(y) :], 0.25)


def test_sample_weight_and_counterexample_weight(data):
    X, y, *_ = data
    w = np.linspace(0.5, 2, len(y))
    spy = _WeightSpy()
    learner = CaipiClassifier(spy, n_counterexamples=1).fit(
        X, y, corrections=[[1]] + [None] * (len(y) - 1), sample_weight=w
    )
    np.testing.assert_allclose(learner.estimator_.sample_weight_, np.r_[w, 1.0])
    # Weights all 1: nothing is passed, the wrapped estimator is untouched.
    learner = CaipiClassifier(_WeightSpy()).fit(X, y, corrections=[[1]] + [None] * (len(y) - 1))
    assert learner.estimator_.sample_weight_ is None


def test_weight_needs_an_estimator_that_takes_it(data):
    X, y, *_ = data
    corrections = [[1]] + [None] * (len(y) - 1)
    # weight 1: fine even though KNN has no sample_weight
    CaipiClassifier(KNeighborsClassifier()).fit(X, y, corrections=corrections)
    learner = CaipiClassifier(KNeighborsClassifier(), counterexample_weight=0.5)
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit does not accept sample_weight"):
        learner.fit(X, y, corrections=corrections)
    assert not hasattr(learner, "estimator_")


def test_pipeline_gets_weights_through_last_step(data):
    X, y, *_ = data
    learner = CaipiClassifier(
        make_pipeline(StandardScaler(), _WeightSpy()), counterexample_weight=0.5
    ).fit(X, y, corrections=[[1]] + [None] * (len(y) - 1))
    assert learner.estimator_[-1].sample_weight_[-1] == 0.5


def test_fit_params_are_forwarded_and_per_row_params_refused(data):
    X, y, *_ = data
    learner = CaipiClassifier(_WeightSpy()).fit(X, y, tag="hello")
    assert learner.estimator_.tag_ == "hello"
    learner.teach(X[:2], y[:2])
    assert learner.estimator_.tag_ == "hello"
    with pytest.raises(ValueError, match="'groups' has one value per row"):
        CaipiClassifier(_WeightSpy()).fit(X, y, groups=np.arange(len(y)))


# --------------------------------------------------------------- corrections
def test_correction_forms_are_equivalent(data):
    X, y, *_ = data
    n, d = X.shape
    mask = np.zeros((n, d), dtype=bool)
    mask[3, [1, 5]] = True
    mask[9, 0] = True
    lists = [None] * n
    lists[3], lists[9] = [5, 1], (0,)
    row_masks = [row if row.any() else [] for row in mask]
    reference = _learner().fit(X, y, corrections=mask).training_set_
    for form in (lists, sparse.csr_matrix(mask), row_masks, [set(c) if c else None for c in lists]):
        ts = _learner().fit(X, y, corrections=form).training_set_
        np.testing.assert_array_equal(ts.X, reference.X)
        np.testing.assert_array_equal(ts.origin, reference.origin)


def test_corrections_by_column_name(data):
    pd = pytest.importorskip("pandas")
    X, y, *_ = data
    columns = [f"f{j}" for j in range(X.shape[1] - 1)] + ["decoy"]
    frame = pd.DataFrame(X, columns=columns)
    by_name = _learner().fit(frame, y, corrections=[["decoy"]] + [None] * (len(y) - 1))
    by_index = _learner().fit(X, y, corrections=[[5]] + [None] * (len(y) - 1))
    np.testing.assert_array_equal(by_name.training_set_.X.to_numpy(), by_index.training_set_.X)
    assert list(by_name.feature_names_in_) == columns
    with pytest.raises(ValueError, match="Row 1: unknown feature name 'nope'"):
        _learner().fit(frame, y, corrections=[None, ["nope"]] + [None] * (len(y) - 2))


@pytest.mark.parametrize(
    "corrections, message",
    [
        ([[0]] * 3, "corrections has 3 entries but X has 120 rows"),
        ([None, None, [6]] + [None] * 117, "Row 2: feature index 6 is out of range"),
        ([None, [-1]] + [None] * 118, "Row 1: feature index -1 is out of range"),
        ([None, ["a"]] + [None] * 118, "Row 1: feature 'a' is given by name, but X has no"),
        ([None, [1.5]] + [None] * 118, "Row 1: cannot interpret feature 1.5"),
        ([3] + [None] * 119, "The correction of row 0 must be a collection"),
        (np.zeros((120, 5), dtype=bool), r"correction mask has shape \(120, 5\)"),
        (sparse.csr_matrix((119, 6)), r"correction mask has shape \(119, 6\)"),
        ([np.ones(4, dtype=bool)] + [None] * 119, "boolean correction mask of row 0 has 4"),
    ],
)
def test_bad_corrections_raise_and_change_nothing(data, corrections, message):
    X, y, X_pool, y_pool, _ = data
    learner = _learner().fit(X[:60], y[:60])
    before = _state(learner)
    with pytest.raises(ValueError, match=message):
        learner.fit(X, y, corrections=corrections)
    _assert_same_state(before, _state(learner))
    with pytest.raises(ValueError, match=message):
        learner.teach(X, y, corrections=corrections)
    _assert_same_state(before, _state(learner))


def test_failed_refit_leaves_learner_as_before(data):
    X, y, *_ = data
    learner = CaipiClassifier(_FailOnSize(max_rows=len(y) + 2), random_state=0)
    learner.fit(X, y)
    before = (learner.training_set_, learner.estimator_, learner._n_updates)
    with pytest.raises(RuntimeError, match="too many rows"):
        learner.teach(X[:3], y[:3], corrections=[[1], None, None])
    assert (learner.training_set_, learner.estimator_, learner._n_updates) == before


def test_callers_arrays_are_not_modified(data):
    X, y, X_pool, y_pool, _ = data
    X8 = (np.abs(X) * 40).astype(np.uint8)
    copies = [X8.copy(), y.copy()]
    mask = np.zeros(X8.shape, dtype=bool)
    mask[:, 5] = True
    mask_copy = mask.copy()
    learner = _learner().fit(X8, y, corrections=mask)
    learner.teach(X8[:5], y[:5], corrections=mask[:5])
    np.testing.assert_array_equal(X8, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(mask, mask_copy)
    # The stored training set is a copy, not a view of the caller's array.
    X8[0, 0] = 255 - X8[0, 0]
    assert learner.training_set_.X_real[0, 0] == copies[0][0, 0]


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_counterexamples_keep_the_input_dtype(data, dtype):
    X, y, *_ = data
    Xd = (np.abs(X) * 40).astype(dtype)
    learner = _learner(counterexample_strategy="alternative").fit(
        Xd, y, corrections=[[0, 5]] * 10 + [None] * (len(y) - 10)
    )
    assert learner.training_set_.X.dtype == dtype


@pytest.mark.parametrize("strategy", ["randomize", "alternative", "substitute"])
def test_counterexample_strategies_through_the_learner(data, strategy):
    X, y, *_ = data
    learner = _learner(counterexample_strategy=strategy, n_counterexamples=4)
    learner.fit(X, y, corrections=[[5]] * 5 + [None] * (len(y) - 5))
    ts = learner.training_set_
    ce = ts.X[ts.is_counterexample]
    assert ce.shape == (20, X.shape[1])
    assert np.all(ce[:, 5] >= X[:, 5].min()) and np.all(ce[:, 5] <= X[:, 5].max())
    if strategy in ("alternative", "substitute"):
        assert np.isin(ce[:, 5], X[:, 5]).all()


def test_callable_counterexample_strategy(data):
    X, y, *_ = data

    def zero_out(x, mask, n_copies, random_state):
        out = np.repeat(x[None], n_copies, axis=0)
        out[:, mask] = 0
        return out

    learner = _learner(counterexample_strategy=zero_out, n_counterexamples=2)
    learner.fit(X, y, corrections=[[5]] + [None] * (len(y) - 1))
    ce = learner.training_set_.X[learner.training_set_.is_counterexample]
    np.testing.assert_array_equal(ce[:, 5], 0)


# ---------------------------------------------------------------------- teach
def test_teach_appends_and_refits(data):
    X, y, X_pool, y_pool, _ = data
    learner = _learner().fit(X[:20], y[:20])
    coef = learner.estimator_.coef_.copy()
    learner.teach(X[20:25], y[20:25], corrections=[[5], None, None, [0, 5], None])
    ts = learner.training_set_
    assert ts.n_real == 25 and ts.n_counterexamples == 6
    assert set(ts.origin[ts.origin >= 0]) == {20, 23}
    assert not np.array_equal(coef, learner.estimator_.coef_)
    reference = LogisticRegression().fit(ts.X, ts.y)
    np.testing.assert_allclose(learner.estimator_.coef_, reference.coef_)


def test_teach_without_refit_only_stores(data):
    X, y, *_ = data
    learner = _learner().fit(X[:20], y[:20])
    estimator = learner.estimator_
    learner.teach(X[20:22], y[20:22], corrections=[[5], None], refit=False)
    assert learner.estimator_ is estimator
    assert learner.training_set_.n_real == 22
    learner.teach(X[22:23], y[22:23])
    assert learner.estimator_ is not estimator
    assert learner.estimator_.n_features_in_ == X.shape[1]
    assert learner.training_set_.n_counterexamples == 3


def test_teach_on_unfitted_learner_starts_training_set(data):
    X, y, *_ = data
    learner = _learner()
    learner.teach(X[:10], y[:10], corrections=[[5]] + [None] * 9)
    assert learner.training_set_.n_real == 10
    assert learner.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(learner.predict(X[:3]), learner.estimator_.predict(X[:3]))
    stored = _learner().teach(X[:10], y[:10], refit=False)
    with pytest.raises(Exception, match="not fitted"):
        stored.predict(X[:3])
    stored.teach(X[10:12], y[10:12])
    assert stored.training_set_.n_real == 12


def test_teach_rejects_wrong_number_of_features(data):
    X, y, *_ = data
    learner = _learner().fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but CaipiClassifier is expecting 6"):
        learner.teach(X[:2, :5], y[:2])


def test_teach_new_class(data):
    X, y, *_ = data
    learner = _learner().fit(X, y)
    learner.teach(X[:3], np.array([2, 2, 2]))
    np.testing.assert_array_equal(learner.classes_, [0, 1, 2])


# ---------------------------------------------------------------------- query
@pytest.mark.parametrize("strategy", ["uncertainty", "margin", "entropy", "random"])
def test_builtin_query_strategies(data, strategy):
    X, y, X_pool, *_ = data
    learner = _learner(query_strategy=strategy).fit(X, y)
    idx, rows = learner.query(X_pool, n_instances=4)
    assert idx.shape == (4,) and len(set(idx)) == 4
    np.testing.assert_array_equal(rows, X_pool[idx])
    if strategy == "uncertainty":
        proba = learner.predict_proba(X_pool)
        expected = np.argsort(-(1 - proba.max(axis=1)), kind="stable")[:4]
        np.testing.assert_array_equal(idx, expected)


def test_query_with_modal_strategy_functions(data):
    modal_uncertainty = pytest.importorskip("modAL.uncertainty")
    X, y, X_pool, *_ = data
    for name in ("uncertainty_sampling", "margin_sampling", "entropy_sampling"):
        learner = _learner(query_strategy=getattr(modal_uncertainty, name)).fit(X, y)
        ours = _learner(query_strategy=name.split("_")[0]).fit(X, y)
        idx, rows = learner.query(X_pool, n_instances=3)
        np.testing.assert_array_equal(rows, X_pool[idx])
        assert set(idx) == set(ours.query(X_pool, n_instances=3)[0])


def test_query_with_custom_callable_and_kwargs(data):
    X, y, X_pool, *_ = data
    seen = {}

    def last_rows(classifier, X, n_instances=1, offset=0):
        seen["classifier"] = classifier
        return np.arange(len(X) - n_instances - offset, len(X) - offset)

    learner = _learner(query_strategy=last_rows).fit(X, y)
    idx, _ = learner.query(X_pool, n_instances=2, offset=1)
    np.testing.assert_array_equal(idx, [len(X_pool) - 3, len(X_pool) - 2])
    assert seen["classifier"] is learner

    learner.set_params(query_strategy=lambda clf, X, n_instances=1: np.array([0.5]))
    with pytest.raises(TypeError, match="integer row indices"):
        learner.query(X_pool)
    learner.set_params(query_strategy=lambda clf, X, n_instances=1: [len(X)])
    with pytest.raises(ValueError, match=f"index {len(X_pool)}"):
        learner.query(X_pool)


def test_query_on_dataframe_and_sparse_pools(data):
    pd = pytest.importorskip("pandas")
    X, y, X_pool, *_ = data
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    pool = pd.DataFrame(X_pool, columns=frame.columns)
    learner = _learner().fit(frame, y)
    idx, rows = learner.query(pool, n_instances=2)
    assert isinstance(rows, pd.DataFrame)
    np.testing.assert_array_equal(rows.to_numpy(), X_pool[idx])
    learner = _learner().fit(sparse.csr_matrix(X), y)
    idx, rows = learner.query(sparse.csr_matrix(X_pool), n_instances=2)
    assert sparse.issparse(rows)
    np.testing.assert_array_equal(rows.toarray(), X_pool[idx])


def test_cold_start_query(data):
    X, y, X_pool, *_ = data
    idx, _ = _learner().query(X_pool, n_instances=2)
    assert idx.shape == (2,)
    a = _learner(query_strategy="random").query(X_pool, n_instances=3)[0]
    b = _learner(query_strategy="random").query(X_pool, n_instances=3)[0]
    np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------------- explain
def test_explain_returns_lime_shaped_explanations(data):
    X, y, X_pool, y_pool, relevant = data
    learner = _learner().fit(X, y)
    explanations = learner.explain(X_pool[:3])
    assert len(explanations) == 3
    proba = learner.predict_proba(X_pool[:3])
    for e, p in zip(explanations, proba):
        assert isinstance(e, Explanation)
        assert e.predicted_class == learner.classes_[np.argmax(p)]
        assert len(e.features) == 3 and len(e.weights) == 3
        assert list(e.as_map()) == [e.class_index]
        assert [name for name, _ in e.as_list()] == [f"x{j}" for j in e.features]
    # The decoy (last column) dominates an uncorrected model's explanations.
    assert all(X.shape[1] - 1 in e.features for e in explanations)


def test_explain_is_reproducible_and_follows_set_params(data):
    X, y, X_pool, *_ = data
    learner = _learner().fit(X, y)
    first = learner.explain(X_pool[:2])
    assert first == learner.explain(X_pool[:2])
    assert first == _learner().fit(X, y).explain(X_pool[:2])
    learner.set_params(explainer__n_features=2)
    assert all(len(e.features) == 2 for e in learner.explain(X_pool[:2]))


def test_explain_with_pipeline_and_dataframe(data):
    pd = pytest.importorskip("pandas")
    X, y, X_pool, *_ = data
    columns = [f"f{j}" for j in range(X.shape[1])]
    learner = _learner(estimator=make_pipeline(StandardScaler(), LogisticRegression()))
    learner.fit(pd.DataFrame(X, columns=columns), y)
    e = learner.explain(pd.DataFrame(X_pool[:1], columns=columns))[0]
    assert e.all_feature_names == columns
    assert e.as_list()[0][0] in columns


def test_explain_needs_fitted_learner_and_proba(data):
    X, y, X_pool, *_ = data
    with pytest.raises(Exception, match="not fitted"):
        _learner().explain(X_pool[:1])
    learner = _learner(estimator=LinearSVC()).fit(X, y)
    with pytest.raises(TypeError, match="has no predict_proba"):
        learner.explain(X_pool[:1])


# ------------------------------------------------------------------ delegation
def test_methods_exist_exactly_when_wrapped_estimator_has_them(data):
    X, y, *_ = data
    learner = CaipiClassifier(LinearSVC())
    assert not hasattr(learner, "predict_proba")
    assert hasattr(learner, "decision_function")
    learner.fit(X, y)
    assert not hasattr(learner, "predict_proba")
    assert not hasattr(learner, "predict_log_proba")
    assert learner.decision_function(X).shape == (len(y),)
    learner = CaipiClassifier(KNeighborsClassifier())
    assert not hasattr(learner, "decision_function")
    assert hasattr(learner, "predict_proba") and hasattr(learner, "predict")
    assert hasattr(CaipiClassifier(), "predict_log_proba")
    assert not hasattr(CaipiClassifier(SVC()), "predict_proba")


# ------------------------------------------------------------------ integration
def test_inside_a_pipeline_with_routed_corrections(data):
    X, y, *_ = data
    mask = np.zeros(X.shape, dtype=bool)
    mask[:10, 5] = True
    pipe = make_pipeline(StandardScaler(), _learner())
    pipe.fit(X, y, caipiclassifier__corrections=mask)
    assert pipe[-1].training_set_.n_counterexamples == 30
    assert pipe.predict(X).shape == (len(y),)


def test_grid_search_splits_corrections_with_the_folds(data):
    X, y, X_pool, y_pool, _ = data
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, 5] = True
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((estimator.n_counterexamples, estimator.training_set_.n_real,
                     estimator.training_set_.n_counterexamples))
        return estimator.score(X_test, y_test)

    search = GridSearchCV(
        _learner(estimator=LogisticRegression()),
        {"n_counterexamples": [0, 1, 3], "estimator__C": [1.0]},
        cv=3,
        scoring=scorer,
    )
    search.fit(X, y, corrections=mask)
    # Each fold's learner got exactly its training rows' corrections.
    assert len(seen) == 9
    for c, n_real, n_ce in seen:
        assert n_ce == c * n_real and n_real == 2 * len(y) // 3
    best = search.best_estimator_
    assert best.training_set_.n_counterexamples == len(y) * best.n_counterexamples


def test_counterexamples_remove_the_decoy_shortcut(data):
    X, y, X_pool, y_pool, relevant = data
    decoy = np.flatnonzero(~relevant)[-1]
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, decoy] = True
    plain = _learner().fit(X, y).score(X_pool, y_pool)
    for strategy in ("randomize", "alternative"):
        corrected = _learner(counterexample_strategy=strategy).fit(X, y, corrections=mask)
        assert corrected.score(X_pool, y_pool) > plain + 0.1
        assert abs(corrected.estimator_.coef_[0, decoy]) < 0.5 * abs(
            _learner().fit(X, y).estimator_.coef_[0, decoy]
        )


def test_grid_search_with_metadata_routing(data):
    X, y, *_ = data
    mask = sparse.csr_matrix(np.tile(np.eye(1, X.shape[1], 5, dtype=bool), (len(y), 1)))
    with config_context(enable_metadata_routing=True):
        learner = _learner().set_fit_request(corrections=True)
        search = GridSearchCV(learner, {"n_counterexamples": [0, 2]}, cv=2)
        search.fit(X, y, corrections=mask)
        assert search.best_estimator_.training_set_.n_counterexamples in (0, 2 * len(y))
        scores = cross_val_score(learner, X, y, cv=2, params={"corrections": mask})
        assert scores.shape == (2,)


def test_clone_get_set_params_nested():
    learner = CaipiClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        explainer=LimeExplainer(n_features=4),
        n_counterexamples=2,
    )
    params = learner.get_params()
    assert params["n_counterexamples"] == 2
    assert params["explainer__n_features"] == 4
    assert params["estimator__logisticregression__C"] == 1.0
    learner.set_params(estimator__logisticregression__C=0.1, explainer__n_features=2)
    twin = clone(learner)
    assert twin.get_params()["estimator__logisticregression__C"] == 0.1
    assert twin.get_params()["explainer__n_features"] == 2
    assert twin.explainer is not learner.explainer


def test_invalid_parameters_are_named(data):
    X, y, *_ = data
    with pytest.raises(ValueError, match="'n_counterexamples' parameter"):
        CaipiClassifier(n_counterexamples=-1).fit(X, y)
    with pytest.raises(ValueError, match="'counterexample_strategy' parameter"):
        CaipiClassifier(counterexample_strategy="shuffle").fit(X, y)
    with pytest.raises(ValueError, match="'query_strategy' parameter"):
        CaipiClassifier(query_strategy="best").query(X)
    with pytest.raises(ValueError, match="'counterexample_weight' parameter"):
        CaipiClassifier(counterexample_weight=0).teach(X, y)


def test_same_random_state_same_everything(data):
    X, y, X_pool, y_pool, _ = data

    def run(seed):
        learner = _learner(random_state=seed, query_strategy="random")
        learner.fit(X[:30], y[:30], corrections=[[5]] * 30)
        out = []
        for _ in range(3):
            idx, rows = learner.query(X_pool, n_instances=2)
            explanations = learner.explain(rows)
            learner.teach(rows, y_pool[idx], corrections=[[5], [0, 5]])
            out.append((idx, explanations))
        return learner, out

    a, out_a = run(1)
    b, out_b = run(1)
    c, _ = run(2)
    np.testing.assert_array_equal(a.training_set_.X, b.training_set_.X)
    np.testing.assert_array_equal(a.estimator_.coef_, b.estimator_.coef_)
    for (ia, ea), (ib, eb) in zip(out_a, out_b):
        np.testing.assert_array_equal(ia, ib)
        assert ea == eb
    assert not np.array_equal(a.training_set_.X, c.training_set_.X)
    # Successive updates draw fresh counterexamples, not the same ones again.
    ce = a.training_set_.X[a.training_set_.is_counterexample]
    assert len(np.unique(ce[:, 5])) == len(ce)


def test_sparse_training_data_with_corrections(data):
    X, y, *_ = data
    Xs = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    learner = _learner().fit(Xs, y, corrections=[[5]] * 4 + [None] * (len(y) - 4))
    assert sparse.issparse(learner.training_set_.X)
    assert learner.training_set_.X.shape == (len(y) + 12, X.shape[1])
    learner.teach(Xs[:2], y[:2], corrections=[[0], None])
    assert learner.training_set_.n_counterexamples == 15
    assert len(learner.explain(Xs[:1])) == 1


def test_dataframe_training_keeps_frames_and_dtypes(data):
    pd = pytest.importorskip("pandas")
    X, y, *_ = data
    frame = pd.DataFrame({"a": (np.abs(X[:, 0]) * 10).astype(np.int64), "b": X[:, 5]})
    learner = _learner().fit(frame, y, corrections=[["a"]] * 3 + [None] * (len(y) - 3))
    ts_X = learner.training_set_.X
    assert isinstance(ts_X, pd.DataFrame) and list(ts_X.columns) == ["a", "b"]
    assert ts_X["a"].dtype == np.int64
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        learner.teach(frame.iloc[:2].to_numpy(), y[:2])  # a bare array joins the frame
    assert isinstance(learner.training_set_.X, pd.DataFrame)


def test_pickle_and_verbose(data, capsys):
    X, y, *_ = data
    learner = _learner(verbose=1).fit(X, y, corrections=[[5]] + [None] * (len(y) - 1))
    assert "update 0: 120 labelled rows, 3 counterexamples" in capsys.readouterr().out
    restored = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(restored.predict(X), learner.predict(X))
    assert copy.deepcopy(learner).training_set_.n_counterexamples == 3


def test_multiclass(data):
    X, y = load_iris(return_X_y=True)
    learner = _learner().fit(X, y, corrections=[[0]] * 5 + [None] * (len(y) - 5))
    e = learner.explain(X[:1])[0]
    assert e.predicted_class == 0 and e.class_index == 0
    assert learner.training_set_.n_counterexamples == 15


def test_import_does_not_pull_in_lime_or_matplotlib():
    code = (
        "import sys, skxil; "
        "bad = [m for m in ('lime', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- helpers
class _WeightSpy(ClassifierMixin, BaseEstimator):
    """Records the sample weights and rows it was fitted with."""

    def fit(self, X, y, sample_weight=None, tag=None):
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.n_rows_ = X.shape[0]
        self.tag_ = tag
        self._model = LogisticRegression().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self._model.classes_
        return self

    def predict(self, X):
        return self._model.predict(X)

    def predict_proba(self, X):
        return self._model.predict_proba(X)


class _FailOnSize(ClassifierMixin, BaseEstimator):
    """A classifier whose fit fails when given more than ``max_rows`` rows."""

    def __init__(self, max_rows=10):
        self.max_rows = max_rows

    def fit(self, X, y):
        if X.shape[0] > self.max_rows:
            raise RuntimeError("too many rows")
        self._model = LogisticRegression().fit(X, y)
        self.classes_ = self._model.classes_
        self.coef_ = self._model.coef_
        return self

    def predict(self, X):
        return self._model.predict(X)

    def predict_proba(self, X):
        return self._model.predict_proba(X)


def test_learner_fills_explainer_seed_and_jobs_only_when_unset(data):
    X, y, X_pool, *_ = data
    learner = CaipiClassifier(
        explainer=LimeExplainer(n_features=2, n_samples=100), n_jobs=2, random_state=3
    ).fit(X, y)
    assert learner.explainer_.n_jobs == 2
    assert isinstance(learner.explainer_.random_state, int)
    assert learner.explainer.random_state is None  # the parameter is not touched
    fixed = CaipiClassifier(
        explainer=LimeExplainer(n_features=2, n_samples=100, random_state=7, n_jobs=1),
        n_jobs=2,
    ).fit(X, y)
    assert fixed.explainer_.random_state == 7 and fixed.explainer_.n_jobs == 1
    # n_jobs=2 gives the same explanations as one job.
    serial = CaipiClassifier(
        explainer=LimeExplainer(n_features=2, n_samples=100), n_jobs=1, random_state=3
    ).fit(X, y)
    assert learner.explain(X_pool[:3]) == serial.explain(X_pool[:3])


@pytest.mark.parametrize("container", ["dataframe", "sparse"])
@pytest.mark.parametrize("strategy", ["randomize", "alternative", "substitute"])
def test_counterexamples_of_frames_and_sparse_equal_the_numpy_twin(data, container, strategy):
    from skxil.counterexamples import make_counterexamples

    X, y, *_ = data
    X = np.where(np.abs(X) > 0.5, np.round(X, 1), 0.0)
    mask = np.zeros(X.shape, dtype=bool)
    mask[[1, 4, 7], 0] = True
    mask[4, 5] = True
    if container == "dataframe":
        pd = pytest.importorskip("pandas")
        X_in = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    else:
        X_in = sparse.csr_matrix(X)
    learner = _learner(counterexample_strategy=strategy, n_counterexamples=2)
    learner.fit(X_in, y, corrections=mask)
    ts = learner.training_set_
    got = ts.X[ts.is_counterexample]
    got = got.to_numpy() if container == "dataframe" else got.toarray()
    rows = np.array([1, 4, 7])
    expected, _, source = make_counterexamples(
        X, y, mask, X_train=X, y_train=y, n_counterexamples=2,
        strategy=strategy, row_index=np.arange(len(y)),
        random_state=np.random.RandomState(learner._seed_for(0, 1)), backend="numpy",
    )
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(ts.origin[ts.is_counterexample], source)
    assert set(source) == set(rows)


# ------------------------------------------------- regressions found in review
def test_query_on_a_coo_pool(data):
    X, y, X_pool, *_ = data
    idx, rows = _learner().fit(X, y).query(sparse.coo_matrix(X_pool), n_instances=2)
    np.testing.assert_array_equal(rows.toarray(), X_pool[idx])


def test_frames_join_by_position_and_casts_lose_nothing(data):
    pd = pytest.importorskip("pandas")
    X, y, *_ = data
    frame = pd.DataFrame(X[:, :4], columns=[10, 11, 12, 13])
    learner = _learner().fit(frame, y)
    learner.teach(pd.DataFrame(X[:2, :4], columns=[0, 1, 2, 3]), y[:2])
    assert learner.training_set_.X.shape == (len(y) + 2, 4)
    mixed = pd.DataFrame({"a": np.arange(len(y)), "b": X[:, 0]})
    learner = _learner().fit(mixed, y)
    with pytest.warns(UserWarning, match="valid feature names"):
        learner.teach(np.array([[1.7, 0.5]]), y[:1])
    assert learner.training_set_.X["a"].iloc[-1] == 1.7


def test_counterexamples_on_bool_and_nullable_frames(data):
    pd = pytest.importorskip("pandas")
    X, y, *_ = data
    frame = pd.DataFrame({"flag": X[:, 0] > 0, "n": pd.array(np.arange(len(y)), dtype="Int64"),
                          "v": X[:, 5]})
    learner = _learner().fit(frame, y, corrections=[["v", "n"]] * 2 + [None] * (len(y) - 2))
    assert learner.training_set_.n_counterexamples == 6


def test_ambiguous_correction_arrays_are_refused_and_generators_work(data):
    pd = pytest.importorskip("pandas")
    X, y, *_ = data
    counts = np.zeros(X.shape, dtype=int)
    counts[0, 3] = 1
    with pytest.raises(ValueError, match="must be a boolean mask.*got dtype int64"):
        _learner().fit(X, y, corrections=counts)
    with pytest.raises(ValueError, match="DataFrame of corrections must hold booleans"):
        _learner().fit(X, y, corrections=pd.DataFrame(counts))
    nullable = pd.DataFrame(counts.astype(bool)).astype("boolean")
    assert _learner().fit(X, y, corrections=nullable).training_set_.n_counterexamples == 3
    rows = [(j for j in [1])] + [None] * (len(y) - 1)
    assert _learner().fit(X, y, corrections=rows).training_set_.n_counterexamples == 3


def test_training_set_does_not_share_the_callers_memory(data):
    X, y, *_ = data
    y_own, w = y.copy(), np.ones(len(y))
    learner = _learner().fit(X, y_own, sample_weight=w)
    y_own[:] = 1 - y_own
    w[:] = 5.0
    np.testing.assert_array_equal(learner.training_set_.y_real, y)
    np.testing.assert_array_equal(learner.training_set_.weight_real, 1.0)


def test_explainer_is_rebuilt_when_any_parameter_changes(data):
    X, y, *_ = data
    learner = _learner(explainer=LimeExplainer(categorical_features=list(range(200)))).fit(X, y)
    first = learner.explainer_
    assert learner.explainer_ is first  # cached while nothing changes
    learner.set_params(n_jobs=2)
    assert learner.explainer_ is not first and learner.explainer_.n_jobs == 2
    second = learner.explainer_
    learner.set_params(explainer__categorical_features=list(range(199)) + [999])
    assert learner.explainer_ is not second


def test_counterexample_errors_name_the_callers_row(data):
    X, y, *_ = data
    learner = _learner(counterexample_strategy="substitute").fit(X, y)
    with pytest.raises(ValueError, match="no donor for row 2 of X"):
        learner.teach(X[:3], [0, 1, 7], corrections=[None, [], [1]])


def test_auto_explainer_picks_gradients_for_networks():
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from skxil.explain import GradientExplainer, LinearExplainer

    X, _, y, _, _ = make_confounded_classification(80, random_state=0)
    mlp = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=50, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learner = CaipiClassifier(mlp, random_state=0).fit(X, y)
    assert isinstance(learner.explainer_, GradientExplainer)
    linear = CaipiClassifier(random_state=0).fit(X, y)
    assert isinstance(linear.explainer_, LinearExplainer)
    explanation, = learner.explain(X[:1])
    assert explanation.predicted_class == learner.predict(X[:1])[0]


# --------------------------------------------- the explainer, kept up to date


def _grown_learner(X, y, X_pool, y_pool, explain_between, **params):
    from sklearn.ensemble import RandomForestClassifier

    params.setdefault("explainer", "fast_lime")
    learner = CaipiClassifier(
        RandomForestClassifier(n_estimators=5, random_state=0),
        random_state=0,
        **params,
    ).fit(X[:30], y[:30])
    for i in range(3):
        if explain_between:
            learner.explain(X_pool[i : i + 1])
        learner.teach(X_pool[i : i + 1], y_pool[i : i + 1], corrections=[[0]])
    return learner


@pytest.mark.parametrize("container", ["dense", "sparse"])
def test_explainer_is_updated_with_taught_rows_not_rebuilt(data, monkeypatch, container):
    from skxil.explain import FastLimeExplainer

    X, y, X_pool, y_pool, _ = data
    if container == "sparse":
        X, X_pool = sparse.csr_matrix(X), sparse.csr_matrix(X_pool)
    calls = []
    # fit's warm-up fits a copy of the explainer, the first time in a process
    monkeypatch.setattr("skxil._caipi.warm_up_explainer", lambda *args: False)
    for name in ("fit", "partial_fit"):
        method = getattr(FastLimeExplainer, name)

        def spy(self, *args, _method=method, _name=name, **kwargs):
            calls.append(_name)
            return _method(self, *args, **kwargs)

        monkeypatch.setattr(FastLimeExplainer, name, spy)
    updated = _grown_learner(X, y, X_pool, y_pool, explain_between=True)
    explanations = updated.explain(X_pool[5:8])
    assert calls == ["fit", "partial_fit", "partial_fit", "partial_fit"]
    calls.clear()
    rebuilt = _grown_learner(X, y, X_pool, y_pool, explain_between=False)
    for a, b in zip(explanations, rebuilt.explain(X_pool[5:8])):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.weights, b.weights)
    assert calls == ["fit"]


def test_explainer_handed_out_is_not_changed_by_the_update(data):
    X, y, X_pool, y_pool, _ = data
    learner = _grown_learner(X, y, X_pool, y_pool, explain_between=True)
    old = learner.explainer_
    n_rows = old.sampler_.tables.columns.n_rows
    learner.teach(X_pool[10:12], y_pool[10:12])
    assert learner.explainer_ is not old
    assert old.sampler_.tables.columns.n_rows == n_rows
    assert learner.explainer_.sampler_.tables.columns.n_rows == n_rows + 2


def test_explainer_kept_over_a_refit_and_rebuilt_after_relabelling(data):
    X, y, X_pool, y_pool, _ = data
    learner = _grown_learner(X, y, X_pool, y_pool, explain_between=True)
    first = learner.explainer_
    learner.review([0], corrections=[[1]])  # new counterexamples, same real rows
    assert learner.explainer_ is first
    learner.review([0], labels=[1 - y[0]])  # the labels the explainer saw changed
    assert learner.explainer_ is not first
    learner.set_params(explainer="linear")
    assert type(learner.explainer_).__name__ == "LinearExplainer"


def test_pickled_learner_rebuilds_the_same_explainer(data):
    X, y, X_pool, y_pool, _ = data
    learner = _grown_learner(X, y, X_pool, y_pool, explain_between=True)
    expected = learner.explain(X_pool[5:7])
    back = pickle.loads(pickle.dumps(learner))
    assert back.training_set_._rows.explainer_memo is None
    for a, b in zip(expected, back.explain(X_pool[5:7])):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.weights, b.weights)


def test_explainer_of_a_dataframe_is_rebuilt_on_its_new_codes():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=60), "site": rng.choice(["a", "b"], 60)}
    )
    y = (frame["x"] > 0).astype(int).to_numpy()
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["site"]),
                                remainder="passthrough"),
        LogisticRegression(),
    )

    def learner():
        return CaipiClassifier(model, explainer="fast_lime", random_state=0).fit(
            frame[:40], y[:40]
        )

    updated = learner()
    updated.explain(frame[:1])
    new_rows = frame[40:42].assign(site="0")  # a new category, coded first
    updated.teach(new_rows, y[40:42])
    rebuilt = learner().teach(new_rows, y[40:42])
    for a, b in zip(updated.explain(frame[50:52]), rebuilt.explain(frame[50:52])):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.weights, b.weights)
