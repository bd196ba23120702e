"""Plain-Python twin of the TreeSHAP kernel, by definition (exponential time).

The SHAP value of feature ``i`` is its Shapley value in the game whose payoff
for a coalition ``S`` is the path-dependent expectation of the tree: at a
split on a feature of ``S`` follow the row, at any other split average both
children weighted by their cover. Enumerating every coalition is only
feasible for a few features: this is for testing the kernel on small trees.
"""

from itertools import combinations
from math import factorial

import numpy as np

from ._tree_kernels import COVER, FEATURE, LEFT, RIGHT, _goes_left


def _expectation(node, x, coalition, ensemble):
    node_ints, node_floats, values, cat_left = ensemble
    left = node_ints[node, LEFT]
    if left < 0:
        return values[node]
    right = node_ints[node, RIGHT]
    feature = node_ints[node, FEATURE]
    if feature in coalition:
        goes_left = _goes_left.py_func(
            x[feature], node, node_ints, node_floats, cat_left
        )
        return _expectation(left if goes_left else right, x, coalition, ensemble)
    cover = node_floats[node, COVER]
    return sum(
        node_floats[child, COVER] / cover * _expectation(child, x, coalition, ensemble)
        for child in (left, right)
    )


def shap_values_by_definition(flat, X):
    """SHAP values of the rows ``X`` of a :class:`~._tree.FlatEnsemble`.

    Returns an ndarray of shape ``(n_rows, n_features, n_outputs)``.
    """
    X = np.asarray(X, dtype=flat.input_dtype).astype(np.float64)
    ensemble = (flat.node_ints, flat.node_floats, flat.values, flat.cat_left)
    n_rows, n_features = X.shape
    phi = np.zeros((n_rows, n_features, flat.n_outputs))
    for r, x in enumerate(X):
        for root, first in flat.trees:
            outputs = slice(first, first + flat.values.shape[1])
            payoff = {}
            for size in range(n_features + 1):
                for coalition in combinations(range(n_features), size):
                    payoff[coalition] = _expectation(root, x, set(coalition), ensemble)
            for i in range(n_features):
                others = [j for j in range(n_features) if j != i]
                for size in range(n_features):
                    weight = (
                        factorial(size)
                        * factorial(n_features - size - 1)
                        / factorial(n_features)
                    )
                    for coalition in combinations(others, size):
                        joined = tuple(sorted((*coalition, i)))
                        phi[r, i, outputs] += weight * (
                            payoff[joined] - payoff[coalition]
                        )
    return phi
