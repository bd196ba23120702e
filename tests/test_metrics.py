"""Tests for skxil.metrics, against values computed by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skxil.explain import Explanation
from skxil.metrics import (
    attribution_overlap,
    dice_score,
    explanation_precision_recall_fscore,
    rule_decomposition,
    wrong_reason_score,
)


# ------------------------------------------------ explanation precision/recall
def test_precision_recall_fscore_by_hand():
    selected = np.array(
        [
            [1, 1, 1, 0, 0],  # E = {0,1,2}, R = {0,3}: P 1/3, R 1/2, F 0.4
            [0, 0, 0, 1, 0],  # E = {3}:                P 1,   R 1/2, F 2/3
            [0, 0, 0, 0, 1],  # E = {4}:                P 0,   R 0,   F 0
        ],
        dtype=bool,
    )
    relevant = np.array([True, False, False, True, False])
    p, r, f = explanation_precision_recall_fscore(selected, relevant)
    assert_allclose(p, (1 / 3 + 1 + 0) / 3)
    assert_allclose(r, (1 / 2 + 1 / 2 + 0) / 3)
    assert_allclose(f, (0.4 + 2 / 3 + 0) / 3)
    assert all(isinstance(v, float) for v in (p, r, f))


def test_precision_recall_fscore_mean_of_rows_not_harmonic_mean_of_means():
    selected = np.array([[1, 0, 0, 0], [1, 1, 1, 1]], dtype=bool)
    relevant = np.array([1, 1, 0, 0], dtype=bool)
    p, r, f = explanation_precision_recall_fscore(selected, relevant)
    # Row 0: P 1, R 0.5, F 2/3; row 1: P 0.5, R 1, F 2/3.
    assert_allclose([p, r, f], [0.75, 0.75, 2 / 3])


def test_precision_recall_fscore_with_explanations_and_per_row_relevance():
    explanations = [
        Explanation(1, [2, 0], [0.5, -0.1], n_features_in=3),
        Explanation(0, [1], [0.3], n_features_in=3),
    ]
    relevant = np.array([[True, False, False], [False, True, True]])
    p, r, f = explanation_precision_recall_fscore(explanations, relevant)
    # Row 0: E {0,2}, R {0}: P 1/2, R 1, F 2/3. Row 1: E {1}, R {1,2}: P 1, R 1/2, F 2/3.
    assert_allclose([p, r, f], [0.75, 0.75, 2 / 3])


def test_precision_recall_fscore_undefined_cases_are_zero():
    selected = np.array([[0, 0, 0], [1, 0, 0]], dtype=bool)
    relevant = np.array([[1, 0, 0], [0, 0, 0]], dtype=bool)
    assert explanation_precision_recall_fscore(selected, relevant) == (0.0, 0.0, 0.0)


def test_precision_recall_fscore_accepts_0_1_ints():
    p, r, f = explanation_precision_recall_fscore([[1, 1, 0]], [1, 0, 0])
    assert_allclose([p, r, f], [0.5, 1.0, 2 / 3])


@pytest.mark.parametrize(
    "explanations, relevant, message",
    [
        (np.ones((2, 3), bool), np.ones(4, bool), r"relevant must have shape \(3,\) or \(2, 3\).*got shape \(4,\)"),
        (np.ones((2, 3), bool), np.ones((3, 3), bool), r"relevant must have shape \(3,\) or \(2, 3\).*got shape \(3, 3\)"),
        (np.ones(3, bool), np.ones(3, bool), r"shape \(n_samples, n_features\); got an array with shape \(3,\)"),
        (np.array([[0, 2]]), np.ones(2, bool), "explanations must be boolean"),
        (np.ones((2, 2), bool), np.array([0, 3]), "relevant must be a boolean mask"),
        (np.zeros((0, 3), bool), np.ones(3, bool), "explanations is empty"),
    ],
)
def test_precision_recall_fscore_errors(explanations, relevant, message):
    with pytest.raises(ValueError, match=message):
        explanation_precision_recall_fscore(explanations, relevant)


def test_explanations_with_different_n_features_are_rejected():
    explanations = [Explanation(0, [0], [1.0], n_features_in=3), Explanation(0, [0], [1.0], n_features_in=4)]
    with pytest.raises(ValueError, match="relevant must be a list with one mask per explanation"):
        explanation_precision_recall_fscore(explanations, np.ones(3, bool))
    with pytest.raises(ValueError, match=r"relevant\[1\] must be a boolean mask of shape \(4,\)"):
        explanation_precision_recall_fscore(explanations, [np.ones(3, bool), np.ones(3, bool)])


def test_explanations_of_documents_take_one_mask_each():
    # two documents with 3 and 5 distinct words: P, R by hand
    explanations = [
        Explanation(1, [0, 2], [0.5, 0.1], n_features_in=3),
        Explanation(0, [4, 1, 3], [0.3, -0.2, 0.1], n_features_in=5),
    ]
    relevant = [
        np.array([True, False, False]),
        np.array([False, True, True, True, False]),
    ]
    p, r, f = explanation_precision_recall_fscore(explanations, relevant)
    # row 0: hits 1, |E| 2, |R| 1 -> P .5, R 1, F 2/3; row 1: hits 2, |E| 3, |R| 3
    assert p == pytest.approx((0.5 + 2 / 3) / 2)
    assert r == pytest.approx((1 + 2 / 3) / 2)
    assert f == pytest.approx((2 / 3 + 2 / 3) / 2)
    # same widths, one list of masks: the same as the 2-D array
    same = [Explanation(1, [0], [1.0], n_features_in=3)] * 2
    masks = [np.array([True, False, True]), np.array([False, True, True])]
    assert explanation_precision_recall_fscore(same, masks) == (
        explanation_precision_recall_fscore(same, np.array(masks))
    )


# ------------------------------------------------------------ wrong reason
def test_wrong_reason_score_by_hand_with_threshold():
    attributions = np.array(
        [
            [-1.0, 0.0, 2.0, 4.0],  # positive part [0,0,2,4] -> [0,0,.5,1]
            [1.0, 3.0, 2.0, 1.0],  # [1,3,2,1] -> [0,1,.5,0]
        ]
    )
    irrelevant = np.array([False, False, True, True])
    # t = 0.4: row 0 active {2,3} -> 2/2; row 1 active {1,2} -> 1/2.
    assert_allclose(wrong_reason_score(attributions, irrelevant, threshold=0.4), 0.75)
    # t = 0.5 (strict): row 0 active {3} -> 1/2; row 1 active {1} -> 0.
    assert_allclose(wrong_reason_score(attributions, irrelevant, threshold=0.5), 0.25)


def test_wrong_reason_score_default_threshold_is_mean_activation():
    attributions = np.array([[0.0, 0.0, 2.0, 4.0], [1.0, 3.0, 2.0, 1.0]])
    irrelevant = np.array([False, False, True, True])
    # Normalised maps [0,0,.5,1] and [0,1,.5,0]: mean activation 3/8 = 0.375.
    assert_allclose(
        wrong_reason_score(attributions, irrelevant),
        wrong_reason_score(attributions, irrelevant, threshold=0.375),
    )
    assert_allclose(wrong_reason_score(attributions, irrelevant), 0.75)


def test_wrong_reason_score_skips_flat_rows_and_rows_without_confounder():
    attributions = np.array([[-1.0, -2.0, -3.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    irrelevant = np.array([[False, True, True], [False, False, False], [True, False, True]])
    # Row 0 has no positive attribution, row 1 no irrelevant feature: only row 2 counts.
    assert_allclose(wrong_reason_score(attributions, irrelevant, threshold=0.5), 0.5)
    assert wrong_reason_score(np.zeros((2, 3)), [True, False, False]) == 0.0


def test_wrong_reason_score_with_explanations():
    explanations = [Explanation(1, [3, 0], [2.0, 1.0], n_features_in=4)]
    # Dense [1, 0, 0, 2] -> normalised [0.5, 0, 0, 1]; t = 0.6 -> active {3}.
    assert_allclose(wrong_reason_score(explanations, [False, False, True, True], threshold=0.6), 0.5)


def test_wrong_reason_score_errors():
    with pytest.raises(ValueError, match=r"'threshold' parameter of wrong_reason_score must be a float in the range \[0.0, 1.0\] or None\. Got 2 instead"):
        wrong_reason_score(np.ones((1, 2)), [True, False], threshold=2)
    with pytest.raises(ValueError, match=r"irrelevant must have shape \(2,\) or \(1, 2\)"):
        wrong_reason_score(np.ones((1, 2)), [True, False, True])
    with pytest.raises(ValueError, match="attributions must be finite"):
        wrong_reason_score(np.array([[np.nan, 1.0]]), [True, False])


# ------------------------------------------------------------------ overlap
def test_attribution_overlap_by_hand():
    T = np.array([[1.0, -2.0, 0.0], [0.0, 3.0, -4.0]])
    F = np.array([False, True, True])
    # |T| sums to 10; on F: 2 + 3 + 4 = 9.
    assert_allclose(attribution_overlap(T, F), 0.9)
    F_rows = np.array([[True, False, False], [False, False, True]])
    assert_allclose(attribution_overlap(T, F_rows), (1 + 4) / 10)
    assert attribution_overlap(np.zeros((2, 3)), F) == 0.0


def test_attribution_overlap_with_explanations_does_not_modify_them():
    e = Explanation(0, [1, 2], [-3.0, 1.0], n_features_in=4)
    weights = e.weights.copy()
    assert_allclose(attribution_overlap([e], [False, True, False, False]), 0.75)
    assert_array_equal(e.weights, weights)


def test_attribution_overlap_shape_error():
    with pytest.raises(ValueError, match=r"irrelevant must have shape \(3,\) or \(2, 3\) .* got shape \(2, 2\)"):
        attribution_overlap(np.ones((2, 3)), np.ones((2, 2), bool))


# --------------------------------------------------------------------- dice
def test_dice_by_hand():
    a = np.array([0.9, -0.6, 0.1, 0.0, 0.0])
    mask = np.array([True, False, False, True, False])
    # Default: nonzero {0,1,2} vs {0,3}: 2*1 / (3+2) = 0.4.
    assert_allclose(dice_score(a, mask), 0.4)
    # |a| >= 0.6: {0,1} vs {0,3}: 2*1 / 4 = 0.5.
    assert_allclose(dice_score(a, mask, threshold=0.6), 0.5)
    # |a| >= 0.95: {} vs {0,3}: 0.
    assert dice_score(a, mask, threshold=0.95) == 0.0
    assert dice_score(np.zeros(3), np.zeros(3, bool)) == 1.0


def test_dice_with_explanation():
    e = Explanation(1, [0, 3], [0.2, -0.9], n_features_in=5)
    mask = np.array([True, True, False, False, False])
    # Selected features {0, 3} vs {0, 1}: 2 / 4.
    assert_allclose(dice_score(e, mask), 0.5)
    # Threshold 0.5 on |weights|: {3} vs {0, 1}: 0.
    assert dice_score(e, mask, threshold=0.5) == 0.0


def test_dice_batch_is_mean_of_rows():
    A = np.array([[1.0, 0.0], [1.0, 1.0]])
    # Row 0: {0} vs {0}: 1; row 1: {0,1} vs {0}: 2/3.
    assert_allclose(dice_score(A, [True, False]), (1 + 2 / 3) / 2)


def test_dice_shape_errors():
    with pytest.raises(ValueError, match=r"mask must have shape \(3,\) or \(1, 3\).*got shape \(4,\)"):
        dice_score(np.ones(3), np.ones(4, bool))
    with pytest.raises(ValueError, match=r"mask must have shape \(3,\) for a single explanation; got shape \(1, 3\)"):
        dice_score(np.ones(3), np.ones((1, 3), bool))



def test_dice_rejects_negative_threshold():
    with pytest.raises(ValueError, match=r"'threshold' parameter of dice_score must be a float in the range \[0.0, inf\) or None"):
        dice_score(np.ones(3), np.ones(3, bool), threshold=-0.1)


@pytest.mark.parametrize(
    "metric",
    [explanation_precision_recall_fscore, wrong_reason_score, attribution_overlap, dice_score, rule_decomposition],
)
def test_scalars_are_not_array_like(metric):
    with pytest.raises(TypeError, match=rf"parameter of {metric.__name__} must be an array-like"):
        metric(3.0, np.ones(3, bool))


# ------------------------------------------------------- rule decomposition
def test_rule_decomposition_by_hand():
    rules = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    coefficients, residual = rule_decomposition([3.0, 1.0, 0.0, 0.0], rules)
    # Projection of (3, 1) on (1, 1) is 2 with residual (1, -1): norm sqrt(2).
    assert_allclose(coefficients, [2.0, 0.0], atol=1e-12)
    assert_allclose(residual, np.sqrt(2))
    assert isinstance(residual, float)


def test_rule_decomposition_exact_mixture_and_binary_coef_shape():
    rules = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    coef = (0.5 * rules[0] - 2.0 * rules[1])[np.newaxis]  # like coef_ of a binary model
    coefficients, residual = rule_decomposition(coef, rules)
    assert coefficients.shape == (2,)
    assert_allclose(coefficients, [0.5, -2.0])
    assert_allclose(residual, 0.0, atol=1e-12)


def test_rule_decomposition_multiple_outputs():
    rules = np.array([[1.0, 0.0], [0.0, 1.0]])
    coefficients, residual = rule_decomposition([[1.0, 2.0], [3.0, 4.0]], rules)
    assert_allclose(coefficients, [[1.0, 2.0], [3.0, 4.0]])
    assert_allclose(residual, [0.0, 0.0], atol=1e-12)


def test_rule_decomposition_errors():
    with pytest.raises(ValueError, match=r"coef has shape \(3,\) but rule_vectors has 2 features"):
        rule_decomposition(np.ones(3), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"rule_vectors must have shape \(n_rules, n_features\); got shape \(2,\)"):
        rule_decomposition(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="coef and rule_vectors must be finite"):
        rule_decomposition([np.inf, 1.0], np.ones((1, 2)))


def test_inputs_are_not_modified():
    A = np.array([[-1.0, 2.0, 0.5]])
    mask = np.array([True, False, True])
    A0, mask0 = A.copy(), mask.copy()
    wrong_reason_score(A, mask)
    attribution_overlap(A, mask)
    dice_score(A, mask, threshold=0.4)
    assert_array_equal(A, A0)
    assert_array_equal(mask, mask0)
