"""Reviewing a trained learner: CaipiClassifier.review, always_correct,
suggest_corrections and the rankings of skxil.review."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skxil import CaipiClassifier, TrainingSet
from skxil.datasets import make_confounded_classification
from skxil.explain import Explanation
from skxil.review import corrected_features, rank_for_review, suggest_corrections

DECOY = 5


@pytest.fixture(scope="module")
def data():
    X, X_test, y, y_test, relevant = make_confounded_classification(80, random_state=0)
    return X, X_test, y, y_test


def fitted(X, y, **params):
    params.setdefault("random_state", 0)
    return CaipiClassifier(**params).fit(X, y)


def snapshot(learner):
    ts = learner.training_set_
    return (
        ts,
        learner.estimator_,
        learner.estimator_.coef_.copy(),
        learner._n_updates,
        sorted(learner.__dict__),
    )


def assert_unchanged(learner, before):
    ts, estimator, coef, n_updates, keys = before
    assert learner.training_set_ is ts
    assert learner.estimator_ is estimator
    np.testing.assert_array_equal(learner.estimator_.coef_, coef)
    assert learner._n_updates == n_updates
    assert sorted(learner.__dict__) == keys


def assert_provenance(learner, corrections):
    """Every counterexample equals its source row outside the row's correction."""
    ts = learner.training_set_
    assert ts.X_ce.shape[0] == ts.source.shape[0] == ts.y_ce.shape[0]
    np.testing.assert_array_equal(ts.y_ce, ts.y_real[ts.source])
    for i, row in enumerate(ts.source):
        keep = np.ones(ts.X_real.shape[1], dtype=bool)
        keep[list(corrections[int(row)])] = False
        np.testing.assert_array_equal(ts.X_ce[i, keep], ts.X_real[row, keep])


# ------------------------------------------------------------------ review
def test_review_correction_makes_counterexamples_of_the_reviewed_rows(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    before = learner.estimator_
    learner.review([7, 2], corrections=[[DECOY], [DECOY, 4]])
    ts = learner.training_set_
    assert ts.n_real == len(y)
    assert sorted(ts.source.tolist()) == [2, 2, 2, 7, 7, 7]
    assert_provenance(learner, {2: [DECOY, 4], 7: [DECOY]})
    assert corrected_features(learner) == {2: {DECOY, 4}, 7: {DECOY}}
    assert learner.estimator_ is not before  # refitted


def test_review_replaces_never_duplicates(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    learner.fit(X, y, corrections=[[DECOY]] * 3 + [None] * (len(y) - 3))
    assert learner.training_set_.n_counterexamples == 9
    learner.review([1], corrections=[[4]])
    learner.review([1], corrections=[[3]])
    ts = learner.training_set_
    assert ts.source.tolist().count(1) == 3
    assert ts.n_counterexamples == 9
    assert_provenance(learner, {0: [DECOY], 1: [3], 2: [DECOY]})


def test_review_empty_correction_accepts(data):
    X, _, y, _ = data
    learner = fitted(X, y).review([3, 4], corrections=[[DECOY], [DECOY]])
    learner.review([3], corrections=[[]])
    assert learner.training_set_.source.tolist() == [4, 4, 4]
    learner.review([4], corrections=[None])
    assert learner.training_set_.n_counterexamples == 0
    assert learner.training_set_.X_ce is None


def test_review_labels_relabel_row_and_its_counterexamples(data):
    X, _, y, _ = data
    learner = fitted(X, y).review([5], corrections=[[DECOY]])
    new = 1 - y[5]
    learner.review([5], labels=[new])  # corrections=None keeps the counterexamples
    ts = learner.training_set_
    assert ts.y_real[5] == new
    assert ts.source.tolist() == [5, 5, 5]
    assert (ts.y_ce == new).all()
    # a label and a correction together: new counterexamples with the new label
    learner.review([5, 6], corrections=[[4], [DECOY]], labels=[y[5], 1 - y[6]])
    ts = learner.training_set_
    np.testing.assert_array_equal(ts.y_ce, ts.y_real[ts.source])
    assert ts.y_real[6] == 1 - y[6] and ts.y_real[5] == y[5]
    assert_provenance(learner, {5: [4], 6: [DECOY]})


def test_review_str_labels_are_not_cut():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]])
    learner = fitted(X, np.array(["no", "yes", "no", "yes"]))
    learner.review([0], labels=["maybe"])
    assert learner.training_set_.y_real[0] == "maybe"
    assert set(learner.classes_) == {"no", "yes", "maybe"}


