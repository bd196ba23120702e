"""The kinds of input of the LIME explainers, one class each.

A kind owns what differs between dense tabular rows, sparse rows, documents
and images: building its sampler from the background data at ``fit`` (with
its validation), checking and preparing the rows to explain, and turning a
row's surrogate into an :class:`~._explanation.Explanation`.
:class:`~._fast_lime.FastLimeExplainer` picks the kind once at ``fit``
(:func:`fit_kind`) and never branches on the kind of input itself; a new kind
of input is one new class here and one entry of ``_KINDS``.
:class:`~._lime.LimeExplainer`'s kinds (tabular rows and documents through
lime) extend those of this module.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.validation import _num_samples

from ..utils._validation import _is_dataframe
from ._explanation import Explanation
from ._sampling import ImageSampler, TabularSampler, TextSampler, check_image_rows
from ._sampling_sparse import SparseSampler
from ._utils import (
    check_categorical,
    check_category_codes,
    check_documents,
    check_feature_names,
    dense_float,
    feature_labels,
)


def fit_kind(explainer, X, feature_names):
    """The fitted kind of ``explainer.mode`` (and sparse ``X`` in tabular mode)."""
    kind = _KINDS[explainer.mode, sparse.issparse(X)]
    return kind.fit(explainer, X, feature_names)


def check_fitted_mode(explainer):
    """Raise if the explainer's ``mode`` changed since ``fit``."""
    fitted_mode = explainer._kind.mode
    if fitted_mode != explainer.mode:
        raise ValueError(
            f"The explainer was fitted with mode={fitted_mode!r} but mode is now "
            f"{explainer.mode!r}; call fit again."
        )


def check_n_features(n_features, n_features_in):
    if n_features != n_features_in:
        raise ValueError(
            f"X has {n_features} features, but the explainer was fitted "
            f"on {n_features_in}."
        )


def _check_finite(values):
    if not np.isfinite(values).all():
        raise ValueError("LIME cannot explain rows with NaN or infinity.")


def _copies_and_columns(rows, X):
    """The checked 2-D ``rows`` as a list of copies (explanations keep their
    rows), and the DataFrame columns of ``X`` for the model input (or None)."""
    columns = list(X.columns) if _is_dataframe(X) else None
    return list(rows.copy()), columns


class _Kind:
    """What every kind of input provides to the fast LIME explainer.

    Parameters
    ----------
    sampler : object
        What draws the perturbations: a fitted sampler of :mod:`._sampling`,
        or lime's explainer for :class:`~._lime.LimeExplainer`.

    n_features_in : int, default=None
        Number of features (values per image); None for documents.

    feature_names : list of str, default=None
        One name per feature (per image component); None for documents.
    """

    #: The explainer's ``mode`` this kind belongs to.
    mode = None
    #: The explainer's fitted attribute holding ``sampler``.
    sampler_attribute = "sampler_"

    def __init__(self, sampler, n_features_in=None, feature_names=None):
        self.sampler = sampler
        self.n_features_in = n_features_in
        self.feature_names = feature_names

    @classmethod
    def fit(cls, explainer, X, feature_names):
        """Validate the background data ``X``; return the fitted kind."""
        raise NotImplementedError

    def partial_fit(self, explainer, X):
        """The kind fitted on its background data and the rows ``X`` too.

        Kinds that keep no statistics of the background data only check
        ``X``, when given, and return themselves.
        """
        return self

    def fitted_attributes(self):
        """The explainer's public fitted attributes that this kind sets."""
        return {
            self.sampler_attribute: self.sampler,
            "n_features_in_": self.n_features_in,
            "feature_names_": self.feature_names,
        }

    def check_instances(self, X):
        """The rows to explain as the sampler takes them, and the DataFrame
        columns of the model input (or None)."""
        raise NotImplementedError

    def warm_up_rows(self, X):
        """One row like those to explain, from the background data ``X`` given
        to ``fit`` (None when there is none to take)."""
        return None if X is None or _num_samples(X) == 0 else X[:1]

    def explanation(self, instance, predicted, features, weights, **common):
        """The Explanation of one prepared row from its surrogate."""
        raise NotImplementedError


