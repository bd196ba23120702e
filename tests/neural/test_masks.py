"""The ignore and focus masks: validation, and the penalised features of a batch."""

import numpy as np
import pytest
from scipy import sparse

from skxil.neural._masks import PenaltyMask, check_mask


def test_check_mask_accepts_every_form():
    dense = np.array([[True, False, False], [False, False, True]])
    for form in (dense, dense.astype(np.uint8), dense.astype(float),
                 [[0], [2]], [dense[0], dense[1]]):
        np.testing.assert_array_equal(check_mask(form, "ignore", 2, 3), dense)
    as_sparse = check_mask(sparse.csc_matrix(dense.astype(int)), "ignore", 2, 3)
    assert sparse.isspmatrix_csr(as_sparse) and as_sparse.dtype == bool
    np.testing.assert_array_equal(as_sparse.toarray(), dense)
    named = check_mask([["b"], []], "focus", 2, 3, feature_names=["a", "b", "c"])
    np.testing.assert_array_equal(named, [[False, True, False], [False] * 3])
    assert check_mask(None, "ignore", 2, 3) is None


def test_check_mask_does_not_modify_or_alias_the_input():
    dense = np.zeros((2, 3), dtype=bool)
    checked = check_mask(dense, "ignore", 2, 3)
    checked[0, 0] = True
    assert not dense.any()


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.array([[0, 1, 0], [0, 2, 0]]),
         "ignore must be a boolean or 0/1 mask; row 1 has value 2 at feature 1"),
        (np.array([[0, 1, 0], [np.nan, 0, 0]]),
         "ignore must be a boolean or 0/1 mask; row 1 has value nan at feature 0"),
        (sparse.csr_matrix(np.array([[0, 0, 0], [0, 0, -1]])),
         "ignore must be a boolean or 0/1 mask; row 1 has value -1 at feature 2"),
        (np.ones((3, 3), dtype=bool), r"ignore: The correction mask has shape \(3, 3\)"),
        (sparse.csr_matrix((2, 4), dtype=bool), r"ignore: .*shape \(2, 4\)"),
        ([[0], [5]], "ignore: Row 1: feature index 5 is out of range"),
        (np.full((2, 3), "x"), "ignore must be a boolean or 0/1 mask .* dtype <U1"),
    ],
)
def test_check_mask_errors_name_the_parameter_and_row(mask, message):
    with pytest.raises(ValueError, match=message):
        check_mask(mask, "ignore", 2, 3)


@pytest.mark.parametrize("to_sparse", [False, True])
def test_penalty_mask_is_ignore_or_outside_a_nonempty_focus(to_sparse):
    ignore = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], bool)
    focus = np.array([[0, 1, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]], bool)
    wrap = sparse.csr_matrix if to_sparse else np.asarray
    masks = PenaltyMask(wrap(ignore), wrap(focus))
    np.testing.assert_array_equal(masks.rows, [True, False, False, True])
    batch = masks.batch(np.array([3, 0, 2]))
    np.testing.assert_array_equal(
        batch, [[0, 1, 1, 1], [1, 0, 0, 1], [0, 0, 0, 0]]
    )
    # Row 1 has an empty focus and no ignore; row 2 focuses on everything.
    assert masks.batch(np.array([1, 2])) is None
    assert not masks.empty


def test_penalty_mask_without_masks_is_empty():
    masks = PenaltyMask(None, None)
    assert masks.empty and masks.batch(np.arange(3)) is None
    only_focus = PenaltyMask(None, np.zeros((3, 2), dtype=bool))
    assert only_focus.empty
