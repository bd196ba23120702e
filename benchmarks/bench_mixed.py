"""Benchmark: CAIPI on a mixed-type table with a string decoy.

``make_confounded_table`` gives a pandas DataFrame with float, int, str,
``category``, bool and nullable ``Int64`` columns; its str column ``site``
names the class's site in training and is random in test. Two parts:

1. **Accuracy.** Two models, fitted on the training split with the decoy
   corrected by name on every row (``corrections=[["site"]] * n``):
   a one-hot logistic pipeline (``ColumnTransformer(OneHotEncoder,
   StandardScaler)`` + ``LogisticRegression``) and
   ``HistGradientBoostingClassifier(categorical_features="from_dtype")`` on
   ``category`` columns. It prints the test accuracy with c = 0
   counterexamples (the corrections do nothing: the model as plain
   scikit-learn fits it) and c = 3, beside the ceiling (the same model fitted
   without the ``site`` column), mean and standard deviation over seeds.
2. **Explainer speed.** Explaining test rows over the original columns
   (n_samples=5000, k=5): ``FastLimeExplainer`` (what ``explainer="fast_lime"``
   runs, categorical columns perturbed from their observed frequencies;
   ``serial``: the same with ``prefetch=False``),
   lime's ``LimeTabularExplainer`` with ``categorical_features`` (through
   ``LimeExplainer``, on the same codes and the same decoding model), and the
   model's own ``predict_proba`` on 5000 rows per explanation given as a
   DataFrame with the user's dtypes (the decoding included), in one call as
   the explainer makes it. Milliseconds per explanation, best of a few runs,
   and the ratios. With prefetch, a multi-chunk call gives the sampling
   thread a core of its own and limits the model's thread pools to the
   other one: this pays for a BLAS model, and costs a model that uses both
   cores itself (HistGradientBoosting's OpenMP), which ``serial`` shows.

Run ``python benchmarks/bench_mixed.py`` (``--quick`` for a smaller run).
"""

import argparse
import time

import numpy as np
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_table
from skxil.explain import FastLimeExplainer, LimeExplainer

SETTINGS = {
    "quick": dict(n_samples=1000, n_seeds=2, n_explain=4, n_lime=2, repeats=2),
    "full": dict(n_samples=4000, n_seeds=5, n_explain=20, n_lime=5, repeats=3),
}


def one_hot_logistic():
    return make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"),
             make_column_selector(dtype_exclude="number")),
            (StandardScaler(), make_column_selector(dtype_include="number")),
        ),
        LogisticRegression(max_iter=1000),
    )


def boosting():
    return HistGradientBoostingClassifier(categorical_features="from_dtype",
                                          random_state=0)


def as_categories(X, reference=None):
    """The str columns as ``category`` (HistGradientBoosting reads only those)."""
    X = X.copy()
    for column in ("color", "site"):
        X[column] = X[column].astype(
            "category" if reference is None else reference[column].dtype
        )
    return X


MODELS = {
    "one-hot logistic": (one_hot_logistic, lambda X, ref=None: X),
    "HistGradientBoosting": (boosting, as_categories),
}


def accuracy(make_model, prepare, seed, n_samples):
    X, X_test, y, y_test, _ = make_confounded_table(n_samples, random_state=seed)
    X = prepare(X)
    X_test = prepare(X_test, X)
    scores = {}
    for c in (0, 3):
        learner = CaipiClassifier(make_model(), n_counterexamples=c, random_state=seed)
        learner.fit(X, y, corrections=[["site"]] * len(y))
        scores[c] = learner.score(X_test, y_test)
    ceiling = make_model().fit(X.drop(columns="site"), y)
    scores["ceiling"] = ceiling.score(X_test.drop(columns="site"), y_test)
    return scores


def best_time(func, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def speed(make_model, prepare, settings):
    X, X_test, y, _, _ = make_confounded_table(settings["n_samples"], random_state=0)
    X = prepare(X)
    X_test = prepare(X_test, X)
    rows = X_test[: settings["n_explain"]]
    fast = CaipiClassifier(
        make_model(), explainer=FastLimeExplainer(n_features=5), random_state=0
    ).fit(X, y)
    serial = CaipiClassifier(
        make_model(),
        explainer=FastLimeExplainer(n_features=5, prefetch=False),
        random_state=0,
    ).fit(X, y)
    lime = CaipiClassifier(
        make_model(),
        explainer=LimeExplainer(n_features=5, n_samples=5000),
        random_state=0,
    ).fit(X, y)
    for learner in (fast, serial, lime):
        learner.explain(rows[:1])  # compile or load the kernels, build the explainer
    repeats = settings["repeats"]
    t_fast = best_time(lambda: fast.explain(rows), repeats) / len(rows)
    t_serial = best_time(lambda: serial.explain(rows), repeats) / len(rows)
    few = rows[: settings["n_lime"]]
    t_lime = best_time(lambda: lime.explain(few), repeats) / len(few)
    # The bare model: 5000 rows of codes per explained row, in one call as the
    # explainer makes it (the model's cost does not depend on which values
    # they hold), decoded into the user's DataFrame, then predict_proba.
    space = fast._explainer_cache[1][1]
    model = space.model(fast.estimator_)
    pick = np.random.RandomState(0).randint(len(space.background), size=5000 * len(rows))
    Z = space.background[pick]
    t_bare = best_time(lambda: model.predict_proba(Z), repeats) / len(rows)
    return t_fast, t_serial, t_lime, t_bare


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    settings = SETTINGS["quick" if parser.parse_args().quick else "full"]

    print(f"Test accuracy, decoy 'site' corrected on every row "
          f"({settings['n_samples']} rows, half for test, "
          f"{settings['n_seeds']} seeds; mean +- std)")
    print(f"{'model':<22} {'c = 0':>14} {'c = 3':>14} {'gain':>7} {'ceiling':>14}")
    for name, (make_model, prepare) in MODELS.items():
        runs = [accuracy(make_model, prepare, seed, settings["n_samples"])
                for seed in range(settings["n_seeds"])]
        cols = {k: np.array([r[k] for r in runs]) for k in (0, 3, "ceiling")}
        cell = {k: f"{v.mean():.3f} +- {v.std():.3f}" for k, v in cols.items()}
        gain = cols[3].mean() - cols[0].mean()
        print(f"{name:<22} {cell[0]:>14} {cell[3]:>14} {gain:>+7.3f} "
              f"{cell['ceiling']:>14}")

    print()
    print("Explaining over the original columns (n_samples=5000, k=5), "
          "ms per explanation")
    print(f"{'model':<22} {'fast':>7} {'serial':>7} {'lime':>7} {'lime/fast':>10} "
          f"{'bare':>7} {'fast/bare':>10} {'serial/bare':>12}")
    for name, (make_model, prepare) in MODELS.items():
        t_fast, t_serial, t_lime, t_bare = speed(make_model, prepare, settings)
        print(f"{name:<22} {1e3 * t_fast:>7.1f} {1e3 * t_serial:>7.1f} "
              f"{1e3 * t_lime:>7.1f} {t_lime / t_fast:>9.1f}x {1e3 * t_bare:>7.1f} "
              f"{t_fast / t_bare:>9.2f}x {t_serial / t_bare:>11.2f}x")


if __name__ == "__main__":
    main()
