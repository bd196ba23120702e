"""The kinds of input a learner takes, one class each.

Each kind owns what differs between numeric arrays, sparse matrices, mixed-type
DataFrames and raw documents: validating labelled rows and rows to predict,
the container round trip (new rows join the training set in its container),
the space explainers work in, and the counterexample call. The learner asks
:func:`input_kind` once, on the rows it is first fitted on, and never branches
on the kind of input itself; a new kind of input is one new class here.
"""

import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._frames import FrameEncoder, frame_labels, frame_like
from ._training_set import like, numeric_background
from .counterexamples import (
    COUNTEREXAMPLE_STRATEGIES,
    TEXT_COUNTEREXAMPLE_STRATEGIES,
    make_counterexamples,
    make_text_counterexamples,
)
from .explain import (
    FastLimeExplainer,
    GradientExplainer,
    LimeExplainer,
    LinearExplainer,
    TreeExplainer,
    is_differentiable_model,
    is_linear_model,
    is_tree_model,
)
from .utils._text import check_documents, check_text_corrections, document_words
from .utils._validation import _is_dataframe, check_corrections

_ACCEPT_SPARSE = ["csr", "csc"]

_EXPLAINERS = {
    "linear": LinearExplainer,
    "gradient": GradientExplainer,
    "tree": TreeExplainer,
    "fast_lime": FastLimeExplainer,
    "lime": LimeExplainer,
}

# What "auto" picks for rows of features: the first explainer whose test the
# fitted model passes (exact ones first; linear models are differentiable
# too, and their exact contributions come first).
_AUTO = (
    (is_linear_model, "linear"),
    (is_differentiable_model, "gradient"),
    (is_tree_model, "tree"),
)


def auto_explainer(estimator):
    """The name of the explainer ``"auto"`` stands for on rows of features."""
    return next((name for test, name in _AUTO if test(estimator)), "fast_lime")


def is_documents(X):
    """True for a 1-D sequence (list, tuple, array or Series) holding a str.

    Any str makes it documents, so that a stray ``None`` or number is reported
    by :func:`check_documents` as the document it is.
    """
    if sparse.issparse(X) or _is_dataframe(X) or isinstance(X, (str, bytes)):
        return False
    if isinstance(X, np.ndarray) or hasattr(X, "iloc"):
        if getattr(X, "ndim", 1) != 1:
            return False
        values = X.tolist()
    elif isinstance(X, (list, tuple)):
        values = X
    else:
        return False
    return any(isinstance(v, (str, bytes)) for v in values)


class Feedback(NamedTuple):
    """One answer's feedback on some rows, validated.

    ``ignore`` and ``focus`` are CSR masks of shape (n_rows, n_features)
    (None for documents); ``redraw`` is what the counterexamples re-draw, in
    the form the kind's :meth:`counterexamples` takes.
    """

    ignore: object
    focus: object
    redraw: object


def _check_disjoint(ignore, keep, feature_names):
    """A feature cannot be both a wrong reason and a right one for a row."""
    both = ignore.multiply(keep).tocoo()
    if both.nnz:
        i, j = int(both.row[0]), int(both.col[0])
        name = f"{feature_names[j]!r}" if feature_names is not None else str(j)
        raise ValueError(
            f"Row {i}: feature {name} is both in corrections (ignore) and in "
            "focus; a feature is either a wrong reason or a right one."
        )


def input_kind(X):
    """The input kind of rows ``X``: one of the classes of this module."""
    if is_documents(X):
        return DocumentsInput()
    if _is_dataframe(X):
        return FrameInput()
    if sparse.issparse(X):
        return SparseInput()
    return ArrayInput()


def check_labels(y, n_rows, fitted_y=None):
    """Labels as a fresh 1-D array; new labels must have the fitted labels' type.

    A label of another type (``"1"`` for a learner fitted on ints, ``1.0``, an
    int for str labels) would silently convert every label or add a class.
    """
    y = column_or_1d(y, warn=True)
    check_consistent_length(np.empty(n_rows), y)
    check_classification_targets(y)
    y = np.array(y, copy=True)  # the training set must not share the caller's memory
    if fitted_y is not None:
        new, old = _label_type(y), _label_type(fitted_y)
        if new is not None and old is not None and new != old:
            raise ValueError(
                f"The new labels are of type {new}, but the learner was fitted on "
                f"labels of type {old} (e.g. {fitted_y[0]!r}); give labels of "
                f"type {old}. The learner is unchanged."
            )
    return y


