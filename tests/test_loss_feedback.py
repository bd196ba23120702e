"""Focus feedback and feedback masks handed to an estimator's loss."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification


class MaskedLogisticRegression(LogisticRegression):
    """A logistic regression whose fit takes masks, and records them."""

    def fit(self, X, y, sample_weight=None, ignore=None, focus=None):
        self.ignore_seen_ = None if ignore is None else sparse.csr_matrix(ignore)
        self.focus_seen_ = None if focus is None else sparse.csr_matrix(focus)
        self.n_rows_seen_ = X.shape[0]
        return super().fit(X, y, sample_weight=sample_weight)


class IgnoreOnly(LogisticRegression):
    def fit(self, X, y, sample_weight=None, ignore=None):
        self.ignore_seen_ = None if ignore is None else sparse.csr_matrix(ignore)
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(scope="module")
def data():
    X, X_pool, y, y_pool, relevant = make_confounded_classification(
        120, random_state=0
    )
    return X[:40], y[:40], X_pool, y_pool, relevant


def _dense(mask):
    return np.asarray(mask.toarray(), dtype=bool)


def test_masks_reach_the_loss_with_counterexamples_carrying_their_source(data):
    X, y, *_ = data
    corrections = [[5]] + [None] * 39
    focus = [None, [0, 1]] + [None] * 38
    learner = CaipiClassifier(MaskedLogisticRegression(), random_state=0).fit(
        X, y, corrections=corrections, focus=focus
    )
    model, ts = learner.estimator_, learner.training_set_
    assert model.n_rows_seen_ == len(ts) == 40 + 2 * 3
    ignore, keep = _dense(model.ignore_seen_), _dense(model.focus_seen_)
    assert ignore.shape == keep.shape == (len(ts), X.shape[1])
    origin = ts.origin
    expected_ignore = np.zeros_like(ignore)
    expected_ignore[0, 5] = True
    expected_ignore[origin == 0, 5] = True
    np.testing.assert_array_equal(ignore, expected_ignore)
    expected_focus = np.zeros_like(keep)
    expected_focus[1, [0, 1]] = True
    expected_focus[np.ix_(origin == 1, [0, 1])] = True
    np.testing.assert_array_equal(keep, expected_focus)


def test_focus_counterexamples_keep_focus_and_redraw_the_rest(data):
    X, y, *_ = data
    learner = CaipiClassifier(n_counterexamples=4, random_state=0).fit(
        X, y, focus=[[0, 1]] + [None] * 39
    )
    ts = learner.training_set_
    assert ts.source.tolist() == [0] * 4
    np.testing.assert_array_equal(ts.X_ce[:, [0, 1]], np.repeat(X[:1, [0, 1]], 4, 0))
    changed = ts.X_ce[:, 2:] != X[0, 2:]
    assert changed.all(axis=0).all()  # continuous features: re-drawn, all differ
    assert ts.corrected_features() == {0: set(range(2, X.shape[1]))}


def test_pure_loss_feedback_without_counterexamples(data):
    X, y, X_pool, y_pool, _ = data
    learner = CaipiClassifier(
        IgnoreOnly(), n_counterexamples=0, random_state=0
    ).fit(X, y)
    assert learner.estimator_.ignore_seen_ is None  # no feedback: no masks
    learner.teach(X_pool[:2], y_pool[:2], corrections=[[5], [4, 5]])
    ts = learner.training_set_
    assert ts.n_counterexamples == 0
    np.testing.assert_array_equal(
        np.flatnonzero(_dense(learner.estimator_.ignore_seen_).any(axis=1)), [40, 41]
    )


def test_focus_is_not_passed_to_an_estimator_that_does_not_take_it(data):
    X, y, *_ = data
    learner = CaipiClassifier(IgnoreOnly(), random_state=0).fit(
        X, y, focus=[[0]] + [None] * 39
    )
    assert learner.estimator_.ignore_seen_ is None
    assert learner.training_set_.n_counterexamples == 3


def test_masks_follow_feature_wise_pipeline_steps(data):
    X, y, *_ = data
    pipe = make_pipeline(StandardScaler(), MaskedLogisticRegression())
    learner = CaipiClassifier(pipe, n_counterexamples=0, random_state=0).fit(
        X, y, corrections=[[5]] + [None] * 39
    )
    final = learner.estimator_[-1]
    assert final.ignore_seen_.shape == (40, X.shape[1])
    assert _dense(final.ignore_seen_)[0].tolist() == [j == 5 for j in range(X.shape[1])]
    # the pipeline is fitted as Pipeline.fit would: same predictions
    reference = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(
        learner.predict_proba(X), reference.predict_proba(X), rtol=1e-10
    )


def test_one_hot_columns_follow_their_input_column():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=30), "site": rng.choice(["a", "b", "c"], size=30)}
    )
    y = (frame["x"] > 0).astype(int).to_numpy()
    pre = ColumnTransformer(
        [("num", StandardScaler(), ["x"]), ("cat", OneHotEncoder(), ["site"])]
    )
    learner = CaipiClassifier(
        make_pipeline(pre, MaskedLogisticRegression()), n_counterexamples=0,
        random_state=0,
    ).fit(frame, y, corrections=[["site"]] + [None] * 29)
    seen = _dense(learner.estimator_[-1].ignore_seen_)
    assert seen.shape == (30, 4)  # x and three one-hot columns of site
    assert seen[0].tolist() == [False, True, True, True]
    assert not seen[1:].any()


def test_a_feature_mixing_step_is_refused_and_nothing_changes(data):
    X, y, X_pool, y_pool, _ = data
    pipe = make_pipeline(PCA(3), MaskedLogisticRegression())
    learner = CaipiClassifier(pipe, random_state=0).fit(X, y)  # no masks: fine
    before = learner.training_set_
    with pytest.raises(ValueError, match=r"step 'pca' \(PCA\) mixes features"):
        learner.teach(X_pool[:1], y_pool[:1], corrections=[[5]])
    assert learner.training_set_ is before


def test_conflicting_ignore_and_focus_is_refused(data):
    X, y, *_ = data
    with pytest.raises(ValueError, match="Row 2: feature 4 is both in corrections"):
        CaipiClassifier(random_state=0).fit(
            X, y, corrections=[None, None, [4]] + [None] * 37,
            focus=[None, None, [4, 0]] + [None] * 37,
        )


def test_focus_errors_name_the_parameter(data):
    X, y, *_ = data
    learner = CaipiClassifier(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="focus has 2 entries but X has 1 rows"):
        learner.teach(X[:1], y[:1], focus=[[0], [1]])
    with pytest.raises(ValueError, match="Row 0: feature index 99 is out of range"):
        learner.teach(X[:1], y[:1], focus=[[99]])
    assert learner.training_set_.n_real == 40


def test_focus_by_name_and_as_mask_agree():
    pd = pytest.importorskip("pandas")
    X, _, y, _, _ = make_confounded_classification(60, random_state=1)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    mask = np.zeros(X.shape, dtype=bool)
    mask[3, [0, 2]] = True
    by_name = [None] * 3 + [["f0", "f2"]] + [None] * (len(y) - 4)
    a = CaipiClassifier(random_state=0).fit(frame, y, focus=by_name)
    b = CaipiClassifier(random_state=0).fit(frame, y, focus=sparse.csr_matrix(mask))
    np.testing.assert_array_equal(
        a.training_set_.focus.toarray(), b.training_set_.focus.toarray()
    )
    assert a.training_set_.X_ce.equals(b.training_set_.X_ce)


def test_focus_on_documents_strikes_out_the_other_words():
    docs = ["good film zq", "bad plot", "great cast zq", "dull film"]
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        counterexample_strategy="remove", n_counterexamples=1, random_state=0,
    ).fit(docs, [1, 0, 1, 0], focus=[["good", "film"], None, None, None])
    assert learner.training_set_.X_ce.tolist() == ["good film "]
    with pytest.raises(ValueError, match="'zq' is both in corrections"):
        learner.teach(["zq great"], [1], corrections=[["zq"]], focus=[["zq"]])


def test_focus_on_sparse_rows_redraws_only_the_rows_features():
    X, _, y, _, _ = make_confounded_classification(60, random_state=2)
    X = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    row = X[0].toarray().ravel()
    present = np.flatnonzero(row)
    learner = CaipiClassifier(n_counterexamples=2, random_state=0).fit(
        X, y, focus=[[int(present[0])]] + [None] * (len(y) - 1)
    )
    X_ce = learner.training_set_.X_ce.toarray()
    assert X_ce[:, present[0]].tolist() == [row[present[0]]] * 2
    absent = np.setdiff1d(np.arange(X.shape[1]), present)
    np.testing.assert_array_equal(X_ce[:, absent], 0.0)


def test_review_replaces_a_rows_masks(data):
    X, y, *_ = data
    learner = CaipiClassifier(
        MaskedLogisticRegression(), n_counterexamples=0, random_state=0
    ).fit(X, y, corrections=[[5]] + [None] * 39)
    learner.review([0, 7], focus=[[0, 1], [1]])
    ts = learner.training_set_
    assert ts.ignore is None or ts.ignore.nnz == 0  # focus replaced row 0's ignore
    assert sorted(zip(*ts.focus.nonzero())) == [(0, 0), (0, 1), (7, 1)]
    seen = _dense(learner.estimator_.focus_seen_)
    assert seen[7].tolist() == [j == 1 for j in range(X.shape[1])]


def test_masks_survive_pickling(data):
    import pickle

    X, y, *_ = data
    learner = CaipiClassifier(MaskedLogisticRegression(), random_state=0).fit(
        X, y, corrections=[[5]] + [None] * 39
    )
    copy = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(
        copy.training_set_.ignore.toarray(), learner.training_set_.ignore.toarray()
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_rrr_through_caipi_stops_relying_on_the_corrected_feature():
    from skxil import RRRClassifier

    X, X_test, y, y_test, relevant = make_confounded_classification(
        300, random_state=0
    )
    confounder = np.flatnonzero(~relevant)
    net = RRRClassifier(hidden_layer_sizes=(), penalty=10.0, max_iter=60,
                        batch_size=64, learning_rate_init=0.01, random_state=0)
    plain = CaipiClassifier(net, n_counterexamples=0, random_state=0).fit(X, y)
    fed = CaipiClassifier(net, n_counterexamples=0, random_state=0).fit(
        X, y, corrections=[confounder] * len(y)
    )

    def reliance(learner):
        grads = learner.estimator_.input_gradients(X_test)
        return np.abs(grads[:, :, confounder]).mean()

    assert reliance(fed) < 0.2 * reliance(plain)
    assert fed.score(X_test, y_test) > plain.score(X_test, y_test)
    assert fed.training_set_.n_counterexamples == 0
