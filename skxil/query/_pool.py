"""Scoring a pool: per-row scores and the top-n rows, in memory or on dask.

Every strategy that ranks the pool by a per-row score goes through this
module. An in-memory pool (array, sparse matrix, DataFrame, documents) is
scored ``chunk_size`` rows at a time and ranked with a partial sort. A dask
array or dask DataFrame pool is scored block by block where its blocks live:
each block yields its own best ``n`` rows (with its number of rows), and the
candidates are merged in a tree until the global best ``n`` remain, so the
pool is computed once and never gathered on one machine.

Both paths order rows by ``(key, tie)``, where ``key`` is the score (negated
when larger is better) and ``tie`` the row index, with NaN keys last, which is
what a stable sort of the whole pool gives. Since each of the global best
``n`` rows is among the best ``n`` of its own block under that total order,
merging per-block candidates gives exactly the in-memory result.
"""

# Authors: The skxil developers
# License: BSD 3 clause

import sys
from contextvars import ContextVar

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _num_samples

from ..utils._validation import check_query_result

# How many candidate lists one merge task combines: a tree of depth
# log_8(n_blocks), so no task holds more than 8 * n_instances candidates.
_SPLIT_EVERY = 8


# --------------------------------------------------------------- the pool
def is_dask_pool(X):
    """Whether ``X`` is a dask collection (without importing dask if unused)."""
    if "dask" not in sys.modules:
        return False
    from dask.base import is_dask_collection

    return is_dask_collection(X)


def _check_n_instances(n_instances, n_pool):
    """Check ``n_instances`` against a pool of ``n_pool`` rows.

    ``validate_params`` has already checked that it is an integer of at least
    1; what it cannot know is the size of the pool, nor that a bool, which
    Python counts as an integer, is never meant as a number of rows.
    """
    if n_pool == 0:
        raise ValueError(
            "The pool X is empty (0 samples); at least one sample is needed to "
            "query from."
        )
    if isinstance(n_instances, bool):
        raise TypeError(
            f"n_instances must be an integer, got {n_instances!r} of type "
            f"{type(n_instances).__name__}."
        )
    if n_instances > n_pool:
        raise ValueError(
            f"n_instances must be between 1 and the pool size ({n_pool} samples), "
            f"got n_instances={n_instances}."
        )
    return int(n_instances)


def _pool_size(X, strategy=None):
    """Number of rows of an in-memory pool, whatever its container.

    A dask pool is refused here: only the strategies that score it block by
    block (through :func:`rank_pool`) accept one; ``strategy`` names the
    strategy in the message.
    """
    if is_dask_pool(X):
        name = strategy or "This query strategy"
        raise TypeError(
            f"{name} needs the whole pool in memory at once and does not accept "
            f"a dask pool ({type(X).__name__}). Use uncertainty_sampling, "
            "margin_sampling, entropy_sampling or random_sampling, which score "
            "a dask pool block by block, or pass X.compute() if it fits in "
            "memory."
        )
    try:
        return _num_samples(X)
    except TypeError as exc:
        raise TypeError(
            f"The pool X must be array-like or a sparse matrix, got {type(X).__name__}."
        ) from exc


def _dask_blocks(X):
    """The row blocks of a dask pool as delayed objects, in row order."""
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(X, da.Array) and X.ndim == 2:
        if X.numblocks[1] > 1:
            # A block must hold whole rows; this regroups columns lazily.
            X = X.rechunk({1: -1})
        return list(X.to_delayed()[:, 0])
    if isinstance(X, dd.DataFrame):
        return list(X.to_delayed())
    raise TypeError(
        "A dask pool must be a 2-D dask array or a dask DataFrame, got "
        f"{type(X).__name__}"
        + (f" with {X.ndim} dimension(s)." if hasattr(X, "ndim") else ".")
    )


def _known_rows(X):
    """Rows of a dask pool if known without computing it, else None."""
    n_rows = X.shape[0] if hasattr(X, "chunks") else None
    return int(n_rows) if n_rows is not None and not np.isnan(n_rows) else None


def pool_size(X):
    """Number of rows of any pool; a dask pool's block lengths are computed
    (only their lengths) when they are not known."""
    if not is_dask_pool(X):
        return _pool_size(X)
    return int(sum(_block_lengths(X, _dask_blocks(X))))


def _delayed(func):
    import dask

    return dask.delayed(func, pure=True)


# -------------------------------------------------- in-memory scoring
def _row_chunks(X, n_pool, chunk_size):
    """``(start, stop, rows)`` of consecutive slices of at most ``chunk_size`` rows.

    ``chunk_size=None`` yields the whole pool unchanged, in one piece. Sparse
    formats without row slicing (COO, DIA) are converted to CSR once.
    """
    if chunk_size is None or chunk_size >= n_pool:
        yield 0, n_pool, X
        return
    if sp.issparse(X) and X.format not in ("csr", "csc", "lil", "dok"):
        X = X.tocsr()
    for start in range(0, n_pool, chunk_size):
        stop = min(start + chunk_size, n_pool)
        yield start, stop, _safe_indexing(X, slice(start, stop))


