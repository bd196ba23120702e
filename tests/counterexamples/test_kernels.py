"""The numba kernels of stage 4 equal their NumPy twins exactly."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from skxil.counterexamples import (
    COUNTEREXAMPLE_STRATEGIES,
    _generator,
    _kernels,
    _reference,
    make_counterexamples,
)

KERNELS = (
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
    "donor_kernel",
)


def _case(name):
    """(X, y, corrections, X_train, y_train, row_index, n_counterexamples)."""
    rng = np.random.RandomState(42)
    n_train, n_features = 40, 7
    X_train = rng.randint(0, 256, size=(n_train, n_features)).astype(np.uint8)
    X_train[:, 2] = rng.randint(0, 3, size=n_train)  # few distinct values
    y_train = np.array(["a", "b", "c"])[rng.randint(0, 3, size=n_train)]
    rows = np.array([3, 0, 17, 5, 22, 39])
    corrections = rng.rand(rows.size, n_features) < 0.4
    corrections[1] = False  # one uncorrected row
    n_ce = 3
    if name == "no_correction":
        corrections[:] = False
    elif name == "all_features":
        corrections[:] = True
    elif name == "one_row":
        rows, corrections = rows[:1], np.ones((1, n_features), dtype=bool)
    elif name == "zero_counterexamples":
        n_ce = 0
    elif name == "float32":
        X_train = (X_train / 7.0).astype(np.float32)
    elif name == "float64":
        X_train = rng.normal(size=(n_train, n_features))
        X_train[:, 3] = np.round(X_train[:, 3] * 10)  # integral float feature
        X_train[5, 4] = np.nan  # NaN is ignored by the statistics
    elif name == "int64":
        X_train = X_train.astype(np.int64) * 1000 - 50_000
    elif name == "bool":
        X_train = X_train > 127
    elif name == "float16":
        X_train = (X_train / 4.0).astype(np.float16)
    elif name == "single_value":
        X_train[:, 1] = 9
        corrections[:, 1] = True
    elif name == "fortran_order":
        X_train = np.asfortranarray(X_train.astype(np.float64))
    X = X_train[rows]
    if name == "fortran_order":
        X = np.asfortranarray(X)
    y = y_train[rows]
    if name == "csr":
        X_train = sp.csr_matrix(np.where(X_train > 150, X_train, 0))
        X = X_train[rows].toarray()
    elif name == "csc":
        dense = np.where(X_train > 100, X_train, 0).astype(np.float64)
        X_train = sp.csc_array(dense)
        X = dense[rows]
    return X, y, corrections, X_train, y_train, rows, n_ce


CASES = (
    "default", "no_correction", "all_features", "one_row", "zero_counterexamples",
    "float32", "float64", "uint8", "int64", "bool", "float16", "single_value",
    "fortran_order", "csr", "csc",
)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_numba_equals_numpy_twin(case, per_feature, strategy):
    X, y, corrections, X_train, y_train, rows, n_ce = _case(case)
    results = {}
    for backend in ("numba", "numpy"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            results[backend] = make_counterexamples(
                X, y, corrections, X_train=X_train, y_train=y_train,
                n_counterexamples=n_ce, strategy=strategy, per_feature=per_feature,
                row_index=rows, random_state=0, backend=backend,
            )
    for a, b in zip(results["numba"], results["numpy"]):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    X_ce, y_ce, source = results["numba"]
    assert X_ce.dtype == X.dtype
    k = corrections.sum(axis=1)
    expected = n_ce * (k.sum() if per_feature else np.count_nonzero(k))
    assert X_ce.shape == (expected, X.shape[1])
    assert y_ce.shape == (expected,) and y_ce.dtype == y.dtype
    assert source.dtype == np.intp
    # nothing outside the correction mask changes
    a, b = X_ce.astype(float), X[source].astype(float)
    changed = (a != b) & ~(np.isnan(a) & np.isnan(b))
    assert not (changed & ~corrections[source]).any()


def test_single_value_feature_warns_with_both_backends():
    X, y, corrections, X_train, y_train, rows, n_ce = _case("single_value")
    out = []
    for backend in ("numba", "numpy"):
        with pytest.warns(UserWarning, match=r"feature\(s\) \[1\]") as record:
            out.append(make_counterexamples(
                X, y, corrections, X_train=X_train, y_train=y_train,
                strategy="alternative", random_state=3, backend=backend,
            )[0])
        assert len(record) == 1
    np.testing.assert_array_equal(out[0], out[1])
    assert np.all(out[0][:, 1] == 9)


def _direct_layout(corrections, n_ce, per_feature):
    n_rows, n_features = corrections.shape
    k = corrections.sum(axis=1)
    feat_ptr = np.concatenate([[0], np.cumsum(k)]).astype(np.intp)
    feat_idx = np.nonzero(corrections)[1].astype(np.intp)
    copies = n_ce * k if per_feature else n_ce * (k > 0)
    out_ptr = np.concatenate([[0], np.cumsum(copies)]).astype(np.intp)
    return feat_ptr, feat_idx, out_ptr


def _kernel_layout(X, corrections, n_ce, per_feature):
    """The kernels' layout tuple, as the generator builds it."""
    layout = _generator._layout(corrections, n_ce, per_feature)
    return _generator._kernel_layout(X, layout)


