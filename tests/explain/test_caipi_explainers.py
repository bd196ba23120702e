"""How CaipiClassifier chooses and runs its explainer (explainer="auto")."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.explain import (
    FastLimeExplainer,
    GradientExplainer,
    LimeExplainer,
    LinearExplainer,
    TreeExplainer,
)


@pytest.fixture(scope="module")
def data():
    X, X_pool, y, y_pool, relevant = make_confounded_classification(200, random_state=0)
    return X, y, X_pool


@pytest.mark.parametrize(
    "estimator, expected",
    [
        (None, LinearExplainer),
        (make_pipeline(StandardScaler(), LogisticRegression()), LinearExplainer),
        (LinearSVC(), LinearExplainer),
        (DecisionTreeClassifier(random_state=0), TreeExplainer),
        (MLPClassifier((4,), max_iter=20, random_state=0), GradientExplainer),
        (KNeighborsClassifier(), FastLimeExplainer),
        (make_pipeline(PolynomialFeatures(), LogisticRegression()), FastLimeExplainer),
    ],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_auto_picks_an_exact_explainer_where_one_applies(
    data, estimator, expected
):
    X, y, X_pool = data
    learner = CaipiClassifier(estimator, random_state=0).fit(X, y)
    assert learner.explainer == "auto"
    assert type(learner.explainer_) is expected


def test_auto_is_resolved_after_fitting(data):
    X, y, X_pool = data
    learner = CaipiClassifier(random_state=0).fit(X, y)
    assert isinstance(learner.explainer_, LinearExplainer)
    learner.set_params(estimator=DecisionTreeClassifier(random_state=0)).fit(X, y)
    assert isinstance(learner.explainer_, TreeExplainer)
    learner.set_params(estimator=KNeighborsClassifier()).fit(X, y)
    assert isinstance(learner.explainer_, FastLimeExplainer)
    assert learner.explainer_.random_state is not None  # seeded from the learner


def test_linear_default_explains_exactly(data):
    X, y, X_pool = data
    learner = CaipiClassifier(random_state=0).fit(X, y)
    (e,) = learner.explain(X_pool[:1])
    coef = learner.estimator_.coef_[0]
    sign = 1.0 if e.class_index == 1 else -1.0
    np.testing.assert_allclose(
        e.weights, sign * coef[e.features] * X_pool[0, e.features]
    )
    # the decoy (last column) dominates the uncorrected model
    assert X.shape[1] - 1 in e.features


@pytest.mark.parametrize(
    "name, expected",
    [
        ("linear", LinearExplainer),
        ("fast_lime", FastLimeExplainer),
        ("lime", LimeExplainer),
    ],
)
def test_explainer_names(data, name, expected):
    X, y, _ = data
    learner = CaipiClassifier(explainer=name, random_state=0).fit(X, y)
    assert type(learner.explainer_) is expected
    with pytest.raises(ValueError, match="'explainer' parameter"):
        CaipiClassifier(explainer="shap").fit(X, y)


def test_fast_lime_in_the_loop_is_reproducible_and_uses_dataframes(data):
    pd = pytest.importorskip("pandas")
    X, y, X_pool = data
    columns = [f"f{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)

    def run():
        learner = CaipiClassifier(
            DecisionTreeClassifier(random_state=0),
            explainer=FastLimeExplainer(n_features=3, n_samples=200),
            random_state=1,
        ).fit(frame, y)
        return learner.explain(pd.DataFrame(X_pool[:2], columns=columns))

    with np.testing.assert_no_warnings():
        first = run()
    assert first == run()
    assert first[0].all_feature_names == columns
