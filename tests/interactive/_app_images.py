"""Serve a session on scikit-learn's 8x8 digits (bundled: no download), for the browser tests.

``python tests/interactive/_app_images.py SESSION_PATH --token T`` prints the address;
``--focus`` serves a table instead, to a learner whose ``teach`` takes right reasons.
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer
from skxil.interactive import Session
from skxil.interactive._server import serve


def digits_session(path, n_init=60, patches=False):
    """Pixels as features (linear explainer), or 2 x 2 patches (image LIME)."""
    X, y = load_digits(n_class=3, return_X_y=True)
    X = X / 16.0
    explainer = (FastLimeExplainer(mode="image", shape=(8, 8), patch_size=2, n_samples=300)
                 if patches else "linear")
    learner = CaipiClassifier(LogisticRegression(max_iter=500), explainer=explainer,
                              random_state=0)
    return Session(learner, X[n_init:n_init + 200], path, X_init=X[:n_init], y_init=y[:n_init],
                   image_shape=(8, 8))


class FocusLearner(CaipiClassifier):
    """Takes ``focus`` (right reasons) in ``teach``; records it and teaches the rest."""

    def teach(self, X, y, *, corrections=None, focus=None, **kwargs):
        self.focus_log_ = [*getattr(self, "focus_log_", []), focus]
        return super().teach(X, y, corrections=corrections, **kwargs)


def focus_session(path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return Session(FocusLearner(LogisticRegression(), random_state=0), X[40:], path,
                   X_init=X[:40], y_init=y[:40])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--token", default=None)
    parser.add_argument("--patches", action="store_true")
    parser.add_argument("--focus", action="store_true")
    args = parser.parse_args()
    opened = (focus_session(args.path) if args.focus
              else digits_session(args.path, patches=args.patches))
    with opened as session:
        serve(session, port=0, token=args.token)
