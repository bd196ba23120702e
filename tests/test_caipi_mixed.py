"""CaipiClassifier on mixed-type DataFrames: str, category, bool, nullable columns."""

import pickle

import numpy as np
import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_table
from skxil.explain import FastLimeExplainer, LimeExplainer, LinearExplainer
from skxil.simulate import SimulatedUser, simulate

pd = pytest.importorskip("pandas")


def onehot_pipeline():
    pre = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
        (StandardScaler(), make_column_selector(dtype_include="number")),
    )
    return make_pipeline(pre, LogisticRegression(max_iter=1000))


def as_categories(X, reference=None):
    """str columns as ``category`` (what HistGradientBoosting reads)."""
    X = X.copy()
    for column in ("color", "site"):
        dtype = "category" if reference is None else reference[column].dtype
        X[column] = X[column].astype(dtype)
    return X


@pytest.fixture(scope="module")
def table():
    return make_confounded_table(400, random_state=0)


def site_mask(X):
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, X.columns.get_loc("site")] = True
    return mask


def test_the_wrapped_model_sees_the_users_dtypes(table):
    X, X_test, y, y_test, _ = table
    seen = []

    class Spy(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append(X.dtypes.astype(str).tolist())
            return super().fit(pd.get_dummies(X, dtype=float), y, sample_weight)

        def predict_proba(self, X):
            seen.append(X.dtypes.astype(str).tolist())
            return super().predict_proba(pd.get_dummies(X, dtype=float).reindex(
                columns=self.feature_names_in_, fill_value=0.0))

    learner = CaipiClassifier(Spy(max_iter=500), explainer="fast_lime",
                              random_state=0)
    learner.fit(X[:60], y[:60], corrections=site_mask(X[:60]))
    expected = X.dtypes.astype(str).tolist()
    assert seen[0] == expected  # real rows and counterexamples keep every dtype
    learner.predict_proba(X_test[:5])
    assert seen[-1] == expected


@pytest.mark.parametrize("strategy", ["randomize", "alternative", "substitute"])
def test_counterexamples_never_invent_values(table, strategy):
    X, _, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), n_counterexamples=5,
                              counterexample_strategy=strategy, random_state=0)
    corrected = ["site", "color", "member", "shop", "income"]
    learner.fit(X, y, corrections=[corrected] * 20 + [None] * (len(y) - 20))
    X_ce = learner.training_set_.X_ce
    assert X_ce.shape == (100, X.shape[1])
    assert (X_ce.dtypes == X.dtypes).all()
    assert X_ce["shop"].dtype == X["shop"].dtype  # same categories
    for column in ("site", "color", "member", "shop"):
        assert set(X_ce[column].dropna().tolist()) <= set(X[column].dropna().tolist())
        assert X[column].isna().any() or not X_ce[column].isna().any(), column
    source = learner.training_set_.source
    if strategy == "alternative":
        assert (X_ce["site"].to_numpy() != X["site"].to_numpy()[source]).all()
    untouched = ["age", "visits"]
    pd.testing.assert_frame_equal(
        X_ce[untouched].reset_index(drop=True),
        X.iloc[source][untouched].reset_index(drop=True),
    )


def test_randomize_draws_categories_by_training_frequency(table):
    X, _, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), n_counterexamples=200, random_state=0)
    learner.fit(X, y, corrections=[["member"]] * 10 + [None] * (len(y) - 10))
    share = learner.training_set_.X_ce["member"].mean()
    assert abs(share - X["member"].mean()) < 0.06  # 2000 draws, about 40% True


@pytest.mark.parametrize("explainer", ["auto", "linear", "fast_lime", "lime"])
def test_explanations_are_over_the_original_columns(table, explainer):
    X, X_test, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), explainer=explainer,
                              random_state=0).fit(X, y)
    if explainer == "lime":
        learner.set_params(explainer=LimeExplainer(n_features=7, n_samples=300))
    explanations = learner.explain(X_test[:10])
    e = explanations[0]
    assert e.all_feature_names == list(X.columns)
    assert e.n_features_in == X.shape[1]
    # the confounded model leans on the decoy
    tops = [x.feature_names[0] for x in explanations]
    assert max(set(tops), key=tops.count) == "site"
    labels = dict(e.as_list())
    assert f"site={X_test['site'].iloc[0]}" in labels
    assert f"color={X_test['color'].iloc[0]}" in labels
    assert "age" in labels


def test_auto_is_exact_on_a_one_hot_pipeline(table):
    X, X_test, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), random_state=0).fit(X, y)
    assert isinstance(learner.explainer_, LinearExplainer)
    for e, margin in zip(learner.explain(X_test[:5]),
                         learner.decision_function(X_test[:5])):
        sign = 1.0 if e.class_index == 1 else -1.0
        assert np.isclose(e.weights.sum() + e.intercept, sign * margin)


def test_feature_names_are_the_shown_features(table):
    X, X_test, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), explainer=LinearExplainer(n_features=2),
                              random_state=0).fit(X, y)
    e = learner.explain(X_test[:1])[0]
    assert len(e.feature_names) == 2 and "income" not in e.feature_names
    assert "site" in e.feature_names


def test_unseen_values_and_missing_numbers_when_explaining(table):
    X, X_test, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), explainer="fast_lime",
                              random_state=0).fit(X, y)
    row = X_test[:1].copy()
    row["color"] = "purple"  # never seen in training
    e = learner.explain(row)[0]
    assert "color=purple" in dict(e.as_list())
    row = X_test[:1].copy()
    row["income"] = pd.array([None], dtype="Int64")
    with pytest.raises(ValueError, match="Row 0, column 'income'.*missing"):
        learner.explain(row)


