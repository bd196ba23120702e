"""LinearExplainer: exact contributions coef_ * x, through feature-wise transformers."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, LinearSVC

from skxil import CaipiClassifier
from skxil.explain import LinearExplainer, is_linear_model


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X / X.std(axis=0), y  # scaled: quick to fit


def _all_contributions(e):
    full = np.zeros(e.n_features_in)
    full[e.features] = e.weights
    return full


def test_contributions_of_a_plain_linear_model(cancer):
    X, y = cancer
    model = LogisticRegression(max_iter=1000).fit(X, y)
    explanations = LinearExplainer(n_features=30).fit(X).explain(model, X[:20])
    decision = model.decision_function(X[:20])
    for e, x, margin in zip(explanations, X[:20], decision):
        sign = 1.0 if e.class_index == 1 else -1.0
        np.testing.assert_allclose(_all_contributions(e), sign * model.coef_[0] * x)
        np.testing.assert_allclose(e.weights.sum() + e.intercept, sign * margin)
        assert e.predicted_class == model.predict(x[None])[0]
        assert e.proba == pytest.approx(model.predict_proba(x[None]).max())
        assert np.all(np.diff(np.abs(e.weights)) <= 0)
    assert {e.class_index for e in explanations} == {0, 1}


def test_pipeline_contributions_are_relative_to_the_scalers_centering(cancer):
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    scaler, lr = model[0], model[-1]
    e = LinearExplainer(n_features=5).fit(X).explain(model, X[:1])[0]
    sign = 1.0 if e.class_index == 1 else -1.0
    expected = sign * lr.coef_[0] * (X[0] - scaler.mean_) / scaler.scale_
    top = np.argsort(-np.abs(expected), kind="stable")[:5]
    np.testing.assert_array_equal(e.features, top)
    np.testing.assert_allclose(e.weights, expected[top])
    assert e.score is None  # no surrogate: the contributions are exact


def test_multiclass_uses_the_predicted_classs_row():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    rows = X[[0, 60, 120]]
    for e, x in zip(LinearExplainer(n_features=4).fit(X).explain(model, rows), rows):
        c = e.class_index
        assert c == np.argmax(model.decision_function(x[None]))
        np.testing.assert_allclose(_all_contributions(e), model.coef_[c] * x)
        np.testing.assert_allclose(e.intercept, model.intercept_[c])


def test_dataframe_names_and_model_without_proba(cancer):
    pd = pytest.importorskip("pandas")
    X, y = cancer
    frame = pd.DataFrame(X[:, :5], columns=list("abcde"))
    model = make_pipeline(StandardScaler(), LinearSVC()).fit(frame, y)
    with np.testing.assert_no_warnings():
        e = LinearExplainer(n_features=2).fit(frame).explain(model, frame[:1])[0]
    assert e.all_feature_names == list("abcde") and e.as_list()[0][0] in "abcde"
    assert e.proba is None


def test_sparse_input(cancer):
    X, y = cancer
    Xs = sparse.csr_matrix(np.where(X > np.median(X, axis=0), X, 0.0))
    model = make_pipeline(MaxAbsScaler(), SGDClassifier(random_state=0)).fit(Xs, y)
    e_sparse = LinearExplainer().fit(Xs).explain(model, Xs[:2])
    e_dense = LinearExplainer().fit(Xs).explain(model, Xs[:2].toarray())
    for a, b in zip(e_sparse, e_dense):
        np.testing.assert_array_equal(a.features, b.features)
        np.testing.assert_allclose(a.weights, b.weights)


def test_through_a_caipi_classifier(cancer):
    X, y = cancer
    learner = CaipiClassifier(
        make_pipeline(SimpleImputer(), LogisticRegression(max_iter=1000))
    )
    learner.fit(X[:100], y[:100])
    direct = LinearExplainer().fit(X).explain(learner.estimator_, X[:2])
    assert LinearExplainer().fit(X).explain(learner, X[:2]) == direct


def test_errors_name_the_problem(cancer):
    X, y = cancer
    explainer = LinearExplainer().fit(X)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="RandomForestClassifier has none"):
        explainer.explain(forest, X[:1])
    for step in (PolynomialFeatures(), PCA(n_components=30)):
        model = make_pipeline(step, LinearSVC()).fit(X, y)
        with pytest.raises(ValueError, match=f"{type(step).__name__} mixes or changes"):
            explainer.explain(model, X[:1])
    iris_X, iris_y = load_iris(return_X_y=True)
    ovo = SVC(kernel="linear").fit(iris_X, iris_y)  # 3 one-vs-one rows
    with pytest.raises(ValueError, match="one row of coef_ per class.*per pair"):
        LinearExplainer().fit(iris_X).explain(ovo, iris_X[:1])


def test_is_linear_model(cancer):
    X, y = cancer
    assert is_linear_model(LogisticRegression(max_iter=1000).fit(X, y))
    assert is_linear_model(
        make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    )
    poly = make_pipeline(PolynomialFeatures(), LinearSVC()).fit(X[:, :3], y)
    assert not is_linear_model(poly)
    assert not is_linear_model(RandomForestClassifier(n_estimators=2).fit(X, y))
    assert not is_linear_model(LogisticRegression())  # not fitted


def test_one_hot_contributions_add_up_to_their_column():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "v": rng.normal(size=60),
        "color": pd.array(rng.choice(["red", "blue", "green"], 60), dtype="str"),
        "size": rng.choice(["S", "M", "L"], 60).astype(object),
        "w": rng.normal(size=60),
    })
    y = ((X["color"] == "red") ^ (X["v"] > 0)).astype(int).to_numpy()
    pre = make_column_transformer(
        (OneHotEncoder(drop="first"), ["color"]),
        (OrdinalEncoder(), ["size"]),
        (StandardScaler(), ["v"]),
        remainder="passthrough",
    )
    model = make_pipeline(pre, LogisticRegression()).fit(X, y)
    assert is_linear_model(model)
    explanations = LinearExplainer(n_features=4).fit(X).explain(model, X[:8])
    onehot = pre.transform(X[:8])
    coef = model[-1].coef_[0]
    for i, e in enumerate(explanations):
        sign = 1.0 if e.class_index == 1 else -1.0
        by_name = dict(zip(e.feature_names, e.weights))
        assert np.isclose(by_name["color"], sign * onehot[i, :2] @ coef[:2])
        assert np.isclose(e.weights.sum() + e.intercept,
                          sign * model.decision_function(X[i : i + 1])[0])
        assert f"color={X['color'].iloc[i]}" in dict(e.as_list())
        assert "v" in dict(e.as_list())


def test_mixing_transformers_inside_a_column_transformer_are_refused(cancer):
    from sklearn.compose import make_column_transformer

    X, y = cancer
    model = make_pipeline(
        make_column_transformer((PCA(n_components=2), [0, 1, 2])), LogisticRegression()
    ).fit(X, y)
    assert not is_linear_model(model)
