"""Adapter over lime's tabular and text explainers, with repeat-and-vote."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseExplainer
from ._kinds import DenseRows, Documents, check_fitted_mode, check_n_features
from ._lime_params import LIME_CONSTRAINTS, share_docstring
from ._stability import Stability
from ._utils import (
    _vote,
    check_category_codes,
    check_documents,
    check_predict_proba,
    dense_float,
    split_document,
    vote,
)

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike, RandomStateLike
    from ._explanation import Explanation

__all__ = ["LimeExplainer", "vote"]


@share_docstring
class LimeExplainer(BaseExplainer):
    """LIME explanations through the ``lime`` package, stabilised by voting.

    Wraps :class:`lime.lime_tabular.LimeTabularExplainer` (``mode="tabular"``)
    or :class:`lime.lime_text.LimeTextExplainer` (``mode="text"``, bag of
    words). Each row is explained ``n_repeats`` times with different seeds
    and the ``n_features`` features chosen most often are kept, as the CAIPI
    paper does to stabilise LIME. Every call to :meth:`explain` is seeded
    from ``random_state``, so repeated calls give the same explanations.

    In text mode ``X`` is a 1-D sequence of documents and the model takes a
    list of documents (e.g. a Pipeline starting with a vectorizer). The
    features of a document's explanation are its distinct words in order of
    first occurrence, as lime indexes them (split on ``\\W+``):
    ``all_feature_names`` are those words, ``n_features_in`` their number and
    ``tokens`` the document cut into words and separators.

    Parameters
    ----------
    %(n_features)s

    mode : {"tabular", "text"}, default="tabular"
        Which lime explainer to use.

    %(sampling)s

    feature_selection : {"highest_weights", "forward_selection", "lasso_path", \
            "none", "auto"}, default="highest_weights"
        lime's feature selection method.

    %(tabular)s

    n_jobs : int, default=None
        Number of joblib jobs over rows. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context.

    random_state : int, RandomState instance or None, default=None
        Seeds the perturbations of every call to :meth:`explain`.

    Attributes
    ----------
    n_features_in_ : int
        Tabular mode: number of features of the background data.

    feature_names_ : list of str
        Tabular mode: names of the features (given to :meth:`fit` or
        ``"x0"``, ...).

    lime_explainer_ : lime explainer
        The underlying ``LimeTabularExplainer`` or ``LimeTextExplainer``.

    See Also
    --------
    FastLimeExplainer : The same procedure without lime, much faster.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.explain import LimeExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=1000).fit(X, y)
    >>> explainer = LimeExplainer(n_features=2, n_samples=500, random_state=0)
    >>> explanation, = explainer.fit(X).explain(model, X[:1])
    >>> explanation.predicted_class, len(explanation.features)
    (np.int64(0), 2)
    """

    _parameter_constraints: dict = {
        **LIME_CONSTRAINTS,
        "mode": [StrOptions({"tabular", "text"})],
        "feature_selection": [
            StrOptions(
                {"highest_weights", "forward_selection", "lasso_path", "none", "auto"}
            )
        ],
    }

    def __init__(
        self,
        n_features: int = 10,
        *,
        mode: str = "tabular",
        n_samples: int = 5000,
        n_repeats: int = 1,
        kernel_width: float | None = None,
        feature_selection: str = "highest_weights",
        discretize_continuous: bool = True,
        categorical_features: ArrayLike | None = None,
        categorical_names: dict | None = None,
        n_jobs: int | None = None,
        random_state: RandomStateLike = None,
    ) -> None:
        self.n_features = n_features
        self.mode = mode
        self.n_samples = n_samples
        self.n_repeats = n_repeats
        self.kernel_width = kernel_width
        self.feature_selection = feature_selection
        self.discretize_continuous = discretize_continuous
        self.categorical_features = categorical_features
        self.categorical_names = categorical_names
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(
        self,
        X: MatrixLike | None = None,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> LimeExplainer:
        """Build lime's explainer on background data.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, \
                n_features_in), default=None
            Background data (the learner's real training rows); needed in
            tabular mode, ignored in text mode. Sparse input is densified.

        y : None
            Ignored.

        feature_names : array-like of str, default=None
            Tabular mode: feature names; taken from the columns of a
            DataFrame ``X`` when not given.

        Returns
        -------
        self : LimeExplainer
            The fitted explainer.
        """
        self._validate_params()
        self._kind = _LIME_KINDS[self.mode].fit(self, X, feature_names)
        for name, value in self._kind.fitted_attributes().items():
            setattr(self, name, value)
        return self

    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Explain the model's prediction on each row of ``X``.

        Parameters
        ----------
        model : classifier
            Fitted model with ``classes_`` and ``predict_proba`` on the raw
            input space (text mode: on a list of documents).

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, \
                n_features_in) or sequence of str
            Rows to explain (text mode: documents).

        Returns
        -------
        explanations : list of Explanation
            One per row, explaining the predicted class.
        """
        check_is_fitted(self, "lime_explainer_")
        check_fitted_mode(self)
        check_predict_proba(model)
        X, instances = self._kind.check_rows(X)
        n_rows = len(instances)
        if n_rows == 0:
            return []
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=(n_rows, self.n_repeats))
        classes = getattr(model, "classes_", None)
        proba = np.asarray(model.predict_proba(X))
        labels = np.argmax(proba, axis=1)

        def predict_fn(Z):
            return model.predict_proba(Z)

        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_explain_row)(
                self.lime_explainer_,
                X[i],
                predict_fn,
                int(labels[i]),
                seeds[i],
                min(self.n_features, self._kind.width(instances[i])),
                self.n_samples,
            )
            for i in range(n_rows)
        )
        explanations = []
        for i, (features, weights, intercept, score, stability) in enumerate(results):
            label = int(labels[i])
            explanations.append(
                self._kind.explanation(
                    instances[i],
                    classes[label] if classes is not None else label,
                    features,
                    weights,
                    class_index=label,
                    proba=proba[i, label],
                    intercept=intercept,
                    score=score,
                    stability=stability,
                )
            )
        return explanations


