"""Benchmark: reviewing a trained model, row rankings side by side.

``make_confounded_classification`` leaks the label through a decoy (its last
column) in training; the decoy is random in test. A CaipiClassifier around
LogisticRegression is trained on the whole confounded training split without
any feedback. Then a simulated reviewer (``SimulatedUser(relevant)``: it
corrects the explained features that are not relevant, on rows the model gets
right) reviews training rows in batches of 10, chosen by each ranking of
:func:`skxil.review.rank_for_review` ("uncertain", "corrected_features",
"random", rows already reviewed excluded); after each batch the learner is
refitted through :meth:`CaipiClassifier.review`. At k = 10 / 50 / 200 reviewed
rows the script prints, averaged over seeds, the unconfounded test accuracy, the
share of the decoy in |coef| and the fraction of test explanations with the
decoy in their top 3. The references beside them: no review (k = 0) and the
global correction ``always_correct=[decoy]`` (zero reviews). Last, for each
ranking, the fewest reviews (a multiple of 10) after which the test accuracy
closes half the gap between no review and the global correction.

Run ``python benchmarks/bench_review.py`` (``--quick`` for a small run).
"""

import argparse
import time

import numpy as np

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import LinearExplainer
from skxil.review import rank_for_review
from skxil.simulate import SimulatedUser

SETTINGS = {
    "quick": dict(n_samples=600, n_seeds=2),
    "full": dict(n_samples=1000, n_seeds=5),
}
KS = (10, 50, 200)
BATCH = 10
RANKINGS = ("uncertain", "corrected_features", "random")
# As in bench_confounded: every real row says "the decoy is the label", so a
# correction needs several counterexamples to outweigh it.
N_COUNTEREXAMPLES = 10
TOP = 3


def make_learner(seed, **params):
    return CaipiClassifier(
        explainer=LinearExplainer(n_features=TOP),
        n_counterexamples=N_COUNTEREXAMPLES,
        random_state=seed,
        **params,
    )


def scores(learner, X_test, y_test, decoy):
    coef = np.abs(learner.estimator_.coef_).sum(axis=0)
    explanations = learner.explain(X_test)
    in_top = np.mean([decoy in list(e.features[:TOP]) for e in explanations])
    return (
        learner.score(X_test, y_test),
        coef[decoy] / coef.sum(),
        in_top,
    )


def run_seed(seed, n_samples, k_max):
    X, X_test, y, y_test, relevant = make_confounded_classification(
        n_samples, random_state=seed
    )
    decoy = X.shape[1] - 1
    out = {}
    base = make_learner(seed).fit(X, y)
    out["no review", 0] = scores(base, X_test, y_test, decoy)
    glob = make_learner(seed, always_correct=[decoy]).fit(X, y)
    out["always_correct", 0] = scores(glob, X_test, y_test, decoy)
    timings = {}
    for method in RANKINGS:
        learner = make_learner(seed).fit(X, y)
        user = SimulatedUser(relevant)
        reviewed = np.zeros(0, dtype=np.intp)
        start = time.perf_counter()
        for step in range(k_max // BATCH):
            rows = rank_for_review(
                learner, BATCH, method=method, exclude=reviewed,
                random_state=seed * 1000 + step,
            )
            _, corrections = user.answer_batch(X[rows], y[rows], learner.explain(X[rows]))
            learner.review(rows, corrections=list(corrections))
            reviewed = np.concatenate([reviewed, rows])
            out[method, len(reviewed)] = scores(learner, X_test, y_test, decoy)
        timings[method] = time.perf_counter() - start
    return out, timings


def main(quick=False):
    settings = SETTINGS["quick" if quick else "full"]
    n_samples = settings["n_samples"]
    k_max = max(KS)
    runs = [run_seed(seed, n_samples, k_max) for seed in range(settings["n_seeds"])]
    mean = {
        key: np.mean([run[0][key] for run in runs], axis=0) for key in runs[0][0]
    }
    print(
        f"make_confounded_classification({n_samples}): {n_samples // 2} training rows, "
        f"{settings['n_seeds']} seeds, LogisticRegression, {N_COUNTEREXAMPLES} "
        f"counterexamples per correction, batches of {BATCH}"
    )
    header = f"{'ranking':<20} {'k':>4} {'test acc':>9} {'decoy |coef| share':>19} {'decoy in top-3':>15}"
    print(header)
    print("-" * len(header))
    for name in ("no review", "always_correct"):
        acc, share, top = mean[name, 0]
        print(f"{name:<20} {0:>4} {acc:>9.3f} {share:>19.3f} {top:>15.3f}")
    for method in RANKINGS:
        for k in KS:
            acc, share, top = mean[method, k]
            print(f"{method:<20} {k:>4} {acc:>9.3f} {share:>19.3f} {top:>15.3f}")
    target = (mean["no review", 0][0] + mean["always_correct", 0][0]) / 2
    print(
        f"\nfewest reviews to reach test accuracy >= {target:.3f} "
        "(half way from no review to always_correct):"
    )
    best = None
    for method in RANKINGS:
        ks = [k for (m, k) in mean if m == method and mean[m, k][0] >= target]
        k = min(ks) if ks else None
        seconds = np.mean([run[1][method] for run in runs])
        print(
            f"  {method:<20} {('> ' + str(k_max)) if k is None else k:>6}"
            f"   ({seconds:.1f} s for {k_max} reviews)"
        )
        if k is not None and (best is None or k < best[1]):
            best = (method, k)
    print(f"fewest reviews: {best[0]} ({best[1]})" if best else "no ranking reached it")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run")
    main(quick=parser.parse_args().quick)
