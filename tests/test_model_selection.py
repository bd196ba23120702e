"""Tests of skxil.model_selection: the right-reasons scorer in scikit-learn's searches."""

import re

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification, make_confounded_table
from skxil.model_selection import RightReasonsScorer

GRID = {"n_counterexamples": [0, 1, 3], "estimator__C": [0.1, 1.0]}


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.fixture(scope="module")
def data():
    X, X_test, y, y_test, _ = make_confounded_classification(400, random_state=0)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, -1] = True
    return X, X_test, y, y_test, mask


@pytest.fixture(scope="module")
def table():
    T, T_test, y, y_test, _ = make_confounded_table(400, random_state=0)
    return T, T_test, y, y_test


def _learner(estimator=None):
    return CaipiClassifier(estimator or LogisticRegression(), random_state=0)


def _routed_scorer(**params):
    return RightReasonsScorer(random_state=0, **params).set_score_request(corrections=True)


def _table_model(C=1.0):
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
        (
            make_pipeline(SimpleImputer(), StandardScaler()),
            make_column_selector(dtype_include="number"),
        ),
    )
    return make_pipeline(encode, LogisticRegression(C=C, max_iter=1000))


# ------------------------------------------------------------ the searches
def test_plain_accuracy_picks_no_counterexamples(data):
    X, X_test, y, y_test, mask = data
    search = GridSearchCV(_learner(), GRID).fit(X, y, corrections=mask)
    assert search.best_params_["n_counterexamples"] == 0
    assert search.best_score_ > 0.95 and search.score(X_test, y_test) < 0.65


def test_grid_search_with_routed_corrections_picks_counterexamples(data, routing):
    X, X_test, y, y_test, mask = data
    learner = _learner().set_fit_request(corrections=True)
    search = GridSearchCV(learner, GRID, scoring=_routed_scorer()).fit(
        X, y, corrections=mask
    )
    assert search.best_params_["n_counterexamples"] > 0
    assert search.best_estimator_.score(X_test, y_test) > 0.78
    # the c = 0 candidates score about as they do on unconfounded data
    c0 = np.asarray(search.cv_results_["param_n_counterexamples"]) == 0
    assert search.cv_results_["mean_test_score"][c0].max() < search.best_score_ - 0.02


def test_features_without_routing_equals_routed_mask(data):
    X, _, y, _, mask = data
    grid = {"n_counterexamples": [0, 3]}
    plain = GridSearchCV(
        _learner(), grid, scoring=RightReasonsScorer(features=[X.shape[1] - 1], random_state=0)
    ).fit(X, y, corrections=mask)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = GridSearchCV(
            _learner().set_fit_request(corrections=True), grid, scoring=_routed_scorer()
        ).fit(X, y, corrections=mask)
    assert plain.best_params_ == routed.best_params_ == {"n_counterexamples": 3}
    np.testing.assert_array_equal(
        plain.cv_results_["mean_test_score"], routed.cv_results_["mean_test_score"]
    )


def test_sparse_rows_and_sparse_mask(data, routing):
    X, X_test, y, y_test, mask = data
    learner = _learner().set_fit_request(corrections=True)
    search = GridSearchCV(learner, {"n_counterexamples": [0, 3]}, scoring=_routed_scorer())
    search.fit(sparse.csr_matrix(X), y, corrections=sparse.csr_matrix(mask))
    assert search.best_params_ == {"n_counterexamples": 3}
    assert search.best_estimator_.score(sparse.csr_matrix(X_test), y_test) > 0.78


@pytest.mark.parametrize("by", ["name", "mask"])
def test_mixed_table_by_column_name_or_mask(table, routing, by):
    T, T_test, y, y_test = table
    if by == "name":
        corrections = [["site"]] * len(T)
    else:
        corrections = np.zeros(T.shape, dtype=bool)
        corrections[:, list(T.columns).index("site")] = True
    learner = CaipiClassifier(_table_model(), random_state=0).set_fit_request(
        corrections=True
    )
    grid = {"n_counterexamples": [0, 3], "estimator__logisticregression__C": [0.1, 1.0]}
    search = GridSearchCV(learner, grid, scoring=_routed_scorer()).fit(
        T, y, corrections=corrections
    )
    assert search.best_params_["n_counterexamples"] > 0
    plain = GridSearchCV(learner, grid).fit(T, y, corrections=corrections)
    assert plain.best_params_["n_counterexamples"] == 0
    assert search.best_estimator_.score(T_test, y_test) > plain.best_estimator_.score(
        T_test, y_test
    ) + 0.1


