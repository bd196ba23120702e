"""FastLimeExplainer: lime's procedure in numba kernels, one batched model call."""

import importlib.util

import numpy as np
import pytest
from joblib import parallel_config
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skxil.explain import Explanation, FastLimeExplainer, LimeExplainer

N = 300  # perturbed samples per explanation in these tests


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return X, y, model.fit(X[:300], y[:300])


class _Spy:
    """A model that records the shapes it is called with."""

    def __init__(self, model):
        self.model = model
        self.classes_ = model.classes_
        self.calls = []

    def predict_proba(self, X):
        self.calls.append((type(X).__name__, np.shape(X)))
        return self.model.predict_proba(X)


def _fast(**kwargs):
    kwargs.setdefault("n_samples", N)
    kwargs.setdefault("random_state", 0)
    return FastLimeExplainer(**kwargs)


def test_explanations_of_the_predicted_class(cancer):
    X, _, model = cancer
    explainer = _fast(n_features=4).fit(X[:300])
    explanations = explainer.explain(model, X[300:303])
    proba = model.predict_proba(X[300:303])
    assert len(explanations) == 3
    for e, p in zip(explanations, proba):
        assert isinstance(e, Explanation)
        assert e.class_index == np.argmax(p)
        assert e.predicted_class == model.classes_[np.argmax(p)]
        assert e.proba == pytest.approx(p.max())
        assert len(e.features) == 4 and len(set(e.features)) == 4
        assert np.all(np.diff(np.abs(e.weights)) <= 0)
        assert e.all_feature_names == [f"x{j}" for j in range(30)]
        assert 0 < e.score <= 1 and e.intercept is not None
        assert e.n_features_in == 30 and e.instance.shape == (30,)
    assert explainer.explain(model, X[:0]) == []


def test_same_random_state_same_explanations(cancer):
    X, _, model = cancer
    rows = X[300:304]
    a = _fast().fit(X[:300]).explain(model, rows)
    assert a == _fast().fit(X[:300]).explain(model, rows)
    assert a == _fast().fit(X[:300]).explain(model, rows)  # every call is seeded
    b = _fast(random_state=1).fit(X[:300]).explain(model, rows)
    assert any(not np.array_equal(x.weights, y.weights) for x, y in zip(a, b))


def test_one_model_call_per_chunk_and_chunking_does_not_matter(cancer):
    X, _, model = cancer
    rows = X[300:305]
    spy = _Spy(model)
    reference = _fast(n_repeats=3).fit(X[:300]).explain(spy, rows)
    # one batched call: all 5 rows x 3 repeats x N samples (the default
    # max_batch_rows holds them all)
    assert spy.calls == [("ndarray", (5 * 3 * N, 30))]
    for max_batch_rows, prefetch in [
        (N, True),
        (4 * N, False),
        (7 * N, True),
        (1, True),
    ]:
        spy = _Spy(model)
        explainer = _fast(n_repeats=3, max_batch_rows=max_batch_rows, prefetch=prefetch)
        assert explainer.fit(X[:300]).explain(spy, rows) == reference
        per_call = max(1, max_batch_rows // N) * N
        assert max(shape[0] for _, shape in spy.calls) == per_call
        assert sum(shape[0] for _, shape in spy.calls) == 5 * 3 * N


def test_chunks_ramp_up_with_prefetch_and_results_do_not_change(cancer):
    """With several chunks and prefetch the model starts after one unit."""
    X, _, model = cancer
    rows = X[300:305]
    sizes = {}
    results = {}
    for prefetch in (True, False):
        spy = _Spy(model)
        explainer = _fast(n_repeats=3, max_batch_rows=4 * N, prefetch=prefetch)
        results[prefetch] = explainer.fit(X[:300]).explain(spy, rows)
        sizes[prefetch] = [shape[0] // N for _, shape in spy.calls]
    assert sizes[True] == [1, 2, 4, 4, 4]  # 15 units, at most 4 per call
    assert sizes[False] == [4, 4, 4, 3]
    assert results[True] == results[False]


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_model_error_in_a_later_chunk_reaches_the_caller(cancer, prefetch):
    X, _, model = cancer

    class FailsOnThirdCall:
        classes_ = model.classes_
        calls = 0

        def predict_proba(self, Z):
            self.calls += 1
            if self.calls == 3:
                raise RuntimeError("model broke on call 3")
            return model.predict_proba(Z)

    explainer = _fast(n_repeats=3, max_batch_rows=2 * N, prefetch=prefetch)
    explainer.fit(X[:300])
    failing = FailsOnThirdCall()
    with pytest.raises(RuntimeError, match="model broke on call 3"):
        explainer.explain(failing, X[300:305])
    assert failing.calls == 3  # no further chunk is predicted


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_joblib_backends_give_the_same_explanations(cancer, backend):
    X, _, model = cancer
    rows = X[300:306]
    reference = _fast().fit(X[:300]).explain(model, rows)
    explainer = _fast(n_jobs=2).fit(X[:300])
    with parallel_config(backend=backend):
        assert explainer.explain(model, rows) == reference


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs distributed"
)
def test_dask_backend(cancer):  # pragma: no cover - optional dependency
    from distributed import Client, LocalCluster

    X, _, model = cancer
    rows = X[300:304]
    reference = _fast().fit(X[:300]).explain(model, rows)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False) as cluster:
        with Client(cluster), parallel_config(backend="dask"):
            assert _fast(n_jobs=2).fit(X[:300]).explain(model, rows) == reference


