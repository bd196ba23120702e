import json
import sqlite3
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.compose import make_column_transformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.explain import Explanation, FastLimeExplainer
from skxil.interactive import Session
from skxil.interactive._views import image_view, json_label, render_value, token_views

RNG = np.random.RandomState(0)


def _frame_case():
    df = pd.DataFrame({
        "age": RNG.randint(20, 70, 60),
        "color": RNG.choice(["red", "blue"], 60),
        "h": RNG.rand(60),
    })
    y = (df.age > 40).astype(int).to_numpy()
    ct = make_column_transformer((OneHotEncoder(), ["color"]), remainder=StandardScaler())
    learner = CaipiClassifier(make_pipeline(ct, LogisticRegression()), random_state=0)
    return learner, df[20:], df[:20], y[:20], {}


def _sparse_case():
    X = sparse.random(60, 40, density=0.2, random_state=0, format="csr")
    y = (X[:, 0].toarray().ravel() > 0).astype(int)
    y[:2] = [0, 1]
    learner = CaipiClassifier(explainer="linear", random_state=0)
    return learner, X[20:], X[:20], y[:20], {"max_features": 10}


def _documents_case():
    docs = ["good film zq", "bad plot", "great cast, zq!", "dull film", "fine acting zq",
            "awful script"] * 4
    y = [1, 0, 1, 0, 1, 0] * 4
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        explainer=FastLimeExplainer(mode="text", n_samples=200),
        counterexample_strategy="remove", random_state=0,
    )
    return learner, docs[6:], docs[:6], y[:6], {}


def _image_case():
    images = RNG.rand(50, 16)
    y = (images[:, 0] > 0.5).astype(int)
    learner = CaipiClassifier(
        explainer=FastLimeExplainer(mode="image", shape=(4, 4), patch_size=2,
                                    n_samples=200),
        random_state=0,
    )
    return learner, images[20:], images[:20], y[:20], {}


def _array_case():
    X = RNG.randn(50, 5)
    y = (X[:, 0] > 0).astype(int)
    return CaipiClassifier(explainer="linear", random_state=0), X[20:], X[:20], y[:20], {}


CASES = {
    "array": _array_case,
    "frame": _frame_case,
    "sparse": _sparse_case,
    "documents": _documents_case,
    "image": _image_case,
}


@pytest.mark.parametrize("case", CASES)
def test_every_input_kind_round_trips(tmp_path, case):
    learner, X_pool, X_init, y_init, options = CASES[case]()
    path = tmp_path / f"{case}.db"
    with Session(learner, X_pool, path, X_init=X_init, y_init=y_init, **options) as s:
        q = s.next_query()
        view = json.loads(json.dumps(q.to_json()))  # JSON-safe
        assert view["kind"] == {"documents": "document", "image": "image"}.get(case, "table")
        assert view["query_id"] == q.query_id and view["labels"] == [0, 1]
        assert set(view["proba"]) == {"0", "1"}
        assert sum(view["proba"].values()) == pytest.approx(1)
        shown = [f for f in view["features"] if f["in_explanation"]]
        assert {f["index"] for f in shown} == set(q.explanation.features.tolist())
        ignore = [view["features"][0]["name"]]
        s.answer(q.query_id, 1, ignore=ignore)
        assert s.learner.training_set_.n_counterexamples > 0
        q2 = s.next_query()
        s.skip(q2.query_id)
        expected = (s.learner.training_set_.y.tolist(), s.next_query().index)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the snapshot is loaded, not replaced
        s = Session(learner, X_pool, path, X_init=X_init, y_init=y_init, **options)
    with s:
        assert (s.learner.training_set_.y.tolist(), s.next_query().index) == expected
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM snapshots")  # now a full replay
    with Session(learner, X_pool, path, X_init=X_init, y_init=y_init,
                 snapshot_every=None, **options) as s:
        assert (s.learner.training_set_.y.tolist(), s.next_query().index) == expected


def test_frame_row_and_values(tmp_path):
    learner, X_pool, X_init, y_init, _ = _frame_case()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init) as s:
        q = s.next_query()
        assert isinstance(q.row, pd.DataFrame) and q.row.shape == (1, 3)
        assert s.feature_names == ["age", "color", "h"]
        values = [f["value"] for f in q.to_json()["features"]]
        assert values == [render_value(v) for v in X_pool.iloc[q.index]]


