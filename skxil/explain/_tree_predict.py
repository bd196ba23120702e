"""A tree's or a forest's ``predict_proba``, float for float, in numba.

Scoring a pool is the largest part of a forest's query: scikit-learn walks
each tree for every row in turn, and at every node the branch taken depends
on the row, which the processor cannot predict. Here a block of rows walks
one tree at a time, every row as many steps as the tree is deep, a leaf
leading to itself: the walk has no branch to mispredict, and the rows of
the block walk side by side.

The result is the model's to the last bit: each tree's leaf class values
(what the model's ``predict_proba`` reads) are added in the order of the
trees, then divided by their number, as scikit-learn does with one job.
"""

# Authors: The skxil developers
# License: BSD 3 clause

import weakref

import numba
import numpy as np
from joblib import effective_n_jobs
from numba import njit, prange
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

_TREE_MODELS = (DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier)
_BLOCK = 64


def n_threads(n_jobs):
    """The numba threads ``n_jobs`` asks for (joblib's reading of it, in
    its context), at most numba's."""
    return min(effective_n_jobs(n_jobs), numba.config.NUMBA_NUM_THREADS)


def run_in_blocks(kernels, X, args, threads, block):
    """``serial(X, *args)``, or ``parallel(X, *args)`` on ``threads`` numba
    threads (this thread's setting, restored) when ``X`` has more than one
    ``block`` of rows; ``kernels = (serial, parallel)``."""
    serial, parallel = kernels
    if threads <= 1 or X.shape[0] <= block:
        return serial(X, *args)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return parallel(X, *args)
    finally:
        numba.set_num_threads(previous)


def tree_estimators(model):
    """The fitted decision trees of a tree or forest classifier."""
    return [model] if isinstance(model, DecisionTreeClassifier) else model.estimators_


def same_objects(a, b):
    """Whether sequences ``a`` and ``b`` hold the same objects, in order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def replays(model):
    """Whether :class:`ForestRoutes` computes ``model``'s ``predict_proba``
    (and ``predict``): one of scikit-learn's tree and forest classifiers
    themselves, with one output. A subclass may compute its own."""
    return type(model) in _TREE_MODELS and getattr(model, "n_outputs_", 0) == 1


class ForestRoutes:
    """The trees of a fitted tree or forest classifier, laid out for the walk.

    Every node of every tree is one entry of ``child`` (int32, shape
    ``(n_nodes, 2)``: the left and right child; a leaf's are itself),
    ``feature`` (int32), ``threshold`` (float64: go left when ``x <=
    threshold``), ``missing_right`` (uint8: where a missing value goes) and
    ``values`` (float64, ``(n_nodes, n_classes)``). ``roots`` and ``depths``
    hold each tree's first node and depth.
    """

    def __init__(self, model):
        trees = [e.tree_ for e in tree_estimators(model)]
        sizes = np.array([t.node_count for t in trees], dtype=np.int64)
        self.roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.depths = np.array([t.max_depth for t in trees], dtype=np.int64)
        left = np.concatenate([t.children_left for t in trees])
        right = np.concatenate([t.children_right for t in trees])
        own = np.arange(left.shape[0])
        leaf = left < 0
        offset = np.repeat(self.roots, sizes)
        self.child = np.column_stack(
            [np.where(leaf, own, left + offset), np.where(leaf, own, right + offset)]
        ).astype(np.int32)
        self.feature = np.where(
            leaf, 0, np.concatenate([t.feature for t in trees])
        ).astype(np.int32)
        self.threshold = np.concatenate([t.threshold for t in trees])
        self.missing_right = np.concatenate(
            [1 - np.asarray(t.missing_go_to_left) for t in trees]
        ).astype(np.uint8)
        self.values = np.ascontiguousarray(
            np.concatenate([t.value[:, 0, :] for t in trees]), dtype=np.float64
        )

    def proba(self, X, n_threads=1):
        """The model's ``predict_proba`` of float32 rows ``X`` (NaN allowed),
        on ``n_threads`` threads (see :func:`n_threads`)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        routes = (
            self.child, self.feature, self.threshold, self.missing_right,
            self.values, self.roots, self.depths,
        )
        kernels = (routed_proba, routed_proba_parallel)
        return run_in_blocks(kernels, X, (routes,), n_threads, _BLOCK)


# Fitted trees are never changed in place, so a model's routes are valid
# while it holds the same trees; the entry goes with the model.
_ROUTES = weakref.WeakKeyDictionary()


def forest_routes(model):
    """The :class:`ForestRoutes` of a fitted tree or forest, built once."""
    trees = tuple(e.tree_ for e in tree_estimators(model))
    cached = _ROUTES.get(model)
    if cached is None or not same_objects(cached[0], trees):
        cached = (trees, ForestRoutes(model))
        _ROUTES[model] = cached
    return cached[1]


@njit(cache=True, inline="always")
def _walk_block(X, start, stop, routes, out):
    """Add the leaf values of rows ``start:stop`` of every tree to ``out``."""
    child, feature, threshold, missing_right, values, roots, depths = routes
    nodes = np.empty(stop - start, dtype=np.int64)
    for t in range(roots.shape[0]):
        nodes[:] = roots[t]
        # as many steps as the tree is deep: a row at its leaf stays there
        for _ in range(depths[t]):
            for i in range(stop - start):
                node = nodes[i]
                x = X[start + i, feature[node]]
                right = x > threshold[node]
                if np.isnan(x):
                    right = missing_right[node] != 0
                nodes[i] = child[node, np.intp(right)]
        for i in range(stop - start):
            for c in range(values.shape[1]):
                out[start + i, c] += values[nodes[i], c]


@njit(cache=True)
def routed_proba(X, routes):
    """Class probabilities of float32 rows ``X`` (see :class:`ForestRoutes`)."""
    values, roots = routes[4], routes[5]
    out = np.zeros((X.shape[0], values.shape[1]))
    for start in range(0, X.shape[0], _BLOCK):
        _walk_block(X, start, min(start + _BLOCK, X.shape[0]), routes, out)
    return out / roots.shape[0]


@njit(cache=True, parallel=True)
def routed_proba_parallel(X, routes):
    """:func:`routed_proba` with the blocks of rows shared among threads."""
    values, roots = routes[4], routes[5]
    out = np.zeros((X.shape[0], values.shape[1]))
    for b in prange((X.shape[0] + _BLOCK - 1) // _BLOCK):
        start = b * _BLOCK
        _walk_block(X, start, min(start + _BLOCK, X.shape[0]), routes, out)
    return out / roots.shape[0]