def _predict_proba(classifier, X, n_pool, predict_proba_kwargs):
    """Class probabilities of the pool, or ``None`` if the classifier is unfitted.

    A float32 pool scored by a linear model is scored in float32 (see
    :mod:`skxil.query._float32`) instead of being copied to float64; trees
    and forests are replayed in numba (see :mod:`skxil.query._trees`).
    """
    from ._float32 import float32_proba
    from ._trees import tree_proba

    proba = None
    for fast_path in () if predict_proba_kwargs else (float32_proba, tree_proba):
        proba = fast_path(classifier, X)
        if proba is not None:
            break
    if proba is None:
        try:
            proba = classifier.predict_proba(X, **predict_proba_kwargs)
        except NotFittedError:
            return None
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != n_pool:
        raise ValueError(
            "classifier.predict_proba(X) must return an array of shape "
            f"(n_samples, n_classes) = ({n_pool}, n_classes), got shape {proba.shape}."
        )
    return proba


def _pool_scores(measure, classifier, X, n_pool, chunk_size, kwargs):
    """Score every pool row with ``measure``, ``chunk_size`` rows at a time.

    Only one chunk's class probabilities are held at once; the scores are
    those of a single call on the whole pool. The cold-start score is used for
    every row if the classifier is not fitted.
    """
    scores = np.empty(n_pool)
    for start, stop, rows in _row_chunks(X, n_pool, chunk_size):
        proba = _predict_proba(classifier, rows, stop - start, kwargs)
        if proba is None:
            scores.fill(measure.cold_start)
            break
        scores[start:stop] = measure.score(proba)
    return scores


# ------------------------------------------------------------- ranking
def _top_n(keys, n_instances):
    """Indices of the ``n_instances`` smallest ``keys``, smallest first.

    Equals ``np.argsort(keys, kind="stable")[:n_instances]`` (ties in increasing
    index order, NaN last) but costs O(n + k log k) instead of O(n log n): a
    partition finds the ``n_instances``-th smallest key, every key below it is
    kept and the ties at it are filled in by increasing index, and only those
    ``n_instances`` rows are sorted.
    """
    n_pool = keys.shape[0]
    if n_instances >= n_pool:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, n_instances - 1)[n_instances - 1]
    if np.isnan(kth):
        # Fewer than n_instances numbers: the NaN rows are needed, by index.
        return np.argsort(keys, kind="stable")[:n_instances]
    below = np.flatnonzero(keys < kth)
    tied = np.flatnonzero(keys == kth)[: n_instances - below.shape[0]]
    candidates = np.concatenate([below, tied])
    candidates.sort()
    return candidates[np.argsort(keys[candidates], kind="stable")]


def _smallest(keys, ties, n_instances):
    """Positions of the ``n_instances`` smallest ``(keys, ties)`` pairs, in order.

    ``ties`` are distinct, so the order is total; NaN keys come last (and
    among themselves in the order of ``ties``), as in :func:`_top_n`.
    """
    if n_instances < keys.shape[0]:
        kth = np.partition(keys, n_instances - 1)[n_instances - 1]
        if not np.isnan(kth):
            candidates = np.flatnonzero(keys <= kth)
            order = np.lexsort((ties[candidates], keys[candidates]))
            return candidates[order[:n_instances]]
    return np.lexsort((ties, keys))[:n_instances]


def _select(scores, n_instances, *, largest, random_tie_break, random_state):
    """Indices of the ``n_instances`` best scores, best first.

    Ties keep the order of the rows (lowest index first) unless
    ``random_tie_break`` is True, in which case the rows are shuffled with
    ``random_state`` before a stable sort, so tied rows come out in random order.
    Only the selected rows are sorted (see :func:`_top_n`); the result is that
    of a full stable sort.
    """
    keys = -scores if largest else scores
    if random_tie_break:
        rng = check_random_state(random_state)
        permutation = rng.permutation(scores.shape[0])
        order = permutation[_top_n(keys[permutation], n_instances)]
    else:
        order = _top_n(keys, n_instances)
    query_idx = np.asarray(order[:n_instances], dtype=np.intp)
    return query_idx, scores[query_idx]


