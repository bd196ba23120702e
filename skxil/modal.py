"""modAL-compatible ``ActiveLearner`` and ``Committee`` on top of :class:`~skxil.CaipiClassifier`.

`modAL <https://modal-python.readthedocs.io>`_ scripts keep working with one
changed import::

    from skxil.modal import ActiveLearner, Committee

and gain CAIPI's corrections: ``teach(X, y, corrections=...)`` turns each
corrected row into counterexamples before the refit. Every strategy function
of :mod:`modAL.uncertainty`, :mod:`modAL.batch`, :mod:`modAL.disagreement`
(the classifier ones) and :mod:`modAL.density` runs on these objects, as do
skxil's own :mod:`skxil.query` strategies.

The objects follow modAL's semantics rather than scikit-learn's: the
constructor fits when ``X_training`` is given, ``estimator`` is the fitted
model once the learner is fitted, and ``X_training`` / ``y_training`` grow
with every :meth:`ActiveLearner.teach`. Use :class:`~skxil.CaipiClassifier`
itself with scikit-learn's model-selection tools.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import copy
import warnings
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_features, _num_samples, column_or_1d

from ._caipi import _EXPLAINERS, CaipiClassifier
from .query import uncertainty_sampling, vote_entropy_sampling
from .utils._validation import check_query_result

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Self

    from .explain import Explanation
    from .utils._typing import ArrayLike, MatrixLike, RandomStateLike

__all__ = ["ActiveLearner", "Committee"]


# ----------------------------------------------------------------- helpers
def _rows(X, idx):
    """``X[idx]`` for arrays, sparse matrices, DataFrames and lists."""
    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    return _safe_indexing(X, np.asarray(idx, dtype=np.intp))


def _vstack(first, second):
    """Stack ``second`` under ``first``, in ``first``'s container."""
    if sparse.issparse(first) or sparse.issparse(second):
        return sparse.vstack([first, second], format="csr")
    if hasattr(first, "iloc"):
        import pandas as pd

        if not hasattr(second, "iloc"):
            second = pd.DataFrame(np.asarray(second), columns=first.columns)
        return pd.concat([first, second])
    if isinstance(first, list):
        return first + list(second)
    return np.concatenate([np.asarray(first), np.asarray(second)])


def _num_cols(X):
    try:
        return _num_features(X)
    except TypeError:  # documents
        return None


def _correction_list(corrections, n_rows):
    """Correction sets as one entry per row, so that they follow row indexing."""
    if corrections is None:
        return [None] * n_rows
    if sparse.issparse(corrections):
        corrections = corrections.tocsr()
        rows = [corrections[i].indices.tolist() for i in range(corrections.shape[0])]
    elif hasattr(corrections, "iloc") or (
        isinstance(corrections, np.ndarray) and corrections.ndim == 2
    ):
        mask = np.asarray(corrections)
        if mask.dtype != bool:
            raise ValueError(
                "corrections given as a 2-D array must be a boolean mask of shape "
                f"(n_samples, n_features); got dtype {mask.dtype}."
            )
        rows = [np.flatnonzero(row).tolist() for row in mask]
    elif isinstance(corrections, (str, bytes)) or not hasattr(corrections, "__len__"):
        raise TypeError(
            "corrections must be None, a sequence with one correction set per row or "
            f"a boolean mask; got {type(corrections).__name__}."
        )
    else:
        rows = list(corrections)
    if len(rows) != n_rows:
        raise ValueError(
            f"corrections has {len(rows)} entries but X has {n_rows} rows; give one "
            "correction set (or None) per row."
        )
    return rows


def _or_none(corrections):
    """``None`` when no row is corrected (the learner's fast path)."""
    if all(c is None or (hasattr(c, "__len__") and len(c) == 0) for c in corrections):
        return None
    return list(corrections)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


