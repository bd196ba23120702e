"""Validation of correction sets and other inputs shared across skxil."""

from __future__ import annotations

import sys
import warnings
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import Interval, validate_params

if TYPE_CHECKING:
    from ._typing import ArrayLike


def external_stacklevel():
    """``stacklevel`` that points ``warnings.warn`` at the caller's code.

    Counted from the function that calls ``warnings.warn`` (the caller of
    this helper): the first frame outside skxil and outside scikit-learn's
    ``validate_params`` wrapper, however deep the call came
    (``skip_file_prefixes`` needs Python 3.12).
    """
    frame, level = sys._getframe(2), 2
    while frame is not None and _internal(frame.f_globals.get("__name__", "")):
        frame, level = frame.f_back, level + 1
    return level


def warn_external(message, category=UserWarning):
    """Warn, pointing at the first caller outside skxil (the user's line)."""
    warnings.warn(message, category, stacklevel=external_stacklevel())


def _internal(module):
    return module == "skxil" or module.startswith(("skxil.", _VALIDATION_WRAPPER))


_VALIDATION_WRAPPER = "sklearn.utils._param_validation"


def check_query_result(result, n_pool):
    """A query strategy's return value as ``(query_idx, scores or None)``.

    Strategies return indices, or ``(indices, scores)`` (modAL's convention);
    the indices must be integers into a pool of ``n_pool`` rows.
    """
    scores = None
    if isinstance(result, tuple) and len(result) == 2 and np.ndim(result[0]) == 1:
        result, scores = result
    query_idx = np.asarray(result).reshape(-1)
    if query_idx.dtype.kind not in "iu":
        raise TypeError(
            "The query strategy must return integer row indices; got dtype "
            f"{query_idx.dtype}."
        )
    if query_idx.size and (query_idx.min() < 0 or query_idx.max() >= n_pool):
        raise ValueError(
            f"The query strategy returned index {int(query_idx.max())} (or a "
            f"negative one) for a pool of {n_pool} rows."
        )
    return query_idx, scores


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns") and hasattr(X, "dtypes")


