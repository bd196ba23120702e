"""Stage 5, incrementally: update a fitted estimator with the rows a teach added.

A full refit costs as much as the first fit, so with a network on thousands
of rows every answer would wait seconds. An estimator that can continue
from its current state (``partial_fit``, or ``warm_start``) is updated
instead: with ``partial_fit`` on the new rows, their counterexamples and a
random *replay* sample of earlier rows (so the model is not pulled toward
the newest rows alone); with ``warm_start`` by a fit on the whole training
set that starts from the current weights. A bagged forest's trees are
independent of each other, so its oldest trees are replaced by trees fitted
on the whole training set, a few per update.
"""

import copy
import inspect
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import BaseEnsemble, ExtraTreesClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline

from ._loss_feedback import MASK_PARAMS, final_step, through_steps

_BAGGED = (RandomForestClassifier, ExtraTreesClassifier)


def how_to_update(estimator):
    """``"partial_fit"``, ``"trees"``, ``"warm_start"`` or None for a fitted
    estimator.

    A bagged forest (random forest, extra trees) has its trees refreshed
    (:func:`tree_update`), unless it keeps out-of-bag scores, which need
    every tree's bootstrap sample of the same rows. Other ensembles'
    ``warm_start`` only adds members (boosting iterations) and leaves the
    fitted ones as they are, so it would not learn the new rows: they are
    refitted.
    """
    final = final_step(estimator)
    if hasattr(final, "partial_fit"):
        return "partial_fit"
    if isinstance(final, _BAGGED) and not final.oob_score:
        return "trees"
    if "warm_start" in final.get_params(deep=False) and not _is_ensemble(final):
        return "warm_start"
    return None


def n_trees_to_refresh(estimator, trees_per_update):
    """How many trees :func:`tree_update` refits: ``trees_per_update`` trees,
    or that fraction of the forest's trees, rounded (at least one)."""
    n_trees = len(final_step(estimator).estimators_)
    if isinstance(trees_per_update, Integral):
        return min(int(trees_per_update), n_trees)
    # rounded as scikit-learn rounds a forest's fractional max_samples
    return min(max(1, round(trees_per_update * n_trees)), n_trees)


def tree_update(estimator, training_set, update):
    """``estimator`` with its forest's ``n_trees`` oldest trees replaced.

    The new trees are those a fit of the forest with ``n_estimators=n_trees``
    and ``random_state=seed`` grows on the whole training set (with
    ``weight``, the sample weights, or None), as the forest's earlier Pipeline
    steps, left as fitted, transform it; ``update`` carries ``n_trees``,
    ``seed`` and ``weight``. None if the earlier steps cannot transform the
    rows or those trees would not see every class of the forest (then it is
    refitted). The updated forest has no ``estimators_samples_``: its trees
    were grown on different rows. They go last, so that the first trees are
    always the oldest. The original is kept: the result is a shallow copy
    sharing the trees it keeps (fitted trees are never changed in place).
    """
    through = _through_fitted_steps(estimator, training_set.X, {})
    if through is None:
        return None
    final, X, _ = through
    fresh = clone(final).set_params(
        n_estimators=update["n_trees"], warm_start=False, random_state=update["seed"]
    )
    fresh.fit(X, training_set.y, sample_weight=update["weight"])
    if not np.array_equal(fresh.classes_, final.classes_):
        return None  # trees of other classes cannot be averaged with these
    forest = copy.copy(final)
    forest.estimators_ = final.estimators_[update["n_trees"] :] + fresh.estimators_
    # The trees now saw different rows: the forest's record of one training
    # set (which estimators_samples_ reads) would describe none of them.
    for name in ("_n_samples", "_n_samples_bootstrap"):
        forest.__dict__.pop(name, None)
    return _with_final(estimator, forest)


def _through_fitted_steps(estimator, X, masks):
    """:func:`~._loss_feedback.through_steps`, or None when the fitted
    earlier steps cannot transform the rows (e.g. a category the encoder has
    not seen, which a full refit learns)."""
    try:
        return through_steps(estimator, X, masks)
    except ValueError:
        return None


def _with_final(estimator, final):
    """``estimator`` with ``final`` as its last step (inside nested
    Pipelines): shallow copies of the Pipelines, the other steps shared."""
    if not isinstance(estimator, Pipeline):
        return final
    pipeline = copy.copy(estimator)
    name, last = estimator.steps[-1]
    pipeline.steps = [*estimator.steps[:-1], (name, _with_final(last, final))]
    return pipeline


def _is_ensemble(estimator):
    return isinstance(estimator, BaseEnsemble) or type(estimator).__module__.startswith(
        "sklearn.ensemble"
    )


def new_positions(training_set, fitted_rows):
    """Positions in ``training_set.X`` of the rows added since ``fitted_rows``.

    ``fitted_rows`` is ``(n_real, n_counterexamples)`` when the estimator was
    last fitted; rows are only ever appended between two fits.
    """
    n_real_old, n_ce_old = fitted_rows
    n_real = training_set.n_real
    real = np.arange(n_real_old, n_real)
    ce = n_real + np.arange(n_ce_old, training_set.n_counterexamples)
    old = np.concatenate([np.arange(n_real_old), n_real + np.arange(n_ce_old)])
    return np.concatenate([real, ce]).astype(np.intp), old.astype(np.intp)


def partial_update(estimator, training_set, fitted_rows, update):
    """A copy of ``estimator`` updated by ``partial_fit``; the original is kept.

    ``update`` carries ``n_replay``, ``random_state`` (a RandomState),
    ``weight`` (the sample weights of ``training_set.X`` or None) and
    ``classes``. None when the earlier Pipeline steps, as fitted, cannot
    transform the rows (then it is refitted).
    """
    new, old = new_positions(training_set, fitted_rows)
    n_replay = min(update["n_replay"], old.size)
    replay = update["random_state"].choice(old, size=n_replay, replace=False)
    rows = np.concatenate([new, np.sort(replay)]).astype(np.intp)
    estimator = copy.deepcopy(estimator)
    X, y, masks = training_set.take(rows)
    taken = {
        name: masks[name]
        for name in MASK_PARAMS
        if name in masks and partial_fit_takes(estimator, name)
    }
    through = _through_fitted_steps(estimator, X, taken)
    if through is None:
        return None
    final, X, taken = through
    params = {"classes": update["classes"], **taken}
    if update["weight"] is not None:
        params["sample_weight"] = update["weight"][rows]
    final.partial_fit(X, y, **params)
    return estimator


def warm_update(estimator, fit):
    """A copy of ``estimator`` with ``warm_start=True``, refitted by ``fit``."""
    estimator = copy.deepcopy(estimator)
    final_step(estimator).set_params(warm_start=True)
    fit(estimator)
    return estimator


def _takes(method, name):
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def partial_fit_takes(estimator, name):
    """Whether the final step's ``partial_fit`` takes the parameter ``name``."""
    return _takes(final_step(estimator).partial_fit, name)
