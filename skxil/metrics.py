"""Metrics for explanations: are they right for the right reasons?

Every function takes explanations either as a list of
:class:`~skxil.explain.Explanation` objects or as arrays with one row per
explained instance and one column per feature, and ground truth as boolean
masks over the features (one mask for all rows, or one per row).
"""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from .explain import Explanation

if TYPE_CHECKING:
    from .utils._typing import ArrayLike, NDArray

__all__ = [
    "attribution_overlap",
    "dice_score",
    "explanation_precision_recall_fscore",
    "rule_decomposition",
    "wrong_reason_score",
]


def _is_explanation_list(explanations):
    """Is this a non-empty list or tuple of Explanation objects?"""
    return (
        isinstance(explanations, (list, tuple))
        and len(explanations) > 0
        and all(isinstance(e, Explanation) for e in explanations)
    )


def _n_features_of(explanations):
    n_features = {e.n_features_in for e in explanations}
    if len(n_features) != 1:
        raise ValueError(
            "All explanations must cover the same number of features; got "
            f"n_features in {sorted(n_features)}."
        )
    return n_features.pop()


def _as_selected(explanations, name="explanations"):
    """Explanations as a boolean (n, n_features) matrix of selected features."""
    if isinstance(explanations, Explanation):
        explanations = [explanations]
    if _is_explanation_list(explanations):
        _n_features_of(explanations)
        return np.array([e.as_mask() for e in explanations], dtype=bool)
    selected = np.asarray(explanations)
    if selected.ndim != 2:
        raise ValueError(
            f"{name} must be a list of Explanation objects or a boolean array of "
            f"shape (n_samples, n_features); got an array with shape "
            f"{selected.shape}."
        )
    if selected.dtype != bool:
        if not np.isin(selected, (0, 1)).all():
            raise ValueError(f"{name} must be boolean (or 0/1) when given as an array.")
        selected = selected.astype(bool)
    return selected


def _as_attributions(attributions, name="attributions"):
    """Attributions as a dense float (n, n_features) matrix.

    An Explanation contributes its weights at its features and zero elsewhere.
    """
    if isinstance(attributions, Explanation):
        attributions = [attributions]
    if _is_explanation_list(attributions):
        n_features = _n_features_of(attributions)
        dense = np.zeros((len(attributions), n_features))
        for row, e in zip(dense, attributions):
            row[e.features] = e.weights
        return dense
    dense = np.asarray(attributions, dtype=np.float64)
    if dense.ndim != 2:
        raise ValueError(
            f"{name} must be a list of Explanation objects or an array of shape "
            f"(n_samples, n_features); got an array with shape {dense.shape}."
        )
    if not np.all(np.isfinite(dense)):
        raise ValueError(f"{name} must be finite; got NaN or infinite values.")
    return dense


