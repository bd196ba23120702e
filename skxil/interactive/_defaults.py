"""The learner a labelling session starts with when the caller brings none."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import Interval, validate_params

from .._caipi import CaipiClassifier
from .._inputs import is_documents
from ..utils._validation import _is_dataframe

if TYPE_CHECKING:
    from ..utils._typing import MatrixLike, RandomStateLike


def _is_text_dtype(dtype):
    # pandas 3 reads text as its str dtype, older pandas as object
    return dtype == object or getattr(dtype, "name", "") in ("str", "string")


@validate_params(
    {"frame": [object], "min_tokens": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def text_columns(frame: Any, *, min_tokens: float = 5) -> list[str]:
    """The columns of a DataFrame that hold free text rather than categories.

    A column holds free text when its dtype is str (or object) and its
    non-missing cells have on average more than ``min_tokens``
    whitespace-separated tokens: names, codes and short categories stay
    categorical, sentences and documents become text.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    min_tokens : float, default=5
        A column is text when its mean token count is above this.

    Returns
    -------
    columns : list of str
        The text columns, in the frame's order.

    Examples
    --------
    >>> import pandas as pd
    >>> from skxil.interactive._defaults import text_columns
    >>> frame = pd.DataFrame({
    ...     "review": ["a long and winding story about a dog", "short but it has six words"],
    ...     "site": ["north", "south"], "age": [31, 42]})
    >>> text_columns(frame)
    ['review']
    """
    if not _is_dataframe(frame):
        raise TypeError(f"text_columns takes a pandas DataFrame, not {type(frame).__name__}.")
    found = []
    for name in frame.columns:
        column = frame[name]
        if not _is_text_dtype(column.dtype):
            continue
        cells = column.dropna()
        cells = cells[cells.map(lambda v: isinstance(v, str))]
        if len(cells) and cells.str.split().str.len().mean() > min_tokens:
            found.append(name)
    return found


def _frame_encoder(frame, text):
    """One-hot categorical, scaled numeric and TF-IDF text columns of ``frame``."""
    numeric = [c for c in frame.columns if c not in text and frame[c].dtype.kind in "iuf"]
    categorical = [c for c in frame.columns if c not in text and c not in numeric]
    parts = [(f"text_{i}", TfidfVectorizer(), name) for i, name in enumerate(text)]
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), categorical))
    if numeric:
        # CSV cells left empty are NaN; the median keeps the column's scale
        parts.append(
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
             numeric)
        )
    return ColumnTransformer(parts)


@validate_params(
    {
        "X": ["array-like", "sparse matrix", list],
        "min_tokens": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def default_learner(
    X: MatrixLike,
    *,
    min_tokens: float = 5,
    max_iter: int = 1000,
    random_state: RandomStateLike = None,
) -> CaipiClassifier:
    """A :class:`~skxil.CaipiClassifier` with a logistic model suited to ``X``.

    The model is a :class:`~sklearn.linear_model.LogisticRegression` behind
    the featurisation the rows call for:

    - documents (a 1-D sequence of str): TF-IDF, explained word by word with
      the fast LIME, corrected words removed from counterexamples;
    - a DataFrame: columns with free text (see :func:`text_columns`) through
      TF-IDF, other str, category and bool columns one-hot encoded, numeric
      columns imputed (median) and scaled; explained exactly by the linear
      explainer when no column is text, otherwise by the fast LIME (a text
      column is then one feature of the explanation);
    - a numeric array: scaled, explained by the linear explainer.

    The learner is unfitted; pass your own to the session to use another.

    Parameters
    ----------
    X : array-like, sparse matrix, DataFrame or list of str
        Rows like the ones the session will label (only their kind and
        columns are read).
    min_tokens : float, default=5
        Mean token count above which a DataFrame's str column is free text.
    max_iter : int, default=1000
        ``max_iter`` of the logistic regression.
    random_state : int, RandomState instance or None, default=None
        The learner's ``random_state`` (queries, explanations,
        counterexamples).

    Returns
    -------
    learner : CaipiClassifier
        The unfitted learner.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.interactive._defaults import default_learner
    >>> learner = default_learner(np.zeros((4, 3)), random_state=0)
    >>> learner.explainer
    'linear'
    >>> default_learner(["a document", "another one"]).counterexample_strategy
    'remove'
    """
    model = LogisticRegression(max_iter=max_iter)
    if is_documents(X):
        return CaipiClassifier(
            make_pipeline(TfidfVectorizer(), model), explainer="fast_lime",
            counterexample_strategy="remove", random_state=random_state,
        )
    if _is_dataframe(X):
        text = text_columns(X, min_tokens=min_tokens)
        return CaipiClassifier(
            make_pipeline(_frame_encoder(X, text), model),
            explainer="fast_lime" if text else "linear", random_state=random_state,
        )
    if np.ndim(X) != 2:
        raise ValueError(
            "default_learner takes documents, a DataFrame or a 2-D array of rows; "
            f"got an array with {np.ndim(X)} dimensions (flatten image rows first)."
        )
    return CaipiClassifier(
        make_pipeline(StandardScaler(with_mean=not sparse.issparse(X)), model),
        explainer="linear", random_state=random_state,
    )