def test_repeats_vote(cancer):
    X, _, model = cancer
    e1 = _fast(n_features=3).fit(X[:300]).explain(model, X[300:301])[0]
    e5 = _fast(n_features=3, n_repeats=5).fit(X[:300]).explain(model, X[300:301])[0]
    assert len(e5.features) == 3 and e5.class_index == e1.class_index


def test_dataframe_with_named_columns(cancer):
    pd = pytest.importorskip("pandas")
    X, y, _ = cancer
    columns = [f"feature {j}" for j in range(30)]
    frame = pd.DataFrame(X, columns=columns)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(
        frame[:300], y[:300]
    )
    spy = _Spy(model)
    original = frame.copy()
    with np.testing.assert_no_warnings():  # the model gets its own column names
        explanations = _fast(n_features=3).fit(frame[:300]).explain(spy, frame[300:302])
    assert all(kind == "DataFrame" for kind, _ in spy.calls)
    assert explanations[0].all_feature_names == columns
    assert explanations[0].as_list()[0][0] in columns
    pd.testing.assert_frame_equal(frame, original)


def test_sparse_background_explains_non_zero_features(cancer):
    # A sparse background switches to word-presence sampling over each row's
    # non-zeros (tests/explain/test_fast_lime_sparse.py); densified rows keep
    # lime's quartile sampling.
    X, y, _ = cancer
    Xs = sparse.csr_matrix(X * (X > np.median(X, axis=0)))
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(Xs[:300], y[:300])
    sparse_fit = _fast().fit(Xs[:300])
    assert type(sparse_fit.sampler_).__name__ == "SparseSampler"
    for i, e in zip((300, 301), sparse_fit.explain(model, Xs[300:302])):
        assert set(e.features.tolist()) <= set(Xs[i].indices.tolist())
    dense_fit = _fast().fit(Xs[:300].toarray())
    assert type(dense_fit.sampler_).__name__ == "TabularSampler"


def test_multiclass():
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    explanations = _fast(n_features=2).fit(X).explain(model, X[[0, 60, 120]])
    np.testing.assert_array_equal(
        [e.class_index for e in explanations], model.predict(X[[0, 60, 120]])
    )
    # petal features explain iris
    assert all(set(e.features) & {2, 3} for e in explanations)


def test_caller_arrays_are_not_modified_nor_shared(cancer):
    X, _, model = cancer
    background, rows = X[:300].copy(), X[300:303].copy()
    explanations = _fast().fit(background).explain(model, rows)
    np.testing.assert_array_equal(background, X[:300])
    np.testing.assert_array_equal(rows, X[300:303])
    assert not np.shares_memory(explanations[0].instance, rows)


def test_mode_changed_after_fit(cancer):
    X, _, model = cancer
    explainer = _fast().fit(X[:300]).set_params(mode="text")
    with pytest.raises(ValueError, match="fitted with mode='tabular'.*call fit again"):
        explainer.explain(model, ["some text"])


