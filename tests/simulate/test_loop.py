"""Tests of simulate(), ExcludeRows and History."""

import copy

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from skxil import CaipiClassifier  # noqa: E402
from skxil.datasets import make_confounded_classification  # noqa: E402
from skxil.explain import BaseExplainer, Explanation, LimeExplainer  # noqa: E402
from skxil.simulate import ExcludeRows, History, SimulatedUser, simulate  # noqa: E402
from skxil.simulate._history import FIELDS  # noqa: E402


class OcclusionExplainer(BaseExplainer):
    """Fast deterministic explainer for the tests: the top-k features by how
    much zeroing each one moves the decision function (coef_j * x_j for a
    linear model)."""

    def __init__(self, n_features=3):
        self.n_features = n_features

    def fit(self, X, y=None, *, feature_names=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def explain(self, model, X):
        X = np.asarray(X, dtype=float)
        base = model.decision_function(X)
        effects = np.empty_like(X)
        for j in range(X.shape[1]):
            Z = X.copy()
            Z[:, j] = 0.0
            effects[:, j] = base - model.decision_function(Z)
        out = []
        for x_effect, score in zip(effects, base):
            label = int(score > 0)
            signed = x_effect if label == 1 else -x_effect
            top = np.argsort(-np.abs(signed), kind="stable")[: self.n_features]
            out.append(Explanation(model.classes_[label], top, signed[top],
                                   X.shape[1], class_index=label))
        return out


@pytest.fixture(scope="module")
def data():
    X, X_test, y, y_test, relevant = make_confounded_classification(
        160, random_state=0
    )
    return X[10:], y[10:], X_test, y_test, relevant, X[:10], y[:10]


def _learner(X0, y0, **kwargs):
    kwargs.setdefault("explainer", OcclusionExplainer(3))
    return CaipiClassifier(random_state=0, **kwargs).fit(X0, y0)


def _run(data, **kwargs):
    X, y, X_test, y_test, relevant, X0, y0 = data
    learner = kwargs.pop("learner", None) or _learner(X0, y0)
    kwargs.setdefault("n_iter", 6)
    kwargs.setdefault("n_explain_test", 4)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("random_state", 0)
    user = kwargs.pop("user", None) or SimulatedUser(relevant)
    return simulate(learner, X, y, user, X_test=X_test, y_test=y_test, **kwargs)


# ------------------------------------------------------------------ records
def test_records_one_per_evaluation(data):
    history = _run(data, n_iter=6, eval_every=1)
    assert len(history) == 6
    assert [r["iteration"] for r in history] == list(range(6))
    assert all(set(r) == set(FIELDS) for r in history)
    assert [r["n_labelled"] for r in history] == list(range(11, 17))
    last = history[-1]
    assert last["n_counterexamples"] == 3 * last["n_corrections"]
    for name in ("test_accuracy", "test_f1", "query_f1", "test_expl_f1"):
        assert 0.0 <= last[name] <= 1.0
    seconds = history.column("seconds")
    assert np.all(np.diff(seconds) >= 0) and seconds[0] > 0
    assert history.query_scores.shape == (6, 3)
    np.testing.assert_allclose(history.column("query_f1"), history.query_scores[:, 2])


def test_eval_every_keeps_the_last_iteration(data):
    history = _run(data, n_iter=6, eval_every=4)
    assert [r["iteration"] for r in history] == [0, 4, 5]
    assert history.query_scores.shape == (6, 3)


def test_explain_from_is_the_burn_in(data):
    history = _run(data, n_iter=6, explain_from=3)
    frame = history.to_frame()
    assert (frame.loc[frame.iteration < 3, "n_corrections"] == 0).all()
    assert frame["n_corrections"].iloc[-1] > 0
    never = _run(data, n_iter=6, explain_from=None)
    assert never[-1]["n_corrections"] == 0 and never[-1]["n_counterexamples"] == 0
    assert np.isfinite(never.column("query_f1")).all()


def test_pool_runs_out_and_n_instances(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    learner = _learner(X0, y0)
    history = simulate(
        learner, X[:5], y[:5], SimulatedUser(relevant), n_iter=10,
        n_instances=2, progress=False,
    )
    assert [r["iteration"] for r in history] == [0, 1, 2]
    assert history[-1]["n_labelled"] == 15
    assert np.isnan(history[-1]["test_f1"]) and np.isnan(history[-1]["test_expl_f1"])


def test_learner_and_user_are_left_untouched(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    learner = _learner(X0, y0)
    user = SimulatedUser(relevant, noise="random", noise_rate=0.5, random_state=0)
    X_before = X.copy()
    history = _run(data, learner=learner, user=user, exclude=X_test)
    assert learner.training_set_.n_real == 10
    assert learner.counterexample_strategy == "randomize"
    assert user.n_answers_ == 0
    np.testing.assert_array_equal(X, X_before)
    assert history.learner.training_set_.n_real == 16


def test_same_seeds_give_the_same_history(data):
    def run():
        user = SimulatedUser(data[4], noise="random", noise_rate=0.3, random_state=1)
        return _run(data, user=user).to_frame().drop(columns="seconds")

    first, second = run(), run()
    assert first.equals(second)


def test_progress_bar_runs(data, capsys):
    history = _run(data, n_iter=2, progress=True)
    assert len(history) == 2


def test_with_lime(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    learner = _learner(X0, y0, explainer=LimeExplainer(n_features=3, n_samples=200))
    history = _run(data, learner=learner, n_iter=2, n_explain_test=2)
    assert len(history) == 2 and np.isfinite(history.column("test_expl_f1")).all()


def test_per_row_relevant_needs_relevant_test(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    user = SimulatedUser(np.tile(relevant, (len(y), 1)))
    history = _run(data, user=user, n_iter=2)
    assert np.isnan(history.column("test_expl_f1")).all()
    assert np.isfinite(history.column("query_f1")).all()
    history = _run(data, user=user, n_iter=2, relevant_test=relevant)
    assert np.isfinite(history.column("test_expl_f1")).all()


# ------------------------------------------------------------------ exclude
def test_exclude_keeps_counterexamples_off_the_excluded_rows():
    # Binary rows where flipping the decoy (last column) of a pool row gives a
    # row of the excluded set: every counterexample would coincide.
    rng = np.random.RandomState(0)
    X = rng.randint(2, size=(60, 4)).astype(float)
    y = X[:, 0].astype(int)
    X[:, 3] = y  # decoy leaks the label
    excluded = X.copy()
    excluded[:, 3] = 1 - excluded[:, 3]
    relevant = np.array([True, False, False, False])
    learner = CaipiClassifier(
        explainer=OcclusionExplainer(2),
        counterexample_strategy="alternative",
        random_state=0,
    ).fit(X[:8], y[:8])
    history = simulate(
        learner, X[8:], y[8:], SimulatedUser(relevant), n_iter=8,
        exclude=excluded, progress=False,
    )
    ts = history.learner.training_set_
    assert ts.n_counterexamples > 0
    keys = {row.tobytes() for row in excluded}
    ce = ts.X[ts.origin >= 0]
    assert not any(np.asarray(row, dtype=float).tobytes() in keys for row in ce)
    assert isinstance(history.learner.counterexample_strategy, ExcludeRows)
    assert history.learner.counterexample_strategy.n_redrawn_ > 0


def test_exclude_rows_wraps_strings_and_callables():
    x = np.array([0.0, 5.0])
    mask = np.array([True, False])
    wrapper = ExcludeRows("alternative", exclude=[[1.0, 5.0]])
    context = dict(X_train=np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]]),
                   y_train=np.zeros(3), label=0, row_index=0)
    out = wrapper(x, mask, 4, np.random.RandomState(0), **context)
    np.testing.assert_array_equal(out[:, 0], [2.0] * 4)
    np.testing.assert_array_equal(out[:, 1], [5.0] * 4)
    # A strategy that can only produce excluded rows falls back to the row.
    always = ExcludeRows(lambda x, m, n, r: np.tile([1.0, 5.0], (n, 1)), [[1.0, 5.0]])
    np.testing.assert_array_equal(always(x, mask, 2, None), [x, x])
    # "substitute" takes donors of the corrected row's label, not the row itself.
    donors = ExcludeRows("substitute", exclude=[[9.0, 5.0]])
    context = dict(X_train=np.array([[9.0, 5.0], [3.0, 5.0], [4.0, 7.0], [0.0, 5.0]]),
                   y_train=np.array([1, 1, 0, 1]), label=1, row_index=3)
    out = donors(x, mask, 8, np.random.RandomState(0), **context)
    np.testing.assert_array_equal(out, [[3.0, 5.0]] * 8)
    assert donors.n_redrawn_ > 0
    unset = ExcludeRows("randomize", [[1.0, 5.0]])
    with pytest.raises(ValueError, match="needs the training data"):
        unset(x, mask, 2, np.random.RandomState(0))


# ---------------------------------------------------------------- validation
def test_errors(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    learner = _learner(X0, y0)
    user = SimulatedUser(relevant)
    with pytest.raises(Exception, match="fitted on an initial labelled set"):
        simulate(CaipiClassifier(), X, y, user, n_iter=2)
    with pytest.raises(TypeError, match="'learner' parameter .* 'query', 'explain' and 'teach'"):
        simulate(object(), X, y, user, n_iter=2)
    with pytest.raises(TypeError, match="'user' parameter .*SimulatedUser"):
        simulate(learner, X, y, relevant, n_iter=2)
    with pytest.raises(ValueError, match="'n_iter' parameter .* range \\[1, inf\\)"):
        simulate(learner, X, y, user, n_iter=0)
    with pytest.raises(TypeError, match="'eval_every' parameter .* Got 1.5"):
        simulate(learner, X, y, user, n_iter=2, eval_every=1.5)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        simulate(learner, X, y, user, n_iter=2, X_test=X_test)
    with pytest.raises(ValueError, match="y_pool must have shape"):
        simulate(learner, X, y[:-1], user, n_iter=2)
    with pytest.raises(ValueError, match="exclude must have shape"):
        simulate(learner, X, y, user, n_iter=2, exclude=np.zeros((3, 2)))


# ------------------------------------------------------------------ History
def test_history_frame_and_plot(data):
    import matplotlib.pyplot as plt

    with_corr = _run(data, n_iter=3)
    without = _run(data, n_iter=3, explain_from=None)
    frame = with_corr.to_frame()
    assert list(frame.columns) == list(FIELDS)
    assert len(frame) == 3 and frame["iteration"].dtype.kind == "i"
    ax = with_corr.plot(other=without)
    assert len(ax) == 2
    assert len(ax[0].get_lines()) == 2 and len(ax[1].get_lines()) == 4
    assert ax[1].get_legend() is not None
    plt.close("all")
    _, axes = plt.subplots(1, 2)
    assert with_corr.plot(ax=axes)[0] is axes[0]
    with pytest.raises(ValueError, match="ax must hold 2 Axes"):
        with_corr.plot(ax=[axes[0]])
    with pytest.raises(TypeError, match="other must be a History"):
        with_corr.plot(other=frame)
    plt.close("all")


def test_history_container():
    history = History([{"iteration": 0, "test_f1": 0.5}, {"iteration": 1}])
    assert len(history) == 2 and [r["iteration"] for r in history] == [0, 1]
    np.testing.assert_array_equal(history.column("test_f1"), [0.5, np.nan])
    with pytest.raises(KeyError, match="Unknown field"):
        history.column("accuracy")
    assert repr(history) == "History(2 records)"
    assert copy.deepcopy(history).records == history.records


class _HalfStableExplainer(OcclusionExplainer):
    """The occlusion explainer, with every explanation half stable."""

    def explain(self, model, X):
        from skxil.explain import Stability

        out = OcclusionExplainer.explain(self, model, X)
        for e in out:
            k = len(e.features)
            e.stability = Stability(np.full(k, 0.5), np.zeros(k), 0.0, 2)
        return out


def test_min_stability_of_the_user_withholds_corrections_in_the_loop(data):
    X, y, X_test, y_test, relevant, X0, y0 = data
    runs = {}
    for threshold in (None, 0.4, 0.6):
        learner = _learner(X0, y0, explainer=_HalfStableExplainer(3))
        user = SimulatedUser(relevant, min_stability=threshold)
        history = _run(data, learner=learner, user=user)
        runs[threshold] = history.column("n_corrections")[-1]
    assert runs[None] == runs[0.4] > 0
    assert runs[0.6] == 0
