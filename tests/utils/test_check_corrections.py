"""check_corrections: every accepted form, the sparse output, and the caller's data."""

import numpy as np
import pytest
import scipy.sparse as sp

from skxil.utils import check_corrections


@pytest.mark.parametrize("accept_sparse", [False, True])
def test_forms_agree(accept_sparse):
    expected = np.array([[False, False, True], [False, False, False], [True, True, False]])
    forms = [
        [[2], None, [0, 1]],
        [np.array([2]), [], (1, 0, 1)],
        [np.array([False, False, True]), None, np.array([True, True, False])],
        expected,
        sp.csr_matrix(expected),
        sp.coo_matrix(expected.astype(int)),
    ]
    for corrections in forms:
        mask = check_corrections(corrections, 3, 3, accept_sparse=accept_sparse)
        if accept_sparse:
            assert sp.issparse(mask) and mask.format == "csr" and mask.dtype == bool
            assert mask.has_canonical_format
            mask = mask.toarray()
        np.testing.assert_array_equal(mask, expected)


def test_none_gives_an_empty_mask():
    assert not check_corrections(None, 2, 4).any()
    assert check_corrections(None, 2, 4, accept_sparse=True).nnz == 0


def test_callers_sparse_mask_is_not_modified():
    c = sp.csr_matrix((np.array([1, 0, 1]), np.array([0, 1, 2]), np.array([0, 3])), shape=(1, 4))
    before = [a.copy() for a in (c.data, c.indices, c.indptr)]
    for accept_sparse in (False, True):
        check_corrections(c, 1, 4, accept_sparse=accept_sparse)
        for a, b in zip(before, (c.data, c.indices, c.indptr)):
            np.testing.assert_array_equal(a, b)


def test_duplicates_that_cancel_are_no_correction():
    c = sp.csr_matrix((np.array([1, -1]), np.array([0, 0]), np.array([0, 2])), shape=(1, 2))
    assert not check_corrections(c, 1, 2).any()
    assert check_corrections(c, 1, 2, accept_sparse=True).nnz == 0


def test_errors_name_the_row_and_feature():
    with pytest.raises(ValueError, match="Row 1: feature index 7 is out of range"):
        check_corrections([None, [7]], 2, 3)
    with pytest.raises(ValueError, match="Row 0: unknown feature name 'zip'"):
        check_corrections([["zip"]], 1, 2, feature_names=["age", "income"])
    with pytest.raises(ValueError, match=r"shape \(2, 2\), expected"):
        check_corrections(sp.csr_matrix(np.eye(2)), 2, 3, accept_sparse=True)


def test_a_per_row_01_list_is_refused_with_the_mask_form():
    from skxil.utils import check_corrections

    with pytest.warns(UserWarning, match=r"Row 1: the correction \[0, 0, 0, 1, 0\].*indices \[3\]") as record:
        mask = check_corrections([None, [0, 0, 0, 1, 0]], 2, 5)
    assert record[0].filename == __file__  # points at the caller's line
    assert mask[1].tolist() == [True, True, False, False, False]  # still indices
    # real index lists, also of 0s and 1s, are read as indices without a warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_corrections([[0, 1]], 1, 5)[0].tolist() == [True, True, False, False, False]
        assert check_corrections([[1, 0, 2]], 1, 3).all()
