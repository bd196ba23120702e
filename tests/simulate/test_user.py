"""Tests of SimulatedUser: the CAIPI paper's answers and the noisy ones."""

import numpy as np
import pytest

from skxil.explain import Explanation
from skxil.simulate import SimulatedUser

RELEVANT = np.array([True, True, False, False, False])


def _expl(predicted, features):
    return Explanation(predicted, features, np.ones(len(features)), n_features_in=5)


# ----------------------------------------------------------------- the paper
def test_right_prediction_right_explanation_gives_label_only():
    user = SimulatedUser(RELEVANT)
    assert user.answer(None, 1, _expl(1, [0, 1])) == (1, None)


def test_right_prediction_wrong_explanation_gives_the_irrelevant_features():
    user = SimulatedUser(RELEVANT)
    label, correction = user.answer(None, 1, _expl(1, [4, 0, 2]))
    assert label == 1
    np.testing.assert_array_equal(correction, [2, 4])
    assert correction.dtype == np.intp


def test_wrong_prediction_gives_label_only():
    user = SimulatedUser(RELEVANT)
    assert user.answer(None, 0, _expl(1, [4, 2])) == (0, None)


def test_no_explanation_gives_label_only():
    assert SimulatedUser(RELEVANT).answer(None, "a", None) == ("a", None)


def test_per_row_masks_are_indexed_by_pool_position():
    relevant = np.array([[True, False, False], [False, False, True]])
    user = SimulatedUser(relevant)
    e = Explanation(0, [0, 2], [1.0, 1.0], n_features_in=3)
    np.testing.assert_array_equal(user.answer(None, 0, e, index=0)[1], [2])
    np.testing.assert_array_equal(user.answer(None, 0, e, index=1)[1], [0])
    with pytest.raises(ValueError, match="needs the row's position"):
        user.answer(None, 0, e)
    with pytest.raises(IndexError, match="out of range"):
        user.answer(None, 0, e, index=5)


def test_callable_relevant_sees_the_row():
    user = SimulatedUser(lambda x: np.asarray(x) > 0)
    e = Explanation(1, [0, 1], [1.0, 1.0], n_features_in=3)
    np.testing.assert_array_equal(user.answer([1, 0, 0], 1, e)[1], [1])
    np.testing.assert_array_equal(user.answer([0, 1, 0], 1, e)[1], [0])


def test_answer_batch_matches_answer():
    user = SimulatedUser(RELEVANT)
    explanations = [_expl(1, [0, 2]), _expl(1, [0, 1]), _expl(0, [3])]
    labels, corrections = user.answer_batch(np.zeros((3, 5)), [1, 1, 1], explanations)
    np.testing.assert_array_equal(labels, [1, 1, 1])
    np.testing.assert_array_equal(corrections[0], [2])
    assert corrections[1] is None and corrections[2] is None
    with pytest.raises(ValueError, match="2 explanations for 3 labels"):
        user.answer_batch(np.zeros((3, 5)), [1, 1, 1], explanations[:2])


def test_does_not_modify_the_callers_mask():
    relevant = RELEVANT.copy()
    user = SimulatedUser(relevant)
    relevant[:] = False
    np.testing.assert_array_equal(user.answer(None, 1, _expl(1, [0, 2]))[1], [2])


# --------------------------------------------------------------------- noise
def _noisy(noise, rate=1.0, seed=0):
    return SimulatedUser(RELEVANT, noise=noise, noise_rate=rate, random_state=seed)


def test_incomplete_noise_keeps_strictly_fewer_wrong_features():
    user = _noisy("incomplete")
    for _ in range(20):
        _, correction = user.answer(None, 1, _expl(1, [2, 3, 4, 0]))
        kept = [] if correction is None else correction.tolist()
        assert len(kept) < 3 and set(kept) <= {2, 3, 4}


def test_random_noise_marks_random_features_as_many_as_shown():
    user = _noisy("random")
    seen = set()
    for _ in range(30):
        _, correction = user.answer(None, 1, _expl(1, [0, 1]))
        assert correction.size == 2
        seen |= set(correction.tolist())
    assert seen == set(range(5))


