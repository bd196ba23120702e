"""Tests for skxil.query._committee."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from skxil.query import (
    consensus_entropy,
    consensus_entropy_sampling,
    max_disagreement,
    max_disagreement_sampling,
    vote_entropy,
    vote_entropy_sampling,
)

MEASURES = [vote_entropy, consensus_entropy, max_disagreement]
SAMPLING = [
    vote_entropy_sampling,
    consensus_entropy_sampling,
    max_disagreement_sampling,
]
PAIRS = list(zip(MEASURES, SAMPLING))


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    X_lab, y_lab, X_pool = X[:60], y[:60], X[60:]
    # The tree never sees class 2: the committee must align its columns.
    known = y_lab != 2
    members = [
        LogisticRegression().fit(X_lab, y_lab),
        DecisionTreeClassifier(max_depth=3, random_state=0).fit(
            X_lab[known], y_lab[known]
        ),
        GaussianNB().fit(X_lab, y_lab),
    ]
    return members, X_lab, y_lab, X_pool


def _aligned(member, X, classes):
    out = np.zeros((X.shape[0], classes.shape[0]))
    out[:, np.searchsorted(classes, member.classes_)] = member.predict_proba(X)
    return out


def test_definitions(data):
    members, _, _, X = data
    classes = np.array([0, 1, 2])
    votes = np.stack([m.predict(X) for m in members], axis=1)
    p_vote = np.stack([(votes == c).mean(axis=1) for c in classes], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_vote = -np.nansum(p_vote * np.log(p_vote), axis=1)
    assert_allclose(vote_entropy(members, X), expected_vote)

    probas = np.stack([_aligned(m, X, classes) for m in members])
    consensus = probas.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_consensus = -np.nansum(consensus * np.log(consensus), axis=1)
        kl = np.nansum(probas * np.log(probas / consensus), axis=2)
    assert_allclose(consensus_entropy(members, X), expected_consensus)
    assert_allclose(max_disagreement(members, X), kl.max(axis=0))


def test_agrees_with_modal(data):
    modal_models = pytest.importorskip("modAL.models")
    modal_disagreement = pytest.importorskip("modAL.disagreement")
    _, X_lab, y_lab, X = data
    known = y_lab != 2
    learners = [
        modal_models.ActiveLearner(
            LogisticRegression(), X_training=X_lab, y_training=y_lab
        ),
        modal_models.ActiveLearner(
            DecisionTreeClassifier(max_depth=3, random_state=0),
            X_training=X_lab[known],
            y_training=y_lab[known],
        ),
        modal_models.ActiveLearner(GaussianNB(), X_training=X_lab, y_training=y_lab),
    ]
    committee = modal_models.Committee(learners)
    reference = {
        vote_entropy: modal_disagreement.vote_entropy,
        consensus_entropy: modal_disagreement.consensus_entropy,
        max_disagreement: modal_disagreement.KL_max_disagreement,
    }
    for ours, theirs in reference.items():
        assert_allclose(ours(committee, X), theirs(committee, X), atol=1e-12)
    modal_sampling = {
        vote_entropy_sampling: modal_disagreement.vote_entropy_sampling,
        consensus_entropy_sampling: modal_disagreement.consensus_entropy_sampling,
        max_disagreement_sampling: modal_disagreement.max_disagreement_sampling,
    }
    for ours, theirs in modal_sampling.items():
        # modAL's multi_argmax orders its ties differently; compare the scores.
        idx, scores = ours(committee, X, n_instances=10)
        _, their_scores = theirs(committee, X, n_instances=10)
        assert_allclose(np.sort(scores), np.sort(their_scores), atol=1e-12)
        assert_array_equal(ours(learners, X, n_instances=10)[0], idx)


@pytest.mark.parametrize("measure, sampling", PAIRS)
def test_sampling_ranks_by_the_measure(data, measure, sampling):
    members, _, _, X = data
    scores = measure(members, X)
    idx, got = sampling(members, X, n_instances=X.shape[0])
    assert idx.dtype == np.intp
    assert_array_equal(idx, np.argsort(-scores, kind="stable"))
    assert_allclose(got, scores[idx])


@pytest.mark.parametrize("measure, sampling", PAIRS)
def test_list_tuple_and_learner_list(data, measure, sampling):
    members, _, _, X = data

    class Holder:
        learner_list = members

    expected = measure(members, X)
    assert_allclose(measure(tuple(members), X), expected)
    assert_allclose(measure(Holder(), X), expected)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("chunk_size", [1, 17, 10_000])
def test_chunk_size_does_not_change_the_result(data, measure, chunk_size):
    members, _, _, X = data
    assert_allclose(measure(members, X, chunk_size=chunk_size), measure(members, X))


@pytest.mark.parametrize("measure, sampling", PAIRS)
def test_unfitted_member_gives_zeros(data, measure, sampling):
    members, _, _, X = data
    committee = [members[0], LogisticRegression()]
    assert_array_equal(measure(committee, X), np.zeros(X.shape[0]))
    idx, _ = sampling(committee, X, n_instances=3)
    assert_array_equal(idx, [0, 1, 2])
    a, _ = sampling(committee, X, n_instances=3, random_tie_break=True, random_state=1)
    b, _ = sampling(committee, X, n_instances=3, random_tie_break=True, random_state=1)
    assert_array_equal(a, b)


@pytest.mark.parametrize("sampling", SAMPLING)
def test_unanimous_committee_ties_by_index(data, sampling):
    members, _, _, X = data
    # Two copies of one model never disagree: every score ties at 0
    # (KL) or at the model's own entropy (consensus), so compare with a sort.
    committee = [members[0], members[0]]
    idx, scores = sampling(committee, X, n_instances=5)
    if sampling is consensus_entropy_sampling:
        own = consensus_entropy([members[0]], X)
        assert_array_equal(idx, np.argsort(-own, kind="stable")[:5])
    else:
        assert_array_equal(idx, np.arange(5))
        assert_allclose(scores, 0, atol=1e-12)


@pytest.mark.parametrize("measure", MEASURES)
def test_sparse_and_dataframe_pools(data, measure):
    pd = pytest.importorskip("pandas")
    members, _, _, X = data
    lr = members[0]
    expected = measure([lr, lr], X)
    assert_allclose(measure([lr, lr], sp.csr_matrix(X), chunk_size=50), expected)
    lr_df = LogisticRegression().fit(pd.DataFrame(data[1]), data[2])
    assert_allclose(
        measure([lr_df, lr_df], pd.DataFrame(X), chunk_size=50),
        measure([lr_df, lr_df], pd.DataFrame(X)),
    )


@pytest.mark.parametrize("sampling", SAMPLING)
@pytest.mark.parametrize("n_instances", [0, 241, True])
def test_n_instances_out_of_range(data, sampling, n_instances):
    members, _, _, X = data
    with pytest.raises((ValueError, TypeError), match="n_instances"):
        sampling(members, X, n_instances=n_instances)


@pytest.mark.parametrize("sampling", SAMPLING)
def test_whole_pool(data, sampling):
    members, _, _, X = data
    idx, _ = sampling(members, X[:9], n_instances=9)
    assert sorted(idx.tolist()) == list(range(9))


@pytest.mark.parametrize("measure", MEASURES)
def test_bad_committees(measure):
    X = np.zeros((3, 2))
    with pytest.raises(TypeError, match="learner_list"):
        measure(LogisticRegression(), X)
    with pytest.raises(ValueError, match="no members"):
        measure([], X)


def test_bad_proba_shape(data):
    members, _, _, X = data

    class Broken(LogisticRegression):
        def predict_proba(self, X):
            return np.ones((2, 2))

    broken = Broken().fit(data[1], data[2])
    with pytest.raises(ValueError, match="shape"):
        consensus_entropy([members[0], broken], X)