def test_table_scorer_draws_site_among_observed_values(table):
    T, _, y, _ = table
    model = _table_model().fit(T, y)
    scorer = RightReasonsScorer(features=["site"], random_state=0)
    assert scorer(model, T, y) < model.score(T, y) - 0.1
    assert scorer(model, T, y) == scorer(model, T, y, corrections=[["site"]] * len(T))


def test_cross_val_score_and_cross_validate(data, routing):
    X, _, y, _, mask = data
    scores = {}
    for c in (0, 3):
        learner = _learner().set_params(n_counterexamples=c).set_fit_request(corrections=True)
        scores[c] = cross_val_score(
            learner, X, y, scoring=_routed_scorer(), params={"corrections": mask}
        )
        result = cross_validate(
            learner, X, y, scoring={"rr": _routed_scorer(), "acc": "accuracy"},
            params={"corrections": mask},
        )
        np.testing.assert_array_equal(result["test_rr"], scores[c])
        if c == 0:
            assert result["test_acc"].mean() > 0.95
    assert scores[0].mean() < 0.7 < scores[3].mean()


def test_halving_grid_search(data, routing):
    X, X_test, y, y_test, mask = data
    learner = _learner().set_fit_request(corrections=True)
    search = HalvingGridSearchCV(
        learner, GRID, scoring=_routed_scorer(), random_state=0, min_resources=100
    ).fit(X, y, corrections=mask)
    assert search.best_params_["n_counterexamples"] > 0
    assert search.best_estimator_.score(X_test, y_test) > 0.78


def test_through_a_pipeline(data, routing):
    X, X_test, y, y_test, mask = data
    pipe = make_pipeline(StandardScaler(), _learner().set_fit_request(corrections=True))
    grid = {"caipiclassifier__n_counterexamples": [0, 3], "caipiclassifier__estimator__C": [1.0]}
    search = GridSearchCV(pipe, grid, scoring=_routed_scorer()).fit(X, y, corrections=mask)
    assert search.best_params_["caipiclassifier__n_counterexamples"] == 3
    assert search.best_estimator_.score(X_test, y_test) > 0.78


# ------------------------------------------------------------- the measure
def test_the_score_is_accuracy_over_the_redrawn_copies(data):
    X, _, y, _, _ = data
    model = LogisticRegression().fit(X, y)
    corrections = [[X.shape[1] - 1] if i % 2 else None for i in range(len(y))]
    scorer = RightReasonsScorer(n_draws=4, random_state=0)
    # the same copies by hand
    from skxil.counterexamples import make_counterexamples

    mask = np.zeros(X.shape, dtype=bool)
    mask[1::2, -1] = True
    X_ce, y_ce, source = make_counterexamples(
        X, y, mask, X_train=X, y_train=y, n_counterexamples=4,
        row_index=np.arange(len(y)), random_state=np.random.RandomState(0),
    )
    hits = (model.predict(X_ce) == y_ce).astype(float)
    per_row = (model.predict(X) == y).astype(float)
    per_row[1::2] = np.bincount(source, weights=hits, minlength=len(y))[1::2] / 4
    assert scorer(model, X, y, corrections=corrections) == pytest.approx(per_row.mean())


def test_uncorrected_rows_and_irrelevant_corrections_score_plain_accuracy(data):
    X, _, y, _, _ = data
    model = LogisticRegression().fit(X[:, :3], y)  # the informative features only
    scorer = RightReasonsScorer(random_state=0)
    assert scorer(model, X[:, :3], y, corrections=[None] * len(y)) == model.score(X[:, :3], y)
    assert RightReasonsScorer(features=[])(model, X[:, :3], y) == model.score(X[:, :3], y)
    # a model that does not use the corrected feature is not penalised
    wide = make_pipeline(
        make_column_transformer(("passthrough", [0, 1, 2])), LogisticRegression()
    ).fit(X, y)
    full = RightReasonsScorer(features=[X.shape[1] - 1], random_state=0)
    assert full(wide, X, y) == pytest.approx(wide.score(X, y))


