"""Explanations of differentiable models by their input gradients."""

from __future__ import annotations

import copy
from numbers import Integral
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from ..utils._validation import _is_dataframe
from ._base import BaseExplainer
from ._explanation import Explanation
from ._kinds import check_n_features
from ._linear import _is_passthrough, _linear_parts, _unwrap
from ._utils import background_features

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike

# Largest number of values of one block of densified rows: bounds memory for
# sparse (or very wide) input while each block is still a few large matmuls.
_BLOCK_VALUES = 1 << 22

# The transformers differentiated through: each is x * scale + offset per
# feature (MinMaxScaler(clip=True) then clips), so its Jacobian is diagonal.
_SCALERS = (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)


def _relu(z):
    return np.maximum(z, 0, out=z)


# Hidden activations of scikit-learn's MLP and their derivatives, written in
# terms of the activation's output ``a`` (what the forward pass keeps).
_ACTIVATIONS = {
    "identity": (lambda z: z, None),
    "logistic": (lambda z: expit(z, out=z), lambda a: a * (1 - a)),
    "tanh": (lambda z: np.tanh(z, out=z), lambda a: 1 - a * a),
    "relu": (_relu, lambda a: (a > 0).astype(a.dtype)),
}


class _Affine(NamedTuple):
    """One feature-wise step: ``clip(x * scale + offset, *clip)``."""

    scale: np.ndarray
    offset: np.ndarray
    clip: tuple | None


class _Network(NamedTuple):
    """What the gradients are computed from, read off a fitted model.

    ``coefs[i]`` has shape (n_in, n_out) as scikit-learn's MLP ``coefs_``; a
    linear model is a network without hidden layers. ``binary`` means one
    output unit (logistic), else one unit per class (softmax).
    """

    steps: list
    coefs: list
    intercepts: list
    activation: str
    binary: bool
    classes: np.ndarray


def _step_label(name, step):
    return f"step {name!r} ({type(step).__name__})"


def _affine(step, label, n_in):
    """The :class:`_Affine` of a fitted feature-wise step, or an error."""
    ones, zeros = np.ones(n_in), np.zeros(n_in)
    if _is_passthrough(step) or (
        isinstance(step, FunctionTransformer) and step.func is None
    ):
        return _Affine(ones, zeros, None)
    if not isinstance(step, _SCALERS):
        raise ValueError(
            f"GradientExplainer differentiates only through feature-wise "
            f"scalers (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, "
            f"'passthrough', FunctionTransformer()); {label} mixes features or is "
            "not differentiable. Use FastLimeExplainer for this pipeline."
        )
    try:
        check_is_fitted(step)
    except NotFittedError as error:
        raise NotFittedError(
            f"GradientExplainer needs a fitted model; {label} is not fitted."
        ) from error
    if isinstance(step, MinMaxScaler):
        clip = tuple(step.feature_range) if step.clip else None
        return _Affine(step.scale_, step.min_, clip)
    if isinstance(step, StandardScaler):
        # mean_ is learnt also with with_mean=False, but then not subtracted
        center = step.mean_ if step.with_mean else None
    else:
        center = getattr(step, "center_", None)
    center = zeros if center is None else center
    scale = ones if step.scale_ is None else step.scale_
    return _Affine(1 / scale, -center / scale, None)


def _split(model):
    """``(named feature-wise steps, final estimator)`` of a model."""
    model = _unwrap(model)
    if not isinstance(model, Pipeline):
        return [], model
    steps = list(_flat_steps(model))
    return steps[:-1], steps[-1][1]


def _flat_steps(pipeline, prefix=""):
    """The named steps of a pipeline, inner pipelines flattened
    (``outer__inner`` names)."""
    for name, step in pipeline.steps:
        if isinstance(step, Pipeline):
            yield from _flat_steps(step, f"{prefix}{name}__")
        else:
            yield f"{prefix}{name}", step


