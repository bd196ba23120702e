"""
Decoy images and counterexamples
================================

Ross et al.'s decoy: a corner square whose shade leaks the digit in training and is
random in test. :func:`skxil.datasets.load_decoy_digits` paints it into
scikit-learn's 8 x 8 digits and returns the decoy pixels. Explanations are over
2 x 2 patches (``FastLimeExplainer(mode="image")``), switched off to black
(``hide_color=0``): lime's default, the patch's mean colour, would leave the flat
decoy square unchanged and so never show it. The person strikes out the
shown patches that cover the decoy, and each correction becomes counterexamples with
those pixels re-drawn (``"alternative"``: another shade seen at that pixel).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.datasets import load_decoy_digits
from skxil.explain import FastLimeExplainer

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_queries = 10 if QUICK else 100

X, X_test, y, y_test, decoy_train, decoy_test = load_decoy_digits(random_state=0)

# %%
# The loop, without and with corrections. ``explanation.segments`` gives the patch
# of each pixel, so the shown patches' pixels that are decoy pixels are the
# correction.
learners = {}
for correct in (False, True):
    learner = CaipiClassifier(
        LogisticRegression(max_iter=500),
        explainer=FastLimeExplainer(
            n_features=5, mode="image", shape=(8, 8), patch_size=2,
            n_samples=300, hide_color=0,
        ),  # fmt: skip
        n_counterexamples=5,
        counterexample_strategy="alternative",
        random_state=0,
    ).fit(X[:50], y[:50])
    pool = np.arange(50, len(y))
    n_corrections = 0
    for _ in range(n_queries):
        (i,), x = learner.query(X[pool])
        (explanation,) = learner.explain(x)
        shown = np.isin(explanation.segments, explanation.features).ravel()
        wrong = np.flatnonzero(shown & decoy_train[pool[i]])
        correction = wrong if correct and wrong.size else None
        n_corrections += correction is not None
        learner.teach(x, [y[pool[i]]], corrections=[correction])
        pool = np.delete(pool, i)
    name = "labels + corrections" if correct else "labels only"
    learners[name] = learner
    print(
        f"{name}: {n_corrections} corrections, {learner.training_set_}, "
        f"test accuracy {learner.score(X_test, y_test):.3f}"
    )

# %%
# The same test digit explained by both learners: the heat map shows the patches
# behind the prediction (blue for, red against). The test decoy is random, so a
# model that reads the corner is misled by it.
row = np.flatnonzero(decoy_test[:, 0])[0]  # a test digit with its decoy top left
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5), layout="constrained")
for ax, (name, learner) in zip(axes, learners.items()):
    learner.explain(X_test[row : row + 1])[0].plot(ax=ax)
    ax.set_title(f"{name}\n{ax.get_title()}", fontsize=9)
plt.show()

# %%
# The CAIPI paper's comparison on decoy Fashion-MNIST (every training image
# corrected, an MLP) is ``python benchmarks/bench_decoy_fashion.py``.