def _label_type(y):
    """A readable name for the type of the labels (None when there are none)."""
    if y.size == 0:
        return None
    kinds = {"b": "bool", "i": "int", "u": "int", "f": "float", "U": "str", "S": "bytes"}
    if y.dtype.kind in kinds:
        return kinds[y.dtype.kind]
    names = {type(v).__name__ for v in y.tolist()}
    names = {"int" if n in ("int64", "int32") else n for n in names}
    return names.pop() if len(names) == 1 else "mixed (" + ", ".join(sorted(names)) + ")"


class _Input:
    """What every kind of input provides to :class:`~skxil.CaipiClassifier`."""

    #: The counterexample strategies that apply to this kind.
    strategies = COUNTEREXAMPLE_STRATEGIES

    def check_rows(self, learner, X, y, reset):
        """Validate labelled rows; return them in their raw container, and y."""
        raise NotImplementedError

    def check_X(self, learner, X, reference):
        """Validate rows to predict, query or explain, as ``estimator_`` takes them."""
        raise NotImplementedError

    def like(self, X_new, X_real):
        """Checked rows ``X_new`` in the container of the real rows."""
        return like(X_new, X_real)

    def feedback(self, X_rows, corrections, focus, feature_names):
        """Validate one answer's feedback on the rows ``X_rows``.

        Returns a :class:`Feedback`: the features to ignore and to focus on
        (CSR masks over the rows' features, what a loss penalises) and the
        features to re-draw in counterexamples: the ignored ones, and on a
        row with a focus set every feature outside it.
        """
        n_rows, n_features = X_rows.shape
        ignore = check_corrections(
            corrections, n_rows, n_features, feature_names, accept_sparse=True
        )
        keep = check_corrections(
            focus, n_rows, n_features, feature_names, accept_sparse=True,
            name="focus",
        )
        _check_disjoint(ignore, keep, feature_names)
        redraw = (ignore + self._outside_focus(keep, X_rows)).astype(bool).tocsr()
        return Feedback(ignore, keep, redraw)

    @staticmethod
    def _outside_focus(keep, X_rows):
        """Every feature outside the focus set, on the rows that have one."""
        rows = np.flatnonzero(np.diff(keep.indptr) > 0)
        # dense only over the rows with a focus set: most fits have none
        outside = sparse.csr_matrix(~keep[rows].toarray())
        place = sparse.csr_matrix(
            (np.ones(rows.size, dtype=bool), (rows, np.arange(rows.size))),
            shape=(keep.shape[0], rows.size),
        )
        return sparse.csr_matrix(place @ outside, dtype=bool)

    def default_explainer(self, name, estimator):
        """The explainer a string shortcut stands for, unfitted."""
        if name == "auto":
            name = auto_explainer(estimator)
        return _EXPLAINERS[name]()

    def explain_space(self, explainer, X_real):
        """How ``explainer`` sees this kind of input (see :class:`_RawSpace`)."""
        return _RawSpace(X_real)

    def counterexamples(self, training_set, rows, corrections, common):
        """Stage 4 for the rows ``rows`` of the training set.

        Returns ``(X_ce, y_ce, source)`` with ``source`` indexing the real
        rows, or None when there is nothing to add.
        """
        raise NotImplementedError

    def check_strategy(self, strategy):
        if isinstance(strategy, str) and strategy not in self.strategies:
            raise ValueError(
                f"counterexample_strategy={strategy!r} {self.refused[strategy]}; "
                f"for {self.description} use one of {self.strategies} or a "
                "callable."
            )


class ArrayInput(_Input):
    """Rows of numeric features in a dense array (images included)."""

    description = "rows of features"
    refused = {
        "remove": "removes words from raw documents (on a 0/1 word-count "
        "column 'alternative' removes the word)"
    }
    accept_sparse = False

    def check_rows(self, learner, X, y, reset):
        X_checked, y = validate_data(
            learner, X, y, accept_sparse=self.accept_sparse and _ACCEPT_SPARSE,
            ensure_all_finite=False, dtype=None, reset=reset,
        )
        if X_checked is X or (
            isinstance(X, np.ndarray) and np.may_share_memory(X_checked, X)
        ):
            X_checked = X_checked.copy()
        return X_checked, y

    def check_X(self, learner, X, reference):
        return validate_data(
            learner, X, accept_sparse=_ACCEPT_SPARSE, ensure_all_finite=False,
            dtype=None, reset=False,
        )

    def counterexamples(self, training_set, rows, corrections, common):
        X_real = training_set.X_real
        mask = check_corrections(
            corrections, len(rows), X_real.shape[1], common.pop("feature_names"),
            accept_sparse=sparse.issparse(X_real),
        )
        n_corrected = mask.nnz if sparse.issparse(mask) else int(mask.sum())
        if n_corrected == 0 or common["n_counterexamples"] == 0:
            return None
        # All new rows go in (uncorrected ones yield nothing), so that the
        # generator's error messages name rows as the caller numbered them.
        background = numeric_background(X_real)
        X_ce, y_ce, source = make_counterexamples(
            background[rows[0] :], training_set.y_real[rows], mask,
            X_train=background, **common,
        )
        return like(X_ce, X_real), y_ce, rows[source]


