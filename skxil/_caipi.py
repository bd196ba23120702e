"""CaipiClassifier: the explanatory interactive learner (CAIPI) as a meta-estimator.

The class only orchestrates the five stages: query strategies
(:mod:`skxil.query`), explainers (:mod:`skxil.explain`), the user's answer
(given to :meth:`CaipiClassifier.teach`), counterexamples
(:mod:`skxil.counterexamples`) and the augmented training set
(:mod:`skxil._training_set`).
"""

from __future__ import annotations

import copy
import inspect
from contextlib import contextmanager
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    _is_arraylike_not_scalar,
    _num_samples,
    check_is_fitted,
    has_fit_parameter,
)

from . import query as _query
from ._incremental import (
    how_to_update,
    n_trees_to_refresh,
    partial_fit_takes,
    partial_update,
    tree_update,
    warm_update,
)
from ._inputs import DocumentsInput, _RawSpace, check_labels, input_kind
from ._loss_feedback import accepted_masks, final_step, fit_with_masks
from ._training_set import TrainingSet, take_rows
from ._warm_up import warm_up_explainer, warm_up_kernels, warm_up_scoring
from .counterexamples import COUNTEREXAMPLE_STRATEGIES, TEXT_COUNTEREXAMPLE_STRATEGIES
from .query._pool import is_dask_pool, query_dask_pool
from .utils._validation import check_corrections, check_query_result

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .explain import Explanation
    from .utils._typing import ArrayLike, MatrixLike, NDArray, RandomStateLike

_QUERY_STRATEGIES = {
    "uncertainty": _query.uncertainty_sampling,
    "margin": _query.margin_sampling,
    "entropy": _query.entropy_sampling,
    "random": _query.random_sampling,
}

_EXPLAINERS = ("auto", "linear", "gradient", "tree", "fast_lime", "lime")

# Tags of the random streams derived from the learner's seed. SeedSequence pads
# keys with zeros, so every key ends in a non-zero tag to keep streams apart.
_COUNTEREXAMPLES, _QUERY, _EXPLAIN, _REVIEW, _REPLAY, _TREES = 1, 2, 3, 4, 5, 6


def _wrapped_has(attr):
    """Check for :func:`available_if`: does the wrapped classifier have ``attr``?"""

    def check(self):
        if hasattr(self, "estimator_"):
            getattr(self.estimator_, attr)
        else:
            getattr(self._base_estimator(), attr)
        return True

    return check


class CaipiClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Explanatory interactive learner (CAIPI) around any scikit-learn classifier.

    Each round of the loop: :meth:`query` picks rows of an unlabelled pool,
    :meth:`explain` shows the model's prediction on them with a local
    explanation, and the user answers through :meth:`teach` with the labels
    and, where the model is right for the wrong reasons, a *correction set*:
    the features the model relies on but should not. Each corrected row is
    turned into counterexamples (copies whose corrected features are
    re-drawn, label unchanged) that join the training set before the wrapped
    estimator is refitted.

    Without corrections the learner behaves exactly like the wrapped
    estimator. It is a drop-in replacement for modAL's ``ActiveLearner``:
    :meth:`query` returns ``(query_idx, X_pool[query_idx])`` and modAL's
    query-strategy functions can be passed as ``query_strategy``.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or :class:`~sklearn.pipeline.Pipeline` to wrap; cloned into
        ``estimator_``. ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression`. Explanations and
        counterexamples live in the raw input space; a pipeline featurizes.

    query_strategy : {"uncertainty", "margin", "entropy", "random"} or \
            callable, default="uncertainty"
        How :meth:`query` ranks the pool. A callable has modAL's signature
        ``f(classifier, X, n_instances=1, **kwargs)`` and returns indices or
        ``(indices, scores)``; the learner passes itself as ``classifier``.

    explainer : {"auto", "linear", "gradient", "tree", "fast_lime", "lime"} \
            or explainer object, default="auto"
        Stage 2, with the explainer's defaults: ``"linear"`` is
        :class:`~skxil.explain.LinearExplainer` (exact contributions, for
        linear models), ``"gradient"`` :class:`~skxil.explain.GradientExplainer`
        (input gradients of MLPs and other differentiable models),
        ``"tree"`` :class:`~skxil.explain.TreeExplainer` (exact TreeSHAP
        values of tree ensembles), ``"fast_lime"`` :class:`~skxil.explain.FastLimeExplainer` and
        ``"lime"`` :class:`~skxil.explain.LimeExplainer` (through the lime
        package). ``"auto"`` picks, once the estimator is fitted, the first
        exact explainer that applies to it (possibly at the end of a Pipeline
        of feature-wise transformers): the linear one when
        :func:`~skxil.explain.is_linear_model` holds, the gradient one when
        :func:`~skxil.explain.is_differentiable_model` does, the tree one
        when :func:`~skxil.explain.is_tree_model` does, and the fast LIME
        otherwise (always for documents). An object (a
        :class:`~skxil.explain.BaseExplainer`) is cloned. Its
        ``random_state`` and ``n_jobs``, when ``None``, are set from the
        learner's.

    n_counterexamples : int, default=3
        Number of counterexamples per corrected row (c). 0 disables them.

    counterexample_strategy : {"randomize", "alternative", "substitute", \
            "remove"} or callable, default="randomize"
        How corrected features are re-drawn: uniformly over the feature's
        observed training range (integer features stay integral), another
        value observed for the feature (never the original one), or the value
        of a random other training row of the same class. A callable
        ``f(x, mask, n_copies, random_state)`` returns the copies of row ``x``.
        See :func:`skxil.counterexamples.make_counterexamples`. On raw
        documents the corrected words are removed (``"remove"``), replaced by
        random words of the training documents (``"randomize"``) or by words
        of a training document of the same class (``"substitute"``); see
        :func:`skxil.counterexamples.make_text_counterexamples`.

    per_feature : bool, default=False
        If True, make ``n_counterexamples`` copies for each corrected feature,
        re-drawing only that feature (the paper's ``c * |C|``); otherwise the
        corrected features are re-drawn together.

    counterexample_weight : float, default=1.0
        Sample weight of counterexample rows (real rows weigh 1 or their
        ``sample_weight``); below 1 it down-weights noisy corrections. It
        reaches ``estimator.fit`` as ``sample_weight``.

    always_correct : array-like of int or str, default=None
        Global corrections: features (indices, or column names when fitted
        on a DataFrame) the model must never rely on. They join the
        correction set of every row as it enters the training set: every
        row given to :meth:`fit`, every row given to :meth:`teach`, and every
        row :meth:`review` gives new corrections. Rows already in the
        training set when the parameter is changed with ``set_params`` keep
        their counterexamples until they are refitted with :meth:`fit` or
        reviewed with corrections. Not supported for documents (correct the
        words per document).

    min_stability : float in [0, 1], default=None
        Do not ask for corrections on explanations less stable than this:
        :meth:`asks_for_correction` is False for an explanation whose
        measured ``stability.score`` (see :class:`~skxil.explain.Stability`;
        measured with ``n_repeats > 1`` or ``n_bootstrap > 0``) is below it,
        and :func:`~skxil.simulate.simulate` then takes the label only. An
        interface should show such an explanation without asking for
        corrections. ``None`` asks on every explanation.

    incremental : bool, default=False
        If True, :meth:`teach` updates the fitted estimator instead of
        fitting a fresh clone, when it can continue from its current state:

        - with ``partial_fit`` (SGD classifiers, MLPs,
          :class:`~skxil.neural.RRRClassifier`; the last step of a Pipeline,
          whose earlier steps stay as fitted), one call on the new rows,
          their counterexamples and ``n_replay`` earlier training rows drawn
          at random, so that the model is not pulled toward the newest rows;
        - a random forest or extra trees (without ``oob_score``; the last
          step of a Pipeline, as above) has its ``trees_per_update`` oldest
          trees replaced by as many trees fitted on the whole training set;
          the other trees have not seen the newest rows;
        - otherwise with ``warm_start`` (e.g. LogisticRegression), a fit on
          the whole training set that starts from the current weights.

        Other estimators, a teach that brings a new class, sample weights
        that ``partial_fit`` does not take and fit parameters given to
        :meth:`fit` (for a forest) get a full refit.
        :meth:`fit` and :meth:`review` always refit. An incremental update
        trades some accuracy for speed; ``full_refit_every`` bounds the
        drift.

    n_replay : int, default=8192
        Number of earlier training rows (real rows and counterexamples)
        replayed with each ``partial_fit`` update. Few replayed rows make an
        update cheap but let the model drift toward the newest rows: an
        optimiser such as Adam moves every weight by about its step size on
        each mini-batch, however small the batch. The default keeps an MLP
        within a point of the full refit's accuracy on decoy Fashion-MNIST
        (``benchmarks/bench_incremental.py``).

    trees_per_update : int or float, default=0.1
        With ``incremental=True``, the number of a forest's trees refitted
        by each update, or, as a float in (0, 1], that fraction of its trees
        (rounded, at least one). Refitting all of them is a full refit. A
        tree keeps its rows until it is replaced, so a forest of 100 trees at
        0.1 has refitted every tree after ten updates; see
        ``benchmarks/bench_incremental_forest.py`` for the accuracy this
        costs. The updated forest has no ``estimators_samples_`` (its trees
        were grown on different rows).

    full_refit_every : int, default=None
        With ``incremental=True``, refit from scratch after this many
        incremental updates. ``None`` never does.

    n_jobs : int, default=None
        Number of joblib jobs used by the explainer. ``None`` means 1 unless
        in a :func:`joblib.parallel_config` context.

    random_state : int, RandomState instance or None, default=None
        Seeds queries with random choices, explanations and counterexamples.
        The same value gives the same queries, explanations, counterexamples
        and fitted model.

    verbose : int, default=0
        Print one line per update when positive.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``, trained on real rows and
        counterexamples.

    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features seen during :meth:`fit` (not set for documents).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, when ``X`` was a
        DataFrame with string column names.

    training_set_ : TrainingSet
        Every training row with its provenance: ``training_set_.X`` and
        ``training_set_.y`` are the rows ``estimator_`` was fitted on (real
        rows first, then counterexamples), ``training_set_.origin[i]`` is -1
        for a real row and otherwise the index of the real row counterexample
        ``i`` was made from, and ``training_set_.sample_weight(w)`` gives the
        weights.

    explainer_ : explainer object
        The explainer fitted on the real training rows (fitted on first use).

    See Also
    --------
    skxil.query.uncertainty_sampling : The default query strategy.
    skxil.explain.LinearExplainer : The default explainer of linear models.
    skxil.explain.FastLimeExplainer : The default explainer of other models.
    skxil.counterexamples.make_counterexamples : Stage 4 on its own.

    References
    ----------
    .. [1] S. Teso and K. Kersting, "Explanatory Interactive Machine
       Learning", AIES 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> X, X_pool, y, y_pool, relevant = make_confounded_classification(
    ...     200, random_state=0)
    >>> learner = CaipiClassifier(random_state=0).fit(X[:20], y[:20])
    >>> idx, rows = learner.query(X_pool)
    >>> explanation, = learner.explain(rows)
    >>> wrong = [j for j in explanation.features if not relevant[j]]
    >>> learner = learner.teach(rows, y_pool[idx], corrections=[wrong])
    >>> learner.training_set_.n_real
    21

    On documents, with corrections as words:

    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> docs = ["good film zq", "bad plot", "great cast zq", "dull film"]
    >>> text = CaipiClassifier(
    ...     make_pipeline(TfidfVectorizer(), LogisticRegression()),
    ...     counterexample_strategy="remove", random_state=0)
    >>> text = text.fit(docs, [1, 0, 1, 0], corrections=[["zq"], None, ["zq"], None])
    >>> text.training_set_.X_ce.tolist()
    ['good film ', 'good film ', 'good film ', 'great cast ', 'great cast ', 'great cast ']
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "query_strategy": [StrOptions(set(_QUERY_STRATEGIES)), callable],
        "explainer": [StrOptions(set(_EXPLAINERS)), HasMethods(["fit", "explain"])],
        "n_counterexamples": [Interval(Integral, 0, None, closed="left")],
        "counterexample_strategy": [
            StrOptions(set(COUNTEREXAMPLE_STRATEGIES) | set(TEXT_COUNTEREXAMPLE_STRATEGIES)),
            callable,
        ],
        "per_feature": ["boolean"],
        "counterexample_weight": [Interval(Real, 0, None, closed="neither")],
        "always_correct": ["array-like", None],
        "min_stability": [Interval(Real, 0, 1, closed="both"), None],
        "incremental": ["boolean"],
        "n_replay": [Interval(Integral, 0, None, closed="left")],
        "trees_per_update": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "full_refit_every": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        query_strategy: str | Callable = "uncertainty",
        explainer: str | Any = "auto",
        n_counterexamples: int = 3,
        counterexample_strategy: str = "randomize",
        per_feature: bool = False,
        counterexample_weight: float = 1.0,
        always_correct: ArrayLike | None = None,
        min_stability: float | None = None,
        incremental: bool = False,
        n_replay: int = 8192,
        trees_per_update: int | float = 0.1,
        full_refit_every: int | None = None,
        n_jobs: int | None = None,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.query_strategy = query_strategy
        self.explainer = explainer
        self.n_counterexamples = n_counterexamples
        self.counterexample_strategy = counterexample_strategy
        self.per_feature = per_feature
        self.counterexample_weight = counterexample_weight
        self.always_correct = always_correct
        self.min_stability = min_stability
        self.incremental = incremental
        self.n_replay = n_replay
        self.trees_per_update = trees_per_update
        self.full_refit_every = full_refit_every
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        *,
        corrections: Sequence | ArrayLike | None = None,
        focus: Sequence | ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        **fit_params,
    ) -> CaipiClassifier:
        """Fit on labelled rows, with counterexamples for the corrected ones.

        Forgets any earlier training set.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
                or sequence of str
            Training rows, in the raw input space, or documents (a list, 1-D
            array or pandas Series of str) for an estimator that vectorises
            them, such as a Pipeline starting with a ``TfidfVectorizer``.

        y : array-like of shape (n_samples,)
            Labels.

        corrections : sequence or mask of shape (n_samples, n_features), \
                default=None
            Correction sets: one entry per row (``None`` or empty, feature
            indices, or column names when ``X`` is a DataFrame), or one
            boolean mask (dense or sparse), which cross-validation tools split
            with the rows. See :func:`skxil.utils.check_corrections`. For
            documents, one entry per document: the words to strike out (or
            their indices among the document's distinct words), matched as
            the text explainers cut words; see
            :func:`skxil.utils.check_text_corrections`.

        focus : sequence or mask of shape (n_samples, n_features), \
                default=None
            "Focus here" feedback, in the forms of ``corrections``: for each
            row, the features the model *should* rely on (the right
            reasons). A row's counterexamples keep them and re-draw every
            other feature (on sparse rows and documents, every other feature
            the row has). A feature cannot be in both sets of a row.

            Both kinds of feedback also go into the loss of an estimator
            whose ``fit`` takes ``ignore`` or ``focus`` masks (such as
            :class:`~skxil.neural.RRRClassifier`, also at the end of a
            Pipeline of feature-wise steps): it gets the masks of every
            training row, counterexamples carrying their source row's, so
            ``n_counterexamples=0`` is feedback through the loss alone.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows; counterexamples weigh
            ``counterexample_weight``.

        **fit_params : dict
            Passed to ``estimator.fit`` on every refit (also by :meth:`teach`).
            Per-row parameters are not supported, since taught rows and
            counterexamples would have no value for them; use
            ``sample_weight``. With metadata routing enabled, they are routed.

        Returns
        -------
        self : CaipiClassifier
            The fitted learner.
        """
        with self._all_or_nothing():
            self._seed = int(
                check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            )
            self._n_updates = 0
            self._fit_params = self._check_fit_params(fit_params, _num_samples(X))
            X_raw, y = self._check_rows(X, y, reset=True)
            training_set = TrainingSet(X_raw, y, self._check_weight(sample_weight, X_raw))
            training_set = self._with_feedback(
                training_set, corrections, focus, update=0
            )
            self._commit(training_set, refit=True)
        # numba's start-up belongs to fit, not to the person's first round
        warm_up_kernels(self.training_set_.X_real)
        warm_up_explainer(self._make_explainer(), self.training_set_.X_real)
        warm_up_scoring(self.estimator_)
        return self

    def teach(
        self,
        X: MatrixLike,
        y: ArrayLike,
        *,
        corrections: Sequence | ArrayLike | None = None,
        focus: Sequence | ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        refit: bool = True,
    ) -> CaipiClassifier:
        """Add labelled rows, with counterexamples for the corrected ones, and refit.

        This is the user's answer to a query. All-or-nothing: if anything
        fails (a bad correction, the refit), the learner is left exactly as it
        was. On an unfitted learner, ``teach`` starts the training set.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features) \
                or sequence of str
            The rows (usually the queried ones), or documents when the learner
            was fitted on documents.

        y : array-like of shape (n_rows,)
            Their labels.

        corrections : sequence or mask of shape (n_rows, n_features), \
                default=None
            Correction sets, as in :meth:`fit`.

        focus : sequence or mask of shape (n_rows, n_features), default=None
            The features each row should rely on, as in :meth:`fit`.

        sample_weight : array-like of shape (n_rows,), default=None
            Weights of the new rows.

        refit : bool, default=True
            If False, only store the rows and their counterexamples; the next
            ``teach(..., refit=True)`` refits on everything.

        Returns
        -------
        self : CaipiClassifier
            The updated learner.
        """
        self._validate_params()
        started = hasattr(self, "training_set_")
        with self._all_or_nothing():
            if not started:
                self._seed = int(
                    check_random_state(self.random_state).randint(
                        np.iinfo(np.int32).max
                    )
                )
                self._n_updates = -1
                self._fit_params = {}
            X_raw, y = self._check_rows(X, y, reset=not started)
            weight = self._check_weight(sample_weight, X_raw)
            if started:
                X_raw = self._input.like(X_raw, self.training_set_.X_real)
                training_set = self.training_set_.add(X_raw, y, weight)
            else:
                training_set = TrainingSet(X_raw, y, weight)
            update = self._n_updates + 1
            training_set = self._with_feedback(
                training_set, corrections, focus, update=update, n_new=len(y)
            )
            self._n_updates = update
            self._commit(training_set, refit=refit, incremental=self.incremental)
        if not started:
            warm_up_kernels(self.training_set_.X_real)
            if refit:
                warm_up_scoring(self.estimator_)
        return self

    def review(
        self,
        indices: ArrayLike,
        *,
        corrections: Sequence | ArrayLike | None = None,
        focus: Sequence | ArrayLike | None = None,
        labels: ArrayLike | None = None,
        refit: bool = True,
    ) -> CaipiClassifier:
        """Answer for rows already in the training set, and refit.

        Feedback after training (Bekkemoen and Langseth): a reviewer is shown
        training rows (see :func:`skxil.review.rank_for_review`) with their
        explanations and corrects them, relabels them, or accepts them.

        - A correction *replaces* the row's counterexamples: those it had are
          dropped and new ones are made from the new correction set (plus
          ``always_correct``). An empty correction (``None`` or ``[]``)
          accepts the explanation and only removes the row's counterexamples.
        - A new label relabels the row; its counterexamples, old or new, take
          the new label.
        - ``corrections=None`` leaves every reviewed row's counterexamples as
          they are (only their labels follow ``labels``).

        Nothing is duplicated: a row reviewed twice has only the
        counterexamples of its latest correction, and
        ``training_set_.source`` keeps pointing at the right real row. The
        random draws come from a seed derived from ``random_state`` and the
        number of updates, so the same calls give the same result.
        All-or-nothing: after an error the learner is exactly as before.

        Parameters
        ----------
        indices : array-like of int of shape (n_rows,)
            Indices of the reviewed rows among the real training rows
            (``0 <= index < training_set_.n_real``), each at most once.

        corrections : sequence or mask of shape (n_rows, n_features), \
                default=None
            The new correction set of each reviewed row, in the forms of
            :meth:`fit` (one entry per index, in the order of ``indices``).
            ``None`` keeps the rows' counterexamples (unless ``focus`` is
            given).

        focus : sequence or mask of shape (n_rows, n_features), default=None
            The features each reviewed row should rely on, as in :meth:`fit`;
            with ``corrections`` it replaces the rows' feedback (their
            counterexamples and their masks). This is how a trained network
            is fine-tuned from a few annotated explanations.

        labels : array-like of shape (n_rows,), default=None
            New labels of the reviewed rows, of the type of the training
            labels. ``None`` keeps the labels.

        refit : bool, default=True
            If False, only update the training set; the next refit (by
            ``teach`` or ``review``) trains on it.

        Returns
        -------
        self : CaipiClassifier
            The updated learner.

        Examples
        --------
        >>> from skxil import CaipiClassifier
        >>> from skxil.datasets import make_confounded_classification
        >>> X, _, y, _, relevant = make_confounded_classification(
        ...     60, random_state=0)
        >>> learner = CaipiClassifier(random_state=0).fit(X, y)
        >>> learner = learner.review([3, 7], corrections=[[5], [5]])
        >>> learner.training_set_.source.tolist()
        [3, 3, 3, 7, 7, 7]
        >>> learner = learner.review([3], corrections=[None])  # accept row 3
        >>> learner.training_set_.source.tolist()
        [7, 7, 7]
        """
        self._validate_params()
        if not hasattr(self, "training_set_"):
            check_is_fitted(self)
        with self._all_or_nothing():
            training_set = self.training_set_
            rows = self._check_review_indices(indices, training_set)
            if corrections is None and focus is None and labels is None:
                raise ValueError(
                    "review needs corrections, focus or labels for the rows "
                    f"{rows.tolist()}; the learner is unchanged."
                )
            if labels is not None:
                labels = check_labels(labels, len(rows), training_set.y_real)
                training_set = training_set.relabel(rows, labels)
            update = self._n_updates + 1
            if corrections is not None or focus is not None:
                training_set = self._review_feedback(
                    training_set.drop_counterexamples(rows), rows,
                    (corrections, focus), update,
                )
            self._n_updates = update
            self._commit(training_set, refit=refit)
        return self

    @staticmethod
    def _check_review_indices(indices, training_set):
        """The reviewed rows as an int array: in range and each at most once."""
        if isinstance(indices, (Integral, np.integer)):
            raise TypeError(
                f"indices must be an array-like of row indices, got the scalar "
                f"{indices!r}; write [{indices!r}] to review one row."
            )
        rows = training_set.check_real_rows(indices)
        if rows.size == 0:
            raise ValueError("indices is empty: give at least one row to review.")
        values, counts = np.unique(rows, return_counts=True)
        if (counts > 1).any():
            value = values[counts > 1][0]
            where = np.flatnonzero(rows == value)[:2].tolist()
            raise ValueError(
                f"indices has row {value} twice (at positions {where[0]} and "
                f"{where[1]}); review each row at most once per call. The "
                "learner is unchanged."
            )
        return rows.astype(np.intp)

    def _review_feedback(self, training_set, rows, answers, update):
        """New masks and counterexamples of the reviewed real ``rows`` (any order).

        ``answers`` is ``(corrections, focus)``. The stage-4 inputs take the
        corrected rows last, so the generator sees the real rows reordered,
        the reviewed ones at the end; ``source`` is mapped back to the real
        rows' own indices.
        """
        n_real = training_set.n_real
        others = np.setdiff1d(np.arange(n_real), rows)
        order = np.concatenate([others, rows]).astype(np.intp)
        reordered = TrainingSet(
            take_rows(training_set.X_real, order), training_set.y_real[order]
        )
        try:
            feedback = self._feedback(training_set, rows, *answers)
            made = self._make_counterexamples(
                reordered,
                np.arange(others.size, n_real),
                feedback.redraw,
                self._seed_for(update, _REVIEW),
            )
        except ValueError as error:
            raise ValueError(
                f"{error} In review, row j of the corrections is training row "
                f"indices[j]; indices = {rows.tolist()}. The learner is unchanged."
            ) from error
        training_set = training_set.with_masks(rows, feedback.ignore, feedback.focus)
        if made is None:
            return training_set
        X_ce, y_ce, source = made
        return training_set.add_counterexamples(X_ce, y_ce, order[source])

    def suggest_corrections(self, explanations: list[Explanation]) -> list[list]:
        """Features to pre-fill in a correction form: those corrected elsewhere.

        For each explanation, the features it shows that were corrected on
        rows of the training set, most often corrected first (see
        :func:`skxil.review.suggest_corrections`).

        Parameters
        ----------
        explanations : list of Explanation
            Explanations from :meth:`explain`.

        Returns
        -------
        suggestions : list of list
            One list per explanation: feature indices, or column names when
            the learner was fitted on a DataFrame (words for documents).

        Examples
        --------
        >>> from skxil import CaipiClassifier
        >>> from skxil.datasets import make_confounded_classification
        >>> X, X_test, y, _, _ = make_confounded_classification(60, random_state=0)
        >>> learner = CaipiClassifier(random_state=0).fit(
        ...     X, y, corrections=[[5], [5], [4]] + [None] * 27)
        >>> learner.suggest_corrections(learner.explain(X_test[:1]))
        [[5, 4]]
        """
        from .review import suggest_corrections

        return suggest_corrections(self, explanations)

    def _commit(self, training_set, refit, incremental=False):
        """Refit (or update) on the new training set, then make it the learner's."""
        if refit:
            estimator = self._updated_estimator(training_set) if incremental else None
            if estimator is None:
                estimator = self._fit_estimator(training_set)
                self._n_incremental = 0
            else:
                self._n_incremental += 1
            self.estimator_ = estimator
            self.classes_ = estimator.classes_
            self._fitted_rows = (training_set.n_real, training_set.n_counterexamples)
        self.training_set_ = training_set
        self._explainer_cache = None
        if self.verbose:
            print(
                f"[CaipiClassifier] update {self._n_updates}: "
                f"{training_set.n_real} labelled rows, "
                f"{training_set.n_counterexamples} counterexamples"
                + ("" if refit else " (not refitted)")
            )

    @contextmanager
    def _all_or_nothing(self):
        """Restore the learner's state if the block raises."""
        state = self.__dict__.copy()
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def __getstate__(self):
        # The explainer is rebuilt on demand (deterministically) from the
        # training set; not storing it keeps pickles and skops files small
        # and free of thread pools and numba state.
        state = dict(super().__getstate__())  # a copy: never change the learner
        state.pop("_explainer_cache", None)
        return state

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    # ------------------------------------------------------- stage helpers
    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _check_rows(self, X, y, reset):
        """Validate labelled rows; return them in their raw container and y.

        The rows a learner is first fitted on decide its kind of input
        (:mod:`skxil._inputs`), which validates everything after them.
        """
        kind = input_kind(X)
        if reset:
            self._input = kind
        elif isinstance(kind, DocumentsInput) and not isinstance(
            self._input, DocumentsInput
        ):
            raise ValueError(
                "This learner was fitted on rows of features, but got a sequence "
                "of documents. Fit it on documents to teach it documents."
            )
        fitted_y = None if reset else self.training_set_.y_real
        X_raw, y = self._input.check_rows(self, X, y, reset)
        return X_raw, check_labels(y, _num_samples(X_raw), fitted_y)

    def _check_X(self, X):
        """Validate rows to predict, query or explain; return what estimator_ takes."""
        return self._input.check_X(self, X, self.training_set_.X_real)

    def _check_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float64, copy=True)

    def _check_fit_params(self, fit_params, n_samples):
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params).estimator.fit
        for name, value in fit_params.items():
            if _is_arraylike_not_scalar(value) and _num_samples(value) == n_samples:
                raise ValueError(
                    f"Fit parameter {name!r} has one value per row; CaipiClassifier "
                    "cannot extend per-row parameters to taught rows and "
                    "counterexamples. Pass sample weights as sample_weight."
                )
        return dict(fit_params)

    def _seed_for(self, *keys):
        """A seed derived from the learner's seed and ``keys``."""
        return int(np.random.SeedSequence([self._seed, *keys]).generate_state(1)[0])

    def _with_feedback(self, training_set, corrections, focus, update, n_new=None):
        """Stages 4a and 4b for the last ``n_new`` real rows.

        Stores the rows' feedback masks and appends their counterexamples.
        ``n_new=None`` means every real row (``fit``).
        """
        n_real = training_set.n_real
        rows = np.arange(n_real - (n_real if n_new is None else n_new), n_real)
        feedback = self._feedback(training_set, rows, corrections, focus)
        training_set = training_set.with_masks(rows, feedback.ignore, feedback.focus)
        made = self._make_counterexamples(
            training_set, rows, feedback.redraw, self._seed_for(update, _COUNTEREXAMPLES)
        )
        if made is None:
            return training_set
        return training_set.add_counterexamples(*made)

    def _feedback(self, training_set, rows, corrections, focus):
        """The validated feedback (:class:`skxil._inputs.Feedback`) of real ``rows``.

        The global corrections (``always_correct``) join every row's set.
        """
        X_real = training_set.X_real
        corrections = self._with_global_corrections(corrections, len(rows), X_real)
        return self._input.feedback(
            take_rows(X_real, rows), corrections, focus,
            getattr(self, "feature_names_in_", None),
        )

    def _make_counterexamples(self, training_set, rows, redraw, seed):
        """Counterexamples ``(X_ce, y_ce, source)`` of the trailing real ``rows``.

        ``redraw`` says which features of each row are re-drawn.
        """
        self._input.check_strategy(self.counterexample_strategy)
        return self._input.counterexamples(
            training_set,
            rows,
            redraw,
            dict(
                feature_names=getattr(self, "feature_names_in_", None),
                y_train=training_set.y_real,
                n_counterexamples=self.n_counterexamples,
                strategy=self.counterexample_strategy,
                per_feature=self.per_feature,
                row_index=rows,
                random_state=np.random.RandomState(seed),
            ),
        )

    def _global_features(self, X_real):
        """Indices of the ``always_correct`` features (None when there are none)."""
        if self.always_correct is None:
            return None
        if isinstance(self._input, DocumentsInput):
            raise ValueError(
                "always_correct is not supported for documents: their features "
                "are each document's own words. Give the words to strike out as "
                "per-document corrections instead."
            )
        values = np.asarray(self.always_correct, dtype=object).ravel().tolist()
        n_features = X_real.shape[1]
        names = getattr(self, "feature_names_in_", None)
        indices = []
        for i, value in enumerate(values):
            if isinstance(value, str):
                if names is None or value not in set(names):
                    raise ValueError(
                        f"always_correct[{i}] = {value!r} is not a feature name "
                        + (
                            "of the training DataFrame."
                            if names is not None
                            else "(the learner was fitted without column names; "
                            "give feature indices)."
                        )
                    )
                indices.append(int(np.flatnonzero(names == value)[0]))
            elif isinstance(value, (Integral, np.integer)) and not isinstance(
                value, (bool, np.bool_)
            ):
                if not 0 <= value < n_features:
                    raise ValueError(
                        f"always_correct[{i}] = {value} is not a feature index: "
                        f"the learner has {n_features} features (0 to "
                        f"{n_features - 1})."
                    )
                indices.append(int(value))
            else:
                raise TypeError(
                    f"always_correct[{i}] = {value!r} is neither a feature index "
                    "nor a column name."
                )
        return np.unique(np.asarray(indices, dtype=np.intp))

    def _with_global_corrections(self, corrections, n_rows, X_real):
        """The correction sets of ``n_rows`` rows, with ``always_correct`` added."""
        features = self._global_features(X_real)
        if features is None or features.size == 0:
            return corrections
        n_features = X_real.shape[1]
        names = getattr(self, "feature_names_in_", None)
        if sparse.issparse(X_real):
            mask = sparse.csr_matrix(
                check_corrections(
                    corrections, n_rows, n_features, names, accept_sparse=True
                ),
                dtype=bool,
            )
            extra = sparse.csr_matrix(
                (
                    np.ones(n_rows * features.size, dtype=bool),
                    (
                        np.repeat(np.arange(n_rows), features.size),
                        np.tile(features, n_rows),
                    ),
                ),
                shape=(n_rows, n_features),
            )
            return (mask + extra).astype(bool).tocsr()
        mask = check_corrections(corrections, n_rows, n_features, names)
        mask = np.array(mask, dtype=bool, copy=True)
        mask[:, features] = True
        return mask

    def _updated_estimator(self, training_set):
        """The fitted estimator updated with the new rows, or None to refit."""
        if not hasattr(self, "_fitted_rows") or (
            self.full_refit_every is not None
            and self._n_incremental >= self.full_refit_every
        ):
            return None
        how = how_to_update(self.estimator_)
        if how is None or not np.isin(training_set.y, self.classes_).all():
            return None
        if how == "warm_start":
            return warm_update(
                self.estimator_, lambda est: self._fit_estimator(training_set, est)
            )
        weight = training_set.sample_weight(self.counterexample_weight)
        if how == "trees":
            return self._tree_update(training_set, weight)
        if weight is not None and not partial_fit_takes(self.estimator_, "sample_weight"):
            return None
        update = dict(
            n_replay=self.n_replay,
            random_state=np.random.RandomState(self._seed_for(self._n_updates, _REPLAY)),
            weight=weight,
            classes=self.classes_,
        )
        return partial_update(self.estimator_, training_set, self._fitted_rows, update)

    def _tree_update(self, training_set, weight):
        """The forest with refreshed trees (see :func:`tree_update`), or None."""
        n_trees = n_trees_to_refresh(self.estimator_, self.trees_per_update)
        if self._fit_params or n_trees == len(final_step(self.estimator_).estimators_):
            return None
        update = dict(
            n_trees=n_trees, seed=self._seed_for(self._n_updates, _TREES), weight=weight
        )
        return tree_update(self.estimator_, training_set, update)

    def _fit_estimator(self, training_set, estimator=None):
        """Stage 5: fit a fresh clone of the estimator on the training set.

        Feedback masks go into its loss when its fit takes them (stage 4b).
        ``estimator`` fits that object instead of a clone (a warm start).
        """
        if estimator is None:
            estimator = clone(self._base_estimator())
        params = dict(self._fit_params)
        weight = training_set.sample_weight(self.counterexample_weight)
        if weight is not None:
            params.update(self._sample_weight_params(estimator, weight))
        masks = accepted_masks(estimator, training_set.masks())
        if masks:
            if _routing_enabled() and isinstance(estimator, Pipeline):
                raise ValueError(
                    "Feedback masks cannot be routed through a Pipeline with "
                    "metadata routing enabled; disable it for this fit, or wrap "
                    "the final estimator directly."
                )
            return fit_with_masks(estimator, training_set.X, training_set.y, masks, params)
        estimator.fit(training_set.X, training_set.y, **params)
        return estimator

    @staticmethod
    def _sample_weight_params(estimator, weight):
        """How to hand sample weights to ``estimator.fit``.

        A Pipeline gets them for every step whose ``fit`` takes them (so that
        weighting a row equals repeating it, scalers included); its final
        step must take them.
        """
        if _routing_enabled():
            return {"sample_weight": weight}

        def accepts(step):
            return has_fit_parameter(step, "sample_weight") or any(
                p.kind is inspect.Parameter.VAR_KEYWORD
                for p in inspect.signature(step.fit).parameters.values()
            )

        if isinstance(estimator, Pipeline):
            steps = [(n, s) for n, s in estimator.steps if s not in (None, "passthrough")]
            final = steps[-1][1]
            targets = [(f"{n}__", s) for n, s in steps if hasattr(s, "fit") and accepts(s)]
        else:
            final, targets = estimator, [("", estimator)] if accepts(estimator) else []
        if not targets or targets[-1][1] is not final:
            raise TypeError(
                f"{type(final).__name__}.fit does not accept sample_weight, which "
                "CaipiClassifier needs for sample_weight or counterexample_weight "
                "!= 1. Use an estimator that supports sample weights or leave both "
                "at their defaults."
            )
        return {f"{prefix}sample_weight": weight for prefix, _ in targets}

    # --------------------------------------------------------------- query
    def query(
        self, X_pool: MatrixLike, n_instances: int = 1, **strategy_kwargs
    ) -> tuple[NDArray[np.intp], Any]:
        """Pick the most informative rows of a pool (stage 1).

        Parameters
        ----------
        X_pool : {array-like, sparse matrix, DataFrame, dask array, dask DataFrame} \
                of shape (n_pool, n_features)
            Unlabelled rows. A dask pool is scored block by block where its
            blocks are, by the strategies that accept one (uncertainty,
            margin, entropy, random); only the chosen rows are computed.

        n_instances : int, default=1
            Number of rows to pick.

        **strategy_kwargs : dict
            Passed to the query strategy.

        Returns
        -------
        query_idx : ndarray of shape (n_instances,)
            Indices of the chosen rows, best first.

        X_query : same type as ``X_pool``
            The chosen rows, ``X_pool[query_idx]`` (a DataFrame for a
            DataFrame pool; a NumPy array or pandas DataFrame, computed, for a
            dask pool).
        """
        self._validate_params()
        if isinstance(self.query_strategy, str):
            strategy = _QUERY_STRATEGIES[self.query_strategy]
            strategy_kwargs.setdefault("random_state", self._query_seed())
        else:
            strategy = self.query_strategy
        if is_dask_pool(X_pool):
            # scored block by block; only the chosen rows are computed
            return query_dask_pool(strategy, self, X_pool, n_instances, strategy_kwargs)
        result = strategy(self, X_pool, n_instances=n_instances, **strategy_kwargs)
        query_idx, _ = check_query_result(result, _num_samples(X_pool))
        if sparse.issparse(X_pool) and X_pool.format not in ("csr", "csc"):
            X_pool = X_pool.tocsr()  # COO and friends cannot be indexed by row
        return query_idx, _safe_indexing(X_pool, query_idx)

    def _query_seed(self):
        if hasattr(self, "training_set_"):
            return self._seed_for(self._n_updates, _QUERY)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    # ------------------------------------------------------------- explain
    @property
    def explainer_(self):
        check_is_fitted(self)
        # The explainer takes the model at explain time, so a refit alone
        # keeps it; it depends on the real rows (their key in the training
        # set) and on what explainer the parameters make ("auto" looks at
        # the estimator's kind).
        explainer = self._make_explainer()
        rows = self.training_set_._rows
        kind = joblib.hash((type(explainer), explainer.get_params(deep=True)))
        cache = getattr(self, "_explainer_cache", None)
        if cache is not None and cache[0] == (rows.key, kind):
            return cache[1][0]
        made = self._updated_explainer(rows, kind)
        if made is None:
            space = self._input.explain_space(explainer, self.training_set_.X_real)
            explainer.set_params(**space.explainer_params(explainer))
            explainer.fit(
                space.background,
                self.training_set_.y_real,
                feature_names=getattr(self, "feature_names_in_", None),
            )
            made = (explainer, space)
        self._explainer_cache = ((rows.key, kind), made)
        # _commit forgets the cache; the training set's rows keep the memo
        # for the next ones (and pickles leave it out)
        rows.explainer_memo = (rows.key, kind, made)
        return made[0]

    def _updated_explainer(self, rows, kind):
        """``(explainer, space)``: the last explainer made, when its real rows
        are these, or updated with the rows appended since (``partial_fit``
        on a copy); None otherwise.

        Only when the training set grew by appending rows (its lineage has
        the memo's rows), the same explainer is asked for, the explainer can
        be updated and it sees the raw rows (a DataFrame's codes depend on
        all its rows).
        """
        if rows.explainer_memo is None or rows.explainer_memo[1] != kind:
            return None
        rows_key, _, made = rows.explainer_memo
        if rows_key == rows.key:  # a refit on the same real rows
            return made
        n_before = rows.rows_at(rows_key)
        explainer, space = made
        if (
            n_before is None
            or not hasattr(explainer, "partial_fit")
            or type(space) is not _RawSpace
        ):
            return None
        space_now = self._input.explain_space(explainer, self.training_set_.X_real)
        if type(space_now) is not _RawSpace:
            return None
        background = space_now.background
        updated = copy.copy(explainer)  # an explainer handed out stays as it was
        updated.partial_fit(
            None if background is None else background[n_before:],
            self.training_set_.y_real[n_before:],
        )
        return updated, space_now

    def _make_explainer(self):
        if isinstance(self.explainer, str):
            explainer = self._input.default_explainer(self.explainer, self.estimator_)
        else:
            explainer = clone(self.explainer)
        params = explainer.get_params(deep=False)
        if params.get("random_state", 0) is None:
            explainer.set_params(random_state=self._seed_for(_EXPLAIN))
        if params.get("n_jobs", 0) is None and self.n_jobs is not None:
            explainer.set_params(n_jobs=self.n_jobs)
        return explainer

    def explain(self, X: MatrixLike) -> list[Explanation]:
        """Explain the model's prediction on each row (stage 2).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, n_features) \
                or sequence of str
            Rows to explain (usually the queried ones), or documents.

        Returns
        -------
        explanations : list of Explanation
            One :class:`~skxil.explain.Explanation` per row: the predicted
            class, the top-k features (most important first; their names are
            ``explanation.feature_names``) and their signed weights. On a
            DataFrame the features are its columns: a categorical column is
            one feature, and reads ``column=value`` in ``as_list()``.
        """
        check_is_fitted(self)
        X = self._check_X(X)
        explainer = self.explainer_
        space = self._explainer_cache[1][1]
        explanations = explainer.explain(space.model(self.estimator_), space.rows(X))
        return space.relabel(explanations, X)

    def asks_for_correction(self, explanation: Explanation) -> bool:
        """Whether to ask the person to correct ``explanation``.

        Parameters
        ----------
        explanation : Explanation
            An explanation returned by :meth:`explain`.

        Returns
        -------
        ask : bool
            False when ``min_stability`` is set and the explanation's measured
            stability is below it (an explanation that would look different on
            the next run is not worth a person's correction); True otherwise,
            also when its stability was not measured.

        Examples
        --------
        >>> from skxil import CaipiClassifier
        >>> from skxil.explain import Explanation, Stability
        >>> runs = [([2, 0], [0.7, -0.2]), ([2, 1], [0.6, 0.1])]
        >>> shaky = Explanation(1, [2, 0], [0.7, -0.2], 3,
        ...                     stability=Stability.from_runs([2, 0], runs))
        >>> CaipiClassifier(min_stability=0.9).asks_for_correction(shaky)
        False
        >>> CaipiClassifier().asks_for_correction(shaky)
        True
        """
        self._validate_params()
        stability = getattr(explanation, "stability", None)
        if self.min_stability is None or stability is None:
            return True
        return stability.score >= self.min_stability

    # ----------------------------------------------------------- delegation
    def _routed(self, method, params):
        _raise_for_params(params, self, method)
        if _routing_enabled():
            return process_routing(self, method, **params).estimator[method]
        return {}

    @available_if(_wrapped_has("predict"))
    def predict(self, X: MatrixLike, **params) -> NDArray:
        """Predict class labels with the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict.

        **params : dict
            Routed to ``estimator_.predict`` when metadata routing is enabled.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        params = self._routed("predict", params)
        return self.estimator_.predict(self._check_X(X), **params)

    @available_if(_wrapped_has("predict_proba"))
    def predict_proba(self, X: MatrixLike, **params) -> NDArray[np.float64]:
        """Class probabilities from the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict.

        **params : dict
            Routed to ``estimator_.predict_proba`` when metadata routing is
            enabled.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        params = self._routed("predict_proba", params)
        return self.estimator_.predict_proba(self._check_X(X), **params)

    @available_if(_wrapped_has("predict_log_proba"))
    def predict_log_proba(self, X: MatrixLike, **params) -> NDArray[np.float64]:
        """Log class probabilities from the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to predict.

        **params : dict
            Routed to ``estimator_.predict_log_proba`` when metadata routing
            is enabled.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities.
        """
        check_is_fitted(self)
        params = self._routed("predict_log_proba", params)
        return self.estimator_.predict_log_proba(self._check_X(X), **params)

    @available_if(_wrapped_has("decision_function"))
    def decision_function(self, X: MatrixLike, **params) -> NDArray[np.float64]:
        """Decision function of the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to score.

        **params : dict
            Routed to ``estimator_.decision_function`` when metadata routing
            is enabled.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision values.
        """
        check_is_fitted(self)
        params = self._routed("decision_function", params)
        return self.estimator_.decision_function(self._check_X(X), **params)

    @available_if(_wrapped_has("score"))
    def score(self, X: MatrixLike, y: ArrayLike, **params) -> float:
        """Score of the wrapped estimator on ``X``, ``y`` (accuracy for classifiers).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test rows.

        y : array-like of shape (n_samples,)
            True labels.

        **params : dict
            Passed to ``estimator_.score`` (e.g. ``sample_weight``); routed
            when metadata routing is enabled.

        Returns
        -------
        score : float
            The wrapped estimator's score.
        """
        check_is_fitted(self)
        if _routing_enabled():
            params = process_routing(self, "score", **params).estimator.score
        return self.estimator_.score(self._check_X(X), y, **params)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            ``corrections`` and ``sample_weight`` of :meth:`fit` are consumed
            by the learner; other fit parameters go to the estimator.
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        router.add(
            estimator=self._base_estimator(),
            method_mapping=(
                MethodMapping()
                .add(caller="fit", callee="fit")
                .add(caller="predict", callee="predict")
                .add(caller="predict_proba", callee="predict_proba")
                .add(caller="predict_log_proba", callee="predict_log_proba")
                .add(caller="decision_function", callee="decision_function")
                .add(caller="score", callee="score")
            ),
        )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.categorical = inner.input_tags.categorical
        tags.input_tags.string = inner.input_tags.string
        if inner.classifier_tags is not None:
            tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        return tags
