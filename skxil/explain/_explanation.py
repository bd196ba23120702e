"""The Explanation object that every skxil explainer returns."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from ._stability import Stability
from ._utils import paired_vectors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..utils._typing import ArrayLike, NDArray


def _names(names, n_features, what):
    """``names`` as a list of ``n_features`` str, or None."""
    if names is None:
        return None
    names = [str(name) for name in names]
    if len(names) != n_features:
        raise ValueError(
            f"{what} has {len(names)} entries, expected n_features_in = "
            f"{n_features}."
        )
    return names


class Explanation:
    """A local explanation of one prediction.

    Holds the predicted class and the top-k features behind it, most important
    first, with signed weights (positive: the feature pushes towards the
    predicted class). Its :meth:`as_list` and :meth:`as_map` have the shapes of
    lime's ``Explanation`` methods so code written for lime keeps working.

    Parameters
    ----------
    predicted_class : object
        The predicted class label.

    features : array-like of int of shape (k,)
        Indices of the explaining features, most important first.

    weights : array-like of float of shape (k,)
        Signed weight of each feature, in the same order.

    n_features_in : int
        Total number of features of the explained input (not the top k).

    class_index : int, default=None
        Position of ``predicted_class`` in the model's ``classes_`` (lime's
        ``label``). Defaults to 0.

    all_feature_names : array-like of str, default=None
        Names of all ``n_features_in`` features; ``"x{j}"`` when not given.

    feature_labels : array-like of str, default=None
        How each of the ``n_features_in`` features reads for this instance in
        :meth:`as_list` and plots, e.g. ``"color=red"`` for a categorical
        column (lime's naming); defaults to ``all_feature_names``.

    proba : float, default=None
        Predicted probability of ``predicted_class``, when known.

    intercept : float, default=None
        Intercept of the local surrogate model, when there is one.

    score : float, default=None
        Fit (R^2) of the local surrogate model, when there is one.

    shape : tuple of int, default=None
        Shape ``(height, width)`` or ``(height, width, channels)`` of an
        explained image. Without ``segments`` the features are its pixels
        (``n_features_in == height * width``) or pixel values
        (``n_features_in == prod(shape)``, C order).

    segments : array-like of int of shape (height, width), default=None
        For an image explained over segments or patches: the feature (index
        in ``[0, n_features_in)``) of every pixel.

    instance : array-like of float, default=None
        The explained row (flattened image), shown by :meth:`plot` and the
        notebook view.

    tokens : sequence of str, default=None
        For a document: its words and separators in order, so that
        ``"".join(tokens)`` is the document; a token equal to
        ``all_feature_names[j]`` is an occurrence of word ``j``.

    stability : Stability, default=None
        How stable the top k is over repeated fits of the surrogate (see
        :class:`Stability`); its ``frequency`` and ``weight_std`` follow the
        order of ``features``. ``None`` means not measured.

    Attributes
    ----------
    features : ndarray of shape (k,), dtype=intp
        Indices of the explaining features, most important first.

    feature_names : list of str
        Names of the explaining features (the top k), in the order of
        ``features``: ``"batch" in explanation.feature_names`` asks whether
        the explanation shows the column ``batch``.

    all_feature_names : list of str
        Names of all ``n_features_in`` features of the input.

    weights : ndarray of shape (k,), dtype=float64
        Signed weights, same order as ``features``.

    text : str or None
        The explained document (``"".join(tokens)``), ``None`` unless
        ``tokens`` were given.

    stability : Stability or None
        How stable the explanation is: ``stability.score`` is the mean
        selection frequency of the shown features over ``stability.n_runs``
        fits, in [0, 1]. Set by :class:`FastLimeExplainer` and
        :class:`LimeExplainer` when ``n_repeats > 1`` (the runs they vote
        over) and by :class:`FastLimeExplainer` when ``n_bootstrap > 0``
        (bootstrap resamples of the surrogate); ``None`` when not measured,
        as for a single run and for :class:`LinearExplainer`, whose exact
        explanations do not vary. A consumer that thresholds it (e.g.
        ``SimulatedUser(min_stability=...)``) treats ``None`` as stable.
        Not compared by ``==``.

    Notes
    -----
    In a notebook an explanation shows itself (``_repr_html_``) as a signed
    bar chart, as the document with its words highlighted (text), or as a
    heat map over the image (``shape`` given); :meth:`plot` draws the same
    with matplotlib. Blue marks evidence for the predicted class, red
    against it. A measured stability is shown in the title, and each
    feature's selection frequency beside its weight.

    Examples
    --------
    >>> from skxil.explain import Explanation
    >>> e = Explanation("spam", [2, 0], [0.7, -0.2], n_features_in=3,
    ...                 all_feature_names=["free", "hello", "win"])
    >>> e.feature_names
    ['win', 'free']
    >>> e.as_list()
    [('win', 0.7), ('free', -0.2)]
    >>> e.as_map()
    {0: [(2, 0.7), (0, -0.2)]}
    >>> e.as_mask()
    array([ True, False,  True])

    With the stability of the top k over three runs:

    >>> from skxil.explain import Stability
    >>> runs = [([2, 0], [0.7, -0.2]), ([2, 1], [0.6, 0.1]), ([2, 0], [0.8, -0.2])]
    >>> e = Explanation("spam", [2, 0], [0.7, -0.2], n_features_in=3,
    ...                 stability=Stability.from_runs([2, 0], runs))
    >>> e
    Explanation(predicted_class='spam', [x2: +0.7, x0: -0.2], stability=0.833)
    >>> e.stability.frequency.round(3)
    array([1.   , 0.667])
    """

    def __init__(
        self,
        predicted_class: Any,
        features: ArrayLike,
        weights: ArrayLike,
        n_features_in: int,
        *,
        class_index: int | None = None,
        all_feature_names: ArrayLike | None = None,
        feature_labels: ArrayLike | None = None,
        proba: float | None = None,
        intercept: float | None = None,
        score: float | None = None,
        shape: tuple[int, ...] | None = None,
        segments: ArrayLike | None = None,
        instance: ArrayLike | None = None,
        tokens: Sequence[str] | None = None,
        stability: Stability | None = None,
    ) -> None:
        features, weights = paired_vectors(
            features, weights, ("features", "weights"), (np.intp, np.float64)
        )
        n_features = int(n_features_in)
        if features.size and (features.min() < 0 or features.max() >= n_features):
            raise ValueError(
                f"Feature indices must lie in [0, {n_features}); got "
                f"{features.tolist()}."
            )
        all_feature_names = _names(all_feature_names, n_features, "all_feature_names")
        feature_labels = _names(feature_labels, n_features, "feature_labels")
        if shape is not None:
            shape = tuple(int(s) for s in shape)
            if len(shape) not in (2, 3):
                raise ValueError(
                    f"shape must be (height, width) or (height, width, channels); "
                    f"got {shape}."
                )
        if segments is not None:
            segments = np.asarray(segments, dtype=np.intp)
            if shape is None or segments.shape != shape[:2]:
                raise ValueError(
                    "segments needs shape and must have shape (height, width); got "
                    f"segments of shape {segments.shape} and shape={shape}."
                )
            if segments.size and (segments.min() < 0 or segments.max() >= n_features):
                raise ValueError(
                    f"segments must hold feature indices in [0, {n_features})."
                )
        elif shape is not None and n_features not in (
            shape[0] * shape[1],
            int(np.prod(shape)),
        ):
            raise ValueError(
                f"An image of shape {shape} without segments needs one feature "
                f"per pixel or pixel value; got n_features_in = {n_features}."
            )
        if instance is not None:
            instance = np.asarray(instance, dtype=np.float64).reshape(-1)
            expected = int(np.prod(shape)) if shape is not None else n_features
            if tokens is None and instance.size != expected:
                raise ValueError(
                    f"instance has {instance.size} values, expected {expected}."
                )
        if tokens is not None:
            tokens = [str(token) for token in tokens]
        if stability is not None:
            if not isinstance(stability, Stability):
                raise TypeError(
                    f"stability must be a Stability or None; got "
                    f"{type(stability).__name__}."
                )
            if stability.frequency.shape != features.shape:
                raise ValueError(
                    f"stability has {stability.frequency.shape[0]} frequencies, "
                    f"expected one per feature ({features.shape[0]})."
                )
        self.predicted_class = predicted_class
        self.features = features
        self.weights = weights
        self.n_features_in = n_features
        self.class_index = 0 if class_index is None else int(class_index)
        self.all_feature_names = (
            [f"x{j}" for j in range(n_features)]
            if all_feature_names is None
            else all_feature_names
        )
        self._labels = feature_labels
        self.proba = None if proba is None else float(proba)
        self.intercept = None if intercept is None else float(intercept)
        self.score = None if score is None else float(score)
        self.shape = shape
        self.segments = segments
        self.instance = instance
        self.tokens = tokens
        self.stability = stability

    @property
    def text(self) -> str | None:
        return None if self.tokens is None else "".join(self.tokens)

    @property
    def feature_names(self) -> list[str]:
        """Names of the explaining features (top k), most important first."""
        return [self.all_feature_names[j] for j in self.features]

    def _label(self, j):
        return self._labels[j] if self._labels is not None else self.all_feature_names[j]

    def as_list(self, label: int | None = None) -> list[tuple[str, float]]:
        """The explanation as ``[(feature label, weight), ...]``, most important first.

        A feature reads as its name, or as ``feature_labels`` gave it (e.g.
        ``"color=red"`` for a categorical column).

        Parameters
        ----------
        label : int, default=None
            Accepted for compatibility with lime; must be ``None`` or the
            explained ``class_index``.

        Returns
        -------
        pairs : list of (str, float)
        """
        self._check_label(label)
        return [(self._label(j), float(w)) for j, w in zip(self.features, self.weights)]

    def as_map(self) -> dict:
        """The explanation as ``{class_index: [(feature index, weight), ...]}``.

        Returns
        -------
        mapping : dict
            Shaped like lime's ``Explanation.as_map()``.
        """
        return {
            self.class_index: [
                (int(j), float(w)) for j, w in zip(self.features, self.weights)
            ]
        }

    def as_mask(self) -> NDArray[np.bool_]:
        """Boolean mask over all features: True for the explaining features.

        Returns
        -------
        mask : ndarray of shape (n_features_in,), dtype=bool
        """
        mask = np.zeros(self.n_features_in, dtype=bool)
        mask[self.features] = True
        return mask

    def _relabel(self, feature_labels):
        """A copy whose features read as ``feature_labels`` (one per feature)."""
        other = copy.copy(self)
        other._labels = _names(feature_labels, self.n_features_in, "feature_labels")
        return other

    def _check_label(self, label):
        if label is not None and int(label) != self.class_index:
            raise KeyError(
                f"This explanation is for class index {self.class_index}, not "
                f"{label}."
            )

    def plot(self, ax: Any = None) -> Any:
        """Draw the explanation with matplotlib.

        A horizontal bar per feature (most important on top; blue for the
        predicted class, red against it), or for an image (``shape`` given)
        the weights as a heat map over the image.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; ``None`` means the current axes.

        Returns
        -------
        ax : matplotlib Axes
        """
        from ._plot import plot_explanation

        return plot_explanation(self, ax)

    def _repr_html_(self):
        from ._plot import explanation_html

        return explanation_html(self)

    def __repr__(self):
        pairs = ", ".join(f"{name}: {w:+.3g}" for name, w in self.as_list())
        predicted = self.predicted_class
        if isinstance(predicted, np.generic):
            predicted = predicted.item()  # 0, not np.int64(0)
        stability = (
            "" if self.stability is None else f", stability={self.stability.score:.3g}"
        )
        return f"Explanation(predicted_class={predicted!r}, [{pairs}]{stability})"

    def __eq__(self, other):
        if not isinstance(other, Explanation):
            return NotImplemented
        return (
            self.predicted_class == other.predicted_class
            and self.class_index == other.class_index
            and self.n_features_in == other.n_features_in
            and np.array_equal(self.features, other.features)
            and np.array_equal(self.weights, other.weights)
            and self.all_feature_names == other.all_feature_names
            and self._labels == other._labels
        )

    __hash__ = None
