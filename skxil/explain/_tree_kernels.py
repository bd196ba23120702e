"""Numba kernels of exact path-dependent TreeSHAP (Lundberg et al., Algorithm 2).

A tree ensemble arrives flattened into contiguous arrays (see
:class:`~._tree.FlatEnsemble`): every node of every tree is one row of

- ``node_ints`` (int64, shape ``(n_nodes, 4)``): left child, right child
  (global row indices, ``-1`` at a leaf), split feature, and the row of
  ``cat_left`` of a categorical split (``-1`` for a numeric split);
- ``node_floats`` (float64, shape ``(n_nodes, 3)``): threshold (go left when
  ``x <= threshold``), cover (training weight reaching the node) and
  ``1.0`` when a missing value goes left, else ``0.0``;
- ``values`` (float64, shape ``(n_nodes, n_values)``): the leaf values.

``trees`` (int64, shape ``(n_trees, 2)``) holds each tree's root row and
the first output its ``n_values`` leaf values add to. A node's ints and
floats sit side by side, so that walking a path touches one cache line per
node; the unique paths of the recursion live in small per-depth buffers that
are reused for every tree and row.

The recursion is run with an explicit stack: node ``j`` at depth ``level``
keeps its unique path in row ``level`` of the path buffers, built from the
parent's path in row ``level - 1``. That row is not overwritten before both
children are done, because the walk is depth first.
"""

import numpy as np
from numba import njit, prange

# Columns of node_ints and node_floats.
LEFT, RIGHT, FEATURE, CATEGORY = 0, 1, 2, 3
THRESHOLD, COVER, MISSING_LEFT = 0, 1, 2


@njit(cache=True)
def _goes_left(x, node, node_ints, node_floats, cat_left):
    """Whether value ``x`` of the split feature goes to the left child."""
    if np.isnan(x):
        return node_floats[node, MISSING_LEFT] != 0.0
    cat = node_ints[node, CATEGORY]
    if cat < 0:
        return x <= node_floats[node, THRESHOLD]
    # categories: codes 0..255 (truncated as scikit-learn casts them);
    # negative or out-of-range codes count as missing
    if x < 0 or x >= cat_left.shape[1]:
        return node_floats[node, MISSING_LEFT] != 0.0
    return cat_left[cat, int(x)]


@njit(cache=True)
def _extend(pd, pz, po, pw, row, n, zero, one, feature):
    """Add ``(feature, zero, one)`` to the path of ``n`` elements in ``row``."""
    pd[row, n] = feature
    pz[row, n] = zero
    po[row, n] = one
    pw[row, n] = 1.0 if n == 0 else 0.0
    for i in range(n - 1, -1, -1):
        pw[row, i + 1] += one * pw[row, i] * (i + 1) / (n + 1)
        pw[row, i] = zero * pw[row, i] * (n - i) / (n + 1)


@njit(cache=True)
def _unwind(pd, pz, po, pw, row, depth, k):
    """Remove element ``k`` from the path whose last element is ``depth``."""
    one = po[row, k]
    zero = pz[row, k]
    nxt = pw[row, depth]
    for i in range(depth - 1, -1, -1):
        if one != 0.0:
            tmp = pw[row, i]
            pw[row, i] = nxt * (depth + 1) / ((i + 1) * one)
            nxt = tmp - pw[row, i] * zero * (depth - i) / (depth + 1)
        else:
            pw[row, i] = pw[row, i] * (depth + 1) / (zero * (depth - i))
    for i in range(k, depth):
        pd[row, i] = pd[row, i + 1]
        pz[row, i] = pz[row, i + 1]
        po[row, i] = po[row, i + 1]


@njit(cache=True)
def _unwound_sum(pz, po, pw, row, depth, k):
    """Total permutation weight of the path with element ``k`` unwound."""
    one = po[row, k]
    zero = pz[row, k]
    total = 0.0
    if one != 0.0:
        nxt = pw[row, depth]
        for i in range(depth - 1, -1, -1):
            tmp = nxt * (depth + 1) / ((i + 1) * one)
            total += tmp
            nxt = pw[row, i] - tmp * zero * (depth - i) / (depth + 1)
    else:
        for i in range(depth - 1, -1, -1):
            total += pw[row, i] * (depth + 1) / (zero * (depth - i))
    return total


