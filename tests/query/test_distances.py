"""Tests for skxil.query._distances (numeric views of pools)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from skxil.query._distances import numeric_views


def test_arrays_and_sparse_become_float():
    X = np.array([[1, 2], [3, 4]])
    X_num, L_num = numeric_views(X, X[:1], "caller")
    assert X_num.dtype == np.float64
    assert_array_equal(L_num, [[1.0, 2.0]])
    X_num, _ = numeric_views(sp.coo_matrix(X), None, "caller")
    assert sp.issparse(X_num) and X_num.format == "csr"


def test_empty_labelled_rows_are_none():
    _, L_num = numeric_views(np.ones((2, 2)), np.ones((0, 2)), "caller")
    assert L_num is None


def test_dataframe_categories_aligned_between_pool_and_labelled():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"], "flag": [True, False]})
    L = pd.DataFrame({"x": [3.0], "c": ["z"], "flag": [True]})
    X_num, L_num = numeric_views(X, L, "caller")
    # x, then one-hot c_a, c_b, c_z, then flag_False, flag_True.
    assert X_num.shape == (2, 6)
    assert L_num.shape == (1, 6)
    assert_array_equal(X_num[:, 0], [1.0, 2.0])
    assert_array_equal(X_num[:, 1:4], [[1, 0, 0], [0, 1, 0]])
    assert_array_equal(L_num[0, 1:4], [0, 0, 1])


def test_errors_name_the_input():
    with pytest.raises(TypeError, match="caller computes distances.*X could not"):
        numeric_views(["some text", "more"], None, "caller")
    with pytest.raises(TypeError, match="X_labelled could not"):
        numeric_views(np.ones((2, 1)), np.array([["a"]]), "caller")
    with pytest.raises(ValueError, match="3 features but the pool X has 2"):
        numeric_views(np.ones((2, 2)), np.ones((1, 3)), "caller")
    with pytest.raises(ValueError, match="NaN"):
        numeric_views(np.array([[np.nan]]), None, "caller")
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match="both as DataFrames"):
        numeric_views(pd.DataFrame({"a": [1.0]}), np.ones((1, 1)), "caller")
