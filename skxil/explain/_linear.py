"""Exact explanations of linear models: contributions ``coef_ * x``."""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    KBinsDiscretizer,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils._param_validation import Interval, validate_params

from .._frames import frame_labels
from ..utils._validation import _is_dataframe
from ._base import BaseExplainer
from ._explanation import Explanation
from ._utils import background_features

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike

# Transformers whose output column j depends only on input column j.
_FEATUREWISE = (
    StandardScaler,
    MinMaxScaler,
    MaxAbsScaler,
    RobustScaler,
    PowerTransformer,
    QuantileTransformer,
    Binarizer,
    SimpleImputer,
    OrdinalEncoder,
)


def _is_passthrough(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def _owners(step, n_in):
    """For each output column of a fitted transformer, the input column it reads.

    ``None`` when an output column mixes input columns (PCA, polynomial
    features, vectorizers), so contributions cannot be given per input
    column. One-hot columns are owned by their input column: their
    contributions add up to that column's.
    """
    if _is_passthrough(step):
        return np.arange(n_in)
    if isinstance(step, Pipeline):
        owner = np.arange(n_in)
        for _, inner in step.steps:
            inner_owner = _owners(inner, owner.shape[0])
            if inner_owner is None:
                return None
            owner = owner[inner_owner]
        return owner
    if isinstance(step, ColumnTransformer):
        return _column_transformer_owners(step, n_in)
    if isinstance(step, OneHotEncoder):
        per_feature = getattr(step, "_n_features_outs", None)
        if per_feature is None:
            return None
        return np.repeat(np.arange(n_in), per_feature)
    if isinstance(step, _FEATUREWISE) or (
        isinstance(step, KBinsDiscretizer) and step.encode == "ordinal"
    ):
        if isinstance(step, SimpleImputer) and step.add_indicator:
            return None
        return np.arange(n_in)
    if isinstance(step, FunctionTransformer) and (
        step.func is None or isinstance(step.func, np.ufunc)
    ):
        return np.arange(n_in)
    return None


def _column_transformer_owners(ct, n_in):
    inputs = getattr(ct, "_transformer_to_input_indices", None)
    if inputs is None or not hasattr(ct, "output_indices_"):
        return None
    n_out = max((s.stop for s in ct.output_indices_.values()), default=0)
    owner = np.full(n_out, -1, dtype=np.intp)
    for name, trans, _ in ct.transformers_:
        if isinstance(trans, str) and trans == "drop":
            continue
        columns = np.asarray(inputs[name], dtype=np.intp)
        inner = _owners(trans, columns.shape[0])
        out = ct.output_indices_[name]
        if inner is None or inner.shape[0] != out.stop - out.start:
            return None
        owner[out] = columns[inner]
    return None if (owner < 0).any() else owner


def _unwrap(model):
    """The fitted estimator behind wrappers exposing ``estimator_``/``estimator``.

    Ensembles (which have ``estimators_``) are not wrappers: their
    ``estimator_`` is only a template.
    """
    for _ in range(16):
        if (
            isinstance(model, Pipeline)
            or hasattr(model, "coef_")
            or hasattr(model, "estimators_")
        ):
            return model
        inner = getattr(model, "estimator_", None)
        if inner is None:
            inner = getattr(model, "estimator", None)
        if inner is None or inner is model:
            return model
        model = inner
    return model


def _linear_parts(model):
    """``(transformers, final estimator, coef (n_rows, n_features), intercept)``.

    Raises a TypeError when the final estimator has no ``coef_`` and a
    ValueError for a transformer that is not feature-wise or a ``coef_`` with
    neither one row nor one row per class.
    """
    model = _unwrap(model)
    if isinstance(model, Pipeline):
        steps = [s for _, s in model.steps]
        transforms, final = steps[:-1], steps[-1]
    else:
        transforms, final = [], model
    if not hasattr(final, "coef_"):
        raise TypeError(
            f"LinearExplainer needs a fitted linear model with coef_ (possibly at "
            f"the end of a Pipeline); {type(final).__name__} has none. Use "
            "FastLimeExplainer for other models."
        )
    for step in transforms:
        if _owners(step, 1 if _is_passthrough(step) else _n_in(step)) is None:
            raise ValueError(
                f"LinearExplainer attributes contributions to raw features only "
                f"through transformers whose output columns each read one input "
                f"column (scalers, imputers, one-hot encoders, column "
                f"transformers of them); {type(step).__name__} mixes or changes features. "
                "Use FastLimeExplainer for this pipeline."
            )
    coef = final.coef_
    coef = coef.toarray() if sparse.issparse(coef) else np.asarray(coef, dtype=float)
    coef = np.atleast_2d(coef)
    classes = getattr(final, "classes_", None)
    n_classes = 2 if classes is None else len(classes)
    one_vs_one = hasattr(final, "support_vectors_") and n_classes > 2  # libsvm
    if one_vs_one or (coef.shape[0] != 1 and coef.shape[0] != n_classes):
        raise ValueError(
            f"LinearExplainer needs one row of coef_ per class (or one for two "
            f"classes); {type(final).__name__} has {coef.shape[0]} rows for "
            f"{n_classes} classes"
            + (" (one per pair of classes)." if one_vs_one else ".")
        )
    intercept = np.broadcast_to(
        np.ravel(np.asarray(getattr(final, "intercept_", 0.0), dtype=float)),
        (coef.shape[0],),
    )
    return transforms, final, coef, intercept


def _n_in(step):
    """Number of input columns of a fitted transformer (1 when unknown)."""
    return int(getattr(step, "n_features_in_", 1))


@validate_params({"estimator": "no_validation"}, prefer_skip_nested_validation=True)
def is_linear_model(estimator: Any) -> bool:
    """Whether :class:`LinearExplainer` can explain a fitted estimator.

    True for a fitted classifier with ``coef_`` (one row, or one per class),
    alone or at the end of a :class:`~sklearn.pipeline.Pipeline` whose other
    steps are feature-wise transformers. This is how
    :class:`~skxil.CaipiClassifier` resolves ``explainer="auto"``.

    Parameters
    ----------
    estimator : estimator object
        A fitted estimator (or a wrapper exposing it as ``estimator_``).

    Returns
    -------
    linear : bool

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skxil.explain import is_linear_model
    >>> X, y = load_iris(return_X_y=True)
    >>> is_linear_model(LogisticRegression(max_iter=500).fit(X, y))
    True
    >>> is_linear_model(DecisionTreeClassifier().fit(X, y))
    False
    """
    try:
        _linear_parts(estimator)
    except (TypeError, ValueError):
        return False
    return True


class LinearExplainer(BaseExplainer):
    """Exact explanations of linear classifiers, without sampling.

    The contribution of feature ``j`` to the decision function of the
    predicted class is ``coef_[c, j] * x_j``, where ``c`` is the predicted
    class's row of ``coef_`` (binary models have one row, for
    ``classes_[1]``; their contributions are negated when class 0 is
    predicted, so that positive always means "towards the predicted class").
    The explanation keeps the ``n_features`` largest contributions in
    absolute value; all contributions plus ``intercept`` add up to the
    decision function of the predicted class (binary: its signed margin).

    Pipelines: for a :class:`~sklearn.pipeline.Pipeline` whose steps before
    the linear model are feature-wise (scalers such as
    :class:`~sklearn.preprocessing.StandardScaler`, imputers, quantile or
    power transforms, binarizers, ufunc ``FunctionTransformer``\\ s), ``x_j``
    is the transformed value of raw feature ``j``, so an affine scaler makes
    the contribution relative to its centering: ``coef_j * (x_j - mean_j) /
    scale_j``. One-hot encoders (alone, or in a
    :class:`~sklearn.compose.ColumnTransformer` beside scalers, ordinal
    encoders and imputers) give each value of a column its own coefficient:
    the contributions of a column's one-hot columns add up to the column's,
    so a mixed table is explained over its own columns (a categorical
    column of a DataFrame reads ``column=value``). A transformer whose output
    columns mix input columns (polynomial features, PCA, vectorizers) has no
    per-feature contribution: :meth:`explain` raises a ValueError and
    :class:`FastLimeExplainer` is the one to use.

    The explanations are exact and deterministic: there are no runs whose
    spread could be measured, so their ``stability`` is ``None`` (not
    measured), which thresholds such as ``SimulatedUser(min_stability=...)``
    treat as stable.

    Parameters
    ----------
    n_features : int, default=10
        Number of features in each explanation (k).

    Attributes
    ----------
    n_features_in_ : int
        Number of features of the data given to :meth:`fit` (when given).

    feature_names_ : list of str or None
        Names given to :meth:`fit` or the columns of its DataFrame.

    See Also
    --------
    is_linear_model : Whether a fitted estimator can be explained this way.
    FastLimeExplainer : LIME explanations of any model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.explain import LinearExplainer
    >>> X = np.array([[0., 1.], [1., 0.], [2., 1.], [3., 0.]])
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> explanation, = LinearExplainer(n_features=1).fit(X).explain(model, X[3:])
    >>> explanation.predicted_class, explanation.features
    (np.int64(1), array([0]))
    >>> bool(np.isclose(explanation.weights[0], model.coef_[0, 0] * 3))
    True
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 1, None, closed="left")],
    }

    # It applies the model's own transformers, so it takes rows as the model
    # does (a DataFrame with its dtypes), not numeric codes.
    works_on_raw_input = True

    def __init__(self, n_features: int = 10) -> None:
        self.n_features = n_features

    def fit(
        self,
        X: MatrixLike | None = None,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> LinearExplainer:
        """Remember the feature names; a linear explainer learns nothing else.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features), default=None
            Background data; only its number of features and column names
            are used.

        y : None
            Ignored.

        feature_names : array-like of str, default=None
            Feature names; taken from the columns of a DataFrame ``X`` when
            not given.

        Returns
        -------
        self : LinearExplainer
            The fitted explainer.
        """
        self._validate_params()
        n_features, self.feature_names_ = background_features(X, feature_names)
        if n_features is not None:
            self.n_features_in_ = n_features
        return self

    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Explain the linear model's prediction on each row of ``X``.

        Parameters
        ----------
        model : classifier
            Fitted linear classifier, a Pipeline of feature-wise transformers
            ending in one, or a wrapper exposing either as ``estimator_``
            (such as :class:`~skxil.CaipiClassifier`).

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            Rows to explain, in the model's raw input space.

        Returns
        -------
        explanations : list of Explanation
            One per row, with the contributions towards the predicted class.
        """
        self._validate_params()
        transforms, final, coef, intercept = _linear_parts(model)
        names = getattr(self, "feature_names_", None)
        if names is None and _is_dataframe(X):
            names = [str(c) for c in X.columns]
        raw = X
        Xt = X
        for step in transforms:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            Xt = step.transform(Xt)
        if _is_dataframe(Xt):
            Xt = Xt.to_numpy()
        Xt = Xt.toarray() if sparse.issparse(Xt) else np.asarray(Xt, dtype=float)
        n_rows = Xt.shape[0]
        n_raw = raw.shape[1]
        owner = np.arange(n_raw)
        for step in transforms:
            owner = owner[_owners(step, owner.shape[0])]
        if Xt.ndim != 2 or Xt.shape[1] != owner.shape[0] or (
            coef.shape[1] != owner.shape[0]
        ):
            raise ValueError(
                f"LinearExplainer needs one transformed feature per raw one (or "
                f"per one-hot value); got {n_raw} raw features, {Xt.shape[1]} "
                f"transformed and {coef.shape[1]} coefficients."
            )
        if n_rows == 0:
            return []
        scores = Xt @ coef.T + intercept
        classes = getattr(final, "classes_", getattr(model, "classes_", None))
        if coef.shape[0] == 1:
            labels = (scores[:, 0] > 0).astype(np.intp)
            sign = np.where(labels == 1, 1.0, -1.0)
            contributions = sign[:, None] * Xt * coef[0]
            offsets = sign * intercept[0]
        else:
            labels = np.argmax(scores, axis=1)
            contributions = Xt * coef[labels]
            offsets = intercept[labels]
        if not np.array_equal(owner, np.arange(n_raw)):
            # a column's one-hot contributions add up to the column's
            group = sparse.csr_matrix(
                (np.ones(owner.shape[0]), (np.arange(owner.shape[0]), owner)),
                shape=(owner.shape[0], n_raw),
            )
            contributions = np.asarray(contributions @ group)
        proba = model.predict_proba(raw) if hasattr(model, "predict_proba") else None
        values = None
        if not sparse.issparse(raw):
            values = raw.to_numpy() if _is_dataframe(raw) else np.asarray(raw)
            if values.dtype.kind not in "biuf":
                values = None
        else:
            values = raw.toarray()
        k = min(self.n_features, n_raw)
        labels_of = None
        if _is_dataframe(raw):
            labels_of = lambda i: frame_labels(raw, i, names)  # noqa: E731
        explanations = []
        for i in range(n_rows):
            order = np.argsort(-np.abs(contributions[i]), kind="stable")[:k]
            label = int(labels[i])
            explanations.append(
                Explanation(
                    classes[label] if classes is not None else label,
                    order,
                    contributions[i, order],
                    n_raw,
                    class_index=label,
                    all_feature_names=names,
                    feature_labels=None if labels_of is None else labels_of(i),
                    proba=None if proba is None else proba[i, label],
                    intercept=offsets[i],
                    instance=None if values is None else values[i].copy(),
                )
            )
        return explanations
