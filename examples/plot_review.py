"""
Reviewing a trained model
=========================

Feedback need not wait for a query. A model trained without feedback can be
*reviewed*: :func:`skxil.review.rank_for_review` picks training rows to show, a
reviewer (here a :class:`~skxil.simulate.SimulatedUser` who knows the relevant
features) answers each explanation, and :meth:`skxil.CaipiClassifier.review` turns
the answers into counterexamples and refits. When the confounder is known,
``always_correct`` says "never rely on it" once, for every row.
"""

import os

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import LinearExplainer
from skxil.review import rank_for_review
from skxil.simulate import SimulatedUser

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
budgets = [10, 50] if QUICK else [10, 20, 50, 100, 200]

X, X_test, y, y_test, relevant = make_confounded_classification(1000, random_state=0)
decoy = X.shape[1] - 1


def trained(**params):
    """A learner fitted on 500 training rows without any feedback."""
    return CaipiClassifier(
        LogisticRegression(),
        explainer=LinearExplainer(n_features=3),
        n_counterexamples=10,
        random_state=0,
        **params,
    ).fit(X[:500], y[:500])


print(f"no review: test accuracy {trained().score(X_test, y_test):.3f}")

# %%
# Review k training rows per ranking; the reviewer corrects the explained features
# that are not relevant, or accepts the explanation.
user = SimulatedUser(relevant, random_state=0)
accuracy = {method: [] for method in ["random", "uncertain", "corrected_features"]}
for method, scores in accuracy.items():
    for k in budgets:
        learner = trained()
        rows = rank_for_review(learner, k, method=method, random_state=0)
        explanations = learner.explain(X[rows])
        _, corrections = user.answer_batch(X[rows], y[rows], explanations)
        learner.review(rows, corrections=corrections)
        scores.append(learner.score(X_test, y_test))
    print(method, [round(s, 3) for s in scores])

always = trained(always_correct=[decoy]).score(X_test, y_test)
print(f"always_correct=[decoy], no review: {always:.3f}")

# %%
# Test accuracy against the number of reviewed rows.
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for method, scores in accuracy.items():
    ax.plot(budgets, scores, "o-", label=method)
ax.axhline(always, color="gray", linestyle="--", label="always_correct (no review)")
ax.set(xlabel="reviewed training rows", ylabel="test accuracy", xscale="log")
ax.legend()
plt.show()
