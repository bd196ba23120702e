"""Exact TreeSHAP explanations of tree ensembles (path-dependent, no background).

The fitted trees are flattened once per model into the contiguous arrays of
:mod:`._tree_kernels` (:class:`FlatEnsemble`), and the numba kernel walks
every tree for a whole batch of rows.
"""

from __future__ import annotations

import weakref
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import Interval, validate_params

from .._frames import frame_labels
from ..utils._validation import _is_dataframe
from ._base import BaseExplainer
from ._explanation import Explanation
from ._linear import _is_passthrough, _n_in, _owners
from ._tree_kernels import leaf_weights
from ._tree_linear import (
    BLOCK,
    path_features,
    quadrature,
    rows_shap_linear,
    rows_shap_linear_parallel,
)
from ._tree_predict import (
    forest_routes,
    n_threads,
    replays,
    run_in_blocks,
    same_objects,
    tree_estimators,
)
from ._utils import background_features

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike, NDArray

_FORESTS = (RandomForestClassifier, ExtraTreesClassifier)
_SUPPORTED = (
    DecisionTreeClassifier,
    *_FORESTS,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
)
# codes a categorical split of HistGradientBoosting can send left
_N_CATEGORIES = 256


class FlatEnsemble:
    """A fitted tree ensemble as the kernels take it (see :mod:`._tree_kernels`).

    ``base_value`` (one per output) plus the SHAP values of a row add up to
    the model's output on it: class probabilities, or the raw margin of
    boosting (one for two classes, for ``classes_[1]``, else one per class).
    ``input_dtype`` is the dtype the model compares its rows in.
    """

    def __init__(self, pieces, n_outputs, offset, input_dtype):
        ints, floats, values, cats, trees = _concatenate(pieces)
        self.node_ints, self.node_floats, self.values = ints, floats, values
        self.cat_left, self.trees = cats, trees
        self.n_outputs = n_outputs
        self.input_dtype = input_dtype
        self.max_depth = max(piece.depth for piece in pieces)
        self.degrees = path_features(self.node_ints, self.trees, self.max_depth)
        self.quadrature = quadrature(self.max_depth)
        self.base_value = self._expected_value() + offset
        self._kernel_values = self._values_to_compute()

    def kernel_args(self):
        """The arguments of :func:`._tree_linear.rows_shap_linear` after the
        rows: ``(ensemble, forest, n_values)``, ``n_values`` the outputs
        it computes (all but the last when that one is dropped, see
        :meth:`_values_to_compute`)."""
        values = self._kernel_values
        return (
            (self.node_ints, self.node_floats, values, self.cat_left),
            (self.trees, self.degrees, self.max_depth, self.quadrature),
            values.shape[1] + self.n_outputs - self.values.shape[1],
        )

    def _values_to_compute(self):
        """The leaf values the kernel needs: all but the last output when
        every tree's leaf values add up to one constant (class fractions),
        so that the outputs' SHAP values add up to zero (a constant game)."""
        if self.values.shape[1] < 2 or self.values.shape[1] != self.n_outputs:
            return self.values
        leaves = self.node_ints[:, 0] < 0
        starts = np.append(self.trees[:, 0], self.node_ints.shape[0])
        tree = np.repeat(np.arange(self.trees.shape[0]), np.diff(starts))[leaves]
        sums = self.values[leaves].sum(axis=1)
        low, high = np.full(len(starts) - 1, np.inf), np.full(len(starts) - 1, -np.inf)
        np.minimum.at(low, tree, sums)
        np.maximum.at(high, tree, sums)
        if np.any(high - low > 1e-12 * np.abs(high)):
            return self.values
        return np.ascontiguousarray(self.values[:, :-1])

    def _expected_value(self):
        weight = leaf_weights(self.node_ints, self.node_floats, self.trees)
        starts = np.append(self.trees[:, 0], self.node_ints.shape[0])
        first = np.repeat(self.trees[:, 1], np.diff(starts))
        leaves = self.node_ints[:, 0] < 0
        columns = first[leaves, None] + np.arange(self.values.shape[1])
        base = np.zeros(self.n_outputs)
        np.add.at(base, columns, weight[leaves, None] * self.values[leaves])
        return base

    def shap_values(self, X, n_threads=1):
        """SHAP values of the rows of the model's own input: (n, f, n_outputs).

        ``X`` must be finite or NaN in the model's dtype (see :meth:`rows`).
        The kernel is :func:`._tree_linear.rows_shap_linear`, equal to the
        reference :func:`._tree_kernels.rows_shap`. With ``n_threads > 1``
        blocks of rows go to that many numba threads; the values do not
        depend on it.
        """
        X = np.ascontiguousarray(X, dtype=np.float64)
        kernels = (rows_shap_linear, rows_shap_linear_parallel)
        phi = run_in_blocks(kernels, X, self.kernel_args(), n_threads, BLOCK)
        if self._kernel_values is not self.values:
            phi = np.concatenate([phi, -phi.sum(axis=2, keepdims=True)], axis=2)
        return phi

    def rows(self, X, owner):
        """``X`` rounded as the model reads it (scikit-learn's trees compare
        float32 values), checked: an infinite value, or one too large for
        the dtype, is an error naming its row and raw column ``owner[j]``."""
        with np.errstate(over="ignore"):
            X = np.asarray(X, dtype=self.input_dtype)
        infinite = np.isinf(X)
        if infinite.any():
            i, j = (int(v[0]) for v in np.nonzero(infinite))
            raise ValueError(
                f"Row {i}, column {int(owner[j])}: the value is infinite or too "
                f"large for {np.dtype(self.input_dtype).name}, which tree models "
                "cannot split; missing values (NaN) are fine."
            )
        return X


