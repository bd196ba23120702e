"""Query strategies: pick the pool rows whose labels (and explanations) to ask for.

Every strategy is a plain function with modAL's signature
``strategy(classifier, X, n_instances=1, **kwargs) -> (query_idx, scores)``, so it
can be handed to :class:`modAL.models.ActiveLearner` as ``query_strategy`` and to
skxil's :class:`~skxil.CaipiClassifier` alike.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from collections import namedtuple
from functools import partial
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import entr
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

# The pool helpers are imported from here by the other strategy modules.
from ._pool import (  # noqa: F401
    _check_n_instances,
    _pool_scores,
    _pool_size,
    _predict_proba,
    _row_chunks,
    _select,
    _top_n,
    map_pool,
    pool_size,
    rank_pool,
)

if TYPE_CHECKING:
    from ..utils._typing import MatrixLike, NDArray, RandomStateLike

__all__ = [
    "entropy_sampling",
    "margin_sampling",
    "random_sampling",
    "score_pool",
    "uncertainty_sampling",
]


def _uncertainty(proba):
    return 1.0 - np.max(proba, axis=1)


def _margin(proba):
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    top_two = -np.partition(-proba, 1, axis=1)[:, :2]
    return top_two[:, 0] - top_two[:, 1]


def _entropy(proba):
    # Rows are normalised to sum to one first, like scipy.stats.entropy (and
    # hence modAL) does; the natural logarithm is used and 0 * log(0) = 0.
    totals = proba.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        proba = np.where(totals > 0, proba / totals, 0.0)
    return entr(proba).sum(axis=1)


# How a strategy ranks the pool: the score of each row from the class
# probabilities, the score every row gets when the classifier is not fitted
# yet (cold start), and whether a larger score means more informative.
_Measure = namedtuple("_Measure", ["score", "cold_start", "largest"])

_UNCERTAINTY = _Measure(_uncertainty, cold_start=1.0, largest=True)
_MARGIN = _Measure(_margin, cold_start=0.0, largest=False)
_ENTROPY = _Measure(_entropy, cold_start=0.0, largest=True)

# The pool and the classifier are handed on unchanged: the pool may be any
# container the classifier accepts (array, DataFrame, sparse matrix, list of
# documents) and the classifier any object with predict_proba (a modAL
# learner, a CaipiClassifier), so only their use below can tell if they fit.
_CONSTRAINTS = {
    "classifier": "no_validation",
    "X": "no_validation",
    "n_instances": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}
_PROBA_CONSTRAINTS = {
    **_CONSTRAINTS,
    "random_tie_break": ["boolean"],
    "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
}


# How ties are broken and how many rows are scored at once: the same for every
# strategy that ranks the pool by a score (this module, _batch, _density,
# _committee).
RANKING_PARAMETERS_DOC = """random_tie_break : bool, default=False
        If False, rows with equal scores are returned in increasing row order.
        If True, ties are broken at random using ``random_state``.

    random_state : int, RandomState instance or None, default=None
        Seeds the tie breaking when ``random_tie_break=True``; ignored
        otherwise. Pass an int for reproducible results.

    chunk_size : int, default=None
        Number of pool rows scored at a time, which bounds the memory held for
        class probabilities (or predictions) on a large pool.
        None scores the whole pool in one call. The result does not depend on
        it, up to the rounding of the classifier's own arithmetic on fewer
        rows."""


def with_ranking_parameters(func):
    """Fill ``%(ranking_parameters)s`` into ``func``'s docstring."""
    if func.__doc__ is not None:  # python -OO strips docstrings
        func.__doc__ = func.__doc__.replace(
            "%(ranking_parameters)s", RANKING_PARAMETERS_DOC
        )
    return func


# The parameters after ``classifier`` mean the same for the three strategies
# that rank by class probabilities; their docstrings share one description.
_POOL_PARAMETERS_DOC = """X : {array-like, sparse matrix, DataFrame, dask array, dask DataFrame} \
            of shape (n_samples, n_features)
        The pool to query from. It is passed to ``predict_proba`` unchanged
        (``chunk_size`` rows at a time). A dask pool is scored one block at a
        time where its blocks are, each block's best ``n_instances`` rows are
        merged across blocks, and the pool is computed once, never gathered:
        the result is that of the computed pool in memory, except that with
        ``random_tie_break=True`` ties are broken by a hash of
        ``random_state``, the block and the row (reproducible, but not the
        in-memory draw). A float32 pool scored by a linear model is not
        copied to float64 (see the user guide on scaling).

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``. The batch is the
        ``n_instances`` best-scored rows and is **not diverse**: near-duplicate
        rows score alike and are queried together. See
        :func:`~skxil.query.ranked_batch_sampling` for diverse batches.

    %(ranking_parameters)s

    **predict_proba_kwargs : dict
        Keyword arguments passed to ``classifier.predict_proba``."""


