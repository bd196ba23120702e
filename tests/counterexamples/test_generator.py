"""make_counterexamples: semantics, randomness, validation and errors."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from skxil.counterexamples import COUNTEREXAMPLE_STRATEGIES, make_counterexamples


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    n_train, n_features = 60, 6
    X_train = rng.randint(10, 200, size=(n_train, n_features)).astype(np.float64)
    X_train[:, 1] = rng.normal(size=n_train)  # continuous feature
    X_train[:, 4] = rng.choice([0.0, 5.0, 9.0], size=n_train)  # three values
    y_train = rng.choice(["cat", "dog"], size=n_train)
    rows = np.arange(0, n_train, 6)
    corrections = rng.rand(rows.size, n_features) < 0.5
    corrections[0] = False
    corrections[1] = [True, True, False, False, True, False]
    return X_train[rows], y_train[rows], corrections, X_train, y_train, rows


def _make(data, **kwargs):
    X, y, corrections, X_train, y_train, rows = data
    params = dict(X_train=X_train, y_train=y_train, row_index=rows, random_state=0)
    params.update(kwargs)
    return make_counterexamples(X, y, corrections, **params)


def _redrawn(corrections, n_ce, per_feature):
    """Bool (n_ce_rows, n_features): the cells each copy re-draws."""
    blocks = []
    for mask in corrections:
        feats = np.flatnonzero(mask)
        if not feats.size:
            continue
        if per_feature:
            for j in feats:
                one = np.zeros_like(mask)
                one[j] = True
                blocks.extend([one] * n_ce)
        else:
            blocks.extend([mask] * n_ce)
    return np.array(blocks, dtype=bool).reshape(-1, corrections.shape[1])


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_counts_order_labels_and_source(data, strategy, per_feature):
    X, y, corrections, *_ = data
    X_ce, y_ce, source = _make(
        data, n_counterexamples=4, strategy=strategy, per_feature=per_feature
    )
    k = corrections.sum(axis=1)
    reps = 4 * k if per_feature else 4 * (k > 0)
    np.testing.assert_array_equal(source, np.repeat(np.arange(len(X)), reps))
    np.testing.assert_array_equal(y_ce, y[source])
    assert X_ce.shape == (reps.sum(), X.shape[1])
    redrawn = _redrawn(corrections, 4, per_feature)
    np.testing.assert_array_equal(X_ce[~redrawn], X[source][~redrawn])


def test_randomize_stays_in_range_and_keeps_integers(data):
    X, y, corrections, X_train, *_ = data
    X_ce, _, source = _make(data, n_counterexamples=50)
    redrawn = _redrawn(corrections, 50, False)
    lo, hi = X_train.min(axis=0), X_train.max(axis=0)
    assert np.all((X_ce >= lo) & (X_ce <= hi))
    for j in (0, 2, 4):  # integral features stay integral
        assert np.all(X_ce[:, j] == np.floor(X_ce[:, j]))
    assert np.any(X_ce[redrawn[:, 1], 1] != np.floor(X_ce[redrawn[:, 1], 1]))
    # integer draws reach both ends of a small range
    vals = X_ce[redrawn[:, 4], 4]
    assert vals.min() == 0 and vals.max() == 9 and len(np.unique(vals)) > 3


def test_randomize_integer_dtype_keeps_dtype_and_range():
    rng = np.random.RandomState(1)
    X_train = rng.randint(0, 256, size=(30, 4)).astype(np.uint8)
    corrections = np.ones((30, 4), dtype=bool)
    X_ce, _, _ = make_counterexamples(
        X_train, np.zeros(30), corrections, X_train=X_train, y_train=np.zeros(30),
        n_counterexamples=20, random_state=0,
    )
    assert X_ce.dtype == np.uint8
    assert np.all(X_ce >= X_train.min(axis=0)) and np.all(X_ce <= X_train.max(axis=0))


def test_alternative_never_returns_original_and_only_observed(data):
    X, y, corrections, X_train, *_ = data
    X_ce, _, source = _make(data, n_counterexamples=30, strategy="alternative")
    redrawn = _redrawn(corrections, 30, False)
    for j in range(X.shape[1]):
        cells = redrawn[:, j]
        assert np.all(X_ce[cells, j] != X[source[cells], j])
        assert np.all(np.isin(X_ce[cells, j], X_train[:, j]))
    # a three-valued feature reaches both other values
    row1 = source == 1
    assert set(X_ce[row1, 4].tolist()) == {0.0, 5.0, 9.0} - {X[1, 4]}


def test_alternative_sparse_includes_implicit_zeros():
    dense = np.array([[0, 3], [4, 0], [4, 3], [0, 5]], dtype=np.float64)
    X_train = sp.csr_matrix(dense)
    corrections = np.array([[False, True], [True, False]])
    X_ce, _, source = make_counterexamples(
        dense[[2, 1]], np.array([0, 0]), corrections, X_train=X_train,
        y_train=np.zeros(4), n_counterexamples=40, strategy="alternative",
        random_state=0,
    )
    assert set(X_ce[source == 0, 1].tolist()) == {0.0, 5.0}
    assert set(X_ce[source == 1, 0].tolist()) == {0.0}


def test_alternative_single_value_warns_and_keeps(data):
    X, y, corrections, X_train, y_train, rows = data
    X_train = X_train.copy()
    X_train[:, 3] = 7.0
    X = X_train[rows]
    corrections = corrections.copy()
    corrections[:, 3] = True
    with pytest.warns(UserWarning, match=r"alternative.*feature\(s\) \[3\]") as rec:
        X_ce, _, _ = make_counterexamples(
            X, y, corrections, X_train=X_train, y_train=y_train,
            strategy="alternative", random_state=0,
        )
    assert len(rec) == 1
    assert np.all(X_ce[:, 3] == 7.0)


def test_substitute_takes_values_from_same_class_other_row(data):
    X, y, corrections, X_train, y_train, rows = data
    X_ce, y_ce, source = _make(data, n_counterexamples=20, strategy="substitute")
    redrawn = _redrawn(corrections, 20, False)
    for r in range(X_ce.shape[0]):
        feats = redrawn[r]
        donors = np.flatnonzero(
            np.all(X_train[:, feats] == X_ce[r, feats], axis=1) & (y_train == y_ce[r])
        )
        assert donors.size, r
        # the row itself is never the donor (its values are unique here)
        assert not np.array_equal(donors, [rows[source[r]]])


def test_substitute_excludes_row_itself():
    X_train = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    y_train = np.array([0, 0, 1])
    corrections = np.array([[True, True]])
    X_ce, _, _ = make_counterexamples(
        X_train[:1], y_train[:1], corrections, X_train=X_train, y_train=y_train,
        n_counterexamples=10, strategy="substitute", row_index=[0], random_state=0,
    )
    np.testing.assert_array_equal(X_ce, np.tile([2.0, 20.0], (10, 1)))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_X_train_matches_dense(data, fmt):
    X, y, corrections, X_train, y_train, rows = data
    X_sparse = sp.random(60, 6, density=0.4, format=fmt, random_state=0) * 10
    X_dense = X_sparse.toarray()
    for strategy in COUNTEREXAMPLE_STRATEGIES:
        kw = dict(y_train=y_train, strategy=strategy, row_index=rows, random_state=3)
        a = make_counterexamples(X_dense[rows], y, corrections, X_train=X_sparse, **kw)
        b = make_counterexamples(X_dense[rows], y, corrections, X_train=X_dense, **kw)
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p, q)


def test_sparse_with_duplicates_is_not_modified():
    # column 0 stores row 0 twice (1 + 2 = 3), column 1 stores 5 in row 1
    X_train = sp.csc_matrix(
        (np.array([1.0, 2.0, 5.0]), np.array([0, 0, 1]), np.array([0, 2, 3])),
        shape=(3, 2),
    )
    assert not X_train.has_canonical_format
    data_before = X_train.data.copy()
    X = X_train.toarray()
    X_ce, _, _ = make_counterexamples(
        X, np.zeros(3), np.ones((3, 2), bool), X_train=X_train,
        y_train=np.zeros(3), strategy="alternative", random_state=0,
    )
    np.testing.assert_array_equal(X_train.data, data_before)
    assert set(X_ce[:, 0].tolist()) <= {0.0, 3.0}  # duplicates summed


@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_inputs_not_modified(data, strategy):
    copies = [np.copy(a) for a in data]
    _make(data, strategy=strategy, n_counterexamples=5)
    for before, after in zip(copies, data):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_random_state(data, strategy):
    a = _make(data, strategy=strategy, random_state=7)[0]
    b = _make(data, strategy=strategy, random_state=7)[0]
    c = _make(data, strategy=strategy, random_state=8)[0]
    d = _make(data, strategy=strategy, random_state=np.random.RandomState(7))[0]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, d)
    assert not np.array_equal(a, c)


def test_empty_outputs_keep_dtypes(data):
    X, y, corrections, X_train, y_train, rows = data
    X8 = X.astype(np.uint8)
    for n_ce, corr in [(0, corrections), (3, np.zeros_like(corrections))]:
        X_ce, y_ce, source = make_counterexamples(
            X8, y, corr, X_train=X_train, y_train=y_train, n_counterexamples=n_ce
        )
        assert X_ce.shape == (0, X.shape[1]) and X_ce.dtype == np.uint8
        assert y_ce.shape == (0,) and y_ce.dtype == y.dtype
        assert source.shape == (0,) and source.dtype == np.intp


# ---------------------------------------------------------------- callable


def _shift_masked(x, mask, n_copies, random_state):
    out = np.tile(x, (n_copies, 1)).astype(np.float64)
    out[:, mask] += random_state.randint(1, 4, size=(n_copies, mask.sum()))
    return out


@pytest.mark.parametrize("per_feature", [False, True])
def test_callable_strategy(data, per_feature):
    X, y, corrections, *_ = data
    calls = []

    def func(x, mask, n_copies, random_state):
        assert x.ndim == 1 and mask.dtype == bool
        assert isinstance(random_state, np.random.RandomState)
        calls.append(mask.sum())
        return _shift_masked(x, mask, n_copies, random_state)

    X_ce, y_ce, source = _make(
        data, strategy=func, per_feature=per_feature, n_counterexamples=2
    )
    k = corrections.sum(axis=1)
    assert len(calls) == (k.sum() if per_feature else np.count_nonzero(k))
    if per_feature:
        assert set(calls) == {1}
    redrawn = _redrawn(corrections, 2, per_feature)
    assert np.all(X_ce[redrawn] > X[source][redrawn])
    np.testing.assert_array_equal(X_ce[~redrawn], X[source][~redrawn])
    assert X_ce.dtype == X.dtype


def test_callable_output_is_cast_to_X_dtype():
    X = np.array([[1, 2]], dtype=np.uint8)
    X_ce, _, _ = make_counterexamples(
        X, [0], np.array([[True, False]]), X_train=X, y_train=[0],
        strategy=lambda x, m, n, rs: np.array([[7.0, 2.0]] * n), n_counterexamples=2,
    )
    assert X_ce.dtype == np.uint8
    np.testing.assert_array_equal(X_ce, [[7, 2], [7, 2]])


def test_callable_nan_outside_mask_is_unchanged():
    X = np.array([[np.nan, 1.0]])
    X_ce, _, _ = make_counterexamples(
        X, [0], np.array([[False, True]]), X_train=X, y_train=[0],
        strategy=lambda x, m, n, rs: np.array([[np.nan, 3.0]] * n), n_counterexamples=1,
    )
    np.testing.assert_array_equal(X_ce, [[np.nan, 3.0]])


def test_callable_wrong_shape(data):
    with pytest.raises(ValueError, match=r"returned shape \(3,\) for row 1"):
        _make(data, strategy=lambda x, m, n, rs: x[:3], n_counterexamples=2)


def test_callable_changes_unmasked_feature(data):
    X, y, corrections, *_ = data

    def func(x, mask, n_copies, random_state):
        out = np.tile(x, (n_copies, 1))
        out[:, 2] += 1  # feature 2 is not corrected in row 1
        return out

    with pytest.raises(ValueError, match="changed feature 2 of row 1"):
        _make(data, strategy=func, n_counterexamples=2)


# ------------------------------------------------------------------ errors


def test_errors(data):
    X, y, corrections, X_train, y_train, rows = data
    kw = dict(X_train=X_train, y_train=y_train)
    in_range = r"'n_counterexamples' parameter .* range \[0, inf\)"
    with pytest.raises(ValueError, match=in_range):
        make_counterexamples(X, y, corrections, n_counterexamples=-1, **kw)
    with pytest.raises(TypeError, match="'n_counterexamples' parameter .* an int"):
        make_counterexamples(X, y, corrections, n_counterexamples=2.0, **kw)
    with pytest.raises(TypeError, match="n_counterexamples must be an int"):
        make_counterexamples(X, y, corrections, n_counterexamples=True, **kw)
    with pytest.raises(ValueError, match="'strategy' parameter .*'alternative'"):
        make_counterexamples(X, y, corrections, strategy="shuffle", **kw)
    with pytest.raises(ValueError, match="'backend' parameter .*'numba'.*Got 'cuda'"):
        make_counterexamples(X, y, corrections, backend="cuda", **kw)
    with pytest.raises(TypeError, match="numeric dtype, got dtype <U"):
        make_counterexamples(X.astype(str), y, corrections, **kw)
    with pytest.raises(TypeError, match="numeric dtype, got dtype complex"):
        make_counterexamples(sp.csr_matrix(X.astype(complex)), y, corrections, **kw)
    with pytest.raises(ValueError, match="X must be 2-D"):
        make_counterexamples(X[0], y, corrections, **kw)
    with pytest.raises(ValueError, match=r"y must have shape \(10,\)"):
        make_counterexamples(X, y[:-1], corrections, **kw)
    with pytest.raises(ValueError, match="corrections must have the shape of X"):
        make_counterexamples(X, y, corrections[:, :-1], **kw)
    with pytest.raises(ValueError, match="corrections must be a boolean array"):
        make_counterexamples(X, y, corrections.astype(int), **kw)
    with pytest.raises(ValueError, match="X_train has 5 features but X has 6"):
        make_counterexamples(X, y, corrections, X_train=X_train[:, :5], y_train=y_train)
    with pytest.raises(ValueError, match=r"y_train must have shape \(60,\)"):
        make_counterexamples(X, y, corrections, X_train=X_train, y_train=y_train[:3])
    with pytest.raises(ValueError, match=r"row_index must have shape \(10,\)"):
        make_counterexamples(X, y, corrections, row_index=rows[:2], **kw)
    with pytest.raises(ValueError, match=r"row_index\[0\] = 60"):
        make_counterexamples(X, y, corrections, row_index=rows + 60, **kw)
    with pytest.raises(TypeError, match="'per_feature' parameter .* 'bool'"):
        make_counterexamples(X, y, corrections, per_feature="yes", **kw)


def test_substitute_without_donor():
    X_train = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y_train = np.array(["a", "b", "b"])
    corrections = np.array([[True, False], [False, True]])
    with pytest.raises(ValueError, match=r"no donor for row 1 of X \(class 'a'\)"):
        make_counterexamples(
            X_train[[1, 0]], y_train[[1, 0]], corrections, X_train=X_train,
            y_train=y_train, strategy="substitute", row_index=[1, 0],
        )
    with pytest.raises(ValueError, match=r"no donor for row 0 of X \(class 'z'\)"):
        make_counterexamples(
            X_train[:1], np.array(["z"]), corrections[:1], X_train=X_train,
            y_train=y_train, strategy="substitute",
        )


def test_integer_X_rejects_unrepresentable_X_train():
    X_train = np.array([[0.5, 1.0], [300.0, 2.0]])
    X = np.array([[1, 1]], dtype=np.uint8)
    for strategy in COUNTEREXAMPLE_STRATEGIES:
        with pytest.raises(ValueError, match=r"uint8.*feature\(s\) \[0\]"):
            make_counterexamples(
                X, [0], np.array([[True, False]]), X_train=X_train, y_train=[0, 0],
                strategy=strategy, random_state=0,
            )


def test_randomize_rejects_infinite_range():
    X_train = np.array([[0.0, 1.0], [np.inf, 2.0]])
    with pytest.raises(ValueError, match=r"infinite values in feature\(s\) \[0\]"):
        make_counterexamples(
            X_train, [0, 0], np.array([[True, False]] * 2), X_train=X_train,
            y_train=[0, 0],
        )


def test_randomize_all_nan_feature_warns_and_keeps():
    X_train = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    with pytest.warns(UserWarning, match=r"randomize.*feature\(s\) \[0\]"):
        X_ce, _, _ = make_counterexamples(
            X_train, [0, 0], np.ones((2, 2), bool), X_train=X_train, y_train=[0, 0],
        )
    assert np.isnan(X_ce[:, 0]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_counterexamples(  # no warning when the feature is not corrected
            X_train, [0, 0], np.array([[False, True]] * 2), X_train=X_train,
            y_train=[0, 0],
        )


def test_callable_receives_the_training_context_when_it_asks_for_it():
    X_train = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    y_train = np.array(["a", "b", "a"])
    seen = []

    def keyword_strategy(x, mask, n, random_state, *, label, row_index, X_train):
        seen.append((label, row_index, X_train.shape))
        return np.repeat(x[None], n, axis=0)

    def plain_strategy(x, mask, n, random_state):
        return np.repeat(x[None], n, axis=0)

    def kwargs_strategy(x, mask, n, random_state, **context):
        seen.append(tuple(sorted(context)))
        return np.repeat(x[None], n, axis=0)

    mask = np.array([[True, False], [False, True]])
    rows = X_train[[2, 1]]
    for strategy in (keyword_strategy, plain_strategy, kwargs_strategy):
        make_counterexamples(rows, y_train[[2, 1]], mask, X_train=X_train,
                             y_train=y_train, n_counterexamples=1,
                             strategy=strategy, row_index=[2, 1], random_state=0)
    assert seen[:2] == [("a", 2, (3, 2)), ("b", 1, (3, 2))]
    assert seen[2] == ("X_train", "label", "row_index", "y_train")


# ------------------------------------------------------------ output size


def test_output_too_large_is_refused_before_allocating(data, monkeypatch):
    from skxil.counterexamples import _generator

    X, y, corrections, X_train, y_train, rows = data
    n_out = 10**9 * np.count_nonzero(corrections.sum(axis=1))
    n_bytes = n_out * 6 * 8 + 8 * (n_out + 10**9 * int(corrections.sum()))
    monkeypatch.setattr(_generator, "_physical_memory", lambda: 2**30)
    for X_given in (X, sp.csr_matrix(X)):
        with pytest.raises(ValueError, match=f"return {n_out} counterexample rows"):
            make_counterexamples(X_given, y, corrections, X_train=X_train,
                                 y_train=y_train, n_counterexamples=10**9)
    message = f"{n_bytes} bytes .* exceeds this machine's physical memory"
    with pytest.raises(ValueError, match=message):
        _make(data, n_counterexamples=10**9)
    monkeypatch.setattr(_generator, "_physical_memory", lambda: None)
    with pytest.raises(ValueError, match="does not fit in an intp index"):
        _make(data, n_counterexamples=2**62, per_feature=True)
    with pytest.raises(ValueError, match="does not fit in an intp index"):
        _make(data, n_counterexamples=2**62, strategy=_shift_masked)


def test_sparse_output_size_counts_its_entries(monkeypatch):
    from skxil.counterexamples import _generator

    X = sp.csr_matrix(np.array([[1.0, 0, 2, 0], [0, 0, 0, 3]]))
    mask = np.array([[True, True, False, False], [False, False, False, False]])
    # row 0 copied 10**6 times: its 2 entries plus 2 re-drawn ones, 16 bytes each
    entries = 10**6 * 4
    n_bytes = entries * 16 + 8 * 10**6 + 8 * (10**6 + 2 * 10**6)
    monkeypatch.setattr(_generator, "_physical_memory", lambda: n_bytes - 1)
    message = f"1000000 counterexample rows, needing about {n_bytes}"
    with pytest.raises(ValueError, match=message):
        make_counterexamples(X, [0, 0], mask, X_train=X, y_train=[0, 0],
                             n_counterexamples=10**6)
    monkeypatch.setattr(_generator, "_physical_memory", lambda: n_bytes)
    X_ce, _, _ = make_counterexamples(X, [0, 0], mask, X_train=X, y_train=[0, 0],
                                      n_counterexamples=10**6, random_state=0)
    assert X_ce.shape == (10**6, 4)


# ------------------------------------------------------------- empty input


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"])
@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_empty_X_with_sparse_X_train_of_any_format(fmt, strategy):
    X_train = sp.random(5, 4, density=0.5, format=fmt, random_state=0)
    for X in (np.zeros((0, 4)), sp.csr_matrix((0, 4)), sp.coo_matrix((0, 4))):
        X_ce, y_ce, source = make_counterexamples(
            X, np.zeros(0), np.zeros((0, 4), bool), X_train=X_train,
            y_train=np.zeros(5), strategy=strategy,
        )
        assert X_ce.shape == (0, 4) and sp.issparse(X_ce) == sp.issparse(X)
        assert y_ce.shape == (0,) and source.shape == (0,)


# ---------------------------------------------------------------- warnings


def test_unchanged_warning_points_at_the_caller(data):
    X, y, corrections, X_train, y_train, rows = data
    X_train = X_train.copy()
    X_train[:, 3] = 7.0
    corrections = corrections.copy()
    corrections[:, 3] = True
    with pytest.warns(UserWarning, match=r"feature\(s\) \[3\]") as record:
        make_counterexamples(X_train[rows], y, corrections, X_train=X_train,
                             y_train=y_train, strategy="alternative", random_state=0)
    assert len(record) == 1
    assert record[0].filename == __file__


def test_unchanged_warning_once_on_sparse_rows_of_several_blocks():
    from skxil.counterexamples import _generator

    n_rows = 3 * _generator._BLOCK_CELLS
    dense = np.zeros((n_rows, 3))
    dense[:, 0] = 4.0  # one observed value in features 0 (4) and 1 (0)
    dense[:, 2] = np.arange(n_rows) % 5
    X = sp.csr_matrix(dense)
    mask = np.zeros((n_rows, 3), dtype=bool)
    mask[: n_rows // 2, 0] = True
    mask[n_rows // 2 :, 1] = True
    mask[:, 2] = True
    cells = mask.sum(axis=1)
    assert len(_generator._row_blocks(cells, _generator._BLOCK_CELLS)) >= 3
    with pytest.warns(UserWarning, match=r"feature\(s\) \[0, 1\]") as record:
        make_counterexamples(X, np.zeros(n_rows), mask, X_train=X,
                             y_train=np.zeros(n_rows), strategy="alternative",
                             n_counterexamples=1, random_state=0)
    assert len(record) == 1
    assert record[0].filename == __file__


# ---------------------------------------------------- categorical features


@pytest.fixture
def categorical_data():
    rng = np.random.RandomState(0)
    n_train = 3000
    X_train = np.column_stack([
        rng.choice([0.0, 1.0, 2.0, 3.0], p=[0.6, 0.25, 0.15, 0.0], size=n_train),
        rng.rand(n_train) * 10,
        rng.choice([0.0, 4.0], size=n_train),  # codes need not be dense
    ])
    X_train[::7, 0] = np.nan  # missing
    return X_train, np.zeros(n_train)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_categorical_randomize_draws_by_training_frequency(categorical_data, backend):
    X_train, y_train = categorical_data
    X = X_train[:50]
    mask = np.ones_like(X, dtype=bool)
    X_ce, _, source = make_counterexamples(
        X, y_train[:50], mask, X_train=X_train, y_train=y_train,
        n_counterexamples=400, categorical_features=[0, 2], random_state=0,
        backend=backend,
    )
    observed = X_train[~np.isnan(X_train[:, 0]), 0]
    values, counts = np.unique(X_ce[:, 0], return_counts=True)
    assert values.tolist() == [0.0, 1.0, 2.0]  # observed only: no NaN, no 3
    expected = np.unique(observed, return_counts=True)[1] / observed.size
    np.testing.assert_allclose(counts / counts.sum(), expected, atol=0.02)
    assert set(X_ce[:, 2].tolist()) == {0.0, 4.0}  # not 1, 2, 3
    assert len(np.unique(X_ce[:, 1])) > 1000  # the numeric column as before


def test_categorical_mask_or_indices_agree_across_backends(categorical_data):
    X_train, y_train = categorical_data
    X = X_train[:20]
    rng = np.random.RandomState(1)
    mask = rng.rand(*X.shape) < 0.6
    results = []
    for cat in ([0], [True, False, False], np.array([0])):
        for backend in ("numba", "numpy"):
            for per_feature in (False, True):
                results.append(make_counterexamples(
                    X, y_train[:20], mask, X_train=X_train, y_train=y_train,
                    n_counterexamples=3, per_feature=per_feature,
                    categorical_features=cat, random_state=2, backend=backend,
                )[0])
    for a in results[2::2]:
        np.testing.assert_array_equal(a, results[0])
    for a in results[3::2]:
        np.testing.assert_array_equal(a, results[1])
    plain = make_counterexamples(X, y_train[:20], mask, X_train=X_train,
                                 y_train=y_train, n_counterexamples=3,
                                 random_state=2)[0]
    # the numeric columns take the same uniforms with and without categorical
    np.testing.assert_array_equal(plain[:, 1:], results[0][:, 1:])


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_categorical_sparse_X_train_and_sparse_X(categorical_data, fmt):
    X_train, y_train = categorical_data
    X_train = np.nan_to_num(X_train[:300])
    y_train = y_train[:300]
    X = X_train[:30]
    mask = np.ones_like(X, dtype=bool)
    kw = dict(y_train=y_train, categorical_features=[0, 2], random_state=4,
              n_counterexamples=5)
    dense = make_counterexamples(X, y_train[:30], mask, X_train=X_train, **kw)[0]
    S = sp.csr_matrix(X_train).asformat(fmt)
    got = make_counterexamples(X, y_train[:30], mask, X_train=S, **kw)[0]
    np.testing.assert_array_equal(got, dense)
    got = make_counterexamples(sp.csr_matrix(X), y_train[:30], mask, X_train=S, **kw)[0]
    np.testing.assert_array_equal(got.toarray(), dense)


def test_categorical_alternative_and_substitute_as_before(categorical_data):
    X_train, y_train = categorical_data
    X = X_train[:40]
    mask = np.ones_like(X, dtype=bool)
    for strategy in ("alternative", "substitute"):
        kw = dict(X_train=X_train, y_train=y_train, strategy=strategy,
                  row_index=np.arange(40), random_state=0)
        a = make_counterexamples(X, y_train[:40], mask, categorical_features=[0], **kw)
        b = make_counterexamples(X, y_train[:40], mask, **kw)
        np.testing.assert_array_equal(a[0], b[0])
    # alternative never returns the row's own code
    X_ce, _, source = make_counterexamples(
        X, y_train[:40], mask, X_train=X_train, y_train=y_train,
        strategy="alternative", categorical_features=[0], random_state=0,
    )
    own = X[source, 0]
    known = ~np.isnan(own)
    assert np.all(X_ce[known, 0] != own[known])


def test_categorical_without_observed_value_warns_and_keeps():
    X_train = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    with pytest.warns(UserWarning, match=r"randomize.*feature\(s\) \[0\]"):
        X_ce, _, _ = make_counterexamples(
            X_train, [0, 0], np.ones((2, 2), bool), X_train=X_train, y_train=[0, 0],
            categorical_features=[0],
        )
    assert np.isnan(X_ce[:, 0]).all()


def test_categorical_features_errors(data):
    X, y, corrections, X_train, y_train, rows = data
    kw = dict(X_train=X_train, y_train=y_train)
    with pytest.raises(ValueError, match=r"features\[1\] = 6 is not a column of X"):
        make_counterexamples(X, y, corrections, categorical_features=[0, 6], **kw)
    with pytest.raises(ValueError, match=r"categorical_features\[0\] = -1"):
        make_counterexamples(X, y, corrections, categorical_features=[-1], **kw)
    with pytest.raises(ValueError, match="boolean mask must have length n_features=6"):
        make_counterexamples(X, y, corrections, categorical_features=[True], **kw)
    with pytest.raises(TypeError, match="column indices .* got dtype float64"):
        make_counterexamples(X, y, corrections, categorical_features=[0.5], **kw)
    with pytest.raises(ValueError, match="must be 1-D"):
        make_counterexamples(X, y, corrections, categorical_features=[[0]], **kw)
    with pytest.raises(TypeError, match="'categorical_features' parameter"):
        make_counterexamples(X, y, corrections, categorical_features=3, **kw)
    out = make_counterexamples(X, y, corrections, categorical_features=[],
                               random_state=0, **kw)
    ref = make_counterexamples(X, y, corrections, random_state=0, **kw)
    np.testing.assert_array_equal(out[0], ref[0])


# ------------------------------------------- statistics kept by a TrainingSet


@pytest.mark.parametrize("strategy", ["randomize", "alternative", "substitute"])
@pytest.mark.parametrize("kind", ["uint8", "float", "sparse"])
def test_statistics_kept_by_a_training_set_give_the_same_counterexamples(
    strategy, kind
):
    from skxil import TrainingSet

    rng = np.random.RandomState(0)
    X = rng.randint(0, 6, size=(80, 7)).astype(np.uint8)
    if kind == "float":
        X = X * 0.5
        X[3, 2] = np.nan
    y = rng.randint(0, 2, 80)
    if kind == "sparse":
        X = sp.csr_matrix(X.astype(float))
    corrections = np.zeros((80, 7), dtype=bool)
    corrections[:, [1, 2]] = rng.rand(80, 2) < 0.5
    ts = TrainingSet(X[:40], y[:40]).add(X[40:79], y[40:79]).add(X[79:], y[79:])
    kwargs = dict(
        y_train=y, n_counterexamples=3, strategy=strategy,
        row_index=np.arange(80), random_state=0,
    )
    if kind != "sparse":
        kwargs["categorical_features"] = [2]
    plain = make_counterexamples(X, y, corrections, X_train=X, **kwargs)
    for _ in range(2):  # computing the statistics, then reading them
        kept = make_counterexamples(
            ts.X_real, y, corrections, X_train=ts.X_real, **kwargs
        )
        for a, b in zip(plain, kept):
            a = a.toarray() if sp.issparse(a) else a
            b = b.toarray() if sp.issparse(b) else b
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["uint8", "float"])
def test_randomize_reads_the_extremes_a_training_set_keeps(kind):
    from skxil import TrainingSet

    rng = np.random.RandomState(2)
    X = rng.randint(0, 9, size=(70, 6)).astype(np.uint8)
    if kind == "float":
        X = X * 0.5
        X[rng.rand(70) < 0.3, 4] = np.nan
    y = rng.randint(0, 2, 70)
    corrections = rng.rand(70, 6) < 0.4
    kwargs = {"n_counterexamples": 3, "random_state": 4, "row_index": np.arange(70)}
    ts = TrainingSet(X[:50], y[:50]).add(X[50:60], y[50:60])
    for a, b in ((60, 65), (65, 70)):
        make_counterexamples(X, y, corrections, X_train=ts.X_real, y_train=ts.y_real,
                             **{**kwargs, "row_index": None})
        ts = ts.add(X[a:b], y[a:b])
        assert ts._rows._base_extremes is not None
        kept = make_counterexamples(
            X[:b], y[:b], corrections[:b], X_train=ts.X_real, y_train=ts.y_real,
            **{**kwargs, "row_index": np.arange(b)},
        )
        assert ts._rows._columns is None  # the values were never sorted
        plain = make_counterexamples(
            X[:b], y[:b], corrections[:b], X_train=X[:b].copy(), y_train=y[:b],
            **{**kwargs, "row_index": np.arange(b)},
        )
        for p, k in zip(plain, kept):
            np.testing.assert_array_equal(p, k)


# ---------------------------------------------------------------------------
# pinned output: the same random_state gives the same bytes as before the
# speed-ups of the layout and kernels (digests computed with skxil at 5df9c9b)


def _pinned_case(dtype, kind, n_features, seed=3):
    """Small rows of ``dtype`` with every shape of correction: none, one, all."""
    rng = np.random.RandomState(seed)
    n_train = 40
    X_train = rng.randint(0, 9, size=(n_train, n_features))
    if kind == "f":
        X_train = X_train + (rng.random_sample(X_train.shape) < 0.3) * 0.5
        X_train[rng.random_sample(X_train.shape) < 0.1] = np.nan
    X_train = X_train.astype(dtype)
    y_train = rng.randint(0, 3, size=n_train)
    rows = np.arange(0, n_train, 3)
    corrections = rng.random_sample((rows.size, n_features)) < 0.3
    corrections[0] = False
    corrections[1] = True
    corrections[2] = False
    corrections[2, n_features - 1] = True
    return X_train[rows], y_train[rows], corrections, X_train, y_train, rows


def _digest(X_ce, y_ce, source):
    import hashlib

    h = hashlib.sha256()
    if sp.issparse(X_ce):
        parts = (X_ce.data, X_ce.indices.astype(np.int64), X_ce.indptr.astype(np.int64))
    else:
        parts = (X_ce,)
    for a in (*parts, y_ce.astype(np.int64), source.astype(np.int64)):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


_PINNED_SETTINGS = [
    (dtype, n_features, strategy, per_feature, sparse)
    for dtype, n_features in (
        ("uint8", 13), ("uint8", 16), ("uint8", 784), ("int64", 9), ("float64", 13),
        ("float32", 7),
    )
    for strategy in COUNTEREXAMPLE_STRATEGIES
    for per_feature in (False, True)
    for sparse in (False, True)
    if not (sparse and dtype == "float32")
]


def _pinned_output(dtype, n_features, strategy, per_feature, sparse, backend):
    X, y, corrections, X_train, y_train, rows = _pinned_case(
        np.dtype(dtype), np.dtype(dtype).kind, n_features
    )
    if sparse:
        X, corrections, X_train = (
            sp.csr_matrix(np.nan_to_num(X)), sp.csr_matrix(corrections),
            sp.csr_matrix(np.nan_to_num(X_train)),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_counterexamples(
            X, y, corrections, X_train=X_train, y_train=y_train,
            n_counterexamples=3, strategy=strategy, per_feature=per_feature,
            row_index=rows, random_state=7, backend=backend,
        )



_PINNED_DIGESTS = {
    ('uint8', 13, 'randomize', False, False): '9c40ee46d54e379d',
    ('uint8', 13, 'randomize', False, True): '4696efb18e09ac0c',
    ('uint8', 13, 'randomize', True, False): '94178a6ff71e8e5b',
    ('uint8', 13, 'randomize', True, True): '9e3a209c5e3550f3',
    ('uint8', 13, 'alternative', False, False): 'e1245babc81838e9',
    ('uint8', 13, 'alternative', False, True): '76de173db840033d',
    ('uint8', 13, 'alternative', True, False): 'bd60c34d17fc2639',
    ('uint8', 13, 'alternative', True, True): 'f484a5f42bb3df17',
    ('uint8', 13, 'substitute', False, False): 'a7edd457876f81cd',
    ('uint8', 13, 'substitute', False, True): 'd0390ee5f9732918',
    ('uint8', 13, 'substitute', True, False): '0061bf1e6502c2d3',
    ('uint8', 13, 'substitute', True, True): 'f84835f81eb88ba8',
    ('uint8', 16, 'randomize', False, False): '0be673ab31801635',
    ('uint8', 16, 'randomize', False, True): 'ce8263364d72e567',
    ('uint8', 16, 'randomize', True, False): '28240a4343488679',
    ('uint8', 16, 'randomize', True, True): '53f17a76adcbe613',
    ('uint8', 16, 'alternative', False, False): '9a0bcd0ed89b551a',
    ('uint8', 16, 'alternative', False, True): '3a53b53f2dd120ef',
    ('uint8', 16, 'alternative', True, False): '3acc8141533242aa',
    ('uint8', 16, 'alternative', True, True): '096e5248e0716632',
    ('uint8', 16, 'substitute', False, False): '1a787af591671bea',
    ('uint8', 16, 'substitute', False, True): 'da6330fae8593d9e',
    ('uint8', 16, 'substitute', True, False): '9251747ceb8633a1',
    ('uint8', 16, 'substitute', True, True): '64789adf21b18613',
    ('uint8', 784, 'randomize', False, False): 'f568c572eca5c1e4',
    ('uint8', 784, 'randomize', False, True): '9675b82534861e29',
    ('uint8', 784, 'randomize', True, False): 'e8eddbc315b00a2d',
    ('uint8', 784, 'randomize', True, True): '4189c1a689a3be86',
    ('uint8', 784, 'alternative', False, False): 'fc5299b3c3d469c7',
    ('uint8', 784, 'alternative', False, True): 'fdac3fda1c984bad',
    ('uint8', 784, 'alternative', True, False): '4eb8e6e976ae6677',
    ('uint8', 784, 'alternative', True, True): 'ade50c2bbf902533',
    ('uint8', 784, 'substitute', False, False): '3cc0476562488e0a',
    ('uint8', 784, 'substitute', False, True): 'c977d2b4d8fd19f8',
    ('uint8', 784, 'substitute', True, False): 'b8a1ac9c33705acb',
    ('uint8', 784, 'substitute', True, True): 'df90103296fb138b',
    ('int64', 9, 'randomize', False, False): 'cbb669d1e6a0b83c',
    ('int64', 9, 'randomize', False, True): '8376ba07c47529fc',
    ('int64', 9, 'randomize', True, False): 'fc38b9bc91808df3',
    ('int64', 9, 'randomize', True, True): 'a283a41694476a64',
    ('int64', 9, 'alternative', False, False): '2a7a24cf420500f5',
    ('int64', 9, 'alternative', False, True): 'ec18f21a62734b39',
    ('int64', 9, 'alternative', True, False): '596ae2d67ae477e2',
    ('int64', 9, 'alternative', True, True): 'b16edbf1841724da',
    ('int64', 9, 'substitute', False, False): '848aa5a6e02d4140',
    ('int64', 9, 'substitute', False, True): '57e1b2ee7e1b137d',
    ('int64', 9, 'substitute', True, False): '24bf1df02b81cb85',
    ('int64', 9, 'substitute', True, True): '1092d4473d8f0744',
    ('float64', 13, 'randomize', False, False): 'c7fca96693140f89',
    ('float64', 13, 'randomize', False, True): '17888b2fa624cd82',
    ('float64', 13, 'randomize', True, False): '7fb648593b837e75',
    ('float64', 13, 'randomize', True, True): 'f43fbe39f245766d',
    ('float64', 13, 'alternative', False, False): 'b8851cfda496db11',
    ('float64', 13, 'alternative', False, True): '8833cafcbcb131e6',
    ('float64', 13, 'alternative', True, False): '13c6e590cd774c99',
    ('float64', 13, 'alternative', True, True): '667524d8fd0e2fde',
    ('float64', 13, 'substitute', False, False): 'c7074f95538a8dee',
    ('float64', 13, 'substitute', False, True): 'd13df6532e3af793',
    ('float64', 13, 'substitute', True, False): '155492d80783a7a2',
    ('float64', 13, 'substitute', True, True): '2e1f25d43bb01eff',
    ('float32', 7, 'randomize', False, False): '83287116a2131bc9',
    ('float32', 7, 'randomize', True, False): '3798d3f76001b2bd',
    ('float32', 7, 'alternative', False, False): '7927f2aa4b8c151f',
    ('float32', 7, 'alternative', True, False): 'da0b55fa1743add5',
    ('float32', 7, 'substitute', False, False): 'cfee1e34852594fa',
    ('float32', 7, 'substitute', True, False): 'f92f0642f0877571',
}


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("setting", _PINNED_SETTINGS, ids=str)
def test_output_is_pinned_bit_for_bit(setting, backend):
    assert _digest(*_pinned_output(*setting, backend)) == _PINNED_DIGESTS[setting]


@pytest.mark.parametrize(
    "classes, labels",
    [
        (np.array([1, 4, 9]), np.array([9, 1, 2, 10, 0, 4])),
        (np.array([0.5, 2.0, np.nan]), np.array([2.0, np.nan, 0.5, -1.0, 3.0])),
        (np.array(["cat", "dog"]), np.array(["dog", "ca", "cats", "cat", "zebra"])),
        (np.array([1, 2]), np.array([1.0, 2.5, 2.0])),  # other dtypes: Python ==
        (np.array([True, False]), np.array([1, 0, 2])),
        (np.array([], dtype=np.int64), np.array([3, 1])),
    ],
)
def test_class_codes_follow_python_equality(classes, labels):
    from skxil.counterexamples._generator import _class_codes

    classes = np.unique(classes)
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    expected = [lookup.get(v, -1) for v in labels.tolist()]
    codes = _class_codes(classes, labels)
    assert codes.dtype == np.intp
    assert codes.tolist() == expected
