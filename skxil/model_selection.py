"""Model selection that sees wrong reasons: a right-reasons scorer for searches.

Cross-validation folds of confounded data carry the same confounder as the
training folds, so plain accuracy rewards a model for relying on it: a grid
search over ``n_counterexamples`` picks ``0``. :class:`RightReasonsScorer`
scores each validation fold on its rows with the features the person said are
irrelevant (the correction sets) re-drawn, labels kept: the accuracy of the
model when what it should not rely on is randomised. It is a ``scoring=`` for
:class:`~sklearn.model_selection.GridSearchCV`,
:class:`~sklearn.model_selection.HalvingGridSearchCV`,
:func:`~sklearn.model_selection.cross_val_score` and
:func:`~sklearn.model_selection.cross_validate`, and takes the validation
fold's corrections through scikit-learn's metadata routing.
"""


from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import UNCHANGED, _routing_enabled
from sklearn.utils.validation import _check_sample_weight, _num_samples, check_array

from ._inputs import DocumentsInput, input_kind
from ._training_set import TrainingSet
from .counterexamples import COUNTEREXAMPLE_STRATEGIES, TEXT_COUNTEREXAMPLE_STRATEGIES
from .utils._validation import _is_dataframe

if TYPE_CHECKING:
    from collections.abc import Callable

    from .utils._typing import ArrayLike, RandomStateLike

__all__ = ["RightReasonsScorer"]