def test_sparse_view_lists_only_explained_features(tmp_path):
    learner, X_pool, X_init, y_init, options = _sparse_case()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init,
                 **options) as s:
        q = s.next_query()
        features = q.to_json()["features"]
        assert all(f["in_explanation"] for f in features)
        assert [f["index"] for f in features] == sorted(q.explanation.features.tolist())
        dense = X_pool[q.index].toarray().ravel()
        assert [f["value"] for f in features] == [
            render_value(dense[f["index"]]) for f in features
        ]


def test_document_tokens_keep_the_text(tmp_path):
    learner, X_pool, X_init, y_init, _ = _documents_case()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init) as s:
        q = s.next_query()
        view = q.to_json()
        assert "".join(t["text"] for t in view["tokens"]) == q.row
        names = [f["name"] for f in view["features"]]
        for token in view["tokens"]:
            if token["feature"] is not None:
                assert names[token["feature"]] == token["text"]
        assert s.feature_names == []


def test_token_views_without_explanation_tokens():
    e = Explanation(1, [1], [0.5], 2, all_feature_names=["a", "b"])
    tokens = token_views(e, "a b, a")
    assert [t["text"] for t in tokens] == ["a", " ", "b", ", ", "a"]
    assert [t["feature"] for t in tokens] == [0, None, 1, None, 0]
    assert [t["weight"] for t in tokens] == [0.0, 0.0, 0.5, 0.0, 0.0]


def test_image_segments_map_to_pixels(tmp_path):
    learner, X_pool, X_init, y_init, _ = _image_case()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init) as s:
        q = s.next_query()
        image = q.to_json()["image"]
        assert image["shape"] == [4, 4]
        assert len(image["pixels"]) == len(image["heat"]) == 16
        assert all(0 <= p <= 1 for p in image["pixels"])
        s.answer(q.query_id, 1, ignore=[0])  # the top-left 2 x 2 patch
        ts = s.learner.training_set_
        changed = np.flatnonzero((ts.X_ce != ts.X_real[-1]).any(axis=0))
        assert set(changed) <= {0, 1, 4, 5} and changed.size > 0


def test_image_view_of_pixel_features():
    e = Explanation(1, [0, 15], [0.5, -0.25], 16)
    view = image_view(e, np.arange(16.0), (4, 4))
    assert view["pixels"][0] == 0 and view["pixels"][-1] == 1
    assert view["heat"][0] == 0.5 and view["heat"][15] == -0.25
    assert sum(view["heat"][1:15]) == 0


def test_image_shape_option(tmp_path):
    _, X_pool, X_init, y_init, _ = _image_case()
    learner = CaipiClassifier(explainer="linear", random_state=0)
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init,
                 image_shape=(4, 4)) as s:
        q = s.next_query()
        assert q.kind == "image"
        heat = q.to_json()["image"]["heat"]
        weights = dict(zip(q.explanation.features.tolist(), q.explanation.weights))
        assert heat == [weights.get(j, 0.0) for j in range(16)]


def test_json_label_and_render_value():
    assert [json_label(v) for v in (np.int64(3), np.float32(0.5), np.bool_(True), "a")] \
        == [3, 0.5, True, "a"]
    assert isinstance(json_label(np.int64(3)), int)
    assert json_label(pd.Timestamp("2020-01-01")) == "2020-01-01 00:00:00"
    assert render_value(np.float64(1 / 3)) == "0.333333"
    assert render_value(float("nan")) == "nan"


def test_str_labels_and_pool_ids(tmp_path):
    X = RNG.randn(40, 3)
    y = np.where(X[:, 0] > 0, "spam", "ham")
    learner = CaipiClassifier(explainer="linear", random_state=0)
    ids = [f"row-{i}" for i in range(20)]
    with Session(learner, X[20:], tmp_path / "s.db", X_init=X[:20], y_init=y[:20],
                 pool_ids=ids) as s:
        q = s.next_query()
        view = q.to_json()
        assert view["labels"] == ["ham", "spam"]
        assert view["pool_id"] == ids[q.index]
        s.answer(q.query_id, "spam")
        assert s.learner.training_set_.y_real[-1] == "spam"


def test_views_do_not_share_the_session_history(tmp_path):
    learner, X_pool, X_init, y_init, _ = _array_case()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init) as s:
        s.skip(s.next_query().query_id)
        view = s.next_query().to_json()
        view["progress"]["history"][0]["kind"] = "changed"
        s.progress()["history"][0]["kind"] = "changed"
        assert s.progress()["history"][0]["kind"] == "skip"
        assert s.next_query().to_json()["progress"]["history"][0]["kind"] == "skip"