def test_adversarial_noise_marks_every_feature():
    _, correction = _noisy("adversarial").answer(None, 1, _expl(1, [0, 1]))
    np.testing.assert_array_equal(correction, np.arange(5))


def test_wrong_noise_marks_the_relevant_features():
    _, correction = _noisy("wrong").answer(None, 1, _expl(1, [2]))
    np.testing.assert_array_equal(correction, [0, 1])


@pytest.mark.parametrize("noise", ["incomplete", "random", "adversarial", "wrong"])
def test_noise_never_touches_labels_or_wrong_predictions(noise):
    user = _noisy(noise)
    assert user.answer(None, 0, _expl(1, [2, 3])) == (0, None)


def test_noise_rate_is_the_share_of_noisy_answers():
    user = _noisy("adversarial", rate=0.3, seed=1)
    answers = [user.answer(None, 1, _expl(1, [0]))[1] for _ in range(2000)]
    share = np.mean([a is not None for a in answers])
    assert 0.26 < share < 0.34


def test_noise_is_reproducible_and_reset_starts_afresh():
    a = _noisy("random", rate=0.5, seed=3)
    b = _noisy("random", rate=0.5, seed=3)
    first = [a.answer(None, 1, _expl(1, [0, 2]))[1] for _ in range(10)]
    second = [b.answer(None, 1, _expl(1, [0, 2]))[1] for _ in range(10)]
    assert a.reset() is a
    third = [a.answer(None, 1, _expl(1, [0, 2]))[1] for _ in range(10)]
    for x, y, z in zip(first, second, third):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    assert a.n_answers_ == 10


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"noise": "loud"}, ValueError, "noise must be None or one of"),
        ({"noise": "random", "noise_rate": 1.5}, ValueError, r"must lie in \[0, 1\]"),
        ({"noise": "random", "noise_rate": "high"}, TypeError, "must be a float"),
        ({"noise_rate": 0.2}, ValueError, "needs a noise mode"),
    ],
)
def test_bad_noise_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        SimulatedUser(RELEVANT, **kwargs)


def test_bad_relevant():
    with pytest.raises(TypeError, match="boolean mask"):
        SimulatedUser([0, 1, 1])
    with pytest.raises(ValueError, match="got shape"):
        SimulatedUser(np.zeros((2, 2, 2), dtype=bool))
    user = SimulatedUser(RELEVANT)
    with pytest.raises(ValueError, match="explanation is over 3 features"):
        user.answer(None, 1, Explanation(1, [0], [1.0], n_features_in=3))
    bad = SimulatedUser(lambda x: [0, 1])
    with pytest.raises(TypeError, match="must return a boolean mask"):
        bad.answer([0, 0], 1, Explanation(1, [0], [1.0], n_features_in=2))


# ---------------------------------------------------------------- stability
def _stable(predicted, features, frequency):
    from skxil.explain import Stability

    k = len(features)
    stability = Stability(frequency, np.zeros(k), 1.0, 5)
    return Explanation(
        predicted, features, np.ones(k), n_features_in=5, stability=stability
    )


def test_min_stability_withholds_corrections_of_unstable_explanations():
    user = SimulatedUser(RELEVANT, min_stability=0.8)
    unstable = _stable(1, [4, 0], [0.8, 0.6])  # score 0.7
    stable = _stable(1, [4, 0], [1.0, 0.6])  # score 0.8: at the threshold
    assert user.answer(None, 1, unstable) == (1, None)
    _label, correction = user.answer(None, 1, stable)
    np.testing.assert_array_equal(correction, [4])
    assert user.n_unstable_ == 1 and user.n_answers_ == 2
    assert not user.is_stable(unstable) and user.is_stable(stable)


def test_min_stability_treats_unmeasured_stability_as_stable():
    user = SimulatedUser(RELEVANT, min_stability=1.0)
    _, correction = user.answer(None, 1, _expl(1, [4, 0]))
    np.testing.assert_array_equal(correction, [4])
    assert user.n_unstable_ == 0


