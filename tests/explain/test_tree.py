"""TreeExplainer: exact path-dependent TreeSHAP, checked against shap and by definition."""

import pickle

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from _tree_fixtures import classification_data, one_openmp_thread  # noqa: F401

from skxil import CaipiClassifier
from skxil.explain import TreeExplainer, is_tree_model
from skxil.explain._tree import _flatten
from skxil.explain._tree_reference import shap_values_by_definition

shap = pytest.importorskip("shap")

MODELS = {
    "tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
    "forest": lambda: RandomForestClassifier(
        n_estimators=4, max_depth=5, random_state=0
    ),
    "extra": lambda: ExtraTreesClassifier(n_estimators=4, max_depth=5, random_state=0),
    "boosting": lambda: GradientBoostingClassifier(
        n_estimators=4, max_depth=3, random_state=0
    ),
    "hist": lambda: HistGradientBoostingClassifier(
        max_iter=4, max_depth=4, random_state=0
    ),
}


@pytest.fixture(scope="module")
def data():
    return classification_data()


def _model_output(model, X):
    """What the SHAP values add up to: probabilities or the raw margin."""
    if isinstance(model, (GradientBoostingClassifier, HistGradientBoostingClassifier)):
        return model.decision_function(X).reshape(len(X), -1)
    return model.predict_proba(X)


def _shap_reference(model, X):
    """shap's values (n, f, n_outputs) and base values; gradient boosting of
    three classes (which shap refuses) from its regression trees, by linearity."""
    if isinstance(model, GradientBoostingClassifier) and len(model.classes_) > 2:
        lr = model.learning_rate
        init = model._raw_predict_init(X[:1])[0]
        values = np.zeros((len(X), X.shape[1], len(model.classes_)))
        base = init.copy()
        for stage in model.estimators_:
            for k, tree in enumerate(stage):
                explainer = shap.TreeExplainer(tree)
                values[:, :, k] += lr * explainer.shap_values(X)
                base[k] += lr * np.ravel(explainer.expected_value)[0]
        return values, base
    explainer = shap.TreeExplainer(model)
    values = np.asarray(explainer.shap_values(X))
    if values.ndim == 2:
        values = values[:, :, None]
    return values, np.ravel(explainer.expected_value)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", list(MODELS))
def test_values_equal_shaps_and_add_up_to_the_output(data, name, n_classes):
    X, ys = data
    model = MODELS[name]().fit(X[:200], ys[n_classes][:200])
    values, base = TreeExplainer().shap_values(model, X[200:])
    expected_values, expected_base = _shap_reference(model, X[200:])
    np.testing.assert_allclose(values, expected_values, rtol=0, atol=1e-6)
    np.testing.assert_allclose(base, expected_base, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        base + values.sum(axis=1), _model_output(model, X[200:]), rtol=0, atol=1e-9
    )


@pytest.mark.parametrize("name", ["hist", "forest"])
def test_missing_values_go_where_the_model_sends_them(data, name):
    X, ys = data
    X = X.copy()
    rng = np.random.default_rng(0)
    X[rng.random(X.shape) < 0.2] = np.nan
    for y in ys.values():
        model = MODELS[name]().fit(X[:200], y[:200])
        values, base = TreeExplainer().shap_values(model, X[200:])
        expected_values, expected_base = _shap_reference(model, X[200:])
        np.testing.assert_allclose(values, expected_values, rtol=0, atol=1e-6)
        np.testing.assert_allclose(base, expected_base, rtol=0, atol=1e-6)
        np.testing.assert_allclose(
            base + values.sum(axis=1), _model_output(model, X[200:]), atol=1e-9
        )


def test_kernel_equals_the_definition_on_small_trees(data):
    X, ys = data
    X = X[:, :4].copy()
    X[::7, 1] = np.nan
    # a deep tree on four features meets each of them again along a path
    deep = DecisionTreeClassifier(max_depth=7, random_state=0).fit(X[:200], ys[3][:200])
    stump = DecisionTreeClassifier(max_depth=1).fit(X[:200], ys[2][:200])
    hist = HistGradientBoostingClassifier(max_iter=3, max_depth=5).fit(
        X[:200], ys[2][:200]
    )
    for model in (deep, stump, hist):
        flat = _flatten(model)
        values, _ = TreeExplainer().shap_values(model, X[200:212])
        np.testing.assert_allclose(
            values, shap_values_by_definition(flat, X[200:212]), rtol=0, atol=1e-12
        )


