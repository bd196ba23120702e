"""Stage 4: counterexample generation (validation, statistics, random draws).

:func:`make_counterexamples` validates its inputs, computes the per-feature
statistics of the training set, draws every random number as a plain array and
hands the rest to a kernel: the numba kernels in :mod:`._kernels` or their
NumPy twins in :mod:`._reference`, which return identical arrays.
"""

import inspect
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from . import _kernels, _reference

__all__ = ["make_counterexamples", "COUNTEREXAMPLE_STRATEGIES"]

COUNTEREXAMPLE_STRATEGIES = ("randomize", "alternative", "substitute")

_BACKENDS = {"numba": _kernels, "numpy": _reference}


def make_counterexamples(
    X,
    y,
    corrections,
    *,
    X_train,
    y_train,
    n_counterexamples=3,
    strategy="randomize",
    per_feature=False,
    row_index=None,
    random_state=None,
    backend="numba",
):
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
        any format are read column-wise without being densified.

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
          it is then drawn uniformly among the integers ``min..max``.
        - ``"alternative"``: uniformly among the feature's other observed
          values in ``X_train`` (sorted unique values, implicit zeros of a
          sparse matrix included), never the original value. A feature whose
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
        ``strategy`` or ``backend`` is unknown, ``X`` has an integer dtype and
        ``X_train`` holds values it cannot represent, ``"substitute"`` finds
        no donor for a row, or a callable strategy returns a bad array.

    TypeError
        If ``X`` is not numeric, or ``n_counterexamples`` is not an integer.

    Warns
    -----
    UserWarning
        When some corrected features cannot take another value.

    Notes
    -----
    Every random number is drawn here from ``random_state`` (one uniform per
    re-drawn value, or one per copy for ``"substitute"``) and passed to the
    kernels, so both backends return identical arrays. Values are computed in
    float64 and cast to ``X.dtype`` (``float16`` goes through ``float32``).

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
    if sp.issparse(X):
        return _make_sparse(
            X, y, corrections, X_train=X_train, y_train=y_train,
            n_counterexamples=n_counterexamples, strategy=strategy,
            per_feature=per_feature, row_index=row_index,
            random_state=random_state, backend=backend,
        )
    return _make_dense(
        X, y, corrections, X_train=X_train, y_train=y_train,
        n_counterexamples=n_counterexamples, strategy=strategy,
        per_feature=per_feature, row_index=row_index,
        random_state=random_state, backend=backend,
    )


def _make_dense(
    X, y, corrections, *, X_train, y_train, n_counterexamples, strategy,
    per_feature, row_index, random_state, backend, feature_ids=None, row_ids=None,
):
    """:func:`make_counterexamples` on dense rows.

    ``feature_ids`` maps the columns of ``X`` to the feature numbers that
    messages name, ``row_ids`` its rows to the row numbers they name (the
    sparse path passes a column or row subset).
    """
    X, work_dtype = _check_X(X)
    n_rows, n_features = X.shape
    if feature_ids is None:
        feature_ids = np.arange(n_features)
    y = _check_labels(y, n_rows, "y", "X")
    corrections = _check_corrections(corrections, X.shape)
    n_ce = _check_n_counterexamples(n_counterexamples)
    _check_strategy(strategy, COUNTEREXAMPLE_STRATEGIES)
    per_feature = _check_per_feature(per_feature)
    if not isinstance(backend, str) or backend not in _BACKENDS:
        raise ValueError(
            f"backend must be one of {tuple(_BACKENDS)}, got {backend!r}."
        )
    X_train = _check_X_train(X_train, n_features)
    n_train = X_train.shape[0]
    y_train = _check_labels(y_train, n_train, "y_train", "X_train")
    row_index = _check_row_index(row_index, n_rows, n_train)
    rng = check_random_state(random_state)

    layout = _layout(corrections, n_ce, per_feature)
    n_out = layout["n_out"]
    source = layout["source"]
    if n_out == 0:
        return np.empty((0, n_features), dtype=X.dtype), y[source], source

    if callable(strategy):
        context = dict(X_train=X_train, y_train=y_train, labels=y, row_index=row_index)
        X_ce = _apply_callable(
            strategy, X, layout, n_ce, per_feature, rng, context,
            np.arange(n_rows) if row_ids is None else row_ids,
        )
        return X_ce, y[source], source

    kernel_name, args = _prepare(
        X, work_dtype, y, corrections, X_train, y_train, n_ce, strategy,
        per_feature, row_index, rng, layout, feature_ids,
        np.arange(n_rows) if row_ids is None else row_ids,
    )
    out = np.empty((n_out, n_features), dtype=work_dtype)
    getattr(_BACKENDS[backend], kernel_name)(*args, out)
    if out.dtype != X.dtype:
        out = out.astype(X.dtype)
    return out, y[source], source


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