@pytest.mark.parametrize("selection", ["forward_selection", "none", "auto"])
def test_other_feature_selections(cancer, selection):
    X, _, model = cancer
    e = (
        _fast(n_features=3, feature_selection=selection)
        .fit(X[:300])
        .explain(model, X[300:301])[0]
    )
    assert len(e.features) == 3


def test_continuous_and_categorical_features():
    rng = np.random.RandomState(0)
    X = np.column_stack(
        [rng.normal(size=200), rng.randint(0, 3, 200), rng.normal(size=200)]
    )
    y = (X[:, 0] + (X[:, 1] == 2) > 0.5).astype(int)
    model = LogisticRegression().fit(X, y)
    for discretize in (True, False):
        explainer = _fast(
            n_features=2, categorical_features=[1], discretize_continuous=discretize
        ).fit(X)
        e = explainer.explain(model, X[:1])[0]
        assert 0 in e.features


def test_model_without_predict_proba(cancer):
    X, y, _ = cancer
    model = LinearSVC().fit(X[:300], y[:300])
    with pytest.raises(TypeError, match="LinearSVC has no predict_proba"):
        _fast().fit(X[:300]).explain(model, X[:1])


def test_bad_inputs(cancer):
    X, _, model = cancer
    explainer = _fast().fit(X[:300])
    with pytest.raises(
        ValueError, match="X has 29 features, but the explainer was fitted on 30"
    ):
        explainer.explain(model, X[:1, :29])
    bad = X[:1].copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        explainer.explain(model, bad)
    with pytest.raises(ValueError, match="needs X"):
        _fast().fit(None)
    with pytest.raises(ValueError, match="feature_names has 2 entries"):
        _fast().fit(X, feature_names=["a", "b"])
    with pytest.raises(ValueError, match="'n_samples' parameter"):
        _fast(n_samples=2).fit(X)
    with pytest.raises(Exception, match="not fitted"):
        _fast().explain(model, X[:1])


def test_params_and_clone():
    explainer = FastLimeExplainer(n_features=3, mode="text")
    assert clone(explainer).get_params() == explainer.get_params()
    assert explainer.set_params(n_repeats=4).n_repeats == 4


# ------------------------------------------------------------------- text
@pytest.fixture(scope="module")
def spam():
    docs = [
        "win money now",
        "free money offer",
        "win a free prize",
        "cheap offer now",
        "meeting at noon",
        "lunch with the team",
        "project meeting notes",
        "see you at lunch",
        "free prize inside",
        "team notes for the project",
    ] * 3
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0] * 3)
    model = make_pipeline(CountVectorizer(), LogisticRegression(C=10)).fit(docs, y)
    return docs, model


def test_text_features_are_the_documents_words(spam):
    docs, model = spam
    explainer = _fast(mode="text", n_features=2).fit()
    doc = "free money for the team, free!"
    (e,) = explainer.explain(model, [doc])
    assert e.all_feature_names == ["free", "money", "for", "the", "team"]
    assert e.n_features_in == 5 and e.text == doc
    assert "".join(e.tokens) == doc
    assert e.as_list()[0][0] in ("free", "money")
    assert e.predicted_class == 1 and e.weights[0] > 0


def test_text_agrees_with_lime(spam):
    docs, model = spam
    doc = ["win a free prize at the team meeting"]
    fast = _fast(mode="text", n_features=3, n_samples=1000).fit().explain(model, doc)[0]
    lime = LimeExplainer(mode="text", n_features=3, n_samples=1000, random_state=0)
    slow = lime.fit().explain(model, doc)[0]
    assert fast.all_feature_names == slow.all_feature_names
    assert len(set(fast.features) & set(slow.features)) >= 2


def test_text_batch_and_edge_documents(spam):
    docs, model = spam
    spy = _Spy(model)
    explanations = (
        _fast(mode="text", n_features=3)
        .fit()
        .explain(spy, ["free money", "", "meeting", "?!"])
    )
    assert [e.n_features_in for e in explanations] == [2, 0, 1, 0]
    assert len(explanations[1].features) == 0 and explanations[1].intercept is None
    assert explanations[2].features.tolist() == [0]
    assert spy.calls == [("list", (4 * N,))]
    with pytest.raises(TypeError, match="sequence of documents"):
        _fast(mode="text").fit().explain(model, "free money")
    with pytest.raises(TypeError, match="document 1 is a int"):
        _fast(mode="text").fit().explain(model, ["ok", 3])