class _Piece:
    """One tree: nodes with local child indices, its first output, its depth."""

    def __init__(self, nodes, cats, first_output, depth):
        self.ints, self.floats, self.values = nodes
        self.cats = cats
        self.first_output = first_output
        self.depth = int(depth)


def _concatenate(pieces):
    ints, floats, values, cats, trees = [], [], [], [], []
    n_nodes = n_cats = 0
    for piece in pieces:
        shifted = piece.ints.copy()
        inner = shifted[:, 0] >= 0
        shifted[inner, :2] += n_nodes
        shifted[shifted[:, 3] >= 0, 3] += n_cats
        ints.append(shifted)
        floats.append(piece.floats)
        values.append(piece.values)
        cats.append(piece.cats)
        trees.append((n_nodes, piece.first_output))
        n_nodes += shifted.shape[0]
        n_cats += piece.cats.shape[0]
    return (
        np.ascontiguousarray(np.concatenate(ints), dtype=np.int64),
        np.ascontiguousarray(np.concatenate(floats), dtype=np.float64),
        np.ascontiguousarray(np.concatenate(values), dtype=np.float64),
        np.ascontiguousarray(np.concatenate(cats), dtype=np.bool_),
        np.asarray(trees, dtype=np.int64).reshape(-1, 2),
    )


def _sklearn_piece(tree, values, first_output=0):
    """A scikit-learn ``Tree`` (``tree_``) with the given leaf values."""
    leaf = tree.children_left < 0
    ints = np.column_stack(
        [
            tree.children_left,
            tree.children_right,
            np.where(leaf, 0, tree.feature),
            np.full(tree.node_count, -1),
        ]
    )
    floats = np.column_stack(
        [
            tree.threshold,
            tree.weighted_n_node_samples,
            np.asarray(tree.missing_go_to_left, dtype=np.float64),
        ]
    )
    no_cats = np.zeros((0, _N_CATEGORIES), dtype=bool)
    nodes = (ints, floats, values.reshape(tree.node_count, -1))
    return _Piece(nodes, no_cats, first_output, tree.max_depth)


def _class_fractions(tree):
    value = tree.value[:, 0, :]
    total = value.sum(axis=1, keepdims=True)
    return value / np.where(total > 0, total, 1.0)


# A forest updated by CaipiClassifier(incremental=True) keeps most of its
# trees: each fitted tree's piece is kept while the tree lives.
_PIECES = weakref.WeakKeyDictionary()


def _fraction_piece(estimator):
    """The piece of a fitted decision tree, its leaves' class fractions."""
    tree = estimator.tree_
    cached = _PIECES.get(estimator)
    if cached is None or cached[0] is not tree:
        cached = (tree, _sklearn_piece(tree, _class_fractions(tree)))
        _PIECES[estimator] = cached
    return cached[1]


