"""Numba kernels for stage 4: writing counterexample rows.

Every kernel takes the same layout tuple ``(X, feat_ptr, feat_idx, out_ptr,
n_ce, per_feature)`` first and writes into a preallocated ``out`` of the rows'
dtype; the NumPy twins in :mod:`._reference` take the same inputs and must
return bit-identical arrays.

Layout (built by :func:`skxil.counterexamples._generator._layout`, tupled by
:func:`skxil.counterexamples._generator._kernel_layout`):

- ``X`` (n_rows, n_features): the rows to copy, C-contiguous.
- ``feat_ptr`` (n_rows + 1,) intp and ``feat_idx`` (n_cells_per_copy,) intp:
  the correction set of row ``i`` is ``feat_idx[feat_ptr[i]:feat_ptr[i + 1]]``
  (CSR layout, features ascending).
- ``out_ptr`` (n_rows + 1,) intp: row ``i`` owns the output rows
  ``out_ptr[i]:out_ptr[i + 1]`` (``n_ce`` of them, or ``n_ce * k_i`` when
  ``per_feature``; none when the row is uncorrected).

Each re-drawn cell has a slot ``q`` in the random arrays. For row ``i`` with
``k`` corrected features, copy ``r`` and feature position ``t``:

- ``per_feature=False``: output row ``out_ptr[i] + r``,
  slot ``n_ce * feat_ptr[i] + r * k + t``;
- ``per_feature=True``: output row ``out_ptr[i] + t * n_ce + r``,
  slot ``n_ce * feat_ptr[i] + t * n_ce + r``.

The kernels never see a random generator: the uniforms ``u`` (randomize,
alternative) and the donor rows (substitute) are drawn by the generator
(through :func:`mt19937_uniforms`, which computes ``random_sample``'s
doubles from a copy of the generator's state, a plain array). For a large
draw the generator hands that state to the ``_mt_`` twin of the kernel
instead of ``u`` (:class:`._generator._Uniforms`): it draws the same
uniforms a block of rows at a time, used while they are in the cache,
instead of 8 bytes per re-drawn cell written to memory and read back.

Kernels are serial: the copy is memory-bound. ``prange`` versions (over
blocks of rows, and over ranges of the mask in :func:`mask_cells`) were
tried on the project's 2-core machine while it was shared, and were no
faster with two threads than with one; they were not kept.
"""

import numpy as np
from llvmlite import ir
from llvmlite.binding import llvm_version_info
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

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


# ---------------------------------------------------------------------------
# the corrections: a boolean mask -> (feat_ptr, feat_idx)


def _de_bruijn_table():
    """``table[(low * _DE_BRUIJN) >> 58]`` is ``b`` for ``low = 2**b``."""
    table = np.zeros(64, dtype=np.intp)
    for b in range(64):
        table[((1 << b) * int(_DE_BRUIJN)) % 2**64 >> 58] = b
    return table


_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_BIT_OF = _de_bruijn_table()


@njit(cache=True)
def _next_row(p, row, row_start, n_features, feat_ptr, c):
    """Advance ``(row, row_start)`` to the row holding flat position ``p``,
    closing the ``feat_ptr`` of the rows passed with ``c`` cells."""
    while p >= row_start + n_features:
        row += 1
        feat_ptr[row] = c
        row_start += n_features
    return row, row_start


