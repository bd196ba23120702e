"""Stage 4: counterexample generation (validation, statistics, random draws).

:func:`make_counterexamples` validates its inputs once, computes the
per-feature statistics of the training set, draws every random number as a
plain array and hands the rest to a kernel: the numba kernels in
:mod:`._kernels` or their NumPy twins in :mod:`._reference`, which return
identical arrays. The private functions below only compute.
"""

from __future__ import annotations

import inspect
import numbers
import os
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._training_set import known_rows
from ..utils._columns import column_extremes
from ..utils._validation import external_stacklevel
from . import _kernels, _reference

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..utils._typing import ArrayLike, MatrixLike, NDArray, RandomStateLike

__all__ = ["make_counterexamples", "COUNTEREXAMPLE_STRATEGIES"]

COUNTEREXAMPLE_STRATEGIES = ("randomize", "alternative", "substitute")

_BACKENDS = {"numba": _kernels, "numpy": _reference}

#: Parameter types and ranges, checked by ``validate_params`` (the shapes and
#: dtypes are checked in the function body, which knows how they relate).
_COMMON_CONSTRAINTS = {
    "y": ["array-like"],
    "y_train": ["array-like"],
    "n_counterexamples": [Interval(numbers.Integral, 0, None, closed="left")],
    "per_feature": ["boolean"],
    "row_index": ["array-like", None],
    "random_state": ["random_state"],
}


class _Job(NamedTuple):
    """The validated settings of one call, shared by all its row blocks."""

    X_train: object  # as given (after the checks), for a callable strategy
    y_train: np.ndarray
    n_ce: int
    strategy: object
    per_feature: bool
    rng: np.random.RandomState
    kernels: object
    unchanged: list  # ids of the features left unchanged, warned once


class _Block(NamedTuple):
    """Rows to generate from, and the columns of ``X_train`` they use."""

    X: np.ndarray
    work_dtype: np.dtype
    y: np.ndarray
    corrections: np.ndarray
    row_index: np.ndarray
    X_train: object  # CSC or dense, the block's columns only
    categorical: np.ndarray
    ids: np.ndarray  # the feature numbers that messages name
    row_ids: np.ndarray  # the row numbers that messages name
    cells: tuple  # (feat_ptr, feat_idx) of the corrections, see _kernels
    # f(compute) -> ColumnValues of the block's X_train columns kept by a
    # TrainingSet (skxil._training_set.known_column_values), or None
    train_columns: object = None
    # f() -> column_extremes of all of a dense X_train kept by a TrainingSet,
    # or None
    train_extremes: object = None


class _Uniforms:
    """``random_sample`` of a RandomState, bit for bit, drawn by a kernel.

    :func:`._kernels.mt19937_uniforms` computes NumPy's legacy MT19937
    doubles from the generator's state, and the state is advanced exactly as ``random_sample`` advances
    it: the generator draws the same numbers afterwards. A generator of
    another bit generator, or a short draw, goes to ``random_sample``.
    :meth:`deferred` leaves a large draw to the kernel that uses the
    numbers (the ``_mt_`` kernels), which draws them from the state itself.
    """

    #: Fewer uniforms than this are drawn by ``random_sample`` directly
    #: (the same numbers), which costs less than reading and writing the state.
    min_kernel_draw = 4096

    def __init__(self, rng, kernels):
        self.rng = rng
        self.kernels = kernels

    def random_sample(self, n):
        """``self.rng.random_sample(n)``."""
        if not self._through_state(n):
            return self.rng.random_sample(n)
        out = np.empty(n)
        self.run_on_state(lambda state: self.kernels.mt19937_uniforms(*state, out))
        return out

    def deferred(self, n):
        """``random_sample(n)`` now, or a :class:`_Deferred` draw of it."""
        return _Deferred(self, n) if self._through_state(n) else self.random_sample(n)

    def _through_state(self, n):
        bit_generator = getattr(self.rng, "_bit_generator", None)
        return n >= self.min_kernel_draw and isinstance(bit_generator, np.random.MT19937)

    def run_on_state(self, draw):
        """Call ``draw((key, pos))`` on a copy of the generator's MT19937 state
        (``key`` advanced in place, the new ``pos`` returned), then set it.

        If ``draw`` raises, the generator is left as it was.
        """
        # the generator's own lock, which random_sample holds while it draws
        with self.rng._bit_generator.lock:
            state = self.rng.get_state(legacy=False)
            key = np.array(state["state"]["key"], dtype=np.uint32)
            pos = draw((key, int(state["state"]["pos"])))
            state["state"] = {"key": key, "pos": int(pos)}
            self.rng.set_state(state)


class _Deferred(NamedTuple):
    """``n`` uniforms of a :class:`_Uniforms`, to be drawn by the ``_mt_``
    kernel that uses them (:func:`_run_kernel`)."""

    uniforms: _Uniforms
    n: int


