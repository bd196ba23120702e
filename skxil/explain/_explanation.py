"""The Explanation object that every skxil explainer returns."""

import numpy as np


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

    n_features : int
        Total number of features of the explained input.

    class_index : int, default=None
        Position of ``predicted_class`` in the model's ``classes_`` (lime's
        ``label``). Defaults to 0.

    feature_names : array-like of str, default=None
        Names of all ``n_features`` features; ``"x{j}"`` when not given.

    proba : float, default=None
        Predicted probability of ``predicted_class``, when known.

    intercept : float, default=None
        Intercept of the local surrogate model, when there is one.

    score : float, default=None
        Fit (R^2) of the local surrogate model, when there is one.

    Attributes
    ----------
    features : ndarray of shape (k,), dtype=intp
        Indices of the explaining features, most important first.

    weights : ndarray of shape (k,), dtype=float64
        Signed weights, same order as ``features``.

    Examples
    --------
    >>> from skxil.explain import Explanation
    >>> e = Explanation("spam", [2, 0], [0.7, -0.2], n_features=3,
    ...                 feature_names=["free", "hello", "win"])
    >>> e.as_list()
    [('win', 0.7), ('free', -0.2)]
    >>> e.as_map()
    {0: [(2, 0.7), (0, -0.2)]}
    >>> e.as_mask()
    array([ True, False,  True])
    """

    def __init__(
        self,
        predicted_class,
        features,
        weights,
        n_features,
        *,
        class_index=None,
        feature_names=None,
        proba=None,
        intercept=None,
        score=None,
    ):
        features = np.asarray(features, dtype=np.intp).reshape(-1)
        weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        if features.shape != weights.shape:
            raise ValueError(
                f"features and weights must have the same length; got "
                f"{features.shape[0]} and {weights.shape[0]}."
            )
        n_features = int(n_features)
        if features.size and (features.min() < 0 or features.max() >= n_features):
            raise ValueError(
                f"Feature indices must lie in [0, {n_features}); got "
                f"{features.tolist()}."
            )
        if feature_names is not None:
            feature_names = [str(name) for name in feature_names]
            if len(feature_names) != n_features:
                raise ValueError(
                    f"feature_names has {len(feature_names)} entries, expected "
                    f"n_features = {n_features}."
                )
        self.predicted_class = predicted_class
        self.features = features
        self.weights = weights
        self.n_features = n_features
        self.class_index = 0 if class_index is None else int(class_index)
        self.feature_names = feature_names
        self.proba = None if proba is None else float(proba)
        self.intercept = None if intercept is None else float(intercept)
        self.score = None if score is None else float(score)

    def _name(self, j):
        return self.feature_names[j] if self.feature_names is not None else f"x{j}"

    def as_list(self, label=None):
        """The explanation as ``[(feature name, weight), ...]``, most important first.

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
        return [(self._name(j), float(w)) for j, w in zip(self.features, self.weights)]

    def as_map(self):
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

    def as_mask(self):
        """Boolean mask over all features: True for the explaining features.

        Returns
        -------
        mask : ndarray of shape (n_features,), dtype=bool
        """
        mask = np.zeros(self.n_features, dtype=bool)
        mask[self.features] = True
        return mask

    def _check_label(self, label):
        if label is not None and int(label) != self.class_index:
            raise KeyError(
                f"This explanation is for class index {self.class_index}, not "
                f"{label}."
            )

    def __repr__(self):
        pairs = ", ".join(f"{name}: {w:+.3g}" for name, w in self.as_list())
        return f"Explanation(predicted_class={self.predicted_class!r}, [{pairs}])"

    def __eq__(self, other):
        if not isinstance(other, Explanation):
            return NotImplemented
        return (
            self.predicted_class == other.predicted_class
            and self.class_index == other.class_index
            and self.n_features == other.n_features
            and np.array_equal(self.features, other.features)
            and np.array_equal(self.weights, other.weights)
            and self.feature_names == other.feature_names
        )

    __hash__ = None
