"""Plain-NumPy twins of the kernels in :mod:`._kernels`.

Same signatures, same inputs, bit-identical outputs (checked in
``tests/counterexamples/test_kernels.py``). They are vectorised rather than
loop-for-loop transcriptions, so they are also the NumPy reference in
``benchmarks/bench_counterexamples.py``. See :mod:`._kernels` for the layout.
"""

import numpy as np

__all__ = ["randomize_kernel", "alternative_kernel", "substitute_kernel"]


def _copy_rows(X, out_ptr, out):
    """Fill ``out`` with the copies of the rows (row ``i`` repeated)."""
    source = np.repeat(np.arange(X.shape[0], dtype=np.intp), np.diff(out_ptr))
    np.take(X, source, axis=0, out=out)


def _cells(feat_ptr, feat_idx, out_ptr, n_ce, per_feature):
    """Source row, output row and feature of every slot ``q``, in slot order."""
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


def randomize_kernel(
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature, lo, hi, span, is_int, u, out
):
    """NumPy twin of :func:`skxil.counterexamples._kernels.randomize_kernel`."""
    _copy_rows(X, out_ptr, out)
    _, o, j = _cells(feat_ptr, feat_idx, out_ptr, n_ce, per_feature)
    low = lo[j]
    keep = np.isnan(low)
    if keep.any():
        o, j, u, low = o[~keep], j[~keep], u[~keep], low[~keep]
    v = low + u * span[j]
    v = np.where(is_int[j], np.floor(v), v)
    v = np.minimum(np.maximum(v, low), hi[j])
    out[o, j] = v
    return out


def alternative_kernel(
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature, vals, val_ptr, u, out
):
    """NumPy twin of :func:`skxil.counterexamples._kernels.alternative_kernel`."""
    _copy_rows(X, out_ptr, out)
    row, o, j = _cells(feat_ptr, feat_idx, out_ptr, n_ce, per_feature)
    x = X[row, j].astype(np.float64)
    a = val_ptr[j]
    b = val_ptr[j + 1]
    n = b - a
    # vectorised leftmost binary search, the same steps as the kernel
    left = a.copy()
    right = b.copy()
    active = np.flatnonzero(left < right)
    while active.size:
        mid = (left[active] + right[active]) >> 1
        less = vals[mid] < x[active]
        left[active[less]] = mid[less] + 1
        right[active[~less]] = mid[~less]
        active = active[left[active] < right[active]]
    p = left - a
    found = left < b
    found[found] = vals[left[found]] == x[found]
    m = n - found
    change = m > 0
    idx = np.minimum((u[change] * m[change]).astype(np.intp), m[change] - 1)
    idx += found[change] & (idx >= p[change])
    out[o[change], j[change]] = vals[a[change] + idx]
    return out


def substitute_kernel(X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature, D, donor, out):
    """NumPy twin of :func:`skxil.counterexamples._kernels.substitute_kernel`."""
    _copy_rows(X, out_ptr, out)
    _, o, j = _cells(feat_ptr, feat_idx, out_ptr, n_ce, per_feature)
    out[o, j] = D[donor[o], j]
    return out
