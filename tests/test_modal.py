"""Tests of skxil.modal: modAL's ActiveLearner and Committee on CaipiClassifier."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skxil import CaipiClassifier
from skxil.modal import ActiveLearner, Committee
from skxil.query import entropy_sampling, margin_sampling, uncertainty_sampling

modAL = pytest.importorskip("modAL")
from modAL import batch, density, disagreement, uncertainty
from modAL.models import Committee as ModALCommittee

X, y = load_iris(return_X_y=True)
INIT = [0, 50, 100]


def _frame(rows):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(rows, columns=["sl", "sw", "pl", "pw"])


CONTAINERS = {
    "array": lambda rows: rows,
    "sparse": sparse.csr_matrix,
    "frame": _frame,
}


def _learner(estimator=None, rows=INIT, **kwargs):
    estimator = (
        RandomForestClassifier(n_estimators=10, random_state=0)
        if estimator is None
        else estimator
    )
    return ActiveLearner(estimator, X_training=X[rows], y_training=y[rows], **kwargs)


def _committee(n=3, **kwargs):
    return Committee(
        [
            _learner(
                RandomForestClassifier(n_estimators=10, random_state=i),
                rows=[0, 1, 50, 51, 100, 101],
                bootstrap_init=True,
                random_state=i,
            )
            for i in range(n)
        ],
        **kwargs,
    )


# ------------------------------------------------------------ constructor
def test_constructor_without_training_rows_is_unfitted():
    template = LogisticRegression()
    learner = ActiveLearner(template)
    assert learner.estimator is template
    assert learner.X_training is None and learner.y_training is None
    with pytest.raises(NotFittedError, match="ActiveLearner is not fitted"):
        learner.predict(X)
    # skxil's strategy answers for an unfitted learner; teach starts the training set
    _idx, rows = learner.query(X)
    assert rows.shape == (1, 4)
    learner.teach(X[INIT], y[INIT])
    assert learner.X_training.shape == (3, 4)
    assert hasattr(learner.estimator, "coef_")
    assert not hasattr(template, "coef_")  # the template is never fitted


def test_constructor_with_training_rows_fits_and_estimator_is_fitted_model():
    template = LogisticRegression()
    learner = ActiveLearner(
        template, X_training=X[INIT], y_training=y[INIT], random_state=0
    )
    assert learner.estimator is learner.caipi_.estimator_
    assert learner.estimator is not template
    assert isinstance(learner.caipi_, CaipiClassifier)
    np.testing.assert_array_equal(learner.classes_, [0, 1, 2])
    np.testing.assert_array_equal(learner.X_training, X[INIT])
    np.testing.assert_array_equal(learner.y_training, y[INIT])
    assert learner.corrections_training == [None, None, None]
    assert learner.score(X, y) == learner.estimator.score(X, y)
    np.testing.assert_allclose(
        learner.predict_proba(X), learner.estimator.predict_proba(X)
    )
    assert learner.query_strategy is uncertainty_sampling
    assert learner.on_transformed is False


def test_constructor_corrections_make_counterexamples():
    learner = _learner(
        corrections=[[0], None, [1, 2]], n_counterexamples=2, random_state=0
    )
    assert learner.caipi_.training_set_.n_counterexamples == 4
    assert learner.corrections_training == [[0], None, [1, 2]]


def test_bootstrap_init_fits_on_a_seeded_resample():
    rows = list(range(0, 150, 10))
    a = _learner(rows=rows, bootstrap_init=True, random_state=3)
    b = _learner(rows=rows, bootstrap_init=True, random_state=3)
    # X_training keeps every row; the model saw a resample with repeats
    np.testing.assert_array_equal(a.X_training, X[rows])
    fitted_rows = a.caipi_.training_set_.X_real
    assert fitted_rows.shape == (15, 4)
    assert len(np.unique(fitted_rows, axis=0)) < 15
    np.testing.assert_array_equal(fitted_rows, b.caipi_.training_set_.X_real)


def test_constructor_fit_kwargs_reach_the_estimator():
    class Recorder(LogisticRegression):
        def fit(self, X, y, note=None, **kw):
            self.note_ = note
            return super().fit(X, y, **kw)

    learner = ActiveLearner(
        Recorder(), X_training=X[INIT], y_training=y[INIT], note="hi"
    )
    assert learner.estimator.note_ == "hi"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_training": y[INIT]}, "y_training was given without X_training"),
        ({"X_training": X[INIT]}, "X_training was given without y_training"),
        ({"corrections": [[0]]}, "corrections was given without X_training"),
    ],
)
def test_constructor_errors_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ActiveLearner(LogisticRegression(), **kwargs)


def test_constructor_validates_parameters():
    with pytest.raises(InvalidParameterError, match="n_counterexamples"):
        ActiveLearner(LogisticRegression(), n_counterexamples=-1)
    with pytest.raises(InvalidParameterError, match="query_strategy"):
        ActiveLearner(LogisticRegression(), query_strategy="nope")


def test_clone_gives_an_unfitted_learner_with_the_same_settings():
    learner = _learner(random_state=0, n_counterexamples=5)
    copy = clone(learner)
    assert copy.X_training is None and not hasattr(copy, "caipi_")
    assert copy.n_counterexamples == 5 and copy.random_state == 0
    assert not hasattr(copy.estimator, "estimators_")


# ------------------------------------------------------------------ teach
def test_teach_grows_the_training_rows_and_keeps_counterexamples():
    learner = _learner(LogisticRegression(), random_state=0)
    learner.teach(X[[1, 2]], y[[1, 2]], corrections=[[0], None])
    first = learner.caipi_.training_set_.X_ce.copy()
    assert learner.X_training.shape == (5, 4)
    assert learner.corrections_training == [None, None, None, [0], None]
    learner.teach(X[[51]], y[[51]], corrections=[[3]])
    ts = learner.caipi_.training_set_
    assert ts.n_real == 6 and ts.n_counterexamples == 6
    # the incremental CAIPI round keeps the earlier counterexamples
    np.testing.assert_array_equal(ts.X_ce[:3], first)
    np.testing.assert_array_equal(ts.X_real, learner.X_training)


def test_teach_returns_self_and_refits():
    learner = _learner(LogisticRegression())
    before = learner.estimator
    assert learner.teach(X[[1]], y[[1]]) is learner
    assert learner.estimator is not before


def test_teach_only_new_fits_on_the_new_rows_only():
    learner = _learner(LogisticRegression(), random_state=0)
    learner.teach(
        X[[1, 51, 101, 2]],
        y[[1, 51, 101, 2]],
        only_new=True,
        corrections=[[0], None, None, None],
    )
    assert learner.X_training.shape == (3, 4)  # not added, as in modAL
    ts = learner.caipi_.training_set_
    np.testing.assert_array_equal(ts.X_real, X[[1, 51, 101, 2]])
    assert ts.n_counterexamples == 3
    # the next ordinary teach refits on X_training plus the new rows
    learner.teach(X[[3]], y[[3]])
    np.testing.assert_array_equal(
        learner.caipi_.training_set_.X_real, X[[0, 50, 100, 3]]
    )


def test_teach_bootstrap_resamples_all_training_rows():
    rows = list(range(0, 150, 15))
    learner = _learner(rows=rows, random_state=0)
    learner.teach(X[[1, 2]], y[[1, 2]], bootstrap=True)
    assert learner.X_training.shape == (12, 4)
    fitted = learner.caipi_.training_set_.X_real
    assert fitted.shape == (12, 4)
    assert len(np.unique(fitted, axis=0)) < 12
    assert learner.caipi_.training_set_.n_real == 12


def test_teach_bootstrap_carries_corrections_with_their_rows():
    learner = _learner(
        LogisticRegression(),
        corrections=[[0], [0], [0]],
        random_state=1,
        n_counterexamples=1,
    )
    learner.teach(X[[1]], y[[1]], bootstrap=True, corrections=[[2]])
    ts = learner.caipi_.training_set_
    assert ts.n_counterexamples == 4  # every resampled row is corrected once
    origin_rows = ts.X_real[ts.origin[ts.n_real :]]
    # a counterexample differs from its source row only in the corrected feature
    for ce, src in zip(ts.X_ce, origin_rows):
        changed = np.flatnonzero(ce != src)
        assert set(changed) <= {0, 2}


def test_fit_forgets_and_may_change_width():
    learner = _learner(LogisticRegression())
    rows = np.arange(0, 150, 5)
    learner.fit(X[rows, :2], y[rows])
    assert learner.X_training.shape == (30, 2)
    assert learner.caipi_.n_features_in_ == 2
    learner.fit(X[rows], y[rows], bootstrap=True, corrections=[[1]] + [None] * 29)
    assert learner.X_training.shape == (30, 4)


def test_explain_gives_one_explanation_per_row():
    learner = _learner(LogisticRegression(), random_state=0)
    explanations = learner.explain(X[:2])
    assert len(explanations) == 2


@pytest.mark.parametrize("kind", CONTAINERS)
def test_teach_with_corrections_on_every_container(kind):
    make = CONTAINERS[kind]
    learner = ActiveLearner(
        LogisticRegression(),
        X_training=make(X[INIT]),
        y_training=y[INIT],
        random_state=0,
    )
    idx, rows = learner.query(make(X), n_instances=2)
    assert type(rows) is type(make(X[:1]))
    names = [["sl"], ["pw"]] if kind == "frame" else [[0], [3]]
    learner.teach(rows, y[idx], corrections=names)
    assert type(learner.X_training) is type(make(X[:1]))
    assert learner.X_training.shape == (5, 4)
    assert learner.caipi_.training_set_.n_counterexamples == 6
    learner.teach(rows, y[idx], bootstrap=True)
    assert learner.X_training.shape == (7, 4)
    assert 0 <= learner.score(make(X), y) <= 1


def test_teach_with_a_boolean_mask_of_corrections():
    learner = _learner(LogisticRegression(), random_state=0)
    mask = np.zeros((2, 4), dtype=bool)
    mask[0, 1] = True
    learner.teach(X[[1, 2]], y[[1, 2]], corrections=mask)
    assert learner.corrections_training[3:] == [[1], []]
    assert learner.caipi_.training_set_.n_counterexamples == 3
    learner.teach(X[[3]], y[[3]], corrections=sparse.csr_matrix(mask[:1]))
    assert learner.corrections_training[-1] == [1]


# ------------------------------------------------------- all-or-nothing
def _state(learner):
    return (
        learner.X_training.copy(),
        learner.y_training.copy(),
        list(learner.corrections_training),
        learner.caipi_,
        learner.estimator,
    )


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda l: l.teach(X[[1]], y[[1]], corrections=[[7]]), ValueError, "7"),
        (lambda l: l.teach(X[[1]], y[[1, 2]]), ValueError, "1 rows but y has 2"),
        (lambda l: l.teach(X[[1], :2], y[[1]]), ValueError, "2 features"),
        (
            lambda l: l.teach(X[[1]], y[[1]], corrections=[[0], [1]]),
            ValueError,
            "corrections has 2",
        ),
        (lambda l: l.teach(X[[1]], y[[1]], bootstrap="yes"), TypeError, "bootstrap"),
        (lambda l: l.teach(X[[1]], y[[1]], only_new=1), TypeError, "only_new"),
        (
            lambda l: l.teach(X[[1]], y[[1]], bootstrap=True, corrections=[[9]]),
            ValueError,
            "9",
        ),
        (
            lambda l: l.fit(X[INIT], y[INIT], corrections=np.ones((3, 4))),
            ValueError,
            "boolean mask",
        ),
        (lambda l: l.query(X, return_metrics="no"), TypeError, "return_metrics"),
    ],
)
def test_bad_input_changes_nothing(call, error, match):
    learner = _learner(LogisticRegression(), random_state=0)
    learner.teach(X[[1]], y[[1]], corrections=[[0]])
    before = _state(learner)
    with pytest.raises(error, match=match):
        call(learner)
    after = _state(learner)
    for a, b in zip(before[:2], after[:2]):
        np.testing.assert_array_equal(a, b)
    assert before[2] == after[2]
    assert before[3] is after[3] and before[4] is after[4]
    assert learner.caipi_.training_set_.n_real == 4


class _FailsOnManyRows(ClassifierMixin, BaseEstimator):
    def __init__(self, limit=6):
        self.limit = limit

    def fit(self, X, y):
        if X.shape[0] > self.limit:
            raise ValueError("too many rows for this model")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


def test_committee_teach_is_all_or_nothing():
    good = _learner(LogisticRegression())
    bad = _learner(_FailsOnManyRows(limit=4))
    committee = Committee([good, bad])
    before = good.estimator
    committee.teach(X[[1]], y[[1]])  # 4 rows: fine
    assert good.estimator is not before
    before = (good.estimator, bad.estimator, good.X_training.shape)
    with pytest.raises(ValueError, match="too many rows"):
        committee.teach(X[[2]], y[[2]])
    assert (good.estimator, bad.estimator, good.X_training.shape) == before


# ------------------------------------------------------------------ query
def test_query_return_metrics_and_query_args():
    learner = _learner()
    idx, rows, metrics = learner.query(X, n_instances=3, return_metrics=True)
    assert idx.shape == rows.shape[:1] == metrics.shape == (3,)
    learner.query_strategy = lambda clf, X_pool, k: np.arange(k)
    with pytest.warns(UserWarning, match="no metrics"):
        idx, rows, metrics = learner.query(X, 2, return_metrics=True)
    assert metrics is None
    np.testing.assert_array_equal(idx, [0, 1])


@pytest.mark.parametrize(
    "result, error, match",
    [
        (np.array([0.5]), TypeError, "integer row indices"),
        (np.array([999]), ValueError, "999"),
    ],
)
def test_query_checks_the_strategy_result(result, error, match):
    learner = _learner(query_strategy=lambda clf, X_pool: result)
    with pytest.raises(error, match=match):
        learner.query(X)


@pytest.mark.parametrize(
    "strategy", [uncertainty_sampling, margin_sampling, entropy_sampling]
)
def test_skxil_strategies_run_on_the_learner(strategy):
    idx, _rows = _learner(query_strategy=strategy).query(X, n_instances=4)
    assert idx.shape == (4,)


MODAL_LEARNER_STRATEGIES = [
    uncertainty.uncertainty_sampling,
    uncertainty.margin_sampling,
    uncertainty.entropy_sampling,
    batch.uncertainty_batch_sampling,
]


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("strategy", MODAL_LEARNER_STRATEGIES, ids=lambda f: f.__name__)
def test_modal_learner_strategies(strategy, kind):
    make = CONTAINERS[kind]
    learner = ActiveLearner(
        RandomForestClassifier(n_estimators=10, random_state=0),
        query_strategy=strategy,
        X_training=make(X[INIT]),
        y_training=y[INIT],
    )
    if kind == "frame" and strategy is batch.uncertainty_batch_sampling:
        # modAL's ranked batch calls DataFrame.reshape: a limit of modAL itself
        with pytest.raises(AttributeError, match="reshape"):
            learner.query(make(X), n_instances=3)
        return
    idx, rows = learner.query(make(X), n_instances=3)
    assert idx.shape == (3,) and len(set(idx.tolist())) == 3
    learner.teach(rows, y[idx])
    assert learner.X_training.shape == (6, 4)


def test_batch_sampling_on_an_unfitted_learner_cold_starts():
    learner = ActiveLearner(
        LogisticRegression(), query_strategy=batch.uncertainty_batch_sampling
    )
    idx, _rows = learner.query(X, n_instances=3)
    assert idx.shape == (3,)


def test_batch_sampling_on_transformed_uses_the_pipeline():
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ActiveLearner(
        pipe, batch.uncertainty_batch_sampling, X[INIT], y[INIT], on_transformed=True
    )
    np.testing.assert_allclose(
        learner.transform_without_estimating(X[:3]),
        learner.estimator[:-1].transform(X[:3]),
    )
    idx, _ = learner.query(X, n_instances=3)
    assert idx.shape == (3,)
    plain = _learner(LogisticRegression())
    assert plain.transform_without_estimating(X) is X


def test_information_density_is_a_plain_function_of_the_pool():
    learner = _learner()
    weights = density.information_density(X, "euclidean")
    proba = learner.predict_proba(X)
    score = weights * (1 - proba.max(axis=1))
    assert score.shape == (150,)


def test_expected_error_does_not_import_on_numpy_2():
    if int(np.__version__.split(".")[0]) < 2:
        pytest.skip("modAL.expected_error imports on NumPy 1")
    with pytest.raises(AttributeError, match="np.float"):
        import modAL.expected_error  # noqa: F401


# -------------------------------------------------------------- Committee
def test_committee_attributes_and_default_strategy():
    committee = _committee()
    np.testing.assert_array_equal(committee.classes_, [0, 1, 2])
    assert committee.n_classes_ == 3 and len(committee) == 3
    assert list(committee) == committee.learner_list
    assert committee.X_training.shape == (18, 4)
    assert committee.y_training.shape == (18,)
    idx, _rows, metrics = committee.query(X, n_instances=2, return_metrics=True)
    assert idx.shape == metrics.shape == (2,)
    # the default picks the rows of highest vote entropy
    votes = committee.vote(X)
    disputed = np.array([len(set(v)) for v in votes])
    assert disputed[idx].min() == disputed.max()
    proba = committee.predict_proba(X)
    np.testing.assert_allclose(proba, committee.vote_proba(X).mean(axis=1))
    np.testing.assert_array_equal(
        committee.predict(X), committee.classes_[proba.argmax(axis=1)]
    )
    assert committee.score(X, y) == np.mean(committee.predict(X) == y)


def test_committee_with_an_unfitted_member_has_no_classes():
    committee = Committee([_learner(), ActiveLearner(LogisticRegression())])
    assert committee.classes_ is None and committee.n_classes_ == 0
    idx, _ = committee.query(X)  # vote entropy is 0 everywhere
    np.testing.assert_array_equal(idx, [0])
    committee.teach(X[INIT], y[INIT])
    np.testing.assert_array_equal(committee.classes_, [0, 1, 2])


def test_committee_vote_keeps_string_labels_and_aligns_classes():
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    a = ActiveLearner(
        LogisticRegression(),
        X_training=X[[0, 1, 50, 51]],
        y_training=labels[[0, 1, 50, 51]],
    )
    b = ActiveLearner(
        LogisticRegression(),
        X_training=X[[0, 1, 100, 101]],
        y_training=labels[[0, 1, 100, 101]],
    )
    committee = Committee([a, b])
    assert committee.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    votes = committee.vote(X[:3])
    assert votes.dtype.kind == "U" and votes.shape == (3, 2)
    proba = committee.vote_proba(X[:3])
    assert proba.shape == (3, 2, 3)
    assert np.all(proba[:, 0, 2] == 0) and np.all(proba[:, 1, 1] == 0)
    assert committee.predict(X[:3]).tolist() == ["setosa"] * 3


def test_committee_teach_corrections_and_flags():
    committee = _committee(n=2)
    committee.teach(X[[2, 3]], y[[2, 3]], corrections=[[0], None])
    for member in committee:
        assert member.X_training.shape == (8, 4)
        assert member.corrections_training[-2:] == [[0], None]
        assert member.caipi_.training_set_.n_counterexamples == 3
    committee.teach(X[[4]], y[[4]], only_new=True)
    for member in committee:
        assert member.X_training.shape == (8, 4)
        assert member.caipi_.training_set_.n_real == 1
    committee.fit(X[::4], y[::4], bootstrap=True)
    fitted = [m.caipi_.training_set_.X_real for m in committee]
    assert not np.array_equal(fitted[0], fitted[1])  # each member its own bag


def test_committee_rebag_draws_new_bags():
    committee = _committee(n=2)
    before = [m.caipi_.training_set_.X_real.copy() for m in committee]
    assert committee.rebag() is committee
    after = [m.caipi_.training_set_.X_real for m in committee]
    assert any(not np.array_equal(b, a) for b, a in zip(before, after))
    for member in committee:
        assert member.X_training.shape == (6, 4)
    with pytest.raises(NotFittedError, match=r"learner_list\[1\]"):
        Committee([_learner(), ActiveLearner(LogisticRegression())]).rebag()


COMMITTEE_STRATEGIES = [
    disagreement.vote_entropy_sampling,
    disagreement.consensus_entropy_sampling,
    disagreement.max_disagreement_sampling,
    uncertainty.uncertainty_sampling,
    uncertainty.margin_sampling,
    uncertainty.entropy_sampling,
    batch.uncertainty_batch_sampling,
    uncertainty_sampling,
]


@pytest.mark.parametrize("kind", ["array", "sparse", "frame"])
@pytest.mark.parametrize(
    "strategy", COMMITTEE_STRATEGIES, ids=lambda f: f"{f.__module__}.{f.__name__}"
)
def test_committee_strategies(strategy, kind):
    make = CONTAINERS[kind]
    members = [
        ActiveLearner(
            RandomForestClassifier(n_estimators=5, random_state=i),
            X_training=make(X[INIT]),
            y_training=y[INIT],
        )
        for i in range(2)
    ]
    committee = Committee(members, query_strategy=strategy)
    if kind == "frame" and strategy is batch.uncertainty_batch_sampling:
        with pytest.raises(AttributeError, match="reshape"):
            committee.query(make(X), n_instances=2)
        return
    idx, rows = committee.query(make(X), n_instances=2)
    assert idx.shape == (2,)
    committee.teach(rows, y[idx])
    assert committee.learner_list[0].X_training.shape == (5, 4)


def test_vote_entropy_matches_modal():
    committee = _committee()
    ours = committee.query(X, n_instances=5, return_metrics=True)[2]
    theirs = disagreement.vote_entropy(committee, X)
    np.testing.assert_allclose(np.sort(ours)[::-1], np.sort(theirs)[::-1][:5])


def test_committee_errors_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="learner_list"):
        Committee((_learner(),))
    with pytest.raises(TypeError, match=r"learner_list\[0\]"):
        Committee([LogisticRegression()])
    with pytest.raises(ValueError, match="at least one"):
        Committee([])
    with pytest.raises(TypeError, match="return_metrics"):
        _committee(n=2).query(X, 5)
    with pytest.raises(ValueError, match="n_instances"):
        _committee(n=2).query(X, n_instances=0)


def test_modal_own_committee_drives_skxil_learners():
    members = [
        _learner(RandomForestClassifier(n_estimators=5, random_state=i), random_state=i)
        for i in range(2)
    ]
    committee = ModALCommittee(members)
    np.testing.assert_array_equal(committee.classes_, [0, 1, 2])
    idx, rows = committee.query(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        committee.teach(rows, y[idx])
        committee.rebag()
    assert members[0].X_training.shape == (4, 4)


def test_knn_members_with_few_rows():
    learner = _learner(KNeighborsClassifier(n_neighbors=1))
    idx, _ = learner.query(X, n_instances=2)
    assert idx.shape == (2,)


def test_without_corrections_the_loop_equals_a_plain_scikit_learn_loop():
    rng = np.random.RandomState(0)
    train = list(rng.choice(150, size=5, replace=False))
    pool = np.delete(np.arange(150), train)
    learner = ActiveLearner(
        KNeighborsClassifier(n_neighbors=3), X_training=X[train], y_training=y[train]
    )
    model = KNeighborsClassifier(n_neighbors=3).fit(X[train], y[train])
    for _ in range(8):
        idx, _ = learner.query(X[pool])
        best = int(np.argmax(1 - model.predict_proba(X[pool]).max(axis=1)))
        assert idx.tolist() == [best]
        learner.teach(X[pool[idx]], y[pool[idx]])
        train.append(pool[best])
        model = KNeighborsClassifier(n_neighbors=3).fit(X[train], y[train])
        pool = np.delete(pool, best)
    np.testing.assert_array_equal(learner.predict_proba(X), model.predict_proba(X))
