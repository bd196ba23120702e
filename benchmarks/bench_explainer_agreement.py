"""Benchmark stage 2: faithfulness and stability of FastLimeExplainer beside lime.

scikit-learn's breast-cancer data (stratified 70/30 split; 100 test rows are
explained), a StandardScaler + LogisticRegression pipeline and a
RandomForestClassifier(100), ``n_samples=5000``, ``k=5``,
``feature_selection="highest_weights"``. Every explainer is run once per
seed 0..19 (``n_repeats=1``); then, averaged over the explained rows:

- **agreement**: the top-5 features of the fast explainer's weights averaged
  over seeds 0..9 (a feature not selected in a run counts 0) against lime's
  (``LimeExplainer``, lime 0.2.0.1) over the same seeds: the share of common
  features. Target >= 0.90. The reference beside it is lime against itself
  (seeds 0..9 against seeds 10..19): the agreement its own randomness allows;
- **stability**: the top-5 overlap of two runs with different seeds, for
  R = 1 (the ten seed pairs (0, 1), (2, 3), ...) and R = 10 (the vote of
  seeds 0..9 against the vote of seeds 10..19, which is what
  ``n_repeats=10`` computes), for lime and for the fast explainer.

Run ``python benchmarks/bench_explainer_agreement.py`` (``--quick`` explains
20 rows; ``--n-jobs`` sets lime's joblib jobs, default 2).
"""

import argparse
import time

import numpy as np
from _breast_cancer import load, models

from skxil.explain import FastLimeExplainer, LimeExplainer
from skxil.explain._lime import vote

K = 5
N_SAMPLES = 5000
N_SEEDS = 20


def runs(explainer, model, rows):
    """``out[s][i]``: the explanation of row ``i`` with seed ``s``."""
    out = []
    for seed in range(N_SEEDS):
        explainer.set_params(random_state=seed)
        out.append(explainer.explain(model, rows))
    return out


def averaged_top(per_seed, seeds, n_features=30):
    """Top-k features of the weights averaged over ``seeds``, one set per row."""
    tops = []
    for i in range(len(per_seed[0])):
        total = np.zeros(n_features)
        for s in seeds:
            e = per_seed[s][i]
            total[e.features] += e.weights
        tops.append(set(np.argsort(-np.abs(total), kind="stable")[:K].tolist()))
    return tops


def voted_top(per_seed, seeds):
    """Top-k features by vote over ``seeds`` (what n_repeats computes)."""
    tops = []
    for i in range(len(per_seed[0])):
        features, _ = vote(
            [list(zip(per_seed[s][i].features, per_seed[s][i].weights)) for s in seeds],
            K,
        )
        tops.append(set(features.tolist()))
    return tops


def overlap(a, b):
    return float(np.mean([len(x & y) / K for x, y in zip(a, b)]))


def stability(per_seed):
    single = np.mean(
        [
            overlap(
                [set(e.features.tolist()) for e in per_seed[s]],
                [set(e.features.tolist()) for e in per_seed[s + 1]],
            )
            for s in range(0, N_SEEDS, 2)
        ]
    )
    voted = overlap(voted_top(per_seed, range(10)), voted_top(per_seed, range(10, 20)))
    return {1: float(single), 10: voted}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="explain 20 rows")
    parser.add_argument("--n-jobs", type=int, default=2, help="lime's joblib jobs")
    args = parser.parse_args()
    X_train, X_test, y_train, _ = load()
    rows = X_test[: 20 if args.quick else 100]
    print(
        f"breast cancer: {len(X_train)} background rows, {len(rows)} explained rows, "
        f"n_samples={N_SAMPLES}, k={K}, highest_weights, seeds 0..{N_SEEDS - 1}"
    )
    results = {}
    for name, model in models(X_train, y_train).items():
        t0 = time.perf_counter()
        common = dict(n_features=K, n_samples=N_SAMPLES)
        lime = runs(
            LimeExplainer(n_jobs=args.n_jobs, **common).fit(X_train), model, rows
        )
        fast = runs(FastLimeExplainer(**common).fit(X_train), model, rows)
        lime_ref = averaged_top(lime, range(10))
        results[name] = dict(
            agreement=overlap(averaged_top(fast, range(10)), lime_ref),
            lime_self=overlap(averaged_top(lime, range(10, 20)), lime_ref),
            stability_lime=stability(lime),
            stability_fast=stability(fast),
            seconds=time.perf_counter() - t0,
        )

    header = (
        f"{'agreement (top-5, 10 seeds)':<28} {'fast vs lime':>12} "
        f"{'lime vs lime':>12} {'ratio':>6} {'target':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<28} {r['agreement']:>12.3f} {r['lime_self']:>12.3f} "
            f"{r['agreement'] / r['lime_self']:>6.2f} {'>=0.90':>7}"
        )
    header = (
        f"{'stability (top-5, 2 seeds)':<28} {'R':>2} {'fast':>7} {'lime':>7} "
        f"{'fast/lime':>9}"
    )
    print()
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        for R in (1, 10):
            fast, lime = r["stability_fast"][R], r["stability_lime"][R]
            print(f"{name:<28} {R:>2} {fast:>7.3f} {lime:>7.3f} {fast / lime:>9.2f}")
    print()
    print(
        "agreement: share of common features between the top-5 of weights averaged "
        "over seeds 0..9, fast against lime; lime vs lime: seeds 10..19 against "
        "0..9 (the ceiling lime's own noise allows). stability: R=1 mean over seed "
        "pairs (0,1), (2,3), ...; R=10 vote of seeds 0..9 against 10..19. "
        + ", ".join(f"{n}: {r['seconds']:.0f} s" for n, r in results.items())
    )


if __name__ == "__main__":
    main()
