"""Scoring a pool with a tree or forest: skxil's replay against ``predict_proba``.

``skxil.query`` scores a pool for a random forest or extra trees through
:mod:`skxil.explain._tree_predict` (a block of rows walks one tree at a
time, without branches), equal to scikit-learn's
``predict_proba`` bit for bit; this checks the equality and times both, in
CPU time per call (median of ``--repeat``), on pools of 30 features from
``make_classification``. Models: fitted on 90 rows (the speed issue's round:
shallow trees) and on 2000 rows (deep trees), with ``n_jobs=1`` and
``n_jobs=2`` (wall time: two threads). A single decision tree is timed
too, through the replay kernel alone: queries do not replay it, since its
``predict_proba`` takes a few ms even on 100000 rows, about what the
checks and the float32 copy of the pool path cost.

Run ``python benchmarks/bench_pool_trees.py`` (under a minute) or
``--quick``.
"""

import argparse
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from skxil.explain._tree_predict import forest_routes

from skxil.query._trees import tree_proba

MODELS = {
    "DecisionTree": lambda n_jobs: DecisionTreeClassifier(random_state=0),
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


def _replay(model, n_jobs):
    """What a query runs: the pool path for forests, the kernel for a tree."""
    if isinstance(model, DecisionTreeClassifier):
        routes = forest_routes(model)
        return lambda pool: routes.proba(np.asarray(pool, dtype=np.float32))
    return lambda pool: tree_proba(model, pool)


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
            for n_jobs in (1,) if name == "DecisionTree" else (1, 2):
                model = make(n_jobs).fit(X[:n_fit], y[:n_fit])
                clock = time.process_time if n_jobs == 1 else time.perf_counter
                trees = getattr(model, "estimators_", [model])
                depth = np.mean([e.tree_.max_depth for e in trees])
                replay = _replay(model, n_jobs)
                for n_pool in pools:
                    pool = X[2000 : 2000 + n_pool]
                    equal = np.array_equal(replay(pool), model.predict_proba(pool))
                    ours = timed(lambda: replay(pool), repeat, clock)
                    theirs = timed(lambda: model.predict_proba(pool), repeat, clock)
                    print(
                        f"{name:18s} {n_fit:8d} {n_jobs:4d} {n_pool:7d} {depth:5.1f} "
                        f"{theirs:10.1f} {ours:9.1f} {theirs / ours:6.2f} {equal}"
                    )


if __name__ == "__main__":
    main()
