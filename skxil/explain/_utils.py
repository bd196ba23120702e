"""Helpers shared by the explainers: input checks, text splitting, voting."""

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import Interval, validate_params

from ..utils._text import WORD_SPLIT, check_documents, split_document  # noqa: F401
from ..utils._validation import _is_dataframe


def dense_float(X, what="The tabular explainer"):
    """A 2-D float64 ndarray from an array, DataFrame or sparse matrix."""
    if _is_dataframe(X):
        X = X.to_numpy()
    if sparse.issparse(X):
        X = X.toarray()
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D input; got an array of shape {X.shape}.")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{what} needs numeric features; got dtype {X.dtype}.")
    return np.asarray(X, dtype=np.float64)


def check_feature_names(feature_names, n_features):
    """Feature names as a list of str (``x0``, ``x1``, ... when None)."""
    if feature_names is None:
        return [f"x{j}" for j in range(n_features)]
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} entries but X has "
            f"{n_features} features."
        )
    return feature_names


def background_features(X, feature_names):
    """``(n_features, feature_names)`` of background rows, for an explainer's fit.

    ``n_features`` is None without ``X``; the names (a list of str, checked
    against ``X``) come from a DataFrame's columns when not given, and are
    None when neither gives them.
    """
    if feature_names is None and _is_dataframe(X):
        feature_names = list(X.columns)
    n_features = None if X is None else X.shape[1]
    if feature_names is not None:
        feature_names = check_feature_names(
            feature_names, len(feature_names) if n_features is None else n_features
        )
    return n_features, feature_names


def check_predict_proba(model, name="LIME"):
    if not hasattr(model, "predict_proba"):
        raise TypeError(
            f"{name} needs class probabilities, but {type(model).__name__} "
            "has no predict_proba method."
        )


def predict_proba(model, Z, n_rows):
    """``model.predict_proba(Z)`` as a C-contiguous float64 array, checked."""
    proba = np.asarray(model.predict_proba(Z))
    if proba.ndim != 2 or proba.shape[0] != n_rows:
        raise ValueError(
            "LIME needs predict_proba to return an array of shape (n_samples, "
            f"n_classes); got shape {proba.shape} for {n_rows} samples."
        )
    return np.ascontiguousarray(proba, dtype=np.float64)


@validate_params(
    {
        "runs": ["array-like"],
        "n_features": [Interval(numbers.Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def vote(runs, n_features):
    """Combine repeated explanations: keep the features chosen most often.

    Parameters
    ----------
    runs : list of list of (int, float)
        Each run's selected ``(feature, weight)`` pairs.

    n_features : int
        How many features to keep.

    Returns
    -------
    features : ndarray of int
        Features by decreasing count; ties by decreasing mean absolute weight,
        then by index.

    weights : ndarray of float
        Mean weight of each kept feature over the runs that selected it.
    """
    return _vote(runs, n_features)


def _vote(runs, n_features):
    """:func:`vote` without the parameter check, for the explainers' loops."""
    counts, sums = {}, {}
    for run in runs:
        for j, w in run:
            j = int(j)
            counts[j] = counts.get(j, 0) + 1
            sums[j] = sums.get(j, 0.0) + float(w)
    order = sorted(counts, key=lambda j: (-counts[j], -abs(sums[j] / counts[j]), j))[
        :n_features
    ]
    features = np.asarray(order, dtype=np.intp)
    weights = np.asarray([sums[j] / counts[j] for j in order], dtype=np.float64)
    return features, weights


def paired_vectors(first, second, names, dtypes):
    """``first`` and ``second`` as 1-D arrays of ``dtypes``, of one length.

    ``names`` name them in the error message.
    """
    first = np.asarray(first, dtype=dtypes[0]).reshape(-1)
    second = np.asarray(second, dtype=dtypes[1]).reshape(-1)
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length; got "
            f"{first.shape[0]} and {second.shape[0]}."
        )
    return first, second


def check_categorical(categorical_features, categorical_names, n_features):
    """Validated ``categorical_features`` and ``categorical_names``.

    Returns the categorical feature indices (a list of int, in the given
    order) and the names as ``{index: list of str}``; the keys of
    ``categorical_names`` must be categorical features in ``[0, n_features)``.
    Indices of ``categorical_features`` out of range are left to the sampler
    (lime ignores them).
    """
    categorical = (
        [] if categorical_features is None else [int(j) for j in categorical_features]
    )
    names = {}
    for key, values in (categorical_names or {}).items():
        if isinstance(key, bool) or not isinstance(key, numbers.Integral):
            raise TypeError(
                f"categorical_names keys must be feature indices; got {key!r}."
            )
        if not 0 <= key < n_features:
            raise ValueError(
                f"categorical_names has names for feature {key}, but the data has "
                f"{n_features} features."
            )
        if int(key) not in categorical:
            raise ValueError(
                f"categorical_names has names for feature {key}, which is not one "
                f"of categorical_features {categorical}."
            )
        if isinstance(values, str):
            raise TypeError(
                f"categorical_names[{key}] must be a sequence of value names, not "
                "a str."
            )
        names[int(key)] = [str(value) for value in values]
    return categorical, names


def check_category_codes(X, names, feature_names, what="X"):
    """Raise if a value of a named categorical feature has no name.

    A categorical feature ``j`` with names takes the codes ``0`` to
    ``len(names[j]) - 1``; its value ``v`` is named ``names[j][int(v)]``.
    """
    for j, values in names.items():
        codes = np.unique(X[:, j])
        bad = codes[(codes != np.floor(codes)) | (codes < 0) | (codes >= len(values))]
        if bad.size:
            raise ValueError(
                f"Feature {feature_names[j]!r} (index {j}) of {what} has the value "
                f"{_code(bad[0])}, but categorical_names[{j}] names only the codes "
                f"0 to {len(values) - 1}."
            )


def _code(value):
    """A category's value as text: ``2`` for ``2.0``, else the float."""
    return str(int(value)) if float(value).is_integer() else str(float(value))


def feature_labels(feature_names, instance, categorical, names):
    """How each feature of ``instance`` reads in an explanation, or None.

    lime's naming: a categorical feature reads ``"{name}={value name}"``
    (``"{name}={value}"`` without ``names`` for it), every other feature
    its name. None when there are no categorical features (the names are
    the labels).
    """
    if not categorical:
        return None
    labels = list(feature_names)
    for j in categorical:
        value = instance[j]
        shown = names[j][int(value)] if j in names else _code(value)
        labels[j] = f"{feature_names[j]}={shown}"
    return labels
