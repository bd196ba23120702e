"""Counterexamples of sparse (CSR) rows: no densifying, same values as dense."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from skxil.counterexamples import (
    COUNTEREXAMPLE_STRATEGIES,
    _kernels,
    _reference,
    make_counterexamples,
)


def _counts(n_rows, n_features, density, seed):
    """A word-count-like sparse matrix (ints in 1..3) and its labels."""
    rng = np.random.RandomState(seed)
    dense = (rng.rand(n_rows, n_features) < density) * rng.randint(1, 4, (n_rows, n_features))
    y = rng.choice(["ham", "spam"], size=n_rows)
    return sp.csr_matrix(dense.astype(np.float64)), y


def _corrections(n_rows, n_features, seed):
    rng = np.random.RandomState(seed)
    mask = rng.rand(n_rows, n_features) < 0.15
    mask[0] = False
    return mask


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
@pytest.mark.parametrize("sparse_train", [False, True])
def test_sparse_equals_dense(strategy, per_feature, sparse_train):
    X_train, y_train = _counts(40, 30, 0.2, 0)
    rows = np.arange(0, 40, 4)
    X, y = X_train[rows], y_train[rows]
    corrections = _corrections(len(rows), 30, 1)
    kw = dict(
        y_train=y_train, n_counterexamples=3, strategy=strategy,
        per_feature=per_feature, row_index=rows, random_state=7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        D, yd, sd = make_counterexamples(
            X.toarray(), y, corrections, X_train=X_train.toarray(), **kw
        )
        S, ys, ss = make_counterexamples(
            X, y, sp.csr_matrix(corrections),
            X_train=X_train if sparse_train else X_train.toarray(), **kw
        )
    assert sp.isspmatrix_csr(S) or sp.issparse(S) and S.format == "csr"
    assert S.dtype == X.dtype
    assert S.has_sorted_indices
    np.testing.assert_array_equal(S.toarray(), D)
    np.testing.assert_array_equal(ys, yd)
    np.testing.assert_array_equal(ss, sd)
    # no explicit zeros are created for re-drawn cells
    assert np.all(S.data != 0)


@pytest.mark.parametrize("per_feature", [False, True])
def test_alternative_on_binary_column_removes_the_word(per_feature):
    X = sp.csr_matrix(np.array([[1, 0, 1, 1], [0, 1, 0, 0]], dtype=np.int64))
    y = np.array([0, 1])
    corrections = [[0, 2], None]
    from skxil.utils import check_corrections

    mask = check_corrections(corrections, 2, 4, accept_sparse=True)
    X_ce, y_ce, source = make_counterexamples(
        X, y, mask, X_train=X, y_train=y, n_counterexamples=2,
        strategy="alternative", per_feature=per_feature, random_state=0,
    )
    expected = (
        [[0, 0, 1, 1]] * 2 + [[1, 0, 0, 1]] * 2 if per_feature else [[0, 0, 0, 1]] * 2
    )
    np.testing.assert_array_equal(X_ce.toarray(), expected)
    assert X_ce.nnz == np.count_nonzero(expected)
    assert source.tolist() == [0] * len(expected)


def test_caller_matrix_untouched_and_non_canonical_input():
    X, y = _counts(12, 10, 0.4, 3)
    # unsorted indices with a duplicate entry
    coo = X.tocoo()
    data = np.concatenate([coo.data, [1.0]])
    r = np.concatenate([coo.row, [2]])
    c = np.concatenate([coo.col, [5]])
    order = np.random.RandomState(0).permutation(len(data))
    X_odd = sp.csr_matrix((data[order], (r[order], c[order])), shape=X.shape)
    X_odd.has_canonical_format = False
    before = (X_odd.data.copy(), X_odd.indices.copy(), X_odd.indptr.copy())
    mask = np.zeros(X.shape, dtype=bool)
    mask[2, [5, 1]] = True
    X_ce, _, _ = make_counterexamples(
        X_odd, y, mask, X_train=X_odd, y_train=y, n_counterexamples=4,
        strategy="randomize", random_state=0,
    )
    for a, b in zip(before, (X_odd.data, X_odd.indices, X_odd.indptr)):
        np.testing.assert_array_equal(a, b)
    dense = X_odd.toarray()
    out = X_ce.toarray()
    keep = np.ones(10, dtype=bool)
    keep[[1, 5]] = False
    np.testing.assert_array_equal(out[:, keep], np.tile(dense[2, keep], (4, 1)))


def test_sparse_callable_sees_dense_rows():
    X, y = _counts(6, 8, 0.5, 4)
    seen = []

    def zero_out(x, mask, n_copies, random_state):
        seen.append(x.shape)
        out = np.tile(x, (n_copies, 1))
        out[:, mask] = 0
        return out

    mask = np.zeros(X.shape, dtype=bool)
    mask[3, [0, 2]] = True
    X_ce, y_ce, source = make_counterexamples(
        X, y, mask, X_train=X, y_train=y, n_counterexamples=2, strategy=zero_out
    )
    assert seen == [(8,)]
    assert sp.issparse(X_ce) and X_ce.shape == (2, 8)
    assert source.tolist() == [3, 3]
    expected = X[3].toarray().ravel()
    expected[[0, 2]] = 0
    np.testing.assert_array_equal(X_ce.toarray(), [expected, expected])


def test_sparse_messages_name_the_real_feature():
    X = sp.csr_matrix(np.array([[0, 0, 0, 4.0], [0, 0, 0, 4.0]]))
    y = np.array([0, 1])
    mask = np.zeros((2, 4), dtype=bool)
    mask[0, 3] = True
    with pytest.warns(UserWarning, match=r"feature\(s\) \[3\]"):
        make_counterexamples(
            X, y, mask, X_train=X, y_train=y, strategy="alternative",
            n_counterexamples=1,
        )


def test_no_corrections_gives_empty_csr():
    X, y = _counts(5, 7, 0.5, 5)
    X_ce, y_ce, source = make_counterexamples(
        X, y, np.zeros((5, 7), dtype=bool), X_train=X, y_train=y
    )
    assert sp.issparse(X_ce) and X_ce.shape == (0, 7)
    assert y_ce.shape == (0,) and source.shape == (0,)


@pytest.mark.parametrize("seed", range(4))
def test_merge_kernels_equal_their_twins(seed):
    rng = np.random.RandomState(seed)
    X = sp.random(9, 25, density=0.3, format="csr", random_state=rng)
    X.data[rng.rand(X.nnz) < 0.1] = 0.0  # explicit zeros are kept as they are
    used = np.sort(rng.choice(25, size=6, replace=False)).astype(np.intp)
    col_pos = np.full(25, -1, dtype=np.intp)
    col_pos[used] = np.arange(6)
    source = rng.randint(0, 9, size=14).astype(np.intp)
    compact = rng.rand(14, 6) * (rng.rand(14, 6) < 0.5)
    indptr, indices = X.indptr.astype(np.intp), X.indices.astype(np.intp)
    results = []
    for mod in (_kernels, _reference):
        counts = mod.csr_merge_count(indptr, indices, col_pos, source, compact)
        out_indptr = np.zeros(15, dtype=np.intp)
        np.cumsum(counts, out=out_indptr[1:])
        out_indices = np.empty(out_indptr[-1], dtype=np.intp)
        out_data = np.empty(out_indptr[-1])
        mod.csr_merge_fill(
            indptr, indices, X.data, col_pos, used, source, compact,
            out_indptr, out_indices, out_data,
        )
        results.append((counts, out_indices, out_data))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    merged = sp.csr_matrix((results[0][2], results[0][1], out_indptr), shape=(14, 25))
    expected = X.toarray()[source]
    expected[:, used] = compact
    np.testing.assert_array_equal(merged.toarray(), expected)


def test_sparse_callable_errors_name_the_caller_row():
    X = np.eye(6)
    y = np.zeros(6, dtype=int)
    mask = np.zeros((6, 6), dtype=bool)
    mask[4, 1] = True

    def leak(x, mask, n, random_state):
        out = np.tile(x, (n, 1))
        out[:, 0] += 1
        return out

    with pytest.raises(ValueError, match="changed feature 0 of row 4"):
        make_counterexamples(sp.csr_matrix(X), y, mask, X_train=X, y_train=y, strategy=leak)
    with pytest.raises(ValueError, match=r"for row 4; expected \(3, 6\)"):
        make_counterexamples(sp.csr_matrix(X), y, mask, X_train=X, y_train=y,
                             strategy=lambda x, m, n, r: np.tile(x, (1, 1)))


@pytest.mark.parametrize("fmt", ["coo", "csc", "csr", "lil"])
def test_sparse_corrections_of_any_format(fmt):
    X, y = _counts(8, 6, 0.5, 6)
    mask = _corrections(8, 6, 2)
    ref = make_counterexamples(X, y, mask, X_train=X, y_train=y, random_state=0)
    got = make_counterexamples(X, y, sp.csr_matrix(mask).asformat(fmt), X_train=X,
                               y_train=y, random_state=0)
    np.testing.assert_array_equal(got[0].toarray(), ref[0].toarray())


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("strategy", COUNTEREXAMPLE_STRATEGIES)
def test_row_blocks_draw_as_the_dense_path(monkeypatch, strategy, per_feature):
    # tiny blocks: every block densifies only its own corrected columns, and the
    # blocks' draws continue one another as the dense path's single draw
    from skxil.counterexamples import _generator

    monkeypatch.setattr(_generator, "_BLOCK_CELLS", 3)
    X_train, y_train = _counts(40, 30, 0.3, 8)
    corrections = _corrections(40, 30, 9)
    corrections[7] = False
    assert len(_generator._row_blocks(corrections.sum(axis=1), 3)) > 10
    kw = dict(y_train=y_train, n_counterexamples=2, strategy=strategy,
              per_feature=per_feature, row_index=np.arange(40), random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        D = make_counterexamples(X_train.toarray(), y_train, corrections,
                                 X_train=X_train.toarray(), **kw)
        S = make_counterexamples(X_train, y_train, corrections, X_train=X_train, **kw)
    np.testing.assert_array_equal(S[0].toarray(), D[0])
    np.testing.assert_array_equal(S[2], D[2])


def test_row_blocks():
    from skxil.counterexamples._generator import _row_blocks

    assert _row_blocks(np.array([1, 2, 0, 5, 1, 1]), 3) == [(0, 3), (3, 4), (4, 6)]
    assert _row_blocks(np.array([], dtype=int), 3) == []


def test_sparse_substitute_error_names_the_caller_row(monkeypatch):
    from skxil.counterexamples import _generator

    monkeypatch.setattr(_generator, "_BLOCK_CELLS", 1)
    X = sp.csr_matrix(np.eye(5))
    y = np.array([0, 0, 0, 0, 1])
    mask = np.zeros((5, 5), dtype=bool)
    mask[[1, 4], 0] = True
    with pytest.raises(ValueError, match=r"no donor for row 4 of X \(class 1\)"):
        make_counterexamples(X, y, mask, X_train=X, y_train=y, strategy="substitute",
                             row_index=np.arange(5))


def test_sparse_empty_input_is_validated():
    X = sp.csr_matrix((0, 4))
    out = make_counterexamples(X, np.zeros(0), np.zeros((0, 4), bool), X_train=X,
                               y_train=np.zeros(0))
    assert sp.issparse(out[0]) and out[0].shape == (0, 4)
    with pytest.raises(ValueError, match="'strategy' parameter of make_counterexamples"):
        make_counterexamples(X, np.zeros(0), np.zeros((0, 4), bool), X_train=X,
                             y_train=np.zeros(0), strategy="nope")
