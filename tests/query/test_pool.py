"""Tests of skxil.query._pool: one scoring path for in-memory and dask pools."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.query import (
    density_weighted_sampling,
    entropy_sampling,
    expected_error_reduction,
    explanation_pair_sampling,
    information_density,
    margin_sampling,
    random_sampling,
    ranked_batch_sampling,
    score_pool,
    uncertainty_sampling,
    vote_entropy_sampling,
    wrong_reason_sampling,
)
from skxil.query._pool import _smallest, _tie_keys, _top_n, is_dask_pool

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

STRATEGIES = [uncertainty_sampling, margin_sampling, entropy_sampling]


@pytest.fixture(autouse=True)
def synchronous():
    # one thread: the counts of computed blocks below are exact
    with dask.config.set(scheduler="sync"):
        yield


class ColumnProba:
    """A classifier whose P(class 1) is the first column: scores set by hand."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        p = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1.0 - p, p])


def _tied_pool(n=200, seed=0):
    """P(class 1) on a coarse grid: many exact ties, some NaN."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 9, size=(n, 3)) / 8.0
    X[rng.rand(n) < 0.05, 0] = np.nan
    return X


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    X[100:160] = X[7]  # sixty tied rows
    return X, LogisticRegression().fit(X, y)


# -------------------------------------------------------------- ranking
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("n_instances", [1, 45, 200])
@pytest.mark.parametrize("chunks", [(13, 3), (64, 1)])
def test_dask_array_ranks_as_in_memory_with_ties(strategy, n_instances, chunks):
    X = _tied_pool()
    expected = strategy(ColumnProba(), X, n_instances)
    got = strategy(ColumnProba(), da.from_array(X, chunks=chunks), n_instances)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_dask_pool_of_a_fitted_model(strategy, fitted):
    X, model = fitted
    expected = strategy(model, X, 70, chunk_size=50)
    for pool in (da.from_array(X, chunks=(17, 4)), dd.from_pandas(pd.DataFrame(X), 6)):
        got = strategy(model, pool, 70, chunk_size=5)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)


def test_unknown_block_lengths_and_empty_blocks():
    X = _tied_pool()
    pool = da.from_array(X, chunks=(20, 3))
    keep = np.ones(len(X), dtype=bool)
    keep[20:60] = False  # two empty blocks
    filtered = pool[da.from_array(keep, chunks=20)]
    assert np.isnan(filtered.shape[0])
    expected = uncertainty_sampling(ColumnProba(), X[keep], 30)
    got = uncertainty_sampling(ColumnProba(), filtered, 30)
    np.testing.assert_array_equal(got[0], expected[0])
    with pytest.raises(ValueError, match=r"pool size \(160 samples\)"):
        uncertainty_sampling(ColumnProba(), filtered, 161)
    with pytest.raises(ValueError, match=r"pool size \(200 samples\)"):
        uncertainty_sampling(ColumnProba(), pool, 201)


def test_cold_start_queries_the_first_rows():
    X = np.random.RandomState(0).normal(size=(50, 2))
    got = uncertainty_sampling(LogisticRegression(), da.from_array(X, chunks=7), 9)
    np.testing.assert_array_equal(got[0], np.arange(9))


def test_random_tie_break_on_dask_is_reproducible():
    X = np.full((120, 1), 0.5)  # every row tied
    pool = da.from_array(X, chunks=25)
    first = uncertainty_sampling(ColumnProba(), pool, 10, random_tie_break=True,
                                 random_state=3)[0]
    again = uncertainty_sampling(ColumnProba(), pool, 10, random_tie_break=True,
                                 random_state=3)[0]
    other = uncertainty_sampling(ColumnProba(), pool, 10, random_tie_break=True,
                                 random_state=4)[0]
    np.testing.assert_array_equal(first, again)
    assert len(set(first.tolist())) == 10 and not np.array_equal(first, other)
    assert not np.array_equal(np.sort(first), np.arange(10))
    # the best-scored rows still come first
    X2 = np.full((120, 1), 0.9)
    X2[[5, 90], 0] = 0.5
    top = uncertainty_sampling(ColumnProba(), da.from_array(X2, chunks=25), 2,
                               random_tie_break=True, random_state=3)[0]
    assert set(top.tolist()) == {5, 90}


def test_random_sampling_takes_a_dask_pool():
    X = np.zeros((80, 2))
    expected = random_sampling(None, X, 5, random_state=1)
    for pool in (da.from_array(X, chunks=9), dd.from_pandas(pd.DataFrame(X), 4)):
        np.testing.assert_array_equal(random_sampling(None, pool, 5, random_state=1)[0],
                                      expected[0])


def test_top_n_orders():
    rng = np.random.RandomState(0)
    keys = rng.randint(0, 5, size=60).astype(float)
    keys[rng.rand(60) < 0.2] = np.nan
    for n in (1, 10, 47, 60):
        reference = np.argsort(keys, kind="stable")[:n]
        np.testing.assert_array_equal(_top_n(keys, n), reference)
        np.testing.assert_array_equal(_smallest(keys, np.arange(60), n), reference)
    ties = rng.permutation(60)
    np.testing.assert_array_equal(_smallest(keys, ties, 60), np.lexsort((ties, keys)))


def test_tie_keys_depend_on_seed_block_and_row():
    rows = np.arange(1000)
    keys = _tie_keys(7, 2, rows)
    np.testing.assert_array_equal(keys, _tie_keys(7, 2, rows))
    assert keys.dtype == np.uint64 and np.unique(keys).size == 1000
    assert not np.array_equal(keys, _tie_keys(8, 2, rows))
    assert not np.array_equal(keys, _tie_keys(7, 3, rows))


@pytest.mark.parametrize(
    "strategy, name",
    [
        (density_weighted_sampling, "density_weighted_sampling"),
        (ranked_batch_sampling, "ranked_batch_sampling"),
        (expected_error_reduction, "expected_error_reduction"),
        (explanation_pair_sampling, "explanation_pair_sampling"),
        (wrong_reason_sampling, "wrong_reason_sampling"),
        (vote_entropy_sampling, "Query by committee"),
    ],
)
def test_whole_pool_strategies_refuse_dask_pools(strategy, name, fitted):
    X, model = fitted
    with pytest.raises(TypeError, match=f"{name} needs the whole pool.*uncertainty_"):
        strategy(model, da.from_array(X, chunks=50))
    with pytest.raises(TypeError, match="information_density needs the whole pool"):
        information_density(da.from_array(X, chunks=50))


def test_dask_pool_must_be_two_dimensional():
    with pytest.raises(TypeError, match="2-D dask array or a dask DataFrame.*1 dim"):
        uncertainty_sampling(ColumnProba(), da.zeros(10, chunks=5))
    assert not is_dask_pool(np.zeros((2, 2)))


# -------------------------------------------------- CaipiClassifier.query
def _counted_pool(X, chunk, calls):
    """A dask pool whose blocks count how often they are computed."""

    def block(x, block_info=None):
        calls.append(block_info[None]["chunk-location"][0])
        return x

    return da.from_array(X, chunks=(chunk, X.shape[1])).map_blocks(block, dtype=X.dtype)


def test_query_computes_the_pool_once_and_returns_its_rows(fitted):
    X, _ = fitted
    learner = CaipiClassifier(random_state=0).fit(X[:40], (X[:40, 0] > 0).astype(int))
    calls = []
    query_idx, rows = learner.query(_counted_pool(X, 30, calls), 5)
    expected_idx, expected_rows = learner.query(X, 5)
    np.testing.assert_array_equal(query_idx, expected_idx)
    np.testing.assert_array_equal(rows, expected_rows)
    assert sorted(calls) == list(range(10))  # each of the 10 blocks once


def test_query_of_random_rows_computes_only_their_blocks(fitted):
    X, _ = fitted
    learner = CaipiClassifier(query_strategy="random", random_state=0).fit(
        X[:40], (X[:40, 0] > 0).astype(int))
    calls = []
    query_idx, rows = learner.query(_counted_pool(X, 30, calls), 2)
    np.testing.assert_array_equal(rows, X[query_idx])
    assert sorted(calls) == sorted(set((query_idx // 30).tolist()))


def test_query_of_a_dask_dataframe_keeps_its_index(fitted):
    X, _ = fitted
    frame = pd.DataFrame(X, columns=list("abcd"), index=np.arange(300) * 10)
    learner = CaipiClassifier(random_state=0).fit(frame[:40], (X[:40, 0] > 0).astype(int))
    expected_idx, expected_rows = learner.query(frame, 4)
    for strategy in ("margin", "random"):
        learner.set_params(query_strategy=strategy)
        expected_idx, expected_rows = learner.query(frame, 4)
        query_idx, rows = learner.query(dd.from_pandas(frame, npartitions=7), 4)
        np.testing.assert_array_equal(query_idx, expected_idx)
        pd.testing.assert_frame_equal(rows, expected_rows)


def test_query_checks_a_custom_strategy_on_a_dask_pool(fitted):
    X, _ = fitted
    learner = CaipiClassifier(
        query_strategy=lambda clf, X, n_instances: np.array([299, 3]), random_state=0
    ).fit(X[:40], (X[:40, 0] > 0).astype(int))
    query_idx, rows = learner.query(da.from_array(X, chunks=64))
    np.testing.assert_array_equal(query_idx, [299, 3])
    np.testing.assert_array_equal(rows, X[[299, 3]])
    learner.set_params(query_strategy=lambda clf, X, n_instances: np.array([300]))
    with pytest.raises(ValueError, match="index 300.*pool of 300 rows"):
        learner.query(da.from_array(X, chunks=64))


# ------------------------------------------------------------ score_pool
@pytest.mark.parametrize("score", ["uncertainty", "margin", "entropy", "proba", "predict"])
def test_score_pool_is_lazy_and_equals_in_memory(score, fitted):
    X, model = fitted
    expected = score_pool(model, X, score=score)
    calls = []
    lazy = score_pool(model, _counted_pool(X, 70, calls), score=score, chunk_size=16)
    assert calls == [] and lazy.chunks[0] == (70, 70, 70, 70, 20)
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    np.testing.assert_allclose(score_pool(model, frame, score=score).compute(), expected,
                               rtol=1e-12)


def test_score_pool_shapes_and_errors(fitted):
    X, model = fitted
    assert score_pool(model, X, score="proba").shape == (300, 2)
    assert score_pool(model, X, score="predict").dtype == model.classes_.dtype
    np.testing.assert_allclose(score_pool(model, X), uncertainty_sampling(
        model, X, 300)[1][np.argsort(uncertainty_sampling(model, X, 300)[0])])
    with pytest.raises(NotFittedError, match="not fitted.*score_pool"):
        score_pool(LogisticRegression(), X)
    with pytest.raises(NotFittedError, match="not fitted"):
        score_pool(LogisticRegression(), da.from_array(X, chunks=100)).compute()
    with pytest.raises(TypeError, match="score='proba'.*classes_.*Is it fitted"):
        score_pool(LogisticRegression(), X, score="proba")
    with pytest.raises(ValueError, match="'score' parameter"):
        score_pool(model, X, score="loss")


def test_score_pool_wrong_reasons_block_by_block(fitted):
    X = fitted[0][:120]
    y = (X[:, 0] > 0).astype(int)
    learner = CaipiClassifier(random_state=0, n_counterexamples=2).fit(
        X[:60], y[:60], corrections=[[3]] * 60
    )
    expected = wrong_reason_sampling(learner, X, 120, n_explained=120)
    in_memory = score_pool(learner, X, score="wrong_reason")
    lazy = score_pool(learner, dd.from_pandas(pd.DataFrame(X), 4), score="wrong_reason")
    np.testing.assert_allclose(lazy.compute(), in_memory)
    np.testing.assert_allclose(in_memory[expected[0]], expected[1])
    assert in_memory.max() > 0
    with pytest.raises(ValueError, match="taught no corrections"):
        score_pool(CaipiClassifier().fit(X, y), X, score="wrong_reason")
    with pytest.raises(TypeError, match="needs a fitted CaipiClassifier"):
        score_pool(LogisticRegression().fit(X, y), X, score="wrong_reason")
