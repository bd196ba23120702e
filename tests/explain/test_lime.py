"""LimeExplainer: the adapter over lime's tabular and text explainers."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import load_iris
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skxil.explain import LimeExplainer
from skxil.explain._lime import vote

pytest.importorskip("lime")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, LogisticRegression(max_iter=1000).fit(X, y)


@pytest.fixture(scope="module")
def text_model():
    docs = ["free money now", "win free money", "meeting at noon", "lunch at noon"] * 3
    y = [1, 1, 0, 0] * 3
    return make_pipeline(CountVectorizer(), LogisticRegression(C=10)).fit(docs, y)


def _lime(**kwargs):
    kwargs.setdefault("n_samples", 200)
    kwargs.setdefault("random_state", 0)
    return LimeExplainer(**kwargs)


def test_tabular_explanations_carry_names_and_values(iris):
    X, model = iris
    (e,) = _lime(n_features=2).fit(X, feature_names=list("abcd")).explain(model, X[:1])
    assert e.all_feature_names == list("abcd") and len(e.features) == 2
    np.testing.assert_array_equal(e.instance, X[0])


def test_text_mode_indexes_the_documents_distinct_words(text_model):
    explainer = _lime(mode="text", n_features=2).fit()
    doc = "free money, free lunch"
    (e,) = explainer.explain(text_model, [doc])
    assert e.all_feature_names == ["free", "money", "lunch"] and e.n_features_in == 3
    assert e.text == doc
    assert e.as_list()[0][0] in ("free", "money") and e.predicted_class == 1
    assert explainer.explain(text_model, [doc]) == [e]  # seeded per call
    (empty,) = explainer.explain(text_model, ["?!"])
    assert empty.n_features_in == 0 and len(empty.features) == 0


def test_threads_give_the_same_explanations(iris, text_model):
    X, model = iris
    reference = _lime().fit(X).explain(model, X[:4])
    with parallel_config(backend="threading"):
        assert _lime(n_jobs=2).fit(X).explain(model, X[:4]) == reference
        docs = ["free money", "lunch at noon"]
        text = _lime(mode="text").fit()
        assert _lime(mode="text", n_jobs=2).fit().explain(text_model, docs) == (
            text.explain(text_model, docs)
        )


def test_errors(iris, text_model):
    X, model = iris
    with pytest.raises(ValueError, match="needs X"):
        _lime().fit()
    with pytest.raises(TypeError, match="sequence of documents"):
        _lime(mode="text").fit().explain(text_model, "free money")
    with pytest.raises(ValueError, match="'mode' parameter"):
        _lime(mode="image").fit(X)


def test_vote_keeps_the_most_frequent_features():
    runs = [[(1, 0.5), (2, -0.1)], [(1, 0.3), (3, 0.9)], [(2, -0.2), (1, 0.4)]]
    features, weights = vote(runs, 2)
    np.testing.assert_array_equal(features, [1, 2])
    np.testing.assert_allclose(weights, [0.4, -0.15])


def test_vote_validates_its_parameters():
    with pytest.raises(ValueError, match="'n_features' parameter of vote must be"):
        vote([[(1, 0.5)]], -1)
    with pytest.raises(ValueError, match="'runs' parameter of vote must be"):
        vote(None, 2)