class _LimeRows(DenseRows):
    """Dense tabular rows through ``LimeTabularExplainer`` (sparse rows are
    densified)."""

    explainer_name = "LimeExplainer"
    sampler_attribute = "lime_explainer_"

    @classmethod
    def fit(cls, explainer, X, feature_names):
        from lime.lime_tabular import LimeTabularExplainer

        X, feature_names, categorical, names = cls.check_background(
            explainer, X, feature_names
        )
        lime_explainer = LimeTabularExplainer(
            X,
            mode="classification",
            feature_names=feature_names,
            categorical_features=explainer.categorical_features,
            # lime adds its discretiser's names to this dict: a copy of ours
            categorical_names=dict(names),
            kernel_width=explainer.kernel_width,
            feature_selection=explainer.feature_selection,
            discretize_continuous=explainer.discretize_continuous,
            random_state=np.random.RandomState(0),
        )
        return cls(lime_explainer, X.shape[1], feature_names, categorical, names)

    @staticmethod
    def _dense_background(X):
        return dense_float(X, _TABULAR)

    def check_rows(self, X):
        """The rows to explain as lime and the model take them, and the rows
        prepared for :meth:`explanation`."""
        X = dense_float(X, _TABULAR)
        check_n_features(X.shape[1], self.n_features_in)
        check_category_codes(X, self.names, self.feature_names)
        return X, list(X.copy())  # copies: explanations keep their rows

    def width(self, instance):
        """The number of interpretable features of a prepared row."""
        return self.n_features_in


class _LimeDocuments(Documents):
    """Raw documents through ``LimeTextExplainer`` (bag of words)."""

    sampler_attribute = "lime_explainer_"

    @classmethod
    def fit(cls, explainer, X, feature_names):
        from lime.lime_text import LimeTextExplainer

        kernel_width = explainer.kernel_width
        return cls(
            LimeTextExplainer(
                kernel_width=25 if kernel_width is None else kernel_width,
                feature_selection=explainer.feature_selection,
                bow=True,
                random_state=np.random.RandomState(0),
            )
        )

    def check_rows(self, X):
        X = check_documents(X)
        return X, [split_document(doc) for doc in X]

    def width(self, instance):
        return len(instance[2])


_TABULAR = "The tabular LIME explainer"

#: The kind of each ``mode``.
_LIME_KINDS = {"tabular": _LimeRows, "text": _LimeDocuments}


def _explain_row(lime_explainer, x, predict_fn, label, seeds, k, n_samples):
    """Run lime ``len(seeds)`` times on one row and vote.

    Returns the voted features and weights, the mean intercept and score,
    and the :class:`Stability` of the vote over the runs (None for one run).

    lime's explainer, discretiser and surrogate share one RandomState object;
    reseeding it in place seeds a whole run. The explainer is copied first so
    that concurrent rows (threading backend) never share that state.
    """
    if k == 0:  # a document without words: nothing to perturb
        return np.empty(0, dtype=np.intp), np.empty(0), None, None, None
    lime_explainer = copy.deepcopy(lime_explainer)
    runs, intercepts, scores = [], [], []
    for seed in seeds:
        lime_explainer.random_state.seed(int(seed))
        exp = lime_explainer.explain_instance(
            x, predict_fn, labels=(label,), num_features=k, num_samples=n_samples
        )
        runs.append(exp.as_map()[label])
        intercepts.append(exp.intercept[label])
        scores.append(exp.score)
    features, weights = _vote(runs, k)
    stability = None
    if len(runs) > 1:
        stability = Stability.from_runs(
            features, [([j for j, _ in run], [w for _, w in run]) for run in runs]
        )
    return (
        features,
        weights,
        float(np.mean(intercepts)),
        float(np.mean(scores)),
        stability,
    )
