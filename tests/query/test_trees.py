"""Tests of skxil.query._trees and skxil.explain._tree_predict: pools scored
by trees and forests replayed in numba, equal to predict_proba bit for bit."""

import gc

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skxil import CaipiClassifier
from skxil.explain import _tree_predict
from skxil.explain._tree_predict import ForestRoutes, forest_routes
from skxil.query import margin_sampling, uncertainty_sampling
from skxil.query._trees import tree_proba

MODELS = {
    "forest": lambda: RandomForestClassifier(n_estimators=12, random_state=0),
    "shallow forest": lambda: RandomForestClassifier(
        n_estimators=7, max_depth=3, class_weight="balanced", random_state=0
    ),
    "extra trees": lambda: ExtraTreesClassifier(
        n_estimators=9, bootstrap=True, random_state=0
    ),
    "two jobs": lambda: RandomForestClassifier(n_estimators=8, n_jobs=2, random_state=0),
    "pipeline": lambda: make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=6, random_state=0)
    ),
    "nested": lambda: make_pipeline(
        StandardScaler(),
        make_pipeline(StandardScaler(), ExtraTreesClassifier(5, random_state=0)),
    ),
    "learner": lambda: CaipiClassifier(
        RandomForestClassifier(n_estimators=5, random_state=0), random_state=0
    ),
}


def _data(n_classes, n=700, seed=0):
    X, y = make_classification(
        n, 8, n_informative=5, n_classes=n_classes, n_clusters_per_class=1,
        random_state=seed,
    )
    return X * 10.0 ** np.arange(-3, 5), y  # scales that float32 rounds


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("name", list(MODELS))
def test_equal_to_predict_proba_bit_for_bit(name, n_classes):
    X, y = _data(n_classes)
    model = MODELS[name]().fit(X[:400], y[:400])
    for pool in (X[400:], X[400:].astype(np.float32), np.round(X[400:]).astype(int)):
        fast = tree_proba(model, pool)
        assert fast is not None
        np.testing.assert_array_equal(fast, model.predict_proba(pool))


@pytest.mark.parametrize("max_depth", [1, None])
def test_routes_of_a_tree_are_its_predict_proba(max_depth):
    X, y = _data(4)
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=0)
    tree.fit(X[:400], y[:400])
    for rows in (X[400:], X[400:].astype(np.float32)):
        proba = forest_routes(tree).proba(rows.astype(np.float32))
        np.testing.assert_array_equal(proba, tree.predict_proba(rows))


def test_routes_follow_missing_values_as_the_trees_do():
    X, y = _data(3)
    X[::5, 2] = np.nan
    X[::7, 6] = np.nan
    for model in (
        RandomForestClassifier(n_estimators=10, random_state=0),
        DecisionTreeClassifier(random_state=0),
    ):
        model.fit(X[:400], y[:400])
        rows = X[400:].astype(np.float32)
        proba = forest_routes(model).proba(rows)
        np.testing.assert_array_equal(proba, model.predict_proba(X[400:]))
        # threads share the blocks of rows, not the sums of a row
        np.testing.assert_array_equal(forest_routes(model).proba(rows, 2), proba)


def test_routes_are_built_once_per_set_of_trees():
    X, y = _data(2)
    forest = RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)
    routes = forest_routes(forest)
    assert forest_routes(forest) is routes
    forest.estimators_ = forest.estimators_[1:]  # other trees: rebuilt
    rebuilt = forest_routes(forest)
    assert rebuilt is not routes and rebuilt.roots.shape == (3,)
    np.testing.assert_array_equal(rebuilt.proba(X), forest.predict_proba(X))
    n_entries = len(_tree_predict._ROUTES)
    del forest
    gc.collect()
    assert len(_tree_predict._ROUTES) == n_entries - 1  # gone with the model


@pytest.mark.parametrize(
    "make_pool",
    [
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X),
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X),
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, 1e300, X),
        lambda X: X[:, :5],  # predict_proba's own error
        lambda X: X[:0],
        lambda X: pd.DataFrame(X),
        lambda X: X.astype(str),
    ],
)
def test_falls_back_to_predict_proba(make_pool):
    X, y = _data(2)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    assert tree_proba(forest, make_pool(X)) is None


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
def test_other_models_and_containers_fall_back():
    X, y = _data(2)

    class Smoothed(RandomForestClassifier):
        def predict_proba(self, X):
            proba = super().predict_proba(X) + 0.1
            return proba / proba.sum(axis=1, keepdims=True)

    assert tree_proba(Smoothed(n_estimators=2).fit(X, y), X) is None
    forest = RandomForestClassifier(n_estimators=2).fit(X, y)
    assert tree_proba(forest, np.asmatrix(X)) is None  # predict_proba refuses it
    assert tree_proba(RandomForestClassifier(), X) is None  # unfitted
    # a single tree's predict_proba is as fast as the replay
    assert tree_proba(DecisionTreeClassifier().fit(X, y), X) is None
    assert tree_proba(GradientBoostingClassifier(n_estimators=2).fit(X, y), X) is None
    multi = RandomForestClassifier(n_estimators=2).fit(X, np.column_stack([y, y]))
    assert tree_proba(multi, X) is None
    named = RandomForestClassifier(n_estimators=2).fit(pd.DataFrame(X).add_prefix("f"), y)
    assert tree_proba(named, X) is None
    frame_learner = CaipiClassifier(RandomForestClassifier(n_estimators=2)).fit(
        pd.DataFrame(X).add_prefix("f"), y
    )
    assert tree_proba(frame_learner, X) is None


@pytest.mark.parametrize("strategy", [uncertainty_sampling, margin_sampling])
def test_queries_are_those_of_predict_proba(strategy, monkeypatch):
    X, y = _data(3, n=3000)
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X[:300], y[:300])
    fast = strategy(forest, X[300:], n_instances=5)
    calls = []
    monkeypatch.setattr(
        "skxil.query._trees.tree_proba", lambda *a: calls.append(1)
    )
    slow = strategy(forest, X[300:], n_instances=5)
    assert calls  # the slow run did go through predict_proba
    np.testing.assert_array_equal(fast[0], slow[0])


def test_routes_of_a_forest_of_stumps_and_single_leaves():
    X, y = _data(2)
    y_one = np.zeros(len(y), dtype=int)
    y_one[0] = 1  # most trees see one class: single-leaf trees
    forest = RandomForestClassifier(n_estimators=10, max_samples=5, random_state=0)
    forest.fit(X, y_one)
    assert (ForestRoutes(forest).depths == 0).any()
    np.testing.assert_array_equal(tree_proba(forest, X), forest.predict_proba(X))


def test_more_jobs_than_numba_threads_are_capped():
    import joblib
    import numba

    X, y = _data(2)
    many = numba.config.NUMBA_NUM_THREADS + 2
    forest = RandomForestClassifier(n_estimators=4, n_jobs=many, random_state=0)
    learner = CaipiClassifier(forest, random_state=0).fit(X[:300], y[:300])
    idx, _ = learner.query(X[300:])
    serial = RandomForestClassifier(n_estimators=4, random_state=0).fit(X[:300], y[:300])
    np.testing.assert_array_equal(
        tree_proba(learner, X[300:]), serial.predict_proba(X[300:])
    )
    with joblib.parallel_config(n_jobs=many):
        assert tree_proba(serial, X[300:]) is not None