class SparseInput(ArrayInput):
    """Rows of a scipy sparse matrix (e.g. vectorised text); kept sparse."""

    accept_sparse = True

    @staticmethod
    def _outside_focus(keep, X_rows):
        # On wide sparse rows (a vocabulary) "every other feature" would be
        # dense; the features a row has stand for the others, as for words.
        present = sparse.csr_matrix(X_rows, copy=True).astype(bool)
        present.eliminate_zeros()
        has_focus = (np.diff(keep.indptr) > 0)[:, None]
        outside = present.multiply(has_focus).astype(bool) - present.multiply(keep)
        outside = sparse.csr_matrix(outside, dtype=bool)
        outside.eliminate_zeros()
        return outside


class FrameInput(_Input):
    """A pandas DataFrame of any column types: numeric, str, category, bool.

    The wrapped estimator gets DataFrames with the user's dtypes (in an
    explainer's perturbed samples, integer columns come as float64).
    Explainers that sample and counterexamples work on codes
    (:class:`~skxil._frames.FrameEncoder`): a non-numeric column is one
    categorical feature whose values are drawn among those observed.
    """

    description = "DataFrames"
    refused = ArrayInput.refused

    def check_rows(self, learner, X, y, reset):
        X = self._check_frame(learner, X, reset)
        if _is_dataframe(X):
            return X.reset_index(drop=True).copy(), y
        return X, y  # an array of rows joining a fitted frame: see like

    def check_X(self, learner, X, reference):
        return frame_like(self._check_frame(learner, X, False), reference)

    @staticmethod
    def _check_frame(learner, X, reset):
        """Column names and count checked; values as the user gave them.

        scikit-learn's array conversion would turn a ``category`` column of
        str into an error or object values; the wrapped estimator checks the
        values itself.
        """
        if not _is_dataframe(X):
            # rows as an array joining a fitted frame: checked like any array
            return validate_data(
                learner, X, ensure_all_finite=False, dtype=None, reset=reset
            )
        validate_data(learner, X, skip_check_array=True, reset=reset)
        if X.shape[1] == 0:
            raise ValueError("X has 0 columns; at least one is required.")
        return X

    def like(self, X_new, X_real):
        return frame_like(X_new, X_real)

    def explain_space(self, explainer, X_real):
        if getattr(explainer, "works_on_raw_input", False):
            return _RawSpace(X_real)  # LinearExplainer labels frames itself
        return _CodeSpace(FrameEncoder(X_real))

    def counterexamples(self, training_set, rows, corrections, common):
        X_real = training_set.X_real
        mask = check_corrections(
            corrections, len(rows), X_real.shape[1], common.pop("feature_names"),
        )
        if not mask.any() or common["n_counterexamples"] == 0:
            return None
        encoder = FrameEncoder(X_real)
        codes = encoder.encode(X_real)
        X_ce, y_ce, source = make_counterexamples(
            codes[rows[0] :], training_set.y_real[rows], mask, X_train=codes,
            categorical_features=encoder.categorical_indices, **common,
        )
        return encoder.decode(X_ce, exact=True), y_ce, rows[source]


