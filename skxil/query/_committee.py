"""Query by committee: the rows a committee of classifiers disagrees most about.

The measures follow modAL's ``modAL.disagreement``: vote entropy, consensus
entropy and maximum Kullback-Leibler disagreement. A committee is any object
with a ``learner_list`` (a modAL ``Committee``, skxil's) or a plain list of
fitted classifiers; each member needs ``predict`` (vote entropy) or
``predict_proba`` (the others) and ``classes_`` (or ``estimator.classes_``, as
modAL learners have). Members may know different classes: their probabilities
are aligned on the union of the classes, with 0 for a class a member does not
know.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import entr, rel_entr
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import validate_params

from ._strategies import (
    _PROBA_CONSTRAINTS,
    RANKING_PARAMETERS_DOC,
    _check_n_instances,
    _pool_size,
    _row_chunks,
    _select,
)

if TYPE_CHECKING:
    from ..utils._typing import MatrixLike, NDArray, RandomStateLike

__all__ = [
    "consensus_entropy",
    "consensus_entropy_sampling",
    "max_disagreement",
    "max_disagreement_sampling",
    "vote_entropy",
    "vote_entropy_sampling",
]


def _members(committee):
    """The list of classifiers of ``committee``, checked to be non-empty."""
    if hasattr(committee, "learner_list"):
        members = list(committee.learner_list)
    elif isinstance(committee, (list, tuple)):
        members = list(committee)
    else:
        raise TypeError(
            "committee must be an object with a learner_list attribute (such as "
            "a modAL Committee) or a list of fitted classifiers, got "
            f"{type(committee).__name__}."
        )
    if not members:
        raise ValueError("committee has no members; at least one classifier is needed.")
    return members


def _member_classes(member):
    classes = getattr(member, "classes_", None)
    if classes is None:
        classes = getattr(getattr(member, "estimator", None), "classes_", None)
    if classes is None:
        raise NotFittedError(
            f"Committee member {member!r} has no classes_; fit it first."
        )
    return np.asarray(classes)


def _all_classes(members):
    return np.unique(np.concatenate([_member_classes(m) for m in members]))


def _class_positions(labels, classes):
    """Positions of ``labels`` in the sorted ``classes``; -1 for unknown labels."""
    labels = np.asarray(labels)
    pos = np.searchsorted(classes, labels)
    pos = np.clip(pos, 0, classes.shape[0] - 1)
    return np.where(classes[pos] == labels, pos, -1)


def _member_proba(member, X, classes, n_rows, kwargs):
    """``member.predict_proba(X)`` with one column per class of the committee."""
    proba = np.asarray(member.predict_proba(X, **kwargs), dtype=np.float64)
    known = _member_classes(member)
    if proba.ndim != 2 or proba.shape != (n_rows, known.shape[0]):
        raise ValueError(
            f"predict_proba of committee member {member!r} must return an array "
            f"of shape (n_samples, n_classes) = ({n_rows}, {known.shape[0]}), got "
            f"shape {proba.shape}."
        )
    aligned = np.zeros((n_rows, classes.shape[0]))
    aligned[:, _class_positions(known, classes)] = proba
    return aligned


def _normalise(p):
    totals = p.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, p / totals, 0.0)


def _vote_entropy(members, classes, X, n_rows, kwargs):
    counts = np.zeros((n_rows, classes.shape[0]))
    rows = np.arange(n_rows)
    for member in members:
        pos = _class_positions(member.predict(X, **kwargs), classes)
        known = pos >= 0
        np.add.at(counts, (rows[known], pos[known]), 1.0)
    return entr(_normalise(counts / len(members))).sum(axis=1)


def _consensus_entropy(members, classes, X, n_rows, kwargs):
    consensus = np.zeros((n_rows, classes.shape[0]))
    for member in members:
        consensus += _member_proba(member, X, classes, n_rows, kwargs)
    return entr(_normalise(consensus / len(members))).sum(axis=1)


def _max_disagreement(members, classes, X, n_rows, kwargs):
    probas = [_member_proba(m, X, classes, n_rows, kwargs) for m in members]
    consensus = _normalise(np.mean(probas, axis=0))
    divergences = [rel_entr(_normalise(p), consensus).sum(axis=1) for p in probas]
    return np.max(divergences, axis=0)


def _disagreement(measure, committee, X, chunk_size, kwargs):
    """Score the pool with ``measure`` a chunk at a time.

    Every row scores 0 if a member is not fitted, as in modAL.
    """
    members = _members(committee)
    n_pool = _pool_size(X)
    scores = np.empty(n_pool)
    try:
        classes = _all_classes(members)
        for start, stop, rows in _row_chunks(X, n_pool, chunk_size):
            scores[start:stop] = measure(members, classes, rows, stop - start, kwargs)
    except NotFittedError:
        # modAL's cold start: no disagreement anywhere.
        return np.zeros(n_pool)
    return scores


_MEASURE_CONSTRAINTS = {
    "committee": "no_validation",
    "X": "no_validation",
    "chunk_size": _PROBA_CONSTRAINTS["chunk_size"],
}

_MEASURE_DOC = """Parameters
    ----------
    committee : object with ``learner_list``, or list of classifiers
        The committee: a modAL ``Committee`` or a list of fitted classifiers,
        each with ``%(method)s`` and ``classes_``. If a member is not fitted
        (no ``classes_``, or its method raises
        :class:`~sklearn.exceptions.NotFittedError`), every row scores 0.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The pool, passed to each member unchanged.

    chunk_size : int, default=None
        Number of rows passed to the members at a time, which bounds memory on
        a large pool. None passes the whole pool at once. The result does not
        depend on it.

    **predict_kwargs : dict
        Keyword arguments passed to each member's ``%(method)s``.

    Returns
    -------
    %(name)s : ndarray of shape (n_samples,), dtype=float64
        %(returns)s"""

_SAMPLING_DOC = (
    """Parameters
    ----------
    committee : object with ``learner_list``, or list of classifiers
        The committee: a modAL ``Committee`` or a list of fitted classifiers,
        each with ``%(method)s`` and ``classes_``. If a member is not fitted,
        every row scores 0 and the first rows are queried (random rows with
        ``random_tie_break=True``).

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The pool to query from, passed to each member unchanged.

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``. The batch is the
        ``n_instances`` highest scores and is **not diverse**; see
        :func:`ranked_batch_sampling` for diverse batches.

    """
    + RANKING_PARAMETERS_DOC
    + """

    **predict_kwargs : dict
        Keyword arguments passed to each member's ``%(method)s``.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, largest disagreement first.

    scores : ndarray of shape (n_instances,), dtype=float64
        %(returns)s"""
)


_EXAMPLE_SETUP = """>>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = [0, 0, 1, 1]
    >>> tree = DecisionTreeClassifier(random_state=0).fit(X[[0, 1, 3]], [0, 1, 1])
    >>> committee = [LogisticRegression().fit(X, y), tree]"""


def _doc(template, **fields):
    def decorate(func):
        if func.__doc__ is not None:
            func.__doc__ = func.__doc__ % {
                "parameters": template % fields,
                "setup": _EXAMPLE_SETUP,
            }
        return func

    return decorate


@validate_params(_MEASURE_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(
    _MEASURE_DOC,
    method="predict",
    name="vote_entropy",
    returns="Entropy (nats) of the members' votes.",
)
def vote_entropy(
    committee: Any,
    X: MatrixLike,
    *,
    chunk_size: int | None = None,
    **predict_kwargs,
) -> NDArray[np.float64]:
    """Entropy of the distribution of the committee's votes for each row.

    The vote distribution of a row is the fraction of members predicting each
    class, as in modAL's ``vote_entropy``.

    %(parameters)s

    Examples
    --------
    %(setup)s
    >>> from skxil.query import vote_entropy
    >>> vote_entropy(committee, X).round(3)
    array([0.   , 0.693, 0.   , 0.   ])
    """
    return _disagreement(_vote_entropy, committee, X, chunk_size, predict_kwargs)


@validate_params(_MEASURE_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(
    _MEASURE_DOC,
    method="predict_proba",
    name="consensus_entropy",
    returns="Entropy (nats) of the members' mean class probabilities.",
)
def consensus_entropy(
    committee: Any,
    X: MatrixLike,
    *,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> NDArray[np.float64]:
    """Entropy of the committee's consensus (mean) class probabilities for each row.

    As modAL's ``consensus_entropy``.

    %(parameters)s

    Examples
    --------
    %(setup)s
    >>> from skxil.query import consensus_entropy
    >>> consensus_entropy(committee, X).round(3)
    array([0.316, 0.618, 0.488, 0.316])
    """
    return _disagreement(
        _consensus_entropy, committee, X, chunk_size, predict_proba_kwargs
    )


@validate_params(_MEASURE_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(
    _MEASURE_DOC,
    method="predict_proba",
    name="max_disagreement",
    returns="Largest KL divergence (nats) of a member from the consensus.",
)
def max_disagreement(
    committee: Any,
    X: MatrixLike,
    *,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> NDArray[np.float64]:
    """Largest Kullback-Leibler divergence of a member from the consensus, per row.

    The consensus is the mean of the members' class probabilities; as modAL's
    ``KL_max_disagreement``.

    %(parameters)s

    Examples
    --------
    %(setup)s
    >>> from skxil.query import max_disagreement
    >>> max_disagreement(committee, X).round(3)
    array([0.101, 0.369, 0.212, 0.101])
    """
    return _disagreement(
        _max_disagreement, committee, X, chunk_size, predict_proba_kwargs
    )


_SAMPLING_CONSTRAINTS = {**_PROBA_CONSTRAINTS, "committee": "no_validation"}
del _SAMPLING_CONSTRAINTS["classifier"]


def _query(
    measure,
    committee,
    X,
    n_instances,
    random_tie_break,
    random_state,
    chunk_size,
    kwargs,
):
    n_pool = _pool_size(X, "Query by committee")
    n_instances = _check_n_instances(n_instances, n_pool)
    scores = _disagreement(measure, committee, X, chunk_size, kwargs)
    return _select(
        scores,
        n_instances,
        largest=True,
        random_tie_break=random_tie_break,
        random_state=random_state,
    )


@validate_params(_SAMPLING_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(_SAMPLING_DOC, method="predict", returns="Vote entropy of the queried rows.")
def vote_entropy_sampling(
    committee: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose votes are the most split across the committee.

    See :func:`vote_entropy` for the score.

    %(parameters)s

    See Also
    --------
    vote_entropy : The score.
    consensus_entropy_sampling, max_disagreement_sampling : Other disagreements.

    Examples
    --------
    %(setup)s
    >>> from skxil.query import vote_entropy_sampling
    >>> query_idx, scores = vote_entropy_sampling(committee, X, n_instances=2)
    >>> query_idx
    array([1, 0])
    """
    return _query(
        _vote_entropy,
        committee,
        X,
        n_instances,
        random_tie_break,
        random_state,
        chunk_size,
        predict_kwargs,
    )


