"""Benchmark: CAIPI with and without corrections on confounded tabular data.

``make_confounded_classification`` leaks the label through a decoy column in
training; the decoy is random in test. The same learner (logistic regression,
LIME explanations of k = 3 features, uncertainty sampling, 10
counterexamples per correction) runs the CAIPI
loop twice from the same initial labelled set (3 rows per class), once with a
simulated user who corrects explanations that lean on irrelevant features and
once with labels only. It prints, averaged over seeds, the test accuracy, the
explanatory F1 on test rows and on the last 10 queries, and the number of
corrections, with the gain of corrections beside them.

Run ``python benchmarks/bench_confounded.py`` (quick by default; ``--full``
for a larger run).
"""

import argparse

import numpy as np

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import LimeExplainer
from skxil.simulate import SimulatedUser, simulate

SETTINGS = {
    "quick": dict(n_samples=240, n_iter=20, n_seeds=2, lime_samples=200,
                  n_explain_test=10),
    "full": dict(n_samples=1000, n_iter=100, n_seeds=5, lime_samples=1000,
                 n_explain_test=30),
}

# Every real row says "the decoy is the label"; a correction needs many
# counterexamples (decoy re-drawn, label kept) to outweigh them: with the
# default 3 the decoy stays predictive in the augmented training set.
N_COUNTEREXAMPLES = 10

COLUMNS = ("test_accuracy", "test_expl_f1", "query_f1_last10", "n_corrections")


def initial_rows(y, n_per_class, rng):
    """``n_per_class`` random rows of each class."""
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == c), n_per_class, replace=False)
         for c in np.unique(y)]
    )


def run_seed(seed, *, n_samples, n_iter, lime_samples, n_explain_test):
    """Final scores of one seed, with and without corrections."""
    X, X_test, y, y_test, relevant = make_confounded_classification(
        n_samples, class_sep=1.5, random_state=seed
    )
    start = initial_rows(y, 3, np.random.RandomState(seed))
    pool = np.setdiff1d(np.arange(len(y)), start)
    learner = CaipiClassifier(
        explainer=LimeExplainer(n_features=3, n_samples=lime_samples),
        n_counterexamples=N_COUNTEREXAMPLES,
        random_state=seed,
    ).fit(X[start], y[start])
    out = {}
    for name, explain_from in (("with", 0), ("without", None)):
        history = simulate(
            learner, X[pool], y[pool], SimulatedUser(relevant),
            n_iter=n_iter, X_test=X_test, y_test=y_test,
            explain_from=explain_from, eval_every=n_iter,
            n_explain_test=n_explain_test, exclude=X_test,
            progress=False, random_state=seed,
        )
        last = history[-1]
        out[name] = {
            "test_accuracy": last["test_accuracy"],
            "test_expl_f1": last["test_expl_f1"],
            "query_f1_last10": float(np.mean(history.query_scores[-10:, 2])),
            "n_corrections": last["n_corrections"],
        }
    return out


def main(quick=True, verbose=True):
    """Run the benchmark; return ``{"with": {...}, "without": {...}}`` means."""
    settings = dict(SETTINGS["quick" if quick else "full"])
    n_seeds = settings.pop("n_seeds")
    runs = [run_seed(seed, **settings) for seed in range(n_seeds)]
    result = {
        name: {c: float(np.mean([r[name][c] for r in runs])) for c in COLUMNS}
        for name in ("with", "without")
    }
    if verbose:
        print(
            f"confounded data, {settings['n_samples']} samples, "
            f"{settings['n_iter']} iterations, {n_seeds} seeds (mean)"
        )
        print(f"{'':22s}{'with corr.':>12s}{'without':>12s}{'gain':>10s}")
        for c in COLUMNS:
            w, wo = result["with"][c], result["without"][c]
            print(f"{c:22s}{w:12.3f}{wo:12.3f}{w - wo:+10.3f}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="small run (default)")
    group.add_argument("--full", action="store_true", help="larger run")
    args = parser.parse_args()
    main(quick=not args.full)
