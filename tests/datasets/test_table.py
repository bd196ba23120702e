"""make_confounded_table: a mixed-type table with a string decoy."""

import pytest
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil.datasets import make_confounded_table

pd = pytest.importorskip("pandas")


def _model():
    return make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
            (StandardScaler(), make_column_selector(dtype_include="number")),
        ),
        LogisticRegression(max_iter=1000),
    )


def test_shapes_dtypes_and_reproducibility():
    X, X_test, y, y_test, relevant = make_confounded_table(101, random_state=3)
    assert X.shape == (50, 7) and X_test.shape == (51, 7)
    assert X["shop"].isna().any() and isinstance(X["shop"].dtype, pd.CategoricalDtype)
    assert str(X["income"].dtype) == "Int64" and X["member"].dtype == bool
    assert list(X.columns[relevant]) == ["age", "visits", "color", "member"]
    again = make_confounded_table(101, random_state=3)
    pd.testing.assert_frame_equal(X, again[0])


def test_the_decoy_leaks_in_training_only():
    X, X_test, y, y_test, relevant = make_confounded_table(2000, random_state=0)
    leak = (X["site"] == "site_b").to_numpy() == (y == 1).to_numpy()
    assert leak.mean() > 0.95
    assert abs(((X_test["site"] == "site_b").to_numpy() == (y_test == 1)).mean() - 0.5) < 0.05
    confounded = _model().fit(X, y).score(X_test, y_test)
    right = _model().fit(X.drop(columns="site"), y).score(X_test.drop(columns="site"), y_test)
    assert right > confounded + 0.15


@pytest.mark.parametrize(
    "kwargs, message",
    [({"n_samples": 2}, "n_samples"), ({"decoy_noise": 2.0}, "decoy_noise"),
     ({"test_size": 1.0}, "test_size"), ({"n_samples": 5, "test_size": 0.9}, "each split")],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_confounded_table(**kwargs)