def rank_pool(
    measure,
    classifier,
    X,
    n_instances,
    *,
    random_tie_break=False,
    random_state=None,
    chunk_size=None,
    predict_proba_kwargs=None,
):
    """Query the ``n_instances`` rows of any pool that ``measure`` ranks first.

    Returns ``(query_idx, scores)``. A dask pool is scored block by block
    (:func:`_rank_dask`); any other pool in ``chunk_size`` slices.
    """
    kwargs = {} if predict_proba_kwargs is None else predict_proba_kwargs
    if is_dask_pool(X):
        ranked = _rank_dask(
            measure, classifier, X, n_instances, random_tie_break=random_tie_break,
            random_state=random_state, chunk_size=chunk_size, kwargs=kwargs,
        )
        return ranked.query_idx, ranked.scores
    n_pool = _pool_size(X)
    n_instances = _check_n_instances(n_instances, n_pool)
    scores = _pool_scores(measure, classifier, X, n_pool, chunk_size, kwargs)
    return _select(
        scores,
        n_instances,
        largest=measure.largest,
        random_tie_break=random_tie_break,
        random_state=random_state,
    )


def map_pool(func, X, *, tail=(), dtype=np.float64, chunk_size=None):
    """``func(rows)`` over a pool: per ``chunk_size`` rows in memory, per block on dask.

    ``func`` maps rows to an array of shape ``(n_rows,) + tail``. An in-memory
    pool gives the concatenated ndarray; a dask pool a lazy dask array with
    one block per pool block (rows as dask knows them, NaN if unknown),
    computed where the blocks are.
    """
    if not is_dask_pool(X):
        n_pool = _pool_size(X)
        out = np.empty((n_pool,) + tuple(tail), dtype=dtype)
        for start, stop, rows in _row_chunks(X, n_pool, chunk_size):
            out[start:stop] = func(rows)
        return out
    import dask
    import dask.array as da

    blocks = _dask_blocks(X)
    known = _known_rows(X) is not None
    lengths = X.chunks[0] if known else [np.nan] * len(blocks)
    # One node of the graph, read by every block task, not a copy per task.
    func = dask.delayed(func, pure=True, traverse=False)
    pieces = [
        da.from_delayed(
            _delayed(map_pool)(func, block, tail=tail, dtype=dtype, chunk_size=chunk_size),
            shape=(n_rows,) + tuple(tail), dtype=dtype,
        )
        for block, n_rows in zip(blocks, lengths)
    ]
    return da.concatenate(pieces, axis=0)


# ------------------------------------------------------------ dask pools
class _Candidates:
    """The best rows of a run of consecutive blocks.

    ``n_rows`` rows were scored; ``index`` are the candidates' positions
    among them, ``scores`` their scores, ``ties`` their tie-break keys and
    ``rows`` the candidate rows themselves (or None when not kept).
    """

    def __init__(self, n_rows, index, scores, ties, rows):
        self.n_rows, self.index, self.scores = n_rows, index, scores
        self.ties, self.rows = ties, rows


def _tie_keys(seed, block, positions):
    """Random but reproducible tie-break keys of rows of one block.

    A hash (splitmix64) of the seed, the block number and the row's position
    in its block: no generator state travels between blocks, so every block
    draws its keys alone, in any order, on any worker.
    """
    with np.errstate(over="ignore"):
        z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = z + np.uint64(block) * np.uint64(0xBF58476D1CE4E5B9)
        z = positions.astype(np.uint64) + z
        for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            z = (z ^ (z >> np.uint64(shift))) * np.uint64(factor)
        return z ^ (z >> np.uint64(31))


def _block_candidates(block, number, classifier, measure, n_instances, options):
    """Score one block and keep its best ``n_instances`` rows (runs on a worker)."""
    n_rows = _num_samples(block)
    if n_rows == 0:  # e.g. a partition emptied by a filter
        nothing = np.empty(0, dtype=np.intp)
        ties = None if options["seed"] is None else nothing.astype(np.uint64)
        rows = block if options["keep_rows"] else None
        return _Candidates(0, nothing, np.empty(0), ties, rows)
    scores = _pool_scores(
        measure, classifier, block, n_rows, options["chunk_size"], options["kwargs"]
    )
    keys = -scores if measure.largest else scores
    n_keep = min(n_instances, n_rows)
    if options["seed"] is None:
        index, ties = _top_n(keys, n_keep), None
    else:
        all_ties = _tie_keys(options["seed"], number, np.arange(n_rows))
        index = _smallest(keys, all_ties, n_keep)
        ties = all_ties[index]
    rows = _safe_indexing(block, index) if options["keep_rows"] else None
    return _Candidates(n_rows, index, scores[index], ties, rows)


