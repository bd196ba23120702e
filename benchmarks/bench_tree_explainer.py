"""Benchmark stage 2: TreeExplainer (exact TreeSHAP) beside shap, FastLime and lime.

Two data sets of 30 features: scikit-learn's breast cancer (stratified 70/30
split, 398 training rows) and a synthetic one
(``make_classification(2000, 30, n_informative=10)``, 1500 training rows,
deeper trees). Four tree ensembles of 100 trees with scikit-learn's default
depths: RandomForest, ExtraTrees, GradientBoosting and HistGradientBoosting.
Then the issue's setting, the CAIPI round of ``bench_rounds.py``: the
RandomForest(100) trained on the first 50 rows of
``make_classification(10050, n_features=30, n_informative=8)``, explaining
1 and 20 rows of the 10000-row pool.
For each it prints, in ms per explained row (the best of a few rounds after a
warm-up call that compiles or loads the numba kernels):

- ``ours``: ``TreeExplainer(n_features=5).explain`` (SHAP values of all
  classes, the prediction read off them and the Explanation objects);
- ``ours cpu`` / ``shap cpu``: ``TreeExplainer.shap_values`` and
  ``shap.TreeExplainer(model).shap_values`` in CPU time of this process (the
  fairer figure on a loaded machine), and ``shap/ours``, their ratio;
- ``ser``: wall time of the explainer's serial kernel (linear in the
  depth), ``ref``: of the reference kernel (Algorithm 2 of Lundberg et
  al.), ``par``: of the kernel with ``parallel=True`` (numba's threads);
- ``fast`` / ``lime``: ``FastLimeExplainer`` and ``LimeExplainer`` (lime
  0.2.0.1) with their defaults (5000 samples), timed on fewer rows, and
  ``fast/ours``, ``lime/ours``;
- ``max|d|``: the largest absolute difference of our SHAP values to shap's;
- ``top5``: the share of our top-5 features (by |SHAP value| of the
  predicted class) that FastLime's top 5 also has.

Run ``python benchmarks/bench_tree_explainer.py`` (``--quick``: fewer rows
and rounds, under a minute).
"""

import argparse
import time

import numpy as np
import shap
from _breast_cancer import load
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)

from skxil.explain import FastLimeExplainer, LimeExplainer, TreeExplainer
from skxil.explain._tree_kernels import rows_shap
from skxil.explain._tree_linear import rows_shap_linear, rows_shap_linear_parallel

K = 5
MODELS = {
    "RandomForest(100)": lambda: RandomForestClassifier(100, random_state=0),
    "ExtraTrees(100)": lambda: ExtraTreesClassifier(100, random_state=0),
    "GradientBoosting(100)": lambda: GradientBoostingClassifier(random_state=0),
    "HistGradientBoosting(100)": lambda: HistGradientBoostingClassifier(
        early_stopping=False, random_state=0
    ),
}


def datasets():
    X_train, X_test, y_train, _ = load()
    yield "breast cancer", X_train, y_train, X_test
    X, y = make_classification(2000, 30, n_informative=10, random_state=0)
    yield "synthetic", X[:1500], y[:1500], X[1500:]


def best(func, rounds, clock=time.perf_counter):
    times = []
    for _ in range(rounds):
        t0 = clock()
        func()
        times.append(clock() - t0)
    return min(times)


def _kernels(explainer, model, rows, rounds):
    """Wall time of the serial, the reference and the parallel kernel."""
    flat = explainer._flattened(model)
    X = np.ascontiguousarray(np.asarray(rows, dtype=flat.input_dtype), dtype=np.float64)
    ensemble, forest, n_values = flat.kernel_args()
    reference = (flat.node_ints, flat.node_floats, flat.values, flat.cat_left)
    ref_args = (reference, flat.trees, flat.max_depth, flat.n_outputs)
    rows_shap_linear_parallel(X[:2], ensemble, forest, n_values)  # warm-up
    rows_shap(X[:2], *ref_args)
    serial = best(lambda: rows_shap_linear(X, ensemble, forest, n_values), rounds)
    ref = best(lambda: rows_shap(X, *ref_args), rounds)
    parallel = best(
        lambda: rows_shap_linear_parallel(X, ensemble, forest, n_values), rounds
    )
    return serial, ref, parallel