def test_review_is_deterministic(data):
    X, _, y, _ = data
    runs = []
    for _ in range(2):
        learner = fitted(X, y, random_state=3)
        learner.review([9, 1], corrections=[[DECOY], [DECOY, 0]])
        learner.review([1], corrections=[[2]])
        runs.append(learner)
    np.testing.assert_array_equal(runs[0].training_set_.X_ce, runs[1].training_set_.X_ce)
    np.testing.assert_array_equal(runs[0].estimator_.coef_, runs[1].estimator_.coef_)
    other = fitted(X, y, random_state=4).review([9, 1], corrections=[[DECOY], [DECOY, 0]])
    other.review([1], corrections=[[2]])
    assert not np.array_equal(other.training_set_.X_ce, runs[0].training_set_.X_ce)


def test_review_without_refit_keeps_the_estimator(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    estimator = learner.estimator_
    learner.review([0], corrections=[[DECOY]], refit=False)
    assert learner.estimator_ is estimator
    assert learner.training_set_.n_counterexamples == 3
    learner.teach(X[:1], y[:1])  # the next refit trains on everything
    assert learner.estimator_ is not estimator


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"indices": [3, 40], "corrections": [[0], [0]]}, ValueError, r"indices\[1\] = 40"),
        ({"indices": [-1], "corrections": [[0]]}, ValueError, r"indices\[0\] = -1"),
        ({"indices": [2, 5, 2], "corrections": [[0]] * 3}, ValueError, "row 2 twice"),
        ({"indices": [], "corrections": []}, ValueError, "empty"),
        ({"indices": 3, "corrections": [[0]]}, TypeError, r"\[3\]"),
        ({"indices": [1.5], "corrections": [[0]]}, TypeError, "integer"),
        ({"indices": [[1, 2]], "corrections": [[0]]}, ValueError, "1-D"),
        ({"indices": [1]}, ValueError, "corrections, focus or labels"),
        ({"indices": [1], "labels": ["1"]}, ValueError, "type str"),
        ({"indices": [1, 2], "labels": [1]}, ValueError, "inconsistent"),
        (
            {"indices": [1, 2], "corrections": [[0], [9]]},
            ValueError,
            r"Row 1: feature index 9.*indices = \[1, 2\]",
        ),
        ({"indices": [1, 2], "corrections": [[0]]}, ValueError, "1 entries"),
    ],
)
def test_review_bad_input_leaves_learner_unchanged(data, kwargs, error, match):
    X, _, y, _ = data
    learner = fitted(X, y).review([0], corrections=[[DECOY]])
    before = snapshot(learner)
    indices = kwargs.pop("indices")
    with pytest.raises(error, match=match):
        learner.review(indices, **kwargs)
    assert_unchanged(learner, before)


