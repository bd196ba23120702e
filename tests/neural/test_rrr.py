"""RRRClassifier: scikit-learn conventions, masks, the penalty's effect, fine-tuning."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxil.datasets import make_confounded_classification
from skxil.neural import RRRClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [RRRClassifier(hidden_layer_sizes=(10,), max_iter=30, batch_size=1000,
                   learning_rate_init=0.05, random_state=0)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def confounded():
    X_train, X_test, y_train, y_test, relevant = make_confounded_classification(
        n_samples=1000, random_state=0
    )
    ignore = np.zeros(X_train.shape, dtype=bool)
    ignore[:, -1] = True  # the decoy
    focus = np.tile(relevant, (X_train.shape[0], 1))
    return X_train, X_test, y_train, y_test, ignore, focus


def _small(**params):
    defaults = {"hidden_layer_sizes": (20,), "penalty": 10.0,
                "learning_rate_init": 0.01, "batch_size": 64, "max_iter": 30,
                "random_state": 0}
    return RRRClassifier(**{**defaults, **params})


def _score_gradient(model, X):
    """Mean absolute ∂(Σ_k log p_k)/∂x per feature: what the penalty acts on."""
    return np.abs(model.input_gradients(X).sum(axis=1)).mean(axis=0)


def _assert_same_weights(a, b):
    for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(left, right)


def test_ignore_removes_the_decoy_and_improves_clean_accuracy(confounded):
    X_train, X_test, y_train, y_test, ignore, _ = confounded
    plain = _small(penalty=0.0).fit(X_train, y_train, ignore=ignore)
    rrr = _small().fit(X_train, y_train, ignore=ignore)
    assert _score_gradient(rrr, X_test)[-1] < 0.05 * _score_gradient(plain, X_test)[-1]
    assert rrr.score(X_test, y_test) > plain.score(X_test, y_test) + 0.2


def test_focus_penalises_every_other_feature(confounded):
    X_train, X_test, y_train, y_test, _, focus = confounded
    plain = _small(penalty=0.0).fit(X_train, y_train)
    rrr = _small().fit(X_train, y_train, focus=focus)
    outside = ~focus[0]
    before, after = _score_gradient(plain, X_test), _score_gradient(rrr, X_test)
    assert np.all(after[outside] < 0.1 * before[outside])
    assert np.all(after[~outside] > 0.2)  # the focus features still matter
    assert rrr.score(X_test, y_test) > plain.score(X_test, y_test) + 0.2


def test_partial_fit_fine_tunes_a_fitted_model(confounded):
    X_train, X_test, y_train, _, ignore, _ = confounded
    model = _small(penalty=0.0).fit(X_train, y_train)
    before = _score_gradient(model, X_test)
    coefs = [W.copy() for W in model.coefs_]
    n_iter, t = model.n_iter_, model.t_
    model.set_params(penalty=10.0)
    rows = slice(0, 40)
    for _ in range(15):
        model.partial_fit(X_train[rows], y_train[rows], ignore=ignore[rows])
    after = _score_gradient(model, X_test)
    assert after[-1] < 0.3 * before[-1]
    assert model.n_iter_ == n_iter + 15 and model.t_ == t + 15 * 40
    # Continued from the trained weights, not re-initialised.
    correlation = np.corrcoef(model.coefs_[0].ravel(), coefs[0].ravel())[0, 1]
    assert correlation > 0.8


def test_matches_mlpclassifier_without_masks():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, random_state=0, stratify=y
    )
    params = {"hidden_layer_sizes": (50, 30), "solver": "adam", "batch_size": 256,
              "learning_rate_init": 0.001, "alpha": 1e-4, "max_iter": 64,
              "n_iter_no_change": 64, "early_stopping": False, "random_state": 0}
    sk = MLPClassifier(**params).fit(X_train, y_train)
    ours = RRRClassifier(**params).fit(X_train, y_train)
    assert sk.score(X_test, y_test) > 0.95
    assert abs(sk.score(X_test, y_test) - ours.score(X_test, y_test)) < 0.02


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam", "activation": "relu", "shuffle": True},
        {"solver": "adam", "activation": "logistic", "shuffle": False},
        {"solver": "sgd", "activation": "tanh", "shuffle": True, "momentum": 0.5},
        {"solver": "sgd", "activation": "identity", "nesterovs_momentum": False},
    ],
)
def test_same_weights_as_mlpclassifier_with_the_same_seed(params):
    """Same initialisation, batches and update rules: the same network, up to rounding."""
    X, y = load_digits(n_class=4, return_X_y=True)
    X = X / 16.0
    weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    common = {"hidden_layer_sizes": (12, 8), "batch_size": 100, "max_iter": 3,
              "learning_rate_init": 0.01, "alpha": 0.01, "random_state": 0, **params}
    sk = MLPClassifier(**common).fit(X, y, sample_weight=weight)
    ours = RRRClassifier(**common).fit(X, y, sample_weight=weight)
    for a, b in zip(sk.coefs_ + sk.intercepts_, ours.coefs_ + ours.intercepts_):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=1e-9)
    assert (ours.n_iter_, ours.t_) == (sk.n_iter_, sk.t_)


def test_same_seed_same_weights_and_inputs_untouched(confounded):
    X_train, _, y_train, _, ignore, focus = confounded
    X_copy, ignore_copy, focus_copy = X_train.copy(), ignore.copy(), focus.copy()
    a = _small(max_iter=3).fit(X_train, y_train, ignore=ignore, focus=focus)
    b = _small(max_iter=3).fit(X_train, y_train, ignore=ignore, focus=focus)
    _assert_same_weights(a, b)
    c = _small(max_iter=3, random_state=1).fit(X_train, y_train, ignore=ignore)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    np.testing.assert_array_equal(X_train, X_copy)
    np.testing.assert_array_equal(ignore, ignore_copy)
    np.testing.assert_array_equal(focus, focus_copy)


def test_zero_weight_rows_have_no_effect(confounded):
    X_train, _, y_train, _, ignore, _ = confounded
    rng = np.random.RandomState(0)
    junk = rng.normal(scale=5.0, size=(50, X_train.shape[1]))
    X_more = np.vstack([X_train, junk])
    y_more = np.concatenate([y_train, rng.randint(2, size=50)])
    ignore_more = np.vstack([ignore, np.ones(junk.shape, dtype=bool)])
    weight = np.concatenate([np.full(len(X_train), 2.0), np.zeros(50)])
    weighted = _small(max_iter=3).fit(
        X_more, y_more, ignore=ignore_more, sample_weight=weight
    )
    reference = _small(max_iter=3).fit(
        X_train, y_train, ignore=ignore, sample_weight=weight[: len(X_train)]
    )
    _assert_same_weights(weighted, reference)
    with pytest.raises(ValueError, match="at least one non-zero"):
        _small().fit(X_train, y_train, sample_weight=np.zeros(len(X_train)))


def test_sample_weight_scales_rows():
    X, y = load_digits(n_class=3, return_X_y=True)
    X = X / 16.0
    params = {"max_iter": 5, "batch_size": 10**6, "shuffle": False}  # one batch
    weight = np.random.RandomState(0).randint(1, 3, size=len(X))
    repeated = _small(**params).fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    weighted = _small(**params).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(weighted.coefs_[0], repeated.coefs_[0], rtol=1e-6,
                               atol=1e-9)


def test_mask_forms_are_equivalent(confounded):
    X_train, _, y_train, _, ignore, focus = confounded
    reference = _small(max_iter=2).fit(X_train, y_train, ignore=ignore, focus=focus)
    for form in (ignore.astype(int), sparse.csr_matrix(ignore),
                 [[X_train.shape[1] - 1]] * len(X_train)):
        model = _small(max_iter=2).fit(
            X_train, y_train, ignore=form, focus=sparse.csr_matrix(focus)
        )
        _assert_same_weights(model, reference)
    # Both masks: the union of ignore and the complement of focus.
    union = ignore | ~focus
    _assert_same_weights(reference, _small(max_iter=2).fit(X_train, y_train,
                                                           ignore=union))
    # Rows with an empty focus mask get no penalty.
    plain = _small(max_iter=2).fit(X_train, y_train)
    empty = _small(max_iter=2).fit(X_train, y_train, focus=np.zeros_like(focus))
    _assert_same_weights(plain, empty)


def test_masks_are_validated(confounded):
    X_train, _, y_train, _, ignore, _ = confounded
    model = _small(max_iter=1)
    with pytest.raises(ValueError, match=r"ignore: .*shape \(500, 5\)"):
        model.fit(X_train, y_train, ignore=ignore[:, :5])
    bad = ignore.astype(float)
    bad[7, 2] = 0.5
    with pytest.raises(ValueError, match="focus must be a boolean or 0/1 mask; row 7 "
                                          "has value 0.5 at feature 2"):
        model.fit(X_train, y_train, focus=bad)
    bad_sparse = sparse.csr_matrix(ignore.astype(int) * 3)
    with pytest.raises(ValueError, match="ignore must be .* row 0 has value 3"):
        model.fit(X_train, y_train, ignore=bad_sparse)
    with pytest.raises(ValueError, match="ignore: Row 3: feature index 9"):
        model.fit(X_train, y_train, ignore=[[]] * 3 + [[9]] + [[]] * 496)
    with pytest.raises(ValueError, match="focus must be .* got dtype <U1"):
        model.fit(X_train, y_train, focus=np.full(X_train.shape, "a"))
    assert not hasattr(model, "coefs_")  # nothing was left half fitted


def test_failed_fit_leaves_the_model_unchanged(confounded):
    X_train, _, y_train, _, ignore, _ = confounded
    model = _small(max_iter=2).fit(X_train, y_train)
    coefs = [W.copy() for W in model.coefs_]
    with pytest.raises(ValueError, match="ignore"):
        model.fit(X_train[:, :4], y_train, ignore=ignore)
    assert model.n_features_in_ == X_train.shape[1]
    np.testing.assert_array_equal(model.coefs_[0], coefs[0])


def test_interrupted_partial_fit_keeps_the_previous_model(confounded, monkeypatch):
    X_train, _, y_train, _, ignore, _ = confounded
    model = _small(max_iter=2).fit(X_train, y_train)
    coefs, n_iter = [W.copy() for W in model.coefs_], model.n_iter_
    moments = [m.copy() for m in model._optimizer.ms]
    calls = []

    def interrupt(self, loss, score, stop_allowed):
        calls.append(loss)
        raise KeyboardInterrupt

    monkeypatch.setattr(RRRClassifier, "_end_epoch", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X_train, y_train, ignore=ignore)
    assert calls  # the epoch ran and updated weights before the interruption
    assert model.n_iter_ == n_iter
    for before, after in zip(coefs + moments, model.coefs_ + model._optimizer.ms):
        np.testing.assert_array_equal(before, after)


def test_float32_stays_float32(confounded):
    X_train, X_test, y_train, _, ignore, _ = confounded
    model = _small(max_iter=2).fit(X_train.astype(np.float32), y_train, ignore=ignore)
    assert {W.dtype for W in model.coefs_ + model.intercepts_} == {np.dtype(np.float32)}
    assert model.predict_proba(X_test.astype(np.float32)).dtype == np.float32
    assert model.input_gradients(X_test).dtype == np.float32
    double = _small(max_iter=2).fit(X_train, y_train)
    assert double.coefs_[0].dtype == np.float64


def test_fitted_attributes_mirror_mlpclassifier(confounded):
    X_train, X_test, y_train, _, _, _ = confounded
    model = _small(hidden_layer_sizes=(7, 4), max_iter=3).fit(X_train, y_train)
    assert [W.shape for W in model.coefs_] == [(6, 7), (7, 4), (4, 2)]
    assert [b.shape for b in model.intercepts_] == [(7,), (4,), (2,)]
    assert (model.n_layers_, model.n_outputs_, model.out_activation_) == (4, 2, "softmax")
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert model.loss_ == model.loss_curve_[-1] and model.t_ == 3 * len(X_train)
    np.testing.assert_allclose(model.predict_proba(X_test).sum(axis=1), 1.0)
    np.testing.assert_allclose(
        model.predict_log_proba(X_test), np.log(model.predict_proba(X_test))
    )
    logistic = _small(hidden_layer_sizes=(), max_iter=3).fit(X_train, y_train)
    assert [W.shape for W in logistic.coefs_] == [(6, 2)] and logistic.n_layers_ == 2


def test_input_gradients_in_blocks_and_against_finite_differences(monkeypatch,
                                                                  confounded):
    X_train, X_test, y_train, _, _, _ = confounded
    model = _small(activation="tanh", max_iter=2).fit(X_train, y_train)
    whole = model.input_gradients(X_test[:20])
    monkeypatch.setattr("skxil.neural._rrr._BLOCK_ELEMENTS", 50)
    np.testing.assert_allclose(model.input_gradients(X_test[:20]), whole, rtol=1e-12)
    eps, j = 1e-6, 2
    up, down = X_test[:20].copy(), X_test[:20].copy()
    up[:, j] += eps
    down[:, j] -= eps
    numeric = (model.predict_log_proba(up) - model.predict_log_proba(down)) / (2 * eps)
    np.testing.assert_allclose(whole[:, :, j], numeric, rtol=1e-5, atol=1e-8)


def test_warm_start_continues_and_checks_classes(confounded):
    X_train, _, y_train, _, _, _ = confounded
    model = _small(max_iter=2, warm_start=True).fit(X_train, y_train)
    first = model.coefs_[0].copy()
    model.fit(X_train, y_train)
    assert model.n_iter_ == 4 and len(model.loss_curve_) == 4
    fresh = _small(max_iter=2).fit(X_train, y_train)
    np.testing.assert_array_equal(fresh.coefs_[0], first)
    assert not np.array_equal(model.coefs_[0], first)
    with pytest.raises(ValueError, match="warm_start can only be used"):
        model.fit(X_train, np.where(y_train == 1, 2, y_train))


def test_partial_fit_classes(confounded):
    X_train, _, y_train, _, _, _ = confounded
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        _small().partial_fit(X_train, y_train)
    model = _small().partial_fit(X_train[:10], y_train[:10], classes=[0, 1, 2])
    assert model.n_outputs_ == 3 and model.n_iter_ == 1
    with pytest.raises(ValueError, match=r"y contains labels \[5\]"):
        model.partial_fit(X_train[:3], [0, 1, 5])
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        model.partial_fit(X_train[:3], [0, 1, 1], classes=[0, 1])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_every_solver_and_activation_learns(confounded, solver, activation):
    X_train, _, y_train, _, _, _ = confounded
    model = _small(solver=solver, activation=activation, max_iter=10)
    model.fit(X_train, y_train)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.score(X_train, y_train) > 0.8


def test_sparse_input_matches_dense(confounded):
    X_train, X_test, y_train, _, ignore, _ = confounded
    dense = _small(max_iter=2).fit(X_train, y_train, ignore=ignore)
    sparse_model = _small(max_iter=2).fit(sparse.csr_matrix(X_train), y_train,
                                          ignore=ignore)
    for a, b in zip(dense.coefs_, sparse_model.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    np.testing.assert_allclose(
        sparse_model.input_gradients(sparse.csr_matrix(X_test[:5])),
        dense.input_gradients(X_test[:5]), rtol=1e-8,
    )


def test_early_stopping_keeps_the_best_epoch(confounded):
    X_train, _, y_train, _, ignore, _ = confounded
    model = _small(early_stopping=True, validation_fraction=0.2, n_iter_no_change=2,
                   max_iter=50, learning_rate_init=0.05)
    model.fit(X_train, y_train, ignore=ignore)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 50  # stopped early
    assert model.best_validation_score_ == max(scores) and model.best_loss_ is None
    assert model.t_ == model.n_iter_ * 400  # 100 of the 500 rows were held out
    # The kept weights are the best epoch's, which is not the last one here:
    # the same run stopped right after the best epoch ends with them.
    best = int(np.argmax(scores))
    assert best < len(scores) - 1
    prefix = _small(early_stopping=True, validation_fraction=0.2,
                    n_iter_no_change=50, max_iter=best + 1, learning_rate_init=0.05)
    prefix.fit(X_train, y_train, ignore=ignore)
    assert prefix.validation_scores_ == scores[: best + 1]
    _assert_same_weights(model, prefix)
    assert _small(max_iter=2).fit(X_train, y_train).validation_scores_ is None


def test_max_iter_warns_like_mlpclassifier(confounded):
    X_train, _, y_train, _, _, _ = confounded
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match=r"Maximum iterations \(2\)"):
            _small(max_iter=2).fit(X_train, y_train)


def test_grid_search_splits_the_masks_with_the_rows(confounded):
    X_train, _, y_train, _, ignore, _ = confounded
    search = GridSearchCV(_small(max_iter=3), {"penalty": [0.0, 10.0]}, cv=2)
    search.fit(X_train, y_train, ignore=sparse.csr_matrix(ignore))
    assert search.best_estimator_.n_iter_ == 3
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_hidden_layer_sizes_must_be_positive(confounded):
    X_train, _, y_train, _, _, _ = confounded
    with pytest.raises(ValueError, match=r"positive integers; got \(5, 0\)"):
        _small(hidden_layer_sizes=(5, 0)).fit(X_train, y_train)


def test_verbose_prints_the_loss(confounded, capsys):
    X_train, _, y_train, _, _, _ = confounded
    _small(max_iter=2, verbose=True).fit(X_train, y_train)
    assert "Iteration 2, loss = " in capsys.readouterr().out
