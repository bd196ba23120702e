"""Grid-searching the counterexample count c: plain accuracy vs. right reasons.

On confounded data the validation folds carry the training folds' confounder,
so a ``GridSearchCV`` scored by plain accuracy rewards relying on it and picks
``n_counterexamples=0``. :class:`skxil.model_selection.RightReasonsScorer`
scores each validation fold with its corrected features re-drawn (labels
kept), the corrections routed to it with the fold. For each data set the
script runs the same search (``n_counterexamples`` and the estimator's ``C``)
twice, once per scorer, and prints the chosen c and C, the best
cross-validation score, and the chosen model's accuracy on the unconfounded
test split (decoy random there), measured in one run:

- ``make_confounded_classification``: the decoy is the last column;
- ``make_confounded_table``: the str column ``site`` is the decoy, corrected
  by name;
- decoy Fashion-MNIST (a subset; skipped with a message when
  ``/usr/share/datasets/fashion-mnist`` is absent): the 4 x 4 decoy patch,
  corrected by its mask.

Usage::

    python benchmarks/bench_model_selection.py --quick   # smaller sets
    python benchmarks/bench_model_selection.py
"""

import argparse
import time
import warnings

import numpy as np
import sklearn
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import (
    add_decoy,
    load_fashion_mnist,
    make_confounded_classification,
    make_confounded_table,
)
from skxil.model_selection import RightReasonsScorer


def scale_pixels(X):
    """0..255 pixels to [0, 1] (module-level so it pickles)."""
    return np.asarray(X, dtype=np.float64) / 255.0


def table_model():
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
        (
            make_pipeline(SimpleImputer(), StandardScaler()),
            make_column_selector(dtype_include="number"),
        ),
    )
    return make_pipeline(encode, LogisticRegression(max_iter=1000))


def search(estimator, grid, X, y, corrections, right_reasons, n_jobs, seed):
    """One GridSearchCV, scored by accuracy or by the right-reasons scorer."""
    with sklearn.config_context(enable_metadata_routing=True):
        learner = CaipiClassifier(estimator, random_state=seed).set_fit_request(
            corrections=True
        )
        scoring = None
        if right_reasons:
            scoring = RightReasonsScorer(random_state=seed).set_score_request(
                corrections=True
            )
        return GridSearchCV(learner, grid, scoring=scoring, cv=3, n_jobs=n_jobs).fit(
            X, y, corrections=corrections
        )


def confounded(n, seed):
    X, X_test, y, y_test, _ = make_confounded_classification(n, random_state=seed)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, -1] = True
    grid = {"n_counterexamples": [0, 1, 3], "estimator__C": [0.1, 1.0]}
    return LogisticRegression(), grid, X, y, mask, X_test, y_test, "C"


def table(n, seed):
    T, T_test, y, y_test, _ = make_confounded_table(n, random_state=seed)
    grid = {"n_counterexamples": [0, 1, 3], "estimator__logisticregression__C": [0.1, 1.0]}
    corrections = [["site"]] * len(T)
    return table_model(), grid, T, y, corrections, T_test, y_test, "logisticregression__C"


def fashion(n, seed, path):
    X_train, y_train, X_test, y_test = load_fashion_mnist(path)
    rng = np.random.RandomState(seed)
    train = rng.choice(len(y_train), n, replace=False)
    test = rng.choice(len(y_test), n, replace=False)
    X, mask = add_decoy(X_train[train], y_train[train], patch=4, train=True,
                        random_state=seed)
    X_t, _ = add_decoy(X_test[test], y_test[test], patch=4, train=False,
                       random_state=seed + 1)
    model = make_pipeline(
        FunctionTransformer(scale_pixels), LogisticRegression(max_iter=200)
    )
    grid = {"n_counterexamples": [0, 1, 3], "estimator__logisticregression__C": [0.1, 1.0]}
    return model, grid, X, y_train[train], mask, X_t, y_test[test], "logisticregression__C"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data sets")
    parser.add_argument("--path", default=None, help="Fashion-MNIST directory")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = (600, 600, 1000) if args.quick else (2000, 2000, 3000)

    cases = [
        ("make_confounded_classification", lambda: confounded(sizes[0], args.seed)),
        ("make_confounded_table", lambda: table(sizes[1], args.seed)),
        ("decoy Fashion-MNIST", lambda: fashion(sizes[2], args.seed, args.path)),
    ]
    header = (
        f"{'data set':32} {'scoring':14} {'c':>2} {'C':>5} {'cv score':>8} "
        f"{'test acc':>8} {'time s':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, make in cases:
        try:
            model, grid, X, y, corrections, X_test, y_test, c_name = make()
        except FileNotFoundError as error:
            print(f"{name:32} skipped: {str(error).splitlines()[0]}")
            continue
        for right_reasons in (False, True):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                found = search(model, grid, X, y, corrections, right_reasons,
                               args.n_jobs, args.seed)
            elapsed = time.perf_counter() - start
            params = found.best_params_
            test = found.best_estimator_.score(X_test, y_test)
            print(
                f"{name:32} {'right reasons' if right_reasons else 'accuracy':14} "
                f"{params['n_counterexamples']:>2} {params['estimator__' + c_name]:>5} "
                f"{found.best_score_:>8.3f} {test:>8.3f} {elapsed:>7.1f}"
            )


if __name__ == "__main__":
    main()