def test_categorical_splits_of_histogram_boosting():
    rng = np.random.default_rng(0)
    color = rng.integers(0, 6, 400).astype(float)
    other = rng.normal(size=(400, 2))
    y = (np.isin(color, [1, 4]) ^ (other[:, 0] > 0.5)).astype(int)
    X = np.column_stack([color, other])
    model = HistGradientBoostingClassifier(
        max_iter=5, max_depth=3, categorical_features=[0], random_state=0
    ).fit(X[:300], y[:300])
    assert model._predictors[0][0].nodes["is_categorical"].any()
    rows = X[300:340].copy()
    rows[:3, 0] = [np.nan, 9.0, -1.0]  # missing, unknown and negative categories
    values, base = TreeExplainer().shap_values(model, rows)
    np.testing.assert_allclose(
        base + values.sum(axis=1), _model_output(model, rows), rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        values, shap_values_by_definition(_flatten(model), rows), rtol=0, atol=1e-12
    )


def test_categorical_dtype_columns_of_a_dataframe():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=300),
            "color": pd.Categorical(rng.choice(["red", "green", "blue"], 300)),
            "weight": rng.normal(size=300),
        }
    )
    y = ((frame["color"] == "red") ^ (frame["weight"] > 0)).to_numpy().astype(int)
    model = HistGradientBoostingClassifier(
        max_iter=4, max_depth=3, categorical_features="from_dtype", random_state=0
    ).fit(frame, y)
    explainer = TreeExplainer(n_features=3).fit(frame)
    values, base = explainer.shap_values(model, frame[:20])
    np.testing.assert_allclose(
        base + values.sum(axis=1), _model_output(model, frame[:20]), atol=1e-9
    )
    # the model's trees read the categorical column first
    inner = shap_values_by_definition(
        _flatten(model), model._preprocessor.transform(frame[:20])
    )
    np.testing.assert_allclose(values[:, [1, 0, 2]], inner, rtol=0, atol=1e-12)
    e = explainer.explain(model, frame[:1])[0]
    assert set(e.feature_names) == {"size", "color", "weight"}
    assert any(label.startswith("color=") for label, _ in e.as_list())


def test_pipeline_values_belong_to_the_input_columns(data):
    pd = pytest.importorskip("pandas")
    X, ys = data
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"a": X[:, 0], "color": rng.choice(["r", "g", "b"], len(X)), "b": X[:, 1]}
    )
    y = ys[2] ^ (frame["color"] == "r").to_numpy()
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(), ["color"]), ("num", StandardScaler(), ["a", "b"])]
    )
    model = make_pipeline(
        encode, RandomForestClassifier(n_estimators=3, random_state=0)
    )
    model.fit(frame[:200], y[:200])
    values, _ = TreeExplainer().shap_values(model, frame[200:])
    inner, _ = _shap_reference(model[-1], model[0].transform(frame[200:]))
    expected = np.stack(
        [inner[:, 3], inner[:, :3].sum(axis=1), inner[:, 4]], axis=1
    )  # one-hot columns first, then a and b
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-6)
    scaled = make_pipeline(StandardScaler(), MODELS["boosting"]()).fit(
        X[:200], ys[2][:200]
    )
    values, _ = TreeExplainer().shap_values(scaled, X[200:])
    inner, _ = _shap_reference(scaled[-1], scaled[0].transform(X[200:]))
    np.testing.assert_allclose(values, inner, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["forest", "boosting"])
def test_explanations_of_the_predicted_class(data, name):
    X, ys = data
    for n_classes, y in ys.items():
        model = MODELS[name]().fit(X[:200], y[:200])
        names = [f"f{j}" for j in range(X.shape[1])]
        explainer = TreeExplainer(n_features=X.shape[1]).fit(X, feature_names=names)
        explanations = explainer.explain(model, X[200:230])
        proba = model.predict_proba(X[200:230])
        output = _model_output(model, X[200:230])
        for e, p, out in zip(explanations, proba, output):
            label = int(np.argmax(p))
            assert e.class_index == label
            assert e.predicted_class == model.classes_[label]
            assert e.proba == pytest.approx(p[label])
            assert np.all(np.diff(np.abs(e.weights)) <= 0)
            total = e.intercept + e.weights.sum()
            if output.shape[1] == 1:  # one margin: signed towards the prediction
                assert total == pytest.approx(out[0] if label == 1 else -out[0])
            else:
                assert total == pytest.approx(out[label])
            assert e.all_feature_names == names
        top3 = TreeExplainer(n_features=3).explain(model, X[200:201])[0]
        np.testing.assert_array_equal(top3.features, explanations[0].features[:3])
        assert top3.feature_names == [f"x{j}" for j in top3.features]
        assert {e.class_index for e in explanations} == set(range(n_classes))


