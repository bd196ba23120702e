"""Tests of GradientExplainer against finite differences of the models."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.special import log_softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier

from skxil import CaipiClassifier
from skxil.explain import (
    Explanation,
    GradientExplainer,
    _gradient,
    is_differentiable_model,
)
from skxil.explain._plot import pixel_weights

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def _data(n_classes, n_features=5, n_samples=80, seed=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    # offsets and scales per feature, so that the scalers of a pipeline matter
    return X * np.arange(1, n_features + 1) + 3.0, y


def _mlp(activation="tanh", **params):
    return MLPClassifier(
        hidden_layer_sizes=(7, 5), activation=activation, max_iter=60,
        learning_rate_init=0.02, random_state=0, **params,
    )


def _dense(explanations):
    """Weights of explanations over all features as an (n_rows, n_features) array."""
    out = np.zeros((len(explanations), explanations[0].n_features_in))
    for i, e in enumerate(explanations):
        out[i, e.features] = e.weights
    return out


def _finite_differences(f, X, columns, eps=1e-6):
    """Central differences of ``f(X)[i, columns[i]]`` with respect to X."""
    rows = np.arange(X.shape[0])
    grad = np.empty_like(X, dtype=float)
    for j in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[j] = eps
        grad[:, j] = (f(X + step)[rows, columns] - f(X - step)[rows, columns]) / (
            2 * eps
        )
    return grad


def _check_log_proba_gradients(model, X, **params):
    explanations = GradientExplainer(n_features=None, **params).fit(X).explain(model, X)
    classes = np.array([e.class_index for e in explanations])
    np.testing.assert_array_equal(
        [e.predicted_class for e in explanations], model.predict(X)
    )
    expected = _finite_differences(model.predict_log_proba, X, classes)
    assert np.abs(expected).max() > 1e-2  # a model whose gradients are not all 0
    np.testing.assert_allclose(_dense(explanations), expected, rtol=1e-5, atol=1e-8)
    return explanations


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradients_match_finite_differences(activation, n_classes):
    X, y = _data(n_classes)
    model = _mlp(activation).fit(X, y)
    explanations = _check_log_proba_gradients(model, X[:12])
    proba = model.predict_proba(X[:12])
    np.testing.assert_allclose(
        [e.proba for e in explanations], proba.max(axis=1), rtol=1e-10
    )


@pytest.mark.parametrize("n_classes", [2, 4])
def test_logistic_regression_gradients(n_classes):
    X, y = _data(n_classes)
    model = LogisticRegression(C=0.1).fit(X, y)
    _check_log_proba_gradients(model, X[:10])


@pytest.mark.parametrize(
    "scaler",
    [
        StandardScaler(),
        StandardScaler(with_mean=False),
        StandardScaler(with_mean=False, with_std=False),
        MinMaxScaler(),
        MaxAbsScaler(),
        RobustScaler(),
        RobustScaler(with_centering=False),
        "passthrough",
        FunctionTransformer(),
        make_pipeline(RobustScaler(), MinMaxScaler(feature_range=(-1, 1))),
    ],
    ids=repr,
)
def test_pipeline_chain_rule(scaler):
    X, y = _data(3)
    model = Pipeline([("scale", scaler), ("mlp", _mlp("tanh"))]).fit(X, y)
    _check_log_proba_gradients(model, X[:10])


def test_clipping_min_max_scaler_has_zero_derivative_where_it_clips():
    X, y = _data(2)
    model = make_pipeline(MinMaxScaler(clip=True), _mlp()).fit(X, y)
    rows = X[:6].copy()
    rows[:3, 1] = X[:, 1].max() + 5.0  # beyond the training range: clipped
    explanations = _check_log_proba_gradients(model, rows)
    assert np.all(_dense(explanations)[:3, 1] == 0)
    assert np.all(_dense(explanations)[3:, 1] != 0)


class FakeRRR:
    """The attributes skxil.neural.RRRClassifier exposes: softmax also for 2 classes."""

    activation = "tanh"
    out_activation_ = "softmax"

    def __init__(self, n_features=5, seed=0):
        rng = np.random.default_rng(seed)
        self.coefs_ = [rng.normal(size=(n_features, 6)), rng.normal(size=(6, 2))]
        self.intercepts_ = [rng.normal(size=6), rng.normal(size=2)]
        self.classes_ = np.array(["no", "yes"])
        self.n_features_in_ = n_features

    def _logits(self, X):
        hidden = np.tanh(X @ self.coefs_[0] + self.intercepts_[0])
        return hidden @ self.coefs_[1] + self.intercepts_[1]

    def predict_log_proba(self, X):
        return log_softmax(self._logits(X), axis=1)

    def predict_proba(self, X):
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        return self.classes_[np.argmax(self._logits(X), axis=1)]

    def input_gradients(self, X):
        p = self.predict_proba(X)
        hidden = np.tanh(X @ self.coefs_[0] + self.intercepts_[0])
        eye = np.eye(2)
        out = eye[None] - p[:, None, :]  # d log p_k / d logits, (n, k, 2)
        d_hidden = (out @ self.coefs_[1].T) * (1 - hidden**2)[:, None, :]
        return d_hidden @ self.coefs_[0].T


def test_rrr_like_model_with_two_softmax_outputs():
    model = FakeRRR()
    X = np.random.default_rng(1).normal(size=(9, 5))
    explanations = _check_log_proba_gradients(model, X)
    assert {e.predicted_class for e in explanations} <= {"no", "yes"}
    # the same numbers as the model's own input_gradients
    classes = [e.class_index for e in explanations]
    own = model.input_gradients(X)[np.arange(9), classes]
    np.testing.assert_allclose(_dense(explanations), own, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_targets_proba_and_logit(n_classes):
    X, y = _data(n_classes)
    model = LogisticRegression(C=0.1).fit(X, y)
    rows = X[:8]
    proba = GradientExplainer(n_features=None, target="proba").fit(X).explain(model, rows)
    classes = np.array([e.class_index for e in proba])
    expected = _finite_differences(model.predict_proba, rows, classes)
    np.testing.assert_allclose(_dense(proba), expected, rtol=1e-5, atol=1e-9)

    logit = GradientExplainer(n_features=None, target="logit").fit(X).explain(model, rows)
    if n_classes == 2:  # the margin signed towards the predicted class
        expected = np.where(classes[:, None] == 1, 1, -1) * model.coef_[0]
    else:
        expected = model.coef_[classes]
    np.testing.assert_allclose(_dense(logit), expected, rtol=1e-12)


def test_gradient_x_input():
    X, y = _data(3)
    model = make_pipeline(StandardScaler(), _mlp("logistic")).fit(X, y)
    gradient = GradientExplainer(n_features=None).fit(X).explain(model, X[:5])
    product = (
        GradientExplainer(n_features=None, method="gradient_x_input")
        .fit(X)
        .explain(model, X[:5])
    )
    np.testing.assert_allclose(_dense(product), _dense(gradient) * X[:5], rtol=1e-12)


def test_top_k_order_and_feature_names():
    X, y = _data(3)
    model = _mlp().fit(X, y)
    names = ["a", "b", "c", "d", "e"]
    full = _dense(GradientExplainer(n_features=None).fit(X).explain(model, X[:6]))
    explanations = GradientExplainer(n_features=2).fit(X, feature_names=names).explain(
        model, X[:6]
    )
    for e, row in zip(explanations, full):
        top = np.argsort(-np.abs(row), kind="stable")[:2]
        np.testing.assert_array_equal(e.features, top)
        np.testing.assert_array_equal(e.weights, row[top])
        assert e.feature_names == [names[j] for j in top]
        assert abs(e.weights[0]) >= abs(e.weights[1])


def test_dataframe_columns_are_the_names():
    X, y = _data(2)
    frame = pd.DataFrame(X, columns=["age", "bmi", "zip", "dose", "batch"])
    model = make_pipeline(StandardScaler(), _mlp()).fit(frame, y)
    explanations = GradientExplainer(n_features=3).fit(frame).explain(model, frame[:4])
    assert explanations[0].all_feature_names == list(frame.columns)
    # unfitted names: taken from the DataFrame to explain
    explainer = GradientExplainer(n_features=3).fit(None)
    assert explainer.explain(model, frame[:4])[0].all_feature_names == list(frame.columns)


def test_float32_rows_are_computed_in_float32():
    X, y = _data(3)
    model = make_pipeline(StandardScaler(), _mlp()).fit(X, y)
    net = _gradient._network(model)
    _, proba, grad = _gradient._input_gradients(net, X[:5].astype(np.float32), "log_proba")
    assert grad.dtype == np.float32 and proba.dtype == np.float32
    explainer = GradientExplainer(n_features=None).fit(X)
    single = _dense(explainer.explain(model, X[:5].astype(np.float32)))
    double = _dense(explainer.explain(model, X[:5]))
    np.testing.assert_allclose(single, double, rtol=1e-3, atol=1e-5)


def test_sparse_rows_in_blocks_match_dense(monkeypatch):
    X, y = _data(3, n_features=12)
    X[np.random.default_rng(0).random(X.shape) < 0.6] = 0.0
    model = make_pipeline(MaxAbsScaler(), _mlp()).fit(sparse.csr_matrix(X), y)
    explainer = GradientExplainer(n_features=4).fit(X)
    dense = explainer.explain(model, X[:20])
    monkeypatch.setattr(_gradient, "_BLOCK_VALUES", 12 * 3)  # blocks of 3 rows
    blocked = explainer.explain(model, sparse.csr_matrix(X[:20]))
    assert len(blocked) == 20
    for a, b in zip(dense, blocked):
        assert a == b
        np.testing.assert_array_equal(a.instance, b.instance)


def test_image_rows_carry_their_heat_map():
    X, y = _data(2, n_features=16)
    model = _mlp().fit(X, y)
    explainer = GradientExplainer(n_features=None, shape=(4, 4)).fit(X)
    e = explainer.explain(model, X[:1])[0]
    assert e.shape == (4, 4)
    np.testing.assert_array_equal(e.instance, X[0])
    heat = pixel_weights(e)
    np.testing.assert_allclose(heat.ravel(), _dense([e])[0])
    assert "<img" in e._repr_html_()
    with pytest.raises(ValueError, match=r"images of shape \(3, 4\) have 12 values"):
        GradientExplainer(shape=(3, 4)).fit(X)


def test_deterministic_and_caller_data_untouched():
    X, y = _data(3)
    model = make_pipeline(StandardScaler(), _mlp()).fit(X, y)
    rows = X[:7].copy()
    explainer = GradientExplainer(n_features=3, method="gradient_x_input").fit(X)
    first = explainer.explain(model, rows)
    first[0].instance[:] = -1.0  # an explanation's row is its own copy
    second = explainer.explain(model, rows)
    np.testing.assert_array_equal(rows, X[:7])
    assert first == second
    assert explainer.explain(model, rows[:0]) == []


def test_wrapper_and_caipi_integration():
    X, y = _data(3)
    learner = CaipiClassifier(_mlp(), explainer=GradientExplainer(n_features=2))
    learner.fit(X, y)
    direct = GradientExplainer(n_features=2).fit(X).explain(learner.estimator_, X[:3])
    assert GradientExplainer(n_features=2).fit(X).explain(learner, X[:3]) == direct
    assert learner.explain(X[:3]) == direct


def test_errors_name_the_problem():
    X, y = _data(3)
    explainer = GradientExplainer().fit(X)
    with pytest.raises(NotFittedError, match="MLPClassifier is not fitted yet"):
        explainer.explain(_mlp(), X)
    with pytest.raises(TypeError, match="DecisionTreeClassifier is none of them"):
        explainer.explain(DecisionTreeClassifier().fit(X, y), X)
    mixing = Pipeline([("pca", PCA(3)), ("mlp", _mlp())]).fit(X, y)
    with pytest.raises(ValueError, match=r"step 'pca' \(PCA\) mixes features"):
        explainer.explain(mixing, X)
    binned = make_pipeline(KBinsDiscretizer(n_bins=3), _mlp()).fit(X, y)
    with pytest.raises(ValueError, match=r"'kbinsdiscretizer' \(KBinsDiscretizer\)"):
        explainer.explain(binned, X)
    model = _mlp().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but the explainer was fitted on 5"):
        explainer.explain(model, X[:, :3])
    with pytest.raises(ValueError, match="X has 3 features, but the model takes 5"):
        GradientExplainer().fit(None).explain(model, X[:, :3])
    bad = X[:4].copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="Row 2, feature 1 is NaN or infinite"):
        explainer.explain(model, bad)
    with pytest.raises(NotFittedError, match="GradientExplainer"):
        GradientExplainer().explain(model, X)
    multilabel = _mlp().fit(X, np.c_[y == 0, y == 1])
    with pytest.raises(ValueError, match="2 logistic outputs"):
        explainer.explain(multilabel, X)
    with pytest.raises(ValueError, match="method"):
        GradientExplainer(method="saliency").fit(X)


def test_is_differentiable_model():
    X, y = _data(3)
    assert is_differentiable_model(MLPClassifier())
    assert is_differentiable_model(make_pipeline(StandardScaler(), MLPClassifier()))
    assert is_differentiable_model(LogisticRegression())
    assert is_differentiable_model(FakeRRR())
    assert is_differentiable_model(_mlp().fit(X, y))
    assert is_differentiable_model(CaipiClassifier(_mlp()).fit(X, y))
    assert not is_differentiable_model(make_pipeline(PCA(2), MLPClassifier()))
    assert not is_differentiable_model(make_pipeline(OneHotEncoder(), LogisticRegression()))
    assert not is_differentiable_model(DecisionTreeClassifier().fit(X, y))
    assert not is_differentiable_model(DecisionTreeClassifier())
    assert not is_differentiable_model(MLPRegressor(max_iter=5).fit(X, y.astype(float)))


def test_explanations_equal_constructed_ones_and_are_independent():
    X, y = _data(3)
    model = _mlp().fit(X, y)
    names = ["a", "b", "c", "d", "e"]
    explanations = GradientExplainer(n_features=3, shape=(1, 5)).fit(
        X, feature_names=names
    ).explain(model, X[:4])
    for e, row in zip(explanations, X[:4]):
        built = Explanation(
            e.predicted_class, e.features, e.weights, 5, class_index=e.class_index,
            all_feature_names=names, proba=e.proba, shape=(1, 5), instance=row,
        )
        assert e == built and e.proba == built.proba and e.shape == built.shape
        np.testing.assert_array_equal(e.instance, row)
        assert e.features.dtype == np.intp and e.weights.dtype == np.float64
    explanations[0].all_feature_names[0] = "changed"
    explanations[0].instance[:] = 0.0
    assert explanations[1].all_feature_names[0] == "a"
    np.testing.assert_array_equal(explanations[1].instance, X[1])


def test_top_k_ties_are_broken_by_feature_index():
    weights = np.array([[0.0, -2.0, 1.0, 2.0, 0.0, 1.0]])
    np.testing.assert_array_equal(_gradient._top_k(weights, 4), [[1, 3, 2, 5]])
    np.testing.assert_array_equal(_gradient._top_k(weights, 6), [[1, 3, 2, 5, 0, 4]])


def test_nested_pipelines_are_flattened_and_their_steps_named():
    X, y = _data(3)
    inner = Pipeline([("robust", RobustScaler()), ("pca", PCA(4))])
    model = Pipeline([("prep", inner), ("mlp", _mlp())]).fit(X, y)
    with pytest.raises(ValueError, match=r"step 'prep__pca' \(PCA\)"):
        GradientExplainer().fit(X).explain(model, X)
    nested_final = Pipeline(
        [("scale", StandardScaler()), ("model", make_pipeline(MaxAbsScaler(), _mlp()))]
    ).fit(X, y)
    _check_log_proba_gradients(nested_final, X[:6])


def test_binary_mlp_logit_is_the_signed_margin():
    X, y = _data(2)
    model = _mlp("logistic").fit(X, y)
    rows = X[:8]
    explanations = GradientExplainer(n_features=None, target="logit").fit(X).explain(
        model, rows
    )
    sign = np.where([e.class_index == 1 for e in explanations], 1.0, -1.0)

    def margin(Z):  # log p1 - log p0 is the output unit's logit
        log_proba = model.predict_log_proba(Z)
        return (log_proba[:, 1] - log_proba[:, 0])[:, None]

    expected = sign[:, None] * _finite_differences(margin, rows, np.zeros(8, int))
    np.testing.assert_allclose(_dense(explanations), expected, rtol=1e-5, atol=1e-8)


def test_csc_rows_and_non_numeric_frames():
    X, y = _data(3)
    model = _mlp().fit(X, y)
    explainer = GradientExplainer(n_features=2).fit(X)
    assert explainer.explain(model, sparse.csc_matrix(X[:3])) == explainer.explain(
        model, X[:3]
    )
    frame = pd.DataFrame(X, columns=list("abcde")).assign(c=["u"] * len(X))
    with pytest.raises(TypeError, match="column 'c' has dtype"):
        explainer.explain(model, frame)


def test_params_clone_and_set_params_through_the_learner():
    explainer = GradientExplainer(n_features=4, method="gradient_x_input", shape=(2, 2))
    assert clone(explainer).get_params() == explainer.get_params()
    learner = CaipiClassifier(_mlp(), explainer=explainer)
    learner.set_params(explainer__n_features=3, explainer__target="proba")
    assert learner.explainer.n_features == 3 and learner.explainer.target == "proba"


def test_frames_of_mixed_numeric_dtypes():
    X, y = _data(2)
    frame = pd.DataFrame(X, columns=list("abcde")).astype({"a": "float32"})
    frame["b"] = (X[:, 1] > X[:, 1].mean())  # bool
    frame["c"] = pd.array(np.round(X[:, 2]).astype(int), dtype="Int64")  # nullable
    model = _mlp().fit(frame.to_numpy(float), y)
    explainer = GradientExplainer(n_features=None).fit(frame)
    explanations = explainer.explain(model, frame[:5])
    expected = explainer.explain(model, frame[:5].to_numpy(float))
    assert explanations == expected
    frame.loc[3, "c"] = pd.NA
    with pytest.raises(ValueError, match="Row 3, feature 2 is NaN"):
        explainer.explain(model, frame)
