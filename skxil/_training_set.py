"""Stage 5: the augmented training set (real rows + counterexamples).

Rows are kept in the raw input space and in the container the user gave
(ndarray, scipy sparse matrix or pandas DataFrame). A :class:`TrainingSet` is
immutable: adding rows returns a new object, so a learner can build the next
training set completely before committing to it.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ._frames import frame_from_state, frame_like, frame_state
from .utils._columns import ColumnValues, column_extremes, merge_extremes
from .utils._text import document_words
from .utils._validation import _is_dataframe

if TYPE_CHECKING:
    from .utils._typing import ArrayLike, MatrixLike, NDArray


def concat_rows(a, b):
    """Stack the rows of two containers of the same kind."""
    if a is None:
        return b
    if b is None:
        return a
    if _is_dataframe(a):
        import pandas as pd

        return pd.concat([a, b], ignore_index=True)
    if sparse.issparse(a):
        return sparse.vstack([a, b], format=a.format if a.format in ("csr", "csc") else "csr")
    return np.concatenate([a, b], axis=0)


def take_rows(X, indices):
    """Rows ``indices`` of a container (ndarray, sparse matrix or DataFrame).

    A DataFrame keeps its columns and dtypes and gets a fresh 0..n-1 index.
    """
    indices = np.asarray(indices, dtype=np.intp)
    if _is_dataframe(X):
        return X.iloc[indices].reset_index(drop=True)
    if sparse.issparse(X):
        return X.tocsr()[indices] if X.format not in ("csr", "csc") else X[indices]
    return X[indices]


def like(X, reference):
    """Convert rows ``X`` to the container kind of ``reference``.

    Rows joining a DataFrame take its columns and dtypes
    (:func:`skxil._frames.frame_like`); sparse rows stay sparse.
    """
    if _is_dataframe(reference):
        return frame_like(X, reference)
    if _is_dataframe(X):
        X = X.to_numpy()
    if sparse.issparse(reference):
        return sparse.csr_matrix(X) if not sparse.issparse(X) else X
    if sparse.issparse(X):
        return X.toarray()
    return np.asarray(X)


def numeric_background(X):
    """The training rows for counterexample statistics: ndarray or sparse."""
    if sparse.issparse(X):
        return X
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(
            "Counterexamples re-draw feature values, so the features must be "
            f"numeric; X has dtype {X.dtype}. Give a pandas DataFrame to have "
            "str or category columns re-drawn among their observed values."
        )
    return X


def _extend(mask, n_new):
    """A mask with ``n_new`` empty rows appended (None stays None)."""
    if mask is None:
        return None
    return sparse.vstack(
        [mask, sparse.csr_matrix((n_new, mask.shape[1]), dtype=bool)], format="csr"
    )


def _set_rows(mask, rows, new, n_real):
    """``mask`` (or an empty one) with rows ``rows`` replaced by ``new``."""
    if new is None:  # a kind of input without masks (documents)
        return mask
    if mask is None:
        if new.nnz == 0:
            return None
        mask = sparse.csr_matrix((n_real, new.shape[1]), dtype=bool)
    keep = np.ones(n_real, dtype=np.int8)
    keep[rows] = 0
    place = sparse.csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, np.arange(rows.size))),
        shape=(n_real, rows.size),
    )
    out = mask.multiply(keep[:, None]).astype(np.int8) + place @ new.astype(np.int8)
    out = sparse.csr_matrix(out != 0)
    out.eliminate_zeros()
    return out


def _changed_cells(a, b):
    """Row and column indices where two containers of the same shape differ.

    Missing values equal missing values.
    """
    if sparse.issparse(a):
        diff = sparse.csr_matrix(a - sparse.csr_matrix(b))
        diff.eliminate_zeros()
        return diff.nonzero()
    if _is_dataframe(a):
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        changed = np.column_stack(
            [
                np.asarray(a.iloc[:, j].ne(b.iloc[:, j]), dtype=bool)
                & ~np.asarray(a.iloc[:, j].isna() & b.iloc[:, j].isna(), dtype=bool)
                for j in range(a.shape[1])
            ]
        )
        return np.nonzero(changed)
    a, b = np.asarray(a), np.asarray(b)
    changed = a != b
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        changed &= ~(np.isnan(a.astype(float)) & np.isnan(b.astype(float)))
    return np.nonzero(changed)


#: How many generations of appended rows a training set remembers.
_LINEAGE = 8

_KEYS = itertools.count()


class _RealRows:
    """What a training set knows of its real rows besides the rows.

    ``key`` names these rows (and labels); ``lineage`` lists, newest first,
    the keys of the training sets these rows extend by appending, with how
    many rows each had. The column values of the rows (statistics for the
    counterexamples, :class:`~skxil.utils._columns.ColumnValues`) are
    computed on demand, from those of the training set they extend when it
    has them: in time proportional to the new rows, not to all of them.
    """

    def __init__(self, base=None, n_base=0):
        self.key = next(_KEYS)
        self.lineage = (
            () if base is None else (((base.key, n_base),) + base.lineage)[:_LINEAGE]
        )
        # the base's column values may be derived in turn from its own base;
        # the chain is cut after _LINEAGE generations that never needed them
        self._base = base if base is not None and base._depth < _LINEAGE else None
        self._depth = 0 if self._base is None else base._depth + 1
        self._n_base = n_base
        self._columns = None
        # the column extremes (see column_extremes) of these rows, and those
        # of the base's rows if it had them when these rows were appended
        self._extremes = None
        self._base_extremes = None if base is None else base._extremes
        # (key, kind, (explainer, space)) of the last explainer a learner fitted
        # on these rows or the rows they extend, for CaipiClassifier.explainer_
        # to update instead of fitting a new one
        self.explainer_memo = None if base is None else base.explainer_memo

    def rows_at(self, key):
        """Number of real rows of the ancestor ``key`` (a prefix of these
        rows), or None when ``key`` is not in the lineage."""
        for ancestor, n_rows in self.lineage:
            if ancestor == key:
                return n_rows
        return None

    def relabelled(self):
        """The state of the same rows with other labels: no lineage (the
        labels of old rows changed), the same column values."""
        rows = _RealRows()
        rows._base, rows._depth, rows._n_base = self._base, self._depth, self._n_base
        rows._columns = self._columns
        rows._extremes, rows._base_extremes = self._extremes, self._base_extremes
        return rows

    def column_values(self, X, compute=True):
        """The :class:`ColumnValues` of the rows ``X`` (which these are).

        Derived from the base's when it has them (or can derive them);
        otherwise computed from ``X`` if ``compute``, else None.
        """
        if self._columns is None:
            columns = None
            if self._base is not None:
                before = self._base.column_values(X[: self._n_base], compute=False)
                if before is not None:
                    columns = before.add(X[self._n_base :])
            if columns is None and compute:
                columns = ColumnValues.from_rows(X)
            if columns is not None:
                self._columns, self._base = columns, None
        return self._columns


    def column_extremes(self, X):
        """The :func:`~skxil.utils._columns.column_extremes` of the dense
        rows ``X`` (which these are): merged from the base's and those of
        the appended rows when the base had them, else computed from ``X``."""
        if self._extremes is None or self._extremes[0].dtype != X.dtype:
            before = self._base_extremes
            n_new = X.shape[0] - self._n_base
            if before is not None and before[0].dtype == X.dtype and self._n_base:
                extremes = before
                if n_new:
                    extremes = merge_extremes(before, column_extremes(X[self._n_base :]))
            else:
                extremes = column_extremes(X)
            self._extremes, self._base_extremes = extremes, None
        return self._extremes


#: The real rows of training sets made by :meth:`TrainingSet.add`, by id:
#: ``(weak reference to the rows, their _RealRows)``. The counterexample
#: generator reads the statistics of such rows here instead of computing
#: them again (see :func:`known_rows`).
_KNOWN_ROWS = {}


def _remember(X, rows):
    if not (sparse.issparse(X) or (isinstance(X, np.ndarray) and X.dtype.kind in "biuf")):
        return
    key = id(X)
    _KNOWN_ROWS[key] = (weakref.ref(X), rows)
    weakref.finalize(X, _KNOWN_ROWS.pop, key, None)


def known_rows(X):
    """The :class:`_RealRows` of ``X`` if it is the real rows of a training
    set made by :meth:`TrainingSet.add`, else None.

    Its ``column_values(X, compute)`` are kept up to date from one training
    set to the next; ``compute=False`` returns them only when they are at
    hand or derived from an earlier set's without sorting all rows.
    """
    entry = _KNOWN_ROWS.get(id(X))
    if entry is None or entry[0]() is not X:
        return None
    return entry[1]


class TrainingSet:
    """Real rows plus counterexamples, with their provenance and weights.

    Parameters
    ----------
    X_real : {ndarray, sparse matrix, DataFrame} of shape (n_real, n_features)
        The labelled rows, in the order they were added.

    y_real : ndarray of shape (n_real,)
        Their labels.

    weight_real : ndarray of shape (n_real,) or None
        Their sample weights (``None``: all 1).

    X_ce : same kind as ``X_real`` or None
        Counterexample rows.

    y_ce : ndarray of shape (n_ce,) or None
        Their labels (always the label of their source row).

    source : ndarray of shape (n_ce,) or None
        Index, into the real rows, of the row each counterexample was made
        from.

    ignore, focus : CSR matrix of shape (n_real, n_features) or None
        Feedback masks of the real rows: the features each row must not rely
        on (its correction set, with ``always_correct``) and those it should
        rely on. ``None`` when no row has any (and for documents, which have
        no common features). A counterexample carries its source row's
        masks (see :meth:`masks`).

    Attributes
    ----------
    X, y : the rows used to fit: real rows first, then counterexamples.
    origin : ndarray of shape (n_real + n_ce,)
        ``-1`` for a real row, else the index of the real row that the
        counterexample was made from.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> from skxil import TrainingSet
    >>> ts = TrainingSet(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1]))
    >>> ts = ts.add_counterexamples(np.array([[1.0, 9.0]]), np.array([0]), [0])
    >>> ts = ts.with_masks([0], sparse.csr_matrix([[False, True]]), None)
    >>> ts.origin.tolist(), ts.masks()["ignore"].toarray().tolist()
    ([-1, -1, 0], [[False, True], [False, False], [False, True]])
    """

    # Defaults for training sets pickled before masks existed.
    ignore = None
    focus = None

    def __init__(
        self,
        X_real: MatrixLike,
        y_real: ArrayLike,
        weight_real: ArrayLike | None = None,
        X_ce: MatrixLike | None = None,
        y_ce: ArrayLike | None = None,
        source: ArrayLike | None = None,
        *,
        ignore: MatrixLike | None = None,
        focus: MatrixLike | None = None,
    ) -> None:
        self.ignore = ignore
        self.focus = focus
        self.X_real = X_real
        self.y_real = y_real
        self.weight_real = weight_real
        self.X_ce = X_ce
        self.y_ce = y_ce if y_ce is not None else y_real[:0]
        self.source = (
            source if source is not None else np.zeros(0, dtype=np.intp)
        )
        self._rows = _RealRows()

    def _with_rows(self, rows):
        """``self``, whose real rows' state (:class:`_RealRows`) is ``rows``."""
        self._rows = rows
        return self

    @property
    def n_real(self) -> int:
        """Number of real (labelled) rows."""
        return self.y_real.shape[0]

    @property
    def n_counterexamples(self) -> int:
        """Number of counterexample rows."""
        return self.source.shape[0]

    def __len__(self):
        return self.n_real + self.n_counterexamples

    @property
    def X(self) -> Any:
        """Rows to fit on: real rows, then counterexamples."""
        if self.n_counterexamples == 0:
            return self.X_real
        return concat_rows(self.X_real, self.X_ce)

    @property
    def y(self) -> NDArray:
        """Labels of :attr:`X`."""
        return np.concatenate([self.y_real, self.y_ce])

    @property
    def origin(self) -> NDArray[np.intp]:
        """-1 for real rows, else the index of the counterexample's real row."""
        return np.concatenate(
            [np.full(self.n_real, -1, dtype=np.intp), self.source.astype(np.intp)]
        )

    @property
    def is_counterexample(self) -> NDArray[np.bool_]:
        """Boolean mask over :attr:`X`: True for counterexample rows."""
        return self.origin >= 0

    def sample_weight(
        self, counterexample_weight: float = 1.0
    ) -> NDArray[np.float64] | None:
        """Weights of :attr:`X`, or None when they would all be 1.

        Real rows weigh their sample weight (1 when none was given);
        counterexamples weigh ``counterexample_weight``.
        """
        if self.weight_real is None and (
            counterexample_weight == 1.0 or self.n_counterexamples == 0
        ):
            return None
        real = (
            np.ones(self.n_real) if self.weight_real is None else self.weight_real
        )
        return np.concatenate(
            [real, np.full(self.n_counterexamples, float(counterexample_weight))]
        )

    def add(
        self, X: MatrixLike, y: ArrayLike, weight: ArrayLike | None = None
    ) -> TrainingSet:
        """A new training set with real rows appended (counterexamples kept)."""
        if self.weight_real is None and weight is None:
            weight_real = None
        else:
            old = np.ones(self.n_real) if self.weight_real is None else self.weight_real
            new = np.ones(y.shape[0]) if weight is None else weight
            weight_real = np.concatenate([old, new])
        n_new = y.shape[0]
        grown = self._replace(
            X_real=concat_rows(self.X_real, X),
            y_real=np.concatenate([self.y_real, y]),
            weight_real=weight_real,
            ignore=_extend(self.ignore, n_new),
            focus=_extend(self.focus, n_new),
            _rows=None,
        )
        # the new rows extend ours: their statistics can be updated
        grown._rows = _RealRows(self._rows, self.n_real)
        if grown.X_real is not self.X_real:  # a fresh array nobody else holds
            _remember(grown.X_real, grown._rows)
        return grown

    def add_counterexamples(
        self, X_ce: MatrixLike, y_ce: ArrayLike, source: ArrayLike
    ) -> TrainingSet:
        """A new training set with counterexamples appended.

        ``source`` gives, for each counterexample, the index of its real row.
        """
        if X_ce is None or len(source) == 0:
            return self
        return self._replace(
            X_ce=concat_rows(self.X_ce, X_ce),
            y_ce=np.concatenate([self.y_ce, y_ce]),
            source=np.concatenate([self.source, source]).astype(np.intp),
        )

    def with_masks(
        self, rows: ArrayLike, ignore: MatrixLike | None, focus: MatrixLike | None
    ) -> TrainingSet:
        """A new training set in which real rows ``rows`` have these masks.

        Parameters
        ----------
        rows : array-like of int of shape (n_rows,)
            Indices of real rows.

        ignore, focus : sparse matrix of shape (n_rows, n_features) or None
            Their new masks, replacing the old ones (``None``: no feedback
            of that kind, e.g. for documents).

        Returns
        -------
        training_set : TrainingSet
            ``self`` is never modified.
        """
        rows = np.asarray(rows, dtype=np.intp)
        return self._replace(
            ignore=_set_rows(self.ignore, rows, ignore, self.n_real),
            focus=_set_rows(self.focus, rows, focus, self.n_real),
        )

    def masks(self) -> dict:
        """The feedback masks of every row of :attr:`X`, for a loss.

        Returns
        -------
        masks : dict
            ``{"ignore": mask, "focus": mask}`` with CSR masks of shape
            (len(self), n_features): real rows first, then each
            counterexample with its source row's mask. Kinds of feedback no
            row has are left out.
        """
        masks = {}
        for name in ("ignore", "focus"):
            mask = getattr(self, name)
            if mask is None or mask.nnz == 0:
                continue
            if self.n_counterexamples:
                mask = sparse.vstack([mask, mask[self.source]], format="csr")
            masks[name] = mask
        return masks

    def take(self, positions):
        """Rows ``positions`` of :attr:`X`, their labels and masks, without building X.

        Parameters
        ----------
        positions : array-like of int
            Positions in :attr:`X` (real rows first, then counterexamples).

        Returns
        -------
        X, y : the rows (same container as :attr:`X`) and their labels.
        masks : dict
            The rows of :meth:`masks`.
        """
        positions = np.asarray(positions, dtype=np.intp)
        is_ce = positions >= self.n_real
        real, ce = positions[~is_ce], positions[is_ce] - self.n_real
        # gather each part, then undo the grouping so the order is ``positions``
        X = concat_rows(
            take_rows(self.X_real, real) if real.size or not ce.size else None,
            take_rows(self.X_ce, ce) if ce.size else None,
        )
        order = np.argsort(np.argsort(is_ce, kind="stable"), kind="stable")
        X = take_rows(X, order)
        y = np.concatenate([self.y_real[real], self.y_ce[ce]])[order]
        owner = positions.copy()  # a counterexample carries its source's masks
        owner[is_ce] = self.source[ce]
        masks = {}
        for name in ("ignore", "focus"):
            mask = getattr(self, name)
            if mask is not None and mask.nnz:
                masks[name] = mask[owner]
        return X, y, masks

    def _replace(self, **changes):
        """A copy with some fields replaced (a TrainingSet is immutable)."""
        fields = dict(
            X_real=self.X_real, y_real=self.y_real, weight_real=self.weight_real,
            X_ce=self.X_ce, y_ce=self.y_ce, source=self.source,
            ignore=self.ignore, focus=self.focus,
        )
        rows = changes.pop("_rows", self._rows)
        fields.update(changes)
        replaced = TrainingSet(**fields)
        if rows is not None:  # the same real rows: their kept statistics hold
            replaced._with_rows(rows)
        return replaced

    def check_real_rows(
        self, indices: ArrayLike, name: str = "indices"
    ) -> NDArray[np.intp]:
        """Validate indices into the real rows; return them as an int array.

        Raises a ``TypeError`` for non-integer indices and a ``ValueError``
        naming the first index that is not a real row (negative ones
        included). ``name`` is the parameter the message names.
        """
        rows = np.asarray(indices)
        if rows.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D (one index per row), got shape {rows.shape}."
            )
        if rows.size and rows.dtype.kind not in "iu":
            raise TypeError(
                f"{name} must hold integer row indices of the training set, got "
                f"dtype {rows.dtype} (e.g. {rows[0]!r})."
            )
        bad = np.flatnonzero((rows < 0) | (rows >= self.n_real))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"{name}[{i}] = {rows[i]} is not a row of the training set, "
                f"which has {self.n_real} real rows (indices 0 to {self.n_real - 1})."
            )
        return rows.astype(np.intp)

    def drop_counterexamples(self, sources: ArrayLike) -> TrainingSet:
        """A new training set without the counterexamples of real rows ``sources``.

        Parameters
        ----------
        sources : array-like of int
            Indices of real rows whose counterexamples are removed; the
            other counterexamples keep their order and provenance.

        Returns
        -------
        training_set : TrainingSet
            ``self`` when there is nothing to drop, otherwise a new object;
            ``self`` is never modified.
        """
        drop = np.isin(self.source, np.asarray(sources, dtype=np.intp))
        if not drop.any():
            return self
        keep = np.flatnonzero(~drop)
        return self._replace(
            X_ce=take_rows(self.X_ce, keep) if keep.size else None,
            y_ce=self.y_ce[keep],
            source=self.source[keep],
        )

    def counterexamples_of(self, row: int) -> NDArray[np.intp]:
        """Positions, among the counterexamples, of those made from real row ``row``."""
        return np.flatnonzero(self.source == row)

    def relabel(self, rows: ArrayLike, labels: ArrayLike) -> TrainingSet:
        """A new training set in which real rows ``rows`` have the labels ``labels``.

        Their counterexamples take the new labels too (a counterexample always
        has its source row's label). The label array is promoted when needed
        (a longer str does not get cut).
        """
        rows = np.asarray(rows, dtype=np.intp)
        labels = np.asarray(labels)
        dtype = (
            object
            if object in (self.y_real.dtype, labels.dtype)
            else np.result_type(self.y_real.dtype, labels.dtype)
        )
        y_real = self.y_real.astype(dtype, copy=True)
        y_real[rows] = labels
        y_ce = self.y_ce.astype(dtype, copy=True)
        if self.n_counterexamples:
            y_ce[:] = y_real[self.source]
        return self._replace(y_real=y_real, y_ce=y_ce, _rows=self._rows.relabelled())

    def corrected_features(self) -> dict:
        """The corrected features of each real row, read from its counterexamples.

        A counterexample differs from its source row exactly in the features
        that were re-drawn, so a row's corrected features are those on which
        one of its counterexamples differs from it (a feature re-drawn to its
        own value is not seen).

        Returns
        -------
        corrected : dict
            Maps each real row that has counterexamples to the set of its
            corrected features: column positions, or words for documents.

        Examples
        --------
        >>> import numpy as np
        >>> from skxil import TrainingSet
        >>> ts = TrainingSet(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1]))
        >>> ts = ts.add_counterexamples(np.array([[1.0, 9.0]]), np.array([0]), [0])
        >>> ts.corrected_features()
        {0: {1}}
        """
        if self.n_counterexamples == 0:
            return {}
        source = self.source
        corrected = {int(r): set() for r in np.unique(source)}
        X_src = take_rows(self.X_real, source)
        if isinstance(X_src, np.ndarray) and X_src.ndim == 1:  # documents
            for i, r in enumerate(source.tolist()):
                lost = set(document_words(X_src[i])) - set(document_words(self.X_ce[i]))
                corrected[r] |= lost
            return corrected
        for i, j in zip(*_changed_cells(X_src, self.X_ce)):
            corrected[int(source[i])].add(int(j))
        return corrected

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_rows", None)  # statistics are recomputed on demand
        for name in ("X_real", "X_ce"):
            if _is_dataframe(state[name]):
                state[name] = {"frame": frame_state(state[name])}
        return state

    def __setstate__(self, state):
        for name in ("X_real", "X_ce"):
            if isinstance(state[name], dict) and "frame" in state[name]:
                state[name] = frame_from_state(state[name]["frame"])
        self.__dict__.update(state)
        self._rows = _RealRows()

    def __repr__(self):
        return (
            f"TrainingSet(n_real={self.n_real}, "
            f"n_counterexamples={self.n_counterexamples})"
        )