def test_per_feature_and_sample_weight(data):
    X, _, y, _, _ = data
    model = LogisticRegression().fit(X, y)
    scorer = RightReasonsScorer(features=[3, X.shape[1] - 1], per_feature=True, random_state=0)
    score = scorer(model, X, y)
    assert 0.5 < score < model.score(X, y)
    w = np.where(np.arange(len(y)) < 100, 1.0, 0.0)
    assert scorer(model, X, y, sample_weight=w) == scorer(model, X[:100], y[:100])


def test_deterministic_and_does_not_mutate(data):
    X, _, y, _, mask = data
    model = LogisticRegression().fit(X, y)
    X_copy, mask_copy = X.copy(), mask.copy()
    a = RightReasonsScorer(random_state=3)(model, X, y, corrections=mask)
    b = RightReasonsScorer(random_state=3)(model, X, y, corrections=mask)
    assert a == b
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(mask, mask_copy)


def test_documents():
    docs = ["good film zq", "bad plot", "great cast zq", "dull film"] * 10
    y = [1, 0, 1, 0] * 10
    from sklearn.feature_extraction.text import CountVectorizer

    model = make_pipeline(CountVectorizer(), LogisticRegression()).fit(docs, y)
    scorer = RightReasonsScorer(strategy="remove", random_state=0)
    corrections = [["zq"] if "zq" in d else None for d in docs]
    assert scorer(model, docs, y, corrections=corrections) <= model.score(docs, y)


# ------------------------------------------------------------------ errors
def test_no_corrections_says_how_to_pass_them(data):
    X, _, y, _, _ = data
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"set_score_request\(corrections=True\).*features="):
        RightReasonsScorer()(model, X, y)


def test_set_score_request_needs_routing():
    with pytest.raises(RuntimeError, match="enable_metadata_routing=True"):
        RightReasonsScorer().set_score_request(corrections=True)


def test_unrequested_corrections_are_refused_by_the_router(data, routing):
    X, _, y, _, mask = data
    learner = _learner().set_fit_request(corrections=True)
    with pytest.raises(Exception, match="corrections"):
        GridSearchCV(learner, {"n_counterexamples": [0]}, scoring=RightReasonsScorer()).fit(
            X, y, corrections=mask
        )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_draws": 0}, "'n_draws' parameter"),
        ({"strategy": "shuffle"}, "'strategy' parameter"),
        ({"score_func": 3}, "'score_func' parameter"),
    ],
)
def test_parameters_are_validated(data, params, message):
    X, _, y, _, _ = data
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=re.escape(message)):
        RightReasonsScorer(features=[0], **params)(model, X, y)


def test_bad_corrections_name_the_problem(data, table):
    X, _, y, _, mask = data
    model = LogisticRegression().fit(X, y)
    scorer = RightReasonsScorer(random_state=0)
    with pytest.raises(ValueError, match="one entry per row of X: X has 200 rows, corrections has 10"):
        scorer(model, X, y, corrections=mask[:10])
    with pytest.raises(ValueError, match="y must have one label per row"):
        scorer(model, X, y[:10], corrections=mask)
    with pytest.raises(ValueError, match="remove"):
        RightReasonsScorer(features=[0], strategy="remove")(model, X, y)
    T, _, t, _ = table
    with pytest.raises(ValueError, match="nope"):
        scorer(_table_model().fit(T, t), T, t, corrections=[["nope"]] * len(T))


def test_parallel_search_scores_as_the_serial_one(data, routing):
    X, _, y, _, mask = data
    learner = _learner().set_fit_request(corrections=True)
    grid = {"n_counterexamples": [0, 3]}
    results = [
        GridSearchCV(learner, grid, scoring=_routed_scorer(), n_jobs=n_jobs)
        .fit(X, y, corrections=mask)
        .cv_results_["mean_test_score"]
        for n_jobs in (1, 2)
    ]
    np.testing.assert_array_equal(*results)


def test_clone_keeps_the_request_and_search_score_takes_corrections(data, routing):
    X, X_test, y, y_test, mask = data
    scorer = sklearn.base.clone(_routed_scorer())
    assert scorer.get_metadata_routing().score.requests["corrections"] is True
    search = GridSearchCV(
        _learner().set_fit_request(corrections=True), {"n_counterexamples": [3]},
        scoring=scorer,
    ).fit(X, y, corrections=mask)
    mask_test = np.zeros(X_test.shape, dtype=bool)
    mask_test[:, -1] = True
    assert search.score(X_test, y_test, corrections=mask_test) > 0.75