# ------------------------------------------------------------------ image
@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=2000).fit(X[:1000], y[:1000])
    return X, y, model


def test_image_mode_with_patches(digits):
    X, _, model = digits
    explainer = _fast(mode="image", shape=(8, 8), patch_size=2, n_features=3).fit(X)
    assert explainer.n_features_in_ == 64 and len(explainer.feature_names_) == 16
    (e,) = explainer.explain(model, X[1000:1001])
    assert e.n_features_in == 16 and e.shape == (8, 8)
    assert e.segments.shape == (8, 8) and e.segments.max() == 15
    assert e.all_feature_names[0] == "rows 0:2, cols 0:2"
    assert e.class_index == model.predict(X[1000:1001])[0]


def test_image_mode_with_segments_and_hide_color(digits):
    X, _, model = digits
    segments = np.repeat(np.arange(4), 16).reshape(8, 8)  # four bands of rows
    explainer = _fast(
        mode="image", shape=(8, 8), segments=segments, hide_color=0, n_features=2
    ).fit()
    (e,) = explainer.explain(model, X[1000:1001])
    assert e.n_features_in == 4 and len(e.features) == 2


def test_image_mode_errors(digits):
    X, _, model = digits
    with pytest.raises(ValueError, match="needs shape"):
        _fast(mode="image").fit(X)
    with pytest.raises(ValueError, match=r"segments has shape \(2, 2\)"):
        _fast(mode="image", shape=(8, 8), segments=np.zeros((2, 2))).fit()
    with pytest.raises(ValueError, match="have 64 values per row"):
        _fast(mode="image", shape=(8, 8)).fit().explain(model, X[:1, :10])


# -------------------------------------------------------------- faithfulness
def test_agrees_with_lime_on_breast_cancer(cancer):
    """Top-5 features averaged over 3 seeds overlap lime's on most features."""
    X, _, model = cancer
    rows = X[300:304]

    def top5(explainer):
        totals = np.zeros((len(rows), 30))
        for seed in range(3):
            explainer.set_params(random_state=seed)
            for i, e in enumerate(explainer.explain(model, rows)):
                totals[i, e.features] += e.weights
        return [set(np.argsort(-np.abs(t))[:5]) for t in totals]

    fast = top5(_fast(n_features=5, n_samples=2000).fit(X[:300]))
    lime = top5(LimeExplainer(n_features=5, n_samples=2000).fit(X[:300]))
    overlap = np.mean([len(a & b) / 5 for a, b in zip(fast, lime)])
    assert overlap >= 0.8


def test_prefetch_reserves_a_core_and_restores_the_thread_pools(cancer):
    from threadpoolctl import threadpool_info

    X, _, model = cancer
    seen = []

    class Recorder:
        classes_ = model.classes_

        def predict_proba(self, Z):
            seen.append({i["internal_api"]: i["num_threads"] for i in threadpool_info()})
            return model.predict_proba(Z)

    before = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    explainer = _fast(n_samples=500, max_batch_rows=1000).fit(X[:300])
    with_prefetch = explainer.explain(Recorder(), X[300:306])
    after = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    assert after == before
    from joblib import cpu_count

    if cpu_count() > 1 and before:
        assert all(n <= cpu_count() - 1 for call in seen for n in call.values())
    assert explainer.set_params(prefetch=False).explain(model, X[300:306]) == with_prefetch


class _FlatModel:
    """Probabilities that vary by ``variation`` at most (0: a constant model)."""

    classes_ = np.array([0, 1])

    def __init__(self, variation):
        self.variation = variation

    def predict_proba(self, X):
        p = 0.7 + self.variation * np.tanh(np.asarray(X)[:, 0] - 14.0)
        return np.column_stack([1 - p, p])


