"""Benchmark stage 2: does an explanation's stability predict that LIME changes its mind?

For every explained row, a single LIME run (``n_repeats=1``, seed a) is
compared with the next run (seed b): **differs** when their top-5 sets are
not equal, the waste the issue is about (the user corrects an explanation
that the next run would not show). Beside it, how well each stability
measure of run a predicts ``differs`` (ROC AUC of ``1 - measure``; 0.5 is
chance, 1 a perfect warning):

- ``bootstrap score``: ``FastLimeExplainer(n_bootstrap=20)``, the mean
  selection frequency of the shown 5 over 20 bootstrap resamples of run a's
  own surrogate (no more model calls; features and weights unchanged);
- ``bootstrap agree``: the share of those resamples whose top 5 is the shown
  set;
- ``repeats score``: ``n_repeats=5`` with other seeds (5 more runs, 5 times
  the model calls): the mean selection frequency of run a's features over
  them. The reference for the bootstrap: the measure that repeats pay for;
- ``vote score``: the stability of the ``n_repeats=5`` vote itself (its own
  features, not run a's): how unstable the row is, whatever run a showed;
- ``surrogate R^2``: the surrogate's ``score``, the naive warning.

Settings: scikit-learn's breast cancer (70/30 split, ``n_samples=5000``, 30
features discretised by lime) with a StandardScaler + LogisticRegression
pipeline and a RandomForestClassifier(100); for the logistic pipeline also
lime itself (``LimeExplainer``, lime's runs; only its repeats measure the
stability). And decoy Fashion-MNIST (``load_fashion_mnist``, Ross et al.'s
4 x 4 decoy): an MLP(50, 30) trained on a subset of decoyed training images,
explained in image mode over a 7 x 7 grid of 4 x 4 patches
(``n_samples=1000``) on decoyed test images; skipped with a message when the
data is not installed. ``time x`` is the cost of run a with the bootstrap
over run a without (best of two timings each).

Usage::

    python benchmarks/bench_stability.py --quick   # 40 rows, 3000 images
    python benchmarks/bench_stability.py           # 171 rows, 10000 images
"""

import argparse
import time
import warnings

import numpy as np
from _breast_cancer import load, models
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skxil.explain import FastLimeExplainer, LimeExplainer, Stability

K = 5
B = 20
R = 5


def _auc(differs, warning):
    if differs.all() or not differs.any():
        return float("nan")
    return roc_auc_score(differs, warning)


def _timed(explainer, model, X):
    """The explanations and the best of two timings."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        out = explainer.explain(model, X)
        times.append(time.perf_counter() - start)
    return out, min(times)


def measure(make, model, X_fit, X, bootstrap=True):
    """One table row: differs rate, AUCs, cost of the bootstrap."""
    for kw in ({}, {"n_bootstrap": B} if bootstrap else {}):  # compile, warm up
        make(random_state=0, **kw).fit(X_fit).explain(model, X[:2])
    a_plain, t_plain = _timed(make(random_state=1).fit(X_fit), model, X)
    if bootstrap:
        a, t_boot = _timed(make(random_state=1, n_bootstrap=B).fit(X_fit), model, X)
        for e, f in zip(a, a_plain):  # the bootstrap changes no explanation
            assert np.array_equal(e.features, f.features)
            assert np.array_equal(e.weights, f.weights)
    else:
        a, t_boot = a_plain, float("nan")
    b = make(random_state=2).fit(X_fit).explain(model, X)
    rep = make(random_state=3, n_repeats=R).fit(X_fit).explain(model, X)
    differs = np.array([set(e.features) != set(f.features) for e, f in zip(a, b)])
    # run a's features over the R other runs (the runs behind rep's vote are
    # not returned; their spread is re-measured by explaining R single runs)
    singles = [make(random_state=10 + r).fit(X_fit).explain(model, X) for r in range(R)]
    repeats = np.array(
        [
            Stability.from_explanations(a[i], [s[i] for s in singles]).score
            for i in range(len(X))
        ]
    )
    row = {
        "differs": differs.mean(),
        "bootstrap score": (
            _auc(differs, [-e.stability.score for e in a]) if bootstrap else np.nan
        ),
        "bootstrap agree": (
            _auc(differs, [-e.stability.agreement for e in a]) if bootstrap else np.nan
        ),
        "repeats score": _auc(differs, -repeats),
        "vote score": _auc(differs, [-e.stability.score for e in rep]),
        "surrogate R^2": _auc(differs, [-(e.score or 0.0) for e in a]),
        "time x": t_boot / t_plain,
        "mean stab": (np.mean([e.stability.score for e in a]) if bootstrap else np.nan),
    }
    return row


def breast_cancer(n_rows, n_samples):
    X_train, X_test, y_train, _ = load()
    X = X_test[:n_rows]
    rows = {}
    for name, model in models(X_train, y_train).items():

        def make(**kw):
            return FastLimeExplainer(n_features=K, n_samples=n_samples, **kw)

        rows[f"cancer, {name}, fast"] = measure(make, model, X_train, X)
        if name.startswith("LogReg"):

            def make_lime(**kw):
                return LimeExplainer(n_features=K, n_samples=n_samples, **kw)

            rows[f"cancer, {name}, lime"] = measure(
                make_lime, model, X_train, X, bootstrap=False
            )
    return rows


def fashion(n_rows, n_train, epochs):
    from skxil.datasets import add_decoy, load_fashion_mnist

    try:
        X_train, y_train, X_test, y_test = load_fashion_mnist()
    except FileNotFoundError as error:
        print(f"Decoy Fashion-MNIST skipped: {error}")
        return {}
    rng = np.random.RandomState(0)
    train = rng.choice(len(X_train), n_train, replace=False)
    X_train, _ = add_decoy(X_train[train], y_train[train], train=True, random_state=0)
    X_test, _ = add_decoy(X_test[:n_rows], y_test[:n_rows], train=False, random_state=1)
    model = make_pipeline(
        FunctionTransformer(lambda Z: np.asarray(Z, dtype=float) / 255.0),
        MLPClassifier(hidden_layer_sizes=(50, 30), max_iter=epochs, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train[train])

    def make(**kw):
        return FastLimeExplainer(
            n_features=K,
            mode="image",
            shape=(28, 28),
            patch_size=4,
            n_samples=1000,
            **kw,
        )

    X = np.asarray(X_test, dtype=float)
    return {"decoy fashion, MLP, fast": measure(make, model, X_train, X)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_rows = 40 if args.quick else 171
    start = time.perf_counter()
    rows = breast_cancer(n_rows, 5000)
    rows.update(
        fashion(n_rows, 3000 if args.quick else 10000, 15 if args.quick else 30)
    )
    columns = list(next(iter(rows.values())))
    print(f"{n_rows} rows per setting, k = {K}; ROC AUC of (1 - measure) vs 'differs'")
    print(f"{'setting':34s}" + "".join(f"{c:>16s}" for c in columns))
    for name, row in rows.items():
        print(f"{name:34s}" + "".join(f"{row[c]:16.3f}" for c in columns))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
