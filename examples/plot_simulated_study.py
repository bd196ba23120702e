"""
A simulated study with learning curves
======================================

Before a person sits in front of a learner, :func:`skxil.simulate.simulate` runs
the loop against a :class:`~skxil.simulate.SimulatedUser` who knows which features
are relevant. The data has a decoy column that leaks the label in the pool and is
random in the test set. Two learners get the same simulated user; for the first,
``n_counterexamples=0`` turns its corrections into nothing (labels only), the
baseline that the second, with ten counterexamples per correction, is measured
against.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import LinearExplainer
from skxil.simulate import SimulatedUser, simulate

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_iter, seeds = (20, [0]) if QUICK else (60, [0, 1, 2, 3, 4])

# %%
# One run per seed and setting; ``History.to_frame`` has one row per evaluation.
curves = {0: [], 10: []}
for seed in seeds:
    X, X_test, y, y_test, relevant = make_confounded_classification(
        800, class_sep=1.5, random_state=seed
    )
    for c, frames in curves.items():
        learner = CaipiClassifier(
            explainer=LinearExplainer(n_features=3),
            n_counterexamples=c,
            random_state=seed,
        ).fit(X[:10], y[:10])
        history = simulate(
            learner, X[10:], y[10:], SimulatedUser(relevant), n_iter=n_iter,
            X_test=X_test, y_test=y_test, eval_every=5, progress=False,
        )  # fmt: skip
        frames.append(history.to_frame())

# %%
# Mean test accuracy and explanatory F1 (how many of the explained test rows' top
# features are relevant) over the seeds, without and with counterexamples.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for c, frames in curves.items():
    label = "labels only" if c == 0 else f"labels + corrections (c = {c})"
    iteration = frames[0]["iteration"]
    for ax, column in zip(axes, ["test_accuracy", "test_expl_f1"]):
        ax.plot(iteration, np.mean([f[column] for f in frames], axis=0), label=label)
        ax.set(xlabel="queries", ylabel=column.replace("_", " "))
axes[0].legend()
fig.suptitle(f"make_confounded_classification, mean over seeds {seeds}")

for c, frames in curves.items():
    final = np.mean([f["test_accuracy"].iloc[-1] for f in frames])
    print(f"c = {c:2d}: test accuracy after {n_iter} queries {final:.3f}")

# %%
# Both curves fall at first: uncertainty sampling queries exactly the rows whose
# genuine features disagree with the decoy, so each label alone reinforces the
# decoy. The counterexamples, the rows with the decoy re-drawn and the label kept,
# pull the learner back to the genuine features. ``History.plot`` draws one run's
# curves directly:
history.plot()
plt.show()
