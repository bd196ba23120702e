"""The CAIPI loop with a simulated user, for experiments."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import copy
import numbers
import time
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._inputs import is_documents
from ..utils._text import document_words
from ._history import History
from ._user import SimulatedUser, _row

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._caipi import CaipiClassifier
    from ..utils._typing import ArrayLike, MatrixLike, RandomStateLike

__all__ = ["simulate", "ExcludeRows"]


# ---------------------------------------------------------------------------
# explanation scores


def _explanation_scores(explanations, relevant):
    """Mean explanatory precision, recall and F1 of ``explanations``.

    ``relevant`` has shape (n_rows, n_features).
    """
    if len(explanations) == 0:
        return np.nan, np.nan, np.nan
    from ..metrics import explanation_precision_recall_fscore

    return tuple(
        float(v) for v in explanation_precision_recall_fscore(explanations, relevant)
    )


# ---------------------------------------------------------------------------
# counterexamples that avoid given rows


def _row_keys(X):
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    return {row.tobytes() for row in X}


class ExcludeRows:
    """Counterexample strategy that never returns one of the given rows.

    Wraps a strategy of :class:`~skxil.CaipiClassifier`: it makes candidate
    copies with it and keeps those that coincide with no row of ``exclude``
    (the CAIPI paper drops counterexamples that appear in the test set).
    Coinciding copies are re-drawn, ``max_tries`` batches at most; the copies
    still missing then repeat the accepted ones, or are the unchanged row if
    none was accepted.

    :func:`simulate` installs it (on its copy of the learner) when given
    ``exclude``. A string strategy draws from the training data that
    :func:`~skxil.counterexamples.make_counterexamples` passes to callables
    (``X_train``, ``y_train``, the row's ``label`` and ``row_index``).

    Parameters
    ----------
    strategy : {"randomize", "alternative", "substitute"} or callable
        The wrapped strategy (see
        :func:`skxil.counterexamples.make_counterexamples`).

    exclude : array-like of shape (n_excluded, n_features)
        Rows no counterexample may equal.

    max_tries : int, default=10
        Batches of candidates drawn at most per corrected row.

    Attributes
    ----------
    n_redrawn_ : int
        Number of candidate copies rejected so far.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.simulate import ExcludeRows
    >>> flip = lambda x, mask, n, rng: np.where(mask, 1 - x, x)[None].repeat(n, 0)
    >>> strategy = ExcludeRows(flip, exclude=[[1, 1]])
    >>> strategy(np.array([0, 1]), np.array([True, False]), 2,
    ...          np.random.RandomState(0))
    array([[0, 1],
           [0, 1]])
    """

    def __init__(
        self, strategy: str | Callable, exclude: ArrayLike, *, max_tries: int = 10
    ) -> None:
        self.strategy = strategy
        self.exclude = exclude
        self.max_tries = max_tries
        self._keys = _row_keys(np.atleast_2d(exclude))
        self.n_redrawn_ = 0

    def _candidates(self, x, mask, n_copies, random_state, context):
        if callable(self.strategy):
            copies = self.strategy(x.copy(), mask.copy(), n_copies, random_state)
            return np.asarray(copies)
        from ..counterexamples import make_counterexamples

        if context["X_train"] is None:
            raise ValueError(
                f"ExcludeRows wrapping the {self.strategy!r} strategy needs the "
                "training data: call it through make_counterexamples (or a "
                "CaipiClassifier), which passes X_train, y_train, label and "
                "row_index."
            )
        X_ce, _, _ = make_counterexamples(
            x[np.newaxis],
            np.asarray([context["label"]]),
            mask[np.newaxis],
            X_train=context["X_train"],
            y_train=context["y_train"],
            n_counterexamples=n_copies,
            strategy=self.strategy,
            row_index=[context["row_index"]],
            random_state=random_state,
        )
        return X_ce

    def __call__(
        self, x, mask, n_copies, random_state, *, X_train=None, y_train=None,
        label=None, row_index=-1,
    ):
        context = dict(X_train=X_train, y_train=y_train, label=label, row_index=row_index)
        kept = []
        for _ in range(self.max_tries):
            candidates = self._candidates(x, mask, n_copies, random_state, context)
            for row in candidates:
                key = np.ascontiguousarray(row, dtype=np.float64).tobytes()
                if key in self._keys:
                    self.n_redrawn_ += 1
                else:
                    kept.append(np.array(row, copy=True))
                if len(kept) == n_copies:
                    return np.asarray(kept, dtype=x.dtype)
        if not kept:
            kept = [x.copy()]
        while len(kept) < n_copies:
            kept.append(kept[len(kept) % max(len(kept), 1)])
        return np.asarray(kept[:n_copies], dtype=x.dtype)

    def __repr__(self):
        return (
            f"ExcludeRows({self.strategy!r}, exclude=<{len(self._keys)} rows>, "
            f"max_tries={self.max_tries})"
        )


# ---------------------------------------------------------------------------
# the loop


def _answers(user, learner, rows, y_true, explanations, positions):
    """The user's labels and feedback, as ``teach`` keywords.

    Feedback on an explanation the learner does not ask to correct (see
    ``asks_for_correction``) is dropped; kinds no row has are left out.
    """
    labels, *given = user.answer_batch(rows, y_true, explanations, indices=positions)
    names = ["corrections", "focus"]  # answer_batch's order; focus may be absent
    asks = [
        learner.asks_for_correction(e) if hasattr(learner, "asks_for_correction")
        else True
        for e in explanations
    ]
    feedback = {}
    for name, sets in zip(names, given):
        sets = [c if ask else None for c, ask in zip(sets, asks)]
        if any(c is not None for c in sets):
            feedback[name] = sets
    return labels, feedback


def _n_corrected(feedback):
    """Rows with any feedback."""
    sets = list(feedback.values())
    if not sets:
        return 0
    return sum(any(s[i] is not None for s in sets) for i in range(len(sets[0])))


def _progress_bar(progress, total):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="CAIPI", leave=False)


def _relevant_rows(user, X, positions, n_features):
    if n_features is None:  # documents: one mask per document over its words
        masks = []
        for i, p in enumerate(positions):
            doc = _row(X, i)
            words = document_words(doc)
            masks.append(
                user.relevant_mask(
                    doc, len(words), index=None if p is None else p,
                    feature_names=words,
                )
            )
        return masks
    return np.asarray(
        [
            user.relevant_mask(_row(X, i), n_features, index=None if p is None else p)
            for i, p in enumerate(positions)
        ],
        dtype=bool,
    ).reshape(len(positions), n_features)


@validate_params(
    {
        "learner": [HasMethods(["query", "explain", "teach"])],
        "X_pool": "no_validation",  # checked by the learner, any of its kinds
        "y_pool": ["array-like"],
        "user": [SimulatedUser],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "X_test": "no_validation",
        "y_test": ["array-like", None],
        "relevant_test": ["array-like", None],
        "explain_from": [Interval(numbers.Integral, 0, None, closed="left"), None],
        "eval_every": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_explain_test": [Interval(numbers.Integral, 0, None, closed="left")],
        "exclude": ["array-like", None],
        "n_instances": [Interval(numbers.Integral, 1, None, closed="left")],
        "progress": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,  # it fits the user's estimator
)
def simulate(
    learner: CaipiClassifier,
    X_pool: MatrixLike,
    y_pool: ArrayLike,
    user: SimulatedUser,
    *,
    n_iter: int,
    X_test: MatrixLike | None = None,
    y_test: ArrayLike | None = None,
    relevant_test: ArrayLike | None = None,
    explain_from: int | None = 0,
    eval_every: int = 1,
    n_explain_test: int = 20,
    exclude: ArrayLike | None = None,
    n_instances: int = 1,
    progress: bool = True,
    random_state: RandomStateLike = None,
) -> History:
    """Run the CAIPI loop with a simulated user and record learning curves.

    Each iteration queries ``n_instances`` rows of the remaining pool,
    explains the model's predictions on them, asks ``user`` for the labels and
    corrections, teaches them to the learner and removes the rows from the
    pool. The user is always asked for labels; corrections are kept only
    from iteration ``explain_from`` on (the paper's burn-in). Explanations
    are computed in every iteration so that the explanatory quality of the
    queries can be compared with and without corrections.

    Parameters
    ----------
    learner : CaipiClassifier
        A learner already fitted on an initial labelled set (a few rows of
        each class: there is no cold start, since a classifier needs two
        classes). It is copied; the original is left untouched.

    X_pool : {array-like, DataFrame} of shape (n_pool, n_features)
        Unlabelled rows to query from.

    y_pool : array-like of shape (n_pool,)
        Their true labels (known only to the user).

    user : SimulatedUser
        Gives labels and corrections. It is copied and starts afresh, so
        an integer ``user.random_state`` gives the same answers every run.

    n_iter : int
        Number of iterations; fewer if the pool runs out.

    X_test, y_test : array-like, default=None
        Test rows and labels for predictive scores and the explanations of
        test rows. Without them those fields are NaN.

    relevant_test : array-like of bool of shape (n_features,) or \
            (n_test, n_features), default=None
        Relevant features of the test rows. ``None`` uses ``user.relevant``,
        unless that has one mask per pool row, in which case the test rows
        are not explained.

    explain_from : int or None, default=0
        First iteration whose corrections are taught; ``None`` never
        teaches corrections (plain active learning, with explanations still
        scored).

    eval_every : int, default=1
        Evaluate (and record) every ``eval_every`` iterations, and after the
        last one.

    n_explain_test : int, default=20
        Number of test rows, fixed for the whole run, whose explanations are
        scored at each evaluation. 0 skips them.

    exclude : array-like of shape (n_excluded, n_features), default=None
        Rows that no counterexample may equal (the paper excludes the test
        set). The learner's counterexample strategy is wrapped in
        :class:`ExcludeRows`, which re-draws coinciding copies.

    n_instances : int, default=1
        Rows queried per iteration.

    progress : bool, default=True
        Show a tqdm progress bar (nothing if tqdm is not installed).

    random_state : int, RandomState instance or None, default=None
        Chooses the explained test rows. With integer seeds here, in the
        learner and in the user, the history is the same in every run except
        for ``seconds``.

    Returns
    -------
    history : History
        One record per evaluation; ``history.learner`` is the final learner.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.explain import LimeExplainer
    >>> from skxil.simulate import SimulatedUser, simulate
    >>> X, X_test, y, y_test, relevant = make_confounded_classification(
    ...     120, random_state=0)
    >>> learner = CaipiClassifier(
    ...     explainer=LimeExplainer(n_features=3, n_samples=200),
    ...     random_state=0).fit(X[:10], y[:10])
    >>> history = simulate(learner, X[10:], y[10:], SimulatedUser(relevant),
    ...                    n_iter=3, X_test=X_test, y_test=y_test,
    ...                    n_explain_test=5, progress=False, random_state=0)
    >>> len(history), int(history[-1]["n_labelled"])
    (3, 13)
    """
    # ------------------------------------------------------------ checks
    check_is_fitted(
        learner,
        msg=(
            "simulate needs a learner fitted on an initial labelled set; call "
            "learner.fit(X_init, y_init) with a few rows of each class first."
        ),
    )
    y_pool = np.asarray(y_pool)
    n_pool = _num_samples(X_pool)
    if y_pool.shape != (n_pool,):
        raise ValueError(
            f"y_pool must have shape ({n_pool},) like X_pool's rows; got "
            f"{y_pool.shape}."
        )
    if (X_test is None) != (y_test is None):
        raise ValueError("Pass both X_test and y_test, or neither.")
    text = is_documents(X_pool)
    n_features = None if text else learner.n_features_in_
    rng = check_random_state(random_state)
    if text and exclude is not None:
        raise ValueError(
            "exclude compares counterexample rows with given rows of features; "
            "it is not supported for a learner on documents."
        )
    if text and relevant_test is not None:
        raise ValueError(
            "relevant_test is a mask over features; for a learner on documents "
            "the user's relevant callable (given each document's words) decides."
        )

    learner = copy.deepcopy(learner)
    user = copy.deepcopy(user).reset()
    wrapper = None
    if exclude is not None:
        exclude = np.asarray(exclude)
        if exclude.ndim != 2 or exclude.shape[1] != n_features:
            raise ValueError(
                f"exclude must have shape (n_excluded, {n_features}); got "
                f"{exclude.shape}."
            )
        wrapper = ExcludeRows(learner.counterexample_strategy, exclude)
        learner.set_params(counterexample_strategy=wrapper)

    # ------------------------------------------------ explained test rows
    test_rows, test_relevant = None, None
    if X_test is not None:
        y_test = np.asarray(y_test)
        n_test = _num_samples(X_test)
        if n_explain_test and (relevant_test is not None or not user.per_row):
            chosen = np.sort(
                rng.choice(n_test, size=min(n_explain_test, n_test), replace=False)
            )
            test_rows = _safe_indexing(X_test, chosen)
            if relevant_test is None:
                test_relevant = _relevant_rows(
                    user, test_rows, [None] * len(chosen), n_features
                )
            else:
                relevant_test = np.asarray(relevant_test)
                if relevant_test.dtype != bool:
                    raise TypeError("relevant_test must be a boolean mask.")
                if relevant_test.ndim == 1:
                    test_relevant = np.tile(relevant_test, (len(chosen), 1))
                else:
                    test_relevant = relevant_test[chosen]
                if test_relevant.shape != (len(chosen), n_features):
                    raise ValueError(
                        f"relevant_test must have shape ({n_features},) or "
                        f"({n_test}, {n_features}); got {relevant_test.shape}."
                    )

    # --------------------------------------------------------------- loop
    remaining = np.arange(n_pool)
    history = History()
    query_scores = []
    n_corrections = 0
    seconds = 0.0
    bar = _progress_bar(progress, n_iter)
    nan3 = (np.nan, np.nan, np.nan)
    try:
        for t in range(n_iter):
            if remaining.size == 0:
                break
            start = time.perf_counter()
            k = min(n_instances, remaining.size)
            idx, rows = learner.query(_safe_indexing(X_pool, remaining), n_instances=k)
            positions = remaining[idx]
            explanations = learner.explain(rows)
            labels, feedback = _answers(user, learner, rows, y_pool[positions],
                                        explanations, positions)
            if explain_from is None or t < explain_from:
                feedback = {}
            n_corrections += _n_corrected(feedback)
            learner.teach(rows, labels, **feedback)
            remaining = np.delete(remaining, idx)
            seconds += time.perf_counter() - start

            relevant = _relevant_rows(user, rows, positions, n_features)
            query_scores.append(_explanation_scores(explanations, relevant))

            last = t == n_iter - 1 or remaining.size == 0
            if t % eval_every == 0 or last:
                record = {
                    "iteration": t,
                    "n_labelled": learner.training_set_.n_real,
                    "n_corrections": n_corrections,
                    "n_counterexamples": learner.training_set_.n_counterexamples,
                    "test_accuracy": np.nan,
                    "test_f1": np.nan,
                }
                if X_test is not None:
                    y_pred = learner.predict(X_test)
                    record["test_accuracy"] = float(accuracy_score(y_test, y_pred))
                    record["test_f1"] = float(
                        f1_score(y_test, y_pred, average="macro")
                    )
                p, r, f = query_scores[-1]
                record.update(query_precision=p, query_recall=r, query_f1=f)
                p, r, f = nan3
                if test_rows is not None:
                    p, r, f = _explanation_scores(
                        learner.explain(test_rows), test_relevant
                    )
                record.update(
                    test_expl_precision=p,
                    test_expl_recall=r,
                    test_expl_f1=f,
                    seconds=seconds,
                )
                history.records.append(record)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    history.query_scores = np.asarray(query_scores, dtype=float).reshape(-1, 3)
    history.learner = learner
    return history