def _shap_array(explainer, rows):
    values = np.asarray(explainer.shap_values(rows))
    return values[:, :, None] if values.ndim == 2 else values


def bench(model, X_train, rows, n_lime_rows, rounds):
    n = len(rows)
    ours = TreeExplainer(n_features=K).fit(X_train)
    explanations = ours.explain(model, rows)  # warm-up and the flattening
    reference = shap.TreeExplainer(model)
    t_ours = best(lambda: ours.explain(model, rows), rounds) / n
    cpu_ours = (
        best(lambda: ours.shap_values(model, rows), rounds, time.process_time) / n
    )
    cpu_shap = best(lambda: reference.shap_values(rows), rounds, time.process_time) / n
    serial, ref, parallel = _kernels(ours, model, rows, rounds)
    values, _ = ours.shap_values(model, rows)
    diff = np.abs(values - _shap_array(reference, rows)).max()
    fast = FastLimeExplainer(n_features=K, random_state=0).fit(X_train)
    fast.explain(model, rows[:1])
    n_fast = min(n, max(2, n // 10))
    t0 = time.perf_counter()
    fast_explanations = fast.explain(model, rows[:n_fast])
    t_fast = (time.perf_counter() - t0) / n_fast
    lime = LimeExplainer(n_features=K, random_state=0).fit(X_train)
    t0 = time.perf_counter()
    lime.explain(model, rows[:n_lime_rows])
    t_lime = (time.perf_counter() - t0) / n_lime_rows
    top = np.mean(
        [
            len(set(a.features) & set(b.features)) / K
            for a, b in zip(explanations, fast_explanations)
        ]
    )
    return {
        "ours": 1e3 * t_ours,
        "cpu_ours": 1e3 * cpu_ours,
        "cpu_shap": 1e3 * cpu_shap,
        "ser": 1e3 * serial / n,
        "ref": 1e3 * ref / n,
        "par": 1e3 * parallel / n,
        "fast": 1e3 * t_fast,
        "lime": 1e3 * t_lime,
        "diff": diff,
        "top": top,
    }


def _issue_setting():
    """The CAIPI round of bench_rounds.py: 50 training rows, a 10000-row pool."""
    X, y = make_classification(10050, n_features=30, n_informative=8, random_state=0)
    return X[:50], y[:50], X[50:]


HEADER = (
    f"{'model':<26} {'ours':>6} {'ours cpu':>8} {'shap cpu':>8} {'shap/ours':>9} "
    f"{'ser':>6} {'ref':>6} {'par':>6} {'fast':>7} {'fast/ours':>9} {'lime':>7} "
    f"{'lime/ours':>9} {'max|d|':>8} {'top5':>5}"
)


def _print_row(name, r):
    print(
        f"{name:<26} {r['ours']:>6.3f} {r['cpu_ours']:>8.3f} "
        f"{r['cpu_shap']:>8.3f} {r['cpu_shap'] / r['cpu_ours']:>9.2f} "
        f"{r['ser']:>6.3f} {r['ref']:>6.3f} {r['par']:>6.3f} {r['fast']:>7.2f} "
        f"{r['fast'] / r['ours']:>9.1f} {r['lime']:>7.1f} "
        f"{r['lime'] / r['ours']:>9.0f} {r['diff']:>8.1e} {r['top']:>5.2f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and rounds")
    args = parser.parse_args()
    n_rows, n_lime_rows, rounds = (20, 1, 2) if args.quick else (170, 5, 5)
    for data, X_train, y_train, X_test in datasets():
        rows = X_test[:n_rows]
        print(
            f"\n{data}: {len(X_train)} training rows, {len(rows)} explained, ms per row"
        )
        print(HEADER)
        print("-" * len(HEADER))
        for name, make in MODELS.items():
            model = make().fit(X_train, y_train)
            _print_row(name, bench(model, X_train, rows, n_lime_rows, rounds))
    X_train, y_train, pool = _issue_setting()
    model = MODELS["RandomForest(100)"]().fit(X_train, y_train)
    print("\nthe issue's CAIPI round: 50 training rows, ms per row")
    print(HEADER)
    print("-" * len(HEADER))
    for n in (1, 20):
        r = bench(model, X_train, pool[:n], 1, max(rounds, 5))
        _print_row(f"RandomForest(100), {n} row{'s' if n > 1 else ''}", r)


if __name__ == "__main__":
    main()
