"""Plain-NumPy twins of the kernels in :mod:`._kernels`.

Same signatures, same inputs, bit-identical outputs (checked in
``tests/counterexamples/test_kernels.py``). They are vectorised rather than
loop-for-loop transcriptions, so they are also the NumPy reference in
``benchmarks/bench_counterexamples.py``. See :mod:`._kernels` for the layout.
"""

import numpy as np

__all__ = [
    "mask_cells",
    "mt19937_uniforms",
    "randomize_kernel",
    "randomize_mt_kernel",
    "randomize_int_kernel",
    "randomize_int_mt_kernel",
    "alternative_kernel",
    "alternative_mt_kernel",
    "alternative_byte_kernel",
    "alternative_byte_mt_kernel",
    "byte_positions",
    "substitute_kernel",
    "csr_merge_count",
    "csr_merge_fill",
    "donor_kernel",
]


def mask_cells(mask, words):
    """NumPy twin of :func:`skxil.counterexamples._kernels.mask_cells`."""
    n_rows, n_features = mask.shape
    # flat indices are sorted: row-major, features ascending within a row
    flat = np.flatnonzero(mask.view(np.uint8)).astype(np.intp, copy=False)
    feat_ptr = np.searchsorted(flat, np.arange(n_rows + 1) * n_features)
    feat_idx = flat % n_features if n_features else flat
    return feat_ptr.astype(np.intp, copy=False), feat_idx


