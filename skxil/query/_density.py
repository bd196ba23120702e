"""Information density and density-weighted sampling (Settles and Craven, 2008)."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from sklearn.utils._param_validation import Interval, validate_params

from ._distances import mean_similarities, numeric_views
from ._strategies import (
    _PROBA_CONSTRAINTS,
    _UNCERTAINTY,
    _check_n_instances,
    _pool_scores,
    _pool_size,
    _select,
    with_ranking_parameters,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from ..utils._typing import MatrixLike, NDArray, RandomStateLike

__all__ = ["density_weighted_sampling", "information_density"]


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "metric": [str, callable],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def information_density(
    X: MatrixLike,
    metric: str | Callable = "euclidean",
    *,
    n_jobs: int | None = None,
) -> NDArray[np.float64]:
    """Mean similarity of each row to all rows of ``X``.

    The similarity of two rows at distance ``d`` is ``1 / (1 + d)``, so the
    density of a row is ``mean_j 1 / (1 + d(x_i, x_j))`` (the row itself
    included), as in modAL's ``information_density``. A row in a dense region
    of the pool is representative of many others.

    The ``n_samples ** 2`` distances are computed a block of rows at a time, so
    the memory stays bounded, but the time grows quadratically with the pool.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        Rows whose density to compute. Arrays and sparse matrices are converted
        to float64 and the categorical columns of a DataFrame are one-hot
        encoded; other inputs raise a TypeError.

    metric : str or callable, default="euclidean"
        Distance passed to :func:`sklearn.metrics.pairwise_distances`.

    n_jobs : int, default=None
        Number of jobs for the distance computations.

    Returns
    -------
    density : ndarray of shape (n_samples,), dtype=float64
        Information density of each row, in (0, 1].

    See Also
    --------
    density_weighted_sampling : Query uncertain rows in dense regions.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.query import information_density
    >>> X = np.array([[0.0], [1.0], [10.0]])
    >>> information_density(X).round(3)
    array([0.53 , 0.533, 0.397])
    """
    if _pool_size(X, "information_density") == 0:
        raise ValueError("X is empty (0 samples); its density is undefined.")
    X_num, _ = numeric_views(X, None, "information_density")
    return mean_similarities(X_num, metric, n_jobs)


@validate_params(
    {
        **_PROBA_CONSTRAINTS,
        "beta": [Interval(Real, 0, None, closed="left")],
        "metric": [str, callable],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=False,
)
@with_ranking_parameters
def density_weighted_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    beta: float = 1,
    metric: str | Callable = "cosine",
    n_jobs: int | None = None,
    random_tie_break: bool = False,
    random_state: RandomStateLike = None,
    chunk_size: int | None = None,
    **predict_proba_kwargs,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query uncertain rows that are representative of the pool.

    Settles and Craven's information-density framework: the score of a row is
    ``u(x) * density(x) ** beta``, where ``u(x) = 1 - max_k P(y = k | x)`` is the
    classification uncertainty and ``density`` is :func:`information_density`
    of the pool. Outliers, which are uncertain but teach little about the rest
    of the pool, are down-weighted.

    Batches (``n_instances > 1``) are the ``n_instances`` best rows and are
    **not diverse**: neighbours in a dense uncertain region score alike. Use
    :func:`ranked_batch_sampling` for diverse batches.

    The density takes time quadratic in the pool size (memory stays bounded).

    Parameters
    ----------
    classifier : estimator
        Classifier with a ``predict_proba`` method. If ``predict_proba`` raises
        :class:`~sklearn.exceptions.NotFittedError`, every row has uncertainty 1
        and the densest rows are queried.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        The pool to query from, passed to ``predict_proba`` unchanged. For the
        density, arrays and sparse matrices are converted to float64 and the
        categorical columns of a DataFrame are one-hot encoded; other pools
        raise a TypeError.

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``.

    beta : float >= 0, default=1
        Exponent of the density; 0 gives plain uncertainty sampling.

    metric : str or callable, default="cosine"
        Distance passed to :func:`sklearn.metrics.pairwise_distances` for the
        density.

    n_jobs : int, default=None
        Number of jobs for the distance computations.

    %(ranking_parameters)s

    **predict_proba_kwargs : dict
        Keyword arguments passed to ``classifier.predict_proba``.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, best first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Density-weighted uncertainty of the queried rows.

    See Also
    --------
    information_density : The density term.
    uncertainty_sampling : The uncertainty term alone.
    ranked_batch_sampling : Diverse batches.

    References
    ----------
    .. [1] B. Settles and M. Craven, "An analysis of active learning strategies
       for sequence labeling tasks", EMNLP 2008, pp. 1070-1079.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.query import density_weighted_sampling, uncertainty_sampling
    >>> clf = LogisticRegression().fit(
    ...     [[-2.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [3.0, 0.0]], [0, 0, 1, 1]
    ... )

    Row 0 is the most uncertain but far from the others; density weighting
    prefers the uncertain rows of the cluster:

    >>> X = np.array([[0.5, 20.0], [0.8, 0.0], [0.9, 0.0], [1.0, 0.0], [1.1, 0.0]])
    >>> uncertainty_sampling(clf, X, n_instances=2)[0]
    array([0, 1])
    >>> query_idx, scores = density_weighted_sampling(
    ...     clf, X, n_instances=2, metric="euclidean"
    ... )
    >>> query_idx
    array([1, 2])
    """
    n_pool = _pool_size(X, "density_weighted_sampling")
    n_instances = _check_n_instances(n_instances, n_pool)
    uncertainty = _pool_scores(
        _UNCERTAINTY, classifier, X, n_pool, chunk_size, predict_proba_kwargs
    )
    X_num, _ = numeric_views(X, None, "density_weighted_sampling")
    density = mean_similarities(X_num, metric, n_jobs)
    scores = uncertainty * density**beta
    return _select(
        scores,
        n_instances,
        largest=True,
        random_tie_break=random_tie_break,
        random_state=random_state,
    )
