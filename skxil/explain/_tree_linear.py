"""Numba kernel of exact path-dependent TreeSHAP in time linear in the depth.

The same values as :func:`~._tree_kernels.rows_shap` (the reference the
tests hold it to), computed as in Linear TreeSHAP (Yu et al., 2022). At a
leaf whose path has the unique features ``j`` with zero fraction ``z_j``
(product of the cover ratios of the splits on ``j``) and one fraction
``o_j`` (whether the row follows them all), the Shapley weights
``|S|! (d - |S| - 1)! / d!`` are the integrals of ``t^|S| (1 - t)^(d - |S| - 1)``
over ``[0, 1]``, so the leaf adds to feature ``i``

    value * integral of G(t) / f_i(t) * (o_i - z_i) dt,
    G(t) = product over j of f_j(t),  f_j(t) = z_j + t (o_j - z_j),

a polynomial of degree below ``d``, the number of distinct features on the
path. Polynomials are kept as their values at the nodes of a Gauss-Legendre
rule of ``(d + 1) // 2`` points (``d`` the tree's largest), which integrates
them exactly: ``G`` is updated in ``O(points)`` from the parent's at each
node, the leaves' ``value * G`` are summed up the tree, and
the edge where feature ``i`` was split last on a path integrates the sum of
its subtree's leaves, less the subtrees that split on ``i`` again below it
(whose leaves that deeper edge accounts for). Each node costs
``O(points * n_values)`` per row, instead of ``O(depth^2)`` per leaf.

The walk is depth first, for a block of rows at once, with one state row per
level: the node, which child is next, the edge into the node (feature, zero
fraction, each row's one fraction, the level of the previous edge on the
same feature, ``0`` for none: level 0 holds the neutral factor ``z = o =
1``) and each row's polynomial values ``G``, ``S`` (the subtree's leaves so
far) and ``R`` (the subtrees below splitting again on the edge's feature).
"""

import functools

import numpy as np
from numba import njit, prange

from ._tree_kernels import COVER, FEATURE, LEFT, RIGHT, _goes_left

#: Rows per block: a block walks each tree once for all its rows, which are
#: the innermost axis of the loops; longer blocks give longer vector loops
#: until the levels' buffers in use no longer fit in the cache.
BLOCK = 64