def test_sparse_and_list_rows_equal_dense_ones(data):
    from scipy import sparse

    X, ys = data
    model = MODELS["forest"]().fit(np.where(X > 0.5, X, 0.0), ys[2])
    rows = np.where(X[:5] > 0.5, X[:5], 0.0)
    dense = TreeExplainer().explain(model, rows)
    assert TreeExplainer().explain(model, sparse.csr_matrix(rows)) == dense
    assert TreeExplainer().explain(model, rows.tolist()) == dense


def test_a_single_class_and_a_single_leaf(data):
    X, _ = data
    y = np.zeros(len(X), dtype=int)
    for model in (DecisionTreeClassifier(), RandomForestClassifier(n_estimators=2)):
        model.fit(X, y)
        e = TreeExplainer().fit(X.tolist()).explain(model, X[:1])[0]
        assert e.predicted_class == 0 and e.class_index == 0
        assert e.intercept == pytest.approx(1.0) and e.proba == pytest.approx(1.0)
        np.testing.assert_array_equal(e.weights, 0.0)


def test_image_rows_get_heat_maps():
    rng = np.random.default_rng(0)
    X = rng.random((120, 16))
    y = (X[:, 5] > 0.5).astype(int)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    e = TreeExplainer(n_features=2, shape=(4, 4)).fit(X).explain(model, X[:1])[0]
    assert e.shape == (4, 4)
    assert e.features[0] == 5
    np.testing.assert_array_equal(e.instance, X[0])


def test_flattening_is_cached_per_fitted_model(data):
    X, ys = data
    model = MODELS["forest"]().fit(X, ys[2])
    explainer = TreeExplainer()
    explainer.explain(model, X[:2])
    flat = explainer._flat_cache[2]
    explainer.explain(model, X[2:4])
    assert explainer._flat_cache[2] is flat
    before = explainer.shap_values(model, X[:5])[0]
    model.fit(X, ys[3])  # refitted in place: new trees
    after = explainer.shap_values(model, X[:5])[0]
    assert explainer._flat_cache[2] is not flat and after.shape[2] == 3
    assert before.shape[2] == 2
    other = MODELS["hist"]().fit(X, ys[2])
    explainer.explain(other, X[:2])
    assert explainer._flat_cache[0] is other
    clone = pickle.loads(pickle.dumps(explainer))
    assert not hasattr(clone, "_flat_cache")
    assert clone.explain(other, X[:2]) == explainer.explain(other, X[:2])


def test_a_forest_sharing_trees_reuses_their_flattening(data):
    import copy

    from skxil.explain import _tree

    X, ys = data
    model = RandomForestClassifier(n_estimators=6, random_state=0).fit(X, ys[3])
    fresh = RandomForestClassifier(n_estimators=2, random_state=1).fit(X, ys[3])
    updated = copy.copy(model)  # as CaipiClassifier(incremental=True) makes it
    updated.estimators_ = model.estimators_[2:] + fresh.estimators_
    explainer = TreeExplainer()
    explainer.shap_values(model, X[:3])
    pieces = [_tree._fraction_piece(e) for e in model.estimators_]
    built = []
    sklearn_piece = _tree._sklearn_piece
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            _tree, "_sklearn_piece", lambda *a: built.append(1) or sklearn_piece(*a)
        )
        values = explainer.shap_values(updated, X[:20])[0]
    assert len(built) == 2  # the two new trees only
    assert all(_tree._fraction_piece(e) is p for e, p in zip(model.estimators_, pieces))
    _tree._PIECES.clear()
    np.testing.assert_array_equal(TreeExplainer().shap_values(updated, X[:20])[0], values)
    np.testing.assert_allclose(
        values.sum(axis=1) + explainer.shap_values(updated, X[:1])[1],
        updated.predict_proba(X[:20]),
        atol=1e-12,
    )