def test_hist_gradient_boosting_on_category_dtypes(table):
    X, X_test, y, y_test, _ = table
    Xc = as_categories(X)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                           max_iter=30, random_state=0)
    learner = CaipiClassifier(model, explainer=FastLimeExplainer(n_samples=300),
                              n_counterexamples=2, random_state=0)
    learner.fit(Xc, y, corrections=site_mask(Xc))
    assert (learner.training_set_.X_ce.dtypes == Xc.dtypes).all()
    e = learner.explain(as_categories(X_test[:1], Xc))[0]
    assert e.all_feature_names == list(X.columns)
    assert learner.score(as_categories(X_test, Xc), y_test) > 0.6


def test_query_teach_predict_score_and_a_new_category_value(table):
    X, X_test, y, y_test, _ = table
    learner = CaipiClassifier(onehot_pipeline(), random_state=0).fit(X[:20], y[:20])
    idx, rows = learner.query(X[20:])
    assert isinstance(rows, pd.DataFrame) and (rows.dtypes == X.dtypes).all()
    learner.teach(rows, y[20:].to_numpy()[idx], corrections=[["site"]])
    assert learner.training_set_.n_real == 21
    assert (learner.training_set_.X.dtypes == X.dtypes).all()
    assert learner.predict(X_test).shape == (len(X_test),)
    assert 0.0 <= learner.score(X_test, y_test) <= 1.0
    bad = X[:1].copy()
    bad["shop"] = bad["shop"].cat.add_categories(["Zagreb"])
    bad.loc[0, "shop"] = "Zagreb"
    before = learner.training_set_
    with pytest.raises(ValueError, match="Row 0, column 'shop'.*'Zagreb'"):
        learner.teach(bad, [1])
    assert learner.training_set_ is before


def test_correcting_the_decoy_generalises(table):
    X, X_test, y, y_test, _ = table
    mask = site_mask(X)
    plain = CaipiClassifier(onehot_pipeline(), n_counterexamples=0,
                            random_state=0).fit(X, y, corrections=mask)
    corrected = CaipiClassifier(onehot_pipeline(), n_counterexamples=3,
                                random_state=0).fit(X, y, corrections=mask)
    assert corrected.score(X_test, y_test) > plain.score(X_test, y_test) + 0.1


def test_grid_search_cross_val_and_pickle(table):
    X, X_test, y, _, _ = table
    mask = site_mask(X)
    search = GridSearchCV(
        CaipiClassifier(onehot_pipeline(), random_state=0),
        {"n_counterexamples": [0, 2]}, cv=3,
    ).fit(X, y, corrections=mask)
    assert search.best_estimator_.training_set_.X_real.shape[1] == X.shape[1]
    scores = cross_val_score(CaipiClassifier(onehot_pipeline(), random_state=0),
                             X, y, cv=3, params={"corrections": mask})
    assert scores.shape == (3,)
    learner = search.best_estimator_
    learner.explain(X_test[:1])
    again = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(again.predict_proba(X_test), learner.predict_proba(X_test))
    assert again.explain(X_test[:1]) == learner.explain(X_test[:1])


def test_skops_round_trip_mid_loop(table):
    sio = pytest.importorskip("skops.io")
    X, X_test, y, _, _ = table
    learner = CaipiClassifier(onehot_pipeline(), random_state=0)
    learner.fit(X[:30], y[:30], corrections=site_mask(X[:30]))
    learner.explain(X_test[:1])
    blob = sio.dumps(learner)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    pd.testing.assert_frame_equal(loaded.training_set_.X, learner.training_set_.X)
    for model in (learner, loaded):
        model.teach(X[30:35], y[30:35], corrections=[["site"]] * 5)
    pd.testing.assert_frame_equal(loaded.training_set_.X, learner.training_set_.X)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), learner.predict_proba(X_test))


def test_simulate_on_a_mixed_table(table):
    X, X_test, y, y_test, relevant = table
    learner = CaipiClassifier(onehot_pipeline(), explainer=LinearExplainer(n_features=3),
                              random_state=0).fit(X[:10], y[:10])
    history = simulate(learner, X[10:120], y[10:120].to_numpy(), SimulatedUser(relevant),
                       n_iter=10, X_test=X_test, y_test=y_test.to_numpy(), random_state=0)
    assert history.records[-1]["n_corrections"] > 0


def test_object_columns_stay_object_and_pickling_leaves_the_learner_alone():
    from sklearn.dummy import DummyClassifier

    df = pd.DataFrame({"num": np.arange(40.0),
                       "shop": pd.Series(list("ab") * 20, dtype=object),
                       "f32": np.linspace(0, 1, 40).astype(np.float32)})
    learner = CaipiClassifier(DummyClassifier(), random_state=0)
    learner.fit(df, np.arange(40) % 2, corrections=[["shop"]] * 40)
    assert learner.training_set_.X_ce["shop"].dtype == object
    learner.explain(df.iloc[:1])
    cache = learner._explainer_cache
    again = pickle.loads(pickle.dumps(learner))
    assert learner._explainer_cache is cache  # pickling does not change the learner
    assert again.training_set_.X_real["shop"].dtype == object
    pd.testing.assert_frame_equal(again.training_set_.X_real, learner.training_set_.X_real)
    space = learner._explainer_cache[1][1]
    samples = space.encoder.decode(space.background[:5])
    assert samples["shop"].dtype == object and samples["f32"].dtype == np.float32
