"""
Grid-searching c by the right reasons
=====================================

How many counterexamples should a correction make? Grid-searching
``n_counterexamples`` (c) by plain accuracy picks c = 0 on confounded data: the
validation folds carry the same decoy as the training folds, so relying on it scores
best. :class:`skxil.model_selection.RightReasonsScorer` scores each validation fold
with its corrected features re-drawn (labels kept), so a model that relies on them
loses what it would lose on data without the decoy.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.model_selection import RightReasonsScorer

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_samples, cv = (300, 3) if QUICK else (2000, 5)

X, X_test, y, y_test, relevant = make_confounded_classification(
    n_samples, random_state=0
)
mask = np.zeros(X.shape, dtype=bool)
mask[:, -1] = True  # the person said "not the decoy" on every training row
grid = {"n_counterexamples": [0, 1, 3], "estimator__C": [0.1, 1.0]}

# %%
# The same search scored two ways. Metadata routing hands the learner and the
# scorer each fold's part of the corrections.
results = {}
with sklearn.config_context(enable_metadata_routing=True):
    learner = CaipiClassifier(LogisticRegression(), random_state=0)
    learner.set_fit_request(corrections=True)
    for name, scoring in [
        ("accuracy", "accuracy"),
        ("right reasons", RightReasonsScorer(random_state=0).set_score_request(
            corrections=True)),
    ]:  # fmt: skip
        search = GridSearchCV(learner, grid, scoring=scoring, cv=cv)
        search.fit(X, y, corrections=mask)
        results[name] = search
        print(
            f"{name:13s} picks c = {search.best_params_['n_counterexamples']}, "
            f"C = {search.best_params_['estimator__C']}: cv score "
            f"{search.best_score_:.3f}, test accuracy "
            f"{search.best_estimator_.score(X_test, y_test):.3f}"
        )

# %%
# Cross-validation score against c (C = 0.1), and the chosen models' accuracy on
# the test set, whose decoy is random.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for name, search in results.items():
    table = search.cv_results_
    keep = np.asarray(table["param_estimator__C"]) == 0.1
    axes[0].plot(
        np.asarray(table["param_n_counterexamples"])[keep],
        table["mean_test_score"][keep], "o-", label=name,
    )  # fmt: skip
axes[0].set(xlabel="n_counterexamples (c)", ylabel="cv score", title="the search")
axes[0].legend()
names = list(results)
axes[1].bar(names, [results[n].best_estimator_.score(X_test, y_test) for n in names])
axes[1].set(ylabel="test accuracy", ylim=(0, 1), title="the chosen model")
plt.show()
