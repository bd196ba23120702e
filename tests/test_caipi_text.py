"""CaipiClassifier on text: raw documents and vectorised (sparse) features."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer, LimeExplainer
from skxil.simulate import SimulatedUser, simulate
from skxil.utils import document_words

DECOY = "zzdecoy"


def _corpus(n=60, seed=0, decoy_rate=0.9):
    """Tiny sentiment corpus whose positives mostly carry a decoy token."""
    rng = np.random.RandomState(seed)
    pos = ["good great fine film", "great movie, loved it", "nice and fine", "loved the great acting"]
    neg = ["bad awful poor film", "terrible boring movie", "poor and bad", "hated the awful plot"]
    docs, y = [], []
    for i in range(n):
        label = i % 2
        doc = str(rng.choice(pos if label else neg))
        if label and rng.rand() < decoy_rate:
            doc += " " + DECOY
        docs.append(doc)
        y.append(label)
    return docs, np.array(y)


def _learner(**kw):
    params = dict(random_state=0, n_counterexamples=2)
    params.update(kw)
    return CaipiClassifier(make_pipeline(TfidfVectorizer(), LogisticRegression()), **params)


# ----------------------------------------------------------------- raw documents
@pytest.mark.parametrize("container", [list, np.array, pd.Series, tuple])
def test_documents_in_any_1d_container_give_the_same_model(container):
    docs, y = _corpus()
    corrections = [[DECOY] if DECOY in d else None for d in docs[:20]]
    ref = _learner().fit(docs[:20], y[:20], corrections=corrections)
    got = _learner().fit(container(docs[:20]), y[:20], corrections=corrections)
    np.testing.assert_array_equal(got.estimator_[-1].coef_, ref.estimator_[-1].coef_)
    assert got.training_set_.X.tolist() == ref.training_set_.X.tolist()
    assert not hasattr(got, "n_features_in_")
    np.testing.assert_array_equal(got.predict(container(docs[20:])), ref.predict(docs[20:]))


def test_fit_query_explain_teach_on_documents():
    docs, y = _corpus()
    learner = _learner().fit(docs[:6], y[:6])
    idx, rows = learner.query(docs[6:], n_instances=2)
    assert len(rows) == 2 and [docs[6:][i] for i in idx] == list(rows)
    explanations = learner.explain(rows)
    for doc, e in zip(rows, explanations):
        assert e.all_feature_names == document_words(doc)
        words = [w for w, _ in e.as_list()]
        assert set(words) <= set(document_words(doc))
        assert e.predicted_class in (0, 1)
    wrong = [[w for w in document_words(d) if w == DECOY] for d in rows]
    learner.teach(rows, y[6:][idx], corrections=wrong)
    assert learner.training_set_.n_real == 8
    n_corrected = sum(bool(w) for w in wrong)
    assert learner.training_set_.n_counterexamples == 2 * n_corrected
    for doc in learner.training_set_.X_ce if n_corrected else []:
        assert DECOY not in document_words(doc)
    assert learner.score(docs, y) > 0.5


@pytest.mark.parametrize("strategy", ["remove", "randomize", "substitute"])
def test_text_strategies_through_the_learner(strategy):
    docs, y = _corpus()
    corrections = [[DECOY] if DECOY in d else None for d in docs[:20]]
    learner = _learner(counterexample_strategy=strategy).fit(
        docs[:20], y[:20], corrections=corrections
    )
    ts = learner.training_set_
    n_corrected = sum(c is not None for c in corrections)
    assert ts.n_counterexamples == 2 * n_corrected
    assert all(DECOY not in document_words(d) for d in ts.X_ce)
    np.testing.assert_array_equal(ts.y_ce, ts.y_real[ts.source])
    assert docs[0] == _corpus()[0][0]  # caller's documents untouched


def test_corrections_by_word_and_by_index_agree():
    docs, y = _corpus()
    by_word = [[DECOY] if DECOY in d else None for d in docs[:10]]
    by_index = [[document_words(d).index(DECOY)] if DECOY in d else None for d in docs[:10]]
    a = _learner().fit(docs[:10], y[:10], corrections=by_word)
    b = _learner().fit(docs[:10], y[:10], corrections=by_index)
    assert a.training_set_.X.tolist() == b.training_set_.X.tolist()


def test_empty_and_non_ascii_documents():
    docs = ["", "Über café, 東京!", "bad plot", "great café", "", "naïve film"]
    y = np.array([0, 1, 0, 1, 1, 0])
    learner = _learner(counterexample_strategy="randomize")
    with pytest.warns(UserWarning, match="document 0"):
        learner.fit(docs, y, corrections=[["x"], ["東京"], None, None, None, None])
    assert learner.training_set_.n_counterexamples == 2
    assert all("東京" not in d for d in learner.training_set_.X_ce)
    e_empty, e_jp = learner.explain(["", "東京 café"])
    assert e_empty.n_features_in == 0 and e_empty.as_list() == []
    assert set(e_jp.all_feature_names) == {"東京", "café"}


def test_errors_on_documents():
    docs, y = _corpus()
    learner = _learner().fit(docs[:6], y[:6])
    with pytest.raises(ValueError, match="'alternative' re-draws feature values"):
        _learner(counterexample_strategy="alternative").fit(
            docs[:6], y[:6], corrections=[[DECOY]] + [None] * 5
        )
    with pytest.raises(ValueError, match="fitted on documents"):
        learner.teach(np.zeros((1, 3)), [1])
    with pytest.raises(TypeError, match="single string"):
        learner.predict(docs[0])
    with pytest.raises(ValueError, match="explainer='linear' explains rows of numeric"):
        _learner(explainer="linear").fit(docs[:6], y[:6]).explain(docs[:1])
    tabular = CaipiClassifier(counterexample_strategy="remove").set_params(random_state=0)
    with pytest.raises(ValueError, match="'remove' removes words from raw documents"):
        tabular.fit(np.eye(4), [0, 1, 0, 1], corrections=[[0], None, None, None])


def test_failed_teach_leaves_the_learner_as_it_was():
    docs, y = _corpus()
    learner = _learner().fit(docs[:6], y[:6])
    before = (learner.training_set_, learner.estimator_, learner._n_updates)
    with pytest.raises(ValueError, match="Document 0: 'two words' is not one word"):
        learner.teach(docs[6:7], y[6:7], corrections=[["two words"]])
    assert (learner.training_set_, learner.estimator_, learner._n_updates) == before


@pytest.mark.parametrize("explainer", [FastLimeExplainer(mode="text", n_samples=300),
                                       LimeExplainer(mode="text", n_samples=300)])
def test_explainer_objects_in_text_mode(explainer):
    docs, y = _corpus()
    learner = _learner(explainer=explainer).fit(docs[:10], y[:10])
    (e,) = learner.explain(docs[10:11])
    assert e.all_feature_names == document_words(docs[10])


def test_grid_search_over_counterexamples_on_documents():
    docs, y = _corpus(n=40)
    corrections = [[DECOY] if DECOY in d else None for d in docs]
    with config_context(enable_metadata_routing=True):
        learner = _learner().set_fit_request(corrections=True)
        search = GridSearchCV(learner, {"n_counterexamples": [0, 2]}, cv=2)
        search.fit(docs, y, corrections=corrections)
    assert set(search.cv_results_["param_n_counterexamples"]) == {0, 2}
    assert search.best_estimator_.training_set_.n_real == 40


def test_simulate_on_documents_removes_the_decoy():
    docs, y = _corpus(n=120, seed=1)
    user = SimulatedUser(
        lambda doc, feature_names: np.array([w != DECOY for w in feature_names])
    )
    learner = _learner(n_counterexamples=3).fit(docs[:4], y[:4])
    test = [d.replace(" " + DECOY, "") for d in docs[90:]]  # no decoy at test time
    history = simulate(learner, docs[4:90], y[4:90], user, n_iter=15,
                       X_test=test, y_test=y[90:], progress=False, random_state=0)
    frame = history.to_frame()
    assert frame["n_corrections"].iloc[-1] > 0
    assert np.isfinite(frame["query_f1"]).all() and np.isfinite(frame["test_expl_f1"]).all()
    (e,) = history.learner.explain([docs[5]])
    # the user's corrections are words
    _, correction = user.answer(docs[1], 1, e)
    assert correction is None or all(isinstance(w, str) for w in correction)


# ---------------------------------------------------------------- vectorised input
def test_csr_directly_and_after_the_vectorizer_give_the_same_model():
    docs, y = _corpus()
    vec = TfidfVectorizer()
    X = vec.fit_transform(docs)  # what the pipeline's first step hands on
    col = vec.vocabulary_[DECOY]
    corrections = [[col] if DECOY in d else None for d in docs]
    direct = CaipiClassifier(LogisticRegression(), random_state=0).fit(X, y, corrections=corrections)
    pipe = make_pipeline(TfidfVectorizer(), CaipiClassifier(LogisticRegression(), random_state=0))
    pipe.fit(docs, y, caipiclassifier__corrections=corrections)
    step = pipe[-1]
    np.testing.assert_array_equal(step.estimator_.coef_, direct.estimator_.coef_)
    assert sp.issparse(direct.training_set_.X) and direct.training_set_.X.format == "csr"
    assert (step.training_set_.X != direct.training_set_.X).nnz == 0
    # counterexamples re-draw only the decoy column
    ts = direct.training_set_
    diff = (ts.X_ce - X[ts.source]).tocsc()
    assert set(np.flatnonzero(np.diff(diff.indptr))) <= {col}


def test_alternative_on_binary_counts_removes_the_word():
    docs, y = _corpus()
    vec = CountVectorizer(binary=True).fit(docs)
    X = vec.transform(docs)
    col = vec.vocabulary_[DECOY]
    corrections = [[col] if DECOY in d else None for d in docs]
    learner = CaipiClassifier(
        LogisticRegression(), counterexample_strategy="alternative", random_state=0
    ).fit(X, y, corrections=corrections)
    ts = learner.training_set_
    assert ts.n_counterexamples > 0
    assert ts.X_ce[:, col].nnz == 0  # the decoy is gone from every copy
    np.testing.assert_array_equal(
        np.delete(ts.X_ce.toarray(), col, axis=1),
        np.delete(X[ts.source].toarray(), col, axis=1),
    )


@pytest.mark.parametrize("strategy", ["randomize", "alternative", "substitute"])
def test_sparse_dense_and_named_columns_agree(strategy):
    docs, y = _corpus()
    vec = CountVectorizer().fit(docs)
    X = vec.transform(docs)
    names = vec.get_feature_names_out()
    col = vec.vocabulary_[DECOY]
    by_index = [[col, 0] if DECOY in d else None for d in docs]
    by_name = [[DECOY, names[0]] if DECOY in d else None for d in docs]
    kw = dict(counterexample_strategy=strategy, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        s = CaipiClassifier(LogisticRegression(), **kw).fit(X, y, corrections=by_index)
        d = CaipiClassifier(LogisticRegression(), **kw).fit(X.toarray(), y, corrections=by_index)
        frame = pd.DataFrame(X.toarray(), columns=names)
        n = CaipiClassifier(LogisticRegression(), **kw).fit(frame, y, corrections=by_name)
    np.testing.assert_array_equal(s.training_set_.X_ce.toarray(), d.training_set_.X_ce)
    np.testing.assert_array_equal(n.training_set_.X_ce.to_numpy(), d.training_set_.X_ce)
    np.testing.assert_allclose(s.estimator_.coef_, d.estimator_.coef_, rtol=1e-6, atol=1e-8)


def test_sparse_learner_teach_and_explain():
    docs, y = _corpus()
    vec = TfidfVectorizer().fit(docs)
    X = vec.transform(docs)
    col = vec.vocabulary_[DECOY]
    learner = CaipiClassifier(LogisticRegression(), random_state=0).fit(X[:6], y[:6])
    idx, rows = learner.query(X[6:])
    assert sp.issparse(rows)
    (e,) = learner.explain(rows)
    learner.teach(rows, y[6:][idx], corrections=[[col]])
    X_ce = learner.training_set_.X_ce
    assert sp.issparse(X_ce) and X_ce.shape[0] == 3
    # only the corrected column may differ from the taught row
    changed = (X_ce - sp.vstack([rows] * 3)).tocsc()
    assert set(np.flatnonzero(np.diff(changed.indptr))) <= {col}


def test_callers_sparse_matrices_are_not_modified():
    docs, y = _corpus()
    X = TfidfVectorizer().fit_transform(docs)
    learner = CaipiClassifier(LogisticRegression(), random_state=0).fit(X[:10], y[:10])
    # a non-canonical correction mask (explicit zero, unsorted) and query rows
    mask = sp.csr_matrix(
        (np.array([1, 0, 1]), np.array([5, 1, 2]), np.array([0, 3])), shape=(1, X.shape[1])
    )
    before = [a.copy() for a in (mask.data, mask.indices, mask.indptr)]
    learner.teach(X[10], y[10:11], corrections=mask)
    for a, b in zip(before, (mask.data, mask.indices, mask.indptr)):
        np.testing.assert_array_equal(a, b)
    row = sp.csr_matrix(
        (np.array([1.0, 2.0, 3.0]), np.array([3, 1, 1]), np.array([0, 3])), shape=(1, X.shape[1])
    )
    before = [a.copy() for a in (row.data, row.indices, row.indptr)]
    learner.set_params(explainer="fast_lime").explain(row)
    for a, b in zip(before, (row.data, row.indices, row.indptr)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [["a b", None, "c d"], pd.Series(["a b", np.nan, "c d"]),
                                 ["a b", b"c", "d"]])
def test_a_non_string_document_is_named(bad):
    with pytest.raises(TypeError, match="document 1 is a"):
        _learner().fit(bad, [0, 1, 0])
    docs, y = _corpus()
    learner = _learner().fit(docs[:6], y[:6])
    with pytest.raises(TypeError, match="document 1 is a"):
        learner.teach(list(bad), [0, 1, 0])


def test_a_correction_matrix_for_documents_is_refused_clearly():
    docs, y = _corpus()
    learner = _learner().fit(docs[:6], y[:6])
    with pytest.raises(ValueError, match="corrections of documents are given per document"):
        learner.teach(docs[6:7], y[6:7], corrections=sp.csr_matrix(np.array([[True, False]])))
