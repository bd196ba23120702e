"""TreeExplainer's predictions: read off the SHAP values, equal to the model's own."""

import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from _tree_fixtures import classification_data, one_openmp_thread  # noqa: F401

from skxil import CaipiClassifier
from skxil.explain import TreeExplainer
from skxil.explain._tree import _predictions, _tree_parts

MODELS = {
    "tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
    "forest": lambda: RandomForestClassifier(n_estimators=5, random_state=0),
    "extra": lambda: ExtraTreesClassifier(n_estimators=5, random_state=0),
    "boosting": lambda: GradientBoostingClassifier(n_estimators=5, random_state=0),
    "exponential": lambda: GradientBoostingClassifier(
        n_estimators=5, loss="exponential", random_state=0
    ),
    "hist": lambda: HistGradientBoostingClassifier(max_iter=5, random_state=0),
    "pipeline": lambda: make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=3, random_state=0)
    ),
}


@pytest.fixture(scope="module")
def data():
    X, y = classification_data()
    X[::9, 2] = np.nan  # the models that cannot take them get X without
    return X, y


def _assert_as_the_model(model, rows, explanations):
    proba = model.predict_proba(rows)
    labels = [e.class_index for e in explanations]
    np.testing.assert_array_equal(model.classes_[labels], model.predict(rows))
    assert [e.predicted_class for e in explanations] == list(model.predict(rows))
    np.testing.assert_allclose(
        [e.proba for e in explanations],
        proba[np.arange(len(rows)), labels],
        rtol=0,
        atol=1e-12,
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", list(MODELS))
def test_labels_and_proba_equal_the_models(data, name, n_classes):
    X, ys = data
    if name not in ("hist", "tree", "forest", "extra"):
        X = np.nan_to_num(X)
    y = ys[n_classes]
    if name == "exponential" and n_classes == 3:
        y = ys[2]
    model = MODELS[name]().fit(X[:200], y[:200])
    explanations = TreeExplainer(n_features=3).explain(model, X[200:])
    _assert_as_the_model(model, X[200:], explanations)
    assert all(0.0 <= e.proba <= 1.0 for e in explanations)
    parts = _tree_parts(model)
    values, base, read = TreeExplainer()._shap_values(parts, X[200:])
    output = base + values.sum(axis=1)
    proba, _ = _predictions((model, parts[1], *read), X[200:], output)
    # the model's own inverse link on the model's own output
    np.testing.assert_allclose(proba, model.predict_proba(X[200:]), rtol=0, atol=1e-12)


def test_the_model_is_not_asked_unless_a_row_is_a_tie(data):
    X, ys = data
    X = np.nan_to_num(X)
    calls = []

    class Counted(RandomForestClassifier):
        def predict_proba(self, X):
            calls.append(len(X))
            return super().predict_proba(X)

    model = Counted(n_estimators=7, max_depth=3, random_state=0).fit(X, ys[3])
    TreeExplainer().explain(model, X[:50])
    assert calls == []


class _Own(RandomForestClassifier):
    """A forest with its own predict, which must be asked."""

    def predict(self, X):
        return np.repeat(self.classes_[-1], len(X))


def test_ties_are_broken_as_the_model_breaks_them(data, monkeypatch):
    X, ys = data
    X = np.nan_to_num(X)
    for y in ys.values():
        # two fully grown trees: where they disagree, two classes get 0.5 each
        model = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
        proba = model.predict_proba(X)
        assert np.any(np.sort(proba, axis=1)[:, -2] == 0.5)
        _assert_as_the_model(model, X, TreeExplainer().explain(model, X))
        # impure leaves: near-ties decided by the float sums of the fractions
        shallow = RandomForestClassifier(n_estimators=6, max_depth=3, random_state=0)
        shallow.fit(X, y)
        _assert_as_the_model(shallow, X, TreeExplainer().explain(shallow, X))
    # a subclass's own predict decides its ties
    own = _Own(n_estimators=2, random_state=0).fit(X, ys[3])
    proba = own.predict_proba(X)
    tied = np.sort(proba, axis=1)[:, -2] == 0.5
    explanations = TreeExplainer().explain(own, X)
    assert {explanations[i].class_index for i in np.flatnonzero(tied)} == {2}
    # scikit-learn's own forests are replayed from the trees, not asked
    pipeline = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=2))
    pipeline.fit(X, ys[3])

    def unasked(self, X):
        raise AssertionError("predict was called")

    monkeypatch.setattr(RandomForestClassifier, "predict", unasked)
    explanations = TreeExplainer().explain(pipeline, X)
    proba = pipeline.predict_proba(X)
    assert np.any(np.sort(proba, axis=1)[:, -2] == 0.5)
    assert [e.class_index for e in explanations] == list(np.argmax(proba, axis=1))
    tree = DecisionTreeClassifier().fit(np.zeros((4, 2)), [0, 1, 0, 1])
    _assert_as_the_model(tree, X[:3, :2], TreeExplainer().explain(tree, X[:3, :2]))
    # a zero margin: GradientBoosting predicts classes_[1], HistGradientBoosting
    # classes_[0], where the probabilities are 0.5 each
    constant = np.zeros((40, 3))
    y = np.tile(["no", "yes"], 20)
    for model in (
        GradientBoostingClassifier(n_estimators=3, init="zero"),
        HistGradientBoostingClassifier(max_iter=3),
    ):
        model.fit(constant, y)
        np.testing.assert_array_equal(model.predict_proba(constant[:4]), 0.5)
        explanations = TreeExplainer().explain(model, constant[:4])
        _assert_as_the_model(model, constant[:4], explanations)
    ties = TreeExplainer().explain(CaipiClassifier(model).fit(constant, y), constant)
    assert {e.predicted_class for e in ties} == {"no"}


def test_rows_transformed_once_through_a_pipeline(data):
    X, ys = data
    X = np.nan_to_num(X)
    calls = []

    class Counted(StandardScaler):
        def transform(self, X, copy=None):
            calls.append(len(X))
            return super().transform(X, copy=copy)

    model = make_pipeline(Counted(), MODELS["forest"]()).fit(X, ys[2])
    calls.clear()
    explanations = TreeExplainer().explain(model, X[:30])
    assert calls == [30]
    _assert_as_the_model(model, X[:30], explanations)


def test_parameters_set_after_a_call_are_checked(data):
    X, ys = data
    model = MODELS["forest"]().fit(np.nan_to_num(X), ys[2])
    explainer = TreeExplainer(n_features=2)
    assert len(explainer.explain(model, np.nan_to_num(X[:1]))[0].features) == 2
    explainer.set_params(n_features=0)
    with pytest.raises(ValueError, match="n_features"):
        explainer.explain(model, np.nan_to_num(X[:1]))
    with pytest.raises(ValueError, match="n_features"):
        explainer.shap_values(model, np.nan_to_num(X[:1]))
    explainer.set_params(n_features=4)
    assert len(explainer.explain(model, np.nan_to_num(X[:1]))[0].features) == 4
