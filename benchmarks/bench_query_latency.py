"""Benchmark stage 1: query latency of the strategies on large pools.

A :class:`~skxil.CaipiClassifier` wrapping a ``LogisticRegression`` fitted on
200 labelled rows (30 standard-normal features, fixed seed) queries pools of
10 000 and 1 000 000 rows. For each strategy it prints the median of a few
calls, in milliseconds:

- query: the whole strategy call (``predict_proba`` on the pool included);
- select: the ranking step alone on the pool's scores, with the partial sort
  (``np.argpartition``-style: partition, then sort the ``n_instances`` kept)
  that :func:`skxil.query.uncertainty_sampling` and friends use now;
- full sort: the same ranking with the full stable ``np.argsort`` used before,
  and the ratio full sort / select. Both rankings are checked to be equal.

Explanation pairs (``explanation_pair_sampling``: 100 rows explained in one
call, here by the exact linear explainer, then the pool ranked by similarity
to the chosen pairs), wrong reasons (``wrong_reason_sampling`` on a learner
taught with corrections, 10 000 rows explained) and vote entropy over a
committee of three logistic regressions are timed on every pool too.
Ranked batch sampling (``n_instances=10``) is timed on every pool; its cost is
``n_pool * (n_labelled + n_instances)`` distances. Density-weighted sampling
needs all ``n_pool ** 2`` distances: it is timed on the smaller pool and
extrapolated (quadratically, not run) to the larger one.

Run ``python benchmarks/bench_query_latency.py`` (add ``--quick`` for pools of
2 000 and 100 000 rows).
"""

import argparse
import statistics
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.query import (
    density_weighted_sampling,
    entropy_sampling,
    explanation_pair_sampling,
    margin_sampling,
    random_sampling,
    ranked_batch_sampling,
    uncertainty_sampling,
    vote_entropy_sampling,
    wrong_reason_sampling,
)
from skxil.query._strategies import (
    _ENTROPY,
    _MARGIN,
    _UNCERTAINTY,
    _pool_scores,
    _select,
)

N_FEATURES = 30
N_LABELLED = 200
PROBA_STRATEGIES = {
    "uncertainty": (uncertainty_sampling, _UNCERTAINTY),
    "margin": (margin_sampling, _MARGIN),
    "entropy": (entropy_sampling, _ENTROPY),
}


def make_problem(n_pool, seed=0):
    rng = np.random.RandomState(seed)
    coef = rng.normal(size=N_FEATURES)
    X_lab = rng.normal(size=(N_LABELLED, N_FEATURES))
    y_lab = (X_lab @ coef + rng.normal(size=N_LABELLED) > 0).astype(int)
    caipi = CaipiClassifier(LogisticRegression()).fit(X_lab, y_lab)
    X_pool = rng.normal(size=(n_pool, N_FEATURES))
    return caipi, X_pool


def corrected_and_committee(seed=0):
    """A learner taught with corrections (for wrong_reason_sampling) and a
    committee of three learners fitted on bootstrap samples."""
    rng = np.random.RandomState(seed)
    coef = rng.normal(size=N_FEATURES)
    X_lab = rng.normal(size=(N_LABELLED, N_FEATURES))
    y_lab = (X_lab @ coef + rng.normal(size=N_LABELLED) > 0).astype(int)
    corrections = [[0, 1]] * 20 + [None] * (N_LABELLED - 20)
    corrected = CaipiClassifier(LogisticRegression(), random_state=seed)
    corrected.fit(X_lab, y_lab, corrections=corrections)
    committee = []
    for k in range(3):
        rows = rng.randint(N_LABELLED, size=N_LABELLED)
        committee.append(LogisticRegression().fit(X_lab[rows], y_lab[rows]))
    return corrected, committee


def median_ms(func, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), result


def full_sort_select(scores, n_instances, largest):
    keys = -scores if largest else scores
    return np.argsort(keys, kind="stable")[:n_instances]


def row(name, n_pool, k, query, select="", full="", ratio=""):
    return (
        f"{name:<16} {n_pool:>9} {k:>4} {query:>11} {select:>10} {full:>10} {ratio:>7}"
    )