def _check_strategy(strategy, strategies, what="strategy"):
    if not (callable(strategy) or strategy in strategies):
        raise ValueError(
            f"{what} must be one of {strategies} or a callable, got {strategy!r}."
        )


def _check_per_feature(per_feature):
    if not isinstance(per_feature, (bool, np.bool_)):
        raise TypeError(f"per_feature must be a bool, got {per_feature!r}.")
    return bool(per_feature)


def _check_n_counterexamples(n_counterexamples):
    if isinstance(n_counterexamples, (bool, np.bool_)) or not isinstance(
        n_counterexamples, numbers.Integral
    ):
        raise TypeError(
            f"n_counterexamples must be an int, got {n_counterexamples!r}."
        )
    if n_counterexamples < 0:
        raise ValueError(
            f"n_counterexamples must be >= 0, got {n_counterexamples}."
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


# ---------------------------------------------------------------------------
# layout and statistics


def _layout(corrections, n_ce, per_feature):
    """CSR layout of the corrections and of the output rows (see _kernels)."""
    n_rows, n_features = corrections.shape
    # flat indices are sorted: row-major, features ascending within a row
    flat = np.flatnonzero(corrections).astype(np.intp, copy=False)
    feat_ptr = np.searchsorted(
        flat, np.arange(n_rows + 1, dtype=np.intp) * n_features
    ).astype(np.intp, copy=False)
    feat_idx = flat % n_features if n_features else flat
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
        "n_out": int(out_ptr[-1]),
        "n_cells": int(n_ce * feat_ptr[-1]),
    }


def _feature_stats(X_train, used, need_values):
    """Per-feature observed range, integrality and sorted unique values.

    Only the features in ``used`` (sorted indices) are computed; the others
    get ``lo = hi = NaN`` and no values. NaN entries are ignored; the implicit
    zeros of a sparse matrix count as observed. Returns ``lo, hi, integral``
    (float64, float64, bool of length n_features) and, if ``need_values``,
    ``vals`` (float64, ascending per feature) and ``val_ptr`` (n_features + 1).
    """
    n_train, n_features = X_train.shape
    all_used = used.shape[0] == n_features
    is_float = X_train.dtype.kind == "f"
    n_used = used.shape[0]
    lo_u = np.full(n_used, np.nan)
    hi_u = np.full(n_used, np.nan)
    integral_u = np.ones(n_used, dtype=bool)
    vals = np.empty(0, dtype=np.float64)
    counts_u = np.zeros(n_used, dtype=np.intp)

    if sp.issparse(X_train):
        Xc = X_train.tocsc()
        if not all_used:
            Xc = Xc[:, used]
        if not Xc.has_canonical_format:
            Xc = Xc.copy()  # never touch the caller's matrix
            Xc.sum_duplicates()
        data = Xc.data
        nnz = np.diff(Xc.indptr)
        col = np.repeat(np.arange(n_used, dtype=np.intp), nnz)
        implicit_zero = nnz < n_train
        nonempty = nnz > 0
        if data.size:
            starts = Xc.indptr[:-1][nonempty]
            lo_u[nonempty] = np.fmin.reduceat(data, starts)
            hi_u[nonempty] = np.fmax.reduceat(data, starts)
        lo_u[implicit_zero] = np.fmin(lo_u[implicit_zero], 0.0)
        hi_u[implicit_zero] = np.fmax(hi_u[implicit_zero], 0.0)
        if is_float:
            bad = ~((data == np.floor(data)) | np.isnan(data))
            integral_u = np.bincount(col[bad], minlength=n_used) == 0
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
            vals = d[new].astype(np.float64)
            counts_u = np.bincount(c[new], minlength=n_used).astype(np.intp)
    else:
        cols = X_train if all_used else X_train[:, used]
        if n_train:
            if is_float:
                lo_u = np.fmin.reduce(cols, axis=0).astype(np.float64)
                hi_u = np.fmax.reduce(cols, axis=0).astype(np.float64)
                integral_u = np.all((cols == np.floor(cols)) | np.isnan(cols), axis=0)
            else:
                lo_u = cols.min(axis=0).astype(np.float64)
                hi_u = cols.max(axis=0).astype(np.float64)
        if need_values:
            S = np.array(cols.T, order="C", copy=True)
            small_int = S.dtype.kind in "biu" and S.dtype.itemsize <= 2
            S.sort(axis=1, kind="stable" if small_int else None)
            new = np.ones(S.shape, dtype=bool)
            new[:, 1:] = S[:, 1:] != S[:, :-1]
            if is_float:
                new &= ~np.isnan(S)
            vals = S[new].astype(np.float64)
            counts_u = np.count_nonzero(new, axis=1).astype(np.intp)

    lo = np.full(n_features, np.nan)
    hi = np.full(n_features, np.nan)
    integral = np.zeros(n_features, dtype=bool)
    lo[used], hi[used], integral[used] = lo_u, hi_u, integral_u
    if not need_values:
        return lo, hi, integral
    counts = np.zeros(n_features, dtype=np.intp)
    counts[used] = counts_u
    val_ptr = np.zeros(n_features + 1, dtype=np.intp)
    np.cumsum(counts, out=val_ptr[1:])
    return lo, hi, integral, vals, val_ptr