def test_review_failing_refit_leaves_learner_unchanged(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    before = snapshot(learner)
    # relabel every row to one class: LogisticRegression refuses to fit
    with pytest.raises(ValueError, match="class"):
        learner.review(np.arange(len(y)), labels=np.zeros(len(y), dtype=y.dtype))
    assert_unchanged(learner, before)


def test_review_unfitted():
    with pytest.raises(Exception, match="not fitted"):
        CaipiClassifier().review([0], labels=[1])


def test_review_dataframe_by_column_name(data):
    X, _, y, _ = data
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    learner = fitted(frame, y).review([4, 0], corrections=[["f5"], ["f5", "f1"]])
    ts = learner.training_set_
    assert isinstance(ts.X_ce, pd.DataFrame)
    assert sorted(ts.source.tolist()) == [0, 0, 0, 4, 4, 4]
    assert corrected_features(learner) == {0: {1, 5}, 4: {5}}
    assert suggest_corrections(learner, learner.explain(frame.iloc[:2])) != []


def test_review_sparse(data):
    X, _, y, _ = data
    Xs = sparse.csr_matrix(np.abs(X))
    learner = fitted(Xs, y).review([3, 1], corrections=[[DECOY], [DECOY]])
    assert sparse.issparse(learner.training_set_.X_ce)
    assert corrected_features(learner).keys() == {1, 3}


def test_review_documents():
    docs = ["good film zq", "bad plot", "great cast zq", "dull film", "fine zq", "poor"]
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        counterexample_strategy="remove",
        random_state=0,
    ).fit(docs, [1, 0, 1, 0, 1, 0])
    learner.review([4, 0], corrections=[["zq"], ["zq"]])
    ts = learner.training_set_
    assert ts.X_ce.tolist() == ["fine "] * 3 + ["good film "] * 3
    assert ts.source.tolist() == [4, 4, 4, 0, 0, 0]
    assert corrected_features(learner) == {0: {"zq"}, 4: {"zq"}}
    explanation = learner.explain(["great zq"])
    assert suggest_corrections(learner, explanation) == [
        ["zq"] if "zq" in explanation[0].feature_names else []
    ]


# ------------------------------------------------------------ TrainingSet
def test_training_set_drop_and_relabel_are_immutable():
    X = np.arange(8.0).reshape(4, 2)
    ts = TrainingSet(X, np.array([0, 1, 0, 1])).add_counterexamples(
        X[[1, 1, 3]] + 10, np.array([1, 1, 1]), np.array([1, 1, 3])
    )
    dropped = ts.drop_counterexamples([1])
    assert ts.n_counterexamples == 3 and dropped.n_counterexamples == 1
    assert dropped.source.tolist() == [3]
    np.testing.assert_array_equal(dropped.X_ce, X[[3]] + 10)
    assert ts.drop_counterexamples([0, 2]) is ts
    assert ts.drop_counterexamples([1, 3]).X_ce is None
    relabelled = ts.relabel([1], [0])
    assert ts.y_real.tolist() == [0, 1, 0, 1] and ts.y_ce.tolist() == [1, 1, 1]
    assert relabelled.y_real.tolist() == [0, 0, 0, 1]
    assert relabelled.y_ce.tolist() == [0, 0, 1]
    assert ts.counterexamples_of(1).tolist() == [0, 1]


# ----------------------------------------------------------- always_correct
def test_always_correct_applies_to_fit_and_to_taught_rows(data):
    X, X_test, y, _ = data
    learner = fitted(X[:10], y[:10], always_correct=[DECOY])
    assert learner.training_set_.n_counterexamples == 30
    learner.teach(X_test[:2], [0, 1], corrections=[None, [0]])
    ts = learner.training_set_
    assert ts.n_counterexamples == 36
    assert corrected_features(learner)[10] == {DECOY}
    assert corrected_features(learner)[11] == {0, DECOY}
    assert_provenance(learner, {**{i: [DECOY] for i in range(11)}, 11: [0, DECOY]})


def test_always_correct_reduces_reliance(data):
    X, X_test, y, y_test = data
    plain = fitted(X, y)
    fixed = fitted(X, y, always_correct=[DECOY], n_counterexamples=5)
    assert abs(fixed.estimator_.coef_[0, DECOY]) < abs(plain.estimator_.coef_[0, DECOY]) / 2


