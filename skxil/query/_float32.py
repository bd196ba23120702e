"""Class probabilities of a float32 pool without a float64 copy of it.

scikit-learn's linear classifiers compute ``X @ coef_.T`` with their float64
``coef_``, so a float32 pool is first copied to float64: 2.4 GB more at
10^7 rows x 30 features, and a slower matrix product. Here the small
``coef_`` is cast to the pool's float32 instead; only the decision values
(one or ``n_classes`` per row) are turned to float64, and the model's own
link (logistic or softmax) gives the probabilities.

This is done only where it changes nothing but rounding: a fitted
:class:`~sklearn.linear_model.LogisticRegression` or an
:class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``,
alone, at the end of a :class:`~sklearn.pipeline.Pipeline` of feature-wise
transformers that keep float32 (scalers, imputers...), or wrapped by a
:class:`~skxil.CaipiClassifier` fitted on arrays. A decision value summed in
float32 differs from the float64 one by at most ``(n_features + 2) * 2**-24 *
sum_j |coef_j x_j|`` (the rounding of the dot product, of the coefficient and
of the transformed value), and a probability by at most a quarter (binary)
or half (softmax, one-vs-rest) of that: typically below 1e-7, up to 1e-5 for
large unscaled coefficients. Rows whose scores differ by less may swap ranks.
Any other model, container or dtype goes through ``predict_proba`` unchanged.
"""

# Authors: The skxil developers
# License: BSD 3 clause

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.extmath import softmax

from ..explain._linear import _is_passthrough, _n_in, _owners
from ._models import plain_model


def _float32_model(classifier):
    """``(transformers, final)`` when the float32 path applies, else None."""
    model = plain_model(classifier)
    if model is None:
        return None
    steps = [s for _, s in model.steps] if isinstance(model, Pipeline) else [model]
    transforms, final = steps[:-1], steps[-1]
    linked = isinstance(final, LogisticRegression) or (
        isinstance(final, SGDClassifier) and final.loss == "log_loss"
    )
    if not linked or not isinstance(getattr(final, "coef_", None), np.ndarray):
        return None
    for step in transforms:
        if not _is_passthrough(step) and _owners(step, _n_in(step)) is None:
            return None
    if hasattr(steps[0], "feature_names_in_"):
        return None  # fitted on a DataFrame: let it check the column names
    return transforms, final


def float32_proba(classifier, X):
    """``classifier.predict_proba(X)`` computed in float32, or None.

    None means that the float32 path does not apply (see the module
    docstring) and ``predict_proba`` is to be called.
    """
    if not (isinstance(X, np.ndarray) and X.dtype == np.float32 and X.ndim == 2):
        return None
    parts = _float32_model(classifier)
    if parts is None:
        return None
    transforms, final = parts
    first = transforms[0] if transforms else final
    if X.shape[1] != getattr(first, "n_features_in_", -1) or X.shape[0] == 0:
        return None  # predict_proba raises the error its users know
    Xt = X
    for step in transforms:
        if not _is_passthrough(step):
            Xt = step.transform(Xt)
    if not (isinstance(Xt, np.ndarray) and Xt.dtype == np.float32):
        return None
    if not np.isfinite(Xt.sum(dtype=np.float64)):
        return None  # NaN or inf: predict_proba says which
    decision = Xt @ final.coef_.astype(np.float32).T
    decision = decision.astype(np.float64) + final.intercept_
    return _link(final, decision)


def _link(final, decision):
    """The probabilities ``final.predict_proba`` derives from decision values."""
    if decision.shape[1] == 1:
        positive = expit(decision[:, 0])
        return np.column_stack([1.0 - positive, positive])
    if isinstance(final, LogisticRegression):
        return softmax(decision, copy=False)
    # One-vs-rest logistic (SGDClassifier), normalised as scikit-learn does.
    proba = expit(decision)
    totals = proba.sum(axis=1)
    proba[totals == 0] = 1.0
    totals[totals == 0] = proba.shape[1]
    return proba / totals[:, None]
