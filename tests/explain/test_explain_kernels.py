"""Kernels of the fast LIME explainer against their NumPy twins, scipy and lime."""

import numpy as np
import pytest
from scipy.special import ndtri as scipy_ndtri
from sklearn.linear_model import Ridge
from sklearn.metrics import pairwise_distances

from skxil.explain import _kernels, _reference
from skxil.explain._sampling import TabularTables, unpack_design

SELECTIONS = {"highest_weights": 0, "none": 1, "forward_selection": 2}


def _draws(shape, dtype=np.uint16, seed=0):
    info = np.iinfo(dtype)
    return (
        np.random.RandomState(seed).randint(0, info.max + 1, size=shape).astype(dtype)
    )


def _ndtri_array(p):
    return np.array([_kernels.ndtri(v) for v in p])


def test_ndtri_matches_scipy_and_twin():
    p = np.concatenate(
        [
            np.logspace(-300, -1, 400),
            np.linspace(0, 1, 2001)[1:-1],
            1 - np.logspace(-15, -1, 200),
        ]
    )
    expected = scipy_ndtri(p)
    np.testing.assert_allclose(_ndtri_array(p), expected, rtol=2e-15, atol=0)
    np.testing.assert_allclose(_reference.ndtri(p), expected, rtol=2e-15, atol=0)
    edges = np.array([0.0, 1.0, -0.5, 1.5])
    np.testing.assert_array_equal(
        _ndtri_array(edges), [-np.inf, np.inf, -np.inf, np.inf]
    )
    np.testing.assert_array_equal(
        _reference.ndtri(edges), [-np.inf, np.inf, -np.inf, np.inf]
    )


def _background(seed=0):
    """Columns with every kind of bin: smooth, skewed, zero-heavy, constant,
    a few integer levels (point-mass bins) and a categorical one."""
    rng = np.random.RandomState(seed)
    n = 300
    return np.column_stack(
        [
            rng.normal(size=n),
            rng.exponential(size=n) ** 3,
            np.where(rng.rand(n) < 0.6, 0.0, rng.rand(n)),
            np.full(n, 2.5),
            rng.randint(0, 3, n).astype(float),
            rng.choice([1.0, 7.0, 9.0], n, p=[0.7, 0.2, 0.1]),
        ]
    )


def _tabular_inputs(discretize=True, n_units=3, n_samples=200, seed=0):
    X = _background(seed)
    tables = TabularTables(X, categorical=[5], discretize=discretize)
    rows = X[:n_units].copy()
    rows[-1, 5] = 4.0  # a category never seen: its bin is -1
    d = X.shape[1]
    bits = _draws((n_units, d * (n_samples - 1)), seed=seed + 1)
    return tables, rows, tables.bins_of(rows), bits, n_samples


def _run_binned(kernel, source, tables, rows, xbin, n_samples):
    """``kernel`` (the binned kernel or its sampling variant) on fresh outputs."""
    n = rows.shape[0] * n_samples
    inv = np.empty((n, rows.shape[1]), order="F")
    masks = np.full((n, 1), 12345, dtype=np.uint64)  # overwritten, not or-ed into
    kernel(source, rows, xbin, tables.cell_tables, tables.bins, n_samples, inv, masks)
    return inv, masks