def test_always_correct_joins_review_corrections(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    learner.set_params(always_correct=[DECOY])
    learner.review([0], corrections=[[1]])
    assert corrected_features(learner) == {0: {1, DECOY}}


def test_always_correct_names_and_sparse(data):
    X, _, y, _ = data
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    learner = fitted(frame[:8], y[:8], always_correct=["f5"])
    assert set(corrected_features(learner)) == set(range(8))
    assert all(f == {5} for f in corrected_features(learner).values())
    Xs = sparse.csr_matrix(np.abs(X[:8]))
    learner = fitted(Xs, y[:8], always_correct=[DECOY], n_counterexamples=1)
    assert learner.training_set_.n_counterexamples == 8


@pytest.mark.parametrize(
    "value, error, match",
    [
        ([9], ValueError, r"always_correct\[0\] = 9"),
        ([0, "f1"], ValueError, r"always_correct\[1\] = 'f1'"),
        ([True], TypeError, r"always_correct\[0\]"),
        (5, InvalidParameterError, "always_correct"),
    ],
)
def test_always_correct_errors(data, value, error, match):
    X, _, y, _ = data
    with pytest.raises(error, match=match):
        fitted(X, y, always_correct=value)
    learner = fitted(X, y)
    before = snapshot(learner)
    learner.set_params(always_correct=value)
    with pytest.raises(error, match=match):
        learner.teach(X[:1], y[:1])
    assert_unchanged(learner, before)


def test_always_correct_refuses_documents():
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()), always_correct=[0]
    )
    with pytest.raises(ValueError, match="not supported for documents"):
        learner.fit(["a b", "c d"], [0, 1])


def test_always_correct_is_a_parameter():
    learner = CaipiClassifier(always_correct=[1, 2])
    assert clone(learner).get_params()["always_correct"] == [1, 2]


# ------------------------------------------------------------- suggestions
def test_suggest_corrections_ranks_by_how_often_corrected(data):
    X, X_test, y, _ = data
    corrections = [[DECOY], [DECOY, 4], [DECOY], [4], [3]] + [None] * (len(y) - 5)
    learner = CaipiClassifier(explainer="linear", random_state=0).fit(
        X, y, corrections=corrections
    )
    explanations = learner.explain(X_test[:5])
    suggestions = learner.suggest_corrections(explanations)
    assert len(suggestions) == 5
    count = {DECOY: 3, 4: 2, 3: 1}
    for explanation, suggested in zip(explanations, suggestions):
        expected = sorted(
            (f for f in explanation.features if f in count),
            key=lambda f: (-count[f], list(explanation.features).index(f)),
        )
        assert suggested == expected
    # a hand-made explanation showing everything
    shown = Explanation(1, [0, 3, 4, 5], [0.1, 0.2, 0.3, 0.4], n_features_in=6)
    assert learner.suggest_corrections([shown]) == [[DECOY, 4, 3]]
    assert suggest_corrections(fitted(X, y), [shown]) == [[]]
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    named = CaipiClassifier(random_state=0).fit(frame, y, corrections=corrections)
    assert named.suggest_corrections([shown]) == [["f5", "f4", "f3"]]


def test_suggest_corrections_leaves_out_global(data):
    X, _, y, _ = data
    corrections = [[4], [3]] + [None] * (len(y) - 2)
    learner = CaipiClassifier(always_correct=[DECOY], random_state=0).fit(
        X, y, corrections=corrections
    )
    shown = Explanation(1, [5, 4, 3], [0.4, 0.3, 0.2], n_features_in=6)
    assert learner.suggest_corrections([shown]) == [[4, 3]]