@pytest.mark.parametrize("variation", [0.0, 1e-15, 1e-9])
@pytest.mark.parametrize("selection", ["highest_weights", "forward_selection", "none"])
@pytest.mark.parametrize("discretize", [True, False])
def test_score_of_a_locally_constant_model_is_in_0_1(
    cancer, variation, selection, discretize
):
    X = cancer[0]
    explainer = _fast(
        n_features=4,
        n_samples=2000,
        feature_selection=selection,
        discretize_continuous=discretize,
    ).fit(X)
    explanations = explainer.explain(_FlatModel(variation), X[:6])
    scores = np.array([e.score for e in explanations])
    assert ((scores >= 0) & (scores <= 1)).all(), scores
    if variation == 0.0:  # fitted exactly by the intercept
        np.testing.assert_array_equal(scores, 1.0)
        assert all((e.weights == 0).all() for e in explanations)
        np.testing.assert_allclose([e.intercept for e in explanations], 0.7)


# Explanations of X[300:302] by the cancer model with random_state=7, k=3 and
# 300 samples, recorded before _explain_rows became _Block: the refactor (and
# any later one) must give them bit for bit; rtol covers only libm differences.
_RECORDED = [
    (
        {},
        [
            ([23, 10, 13], [0.23752449700070802, 0.2294589995193075, 0.22381899482540482], 0.40137963326801995, 0.25362504434081024),  # noqa: E501
            ([22, 19, 24], [0.2560041800598759, 0.16670597640324603, 0.14569773305831832], 0.3047019854069677, 0.1543205007273215),  # noqa: E501
        ],
    ),
    (
        {"discretize_continuous": False, "categorical_features": [0]},
        [
            ([23, 20, 0], [0.09421970483867115, 0.07162282990695246, 0.04223366322726819], 0.603012739923219, 0.13301000267067098),  # noqa: E501
            ([0, 23, 24], [0.13135051211939666, -0.13012497529623868, -0.06353204828369398], 0.522301243083261, 0.16346010506944664),  # noqa: E501
        ],
    ),
    (
        {"n_repeats": 3, "feature_selection": "forward_selection", "max_batch_rows": 600},  # noqa: E501
        [
            ([23, 10, 20], [0.21547260778038999, 0.22370129786599952, 0.2255569369286032], 0.40514406092861943, 0.21721046661237686),  # noqa: E501
            ([15, 21, 24], [0.1755623001440557, 0.11430877082597815, 0.09330939701765445], 0.32028955933043657, 0.1009049213845143),  # noqa: E501
        ],
    ),
]


@pytest.mark.parametrize("params, expected", _RECORDED)
def test_seeded_explanations_are_the_recorded_ones(cancer, params, expected):
    X, _, model = cancer
    explainer = _fast(n_features=3, random_state=7, **params).fit(X)
    for e, (features, weights, intercept, score) in zip(
        explainer.explain(model, X[300:302]), expected
    ):
        assert e.features.tolist() == features
        np.testing.assert_allclose(e.weights, weights, rtol=1e-12)
        np.testing.assert_allclose(
            [e.intercept, e.score], [intercept, score], rtol=1e-12
        )


def _colors(seed=0):
    """A numeric column, a colour coded 0..2 and a size coded 0..1."""
    rng = np.random.RandomState(seed)
    X = np.column_stack(
        [rng.normal(size=300), rng.randint(0, 3, 300), rng.randint(0, 2, 300)]
    ).astype(float)
    y = ((X[:, 1] == 0) | (X[:, 0] > 1)).astype(int)
    return X, y, LogisticRegression().fit(X, y)


COLOR_NAMES = {1: ["red", "green", "blue"], 2: ["small", "large"]}


@pytest.mark.parametrize("explainer_class", [FastLimeExplainer, LimeExplainer])
def test_categorical_names_label_the_explained_values(explainer_class):
    pytest.importorskip("lime")
    X, _, model = _colors()
    explainer = explainer_class(
        n_features=3,
        n_samples=300,
        categorical_features=[1, 2],
        categorical_names=COLOR_NAMES,
        random_state=0,
    ).fit(X, feature_names=["x", "color", "size"])
    rows = X[:4]
    for row, e in zip(rows, explainer.explain(model, rows)):
        color = COLOR_NAMES[1][int(row[1])]
        size = COLOR_NAMES[2][int(row[2])]
        labels = dict(zip(e.feature_names, (label for label, _ in e.as_list())))
        assert labels == {"x": "x", "color": f"color={color}", "size": f"size={size}"}
        assert "color" in e.feature_names  # the plain column names
    assert explainer.categorical_names == COLOR_NAMES  # not modified (lime adds to it)


