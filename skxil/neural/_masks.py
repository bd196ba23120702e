"""The ``ignore`` and ``focus`` masks of RRR: validation and per-batch penalised features."""

# Authors: The skxil developers
# License: BSD 3 clause

import numpy as np
from scipy import sparse

from ..utils._validation import check_corrections


def _as_boolean(mask, name):
    """A 0/1 (or boolean) mask as booleans; other values are an error naming the cell."""
    if sparse.issparse(mask):
        coo = sparse.coo_matrix(mask)
        bad = ~np.isin(coo.data, (0, 1))
        if bad.any():
            first = np.flatnonzero(bad)[0]
            raise ValueError(
                f"{name} must be a boolean or 0/1 mask; row {coo.row[first]} has "
                f"value {coo.data[first].item()!r} at feature {coo.col[first]}."
            )
        return mask.astype(bool)
    if not hasattr(mask, "__array__") and not hasattr(mask, "dtypes"):
        return mask  # a sequence of per-row feature sets: check_corrections reads it
    values = np.asarray(mask)
    if values.ndim != 2 or values.dtype == bool:
        return mask
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must be a boolean or 0/1 mask of shape (n_samples, "
            f"n_features); got dtype {values.dtype}."
        )
    bad = ~np.isin(values, (0, 1))
    if bad.any():
        row, feature = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must be a boolean or 0/1 mask; row {row} has value "
            f"{values[row, feature].item()!r} at feature {feature}."
        )
    return values.astype(bool)


def check_mask(mask, name, n_samples, n_features, feature_names=None):
    """``ignore`` or ``focus`` as a boolean ndarray, a CSR matrix, or None.

    Accepts dense or sparse boolean / 0-1 masks of shape
    ``(n_samples, n_features)`` and every form of
    :func:`skxil.utils.check_corrections` (one feature set per row); errors name
    the parameter and the offending row.
    """
    if mask is None:
        return None
    is_sparse = sparse.issparse(mask)
    mask = _as_boolean(mask, name)
    try:
        return check_corrections(
            mask, n_samples, n_features, feature_names, accept_sparse=is_sparse
        )
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None


class PenaltyMask:
    """The features whose input gradient is penalised, row by row.

    The union of ``ignore`` and, on rows whose ``focus`` is not empty, the
    complement of ``focus``.
    """

    def __init__(self, ignore, focus):
        self.ignore, self.focus = ignore, focus
        self.has_focus = None if focus is None else _row_any(focus)
        any_ignore = None if ignore is None else _row_any(ignore)
        any_focus = None
        if focus is not None:
            n_features = focus.shape[1]
            n_focus = np.asarray(focus.sum(axis=1)).ravel()
            any_focus = self.has_focus & (n_focus < n_features)
        parts = [p for p in (any_ignore, any_focus) if p is not None]
        self.rows = np.logical_or.reduce(parts) if parts else None
        # computed once: batch() asks on every mini-batch
        self._empty = self.rows is None or not self.rows.any()

    @property
    def empty(self):
        return self._empty

    def batch(self, index):
        """Dense boolean mask of the rows ``index``, or None if none is penalised."""
        if self.empty or not self.rows[index].any():
            return None
        mask = None
        if self.ignore is not None:
            mask = _dense(self.ignore, index)
        if self.focus is not None:
            outside = ~_dense(self.focus, index)
            outside &= self.has_focus[index, None]
            mask = outside if mask is None else mask | outside
        return mask


def _row_any(mask):
    if sparse.issparse(mask):
        return np.diff(mask.indptr) > 0
    return mask.any(axis=1)


def _dense(mask, index):
    rows = mask[index]
    return rows.toarray() if sparse.issparse(rows) else rows
