"""
Decoy images: counterexamples, the loss, or both
================================================

The same correction, "the decoy square is a wrong reason", can reach a network two
ways. CAIPI turns it into counterexamples (copies of the image with the decoy pixels
re-drawn); Ross et al.'s "right for the right reasons" puts it into the loss, as a
penalty on the input gradient at the decoy pixels.
:class:`~skxil.neural.RRRClassifier` takes the masks in its ``fit``, so a
:class:`~skxil.CaipiClassifier` around it hands them over: with
``n_counterexamples=0`` the feedback goes through the loss alone, with ``c > 0``
both ways at once. Every training digit is corrected (the passive setting of the
CAIPI paper's Table 1).
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skxil import CaipiClassifier, RRRClassifier
from skxil.datasets import load_decoy_digits

warnings.filterwarnings("ignore", category=ConvergenceWarning)
QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
epochs = 60 if QUICK else 200

X, X_test, y, y_test, decoy, decoy_test = load_decoy_digits(random_state=0)
X, X_test = X / 16.0, X_test / 16.0  # pixels in [0, 1]


def network(penalty):
    # penalty=10 suits 64-pixel digits; Ross et al.'s 1000 was for 784 pixels
    return RRRClassifier(hidden_layer_sizes=(50,), penalty=penalty, max_iter=epochs,
                         batch_size=64, learning_rate_init=3e-3, random_state=0)


variants = {
    "no feedback": CaipiClassifier(network(0.0), n_counterexamples=0, random_state=0),
    "counterexamples (c=3)": CaipiClassifier(network(0.0), n_counterexamples=3,
                                             counterexample_strategy="alternative",
                                             random_state=0),
    "the loss (RRR)": CaipiClassifier(network(10.0), n_counterexamples=0,
                                      random_state=0),
    "both": CaipiClassifier(network(10.0), n_counterexamples=3,
                            counterexample_strategy="alternative", random_state=0),
}


def decoy_share(learner, X, mask):
    """Share of the input-gradient mass that falls on the decoy pixels."""
    grads = np.abs(learner.estimator_.input_gradients(X)).sum(axis=1)
    return float((grads * mask).sum() / grads.sum())


accuracy, share = {}, {}
for name, learner in variants.items():
    learner.fit(X, y, corrections=decoy)
    accuracy[name] = learner.score(X_test, y_test)
    share[name] = decoy_share(learner, X_test, decoy_test)
    print(f"{name:22s} test accuracy {accuracy[name]:.3f}, "
          f"gradient on the decoy {share[name]:.1%}")

# %%
# Test accuracy (the decoy is random in test) and how much of the input gradient
# still falls on the decoy square, which covers 4 of the 64 pixels.
fig, axes = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
names = list(variants)
axes[0].barh(names, [accuracy[n] for n in names], color="#2563eb")
axes[0].set_xlabel("test accuracy")
axes[0].invert_yaxis()
axes[1].barh(names, [share[n] for n in names], color="#ea580c")
axes[1].set_xlabel("share of |gradient| on the decoy")
axes[1].invert_yaxis()
axes[1].set_yticks([])
plt.show()

# %%
# One test digit's input gradient (of the predicted class's log-probability), the
# decoy square outlined: without feedback it lights up; with the penalty it is dark.
row = np.flatnonzero(decoy_test[:, 0])[0]
fig, axes = plt.subplots(1, 3, figsize=(8, 3), layout="constrained")
axes[0].imshow(X_test[row].reshape(8, 8), cmap="gray_r")
axes[0].set_title("test digit")
for ax, name in zip(axes[1:], ("no feedback", "the loss (RRR)")):
    model = variants[name].estimator_
    k = np.argmax(model.predict_proba(X_test[row : row + 1]))
    grad = model.input_gradients(X_test[row : row + 1])[0, k].reshape(8, 8)
    ax.imshow(np.abs(grad), cmap="magma")
    ax.contour(decoy_test[row].reshape(8, 8), levels=[0.5], colors="cyan")
    ax.set_title(name)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %%
# On decoy Fashion-MNIST (60000 images, an MLP(50, 30)) beside the papers' figures:
# ``python benchmarks/bench_rrr_decoy.py --part 1``.
