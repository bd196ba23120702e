"""A simulated user that answers CAIPI's queries from known relevant features."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import inspect
import numbers
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils import check_random_state

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..explain import Explanation
    from ..utils._typing import ArrayLike, NDArray, RandomStateLike

__all__ = ["SimulatedUser"]

NOISE_MODES = ("incomplete", "random", "adversarial", "wrong")
FEEDBACK_KINDS = ("ignore", "focus", "both")


class SimulatedUser:
    """Answer queries as the CAIPI paper's simulated user, optionally with noise.

    The user knows the true label of every row and which features are
    relevant to it. Shown a prediction and its explanation, the user:

    - always gives the true label;
    - if the prediction is right but the explanation relies on irrelevant
      features ("right for the wrong reasons"), also gives a *correction*:
      the explained features that are not relevant;
    - otherwise (wrong prediction, or right prediction with a right
      explanation) gives no correction.

    With ``min_stability`` set, the user also gives no correction (label
    only) for an explanation whose measured stability
    (``explanation.stability.score``, see :class:`~skxil.explain.Stability`)
    is below it: correcting an explanation that would look different on
    the next run wastes the user's time.

    With ``feedback="focus"`` the user says instead which features the
    model *should* rely on (all the row's relevant features, "focus here");
    with ``feedback="both"`` the user gives both.

    With ``noise`` set, a share ``noise_rate`` of the answers to right
    predictions carries a faulty correction instead, following the typology
    of user feedback of Friedrich et al. (2023). The label is never noisy.

    Parameters
    ----------
    relevant : array-like of bool or callable
        Which features are relevant (the ground truth of a right reason):

        - a mask of shape (n_features,) shared by all rows;
        - a mask of shape (n_rows, n_features), one per row, indexed by the
          row's position in the pool (``index`` of :meth:`answer`);
        - a callable ``f(x) -> mask`` of shape (n_features,). If its
          signature names ``feature_names`` (or takes ``**kwargs``), it also
          gets the names of the explanation's features. For documents this is
          how to state the truth: the features of a text explanation are the
          document's distinct words (:func:`skxil.utils.document_words`), so
          ``lambda doc, feature_names: np.array([w != "xyzzy" for w in
          feature_names])`` marks every word but a decoy as relevant.

        For a text explanation (one with ``tokens``) the correction is given
        as words, which is what :meth:`CaipiClassifier.teach` takes for
        documents.

    feedback : {"ignore", "focus", "both"}, default="ignore"
        What a correction says: the explained features that are irrelevant
        (``"ignore"``, CAIPI's correction set), the row's relevant features
        (``"focus"``), or both. With ``"focus"`` or ``"both"``,
        :meth:`answer` returns a third item, the focus set, and
        :func:`~skxil.simulate.simulate` passes it to ``teach(focus=...)``.

    noise : {"incomplete", "random", "adversarial", "wrong"}, default=None
        Kind of faulty correction given by a noisy answer:

        - ``"incomplete"``: only part of the wrong features (a random subset
          of strictly fewer of them, possibly none);
        - ``"random"``: as many random features as the explanation shows,
          drawn from all features;
        - ``"adversarial"``: every feature;
        - ``"wrong"``: the relevant features of the row.

        A noisy focus set is, likewise, a strict subset of the relevant
        features, as many random features, no feature, or the wrong
        features. ``None`` means a noiseless user.

    noise_rate : float, default=0.0
        Probability, in [0, 1], that an answer to a right prediction is
        noisy. Must be 0 when ``noise`` is None.

    min_stability : float, default=None
        Least stability, in [0, 1], of an explanation the user corrects;
        below it the answer is the label only. An explanation whose
        stability was not measured (``stability is None``, e.g. a single
        LIME run or an exact :class:`~skxil.explain.LinearExplainer`
        explanation) counts as stable. ``None`` means every explanation is
        corrected. A label-only answer for an unstable explanation draws no
        noise.

    random_state : int, RandomState instance or None, default=None
        Draws which answers are noisy and their random features. The user
        keeps one generator across answers (:meth:`reset` starts it afresh);
        :func:`~skxil.simulate.simulate` works on a reset copy, so the same
        integer gives the same answers in every simulation.

    Attributes
    ----------
    n_answers_ : int
        Number of answers given so far.

    n_unstable_ : int
        Number of answers without a correction because the explanation's
        stability was below ``min_stability``.

    See Also
    --------
    skxil.simulate.simulate : The CAIPI loop with a simulated user.

    References
    ----------
    .. [1] S. Teso and K. Kersting, "Explanatory Interactive Machine
       Learning", AIES 2019.
    .. [2] F. Friedrich, W. Stammer, P. Schramowski and K. Kersting, "A
       typology for exploring the mitigation of shortcut behaviour", Nature
       Machine Intelligence 5, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.explain import Explanation
    >>> from skxil.simulate import SimulatedUser
    >>> user = SimulatedUser(np.array([True, True, False]))
    >>> explanation = Explanation(1, [2, 0], [0.9, 0.3], n_features_in=3)
    >>> user.answer(None, 1, explanation)  # right for the wrong reasons
    (1, array([2]))
    >>> user.answer(None, 0, explanation)  # wrong prediction: label only
    (0, None)

    "Focus here" feedback names the relevant features instead:

    >>> SimulatedUser(np.array([True, True, False]), feedback="focus").answer(
    ...     None, 1, explanation)
    (1, None, array([0, 1]))

    An unstable explanation gets the label only:

    >>> from skxil.explain import Stability
    >>> runs = [([2, 0], [0.9, 0.3]), ([1, 0], [0.8, 0.3])]
    >>> unstable = Explanation(1, [2, 0], [0.9, 0.3], n_features_in=3,
    ...                        stability=Stability.from_runs([2, 0], runs))
    >>> unstable.stability.score
    0.75
    >>> SimulatedUser(np.array([True, True, False]),
    ...               min_stability=0.9).answer(None, 1, unstable)
    (1, None)
    """

    def __init__(
        self,
        relevant: ArrayLike | Callable,
        *,
        feedback: str = "ignore",
        noise: str | None = None,
        noise_rate: float = 0.0,
        min_stability: float | None = None,
        random_state: RandomStateLike = None,
    ) -> None:
        self.relevant = relevant
        self.feedback = feedback
        self.noise = noise
        self.noise_rate = noise_rate
        self.min_stability = min_stability
        self.random_state = random_state
        self._relevant = self._check_relevant(relevant)
        if feedback not in FEEDBACK_KINDS:
            raise ValueError(
                f"feedback must be one of {FEEDBACK_KINDS}; got {feedback!r}."
            )
        self._check_noise(noise, noise_rate)
        self._check_min_stability(min_stability)
        self.reset()

    @property
    def per_row(self):
        """Whether ``relevant`` holds one mask per pool row (shape (n_rows, n_features))."""
        return not callable(self._relevant) and np.ndim(self._relevant) == 2

    # ---------------------------------------------------------- validation
    @staticmethod
    def _check_relevant(relevant):
        if callable(relevant):
            return relevant
        mask = np.asarray(relevant)
        if mask.dtype != bool:
            raise TypeError(
                "relevant must be a boolean mask of shape (n_features,) or "
                f"(n_rows, n_features), or a callable; got an array of dtype "
                f"{mask.dtype}."
            )
        if mask.ndim not in (1, 2) or mask.shape[-1] == 0:
            raise ValueError(
                "relevant must be a boolean mask of shape (n_features,) or "
                f"(n_rows, n_features); got shape {mask.shape}."
            )
        return mask.copy()

    @staticmethod
    def _check_noise(noise, noise_rate):
        if noise is not None and noise not in NOISE_MODES:
            raise ValueError(
                f"noise must be None or one of {NOISE_MODES}; got {noise!r}."
            )
        if isinstance(noise_rate, bool) or not isinstance(noise_rate, numbers.Real):
            raise TypeError(
                f"noise_rate must be a float in [0, 1]; got {noise_rate!r}."
            )
        if not 0.0 <= noise_rate <= 1.0:
            raise ValueError(f"noise_rate must lie in [0, 1]; got {noise_rate}.")
        if noise is None and noise_rate > 0:
            raise ValueError(
                f"noise_rate={noise_rate} needs a noise mode; set noise to one of "
                f"{NOISE_MODES}."
            )

    @staticmethod
    def _check_min_stability(min_stability):
        if min_stability is None:
            return
        if isinstance(min_stability, bool) or not isinstance(
            min_stability, numbers.Real
        ):
            raise TypeError(
                f"min_stability must be None or a float in [0, 1]; got "
                f"{min_stability!r}."
            )
        if not 0.0 <= min_stability <= 1.0:
            raise ValueError(f"min_stability must lie in [0, 1]; got {min_stability}.")

    def is_stable(self, explanation: Explanation) -> bool:
        """Whether the user would correct ``explanation``, by its stability.

        Parameters
        ----------
        explanation : Explanation
            An explanation, with or without ``stability``.

        Returns
        -------
        stable : bool
            False when ``min_stability`` is set and the explanation's
            measured ``stability.score`` is below it; True otherwise
            (including when its stability was not measured).
        """
        stability = getattr(explanation, "stability", None)
        if self.min_stability is None or stability is None:
            return True
        return stability.score >= self.min_stability

    def reset(self) -> SimulatedUser:
        """Start the answers afresh: a new generator and no answers given.

        Returns
        -------
        self : SimulatedUser
        """
        self._rng = check_random_state(self.random_state)
        if isinstance(self.random_state, np.random.RandomState):
            self._rng = np.random.RandomState(
                self._rng.randint(np.iinfo(np.int32).max)
            )
        self.n_answers_ = 0
        self.n_unstable_ = 0
        return self

    # ------------------------------------------------------------- answers
    def relevant_mask(
        self,
        x: ArrayLike,
        n_features: int,
        *,
        index: int | None = None,
        feature_names: list[str] | None = None,
    ) -> NDArray[np.bool_]:
        """The relevant features of one row.

        Parameters
        ----------
        x : array-like of shape (n_features,)
            The row (used only by a callable ``relevant``).

        n_features : int
            Number of features the mask must have.

        index : int, default=None
            Position of the row in the pool; required when ``relevant`` has
            one mask per row.

        feature_names : list of str, default=None
            Names of the explanation's features, passed to a callable
            ``relevant`` that asks for them.

        Returns
        -------
        mask : ndarray of shape (n_features,), dtype=bool
        """
        relevant = self._relevant
        if callable(relevant):
            if _accepts(relevant, "feature_names"):
                mask = np.asarray(relevant(x, feature_names=feature_names))
            else:
                mask = np.asarray(relevant(x))
            if mask.dtype != bool:
                raise TypeError(
                    f"The relevant callable must return a boolean mask; got dtype "
                    f"{mask.dtype}."
                )
        elif relevant.ndim == 2:
            if index is None:
                raise ValueError(
                    "relevant has one mask per row, so answer() needs the row's "
                    "position in the pool: pass index=."
                )
            if not -relevant.shape[0] <= int(index) < relevant.shape[0]:
                raise IndexError(
                    f"index {index} is out of range for relevant with "
                    f"{relevant.shape[0]} rows."
                )
            mask = relevant[int(index)]
        else:
            mask = relevant
        if mask.shape != (n_features,):
            raise ValueError(
                f"The relevant mask has shape {mask.shape}, but the explanation "
                f"is over {n_features} features."
            )
        return mask

    def answer(
        self,
        x: ArrayLike,
        y_true: Any,
        explanation: Explanation | None,
        *,
        index: int | None = None,
    ) -> tuple:
        """Answer one query: the true label and, maybe, a correction.

        Parameters
        ----------
        x : array-like of shape (n_features,)
            The queried row.

        y_true : object
            Its true label.

        explanation : Explanation or None
            The model's prediction and explanation on ``x``. ``None`` (no
            explanation shown) gets the label only.

        index : int, default=None
            Position of the row in the pool; required when ``relevant`` has
            one mask per row.

        Returns
        -------
        label : object
            ``y_true``.

        correction : ndarray of int, list of str or None
            Sorted indices of the features the model should not rely on, or
            ``None`` when there is nothing to correct (or the explanation is
            less stable than ``min_stability``). For a text explanation,
            the words themselves (as :meth:`CaipiClassifier.teach` takes them
            for documents), in the order of the indices. Always ``None``
            with ``feedback="focus"``.

        focus : ndarray of int, list of str or None
            Only with ``feedback="focus"`` or ``"both"``: the features the
            model should rely on (the row's relevant features) when the
            explanation is wrong, in the same form; else ``None``.
        """
        if explanation is None:
            return self._reply(y_true, None, None, explanation)
        n_features = int(explanation.n_features_in)
        relevant = self.relevant_mask(
            x, n_features, index=index, feature_names=explanation.all_feature_names
        )
        self.n_answers_ += 1
        if explanation.predicted_class != y_true:
            return self._reply(y_true, None, None, explanation)
        if not self.is_stable(explanation):
            self.n_unstable_ += 1
            return self._reply(y_true, None, None, explanation)
        shown = np.unique(np.asarray(explanation.features, dtype=np.intp))
        wrong = shown[~relevant[shown]]
        relevant_idx = np.flatnonzero(relevant)
        right = relevant_idx if wrong.size else relevant_idx[:0]
        if self.noise is not None and self._rng.uniform() < self.noise_rate:
            if self.feedback != "focus":
                wrong = self._noisy(wrong, shown, relevant)
            if self.feedback != "ignore":
                right = self._noisy_focus(shown[~relevant[shown]], relevant_idx, relevant)
        return self._reply(y_true, wrong, right, explanation)

    def _reply(self, y_true, wrong, right, explanation):
        """The answer tuple: ``(label, ignore)`` or ``(label, ignore, focus)``."""
        ignore = None if self.feedback == "focus" else self._features(wrong, explanation)
        if self.feedback == "ignore":
            return y_true, ignore
        return y_true, ignore, self._features(right, explanation)

    @staticmethod
    def _features(found, explanation):
        """Sorted feature indices (words for a text explanation), or None."""
        if found is None or found.size == 0:
            return None
        found = np.sort(found).astype(np.intp)
        if getattr(explanation, "tokens", None) is not None:
            return [explanation.all_feature_names[j] for j in found]
        return found

    def _noisy_focus(self, wrong, right, relevant):
        """A faulty focus set instead of the relevant features ``right``."""
        rng = self._rng
        if self.noise == "incomplete":
            return rng.choice(right, size=rng.randint(right.size), replace=False)
        if self.noise == "random":
            return rng.choice(relevant.shape[0], size=right.size, replace=False)
        if self.noise == "adversarial":
            return right[:0]
        return wrong  # "wrong"

    def _noisy(self, wrong, shown, relevant):
        """A faulty correction instead of ``wrong``."""
        rng = self._rng
        n_features = relevant.shape[0]
        if self.noise == "incomplete":
            if wrong.size == 0:
                return wrong
            n_keep = rng.randint(wrong.size)
            return rng.choice(wrong, size=n_keep, replace=False)
        if self.noise == "random":
            size = min(max(shown.size, 1), n_features)
            return rng.choice(n_features, size=size, replace=False)
        if self.noise == "adversarial":
            return np.arange(n_features)
        return np.flatnonzero(relevant)  # "wrong"

    def answer_batch(
        self,
        X: ArrayLike,
        y_true: ArrayLike,
        explanations: list[Explanation | None],
        *,
        indices: ArrayLike | None = None,
    ) -> tuple:
        """Answer several queries, one :meth:`answer` per row.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            The queried rows.

        y_true : array-like of shape (n_rows,)
            Their true labels.

        explanations : list of Explanation or None
            One per row.

        indices : array-like of int of shape (n_rows,), default=None
            Positions of the rows in the pool.

        Returns
        -------
        labels : ndarray of shape (n_rows,)
            The true labels.

        corrections : list of (ndarray or None)
            One correction per row, as :meth:`CaipiClassifier.teach` takes
            them.

        focus : list of (ndarray or None)
            Only with ``feedback="focus"`` or ``"both"``: one focus set per
            row, for ``teach(focus=...)``.
        """
        y_true = np.asarray(y_true)
        n_rows = y_true.shape[0]
        if len(explanations) != n_rows:
            raise ValueError(
                f"Got {len(explanations)} explanations for {n_rows} labels."
            )
        if indices is not None and len(indices) != n_rows:
            raise ValueError(f"Got {len(indices)} indices for {n_rows} labels.")
        answers = []
        for i in range(n_rows):
            index = None if indices is None else int(indices[i])
            answers.append(self.answer(_row(X, i), y_true[i], explanations[i], index=index))
        n_sets = 1 if self.feedback == "ignore" else 2
        feedback = [[a[k] for a in answers] for k in range(1, 1 + n_sets)]
        return (y_true.copy(), *feedback)

    def __repr__(self):
        relevant = "callable" if callable(self.relevant) else "mask"
        return (
            f"SimulatedUser(relevant=<{relevant}>, feedback={self.feedback!r}, "
            f"noise={self.noise!r}, "
            f"noise_rate={self.noise_rate!r}, min_stability={self.min_stability!r}, "
            f"random_state={self.random_state!r})"
        )


def _accepts(func, name):
    """Whether ``func``'s signature names ``name`` or takes ``**kwargs``."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


def _row(X, i):
    """Row ``i`` of an array, DataFrame or sparse matrix as a dense 1-D array.

    Of a sequence of documents, document ``i`` (a str).
    """
    if X is None:
        return None
    if hasattr(X, "iloc"):
        row = X.iloc[i]
        return row if isinstance(row, str) else row.to_numpy()
    if not hasattr(X, "toarray") and isinstance(X[i], str):
        return X[i]  # a document
    if hasattr(X, "toarray"):
        return X[i].toarray().ravel()
    return np.asarray(X[i])