@validate_params(
    {
        "corrections": "no_validation",  # every documented form is checked below
        "n_samples": [Interval(Integral, 0, None, closed="left")],
        "n_features": [Interval(Integral, 0, None, closed="left")],
        "feature_names": ["array-like", None],
        "accept_sparse": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def check_corrections(
    corrections: Any,
    n_samples: int,
    n_features: int,
    feature_names: ArrayLike | None = None,
    *,
    accept_sparse: bool = False,
    name: str = "corrections",
) -> Any:
    """Turn user-given correction sets into a boolean mask.

    A correction set names the features that the model relies on but should
    not. This helper accepts every form skxil documents and returns one dense
    boolean mask, raising a ``ValueError`` that names the offending row and
    feature otherwise.

    Parameters
    ----------
    corrections : None, sequence or array-like of shape (n_samples, n_features), \
            default=None
        One of:

        - ``None``: no row is corrected;
        - a boolean mask of shape ``(n_samples, n_features)``: a dense
          ndarray, a scipy sparse matrix (non-zero entries are corrected) or a
          pandas DataFrame of booleans. This is the form that
          :class:`~sklearn.model_selection.GridSearchCV` splits row by row;
        - a sequence of length ``n_samples`` with one entry per row: ``None``
          or empty (no correction), a collection of feature indices, a
          collection of column names (when ``feature_names`` is given), or a
          boolean mask of length ``n_features``.

    n_samples : int
        Number of rows the corrections refer to.

    n_features : int
        Number of features.

    feature_names : array-like of str, default=None
        Column names, to resolve corrections given by name.

    accept_sparse : bool, default=False
        If True, return a CSR matrix instead of a dense mask, so that wide
        data (e.g. a vocabulary of 10^5 words) never needs an
        ``n_samples x n_features`` array.

    name : str, default="corrections"
        The parameter the error messages name (e.g. ``"focus"`` for the
        features the model should rely on, given in the same forms).

    Returns
    -------
    mask : ndarray or CSR matrix of shape (n_samples, n_features), dtype=bool
        ``mask[i, j]`` is True when feature ``j`` of row ``i`` is corrected.
        A CSR matrix (canonical: sorted indices, no explicit False) when
        ``accept_sparse=True``.

    Raises
    ------
    ValueError
        If the number of entries does not match ``n_samples``, a mask has the
        wrong shape, or an entry names a feature that does not exist.

    Examples
    --------
    >>> from skxil.utils import check_corrections
    >>> check_corrections([None, [2], []], n_samples=3, n_features=3).astype(int)
    array([[0, 0, 0],
           [0, 0, 1],
           [0, 0, 0]])
    >>> check_corrections([["age"]], 1, 2, feature_names=["age", "zip"])
    array([[ True, False]])
    """
    mask = _corrections_mask(corrections, n_samples, n_features, feature_names, name)
    if accept_sparse:
        mask = sparse.csr_matrix(mask, dtype=bool, copy=True)
        mask.eliminate_zeros()
        mask.sum_duplicates()
        mask.sort_indices()
        return mask
    if sparse.issparse(mask):
        return np.asarray(mask.toarray() != 0)
    return mask


def _corrections_mask(corrections, n_samples, n_features, feature_names, name):
    """A dense mask or a sparse matrix (non-zero = corrected)."""
    one = "correction" if name == "corrections" else name
    if corrections is None:
        return sparse.csr_matrix((n_samples, n_features), dtype=bool)

    if sparse.issparse(corrections):
        if corrections.shape != (n_samples, n_features):
            raise ValueError(
                f"The {one} mask has shape {corrections.shape}, expected "
                f"(n_samples, n_features) = {(n_samples, n_features)}."
            )
        corrections = sparse.csr_matrix(corrections, copy=True)
        corrections.sum_duplicates()  # duplicates that cancel are no correction
        corrections.data = corrections.data != 0
        return corrections

    if _is_dataframe(corrections):
        from pandas.api.types import is_bool_dtype

        if not all(is_bool_dtype(d) for d in corrections.dtypes):
            raise ValueError(
                f"A DataFrame of {name} must hold booleans (a mask of shape "
                "(n_samples, n_features)); got dtypes "
                f"{sorted(set(map(str, corrections.dtypes)))}."
            )
        corrections = corrections.to_numpy(dtype=bool, na_value=False)

    if isinstance(corrections, np.ndarray) and corrections.ndim == 2:
        if corrections.dtype != bool:
            raise ValueError(
                f"A 2-D array of {name} must be a boolean mask of shape "
                f"(n_samples, n_features); got dtype {corrections.dtype}. Use "
                "mask.astype(bool), or one list of feature indices per row."
            )
        if corrections.shape != (n_samples, n_features):
            raise ValueError(
                f"The {one} mask has shape {corrections.shape}, "
                "expected (n_samples, n_features) = "
                f"{(n_samples, n_features)}."
            )
        return corrections.copy()
    elif isinstance(corrections, np.ndarray) and corrections.ndim != 1:
        raise ValueError(
            f"{name} must be a boolean mask of shape (n_samples, n_features) "
            f"or one collection per row; got an array with {corrections.ndim} "
            "dimensions."
        )

    if isinstance(corrections, (str, bytes)) or not hasattr(corrections, "__len__"):
        raise ValueError(
            f"{name} must be None, a boolean mask of shape "
            "(n_samples, n_features) or a sequence with one correction set per "
            f"row; got {type(corrections).__name__}."
        )
    if len(corrections) != n_samples:
        raise ValueError(
            f"{name} has {len(corrections)} entries but X has {n_samples} "
            "rows: give one feature set per row (None or [] for rows "
            "without one), e.g. [[3, 4]] for a single row."
        )

    names = None
    if feature_names is not None:
        names = {str(name): j for j, name in enumerate(feature_names)}

    rows, cols = [], []
    for i, entry in enumerate(corrections):
        if entry is None:
            continue
        if isinstance(entry, (str, bytes)) or not hasattr(entry, "__iter__"):
            raise ValueError(
                f"The {one} of row {i} must be a collection of features "
                f"(e.g. [{entry!r}]), not a single value {entry!r}."
            )
        if sparse.issparse(entry):
            entry = entry.toarray().ravel()
        if not isinstance(entry, np.ndarray):
            entry = list(entry)  # consumed once: generators work too
        entry_arr = np.asarray(entry)
        if entry_arr.size == 0:
            continue
        if entry_arr.ndim != 1:
            raise ValueError(
                f"The {one} of row {i} must be one-dimensional; got shape "
                f"{entry_arr.shape}."
            )
        if entry_arr.dtype == bool:
            if entry_arr.shape[0] != n_features:
                raise ValueError(
                    f"The boolean {one} mask of row {i} has "
                    f"{entry_arr.shape[0]} entries, expected n_features = "
                    f"{n_features}."
                )
            found = np.flatnonzero(entry_arr)
            rows.extend([i] * found.size)
            cols.extend(found.tolist())
            continue
        _warn_01_list(entry, i, n_features)
        for feature in entry:
            rows.append(i)
            cols.append(_feature_index(feature, i, n_features, names))
    return sparse.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, cols)),
        shape=(n_samples, n_features),
    )


