"""Benchmark: scoring large pools on dask, and float32 pools without a copy.

1. float32 scoring. A ``LogisticRegression`` (fitted on 2 000 rows of 30
   standard-normal features, fixed seed) scores a float32 pool of ``n`` rows:
   scikit-learn's ``predict_proba`` (which copies the pool to float64 for its
   float64 ``coef_``) beside skxil's float32 path
   (:mod:`skxil.query._float32`, used by every score-based strategy), wall
   time (median of 3) and peak traced memory (``tracemalloc``), and the bare
   matrix products ``X32 @ coef64.T`` and ``X32 @ coef32.T``.
2. dask pools. ``uncertainty_sampling(learner, pool, n_instances=10)`` on a
   dask array of ``n`` rows x 30 float32 features generated blockwise from a
   seed (``dask.array.random.default_rng(0)``, blocks of 250 000 rows), so the
   pool never exists in memory, on a ``LocalCluster`` of 1 and 2 worker
   processes (one thread each): wall time of the query (graph building,
   generation of the blocks, scoring, tree merge of the per-block top 10);
   the time to generate and sum the pool on the cluster without scoring it
   ("read"); and the peak resident memory of each worker during the query
   over its RSS before it (Linux ``VmHWM``, reset before the query; the
   workers are warmed up first). Beside it, the in-memory path on the
   computed pool where it fits (``--in-memory-max``), timing the strategy
   only (the pool already in memory), and the ratio.
3. per-row costs for the cost model of the user guide: scoring per row on
   one worker, the merge of the per-block candidates per block, the
   scheduler's overhead per task (a query on 10^5 in-memory rows in 200
   blocks minus the same in one block, one worker process), and the
   explanation of one chosen row (linear and fast LIME explainers).

The machine this ran on has 2 cores shared with other jobs: figures are
indicative, and the 2-worker speed-up is bounded by the 2 cores.
Run ``python benchmarks/bench_dask.py`` (pools of 10^5, 10^6, 10^7 rows;
``--quick``: 10^5 and 10^6, under a minute).
"""

import argparse
import logging
import resource
import statistics
import time
import tracemalloc
from functools import partial

import numpy as np
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.query import uncertainty_sampling
from skxil.query._float32 import float32_proba
from skxil.query._pool import _Candidates, _merge_candidates

N_FEATURES = 30
BLOCK = 250_000
# The clusters' shutdown chatter (closed connections) is not a result.
QUIET = {"dashboard_address": None, "silence_logs": logging.CRITICAL}


