"""Base class of skxil explainers."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike
    from ._explanation import Explanation


class BaseExplainer(BaseEstimator, metaclass=ABCMeta):
    """Base class for explainers (stage 2 of the CAIPI loop).

    An explainer is an estimator-like component: its constructor only stores
    parameters (so ``set_params(explainer__n_features=3)`` works on a
    :class:`~skxil.CaipiClassifier`), :meth:`fit` learns what it needs from
    background data (the learner's real training rows, in the raw input
    space), and :meth:`explain` returns one
    :class:`~skxil.explain.Explanation` per row of ``X``.

    Subclasses implement :meth:`fit` and :meth:`explain`. The ``model`` given
    to :meth:`explain` has ``classes_`` and ``predict_proba`` working on the
    raw input space (what :class:`~skxil.CaipiClassifier` passes is its fitted
    estimator).
    """

    @abstractmethod
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> BaseExplainer:
        """Learn from background data; return self."""

    @abstractmethod
    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Return a list with one Explanation per row of X."""
