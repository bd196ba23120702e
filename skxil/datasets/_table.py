"""A mixed-type table (numbers, strings, categories, flags) with a string decoy."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

if TYPE_CHECKING:
    import pandas as pd

    from ..utils._typing import NDArray, RandomStateLike

__all__ = ["make_confounded_table"]

_COLORS = np.array(["red", "green", "blue", "yellow"], dtype=object)
_COLOR_EFFECT = np.array([1.2, 0.4, -1.2, -0.4])
_SHOPS = ["Aachen", "Bergen", "Cork", "Delft", "Essen", "Faro"]
_SITES = np.array(["site_a", "site_b"], dtype=object)


def _draw(n, decoy_noise, rng, *, confounded):
    import pandas as pd

    age = rng.normal(45.0, 12.0, n).round(1)
    visits = rng.poisson(3.0, n).astype(np.int64)
    color = rng.randint(len(_COLORS), size=n)
    member = rng.uniform(size=n) < 0.4
    shop = rng.randint(len(_SHOPS), size=n)
    shop = np.where(rng.uniform(size=n) < 0.05, -1, shop)  # -1: missing
    income = rng.normal(50.0, 15.0, n).round().astype(np.int64)
    logit = (
        1.5 * (age - 45.0) / 12.0
        + 0.8 * (visits - 3.0) / math.sqrt(3.0)
        + _COLOR_EFFECT[color]
        + 1.0 * member
        - 0.4
        + rng.logistic(size=n) * 0.5
    )
    y = (logit > 0).astype(np.int64)
    # The decoy names the class's site in training (save for a fraction
    # decoy_noise of rows, drawn at random); in test it is random.
    site = rng.randint(2, size=n)
    if confounded:
        keep = rng.uniform(size=n) >= decoy_noise
        site = np.where(keep, y, site)
    frame = pd.DataFrame(
        {
            "age": age,
            "visits": visits,
            "color": pd.array(_COLORS[color], dtype="str"),
            "member": member,
            "shop": pd.Categorical.from_codes(shop, categories=_SHOPS),
            "income": pd.array(income, dtype="Int64"),
            "site": pd.array(_SITES[site], dtype="str"),
        }
    )
    return frame, pd.Series(y, name="target")


@validate_params(
    {
        "n_samples": [Interval(Integral, 4, None, closed="left")],
        "decoy_noise": [Interval(Real, 0, 1, closed="both")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_confounded_table(
    n_samples: int = 1000,
    *,
    decoy_noise: float = 0.05,
    test_size: float = 0.5,
    random_state: RandomStateLike = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, NDArray[np.bool_]]:
    """Generate a mixed-type table whose string column ``site`` leaks the label.

    A table as people debug them for confounders: numbers, a string column, a
    pandas ``category`` column with missing values, a bool flag, a nullable
    integer column, and a string column ``site`` that names the class's site
    in the training split (a scanner, a hospital, a batch) and is random in
    the test split. A model fitted on the training split relies on ``site``
    and loses accuracy in test; correcting it ("do not use ``site``") fixes
    that.

    The columns are, in order:

    - ``age`` (float64) and ``visits`` (int64, Poisson): informative;
    - ``color`` (str: red, green, blue, yellow): informative;
    - ``member`` (bool): informative;
    - ``shop`` (``category`` with six shops, about 5% missing): noise;
    - ``income`` (nullable ``Int64``): noise;
    - ``site`` (str: site_a, site_b): the decoy. In training it is
      ``site_a`` for class 0 and ``site_b`` for class 1 except for a fraction
      ``decoy_noise`` of rows, where it is drawn at random; in test it is
      always random.

    The label is 1 when a logistic model of the informative columns exceeds
    its threshold (a linear model on them reaches about 85% accuracy).

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of rows, shared between the training and the test split.

    decoy_noise : float, default=0.05
        Fraction of training rows whose ``site`` is random instead of the
        class's site, in [0, 1].

    test_size : float, default=0.5
        Fraction of the rows that go to the test split, strictly between 0
        and 1 (``ceil(test_size * n_samples)`` rows).

    random_state : int, RandomState instance or None, default=None
        Determines the generated data. Pass an int for reproducible output.

    Returns
    -------
    X_train : DataFrame of shape (n_train, 7)
        Training rows, with ``site`` leaking the label.

    X_test : DataFrame of shape (n_test, 7)
        Test rows, with a random ``site``.

    y_train : Series of shape (n_train,), dtype=int64
        Training labels (0 or 1), named ``"target"``.

    y_test : Series of shape (n_test,), dtype=int64
        Test labels.

    relevant : ndarray of shape (7,), dtype=bool
        True for the informative columns (``age``, ``visits``, ``color``,
        ``member``).

    See Also
    --------
    make_confounded_classification : The same idea on numeric features.

    Examples
    --------
    >>> from skxil.datasets import make_confounded_table
    >>> X_train, X_test, y_train, y_test, relevant = make_confounded_table(
    ...     200, random_state=0)
    >>> X_train.dtypes.astype(str).tolist()
    ['float64', 'int64', 'str', 'bool', 'category', 'Int64', 'str']
    >>> X_train.columns[relevant].tolist()
    ['age', 'visits', 'color', 'member']
    >>> float((X_train["site"] == "site_b").eq(y_train == 1).mean()) > 0.9
    True
    """
    try:
        import pandas  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pandas is a test dependency
        raise ImportError(
            "make_confounded_table returns pandas DataFrames; install pandas "
            "(pip install pandas)."
        ) from exc
    n_test = math.ceil(test_size * n_samples)
    n_train = n_samples - n_test
    if min(n_train, n_test) < 2:
        raise ValueError(
            f"n_samples={n_samples} with test_size={test_size} gives {n_train} "
            f"training and {n_test} test rows; each split needs at least 2."
        )
    rng = check_random_state(random_state)
    X_train, y_train = _draw(n_train, decoy_noise, rng, confounded=True)
    X_test, y_test = _draw(n_test, decoy_noise, rng, confounded=False)
    relevant = np.array([True, True, True, True, False, False, False])
    return X_train, X_test, y_train, y_test, relevant
