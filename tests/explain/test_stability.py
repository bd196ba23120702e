"""Stability: the spread of an explanation's top k over repeats, bootstrap
resamples of the surrogate, or a committee, and the explainers that set it."""

import numpy as np
import pytest
from joblib import parallel_config
from scipy import sparse
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxil.explain import (
    Explanation,
    FastLimeExplainer,
    LimeExplainer,
    LinearExplainer,
    Stability,
)

N = 300  # perturbed samples per explanation in these tests

RUNS = [
    ([2, 0], [0.7, -0.2]),
    ([2, 1], [0.6, 0.1]),
    ([0, 2], [-0.3, 0.8]),
    ([2, 0], [0.7, -0.2]),
]


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return X, y, model.fit(X[:300], y[:300])


def _fast(**kwargs):
    kwargs.setdefault("n_samples", N)
    kwargs.setdefault("random_state", 0)
    return FastLimeExplainer(**kwargs)


def _same(a, b):
    return all(
        np.array_equal(x.features, y.features) and np.array_equal(x.weights, y.weights)
        for x, y in zip(a, b, strict=True)
    )


# ------------------------------------------------------------- the measure
def test_from_runs_counts_selections_and_spreads():
    s = Stability.from_runs([2, 0, 1], RUNS, "bootstrap")
    np.testing.assert_allclose(s.frequency, [1.0, 0.75, 0.25])
    np.testing.assert_allclose(
        s.weight_std, [np.std([0.7, 0.6, 0.8, 0.7]), np.std([-0.2, -0.3, -0.2]), 0.0]
    )
    assert s.score == pytest.approx(2.0 / 3.0)
    assert s.agreement == 0.0  # no run selected exactly {0, 1, 2}
    assert s.n_runs == 4 and s.method == "bootstrap"


def test_from_runs_agreement_and_unselected_features():
    s = Stability.from_runs([2, 0], RUNS)
    assert s.agreement == 0.75 and s.score == 0.875
    never = Stability.from_runs([3], RUNS)
    assert never.score == 0.0 and np.isnan(never.weight_std[0])
    assert Stability.from_runs([], [([], [])]).score == 1.0


def test_from_explanations_over_a_committee():
    shown = Explanation(1, [2, 0], [0.7, -0.2], n_features_in=3)
    others = [Explanation(1, f, w, n_features_in=3) for f, w in RUNS]
    s = Stability.from_explanations(shown, others)
    assert s.method == "committee" and s.score == 0.875
    with pytest.raises(ValueError, match="same features"):
        Stability.from_explanations(shown, [Explanation(1, [0], [1.0], 4)])


@pytest.mark.parametrize(
    "args, message",
    [
        (([1.0], [0.0, 0.0], 1.0, 2), "same length"),
        (([1.5], [0.0], 1.0, 2), "frequency must lie in"),
        (([1.0], [0.0], 2.0, 2), "agreement must lie in"),
        (([1.0], [0.0], 1.0, 0), "n_runs must be at least 1"),
    ],
)
def test_invalid_stability(args, message):
    with pytest.raises(ValueError, match=message):
        Stability(*args)


def test_from_runs_needs_runs():
    with pytest.raises(ValueError, match="at least one run"):
        Stability.from_runs([0], [])


def test_explanation_checks_its_stability():
    with pytest.raises(TypeError, match="stability must be a Stability"):
        Explanation(1, [0], [1.0], 2, stability=0.5)
    with pytest.raises(ValueError, match="one per feature"):
        Explanation(1, [0], [1.0], 2, stability=Stability.from_runs([0, 1], RUNS))


# ----------------------------------------------------------------- display
def test_stability_is_shown_in_repr_html_and_plot():
    plain = Explanation("spam", [2, 0], [0.7, -0.2], n_features_in=3)
    e = Explanation(
        "spam",
        [2, 0],
        [0.7, -0.2],
        n_features_in=3,
        stability=Stability.from_runs([2, 0], RUNS),
    )
    assert (
        repr(e)
        == "Explanation(predicted_class='spam', [x2: +0.7, x0: -0.2], stability=0.875)"
    )
    assert "stability" not in repr(plain)
    assert e == plain  # the stability is not part of the explanation's content
    html = e._repr_html_()
    assert "stability 0.88" in html and "100%" in html and "75%" in html
    assert "stability" not in plain._repr_html_()
    assert repr(e.stability) == (
        "Stability(score=0.875, agreement=0.75, n_runs=4, method='repeats')"
    )

    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        e.plot(ax)
        assert ax.get_title().endswith("stability 0.88")
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == ["x2 [100%]", "x0 [75%]"]
    finally:
        plt.close(fig)


# ------------------------------------------------------------ the explainers
def test_a_single_run_is_not_measured(cancer):
    X, _, model = cancer
    (e,) = _fast(n_features=3).fit(X).explain(model, X[300:301])
    assert e.stability is None
    (e,) = LinearExplainer(n_features=3).fit(X).explain(model, X[300:301])
    assert e.stability is None


