"""After training: choose training rows to review, and pre-fill corrections.

Feedback does not have to arrive while the pool is queried: a trained model can
be *reviewed* (Bekkemoen and Langseth). A reviewer is shown training rows with
their explanations, chosen by :func:`rank_for_review`, and answers through
:meth:`skxil.CaipiClassifier.review`. :func:`suggest_corrections` pre-fills a
correction form with the features the reviewer has corrected on other rows.

What was corrected is read from the training set itself: a counterexample
differs from its source row exactly in the features that were re-drawn, so the
corrected features of a real row are those on which any of its counterexamples
differs from it (for documents, the row's words that a counterexample lost).
"""

from __future__ import annotations

from collections import Counter
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted

from ._inputs import DocumentsInput
from ._training_set import take_rows

if TYPE_CHECKING:
    from ._caipi import CaipiClassifier
    from .explain import Explanation
    from .utils._typing import ArrayLike, NDArray, RandomStateLike

__all__ = ["corrected_features", "rank_for_review", "suggest_corrections"]

RANKINGS = ("uncertain", "corrected_features", "random")


def _is_documents(learner):
    return isinstance(getattr(learner, "_input", None), DocumentsInput)


def _check_learner(learner):
    check_is_fitted(learner)
    if not hasattr(learner, "training_set_"):
        raise TypeError(
            f"{type(learner).__name__} has no training_set_; review rankings need "
            "a fitted CaipiClassifier."
        )
    return learner.training_set_


@validate_params(
    {"learner": [HasMethods(["explain", "predict"])]},
    prefer_skip_nested_validation=True,
)
def corrected_features(learner: CaipiClassifier) -> dict:
    """The features corrected on each real training row.

    Read from the counterexamples: the corrected features of a row are those
    on which one of its counterexamples differs from it.

    Parameters
    ----------
    learner : CaipiClassifier
        A fitted learner.

    Returns
    -------
    corrected : dict
        Maps the index of each real row that has counterexamples to the set
        of its corrected features: column indices, or words for documents.
        Rows without counterexamples are absent.

    Examples
    --------
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.review import corrected_features
    >>> X, _, y, _, _ = make_confounded_classification(40, random_state=0)
    >>> learner = CaipiClassifier(random_state=0).fit(
    ...     X, y, corrections=[[5]] + [None] * 19)
    >>> corrected_features(learner)
    {0: {5}}
    """
    return _check_learner(learner).corrected_features()


def _counts(corrected):
    """How many rows each feature was corrected on."""
    counts = Counter()
    for features in corrected.values():
        counts.update(features)
    return counts


def _keys(learner, explanation):
    """The features an explanation shows, as :func:`corrected_features` names them."""
    if _is_documents(learner):
        return list(explanation.feature_names)
    return [int(j) for j in explanation.features]


def _margin(learner, X):
    """Gap between the two highest class scores (small: uncertain)."""
    if hasattr(learner, "predict_proba"):
        scores = np.asarray(learner.predict_proba(X), dtype=float)
    else:
        scores = np.asarray(learner.decision_function(X), dtype=float)
        if scores.ndim == 1:
            return np.abs(scores)
    if scores.shape[1] < 2:
        return np.zeros(scores.shape[0])
    top = np.sort(scores, axis=1)
    return top[:, -1] - top[:, -2]


