"""Incremental updates of the wrapped estimator in ``teach``."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification


class RecordingSGD(SGDClassifier):
    """Records what each partial_fit call received."""

    def partial_fit(self, X, y, classes=None, sample_weight=None, ignore=None):
        self.calls_ = getattr(self, "calls_", []) + [
            (X.shape[0], None if ignore is None else ignore.nnz)
        ]
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    def fit(self, X, y, sample_weight=None, ignore=None, **kw):
        self.calls_ = []
        return super().fit(X, y, sample_weight=sample_weight, **kw)


class FailingUpdate(SGDClassifier):
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        raise RuntimeError("update failed")


@pytest.fixture(scope="module")
def data():
    X, X_pool, y, y_pool, _ = make_confounded_classification(
        300, random_state=0
    )
    return X[:100], y[:100], X_pool, y_pool


def test_partial_fit_update_gets_new_rows_counterexamples_and_replay(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(
        RecordingSGD(random_state=0), incremental=True, n_replay=50, random_state=0
    ).fit(X, y)
    t_before = learner.estimator_.t_
    learner.teach(X_pool[:2], y_pool[:2], corrections=[[5], None])
    # 2 new rows + 3 counterexamples + 50 replayed rows, in one call
    assert learner.estimator_.calls_ == [(55, 4)]
    assert learner.estimator_.t_ > t_before  # continued, not restarted


def test_rows_taught_without_refit_join_the_next_update(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(
        RecordingSGD(random_state=0), incremental=True, n_replay=0, random_state=0
    ).fit(X, y)
    learner.teach(X_pool[:1], y_pool[:1], refit=False)
    learner.teach(X_pool[1:3], y_pool[1:3])
    assert learner.estimator_.calls_ == [(3, None)]


def test_the_original_estimator_is_never_changed(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(SGDClassifier(random_state=0), incremental=True).fit(X, y)
    before = learner.estimator_
    coef = before.coef_.copy()
    learner.teach(X_pool[:3], y_pool[:3])
    assert learner.estimator_ is not before
    np.testing.assert_array_equal(before.coef_, coef)


def test_failed_update_leaves_learner_unchanged(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(FailingUpdate(random_state=0), incremental=True).fit(X, y)
    state = (learner.estimator_, learner.training_set_, learner._n_updates)
    with pytest.raises(RuntimeError, match="update failed"):
        learner.teach(X_pool[:1], y_pool[:1])
    assert (learner.estimator_, learner.training_set_, learner._n_updates) == state


def test_full_refit_every_gives_a_full_refit(data):
    X, y, X_pool, y_pool = data
    inc = CaipiClassifier(
        SGDClassifier(random_state=0), incremental=True, full_refit_every=2,
        random_state=0,
    ).fit(X, y)
    full = CaipiClassifier(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    for i in range(3):
        rows = slice(2 * i, 2 * i + 2)
        inc.teach(X_pool[rows], y_pool[rows])
        full.teach(X_pool[rows], y_pool[rows])
        same = np.array_equal(inc.estimator_.coef_, full.estimator_.coef_)
        assert same == (i == 2)  # updates 1 and 2 incremental, the third refits


def test_incremental_is_deterministic(data):
    X, y, X_pool, y_pool = data

    def run():
        learner = CaipiClassifier(
            SGDClassifier(random_state=0), incremental=True, random_state=3
        ).fit(X, y)
        for i in range(3):
            learner.teach(X_pool[i : i + 1], y_pool[i : i + 1], corrections=[[5]])
        return learner.estimator_.coef_

    np.testing.assert_array_equal(run(), run())


def test_a_new_class_gets_a_full_refit():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    learner = CaipiClassifier(
        RecordingSGD(random_state=0), incremental=True, random_state=0
    ).fit(X, y)
    learner.teach(rng.normal(size=(1, 3)), [2])
    assert learner.estimator_.calls_ == []  # fit, not partial_fit
    assert learner.classes_.tolist() == [0, 1, 2]


def test_pipeline_updates_its_last_step_only(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(
        make_pipeline(StandardScaler(), RecordingSGD(random_state=0)),
        incremental=True, n_replay=10, random_state=0,
    ).fit(X, y)
    mean = learner.estimator_[0].mean_.copy()
    learner.teach(X_pool[:4], y_pool[:4])
    np.testing.assert_array_equal(learner.estimator_[0].mean_, mean)
    assert learner.estimator_[-1].calls_ == [(14, None)]


def test_nested_pipeline_updates_its_innermost_last_step(data):
    X, y, X_pool, y_pool = data
    learner = CaipiClassifier(
        make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), RecordingSGD())),
        incremental=True, n_replay=10, random_state=0,
    ).fit(X, y)
    learner.teach(X_pool[:4], y_pool[:4], corrections=[[1], None, None, None])
    assert learner.estimator_[-1][-1].calls_ == [(4 + 3 + 10, 4)]


def test_masks_follow_the_columns_of_a_one_hot_step_in_an_update():
    from sklearn.preprocessing import OneHotEncoder

    class RecordingMasks(RecordingSGD):
        def partial_fit(self, X, y, classes=None, sample_weight=None, ignore=None):
            self.ignore_ = ignore
            return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 3, 60), rng.integers(0, 2, 60), rng.normal(size=60)])
    y = (X[:, 0] > 0).astype(int)
    encode = OneHotEncoder(categories=[[0, 1, 2], [0, 1]], sparse_output=False)
    from sklearn.compose import make_column_transformer

    columns = make_column_transformer((encode, [0, 1]), remainder="passthrough")
    learner = CaipiClassifier(
        make_pipeline(columns, RecordingMasks(random_state=0)),
        incremental=True, n_replay=0, n_counterexamples=0, random_state=0,
    ).fit(X[:50], y[:50])
    learner.teach(X[50:52], y[50:52], corrections=[[0], [2]])
    ignore = learner.estimator_[-1].ignore_.toarray()
    # first row: feature 0's three indicator columns; second: the passthrough one
    assert ignore.tolist() == [[1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]]


def test_warm_start_estimators_continue_from_their_weights(data):
    X, y, X_pool, y_pool = data
    est = LogisticRegression(max_iter=1000)
    inc = CaipiClassifier(est, incremental=True, random_state=0).fit(X, y)
    full = CaipiClassifier(clone(est), random_state=0).fit(X, y)
    inc.teach(X_pool[:5], y_pool[:5])
    full.teach(X_pool[:5], y_pool[:5])
    assert inc.estimator_.warm_start and not full.estimator_.warm_start
    np.testing.assert_allclose(
        inc.predict_proba(X_pool), full.predict_proba(X_pool), atol=1e-3
    )


@pytest.mark.parametrize(
    "model",
    [
        DecisionTreeClassifier(random_state=0),
        # out-of-bag scores need every tree's bootstrap of the same rows
        RandomForestClassifier(n_estimators=30, oob_score=True, random_state=0),
        # warm_start only adds iterations: the fitted ones never see new rows
        HistGradientBoostingClassifier(max_iter=5, random_state=0),
    ],
)
def test_estimators_that_cannot_continue_are_refitted(data, model):
    X, y, X_pool, y_pool = data
    inc = CaipiClassifier(clone(model), incremental=True, random_state=0).fit(X, y)
    full = CaipiClassifier(clone(model), random_state=0).fit(X, y)
    inc.teach(X_pool[:5], y_pool[:5])
    full.teach(X_pool[:5], y_pool[:5])
    np.testing.assert_array_equal(inc.predict(X_pool), full.predict(X_pool))


def test_bad_incremental_parameters():
    X, y = np.zeros((4, 2)), [0, 1, 0, 1]
    with pytest.raises(ValueError, match="n_replay"):
        CaipiClassifier(n_replay=-1).fit(X, y)
    with pytest.raises(ValueError, match="full_refit_every"):
        CaipiClassifier(full_refit_every=0).fit(X, y)
    for bad in (0, 1.5, -0.1):
        with pytest.raises(ValueError, match="trees_per_update"):
            CaipiClassifier(trees_per_update=bad).fit(X, y)


# ----------------------------------------------------------- forests


FITS = []


class RecordingForest(RandomForestClassifier):
    """Records the number of trees, rows and the weights of every fit."""

    def fit(self, X, y, sample_weight=None):
        weight = None if sample_weight is None else sample_weight.copy()
        FITS.append((self.n_estimators, X.shape[0], weight))
        return super().fit(X, y, sample_weight=sample_weight)


def _forest_learner(**params):
    forest = params.pop("forest", RandomForestClassifier(n_estimators=10, random_state=0))
    return CaipiClassifier(forest, incremental=True, random_state=0, **params)


def test_a_forest_update_replaces_its_oldest_trees(data):
    X, y, X_pool, y_pool = data
    learner = _forest_learner(trees_per_update=3).fit(X, y)
    before = learner.estimator_
    trees = list(before.estimators_)
    learner.teach(X_pool[:4], y_pool[:4], corrections=[[0], None, None, None])
    after = learner.estimator_
    assert after is not before and len(after.estimators_) == 10
    assert all(a is b for a, b in zip(after.estimators_[:7], trees[3:]))
    assert not any(t in trees for t in after.estimators_[7:])
    assert before.estimators_ == trees  # the old forest is as it was
    # each new tree was grown on every row: the 100 + 4 real ones and 3
    # counterexamples
    assert learner.training_set_.X.shape[0] == 107
    np.testing.assert_array_equal(after.classes_, before.classes_)


def test_new_trees_are_those_a_fit_on_every_row_grows(data):
    X, y, X_pool, y_pool = data
    # without bootstrap nor feature sampling a tree is a function of the rows
    forest = RandomForestClassifier(
        n_estimators=4, bootstrap=False, max_features=None, random_state=0
    )
    learner = _forest_learner(forest=forest, trees_per_update=1).fit(X, y)
    learner.teach(X_pool[:6], y_pool[:6], corrections=[[1]] * 6)
    full = DecisionTreeClassifier(random_state=0).fit(
        learner.training_set_.X, learner.training_set_.y
    )
    newest = learner.estimator_.estimators_[-1]
    np.testing.assert_array_equal(newest.predict_proba(X_pool), full.predict_proba(X_pool))
    oldest = learner.estimator_.estimators_[0]
    assert oldest.tree_.n_node_samples[0] == len(X)  # not yet replaced


def test_forest_updates_are_deterministic_and_go_round_the_forest(data):
    X, y, X_pool, y_pool = data
    runs = []
    for _ in range(2):
        learner = _forest_learner(trees_per_update=0.3).fit(X, y)
        first = list(learner.estimator_.estimators_)
        for i in range(4):
            learner.teach(X_pool[i : i + 1], y_pool[i : i + 1], corrections=[[i]])
        runs.append(learner.predict_proba(X_pool))
        # round(0.3 * 10) = 3 trees per update: after four, none is left
        assert not any(t in first for t in learner.estimator_.estimators_)
    np.testing.assert_array_equal(*runs)


def test_refreshing_every_tree_is_a_full_refit(data):
    X, y, X_pool, y_pool = data
    inc = _forest_learner(trees_per_update=10).fit(X, y)
    full = CaipiClassifier(
        RandomForestClassifier(n_estimators=10, random_state=0), random_state=0
    ).fit(X, y)
    for learner in (inc, full):
        learner.teach(X_pool[:3], y_pool[:3], corrections=[[2], None, [4]])
    np.testing.assert_array_equal(inc.predict_proba(X_pool), full.predict_proba(X_pool))


def test_forest_updates_pass_the_weights_and_keep_the_pipeline(data):
    X, y, X_pool, y_pool = data
    forest = RecordingForest(n_estimators=6, random_state=0)
    learner = _forest_learner(
        forest=make_pipeline(StandardScaler(), forest), counterexample_weight=0.5
    ).fit(X, y)
    scaler = learner.estimator_[0]
    FITS.clear()
    learner.teach(X_pool[:2], y_pool[:2], corrections=[[3], None])
    assert learner.estimator_[0] is scaler  # as fitted, not refitted
    [(n_trees, n_rows, weight)] = FITS
    assert (n_trees, n_rows) == (1, 105) and weight is not None
    np.testing.assert_array_equal(np.unique(weight), [0.5, 1.0])
    np.testing.assert_array_equal(
        learner.predict(X_pool), learner.estimator_.predict(X_pool)
    )


def test_failed_forest_update_leaves_learner_unchanged(data):
    X, y, X_pool, y_pool = data
    learner = _forest_learner().fit(X, y)
    estimator, n_rows = learner.estimator_, learner.training_set_.X.shape[0]
    bad = X_pool[:1].copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError):
        learner.teach(bad, y_pool[:1])
    assert learner.estimator_ is estimator
    assert learner.training_set_.X.shape[0] == n_rows


def test_forest_fitted_with_fit_params_gets_full_refits(data):
    X, y, X_pool, y_pool = data

    class TakesParam(RandomForestClassifier):
        def fit(self, X, y, sample_weight=None, note=None):
            return super().fit(X, y, sample_weight=sample_weight)

    learner = _forest_learner(forest=TakesParam(n_estimators=4, random_state=0))
    learner.fit(X, y, note="kept")
    trees = list(learner.estimator_.estimators_)
    learner.teach(X_pool[:1], y_pool[:1])
    assert not any(t in trees for t in learner.estimator_.estimators_)


def test_fractions_of_trees_are_rounded(data):
    X, y, _, _ = data
    learner = _forest_learner(
        forest=RandomForestClassifier(n_estimators=100, max_depth=2, random_state=0),
        trees_per_update=0.07,
    ).fit(X, y)
    trees = list(learner.estimator_.estimators_)
    learner.teach(X[:1], y[:1])
    assert sum(t not in trees for t in learner.estimator_.estimators_) == 7


def test_an_updated_forest_does_not_claim_bootstrap_samples(data):
    X, y, X_pool, y_pool = data
    learner = _forest_learner().fit(X, y)
    assert len(learner.estimator_.estimators_samples_) == 10
    learner.teach(X_pool[:2], y_pool[:2])
    assert not hasattr(learner.estimator_, "estimators_samples_")


@pytest.mark.parametrize(
    "model",
    [
        RandomForestClassifier(n_estimators=5, random_state=0),
        SGDClassifier(random_state=0),
    ],
)
def test_a_category_the_encoder_has_not_seen_gets_a_full_refit(model):
    from sklearn.preprocessing import OneHotEncoder

    X = np.array([[0], [1], [0], [1], [0], [1]] * 5)
    y = X[:, 0]
    pipeline = make_pipeline(OneHotEncoder(sparse_output=False), clone(model))
    learner = CaipiClassifier(pipeline, incremental=True, random_state=0)
    learner.fit(X, y, corrections=None)
    learner.teach([[2]], [1])
    encoder = learner.estimator_[0]
    assert len(encoder.categories_[0]) == 3  # refitted: it knows the new one
    assert learner.predict([[2]]).shape == (1,)