class DenseRows(_Kind):
    """Dense tabular rows (array or DataFrame), lime's tabular sampling.

    ``categorical`` and ``names`` are the checked ``categorical_features``
    and ``categorical_names`` of the explainer at ``fit``.
    """

    mode = "tabular"
    #: The explainer's name in the error messages.
    explainer_name = "FastLimeExplainer"

    def __init__(self, sampler, n_features_in, feature_names, categorical, names):
        super().__init__(sampler, n_features_in, feature_names)
        self.categorical = categorical
        self.names = names

    @classmethod
    def fit(cls, explainer, X, feature_names):
        X, feature_names, categorical, names = cls.check_background(
            explainer, X, feature_names
        )
        sampler = TabularSampler(X, categorical, explainer.discretize_continuous)
        return cls(sampler, X.shape[1], feature_names, categorical, names)

    def partial_fit(self, explainer, X):
        if X is None:
            raise ValueError(f"{self.explainer_name}.partial_fit needs X.")
        if _is_dataframe(X) and list(X.columns) != list(self.feature_names):
            raise ValueError(
                "X has columns "
                f"{list(X.columns)}, but the explainer was fitted on "
                f"{list(self.feature_names)}."
            )
        categorical, names = check_categorical(
            explainer.categorical_features,
            explainer.categorical_names,
            self.n_features_in,
        )
        tables = self.sampler.tables
        if (
            bool(explainer.discretize_continuous) != tables.discretize
            or list(categorical) != list(self.categorical)
            or names != self.names
        ):
            raise ValueError(
                "discretize_continuous, categorical_features or categorical_names "
                "changed since fit; call fit again."
            )
        rows = self._dense_background(X)
        check_n_features(rows.shape[1], self.n_features_in)
        check_category_codes(rows, self.names, self.feature_names, "the background data X")
        return DenseRows(
            self.sampler.add_rows(rows), self.n_features_in, self.feature_names,
            self.categorical, self.names,
        )

    @classmethod
    def check_background(cls, explainer, X, feature_names):
        """The background data as float64, the feature names and the checked
        categorical features and names."""
        if X is None:
            raise ValueError(f"{cls.explainer_name}(mode='tabular').fit needs X.")
        if feature_names is None and _is_dataframe(X):
            feature_names = list(X.columns)
        X = cls._dense_background(X)
        n_features = X.shape[1]
        feature_names = check_feature_names(feature_names, n_features)
        categorical, names = check_categorical(
            explainer.categorical_features, explainer.categorical_names, n_features
        )
        check_category_codes(X, names, feature_names, "the background data X")
        return X, feature_names, categorical, names

    @staticmethod
    def _dense_background(X):
        X = dense_float(X)
        if not np.isfinite(X).all():
            raise ValueError("The background data X contains NaN or infinity.")
        return X

    def check_instances(self, X):
        rows = dense_float(X)
        check_n_features(rows.shape[1], self.n_features_in)
        _check_finite(rows)
        check_category_codes(rows, self.names, self.feature_names)
        return _copies_and_columns(rows, X)

    def explanation(self, instance, predicted, features, weights, **common):
        return Explanation(
            predicted,
            features,
            weights,
            self.n_features_in,
            all_feature_names=self.feature_names,
            feature_labels=feature_labels(
                self.feature_names, instance, self.categorical, self.names
            ),
            instance=instance,
            **common,
        )