@pytest.mark.parametrize("per_feature", [False, True])
def test_layout_tuple(per_feature):
    corrections = np.random.RandomState(0).rand(6, 5) < 0.4
    X = np.arange(30.0).reshape(6, 5)
    X_k, *arrays, n_ce, flag = _kernel_layout(X, corrections, 3, per_feature)
    assert X_k is X and n_ce == 3 and flag is per_feature
    for a, b in zip(arrays, _direct_layout(corrections, 3, per_feature)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.intp


def _run_both(name, args, n_out, n_features, dtype):
    outs = []
    for module in (_kernels, _reference):
        out = np.full((n_out, n_features), 99, dtype=dtype)
        res = getattr(module, name)(*args, out)
        assert res is out
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    return outs[0]


@pytest.mark.parametrize("per_feature", [False, True])
def test_alternative_kernel_edge_values(per_feature):
    # feature 0: original in the set; 1: original not in the set; 2: NaN
    # original; 3: empty set (kept); 4: the set is only the original (kept)
    X = np.array([[1.0, 0.5, np.nan, 7.0, 4.0], [3.0, 2.0, 1.0, 7.0, 4.0]])
    corrections = np.ones_like(X, dtype=bool)
    vals = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 2.0, 4.0])
    val_ptr = np.array([0, 3, 5, 7, 7, 8], dtype=np.intp)
    n_ce = 4
    layout = _kernel_layout(X, corrections, n_ce, per_feature)
    out_ptr = layout[3]
    u = np.linspace(0.0, 1.0 - 1e-12, n_ce * layout[1][-1])
    args = (layout, vals, val_ptr, u)
    out = _run_both("alternative_kernel", args, out_ptr[-1], 5, np.float64)
    source = np.repeat([0, 1], np.diff(out_ptr))
    if per_feature:  # row block t of n_ce copies re-draws feature t only
        feature = np.tile(np.repeat(np.arange(5), n_ce), 2)
    for f, allowed in [(0, ({2.0, 3.0}, {1.0, 2.0})), (1, ({1.0, 2.0},) * 2),
                       (2, ({1.0, 2.0}, {2.0}))]:
        for i in (0, 1):
            sel = source == i
            if per_feature:
                sel &= feature == f
            assert set(out[sel, f].tolist()) <= allowed[i], (f, i)
    np.testing.assert_array_equal(out[:, 3], 7.0)
    np.testing.assert_array_equal(out[:, 4], 4.0)


def test_alternative_kernel_covers_all_other_values():
    X = np.array([[2]], dtype=np.uint8)
    vals = np.arange(5, dtype=np.uint8)
    val_ptr = np.array([0, 5], dtype=np.intp)
    u = (np.arange(8) + 0.5) / 8
    args = (_kernel_layout(X, np.ones((1, 1), bool), 8, False), vals, val_ptr, u)
    out = _run_both("alternative_kernel", args, 8, 1, np.uint8)
    np.testing.assert_array_equal(out[:, 0], [0, 0, 1, 1, 3, 3, 4, 4])


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float32, np.float64])
def test_randomize_kernel_bounds_and_nan_range(dtype):
    X = np.array([[5, 6, 7], [1, 2, 3]], dtype=dtype)
    corrections = np.array([[True, True, True], [True, False, True]])
    lo = np.array([0.0, 10.0, np.nan])
    hi = np.array([255.0, 10.0, np.nan])
    is_int = np.array([True, True, False])
    span = hi - lo + is_int
    n_ce = 50
    layout = _kernel_layout(X, corrections, n_ce, False)
    out_ptr = layout[3]
    u = np.random.RandomState(0).rand(n_ce * 5)
    u[0], u[3] = 0.0, 1.0 - 2**-53  # feature 0 of copies 0 and 1 of row 0
    args = (layout, lo, hi, span, is_int, u)
    out = _run_both("randomize_kernel", args, out_ptr[-1], 3, dtype)
    assert out[:, 0].min() == 0 and out[:, 0].max() == 255
    np.testing.assert_array_equal(out[:n_ce, 1], 10)  # lo == hi
    np.testing.assert_array_equal(out[:, 2], X[np.repeat([0, 1], n_ce), 2])  # kept


