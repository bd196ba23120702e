"""Helpers shared by the explainers: input checks, text splitting, voting."""

import re

import numpy as np
from scipy import sparse

from ..utils._validation import _is_dataframe

# lime's default split expression for text (LimeTextExplainer, IndexedString)
WORD_SPLIT = r"\W+"


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


def check_documents(X):
    """A list of str from a 1-D sequence of documents."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "Text explainers take a sequence of documents, e.g. [text]; got a "
            "single string."
        )
    if hasattr(X, "tolist") and getattr(X, "ndim", 1) != 1:
        raise ValueError(
            f"Text explainers take a 1-D sequence of documents; got shape {X.shape}."
        )
    docs = list(X.tolist() if hasattr(X, "tolist") else X)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(
                f"Text explainers take strings; document {i} is a "
                f"{type(doc).__name__}."
            )
    return docs


def split_document(text, split_expression=WORD_SPLIT):
    """Cut a document into words and separators, as lime's ``IndexedString``.

    Parameters
    ----------
    text : str
        The document.

    split_expression : str, default=r"\\W+"
        Regular expression of the separators.

    Returns
    -------
    pieces : list of str
        Words and separators in order; ``"".join(pieces) == text``.

    piece_word : ndarray of shape (len(pieces),), dtype=int64
        Index of each piece's word in ``words``, -1 for separators.

    words : list of str
        The document's distinct words in order of first occurrence: the
        features of a text explanation.
    """
    splitter = re.compile(r"(%s)|$" % split_expression)
    pieces = [s for s in splitter.split(text) if s]
    vocab = {}
    piece_word = np.full(len(pieces), -1, dtype=np.int64)
    for i, piece in enumerate(pieces):
        if splitter.match(piece):
            continue
        piece_word[i] = vocab.setdefault(piece, len(vocab))
    return pieces, piece_word, list(vocab)


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