@functools.lru_cache(maxsize=64)
def quadrature(max_depth):
    """Gauss-Legendre rules on ``[0, 1]`` for trees up to ``max_depth``:
    row ``n`` of each table holds the rule of ``n`` points (zero-padded),
    exact for polynomials of degree below ``2 n``, so that a tree with at
    most ``d`` distinct features on a path (polynomials of degree below
    ``d``, see :func:`path_features`) takes row ``max(1, (d + 1) // 2)``.
    Tables: nodes ``t``, weights ``w`` and ``-w / (1 - t)``, the
    integration factor of an edge the row does not follow."""
    size = max(1, (max_depth + 1) // 2) + 1
    tables = np.zeros((3, size, size - 1))
    for n in range(1, size):
        nodes, weights = np.polynomial.legendre.leggauss(n)
        t, w = (nodes + 1.0) / 2.0, weights / 2.0
        tables[:, n, :n] = t, w, -w / (1.0 - t)
    # cached and shared by every ensemble of that depth (a refitted forest
    # is flattened again in every round): read-only
    tables.flags.writeable = False
    return tables


@njit(cache=True)
def path_features(node_ints, trees, max_depth):
    """Per tree, the most distinct split features on a path from the root
    to a leaf: the degree of its path polynomials."""
    count = np.zeros(node_ints[:, FEATURE].max() + 1, dtype=np.int64)
    walk = np.zeros((max_depth + 2, 2), dtype=np.int64)  # node, next child
    most = np.zeros(trees.shape[0], dtype=np.int64)
    for i in range(trees.shape[0]):
        walk[0, 0], walk[0, 1] = trees[i, 0], 0
        level = distinct = 0
        while True:
            node, step = walk[level, 0], walk[level, 1]
            f = node_ints[node, FEATURE]
            if node_ints[node, LEFT] < 0:
                most[i] = max(most[i], distinct)
            elif step < 2:
                distinct += count[f] == 0
                count[f] += 1
                walk[level, 1] += 1
                level += 1
                walk[level, 0] = node_ints[node, LEFT if step == 0 else RIGHT]
                walk[level, 1] = 0
                continue
            if level == 0:
                break
            level -= 1
            f = node_ints[walk[level, 0], FEATURE]
            count[f] -= 1
            distinct -= count[f] == 0
    return most


@njit(cache=True, fastmath={"reassoc", "contract"})
def _block(X, block, ensemble, forest, phi):
    """Add every tree's SHAP values for the rows ``block = (start, stop)``
    to ``phi`` (at most :data:`BLOCK` rows); ``forest = (trees, degrees,
    max_depth, quadrature)``, degrees from :func:`path_features`.

    Path-dependent TreeSHAP visits every node for every row, and only the
    one fractions (0 or 1) depend on the row: the walk, the zero fractions
    and the factor tables of each edge (the divisions) are shared by the
    block's rows. The rows are the innermost axis of the polynomial values,
    so that the loops run over the block's rows; a row picks its factor by
    ``(1 - o) * a + o * b``, exact for ``o`` in {0, 1}. A level's ``S`` is
    set by its first child and added to by the second; its ``R`` only when
    a deeper split on the same feature hands it something.

    The walk is written out in this one function: numba compiled it several
    times slower with parts in inlined helpers taking the state as tuples.
    The sums may be reassociated (vectorised); NaN rows stay exact: only
    :func:`_goes_left` reads them.
    """
    node_ints, node_floats, values, cat_left = ensemble
    trees, degrees, max_depth, quad = forest
    width, n_points, n_values = max_depth + 2, quad.shape[2], values.shape[1]
    start, n_rows = block[0], block[1] - block[0]
    G = np.ones((width, n_points, n_rows))
    S = np.zeros((width, n_values, n_points, n_rows))
    R = np.zeros((width, n_values, n_points, n_rows))
    O = np.ones((width, n_rows))  # one fractions; level 0: the neutral 1
    Z = np.ones(width)  # zero fractions, the same for every row
    factor = np.zeros((2, n_points))  # G's factor for o_old = 1 and o = 0, 1
    # f'(t) / f(t) times the weights, for o = 0, 1, kept per level
    integrals = np.zeros((width, 2, n_points))
    total = np.zeros(n_rows)
    pick = np.zeros((3, n_rows))
    # per level: node, next child (0, 1, 2 = done), edge feature, level of
    # the previous edge on that feature (0: none), whether R holds anything
    walk = np.zeros((width, 5), dtype=np.int64)
    last = np.zeros(X.shape[1], dtype=np.int64)
    for i in range(trees.shape[0]):
        n = max(1, (degrees[i] + 1) // 2)
        t, w, cold = quad[0, n, :n], quad[1, n, :n], quad[2, n, :n]
        first_output = trees[i, 1]
        walk[0, 0] = trees[i, 0]
        walk[0, 1] = 0
        level = 0
        while True:
            node = walk[level, 0]
            step = walk[level, 1]
            if node_ints[node, LEFT] >= 0 and step < 2:
                # enter the next child: f(t) = z + t (o - z) on its edge
                child = node_ints[node, LEFT if step == 0 else RIGHT]
                f = node_ints[node, FEATURE]
                previous = last[f]
                ratio = node_floats[child, COVER] / node_floats[node, COVER]
                z_old = Z[previous]
                z = z_old * ratio
                level += 1
                for k in range(n):
                    # f_new / f_old for o_old = 1 (f_old = 1 at a first
                    # split); for o_old = o = 0 both vanish at t = 1: ratio
                    old = z_old + t[k] * (1.0 - z_old)
                    factor[0, k] = z * (1.0 - t[k]) / old
                    factor[1, k] = (z + t[k] * (1.0 - z)) / old
                    integrals[level, 0, k] = cold[k]
                    integrals[level, 1, k] = w[k] * (1.0 - z) / (z + t[k] * (1.0 - z))
                goes = step == 0
                for r in range(n_rows):
                    left = _goes_left(
                        X[start + r, f], node, node_ints, node_floats, cat_left
                    )
                    o_old = O[previous, r]
                    o = o_old if left == goes else 0.0
                    O[level, r] = o
                    # the row's factor: ratio, factor[0] or factor[1]
                    pick[0, r] = (1.0 - o_old) * ratio
                    pick[1, r] = o_old - o
                    pick[2, r] = o
                for k in range(n):
                    a, b = factor[0, k], factor[1, k]
                    for r in range(n_rows):
                        G[level, k, r] = G[level - 1, k, r] * (
                            pick[0, r] + pick[1, r] * a + pick[2, r] * b
                        )
                walk[level, 0] = child
                walk[level, 1] = 0
                walk[level, 2] = f
                walk[level, 3] = previous
                walk[level, 4] = 0
                if node_ints[child, LEFT] >= 0:
                    Z[level] = z
                    last[f] = level
                    continue
                # a leaf: S = value * G, no R
                for v in range(n_values):
                    value = values[child, v]
                    for k in range(n):
                        for r in range(n_rows):
                            S[level, v, k, r] = value * G[level, k, r]
            if level == 0:
                break
            # leave: integrate the edge into this node, hand its sum up
            f = walk[level, 2]
            previous = walk[level, 3]
            for r in range(n_rows):
                pick[0, r] = 1.0 - O[level, r]
                pick[1, r] = O[level, r]
            first = walk[level - 1, 1] == 0  # the parent's S is not set yet
            for v in range(n_values):
                total[:] = 0.0
                for k in range(n):
                    cold_k, hot_k = integrals[level, 0, k], integrals[level, 1, k]
                    for r in range(n_rows):
                        weight = pick[0, r] * cold_k + pick[1, r] * hot_k
                        total[r] += S[level, v, k, r] * weight
                    if first:
                        for r in range(n_rows):
                            S[level - 1, v, k, r] = S[level, v, k, r]
                    else:
                        for r in range(n_rows):
                            S[level - 1, v, k, r] += S[level, v, k, r]
                if walk[level, 4] != 0:
                    for k in range(n):
                        cold_k, hot_k = integrals[level, 0, k], integrals[level, 1, k]
                        for r in range(n_rows):
                            weight = pick[0, r] * cold_k + pick[1, r] * hot_k
                            total[r] -= R[level, v, k, r] * weight
                for r in range(n_rows):
                    phi[start + r, f, first_output + v] += total[r]
            if previous > 0:
                fresh = walk[previous, 4] == 0
                walk[previous, 4] = 1
                for v in range(n_values):
                    for k in range(n):
                        if fresh:
                            for r in range(n_rows):
                                R[previous, v, k, r] = S[level, v, k, r]
                        else:
                            for r in range(n_rows):
                                R[previous, v, k, r] += S[level, v, k, r]
            last[f] = previous
            level -= 1
            walk[level, 1] += 1


@njit(cache=True)
def rows_shap_linear(X, ensemble, forest, n_outputs):
    """SHAP values of every row: ndarray (n_rows, n_features, n_outputs);
    ``forest = (trees, degrees, max_depth, quadrature)``."""
    phi = np.zeros((X.shape[0], X.shape[1], n_outputs))
    for start in range(0, X.shape[0], BLOCK):
        _block(X, (start, min(X.shape[0], start + BLOCK)), ensemble, forest, phi)
    return phi


@njit(cache=True, parallel=True)
def rows_shap_linear_parallel(X, ensemble, forest, n_outputs):
    """:func:`rows_shap_linear` with the blocks of rows spread over numba's
    threads. A row's values do not depend on the other rows of its block:
    they are the serial kernel's."""
    phi = np.zeros((X.shape[0], X.shape[1], n_outputs))
    for b in prange((X.shape[0] + BLOCK - 1) // BLOCK):
        stop = min(X.shape[0], (b + 1) * BLOCK)
        _block(X, (b * BLOCK, stop), ensemble, forest, phi)
    return phi