@pytest.mark.parametrize("explainer_class", [FastLimeExplainer, LimeExplainer])
def test_categorical_features_without_names_read_name_equals_code(explainer_class):
    pytest.importorskip("lime")
    X, _, model = _colors()
    explainer = explainer_class(
        n_features=3, n_samples=300, categorical_features=[1], random_state=0
    ).fit(X)
    (e,) = explainer.explain(model, X[:1])
    assert dict(e.as_list()).keys() == {"x0", f"x1={int(X[0, 1])}", "x2"}
    # no categorical features: the labels are the names
    (plain,) = explainer_class(n_features=3, n_samples=300, random_state=0).fit(
        X
    ).explain(model, X[:1])
    assert {label for label, _ in plain.as_list()} == {"x0", "x1", "x2"}


def test_categorical_names_leave_the_explanations_unchanged():
    X, _, model = _colors()
    kwargs = dict(n_features=3, n_samples=300, categorical_features=[1, 2])
    named = _fast(categorical_names=COLOR_NAMES, **kwargs).fit(X).explain(model, X[:3])
    plain = _fast(**kwargs).fit(X).explain(model, X[:3])
    for a, b in zip(named, plain):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_array_equal(a.weights, b.weights)


@pytest.mark.parametrize("explainer_class", [FastLimeExplainer, LimeExplainer])
def test_categorical_names_errors(explainer_class):
    pytest.importorskip("lime")
    X, _, model = _colors()

    def fit(X=X, **kwargs):
        kwargs.setdefault("categorical_features", [1, 2])
        return explainer_class(n_samples=300, **kwargs).fit(
            X, feature_names=["x", "color", "size"]
        )

    with pytest.raises(ValueError, match="feature 0, which is not one of"):
        fit(categorical_names={0: ["a"]})
    with pytest.raises(ValueError, match=r"feature 5, but the data has 3 features"):
        fit(categorical_features=[1, 2, 5], categorical_names={5: ["a"]})
    with pytest.raises(TypeError, match="keys must be feature indices"):
        fit(categorical_names={"color": ["red"]})
    # a code without a name, in the background data or in an explained row
    short = {1: ["red", "green"]}
    with pytest.raises(
        ValueError, match=r"'color' \(index 1\) of the background data X has the "
        r"value 2, but categorical_names\[1\] names only the codes 0 to 1"
    ):
        fit(categorical_names=short)
    explainer = fit(X=X[X[:, 1] < 2], categorical_names=short)
    row = X[X[:, 1] == 2][:1]
    with pytest.raises(ValueError, match=r"'color' \(index 1\) of X has the value 2"):
        explainer.explain(model, row)
    with pytest.raises(ValueError, match="has the value 0.5"):
        explainer.explain(model, np.array([[0.0, 0.5, 1.0]]))


# ------------------------------------------------------------- partial_fit


def _same_explanations(a, b):
    assert len(a) == len(b)
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea.features, eb.features)
        np.testing.assert_array_equal(ea.weights, eb.weights)
        assert ea.intercept == eb.intercept and ea.score == eb.score


@pytest.mark.parametrize(
    "params",
    [{}, {"discretize_continuous": False}, {"n_repeats": 2, "n_bootstrap": 2}],
)
def test_partial_fit_equals_fit_on_all_rows(cancer, params):
    X, _, model = cancer
    once = _fast(n_features=4, **params).fit(X[:300])
    grown = _fast(n_features=4, **params).fit(X[:100])
    grown.partial_fit(X[100:101]).partial_fit(X[101:300])
    _same_explanations(
        once.explain(model, X[300:303]), grown.explain(model, X[300:303])
    )
    np.testing.assert_array_equal(
        once.sampler_.tables.cell_tables.coef, grown.sampler_.tables.cell_tables.coef
    )