class DocumentsInput(_Input):
    """Raw documents: a 1-D sequence of str, for a vectorising pipeline."""

    description = "raw documents"
    strategies = TEXT_COUNTEREXAMPLE_STRATEGIES
    refused = {"alternative": "re-draws feature values"}

    def check_rows(self, learner, X, y, reset):
        if not is_documents(X) and not (
            not sparse.issparse(X) and not _is_dataframe(X) and np.ndim(X) == 1
        ):
            raise ValueError(
                "This learner was fitted on documents; give a 1-D sequence of "
                f"str, not {type(X).__name__} of shape {getattr(X, 'shape', None)}."
            )
        docs = check_documents(X, "CaipiClassifier on documents: fit and teach")
        if reset:
            for name in ("n_features_in_", "feature_names_in_"):
                learner.__dict__.pop(name, None)
        return _object_array(docs), y

    def check_X(self, learner, X, reference):
        return _object_array(
            check_documents(X, "A learner fitted on documents: its methods")
        )

    def like(self, X_new, X_real):
        return X_new

    def feedback(self, X_rows, corrections, focus, feature_names):
        """Words to strike out: the corrected ones, and those outside a focus.

        Documents have no common features, so there are no masks for a loss.
        """
        docs = list(X_rows)
        ignore = check_text_corrections(corrections, docs)
        try:
            keep = check_text_corrections(focus, docs)
        except ValueError as error:
            raise ValueError(f"focus: {error}") from error
        redraw = []
        for i, (doc, wrong, right) in enumerate(zip(docs, ignore, keep)):
            both = sorted(set(wrong) & set(right))
            if both:
                raise ValueError(
                    f"Document {i}: the word {both[0]!r} is both in corrections "
                    "(ignore) and in focus; a word is either a wrong or a right "
                    "reason."
                )
            outside = [w for w in document_words(doc) if right and w not in right]
            redraw.append(list(dict.fromkeys(wrong + outside)))
        return Feedback(None, None, redraw)

    def default_explainer(self, name, estimator):
        if name in ("linear", "gradient", "tree"):
            raise ValueError(
                f"explainer={name!r} explains rows of numeric features; for raw "
                "documents use 'auto', 'fast_lime' or 'lime' (word-level LIME)."
            )
        return _EXPLAINERS["fast_lime" if name == "auto" else name](mode="text")

    def explain_space(self, explainer, X_real):
        return _RawSpace(None)

    def counterexamples(self, training_set, rows, corrections, common):
        common.pop("feature_names")
        X_real = training_set.X_real
        # called even without corrections: it validates them
        X_ce, y_ce, source = make_text_counterexamples(
            X_real[rows], training_set.y_real[rows], corrections,
            documents_train=X_real, **common,
        )
        return X_ce, y_ce, rows[source]


def _object_array(docs):
    out = np.empty(len(docs), dtype=object)
    out[:] = docs
    return out


class _RawSpace:
    """Explainers see the rows as the estimator takes them."""

    def __init__(self, background):
        self.background = background

    def explainer_params(self, explainer):
        return {}

    def model(self, estimator):
        return estimator

    def rows(self, X):
        return X

    def relabel(self, explanations, X):
        return explanations


class _CodeSpace:
    """Explainers see a DataFrame's codes; the model gets DataFrames back."""

    def __init__(self, encoder):
        self.encoder = encoder
        # LIME has no distribution for a missing number: background cells
        # that are missing take their column's median (rows to explain must
        # be complete, see rows()).
        background = encoder.encode(encoder.reference)
        missing = np.isnan(background)
        if missing.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
                median = np.nan_to_num(np.nanmedian(background, axis=0))
            background = np.where(missing, median, background)
        self.background = background

    def explainer_params(self, explainer):
        """Tell a sampling explainer which features are categorical."""
        params = explainer.get_params(deep=False)
        if "categorical_features" in params and params["categorical_features"] is None:
            return {"categorical_features": self.encoder.categorical_indices.tolist()}
        return {}

    def model(self, estimator):
        return _DecodingModel(estimator, self.encoder)

    def rows(self, X):
        codes = self.encoder.encode(X, extend=True)
        missing = np.isnan(codes)
        if missing.any():
            i, j = (int(v[0]) for v in np.nonzero(missing))
            raise ValueError(
                f"Row {i}, column {self.encoder.columns[j]!r}: the value is "
                "missing, and LIME cannot perturb a missing number. Impute it "
                "first, or explain a linear pipeline with explainer='linear'."
            )
        return codes

    def relabel(self, explanations, X):
        """Categorical features read ``column=value`` with the row's own value."""
        return [e._relabel(frame_labels(X, i)) for i, e in enumerate(explanations)]


class _DecodingModel:
    """The fitted estimator on codes: decodes them into the user's DataFrame."""

    def __init__(self, estimator, encoder):
        self.estimator = estimator
        self.encoder = encoder
        self.classes_ = estimator.classes_

    def __getattr__(self, name):
        if name in ("predict", "predict_proba", "decision_function", "predict_log_proba"):
            method = getattr(self.estimator, name)
            return lambda Z: method(self.encoder.decode(Z))
        raise AttributeError(name)