def _run_kernel(kernels, name, args, out):
    """``kernels.<name>(*args, out)``; when the uniforms (the last argument)
    are :class:`_Deferred`, its ``_mt_`` twin draws them from the state."""
    draws = args[-1]
    if not isinstance(draws, _Deferred):
        getattr(kernels, name)(*args, out)
        return
    kernel = getattr(kernels, name.replace("_kernel", "_mt_kernel"))
    draws.uniforms.run_on_state(lambda state: kernel(*args[:-1], state, out))


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "corrections": ["array-like", "sparse matrix"],
        "X_train": ["array-like", "sparse matrix"],
        "strategy": [StrOptions(set(COUNTEREXAMPLE_STRATEGIES)), callable],
        "backend": [StrOptions(set(_BACKENDS))],
        "categorical_features": ["array-like", None],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def make_counterexamples(
    X: MatrixLike,
    y: ArrayLike,
    corrections: MatrixLike,
    *,
    X_train: MatrixLike,
    y_train: ArrayLike,
    n_counterexamples: int = 3,
    strategy: str | Callable = "randomize",
    per_feature: bool = False,
    row_index: ArrayLike | None = None,
    random_state: RandomStateLike = None,
    backend: str = "numba",
    categorical_features: ArrayLike | None = None,
) -> tuple[Any, NDArray, NDArray[np.intp]]:
    """Generate counterexamples for rows whose explanation was corrected.

    For each corrected row with correction set ``C`` (the features the model
    wrongly relied on), ``n_counterexamples`` copies of the row are made in which
    the features of ``C`` are re-drawn together while the label is kept; with
    ``per_feature=True`` each feature of ``C`` is re-drawn on its own in
    ``n_counterexamples`` copies, ``n_counterexamples * |C|`` copies in all
    (the CAIPI paper's ``c * |C|``). Features outside ``C`` are never changed.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Numeric rows to copy (any integer, float or bool dtype). Not
        modified. Sparse rows (e.g. vectorised text) are never densified:
        only their corrected columns are, and the counterexamples come back
        as a CSR matrix.

    y : array-like of shape (n_rows,)
        Labels of the rows, of any dtype; the counterexamples keep them.

    corrections : {ndarray, sparse matrix} of bool of shape (n_rows, n_features)
        ``corrections[i, j]`` is True when feature ``j`` of row ``i`` must be
        re-drawn. A row without any True yields no counterexample.

    X_train : {ndarray, sparse matrix} of shape (n_train, n_features)
        Training set the statistics (ranges, observed values, donors) come
        from; it is expected to contain the rows of ``X``. Sparse matrices of
        any format are read column-wise without being densified. When
        ``X_train`` is the real rows of a :class:`~skxil.TrainingSet` made by
        ``TrainingSet.add`` (as in every ``teach``), the statistics that
        training set keeps are read instead of computed again (same result).

    y_train : array-like of shape (n_train,)
        Labels of ``X_train``, used by ``strategy="substitute"``.

    n_counterexamples : int, default=3
        Number of copies ``c`` per corrected row (per corrected feature when
        ``per_feature=True``). Zero returns empty arrays.

    strategy : {"randomize", "alternative", "substitute"} or callable, \
            default="randomize"
        How the corrected features are re-drawn:

        - ``"randomize"``: uniformly over the feature's observed range
          ``[min, max]`` in ``X_train``. A feature is integer-valued when
          ``X`` has an integer dtype or all its observed values are integral;
          it is then drawn uniformly among the integers ``min..max`` (for an
          integer ``X``, exactly in its dtype: the full int64 and uint64
          ranges work). A categorical feature (see ``categorical_features``)
          is drawn among its observed values with their frequencies in
          ``X_train``.
        - ``"alternative"``: uniformly among the feature's other observed
          values in ``X_train`` (sorted unique values, implicit zeros of a
          sparse matrix included, compared in ``X``'s dtype), never the
          original value; categorical features alike. A feature whose
          only observed value is the original one is left unchanged; one
          ``UserWarning`` per call names such features.
        - ``"substitute"``: each copy takes all its re-drawn features from one
          random donor row of ``X_train`` with the same label, other than the
          row itself (see ``row_index``).
        - callable ``f(x, mask, n_copies, random_state)``: called once per
          corrected row (per corrected feature with a one-feature mask when
          ``per_feature=True``) with a copy of the row ``x``, its boolean
          ``mask``, the number of copies and a :class:`numpy.random.RandomState`.
          It returns an array of shape ``(n_copies, n_features)`` that differs
          from ``x`` only where ``mask`` is True; it is cast to ``X.dtype``.
          It is not called when ``n_counterexamples=0``. If its signature
          names them (or takes ``**kwargs``), it also receives the keywords
          ``X_train``, ``y_train`` (the training data, as given), ``label``
          (the row's label) and ``row_index`` (the row's index in
          ``X_train``, or -1), so that a wrapper can delegate to the built-in
          strategies.

        Features with no observed value at all in ``X_train`` (only NaN) are
        left unchanged by ``"randomize"`` and ``"alternative"``, with the same
        warning.

    per_feature : bool, default=False
        If True, re-draw each corrected feature on its own rather than all the
        corrected features of a row together.

    row_index : array-like of int of shape (n_rows,), default=None
        Index of each row of ``X`` in ``X_train``, or -1 if unknown; used by
        ``"substitute"`` to keep a row from being its own donor. None means
        all unknown.

    random_state : int, RandomState instance or None, default=None
        Controls every random draw. Pass an int for reproducible output.

    backend : {"numba", "numpy"}, default="numba"
        Kernel implementation: the compiled numba kernels or their plain
        NumPy twins, which give identical output (for tests and benchmarks).

    categorical_features : array-like of int or of bool, default=None
        The categorical columns, as column indices or as a boolean mask of
        length ``n_features``. Their values are codes ``0..K-1`` (NaN for a
        missing value) and ``"randomize"`` draws a code with the frequency it
        has in ``X_train`` (NaN is never drawn) instead of uniformly over the
        range; ``"alternative"`` and ``"substitute"`` treat them as they treat
        every feature. None means no categorical feature.

    Returns
    -------
    X_ce : {ndarray, CSR matrix} of shape (n_ce, n_features)
        The counterexamples, of ``X.dtype`` (a CSR matrix when ``X`` is
        sparse; ``"alternative"`` on a 0/1 count column then removes or adds
        the word). Corrected rows appear in input
        order with their copies contiguous (with ``per_feature=True``, grouped
        by feature in ascending order, ``n_counterexamples`` copies each).

    y_ce : ndarray of shape (n_ce,)
        Their labels, ``y[source]``, of ``y``'s dtype.

    source : ndarray of intp of shape (n_ce,)
        Index in ``X`` of the row each counterexample was copied from.

    Raises
    ------
    ValueError
        If a shape does not match, ``n_counterexamples`` is negative,
        ``strategy`` or ``backend`` is unknown, ``categorical_features``
        names a column that does not exist, ``X`` has an integer dtype and
        ``X_train`` holds values it cannot represent, the output would not
        fit in memory (checked before anything large is allocated),
        ``"substitute"`` finds no donor for a row, or a callable strategy
        returns a bad array.

    TypeError
        If ``X`` is not numeric, or ``n_counterexamples`` is not an integer.

    Warns
    -----
    UserWarning
        When some corrected features cannot take another value.

    Notes
    -----
    Every random number is drawn here from ``random_state`` and passed to the
    kernels, so both backends return identical arrays: ``"randomize"`` and
    ``"alternative"`` draw one uniform per re-drawn value, in the slot order
    of :mod:`._kernels` (categorical features included: their values are
    written after the kernel from the same slots), ``"substitute"`` one per
    copy. Values are computed in float64 and cast to ``X.dtype``
    (``float16`` goes through ``float32``), except for an integer ``X``:
    ``"alternative"`` compares and returns values in its dtype, and
    ``"randomize"`` adds an integer offset ``floor(u * (max - min + 1))`` to
    ``min`` with exact integer arithmetic for 64-bit dtypes (32-bit and
    smaller ones are exact in float64). With 53 random bits per value, a
    range wider than ``2**53`` is covered evenly but not at every integer.

    References
    ----------
    .. [1] S. Teso and K. Kersting, "Explanatory Interactive Machine Learning",
       AIES 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.counterexamples import make_counterexamples
    >>> X = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.uint8)
    >>> y = np.array(["a", "b"])
    >>> corrections = np.array([[True, False, False], [False, False, False]])
    >>> X_ce, y_ce, source = make_counterexamples(
    ...     X, y, corrections, X_train=X, y_train=y, n_counterexamples=2,
    ...     strategy="alternative", random_state=0)
    >>> X_ce
    array([[3, 1, 2],
           [3, 1, 2]], dtype=uint8)
    >>> y_ce
    array(['a', 'a'], dtype='<U1')
    >>> source.tolist()
    [0, 0]
    """
    sparse = sp.issparse(X)
    X, work_dtype = _check_sparse_X(X) if sparse else _check_X(X)
    n_rows, n_features = X.shape
    y = _check_labels(y, n_rows, "y", "X")
    corrections = _check_corrections(corrections, X.shape, as_csr=sparse)
    n_ce = _check_n_counterexamples(n_counterexamples)
    X_train = _check_X_train(X_train, n_features)
    y_train = _check_labels(y_train, X_train.shape[0], "y_train", "X_train")
    row_index = _check_row_index(row_index, n_rows, X_train.shape[0])
    categorical = _check_categorical(categorical_features, n_features)
    cells = _corrected_cells(corrections, _BACKENDS[backend])
    _check_output_size(X, np.diff(cells[0]), n_ce, per_feature)
    job = _Job(
        X_train, y_train, n_ce, strategy, bool(per_feature),
        check_random_state(random_state), _BACKENDS[backend], [],
    )
    block = _Block(
        X, work_dtype, y, corrections, row_index,
        X_train.tocsc() if sp.issparse(X_train) else X_train, categorical,
        np.arange(n_features), np.arange(n_rows), cells,
        _train_columns(X_train), _train_extremes(X_train),
    )
    compute = _sparse_counterexamples if sparse else _dense_counterexamples
    X_ce, source = compute(job, block)
    _warn_unchanged(strategy, job.unchanged)
    return X_ce, y[source], source