def _transform(estimator, X):
    """modAL's ``transform_without_estimating``: every step but the model's."""
    pipes = [estimator]
    if not isinstance(estimator, Pipeline):
        pipes = [
            e for e in getattr(estimator, "estimators_", []) if isinstance(e, Pipeline)
        ]
        if isinstance(getattr(estimator, "estimators_", None), np.ndarray):
            pipes = []  # homogeneous ensembles (bagging) have no pipelines to use
    Xt = [pipe[:-1].transform(X) for pipe in pipes if isinstance(pipe, Pipeline)]
    return _hstack(Xt) if Xt else X


def _hstack(blocks):
    """Blocks of columns side by side (sparse if any block is)."""
    if any(sparse.issparse(b) for b in blocks):
        return sparse.hstack(blocks, format="csr")
    return np.hstack([np.asarray(b) for b in blocks])


def _run_strategy(model, X_pool, query_args, return_metrics, query_kwargs):
    """Call the query strategy once; return modAL's tuple."""
    result = model.query_strategy(model, X_pool, *query_args, **query_kwargs)
    query_idx, metrics = check_query_result(result, _num_samples(X_pool))
    rows = _rows(X_pool, query_idx)
    if not return_metrics:
        return query_idx, rows
    if metrics is None:
        warnings.warn(
            "The query strategy returns no metrics; query_metrics is None.",
            UserWarning,
            stacklevel=3,
        )
    return query_idx, rows, metrics


