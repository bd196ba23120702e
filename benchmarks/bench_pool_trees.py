"""Scoring a pool with a tree or forest: skxil's replay against ``predict_proba``.

``skxil.query`` scores a pool for a random forest or extra trees through
:mod:`skxil.explain._tree_predict` (a block of rows walks one tree at a
time, without branches), equal to scikit-learn's
``predict_proba`` bit for bit; this checks the equality and times both, in
CPU time per call (median of ``--repeat``), on pools of 30 features from
``make_classification``. Models: fitted on 90 rows (the speed issue's round:
shallow trees) and on 2000 rows (deep trees), with ``n_jobs=1`` and
``n_jobs=2`` (wall time: two threads). A single decision tree is not
replayed: in a run of this benchmark with it (0.8 to 7.5 ms on these
pools), the replay took 0.7 to 1.3 times as long as ``predict_proba``.

Run ``python benchmarks/bench_pool_trees.py`` (under a minute) or
``--quick``.
"""

import argparse
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

from skxil.query._trees import tree_proba

MODELS = {
    "RandomForest(100)": lambda n_jobs: RandomForestClassifier(
        100, random_state=0, n_jobs=n_jobs
    ),
    "ExtraTrees(100)": lambda n_jobs: ExtraTreesClassifier(
        100, random_state=0, n_jobs=n_jobs
    ),
}


def timed(func, repeat, clock):
    func()
    times = []
    for _ in range(repeat):
        t0 = clock()
        func()
        times.append(clock() - t0)
    return 1e3 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    pools = (10_000,) if args.quick else (10_000, 100_000)
    repeat = 2 if args.quick else args.repeat
    X, y = make_classification(
        2000 + max(pools), n_features=30, n_informative=8, random_state=0
    )
    print(__doc__.splitlines()[0])
    print(
        f"{'model':18s} {'fit rows':>8s} {'jobs':>4s} {'pool':>7s} {'depth':>5s} "
        f"{'sklearn ms':>10s} {'skxil ms':>9s} {'ratio':>6s} equal"
    )
    for n_fit in (90, 2000):
        for name, make in MODELS.items():
            for n_jobs in (1, 2):
                model = make(n_jobs).fit(X[:n_fit], y[:n_fit])
                clock = time.process_time if n_jobs == 1 else time.perf_counter
                depth = np.mean([e.tree_.max_depth for e in model.estimators_])
                for n_pool in pools:
                    pool = X[2000 : 2000 + n_pool]
                    equal = np.array_equal(
                        tree_proba(model, pool), model.predict_proba(pool)
                    )
                    ours = timed(lambda: tree_proba(model, pool), repeat, clock)
                    theirs = timed(lambda: model.predict_proba(pool), repeat, clock)
                    print(
                        f"{name:18s} {n_fit:8d} {n_jobs:4d} {n_pool:7d} {depth:5.1f} "
                        f"{theirs:10.1f} {ours:9.1f} {theirs / ours:6.2f} {equal}"
                    )


if __name__ == "__main__":
    main()