def _dense_counterexamples(job, block):
    """Counterexamples of dense rows and their source rows."""
    layout = _layout_from(*block.cells, job.n_ce, job.per_feature)
    X = block.X
    if layout["n_out"] == 0:
        return np.empty((0, X.shape[1]), dtype=X.dtype), layout["source"]
    if callable(job.strategy):
        return _apply_callable(job, block, layout), layout["source"]
    name, args = _prepare(
        X, block.work_dtype, block.y, block.corrections, block.X_train,
        job.y_train, job.n_ce, job.strategy, job.per_feature, block.row_index,
        _Uniforms(job.rng, job.kernels), layout, block.ids, block.row_ids,
        categorical=block.categorical, unchanged=job.unchanged,
        train_columns=block.train_columns, train_extremes=block.train_extremes,
        kernels=job.kernels,
    )
    out = np.empty((layout["n_out"], X.shape[1]), dtype=block.work_dtype)
    _run_kernel(job.kernels, name, args, out)
    if job.strategy == "randomize":
        # the kernel left the categorical cells alone; they use the same
        # uniforms (its last argument, never deferred when there are
        # categorical cells), so both backends stay identical
        _write_categorical(out, args[0], args[-1], block)
    if out.dtype != X.dtype:
        out = out.astype(X.dtype)
    return out, layout["source"]


# ---------------------------------------------------------------------------
# validation