class RightReasonsScorer(BaseEstimator):
    """Score a model on rows whose corrected features are re-drawn.

    For each row with a non-empty correction set (the features a person said
    the model must not rely on), ``n_draws`` copies are made in which those
    features are re-drawn, exactly as counterexamples are
    (:func:`skxil.counterexamples.make_counterexamples`; for a DataFrame a
    non-numeric column is re-drawn among its observed values), with the
    row's label kept. The score is ``score_func`` over the rows without a
    correction and the copies of the corrected rows, each copy weighing
    ``1 / n_draws`` of its row, so that every row counts once: for the
    default, the accuracy when what the person said is irrelevant is
    randomised. A model that relies on a confounder scores as it would on
    data without the confounder; a model that ignores the corrected features
    scores its plain accuracy. The statistics the features are re-drawn from
    (ranges, observed values, donor rows) are those of the scored rows.

    The scorer is a ``scoring=`` for scikit-learn's searches and
    cross-validation. The corrections reach it through metadata routing,
    split with the rows of each validation fold::

        sklearn.set_config(enable_metadata_routing=True)
        learner = CaipiClassifier(...).set_fit_request(corrections=True)
        scorer = RightReasonsScorer(random_state=0).set_score_request(corrections=True)
        GridSearchCV(learner, grid, scoring=scorer).fit(X, y, corrections=mask)

    Without metadata routing, give the correction set of every row as
    ``features``.

    Parameters
    ----------
    features : array-like of int or str, default=None
        A correction set applied to every scored row (feature indices, or
        column names for a DataFrame), used when no ``corrections`` are
        passed to the call. ``None`` means that ``corrections`` must be
        passed (routed).

    n_draws : int, default=10
        Number of copies per corrected row (per corrected feature when
        ``per_feature=True``). More copies lower the variance of the score.

    strategy : {"randomize", "alternative", "substitute", "remove"}, \
            default="randomize"
        How corrected features are re-drawn, as
        ``CaipiClassifier(counterexample_strategy=...)``. ``"remove"`` applies
        to raw documents only.

    per_feature : bool, default=False
        If True, re-draw each corrected feature on its own in ``n_draws``
        copies; otherwise the corrected features are re-drawn together.

    score_func : callable, default=None
        ``score_func(y_true, y_pred, sample_weight=...)``, greater is better.
        ``None`` means :func:`~sklearn.metrics.accuracy_score`.

    random_state : int, RandomState instance or None, default=None
        Seeds the draws. With an int every call draws the same way, so that
        every candidate of a search is scored on the same copies of a fold.

    See Also
    --------
    skxil.counterexamples.make_counterexamples : How the copies are drawn.
    skxil.CaipiClassifier : The learner whose ``n_counterexamples`` is searched.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.model_selection import RightReasonsScorer
    >>> X, X_test, y, y_test, relevant = make_confounded_classification(
    ...     400, random_state=0)
    >>> model = LogisticRegression().fit(X, y)      # leans on the decoy
    >>> float(model.score(X, y)) > 0.95
    True
    >>> scorer = RightReasonsScorer(features=[X.shape[1] - 1], random_state=0)
    >>> float(scorer(model, X, y)) < 0.8
    True

    The corrections as a mask, as a search passes them:

    >>> mask = np.zeros(X.shape, dtype=bool)
    >>> mask[:, -1] = True
    >>> float(scorer(model, X, y, corrections=mask)) == float(scorer(model, X, y))
    True
    """

    _parameter_constraints: dict = {
        "features": ["array-like", None],
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "strategy": [
            StrOptions(set(COUNTEREXAMPLE_STRATEGIES) | set(TEXT_COUNTEREXAMPLE_STRATEGIES))
        ],
        "per_feature": ["boolean"],
        "score_func": [callable, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        features: ArrayLike | None = None,
        *,
        n_draws: int = 10,
        strategy: str | Callable = "randomize",
        per_feature: bool = False,
        score_func: Callable | None = None,
        random_state: RandomStateLike = None,
    ) -> None:
        self.features = features
        self.n_draws = n_draws
        self.strategy = strategy
        self.per_feature = per_feature
        self.score_func = score_func
        self.random_state = random_state

    def __call__(self, estimator, X, y, *, corrections=None, sample_weight=None):
        """Score a fitted estimator on ``X`` with corrected features re-drawn.

        Parameters
        ----------
        estimator : estimator object
            A fitted classifier (a :class:`~skxil.CaipiClassifier`, a
            Pipeline, any model with ``predict``) that takes ``X``.

        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
                or sequence of str
            The scored rows (a validation fold), in the estimator's input space.

        y : array-like of shape (n_samples,)
            Their labels.

        corrections : sequence or mask of shape (n_samples, n_features), \
                default=None
            Correction sets of the rows, in any form
            :meth:`CaipiClassifier.fit <skxil.CaipiClassifier.fit>` takes
            (per row: feature indices or column names; or one boolean mask,
            dense or sparse). ``None`` means ``features`` on every row.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            ``score_func`` on the rows with their corrected features re-drawn.
        """
        self._validate_params()
        kind = input_kind(X)
        X_rows = self._check_rows(X, kind)
        n = _num_samples(X_rows)
        if n == 0:
            raise ValueError("X has 0 rows; the scorer needs at least one.")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(
                f"y must have one label per row of X: X has {n} rows, y has "
                f"shape {y.shape}."
            )
        weight = _check_sample_weight(sample_weight, np.empty(n), dtype=np.float64)
        corrections = self._check_corrections(corrections, X_rows, n)
        score_func = accuracy_score if self.score_func is None else self.score_func

        made = None
        if corrections is not None:
            made = self._draw(kind, X_rows, y, corrections)
        y_pred = np.asarray(estimator.predict(X_rows))
        if made is None:
            return float(score_func(y, y_pred, sample_weight=weight))
        X_ce, y_ce, source = made
        corrected = np.zeros(n, dtype=bool)
        corrected[source] = True
        copies = np.bincount(source, minlength=n)
        y_ce_pred = np.asarray(estimator.predict(X_ce))
        keep = ~corrected
        y_true = np.concatenate([y[keep], y_ce])
        y_all = np.concatenate([y_pred[keep], y_ce_pred])
        w_all = np.concatenate([weight[keep], weight[source] / copies[source]])
        return float(score_func(y_true, y_all, sample_weight=w_all))

    @staticmethod
    def _check_rows(X, kind):
        if isinstance(kind, DocumentsInput):
            return np.asarray(list(X), dtype=object)
        if _is_dataframe(X):
            return X.reset_index(drop=True)
        return check_array(
            X, accept_sparse=["csr", "csc"], dtype=None, ensure_all_finite=False
        )

    def _check_corrections(self, corrections, X, n):
        if corrections is None:
            if self.features is None:
                raise ValueError(
                    "RightReasonsScorer got no corrections: pass corrections= "
                    "(with metadata routing enabled, request them with "
                    "set_score_request(corrections=True) so that searches route "
                    "each validation fold's corrections), or give the correction "
                    "set of every row as features=."
                )
            features = list(np.asarray(self.features).reshape(-1).tolist())
            return [features] * n if features else None
        if _num_samples(corrections) != n:
            raise ValueError(
                f"corrections must have one entry per row of X: X has {n} rows, "
                f"corrections has {_num_samples(corrections)}."
            )
        return corrections

    def _draw(self, kind, X, y, corrections):
        """The copies of the corrected rows: ``(X_ce, y_ce, source)`` or None."""
        kind.check_strategy(self.strategy)
        feature_names = None
        if _is_dataframe(X):
            feature_names = np.asarray(X.columns, dtype=object)
        rows = np.arange(len(y))
        common = {
            "feature_names": feature_names,
            "y_train": y,
            "n_counterexamples": self.n_draws,
            "strategy": self.strategy,
            "per_feature": self.per_feature,
            "row_index": rows,
            "random_state": check_random_state(self.random_state),
        }
        made = kind.counterexamples(TrainingSet(X, y, None), rows, corrections, common)
        if made is None or len(made[1]) == 0:
            return None
        return made

    # ------------------------------------------------------ metadata routing
    def set_score_request(self, *, corrections=UNCHANGED, sample_weight=UNCHANGED):
        """Request the metadata the scorer takes when a search routes it.

        Needs ``sklearn.set_config(enable_metadata_routing=True)``; see
        scikit-learn's user guide on metadata routing.

        Parameters
        ----------
        corrections : bool, str or None, default=UNCHANGED
            ``True`` to receive the ``corrections`` passed to the search's
            ``fit`` (split with the validation fold), a str to receive the
            metadata of that name instead, ``False`` or ``None`` not to.

        sample_weight : bool, str or None, default=UNCHANGED
            The same for ``sample_weight``.

        Returns
        -------
        self : RightReasonsScorer
            The scorer with the updated request.
        """
        if not _routing_enabled():
            raise RuntimeError(
                "set_score_request is only available when metadata routing is "
                "enabled: sklearn.set_config(enable_metadata_routing=True). "
                "Without routing, give the correction set of every row as "
                "features=."
            )
        request = self._get_metadata_request()
        for param, alias in (("corrections", corrections), ("sample_weight", sample_weight)):
            if alias is not UNCHANGED:
                request.score.add_request(param=param, alias=alias)
        self._metadata_request = request
        return self

    def _get_metadata_request(self):
        request = super()._get_metadata_request()
        for param in ("corrections", "sample_weight"):
            if param not in request.score.requests:
                request.score.add_request(param=param, alias=None)
        return request
