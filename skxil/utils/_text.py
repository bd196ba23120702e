"""Documents and their words, as skxil's text explainers and counterexamples cut them.

One tokenisation serves every stage, so that the words of an explanation are
exactly the words a correction names and a counterexample changes: a document
is cut on lime's default separator expression ``\\W+`` (runs of characters
that are not letters, digits or underscores), and words are compared exactly,
case included, as ``LimeTextExplainer`` does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils._param_validation import validate_params

if TYPE_CHECKING:
    from collections.abc import Sequence

# lime's default split expression for text (LimeTextExplainer, IndexedString)
WORD_SPLIT = r"\W+"
_SEPARATOR = re.compile(WORD_SPLIT)


def check_documents(X: Any, what: str = "Text explainers") -> list[str]:
    """A list of str from a 1-D sequence of documents."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{what} take a sequence of documents, e.g. [text]; got a "
            "single string."
        )
    if hasattr(X, "tolist") and getattr(X, "ndim", 1) != 1:
        raise ValueError(
            f"{what} take a 1-D sequence of documents; got shape {X.shape}."
        )
    docs = list(X.tolist() if hasattr(X, "tolist") else X)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(
                f"{what} take strings; document {i} is a "
                f"{type(doc).__name__}."
            )
    return docs


def split_document(text: str, split_expression: str = WORD_SPLIT) -> list[str]:
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


@validate_params({"text": [str]}, prefer_skip_nested_validation=True)
def document_words(text: str) -> list[str]:
    """The distinct words of a document, in order of first occurrence.

    These are the features of a text explanation (its ``feature_names``) and
    the words a correction may name: the document is cut on ``\\W+`` and words
    are compared exactly, case included.

    Parameters
    ----------
    text : str
        The document.

    Returns
    -------
    words : list of str
        Its distinct words.

    Examples
    --------
    >>> from skxil.utils import document_words
    >>> document_words("Free money, free!")
    ['Free', 'money', 'free']
    """
    return split_document(text)[2]


def is_word(word: Any) -> bool:
    """True when ``word`` is one non-empty word under the ``\\W+`` split."""
    return isinstance(word, str) and word != "" and _SEPARATOR.search(word) is None


@validate_params(
    {
        # The corrections' own checks below say, per document, what a
        # correction of a document looks like; the generic message could not.
        "corrections": "no_validation",
        "documents": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
def check_text_corrections(
    corrections: Sequence | None, documents: Sequence[str]
) -> list[list[str]]:
    """Turn corrections of documents into the corrected words of each one.

    Parameters
    ----------
    corrections : None or sequence of length n_documents
        One entry per document: ``None`` or empty (no correction), or a
        collection of the document's words to correct. A word is given as a
        string, or as an integer index into :func:`document_words` (the
        ``features`` of the document's explanation), or the entry is a boolean
        mask over those words.

    documents : list of str
        The documents.

    Returns
    -------
    corrected : list of list of str
        For each document, its distinct corrected words, in the order of the
        correction (duplicates dropped). A word may be absent from its
        document; the counterexample generator warns about those.

    Raises
    ------
    ValueError
        If the number of entries does not match, an entry is a single string,
        a word is not one word under the ``\\W+`` split, or an index is out of
        range. Messages name the document and the word.

    Examples
    --------
    >>> from skxil.utils import check_text_corrections
    >>> check_text_corrections([["free"], None, [1]], ["free cash", "hi", "a b"])
    [['free'], [], ['b']]
    """
    n = len(documents)
    if corrections is None:
        return [[] for _ in range(n)]
    if hasattr(corrections, "toarray") or getattr(corrections, "ndim", 1) == 2:
        raise ValueError(
            "corrections of documents are given per document (a list of words, "
            "of indices into the document's words, or a boolean mask over them), "
            "not as one matrix: documents have no common features."
        )
    if isinstance(corrections, (str, bytes)) or not hasattr(corrections, "__len__"):
        raise ValueError(
            "corrections of documents must be None or a sequence with one "
            f"collection of words per document; got {type(corrections).__name__}."
        )
    if len(corrections) != n:
        raise ValueError(
            f"corrections has {len(corrections)} entries but there are {n} "
            "documents: give one collection of words per document (None or [] "
            "for documents without correction), e.g. [['free']] for one document."
        )
    out = []
    for i, entry in enumerate(corrections):
        if entry is None:
            out.append([])
            continue
        if isinstance(entry, (str, bytes)) or not hasattr(entry, "__iter__"):
            raise ValueError(
                f"The correction of document {i} must be a collection of words "
                f"(e.g. [{entry!r}]), not a single value {entry!r}."
            )
        entry = entry if isinstance(entry, np.ndarray) else list(entry)
        words = None
        if isinstance(entry, np.ndarray) and entry.dtype == bool or (
            len(entry) and all(isinstance(w, (bool, np.bool_)) for w in entry)
        ):
            words = split_document(documents[i])[2]
            mask = np.asarray(entry, dtype=bool)
            if mask.shape != (len(words),):
                raise ValueError(
                    f"The boolean correction mask of document {i} has "
                    f"{mask.size} entries, but the document has {len(words)} "
                    "distinct words."
                )
            out.append([words[j] for j in np.flatnonzero(mask)])
            continue
        chosen = {}
        for word in entry:
            if isinstance(word, (int, np.integer)) and not isinstance(word, bool):
                if words is None:
                    words = split_document(documents[i])[2]
                if not 0 <= word < len(words):
                    raise ValueError(
                        f"Document {i}: word index {int(word)} is out of range; "
                        f"the document has {len(words)} distinct words."
                    )
                word = words[int(word)]
            elif not isinstance(word, str):
                raise ValueError(
                    f"Document {i}: cannot interpret {word!r} of type "
                    f"{type(word).__name__} as a word; give the word itself or "
                    "its index among the document's distinct words."
                )
            elif not is_word(word):
                raise ValueError(
                    f"Document {i}: {word!r} is not one word. Documents are cut "
                    "into words on the expression \\W+ (as the text explainers "
                    "do); give each word on its own."
                )
            chosen.setdefault(word, None)
        out.append(list(chosen))
    return out