class SparseRows(_Kind):
    """Sparse rows (e.g. vectorised text), explained by their non-zero features.

    Never densified: a sample switches non-zero features off, as lime
    switches off words.
    """

    mode = "tabular"

    @classmethod
    def fit(cls, explainer, X, feature_names):
        n_features = X.shape[1]
        if X.dtype.kind not in "biuf" or not np.isfinite(X.data).all():
            raise ValueError(
                "The background data X must be numeric, without NaN or infinity."
            )
        feature_names = check_feature_names(feature_names, n_features)
        return cls(SparseSampler(n_features), n_features, feature_names)

    def partial_fit(self, explainer, X):
        if X is not None:
            rows = sparse.csr_matrix(X) if not sparse.issparse(X) else X
            check_n_features(rows.shape[1], self.n_features_in)
            type(self).fit(explainer, rows, self.feature_names)  # checks values
        return self

    def check_instances(self, X):
        rows = X if sparse.issparse(X) else sparse.csr_matrix(dense_float(X))
        rows = sparse.csr_matrix(rows, dtype=np.float64, copy=True)
        rows.sum_duplicates()
        check_n_features(rows.shape[1], self.n_features_in)
        _check_finite(rows.data)
        return [SparseSampler.prepare(rows, i) for i in range(rows.shape[0])], None

    def explanation(self, instance, predicted, features, weights, **common):
        columns, values = instance
        order = np.asarray(features, dtype=np.int64)
        dense = np.zeros(self.n_features_in)
        dense[columns] = values
        return Explanation(
            predicted,
            columns[order],
            weights,
            self.n_features_in,
            all_feature_names=self.feature_names,
            instance=dense,
            **common,
        )


class Documents(_Kind):
    """Raw documents, explained by their distinct words (bag of words).

    Every document has its own words: no ``n_features_in_`` or
    ``feature_names_``.
    """

    mode = "text"

    @classmethod
    def fit(cls, explainer, X, feature_names):
        return cls(TextSampler())

    def fitted_attributes(self):
        return {self.sampler_attribute: self.sampler}

    def check_instances(self, X):
        return [TextSampler.prepare(doc) for doc in check_documents(X)], None

    def warm_up_rows(self, X):
        return ["two words"]  # fit ignores X in text mode

    def explanation(self, instance, predicted, features, weights, **common):
        pieces, _, words = instance
        return Explanation(
            predicted,
            features,
            weights,
            len(words),
            all_feature_names=words,
            tokens=pieces,
            **common,
        )


class Images(_Kind):
    """Flattened images of ``shape`` (the explainer's, as given at ``fit``),
    explained by segments or a grid of patches."""

    mode = "image"

    def __init__(self, sampler, n_features_in, feature_names, shape):
        super().__init__(sampler, n_features_in, feature_names)
        self.shape = shape

    @classmethod
    def fit(cls, explainer, X, feature_names):
        shape, segments = explainer.shape, explainer.segments
        if shape is None or len(shape) not in (2, 3):
            raise ValueError(
                "FastLimeExplainer(mode='image') needs shape=(height, width) or "
                f"(height, width, channels); got shape={shape!r}."
            )
        if segments is not None and np.shape(segments) != tuple(shape[:2]):
            raise ValueError(
                f"segments has shape {np.shape(segments)}, expected the "
                f"image's (height, width) = {tuple(shape[:2])}."
            )
        if X is not None:
            check_image_rows(X, shape)
        sampler = ImageSampler(
            shape, segments, explainer.patch_size, explainer.hide_color
        )
        return cls(sampler, int(np.prod(shape)), sampler.feature_names, shape)

    def partial_fit(self, explainer, X):
        if X is not None:
            check_image_rows(X, self.shape)
        return self

    def warm_up_rows(self, X):
        rows = super().warm_up_rows(X)
        return np.zeros((1, self.n_features_in)) if rows is None else rows

    def check_instances(self, X):
        rows = check_image_rows(X, self.shape)
        _check_finite(rows)
        return _copies_and_columns(rows, X)

    def explanation(self, instance, predicted, features, weights, **common):
        return Explanation(
            predicted,
            features,
            weights,
            self.sampler.n_components,
            all_feature_names=self.feature_names,
            shape=tuple(self.shape),
            segments=self.sampler.segments.copy(),
            instance=instance,
            **common,
        )


#: The kind of ``(mode, sparse X)``: sparse background data matters in
#: tabular mode only.
_KINDS = {
    ("tabular", False): DenseRows,
    ("tabular", True): SparseRows,
    ("text", False): Documents,
    ("text", True): Documents,
    ("image", False): Images,
    ("image", True): Images,
}