# ----------------------------------------------------------- ActiveLearner
class ActiveLearner(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """modAL's ``ActiveLearner`` built on :class:`~skxil.CaipiClassifier`.

    A drop-in replacement for :class:`modAL.models.ActiveLearner` (modAL
    0.4.2's constructor, :meth:`query`, :meth:`teach`, :meth:`fit` and
    attributes) whose :meth:`teach` also takes CAIPI's corrections: the
    features a row's explanation relies on but should not. Each corrected row
    gets ``n_counterexamples`` counterexamples in the training set of the
    :class:`~skxil.CaipiClassifier` held inside.

    Parameters
    ----------
    estimator : estimator object, default=None
        The classifier (or Pipeline) to train; never modified, a clone is
        fitted. ``None`` means :class:`~sklearn.linear_model.LogisticRegression`.
        Once the learner is fitted, the ``estimator`` attribute is the fitted
        model, as in modAL.

    query_strategy : callable, default=skxil.query.uncertainty_sampling
        ``f(learner, X_pool, *query_args, **query_kwargs)`` returning indices
        or ``(indices, metrics)``: any function of :mod:`skxil.query`,
        :mod:`modAL.uncertainty` or :mod:`modAL.batch`.

    X_training : {array-like, sparse matrix, DataFrame} or sequence of str, \
            default=None
        Initial training rows; when given the learner is fitted at once.

    y_training : array-like of shape (n_samples,), default=None
        Their labels.

    bootstrap_init : bool, default=False
        Fit the initial model on a bootstrap resample of ``X_training``
        (for bagging committees).

    on_transformed : bool, default=False
        Whether modAL strategies that measure distances
        (:func:`modAL.batch.uncertainty_batch_sampling`) work on the rows as
        transformed by the pipeline's steps before its model.

    corrections : sequence or boolean mask, default=None
        Correction sets of ``X_training`` (one entry per row, feature indices
        or column names, or a mask), as in :meth:`skxil.CaipiClassifier.fit`.

    explainer : {"auto", "linear", "fast_lime", "lime"} or explainer object, \
            default="auto"
        The explainer of :meth:`explain`; see :class:`~skxil.CaipiClassifier`.

    n_counterexamples : int, default=3
        Counterexamples per corrected row.

    random_state : int, RandomState instance or None, default=None
        Seeds bootstrap resamples, counterexamples and explanations.

    **fit_kwargs : dict
        Passed to ``estimator.fit`` for the initial fit (modAL's behaviour).

    Attributes
    ----------
    estimator : estimator object
        The fitted model (``caipi_.estimator_``) once fitted, else the template.

    X_training : same container as the training rows, or None
        Every labelled row taught so far (not the counterexamples); rows
        taught with ``only_new=True`` are not kept, as in modAL.

    y_training : ndarray of shape (n_samples,) or None
        Their labels.

    corrections_training : list
        The correction set of each row of ``X_training`` (``None`` if none).

    caipi_ : CaipiClassifier
        The fitted CAIPI learner; ``caipi_.training_set_`` holds the real rows
        the model was last fitted on plus their counterexamples.

    classes_ : ndarray of shape (n_classes,)
        Class labels of the fitted model.

    See Also
    --------
    Committee : Query by committee over several of these learners.
    skxil.CaipiClassifier : The scikit-learn estimator underneath.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skxil.modal import ActiveLearner
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = ActiveLearner(KNeighborsClassifier(n_neighbors=3),
    ...                         X_training=X[[0, 50, 100]], y_training=y[[0, 50, 100]],
    ...                         random_state=0)
    >>> query_idx, query_rows = learner.query(X)
    >>> learner = learner.teach(query_rows, y[query_idx], corrections=[[1]])
    >>> learner.X_training.shape, learner.caipi_.training_set_.n_counterexamples
    ((4, 4), 3)
    >>> type(learner.estimator).__name__
    'KNeighborsClassifier'
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "query_strategy": [callable],
        "X_training": "no_validation",
        "y_training": "no_validation",
        "bootstrap_init": ["boolean"],
        "on_transformed": ["boolean"],
        "corrections": "no_validation",
        "explainer": [StrOptions(set(_EXPLAINERS)), HasMethods(["fit", "explain"])],
        "n_counterexamples": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        query_strategy: Callable = uncertainty_sampling,
        X_training: MatrixLike | None = None,
        y_training: ArrayLike | None = None,
        bootstrap_init: bool = False,
        on_transformed: bool = False,
        *,
        corrections: Any = None,
        explainer: Any = "auto",
        n_counterexamples: int = 3,
        random_state: RandomStateLike = None,
        **fit_kwargs: Any,
    ) -> None:
        self.estimator = estimator
        self.query_strategy = query_strategy
        self.X_training = None
        self.y_training = None
        self.bootstrap_init = bootstrap_init
        self.on_transformed = on_transformed
        self.corrections = corrections
        self.explainer = explainer
        self.n_counterexamples = n_counterexamples
        self.random_state = random_state
        self.corrections_training = []
        self._validate_params()
        # modAL fits in the constructor; the seeds of later fits derive from this one.
        self._seed = int(
            check_random_state(random_state).randint(np.iinfo(np.int32).max)
        )
        self._n_fits = 0
        if X_training is None:
            if y_training is not None:
                raise ValueError("y_training was given without X_training.")
            if corrections is not None:
                raise ValueError("corrections was given without X_training.")
            return
        if y_training is None:
            raise ValueError("X_training was given without y_training.")
        self._set(
            self._fitted(
                X_training,
                y_training,
                corrections,
                bootstrap_init,
                fit_kwargs,
                keep=True,
            )
        )

    # The estimator attribute is the template until fitted, then the fitted model.
    @property
    def estimator(self):
        caipi = self.__dict__.get("caipi_")
        return self._estimator if caipi is None else caipi.estimator_

    @estimator.setter
    def estimator(self, value):
        self._estimator = value
        self.__dict__.pop("caipi_", None)

    @property
    def classes_(self):
        """Class labels of the fitted model."""
        return self._check_fitted().classes_

    # ------------------------------------------------------------ state
    def _check_fitted(self):
        caipi = self.__dict__.get("caipi_")
        if caipi is None:
            raise NotFittedError(
                "This ActiveLearner is not fitted yet: give X_training and "
                "y_training, or call fit or teach first."
            )
        return caipi

    def _set(self, state):
        for name, value in state.items():
            if name == "caipi_":
                self.__dict__["caipi_"] = value
            else:
                setattr(self, name, value)

    def _new_caipi(self, seed):
        return CaipiClassifier(
            self._estimator,
            explainer=self.explainer,
            n_counterexamples=self.n_counterexamples,
            random_state=seed,
        )

    def _check_new(self, X, y, corrections, reset=False):
        """Validate rows to add; return y as an array and the corrections as a list.

        ``reset`` (``fit``) allows another number of features than ``X_training``.
        """
        try:
            n_rows = _num_samples(X)
        except TypeError as exc:
            raise TypeError(
                "X must be array-like, a sparse matrix, a DataFrame or a sequence of "
                f"documents, got {type(X).__name__}."
            ) from exc
        y = column_or_1d(np.asarray(y, dtype=None), warn=True)
        if len(y) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(y)} labels.")
        if self.X_training is not None and not reset:
            expected, got = _num_cols(self.X_training), _num_cols(X)
            if expected != got:
                raise ValueError(
                    f"X has {got} features, but this ActiveLearner was trained on "
                    f"{expected} features."
                )
        return y, _correction_list(corrections, n_rows)

    def _fitted(self, X, y, corrections, bootstrap, fit_kwargs, keep, reset=False):
        """The state after fitting a fresh CAIPI learner on ``X`` (nothing is set).

        ``keep`` makes ``X`` the new ``X_training`` (``fit``, ``teach``);
        ``teach(only_new=True)`` fits on ``X`` but keeps the old rows.
        """
        bootstrap = _check_bool(bootstrap, "bootstrap")
        if keep:
            y, corrections = self._check_new(X, y, corrections, reset=reset)
        seed = int(
            np.random.SeedSequence([self._seed, self._n_fits]).generate_state(1)[0]
        )
        X_fit, y_fit, c_fit = X, y, corrections
        if bootstrap:
            idx = np.random.RandomState(seed).randint(0, len(y), len(y))
            X_fit, y_fit = _rows(X, idx), y[idx]
            c_fit = [corrections[i] for i in idx]
            if hasattr(X_fit, "iloc"):
                X_fit = X_fit.reset_index(drop=True)
        caipi = self._new_caipi(seed).fit(
            X_fit, y_fit, corrections=_or_none(c_fit), **fit_kwargs
        )
        state = {"caipi_": caipi, "_n_fits": self._n_fits + 1}
        # The CAIPI learner can be taught incrementally while it holds exactly
        # X_training and no fit parameters of its own.
        state["_in_sync"] = keep and not bootstrap and not fit_kwargs
        if keep:
            state.update(X_training=X, y_training=y, corrections_training=corrections)
        else:
            state["_in_sync"] = False
        return state

    def _taught(self, X, y, bootstrap, only_new, corrections, fit_kwargs):
        """The state after ``teach`` (nothing is set until everything succeeded)."""
        bootstrap = _check_bool(bootstrap, "bootstrap")
        only_new = _check_bool(only_new, "only_new")
        y, corrections = self._check_new(X, y, corrections)
        if only_new:
            return self._fitted(X, y, corrections, bootstrap, fit_kwargs, keep=False)
        if self.X_training is None:
            return self._fitted(X, y, corrections, bootstrap, fit_kwargs, keep=True)
        X_all = _vstack(self.X_training, X)
        y_all = np.concatenate([self.y_training, y])
        c_all = list(self.corrections_training) + corrections
        if bootstrap or fit_kwargs or not self.__dict__.get("_in_sync", False):
            return self._fitted(X_all, y_all, c_all, bootstrap, fit_kwargs, keep=True)
        # Incremental CAIPI round: earlier counterexamples stay, the new rows get theirs.
        caipi = copy.copy(self.caipi_)
        caipi.teach(X, y, corrections=_or_none(corrections))
        return {
            "caipi_": caipi,
            "X_training": X_all,
            "y_training": y_all,
            "corrections_training": c_all,
            "_in_sync": True,
        }

    # modAL's private hooks, so that modAL's own Committee can drive these learners.
    def _add_training_data(self, X, y, corrections=None):
        y, corrections = self._check_new(X, y, corrections)
        if self.X_training is None:
            X_all, y_all = X, y
        else:
            X_all = _vstack(self.X_training, X)
            y_all = np.concatenate([self.y_training, y])
        self.X_training, self.y_training = X_all, y_all
        self.corrections_training = list(self.corrections_training) + corrections
        self._in_sync = False

    def _fit_to_known(self, bootstrap=False, **fit_kwargs):
        if self.X_training is None:
            raise NotFittedError("This ActiveLearner has no training rows to fit on.")
        self._set(
            self._fitted(
                self.X_training,
                self.y_training,
                self.corrections_training,
                bootstrap,
                fit_kwargs,
                keep=True,
            )
        )
        return self

    def _fit_on_new(self, X, y, bootstrap=False, **fit_kwargs):
        y, corrections = self._check_new(X, y, None)
        self._set(self._fitted(X, y, corrections, bootstrap, fit_kwargs, keep=False))
        return self

    # ------------------------------------------------------------ public
    def fit(self, X, y, bootstrap=False, corrections=None, **fit_kwargs):
        """Forget the training rows and fit on ``X``, ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
                or sequence of str
            Training rows; they become ``X_training``.

        y : array-like of shape (n_samples,)
            Labels.

        bootstrap : bool, default=False
            Fit on a bootstrap resample of the rows (seeded by
            ``random_state``); ``X_training`` keeps all of them.

        corrections : sequence or boolean mask, default=None
            Correction sets of the rows, as in
            :meth:`skxil.CaipiClassifier.fit`.

        **fit_kwargs : dict
            Passed to ``estimator.fit``.

        Returns
        -------
        self : ActiveLearner
            The fitted learner. All-or-nothing: on error nothing changes.
        """
        self._validate_params()
        self._set(
            self._fitted(
                X, y, corrections, bootstrap, fit_kwargs, keep=True, reset=True
            )
        )
        return self

    def teach(
        self,
        X: MatrixLike,
        y: ArrayLike,
        bootstrap: bool = False,
        only_new: bool = False,
        corrections: Any = None,
        **fit_kwargs: Any,
    ) -> Self:
        """Add labelled rows (with their corrections) and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features) \
                or sequence of str
            The new rows, usually the queried ones.

        y : array-like of shape (n_rows,)
            Their labels.

        bootstrap : bool, default=False
            Fit on a bootstrap resample of the training rows.

        only_new : bool, default=False
            Fit on the new rows only and do not add them to ``X_training``
            (modAL's option for models that train incrementally).

        corrections : sequence or boolean mask, default=None
            Correction sets of the new rows: each corrected row gets
            ``n_counterexamples`` counterexamples.

        **fit_kwargs : dict
            Passed to ``estimator.fit``.

        Returns
        -------
        self : ActiveLearner
            The updated learner (modAL returns None). All-or-nothing: if
            anything fails, the learner is left as it was.
        """
        self._validate_params()
        self._set(self._taught(X, y, bootstrap, only_new, corrections, fit_kwargs))
        return self

    def query(
        self,
        X_pool: MatrixLike,
        *query_args: Any,
        return_metrics: bool = False,
        **query_kwargs: Any,
    ) -> tuple:
        """Pick the most informative rows of ``X_pool`` with ``query_strategy``.

        Parameters
        ----------
        X_pool : {array-like, sparse matrix, DataFrame} of shape (n_pool, n_features)
            Unlabelled rows.

        *query_args : tuple
            Passed to the strategy after the pool.

        return_metrics : bool, default=False
            Also return the strategy's scores of the chosen rows.

        **query_kwargs : dict
            Passed to the strategy (``n_instances=...``).

        Returns
        -------
        query_idx : ndarray of shape (n_instances,)
            Indices of the chosen rows.

        X_query : same container as ``X_pool``
            ``X_pool[query_idx]``.

        query_metrics : ndarray or None
            Only with ``return_metrics=True``.
        """
        return_metrics = _check_bool(return_metrics, "return_metrics")
        return _run_strategy(self, X_pool, query_args, return_metrics, query_kwargs)

    def transform_without_estimating(self, X):
        """Apply the fitted pipeline's steps before its model (modAL's hook).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        Xt : ndarray or sparse matrix
            The transformed rows, or ``X`` itself when the model is not a
            pipeline.
        """
        return _transform(self.estimator, X)

    def predict(self, X, **predict_kwargs):
        """Predict labels with the fitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_kwargs : dict
            Passed to the model's ``predict``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        return self._check_fitted().predict(X, **predict_kwargs)

    def predict_proba(self, X, **predict_proba_kwargs):
        """Class probabilities from the fitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_proba_kwargs : dict
            Passed to the model's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return self._check_fitted().predict_proba(X, **predict_proba_kwargs)

    def score(self, X, y, **score_kwargs):
        """Score of the fitted model (accuracy for classifiers).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test rows.

        y : array-like of shape (n_samples,)
            True labels.

        **score_kwargs : dict
            Passed to the model's ``score``.

        Returns
        -------
        score : float
            The score.
        """
        return self._check_fitted().score(X, y, **score_kwargs)

    def explain(self, X: MatrixLike) -> list[Explanation]:
        """Explain the model's predictions (CAIPI's stage 2).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            Rows to explain, usually the queried ones.

        Returns
        -------
        explanations : list of Explanation
            One :class:`~skxil.explain.Explanation` per row.
        """
        return self._check_fitted().explain(X)

    def __sklearn_is_fitted__(self):
        return "caipi_" in self.__dict__

    def __sklearn_clone__(self):
        # An unfitted learner with the same settings: the constructor would
        # otherwise refit on X_training and replace ``estimator``.
        explainer = self.explainer
        return type(self)(
            clone(self._estimator) if self._estimator is not None else None,
            self.query_strategy,
            bootstrap_init=self.bootstrap_init,
            on_transformed=self.on_transformed,
            explainer=explainer if isinstance(explainer, str) else clone(explainer),
            n_counterexamples=self.n_counterexamples,
            random_state=self.random_state,
        )


# --------------------------------------------------------------- Committee
class Committee(BaseEstimator):
    """modAL's query-by-committee ``Committee`` over :class:`ActiveLearner` members.

    A drop-in replacement for :class:`modAL.models.Committee`: the members
    vote, disagreement-based strategies (:mod:`modAL.disagreement`) pick the
    rows they dispute, and :meth:`teach` teaches every member, corrections
    included. All-or-nothing: if one member fails, none is changed.

    Parameters
    ----------
    learner_list : list of ActiveLearner
        The members, :class:`skxil.modal.ActiveLearner` objects.

    query_strategy : callable, default=skxil.query.vote_entropy_sampling
        ``f(committee, X_pool, *query_args, **query_kwargs)``. The default
        queries the rows whose predicted labels are most evenly split among
        the members (as :func:`modAL.disagreement.vote_entropy_sampling`);
        the other committee strategies of :mod:`skxil.query` and modAL's
        disagreement and uncertainty functions can be passed too.

    on_transformed : bool, default=False
        Whether distance-based strategies work on the rows as transformed by
        each member's pipeline (concatenated).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or None
        The union of the members' classes; ``None`` while a member is unfitted.

    n_classes_ : int
        ``len(classes_)``, 0 while a member is unfitted.

    X_training : container or None
        The training rows of all members stacked (a row known to several
        members repeats); ``None`` when no member has any.

    See Also
    --------
    ActiveLearner : A member.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skxil.modal import ActiveLearner, Committee
    >>> X, y = load_iris(return_X_y=True)
    >>> members = [
    ...     ActiveLearner(RandomForestClassifier(random_state=0),
    ...                   X_training=X[[0, 50, 100]], y_training=y[[0, 50, 100]]),
    ...     ActiveLearner(KNeighborsClassifier(n_neighbors=1),
    ...                   X_training=X[[1, 51, 101]], y_training=y[[1, 51, 101]]),
    ... ]
    >>> committee = Committee(learner_list=members)
    >>> query_idx, query_rows = committee.query(X)
    >>> committee = committee.teach(query_rows, y[query_idx])
    >>> committee.classes_, committee.vote(X[:2]).shape
    (array([0, 1, 2]), (2, 2))
    """

    _parameter_constraints: dict = {
        "learner_list": [list],
        "query_strategy": [callable],
        "on_transformed": ["boolean"],
    }

    def __init__(
        self,
        learner_list: list[ActiveLearner],
        query_strategy: Callable = vote_entropy_sampling,
        on_transformed: bool = False,
    ) -> None:
        self.learner_list = learner_list
        self.query_strategy = query_strategy
        self.on_transformed = on_transformed
        self._validate_params()
        for i, learner in enumerate(learner_list):
            if not isinstance(learner, ActiveLearner):
                raise TypeError(
                    f"learner_list[{i}] must be a skxil.modal.ActiveLearner, got "
                    f"{type(learner).__name__}."
                )
        if not learner_list:
            raise ValueError("learner_list must hold at least one ActiveLearner.")

    def __iter__(self):
        return iter(self.learner_list)

    def __len__(self):
        return len(self.learner_list)

    @property
    def classes_(self):
        """Union of the members' classes, or None while a member is unfitted."""
        try:
            known = [learner.classes_ for learner in self.learner_list]
        except NotFittedError:
            return None
        return np.unique(np.concatenate(known))

    @property
    def n_classes_(self):
        """Number of classes known to the committee."""
        classes = self.classes_
        return 0 if classes is None else len(classes)

    @property
    def X_training(self):
        """The members' training rows, stacked."""
        blocks = [m.X_training for m in self.learner_list if m.X_training is not None]
        if not blocks:
            return None
        stacked = blocks[0]
        for block in blocks[1:]:
            stacked = _vstack(stacked, block)
        return stacked

    @property
    def y_training(self):
        """The labels of :attr:`X_training`."""
        blocks = [m.y_training for m in self.learner_list if m.y_training is not None]
        return np.concatenate(blocks) if blocks else None

    def _all(self, update):
        """Compute every member's new state, then set them all (all-or-nothing)."""
        states = [update(learner) for learner in self.learner_list]
        for learner, state in zip(self.learner_list, states):
            learner._set(state)
        return self

    def fit(self, X, y, bootstrap=False, corrections=None, **fit_kwargs):
        """Fit every member on ``X``, ``y`` (members forget their rows).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training rows.

        y : array-like of shape (n_samples,)
            Labels.

        bootstrap : bool, default=False
            Fit each member on its own bootstrap resample (bagging).

        corrections : sequence or boolean mask, default=None
            Correction sets of the rows.

        **fit_kwargs : dict
            Passed to each model's ``fit``.

        Returns
        -------
        self : Committee
            The fitted committee.
        """
        self._validate_params()
        return self._all(
            lambda m: m._fitted(
                X, y, corrections, bootstrap, fit_kwargs, keep=True, reset=True
            )
        )

    def teach(
        self,
        X: MatrixLike,
        y: ArrayLike,
        bootstrap: bool = False,
        only_new: bool = False,
        corrections: Any = None,
        **fit_kwargs: Any,
    ) -> Self:
        """Teach every member the new rows and their corrections.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features)
            New rows.

        y : array-like of shape (n_rows,)
            Their labels.

        bootstrap : bool, default=False
            Each member fits on a bootstrap resample of its rows.

        only_new : bool, default=False
            Members fit on the new rows only.

        corrections : sequence or boolean mask, default=None
            Correction sets of the new rows.

        **fit_kwargs : dict
            Passed to each model's ``fit``.

        Returns
        -------
        self : Committee
            The updated committee (modAL returns None).
        """
        self._validate_params()
        return self._all(
            lambda m: m._taught(X, y, bootstrap, only_new, corrections, fit_kwargs)
        )

    def rebag(self, **fit_kwargs):
        """Refit each member on a fresh bootstrap resample of its own rows.

        Parameters
        ----------
        **fit_kwargs : dict
            Passed to each model's ``fit``.

        Returns
        -------
        self : Committee
            The rebagged committee.
        """
        for i, m in enumerate(self.learner_list):
            if m.X_training is None:
                raise NotFittedError(
                    f"learner_list[{i}] has no training rows to rebag."
                )
        return self._all(
            lambda m: m._fitted(
                m.X_training,
                m.y_training,
                m.corrections_training,
                True,
                fit_kwargs,
                keep=True,
            )
        )

    def query(
        self,
        X_pool: MatrixLike,
        return_metrics: bool = False,
        *query_args: Any,
        **query_kwargs: Any,
    ) -> tuple:
        """Pick the rows the committee disputes most, with ``query_strategy``.

        The argument order is modAL's (``return_metrics`` second).

        Parameters
        ----------
        X_pool : {array-like, sparse matrix, DataFrame} of shape (n_pool, n_features)
            Unlabelled rows.

        return_metrics : bool, default=False
            Also return the strategy's scores of the chosen rows.

        *query_args : tuple
            Passed to the strategy after the pool.

        **query_kwargs : dict
            Passed to the strategy (``n_instances=...``).

        Returns
        -------
        query_idx : ndarray of shape (n_instances,)
            Indices of the chosen rows.

        X_query : same container as ``X_pool``
            ``X_pool[query_idx]``.

        query_metrics : ndarray or None
            Only with ``return_metrics=True``.
        """
        if not isinstance(return_metrics, (bool, np.bool_)):
            raise TypeError(
                f"return_metrics must be a bool, got {return_metrics!r}; pass the "
                "number of rows as n_instances=..."
            )
        return _run_strategy(
            self, X_pool, query_args, bool(return_metrics), query_kwargs
        )

    def transform_without_estimating(self, X):
        """Each member's pipeline transform of ``X``, side by side (modAL's hook).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        Returns
        -------
        Xt : ndarray or sparse matrix
            The concatenated transforms.
        """
        return _hstack([m.transform_without_estimating(X) for m in self.learner_list])

    def vote(self, X, **predict_kwargs):
        """Each member's predicted label for each row.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_kwargs : dict
            Passed to each member's ``predict``.

        Returns
        -------
        votes : ndarray of shape (n_samples, n_learners)
            Labels, in the labels' own dtype (modAL casts them to float).
        """
        return np.column_stack(
            [m.predict(X, **predict_kwargs) for m in self.learner_list]
        )

    def vote_proba(self, X, **predict_proba_kwargs):
        """Each member's class probabilities, aligned on :attr:`classes_`.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_proba_kwargs : dict
            Passed to each member's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_learners, n_classes)
            Probabilities; a class a member has not seen gets 0.
        """
        classes = self.classes_
        if classes is None:
            raise NotFittedError("Every member of the Committee must be fitted.")
        proba = np.zeros((_num_samples(X), len(self.learner_list), len(classes)))
        for i, m in enumerate(self.learner_list):
            columns = np.searchsorted(classes, m.classes_)
            proba[:, i, columns] = m.predict_proba(X, **predict_proba_kwargs)
        return proba

    def predict_proba(self, X, **predict_proba_kwargs):
        """Consensus probabilities: the members' mean.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_proba_kwargs : dict
            Passed to each member's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Mean probabilities.
        """
        return self.vote_proba(X, **predict_proba_kwargs).mean(axis=1)

    def predict(self, X, **predict_proba_kwargs):
        """The consensus label: the class of highest mean probability.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows.

        **predict_proba_kwargs : dict
            Passed to each member's ``predict_proba``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels.
        """
        return self.classes_[
            np.argmax(self.predict_proba(X, **predict_proba_kwargs), axis=1)
        ]

    def score(self, X, y, sample_weight=None):
        """Accuracy of the consensus prediction.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test rows.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights.

        Returns
        -------
        score : float
            Mean accuracy.
        """
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