def _median_time(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_mb(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _learner(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((2000, N_FEATURES))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=2000) > 0).astype(int)
    return CaipiClassifier(LogisticRegression(), random_state=0).fit(X, y)


def float32_table(learner, n_rows, repeats):
    model = learner.estimator_
    X32 = np.random.default_rng(1).standard_normal((n_rows, N_FEATURES), np.float32)
    coef64, coef32 = model.coef_, model.coef_.astype(np.float32)
    rows = [
        ("predict_proba", lambda: model.predict_proba(X32), lambda: float32_proba(model, X32)),
        ("matmul X @ coef.T", lambda: X32 @ coef64.T, lambda: X32 @ coef32.T),
    ]
    lines = []
    for name, reference, ours in rows:
        t_ref, t_ours = _median_time(reference, repeats), _median_time(ours, repeats)
        m_ref, m_ours = _peak_mb(reference), _peak_mb(ours)
        lines.append(
            f"{n_rows:>10,d}  {name:<18s} {t_ref * 1e3:9.1f} {t_ours * 1e3:9.1f} "
            f"{t_ref / t_ours:6.2f}x {m_ref:9.1f} {m_ours:9.1f}  (pool {X32.nbytes / 2**20:.0f} MB)"
        )
    return lines


def _pool(n_rows):
    import dask.array as da

    rng = da.random.default_rng(0)
    return rng.standard_normal(
        (n_rows, N_FEATURES), chunks=(BLOCK, N_FEATURES), dtype=np.float32
    )


def _reset_peak_rss():
    """Reset this process's peak RSS (Linux: VmHWM); return the current RSS in MB."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # not Linux: ru_maxrss, the peak since start, is all there is
    return _status_mb("VmRSS")


def _status_mb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss_mb():
    return _status_mb("VmHWM")


def dask_table(learner, sizes, workers, in_memory_max, repeats):
    from distributed import Client, LocalCluster

    lines, per_row = [], {}
    in_memory = {}
    for n_rows in sizes:
        if n_rows <= in_memory_max:
            X = _pool(n_rows).compute(scheduler="threads")
            in_memory[n_rows] = (
                _median_time(partial(uncertainty_sampling, learner, X, 10), repeats),
                uncertainty_sampling(learner, X, 10)[0],
            )
            del X
    for n_workers in workers:
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True,
            memory_limit="4GiB", **QUIET,
        ) as cluster, Client(cluster) as client:
            uncertainty_sampling(learner, _pool(20_000), 10)  # warm up the workers
            for n_rows in sizes:
                read = _median_time(_pool(n_rows).sum().compute, repeats=1)
                before = client.run(_reset_peak_rss)
                start = time.perf_counter()
                query_idx, _ = uncertainty_sampling(learner, _pool(n_rows), 10)
                wall = time.perf_counter() - start
                after = client.run(_peak_rss_mb)
                peak = max(after[w] - before[w] for w in after)
                resident = max(after.values())
                if n_workers == 1:
                    per_row[n_rows] = (wall / n_rows, (wall - read) / n_rows)
                ref = in_memory.get(n_rows)
                same = "" if ref is None else (
                    "same rows" if np.array_equal(ref[1], query_idx) else "DIFFERENT"
                )
                ref_text = "        -       -" if ref is None else (
                    f"{ref[0]:9.2f} {wall / ref[0]:6.2f}x"
                )
                lines.append(
                    f"{n_rows:>12,d} {n_workers:>3d} {read:9.2f} {wall:9.2f} {ref_text} "
                    f"{peak:9.0f} {resident:9.0f}  {same}"
                )
    return lines, per_row


def task_overhead(learner, repeats, n_rows=100_000, small=500):
    """Seconds per task of a query on one worker: small blocks minus one block."""
    import dask.array as da
    from distributed import Client, LocalCluster

    def pool(rows_per_block):
        # generated on the worker, as the benchmark's pools: no data in the graph
        return da.random.default_rng(2).standard_normal(
            (n_rows, N_FEATURES), chunks=(rows_per_block, N_FEATURES), dtype=np.float32
        )

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, **QUIET
    ) as cluster, Client(cluster):
        uncertainty_sampling(learner, pool(n_rows), 10)  # warm up
        t_one = _median_time(lambda: uncertainty_sampling(learner, pool(n_rows), 10), repeats)
        t_many = _median_time(lambda: uncertainty_sampling(learner, pool(small), 10), repeats)
    n_blocks = n_rows // small
    # per block: its generation and its scoring; then the merge tree
    n_tasks = 2 * n_blocks + sum(-(-n_blocks // 8**level) for level in range(1, 4))
    return (t_many - t_one) / (n_tasks - 2)


def merge_cost(n_instances=10, n_parts=8, repeats=200):
    rng = np.random.default_rng(0)
    parts = [
        _Candidates(BLOCK, np.sort(rng.choice(BLOCK, n_instances, replace=False)),
                    rng.random(n_instances), None, None)
        for _ in range(n_parts)
    ]
    start = time.perf_counter()
    for _ in range(repeats):
        _merge_candidates(parts, n_instances, largest=True)
    return (time.perf_counter() - start) / repeats / n_parts


def explain_cost(explainer, repeats, n_rows=50):
    learner = CaipiClassifier(LogisticRegression(), explainer=explainer, random_state=0)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((2000, N_FEATURES))
    learner.fit(X, (X[:, 0] > 0).astype(int))
    rows = rng.standard_normal((n_rows, N_FEATURES))
    learner.explain(rows[:1])  # compile / build the explainer once
    return _median_time(lambda: learner.explain(rows), repeats) / n_rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 and 10^6 rows")
    parser.add_argument("--in-memory-max", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3  # timings are medians of this many calls
    sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    learner = _learner()

    print("1. float32 pool: scikit-learn (reference) beside skxil's float32 path")
    print(f"{'rows':>10s}  {'step':<18s} {'ref ms':>9s} {'ours ms':>9s} {'ratio':>7s} "
          f"{'ref MB':>9s} {'ours MB':>9s}")
    for n_rows in sizes[:2] if args.quick else sizes[1:]:
        print("\n".join(float32_table(learner, n_rows, repeats)))

    print("\n2. uncertainty_sampling(n_instances=10) on a dask pool (float32, "
          f"blocks of {BLOCK:,d} rows) beside the in-memory path")
    print(f"{'rows':>12s} {'wkr':>3s} {'read s':>9s} {'dask s':>9s} {'mem s':>9s} "
          f"{'ratio':>7s} {'peak MB':>9s} {'rss MB':>9s}")
    lines, per_row = dask_table(learner, sizes, [1, 2], args.in_memory_max, repeats)
    print("\n".join(lines))
    print("   read s: generating and summing the pool on the cluster (no scoring); "
          "dask s: the query;\n   mem s: the in-memory query on the computed pool; "
          "peak MB: largest rise of a worker's\n   peak RSS over its RSS before the "
          "query; rss MB: that peak RSS (imports included)")

    largest = max(per_row)
    print("\n3. per-row costs (one worker) for the cost model")
    total, scoring = per_row[largest]
    print(f"   query on {largest:,d} rows: {total * 1e9:.0f} ns/row, of which scoring "
          f"and ranking (query minus read) {scoring * 1e9:.0f} ns/row")
    print(f"   merge of per-block top-10 candidates: {merge_cost() * 1e6:.1f} us/block")
    print(f"   scheduler and transfer overhead: {task_overhead(learner, repeats) * 1e3:.2f} ms/task "
          "(10^5 rows in 200 blocks minus 1 block, one worker)")
    print(f"   explain one chosen row, linear: {explain_cost('linear', repeats) * 1e3:.2f} ms")
    print(f"   explain one chosen row, fast_lime: "
          f"{explain_cost('fast_lime', repeats) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
