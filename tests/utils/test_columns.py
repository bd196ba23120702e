"""ColumnValues: each column's sorted distinct values and counts, kept up to date."""

import numpy as np
import pytest
from scipy import sparse

from skxil.utils._columns import ColumnValues


def _same(a, b):
    for name in ("values", "counts", "indptr"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.n_rows == b.n_rows


@pytest.mark.parametrize(
    "X",
    [
        np.random.default_rng(0).integers(0, 5, (60, 4)).astype(float),
        np.random.default_rng(1).normal(size=(37, 3)),
        np.random.default_rng(2).integers(0, 256, (80, 6)).astype(np.uint8),
    ],
    ids=["few-values", "distinct", "uint8"],
)
def test_from_rows_matches_unique_and_add_matches_from_rows(X):
    X = X.copy()
    if X.dtype.kind == "f":
        X[3, 1] = np.nan  # NaN is left out
    full = ColumnValues.from_rows(X)
    for j in range(X.shape[1]):
        col = X[:, j]
        col = col[~np.isnan(col)] if X.dtype.kind == "f" else col
        values, counts = np.unique(col, return_counts=True)
        np.testing.assert_array_equal(full.column(j)[0], values)
        np.testing.assert_array_equal(full.column(j)[1], counts)
    grown = ColumnValues.from_rows(X[:10]).add(X[10:11]).add(X[11:])
    _same(full, grown)
    assert grown.values.dtype == X.dtype


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.uint16,
                                   np.int32, np.uint32, np.int64, np.float32])
def test_add_merges_each_dtype_like_sorting_again(dtype):
    rng = np.random.default_rng(4)
    if dtype == np.bool_:
        X = rng.random((50, 5)) < 0.3
    elif np.dtype(dtype).kind == "f":
        X = rng.integers(-3, 4, (50, 5)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        X = rng.integers(info.min, info.max, (50, 5), endpoint=True, dtype=dtype)
        X[:10, 0] = info.min  # the ends of the dtype, beside the keys' bounds
        X[10:20, 0] = info.max
        X[:, 1] = X[0, 1]  # a column of one value
    for split in (1, 25, 49):
        grown = ColumnValues.from_rows(X[:split]).add(X[split:])
        _same(ColumnValues.from_rows(X), grown)


def test_sparse_rows_count_their_implicit_zeros():
    S = sparse.random(40, 5, density=0.3, random_state=0, format="csr")
    _same(ColumnValues.from_rows(S), ColumnValues.from_rows(S.toarray()))
    _same(
        ColumnValues.from_rows(S[:15]).add(S[15:]),
        ColumnValues.from_rows(S.toarray()),
    )


def test_add_does_not_modify_and_checks_columns():
    X = np.arange(12.0).reshape(4, 3)
    columns = ColumnValues.from_rows(X)
    before = columns.values.copy()
    columns.add(X[:2] + 0.5)
    np.testing.assert_array_equal(columns.values, before)
    with pytest.raises(ValueError, match="X has 2 columns, but the column values describe 3"):
        columns.add(X[:, :2])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 10, 101])
def test_percentiles_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    X = np.column_stack([rng.integers(0, 4, n).astype(float), rng.normal(size=n)])
    np.testing.assert_array_equal(
        ColumnValues.from_rows(X).percentiles([25, 50, 75]),
        np.percentile(X, [25, 50, 75], axis=0),
    )


def test_extremes_integral_and_select():
    X = np.array([[1.0, 0.5, np.nan], [3.0, 2.0, np.nan]])
    columns = ColumnValues.from_rows(X)
    lo, hi, observed = columns.extremes()
    np.testing.assert_array_equal(lo[:2], [1.0, 0.5])
    np.testing.assert_array_equal(hi[:2], [3.0, 2.0])
    np.testing.assert_array_equal(observed, [True, True, False])
    np.testing.assert_array_equal(columns.integral(), [True, False, True])
    _same(columns.select([2, 0]), ColumnValues.from_rows(X[:, [2, 0]]))
