"""Adapter over lime's tabular and text explainers, with repeat-and-vote."""

import copy

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._validation import _is_dataframe
from ._base import BaseExplainer
from ._explanation import Explanation
from ._lime_params import LIME_CONSTRAINTS, share_docstring
from ._utils import (
    _vote,
    check_categorical,
    check_category_codes,
    check_documents,
    check_feature_names,
    check_predict_proba,
    dense_float,
    feature_labels,
    split_document,
    vote,
)

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
        n_features=10,
        *,
        mode="tabular",
        n_samples=5000,
        n_repeats=1,
        kernel_width=None,
        feature_selection="highest_weights",
        discretize_continuous=True,
        categorical_features=None,
        categorical_names=None,
        n_jobs=None,
        random_state=None,
    ):
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

    def fit(self, X=None, y=None, *, feature_names=None):
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
        if self.mode == "text":
            from lime.lime_text import LimeTextExplainer

            self.lime_explainer_ = LimeTextExplainer(
                kernel_width=25 if self.kernel_width is None else self.kernel_width,
                feature_selection=self.feature_selection,
                bow=True,
                random_state=np.random.RandomState(0),
            )
            return self

        from lime.lime_tabular import LimeTabularExplainer

        if X is None:
            raise ValueError("LimeExplainer(mode='tabular').fit needs X.")
        if feature_names is None and _is_dataframe(X):
            feature_names = list(X.columns)
        X = dense_float(X, "The tabular LIME explainer")
        n_features = X.shape[1]
        feature_names = check_feature_names(feature_names, n_features)
        categorical, names = check_categorical(
            self.categorical_features, self.categorical_names, n_features
        )
        check_category_codes(X, names, feature_names, "the background data X")
        self.lime_explainer_ = LimeTabularExplainer(
            X,
            mode="classification",
            feature_names=feature_names,
            categorical_features=self.categorical_features,
            # lime adds its discretiser's names to this dict: a copy of ours
            categorical_names=dict(names),
            kernel_width=self.kernel_width,
            feature_selection=self.feature_selection,
            discretize_continuous=self.discretize_continuous,
            random_state=np.random.RandomState(0),
        )
        self.n_features_in_ = n_features
        self.feature_names_ = feature_names
        return self

    def explain(self, model, X):
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
        check_predict_proba(model)
        if self.mode == "text":
            X = check_documents(X)
            n_rows = len(X)
        else:
            X = dense_float(X, "The tabular LIME explainer")
            if X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but the explainer was fitted on "
                    f"{self.n_features_in_}."
                )
            categorical, names = check_categorical(
                self.categorical_features, self.categorical_names, self.n_features_in_
            )
            check_category_codes(X, names, self.feature_names_)
            n_rows = X.shape[0]
        if n_rows == 0:
            return []
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=(n_rows, self.n_repeats))
        classes = getattr(model, "classes_", None)
        proba = np.asarray(model.predict_proba(X))
        labels = np.argmax(proba, axis=1)

        def predict_fn(Z):
            return model.predict_proba(Z)

        if self.mode == "text":
            documents = [split_document(doc) for doc in X]
            widths = [len(words) for _, _, words in documents]
        else:
            widths = [self.n_features_in_] * n_rows
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_explain_row)(
                self.lime_explainer_,
                X[i],
                predict_fn,
                int(labels[i]),
                seeds[i],
                min(self.n_features, widths[i]),
                self.n_samples,
            )
            for i in range(n_rows)
        )
        explanations = []
        for i, (features, weights, intercept, score) in enumerate(results):
            label = int(labels[i])
            extra = {}
            if self.mode == "text":
                pieces, _, words = documents[i]
                extra = dict(all_feature_names=words, tokens=pieces)
            else:
                extra = dict(
                    all_feature_names=self.feature_names_,
                    feature_labels=feature_labels(
                        self.feature_names_, X[i], categorical, names
                    ),
                    instance=X[i].copy(),
                )
            explanations.append(
                Explanation(
                    classes[label] if classes is not None else label,
                    features,
                    weights,
                    widths[i],
                    class_index=label,
                    proba=proba[i, label],
                    intercept=intercept,
                    score=score,
                    **extra,
                )
            )
        return explanations


def _explain_row(lime_explainer, x, predict_fn, label, seeds, k, n_samples):
    """Run lime ``len(seeds)`` times on one row and vote.

    lime's explainer, discretiser and surrogate share one RandomState object;
    reseeding it in place seeds a whole run. The explainer is copied first so
    that concurrent rows (threading backend) never share that state.
    """
    if k == 0:  # a document without words: nothing to perturb
        return np.empty(0, dtype=np.intp), np.empty(0), None, None
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
    return features, weights, float(np.mean(intercepts)), float(np.mean(scores))
