"""Tests for skxil.datasets._confounded."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import LogisticRegression

from skxil.datasets import make_confounded_classification


@pytest.fixture(scope="module")
def default_data():
    return make_confounded_classification(random_state=0)


def test_shapes_dtypes_and_relevant_mask(default_data):
    X_train, X_test, y_train, y_test, relevant = default_data
    assert X_train.shape == (500, 6)
    assert X_test.shape == (500, 6)
    assert y_train.shape == (500,)
    assert y_test.shape == (500,)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.dtype == y_test.dtype == np.int64
    assert relevant.dtype == bool
    assert_array_equal(relevant, [True, True, True, False, False, False])
    assert np.all(np.isfinite(X_train)) and np.all(np.isfinite(X_test))


@pytest.mark.parametrize(
    "kwargs, n_train, n_test",
    [
        ({}, 500, 500),
        ({"n_samples": 101, "test_size": 0.3}, 70, 31),
        ({"n_samples": 10, "test_size": 0.25, "n_classes": 2}, 7, 3),
    ],
)
def test_split_sizes(kwargs, n_train, n_test):
    X_train, X_test, y_train, y_test, _ = make_confounded_classification(
        random_state=0, **kwargs
    )
    assert len(X_train) == len(y_train) == n_train
    assert len(X_test) == len(y_test) == n_test


@pytest.mark.parametrize(
    "n_features, n_informative, n_classes",
    [(2, 1, 2), (4, 3, 2), (10, 4, 3), (5, 2, 6), (3, 1, 4)],
)
def test_layout_and_every_class_in_both_splits(n_features, n_informative, n_classes):
    X_train, X_test, y_train, y_test, relevant = make_confounded_classification(
        n_samples=60,
        n_features=n_features,
        n_informative=n_informative,
        n_classes=n_classes,
        random_state=1,
    )
    assert X_train.shape[1] == X_test.shape[1] == n_features
    assert relevant.shape == (n_features,)
    assert relevant.sum() == n_informative
    assert relevant[:n_informative].all()
    assert not relevant[-1]  # the decoy
    for y in (y_train, y_test):
        assert_array_equal(np.unique(y), np.arange(n_classes))
        counts = np.bincount(y)
        assert counts.max() - counts.min() <= 1


def test_every_class_present_at_minimum_size():
    _, _, y_train, y_test, _ = make_confounded_classification(
        n_samples=6, n_classes=3, test_size=0.5, random_state=0
    )
    assert_array_equal(np.sort(y_train), [0, 1, 2])
    assert_array_equal(np.sort(y_test), [0, 1, 2])


def test_decoy_leaks_label_in_train_only(default_data):
    X_train, X_test, y_train, y_test, _ = default_data
    decoy_train, decoy_test = X_train[:, [-1]], X_test[:, [-1]]
    clf = LogisticRegression().fit(decoy_train, y_train)
    assert clf.score(decoy_train, y_train) > 0.95
    assert abs(clf.score(decoy_test, y_test) - 0.5) < 0.08
    # The decoy is the class index plus small noise in train ...
    assert np.abs(X_train[:, -1] - y_train).max() < 0.6
    # ... and in test, the class index of a random, independent class.
    assert np.corrcoef(X_test[:, -1], y_test)[0, 1] ** 2 < 0.02
    assert set(np.round(X_test[:, -1]).astype(int)) == {0, 1}


def test_decoy_noise_scales_the_decoy():
    X_train, _, y_train, _, _ = make_confounded_classification(
        n_samples=400, decoy_noise=0.0, random_state=0
    )
    assert_array_equal(X_train[:, -1], y_train)
    X_train, _, y_train, _, _ = make_confounded_classification(
        n_samples=4000, decoy_noise=0.5, random_state=0
    )
    assert np.std(X_train[:, -1] - y_train) == pytest.approx(0.5, rel=0.05)


def test_noise_features_are_uninformative():
    X_train, _, y_train, _, relevant = make_confounded_classification(
        n_samples=2000, n_features=8, n_informative=2, random_state=0
    )
    noise = X_train[:, ~relevant][:, :-1]
    assert noise.shape[1] == 5
    for column in noise.T:
        assert np.corrcoef(column, y_train)[0, 1] ** 2 < 0.01


def test_confounded_model_is_right_for_the_wrong_reasons(default_data):
    X_train, X_test, y_train, y_test, relevant = default_data
    confounded = LogisticRegression().fit(X_train, y_train)
    right = LogisticRegression().fit(X_train[:, relevant], y_train)
    train_all = confounded.score(X_train, y_train)
    test_all = confounded.score(X_test, y_test)
    train_right = right.score(X_train[:, relevant], y_train)
    test_right = right.score(X_test[:, relevant], y_test)
    assert train_all > 0.97
    assert 0.75 <= train_right <= 0.92
    assert 0.75 <= test_right <= 0.92
    assert test_all < test_right - 0.15
    # The confounded model leans on the decoy most.
    weights = np.abs(confounded.coef_.ravel())
    assert np.argmax(weights) == X_train.shape[1] - 1


def test_class_sep_controls_difficulty():
    scores = []
    for class_sep in (0.0, 1.0, 3.0):
        X_train, X_test, y_train, y_test, relevant = make_confounded_classification(
            n_samples=2000, class_sep=class_sep, random_state=0
        )
        clf = LogisticRegression().fit(X_train[:, relevant], y_train)
        scores.append(clf.score(X_test[:, relevant], y_test))
    assert abs(scores[0] - 0.5) < 0.05
    assert scores[0] < scores[1] < scores[2]
    assert scores[2] > 0.97


def test_multiclass_class_means_pairwise_equidistant():
    # With n_classes <= n_informative + 1 the class means form a regular simplex.
    X_train, _, y_train, _, relevant = make_confounded_classification(
        n_samples=40000,
        n_features=5,
        n_informative=3,
        n_classes=4,
        class_sep=2.0,
        test_size=0.1,
        random_state=0,
    )
    means = np.array(
        [X_train[y_train == k][:, relevant].mean(axis=0) for k in range(4)]
    )
    dist = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(4, 1)]
    np.testing.assert_allclose(dist, 4.0, atol=0.1)


def test_as_frame():
    pd = pytest.importorskip("pandas")
    X_train, X_test, y_train, y_test, relevant = make_confounded_classification(
        n_samples=100, n_features=5, n_informative=2, as_frame=True, random_state=0
    )
    for X in (X_train, X_test):
        assert isinstance(X, pd.DataFrame)
        assert list(X.columns) == ["x0", "x1", "x2", "x3", "decoy"]
        assert (X.dtypes == np.float64).all()
    for y in (y_train, y_test):
        assert isinstance(y, pd.Series)
        assert y.name == "target"
    assert isinstance(relevant, np.ndarray)
    arrays = make_confounded_classification(
        n_samples=100, n_features=5, n_informative=2, random_state=0
    )
    assert_array_equal(X_train.to_numpy(), arrays[0])
    assert_array_equal(X_test.to_numpy(), arrays[1])
    assert_array_equal(y_train.to_numpy(), arrays[2])
    assert_array_equal(y_test.to_numpy(), arrays[3])


def test_reproducible_and_seed_dependent():
    first = make_confounded_classification(n_samples=50, random_state=3)
    second = make_confounded_classification(
        n_samples=50, random_state=np.random.RandomState(3)
    )
    for a, b in zip(first, second):
        assert_array_equal(a, b)
    other = make_confounded_classification(n_samples=50, random_state=4)
    assert not np.array_equal(first[0], other[0])


def test_does_not_touch_global_rng():
    state = np.random.get_state()
    make_confounded_classification(n_samples=50, random_state=0)
    after = np.random.get_state()
    assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_samples": 0}, ValueError, "'n_samples' parameter .* range \\[1, inf\\). Got 0"),
        ({"n_samples": 10.0}, TypeError, "'n_samples' parameter .* Got 10.0"),
        ({"n_informative": 0}, ValueError, "'n_informative' parameter .* Got 0"),
        (
            {"n_features": 3, "n_informative": 3},
            ValueError,
            r"n_features must be at least n_informative \+ 1 = 4.*n_features=3",
        ),
        ({"n_features": 1, "n_informative": 1}, ValueError, "'n_features' parameter .* Got 1"),
        ({"n_classes": 1}, ValueError, "'n_classes' parameter .* Got 1"),
        ({"class_sep": -1.0}, ValueError, "'class_sep' parameter .* Got -1.0"),
        ({"decoy_noise": -0.1}, ValueError, "'decoy_noise' parameter .* Got -0.1"),
        ({"test_size": 0.0}, ValueError, "'test_size' parameter .* Got 0.0"),
        ({"test_size": 1.0}, ValueError, "'test_size' parameter .* Got 1.0"),
        ({"test_size": "half"}, TypeError, "'test_size' parameter .* Got 'half'"),
        ({"as_frame": "yes"}, TypeError, "'as_frame' parameter .* Got 'yes'"),
        (
            {"n_samples": 5, "n_classes": 3},
            ValueError,
            r"n_samples=5 is too small.*2 training and 3 test samples.*n_classes=3",
        ),
        (
            {"n_samples": 100, "test_size": 0.001},
            ValueError,
            r"n_samples=100 is too small.*99 training and 1 test samples",
        ),
    ],
)
def test_invalid_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_confounded_classification(**kwargs)