def mt19937_uniforms(key, pos, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.mt19937_uniforms`:
    NumPy's own ``random_sample`` on a generator in this state."""
    rng = np.random.RandomState()
    rng.set_state(("MT19937", key, pos))
    out[:] = rng.random_sample(out.shape[0])
    _, new_key, new_pos, _, _ = rng.get_state()
    key[:] = new_key
    return new_pos


def _copy_rows(layout, out):
    """Fill ``out`` with the copies of the rows (row ``i`` repeated)."""
    X, out_ptr = layout[0], layout[3]
    source = np.repeat(np.arange(X.shape[0], dtype=np.intp), np.diff(out_ptr))
    np.take(X, source, axis=0, out=out)


def _cells(layout):
    """Source row, output row and feature of every slot ``q``, in slot order."""
    _, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    n_rows = feat_ptr.shape[0] - 1
    k = np.diff(feat_ptr)
    row = np.repeat(np.arange(n_rows, dtype=np.intp), n_ce * k)
    local = np.arange(row.shape[0], dtype=np.intp) - n_ce * feat_ptr[row]
    if per_feature:
        t = local // n_ce
        o = out_ptr[row] + local
    else:
        kr = k[row]
        t = local % kr
        o = out_ptr[row] + local // kr
    j = feat_idx[feat_ptr[row] + t]
    return row, o, j


def randomize_kernel(layout, lo, hi, span, is_int, u, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.randomize_kernel`."""
    _copy_rows(layout, out)
    _, o, j = _cells(layout)
    low = lo[j]
    keep = np.isnan(low)
    if keep.any():
        o, j, u, low = o[~keep], j[~keep], u[~keep], low[~keep]
    v = low + u * span[j]
    v = np.where(is_int[j], np.floor(v), v)
    v = np.minimum(np.maximum(v, low), hi[j])
    out[o, j] = v
    return out


def _drawn(kernel, layout, args, state, out):
    """The twin of an ``_mt_`` kernel: ``random_sample`` from ``state``, then
    ``kernel(layout, *args, u, out)``; the new ``pos``."""
    key, pos = state
    u = np.empty(layout[4] * layout[1][-1])
    pos = mt19937_uniforms(key, pos, u)
    kernel(layout, *args, u, out)
    return pos


def randomize_mt_kernel(layout, lo, hi, span, is_int, state, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.randomize_mt_kernel`."""
    return _drawn(randomize_kernel, layout, (lo, hi, span, is_int), state, out)


def randomize_int_kernel(layout, lo, width, span, u, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.randomize_int_kernel`."""
    _copy_rows(layout, out)
    _, o, j = _cells(layout)
    keep = np.isnan(span[j])
    if keep.any():
        o, j, u = o[~keep], j[~keep], u[~keep]
    offset = np.minimum((u * span[j]).astype(np.uint64), width[j])
    out[o, j] = lo[j] + offset  # modular uint64, cast bit for bit like numba
    return out


def randomize_int_mt_kernel(layout, lo, width, span, state, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.randomize_int_mt_kernel`."""
    return _drawn(randomize_int_kernel, layout, (lo, width, span), state, out)


def alternative_kernel(layout, vals, val_ptr, u, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.alternative_kernel`."""
    _copy_rows(layout, out)
    row, o, j = _cells(layout)
    x = layout[0][row, j]
    left = _lower_bounds(vals, val_ptr[j], val_ptr[j + 1], x)
    return _write_alternatives(out, (o, j, x, left), vals, val_ptr, u)


def alternative_mt_kernel(layout, vals, val_ptr, state, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.alternative_mt_kernel`."""
    return _drawn(alternative_kernel, layout, (vals, val_ptr), state, out)


def alternative_byte_kernel(layout, vals, val_ptr, first, u, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.alternative_byte_kernel`."""
    _copy_rows(layout, out)
    row, o, j = _cells(layout)
    x = layout[0][row, j]
    left = val_ptr[j] + first[j, x.view(np.uint8)]
    return _write_alternatives(out, (o, j, x, left), vals, val_ptr, u)


def alternative_byte_mt_kernel(layout, vals, val_ptr, first, state, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.alternative_byte_mt_kernel`."""
    return _drawn(alternative_byte_kernel, layout, (vals, val_ptr, first), state, out)


def byte_positions(vals, val_ptr, used, lowest, first):
    """NumPy twin of :func:`skxil.counterexamples._kernels.byte_positions`."""
    values = np.arange(lowest, lowest + 256)
    for j in used.tolist():
        own = vals[val_ptr[j] : val_ptr[j + 1]]
        first[j, values & 255] = np.searchsorted(own, values, side="left")
    return first


def _lower_bounds(vals, a, b, x):
    """Vectorised leftmost binary search, the same steps as the kernel."""
    left = a.copy()
    right = b.copy()
    active = np.flatnonzero(left < right)
    while active.size:
        mid = (left[active] + right[active]) >> 1
        less = vals[mid] < x[active]
        left[active[less]] = mid[less] + 1
        right[active[~less]] = mid[~less]
        active = active[left[active] < right[active]]
    return left


def _write_alternatives(out, cells, vals, val_ptr, u):
    """Write each cell's alternative from the position ``left`` of its value."""
    o, j, x, left = cells
    a = val_ptr[j]
    b = val_ptr[j + 1]
    p = left - a
    found = left < b
    found[found] = vals[left[found]] == x[found]
    m = b - a - found
    change = m > 0
    idx = np.minimum((u[change] * m[change]).astype(np.intp), m[change] - 1)
    idx += found[change] & (idx >= p[change])
    out[o[change], j[change]] = vals[a[change] + idx]
    return out


def substitute_kernel(layout, D, donor, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.substitute_kernel`."""
    _copy_rows(layout, out)
    _, o, j = _cells(layout)
    out[o, j] = D[donor[o], j]
    return out


def donor_kernel(rows, order, u):
    """NumPy twin of :func:`skxil.counterexamples._kernels.donor_kernel`."""
    start, m, skip, copies = rows
    m_o = np.repeat(m, copies)
    q = np.minimum((u * m_o).astype(np.intp), m_o - 1)
    q += q >= np.repeat(skip, copies)
    return order[np.repeat(start, copies) + q]


def _merge_entries(indptr, indices, col_pos, source, compact):
    """Output row, column and origin of every stored entry, in CSR order.

    The origin is ``p >= 0`` for entry ``p`` of the copied row and
    ``-1 - m`` for column ``m`` of ``compact``.
    """
    n_out = source.shape[0]
    lengths = np.diff(indptr)[source]
    o_copy = np.repeat(np.arange(n_out, dtype=np.intp), lengths)
    starts = np.repeat(indptr[source] - np.cumsum(lengths) + lengths, lengths)
    p = starts + np.arange(o_copy.shape[0], dtype=np.intp)
    keep = col_pos[indices[p]] < 0
    o_copy, p = o_copy[keep], p[keep]
    o_new, m = np.nonzero(compact)
    rows = np.concatenate([o_copy, o_new.astype(np.intp)])
    cols = np.concatenate([indices[p], np.flatnonzero(col_pos >= 0)[m]])
    origin = np.concatenate([p, -1 - m.astype(np.intp)])
    order = np.lexsort((cols, rows))
    return rows[order], cols[order], origin[order]


def csr_merge_count(indptr, indices, col_pos, source, compact):
    """NumPy twin of :func:`skxil.counterexamples._kernels.csr_merge_count`."""
    rows, _, _ = _merge_entries(indptr, indices, col_pos, source, compact)
    return np.bincount(rows, minlength=source.shape[0]).astype(np.intp)


def csr_merge_fill(
    indptr, indices, data, col_pos, used, source, compact,
    out_indptr, out_indices, out_data,
):
    """NumPy twin of :func:`skxil.counterexamples._kernels.csr_merge_fill`."""
    rows, cols, origin = _merge_entries(indptr, indices, col_pos, source, compact)
    out_indices[:] = cols
    copied = origin >= 0
    out_data[copied] = data[origin[copied]]
    out_data[~copied] = compact[rows[~copied], -1 - origin[~copied]]
    return out_indices, out_data