def fmt(ms):
    return f"{ms:.1f}"


def bench_pool(n_pool, n_instances, repeat, density_ms_small, n_small):
    corrected, committee = corrected_and_committee()
    caipi, X = make_problem(n_pool)
    lines = []
    for name, (strategy, measure) in PROBA_STRATEGIES.items():
        query_ms, _ = median_ms(
            lambda: strategy(caipi, X, n_instances=n_instances), repeat
        )
        scores = _pool_scores(measure, caipi, X, n_pool, None, {})
        select_ms, (idx, _) = median_ms(
            lambda: _select(
                scores,
                n_instances,
                largest=measure.largest,
                random_tie_break=False,
                random_state=None,
            ),
            repeat,
        )
        full_ms, expected = median_ms(
            lambda: full_sort_select(scores, n_instances, measure.largest), repeat
        )
        assert np.array_equal(idx, expected), name
        lines.append(
            row(
                name,
                n_pool,
                n_instances,
                fmt(query_ms),
                fmt(select_ms),
                fmt(full_ms),
                f"{full_ms / select_ms:.1f}x",
            )
        )
    query_ms, _ = median_ms(
        lambda: random_sampling(caipi, X, n_instances=n_instances, random_state=0),
        repeat,
    )
    lines.append(row("random", n_pool, n_instances, fmt(query_ms)))

    batch_ms, _ = median_ms(
        lambda: ranked_batch_sampling(caipi, X, n_instances=10), max(1, repeat // 2)
    )
    lines.append(row("ranked batch", n_pool, 10, fmt(batch_ms)))

    # explanation-based: 100 rows explained in one batched (linear) call, then
    # the pool ranked by similarity to the chosen pairs
    pairs_ms, _ = median_ms(
        lambda: explanation_pair_sampling(
            caipi, X, n_instances=n_instances, random_state=0
        ),
        max(1, repeat // 2),
    )
    lines.append(row("expl. pairs", n_pool, n_instances, fmt(pairs_ms)))
    wrong_ms, _ = median_ms(
        lambda: wrong_reason_sampling(
            corrected, X, n_instances=n_instances, n_explained=min(n_pool, 10_000),
            random_state=0,
        ),
        max(1, repeat // 2),
    )
    lines.append(row("wrong reasons", n_pool, n_instances, fmt(wrong_ms)))
    committee_ms, _ = median_ms(
        lambda: vote_entropy_sampling(committee, X, n_instances=n_instances), repeat
    )
    lines.append(row("vote entropy x3", n_pool, n_instances, fmt(committee_ms)))

    if density_ms_small is None:
        density_ms, _ = median_ms(
            lambda: density_weighted_sampling(caipi, X, n_instances=n_instances), 1
        )
        lines.append(row("density", n_pool, n_instances, fmt(density_ms)))
    else:
        density_ms = density_ms_small * (n_pool / n_small) ** 2
        lines.append(
            row(
                "density",
                n_pool,
                n_instances,
                f"~{density_ms / 1e3 / 3600:.1f} h",
                "(not run:",
                "O(n^2),",
                "extrap.)",
            )
        )
    return lines, density_ms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="pools of 2000 and 100000 rows instead of 10000 and 1000000",
    )
    parser.add_argument("--n-instances", type=int, default=10)
    args = parser.parse_args(argv)
    small, large = (2_000, 100_000) if args.quick else (10_000, 1_000_000)
    repeat = 5
    print(
        f"Query latency, ms (median of {repeat}; ranked batch of {repeat // 2}); "
        f"LogisticRegression on {N_LABELLED} rows in CaipiClassifier, "
        f"{N_FEATURES} features"
    )
    header = row("strategy", "n_pool", "k", "query ms", "select", "full sort", "ratio")
    print(header)
    print("-" * len(header))
    lines, density_small = bench_pool(small, args.n_instances, repeat, None, small)
    print("\n".join(lines))
    lines, _ = bench_pool(large, args.n_instances, repeat, density_small, small)
    print("\n".join(lines))
    print(
        "select: partial sort now in skxil; full sort: stable np.argsort as "
        "before; ratio = full sort / select"
    )


if __name__ == "__main__":
    main()
