"""Base class of skxil explainers."""

from abc import ABCMeta, abstractmethod

from sklearn.base import BaseEstimator


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
    def fit(self, X, y=None, *, feature_names=None):
        """Learn from background data; return self."""

    @abstractmethod
    def explain(self, model, X):
        """Return a list with one Explanation per row of X."""