def _dtype_bounds(dtype):
    if dtype.kind == "b":
        return 0, 1
    info = np.iinfo(dtype)
    return info.min, info.max


def _check_representable(lo, hi, integral, used, dtype, ids):
    """An integer-dtype X must be able to hold every value that can be drawn."""
    if dtype.kind not in "biu":
        return
    vmin, vmax = _dtype_bounds(dtype)
    lo, hi, integral = lo[used], hi[used], integral[used]
    observed = ~np.isnan(lo)
    bad = observed & (~integral | (lo < vmin) | (hi > vmax))
    if bad.any():
        raise ValueError(
            f"X has dtype {dtype} but X_train holds non-integral values or values "
            f"outside [{vmin}, {vmax}] in feature(s) {ids[used[bad]].tolist()}."
        )


def _warn_unchanged(strategy, features):
    features = np.unique(features)
    if features.size:
        warnings.warn(
            f"strategy={strategy!r}: feature(s) {features.tolist()} have no other "
            "observed value in X_train; they were left unchanged in their "
            "counterexamples.",
            UserWarning,
            stacklevel=5,
        )


# ---------------------------------------------------------------------------
# strategies: statistics and random draws -> kernel arguments


def _prepare(
    X, work_dtype, y, corrections, X_train, y_train, n_ce, strategy,
    per_feature, row_index, rng, layout, ids, row_ids=None,
):
    """Return the kernel name and its arguments (all but ``out``)."""
    X_work = np.ascontiguousarray(X, dtype=work_dtype)
    n_features = X.shape[1]
    base = (
        X_work,
        layout["feat_ptr"],
        layout["feat_idx"],
        layout["out_ptr"],
        n_ce,
        per_feature,
    )
    used = np.flatnonzero(np.any(corrections, axis=0))
    integer_X = work_dtype.kind in "biu"

    if strategy == "randomize":
        lo, hi, integral = _feature_stats(X_train, used, need_values=False)
        if integer_X:
            _check_representable(lo, hi, integral, used, work_dtype, ids)
            is_int = np.ones(n_features, dtype=bool)
        else:
            is_int = integral & ~np.isnan(lo)
        infinite = np.isinf(lo[used]) | np.isinf(hi[used])
        if infinite.any():
            raise ValueError(
                "strategy='randomize' needs a finite range, but X_train has "
                f"infinite values in feature(s) {ids[used[infinite]].tolist()}."
            )
        _warn_unchanged(strategy, ids[used[np.isnan(lo[used])]])
        span = hi - lo + is_int
        u = rng.random_sample(layout["n_cells"])
        return "randomize_kernel", base + (lo, hi, span, is_int, u)

    if strategy == "alternative":
        lo, hi, integral, vals, val_ptr = _feature_stats(
            X_train, used, need_values=True
        )
        if integer_X:
            _check_representable(lo, hi, integral, used, work_dtype, ids)
        # cells whose feature has no value other than the row's own
        k = np.diff(layout["feat_ptr"])
        rows = np.repeat(np.arange(X.shape[0], dtype=np.intp), k)
        feats = layout["feat_idx"]
        n = np.diff(val_ptr)[feats]
        one = n == 1
        stuck = n == 0
        stuck[one] = vals[val_ptr[feats[one]]] == X[rows[one], feats[one]]
        _warn_unchanged(strategy, ids[feats[stuck]])
        u = rng.random_sample(layout["n_cells"])
        return "alternative_kernel", base + (vals, val_ptr, u)

    # substitute
    donor_train = _draw_donors(y, y_train, row_index, layout, rng, row_ids)
    D, donor = _donor_rows(X_train, donor_train, work_dtype, used, ids)
    return "substitute_kernel", base + (D, donor)


