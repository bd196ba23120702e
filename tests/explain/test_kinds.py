"""The kinds of input of the LIME explainers: picked once at fit, pickled with it."""

import importlib.util
import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits, load_iris
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skxil.explain import FastLimeExplainer, LimeExplainer
from skxil.explain._kinds import _KINDS, DenseRows, Documents, Images, SparseRows

DOCS = ["free money now", "win free money", "meeting at noon", "lunch at noon"] * 3
DOCS_Y = [1, 1, 0, 0] * 3


def _iris():
    X, y = load_iris(return_X_y=True)
    return X, LogisticRegression(max_iter=1000).fit(X, y)


def _sparse():
    X, y = load_iris(return_X_y=True)
    Xs = sparse.csr_matrix(X * (X > np.median(X, axis=0)))
    return Xs, LogisticRegression(max_iter=1000).fit(Xs, y)


def _documents():
    model = make_pipeline(CountVectorizer(), LogisticRegression(C=10))
    return DOCS, model.fit(DOCS, DOCS_Y)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X, LogisticRegression(max_iter=2000).fit(X[:500], y[:500])


# (data, explainer params, background given to fit, the kind)
CASES = {
    "dense": (_iris, {"categorical_features": [1]}, True, DenseRows),
    "sparse": (_sparse, {}, True, SparseRows),
    "text": (_documents, {"mode": "text"}, False, Documents),
    "image": (
        _digits,
        {"mode": "image", "shape": (8, 8), "patch_size": 4},
        True,
        Images,
    ),
}


def _fitted(case, explainer_class=FastLimeExplainer):
    data, params, with_background, _ = CASES[case]
    X, model = data()
    explainer = explainer_class(n_features=3, n_samples=200, random_state=0, **params)
    return explainer.fit(X if with_background else None), X[:3], model


@pytest.mark.parametrize("case", CASES)
def test_fit_picks_the_kind_once_and_sets_the_public_attributes(case):
    explainer, _, _ = _fitted(case)
    kind = CASES[case][3]
    assert type(explainer._kind) is kind
    assert explainer.sampler_ is explainer._kind.sampler
    if kind is Documents:
        assert not hasattr(explainer, "n_features_in_")
        assert not hasattr(explainer, "feature_names_")
    else:
        assert explainer.n_features_in_ == explainer._kind.n_features_in
        assert explainer.feature_names_ == explainer._kind.feature_names


def test_every_mode_and_container_has_a_kind():
    modes = FastLimeExplainer._parameter_constraints["mode"][0].options
    assert set(_KINDS) == {(mode, s) for mode in modes for s in (False, True)}


@pytest.mark.parametrize("case", CASES)
def test_a_pickled_fitted_explainer_gives_the_same_explanations(case):
    explainer, rows, model = _fitted(case)
    expected = explainer.explain(model, rows)
    restored = pickle.loads(pickle.dumps(explainer))
    assert type(restored._kind) is type(explainer._kind)
    assert restored.explain(model, rows) == expected


@pytest.mark.parametrize("explainer_class", [FastLimeExplainer, LimeExplainer])
def test_refit_with_another_mode_switches_the_kind(explainer_class):
    if explainer_class is LimeExplainer and not importlib.util.find_spec("lime"):
        pytest.skip("lime is not installed")
    explainer, _, model = _fitted("dense", explainer_class)
    explainer.set_params(mode="text")
    with pytest.raises(ValueError, match="fitted with mode='tabular'.*call fit again"):
        explainer.explain(model, ["free money"])
    _, text_model = _documents()
    (e,) = explainer.fit().explain(text_model, ["free money"])
    assert e.all_feature_names == ["free", "money"]


def test_sparse_rows_keep_their_mode_check():
    explainer, rows, model = _fitted("sparse")
    explainer.set_params(mode="image", shape=(2, 2))
    with pytest.raises(ValueError, match="fitted with mode='tabular'"):
        explainer.explain(model, rows)


@pytest.mark.skipif(not importlib.util.find_spec("lime"), reason="needs lime")
@pytest.mark.parametrize("case", ["dense", "text"])
def test_lime_explainer_kinds(case):
    explainer, rows, model = _fitted(case, LimeExplainer)
    assert explainer._kind.sampler is explainer.lime_explainer_
    assert not hasattr(explainer, "sampler_")
    (e, *_) = explainer.explain(model, rows)
    fast = _fitted(case)[0].explain(model, rows)[0]
    assert e.all_feature_names == fast.all_feature_names
    assert e.n_features_in == fast.n_features_in
    if case == "dense":
        # categorical feature 1 reads name=value, with the row's value
        assert [e._label(j) for j in range(4)] == ["x0", "x1=3.5", "x2", "x3"]
        assert [fast._label(j) for j in range(4)] == ["x0", "x1=3.5", "x2", "x3"]
        np.testing.assert_array_equal(e.instance, fast.instance)
