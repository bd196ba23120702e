"""The linear-time TreeSHAP kernel against the reference kernel (Algorithm 2)."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.tree import DecisionTreeClassifier

from _tree_fixtures import one_openmp_thread  # noqa: F401

from skxil.explain._tree import _flatten
from skxil.explain._tree_kernels import rows_shap
from skxil.explain._tree_linear import quadrature

MODELS = {
    "deep tree": lambda: DecisionTreeClassifier(random_state=0),
    "forest": lambda: RandomForestClassifier(n_estimators=6, random_state=0),
    "extra": lambda: ExtraTreesClassifier(n_estimators=6, random_state=0),
    "boosting": lambda: GradientBoostingClassifier(
        n_estimators=4, max_depth=5, random_state=0
    ),
    "hist": lambda: HistGradientBoostingClassifier(
        max_iter=4, max_leaf_nodes=None, max_depth=9, random_state=0
    ),
    "stump": lambda: DecisionTreeClassifier(max_depth=1),
}


@pytest.fixture(scope="module")
def data():
    # four features and fully grown trees: paths split on a feature again
    X, y = make_classification(
        400,
        4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        flip_y=0.2,
        random_state=0,
    )
    return X, {2: (y > 0).astype(int), 3: y}


def _reference(flat, X):
    X = np.ascontiguousarray(np.asarray(X, dtype=flat.input_dtype), dtype=np.float64)
    ensemble = (flat.node_ints, flat.node_floats, flat.values, flat.cat_left)
    return rows_shap(X, ensemble, flat.trees, flat.max_depth, flat.n_outputs)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", list(MODELS))
def test_linear_kernel_equals_the_reference(data, name, n_classes):
    X, ys = data
    X = X.copy()
    if name in ("hist", "deep tree"):
        X[::5, 1] = np.nan
    model = MODELS[name]().fit(X[:300], ys[n_classes][:300])
    flat = _flatten(model)
    if name == "deep tree":
        assert flat.max_depth > 8  # deeper than there are features
    rows = flat.rows(X[300:], np.arange(X.shape[1]))
    np.testing.assert_allclose(
        flat.shap_values(rows), _reference(flat, rows), rtol=0, atol=1e-12
    )


def test_categorical_splits_and_unseen_codes():
    rng = np.random.default_rng(0)
    color = rng.integers(0, 8, 500).astype(float)
    other = rng.normal(size=(500, 2))
    y = (np.isin(color, [1, 4, 6]) ^ (other[:, 0] > 0.3)).astype(int)
    X = np.column_stack([color, other])
    model = HistGradientBoostingClassifier(
        max_iter=6, max_depth=6, categorical_features=[0], random_state=0
    ).fit(X[:400], y[:400])
    rows = X[400:].copy()
    rows[:4, 0] = [np.nan, 11.0, -1.0, 300.0]
    flat = _flatten(model)
    np.testing.assert_allclose(
        flat.shap_values(rows), _reference(flat, rows), rtol=0, atol=1e-12
    )


def test_the_dropped_output_is_only_dropped_when_redundant(data):
    X, ys = data
    forest = _flatten(MODELS["forest"]().fit(X, ys[3]))
    assert forest._kernel_values.shape[1] == 2  # of 3 class fractions
    boosting = _flatten(MODELS["boosting"]().fit(X, ys[3]))
    assert boosting._kernel_values is boosting.values  # one margin per tree
    # a leaf of zero weight has class fractions 0, which do not add up to 1
    flat = _flatten(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, ys[2]))
    flat.values[np.flatnonzero(flat.node_ints[:, 0] < 0)[0]] = 0.0
    flat._kernel_values = flat._values_to_compute()
    assert flat._kernel_values is flat.values
    np.testing.assert_allclose(
        flat.shap_values(X[:20]), _reference(flat, X[:20]), rtol=0, atol=1e-12
    )


def test_quadrature_integrates_the_degrees_it_is_used_for():
    tables = quadrature(13)
    for depth in range(14):
        n = max(1, (depth + 1) // 2)  # the points path_features asks for
        t, w = tables[0, n, :n], tables[1, n, :n]
        for degree in range(depth):
            assert w @ t**degree == pytest.approx(1 / (degree + 1), abs=1e-14)
        np.testing.assert_allclose(tables[2, n, :n], -w / (1 - t))


def test_threads_give_the_same_values_bit_for_bit(data):
    X, ys = data
    flat = _flatten(MODELS["extra"]().fit(X, ys[3]))
    for n_rows in (20, 150):  # one block runs serially, three in parallel
        serial = flat.shap_values(X[:n_rows])
        parallel = flat.shap_values(X[:n_rows], n_threads=2)
        np.testing.assert_array_equal(parallel, serial)


def _most_distinct(tree):
    best, stack = 0, [(0, frozenset())]
    while stack:
        node, seen = stack.pop()
        if tree.children_left[node] < 0:
            best = max(best, len(seen))
            continue
        seen = seen | {tree.feature[node]}
        stack += [(tree.children_left[node], seen), (tree.children_right[node], seen)]
    return best


def test_path_features_count_distinct_features(data):
    X, ys = data
    forest = MODELS["extra"]().fit(X, ys[3])
    flat = _flatten(forest)
    expected = [_most_distinct(e.tree_) for e in forest.estimators_]
    np.testing.assert_array_equal(flat.degrees, expected)
    assert max(expected) < flat.max_depth  # fewer points than the depth asks
    assert _flatten(DecisionTreeClassifier().fit(X, np.zeros(len(X)))).degrees == [0]
