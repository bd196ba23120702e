"""CAIPI on data with a confounder: the user's corrections remove the shortcut.

``make_confounded_classification`` makes tabular data whose last column, the
decoy, leaks the label in training and is random in test. Two learners run the
same interactive loop; this script plays the user for both. It always gives the
label; for the second learner it also marks the decoy as irrelevant whenever the
model is right but its explanation leans on the decoy. The table shows, side by
side, test accuracy and how often the explanations of test rows point at the
decoy.

Run: ``python examples/demo.py`` (options: ``--n-iter``, ``--seed``).
"""

import argparse
import time

import numpy as np

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import LimeExplainer


def run_loop(X_pool, y_pool, X_test, y_test, decoy, *, correct, n_iter, n_start, seed):
    """One interactive loop; returns rows (iteration, accuracy, decoy rate, corrections)."""
    rng = np.random.RandomState(seed)
    start = rng.choice(len(y_pool), size=n_start, replace=False)
    # k = 3 features per explanation (with k >= n_features every explanation
    # would show the decoy). Uncertainty sampling queries exactly the rows whose
    # informative features disagree with the decoy, so each correction needs
    # more counterexamples than the default 3 to outweigh them.
    learner = CaipiClassifier(
        explainer=LimeExplainer(n_features=3, n_samples=1000),
        n_counterexamples=10,
        random_state=seed,
    ).fit(X_pool[start], y_pool[start])
    pool = np.setdiff1d(np.arange(len(y_pool)), start)
    test_rows = X_test[:50]
    n_corrections, rows = 0, []
    for iteration in range(1, n_iter + 1):
        i, x = learner.query(X_pool[pool])
        row = pool[i[0]]
        explanation = learner.explain(x)[0]
        label = y_pool[row]
        # The user: the label always; the decoy marked irrelevant when the model
        # is right for the wrong reason.
        right = explanation.predicted_class == label
        leans_on_decoy = decoy in explanation.features
        correction = [decoy] if (correct and right and leans_on_decoy) else None
        n_corrections += correction is not None
        learner.teach(x, [label], corrections=[correction])
        pool = np.delete(pool, i[0])
        if iteration % max(1, n_iter // 5) == 0 or iteration == n_iter:
            explanations = learner.explain(test_rows)
            decoy_rate = np.mean([decoy in e.features for e in explanations])
            rows.append(
                (iteration, learner.score(X_test, y_test), decoy_rate, n_corrections)
            )
    return rows, learner


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=40, help="queries per learner")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X_pool, X_test, y_pool, y_test, relevant = make_confounded_classification(
        800, class_sep=1.5, random_state=args.seed
    )
    decoy = X_pool.shape[1] - 1
    print(
        f"{X_pool.shape[1]} features: {relevant.sum()} informative, the last one "
        f"(x{decoy}) a decoy that leaks the label in training only.\n"
    )
    tic = time.perf_counter()
    common = {"n_iter": args.n_iter, "n_start": 10, "seed": args.seed}
    plain, _ = run_loop(X_pool, y_pool, X_test, y_test, decoy, correct=False, **common)
    caipi, caipi_learner = run_loop(
        X_pool, y_pool, X_test, y_test, decoy, correct=True, **common
    )

    print("             labels only             labels + corrections")
    print("iteration  test acc  decoy in expl.   test acc  decoy in expl.  corrections")
    for (it, acc0, rate0, _), (_, acc1, rate1, n_corr) in zip(plain, caipi):
        print(
            f"{it:9d}  {acc0:8.3f}  {rate0:14.0%}   {acc1:8.3f}  {rate1:14.0%}  "
            f"{n_corr:11d}"
        )
    ts = caipi_learner.training_set_
    print(
        f"\nWith corrections the learner trained on {ts.n_real} labelled rows and "
        f"{ts.n_counterexamples} counterexamples (decoy re-drawn, label kept)."
    )
    print(f"({time.perf_counter() - tic:.1f} s)")


if __name__ == "__main__":
    main()