def _warn_01_list(entry, row, n_features):
    """Warn about a per-row list of 0/1 flags, which is read as indices {0, 1}.

    Indices name each feature once; a list with one 0 or 1 per feature (so
    with repeats) is most likely a mask written with ints. It stays valid
    (repeated indices are allowed), hence a warning rather than an error.
    """
    if len(entry) != n_features or n_features < 3:
        return
    values = [
        int(v) for v in entry if isinstance(v, Integral) and not isinstance(v, bool)
    ]
    if len(values) == n_features and set(values) <= {0, 1}:
        flagged = [j for j, v in enumerate(values) if v == 1]
        warn_external(
            f"Row {row}: the correction {list(values)} has one 0 or 1 per "
            f"feature, so it looks like a mask, but a list is read as feature "
            f"indices (here {sorted(set(values))}). If you meant a mask, give "
            f"the indices {flagged}, or a boolean mask such as "
            f"np.array({list(values)}, dtype=bool)."
        )


def _feature_index(feature, row, n_features, names):
    """Index of one feature of a correction set, with errors naming it."""
    if isinstance(feature, (bool, np.bool_)):
        raise ValueError(
            f"Row {row}: feature {feature!r} is a boolean; give feature indices, "
            "names, or one boolean mask of length n_features for the row."
        )
    if isinstance(feature, Integral):
        if not 0 <= feature < n_features:
            raise ValueError(
                f"Row {row}: feature index {int(feature)} is out of range; X has "
                f"{n_features} features (valid indices 0 to {n_features - 1})."
            )
        return int(feature)
    if isinstance(feature, str):
        if names is None:
            raise ValueError(
                f"Row {row}: feature {feature!r} is given by name, but X has no "
                "column names; fit on a pandas DataFrame or use feature indices."
            )
        if feature not in names:
            raise ValueError(
                f"Row {row}: unknown feature name {feature!r}; X has columns "
                f"{list(names)[:10]}{'...' if len(names) > 10 else ''}."
            )
        return names[feature]
    if isinstance(feature, float) and float(feature).is_integer():
        raise ValueError(
            f"Row {row}: feature {feature!r} is a float; give integer feature "
            "indices."
        )
    raise ValueError(
        f"Row {row}: cannot interpret feature {feature!r} of type "
        f"{type(feature).__name__}; give an integer index or a column name."
    )