@pytest.mark.parametrize("tabulated", [True, False])
def test_tabular_binned_kernel_equals_twin(tabulated):
    tables, rows, xbin, bits, n_samples = _tabular_inputs()
    if not tabulated:  # slow cells evaluated with ndtri when drawn
        tables.tabulate(max_bytes=0)
        assert (tables.cells[:, :, 0][tables.cells[:, :, 3] < 0] == -1).all()
    else:
        assert (tables.cells[:, :, 0][tables.cells[:, :, 3] < 0] >= 0).all()
    inv, masks = _run_binned(
        _kernels.tabular_binned_kernel, bits, tables, rows, xbin, n_samples
    )
    des = unpack_design(masks, rows.shape[1])
    inv_ref, des_ref = _reference.tabular_binned_kernel(
        bits, rows, xbin, tables.cells, tables.bins, n_samples
    )
    np.testing.assert_array_equal(des, des_ref)
    np.testing.assert_allclose(inv, inv_ref, rtol=1e-14, atol=0)
    assert xbin[-1, 5] == -1 and not des[2 * n_samples :, 5][1:].any()
    # first row of each unit is the instance, with an all-ones design
    np.testing.assert_array_equal(inv[::n_samples], rows)
    assert (des[::n_samples] == 1).all()
    # the constant column and the point-mass bins never leave their values
    np.testing.assert_array_equal(inv[:, 3], 2.5)
    assert set(np.unique(inv[:, 4])) <= {0.0, 1.0, 2.0}
    assert set(np.unique(inv[:, 5])) <= {1.0, 7.0, 9.0, 4.0}


def test_design_draw_thresholds_give_every_draw_its_bin():
    """The binned kernel sets a design bit when w_lo <= draw < w_hi; over all
    2**16 draws this is the bin that the exact path and the fast cells give."""
    tables = _tabular_inputs()[0]
    cum = tables.bins.cum
    draws = np.arange(2**16, dtype=np.int64)
    frac_bits, _, _ = _kernels.cell_split(tables.cells.shape[1])
    for j in range(tables.cells.shape[0]):
        out = np.empty((len(draws), 2))
        _kernels.exact_draws(draws, j, tables.bins, out)
        exact_bin = out[:, 1].astype(int)
        cell_bin = tables.cell_tables.cell_bins[j][draws >> frac_bits]
        fast = cell_bin >= 0
        np.testing.assert_array_equal(cell_bin[fast], exact_bin[fast])
        edges = [0] + [_kernels._first_draw(c) for c in cum[j, :-1]] + [2**16]
        for b in range(cum.shape[1]):
            inside = (draws >= edges[b]) & (draws < edges[b + 1])
            np.testing.assert_array_equal(inside, exact_bin == b)


