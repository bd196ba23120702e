"""The input kinds (skxil._inputs) and the checks every kind shares."""

import numpy as np
import pytest
from scipy import sparse

from skxil import CaipiClassifier
from skxil._inputs import (
    ArrayInput,
    DocumentsInput,
    FrameInput,
    SparseInput,
    check_labels,
    input_kind,
)


def test_input_kind_of_each_container():
    pd = pytest.importorskip("pandas")
    assert isinstance(input_kind(np.zeros((2, 2))), ArrayInput)
    assert isinstance(input_kind(sparse.csr_matrix((2, 2))), SparseInput)
    assert isinstance(input_kind(pd.DataFrame({"a": [1]})), FrameInput)
    assert isinstance(input_kind(["a doc", "another"]), DocumentsInput)
    assert isinstance(input_kind(pd.Series(["a doc"])), DocumentsInput)


@pytest.mark.parametrize(
    "fitted, new, message",
    [
        ([0, 1, 0, 1], ["1"], "of type str, but the learner was fitted on labels of type int"),
        ([0, 1, 0, 1], [1.0], "of type float, .* type int"),
        (["a", "b", "a", "b"], [1], "of type int, .* type str"),
        ([True, False, True, False], [1], "of type int, .* type bool"),
    ],
)
def test_teaching_labels_of_another_type_is_refused(fitted, new, message):
    X = np.arange(8.0).reshape(4, 2)
    learner = CaipiClassifier(random_state=0).fit(X, fitted)
    before = learner.training_set_
    with pytest.raises(ValueError, match=message):
        learner.teach(X[:1], new)
    assert learner.training_set_ is before and list(learner.classes_) == sorted(set(fitted))


def test_labels_of_the_same_type_are_taken():
    y = check_labels(np.array([1, 2], dtype=np.int32), 2, np.array([0, 1]))
    assert y.tolist() == [1, 2]
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_labels([1, 2, 3], 2)


def test_strategies_that_do_not_apply_name_the_kind():
    X = np.arange(8.0).reshape(4, 2)
    learner = CaipiClassifier(counterexample_strategy="remove", random_state=0)
    with pytest.raises(ValueError, match="'remove' removes words.*for rows of features"):
        learner.fit(X, [0, 1, 0, 1], corrections=[[0], None, None, None])


def test_a_huge_counterexample_count_fails_first_and_changes_nothing():
    X = np.arange(8.0).reshape(4, 2)
    learner = CaipiClassifier(random_state=0).fit(X, [0, 1, 0, 1])
    before = learner.training_set_
    learner.set_params(n_counterexamples=10**9)
    with pytest.raises(ValueError, match="would return 1000000000 counterexample rows"):
        learner.teach(X[:1], [0], corrections=[[1]])
    assert learner.training_set_ is before