def _draw_donors(y, y_train, row_index, layout, rng, row_ids=None):
    """Index in X_train of the donor of every output row."""
    classes, code = np.unique(y_train, return_inverse=True)
    code = code.astype(np.intp).ravel()
    n_train = code.shape[0]
    order = np.argsort(code, kind="stable")
    class_ptr = np.zeros(classes.shape[0] + 1, dtype=np.intp)
    np.cumsum(np.bincount(code, minlength=classes.shape[0]), out=class_ptr[1:])
    rank = np.empty(n_train, dtype=np.intp)
    rank[order] = np.arange(n_train, dtype=np.intp)

    copies = layout["copies"]
    rows = np.flatnonzero(copies)
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    cls = np.array([lookup.get(v, -1) for v in y[rows].tolist()], dtype=np.intp)
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
    reps = copies[rows]
    m_o = np.repeat(m, reps)
    q = np.minimum((u * m_o).astype(np.intp), m_o - 1)
    q += np.repeat(excl, reps) & (q >= np.repeat(p, reps))
    return order[np.repeat(class_ptr[np.maximum(cls, 0)], reps) + q]


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
        vmin, vmax = _dtype_bounds(work_dtype)
        with np.errstate(invalid="ignore"):
            fits = (vals >= vmin) & (vals <= vmax)
            if vals.dtype.kind == "f":
                fits &= vals == np.floor(vals)
        bad = ~np.all(fits, axis=0)
        if bad.any():
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


def _apply_callable(func, X, layout, n_ce, per_feature, rng, context, row_ids):
    """Call ``func`` once per corrected row (or feature) and check its output."""
    n_features = X.shape[1]
    wanted = _context_keywords(func)
    feat_ptr, feat_idx = layout["feat_ptr"], layout["feat_idx"]
    out_ptr = layout["out_ptr"]
    out = np.empty((layout["n_out"], n_features), dtype=X.dtype)
    for i in np.flatnonzero(layout["copies"]).tolist():
        feats = feat_idx[feat_ptr[i] : feat_ptr[i + 1]]
        if per_feature:
            groups = [feats[t : t + 1] for t in range(feats.size)]
        else:
            groups = [feats]
        start = out_ptr[i]
        for g in groups:
            mask = np.zeros(n_features, dtype=bool)
            mask[g] = True
            x = X[i].copy()
            row_context = {
                "X_train": context["X_train"],
                "y_train": context["y_train"],
                "label": context["labels"][i],
                "row_index": int(context["row_index"][i]),
            }
            kwargs = {name: row_context[name] for name in wanted}
            res = np.asarray(func(x, mask.copy(), n_ce, rng, **kwargs))
            if res.shape != (n_ce, n_features):
                raise ValueError(
                    f"The strategy callable returned shape {res.shape} for row "
                    f"{row_ids[i]}; "
                    f"expected ({n_ce}, {n_features})."
                )
            x = X[i]
            changed = (res != x) & ~((res != res) & (x != x))
            changed[:, mask] = False
            if changed.any():
                j = int(np.flatnonzero(changed.any(axis=0))[0])
                raise ValueError(
                    f"The strategy callable changed feature {j} of row "
                    f"{row_ids[i]}, which is outside the row's correction mask."
                )
            out[start : start + n_ce] = res
            start += n_ce
    return out