@validate_params(_SAMPLING_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(
    _SAMPLING_DOC,
    method="predict_proba",
    returns="Consensus entropy of the queried rows.",
)
def consensus_entropy_sampling(
    committee: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose consensus class probabilities have the largest entropy.

    See :func:`consensus_entropy` for the score.

    %(parameters)s

    See Also
    --------
    consensus_entropy : The score.
    vote_entropy_sampling, max_disagreement_sampling : Other disagreements.

    Examples
    --------
    %(setup)s
    >>> from skxil.query import consensus_entropy_sampling
    >>> query_idx, scores = consensus_entropy_sampling(committee, X, n_instances=2)
    >>> query_idx
    array([1, 2])
    """
    return _query(
        _consensus_entropy,
        committee,
        X,
        n_instances,
        random_tie_break,
        random_state,
        chunk_size,
        predict_proba_kwargs,
    )


@validate_params(_SAMPLING_CONSTRAINTS, prefer_skip_nested_validation=False)
@_doc(
    _SAMPLING_DOC,
    method="predict_proba",
    returns="Max disagreement of the queried rows.",
)
def max_disagreement_sampling(
    committee: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows on which some member disagrees most with the consensus.

    See :func:`max_disagreement` for the score.

    %(parameters)s

    See Also
    --------
    max_disagreement : The score.
    vote_entropy_sampling, consensus_entropy_sampling : Other disagreements.

    Examples
    --------
    %(setup)s
    >>> from skxil.query import max_disagreement_sampling
    >>> query_idx, scores = max_disagreement_sampling(committee, X, n_instances=2)
    >>> query_idx
    array([1, 2])
    """
    return _query(
        _max_disagreement,
        committee,
        X,
        n_instances,
        random_tie_break,
        random_state,
        chunk_size,
        predict_proba_kwargs,
    )