def _forest_ensemble(model):
    estimators = tree_estimators(model)
    pieces = []
    for estimator in estimators:
        piece = _fraction_piece(estimator)
        # a forest's probabilities are the mean of its trees'
        nodes = (piece.ints, piece.floats, piece.values / len(estimators))
        pieces.append(_Piece(nodes, piece.cats, piece.first_output, piece.depth))
    n_classes = pieces[0].values.shape[1]
    return FlatEnsemble(pieces, n_classes, 0.0, np.float32)


def _gradient_boosting_ensemble(model):
    init = model.init_
    if not (isinstance(init, str) and init == "zero") and not isinstance(
        init, DummyClassifier
    ):
        raise ValueError(
            f"TreeExplainer explains GradientBoostingClassifier with the default "
            f"or 'zero' init only; its init is {type(init).__name__}, whose "
            "predictions vary with the row."
        )
    n_outputs = model.estimators_.shape[1]
    pieces = [
        _sklearn_piece(e.tree_, e.tree_.value[:, 0, 0] * model.learning_rate, k)
        for stage in model.estimators_
        for k, e in enumerate(stage)
    ]
    offset = model._raw_predict_init(np.zeros((1, model.n_features_in_)))[0]
    return FlatEnsemble(pieces, n_outputs, offset, np.float32)


def _hist_piece(predictor, first_output, known):
    """A HistGradientBoosting ``TreePredictor``; ``known`` its model's
    ``(known category bitsets, feature -> bitset row)``."""
    nodes = predictor.nodes
    leaf = nodes["is_leaf"].astype(bool)
    cat_nodes = np.flatnonzero(nodes["is_categorical"].astype(bool) & ~leaf)
    cat_row = np.full(nodes.shape[0], -1)
    cat_row[cat_nodes] = np.arange(cat_nodes.size)
    ints = np.column_stack(
        [
            np.where(leaf, -1, nodes["left"].astype(np.int64)),
            np.where(leaf, -1, nodes["right"].astype(np.int64)),
            np.where(leaf, 0, nodes["feature_idx"]),
            cat_row,
        ]
    )
    floats = np.column_stack(
        [nodes["num_threshold"], nodes["count"], nodes["missing_go_to_left"]]
    ).astype(np.float64)
    flat = (ints, floats, nodes["value"].reshape(-1, 1))
    cats = _category_tables(predictor, cat_nodes, known)
    return _Piece(flat, cats, first_output, nodes["depth"].max())


def _category_tables(predictor, cat_nodes, known):
    """For each categorical split, whether each code 0..255 goes left."""
    nodes = predictor.nodes
    codes = np.arange(_N_CATEGORIES)
    tables = np.zeros((cat_nodes.size, _N_CATEGORIES), dtype=bool)
    for row, node in enumerate(cat_nodes):
        # as scikit-learn predicts: left if in the split's left set, right if
        # a known category, an unknown category goes where missing values go
        bitset = predictor.raw_left_cat_bitsets[nodes["bitset_idx"][node]]
        feature_known = known[0][known[1][nodes["feature_idx"][node]]]
        unknown = ~_in_bitset(feature_known, codes)
        missing_left = bool(nodes["missing_go_to_left"][node])
        tables[row] = _in_bitset(bitset, codes) | (unknown & missing_left)
    return tables


