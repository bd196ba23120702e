"""FastLimeExplainer on sparse rows: non-zero features switched off, never densified."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer


@pytest.fixture(scope="module")
def bag_of_words():
    rng = np.random.RandomState(0)
    X = sp.random(300, 400, density=0.03, format="csr", random_state=rng)
    X.data[:] = 1.0
    strong = [3, 17, 250]
    for j in strong:  # make three columns common and decisive
        rows = rng.rand(300) < 0.4
        X = X.tolil()
        X[np.flatnonzero(rows), j] = 1.0
        X = X.tocsr()
    y = (X[:, strong].toarray() @ np.array([3.0, -2.5, 2.0]) + rng.normal(0, 0.3, 300) > 0.8)
    model = LogisticRegression(C=10.0).fit(X, y.astype(int))
    return X, y.astype(int), model


def test_features_are_the_row_nonzeros_and_follow_the_model(bag_of_words):
    X, y, model = bag_of_words
    explainer = FastLimeExplainer(n_features=3, n_samples=2000, random_state=0).fit(X)
    rows = [i for i in range(40) if X[i, [3, 17, 250]].nnz >= 2][:8]
    explanations = explainer.explain(model, X[rows])
    coef = model.coef_.ravel()
    for i, e in zip(rows, explanations):
        nonzero = set(X[i].indices.tolist())
        assert set(e.features.tolist()) <= nonzero
        assert e.n_features_in == 400
        assert e.all_feature_names[e.features[0]] == f"x{e.features[0]}"
        # the decisive words present in the row come first
        decisive = nonzero & {3, 17, 250}
        assert set(e.features[: len(decisive)].tolist()) == decisive
        assert all(abs(coef[j]) > 1 for j in decisive)
        np.testing.assert_array_equal(e.instance, X[i].toarray().ravel())


def test_deterministic_and_independent_of_n_jobs(bag_of_words):
    X, y, model = bag_of_words
    kw = dict(n_features=4, n_samples=500, n_repeats=2, random_state=3)
    a = FastLimeExplainer(**kw).fit(X).explain(model, X[:6])
    b = FastLimeExplainer(n_jobs=2, max_batch_rows=700, **kw).fit(X).explain(model, X[:6])
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea.features, eb.features)
        np.testing.assert_allclose(ea.weights, eb.weights)


def test_dense_rows_and_empty_rows(bag_of_words):
    X, y, model = bag_of_words
    explainer = FastLimeExplainer(n_features=3, n_samples=300, random_state=0).fit(X)
    from_dense = explainer.explain(model, X[:2].toarray())
    from_sparse = explainer.explain(model, X[:2])
    for a, b in zip(from_dense, from_sparse):
        np.testing.assert_array_equal(a.features, b.features)
    empty = sp.csr_matrix((1, 400))
    (e,) = explainer.explain(model, empty)
    assert len(e.features) == 0
    with pytest.raises(ValueError, match="X has 5 features, but the explainer was fitted on 400"):
        explainer.explain(model, sp.csr_matrix((1, 5)))


def test_model_sees_csr_samples(bag_of_words):
    X, y, model = bag_of_words
    seen = []

    class Spy:
        classes_ = model.classes_

        def predict_proba(self, Z):
            seen.append((sp.issparse(Z), Z.shape))
            return model.predict_proba(Z)

    FastLimeExplainer(n_samples=100, random_state=0).fit(X).explain(Spy(), X[:3])
    assert seen and all(is_sparse for is_sparse, _ in seen)
    assert sum(shape[0] for _, shape in seen) == 300


def test_learner_on_csr_with_a_forest_explains_words(bag_of_words):
    X, y, _ = bag_of_words
    learner = CaipiClassifier(
        RandomForestClassifier(20, random_state=0),
        explainer=FastLimeExplainer(n_features=3, n_samples=300),
        random_state=0,
    ).fit(X[:100], y[:100])
    explanations = learner.explain(X[100:105])
    for i, e in zip(range(100, 105), explanations):
        assert set(e.features.tolist()) <= set(X[i].indices.tolist())
    learner.teach(X[105:106], y[105:106], corrections=[explanations[0].features[:1].tolist()
                                                       if X[105].nnz else None])
