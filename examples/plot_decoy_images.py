"""
Decoy images and counterexamples
================================

Ross et al.'s decoy: a corner square whose shade leaks the digit in training and is
random in test. :func:`skxil.datasets.load_decoy_digits` paints it into
scikit-learn's 8 x 8 digits and returns the decoy pixels of every image, the
corrections of a person who knows the decoy. This is the CAIPI paper's passive
setting (its Table 1, on Fashion-MNIST): every training image is corrected, and each
correction becomes ``c`` counterexamples with the decoy pixels re-drawn
(``"alternative"``: another shade seen at that pixel), label kept. ``c = 0`` is the
same model without counterexamples.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.datasets import load_decoy_digits
from skxil.explain import FastLimeExplainer

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_train = 300 if QUICK else None  # None: all 898 training digits

X, X_test, y, y_test, decoy_train, decoy_test = load_decoy_digits(random_state=0)
X, y, decoy_train = X[:n_train], y[:n_train], decoy_train[:n_train]

# %%
# Explanations are over 2 x 2 patches, switched off to black (``hide_color=0``):
# lime's default, the patch's mean colour, would leave the flat decoy square as it
# is and so could never show it.
learners = {}
for c in (0, 3):
    learner = CaipiClassifier(
        LogisticRegression(max_iter=500),
        explainer=FastLimeExplainer(
            n_features=5,
            mode="image",
            shape=(8, 8),
            patch_size=2,
            n_samples=500,
            hide_color=0,
        ),
        n_counterexamples=c,
        counterexample_strategy="alternative",
        random_state=0,
    ).fit(X, y, corrections=decoy_train)
    learners[c] = learner
    print(
        f"c = {c}: {learner.training_set_}, "
        f"test accuracy {learner.score(X_test, y_test):.3f}"
    )

# %%
# How often the explanations of test digits show a decoy patch, and one test digit
# explained by both models (blue: for the prediction, red: against it).
for c, learner in learners.items():
    explanations = learner.explain(X_test[:50])
    shows = [
        (np.isin(e.segments, e.features).ravel() & decoy_test[j]).any()
        for j, e in enumerate(explanations)
    ]
    print(f"c = {c}: the decoy is among the top 5 patches of {np.mean(shows):.0%}")

row = np.flatnonzero(decoy_test[:, 0])[0]  # a test digit with its decoy top left
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5), layout="constrained")
for ax, (c, learner) in zip(axes, learners.items()):
    learner.explain(X_test[row : row + 1])[0].plot(ax=ax)
    ax.set_title(f"c = {c}\n{ax.get_title()}", fontsize=9)
plt.show()

# %%
# The same comparison on decoy Fashion-MNIST (60000 images, an MLP) beside the
# paper's figures is ``python benchmarks/bench_decoy_fashion.py``.
