"""Class probabilities of a pool scored by a forest, in numba.

A forest's ``predict_proba`` on a 10 000-row pool is most of a CAIPI query
with a random forest. :mod:`skxil.explain._tree_predict` computes the same
probabilities, bit for bit, faster (``benchmarks/bench_pool_trees.py``).

This is done for a fitted :class:`~sklearn.ensemble.RandomForestClassifier`
or :class:`~sklearn.ensemble.ExtraTreesClassifier` (not a subclass, which may
compute its probabilities otherwise; a single decision tree's
``predict_proba`` takes a few ms) with one output, alone, at the
end of a :class:`~sklearn.pipeline.Pipeline` (whose earlier steps transform
the rows as its ``predict_proba`` does) or wrapped by a
:class:`~skxil.CaipiClassifier` fitted on arrays, on a dense numeric pool
whose values are finite as float32 (the dtype trees compare in). A forest
uses as many threads as its ``n_jobs`` (at most numba's); the
probabilities are those of its ``predict_proba`` with one job (with more,
scikit-learn adds the trees' in the order its threads finish, which moves
the last bits). Anything else, a model fitted on a
DataFrame (whose column names ``predict_proba`` checks) and a pool with
missing or infinite values (which ``predict_proba`` accepts or refuses with
its own message) go through ``predict_proba`` unchanged.
"""

# Authors: The skxil developers
# License: BSD 3 clause

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from .._loss_feedback import final_step, through_steps
from ..explain._tree_predict import forest_routes, n_threads, replays
from ._models import plain_model


def tree_proba(classifier, X):
    """``classifier.predict_proba(X)`` replayed in numba, or None.

    None means that the path does not apply (see the module docstring) and
    ``predict_proba`` is to be called.
    """
    model = plain_model(classifier)
    if model is None or type(X) is not np.ndarray or X.ndim != 2:
        return None  # np.matrix too: predict_proba refuses it
    if X.dtype.kind not in "biuf":
        return None
    final = final_step(model)
    first = model
    while isinstance(first, Pipeline):
        first = first.steps[0][1]
    if not (scores_pools(final) and hasattr(final, "estimators_")) or X.shape[0] == 0:
        return None
    if hasattr(first, "feature_names_in_") or hasattr(final, "feature_names_in_"):
        return None  # fitted on a DataFrame: let it check the column names
    if X.shape[1] != getattr(first, "n_features_in_", -1):
        return None  # predict_proba raises the error its users know
    _, rows, _ = through_steps(model, X, {})
    if not (isinstance(rows, np.ndarray) and rows.ndim == 2 and rows.dtype.kind in "biuf"):
        return None
    if rows.shape[1] != final.n_features_in_:
        return None
    with np.errstate(over="ignore"):
        rows = np.ascontiguousarray(rows, dtype=np.float32)
    if not np.isfinite(rows.sum(dtype=np.float64)):
        return None  # NaN or inf: predict_proba accepts or says which
    threads = n_threads(getattr(final, "n_jobs", None))
    return forest_routes(final).proba(rows, threads)


def scores_pools(final):
    """Whether pools scored by ``final`` are replayed: scikit-learn's own
    forests (:func:`~skxil.explain._tree_predict.replays`). A single tree's
    ``predict_proba`` takes a few ms even on 10^5 rows, about what this
    path's checks and float32 copy cost (``benchmarks/bench_pool_trees.py``)."""
    return replays(final) and not isinstance(final, DecisionTreeClassifier)

