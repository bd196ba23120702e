"""The observed values of every column of a training set, kept up to date.

Several stages need per-feature statistics of the real training rows: the
fast LIME explainer (lime's quartile bins and their moments), and the
counterexample strategies (ranges, observed values and their frequencies).
All of them are functions of each column's *multiset* of values, which
:class:`ColumnValues` stores as sorted distinct values with their counts.
Adding rows merges their values in without sorting the old ones again, and
two objects holding the same rows hold identical arrays, whatever order the
rows came in: statistics computed from them are the same bit for bit.
"""

import numpy as np
from scipy import sparse


class ColumnValues:
    """Sorted distinct values of each column with their counts (NaN left out).

    Parameters
    ----------
    values : ndarray of shape (n_entries,)
        The distinct values of column 0 in ascending order, then those of
        column 1, and so on, in the dtype of the rows.

    counts : ndarray of int64 of shape (n_entries,)
        How many rows hold each value.

    indptr : ndarray of intp of shape (n_columns + 1,)
        Column ``j``'s entries are ``values[indptr[j]:indptr[j + 1]]``.

    n_rows : int
        Number of rows described (NaN cells included).

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.utils._columns import ColumnValues
    >>> X = np.array([[1.0, 5.0], [0.0, 5.0], [1.0, np.nan]])
    >>> columns = ColumnValues.from_rows(X[:2]).add(X[2:])
    >>> columns.column(0)
    (array([0., 1.]), array([1, 2]))
    >>> columns.column(1)
    (array([5.]), array([2]))
    """

    def __init__(self, values, counts, indptr, n_rows):
        self.values = values
        self.counts = counts
        self.indptr = indptr
        self.n_rows = int(n_rows)

    @property
    def n_columns(self):
        """Number of columns."""
        return self.indptr.shape[0] - 1

    @classmethod
    def from_rows(cls, X):
        """The column values of a dense 2-D array or a sparse matrix.

        The implicit zeros of a sparse matrix are observed values.
        """
        if sparse.issparse(X):
            return cls._from_sparse(X)
        X = np.asarray(X)
        n_rows, n_columns = X.shape
        S = np.array(X.T, order="C", copy=True)
        # radix sort for small integers, quicksort otherwise: equal values
        # are equal whatever the sort, so the result does not depend on it
        small_int = S.dtype.kind in "biu" and S.dtype.itemsize <= 2
        S.sort(axis=1, kind="stable" if small_int else None)
        flat = S.ravel()
        new = np.ones(S.shape, dtype=bool)
        new[:, 1:] = S[:, 1:] != S[:, :-1]
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, flat.shape[0]))
        return cls._finish(
            flat[starts], counts, starts // max(n_rows, 1), n_rows, n_columns
        )

    @classmethod
    def _from_sparse(cls, X):
        n_rows, n_columns = X.shape
        Xc = sparse.csc_matrix(X)
        if not Xc.has_canonical_format:
            Xc = Xc.copy()  # never touch the caller's matrix
            Xc.sum_duplicates()
        nnz = np.diff(Xc.indptr)
        column = np.repeat(np.arange(n_columns, dtype=np.intp), nnz)
        zeros = np.flatnonzero(nnz < n_rows)
        data = np.concatenate([Xc.data, np.zeros(zeros.size, dtype=Xc.data.dtype)])
        column = np.concatenate([column, zeros])
        weight = np.concatenate(
            [np.ones(Xc.data.size, dtype=np.int64), (n_rows - nnz[zeros]).astype(np.int64)]
        )
        order = np.lexsort((data, column))
        data, column, weight = data[order], column[order], weight[order]
        new = np.ones(data.shape[0], dtype=bool)
        new[1:] = (data[1:] != data[:-1]) | (column[1:] != column[:-1])
        starts = np.flatnonzero(new)
        counts = (
            np.add.reduceat(weight, starts) if starts.size else weight[:0]
        )
        return cls._finish(data[starts], counts, column[starts], n_rows, n_columns)

    @classmethod
    def _finish(cls, values, counts, column, n_rows, n_columns):
        """Drop the NaN entries and build ``indptr`` from each entry's column."""
        if values.dtype.kind == "f":
            keep = ~np.isnan(values)
            values, counts, column = values[keep], counts[keep], column[keep]
        indptr = np.zeros(n_columns + 1, dtype=np.intp)
        np.cumsum(np.bincount(column, minlength=n_columns), out=indptr[1:])
        return cls(values, counts.astype(np.int64), indptr, n_rows)

    def add(self, X):
        """A new object describing these rows and the rows of ``X`` too.

        ``X`` has the same columns (dense or sparse); its values are merged
        into the sorted ones, without sorting those again. ``self`` is not
        modified.
        """
        if X.shape[1] != self.n_columns:
            raise ValueError(
                f"X has {X.shape[1]} columns, but the column values describe "
                f"{self.n_columns}."
            )
        new = ColumnValues.from_rows(X)
        if new.values.dtype != self.values.dtype:
            new.values = new.values.astype(
                np.result_type(self.values.dtype, new.values.dtype)
            )
        old_values = self.values.astype(new.values.dtype, copy=False)
        pos = _merge_positions(old_values, self.indptr, new.values, new.indptr)
        column = np.repeat(np.arange(self.n_columns), np.diff(new.indptr))
        end = self.indptr[1:][column]
        found = pos < end
        found[found] = old_values[pos[found]] == new.values[found]
        counts = self.counts.copy()
        counts[pos[found]] += new.counts[found]
        fresh = ~found
        values = np.insert(old_values, pos[fresh], new.values[fresh])
        counts = np.insert(counts, pos[fresh], new.counts[fresh])
        indptr = self.indptr.copy()
        indptr[1:] += np.cumsum(np.bincount(column[fresh], minlength=self.n_columns))
        return ColumnValues(values, counts, indptr, self.n_rows + X.shape[0])

    def select(self, columns):
        """A new object describing only the columns ``columns`` (int array)."""
        columns = np.asarray(columns, dtype=np.intp)
        lengths = np.diff(self.indptr)[columns]
        indptr = np.zeros(columns.size + 1, dtype=np.intp)
        np.cumsum(lengths, out=indptr[1:])
        take = np.repeat(self.indptr[columns] - indptr[:-1], lengths)
        take += np.arange(indptr[-1])
        return ColumnValues(self.values[take], self.counts[take], indptr, self.n_rows)

    def column(self, j):
        """The sorted distinct values of column ``j`` and their counts."""
        a, b = self.indptr[j], self.indptr[j + 1]
        return self.values[a:b], self.counts[a:b]

    def entry_columns(self):
        """The column of every entry."""
        return np.repeat(np.arange(self.n_columns), np.diff(self.indptr))

    def extremes(self):
        """``(lo, hi, observed)``: each column's smallest and largest value in
        the rows' dtype (0 for a column without values) and whether it has
        any."""
        observed = np.diff(self.indptr) > 0
        lo = np.zeros(self.n_columns, dtype=self.values.dtype)
        hi = lo.copy()
        lo[observed] = self.values[self.indptr[:-1][observed]]
        hi[observed] = self.values[self.indptr[1:][observed] - 1]
        return lo, hi, observed

    def integral(self):
        """Whether each column's values are all integers."""
        values = self.values
        if values.dtype.kind != "f":
            return np.ones(self.n_columns, dtype=bool)
        bad = values != np.floor(values)
        return np.bincount(self.entry_columns()[bad], minlength=self.n_columns) == 0

    def order_statistics(self, ranks):
        """``out[q, j]``: the value of rank ``ranks[q]`` (0-based, ascending,
        NaN excluded) of column ``j``, which must hold ``n_rows`` values."""
        cum = np.cumsum(self.counts)
        ranks = np.asarray(ranks, dtype=np.int64)
        target = np.arange(self.n_columns)[None, :] * self.n_rows + ranks[:, None]
        return self.values[np.searchsorted(cum, target, side="right")]

    def percentiles(self, q):
        """``np.percentile(X, q, axis=0)`` of complete columns (no NaN),
        bit for bit: the same order statistics and linear interpolation."""
        n = self.n_rows
        virtual = (n - 1) * (np.asarray(q, dtype=np.float64) / 100)
        previous = np.floor(virtual)
        above = virtual >= n - 1
        previous_rank = np.where(above, n - 1, previous).astype(np.int64)
        next_rank = np.where(above, n - 1, previous + 1).astype(np.int64)
        gamma = (virtual - np.where(above, -1.0, previous))[:, None]
        a = self.order_statistics(previous_rank).astype(np.float64)
        b = self.order_statistics(next_rank).astype(np.float64)
        # numpy's _lerp: from the nearer end, so that the ends are exact
        diff = b - a
        out = a + diff * gamma
        upper = np.broadcast_to(gamma >= 0.5, out.shape)
        out[upper] = (b - diff * (1 - gamma))[upper]
        return out