def test_partial_fit_on_coded_categorical_rows():
    # the codes a DataFrame's categorical columns become (skxil._frames)
    rng = np.random.RandomState(0)
    X = np.column_stack(
        [rng.normal(size=200), rng.randint(0, 3, 200), rng.normal(size=200)]
    )
    y = (X[:, 0] + (X[:, 1] == 2) > 0.5).astype(int)
    model = LogisticRegression().fit(X, y)
    names = {1: ["low", "mid", "high"]}
    once = _fast(n_features=2, categorical_features=[1], categorical_names=names)
    grown = clone(once).fit(X[:50]).partial_fit(X[50:])
    _same_explanations(
        once.fit(X).explain(model, X[:3]), grown.explain(model, X[:3])
    )
    with pytest.raises(ValueError, match="changed since fit; call fit again"):
        grown.set_params(discretize_continuous=False).partial_fit(X[:5])


def test_partial_fit_of_a_dataframe_checks_its_columns(cancer):
    pd = pytest.importorskip("pandas")
    X = cancer[0]
    frame = pd.DataFrame(X[:, :4], columns=list("abcd"))
    explainer = _fast().fit(frame[:100]).partial_fit(frame[100:])
    assert explainer.sampler_.tables.columns.n_rows == len(frame)
    with pytest.raises(ValueError, match=r"X has columns \['d', 'c', 'b', 'a'\]"):
        explainer.partial_fit(frame[list("dcba")])


def test_partial_fit_checks_the_new_rows(cancer):
    X = cancer[0]
    explainer = _fast().fit(X[:50])
    with pytest.raises(ValueError, match="X has 3 features, but the explainer was fitted on 30"):
        explainer.partial_fit(X[:5, :3])
    bad = X[:2].copy()
    bad[1, 4] = np.nan
    with pytest.raises(ValueError, match="background data X contains NaN"):
        explainer.partial_fit(bad)
    with pytest.raises(ValueError, match="partial_fit needs X"):
        explainer.partial_fit(None)
    assert explainer.sampler_.tables.columns.n_rows == 50  # unchanged


def test_partial_fit_on_an_unfitted_explainer_fits(cancer):
    X, _, model = cancer
    _same_explanations(
        _fast().partial_fit(X[:100]).explain(model, X[300:302]),
        _fast().fit(X[:100]).explain(model, X[300:302]),
    )


def test_partial_fit_of_sparse_text_and_image_modes_keeps_no_statistics(
    cancer, spam, digits
):
    # sparse rows, documents and images are explained without background
    # statistics: partial_fit checks the rows and changes nothing
    X, y, _ = cancer
    S = sparse.csr_matrix(X * (X > np.median(X, axis=0)))
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(S[:300], y[:300])
    explainer = _fast().fit(S[:100])
    before = explainer.explain(model, S[300:302])
    _same_explanations(before, explainer.partial_fit(S[100:]).explain(model, S[300:302]))
    with pytest.raises(ValueError, match="X has 4 features"):
        explainer.partial_fit(S[:, :4])
    docs, text_model = spam
    text = _fast(mode="text").fit(docs[:5])
    _same_explanations(
        text.explain(text_model, docs[:2]),
        text.partial_fit(docs[5:]).explain(text_model, docs[:2]),
    )
    images, _, image_model = digits
    image = _fast(mode="image", shape=(8, 8)).fit(images[:50])
    _same_explanations(
        image.explain(image_model, images[1000:1001]),
        image.partial_fit(images[50:100]).explain(image_model, images[1000:1001]),
    )
    with pytest.raises(ValueError, match="images of shape"):
        image.partial_fit(images[:2, :10])



def test_loading_the_kernels_at_fit_changes_nothing(cancer, monkeypatch):
    X, _, model = cancer
    state = np.random.RandomState(3)
    explainer = _fast(random_state=state).fit(X[:300])
    assert state.get_state()[1].tolist() == np.random.RandomState(3).get_state()[1].tolist()
    expected = explainer.explain(model, X[300:303])
    monkeypatch.setattr(FastLimeExplainer, "_load_kernels", lambda self, X: None)
    plain = _fast(random_state=np.random.RandomState(3)).fit(X[:300])
    assert plain.explain(model, X[300:303]) == expected