def _merge_candidates(parts, n_instances, largest):
    """The best ``n_instances`` of consecutive blocks' candidates."""
    offsets = np.cumsum([0] + [p.n_rows for p in parts[:-1]])
    index = np.concatenate([p.index + o for p, o in zip(parts, offsets)])
    scores = np.concatenate([p.scores for p in parts])
    ties = index if parts[0].ties is None else np.concatenate([p.ties for p in parts])
    keep = _smallest(-scores if largest else scores, ties, n_instances)
    rows = None
    if parts[0].rows is not None:
        rows = _safe_indexing(_concat_rows([p.rows for p in parts]), keep)
    return _Candidates(
        sum(p.n_rows for p in parts), index[keep], scores[keep],
        None if parts[0].ties is None else ties[keep], rows,
    )


def _concat_rows(parts):
    # Empty pieces would only blur the dtypes pandas infers.
    parts = [p for p in parts if _num_samples(p)] or parts[:1]
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts)
    if sp.issparse(parts[0]):
        return sp.vstack(parts, format="csr")
    return np.concatenate(parts)


class _Ranked:
    def __init__(self, query_idx, scores, n_pool, rows):
        self.query_idx, self.scores, self.n_pool, self.rows = (
            query_idx, scores, n_pool, rows,
        )


# CaipiClassifier.query sets this to ask the dask ranking for the selected rows
# too, so that they come back from the same pass over the pool; strategies keep
# modAL's (query_idx, scores) signature.
_KEEP_ROWS = ContextVar("skxil_keep_rows", default=None)


def _rank_dask(
    measure, classifier, X, n_instances, *, random_tie_break, random_state,
    chunk_size, kwargs,
):
    """Rank a dask pool block by block; see the module docstring."""
    import dask

    # Checked before the pass over the pool, against its size when dask knows it.
    known = _known_rows(X)
    n_instances = _check_n_instances(n_instances, np.inf if known is None else known)
    seed = None
    if random_tie_break:
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    sink = _KEEP_ROWS.get()
    options = {"chunk_size": chunk_size, "kwargs": kwargs, "seed": seed,
               "keep_rows": sink is not None}
    # The classifier is one node of the graph that every block task reads.
    learner = dask.delayed(classifier, pure=True, traverse=False)
    parts = [
        _delayed(_block_candidates)(block, i, learner, measure, n_instances, options)
        for i, block in enumerate(_dask_blocks(X))
    ]
    while len(parts) > 1:
        parts = [
            _delayed(_merge_candidates)(
                parts[i : i + _SPLIT_EVERY], n_instances, measure.largest
            )
            for i in range(0, len(parts), _SPLIT_EVERY)
        ]
    (best,) = dask.compute(parts[0])
    n_instances = _check_n_instances(n_instances, best.n_rows)
    ranked = _Ranked(
        np.asarray(best.index, dtype=np.intp), best.scores, best.n_rows, best.rows
    )
    if sink is not None:
        sink.append((X, ranked))
    return ranked


def _block_lengths(X, blocks):
    """Rows per block; computed (a pass that counts rows) if dask does not know."""
    import dask

    if _known_rows(X) is not None:
        return X.chunks[0]
    return dask.compute(*[_delayed(_num_samples)(b) for b in blocks])


def take_rows(X, query_idx, lengths=None):
    """``X[query_idx]`` of a dask pool, computing only the blocks that hold them.

    ``lengths`` are the rows per block; when None and dask does not know
    them, they are computed first (one pass that only counts rows).
    """
    import dask

    blocks = _dask_blocks(X)
    if lengths is None:
        lengths = _block_lengths(X, blocks)
    starts = np.cumsum((0,) + tuple(lengths))
    owner = np.searchsorted(starts, query_idx, side="right") - 1
    wanted = np.unique(owner)
    pieces = dask.compute(
        *[
            _delayed(_safe_indexing)(blocks[b], query_idx[owner == b] - starts[b])
            for b in wanted
        ]
    )
    # back from block order to the order of query_idx
    order = np.concatenate([np.flatnonzero(owner == b) for b in wanted])
    return _safe_indexing(_concat_rows(list(pieces)), np.argsort(order, kind="stable"))


def query_dask_pool(strategy, learner, X, n_instances, strategy_kwargs):
    """``(query_idx, X_query)`` of a query strategy on a dask pool.

    The rows ranked by :func:`_rank_dask` come back from its one pass over
    the pool; the rows other strategies pick are fetched by :func:`take_rows`.
    """
    sink = []
    token = _KEEP_ROWS.set(sink)
    try:
        result = strategy(learner, X, n_instances=n_instances, **strategy_kwargs)
    finally:
        _KEEP_ROWS.reset(token)
    ranked = next((r for pool, r in sink if pool is X), None)
    if ranked is not None:
        query_idx, _ = check_query_result(result, ranked.n_pool)
        if np.array_equal(query_idx, ranked.query_idx):
            return query_idx, ranked.rows
    lengths = _block_lengths(X, _dask_blocks(X))
    query_idx, _ = check_query_result(result, int(sum(lengths)))
    return query_idx, take_rows(X, query_idx, lengths)