def _as_masks(mask, shape, name):
    """A boolean mask of shape (n_features,) or shape, broadcast to shape."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        if not np.isin(mask, (0, 1)).all():
            raise ValueError(f"{name} must be a boolean mask (or 0/1).")
        mask = mask.astype(bool)
    n_samples, n_features = shape
    if mask.shape == (n_features,):
        return np.broadcast_to(mask, shape)
    if mask.shape != shape:
        raise ValueError(
            f"{name} must have shape ({n_features},) or ({n_samples}, "
            f"{n_features}) to match the explanations; got shape {mask.shape}."
        )
    return mask


def _is_ragged(explanations, relevant):
    """Explanations over different numbers of features (e.g. documents)."""
    if not _is_explanation_list(explanations) or isinstance(explanations, Explanation):
        return False
    widths = {int(e.n_features_in) for e in explanations}
    return len(widths) > 1 or (
        not isinstance(relevant, np.ndarray)
        and isinstance(relevant, (list, tuple))
        and len(relevant) == len(explanations)
        and any(np.ndim(m) == 1 and len(m) != int(e.n_features_in)
                for m, e in zip(relevant, explanations))
    )


def _ragged_counts(explanations, relevant):
    """Per-row hits, selected and relevant counts with one mask per explanation."""
    if isinstance(relevant, np.ndarray) or len(relevant) != len(explanations):
        raise ValueError(
            "The explanations are over different numbers of features (e.g. the "
            "words of different documents); relevant must be a list with one "
            f"mask per explanation ({len(explanations)})."
        )
    hits, n_selected, n_relevant = [], [], []
    for i, (e, mask) in enumerate(zip(explanations, relevant)):
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != (int(e.n_features_in),):
            raise ValueError(
                f"relevant[{i}] must be a boolean mask of shape ({e.n_features_in},) "
                f"to match explanation {i}; got dtype {mask.dtype} and shape "
                f"{mask.shape}."
            )
        selected = e.as_mask()
        hits.append(np.count_nonzero(selected & mask))
        n_selected.append(np.count_nonzero(selected))
        n_relevant.append(np.count_nonzero(mask))
    return np.array(hits), np.array(n_selected), np.array(n_relevant)


def _safe_divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


@validate_params(
    {"explanations": ["array-like", Explanation], "relevant": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def explanation_precision_recall_fscore(
    explanations: list[Explanation] | ArrayLike, relevant: ArrayLike
) -> tuple[float, float, float]:
    """Explanatory precision, recall and F1 against the ground-truth relevant features.

    The measures of Teso and Kersting (2019, CAIPI) for how well explanations
    match the truly relevant features. For each explained row with selected
    features :math:`E` and relevant features :math:`R`:

    .. math::

        P = \\frac{|E \\cap R|}{|E|}, \\quad
        R = \\frac{|E \\cap R|}{|R|}, \\quad
        F_1 = \\frac{2 P R}{P + R}.

    Each is 0 when undefined (no selected feature, no relevant feature, or
    :math:`P + R = 0`). The three are then averaged over the rows, as in the
    original CAIPI code (``np.mean`` of the per-row ``(precision, recall,
    F1)`` triples), so the returned F1 is the mean of the per-row F1 scores,
    not the harmonic mean of the mean precision and mean recall.

    Parameters
    ----------
    explanations : list of Explanation or array-like of bool of shape \
            (n_samples, n_features)
        The explanations; of an :class:`~skxil.explain.Explanation` the
        selected features are its ``features`` (:meth:`~Explanation.as_mask`),
        whatever the sign of their weights.

    relevant : array-like of bool of shape (n_features,) or (n_samples, n_features)
        Ground-truth relevant features, the same for all rows or one mask per
        row. With explanations of documents, whose features are each
        document's own words, give a list with one mask per explanation, of
        its ``n_features`` entries.

    Returns
    -------
    precision : float
        Mean explanatory precision over the rows.

    recall : float
        Mean explanatory recall over the rows.

    fscore : float
        Mean explanatory F1 over the rows.

    See Also
    --------
    dice_score : The F1 of one thresholded attribution map, also known as Dice.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.explain import Explanation
    >>> from skxil.metrics import explanation_precision_recall_fscore
    >>> relevant = np.array([True, True, False, False])
    >>> explanations = [Explanation(1, [0, 2], [0.5, 0.1], n_features_in=4),
    ...                 Explanation(0, [0, 1], [0.3, -0.2], n_features_in=4)]
    >>> p, r, f = explanation_precision_recall_fscore(explanations, relevant)
    >>> print(f"{p:.3f} {r:.3f} {f:.3f}")
    0.750 0.750 0.750
    """
    if _is_ragged(explanations, relevant):
        hits, n_selected, n_relevant = _ragged_counts(explanations, relevant)
    else:
        selected = _as_selected(explanations)
        if selected.shape[0] == 0:
            raise ValueError("explanations is empty; at least one row is needed.")
        relevant = _as_masks(relevant, selected.shape, "relevant")
        hits = np.logical_and(selected, relevant).sum(axis=1)
        n_selected, n_relevant = selected.sum(axis=1), relevant.sum(axis=1)
    precision = _safe_divide(hits, n_selected)
    recall = _safe_divide(hits, n_relevant)
    fscore = _safe_divide(2 * precision * recall, precision + recall)
    return float(precision.mean()), float(recall.mean()), float(fscore.mean())


def _friedrich_normalize(attributions):
    """Positive part, then min-max scaled to [0, 1] per row (0 for a flat row)."""
    positive = np.maximum(attributions, 0.0)
    shifted = positive - positive.min(axis=1, keepdims=True)
    return _safe_divide(shifted, shifted.max(axis=1, keepdims=True))


@validate_params(
    {
        "attributions": ["array-like", Explanation],
        "irrelevant": ["array-like"],
        # the threshold applies to attributions min-max normalised to [0, 1]
        "threshold": [Interval(Real, 0, 1, closed="both"), None],
    },
    prefer_skip_nested_validation=True,
)
def wrong_reason_score(
    attributions: list[Explanation] | ArrayLike,
    irrelevant: ArrayLike,
    *,
    threshold: float | None = None,
) -> float:
    """Wrong-reason (WR) score of Friedrich et al. (2023): activation on the confounder.

    The WR metric of Friedrich, Stammer, Schramowski and Kersting, "A typology
    for exploring the mitigation of shortcut behaviour" (Nature Machine
    Intelligence, 2023), as implemented in their code
    (``explainer.quantify_wrong_reason``): the share of the irrelevant
    (confounding) features on which a row's explanation is active, averaged
    over rows. For row :math:`i` with attributions :math:`a_i` and irrelevant
    mask :math:`m_i`:

    1. keep the positive part and min-max normalise it to [0, 1]:
       :math:`n_i = (a_i^+ - \\min a_i^+) / (\\max a_i^+ - \\min a_i^+)`;
    2. binarise at the threshold :math:`t`: :math:`b_{ij} = [n_{ij} > t]`;
    3. :math:`\\mathrm{WR}_i = \\sum_j b_{ij} m_{ij} / \\sum_j m_{ij}`.

    The score is the mean of :math:`\\mathrm{WR}_i`, in [0, 1] (the paper
    reports it in percent). Lower is better: 0 means no irrelevant feature is
    active. By default :math:`t` is the mean normalised activation over all
    rows and features, the value their code computes in its ``mode='mean'``
    pass and then uses as the binarisation threshold.

    Rows with no positive attribution (their normalised map is all zero) are
    left out, as in the original; so are rows with no irrelevant feature,
    where the score is undefined. Differences from the original code: it
    divides by ``max + 1e-6`` to avoid dividing by zero (here flat rows are
    left out instead), and leaves values exactly equal to the threshold
    un-binarised (here they count as inactive).

    Parameters
    ----------
    attributions : list of Explanation or array-like of shape \
            (n_samples, n_features)
        Attribution maps, for instance input gradients, flattened. An
        :class:`~skxil.explain.Explanation` counts as its weights at its
        features and zero elsewhere.

    irrelevant : array-like of bool of shape (n_features,) or \
            (n_samples, n_features)
        The confounding features (the decoy pixels), for all rows or per row.

    threshold : float, default=None
        Binarisation threshold on the normalised attributions, in [0, 1].
        ``None`` means the mean normalised activation of the rows scored.

    Returns
    -------
    score : float
        Mean WR over the scored rows, in [0, 1]; 0.0 when no row can be
        scored.

    See Also
    --------
    attribution_overlap : Share of the attribution mass on the irrelevant
        features, without normalisation or threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.metrics import wrong_reason_score
    >>> attributions = np.array([[0.0, 1.0, 0.2, 0.9],
    ...                          [0.8, 0.0, 0.0, 0.1]])
    >>> irrelevant = np.array([False, False, True, True])
    >>> wrong_reason_score(attributions, irrelevant, threshold=0.5)
    0.25
    """
    attributions = _as_attributions(attributions)
    irrelevant = _as_masks(irrelevant, attributions.shape, "irrelevant")
    normalized = _friedrich_normalize(attributions)
    keep = normalized.any(axis=1) & irrelevant.any(axis=1)
    if not keep.any():
        return 0.0
    normalized, irrelevant = normalized[keep], irrelevant[keep]
    if threshold is None:
        threshold = float(normalized.mean())
    active = normalized > threshold
    per_row = (active & irrelevant).sum(axis=1) / irrelevant.sum(axis=1)
    return float(per_row.mean())


@validate_params(
    {"attributions": ["array-like", Explanation], "irrelevant": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def attribution_overlap(
    attributions: list[Explanation] | ArrayLike, irrelevant: ArrayLike
) -> float:
    """Share of the attribution mass that falls on the irrelevant features.

    .. math::

        \\mathrm{overlap} = \\frac{\\sum_{i,j} |F_{ij} T_{ij}|}
                                 {\\sum_{i,j} |T_{ij}|}

    with :math:`T` the attributions and :math:`F` the irrelevant mask, summed
    over all rows and features (a ratio of totals, so rows with more
    attribution weigh more). 0 means the explanations ignore the irrelevant
    features, 1 that they use nothing else. 0.0 when all attributions are
    zero.

    Parameters
    ----------
    attributions : list of Explanation or array-like of shape \
            (n_samples, n_features)
        Attributions; signs are ignored. An
        :class:`~skxil.explain.Explanation` counts as its weights at its
        features and zero elsewhere.

    irrelevant : array-like of bool of shape (n_features,) or \
            (n_samples, n_features)
        The irrelevant features, for all rows or per row.

    Returns
    -------
    overlap : float
        In [0, 1].

    See Also
    --------
    wrong_reason_score : Friedrich et al.'s thresholded variant.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.metrics import attribution_overlap
    >>> attributions = np.array([[0.5, -0.25, 0.25]])
    >>> attribution_overlap(attributions, [False, True, False])
    0.25
    """
    attributions = _as_attributions(attributions)
    irrelevant = _as_masks(irrelevant, attributions.shape, "irrelevant")
    magnitude = np.abs(attributions)
    total = magnitude.sum()
    if total == 0:
        return 0.0
    return float(magnitude[irrelevant].sum() / total)


@validate_params(
    {
        "explanation": ["array-like", Explanation],
        "mask": ["array-like"],
        # compared with |attribution|: a negative threshold would select all
        "threshold": [Interval(Real, 0, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def dice_score(
    explanation: Explanation | list[Explanation] | ArrayLike,
    mask: ArrayLike,
    *,
    threshold: float | None = None,
) -> float:
    """Dice coefficient between a thresholded explanation and a mask.

    :math:`\\mathrm{Dice}(A, M) = 2 |A \\cap M| / (|A| + |M|)`, where
    :math:`A` is the set of features the explanation selects and :math:`M`
    the mask, for instance the ground-truth relevant (or confounding)
    features. 1.0 when both are empty.

    Parameters
    ----------
    explanation : Explanation, array-like of shape (n_features,), or a batch \
            (list of Explanation or array-like of shape (n_samples, n_features))
        Attributions of one explained instance, or of several.

    mask : array-like of bool of shape (n_features,) or (n_samples, n_features)
        The mask to compare with, for all rows or per row.

    threshold : float, default=None
        The explanation selects the features with ``|attribution| >=
        threshold``, a non-negative number. ``None`` means the features the explanation selected:
        the ``features`` of an :class:`~skxil.explain.Explanation`, or the
        nonzero entries of an array.

    Returns
    -------
    dice : float
        In [0, 1]; for a batch, the mean over the rows.

    See Also
    --------
    explanation_precision_recall_fscore : Precision and recall as well.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.metrics import dice_score
    >>> attributions = np.array([0.9, -0.6, 0.1, 0.0])
    >>> mask = np.array([True, True, True, False])
    >>> round(dice_score(attributions, mask), 3)
    1.0
    >>> round(dice_score(attributions, mask, threshold=0.5), 3)
    0.8
    """
    single = isinstance(explanation, Explanation) or (
        not _is_explanation_list(explanation) and np.ndim(explanation) == 1
    )
    if single:
        explanation = [explanation] if isinstance(explanation, Explanation) else (
            np.asarray(explanation)[np.newaxis]
        )
    if threshold is None and _is_explanation_list(explanation):
        selected = _as_selected(explanation, "explanation")
    else:
        attributions = _as_attributions(explanation, "explanation")
        if threshold is None:
            selected = attributions != 0
        else:
            selected = np.abs(attributions) >= float(threshold)
    mask = np.asarray(mask)
    if single and mask.ndim == 2:
        raise ValueError(
            f"mask must have shape ({selected.shape[1]},) for a single explanation; "
            f"got shape {mask.shape}."
        )
    mask = _as_masks(mask, selected.shape, "mask")
    overlap = np.logical_and(selected, mask).sum(axis=1)
    sizes = selected.sum(axis=1) + mask.sum(axis=1)
    dice = np.where(sizes == 0, 1.0, _safe_divide(2 * overlap, sizes))
    return float(dice.mean())


@validate_params(
    {"coef": ["array-like"], "rule_vectors": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def rule_decomposition(
    coef: ArrayLike, rule_vectors: ArrayLike
) -> tuple[NDArray[np.float64], float | NDArray[np.float64]]:
    """Decompose a linear model's weights into the rules' ideal weight vectors.

    Solves the least-squares problem
    :math:`\\min_\\alpha \\lVert w - \\sum_k \\alpha_k r_k \\rVert_2` for the
    learned weight vector :math:`w` and the ideal weight vectors :math:`r_k`
    of the rules (for instance the features of each rule of
    :func:`~skxil.datasets.make_colors`), telling how much of each rule the
    model has learned and, through the residual, how much of what it learned
    is neither.

    Parameters
    ----------
    coef : array-like of shape (n_features,) or (n_outputs, n_features)
        Learned weights, such as ``LogisticRegression().coef_``.

    rule_vectors : array-like of shape (n_rules, n_features)
        Ideal weight vector of each rule (boolean masks are taken as 0/1).

    Returns
    -------
    coefficients : ndarray of shape (n_rules,) or (n_outputs, n_rules)
        Least-squares coefficient of each rule (the minimum-norm solution
        when the rule vectors are linearly dependent).

    residual_norm : float or ndarray of shape (n_outputs,)
        Euclidean norm of ``coef - coefficients @ rule_vectors``. A float
        when ``coef`` is 1-D or has a single row (as ``coef_`` of a binary
        classifier does), in which case ``coefficients`` is 1-D too.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.metrics import rule_decomposition
    >>> rules = np.array([[1, 1, 0, 0], [0, 0, 1, 0]], dtype=bool)
    >>> coefficients, residual = rule_decomposition([2.0, 2.0, 0.5, 1.0], rules)
    >>> coefficients
    array([2. , 0.5])
    >>> float(residual)
    1.0
    """
    coef = np.asarray(coef, dtype=np.float64)
    rule_vectors = np.asarray(rule_vectors, dtype=np.float64)
    if rule_vectors.ndim != 2:
        raise ValueError(
            "rule_vectors must have shape (n_rules, n_features); got shape "
            f"{rule_vectors.shape}."
        )
    squeeze = coef.ndim == 1 or (coef.ndim == 2 and coef.shape[0] == 1)
    coef_2d = np.atleast_2d(coef)
    if coef_2d.ndim != 2 or coef_2d.shape[1] != rule_vectors.shape[1]:
        raise ValueError(
            f"coef has shape {coef.shape} but rule_vectors has "
            f"{rule_vectors.shape[1]} features; coef must have shape "
            f"({rule_vectors.shape[1]},) or (n_outputs, {rule_vectors.shape[1]})."
        )
    if not (np.all(np.isfinite(coef_2d)) and np.all(np.isfinite(rule_vectors))):
        raise ValueError("coef and rule_vectors must be finite.")
    solution, *_ = np.linalg.lstsq(rule_vectors.T, coef_2d.T, rcond=None)
    coefficients = solution.T  # (n_outputs, n_rules)
    residual = np.linalg.norm(coef_2d - coefficients @ rule_vectors, axis=1)
    if squeeze:
        return coefficients[0], float(residual[0])
    return coefficients, residual