def _with_pool_parameters(func):
    """Fill the shared parameter descriptions into ``func``'s docstring."""
    if func.__doc__ is not None:  # python -OO strips docstrings
        func.__doc__ = func.__doc__ % {
            "pool_parameters": _POOL_PARAMETERS_DOC.replace(
                "%(ranking_parameters)s", RANKING_PARAMETERS_DOC
            )
        }
    return func


# classifier.predict_proba is the caller's code and may validate its own
# parameters, so nested validation stays on.
@validate_params(_PROBA_CONSTRAINTS, prefer_skip_nested_validation=False)
@_with_pool_parameters
def uncertainty_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose most probable class is the least probable.

    The score of a row is its classification uncertainty
    ``1 - max_k P(y = k | x)``; the ``n_instances`` rows with the largest
    uncertainty are queried.

    Parameters
    ----------
    classifier : estimator
        Classifier with a ``predict_proba`` method, for instance a fitted
        scikit-learn classifier, a :class:`modAL.models.ActiveLearner` or a
        :class:`~skxil.CaipiClassifier`. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row gets the maximal
        uncertainty 1 (cold start), so the first rows of the pool are queried
        (or random rows with ``random_tie_break=True``).

    %(pool_parameters)s

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, most uncertain first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Uncertainty of the queried rows.

    See Also
    --------
    margin_sampling : Query the rows with the smallest top-two margin.
    entropy_sampling : Query the rows with the largest predictive entropy.
    random_sampling : Query rows uniformly at random.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import uncertainty_sampling
    >>> X = np.array([[-3.0], [-1.0], [0.1], [2.0], [4.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 0, 1, 1])
    >>> query_idx, scores = uncertainty_sampling(clf, X, n_instances=2)
    >>> query_idx
    array([3, 2])
    """
    return rank_pool(
        _UNCERTAINTY,
        classifier,
        X,
        n_instances,
        random_tie_break=random_tie_break,
        random_state=random_state,
        chunk_size=chunk_size,
        predict_proba_kwargs=predict_proba_kwargs,
    )


@validate_params(_PROBA_CONSTRAINTS, prefer_skip_nested_validation=False)
@_with_pool_parameters
def margin_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows with the smallest margin between the two likeliest classes.

    The score of a row is ``P(y = k1 | x) - P(y = k2 | x)`` where ``k1`` and
    ``k2`` are its most and second most probable classes; the ``n_instances``
    rows with the smallest margin are queried. A classifier that knows a single
    class gives every row the margin 0.

    Parameters
    ----------
    classifier : estimator
        Classifier with a ``predict_proba`` method, for instance a fitted
        scikit-learn classifier, a :class:`modAL.models.ActiveLearner` or a
        :class:`~skxil.CaipiClassifier`. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row gets the minimal
        margin 0 (cold start), so the first rows of the pool are queried (or
        random rows with ``random_tie_break=True``).

    %(pool_parameters)s

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, smallest margin first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Margin of the queried rows (smaller means more informative).

    See Also
    --------
    uncertainty_sampling : Query the rows with the least probable prediction.
    entropy_sampling : Query the rows with the largest predictive entropy.
    random_sampling : Query rows uniformly at random.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import margin_sampling
    >>> X = np.array([[-3.0], [-1.0], [0.1], [2.0], [4.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 0, 1, 1])
    >>> query_idx, scores = margin_sampling(clf, X, n_instances=2)
    >>> query_idx
    array([3, 2])
    """
    return rank_pool(
        _MARGIN,
        classifier,
        X,
        n_instances,
        random_tie_break=random_tie_break,
        random_state=random_state,
        chunk_size=chunk_size,
        predict_proba_kwargs=predict_proba_kwargs,
    )


@validate_params(_PROBA_CONSTRAINTS, prefer_skip_nested_validation=False)
@_with_pool_parameters
def entropy_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose predicted class distribution has the largest entropy.

    The score of a row is the Shannon entropy (natural logarithm)
    ``-sum_k P(y = k | x) log P(y = k | x)`` of its predicted class
    probabilities; the ``n_instances`` rows with the largest entropy are
    queried.

    Parameters
    ----------
    classifier : estimator
        Classifier with a ``predict_proba`` method, for instance a fitted
        scikit-learn classifier, a :class:`modAL.models.ActiveLearner` or a
        :class:`~skxil.CaipiClassifier`. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row gets the same
        score 0 (the number of classes is unknown, so modAL's value is kept),
        so the first rows of the pool are queried (or random rows with
        ``random_tie_break=True``).

    %(pool_parameters)s

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, largest entropy first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Entropy of the queried rows, in nats.

    See Also
    --------
    uncertainty_sampling : Query the rows with the least probable prediction.
    margin_sampling : Query the rows with the smallest top-two margin.
    random_sampling : Query rows uniformly at random.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import entropy_sampling
    >>> X = np.array([[-3.0], [-1.0], [0.1], [2.0], [4.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 0, 1, 1])
    >>> query_idx, scores = entropy_sampling(clf, X, n_instances=2)
    >>> query_idx
    array([3, 2])
    """
    return rank_pool(
        _ENTROPY,
        classifier,
        X,
        n_instances,
        random_tie_break=random_tie_break,
        random_state=random_state,
        chunk_size=chunk_size,
        predict_proba_kwargs=predict_proba_kwargs,
    )


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def random_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_state: RandomStateLike = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query rows uniformly at random, without replacement.

    The baseline strategy: the classifier is not consulted (it may be
    unfitted) and the rows are drawn uniformly without replacement.

    Parameters
    ----------
    classifier : estimator
        Ignored; present for a signature compatible with the other strategies
        and with modAL.

    X : {array-like, sparse matrix, DataFrame, dask array, dask DataFrame} \
            of shape (n_samples, n_features)
        The pool to query from. Only its number of rows is used (for a dask
        DataFrame, its partitions' lengths are computed).

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``. A random batch
        is diverse only by chance; see
        :func:`~skxil.query.ranked_batch_sampling` for diverse batches.

    random_state : int, RandomState instance or None, default=None
        Controls which rows are drawn. Pass an int for reproducible results.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Distinct row indices into ``X``, in the order they were drawn.

    scores : ndarray of shape (n_instances,), dtype=float64
        All zeros: random sampling gives no row a higher informativeness than
        another. Returned only for a signature compatible with the other
        strategies.

    See Also
    --------
    uncertainty_sampling : Query the rows with the least probable prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.query import random_sampling
    >>> X = np.zeros((10, 2))
    >>> query_idx, scores = random_sampling(None, X, n_instances=3, random_state=0)
    >>> len(set(query_idx.tolist()))
    3
    >>> scores
    array([0., 0., 0.])
    """
    n_pool = pool_size(X)
    n_instances = _check_n_instances(n_instances, n_pool)
    rng = check_random_state(random_state)
    query_idx = rng.choice(n_pool, size=n_instances, replace=False).astype(np.intp)
    return query_idx, np.zeros(n_instances)


_MEASURES = {"uncertainty": _UNCERTAINTY, "margin": _MARGIN, "entropy": _ENTROPY}


def _scores_of(rows, classifier, score, kwargs, counts=None):
    """One chunk's scores (runs where the chunk is, for a dask pool)."""
    if score == "predict":
        return classifier.predict(rows, **kwargs)
    if score == "wrong_reason":
        from ._explanation_based import _wrong_reason_scores

        return _wrong_reason_scores(classifier.explain(rows), counts)
    proba = _predict_proba(classifier, rows, _pool_size(rows), kwargs)
    if proba is None:
        raise NotFittedError(
            f"The classifier ({type(classifier).__name__}) is not fitted; fit it "
            "before scoring a pool with score_pool."
        )
    return proba if score == "proba" else _MEASURES[score].score(proba)


def _correction_counts(classifier):
    """How often each feature was corrected in the learner's training set."""
    from ._explanation_based import _corrected_feature_counts

    training_set = getattr(classifier, "training_set_", None)
    if training_set is None or not hasattr(classifier, "explain"):
        raise TypeError(
            "score_pool(score='wrong_reason') needs a fitted CaipiClassifier (it "
            f"explains every row); got {type(classifier).__name__}"
            + (" that is not fitted." if hasattr(classifier, "explain") else ".")
        )
    counts = _corrected_feature_counts(training_set)
    if not counts:
        raise ValueError(
            "score_pool(score='wrong_reason') scores rows by the features the "
            "person corrected, but this learner was taught no corrections; give "
            "corrections to fit or teach first."
        )
    return counts


@validate_params(
    {
        "classifier": "no_validation",
        "X": "no_validation",
        "score": [
            StrOptions(
                {"uncertainty", "margin", "entropy", "proba", "predict", "wrong_reason"}
            )
        ],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=False,
)
def score_pool(
    classifier: Any,
    X: MatrixLike,
    *,
    score: str = "uncertainty",
    chunk_size: int | None = None,
    **kwargs,
) -> Any:
    """Score every row of a pool, lazily and block by block for a dask pool.

    The per-row scores the query strategies rank by, the class probabilities
    or the predictions, for pools too large to rank at once or to keep: a
    dask pool gives a dask array with one block per pool block, computed
    where the blocks are when it is computed (or stored, e.g. with
    ``dask.array.to_zarr``), never gathered on one machine. A float32 pool
    scored by a linear model stays float32 (see the user guide).

    Parameters
    ----------
    classifier : estimator
        Fitted classifier with ``predict_proba`` (``predict`` for
        ``score="predict"``), e.g. a :class:`~skxil.CaipiClassifier`.

    X : {array-like, sparse matrix, DataFrame, dask array, dask DataFrame} \
            of shape (n_samples, n_features)
        The pool, passed to the classifier one chunk (in memory) or one
        block (dask) at a time.

    score : {"uncertainty", "margin", "entropy", "proba", "predict", \
            "wrong_reason"}, default="uncertainty"
        What to compute per row: the score of
        :func:`uncertainty_sampling`, :func:`margin_sampling` or
        :func:`entropy_sampling`, the class probabilities (one column per
        class of ``classifier.classes_``), the predicted label, or the
        wrong-reason score of :func:`wrong_reason_sampling`: the share of the
        row's explanation on features the person corrected before, weighted
        by how often each was corrected (0 when the explanation avoids them).
        ``"wrong_reason"`` explains every row, so it needs a fitted
        :class:`~skxil.CaipiClassifier` taught with corrections, and costs
        an explanation per row (about 0.04 ms with the linear explainer,
        a few ms with LIME).

    chunk_size : int, default=None
        Rows given to the classifier at a time (within each block of a dask
        pool). None gives it a whole pool or block at once.

    **kwargs : dict
        Passed to ``classifier.predict_proba`` (``predict``).

    Returns
    -------
    scores : ndarray or dask array of shape (n_samples,) or (n_samples, n_classes)
        A dask array, not computed yet, for a dask pool.

    Raises
    ------
    NotFittedError
        If the classifier is not fitted (for a dask pool, when computed).

    See Also
    --------
    uncertainty_sampling : Query the rows with the largest uncertainty.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import score_pool
    >>> X = np.array([[-3.0], [-1.0], [0.1], [2.0], [4.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 0, 1, 1])
    >>> scores = score_pool(clf, da.from_array(X, chunks=2))
    >>> scores.chunks
    ((2, 2, 1),)
    >>> bool(np.allclose(scores.compute(), score_pool(clf, X)))
    True
    """
    tail, dtype, counts = (), np.float64, None
    if score == "wrong_reason":
        counts = _correction_counts(classifier)
    if score in ("proba", "predict"):
        classes = getattr(classifier, "classes_", None)
        if classes is None:
            raise TypeError(
                f"score_pool(score={score!r}) needs the classifier's classes_ (the "
                f"columns or labels of the result); {type(classifier).__name__} "
                "has none. Is it fitted?"
            )
        if score == "proba":
            tail = (len(classes),)
        else:
            dtype = np.asarray(classes).dtype
    func = partial(
        _scores_of, classifier=classifier, score=score, kwargs=kwargs, counts=counts
    )
    return map_pool(func, X, tail=tail, dtype=dtype, chunk_size=chunk_size)