def test_without_min_stability_unstable_explanations_are_corrected():
    user = SimulatedUser(RELEVANT)
    _, correction = user.answer(None, 1, _stable(1, [4, 0], [0.2, 0.2]))
    np.testing.assert_array_equal(correction, [4])


def test_min_stability_leaves_wrong_predictions_and_counts_alone():
    user = SimulatedUser(RELEVANT, min_stability=0.9)
    assert user.answer(None, 0, _stable(1, [4], [0.1])) == (0, None)
    assert user.n_unstable_ == 0
    _labels, corrections = user.answer_batch(
        np.zeros((2, 5)), [1, 1], [_stable(1, [4], [0.5]), _stable(1, [4], [1.0])]
    )
    assert corrections[0] is None
    np.testing.assert_array_equal(corrections[1], [4])
    assert user.n_unstable_ == 1
    user.reset()
    assert user.n_unstable_ == 0


@pytest.mark.parametrize(
    "value, error, message",
    [
        ("high", TypeError, "min_stability must be None or a float"),
        (True, TypeError, "min_stability must be None or a float"),
        (1.5, ValueError, r"min_stability must lie in \[0, 1\]"),
        (-0.1, ValueError, r"min_stability must lie in \[0, 1\]"),
    ],
)
def test_invalid_min_stability(value, error, message):
    with pytest.raises(error, match=message):
        SimulatedUser(RELEVANT, min_stability=value)


def test_repr_shows_min_stability():
    assert "min_stability=0.5" in repr(SimulatedUser(RELEVANT, min_stability=0.5))


# ------------------------------------------------------------ focus feedback
def _explanation(predicted=1):
    from skxil.explain import Explanation

    return Explanation(predicted, [2, 0], [0.9, 0.3], n_features_in=4)


@pytest.mark.parametrize(
    "feedback, expected",
    [
        ("ignore", (1, [2])),
        ("focus", (1, None, [0, 1])),
        ("both", (1, [2], [0, 1])),
    ],
)
def test_feedback_kinds(feedback, expected):
    user = SimulatedUser(np.array([True, True, False, False]), feedback=feedback)
    answer = user.answer(None, 1, _explanation())
    assert len(answer) == len(expected)
    got = [None if a is None else np.asarray(a).tolist() for a in answer[1:]]
    assert [answer[0], *got] == list(expected)


def test_focus_user_gives_nothing_for_right_reasons_or_wrong_predictions():
    user = SimulatedUser(np.array([True, True, True, False]), feedback="both")
    assert user.answer(None, 1, _explanation()) == (1, None, None)
    assert user.answer(None, 0, _explanation()) == (0, None, None)


def test_answer_batch_returns_focus_sets():
    user = SimulatedUser(np.array([True, True, False, False]), feedback="focus")
    labels, corrections, focus = user.answer_batch(
        np.zeros((2, 4)), [1, 0], [_explanation(), _explanation()]
    )
    assert corrections == [None, None]
    assert focus[0].tolist() == [0, 1] and focus[1] is None


def test_bad_feedback_kind():
    with pytest.raises(ValueError, match="feedback must be one of"):
        SimulatedUser(np.array([True]), feedback="here")


def test_simulate_passes_focus_to_teach():
    from skxil import CaipiClassifier
    from skxil.datasets import make_confounded_classification
    from skxil.simulate import simulate

    X, X_pool, y, y_pool, relevant = make_confounded_classification(
        200, random_state=0
    )
    user = SimulatedUser(relevant, feedback="focus")
    learner = CaipiClassifier(random_state=0).fit(X[:10], y[:10])
    history = simulate(learner, X_pool, y_pool, user, n_iter=10, progress=False)
    assert history.records[-1]["n_corrections"] > 0
    ts = history.learner.training_set_
    assert ts.focus is not None and ts.focus.nnz > 0
    assert ts.ignore is None or ts.ignore.nnz == 0
    # focus rows keep their relevant features in every counterexample
    for i, src in enumerate(ts.source):
        kept = np.flatnonzero(relevant)
        np.testing.assert_array_equal(ts.X_ce[i, kept], ts.X_real[src, kept])