def test_substitute_kernel_copies_donor_cells():
    X = np.zeros((2, 3), dtype=np.float32)
    corrections = np.array([[True, False, True], [False, True, False]])
    D = np.arange(12, dtype=np.float32).reshape(4, 3)
    donor = np.array([3, 0, 1, 2, 0, 3], dtype=np.intp)
    args = (_kernel_layout(X, corrections, 2, True), D, donor)
    out = _run_both("substitute_kernel", args, 6, 3, np.float32)
    expected = np.array(
        [[9, 0, 0], [0, 0, 0], [0, 0, 5], [0, 0, 8], [0, 1, 0], [0, 10, 0]],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", KERNELS)
def test_kernels_exported_by_both_modules(name):
    assert callable(getattr(_kernels, name))
    assert callable(getattr(_reference, name))


# ------------------------------------------------- exact integer arithmetic

INT64, UINT64 = np.iinfo(np.int64), np.iinfo(np.uint64)
WIDE_INTEGERS = {
    "int64 near 2**62": (2**62 + np.array([1, 3, 5, 7])).astype(np.int64),
    "int64 extremes": np.array([INT64.min, INT64.min + 1, INT64.max - 1, INT64.max]),
    "int64 top": np.array([INT64.max - 6, INT64.max - 2, INT64.max]),
    "uint64 extremes": np.array([0, 1, UINT64.max - 1, UINT64.max], dtype=np.uint64),
    "uint64 top": np.array([UINT64.max - 4, UINT64.max], dtype=np.uint64),
}


@pytest.mark.parametrize("name", WIDE_INTEGERS)
@pytest.mark.parametrize("strategy", ["randomize", "alternative"])
def test_wide_integers_are_exact_and_kernels_equal_twins(name, strategy):
    values = WIDE_INTEGERS[name]
    X = values[:, None]
    corrections = np.ones_like(X, dtype=bool)
    out = {}
    for backend in ("numba", "numpy"):
        out[backend] = make_counterexamples(
            X, np.zeros(len(X)), corrections, X_train=X, y_train=np.zeros(len(X)),
            n_counterexamples=200, strategy=strategy, random_state=0, backend=backend,
        )[0]
        assert out[backend].dtype == X.dtype
    np.testing.assert_array_equal(out["numba"], out["numpy"])
    got = [int(v) for v in out["numba"].ravel()]  # Python ints: exact
    lo, hi = int(values.min()), int(values.max())
    assert lo <= min(got) and max(got) <= hi
    if strategy == "alternative":
        source = np.repeat(np.arange(len(X)), 200)
        assert set(got) <= {int(v) for v in values}
        assert all(g != int(values[s]) for g, s in zip(got, source))
    elif hi - lo < 100:  # a narrow range: every integer is drawn
        assert set(got) == set(range(lo, hi + 1))


def test_randomize_int_kernel_ends_of_the_full_range():
    # u = 0 gives the minimum, the largest uniform the maximum, for the full
    # int64 and uint64 ranges (width 2**64 - 1) without overflow
    for values in (np.array([INT64.min, INT64.max]),
                   np.array([0, UINT64.max], dtype=np.uint64)):
        X = values[:, None]
        layout = _kernel_layout(X, np.ones((2, 1), bool), 2, False)
        low = values[:1].view(np.uint64)
        width = values[1:].view(np.uint64) - low
        span = width.astype(np.float64) + 1.0
        u = np.array([0.0, 1.0 - 2**-53, 0.5, 0.25])
        out = _run_both("randomize_int_kernel", (layout, low, width, span, u), 4, 1,
                        values.dtype)
        assert out[0, 0] == values[0] and out[1, 0] > values[1] - 2**12
        # a NaN span keeps the original values
        out = _run_both("randomize_int_kernel", (layout, low, width, span * np.nan, u),
                        4, 1, values.dtype)
        np.testing.assert_array_equal(out[:, 0], np.repeat(values, 2))


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.uint32])
def test_small_integers_stay_exact_at_their_extremes(dtype):
    info = np.iinfo(dtype)
    X = np.array([[info.min], [info.min + 1], [info.max - 1], [info.max]], dtype=dtype)
    for strategy in ("randomize", "alternative"):
        out = make_counterexamples(
            X, np.zeros(4), np.ones_like(X, bool), X_train=X, y_train=np.zeros(4),
            n_counterexamples=100, strategy=strategy, random_state=1,
        )[0]
        assert out.dtype == dtype
        assert out.min() >= info.min and out.max() <= info.max
        if strategy == "alternative":
            assert set(out.ravel().tolist()) <= set(X.ravel().tolist())


