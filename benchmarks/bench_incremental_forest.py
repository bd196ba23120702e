"""Incremental refits of a random forest: a ``teach`` that refits a few trees.

A ``CaipiClassifier`` around ``RandomForestClassifier(100)`` on a table with
a decoy column (``make_confounded_classification``: 30 features, 8
informative, the decoy leaking the label in the training split only) is
fitted on ``--n-labelled`` rows with their decoy corrected (3
counterexamples each), then taught ``--n-answers`` rows one at a time, each
the most uncertain of the pool, with its label and the decoy corrected.
The learners answer the same rows (those the full refit queries):

- ``full``: every ``teach`` refits the 100 trees (the default);
- ``incremental``: ``incremental=True`` with ``trees_per_update`` 0.1 (the
  default: 10 trees per answer), 0.05 and 0.2;
- ``incremental, refit/10``: 0.1 with ``full_refit_every=10``.

Printed per labelled-set size, over ``--n-seeds`` data sets: ``teach`` p50 /
p95 ms, and test accuracy after the answers (where the decoy is noise) with
its difference to the full refit, mean and range over the seeds.

Run ``python benchmarks/bench_incremental_forest.py`` (about 3 minutes on 2
cores) or ``--quick``.
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification

VARIANTS = {
    "full": {},
    "incremental 0.1 (default)": {"incremental": True},
    "incremental 0.05": {"incremental": True, "trees_per_update": 0.05},
    "incremental 0.2": {"incremental": True, "trees_per_update": 0.2},
    "incremental 0.1, refit/10": {"incremental": True, "full_refit_every": 10},
}


def make_data(n_labelled, seed):
    X, X_test, y, y_test, _ = make_confounded_classification(
        2 * (n_labelled + 2000), n_features=30, n_informative=8, random_state=seed
    )
    return (X[:n_labelled], y[:n_labelled]), (X[n_labelled:], y[n_labelled:]), (
        X_test, y_test
    )


def run(n_labelled, n_answers, seed):
    """teach times (ms) and test accuracy of every variant on one data set."""
    (X, y), (X_pool, y_pool), (X_test, y_test) = make_data(n_labelled, seed)
    decoy = X.shape[1] - 1
    corrections = [[decoy]] * len(y)
    learners = {
        name: CaipiClassifier(
            RandomForestClassifier(100, random_state=seed, n_jobs=1),
            random_state=seed, **params,
        ).fit(X, y, corrections=corrections)
        for name, params in VARIANTS.items()
    }
    times = {name: [] for name in VARIANTS}
    available = np.ones(len(y_pool), dtype=bool)
    for _ in range(n_answers):
        positions = np.flatnonzero(available)
        idx, _ = learners["full"].query(X_pool[positions])
        i = positions[idx[0]]
        available[i] = False
        for name, learner in learners.items():
            t0 = time.perf_counter()
            learner.teach(X_pool[i : i + 1], y_pool[i : i + 1], corrections=[[decoy]])
            times[name].append(1e3 * (time.perf_counter() - t0))
    accuracy = {name: learner.score(X_test, y_test) for name, learner in learners.items()}
    return times, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n-answers", type=int, default=20)
    parser.add_argument("--n-seeds", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = (100,) if args.quick else (100, 2000)
    n_answers = 5 if args.quick else args.n_answers
    n_seeds = 1 if args.quick else args.n_seeds
    print(__doc__.splitlines()[0])
    for n_labelled in sizes:
        times = {name: [] for name in VARIANTS}
        accuracy = {name: [] for name in VARIANTS}
        for seed in range(n_seeds):
            t, a = run(n_labelled, n_answers, seed)
            for name in VARIANTS:
                times[name] += t[name]
                accuracy[name].append(a[name])
        print(
            f"\n{n_labelled} labelled rows, {n_answers} answers, {n_seeds} seeds"
            f"\n{'variant':28s} {'teach p50':>9s} {'p95':>7s} {'full/this':>9s} "
            f"{'accuracy':>8s} {'vs full (min, max)':>22s}"
        )
        full = np.array(accuracy["full"])
        full_p50 = np.percentile(times["full"], 50)
        for name in VARIANTS:
            p50, p95 = np.percentile(times[name], [50, 95])
            diff = np.array(accuracy[name]) - full
            print(
                f"{name:28s} {p50:9.1f} {p95:7.1f} {full_p50 / p50:9.1f} "
                f"{np.mean(accuracy[name]):8.3f} {diff.mean():+8.3f} "
                f"({diff.min():+.3f}, {diff.max():+.3f})"
            )


if __name__ == "__main__":
    main()