def _layers(final):
    """``(coefs, intercepts, activation, binary)`` of a fitted final estimator."""
    name = type(final).__name__
    if hasattr(final, "coefs_") and hasattr(final, "out_activation_"):
        out = final.out_activation_
        if final.activation not in _ACTIVATIONS or out not in ("logistic", "softmax"):
            raise ValueError(
                f"GradientExplainer supports the activations "
                f"{sorted(_ACTIVATIONS)} with a logistic or softmax output; "
                f"{name} has activation={final.activation!r} and "
                f"out_activation_={out!r}."
            )
        binary = final.coefs_[-1].shape[1] == 1
        if out == "logistic" and not binary:
            raise ValueError(
                f"GradientExplainer explains single-label classifiers; {name} has "
                f"{final.coefs_[-1].shape[1]} logistic outputs (multilabel)."
            )
        return list(final.coefs_), list(final.intercepts_), final.activation, binary
    if hasattr(final, "coef_"):
        _, _, coef, intercept = _linear_parts(final)
        return [coef.T], [intercept], "identity", coef.shape[0] == 1
    if isinstance(final, MLPClassifier) or hasattr(type(final), "input_gradients") or (
        isinstance(final, LinearClassifierMixin)
    ):
        raise NotFittedError(
            f"GradientExplainer needs a fitted model; {name} is not fitted yet "
            "(call fit first)."
        )
    raise TypeError(
        f"GradientExplainer needs a differentiable classifier (an MLPClassifier, "
        f"a model with coefs_, intercepts_, activation and out_activation_, or a "
        f"linear model with coef_), possibly at the end of a Pipeline of "
        f"feature-wise scalers; {name} is none of them. Use FastLimeExplainer for "
        "other models."
    )


def _network(model):
    """The :class:`_Network` of a fitted model; raises when it has none."""
    named, final = _split(model)
    coefs, intercepts, activation, binary = _layers(final)
    n_in = coefs[0].shape[0]
    steps = [_affine(step, _step_label(name, step), n_in) for name, step in named]
    classes = getattr(final, "classes_", None)
    if classes is None:
        classes = getattr(model, "classes_", None)
    n_classes = 2 if binary else coefs[-1].shape[1]
    if classes is None or len(classes) != n_classes:
        raise ValueError(
            f"{type(final).__name__} has {coefs[-1].shape[1]} output(s) but "
            f"classes_ = {classes!r}; expected {n_classes} classes."
        )
    return _Network(steps, coefs, intercepts, activation, binary, np.asarray(classes))


@validate_params({"estimator": "no_validation"}, prefer_skip_nested_validation=True)
def is_differentiable_model(estimator: Any) -> bool:
    """Whether :class:`GradientExplainer` can explain an estimator.

    A fitted estimator qualifies when its input gradients can be read off its
    weights: a :class:`~sklearn.neural_network.MLPClassifier` (single-label),
    any classifier exposing the same ``coefs_``, ``intercepts_``,
    ``activation`` and ``out_activation_`` (such as
    :class:`skxil.neural.RRRClassifier`), or a linear classifier with
    ``coef_``, alone or at the end of a :class:`~sklearn.pipeline.Pipeline`
    whose other steps are feature-wise scalers. An unfitted estimator is
    judged by its types: an ``MLPClassifier``, a class with an
    ``input_gradients`` method or a linear classifier, after such scalers.

    Linear models qualify too: ``explainer="auto"`` should ask
    :func:`is_linear_model` first (exact contributions) and this predicate
    second.

    Parameters
    ----------
    estimator : estimator object
        A fitted or unfitted estimator (or a wrapper exposing it as
        ``estimator_``).

    Returns
    -------
    differentiable : bool
        True when :class:`GradientExplainer` can explain the estimator (once
        fitted, for an unfitted one).

    See Also
    --------
    GradientExplainer : The explainer this predicate is for.
    is_linear_model : Whether :class:`LinearExplainer` can explain it.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skxil.explain import is_differentiable_model
    >>> X, y = load_iris(return_X_y=True)
    >>> is_differentiable_model(MLPClassifier())
    True
    >>> model = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.03,
    ...                       max_iter=300, random_state=0)
    >>> is_differentiable_model(model.fit(X, y))
    True
    >>> is_differentiable_model(DecisionTreeClassifier().fit(X, y))
    False
    """
    try:
        _network(estimator)
    except NotFittedError:
        return _differentiable_types(estimator)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _differentiable_types(estimator):
    """Whether an unfitted estimator's types are ones GradientExplainer takes."""
    named, final = _split(estimator)
    steps_ok = all(
        _is_passthrough(step)
        or isinstance(step, _SCALERS)
        or (isinstance(step, FunctionTransformer) and step.func is None)
        for _, step in named
    )
    final_ok = isinstance(final, (MLPClassifier, LinearClassifierMixin)) or hasattr(
        type(final), "input_gradients"
    )
    return steps_ok and final_ok


