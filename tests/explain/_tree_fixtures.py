"""Fixtures shared by the tree explainer's test modules."""

import pytest
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="module")
def one_openmp_thread():
    # HistGradientBoosting's OpenMP threads only slow these tiny fits down
    with threadpool_limits(1, user_api="openmp"):
        yield


def classification_data():
    """300 rows of 6 features; labels with 2 and with 3 classes."""
    X, y = make_classification(
        300, 6, n_informative=4, n_classes=3, n_clusters_per_class=1, random_state=0
    )
    return X, {2: (y > 0).astype(int), 3: y}
