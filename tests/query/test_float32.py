"""Tests of skxil.query._float32: float32 pools scored without a float64 copy."""

import tracemalloc

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC

from skxil import CaipiClassifier
from skxil.query import margin_sampling, uncertainty_sampling
from skxil.query._float32 import float32_proba


def _data(n=2000, d=12, n_classes=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 5, size=d) + rng.normal(size=d)
    y = np.argmax(X[:, :n_classes] + rng.normal(size=(n, n_classes)), axis=1)
    return X, y


def _decision_error_bound(model, X):
    """Per-row bound on the float32 decision error: (d + 2) 2**-24 sum_j |coef_j x_j|.

    d roundings in the float32 dot product, one of the coefficient and one of
    the transformed value (Higham's bound); a probability moves at most a
    quarter of that (logistic) and half of it (softmax).
    """
    model = getattr(model, "estimator_", model)
    if hasattr(model, "steps"):
        X = model[:-1].transform(X)
        model = model[-1]
    contributions = np.abs(X) @ np.abs(model.coef_).T
    return (X.shape[1] + 2) * 2.0**-24 * contributions.max(axis=1)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "make_model",
    [
        lambda: LogisticRegression(max_iter=500),
        lambda: SGDClassifier(loss="log_loss", random_state=0),
        lambda: make_pipeline(StandardScaler(), LogisticRegression()),
        lambda: CaipiClassifier(make_pipeline(StandardScaler(), LogisticRegression())),
    ],
)
def test_probabilities_agree_with_float64(make_model, n_classes):
    X, y = _data(n=1000, n_classes=n_classes)
    model = make_model().fit(X, y)
    X32 = X.astype(np.float32)
    fast = float32_proba(model, X32)
    assert fast is not None and fast.dtype == np.float64
    reference = model.predict_proba(X32.astype(np.float64))
    bound = _decision_error_bound(model, X32.astype(np.float64))
    assert np.all(np.abs(fast - reference).max(axis=1) <= 0.5 * bound + 1e-15)
    assert np.median(np.abs(fast - reference)) < 1e-7
    np.testing.assert_allclose(fast.sum(axis=1), 1.0)


def test_other_models_and_inputs_go_through_predict_proba():
    X, y = _data(n=200)
    X32 = X.astype(np.float32)
    lr = LogisticRegression().fit(X, y)
    assert float32_proba(lr, X) is None  # float64 pool
    assert float32_proba(lr, X32[:, :5]) is None  # predict_proba raises
    assert float32_proba(lr, np.asfortranarray(X32[:0])) is None
    nan = X32.copy()
    nan[3, 2] = np.nan
    assert float32_proba(lr, nan) is None
    with pytest.raises(ValueError, match="NaN"):
        uncertainty_sampling(lr, nan)
    for model in (
        SGDClassifier(loss="modified_huber", random_state=0).fit(X, y),
        SVC(kernel="linear").fit(X, y),
        make_pipeline(PolynomialFeatures(2), StandardScaler(), LogisticRegression()),
    ):
        assert float32_proba(model.fit(X, y), X32) is None
    pd = pytest.importorskip("pandas")
    named = LogisticRegression().fit(pd.DataFrame(X).add_prefix("f"), y)
    assert float32_proba(named, X32) is None
    frame_learner = CaipiClassifier().fit(pd.DataFrame(X).add_prefix("f"), y)
    assert float32_proba(frame_learner, X32) is None
    assert float32_proba(LogisticRegression(), X32) is None  # unfitted


def test_float32_pool_queries_the_float64_rows():
    X, y = _data(n=3000, d=30, seed=1)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)  # the same values, in float64
    for strategy in (uncertainty_sampling, margin_sampling):
        n = 50
        idx32, s32 = strategy(model, X32, n)
        idx64, s64 = strategy(model, X64, n + 1)
        # margin and uncertainty move at most as much as two probabilities
        tolerance = _decision_error_bound(model, X64)
        # no genuine tie at the cut: the float32 path must find the same rows
        assert abs(s64[n] - s64[n - 1]) > 2 * tolerance.max()
        assert set(idx32.tolist()) == set(idx64[:n].tolist())
        same_row = np.argsort(idx32)
        error = np.abs(s32[same_row] - s64[:n][np.argsort(idx64[:n])])
        assert np.all(error <= tolerance[np.sort(idx32)])
        # rows swap places only with rows whose scores tie within it
        swapped = idx32 != idx64[:n]
        assert np.all(np.abs(s64[:n][swapped] - s32[swapped]) <= 2 * tolerance.max())


def _peak(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_no_float64_copy_of_the_pool():
    X, y = _data(n=20000, d=30, seed=2)
    model = LogisticRegression().fit(X[:2000], y[:2000])
    X32 = X.astype(np.float32)
    fast = _peak(lambda: uncertainty_sampling(model, X32, 10))
    copied = _peak(lambda: model.predict_proba(X32))
    assert fast < 0.6 * X32.nbytes  # decision values and probabilities only
    assert copied > 2 * X32.nbytes  # scikit-learn's float64 copy of the pool