# ---------------------------------------------------------------------------
# sparse rows


def _make_sparse(
    X, y, corrections, *, X_train, y_train, n_counterexamples, strategy,
    per_feature, row_index, random_state, backend,
):
    """:func:`make_counterexamples` on sparse rows, returning CSR rows.

    Only the corrected columns are densified, a block of rows at a time: the
    dense path re-draws them on ``X[rows][:, used]``, then a kernel merges them
    into copies of the CSR rows.
    """
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must have a numeric dtype, got dtype {X.dtype}.")
    if X.dtype.kind == "f" and X.dtype.itemsize not in (4, 8):
        raise TypeError(
            f"Sparse X of dtype {X.dtype} is not supported; use float32 or float64."
        )
    X = sp.csr_matrix(X, copy=True)
    X.sum_duplicates()  # canonical: sorted indices, no duplicates
    n_rows, n_features = X.shape
    corrections = _check_corrections(corrections, X.shape, as_csr=True)
    if not isinstance(backend, str) or backend not in _BACKENDS:
        raise ValueError(
            f"backend must be one of {tuple(_BACKENDS)}, got {backend!r}."
        )
    X_train = _check_X_train(X_train, n_features)

    if callable(strategy):
        # The callable sees dense rows: only the corrected ones are densified.
        rows = np.flatnonzero(np.diff(corrections.indptr))
        y = _check_labels(y, n_rows, "y", "X")
        row_index = _check_row_index(row_index, n_rows, X_train.shape[0])
        X_ce, _, source = _make_dense(
            X[rows].toarray(), y[rows], corrections[rows], X_train=X_train,
            y_train=y_train, n_counterexamples=n_counterexamples,
            strategy=strategy, per_feature=per_feature,
            row_index=row_index[rows], random_state=random_state,
            backend=backend, row_ids=rows,
        )
        source = rows[source]
        return sp.csr_matrix(X_ce), y[source], source

    y = _check_labels(y, n_rows, "y", "X")
    row_index = _check_row_index(row_index, n_rows, X_train.shape[0])
    rng = check_random_state(random_state)
    if n_rows == 0:  # no block below: validate the parameters here
        _make_dense(
            np.zeros((0, 0), dtype=X.dtype), y, np.zeros((0, 0), dtype=bool),
            X_train=X_train[:, :0], y_train=y_train,
            n_counterexamples=n_counterexamples, strategy=strategy,
            per_feature=per_feature, row_index=row_index, random_state=rng,
            backend=backend,
        )
        return sp.csr_matrix((0, n_features), dtype=X.dtype), y[:0], np.zeros(0, np.intp)
    if sp.issparse(X_train):
        X_train = X_train.tocsc()
    # Row blocks of at most _BLOCK_CELLS corrected cells: each densifies only
    # its own corrected columns, so memory stays bounded however many
    # columns are corrected overall. The blocks draw from the same generator
    # in row order, which is the dense path's order of draws: both paths give
    # the same counterexamples.
    cells = np.diff(corrections.indptr)
    blocks = _row_blocks(cells, _BLOCK_CELLS)
    kernels = _BACKENDS[backend]
    indptr = X.indptr.astype(np.intp)
    indices = X.indices.astype(np.intp)
    parts, labels, sources = [], [], []
    for a, b in blocks:
        block = corrections[a:b]
        used = np.unique(block.indices).astype(np.intp)
        compact, y_ce, source = _make_dense(
            X[a:b][:, used].toarray(), y[a:b], block[:, used].toarray(),
            X_train=X_train[:, used], y_train=y_train,
            n_counterexamples=n_counterexamples, strategy=strategy,
            per_feature=per_feature, row_index=row_index[a:b],
            random_state=rng, backend=backend, feature_ids=used,
            row_ids=np.arange(a, b),
        )
        source = source + a
        parts.append(_merge_rows(kernels, X, indptr, indices, used, source, compact))
        labels.append(y_ce)
        sources.append(source)
    X_ce = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    return X_ce, np.concatenate(labels), np.concatenate(sources)


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