@njit(cache=True)
def _byte_flags(words):
    """Bit ``k`` of ``flags[g]``: byte ``k`` of ``words[8 * g : 8 * g + 8]``
    (seen as 64 bytes) is non-zero; and the number of such bytes.

    Branch-free: each word's bytes are folded onto their lowest bit and
    gathered into one byte by a multiplication.
    """
    n_words = words.shape[0]
    full = n_words // 8
    flags = np.zeros((n_words + 7) // 8, dtype=np.uint64)
    ones = np.uint64(0x0101010101010101)
    count = np.uint64(0)
    for g in range(full):
        acc = np.uint64(0)
        total = np.uint64(0)
        for k in range(8):  # a constant trip count: unrolled
            t = _fold(words[8 * g + k])
            total += t
            acc |= _gather(t) << np.uint64(8 * k)
        flags[g] = acc  # one store per group: no dependency through memory
        count += (total * ones) >> np.uint64(56)  # total's bytes are <= 8
    for w in range(8 * full, n_words):
        t = _fold(words[w])
        count += (t * ones) >> np.uint64(56)
        flags[full] |= _gather(t) << np.uint64(8 * (w - 8 * full))
    return flags, np.intp(count)


@njit(cache=True)
def _gather(t):
    """The byte whose bit ``k`` is byte ``k`` (0 or 1) of ``t``."""
    return (t * np.uint64(0x0102040810204080)) >> np.uint64(56)


@njit(cache=True)
def _fold(t):
    """The word whose byte ``k`` is 1 if byte ``k`` of ``t`` is non-zero, else 0."""
    t |= t >> np.uint64(4)
    t |= t >> np.uint64(2)
    t |= t >> np.uint64(1)
    return t & np.uint64(0x0101010101010101)


@njit(cache=True)
def mask_cells(mask, words):
    """The CSR layout ``(feat_ptr, feat_idx)`` of a C-contiguous boolean ``mask``.

    ``words`` is the leading ``8 * len(words)`` bytes of ``mask`` seen as
    uint64. A mask is mostly False: its bytes are first reduced to one bit
    each (:func:`_byte_flags`), and the True ones are found 64 at a time by
    their lowest set bit, without a test per byte.
    """
    n_rows, n_features = mask.shape
    flat = mask.reshape(-1)
    flags, n_cells = _byte_flags(words)
    tail = 8 * words.shape[0]
    for p in range(tail, flat.shape[0]):
        n_cells += flat[p] != 0
    feat_ptr = np.empty(n_rows + 1, dtype=np.intp)
    feat_idx = np.empty(n_cells, dtype=np.intp)
    top = np.uint64(58)
    row, row_start, c = 0, 0, 0
    feat_ptr[0] = 0
    for g in range(flags.shape[0]):
        bits = flags[g]
        while bits != 0:
            p = 64 * g + _BIT_OF[((bits & (~bits + np.uint64(1))) * _DE_BRUIJN) >> top]
            bits &= bits - np.uint64(1)
            row, row_start = _next_row(p, row, row_start, n_features, feat_ptr, c)
            feat_idx[c] = p - row_start
            c += 1
    for p in range(tail, flat.shape[0]):
        if flat[p]:
            row, row_start = _next_row(p, row, row_start, n_features, feat_ptr, c)
            feat_idx[c] = p - row_start
            c += 1
    feat_ptr[row + 1 : n_rows + 1] = c
    return feat_ptr, feat_idx


# ---------------------------------------------------------------------------
# uniforms: numpy.random.RandomState.random_sample, bit for bit


@njit(cache=True)
def mt19937_uniforms(key, pos, out):
    """Fill ``out`` as ``RandomState.random_sample`` would from this state.

    ``key`` (624 uint32, advanced in place) and ``pos`` are the state of
    NumPy's legacy MT19937 (``RandomState.get_state()``); returns the new
    ``pos``. Each double takes two 32-bit outputs ``a, b``:
    ``((a >> 5) * 2**26 + (b >> 6)) / 2**53``, NumPy's ``legacy_double``.
    The state is a plain array, not a generator: the caller draws through
    it and writes it back.
    """
    block = np.empty(624, dtype=np.uint32)
    _temper(key, block)  # the words of the current block (pos used already)
    n = out.shape[0]
    i = 0
    high = np.uint32(0)
    pending = False  # a first word drawn, the second in the next block
    while i < n:
        if pos == 624:
            _twist(key)
            _temper(key, block)
            pos = 0
        if pos == 0 and not pending and n - i >= 312:
            for h in range(312):  # a whole block at once
                out[i + h] = _double(block[2 * h] >> np.uint32(5), block[2 * h + 1])
            i += 312
            pos = 624
            continue
        word = block[pos]
        pos += 1
        if pending:
            out[i] = _double(high, word)
            i += 1
        else:
            high = word >> np.uint32(5)
        pending = not pending
    return pos


@njit(cache=True)
def _double(high, word):
    return (high * 67108864.0 + (word >> np.uint32(6))) / 9007199254740992.0


@njit(cache=True)
def _twist(key):
    """Advance the MT19937 state ``key`` by one block of 624 words."""
    for i in range(227):
        key[i] = _mix(key[i], key[i + 1], key[i + 397])
    for i in range(227, 623):
        key[i] = _mix(key[i], key[i + 1], key[i - 227])
    key[623] = _mix(key[623], key[0], key[396])


@njit(cache=True)
def _mix(a, b, c):
    y = (a & np.uint32(0x80000000)) | (b & np.uint32(0x7FFFFFFF))
    odd = np.uint32(0) - (y & np.uint32(1))  # all ones when y is odd
    return c ^ (y >> np.uint32(1)) ^ (odd & np.uint32(0x9908B0DF))


@njit(cache=True)
def _temper(key, block):
    """The 624 outputs of the state ``key``."""
    for i in range(624):
        y = key[i]
        y ^= y >> np.uint32(11)
        y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
        y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
        y ^= y >> np.uint32(18)
        block[i] = y


# ---------------------------------------------------------------------------
# counterexample rows


@njit(cache=True)
def _copy_row(X, i, start, stop, out):
    """Copy row ``i`` of ``X`` into ``out[start:stop]``."""
    n_features = X.shape[1]
    for o in range(start, stop):
        for j in range(n_features):
            out[o, j] = X[i, j]


@njit(cache=True)
def _cell(start, slot0, k, t, r, n_ce, per_feature):
    """Output row and random slot of copy ``r`` of feature position ``t``."""
    if per_feature:
        local = t * n_ce + r
        return start + local, slot0 + local
    return start + r, slot0 + r * k + t


@njit(cache=True)
def randomize_kernel(layout, lo, hi, span, is_int, u, out):
    """Redraw each corrected cell uniformly in ``[lo[j], hi[j]]``.

    The value is ``lo[j] + u[q] * span[j]`` in float64, floored when
    ``is_int[j]``, clipped to ``[lo[j], hi[j]]`` and cast to ``out.dtype``.
    ``span`` is ``hi - lo`` (plus one for integer features). A feature with
    ``lo[j]`` NaN (no observed value) keeps the original value.
    """
    rows = (0, layout[0].shape[0])
    _randomize_rows(layout, (lo, hi, span, is_int), (u, 0), rows, out)
    return out


@njit(cache=True)
def randomize_mt_kernel(layout, lo, hi, span, is_int, state, out):
    """:func:`randomize_kernel` drawing its ``u`` from an MT19937 ``state``.

    ``state = (key, pos)`` is the generator's state, as
    :func:`mt19937_uniforms` takes it (``key`` is advanced in place); the
    uniforms are drawn a block of rows at a time, so that they are used
    while in the cache instead of written to memory and read back. Returns
    the new ``pos``: the state ``random_sample(n_cells)`` would leave.
    """
    key, pos = state
    buf = np.empty(_DRAW_BLOCK)
    a = 0
    while a < layout[0].shape[0]:
        b, draws, pos, buf = _draw_block(layout, a, (key, pos), buf)
        _randomize_rows(layout, (lo, hi, span, is_int), draws, (a, b), out)
        a = b
    return pos


#: Uniforms drawn at once by the ``_mt_`` kernels (128 KB: they stay in the
#: L2 cache until the rows that use them are written).
_DRAW_BLOCK = 16384


@njit(cache=True)
def _draw_block(layout, a, state, buf):
    """Draw the uniforms of the rows ``a:b`` that about fill ``buf``.

    Returns ``b``, ``draws = (u, base)`` (slot ``q`` is ``u[q - base]``),
    the new ``pos`` of ``state = (key, pos)`` and the buffer (a larger one
    when a single row needs more than ``buf`` holds).
    """
    feat_ptr, n_ce = layout[1], layout[4]
    n_rows = feat_ptr.shape[0] - 1
    b = a + 1
    while b < n_rows and n_ce * (feat_ptr[b + 1] - feat_ptr[a]) <= buf.shape[0]:
        b += 1
    base = n_ce * feat_ptr[a]
    n = n_ce * feat_ptr[b] - base
    if n > buf.shape[0]:
        buf = np.empty(n)
    pos = state[1]
    if n > 0:
        pos = mt19937_uniforms(state[0], pos, buf[:n])
    return b, (buf, base), pos, buf


@njit(cache=True)
def _randomize_rows(layout, ranges, draws, rows, out):
    """The body of the randomize kernels for the ``rows = (a, b)``; slot
    ``q``'s uniform is ``u[q - base]`` for ``draws = (u, base)``."""
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    lo, hi, span, is_int = ranges
    u, base = draws
    for i in range(rows[0], rows[1]):
        start = out_ptr[i]
        stop = out_ptr[i + 1]
        if start == stop:
            continue
        _copy_row(X, i, start, stop, out)
        f0 = feat_ptr[i]
        k = feat_ptr[i + 1] - f0
        slot0 = n_ce * f0 - base
        for t in range(k):
            j = feat_idx[f0 + t]
            low = lo[j]
            if low != low:
                continue
            high = hi[j]
            width = span[j]
            integral = is_int[j]
            for r in range(n_ce):
                o, q = _cell(start, slot0, k, t, r, n_ce, per_feature)
                v = low + u[q] * width
                if integral:
                    v = np.floor(v)
                if v < low:
                    v = low
                if v > high:
                    v = high
                out[o, j] = v


@njit(cache=True)
def randomize_int_kernel(layout, lo, width, span, u, out):
    """Redraw each corrected cell of a 64-bit integer ``out`` exactly.

    ``lo[j]`` is the feature's minimum as uint64 bits and ``width[j]`` its
    ``max - min`` (uint64); the value is ``lo[j] + min(uint64(u[q] * span[j]),
    width[j])`` in modular uint64 arithmetic, which is the exact integer
    ``min + offset`` in ``[min, max]`` whatever the range: float64 only
    scales the uniform (``span`` is ``width + 1``). ``span[j]`` NaN keeps the
    original value.
    """
    rows = (0, layout[0].shape[0])
    _randomize_int_rows(layout, (lo, width, span), (u, 0), rows, out)
    return out


@njit(cache=True)
def randomize_int_mt_kernel(layout, lo, width, span, state, out):
    """:func:`randomize_int_kernel` drawing its ``u`` from an MT19937
    ``state``, as :func:`randomize_mt_kernel` does; returns the new ``pos``."""
    key, pos = state
    buf = np.empty(_DRAW_BLOCK)
    a = 0
    while a < layout[0].shape[0]:
        b, draws, pos, buf = _draw_block(layout, a, (key, pos), buf)
        _randomize_int_rows(layout, (lo, width, span), draws, (a, b), out)
        a = b
    return pos


@njit(cache=True)
def _randomize_int_rows(layout, ranges, draws, rows, out):
    """The body of the randomize_int kernels (see :func:`_randomize_rows`)."""
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    lo, width, span = ranges
    u, base = draws
    for i in range(rows[0], rows[1]):
        start = out_ptr[i]
        stop = out_ptr[i + 1]
        if start == stop:
            continue
        _copy_row(X, i, start, stop, out)
        f0 = feat_ptr[i]
        k = feat_ptr[i + 1] - f0
        slot0 = n_ce * f0 - base
        for t in range(k):
            j = feat_idx[f0 + t]
            scale = span[j]
            if scale != scale:
                continue
            low = lo[j]
            top = width[j]
            for r in range(n_ce):
                o, q = _cell(start, slot0, k, t, r, n_ce, per_feature)
                offset = np.uint64(u[q] * scale)
                if offset > top:
                    offset = top
                out[o, j] = low + offset


@njit(cache=True)
def alternative_kernel(layout, vals, val_ptr, u, out):
    """Replace each corrected cell by another observed value of its feature.

    ``vals[val_ptr[j]:val_ptr[j + 1]]`` are the sorted unique observed values
    of feature ``j`` (in ``X``'s dtype for integers, so that they compare
    exactly; float64 otherwise). If the original value ``x`` is among them, the
    ``m = n - 1`` others are candidates, otherwise all ``m = n``; the chosen
    candidate is ``min(int(u[q] * m), m - 1)`` (skipping ``x``'s position). With
    ``m == 0`` the original value is kept.
    """
    rows = (0, layout[0].shape[0])
    _alternative_rows(layout, (vals, val_ptr), None, (u, 0), rows, out)
    return out


@njit(cache=True)
def alternative_mt_kernel(layout, vals, val_ptr, state, out):
    """:func:`alternative_kernel` drawing its ``u`` from an MT19937
    ``state``, as :func:`randomize_mt_kernel` does; returns the new ``pos``."""
    return _alternative_mt(layout, (vals, val_ptr), None, state, out)


@njit(cache=True)
def alternative_byte_kernel(layout, vals, val_ptr, first, u, out):
    """:func:`alternative_kernel` for a one-byte integer ``X``.

    ``first[j, b]`` is the position in feature ``j``'s values (from
    ``val_ptr[j]``) of the first value ``>=`` the value whose byte is ``b``
    (see :func:`byte_positions`): one look-up instead of a binary search
    per cell.
    """
    rows = (0, layout[0].shape[0])
    _alternative_rows(layout, (vals, val_ptr), first, (u, 0), rows, out)
    return out


@njit(cache=True)
def alternative_byte_mt_kernel(layout, vals, val_ptr, first, state, out):
    """:func:`alternative_byte_kernel` drawing its ``u`` from an MT19937
    ``state``, as :func:`randomize_mt_kernel` does; returns the new ``pos``."""
    return _alternative_mt(layout, (vals, val_ptr), first, state, out)


@njit(cache=True)
def _alternative_mt(layout, values, first, state, out):
    """The body of the alternative ``_mt_`` kernels."""
    key, pos = state
    buf = np.empty(_DRAW_BLOCK)
    a = 0
    while a < layout[0].shape[0]:
        b, draws, pos, buf = _draw_block(layout, a, (key, pos), buf)
        _alternative_rows(layout, values, first, draws, (a, b), out)
        a = b
    return pos


@njit(cache=True)
def byte_positions(vals, val_ptr, used, lowest, first):
    """Fill the rows ``used`` of ``first`` for :func:`alternative_byte_kernel`.

    ``first`` has shape (n_features, 256); ``lowest`` is the dtype's
    smallest value (0 or -128). The values ``lowest .. lowest + 255`` are
    walked in ascending order beside each feature's sorted values.
    """
    for j in used:
        p = val_ptr[j]
        b = val_ptr[j + 1]
        for v in range(lowest, lowest + 256):
            while p < b and vals[p] < v:
                p += 1
            first[j, v & 255] = p - val_ptr[j]
    return first


@njit(cache=True)
def _alternative_rows(layout, values, first, draws, rows, out):
    """The body of the alternative kernels (see :func:`_randomize_rows`):
    ``values = (vals, val_ptr)``; ``first`` is the look-up table of
    :func:`alternative_byte_kernel`, or None for a binary search (a test
    numba resolves when it compiles each kernel, not in the loop: an
    argument of its own, as numba would not resolve it inside a tuple)."""
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    vals, val_ptr = values
    u, base = draws
    for i in range(rows[0], rows[1]):
        start = out_ptr[i]
        stop = out_ptr[i + 1]
        if start == stop:
            continue
        _copy_row(X, i, start, stop, out)
        f0 = feat_ptr[i]
        k = feat_ptr[i + 1] - f0
        slot0 = n_ce * f0 - base
        for t in range(k):
            j = feat_idx[f0 + t]
            a = val_ptr[j]
            b = val_ptr[j + 1]
            n = b - a
            x = X[i, j]
            if first is None:
                left = _lower_bound(vals, a, b, x)
            else:
                left = a + np.intp(first[j, np.intp(x) & 255])
            p = left - a
            found = left < b and vals[left] == x
            m = n - 1 if found else n
            if m == 0:
                continue
            for r in range(n_ce):
                o, q = _cell(start, slot0, k, t, r, n_ce, per_feature)
                idx = np.intp(u[q] * m)
                if idx > m - 1:
                    idx = m - 1
                if found and idx >= p:
                    idx += 1
                out[o, j] = vals[a + idx]


@njit(cache=True)
def _lower_bound(vals, left, right, x):
    """Leftmost position of ``x`` in the sorted ``vals[left:right]``."""
    while left < right:
        mid = (left + right) >> 1
        if vals[mid] < x:
            left = mid + 1
        else:
            right = mid
    return left


@njit(cache=True)
def substitute_kernel(layout, D, donor, out):
    """Copy each corrected cell of output row ``o`` from ``D[donor[o]]``.

    ``D`` holds the donor rows, already in ``out.dtype``; ``donor`` has one
    entry per output row. The donor rows are random rows of a large ``D``:
    the cells of the next row's donors are prefetched while this row is
    written, so that their loads from memory overlap.
    """
    X, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    n_rows = X.shape[0]
    for i in range(n_rows):
        if i + 1 < n_rows:
            _prefetch_donors(layout, D, donor, i + 1)
        start = out_ptr[i]
        f0 = feat_ptr[i]
        k = feat_ptr[i + 1] - f0
        # each output row in turn: its copy, then its donor's cells
        for o in range(start, out_ptr[i + 1]):
            _copy_row(X, i, o, o + 1, out)
            d = donor[o]
            if per_feature:  # the feature of its block of n_ce copies
                j = feat_idx[f0 + (o - start) // n_ce]
                out[o, j] = D[d, j]
            else:
                for t in range(k):
                    j = feat_idx[f0 + t]
                    out[o, j] = D[d, j]
    return out


@njit(cache=True)
def _prefetch_donors(layout, D, donor, i):
    """Ask for the donor cells that row ``i``'s output rows will copy."""
    _, feat_ptr, feat_idx, out_ptr, n_ce, per_feature = layout
    f0 = feat_ptr[i]
    k = feat_ptr[i + 1] - f0
    if out_ptr[i] == out_ptr[i + 1]:
        return
    for t in range(k):
        j = feat_idx[f0 + t]
        for r in range(n_ce):
            o, _ = _cell(out_ptr[i], 0, k, t, r, n_ce, per_feature)
            _prefetch(D, donor[o], j)


# LLVM names an intrinsic after its pointer types: opaque pointers (the only
# kind from LLVM 17 on) give "p0", the typed i8* of older LLVMs "p0i8".
_PREFETCH = (
    "llvm.prefetch.p0" if llvm_version_info[0] >= 17 else "llvm.prefetch.p0i8"
)


@intrinsic
def _prefetch(typingctx, array, i, j):
    """Hint that ``array[i, j]`` will be read soon (LLVM's prefetch: no
    effect on any value, no fault on any address)."""
    sig = types.void(array, i, j)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(
            context, builder, array_type, data, [args[1], args[2]]
        )
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]),
            _PREFETCH,
        )
        # read, high temporal locality, data cache
        builder.call(prefetch, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True)