def test_tabular_continuous_kernel_equals_twin():
    tables, rows, xbin, bits, n_samples = _tabular_inputs(discretize=False)
    n = rows.shape[0] * n_samples
    inv = np.empty((n, rows.shape[1]), order="F")
    des = np.empty((n, rows.shape[1]))
    inputs = (bits, rows, xbin, tables.continuous_tables, tables.bins, n_samples)
    _kernels.tabular_continuous_kernel(*inputs, inv, des)
    inv_ref, des_ref = _reference.tabular_continuous_kernel(*inputs)
    np.testing.assert_allclose(inv, inv_ref, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(des, des_ref, rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(des[:, 5], des_ref[:, 5])  # 0/1 exactly


def test_fast_cells_follow_the_exact_inverse_cdf():
    """Every draw gives the same bin as the exact path, and a value within the
    cell tolerance of the truncated normal's exact inverse CDF."""
    X = _background()
    tables = TabularTables(X)
    d = X.shape[1]
    draws = np.arange(65536, dtype=np.int64)
    frac_bits, frac_mask, frac_scale = _kernels.cell_split(tables.cells.shape[1])
    b_exact, v_exact = _reference._exact(
        np.repeat(draws[:, None], d, axis=1), tables.bins
    )
    for j in range(d):
        e = draws >> frac_bits
        fast = tables.cells[j, e, 3] >= 0
        assert fast.mean() > 0.9
        np.testing.assert_array_equal(tables.cells[j, e, 3][fast], b_exact[fast, j])
        f = ((draws & frac_mask) + 0.5) * frac_scale
        c = tables.cells[j, e]
        approx = c[:, 0] + f * (c[:, 1] + f * c[:, 2])
        tolerance = 2e-4 * tables.bins.std[j, b_exact[:, j]] + 1e-12
        assert (np.abs(approx - v_exact[:, j])[fast] <= tolerance[fast]).all()
    # bins are drawn with their training frequencies (to 1/65536)
    for j in range(d):
        freq = np.bincount(b_exact[:, j], minlength=tables.p.shape[1]) / 65536
        np.testing.assert_allclose(freq, tables.p[j], atol=2 / 65536)


@pytest.mark.parametrize("n_words", [1, 2, 7])
def test_text_mask_kernel_equals_twin(n_words):
    n_units, n_samples = 2, 300
    bits = _draws((n_units, (n_samples - 1) * n_words), np.uint32)
    des = np.empty((n_units * n_samples, n_words), dtype=np.uint8)
    _kernels.text_mask_kernel(bits, n_words, n_samples, des)
    np.testing.assert_array_equal(
        des, _reference.text_mask_kernel(bits, n_words, n_samples)
    )
    rest = np.delete(des, np.arange(0, len(des), n_samples), axis=0)
    removed = n_words - rest.sum(axis=1)
    assert (des[::n_samples] == 1).all()
    assert removed.min() >= 1 and removed.max() <= n_words
    if n_words == 7:  # lime draws the number of removed words uniformly in 1..d
        counts = np.bincount(removed, minlength=8)[1:]
        assert counts.min() > 0.5 * len(removed) / 7


def test_bernoulli_and_image_kernels_equal_twins():
    n_units, n_samples, n_comp = 2, 50, 4
    bits = _draws((n_units, (n_samples - 1) * n_comp), np.uint32)
    des = np.empty((n_units * n_samples, n_comp), dtype=np.uint8)
    _kernels.bernoulli_mask_kernel(bits, n_samples, des)
    np.testing.assert_array_equal(
        des, _reference.bernoulli_mask_kernel(bits, n_samples, n_comp)
    )
    assert 0.4 < des[1:n_samples].mean() < 0.6
    rng = np.random.RandomState(0)
    X = rng.rand(n_units, 12)
    hidden = rng.rand(n_units, 12)
    component = np.repeat(np.arange(n_comp), 3)
    out = np.empty((n_units * n_samples, 12))
    _kernels.image_kernel(des, X, hidden, component, n_samples, out)
    np.testing.assert_array_equal(
        out, _reference.image_kernel(des, X, hidden, component, n_samples)
    )
    np.testing.assert_array_equal(out[::n_samples], X)


def _surrogate_inputs(binary, n_units=3, n_samples=400, d=8, seed=0):
    rng = np.random.RandomState(seed)
    if binary:
        des = (rng.rand(n_units * n_samples, d) < 0.3).astype(np.uint8)
        des[::n_samples] = 1
        des[n_samples : 2 * n_samples, 2] = 1  # a constant column
    else:
        des = rng.normal(size=(n_units * n_samples, d))
    proba = rng.dirichlet(np.ones(3), size=n_units * n_samples)
    proba[:, 0] += 0.3 * des[:, 1] - 0.2 * des[:, 4]
    proba = np.clip(proba, 0, None)
    proba /= proba.sum(axis=1, keepdims=True)
    labels = np.array([0, 1, 2])[:n_units].astype(np.int64)
    return des, proba, labels, n_samples


def _settings(n_samples, *, metric=0, width=2.1, selection="highest_weights", k=3):
    """Fit settings of a test: lime's distance scale of the metric (1 or 100)."""
    return _kernels.fit_settings(
        n_samples=n_samples,
        metric=metric,
        distance_scale=100.0 if metric else 1.0,
        kernel_width=width,
        selection=SELECTIONS[selection],
        n_keep=k,
    )


def _run_surrogate(des, binary, proba, labels, fit):
    out = _kernels.empty_surrogates(len(labels), fit.n_keep)
    _kernels.surrogate_kernel(des, binary, proba, labels, fit, out)
    return out


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("metric", [0, 1])
@pytest.mark.parametrize("selection", list(SELECTIONS))
def test_surrogate_kernel_equals_twin(binary, metric, selection):
    des, proba, labels, n_samples = _surrogate_inputs(binary)
    width = 25.0 if metric else 2.1
    fit = _settings(n_samples, metric=metric, width=width, selection=selection)
    got = _run_surrogate(des, binary, proba, labels, fit)
    ref = _reference.surrogate_kernel(des, binary, proba, labels, fit)
    np.testing.assert_array_equal(got[0], ref[0])
    for a, b in zip(got[1:], ref[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_surrogate_kernel_with_a_constant_target():
    des, proba, labels, n_samples = _surrogate_inputs(True, n_units=1)
    proba[:] = [0.5, 0.25, 0.25]
    features, weights, intercept, score = _run_surrogate(
        des, True, proba, labels, _settings(n_samples, width=2.0)
    )
    np.testing.assert_allclose(weights, 0.0, atol=1e-12)
    np.testing.assert_allclose(intercept, 0.5)
    assert score[0] == 1.0


def test_ridge_twin_is_scikit_learns_ridge():
    des, proba, _, n_samples = _surrogate_inputs(False, n_units=1)
    w = np.random.RandomState(1).rand(n_samples)
    coef, intercept, r2 = _reference._ridge(des, proba[:, 0], w, 0.5)
    ridge = Ridge(alpha=0.5).fit(des, proba[:, 0], sample_weight=w)
    np.testing.assert_allclose(coef, ridge.coef_, rtol=1e-10)
    np.testing.assert_allclose(intercept, ridge.intercept_, rtol=1e-10)
    np.testing.assert_allclose(r2, ridge.score(des, proba[:, 0], sample_weight=w))


@pytest.mark.parametrize("selection", list(SELECTIONS))
@pytest.mark.parametrize("binary", [True, False])
def test_surrogate_kernel_equals_lime(selection, binary):
    """Same data, distances and kernel: lime's LimeBase fits the same surrogate."""
    lime_base = pytest.importorskip("lime.lime_base")
    des, proba, labels, n_samples = _surrogate_inputs(binary, n_units=1)
    width = 2.1
    base = lime_base.LimeBase(
        lambda d: np.sqrt(np.exp(-(d**2) / width**2)), random_state=0
    )
    Z = des.astype(float)
    distances = pairwise_distances(Z, Z[:1]).ravel()
    k = 3
    intercept, exp, score, _ = base.explain_instance_with_data(
        Z, proba, distances, 0, k, feature_selection=selection
    )
    exp = exp[:k]
    fit = _settings(n_samples, width=width, selection=selection, k=k)
    got = _run_surrogate(des, binary, proba, labels, fit)
    np.testing.assert_array_equal(got[0][0], [f for f, _ in exp])
    np.testing.assert_allclose(got[1][0], [w for _, w in exp], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(got[2][0], intercept, rtol=1e-7)
    np.testing.assert_allclose(got[3][0], score, rtol=1e-7)


@pytest.mark.parametrize("d", [1, 9, 64, 65, 130])
def test_pack_design_round_trip(d):
    des = (np.random.RandomState(d).rand(70, d) < 0.4).astype(np.uint8)
    masks = np.empty((70, (d + 63) // 64), dtype=np.uint64)
    _kernels.pack_design(des, masks)
    np.testing.assert_array_equal(unpack_design(masks, d), des)
    np.testing.assert_array_equal(
        masks[:, 0] & np.uint64(1), des[:, 0].astype(np.uint64)
    )


def test_transpose64():
    a = np.random.RandomState(0).randint(0, 2, size=(64, 64)).astype(np.uint8)
    rows = np.empty((64, 1), dtype=np.uint64)
    _kernels.pack_design(a, rows)
    block = rows[:, 0].copy()
    _kernels._transpose64(block)
    np.testing.assert_array_equal(unpack_design(block[:, None], 64), a.T)


@pytest.mark.parametrize("n, d", [(1, 3), (64, 5), (65, 9), (777, 30), (300, 70)])
def test_binary_gram_paths_equal_numpy(n, d):
    """Both ways of summing w z z^T over 0/1 rows (weights by number of ones)."""
    rng = np.random.RandomState(n + d)
    des = (rng.rand(n, d) < 0.3).astype(np.uint8)
    masks = np.empty((n, (d + 63) // 64), dtype=np.uint64)
    _kernels.pack_design(des, masks)
    ones = des.sum(axis=1).astype(np.int64)
    level_w = rng.rand(d + 1)
    w = level_w[ones]
    expected = np.triu((des * w[:, None]).T @ des.astype(float))
    sparse = np.zeros((d, d))
    _kernels._binary_gram_sparse(masks, w, sparse, np.empty(d, dtype=np.int64))
    bitset = np.zeros((d, d))
    _kernels._binary_gram_bitset(masks, ones, d, level_w[: ones.max() + 1], bitset)
    np.testing.assert_allclose(sparse, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bitset, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("d, n_samples", [(8, 400), (30, 3000), (70, 300)])
@pytest.mark.parametrize("metric", [0, 1])
@pytest.mark.parametrize("selection", list(SELECTIONS))
def test_binary_surrogate_kernel_equals_twin(d, n_samples, metric, selection):
    """The packed kernel on designs where either Gram path is the cheaper one."""
    rng = np.random.RandomState(d)
    n_units = 2
    des = (rng.rand(n_units * n_samples, d) < 0.3).astype(np.uint8)
    des[::n_samples] = 1
    proba = rng.dirichlet(np.ones(2), size=len(des))
    proba[:, 0] = np.clip(proba[:, 0] + 0.3 * des[:, 1] - 0.2 * des[:, 4], 0, 1)
    proba[:, 1] = 1 - proba[:, 0]
    labels = np.array([0, 1], dtype=np.int64)
    width = 25.0 if metric else 0.75 * np.sqrt(d)
    fit = _settings(n_samples, metric=metric, width=width, selection=selection)
    masks = np.empty((len(des), (d + 63) // 64), dtype=np.uint64)
    _kernels.pack_design(des, masks)
    got = _kernels.empty_surrogates(n_units, fit.n_keep)
    _kernels.binary_surrogate_kernel(masks, d, proba, labels, fit, got)
    ref = _reference.surrogate_kernel(des, True, proba, labels, fit)
    np.testing.assert_array_equal(got[0], ref[0])
    for a, b in zip(got[1:], ref[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-11)


def test_sfc64_is_numpys_generator():
    state = np.array([3, 1, 4, 1], dtype=np.uint64)
    numpy_gen = np.random.SFC64(0)
    numpy_gen.state = {
        "bit_generator": "SFC64",
        "state": {"state": state.copy()},
        "has_uint32": 0,
        "uinteger": 0,
    }
    ours = np.array([_kernels.sfc64_next(state) for _ in range(500)], dtype=np.uint64)
    np.testing.assert_array_equal(ours, numpy_gen.random_raw(500))


def test_random_uint64_is_per_unit():
    raw = np.empty((3, 50), dtype=np.uint64)
    _kernels.random_uint64(np.array([5, 6, 5]), raw)
    np.testing.assert_array_equal(raw[0], raw[2])
    assert not np.array_equal(raw[0], raw[1])
    alone = np.empty((1, 20), dtype=np.uint64)
    _kernels.random_uint64(np.array([6]), alone)
    np.testing.assert_array_equal(alone[0], raw[1, :20])
    # roughly uniform bits
    assert abs(np.unpackbits(raw.view(np.uint8)).mean() - 0.5) < 0.02
    # two interleaved SFC64 streams, stream s seeded with seed + s * 2**32
    state = np.empty(4, dtype=np.uint64)
    for s in range(2):
        _kernels.sfc64_seed(5 + s * 2**32, state)
        stream = np.array([_kernels.sfc64_next(state) for _ in range(25)])
        np.testing.assert_array_equal(raw[0, s::2], stream)
    odd = np.empty((1, 7), dtype=np.uint64)
    _kernels.random_uint64(np.array([5]), odd)
    np.testing.assert_array_equal(odd[0], raw[0, :7])


def test_tabular_binned_sample_draws_its_own_bits():
    tables, rows, xbin, _, n_samples = _tabular_inputs()
    n_units, d = rows.shape
    seeds = np.array([11, 12, 13])
    raw = np.empty((n_units, -(-d * (n_samples - 1) // 4)), dtype=np.uint64)
    _kernels.random_uint64(seeds, raw)
    bits = np.ascontiguousarray(raw.view(np.uint16)[:, : d * (n_samples - 1)])
    out = [
        _run_binned(kernel, source, tables, rows, xbin, n_samples)
        for kernel, source in (
            (_kernels.tabular_binned_kernel, bits),
            (_kernels.tabular_binned_sample, seeds),
        )
    ]
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_tabular_binned_kernel_with_many_categories():
    """More than 127 bins: the cell bins are int32 instead of int8."""
    rng = np.random.RandomState(3)
    X = np.column_stack([rng.normal(size=600), rng.randint(0, 200, size=600)])
    tables = TabularTables(X, categorical=[1])
    assert tables.cell_tables.cell_bins.dtype == np.int32
    n_samples = 300
    rows = X[:2].copy()
    xbin = tables.bins_of(rows)
    bits = _draws((2, 2 * (n_samples - 1)), seed=4)
    inv, masks = _run_binned(
        _kernels.tabular_binned_kernel, bits, tables, rows, xbin, n_samples
    )
    inv_ref, des_ref = _reference.tabular_binned_kernel(
        bits, rows, xbin, tables.cells, tables.bins, n_samples
    )
    np.testing.assert_array_equal(unpack_design(masks, 2), des_ref)
    np.testing.assert_allclose(inv, inv_ref, rtol=1e-14, atol=0)
    assert TabularTables(X[:, :1]).cell_tables.cell_bins.dtype == np.int8


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("variation", [0.0, 1e-15, 1e-12])
def test_surrogate_score_of_a_nearly_constant_target_is_ridges(binary, variation):
    """A locally (nearly) constant model: R^2 in [0, 1], as Ridge.score gives
    on the weighted samples (1 for a constant target, fitted exactly); the
    normal equations alone gave up to 45."""
    des, _, labels, n_samples = _surrogate_inputs(binary, n_units=1)
    noise = 0.3 * np.sin(np.arange(len(des)))
    y = 0.7 + variation * (des[:, 1] - 0.5 * des[:, 4] + noise)
    proba = np.column_stack([y, 1 - y])
    width = 2.1
    fit = _settings(n_samples, width=width, selection="none", k=des.shape[1])
    features, weights, intercept, score = _run_surrogate(
        des, binary, proba, labels[:1], fit
    )
    Z = des.astype(float)
    w = np.sqrt(np.exp(-pairwise_distances(Z, Z[:1]).ravel() ** 2 / width**2))
    # R^2 does not change with a shift of y; y - y[0] is exact, and Ridge
    # centres it without rounding away the variation of 10 ulps of y
    shifted = y - y[0]
    ridge = Ridge(alpha=1.0).fit(Z, shifted, sample_weight=w)
    expected = ridge.score(Z, shifted, sample_weight=w)
    assert 0.0 <= score[0] <= 1.0
    np.testing.assert_allclose(score[0], expected, atol=1e-6)
    np.testing.assert_allclose(intercept[0], ridge.intercept_ + y[0], rtol=1e-12)
    if variation == 0.0:
        assert score[0] == 1.0 and (weights == 0.0).all()
    ref = _reference.surrogate_kernel(des, binary, proba, labels[:1], fit)
    np.testing.assert_allclose(ref[3], score, atol=1e-6)
