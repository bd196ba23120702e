"""default_learner and text_columns: the learner `skxil label` starts with."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

from skxil.interactive._defaults import default_learner, text_columns

pd = pytest.importorskip("pandas")


def mixed(n=40, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["the", "a", "good", "bad", "film", "plot", "great", "dull", "cast", "story"])
    return pd.DataFrame({
        "review": [" ".join(rng.choice(words, 8)) for _ in range(n)],
        "site": rng.choice(["north", "south"], n),
        "code": rng.choice(["a b", "c d e"], n),  # str, but short: a category
        "age": rng.normal(size=n),
        "flag": rng.integers(0, 2, n).astype(bool),
    }), (np.arange(n) % 2)


def test_text_columns_by_mean_token_count():
    frame, _ = mixed()
    assert text_columns(frame) == ["review"]
    assert text_columns(frame, min_tokens=1) == ["review", "code"]
    assert text_columns(frame, min_tokens=8) == []
    empty = pd.DataFrame({"note": [None, None], "x": [1, 2]}, dtype=object)
    assert text_columns(empty) == []
    with pytest.raises(TypeError, match="takes a pandas DataFrame, not ndarray"):
        text_columns(np.zeros((2, 2)))


def test_a_mixed_frame_with_text_and_missing_values_trains_and_explains():
    frame, y = mixed()
    frame.loc[3, "age"] = np.nan
    frame.loc[5, "site"] = None
    before = frame.copy()
    learner = default_learner(frame, random_state=0)
    assert learner.explainer == "fast_lime"  # a text column: no exact linear explanation
    encoder = learner.estimator.steps[0][1]
    assert isinstance(encoder, ColumnTransformer)
    assert isinstance(encoder.transformers[0][1], TfidfVectorizer)
    learner.fit(frame[:30], y[:30])
    idx, row = learner.query(frame[30:])
    explanation, = learner.explain(row)
    assert set(explanation.feature_names) <= set(frame.columns)
    learner.teach(row, y[30 + idx], corrections=[["site"]])
    assert learner.training_set_.n_real == 31
    pd.testing.assert_frame_equal(frame, before)


def test_without_text_columns_the_explanation_is_exact():
    frame, y = mixed()
    frame = frame.drop(columns=["review"])
    learner = default_learner(frame, random_state=0).fit(frame, y)
    assert learner.explainer == "linear"
    explanation, = learner.explain(frame[:1])
    assert {"site", "age"} & set(explanation.feature_names)


def test_documents_arrays_and_sparse():
    docs = ["great film loved it", "awful plot", "a fine cast", "boring and bad"]
    text = default_learner(docs, random_state=0).fit(docs, [1, 0, 1, 0])
    assert text.counterexample_strategy == "remove"
    explanation, = text.explain(docs[:1])
    assert set(explanation.feature_names) <= {"great", "film", "loved", "it"}
    X = np.random.default_rng(0).normal(size=(20, 3))
    assert default_learner(X).fit(X, np.arange(20) % 2).explainer_.__class__.__name__ == "LinearExplainer"
    default_learner(sparse.csr_matrix(X)).fit(sparse.csr_matrix(X), np.arange(20) % 2)


def test_default_learner_errors():
    with pytest.raises(ValueError, match="got an array with 3 dimensions"):
        default_learner(np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="min_tokens"):
        default_learner(np.zeros((2, 2)), min_tokens=-1)