def _check_X(X):
    """Dense numeric 2-D array, and the dtype the kernels compute in."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must have a numeric dtype, got dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_rows, n_features), got shape {X.shape}.")
    work_dtype = X.dtype.newbyteorder("=")
    if work_dtype.kind == "f":
        if work_dtype.itemsize == 2:
            work_dtype = np.dtype(np.float32)  # numba has no float16 arrays
        elif work_dtype.itemsize > 8:
            raise TypeError(f"X dtype {X.dtype} is not supported; use float64.")
    return X, work_dtype


def _check_sparse_X(X):
    """Canonical CSR copy of a sparse ``X``, and its dtype."""
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must have a numeric dtype, got dtype {X.dtype}.")
    if X.dtype.kind == "f" and X.dtype.itemsize not in (4, 8):
        raise TypeError(
            f"Sparse X of dtype {X.dtype} is not supported; use float32 or float64."
        )
    X = sp.csr_matrix(X, copy=True)
    X.sum_duplicates()  # canonical: sorted indices, no duplicates
    return X, X.dtype.newbyteorder("=")


def _check_labels(y, n, name, against):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(
            f"{name} must have shape ({n},) to match {against}, got shape {y.shape}."
        )
    return y


def _check_corrections(corrections, shape, as_csr=False):
    """A boolean mask of ``shape``: dense, or canonical CSR with ``as_csr``."""
    if not sp.issparse(corrections):
        corrections = np.asarray(corrections)
    if corrections.dtype != np.bool_:
        raise ValueError(
            f"corrections must be a boolean array, got dtype {corrections.dtype}."
        )
    if corrections.shape != shape:
        raise ValueError(
            f"corrections must have the shape of X {shape}, got {corrections.shape}."
        )
    if as_csr:
        corrections = sp.csr_matrix(corrections, copy=True)
        corrections.sum_duplicates()
        corrections.eliminate_zeros()
        return corrections
    return corrections.toarray() if sp.issparse(corrections) else corrections


def _check_n_counterexamples(n_counterexamples):
    """``int(n_counterexamples)``; bools pass ``Interval(Integral)``, not here."""
    if isinstance(n_counterexamples, (bool, np.bool_)):
        raise TypeError(
            f"n_counterexamples must be an int, got {n_counterexamples!r}."
        )
    return int(n_counterexamples)


def _check_X_train(X_train, n_features):
    if not sp.issparse(X_train):
        X_train = np.asarray(X_train)
        if X_train.ndim != 2:
            raise ValueError(f"X_train must be 2-D, got shape {X_train.shape}.")
    if X_train.dtype.kind not in "biuf":
        raise TypeError(
            f"X_train must have a numeric dtype, got dtype {X_train.dtype}."
        )
    if X_train.shape[1] != n_features:
        raise ValueError(
            f"X_train has {X_train.shape[1]} features but X has {n_features}."
        )
    return X_train


def _check_row_index(row_index, n_rows, n_train):
    if row_index is None:
        return np.full(n_rows, -1, dtype=np.intp)
    row_index = np.asarray(row_index)
    if row_index.shape != (n_rows,):
        raise ValueError(
            f"row_index must have shape ({n_rows},), got shape {row_index.shape}."
        )
    if row_index.size and row_index.dtype.kind not in "iu":
        raise ValueError(f"row_index must hold integers, got dtype {row_index.dtype}.")
    row_index = row_index.astype(np.intp)
    bad = (row_index < -1) | (row_index >= n_train)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"row_index[{i}] = {row_index[i]} is not -1 or a row of X_train "
            f"(n_train={n_train})."
        )
    return row_index


def _check_categorical(categorical_features, n_features):
    """Boolean mask of the categorical columns (indices or a mask given)."""
    mask = np.zeros(n_features, dtype=bool)
    if categorical_features is None:
        return mask
    cat = np.asarray(categorical_features)
    if cat.ndim != 1:
        raise ValueError(
            f"categorical_features must be 1-D, got shape {cat.shape}."
        )
    if cat.dtype == np.bool_:
        if cat.shape[0] != n_features:
            raise ValueError(
                "categorical_features as a boolean mask must have length "
                f"n_features={n_features}, got {cat.shape[0]}."
            )
        return cat.copy()
    if cat.size and cat.dtype.kind not in "iu":
        raise TypeError(
            "categorical_features must hold column indices (int) or be a "
            f"boolean mask, got dtype {cat.dtype}."
        )
    bad = (cat < 0) | (cat >= n_features)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"categorical_features[{i}] = {cat[i]} is not a column of X "
            f"(n_features={n_features})."
        )
    mask[cat.astype(np.intp)] = True
    return mask


def _physical_memory():
    """Bytes of physical memory, or None where the platform does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_output_size(X, k, n_ce, per_feature):
    """Refuse an output that cannot be allocated, before allocating it.

    ``k`` is the number of corrected features of each row. The counts are
    Python ints, so ``n_counterexamples`` near ``2**63`` cannot overflow. The
    bytes count the output, its source indices and the uniforms (one per
    re-drawn cell), the largest allocations of a call.
    """
    sparse = sp.issparse(X)
    k = k.astype(np.int64)
    per_row = k if per_feature else (k > 0).astype(np.int64)
    n_out = n_ce * int(per_row.sum())
    n_cells = n_ce * int(k.sum())
    itemsize = X.dtype.itemsize
    if sparse:  # at most the copied entries plus the re-drawn ones
        entries = n_ce * int(per_row @ (np.diff(X.indptr).astype(np.int64) + k))
        n_values = entries
        n_bytes = entries * (itemsize + 8) + 8 * n_out
    else:
        n_values = n_out * X.shape[1]
        n_bytes = n_values * itemsize
    n_bytes += 8 * (n_out + n_cells)
    limit = np.iinfo(np.intp).max
    memory = _physical_memory()
    if max(n_out, n_cells, n_values) > limit:
        reason = "does not fit in an intp index"
    elif memory is not None and n_bytes > memory:
        reason = f"exceeds this machine's physical memory ({memory} bytes)"
    else:
        return
    raise ValueError(
        f"make_counterexamples would return {n_out} counterexample rows, "
        f"needing about {n_bytes} bytes ({n_bytes / 2**30:.3g} GiB), which "
        f"{reason}; lower n_counterexamples or correct fewer rows at a time."
    )


# ---------------------------------------------------------------------------
# warnings


def _warn_unchanged(strategy, features):
    """One warning per call naming every feature that kept its value."""
    if not features:
        return
    features = np.unique(np.concatenate(features))
    if features.size:
        warnings.warn(
            f"strategy={strategy!r}: feature(s) {features.tolist()} have no other "
            "observed value in X_train; they were left unchanged in their "
            "counterexamples.",
            UserWarning,
            stacklevel=external_stacklevel(),
        )


# ---------------------------------------------------------------------------
# layout and statistics


