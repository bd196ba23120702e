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
from numba import njit

# Columns of node_ints and node_floats.
LEFT, RIGHT, FEATURE, CATEGORY = 0, 1, 2, 3
THRESHOLD, COVER, MISSING_LEFT = 0, 1, 2


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
def _extend(paths, parent, row, n, split):
    """Row ``row`` of the paths: the parent's path of ``n`` elements (row
    ``parent``) extended by ``split = (feature, zero, one)``."""
    pd, pz, po, pw = paths
    feature, zero, one = split
    inv = 1.0 / (n + 1)
    if row != parent:
        for i in range(n):
            pd[row, i] = pd[parent, i]
            pz[row, i] = pz[parent, i]
            po[row, i] = po[parent, i]
    pd[row, n] = feature
    pz[row, n] = zero
    po[row, n] = one
    if n == 0:
        pw[row, 0] = 1.0
        return
    # descending, so that pw[parent, i - 1] is still the old weight when
    # row == parent
    pw[row, n] = one * pw[parent, n - 1] * n * inv
    for i in range(n - 1, 0, -1):
        pw[row, i] = (
            zero * pw[parent, i] * (n - i) + one * pw[parent, i - 1] * i
        ) * inv
    pw[row, 0] = zero * pw[parent, 0] * n * inv


@njit(cache=True, inline="always")
def _unwind(paths, row, depth, k):
    """Remove element ``k`` from the path whose last element is ``depth``."""
    pd, pz, po, pw = paths
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


@njit(cache=True, inline="always")
def _leaf(paths, row, depth, scratch, out):
    """Set ``out[i]`` to the leaf's factor ``unwound weight * (one - zero)``
    of every path element ``i`` but the first.

    A row's one fractions are 0 or 1 (products of "the row goes this way").
    An element with ``one == 0`` has the closed form ``-sum_j w_j (d + 1) /
    (d - j)``, the same for all of them. The others' unwound sums are
    computed together, element index innermost: each is a serial chain, but
    the chains are independent, so the inner loop vectorises.
    """
    pz, po, pw = paths[1], paths[2], paths[3]
    nxt, total, zero, where, ratios = scratch
    d = depth
    cold_sum = 0.0
    for j in range(d):
        cold_sum += pw[row, j] * ratios[0, d, j]
    n_hot = 0
    for i in range(1, d + 1):
        if po[row, i] != 0.0:
            where[n_hot] = i
            zero[n_hot] = pz[row, i]
            nxt[n_hot] = pw[row, d]
            total[n_hot] = 0.0
            n_hot += 1
        else:
            out[i] = -cold_sum
    for j in range(d - 1, -1, -1):
        a = ratios[1, d, j]
        b = ratios[2, d, j]
        wj = pw[row, j]
        for h in range(n_hot):
            tmp = nxt[h] * a
            total[h] += tmp
            nxt[h] = wj - tmp * zero[h] * b
    for h in range(n_hot):
        out[where[h]] = total[h] * (1.0 - zero[h])


@njit(cache=True)
def _ratios(width):
    """``(d + 1) / (d - j)``, ``(d + 1) / (j + 1)`` and ``(d - j) / (d + 1)``
    for path lengths ``d + 1`` and elements ``j < d`` of :func:`_leaf`."""
    ratios = np.zeros((3, width, width))
    for d in range(width):
        for j in range(d):
            ratios[0, d, j] = (d + 1) / (d - j)
            ratios[1, d, j] = (d + 1) / (j + 1)
            ratios[2, d, j] = (d - j) / (d + 1)
    return ratios


@njit(cache=True, inline="always")
def _tree_shap(X, rows, tree, ensemble, phi, buffers):
    """Add the SHAP values of tree ``tree = (root, first output)`` for the
    rows ``rows = (start, stop)`` of ``X`` to ``phi`` (n_rows, n_features,
    n_outputs)."""
    node_ints, node_floats, values, cat_left = ensemble
    paths, stack_i, stack_f, scratch, out = buffers
    pd = paths[0]
    pz = paths[1]
    po = paths[2]
    root, first_output = tree
    n_values = values.shape[1]
    for r in range(rows[0], rows[1]):
        # the node to visit: node, level, parent's path length, split feature,
        # zero and one fractions; cold children wait on the stack in the same form
        node, level, depth, feature = root, 0, 0, -1
        zero, one = 1.0, 1.0
        top = -1
        while True:
            _extend(paths, max(level - 1, 0), level, depth, (feature, zero, one))
            left = node_ints[node, LEFT]
            if left < 0:
                _leaf(paths, level, depth, scratch, out)
                for i in range(1, depth + 1):
                    f = pd[level, i]
                    for k in range(n_values):
                        phi[r, f, first_output + k] += out[i] * values[node, k]
                if top < 0:
                    break
                node, level, depth, feature = stack_i[top]
                zero, one = stack_f[top]
                top -= 1
                continue
            right = node_ints[node, RIGHT]
            feature = node_ints[node, FEATURE]
            if _goes_left(X[r, feature], node, node_ints, node_floats, cat_left):
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
                    _unwind(paths, level, depth, k)
                    depth -= 1
                    break
            cover = node_floats[node, COVER]
            depth += 1
            level += 1
            top += 1
            stack_i[top, 0] = cold
            stack_i[top, 1] = level
            stack_i[top, 2] = depth
            stack_i[top, 3] = feature
            stack_f[top, 0] = incoming_zero * node_floats[cold, COVER] / cover
            stack_f[top, 1] = 0.0
            # walk the hot child first
            node = hot
            zero = incoming_zero * node_floats[hot, COVER] / cover
            one = incoming_one


#: Rows per block: a block walks each tree for all its rows while the tree's
#: nodes are in cache.
BLOCK = 32


@njit(cache=True)
def _block(X, block, ensemble, trees, width, phi):
    """Add every tree's SHAP values for the rows of block ``block`` to
    ``phi``, with buffers of its own (a thread's under ``parallel=True``)."""
    paths = (
        np.zeros((width, width), dtype=np.int64),
        np.zeros((width, width)),
        np.zeros((width, width)),
        np.zeros((width, width)),
    )
    scratch = (
        np.zeros(width),
        np.zeros(width),
        np.zeros(width),
        np.zeros(width, dtype=np.int64),
        _ratios(width),
    )
    buffers = (
        paths,
        np.zeros((2 * width, 4), dtype=np.int64),
        np.zeros((2 * width, 2)),
        scratch,
        np.zeros(width),
    )
    rows = (block * BLOCK, min(X.shape[0], (block + 1) * BLOCK))
    for t in range(trees.shape[0]):
        _tree_shap(X, rows, (trees[t, 0], trees[t, 1]), ensemble, phi, buffers)


@njit(cache=True)
def rows_shap(X, ensemble, trees, max_depth, n_outputs):
    """SHAP values of every row: ndarray (n_rows, n_features, n_outputs)."""
    phi = np.zeros((X.shape[0], X.shape[1], n_outputs))
    for block in range((X.shape[0] + BLOCK - 1) // BLOCK):
        _block(X, block, ensemble, trees, max_depth + 2, phi)
    return phi


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