def _in_bitset(bitset, codes):
    return (bitset[codes // 32] >> (codes % 32).astype(np.uint32)) & 1 == 1


def _hist_gradient_boosting_ensemble(model):
    known = model._bin_mapper.make_known_categories_bitsets()
    pieces = [
        _hist_piece(predictor, k, known)
        for iteration in model._predictors
        for k, predictor in enumerate(iteration)
    ]
    offset = np.ravel(model._baseline_prediction)
    return FlatEnsemble(pieces, offset.shape[0], offset, np.float64)


def _flatten(final):
    if isinstance(final, (DecisionTreeClassifier, *_FORESTS)):
        return _forest_ensemble(final)
    if isinstance(final, GradientBoostingClassifier):
        return _gradient_boosting_ensemble(final)
    return _hist_gradient_boosting_ensemble(final)


def _fitted_trees(final):
    """The objects holding the fitted trees: the key of the flattening cache."""
    if isinstance(final, (DecisionTreeClassifier, *_FORESTS)):
        return tuple(e.tree_ for e in tree_estimators(final))
    if isinstance(final, GradientBoostingClassifier):
        return (final.estimators_, final.learning_rate, final.init_)
    return tuple(p for iteration in final._predictors for p in iteration)


class _Reorder:
    """HistGradientBoosting's own encoder of pandas categories: the model's
    input column ``owner[j]`` is column ``j`` of what its trees read."""

    def __init__(self, model):
        self.model = model
        self.owner = np.concatenate(
            [
                np.flatnonzero(model.is_categorical_),
                np.flatnonzero(~model.is_categorical_),
            ]
        )

    def transform(self, X):
        return self.model._preprocessor.transform(X)


def _unwrap_tree(model):
    """The model behind wrappers exposing ``estimator_`` / ``estimator``
    (such as :class:`~skxil.CaipiClassifier`); a forest's ``estimator`` is
    only its template, so unwrapping stops at a supported model."""
    for _ in range(16):
        if isinstance(model, (Pipeline, *_SUPPORTED)):
            return model
        inner = getattr(model, "estimator_", None)
        if inner is None:
            inner = getattr(model, "estimator", None)
        if inner is None or inner is model:
            return model
        model = inner
    return model


def _tree_parts(model):
    """``(transformers, final tree model)``, checked.

    Raises a TypeError for an unsupported final estimator or one that is not
    fitted, and a ValueError for a transformer that is not feature-wise, a
    multi-output tree or a row-dependent boosting init.
    """
    model = _unwrap_tree(model)
    steps = [s for _, s in model.steps] if isinstance(model, Pipeline) else [model]
    transforms, final = steps[:-1], steps[-1]
    if not isinstance(final, _SUPPORTED):
        raise TypeError(
            "TreeExplainer explains DecisionTreeClassifier, RandomForestClassifier, "
            "ExtraTreesClassifier, GradientBoostingClassifier and "
            "HistGradientBoostingClassifier (possibly at the end of a Pipeline); "
            f"got {type(final).__name__}. Use FastLimeExplainer for other models."
        )
    if not hasattr(final, "classes_"):
        raise TypeError(
            f"TreeExplainer needs a fitted model; {type(final).__name__} is not fitted."
        )
    if getattr(final, "n_outputs_", 1) != 1:
        raise ValueError(
            f"TreeExplainer explains single-output classifiers; this "
            f"{type(final).__name__} has {final.n_outputs_} outputs."
        )
    for step in transforms:
        if _owners(step, 1 if _is_passthrough(step) else _n_in(step)) is None:
            raise ValueError(
                f"TreeExplainer attributes SHAP values to raw features only "
                f"through transformers whose output columns each read one input "
                f"column (scalers, imputers, one-hot and ordinal encoders, column "
                f"transformers of them); {type(step).__name__} mixes or changes "
                "features. Use FastLimeExplainer for this pipeline."
            )
    if getattr(final, "_preprocessor", None) is not None:
        transforms = [*transforms, _Reorder(final)]
    return transforms, final


@validate_params({"estimator": "no_validation"}, prefer_skip_nested_validation=True)
def is_tree_model(estimator: Any) -> bool:
    """Whether :class:`TreeExplainer` can explain an estimator.

    True for a decision tree, random forest, extra trees, gradient boosting
    or histogram gradient boosting classifier, alone or at the end of a
    :class:`~sklearn.pipeline.Pipeline`, or behind a wrapper exposing it as
    ``estimator_`` / ``estimator`` (such as :class:`~skxil.CaipiClassifier`).
    An unfitted estimator is judged by the type of its final step; a fitted
    one must also have feature-wise transformers before it, a single output
    and (gradient boosting) the default or ``'zero'`` init. This is how
    ``explainer="auto"`` can pick :class:`TreeExplainer`.

    Parameters
    ----------
    estimator : estimator object
        A fitted or unfitted estimator.

    Returns
    -------
    tree : bool

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.explain import is_tree_model
    >>> X, y = load_iris(return_X_y=True)
    >>> is_tree_model(RandomForestClassifier(n_estimators=3).fit(X, y))
    True
    >>> is_tree_model(RandomForestClassifier())
    True
    >>> is_tree_model(LogisticRegression())
    False
    """
    model = _unwrap_tree(estimator)
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if not isinstance(final, _SUPPORTED):
        return False
    if not hasattr(final, "classes_"):
        return True
    try:
        _tree_parts(model)
        if isinstance(final, GradientBoostingClassifier):
            _gradient_boosting_ensemble(final)
    except (TypeError, ValueError):
        return False
    return True


class TreeExplainer(BaseExplainer):
    """Exact TreeSHAP explanations of tree ensembles, without sampling.

    The SHAP value of feature ``j`` is its exact Shapley value in the game
    where a coalition's payoff is the model's expected output when only the
    coalition's features are known, the others being integrated out by
    following both children of a split in proportion to the training samples
    (cover) that went each way: the "path-dependent" TreeSHAP of Lundberg et
    al. (Algorithm 2 of *Consistent individualized feature attribution for
    tree ensembles*, 2018), which needs no background data and is what
    ``shap.TreeExplainer(model)`` computes by default. It runs in time
    linear in the depth (Linear TreeSHAP: nodes times quadrature points per
    row), in a numba kernel over a batch of rows.

    The values are in the model's own units, as shap gives them: class
    probabilities (averaged leaf class fractions) for decision trees, random
    forests and extra trees; the raw margin (log-odds) for gradient boosting
    and histogram gradient boosting. The explanation keeps the
    ``n_features`` largest values of the predicted class in absolute value;
    for a binary margin model (one output, for ``classes_[1]``) they are
    negated when class 0 is predicted, so that positive always means
    "towards the predicted class". ``intercept`` is the expected output (the
    base value, negated likewise): it plus all values is the model's output.

    Pipelines: the final tree model may follow feature-wise transformers
    (scalers, imputers, ordinal and one-hot encoders, column transformers of
    them); the SHAP values belong to the raw input columns, a column's
    one-hot values adding up to the column's. A transformer that mixes
    features makes :meth:`explain` raise a ValueError.
    :class:`~sklearn.ensemble.HistGradientBoostingClassifier` may have
    categorical features and missing values; its binned splits are read
    through their raw thresholds and category sets.

    Parameters
    ----------
    n_features : int, default=10
        Number of features in each explanation (k).

    shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` when the rows are
        flattened images with one feature per pixel or pixel value: the
        explanations then show as heat maps over the image.

    n_jobs : int, default=None
        Number of numba threads sharing the rows (in blocks of 64; at most
        ``numba.config.NUMBA_NUM_THREADS``). ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context, ``-1`` all of them. The
        values do not depend on it.

    Attributes
    ----------
    n_features_in_ : int
        Number of features of the data given to :meth:`fit` (when given).

    feature_names_ : list of str or None
        Names given to :meth:`fit` or the columns of its DataFrame.

    See Also
    --------
    is_tree_model : Whether an estimator can be explained this way.
    LinearExplainer : Exact explanations of linear models.
    FastLimeExplainer : LIME explanations of any model.

    Notes
    -----
    The fitted trees are flattened into contiguous arrays on the first
    :meth:`explain` of a model and kept until another model (or a refitted
    one) comes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skxil.explain import TreeExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    >>> explainer = TreeExplainer(n_features=2).fit(X)
    >>> explanation, = explainer.explain(model, X[:1])
    >>> explanation.predicted_class, explanation.features
    (np.int64(0), array([3, 0]))

    The values of all features and all classes add up to the probabilities:

    >>> values, base_value = explainer.shap_values(model, X[:1])
    >>> values.shape
    (1, 4, 3)
    >>> bool(np.allclose(base_value + values.sum(axis=1), model.predict_proba(X[:1])))
    True
    """

    _parameter_constraints: dict = {
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "shape": ["array-like", None],
        "n_jobs": [Integral, None],
    }

    # It applies the model's own transformers, so it takes rows as the model
    # does (a DataFrame with its dtypes), not numeric codes.
    works_on_raw_input = True

    def __init__(
        self,
        n_features: int = 10,
        *,
        shape: tuple[int, ...] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_features = n_features
        self.shape = shape
        self.n_jobs = n_jobs

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_flat_cache", None)  # rebuilt from the model on demand
        return state

    def fit(
        self,
        X: MatrixLike | None = None,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> TreeExplainer:
        """Remember the feature names; path-dependent TreeSHAP needs no data.

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
        self : TreeExplainer
            The fitted explainer.
        """
        self._validate_params()
        n_features, self.feature_names_ = background_features(
            None if X is None else _rows(X), feature_names
        )
        if n_features is not None:
            self.n_features_in_ = n_features
        return self

    def shap_values(self, model: Any, X: MatrixLike) -> tuple[NDArray, NDArray]:
        """SHAP values of every row, per raw feature and model output.

        Parameters
        ----------
        model : classifier
            A model :func:`is_tree_model` accepts, fitted.

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            Rows in the model's raw input space.

        Returns
        -------
        values : ndarray of shape (n_rows, n_features, n_outputs)
            SHAP values; ``n_outputs`` is the number of classes, except for a
            binary gradient boosting model (one margin, for ``classes_[1]``).

        base_value : ndarray of shape (n_outputs,)
            The expected output; ``base_value + values.sum(axis=1)`` is the
            model's output on each row.
        """
        self._check_params()
        X = _rows(X)
        return self._shap_values(_tree_parts(model), X)[:2]

    def _check_params(self):
        """``_validate_params`` once per parameter values: explain is called
        a row at a time in the loop, where the check would be a noticeable
        part of a small forest's explanation."""
        params = (self.n_features, self.shape, self.n_jobs)
        checked = getattr(self, "_checked_params", None)
        if checked is None or not same_objects(checked, params):
            self._validate_params()
            self._checked_params = params

    def _shap_values(self, parts, X):
        """:meth:`shap_values` of the checked ``parts = (transforms, final)``."""
        transforms, final = parts
        flat = self._flattened(final)
        Xt, owner = _transformed(transforms, X, final)
        # one block of rows runs serially: no need to ask joblib
        threads = n_threads(self.n_jobs) if Xt.shape[0] > BLOCK else 1
        rows = flat.rows(Xt, owner)
        values = flat.shap_values(rows, threads)
        n_raw = X.shape[1]
        if not np.array_equal(owner, np.arange(n_raw)):
            grouped = np.zeros((values.shape[0], n_raw, values.shape[2]))
            np.add.at(grouped, (slice(None), owner), values)
            values = grouped
        return values, flat.base_value.copy(), (flat, rows)

    def _flattened(self, final):
        key = _fitted_trees(final)
        cache = getattr(self, "_flat_cache", None)
        if cache is None or cache[0] is not final or not same_objects(cache[1], key):
            # the key holds the fitted trees: their ids cannot be reused
            cache = (final, key, _flatten(final))
            self._flat_cache = cache
        return cache[2]

    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Explain the tree model's prediction on each row of ``X``.

        Parameters
        ----------
        model : classifier
            Fitted tree model, a Pipeline of feature-wise transformers ending
            in one, or a wrapper exposing either as ``estimator_`` (such as
            :class:`~skxil.CaipiClassifier`).

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            Rows to explain, in the model's raw input space.

        Returns
        -------
        explanations : list of Explanation
            One per row, with the SHAP values of the predicted class.
        """
        X = _rows(X)
        n_fitted = getattr(self, "n_features_in_", None)
        if n_fitted is not None and X.shape[1] != n_fitted:
            raise ValueError(
                f"X has {X.shape[1]} features, but the explainer was fitted on "
                f"{n_fitted}."
            )
        self._check_params()
        parts = _tree_parts(model)
        values, base, read = self._shap_values(parts, X)
        if values.shape[0] == 0:
            return []
        output = base + values.sum(axis=1)
        proba, labels = _predictions((model, parts[1], *read), X, output)
        if values.shape[2] == 1 and proba.shape[1] == 2:  # one margin, for classes_[1]
            sign = np.where(labels == 1, 1.0, -1.0)
            weights, offsets = sign[:, None] * values[:, :, 0], sign * base[0]
        else:
            weights = values[np.arange(labels.shape[0]), :, labels]
            offsets = base[labels]
        return self._explanations(model, X, weights, offsets, (labels, proba))

    def _explanations(self, model, X, weights, offsets, predicted):
        labels, proba = predicted
        names = getattr(self, "feature_names_", None)
        if names is None and _is_dataframe(X):
            names = [str(c) for c in X.columns]
        classes = getattr(model, "classes_", None)
        instances = _numeric_rows(X)
        k = min(self.n_features, X.shape[1])
        shape = None if self.shape is None else tuple(int(s) for s in self.shape)
        orders = np.argsort(-np.abs(weights), axis=1, kind="stable")[:, :k]
        tops = np.take_along_axis(weights, orders, axis=1)
        explanations = []
        for i, label in enumerate(labels):
            explanations.append(
                Explanation(
                    classes[label] if classes is not None else label,
                    orders[i],
                    tops[i],
                    X.shape[1],
                    class_index=label,
                    all_feature_names=names,
                    feature_labels=frame_labels(X, i, names)
                    if _is_dataframe(X)
                    else None,
                    proba=proba[i, label],
                    intercept=offsets[i],
                    shape=shape,
                    instance=None if instances is None else instances[i].copy(),
                )
            )
        return explanations


# Rows whose two largest probabilities are closer than this may be predicted
# either way once float error is in: the model itself decides them.
_TIE = 1e-9


def _predictions(models, X, output):
    """``(proba, class index)`` of each row, as ``model.predict_proba`` and
    ``model.predict`` give them, from the model's output ``output`` (base
    value plus SHAP values): probabilities for trees and forests, raw
    margins for boosting, which go through the model's own inverse link.
    ``models = (model, final tree model, its FlatEnsemble, the rows as it
    reads them)``.

    Where the two largest probabilities are within ``_TIE`` the prediction
    is the model's: a tree or forest (alone or in a Pipeline) is replayed
    as its ``predict`` computes it (:class:`~._tree_predict.ForestRoutes`);
    other models' ``predict`` is called on those rows (boosting: a zero
    binary margin predicts ``classes_[1]``, or not). Their probabilities
    stay the ones computed here, equal to the model's to float error.
    """
    model, final, _, rows = models
    if isinstance(final, (GradientBoostingClassifier, HistGradientBoostingClassifier)):
        proba = final._loss.predict_proba(output)
    else:
        # float error may take a sure class to 1 + 1e-16: probabilities stay
        # probabilities
        proba = np.clip(output, 0.0, 1.0)
    labels = np.argmax(proba, axis=1)
    if proba.shape[1] < 2:
        return proba, labels
    top = np.partition(proba, -2, axis=1)
    close = np.flatnonzero(top[:, -1] - top[:, -2] <= _TIE)
    if close.size == 0:
        return proba, labels
    own = model is final or (isinstance(model, Pipeline) and model[-1] is final)
    if own and replays(final):
        labels[close] = np.argmax(forest_routes(final).proba(rows[close]), axis=1)
        return proba, labels
    tied = X.iloc[close] if _is_dataframe(X) else X[close]
    classes = np.asarray(getattr(model, "classes_", final.classes_))
    predicted = np.asarray(model.predict(tied))
    labels[close] = np.argmax(predicted[:, None] == classes[None, :], axis=1)
    return proba, labels


def _rows(X):
    """``X`` as a 2-D container (an ndarray unless a DataFrame or sparse)."""
    if not (_is_dataframe(X) or sparse.issparse(X)):
        X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D input; got an array of shape {X.shape}.")
    return X


def _transformed(transforms, X, final):
    """The rows as the final model reads them, and the raw column of each."""
    Xt = X
    owner = np.arange(X.shape[1])
    for step in transforms:
        if _is_passthrough(step):
            continue
        Xt = step.transform(Xt)
        inner = (
            step.owner if isinstance(step, _Reorder) else _owners(step, owner.shape[0])
        )
        owner = owner[inner]
    if _is_dataframe(Xt):
        Xt = Xt.to_numpy()
    Xt = Xt.toarray() if sparse.issparse(Xt) else np.asarray(Xt)
    if Xt.dtype.kind not in "biuf":
        raise TypeError(
            f"{type(final).__name__} reads numeric features; got dtype {Xt.dtype} "
            "(encode the columns in a Pipeline before the tree model)."
        )
    if Xt.ndim != 2 or Xt.shape[1] != final.n_features_in_:
        raise ValueError(
            f"{type(final).__name__} was fitted on {final.n_features_in_} features; "
            f"the rows give it {Xt.shape[1] if Xt.ndim == 2 else Xt.shape}."
        )
    return Xt, owner


def _numeric_rows(X):
    """The raw rows as a numeric ndarray (shown with the explanation), or None."""
    if sparse.issparse(X):
        return X.toarray()
    values = X.to_numpy() if _is_dataframe(X) else np.asarray(X)
    return values if values.dtype.kind in "biuf" else None