def donor_kernel(rows, order, u):
    """The donor (a row of ``X_train``) of every output row of ``"substitute"``.

    ``rows = (start, m, skip, copies)`` describes each corrected row in
    output order: its candidates are ``order[start:start + m + 1]`` less the
    one at position ``skip`` (the row itself; ``skip`` is past the end when
    the row is not in ``X_train``), and it has ``copies`` output rows. Copy
    ``c`` takes candidate ``min(int(u[c] * m), m - 1)``, counted without the
    skipped one.
    """
    start, m, skip, copies = rows
    donor = np.empty(u.shape[0], dtype=np.intp)
    o = 0
    for r in range(start.shape[0]):
        for _ in range(copies[r]):
            q = min(np.intp(u[o] * m[r]), m[r] - 1)
            if q >= skip[r]:
                q += 1
            donor[o] = order[start[r] + q]
            o += 1
    return donor


# ---------------------------------------------------------------------------
# sparse rows: the re-drawn columns are computed densely (only the ``used``
# columns, by the kernels above), then merged into copies of the CSR rows.


@njit(cache=True)
def csr_merge_count(indptr, indices, col_pos, source, compact):
    """Number of stored entries of each output row.

    Output row ``o`` copies CSR row ``source[o]`` (``indptr``, ``indices``,
    canonical), except in the ``used`` columns (``col_pos[j] >= 0``), which
    take the non-zero values of ``compact[o]``.
    """
    n_out = source.shape[0]
    n_used = compact.shape[1]
    counts = np.zeros(n_out, dtype=np.intp)
    for o in range(n_out):
        i = source[o]
        c = 0
        for p in range(indptr[i], indptr[i + 1]):
            if col_pos[indices[p]] < 0:
                c += 1
        for m in range(n_used):
            if compact[o, m] != 0:
                c += 1
        counts[o] = c
    return counts


@njit(cache=True)
def csr_merge_fill(
    indptr, indices, data, col_pos, used, source, compact,
    out_indptr, out_indices, out_data,
):
    """Write the output rows counted by :func:`csr_merge_count`.

    Column indices stay sorted within each row; entries of the copied rows
    outside the ``used`` columns (explicit zeros included) are kept as they
    are.
    """
    n_used = compact.shape[1]
    for o in range(source.shape[0]):
        i = source[o]
        w = out_indptr[o]
        p = indptr[i]
        end = indptr[i + 1]
        m = 0
        while True:
            while p < end and col_pos[indices[p]] >= 0:
                p += 1
            while m < n_used and compact[o, m] == 0:
                m += 1
            if p >= end and m >= n_used:
                break
            if m >= n_used or (p < end and indices[p] < used[m]):
                out_indices[w] = indices[p]
                out_data[w] = data[p]
                p += 1
            else:
                out_indices[w] = used[m]
                out_data[w] = compact[o, m]
                m += 1
            w += 1
    return out_indices, out_data
