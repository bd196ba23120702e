"""Stage 5, incrementally: update a fitted estimator with the rows a teach added.

A full refit costs as much as the first fit, so with a network on thousands
of rows every answer would wait seconds. An estimator that can continue
from its current state (``partial_fit``, or ``warm_start``) is updated
instead: with ``partial_fit`` on the new rows, their counterexamples and a
random *replay* sample of earlier rows (so the model is not pulled toward
the newest rows alone); with ``warm_start`` by a fit on the whole training
set that starts from the current weights.
"""

import copy
import inspect

import numpy as np
from sklearn.ensemble import BaseEnsemble

from ._loss_feedback import MASK_PARAMS, final_step, through_steps


def how_to_update(estimator):
    """``"partial_fit"``, ``"warm_start"`` or None for a fitted estimator.

    An ensemble's ``warm_start`` only adds members (trees, boosting
    iterations) and leaves the fitted ones as they are, so it would not
    learn the new rows: ensembles are refitted.
    """
    final = final_step(estimator)
    if hasattr(final, "partial_fit"):
        return "partial_fit"
    if "warm_start" in final.get_params(deep=False) and not _is_ensemble(final):
        return "warm_start"
    return None


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
    ``classes``.
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
    final, X, taken = through_steps(estimator, X, taken)
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