@njit(cache=True)
def _tree_shap(x, root, first_output, ensemble, phi, buffers):
    """Add one tree's SHAP values for row ``x`` to ``phi`` (n_features, n_outputs)."""
    node_ints, node_floats, values, cat_left = ensemble
    pd, pz, po, pw, stack_i, stack_f = buffers
    n_values = values.shape[1]
    # a stack entry: node, level, parent's path length, split feature | zero, one
    top = 0
    stack_i[0, 0] = root
    stack_i[0, 1] = 0
    stack_i[0, 2] = 0
    stack_i[0, 3] = -1
    stack_f[0, 0] = 1.0
    stack_f[0, 1] = 1.0
    while top >= 0:
        node = stack_i[top, 0]
        level = stack_i[top, 1]
        n = stack_i[top, 2]
        parent_feature = stack_i[top, 3]
        zero = stack_f[top, 0]
        one = stack_f[top, 1]
        top -= 1
        if level > 0:
            for i in range(n):
                pd[level, i] = pd[level - 1, i]
                pz[level, i] = pz[level - 1, i]
                po[level, i] = po[level - 1, i]
                pw[level, i] = pw[level - 1, i]
        _extend(pd, pz, po, pw, level, n, zero, one, parent_feature)
        depth = n  # index of the path's last element
        left = node_ints[node, LEFT]
        if left < 0:
            for i in range(1, depth + 1):
                w = _unwound_sum(pz, po, pw, level, depth, i)
                scale = w * (po[level, i] - pz[level, i])
                f = pd[level, i]
                for k in range(n_values):
                    phi[f, first_output + k] += scale * values[node, k]
            continue
        right = node_ints[node, RIGHT]
        feature = node_ints[node, FEATURE]
        if _goes_left(x[feature], node, node_ints, node_floats, cat_left):
            hot, cold = left, right
        else:
            hot, cold = right, left
        incoming_zero = 1.0
        incoming_one = 1.0
        # a feature met again on the path: undo its split, redo it here
        for k in range(1, depth + 1):
            if pd[level, k] == feature:
                incoming_zero = pz[level, k]
                incoming_one = po[level, k]
                _unwind(pd, pz, po, pw, level, depth, k)
                depth -= 1
                break
        cover = node_floats[node, COVER]
        # cold child first, so the hot one is walked first
        for child, frac_one in ((cold, 0.0), (hot, incoming_one)):
            top += 1
            stack_i[top, 0] = child
            stack_i[top, 1] = level + 1
            stack_i[top, 2] = depth + 1
            stack_i[top, 3] = feature
            stack_f[top, 0] = incoming_zero * node_floats[child, COVER] / cover
            stack_f[top, 1] = frac_one


def _rows_shap(X, ensemble, trees, max_depth, n_outputs):
    """SHAP values of every row: ndarray (n_rows, n_features, n_outputs)."""
    n_rows, n_features = X.shape
    phi = np.zeros((n_rows, n_features, n_outputs))
    width = max_depth + 2
    for r in prange(n_rows):
        # buffers of this row (a thread's own under parallel=True)
        buffers = (
            np.zeros((width, width), dtype=np.int64),
            np.zeros((width, width)),
            np.zeros((width, width)),
            np.zeros((width, width)),
            np.zeros((2 * width, 4), dtype=np.int64),
            np.zeros((2 * width, 2)),
        )
        for t in range(trees.shape[0]):
            _tree_shap(X[r], trees[t, 0], trees[t, 1], ensemble, phi[r], buffers)
    return phi


#: Serial kernel; ``rows_shap_parallel`` spreads the rows over numba's threads.
rows_shap = njit(cache=True)(_rows_shap)
rows_shap_parallel = njit(cache=True, parallel=True)(_rows_shap)


@njit(cache=True)
def leaf_weights(node_ints, node_floats, trees):
    """Each node's share of its tree's root cover, as the path-dependent
    expectation weighs it: the product of ``cover(child) / cover(parent)``
    down to the node (children come after their parent in the arrays)."""
    weight = np.zeros(node_ints.shape[0])
    for t in range(trees.shape[0]):
        weight[trees[t, 0]] = 1.0
    for node in range(node_ints.shape[0]):
        left = node_ints[node, LEFT]
        if left < 0:
            continue
        cover = node_floats[node, COVER]
        for child in (left, node_ints[node, RIGHT]):
            weight[child] = weight[node] * node_floats[child, COVER] / cover
    return weight
