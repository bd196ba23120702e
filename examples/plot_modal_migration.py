"""
Migrating from modAL
====================

modAL's ``ActiveLearner.teach`` fails on scikit-learn >= 1.8. :mod:`skxil.modal`
has modAL's ``ActiveLearner`` and ``Committee`` on top of
:class:`~skxil.CaipiClassifier`, so a modAL script keeps working with one changed
import, and gains corrections: ``teach(X, y, corrections=...)``.

Below, modAL's pool-based example with the import changed, run twice on data with a
decoy column: once as modAL would (labels only) and once with the decoy corrected
whenever an explanation shows it.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

# from modAL.models import ActiveLearner
from skxil.datasets import make_confounded_classification
from skxil.modal import ActiveLearner
from skxil.query import uncertainty_sampling

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_queries = 15 if QUICK else 60

X, X_test, y, y_test, relevant = make_confounded_classification(
    800, class_sep=1.5, random_state=0
)
decoy = X.shape[1] - 1  # leaks the label in the pool, random in test

# %%
# The modAL loop. ``explain`` is new; everything else is modAL's API.
scores = {}
for correct in (False, True):
    learner = ActiveLearner(
        estimator=LogisticRegression(),
        query_strategy=uncertainty_sampling,
        X_training=X[:10],
        y_training=y[:10],
        n_counterexamples=10,
        random_state=0,
    )
    X_pool, y_pool = X[10:], y[10:]
    accuracy = [learner.score(X_test, y_test)]
    for _ in range(n_queries):
        query_idx, query_rows = learner.query(X_pool)
        explanation = learner.explain(query_rows)[0]
        # A person who knows the decoy: "do not rely on it" when it is among the
        # three strongest features of the explanation.
        shown = np.argsort(-np.abs(explanation.weights))[:3]
        wrong = decoy in explanation.features[shown]
        corrections = [[decoy]] if correct and wrong else None
        learner.teach(query_rows, y_pool[query_idx], corrections=corrections)
        X_pool, y_pool = np.delete(X_pool, query_idx, 0), np.delete(y_pool, query_idx)
        accuracy.append(learner.score(X_test, y_test))
    scores["labels + corrections" if correct else "labels only (modAL)"] = accuracy

# %%
# Test accuracy after each query.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for label, accuracy in scores.items():
    ax.plot(accuracy, label=label)
    print(f"{label}: {accuracy[-1]:.3f} after {n_queries} queries")
ax.set(xlabel="queries", ylabel="test accuracy", ylim=(0.4, 1))
ax.legend()
plt.show()

# %%
# modAL's strategy functions (``modAL.uncertainty.*``, ``modAL.batch.*``, ...) run
# on these learners too; ``python benchmarks/bench_modal.py`` runs modAL's
# documented examples with the import changed and lists every strategy function.