def _merge_positions(old_values, old_indptr, new_values, new_indptr):
    """Where each new entry goes among the old entries of its column.

    Values of at most 32 bits are compared as one int64 key per entry,
    ``column * 2**32 + (value - lowest)``, which sorts as (column, value):
    one search for all the columns. Other values are searched column by
    column.
    """
    dtype = new_values.dtype
    if dtype.kind in "biu" and dtype.itemsize <= 4:
        lowest = 0 if dtype.kind == "b" else int(np.iinfo(dtype).min)

        def keys(values, indptr):
            column = np.repeat(np.arange(indptr.shape[0] - 1, dtype=np.int64),
                               np.diff(indptr))
            return (column << 32) | (values.astype(np.int64) - lowest)

        return np.searchsorted(
            keys(old_values, old_indptr), keys(new_values, new_indptr)
        ).astype(np.intp)
    pos = np.empty(new_values.shape[0], dtype=np.intp)
    for j in range(old_indptr.shape[0] - 1):
        a, b = old_indptr[j], old_indptr[j + 1]
        c, d = new_indptr[j], new_indptr[j + 1]
        pos[c:d] = a + np.searchsorted(old_values[a:b], new_values[c:d])
    return pos


def column_extremes(X):
    """``(lo, hi, integral, observed)`` of every column of a dense 2-D array.

    ``lo`` and ``hi`` are the smallest and largest values in ``X``'s dtype,
    NaN ignored (NaN for a float column without values, 0 when ``X`` has no
    row); ``integral`` says whether the values are all integers and
    ``observed`` whether the column has any value. Unlike
    :class:`ColumnValues` nothing is sorted: one pass over the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.utils._columns import column_extremes
    >>> lo, hi, integral, observed = column_extremes(
    ...     np.array([[1.0, np.nan], [0.5, np.nan]]))
    >>> lo.tolist(), hi.tolist(), integral.tolist(), observed.tolist()
    ([0.5, nan], [1.0, nan], [False, True], [True, False])
    """
    n_rows, n_columns = X.shape
    integral = np.ones(n_columns, dtype=bool)
    if not n_rows:
        lo = hi = np.zeros(n_columns, dtype=X.dtype)
        return lo, hi, integral, np.zeros(n_columns, dtype=bool)
    if X.dtype.kind != "f":
        return X.min(axis=0), X.max(axis=0), integral, np.ones(n_columns, dtype=bool)
    lo = np.fmin.reduce(X, axis=0)
    hi = np.fmax.reduce(X, axis=0)
    integral = np.all((X == np.floor(X)) | np.isnan(X), axis=0)
    return lo, hi, integral, ~np.isnan(lo)


def merge_extremes(a, b):
    """The :func:`column_extremes` of the rows of two arrays, from theirs.

    Both describe at least one row of the same columns and dtype; the
    minimum and maximum of all the rows are those of the two parts.
    """
    lo = np.fmin(a[0], b[0])  # NaN (no value) is the identity, as in fmin.reduce
    hi = np.fmax(a[1], b[1])
    observed = a[3] | b[3]
    return lo, hi, a[2] & b[2], observed