# ---------------------------------------------------------------- rankings
def test_rank_uncertain_is_the_margin_order(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    proba = np.sort(learner.predict_proba(X), axis=1)
    margin = proba[:, -1] - proba[:, -2]
    ranked = rank_for_review(learner, 5)
    np.testing.assert_array_equal(ranked, np.argsort(margin, kind="stable")[:5])
    ranked = rank_for_review(learner, 5, exclude=ranked[:2])
    np.testing.assert_array_equal(ranked, np.argsort(margin, kind="stable")[2:7])


def test_rank_uncertain_prefers_stability_when_present(data):
    from skxil.explain import Stability

    X, _, y, _ = data
    learner = fitted(X, y)
    explain = learner.explain

    def with_stability(rows):
        explanations = explain(rows)
        for e, x in zip(explanations, np.asarray(rows)):
            # least stable = smallest first feature
            p = 1.0 / (1.0 + np.exp(-x[0]))  # in (0, 1), increasing in x[0]
            e.stability = Stability([p], [0.0], p, 2)
        return explanations

    learner.explain = with_stability
    ranked = rank_for_review(learner, 4)
    np.testing.assert_array_equal(ranked, np.argsort(X[:, 0], kind="stable")[:4])


def test_rank_corrected_features(data):
    X, _, y, _ = data
    learner = CaipiClassifier(explainer="linear", random_state=0).fit(X, y)
    # no correction yet: the uncertain order
    np.testing.assert_array_equal(
        rank_for_review(learner, 6, method="corrected_features"),
        rank_for_review(learner, 6),
    )
    learner.review([0, 1], corrections=[[DECOY], [DECOY]], refit=False)
    ranked = rank_for_review(learner, len(y), method="corrected_features")
    assert sorted(ranked.tolist()) == list(range(len(y)))
    explanations = learner.explain(X[ranked])
    share = []
    for row, e in zip(ranked, explanations):
        w = np.abs(e.weights)
        share.append(w[np.asarray(e.features) == DECOY].sum() / w.sum())
    # rows 0 and 1 each see the other's correction, so all rows count the decoy
    assert share == sorted(share, reverse=True)


def test_rank_random_is_seeded(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    a = rank_for_review(learner, 10, method="random", random_state=1)
    b = rank_for_review(learner, 10, method="random", random_state=1)
    np.testing.assert_array_equal(a, b)
    assert len(set(a.tolist())) == 10
    assert rank_for_review(learner, 100, method="random", exclude=a).size == len(y) - 10


def test_rank_errors(data):
    X, _, y, _ = data
    learner = fitted(X, y)
    with pytest.raises(InvalidParameterError, match="method"):
        rank_for_review(learner, method="nope")
    with pytest.raises(InvalidParameterError, match="n_rows"):
        rank_for_review(learner, 0)
    with pytest.raises(ValueError, match=r"exclude\[1\] = 99"):
        rank_for_review(learner, exclude=[0, 99])
    with pytest.raises(Exception, match="not fitted"):
        rank_for_review(CaipiClassifier())


def test_min_stability_decides_which_explanations_ask_for_corrections():
    from skxil.datasets import make_confounded_classification
    from skxil.explain import Explanation, FastLimeExplainer, Stability
    from skxil.simulate import SimulatedUser, simulate

    runs = [([2, 0], [0.7, -0.2]), ([2, 1], [0.6, 0.1])]
    unstable = Explanation(1, [2, 0], [0.7, -0.2], 3,
                           stability=Stability.from_runs([2, 0], runs))
    plain = Explanation(1, [2, 0], [0.7, -0.2], 3)
    learner = CaipiClassifier(min_stability=0.9)
    assert not learner.asks_for_correction(unstable)
    assert learner.asks_for_correction(plain)  # not measured: ask
    assert CaipiClassifier().asks_for_correction(unstable)
    with pytest.raises(ValueError, match="min_stability"):
        CaipiClassifier(min_stability=2.0).asks_for_correction(plain)

    X, X_test, y, y_test, relevant = make_confounded_classification(300, random_state=0)
    explainer = FastLimeExplainer(n_features=3, n_samples=200, n_repeats=3)
    counts = []
    for threshold in (None, 1.0):
        learner = CaipiClassifier(explainer=explainer, min_stability=threshold,
                                  random_state=0).fit(X[:10], y[:10])
        history = simulate(learner, X[10:], y[10:], SimulatedUser(relevant), n_iter=8,
                           progress=False, random_state=0)
        counts.append(history[-1]["n_corrections"])
    assert counts[1] < counts[0]


def test_rank_uncertain_with_measured_stability():
    from skxil.datasets import make_confounded_classification
    from skxil.explain import FastLimeExplainer
    from skxil.review import rank_for_review

    X, _, y, _, _ = make_confounded_classification(60, random_state=0)
    learner = CaipiClassifier(explainer=FastLimeExplainer(n_repeats=3, n_samples=200),
                              random_state=0).fit(X, y)
    order = rank_for_review(learner, 5)
    scores = [e.stability.score for e in learner.explain(X[order])]
    assert len(order) == 5 and scores == sorted(scores)