def _blocks(X, n_columns):
    """The rows of ``X`` as dense blocks, none too large."""
    size = max(1, _BLOCK_VALUES // max(n_columns, 1))
    for start in range(0, X.shape[0], size):
        block = X[start : start + size]
        yield block.toarray() if sparse.issparse(block) else block


def _forward(net, X):
    """Where no scaler clips (None: nowhere), hidden activations and output
    units of the dense rows ``X``."""
    dtype = X.dtype
    inside = None
    Xt = X
    for step in net.steps:
        Xt = Xt * step.scale.astype(dtype) + step.offset.astype(dtype)
        if step.clip is not None:
            kept = (Xt >= step.clip[0]) & (Xt <= step.clip[1])
            inside = kept if inside is None else inside & kept
            Xt = np.clip(Xt, *step.clip)
    activate = _ACTIVATIONS[net.activation][0]
    hidden, a = [], Xt
    for W, b in zip(net.coefs[:-1], net.intercepts[:-1]):
        a = activate(a @ W.astype(dtype) + b.astype(dtype))
        hidden.append(a)
    z = a @ net.coefs[-1].astype(dtype) + net.intercepts[-1].astype(dtype)
    return inside, hidden, z


def _output_gradient(net, z, target):
    """Predicted class, its probability and d target / d output units."""
    if net.binary:
        z = z[:, 0]
        label = (z > 0).astype(np.intp)
        sign = np.where(label == 1, 1, -1).astype(z.dtype)
        proba = expit(sign * z)
        # d log p_c / dz = sign * (1 - p_c); d p_c / dz = sign * p_c (1 - p_c)
        grad = {"log_proba": sign * (1 - proba), "proba": sign * proba * (1 - proba)}
        return label, proba, grad.get(target, sign)[:, None]
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    p = shifted / shifted.sum(axis=1, keepdims=True)
    label = np.argmax(z, axis=1)
    rows = np.arange(z.shape[0])
    onehot = np.zeros_like(z)
    onehot[rows, label] = 1
    proba = p[rows, label]
    # d log p_c / dz = e_c - p; d p_c / dz = p_c (e_c - p); d z_c / dz = e_c
    grad = {"log_proba": onehot - p, "proba": proba[:, None] * (onehot - p)}
    return label, proba, grad.get(target, onehot)


def _input_gradients(net, X, target):
    """Predicted class, its probability and d target / d raw input of rows ``X``."""
    dtype = X.dtype
    inside, hidden, z = _forward(net, X)
    label, proba, g = _output_gradient(net, z, target)
    derivative = _ACTIVATIONS[net.activation][1]
    for W, a in zip(net.coefs[:0:-1], hidden[::-1]):
        g = g @ W.T.astype(dtype)
        if derivative is not None:
            g *= derivative(a)
    g = g @ net.coefs[0].T.astype(dtype)
    for step in net.steps[::-1]:
        g *= step.scale.astype(dtype)
    if inside is not None:
        g *= inside
    return label, proba, g


def _check_rows(X):
    """Rows to explain as a 2-D float array or CSR matrix (float32 kept)."""
    if sparse.issparse(X):
        X = sparse.csr_matrix(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(
                f"GradientExplainer needs numeric features; got dtype {X.dtype}."
            )
        values = X.data
    else:
        if _is_dataframe(X):
            bad = [c for c, d in X.dtypes.items() if d.kind not in "biuf"]
            if bad:
                raise TypeError(
                    f"GradientExplainer needs numeric features; column {bad[0]!r} "
                    f"has dtype {X.dtypes[bad[0]]}."
                )
            single = all(d == np.float32 for d in X.dtypes)
            # one float dtype for mixed int, bool and nullable columns
            X = X.to_numpy(np.float32 if single else np.float64, na_value=np.nan)
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"Expected a 2-D input of rows to explain; got an array of shape "
                f"{X.shape}."
            )
        if X.dtype.kind not in "biuf":
            raise TypeError(
                f"GradientExplainer needs numeric features; got dtype {X.dtype}."
            )
        values = X
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = X.astype(dtype, copy=False)
    if not np.isfinite(values).all():
        row, col = _first_nonfinite(X)
        raise ValueError(
            f"Row {row}, feature {col} is NaN or infinite: GradientExplainer "
            "cannot differentiate there."
        )
    return X


def _first_nonfinite(X):
    if sparse.issparse(X):
        X = X.tocoo()
        k = np.flatnonzero(~np.isfinite(X.data))[0]
        return int(X.row[k]), int(X.col[k])
    i, j = np.argwhere(~np.isfinite(X))[0]
    return int(i), int(j)


class GradientExplainer(BaseExplainer):
    """Explanations of differentiable classifiers by their input gradients.

    For every row ``x`` the explanation is the gradient, with respect to the
    model's raw input features, of the predicted class ``c``'s
    log-probability ``log p_c(x)`` (``target="log_proba"``, the quantity
    that right-for-the-right-reasons training penalises), computed exactly
    from the model's weights: one forward and one backward pass for a whole
    batch of rows, a few matrix products, no sampling. Positive weights push
    towards the predicted class. The explanation keeps the ``n_features``
    largest gradients in absolute value, or with
    ``method="gradient_x_input"`` the largest products ``x_j * gradient_j``
    (the contribution relative to an all-zero input; for a linear model it is
    ``coef_[c, j] * x_j`` minus the other classes' probability-weighted
    coefficients).

    Models: :class:`~sklearn.neural_network.MLPClassifier` (activations
    ``"identity"``, ``"logistic"``, ``"tanh"``, ``"relu"``; logistic output
    for two classes, softmax otherwise), any classifier with the same
    attributes ``coefs_``, ``intercepts_``, ``activation``,
    ``out_activation_`` and ``classes_`` (such as
    :class:`skxil.neural.RRRClassifier`, softmax also for two classes), and
    linear classifiers with ``coef_`` and ``intercept_``, whose decision
    function is read as logits (one row: logistic, one row per class:
    softmax; exactly ``predict_proba`` of
    :class:`~sklearn.linear_model.LogisticRegression`). They can be the last
    step of a :class:`~sklearn.pipeline.Pipeline` whose other steps are
    feature-wise scalers (:class:`~sklearn.preprocessing.StandardScaler`,
    :class:`~sklearn.preprocessing.MinMaxScaler`,
    :class:`~sklearn.preprocessing.MaxAbsScaler`,
    :class:`~sklearn.preprocessing.RobustScaler`, ``"passthrough"``,
    ``FunctionTransformer()``): the chain rule multiplies by their diagonal
    Jacobian (``MinMaxScaler(clip=True)`` has derivative 0 where it clips).
    Steps that mix features or are not differentiable (PCA, one-hot
    encoders, polynomial features, quantile transforms, discretizers) raise
    a ValueError naming the step.

    The gradients are computed in float32 for float32 rows and in float64
    otherwise. Sparse rows are densified one block of rows at a time. The
    explanations are exact and deterministic, so their ``stability`` is
    ``None`` (not measured).

    Parameters
    ----------
    n_features : int or None, default=10
        Number of features in each explanation (k); ``None`` keeps all of
        them (a full heat map for images).

    method : {"gradient", "gradient_x_input"}, default="gradient"
        The weights: the gradient, or the gradient times the input.

    target : {"log_proba", "proba", "logit"}, default="log_proba"
        What is differentiated: the predicted class's log-probability, its
        probability, or its logit (the output unit before the softmax; for a
        single logistic output, the logit signed towards the predicted
        class, i.e. the margin).

    shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` when the rows are
        flattened images (C order, one feature per value): the explanations
        then carry the shape and their row, so that :meth:`Explanation.plot`
        and the notebook view draw the gradients as a heat map over the image.

    Attributes
    ----------
    n_features_in_ : int or None
        Number of features of the data given to :meth:`fit` (``None`` when no
        data was given).

    feature_names_ : list of str or None
        Names given to :meth:`fit` or the columns of its DataFrame.

    See Also
    --------
    is_differentiable_model : Whether an estimator can be explained this way.
    LinearExplainer : Exact contributions of linear models.
    FastLimeExplainer : LIME explanations of any model.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neural_network import MLPClassifier
    >>> from skxil.explain import GradientExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.03,
    ...                       max_iter=300, random_state=0).fit(X, y)
    >>> explainer = GradientExplainer(n_features=2).fit(
    ...     X, feature_names=["sepal length", "sepal width", "petal length",
    ...                       "petal width"])
    >>> explanation, = explainer.explain(model, X[:1])
    >>> explanation.predicted_class, len(explanation.feature_names)
    (np.int64(0), 2)
    >>> bool(explanation.proba > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "method": [StrOptions({"gradient", "gradient_x_input"})],
        "target": [StrOptions({"log_proba", "proba", "logit"})],
        "shape": ["array-like", None],
    }

    # It applies the model's own scalers, so it takes rows as the model does.
    works_on_raw_input = True

    def __init__(
        self,
        n_features: int = 10,
        *,
        method: str = "gradient",
        target: str = "log_proba",
        shape: tuple[int, ...] | None = None,
    ) -> None:
        self.n_features = n_features
        self.method = method
        self.target = target
        self.shape = shape

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: MatrixLike | None = None,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> GradientExplainer:
        """Remember the number of features and their names.

        The gradients need nothing else from background data.

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
        self : GradientExplainer
            The fitted explainer.
        """
        self._check_shape()
        n_features, feature_names = background_features(X, feature_names)
        if n_features is not None:
            self._check_image_size(n_features)
        self.n_features_in_ = n_features
        self.feature_names_ = feature_names
        return self

    def _check_shape(self):
        if self.shape is not None and len(self.shape) not in (2, 3):
            raise ValueError(
                "shape must be (height, width) or (height, width, channels); got "
                f"shape={self.shape!r}."
            )

    def _check_image_size(self, n_features):
        if self.shape is not None and n_features != int(np.prod(self.shape)):
            raise ValueError(
                f"X has {n_features} features, but images of shape "
                f"{tuple(self.shape)} have {int(np.prod(self.shape))} values per row."
            )

    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Explain the model's prediction on each row of ``X``.

        Parameters
        ----------
        model : classifier
            Fitted differentiable classifier (see the class description), a
            Pipeline of feature-wise scalers ending in one, or a wrapper
            exposing either as ``estimator_`` (such as
            :class:`~skxil.CaipiClassifier`).

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            Rows to explain, in the model's raw input space.

        Returns
        -------
        explanations : list of Explanation
            One per row: the top-k gradients of the predicted class.
        """
        check_is_fitted(self, "feature_names_")
        self._validate_params()
        self._check_shape()
        net = _network(model)
        names = self.feature_names_
        if names is None and _is_dataframe(X):
            names = [str(c) for c in X.columns]
        X = _check_rows(X)
        n_in = net.coefs[0].shape[0]
        if self.n_features_in_ is not None:
            check_n_features(X.shape[1], self.n_features_in_)
        if X.shape[1] != n_in:
            raise ValueError(
                f"X has {X.shape[1]} features, but the model takes {n_in}."
            )
        self._check_image_size(X.shape[1])
        if names is not None and len(names) != n_in:
            raise ValueError(
                f"The explainer has {len(names)} feature names, but X has {n_in} "
                "features."
            )
        explanations = []
        for rows in _blocks(X, max(n_in, *(W.shape[1] for W in net.coefs))):
            explanations.extend(self._explain_block(net, rows, names))
        return explanations

    def _explain_block(self, net, rows, names):
        label, proba, weights = _input_gradients(net, rows, self.target)
        if self.method == "gradient_x_input":
            weights = weights * rows
        n_in = rows.shape[1]
        k = n_in if self.n_features is None else min(self.n_features, n_in)
        order = _top_k(weights, k)
        top = np.take_along_axis(weights, order, axis=1).astype(np.float64)
        values = rows.astype(np.float64)  # a copy: never a view of the caller's X
        template = Explanation(
            None,
            [],
            [],
            n_in,
            all_feature_names=names,
            shape=None if self.shape is None else tuple(self.shape),
            instance=values[0] if len(values) else None,
        )
        return [
            _like(template, net.classes[c], c, order[i], top[i], proba[i], values[i])
            for i, c in enumerate(label)
        ]


def _top_k(weights, k):
    """Per row, the ``k`` largest ``|weights|``, largest first (ties: by index)."""
    magnitude = -np.abs(weights)
    if k < weights.shape[1]:
        part = np.argpartition(magnitude, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(weights.shape[1]), weights.shape)
    keys = np.take_along_axis(magnitude, part, axis=1)
    return np.take_along_axis(part, np.lexsort((part, keys), axis=1), axis=1)


def _like(template, predicted, class_index, features, weights, proba, instance):
    """An Explanation like ``template`` (checked once per block) for one row.

    The constructor's checks are O(n_features) in Python (the names): for a
    batch of exact explanations whose indices are in range by construction
    they would cost more than the gradients.
    """
    e = copy.copy(template)
    e.predicted_class = predicted
    e.class_index = int(class_index)
    e.features = features
    e.weights = weights
    e.proba = float(proba)
    e.instance = instance
    e.all_feature_names = list(template.all_feature_names)  # each its own list
    return e
