"""skxil on a dask cluster: pools scored on workers, searches on the dask backend.

One in-process LocalCluster of two single-threaded workers for the module:
tasks still go through the scheduler and are serialised to the workers.
"""

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.model_selection import RightReasonsScorer
from skxil.query import score_pool, uncertainty_sampling

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    X, _, y, _, _ = make_confounded_classification(200, random_state=0)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, -1] = True  # the decoy
    return X, y, mask


def test_pool_is_scored_on_the_workers(client, data):
    X, y, _ = data
    learner = CaipiClassifier(random_state=0).fit(X[:60], y[:60])
    pool = da.from_array(X, chunks=(40, X.shape[1]))
    expected_idx, expected_rows = learner.query(X, 6)
    query_idx, rows = learner.query(pool, 6)
    np.testing.assert_array_equal(query_idx, expected_idx)
    np.testing.assert_array_equal(rows, expected_rows)
    assert len(client.run(lambda: 1)) == 2  # two workers did the work
    scores = score_pool(learner, pool.astype(np.float32), score="margin")
    np.testing.assert_allclose(
        scores.compute(), score_pool(learner, X, score="margin"), atol=1e-5
    )
    explanations = learner.explain(rows)  # the chosen rows only
    assert len(explanations) == 6


def test_learner_serialises_to_workers(client, data):
    X, y, mask = data
    learner = CaipiClassifier(random_state=0, n_counterexamples=2).fit(
        X[:60], y[:60], corrections=mask[:60]
    )
    learner.explain(X[:2])  # fills the explainer cache, which is not sent
    header, frames = distributed.protocol.serialize(learner)
    copy = distributed.protocol.deserialize(header, frames)
    np.testing.assert_array_equal(copy.predict_proba(X), learner.predict_proba(X))
    assert copy.explain(X[:3]) == learner.explain(X[:3])
    remote = client.submit(uncertainty_sampling, learner, X, 4).result()
    np.testing.assert_array_equal(remote[0], uncertainty_sampling(learner, X, 4)[0])


def _search(X, y, mask):
    with sklearn.config_context(enable_metadata_routing=True):
        learner = CaipiClassifier(LogisticRegression(), random_state=0)
        scorer = RightReasonsScorer(n_draws=4, random_state=0).set_score_request(corrections=True)
        search = GridSearchCV(
            learner.set_fit_request(corrections=True),
            {"n_counterexamples": [0, 1, 3]},
            scoring=scorer,
            cv=3,
            n_jobs=-1,
        )
        return search.fit(X, y, corrections=mask)


def test_grid_search_on_the_dask_backend(client, data):
    X, y, mask = data
    with joblib.parallel_config(backend="sequential"):
        reference = _search(X, y, mask)
    with joblib.parallel_config(backend="dask"):
        search = _search(X, y, mask)
    assert search.best_params_ == reference.best_params_ == {"n_counterexamples": 3}
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], reference.cv_results_[key])
    np.testing.assert_array_equal(search.predict(X), reference.predict(X))
