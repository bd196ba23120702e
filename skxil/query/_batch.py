"""Ranked batch-mode sampling (Cardoso et al., 2017): diverse batches of queries."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._distances import (
    distances_to_row,
    mean_distances,
    min_distances,
    numeric_views,
    row,
)
from ._strategies import (
    _PROBA_CONSTRAINTS,
    _UNCERTAINTY,
    _check_n_instances,
    _pool_scores,
    _pool_size,
    with_ranking_parameters,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..utils._typing import MatrixLike, NDArray, RandomStateLike

__all__ = ["ranked_batch_sampling"]


def _labelled_rows(classifier, X_labelled):
    """The rows the classifier was trained on: explicit, skxil's, modAL's, or None."""
    if X_labelled is not None:
        return X_labelled
    training_set = getattr(classifier, "training_set_", None)
    if training_set is not None:
        return training_set.X_real
    # A modAL learner keeps its training rows in X_training.
    return getattr(classifier, "X_training", None)


@validate_params(
    {
        **_PROBA_CONSTRAINTS,
        "metric": [str, callable],
        "alpha": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
        "X_labelled": ["array-like", "sparse matrix", None],
    },
    prefer_skip_nested_validation=False,
)
@with_ranking_parameters
def ranked_batch_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    metric: str | Callable = "euclidean",
    alpha: str | float = "auto",
    n_jobs: int | None = None,
    X_labelled: MatrixLike | None = None,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query a diverse batch: uncertain rows far from the labelled ones and each other.

    Cardoso et al.'s ranked batch-mode sampling, as in modAL's
    ``uncertainty_batch_sampling``. Rows are picked one at a time; row ``x`` scores

        ``alpha * (1 - s(x)) + (1 - alpha) * u(x)``

    where ``u(x) = 1 - max_k P(y = k | x)`` is the classification uncertainty and
    ``s(x) = 1 / (1 + d)`` the similarity to the nearest row among the labelled
    rows and the rows already picked for this batch (``d`` a distance). Because
    every pick counts as labelled for the next one, the batch is **diverse**: a
    second row next to the first one loses its dissimilarity bonus. The order
    of the batch is the order of the picks, so it is ranked.

    Parameters
    ----------
    classifier : estimator
        Classifier with a ``predict_proba`` method. Its labelled rows are
        ``X_labelled`` if given, else ``classifier.training_set_.X_real`` (a
        :class:`~skxil.CaipiClassifier`), else ``classifier.X_training`` (a modAL
        learner). If there are none (cold start), the first pick is the row with
        the smallest mean distance to the pool, as in modAL, which takes time
        quadratic in the pool size. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row has uncertainty 1.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The pool to query from, passed to ``predict_proba`` unchanged. Distances
        need numbers: arrays and sparse matrices are converted to float64, and
        the categorical columns of a DataFrame are one-hot encoded (on the pool
        and the labelled rows together); other pools raise a TypeError.

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``.

    metric : str or callable, default="euclidean"
        Distance passed to :func:`sklearn.metrics.pairwise_distances`. The
        distances are computed in blocks of bounded memory.

    alpha : "auto" or float in [0, 1], default="auto"
        Weight of the dissimilarity against the uncertainty. "auto" is
        ``n_unlabelled / (n_unlabelled + n_labelled)``, recomputed before each
        pick with the picks counted as labelled, as in modAL.

    n_jobs : int, default=None
        Number of jobs for the distance computations. None or 1 computes the
        nearest-row distances with
        :func:`sklearn.metrics.pairwise_distances_argmin_min`, like modAL.

    X_labelled : array-like of shape (n_labelled, n_features), default=None
        Labelled rows to use instead of those stored in ``classifier``: an
        array, a sparse matrix, or a DataFrame with the columns of ``X``.

    %(ranking_parameters)s

    **predict_proba_kwargs : dict
        Keyword arguments passed to ``classifier.predict_proba``.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` in the order they were picked.

    scores : ndarray of shape (n_instances,), dtype=float64
        The score of each row when it was picked. (modAL returns the
        uncertainties of the rows instead.)

    See Also
    --------
    uncertainty_sampling : The same uncertainty without the diversity term; its
        batches are the ``n_instances`` most uncertain rows, which may be
        near-duplicates.
    density_weighted_sampling : Uncertainty weighted by representativeness.

    References
    ----------
    .. [1] T. N. C. Cardoso, R. M. Silva, S. Canuto, M. M. Moro and M. A.
       Gonçalves, "Ranked batch-mode active learning", Information Sciences
       379, 2017, pp. 313-337.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import ranked_batch_sampling
    >>> X_train = np.array([[-3.0], [-2.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X_train, [0, 0, 1, 1])
    >>> X_pool = np.array([[0.0], [0.1], [-0.1], [30.0]])

    Uncertainty sampling asks about two near-duplicates; the ranked batch
    trades the second one for a row far from everything seen so far:

    >>> from skxil.query import uncertainty_sampling
    >>> uncertainty_sampling(clf, X_pool, n_instances=2)[0]
    array([0, 1])
    >>> query_idx, scores = ranked_batch_sampling(
    ...     clf, X_pool, n_instances=2, X_labelled=X_train
    ... )
    >>> query_idx
    array([0, 3])
    """
    n_pool = _pool_size(X, "ranked_batch_sampling")
    n_instances = _check_n_instances(n_instances, n_pool)
    uncertainty = _pool_scores(
        _UNCERTAINTY, classifier, X, n_pool, chunk_size, predict_proba_kwargs
    )
    labelled = _labelled_rows(classifier, X_labelled)
    X_num, L_num = numeric_views(X, labelled, "ranked_batch_sampling")
    n_labelled = 0 if L_num is None else L_num.shape[0]

    if random_tie_break:
        order = check_random_state(random_state).permutation(n_pool)
    else:
        order = np.arange(n_pool)

    def best(scores):
        # The first maximum in the (possibly shuffled) order of the rows.
        return order[np.argmax(scores[order])]

    picked = np.zeros(n_pool, dtype=bool)
    query_idx = np.empty(n_instances, dtype=np.intp)
    query_scores = np.empty(n_instances)
    if L_num is None:
        nearest = None
    else:
        nearest = min_distances(X_num, L_num, metric, n_jobs)

    for step in range(n_instances):
        n_known = n_labelled + step
        if nearest is None:
            # Cold start: nothing to be dissimilar to; take the most central row.
            i = best(-mean_distances(X_num, metric, n_jobs))
            weight = 1.0 if alpha == "auto" else alpha
            score = weight + (1.0 - weight) * uncertainty[i]
        else:
            n_left = n_pool - step
            weight = n_left / (n_left + n_known) if alpha == "auto" else alpha
            similarity = 1.0 / (1.0 + nearest)
            scores = weight * (1.0 - similarity) + (1.0 - weight) * uncertainty
            scores[picked] = -np.inf
            i = best(scores)
            score = scores[i]
        picked[i] = True
        query_idx[step] = i
        query_scores[step] = score
        if step + 1 < n_instances:
            to_pick = distances_to_row(X_num, row(X_num, i), metric, n_jobs)
            nearest = to_pick if nearest is None else np.minimum(nearest, to_pick)
    return query_idx, query_scores
