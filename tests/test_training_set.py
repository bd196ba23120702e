"""TrainingSet: provenance of the real rows and the statistics kept for them."""

import itertools
import pickle

import numpy as np
import pytest
from scipy import sparse

from skxil import TrainingSet
from skxil._training_set import known_rows
from skxil.utils._columns import ColumnValues, column_extremes


def _grown(X, y, steps):
    ts = TrainingSet(X[: steps[0]], y[: steps[0]])
    for a, b in itertools.pairwise(steps):
        ts = ts.add(X[a:b], y[a:b])
    return ts


def test_lineage_names_the_sets_the_rows_extend():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    first = TrainingSet(X[:4], y[:4])
    second = first.add(X[4:6], y[4:6])
    third = second.add_counterexamples(X[:1], y[:1], [0]).add(X[6:], y[6:])
    assert third._rows.rows_at(first._rows.key) == 4
    assert third._rows.rows_at(second._rows.key) == 6
    # counterexamples do not change the real rows; relabelling does
    assert second.add_counterexamples(X[:1], y[:1], [0])._rows is second._rows
    assert second.drop_counterexamples([0])._rows is second._rows
    relabelled = second.relabel([0], [1])
    assert relabelled._rows.rows_at(first._rows.key) is None
    assert relabelled._rows.key != second._rows.key


def test_column_values_are_updated_with_the_appended_rows():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (300, 5)).astype(np.uint8)
    y = rng.integers(0, 2, 300)
    ts = _grown(X, y, [0, 100, 150])
    rows = known_rows(ts.X_real)
    assert rows is ts._rows
    computed = rows.column_values(ts.X_real)
    ts2 = ts.add(X[150:151], y[150:151])
    # derived from the previous set's without computing them again
    derived = known_rows(ts2.X_real).column_values(ts2.X_real, compute=False)
    assert derived is not None and derived is not computed
    fresh = ColumnValues.from_rows(X[:151])
    for name in ("values", "counts", "indptr"):
        np.testing.assert_array_equal(getattr(derived, name), getattr(fresh, name))


@pytest.mark.parametrize("kind", ["uint8", "int64", "float"])
def test_column_extremes_are_merged_with_the_appended_rows(kind):
    rng = np.random.default_rng(1)
    X = rng.integers(-50, 200, (60, 4)).astype(np.int64 if kind == "int64" else np.uint8)
    if kind == "float":
        X = X * 0.5
        X[:, 3] = np.nan  # a column without values
        X[40:, 2] = 0.25  # integral in the first rows only
        X[rng.random(60) < 0.2, 1] = np.nan
    y = np.zeros(60)
    ts = TrainingSet(X[:20], y[:20]).add(X[20:30], y[20:30])
    first = ts._rows.column_extremes(ts.X_real)
    for a, b in ((30, 30), (30, 45), (45, 60)):  # no row added, then some
        ts = ts.add(X[a:b], y[a:b])
        assert ts._rows._base_extremes is not None  # merged, not recomputed
        merged = known_rows(ts.X_real).column_extremes(ts.X_real)
        for got, expected in zip(merged, column_extremes(X[:b])):
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
    assert first[0].dtype == X.dtype
    # relabelled rows keep them
    relabelled = ts.relabel([0], [1.0])
    assert relabelled._rows.column_extremes(relabelled.X_real) is merged


def test_only_rows_made_by_add_are_known():
    X = np.arange(12.0).reshape(6, 2)
    ts = TrainingSet(X, np.zeros(6))
    assert known_rows(X) is None and known_rows(ts.X_real) is None
    assert known_rows(X.copy()) is None
    S = sparse.csr_matrix(X)
    grown = TrainingSet(S[:3], np.zeros(3)).add(S[3:], np.zeros(3))
    assert known_rows(grown.X_real) is grown._rows


def test_pickles_leave_the_statistics_out():
    X = np.arange(12.0).reshape(6, 2)
    ts = TrainingSet(X[:3], np.zeros(3)).add(X[3:], np.zeros(3))
    ts._rows.column_values(ts.X_real)
    back = pickle.loads(pickle.dumps(ts))
    assert back._rows._columns is None and back._rows.lineage == ()
    np.testing.assert_array_equal(back.X_real, ts.X_real)


@pytest.mark.parametrize("frame", [False, True])
def test_take_equals_indexing_the_built_rows(frame):
    from scipy import sparse as sp

    from skxil._training_set import TrainingSet, take_rows

    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 3))
    if frame:
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(X, columns=["a", "b", "c"])
    ts = TrainingSet(X, np.arange(6) % 2)
    X_ce = take_rows(X, [1, 1, 4])
    ts = ts.add_counterexamples(X_ce, np.array([1, 1, 0]), [1, 1, 4])
    ts = ts.with_masks([1, 4], sp.csr_matrix([[1, 0, 0], [0, 0, 1]], dtype=bool), None)
    positions = [7, 0, 8, 3, 6, 1]
    X_got, y_got, masks = ts.take(positions)
    expected = take_rows(ts.X, positions)
    if frame:
        assert X_got.equals(expected)
    else:
        np.testing.assert_array_equal(X_got, expected)
    np.testing.assert_array_equal(y_got, ts.y[positions])
    np.testing.assert_array_equal(
        masks["ignore"].toarray(), ts.masks()["ignore"][positions].toarray()
    )
    assert "focus" not in masks