def test_threads_give_the_same_values(data):
    X, ys = data
    model = MODELS["forest"]().fit(X[:200], ys[3][:200])
    serial, _ = TreeExplainer().shap_values(model, X)
    parallel, _ = TreeExplainer(n_jobs=2).shap_values(model, X)
    np.testing.assert_array_equal(parallel, serial)


def test_caller_data_untouched_and_deterministic(data):
    X, ys = data
    X = X.copy()
    X[0, 0] = np.nan
    model = MODELS["hist"]().fit(X, ys[2])
    rows = X[:10].copy()
    first = TreeExplainer().explain(model, rows)
    np.testing.assert_array_equal(rows, X[:10])
    assert TreeExplainer().explain(model, rows) == first


def test_is_tree_model(data):
    X, ys = data
    for make in MODELS.values():
        assert is_tree_model(make())
        assert is_tree_model(make().fit(X, ys[2]))
    pipe = make_pipeline(StandardScaler(), MODELS["forest"]()).fit(X, ys[2])
    assert is_tree_model(pipe)
    assert is_tree_model(make_pipeline(StandardScaler(), MODELS["forest"]()))
    assert is_tree_model(CaipiClassifier(MODELS["tree"]()).fit(X[:50], ys[2][:50]))
    assert not is_tree_model(LogisticRegression())
    assert not is_tree_model(DecisionTreeRegressor())
    mixed = make_pipeline(PCA(3), MODELS["forest"]()).fit(X, ys[2])
    assert not is_tree_model(mixed)
    custom_init = GradientBoostingClassifier(
        n_estimators=2, init=LogisticRegression()
    ).fit(X, ys[2])
    assert not is_tree_model(custom_init)
    two_outputs = DecisionTreeClassifier(max_depth=2).fit(
        X, np.column_stack([ys[2]] * 2)
    )
    assert not is_tree_model(two_outputs)


def test_through_a_caipi_classifier(data):
    X, ys = data
    learner = CaipiClassifier(MODELS["forest"](), explainer=TreeExplainer(n_features=3))
    learner.fit(X[:60], ys[2][:60])
    explanation = learner.explain(X[100:101])[0]
    direct = TreeExplainer(n_features=3).explain(learner.estimator_, X[100:101])[0]
    assert explanation == direct
    assert TreeExplainer(n_features=3).explain(learner, X[100:101])[0] == direct


def test_errors_name_the_problem(data):
    X, ys = data
    explainer = TreeExplainer().fit(X)
    with pytest.raises(TypeError, match="got LogisticRegression.*FastLimeExplainer"):
        explainer.explain(LogisticRegression().fit(X, ys[2]), X[:1])
    with pytest.raises(TypeError, match="RandomForestClassifier is not fitted"):
        explainer.explain(RandomForestClassifier(), X[:1])
    forest = MODELS["forest"]().fit(X, ys[2])
    with pytest.raises(
        ValueError, match="X has 4 features, but the explainer was fitted on 6"
    ):
        explainer.explain(forest, X[:1, :4])
    with pytest.raises(ValueError, match="fitted on 6 features; the rows give it 4"):
        TreeExplainer().explain(forest, X[:1, :4])
    mixed = make_pipeline(PCA(3), MODELS["forest"]()).fit(X, ys[2])
    with pytest.raises(ValueError, match="PCA mixes or changes features"):
        explainer.explain(mixed, X[:1])
    two = DecisionTreeClassifier(max_depth=2).fit(X, np.column_stack([ys[2]] * 2))
    with pytest.raises(ValueError, match="has 2 outputs"):
        explainer.explain(two, X[:1])
    custom = GradientBoostingClassifier(n_estimators=2, init=LogisticRegression())
    with pytest.raises(ValueError, match="its init is LogisticRegression"):
        explainer.explain(custom.fit(X, ys[2]), X[:1])
    rows = X[:2].copy()
    rows[1, 3] = np.inf
    with pytest.raises(ValueError, match="Row 1, column 3: the value is infinite"):
        explainer.explain(forest, rows)
    with pytest.raises(ValueError, match="feature_names has 2 entries but X has 6"):
        TreeExplainer().fit(X, feature_names=["a", "b"])
    with pytest.raises(ValueError, match="n_features"):
        TreeExplainer(n_features=0).fit(X)
    assert explainer.explain(forest, X[:0]) == []