def _corrected_cells(corrections, kernels=_kernels):
    """``(feat_ptr, feat_idx)``: the corrections as CSR (see :mod:`._kernels`).

    ``corrections`` is a dense boolean mask or a canonical CSR matrix;
    ``kernels`` is the backend that reads a dense mask.
    """
    if sp.issparse(corrections):
        return (
            corrections.indptr.astype(np.intp),
            corrections.indices.astype(np.intp),
        )
    mask = np.ascontiguousarray(corrections)
    flat = mask.reshape(-1).view(np.uint8)
    words = flat[: flat.shape[0] // 8 * 8].view(np.uint64)
    return kernels.mask_cells(mask, words)


def _layout(corrections, n_ce, per_feature):
    """CSR layout of the corrections and of the output rows (see _kernels)."""
    return _layout_from(*_corrected_cells(corrections), n_ce, per_feature)


def _layout_from(feat_ptr, feat_idx, n_ce, per_feature):
    """:func:`_layout` of corrections already in CSR form."""
    n_rows = feat_ptr.shape[0] - 1
    k = np.diff(feat_ptr)
    copies = n_ce * k if per_feature else n_ce * (k > 0).astype(np.intp)
    out_ptr = np.zeros(n_rows + 1, dtype=np.intp)
    np.cumsum(copies, out=out_ptr[1:])
    source = np.repeat(np.arange(n_rows, dtype=np.intp), copies)
    return {
        "feat_ptr": feat_ptr,
        "feat_idx": feat_idx,
        "out_ptr": out_ptr,
        "copies": copies,
        "source": source,
        "n_ce": int(n_ce),
        "per_feature": bool(per_feature),
        "n_out": int(out_ptr[-1]),
        "n_cells": int(n_ce * feat_ptr[-1]),
    }


def _kernel_layout(X, layout, dtype=None):
    """The layout tuple every kernel takes first (see :mod:`._kernels`)."""
    return (
        np.ascontiguousarray(X, dtype=dtype),
        layout["feat_ptr"],
        layout["feat_idx"],
        layout["out_ptr"],
        layout["n_ce"],
        layout["per_feature"],
    )


def _feature_stats(X_train, used, need_values, train_columns=None, train_extremes=None):
    """Per-feature observed range, integrality and sorted unique values.

    Only the features in ``used`` (sorted indices) are computed. NaN entries
    are ignored; the implicit zeros of a sparse matrix count as observed.
    Returns a dict of arrays of length n_features: ``lo``, ``hi`` (float64,
    NaN when nothing is observed), ``integral`` (bool), ``lo_n``, ``hi_n``
    (the exact extremes in ``X_train``'s dtype, 0 when nothing is observed)
    and, if ``need_values``, ``vals`` (``X_train``'s dtype, ascending per
    feature) and ``val_ptr`` (n_features + 1).

    With ``train_columns`` (see :class:`_Block`), the statistics a training
    set keeps are read for all features when they are at hand (always when
    ``need_values``: they are then computed once and kept); otherwise, with
    ``train_extremes`` and without ``need_values``, the extremes it keeps.
    """
    n_features = X_train.shape[1]
    columns = None if train_columns is None else train_columns(need_values)
    if columns is not None:
        used = np.arange(n_features)
        compute = _stats_of_columns
    elif train_extremes is not None and not need_values:
        used = np.arange(n_features)
        columns = train_extremes
        compute = _stats_of_extremes
    else:
        compute = _sparse_stats if sp.issparse(X_train) else _dense_stats
    lo_u, hi_u, integral_u, observed_u, vals, counts_u = compute(
        columns if columns is not None else X_train, used, need_values
    )
    seen = used[observed_u]
    stats = {"integral": np.zeros(n_features, dtype=bool)}
    stats["integral"][used] = integral_u
    for name, values in (("lo", lo_u), ("hi", hi_u)):
        stats[name] = np.full(n_features, np.nan)
        stats[name][seen] = values[observed_u]
        stats[name + "_n"] = np.zeros(n_features, dtype=values.dtype)
        stats[name + "_n"][seen] = values[observed_u]
    if need_values:
        counts = np.zeros(n_features, dtype=np.intp)
        counts[used] = counts_u
        stats["vals"] = vals
        stats["val_ptr"] = np.zeros(n_features + 1, dtype=np.intp)
        np.cumsum(counts, out=stats["val_ptr"][1:])
    return stats


def _stats_of_columns(columns, used, need_values):
    """:func:`_feature_stats` of all the columns of a :class:`ColumnValues`."""
    lo, hi, observed = columns.extremes()
    vals = columns.values if need_values else None
    counts = np.diff(columns.indptr) if need_values else None
    return lo, hi, columns.integral(), observed, vals, counts


def _stats_of_extremes(train_extremes, used, need_values):
    """:func:`_feature_stats` of all the columns, from the kept extremes."""
    lo, hi, integral, observed = train_extremes()
    return lo, hi, integral, observed, None, None


def _train_extremes(X_train):
    """The ``train_extremes`` of :class:`_Block` for the ``X_train`` given."""
    rows = known_rows(X_train)
    if rows is None or not isinstance(X_train, np.ndarray):
        return None
    return lambda: rows.column_extremes(X_train)


def _train_columns(X_train):
    """The ``train_columns`` of :class:`_Block` for the ``X_train`` given."""
    rows = known_rows(X_train)
    if rows is None:
        return None
    return lambda compute: rows.column_values(X_train, compute)


def _selected(train_columns, used):
    """``train_columns`` restricted to the columns ``used``."""
    if train_columns is None:
        return None

    def select(compute):
        columns = train_columns(compute)
        return None if columns is None else columns.select(used)

    return select


def _dense_stats(X_train, used, need_values):
    """:func:`_feature_stats` of the ``used`` columns of a dense matrix."""
    cols = X_train if used.shape[0] == X_train.shape[1] else X_train[:, used]
    is_float = cols.dtype.kind == "f"
    lo, hi, integral, observed = column_extremes(cols)
    vals = counts = None
    if need_values:
        S = np.array(cols.T, order="C", copy=True)
        small_int = S.dtype.kind in "biu" and S.dtype.itemsize <= 2
        S.sort(axis=1, kind="stable" if small_int else None)
        new = np.ones(S.shape, dtype=bool)
        new[:, 1:] = S[:, 1:] != S[:, :-1]
        if is_float:
            new &= ~np.isnan(S)
        vals = S[new]
        counts = np.count_nonzero(new, axis=1).astype(np.intp)
    return lo, hi, integral, observed, vals, counts


def _sparse_stats(X_train, used, need_values):
    """:func:`_feature_stats` of the ``used`` columns of a sparse matrix."""
    n_train, n_features = X_train.shape
    Xc = X_train.tocsc()
    if used.shape[0] != n_features:
        Xc = Xc[:, used]
    if not Xc.has_canonical_format:
        Xc = Xc.copy()  # never touch the caller's matrix
        Xc.sum_duplicates()
    data, n_used = Xc.data, used.shape[0]
    is_float = data.dtype.kind == "f"
    nnz = np.diff(Xc.indptr)
    col = np.repeat(np.arange(n_used, dtype=np.intp), nnz)
    implicit_zero = nnz < n_train
    nonempty = nnz > 0
    lo = np.full(n_used, np.nan if is_float else 0, dtype=data.dtype)
    hi = lo.copy()
    if data.size:
        starts = Xc.indptr[:-1][nonempty]
        lo[nonempty] = np.fmin.reduceat(data, starts)
        hi[nonempty] = np.fmax.reduceat(data, starts)
    zero = np.zeros(1, dtype=data.dtype)
    lo[implicit_zero] = np.fmin(lo[implicit_zero], zero)
    hi[implicit_zero] = np.fmax(hi[implicit_zero], zero)
    observed = ~np.isnan(lo) if is_float else nonempty | implicit_zero
    integral = np.ones(n_used, dtype=bool)
    if is_float:
        bad = ~((data == np.floor(data)) | np.isnan(data))
        integral = np.bincount(col[bad], minlength=n_used) == 0
    vals = counts = None
    if need_values:
        zero_cols = np.flatnonzero(implicit_zero)
        d = np.concatenate([data, np.zeros(zero_cols.size, dtype=data.dtype)])
        c = np.concatenate([col, zero_cols])
        order = np.lexsort((d, c))
        d, c = d[order], c[order]
        new = np.ones(d.shape[0], dtype=bool)
        new[1:] = (d[1:] != d[:-1]) | (c[1:] != c[:-1])
        if is_float:
            new &= ~np.isnan(d)
        vals = d[new]
        counts = np.bincount(c[new], minlength=n_used).astype(np.intp)
    return lo, hi, integral, observed, vals, counts


def _dtype_bounds(dtype):
    if dtype.kind == "b":
        return 0, 1
    info = np.iinfo(dtype)
    return info.min, info.max


def _fits(values, dtype):
    """Elementwise: are these integral values in the range of ``dtype``?"""
    vmin, vmax = _dtype_bounds(dtype)
    if values.dtype.kind == "f":
        # vmax is not exact in float64 (2**63 - 1 rounds up); vmax + 1 is a
        # power of two, and the values are integral
        return (values >= vmin) & (values < float(vmax + 1))
    return (values >= vmin) & (values <= vmax)  # NumPy compares ints exactly


def _check_representable(stats, used, dtype, ids):
    """An integer-dtype X must be able to hold every value that can be drawn."""
    used = used[~np.isnan(stats["lo"][used])]
    bad = ~stats["integral"][used]
    bad |= ~_fits(stats["lo_n"][used], dtype) | ~_fits(stats["hi_n"][used], dtype)
    if bad.any():
        vmin, vmax = _dtype_bounds(dtype)
        raise ValueError(
            f"X has dtype {dtype} but X_train holds non-integral values or values "
            f"outside [{vmin}, {vmax}] in feature(s) {ids[used[bad]].tolist()}."
        )


# ---------------------------------------------------------------------------
# strategies: statistics and random draws -> kernel arguments


def _prepare(
    X, work_dtype, y, corrections, X_train, y_train, n_ce, strategy,
    per_feature, row_index, rng, layout, ids, row_ids=None, *,
    categorical=None, unchanged=None, train_columns=None, train_extremes=None,
    kernels=_kernels,
):
    """Return the kernel name and its arguments (all but ``out``).

    The first argument is the layout tuple of :func:`_kernel_layout`.
    ``categorical`` (a boolean mask, default none) marks the features that
    ``"randomize"`` leaves to :func:`_write_categorical`; the ids of the
    features left unchanged are appended to the list ``unchanged``;
    ``train_columns`` gives the statistics of ``X_train`` a training set
    keeps and ``train_extremes`` its column extremes (see :class:`_Block`);
    ``kernels`` is the backend that builds look-up tables.
    """
    if categorical is None:
        categorical = np.zeros(X.shape[1], dtype=bool)
    if unchanged is None:
        unchanged = []
    base = _kernel_layout(X, layout, work_dtype)
    # the corrected features, from the cells (not another pass over the mask)
    used = np.flatnonzero(np.bincount(layout["feat_idx"], minlength=X.shape[1]))
    if strategy == "randomize":
        stats = _feature_stats(X_train, used, False, train_columns, train_extremes)
        return _prepare_randomize(
            base, stats, used, ids, categorical, unchanged, rng, layout
        )
    if strategy == "alternative":
        stats = _feature_stats(X_train, used, True, train_columns)
        return _prepare_alternative(
            base, stats, used, ids, unchanged, rng, layout, kernels
        )
    donor_train = _draw_donors(y, y_train, row_index, layout, rng, row_ids, kernels)
    D, donor = _donor_rows(X_train, donor_train, work_dtype, used, ids)
    return "substitute_kernel", (base, D, donor)


def _prepare_randomize(base, stats, used, ids, categorical, unchanged, rng, layout):
    work_dtype = base[0].dtype
    lo, hi = stats["lo"], stats["hi"]
    if work_dtype.kind in "biu":
        _check_representable(stats, used, work_dtype, ids)
        is_int = np.ones(lo.shape[0], dtype=bool)
    else:
        is_int = stats["integral"] & ~np.isnan(lo)
    numeric = used[~categorical[used]]
    infinite = np.isinf(lo[numeric]) | np.isinf(hi[numeric])
    if infinite.any():
        raise ValueError(
            "strategy='randomize' needs a finite range, but X_train has "
            f"infinite values in feature(s) {ids[numeric[infinite]].tolist()}."
        )
    unchanged.append(ids[used[np.isnan(lo[used])]])
    # the categorical cells are written after the kernel, from u itself
    u = _uniforms(rng, layout["n_cells"], defer=not categorical[used].any())
    if work_dtype.kind in "iu" and work_dtype.itemsize == 8:
        low, width, span = _integer_range(stats, work_dtype, categorical)
        return "randomize_int_kernel", (base, low, width, span, u)
    lo = np.where(categorical, np.nan, lo)  # NaN: the kernel keeps the cell
    span = hi - lo + is_int
    return "randomize_kernel", (base, lo, hi, span, is_int, u)


def _uniforms(rng, n, defer=True):
    """``rng.random_sample(n)``, or with ``defer`` a :class:`_Deferred` draw
    when ``rng`` is a :class:`_Uniforms`: only for the last draw before the
    kernel, which then makes it, so that the generator's draws keep their
    order."""
    if defer and isinstance(rng, _Uniforms):
        return rng.deferred(n)
    return rng.random_sample(n)


def _integer_range(stats, dtype, categorical):
    """Exact range of 64-bit integer features for ``randomize_int_kernel``.

    Returns ``lo`` as uint64 bits, ``width = hi - lo`` (uint64: exact for
    the full int64 and uint64 ranges, as modular arithmetic) and
    ``span = width + 1`` in float64, NaN for the features the kernel keeps
    (no observed value, or categorical).
    """
    keep = np.isnan(stats["lo"]) | categorical
    lo = np.where(keep, 0, stats["lo_n"]).astype(dtype)
    hi = np.where(keep, 0, stats["hi_n"]).astype(dtype)
    low = lo.view(np.uint64)
    width = hi.view(np.uint64) - low
    span = np.where(keep, np.nan, width.astype(np.float64) + 1.0)
    return low, width, span


def _prepare_alternative(base, stats, used, ids, unchanged, rng, layout, kernels):
    X = base[0]
    integer = X.dtype.kind in "iu"
    if X.dtype.kind in "biu":
        _check_representable(stats, used, X.dtype, ids)
    # integers are compared and returned exactly in X's dtype
    vals = stats["vals"].astype(X.dtype if integer else np.float64)
    val_ptr = stats["val_ptr"]
    unchanged.append(ids[_stuck_features(X, base, vals, val_ptr, used)])
    u = _uniforms(rng, layout["n_cells"])
    if X.dtype.kind in "iu" and X.dtype.itemsize == 1:
        # np.empty: the rows of the features not corrected are never touched;
        # a position counts the distinct one-byte values below x: at most 255
        first = np.empty((X.shape[1], 256), dtype=np.uint8)
        lowest = int(np.iinfo(X.dtype).min)
        kernels.byte_positions(vals, val_ptr, used, lowest, first)
        return "alternative_byte_kernel", (base, vals, val_ptr, first, u)
    return "alternative_kernel", (base, vals, val_ptr, u)


def _stuck_features(X, base, vals, val_ptr, used):
    """The features of the cells whose only observed value is the row's own.

    Only the features with at most one observed value can be stuck; the
    cells are looked at only when some corrected feature is one of them.
    """
    n = np.diff(val_ptr)
    if not np.any(n[used] <= 1):
        return used[:0]
    feat_ptr, feats = base[1], base[2]
    cells = np.flatnonzero(n[feats] <= 1)
    rows = np.searchsorted(feat_ptr, cells, side="right") - 1
    j = feats[cells]
    stuck = n[j] == 0
    one = ~stuck
    stuck[one] = vals[val_ptr[j[one]]] == X[rows[one], j[one]]
    return j[stuck]


def _write_categorical(out, base, u, block):
    """Write the ``"randomize"`` cells of the categorical features.

    Each cell takes the uniform ``u`` of its own slot and draws an observed
    value of its feature (NaN excluded) with its frequency in ``X_train``:
    value ``k`` when ``u * total`` falls in ``[cum[k - 1], cum[k])`` of the
    cumulative counts. A feature without observed value keeps the cell.
    """
    categorical = block.categorical
    if not categorical.any() or not categorical[base[2]].any():
        return
    _, o, j = _reference._cells(base)
    pick = categorical[j]
    o, j, u = o[pick], j[pick], u[pick]
    features = np.unique(j)
    columns = None if block.train_columns is None else block.train_columns(True)
    if columns is not None:
        kept = columns.select(features)
        vals, ptr = kept.values, kept.indptr
        cum = np.zeros(ptr[-1] + 1, dtype=np.int64)
        np.cumsum(kept.counts, out=cum[1:])
    else:
        vals, cum, ptr = _value_counts(block.X_train, features)
    f = np.searchsorted(features, j)
    a, b = ptr[f], ptr[f + 1]
    target = cum[a] + u * (cum[b] - cum[a])
    idx = np.minimum(np.searchsorted(cum[1:], target, side="right"), b - 1)
    write = a < b
    out[o[write], j[write]] = vals[idx[write]]


def _value_counts(X_train, features):
    """Observed values of ``features`` and their cumulative counts.

    Returns ``vals`` (sorted per feature, NaN excluded, the features one
    after the other), ``cum`` (``cum[k]`` counts the entries before value
    ``k``; length ``len(vals) + 1``) and ``ptr`` (feature ``f``'s values are
    ``vals[ptr[f]:ptr[f + 1]]``).
    """
    vals, counts = [], []
    for j in features.tolist():
        if sp.issparse(X_train):
            col = X_train[:, [j]].toarray().ravel()  # sums duplicates
        else:
            col = X_train[:, j]
        if col.dtype.kind == "f":
            col = col[~np.isnan(col)]
        v, c = np.unique(col, return_counts=True)
        vals.append(v)
        counts.append(c)
    ptr = np.zeros(len(vals) + 1, dtype=np.intp)
    np.cumsum([v.size for v in vals], out=ptr[1:])
    cum = np.zeros(ptr[-1] + 1, dtype=np.int64)
    np.cumsum(np.concatenate(counts), out=cum[1:])
    return np.concatenate(vals), cum, ptr


def _draw_donors(y, y_train, row_index, layout, rng, row_ids=None, kernels=_kernels):
    """Index in X_train of the donor of every output row."""
    classes, code = np.unique(y_train, return_inverse=True)
    code = code.astype(np.intp).ravel()
    n_train = code.shape[0]
    # the same order in the smallest dtype that holds the codes: NumPy's
    # stable sort of 8- and 16-bit integers is a radix sort
    order = np.argsort(code.astype(np.min_scalar_type(classes.shape[0])), kind="stable")
    class_ptr = np.zeros(classes.shape[0] + 1, dtype=np.intp)
    np.cumsum(np.bincount(code, minlength=classes.shape[0]), out=class_ptr[1:])
    rank = np.empty(n_train, dtype=np.intp)
    rank[order] = np.arange(n_train, dtype=np.intp)

    copies = layout["copies"]
    rows = np.flatnonzero(copies)
    cls = _class_codes(classes, y[rows])
    known = cls >= 0
    n = np.zeros(rows.shape[0], dtype=np.intp)
    n[known] = class_ptr[cls[known] + 1] - class_ptr[cls[known]]
    ri = row_index[rows]
    excl = (ri >= 0) & known
    excl[excl] = code[ri[excl]] == cls[excl]
    p = np.zeros(rows.shape[0], dtype=np.intp)
    p[excl] = rank[ri[excl]] - class_ptr[cls[excl]]
    m = n - excl
    if np.any(m == 0):
        i = int(rows[np.flatnonzero(m == 0)[0]])
        label = y[i : i + 1].tolist()[0]
        shown = i if row_ids is None else int(row_ids[i])
        raise ValueError(
            f"strategy='substitute' found no donor for row {shown} of X (class "
            f"{label!r}): X_train has no other row with this label."
        )

    u = rng.random_sample(layout["n_out"])
    start = class_ptr[np.maximum(cls, 0)]
    skip = np.where(excl, p, np.iinfo(np.intp).max)
    return kernels.donor_kernel((start, m, skip, copies[rows]), order, u)


def _class_codes(classes, labels):
    """Position of each label in the sorted ``classes``, -1 if absent.

    Python equality decides (``1 == 1.0``, NaN matches nothing), as it does
    for labels of different dtypes; labels of the classes' own dtype, or
    strings, are looked up by a binary search that gives the same answer.
    """
    kinds = labels.dtype.kind + classes.dtype.kind
    if labels.dtype == classes.dtype and kinds in ("bb", "ii", "uu", "ff") or kinds in (
        "UU", "SS"
    ):
        if not classes.size:
            return np.full(labels.shape[0], -1, dtype=np.intp)
        pos = np.minimum(np.searchsorted(classes, labels), classes.shape[0] - 1)
        return np.where(classes[pos] == labels, pos, -1).astype(np.intp)
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    return np.array([lookup.get(v, -1) for v in labels.tolist()], dtype=np.intp)


def _donor_rows(X_train, donor_train, work_dtype, used, ids):
    """Dense donor rows in ``work_dtype`` and the donor of every output row."""
    if (
        not sp.issparse(X_train)
        and X_train.dtype == work_dtype
        and X_train.flags.c_contiguous
    ):
        return X_train, donor_train
    uniq, donor = np.unique(donor_train, return_inverse=True)
    if sp.issparse(X_train):
        rows = X_train.tocsr()[uniq].toarray()
    else:
        rows = X_train[uniq]
    if work_dtype.kind in "biu" and rows.dtype != work_dtype:
        vals = rows[:, used]
        fits = _fits(vals, work_dtype)
        if vals.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                fits &= vals == np.floor(vals)
        bad = ~np.all(fits, axis=0)
        if bad.any():
            vmin, vmax = _dtype_bounds(work_dtype)
            raise ValueError(
                f"X has dtype {work_dtype} but the donor rows of X_train hold "
                f"non-integral values or values outside [{vmin}, {vmax}] in "
                f"feature(s) {ids[used[bad]].tolist()}."
            )
    D = np.ascontiguousarray(rows, dtype=work_dtype)
    return D, donor.astype(np.intp).ravel()


# ---------------------------------------------------------------------------
# callable strategy


_CALLABLE_CONTEXT = ("X_train", "y_train", "label", "row_index")


def _context_keywords(func):
    """The context keywords that ``func``'s signature accepts."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return ()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return _CALLABLE_CONTEXT
    return tuple(name for name in _CALLABLE_CONTEXT if name in params)


def _apply_callable(job, block, layout):
    """Call the strategy once per corrected row (or feature); check its output."""
    X, n_ce = block.X, job.n_ce
    feat_ptr, feat_idx = layout["feat_ptr"], layout["feat_idx"]
    out = np.empty((layout["n_out"], X.shape[1]), dtype=X.dtype)
    wanted = _context_keywords(job.strategy)
    for i in np.flatnonzero(layout["copies"]).tolist():
        feats = feat_idx[feat_ptr[i] : feat_ptr[i + 1]]
        if job.per_feature:
            groups = [feats[t : t + 1] for t in range(feats.size)]
        else:
            groups = [feats]
        start = layout["out_ptr"][i]
        for g in groups:
            mask = np.zeros(X.shape[1], dtype=bool)
            mask[g] = True
            out[start : start + n_ce] = _call_strategy(job, block, i, mask, wanted)
            start += n_ce
    return out


def _call_strategy(job, block, i, mask, wanted):
    """The callable's copies of row ``i`` of the block, checked."""
    context = {
        "X_train": job.X_train,
        "y_train": job.y_train,
        "label": block.y[i],
        "row_index": int(block.row_index[i]),
    }
    kwargs = {name: context[name] for name in wanted}
    x = block.X[i]
    res = np.asarray(job.strategy(x.copy(), mask.copy(), job.n_ce, job.rng, **kwargs))
    n_features, row = x.shape[0], block.row_ids[i]
    if res.shape != (job.n_ce, n_features):
        raise ValueError(
            f"The strategy callable returned shape {res.shape} for row {row}; "
            f"expected ({job.n_ce}, {n_features})."
        )
    changed = (res != x) & ~((res != res) & (x != x))
    changed[:, mask] = False
    if changed.any():
        j = int(np.flatnonzero(changed.any(axis=0))[0])
        raise ValueError(
            f"The strategy callable changed feature {j} of row {row}, which is "
            "outside the row's correction mask."
        )
    return res


# ---------------------------------------------------------------------------
# sparse rows


def _sparse_counterexamples(job, block):
    """Counterexamples of CSR rows, as CSR rows, and their source rows.

    Only the corrected columns are densified, a block of rows at a time: the
    dense path re-draws them on ``X[rows][:, used]``, then a kernel merges them
    into copies of the CSR rows. The blocks draw from the same generator in
    row order, which is the dense path's order of draws: both paths give the
    same counterexamples.
    """
    X, corrections = block.X, block.corrections
    if callable(job.strategy):
        return _sparse_callable(job, block)
    indptr, indices = X.indptr.astype(np.intp), X.indices.astype(np.intp)
    parts, sources = [], []
    for a, b in _row_blocks(np.diff(corrections.indptr), _BLOCK_CELLS):
        rows = corrections[a:b]
        used = np.unique(rows.indices).astype(np.intp)
        cells = (rows.indptr.astype(np.intp), np.searchsorted(used, rows.indices))
        compact, source = _dense_counterexamples(job, block._replace(
            cells=cells,
            X=X[a:b][:, used].toarray(), y=block.y[a:b],
            corrections=rows[:, used].toarray(), row_index=block.row_index[a:b],
            X_train=block.X_train[:, used], categorical=block.categorical[used],
            ids=block.ids[used], row_ids=block.row_ids[a:b],
            train_columns=_selected(block.train_columns, used), train_extremes=None,
        ))
        source = source + a
        parts.append(
            _merge_rows(job.kernels, X, indptr, indices, used, source, compact)
        )
        sources.append(source)
    if not parts:
        empty = sp.csr_matrix((0, X.shape[1]), dtype=X.dtype)
        return empty, np.zeros(0, dtype=np.intp)
    X_ce = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    return X_ce, np.concatenate(sources)


def _sparse_callable(job, block):
    """The callable sees dense rows: only the corrected ones are densified."""
    rows = np.flatnonzero(np.diff(block.corrections.indptr))
    corrections = block.corrections[rows]
    X_ce, source = _dense_counterexamples(job, block._replace(
        X=block.X[rows].toarray(), y=block.y[rows],
        corrections=corrections.toarray(), cells=_corrected_cells(corrections),
        row_index=block.row_index[rows], row_ids=block.row_ids[rows],
    ))
    return sp.csr_matrix(X_ce), rows[source]


#: Most corrected cells one block of sparse rows densifies at once.
_BLOCK_CELLS = 2048


def _row_blocks(cells, limit):
    """Consecutive row ranges with at most ``limit`` cells (or one big row)."""
    blocks, start, total = [], 0, 0
    for i, c in enumerate(cells.tolist()):
        if total and total + c > limit:
            blocks.append((start, i))
            start, total = i, 0
        total += c
    if len(cells):
        blocks.append((start, len(cells)))
    return blocks


def _merge_rows(kernels, X, indptr, indices, used, source, compact):
    """CSR copies of ``X[source]`` with the ``used`` columns from ``compact``."""
    n_features = X.shape[1]
    col_pos = np.full(n_features, -1, dtype=np.intp)
    col_pos[used] = np.arange(used.shape[0], dtype=np.intp)
    compact = np.ascontiguousarray(compact, dtype=X.dtype)
    counts = kernels.csr_merge_count(indptr, indices, col_pos, source, compact)
    out_indptr = np.zeros(source.shape[0] + 1, dtype=np.intp)
    np.cumsum(counts, out=out_indptr[1:])
    nnz = int(out_indptr[-1])
    out_indices = np.empty(nnz, dtype=np.intp)
    out_data = np.empty(nnz, dtype=X.dtype)
    kernels.csr_merge_fill(
        indptr, indices, X.data, col_pos, used, source, compact,
        out_indptr, out_indices, out_data,
    )
    return sp.csr_matrix(
        (out_data, out_indices, out_indptr), shape=(source.shape[0], n_features)
    )
