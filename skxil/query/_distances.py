"""Numeric views of pools and chunked distance reductions for the query strategies.

The strategies that look at the geometry of the pool (ranked batch, density)
need numbers. A pool that is already numeric (an array, a sparse matrix, a
DataFrame of numeric columns) is used as it is. A DataFrame with categorical
columns (str, object, ``category``, bool) is one-hot encoded with
:func:`pandas.get_dummies` on the rows of the pool and of the labelled set
together, so both get the same columns; numeric columns keep their values (and
scale). Anything else that does not convert to float (a list of documents, an
array of strings) raises a :class:`TypeError` that asks for a numeric encoding.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import (
    pairwise_distances,
    pairwise_distances_argmin_min,
    pairwise_distances_chunked,
)
from sklearn.utils import check_array

from .._frames import is_categorical_dtype
from ..utils._validation import _is_dataframe


def _as_numeric(X, name, caller):
    """``X`` as a float64 array or CSR matrix, or a TypeError that says why not."""
    try:
        return check_array(X, accept_sparse="csr", dtype=np.float64, input_name=name)
    except (TypeError, ValueError) as exc:
        if "NaN" in str(exc) or "infinity" in str(exc):
            raise
        raise TypeError(
            f"{caller} computes distances between rows and needs numeric features, "
            f"but {name} could not be converted to float ({exc}). Pass a numeric "
            "encoding of the rows (for instance the output of the preprocessing "
            "steps of a pipeline), or a DataFrame, whose categorical columns are "
            "one-hot encoded."
        ) from exc


def _one_hot_frames(frames):
    """One-hot encode the categorical columns of DataFrames with the same columns."""
    import pandas as pd

    columns = list(frames[0].columns)
    for frame in frames[1:]:
        if list(frame.columns) != columns:
            raise ValueError(
                "The labelled rows and the pool X must have the same columns to "
                f"be compared; got {list(frame.columns)} and {columns}."
            )
    categorical = [
        c for c, dtype in frames[0].dtypes.items() if is_categorical_dtype(dtype)
    ]
    if not categorical:
        return [frame.to_numpy(dtype=np.float64) for frame in frames]
    sizes = [frame.shape[0] for frame in frames]
    stacked = pd.concat(frames, axis=0, ignore_index=True)
    # Every categorical column as str first so that mixed-type object columns
    # and categories seen in only one of the frames encode alike.
    stacked[categorical] = stacked[categorical].astype(str)
    encoded = pd.get_dummies(stacked, columns=categorical, dtype=np.float64)
    values = encoded.to_numpy(dtype=np.float64)
    bounds = np.cumsum([0, *sizes])
    return [values[a:b] for a, b in pairwise(bounds)]


# Blocks of distances of at most this many MiB: small enough to stay in cache
# while they are reduced, which is several times faster on a large pool than
# scikit-learn's default working_memory (1 GiB).
_WORKING_MEMORY = 64


def numeric_views(X, X_labelled, caller):
    """Numeric views of the pool ``X`` and the labelled rows (``None`` if absent).

    Returns ``(X_num, L_num)``; ``L_num`` is None when there are no labelled
    rows. Both have the same number of features.
    """
    if X_labelled is not None and X_labelled.shape[0] == 0:
        X_labelled = None
    if _is_dataframe(X):
        frames = [X] if X_labelled is None else [X, X_labelled]
        if X_labelled is not None and not _is_dataframe(X_labelled):
            raise TypeError(
                "The pool X is a DataFrame but the labelled rows are a "
                f"{type(X_labelled).__name__}; pass both as DataFrames with the "
                "same columns."
            )
        views = _one_hot_frames(frames)
        X_num = views[0]
        L_num = views[1] if X_labelled is not None else None
    else:
        X_num = _as_numeric(X, "X", caller)
        L_num = None
        if X_labelled is not None:
            if _is_dataframe(X_labelled):
                X_labelled = _one_hot_frames([X_labelled])[0]
            L_num = _as_numeric(X_labelled, "X_labelled", caller)
    if L_num is not None and L_num.shape[1] != X_num.shape[1]:
        raise ValueError(
            f"The labelled rows have {L_num.shape[1]} features but the pool X has "
            f"{X_num.shape[1]}; they must describe the same features."
        )
    return X_num, L_num


def _reduce_rows(X, Y, reduce, metric, n_jobs):
    """``reduce(D, axis=1)`` of the distances ``D`` from ``X`` to ``Y`` (or ``X``).

    ``D`` is computed in blocks of rows of at most ``_WORKING_MEMORY`` MiB.
    """
    chunks = pairwise_distances_chunked(
        X,
        Y,
        reduce_func=lambda D, start: reduce(D, axis=1),
        metric=metric,
        n_jobs=n_jobs,
        working_memory=_WORKING_MEMORY,
    )
    return np.concatenate(list(chunks))


def min_distances(X, Y, metric, n_jobs):
    """Distance from each row of ``X`` to its nearest row of ``Y``.

    Computed in blocks of bounded memory.
    """
    if n_jobs is None or n_jobs == 1:
        # Chunked internally (scikit-learn's working_memory), like modAL.
        return pairwise_distances_argmin_min(X, Y, metric=metric)[1]
    return _reduce_rows(X, Y, np.min, metric, n_jobs)


def distances_to_row(X, x, metric, n_jobs):
    """Distance from each row of ``X`` to the single row ``x``, as a 1-D array.

    One column of distances is small, so it is computed in one call (the
    set-up of :func:`min_distances` costs more than the distances here).
    """
    return pairwise_distances(X, x, metric=metric, n_jobs=n_jobs).ravel()


def mean_similarities(X, metric, n_jobs):
    """Mean of ``1 / (1 + d(x, x'))`` over all rows ``x'`` of ``X`` (itself included).

    The ``n_samples ** 2`` distances are computed in blocks of rows of at most
    64 MiB, so memory stays bounded; time is quadratic in the number of rows.
    """
    return _reduce_rows(
        X, None, lambda D, axis: np.mean(1.0 / (1.0 + D), axis=axis), metric, n_jobs
    )


def mean_distances(X, metric, n_jobs):
    """Mean distance from each row of ``X`` to all rows of ``X``, in bounded memory."""
    return _reduce_rows(X, None, np.mean, metric, n_jobs)


def row(X, i):
    """Row ``i`` of a numeric array or CSR matrix, as a one-row 2-D block."""
    if sp.issparse(X):
        return X[[i]]
    return X[i : i + 1]
