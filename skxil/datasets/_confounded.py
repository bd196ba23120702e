"""Tabular classification data with a decoy feature that leaks the label in training."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

if TYPE_CHECKING:
    from typing import Any

    from ..utils._typing import NDArray, RandomStateLike

__all__ = ["make_confounded_classification"]


def _class_means(n_classes, n_informative, class_sep, rng):
    """Class means in the informative subspace, pairwise ``2 * class_sep`` apart.

    The means are the vertices of a regular simplex centred at the origin, turned
    by a random rotation so that the signal is spread over all informative
    features. If the simplex does not fit (``n_classes > n_informative + 1``) it is
    projected onto ``n_informative`` random directions and the classes come
    closer together.
    """
    centred = np.eye(n_classes) - 1.0 / n_classes  # pairwise distance sqrt(2)
    # Coordinates of the same points in the (n_classes - 1)-dimensional span.
    _, _, vt = np.linalg.svd(centred)
    simplex = centred @ vt[: n_classes - 1].T * (math.sqrt(2.0) * class_sep)
    dim = max(n_classes - 1, n_informative)
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    rotation = q * np.sign(np.diag(r))  # Haar-distributed orthogonal matrix
    padded = np.zeros((n_classes, dim))
    padded[:, : n_classes - 1] = simplex
    return (padded @ rotation)[:, :n_informative]


def _draw(n, n_classes, n_noise, means, decoy_noise, rng, *, confounded):
    """One split: balanced labels, informative + noise features, decoy last."""
    y = rng.permutation(np.arange(n) % n_classes)
    informative = means[y] + rng.standard_normal((n, means.shape[1]))
    noise = rng.standard_normal((n, n_noise))
    decoy_class = y if confounded else rng.randint(n_classes, size=n)
    decoy = decoy_class + decoy_noise * rng.standard_normal(n)
    X = np.hstack([informative, noise, decoy[:, np.newaxis]]).astype(np.float64)
    return X, y.astype(np.int64)


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_informative": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_classes": [Interval(numbers.Integral, 2, None, closed="left")],
        "class_sep": [Interval(numbers.Real, 0, None, closed="left")],
        "decoy_noise": [Interval(numbers.Real, 0, None, closed="left")],
        "test_size": [Interval(numbers.Real, 0, 1, closed="neither")],
        "as_frame": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_confounded_classification(
    n_samples: int = 1000,
    *,
    n_features: int = 6,
    n_informative: int = 3,
    n_classes: int = 2,
    class_sep: float = 1.0,
    decoy_noise: float = 0.1,
    test_size: float = 0.5,
    as_frame: bool = False,
    random_state: RandomStateLike = None,
) -> tuple[Any, Any, Any, Any, NDArray[np.bool_]]:
    """Generate a classification problem with a decoy feature (a confounder).

    The data set of the CAIPI demonstration: a model trained on it is right for
    the wrong reasons, and explanatory feedback ("do not use the decoy") fixes it.

    The columns of ``X`` are, in order:

    - ``n_informative`` informative features ``0, ..., n_informative - 1``: each
      class is a Gaussian blob with identity covariance, and the class means are
      the vertices of a regular simplex in a random orientation, any two of them
      ``2 * class_sep`` apart (if ``n_classes > n_informative + 1`` the simplex is
      projected onto ``n_informative`` random directions and the classes overlap
      more). The classes overlap, so no model is perfect on these features: with
      the defaults a linear model reaches about 84% accuracy.
    - ``n_features - n_informative - 1`` noise features, standard normal and
      independent of the label.
    - one decoy feature, the last column ``n_features - 1``. In the training split
      it is ``y + N(0, decoy_noise ** 2)``: it leaks the label, is almost
      perfectly predictive, and an unconstrained model leans on it. In the test
      split it is drawn the same way from a class chosen uniformly at random,
      independently of ``y``, so it carries no information and a model that relies
      on it loses accuracy.

    Labels are balanced: the class counts of each split differ by at most one.

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of samples, shared between the training and the test split.

    n_features : int, default=6
        Total number of features, informative, noise and the decoy. At least
        ``n_informative + 1``.

    n_informative : int, default=3
        Number of informative features. At least 1.

    n_classes : int, default=2
        Number of classes. At least 2.

    class_sep : float, default=1.0
        Half the distance between any two class means in the informative
        features; larger values make the task easier. Non-negative.

    decoy_noise : float, default=0.1
        Standard deviation of the Gaussian noise added to the class index to form
        the decoy. Small values make the decoy a near-perfect predictor in the
        training split. Non-negative.

    test_size : float, default=0.5
        Fraction of the samples that go to the test split, strictly between 0
        and 1. The test split has ``ceil(test_size * n_samples)`` samples.

    as_frame : bool, default=False
        If True, ``X_train`` and ``X_test`` are pandas DataFrames with columns
        ``"x0", ..., "x{n_features - 2}"`` and ``"decoy"``, and ``y_train`` and
        ``y_test`` are pandas Series named ``"target"``. Requires pandas.

    random_state : int, RandomState instance or None, default=None
        Determines the generated data. Pass an int for reproducible output.

    Returns
    -------
    X_train : {ndarray, DataFrame} of shape (n_train, n_features), dtype=float64
        Training samples, with the decoy leaking the label.

    X_test : {ndarray, DataFrame} of shape (n_test, n_features), dtype=float64
        Test samples, with an uninformative decoy.

    y_train : {ndarray, Series} of shape (n_train,), dtype=int64
        Training labels in ``0, ..., n_classes - 1``.

    y_test : {ndarray, Series} of shape (n_test,), dtype=int64
        Test labels in ``0, ..., n_classes - 1``.

    relevant : ndarray of shape (n_features,), dtype=bool
        True for the informative features, False for the noise features and the
        decoy: the ground truth for explanation metrics and simulated users.

    See Also
    --------
    sklearn.datasets.make_classification : Generate a random classification
        problem, without a confounder.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.datasets import make_confounded_classification
    >>> X_train, X_test, y_train, y_test, relevant = make_confounded_classification(
    ...     random_state=0)
    >>> X_train.shape, X_test.shape
    ((500, 6), (500, 6))
    >>> relevant
    array([ True,  True,  True, False, False, False])

    A model trained on all features relies on the decoy (the last column) and
    does worse in test than a model trained on the informative features alone:

    >>> confounded = LogisticRegression().fit(X_train, y_train)
    >>> right = LogisticRegression().fit(X_train[:, relevant], y_train)
    >>> bool(confounded.score(X_test, y_test) + 0.1
    ...      < right.score(X_test[:, relevant], y_test))
    True
    """
    if n_features < n_informative + 1:
        raise ValueError(
            f"n_features must be at least n_informative + 1 = {n_informative + 1} "
            f"(the informative features plus the decoy), got n_features={n_features}."
        )

    n_test = math.ceil(test_size * n_samples)
    n_train = n_samples - n_test
    if min(n_train, n_test) < n_classes:
        raise ValueError(
            f"n_samples={n_samples} is too small: with test_size={test_size} it "
            f"gives {n_train} training and {n_test} test samples, and each split "
            f"needs at least n_classes={n_classes} samples to contain every class."
        )

    rng = check_random_state(random_state)
    n_noise = n_features - n_informative - 1
    means = _class_means(n_classes, n_informative, float(class_sep), rng)
    X_train, y_train = _draw(
        n_train, n_classes, n_noise, means, decoy_noise, rng, confounded=True
    )
    X_test, y_test = _draw(
        n_test, n_classes, n_noise, means, decoy_noise, rng, confounded=False
    )
    relevant = np.zeros(n_features, dtype=bool)
    relevant[:n_informative] = True

    if as_frame:
        import pandas as pd

        columns = [f"x{j}" for j in range(n_features - 1)] + ["decoy"]
        X_train = pd.DataFrame(X_train, columns=columns)
        X_test = pd.DataFrame(X_test, columns=columns)
        y_train = pd.Series(y_train, name="target")
        y_test = pd.Series(y_test, name="target")
    return X_train, X_test, y_train, y_test, relevant