@validate_params(
    {
        "learner": [HasMethods(["explain", "predict"])],
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(RANKINGS))],
        "exclude": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def rank_for_review(
    learner: CaipiClassifier,
    n_rows: int = 10,
    *,
    method: str = "uncertain",
    exclude: ArrayLike | None = None,
    random_state: RandomStateLike = None,
) -> NDArray[np.intp]:
    """Rank the training rows to show a reviewer, most worth reviewing first.

    Parameters
    ----------
    learner : CaipiClassifier
        A fitted learner; its real training rows are ranked.

    n_rows : int, default=10
        Number of rows to return (fewer when fewer rows are left).

    method : {"uncertain", "corrected_features", "random"}, default="uncertain"
        - ``"uncertain"``: the smallest gap between the two most probable
          classes first (``decision_function`` when there are no
          probabilities). When the explanations carry a ``stability`` that is
          not None, the least stable explanations come first instead (the gap
          breaks ties).
        - ``"corrected_features"``: the rows whose explanations put the
          largest share of their absolute weight on features that were
          corrected on *other* rows (:func:`corrected_features`) first; the
          gap breaks ties, so without any correction yet this is
          ``"uncertain"``.
        - ``"random"``: a random order.

    exclude : array-like of int, default=None
        Real rows not to rank (e.g. those already reviewed).

    random_state : int, RandomState instance or None, default=None
        Seeds ``"random"``.

    Returns
    -------
    indices : ndarray of int
        Indices into the real training rows (``training_set_.X_real``), to
        pass to :meth:`~skxil.CaipiClassifier.review`.

    Examples
    --------
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.review import rank_for_review
    >>> X, _, y, _, _ = make_confounded_classification(60, random_state=0)
    >>> learner = CaipiClassifier(random_state=0).fit(X, y)
    >>> rows = rank_for_review(learner, 3, method="random", random_state=0)
    >>> len(rows), bool(rows.max() < 30)
    (3, True)
    """
    ts = _check_learner(learner)
    n_real = ts.n_real
    candidates = np.arange(n_real)
    if exclude is not None:
        exclude = ts.check_real_rows(exclude, "exclude")
        candidates = np.setdiff1d(candidates, exclude)
    if candidates.size == 0:
        return candidates.astype(np.intp)
    if method == "random":
        rng = check_random_state(random_state)
        return rng.permutation(candidates)[:n_rows].astype(np.intp)

    X = take_rows(ts.X_real, candidates)
    margin = _margin(learner, X)
    if method == "uncertain":
        first = learner.explain(take_rows(X, [0]))[0]
        if getattr(first, "stability", None) is not None:
            stability = np.array(
                [
                    np.inf if e.stability is None else e.stability.score
                    for e in learner.explain(X)
                ]
            )
            order = np.lexsort((candidates, margin, stability))
        else:
            order = np.lexsort((candidates, margin))
        return candidates[order[:n_rows]].astype(np.intp)

    corrected = corrected_features(learner)
    counts = _counts(corrected)
    share = np.zeros(candidates.size)
    if counts:
        for i, (row, explanation) in enumerate(zip(candidates, learner.explain(X))):
            own = corrected.get(int(row), set())
            weights = np.abs(np.asarray(explanation.weights, dtype=float))
            total = weights.sum()
            if total == 0:
                continue
            elsewhere = np.array(
                [counts[f] - (f in own) > 0 for f in _keys(learner, explanation)],
                dtype=bool,
            )
            share[i] = weights[elsewhere].sum() / total
    order = np.lexsort((candidates, margin, -share))
    return candidates[order[:n_rows]].astype(np.intp)


@validate_params(
    {
        "learner": [HasMethods(["explain", "predict"])],
        "explanations": [list, tuple],
    },
    prefer_skip_nested_validation=True,
)
def suggest_corrections(
    learner: CaipiClassifier, explanations: list[Explanation]
) -> list[list]:
    """For each explanation, the shown features corrected on training rows.

    An interface can pre-fill a correction form with them: the features the
    explanation shows that the person has corrected on rows of the training
    set, most often corrected first (ties: the explanation's order). The
    global corrections (``always_correct``) are left out, since they apply to
    every row anyway.

    Parameters
    ----------
    learner : CaipiClassifier
        A fitted learner.

    explanations : list of Explanation
        Explanations, e.g. from ``learner.explain(rows)``.

    Returns
    -------
    suggestions : list of list
        One list per explanation: feature indices, column names when the
        learner was fitted on a DataFrame, or words for documents.

    Examples
    --------
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.review import suggest_corrections
    >>> X, X_test, y, _, _ = make_confounded_classification(60, random_state=0)
    >>> learner = CaipiClassifier(random_state=0).fit(
    ...     X, y, corrections=[[5], [5], [4]] + [None] * 27)
    >>> suggest_corrections(learner, learner.explain(X_test[:1]))
    [[5, 4]]
    """
    ts = _check_learner(learner)
    counts = _counts(corrected_features(learner))
    if getattr(learner, "always_correct", None) is not None and not _is_documents(learner):
        for j in learner._global_features(ts.X_real):
            counts.pop(int(j), None)
    names = getattr(learner, "feature_names_in_", None)
    suggestions = []
    for explanation in explanations:
        keys = _keys(learner, explanation)
        shown = [(-counts[f], position, f) for position, f in enumerate(keys) if counts[f] > 0]
        ranked = [f for _, _, f in sorted(shown)]
        if names is not None and not _is_documents(learner):
            ranked = [str(names[j]) for j in ranked]
        suggestions.append(ranked)
    return suggestions
