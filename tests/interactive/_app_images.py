"""Serve a session on scikit-learn's 8x8 digits (bundled: no download), for the browser tests.

``python tests/interactive/_app_images.py SESSION_PATH --token T`` prints the address.
"""

import argparse

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.interactive import Session
from skxil.interactive._server import serve


def digits_session(path, n_init=60):
    X, y = load_digits(n_class=3, return_X_y=True)
    X = X / 16.0
    learner = CaipiClassifier(LogisticRegression(max_iter=500), explainer="linear",
                              random_state=0)
    return Session(learner, X[n_init:n_init + 200], path, X_init=X[:n_init], y_init=y[:n_init],
                   image_shape=(8, 8))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    with digits_session(args.path) as session:
        serve(session, port=0, token=args.token)