def test_integer_X_refuses_values_just_outside_its_dtype():
    # 2**63 as a float or a uint64 does not fit int64, though float(2**63 - 1)
    # rounds to it
    X = np.array([[0]], dtype=np.int64)
    for X_train in (np.array([[2.0**63]]), np.array([[2**63]], np.uint64)):
        for strategy in COUNTEREXAMPLE_STRATEGIES:
            with pytest.raises(ValueError, match=r"int64.*feature\(s\) \[0\]"):
                make_counterexamples(
                    X, [0], np.ones((1, 1), bool), X_train=X_train, y_train=[0],
                    strategy=strategy, random_state=0,
                )


def _masks():
    rng = np.random.RandomState(5)
    yield "sparse rows", rng.rand(40, 13) < 0.1
    yield "dense rows", rng.rand(9, 16) < 0.9
    yield "all true", np.ones((3, 7), dtype=bool)
    yield "all false", np.zeros((4, 24), dtype=bool)
    yield "no rows", np.zeros((0, 5), dtype=bool)
    yield "no features", np.zeros((4, 0), dtype=bool)
    yield "one column", rng.rand(30, 1) < 0.5
    yield "fortran order", np.asfortranarray(rng.rand(11, 9) < 0.3)
    # a view that starts 3 bytes into its buffer: its words are unaligned
    shifted = np.zeros(3 + 15 * 11, dtype=bool)[3:].reshape(15, 11)
    shifted[:] = rng.rand(15, 11) < 0.2
    yield "unaligned", shifted
    # True bytes other than 1 count once, as they do for np.flatnonzero
    odd = (rng.rand(6, 10) < 0.4).view(np.uint8) * np.uint8(0x81)
    yield "bytes other than 1", odd.view(bool)
    wide = rng.choice(np.array([0, 0, 0, 1, 2, 0x10, 0x80, 0xFF], dtype=np.uint8), (20, 45))
    yield "bytes other than 1, many words", wide.view(bool)
    # every number of set bits per word of flags (0 to 64), rows shorter and
    # longer than a word of flags (64 bytes)
    for n_features in (37, 301):
        density = rng.rand(12000 // n_features, 1) ** 2
        yield f"densities, {n_features} features", rng.rand(12000 // n_features, n_features) < density


@pytest.mark.parametrize("name, mask", list(_masks()), ids=[n for n, _ in _masks()])
def test_mask_cells_equals_its_twin_and_the_mask(name, mask):
    before = mask.copy()
    cells = {
        backend.__name__: _generator._corrected_cells(mask, backend)
        for backend in (_kernels, _reference)
    }
    np.testing.assert_array_equal(mask, before)
    expected = _direct_layout(mask.view(np.uint8) != 0, 1, False)[:2]
    for feat_ptr, feat_idx in cells.values():
        assert feat_ptr.dtype == np.intp and feat_idx.dtype == np.intp
        np.testing.assert_array_equal(feat_ptr, expected[0])
        np.testing.assert_array_equal(feat_idx, expected[1])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("per_feature", [False, True])
def test_alternative_byte_kernel_equals_the_binary_search(dtype, per_feature):
    info = np.iinfo(dtype)
    rng = np.random.RandomState(1)
    X = rng.randint(info.min, info.max + 1, size=(12, 6)).astype(dtype)
    X[0] = [info.min, info.max, 0, 1, 5, info.min]  # the ends of the dtype
    # feature values: a sparse set, none, a single one, all 256, the ends
    per = [
        np.sort(rng.choice(np.arange(info.min, info.max + 1), 9, replace=False)),
        np.array([], dtype=np.int64), np.array([5]),
        np.arange(info.min, info.max + 1), np.array([info.min, info.max]),
        np.array([0, 1, 2]),
    ]
    vals = np.concatenate(per).astype(dtype)
    val_ptr = np.concatenate([[0], np.cumsum([v.size for v in per])]).astype(np.intp)
    used = np.array([0, 1, 2, 3, 5], dtype=np.intp)  # feature 4 not corrected
    corrections = rng.rand(*X.shape) < 0.6
    corrections[:, 4] = False
    layout = _kernel_layout(X, corrections, 3, per_feature)
    u = rng.random_sample(3 * layout[1][-1])
    tables = []
    for module in (_kernels, _reference):
        first = np.zeros((6, 256), dtype=np.uint8)
        tables.append(module.byte_positions(vals, val_ptr, used, int(info.min), first))
    np.testing.assert_array_equal(tables[0], tables[1])
    np.testing.assert_array_equal(tables[0][4], 0)  # rows not used: untouched
    n_out = layout[3][-1]
    searched = _run_both("alternative_kernel", (layout, vals, val_ptr, u), n_out, 6, dtype)
    looked_up = _run_both(
        "alternative_byte_kernel", (layout, vals, val_ptr, tables[0], u), n_out, 6, dtype
    )
    np.testing.assert_array_equal(looked_up, searched)


@pytest.mark.parametrize("module", [_kernels, _reference], ids=["numba", "numpy"])
@pytest.mark.parametrize("before", [0, 1, 311, 312, 623])
def test_mt19937_uniforms_are_random_sample_bit_for_bit(module, before):
    for n in (0, 1, 2, 311, 312, 313, 624, 625, 2000):
        ours, numpys = np.random.RandomState(11), np.random.RandomState(11)
        ours.random_sample(before)
        numpys.random_sample(before)
        _, key, pos, _, _ = ours.get_state()
        key = key.copy()
        out = np.full(n, -1.0)
        pos = module.mt19937_uniforms(key, pos, out)
        np.testing.assert_array_equal(out, numpys.random_sample(n))
        _, expected_key, expected_pos, _, _ = numpys.get_state()
        assert pos == expected_pos
        np.testing.assert_array_equal(key, expected_key)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_uniforms_draw_like_random_sample_and_advance_the_generator(backend):
    kernels = _generator._BACKENDS[backend]
    n = _generator._Uniforms.min_kernel_draw + 5
    ours, numpys = np.random.RandomState(3), np.random.RandomState(3)
    ours.standard_normal(1)  # a cached gaussian is kept
    numpys.standard_normal(1)
    draw = _generator._Uniforms(ours, kernels)
    for size in (n, 7, n + 1):
        np.testing.assert_array_equal(draw.random_sample(size), numpys.random_sample(size))
    np.testing.assert_array_equal(ours.standard_normal(3), numpys.standard_normal(3))
    # another bit generator: NumPy draws
    other = np.random.RandomState(np.random.PCG64(0))
    expected = np.random.RandomState(np.random.PCG64(0)).random_sample(n)
    np.testing.assert_array_equal(
        _generator._Uniforms(other, kernels).random_sample(n), expected
    )


# ------------------------------------------- kernels that draw their uniforms


def _drawing_case(dtype, per_feature):
    """Kernel arguments (less ``u``) for each kernel with an ``_mt_`` twin, on
    rows with more cells than one draw block of the ``_mt_`` kernels: uneven
    rows, uncorrected ones and one row alone larger than a block."""
    rng = np.random.RandomState(8)
    n_rows, n_features, n_ce = 700, 40, 3
    X = rng.randint(-100, 100, size=(n_rows, n_features)).astype(dtype)
    corrections = rng.rand(n_rows, n_features) < rng.rand(n_rows, 1)
    corrections[::7] = False
    corrections[350] = True
    cells = 3 * corrections.sum()
    if not per_feature:  # a row alone past a block: the buffer grows
        X = np.vstack([X, np.zeros((1, 6000), dtype)[:, :n_features]])
        X = np.hstack([X, np.zeros((X.shape[0], 6000 - n_features), dtype)])
        corrections = np.hstack([corrections, np.zeros((n_rows, 6000 - n_features), bool)])
        corrections = np.vstack([corrections, np.ones((1, 6000), bool)])
        n_features = 6000
    assert cells > 2 * _kernels._DRAW_BLOCK
    layout = _kernel_layout(X, corrections, n_ce, per_feature)
    lo = np.full(n_features, -100.0)
    lo[5] = np.nan  # a feature kept as it is
    hi = np.full(n_features, 99.0)
    stats = _generator._feature_stats(X, np.arange(n_features), True)
    vals = stats["vals"].astype(X.dtype)
    first = np.empty((n_features, 256), dtype=np.uint8)
    _kernels.byte_positions(vals, stats["val_ptr"], np.arange(n_features), -128, first)
    wide = X.astype(np.int64)
    low, width, span = _generator._integer_range(
        _generator._feature_stats(wide, np.arange(n_features), False),
        wide.dtype, np.zeros(n_features, dtype=bool),
    )
    return {
        "randomize_kernel": (layout, lo, hi, hi - lo + 1, np.ones(n_features, bool)),
        "alternative_kernel": (layout, vals, stats["val_ptr"]),
        "alternative_byte_kernel": (layout, vals, stats["val_ptr"], first),
        "randomize_int_kernel": (
            (wide, *layout[1:]), low, width, span,
        ),
    }, X.shape[0], layout


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("before", [0, 311, 623])
def test_mt_kernels_equal_their_kernel_on_random_sample(per_feature, before):
    cases, _, layout = _drawing_case(np.int8, per_feature)
    n_out, n_features = layout[3][-1], layout[0].shape[1]
    for name, args in cases.items():
        dtype = args[0][0].dtype
        numpys = np.random.RandomState(5)
        numpys.random_sample(before)
        _, key, pos, _, _ = numpys.get_state()
        u = numpys.random_sample(layout[4] * layout[1][-1])
        expected = _run_both(name, (*args, u), n_out, n_features, dtype)
        _, expected_key, expected_pos, _, _ = numpys.get_state()
        mt_name = name.replace("_kernel", "_mt_kernel")
        for module in (_kernels, _reference):
            state = (key.copy(), pos)
            out = np.full((n_out, n_features), 99, dtype=dtype)
            new_pos = getattr(module, mt_name)(*args, state, out)
            np.testing.assert_array_equal(out, expected, err_msg=mt_name)
            assert new_pos == expected_pos
            np.testing.assert_array_equal(state[0], expected_key)


@pytest.mark.parametrize("strategy", ["randomize", "alternative"])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_deferred_draws_advance_the_generator_as_random_sample(strategy, backend):
    # enough cells for the _mt_ kernels; the generator then draws what a
    # generator that drew random_sample(n_cells) draws
    rng = np.random.RandomState(0)
    X = rng.randint(0, 50, size=(300, 30)).astype(np.uint8)
    corrections = rng.rand(300, 30) < 0.5
    n_cells = 4 * int(corrections.sum())
    assert n_cells >= _generator._Uniforms.min_kernel_draw
    y = np.zeros(300, dtype=int)
    ours, numpys = np.random.RandomState(9), np.random.RandomState(9)
    X_ce, _, _ = make_counterexamples(
        X, y, corrections, X_train=X, y_train=y, n_counterexamples=4,
        strategy=strategy, random_state=ours, backend=backend,
    )
    layout = _generator._layout(corrections, 4, False)
    name, args = _generator._prepare(
        X, X.dtype, y, corrections, X, y, 4, strategy, False,
        np.full(300, -1), numpys, layout, np.arange(30),
    )
    assert isinstance(args[-1], np.ndarray)  # drawn by NumPy itself
    expected = np.empty_like(X_ce)
    getattr(_reference, name)(*args, expected)
    np.testing.assert_array_equal(X_ce, expected)
    np.testing.assert_array_equal(ours.random_sample(5), numpys.random_sample(5))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_large_draws_with_categorical_cells_are_not_deferred(backend):
    # the categorical cells are written after the kernel from the uniforms
    rng = np.random.RandomState(1)
    X = rng.randint(0, 4, size=(400, 12)).astype(np.float64)
    corrections = rng.rand(400, 12) < 0.5
    y = np.zeros(400, dtype=int)
    kwargs = {
        "X_train": X, "y_train": y, "n_counterexamples": 3, "strategy": "randomize",
        "categorical_features": [0, 5], "random_state": 2,
    }
    assert 3 * corrections.sum() >= _generator._Uniforms.min_kernel_draw
    X_ce, _, source = make_counterexamples(X, y, corrections, backend=backend, **kwargs)
    expected, _, _ = make_counterexamples(X, y, corrections, backend="numpy", **kwargs)
    np.testing.assert_array_equal(X_ce, expected)
    assert np.isin(X_ce[:, [0, 5]], [0.0, 1.0, 2.0, 3.0]).all()
    changed = X_ce != X[source]
    assert not (changed & ~corrections[source]).any()
