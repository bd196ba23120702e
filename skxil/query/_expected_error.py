"""Expected error reduction (Roy and McCallum), the query modAL ships but cannot import.

``modAL.expected_error`` fails to import on NumPy 2 (it annotates with
``np.float``); this is skxil's version, with modAL's signature plus
``random_state`` and the labelled rows of a :class:`~skxil.CaipiClassifier`.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._training_set import concat_rows, like
from ._strategies import (
    _PROBA_CONSTRAINTS,
    _check_n_instances,
    _entropy,
    _pool_size,
    _predict_proba,
    _row_chunks,
    _select,
    _uncertainty,
    with_ranking_parameters,
)

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike, NDArray, RandomStateLike

_LOSSES = {"binary": _uncertainty, "log": _entropy}


def _training_data(classifier, X_labelled, y_labelled):
    """The rows and labels the classifier was fitted on, and an unfitted copy.

    A CaipiClassifier's whole training set (real rows and counterexamples),
    a modAL learner's ``X_training``, or the given ``X_labelled``.
    """
    if X_labelled is not None:
        if y_labelled is None:
            raise ValueError("X_labelled needs y_labelled (their labels).")
        estimator = getattr(classifier, "estimator_", classifier)
        return X_labelled, np.asarray(y_labelled), clone(estimator)
    training_set = getattr(classifier, "training_set_", None)
    if training_set is not None:
        return training_set.X, training_set.y, clone(classifier.estimator_)
    if getattr(classifier, "X_training", None) is not None:
        return classifier.X_training, np.asarray(classifier.y_training), clone(
            classifier.estimator
        )
    raise ValueError(
        "expected_error_reduction refits the classifier with each candidate row: "
        "give its labelled rows as X_labelled and y_labelled, or use a "
        "CaipiClassifier or skxil.modal.ActiveLearner, which keep them."
    )


@validate_params(
    {
        **_PROBA_CONSTRAINTS,
        "loss": [StrOptions(set(_LOSSES))],
        "p_subsample": [Interval(Real, 0, 1, closed="both")],
        "X_labelled": ["array-like", "sparse matrix", None],
        "y_labelled": ["array-like", None],
    },
    prefer_skip_nested_validation=False,  # it fits the user's estimator
)
@with_ranking_parameters
def expected_error_reduction(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    loss: str = "binary",
    p_subsample: float = 1.0,
    X_labelled: MatrixLike | None = None,
    y_labelled: ArrayLike | None = None,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose label is expected to reduce the pool's error most.

    Roy and McCallum's expected error reduction, as in modAL's
    ``expected_error_reduction`` (which does not import on NumPy 2). For each
    candidate row ``x`` and each class ``y`` the estimator is refitted on the
    labelled rows plus ``(x, y)``; the expected error of ``x`` is

        ``sum_y P(y | x) * sum_{x' in pool, x' != x} loss(x')``

    with ``loss`` the refitted model's uncertainty ``1 - max_k P(k | x')``
    (``"binary"``) or its entropy (``"log"``). The rows with the smallest
    expected error come first. It costs ``n_classes`` refits per candidate:
    ``p_subsample`` keeps each candidate with that probability (the others
    get an infinite error), for large pools.

    Parameters
    ----------
    classifier : estimator
        Fitted classifier with ``predict_proba``. The refits use an unfitted
        clone of its estimator on its labelled rows, unweighted: a
        :class:`~skxil.CaipiClassifier`'s whole training set (real rows and
        counterexamples), a modAL learner's ``X_training``, or
        ``X_labelled``/``y_labelled``. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row scores 0.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The pool to query from.

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``. The batch is the
        best-scored rows and is not diverse.

    loss : {"binary", "log"}, default="binary"
        Per-row loss of the refitted model: uncertainty or entropy.

    p_subsample : float in [0, 1], default=1.0
        Probability with which each pool row is a candidate (drawn with
        ``random_state``).

    X_labelled, y_labelled : array-like, default=None
        Labelled rows and labels to use instead of those stored in
        ``classifier``.

    %(ranking_parameters)s

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X``, smallest expected error first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Their expected errors.

    References
    ----------
    .. [1] N. Roy and A. McCallum, "Toward Optimal Active Learning through
       Sampling Estimation of Error Reduction", ICML 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil import CaipiClassifier
    >>> from skxil.query import expected_error_reduction
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> learner = CaipiClassifier(random_state=0).fit(X[:6], y[:6])
    >>> idx, errors = expected_error_reduction(learner, X[6:], n_instances=2)
    >>> idx.shape, bool(errors[0] <= errors[1])
    ((2,), True)
    """
    n_pool = _pool_size(X, "expected_error_reduction")
    _check_n_instances(n_instances, n_pool)
    rng = check_random_state(random_state)
    proba = _predict_proba(classifier, X, n_pool, {})
    if proba is None:  # cold start: nothing to refit
        return _select(
            np.zeros(n_pool), n_instances, largest=False,
            random_tie_break=random_tie_break, random_state=rng,
        )
    X_train, y_train, estimator = _training_data(classifier, X_labelled, y_labelled)
    classes = np.asarray(classifier.classes_)
    measure = _LOSSES[loss]
    errors = np.full(n_pool, np.inf)
    candidates = np.flatnonzero(rng.uniform(size=n_pool) <= p_subsample)
    for i in candidates.tolist():
        row = like(_safe_indexing(X, [i]), X_train)
        X_new = concat_rows(X_train, row)
        errors[i] = 0.0
        for k, label in enumerate(classes.tolist()):
            refit = clone(estimator).fit(X_new, np.append(y_train, label))
            pool_loss = measure(_refit_proba(refit, X, chunk_size))
            errors[i] += proba[i, k] * (pool_loss.sum() - pool_loss[i])
    return _select(
        errors, n_instances, largest=False,
        random_tie_break=random_tie_break, random_state=rng,
    )


def _refit_proba(estimator, X, chunk_size):
    """``estimator.predict_proba(X)``, ``chunk_size`` rows at a time."""
    n_pool = _pool_size(X)
    return np.concatenate(
        [
            np.asarray(estimator.predict_proba(rows))
            for _, _, rows in _row_chunks(X, n_pool, chunk_size)
        ]
    )