def test_repeats_measure_the_runs_of_the_vote(cancer):
    X, _, model = cancer
    explanations = _fast(n_features=4, n_repeats=5).fit(X).explain(model, X[300:310])
    for e in explanations:
        s = e.stability
        assert s.method == "repeats" and s.n_runs == 5
        assert s.frequency.shape == (4,) and np.all(s.frequency > 0)
        assert np.all(s.frequency * 5 == np.round(s.frequency * 5))
        # the vote keeps the features chosen most often, in that order
        assert np.all(np.diff(s.frequency) <= 0)
        assert np.all(s.weight_std >= 0)
        assert s.score == pytest.approx(s.frequency.mean())


def test_lime_repeats_measure_the_runs(cancer):
    pytest.importorskip("lime")
    X, _, model = cancer
    lime = LimeExplainer(n_features=3, n_samples=N, random_state=0).fit(X)
    assert lime.explain(model, X[300:301])[0].stability is None
    lime.set_params(n_repeats=3)
    (e,) = lime.explain(model, X[300:301])
    assert e.stability.n_runs == 3 and e.stability.method == "repeats"
    assert set(np.round(e.stability.frequency * 3)) <= {1.0, 2.0, 3.0}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_repeats": 3},
        {"discretize_continuous": False},
        {"feature_selection": "forward_selection"},
    ],
)
def test_bootstrap_keeps_features_and_weights(cancer, params):
    X, _, model = cancer
    rows = X[300:306]
    plain = _fast(n_features=4, **params).fit(X).explain(model, rows)
    boot = _fast(n_features=4, n_bootstrap=7, **params).fit(X).explain(model, rows)
    assert _same(plain, boot)
    for e in boot:
        assert e.stability.method == "bootstrap"
        assert e.stability.n_runs == 7 * params.get("n_repeats", 1)
        assert 0.0 <= e.stability.score <= 1.0


def test_bootstrap_does_not_depend_on_chunks_or_jobs(cancer):
    X, _, model = cancer
    rows = X[300:308]
    ref = _fast(n_features=4, n_bootstrap=5).fit(X).explain(model, rows)
    variants = [
        _fast(n_features=4, n_bootstrap=5, max_batch_rows=N, prefetch=True),
        _fast(n_features=4, n_bootstrap=5, max_batch_rows=3 * N, prefetch=False),
        _fast(n_features=4, n_bootstrap=5, n_jobs=2),
    ]
    for explainer in variants:
        with parallel_config(backend="threading"):
            other = explainer.fit(X).explain(model, rows)
        for a, b in zip(ref, other):
            np.testing.assert_array_equal(a.stability.frequency, b.stability.frequency)
            np.testing.assert_array_equal(
                a.stability.weight_std, b.stability.weight_std
            )


def test_bootstrap_sees_a_dominant_feature_as_stable():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 6))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(C=100).fit(X, y)
    explainer = _fast(n_features=1, n_samples=1000, n_bootstrap=20).fit(X)
    for e in explainer.explain(model, X[:5]):
        assert e.features.tolist() == [0]
        assert e.stability.score == 1.0 and e.stability.agreement == 1.0


def test_bootstrap_of_sparse_rows_text_and_images():
    docs = ["free money now", "team meeting today", "win free prize", "lunch meeting"]
    labels = [1, 0, 1, 0]
    text_model = make_pipeline(CountVectorizer(), LogisticRegression()).fit(
        docs, labels
    )
    text = _fast(mode="text", n_features=2, n_bootstrap=4).fit()
    plain = _fast(mode="text", n_features=2).fit()
    batch = ["free money at the meeting", ""]
    boot = text.explain(text_model, batch)
    assert _same(boot, plain.explain(text_model, batch))
    assert boot[0].stability.n_runs == 4 and boot[1].stability.score == 1.0

    vec = CountVectorizer().fit(docs)
    Xs = sparse.csr_matrix(vec.transform(docs), dtype=float)
    sparse_model = LogisticRegression().fit(Xs, labels)
    a = _fast(n_features=2, n_bootstrap=4).fit(Xs).explain(sparse_model, Xs[:2])
    b = _fast(n_features=2).fit(Xs).explain(sparse_model, Xs[:2])
    assert _same(a, b) and a[0].stability.frequency.shape == (2,)

    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=2000).fit(X[:500], y[:500])
    params = {"mode": "image", "shape": (8, 8), "patch_size": 2, "n_features": 3}
    a = _fast(n_bootstrap=6, **params).fit(X).explain(model, X[600:602])
    b = _fast(**params).fit(X).explain(model, X[600:602])
    assert _same(a, b) and all(e.stability.n_runs == 6 for e in a)


def test_n_bootstrap_is_validated(cancer):
    X, _, _ = cancer
    with pytest.raises(ValueError, match="n_bootstrap"):
        _fast(n_bootstrap=-1).fit(X)
