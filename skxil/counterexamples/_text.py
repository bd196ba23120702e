"""Stage 4 for raw documents: counterexamples that change the corrected words.

Documents are cut into words and separators exactly as the text explainers cut
them (:mod:`skxil.utils._text`), so a correction names the words the user saw
in the explanation. Counterexamples are new strings; the given documents are
never changed.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils._text import check_documents, check_text_corrections, split_document
from ..utils._validation import external_stacklevel
from ._generator import (
    _COMMON_CONSTRAINTS,
    _check_labels,
    _check_n_counterexamples,
    _check_row_index,
    _context_keywords,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..utils._typing import ArrayLike, NDArray, RandomStateLike

__all__ = ["make_text_counterexamples", "TEXT_COUNTEREXAMPLE_STRATEGIES"]

TEXT_COUNTEREXAMPLE_STRATEGIES = ("remove", "randomize", "substitute")


@validate_params(
    {
        # check_documents and check_text_corrections word their own messages
        "documents": "no_validation",
        "corrections": "no_validation",
        "documents_train": "no_validation",
        "strategy": [StrOptions(set(TEXT_COUNTEREXAMPLE_STRATEGIES)), callable],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_text_counterexamples(
    documents: Sequence[str],
    y: ArrayLike,
    corrections: Sequence,
    *,
    documents_train: Sequence[str],
    y_train: ArrayLike,
    n_counterexamples: int = 3,
    strategy: str | Callable = "randomize",
    per_feature: bool = False,
    row_index: ArrayLike | None = None,
    random_state: RandomStateLike = None,
) -> tuple[NDArray[np.object_], NDArray, NDArray[np.intp]]:
    """Generate counterexamples for documents whose explanation was corrected.

    The text counterpart of :func:`make_counterexamples`. For each document
    with corrected words ``C`` (words the model wrongly relied on),
    ``n_counterexamples`` copies are made in which every occurrence of the
    words of ``C`` is removed or replaced, and the label is kept; with
    ``per_feature=True`` each word of ``C`` is changed on its own in
    ``n_counterexamples`` copies. Everything else in the document, separators
    included, is kept as it is.

    Documents are cut into words on the expression ``\\W+`` and words are
    matched exactly, case included, as :class:`~skxil.explain.LimeExplainer`
    and :class:`~skxil.explain.FastLimeExplainer` cut them in text mode (see
    :func:`skxil.utils.document_words`): striking out ``"Free"`` changes the
    occurrences of ``"Free"``, not those of ``"free"``, which a text
    explanation lists as a word of its own.

    Parameters
    ----------
    documents : sequence of str of length n_docs
        The corrected documents (list, 1-D array or pandas Series). Not
        modified.

    y : array-like of shape (n_docs,)
        Their labels; the counterexamples keep them.

    corrections : sequence of length n_docs
        Per document, the words to change (strings, indices into the
        document's distinct words, or a boolean mask over them; ``None`` or
        empty for none). See :func:`skxil.utils.check_text_corrections`. A
        corrected word that does not occur in its document is ignored with a
        ``UserWarning``; a document none of whose corrected words occurs
        yields no counterexample.

    documents_train : sequence of str
        The training documents: the vocabulary of ``"randomize"`` and the
        donors of ``"substitute"``.

    y_train : array-like of shape (n_train,)
        Labels of ``documents_train``.

    n_counterexamples : int, default=3
        Number of copies ``c`` per corrected document (per corrected word when
        ``per_feature=True``).

    strategy : {"remove", "randomize", "substitute"} or callable, \
            default="randomize"
        What happens to each occurrence of a corrected word:

        - ``"remove"``: it is deleted (its separators stay), so all ``c``
          copies are the same document;
        - ``"randomize"``: it is replaced by a word drawn uniformly from the
          distinct words of ``documents_train``, independently for every
          occurrence and copy;
        - ``"substitute"``: each copy draws a donor, a random training
          document of the same label other than the document itself (see
          ``row_index``), and every occurrence is replaced by a word drawn
          uniformly from the donor's distinct words;
        - callable ``f(document, words, n_copies, random_state)``: returns
          ``n_copies`` strings. It is called once per corrected document (per
          corrected word when ``per_feature=True``) with the list of words to
          change; if its signature names them it also gets ``X_train``
          (``documents_train``), ``y_train``, ``label`` and ``row_index``.

        A replacement is never one of the document's corrected words, nor
        differs from one only in case (so that a lower-casing vectorizer
        cannot see a corrected word again).

    per_feature : bool, default=False
        If True, change each corrected word on its own.

    row_index : array-like of int of shape (n_docs,), default=None
        Index of each document in ``documents_train``, or -1; keeps a
        document from being its own donor.

    random_state : int, RandomState instance or None, default=None
        Controls every random draw.

    Returns
    -------
    documents_ce : ndarray of object of shape (n_ce,)
        The counterexamples (str). Corrected documents appear in input order,
        their copies contiguous (with ``per_feature=True`` grouped by word, in
        the order of the words' first occurrence in the document).

    y_ce : ndarray of shape (n_ce,)
        Their labels, ``y[source]``.

    source : ndarray of intp of shape (n_ce,)
        Index in ``documents`` of the document each counterexample came from.

    Raises
    ------
    ValueError
        If a correction is malformed, ``strategy`` is unknown, the vocabulary
        has no word other than the corrected ones (``"randomize"``), or no
        donor has a usable word (``"substitute"``). Messages name the
        document.

    Examples
    --------
    >>> from skxil.counterexamples import make_text_counterexamples
    >>> docs = ["cheap meds here, cheap!", "see you at lunch"]
    >>> X_ce, y_ce, source = make_text_counterexamples(
    ...     docs, [1, 0], [["cheap"], None], documents_train=docs, y_train=[1, 0],
    ...     n_counterexamples=2, strategy="remove")
    >>> X_ce.tolist()
    [' meds here, !', ' meds here, !']
    >>> source.tolist()
    [0, 0]
    """
    documents = check_documents(documents, "Text counterexamples")
    documents_train = check_documents(documents_train, "Text counterexamples")
    n_docs = len(documents)
    y = _check_labels(y, n_docs, "y", "the documents")
    y_train = _check_labels(y_train, len(documents_train), "y_train", "documents_train")
    corrected = check_text_corrections(corrections, documents)
    n_ce = _check_n_counterexamples(n_counterexamples)
    row_index = _check_row_index(row_index, n_docs, len(documents_train))
    rng = check_random_state(random_state)

    pool = None  # built on first use: most calls correct nothing
    wanted = _context_keywords(strategy) if callable(strategy) else ()
    out, source, absent = [], [], []
    for i, words in enumerate(corrected):
        if not words or n_ce == 0:
            continue
        pieces, piece_word, doc_words = split_document(documents[i])
        position = {w: k for k, w in enumerate(doc_words)}
        # in the document's order (that of its explanation's features), so
        # that a set of words gives the same result in every process
        wanted_words = set(words)
        present = [w for w in doc_words if w in wanted_words]
        missing = [w for w in words if w not in position]
        if missing:
            absent.append((i, missing))
        if not present:
            continue
        groups = [[w] for w in present] if per_feature else [present]
        banned = {w.casefold() for w in words}
        for group in groups:
            if callable(strategy):
                context = {
                    "X_train": documents_train,
                    "y_train": y_train,
                    "label": y[i],
                    "row_index": int(row_index[i]),
                }
                copies = _call(strategy, documents[i], group, n_ce, rng, i,
                               {k: context[k] for k in wanted})
                out.extend(copies)
                source.extend([i] * n_ce)
                continue
            ids = np.array([position[w] for w in group])
            hit = np.flatnonzero(np.isin(piece_word, ids))
            for _ in range(n_ce):
                new = list(pieces)
                if strategy == "remove":
                    for p in hit:
                        new[p] = ""
                else:
                    if pool is None:
                        pool = _Replacements(strategy, documents_train, y_train)
                    words_for = pool.draw(i, y[i], int(row_index[i]), banned, hit.size, rng)
                    for p, word in zip(hit, words_for):
                        new[p] = word
                out.append("".join(new))
                source.append(i)
    if absent:
        listed = "; ".join(f"document {i}: {words}" for i, words in absent[:5])
        more = f" (and {len(absent) - 5} more)" if len(absent) > 5 else ""
        warnings.warn(
            "Some corrected words do not occur in their document (words are "
            f"matched exactly, case included) and were ignored: {listed}{more}.",
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    source = np.asarray(source, dtype=np.intp)
    X_ce = np.empty(len(out), dtype=object)
    X_ce[:] = out
    return X_ce, y[source], source


def _call(func, document, words, n_copies, rng, i, kwargs):
    result = func(document, list(words), n_copies, rng, **kwargs)
    if isinstance(result, str) or not hasattr(result, "__len__"):
        raise ValueError(
            f"The strategy callable must return a sequence of {n_copies} strings "
            f"for document {i}; got {type(result).__name__}."
        )
    result = list(result)
    if len(result) != n_copies or not all(isinstance(d, str) for d in result):
        raise ValueError(
            f"The strategy callable must return {n_copies} strings for document "
            f"{i}; got {len(result)} items."
        )
    return result


class _Replacements:
    """Draws replacement words for ``"randomize"`` and ``"substitute"``."""

    def __init__(self, strategy, documents_train, y_train):
        self.strategy = strategy
        self._donor_words = None
        self._vocab = None
        if strategy == "randomize":
            vocab = sorted({w for d in documents_train for w in split_document(d)[2]})
            self._vocab = np.array(vocab, dtype=object)
            folded = {}
            for k, w in enumerate(vocab):
                folded.setdefault(w.casefold(), []).append(k)
            self._folded = folded
        elif strategy == "substitute":
            self._documents = documents_train
            self._y_train = y_train
            self._cache = {}

    def draw(self, i, label, row, banned, n, rng):
        if self.strategy == "randomize":
            return self._randomize(i, banned, n, rng)
        return self._substitute(i, label, row, banned, n, rng)

    def _randomize(self, i, banned, n, rng):
        vocab = self._vocab
        excluded = np.array(
            sorted(k for w in banned for k in self._folded.get(w, ())), dtype=np.intp
        )
        m = vocab.shape[0] - excluded.shape[0]
        if m <= 0:
            raise ValueError(
                f"strategy='randomize' cannot replace the corrected words of "
                f"document {i}: the training documents have no other word."
            )
        idx = np.minimum((rng.random_sample(n) * m).astype(np.intp), m - 1)
        if excluded.size:
            # skip the excluded positions: the idx-th allowed word
            idx = idx + np.searchsorted(
                excluded - np.arange(excluded.size), idx, side="right"
            )
        return vocab[idx].tolist()

    def _words_of(self, t):
        words = self._cache.get(t)
        if words is None:
            words = split_document(self._documents[t])[2]
            self._cache[t] = words
        return words

    def _substitute(self, i, label, row, banned, n, rng):
        key = (label, frozenset(banned))
        usable = self._cache.get(key)
        if usable is None:
            usable = [
                t for t in np.flatnonzero(self._y_train == label).tolist()
                if any(w.casefold() not in banned for w in self._words_of(t))
            ]
            self._cache[key] = usable
        if row >= 0:
            usable = [t for t in usable if t != row]
        if not usable:
            shown = label.tolist() if hasattr(label, "tolist") else label
            raise ValueError(
                f"strategy='substitute' found no donor for document {i} (label "
                f"{shown!r}): no other training document with this label has a "
                "word other than the corrected ones."
            )
        t = usable[min(int(rng.random_sample() * len(usable)), len(usable) - 1)]
        allowed = [w for w in self._words_of(t) if w.casefold() not in banned]
        idx = np.minimum(
            (rng.random_sample(n) * len(allowed)).astype(np.intp), len(allowed) - 1
        )
        return [allowed[k] for k in idx]
