"""Ross et al.'s toy "colors" problem: two rules that the labels cannot tell apart."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, NDArray, RandomStateLike

__all__ = ["SameColorFeatures", "make_colors"]

_SIDE = 5
_N_PIXELS = _SIDE * _SIDE
_N_COLORS = 4
_CORNERS = np.array([0, _SIDE - 1, _N_PIXELS - _SIDE, _N_PIXELS - 1])  # 0, 4, 20, 24
_TOP_MIDDLE = np.array([1, 2, 3])


def _rule0(X):
    """The four corners share a colour."""
    corners = X[:, _CORNERS]
    return np.all(corners == corners[:, :1], axis=1)


def _rule1(X):
    """The three top-middle pixels all differ."""
    a, b, c = X[:, 1], X[:, 2], X[:, 3]
    return (a != b) & (a != c) & (b != c)


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "sampling": [StrOptions({"uniform", "repair"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_colors(
    n_samples: int = 1000,
    *,
    sampling: str = "uniform",
    random_state: RandomStateLike = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Generate Ross et al.'s "colors" images, where two rules explain the labels.

    The toy problem of Ross, Hughes and Doshi-Velez ("Right for the right
    reasons", IJCAI 2017), used by Teso and Kersting (CAIPI, 2019): 5 x 5
    images over 4 colours, with two rules,

    - rule 0: the four corner pixels have the same colour;
    - rule 1: the three middle pixels of the top row (pixels 1, 2 and 3) all
      have different colours.

    An image is positive (``y = 1``) when both rules hold and negative
    (``y = 0``) when neither does; images where exactly one holds are never
    generated. So either rule alone predicts the labels perfectly, and the
    labels cannot tell which one a model has learned: only explanations can.

    Every pixel starts uniform over the 4 colours; ``sampling`` says how the
    rule pixels are then made to (not) satisfy the rules. The labels are
    balanced (class counts differ by at most one) and in random order.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of images.

    sampling : {"uniform", "repair"}, default="uniform"
        How the rule pixels are drawn.

        - ``"uniform"``: positives uniformly among the images satisfying both
          rules, negatives uniformly among those satisfying neither (the
          pixels conditioned on the rules).
        - ``"repair"``: the procedure of Ross et al.'s generator
          (``rrr/toy_colors.py``, whose images CAIPI's ``ColorsProblem``
          loads): a positive gets the bottom-right colour in the other three
          corners, then one of the three top-middle pixels, chosen at random,
          is recoloured at random until they all differ; a negative gets,
          with probability 1/2, its top-right corner recoloured until it
          differs from the bottom-left one (otherwise its top-left corner
          until it differs from the bottom-right one), then one top-middle
          pixel at a time is recoloured until two of them share a colour.
          Positives are distributed as with ``"uniform"``; negatives differ
          slightly (e.g. three equal top-middle pixels have probability
          1/16 instead of 1/10). Ross et al. draw each label with
          probability 1/2; here the classes stay balanced.

    random_state : int, RandomState instance or None, default=None
        Determines the images and their order. Pass an int for reproducible
        output.

    Returns
    -------
    X : ndarray of shape (n_samples, 25), dtype=int64
        Images, pixels in row-major order, colours coded 0 to 3.

    y : ndarray of shape (n_samples,), dtype=int64
        1 when both rules hold, 0 when neither does.

    rules : ndarray of shape (2, 25), dtype=bool
        Ground-truth relevant pixels of each rule: ``rules[0]`` marks the
        four corners (pixels 0, 4, 20, 24), ``rules[1]`` the top-middle pixels
        1, 2 and 3.

    See Also
    --------
    SameColorFeatures : The pairwise "same colour" features CAIPI learns on.

    Examples
    --------
    >>> from skxil.datasets import make_colors
    >>> X, y, rules = make_colors(100, random_state=0)
    >>> X.shape, int(y.sum())
    ((100, 25), 50)
    >>> import numpy as np
    >>> np.flatnonzero(rules[0]), np.flatnonzero(rules[1])
    (array([ 0,  4, 20, 24]), array([1, 2, 3]))
    """
    rng = check_random_state(random_state)
    y = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)
    X = rng.randint(_N_COLORS, size=(n_samples, _N_PIXELS)).astype(np.int64)
    if sampling == "repair":
        _repair(X, y, rng)
    else:
        _uniform(X, y, rng)
    rules = np.zeros((2, _N_PIXELS), dtype=bool)
    rules[0, _CORNERS] = True
    rules[1, _TOP_MIDDLE] = True
    return X, y, rules


def _recolour_until(X, rows, pick, done, rng):
    """Recolour, in each row, one pixel chosen by ``pick`` until ``done``.

    ``pick(n)`` returns the pixel to recolour in each of ``n`` rows;
    ``done(X_rows)`` says which rows are finished. Works in place.
    """
    rows = rows[~done(X[rows])]
    while rows.size:
        X[rows, pick(rows.size)] = rng.randint(_N_COLORS, size=rows.size)
        rows = rows[~done(X[rows])]


def _repair(X, y, rng):
    """Ross et al.'s generator: fix random images until the rules (fail to) hold."""
    positive = np.flatnonzero(y == 1)
    X[np.ix_(positive, _CORNERS[:3])] = X[positive, _CORNERS[3]][:, np.newaxis]
    _recolour_until(X, positive, lambda n: rng.randint(1, 4, size=n), _rule1, rng)

    negative = np.flatnonzero(y == 0)
    anti_diagonal = rng.random_sample(negative.size) < 0.5
    # corner pairs: (recoloured, reference)
    for rows, (j, ref) in (
        (negative[anti_diagonal], (_CORNERS[1], _CORNERS[2])),
        (negative[~anti_diagonal], (_CORNERS[0], _CORNERS[3])),
    ):
        _recolour_until(
            X,
            rows,
            lambda n, j=j: np.full(n, j),
            lambda Z, j=j, ref=ref: Z[:, j] != Z[:, ref],
            rng,
        )
    _recolour_until(
        X, negative, lambda n: rng.randint(1, 4, size=n), lambda Z: ~_rule1(Z), rng
    )


def _uniform(X, y, rng):
    """Rule pixels uniform given the rules."""
    positive = np.flatnonzero(y == 1)
    # Both rules: one colour for all corners, three distinct top-middle colours.
    X[np.ix_(positive, _CORNERS)] = rng.randint(_N_COLORS, size=(positive.size, 1))
    X[np.ix_(positive, _TOP_MIDDLE)] = np.argsort(
        rng.random_sample((positive.size, _N_COLORS)), axis=1
    )[:, :3]

    # Neither rule: redraw the rule pixels until both rules fail (rejection
    # sampling keeps the conditional distribution uniform).
    pending = np.flatnonzero(y == 0)
    while pending.size:
        X[np.ix_(pending, _CORNERS)] = rng.randint(_N_COLORS, size=(pending.size, 4))
        X[np.ix_(pending, _TOP_MIDDLE)] = rng.randint(_N_COLORS, size=(pending.size, 3))
        sub = X[pending]
        pending = pending[_rule0(sub) | _rule1(sub)]


class SameColorFeatures(TransformerMixin, BaseEstimator):
    """Pairwise "same colour" features of the colors images, as in CAIPI.

    Maps an image with ``n`` pixels to the ``n (n - 1) / 2`` binary features
    "pixel ``i`` has the same colour as pixel ``j``", for all pairs
    ``i < j`` in lexicographic order: ``(0, 1), (0, 2), ..., (23, 24)`` for
    the 25 pixels of :func:`make_colors`, which gives 300 features. Both
    rules of the colors problem are linear in these features, which is why
    CAIPI's colors experiments use them.

    The transformer is stateless: :meth:`fit` only records the number of
    pixels. Use it in a :class:`~sklearn.pipeline.Pipeline` in front of a
    linear model, and :meth:`feature_mask` to turn a rule's relevant pixels
    into its relevant features.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the pixels seen during :meth:`fit`, when ``X`` has string
        column names.

    pairs_ : ndarray of shape (`n_features_in_` * (`n_features_in_` - 1) / 2, 2)
        Pixel index pairs ``(i, j)``, ``i < j``, of the output features, in
        output order.

    See Also
    --------
    make_colors : The colors images.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skxil.datasets import SameColorFeatures, make_colors
    >>> X, y, rules = make_colors(200, random_state=0)
    >>> features = SameColorFeatures().fit(X)
    >>> features.transform(X).shape
    (200, 300)
    >>> features.get_feature_names_out()[:3]
    array(['same_0_1', 'same_0_2', 'same_0_3'], dtype=object)
    >>> int(features.feature_mask(rules[0]).sum())  # pairs of corners
    6
    >>> model = make_pipeline(SameColorFeatures(), LogisticRegression())
    >>> float(model.fit(X, y).score(X, y))
    1.0
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> SameColorFeatures:
        """Record the number of pixels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Images, colours coded as numbers.

        y : None
            Ignored.

        Returns
        -------
        self : SameColorFeatures
            The fitted transformer.
        """
        validate_data(self, X, reset=True)
        i, j = np.triu_indices(self.n_features_in_, k=1)
        self.pairs_ = np.column_stack([i, j]).astype(np.intp)
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Compute the "same colour" indicators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Images, colours coded as numbers.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_pairs), dtype=float64
            1.0 where pixel ``i`` has the same colour as pixel ``j``, else 0.0,
            for the pairs ``pairs_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return (X[:, self.pairs_[:, 0]] == X[:, self.pairs_[:, 1]]).astype(np.float64)

    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> NDArray[np.object_]:
        """Names of the output features, ``"same_{i}_{j}"``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Pixel names; ``None`` means ``feature_names_in_`` if defined,
            otherwise the pixel indices. With names ``a`` and ``b`` the
            feature is called ``"same_a_b"``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per pair.
        """
        check_is_fitted(self)
        if input_features is None and not hasattr(self, "feature_names_in_"):
            names = np.arange(self.n_features_in_).astype(str)
        else:
            names = _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"same_{names[i]}_{names[j]}" for i, j in self.pairs_], dtype=object
        )

    def feature_mask(self, pixel_mask: ArrayLike) -> NDArray[np.bool_]:
        """Output features whose two pixels are both in ``pixel_mask``.

        Turns a rule's relevant pixels (a row of the ``rules`` of
        :func:`make_colors`) into its relevant features in the transformed
        space, the ground truth for explanation metrics and simulated users.

        Parameters
        ----------
        pixel_mask : array-like of bool of shape (`n_features_in_`,)
            Relevant pixels.

        Returns
        -------
        mask : ndarray of shape (n_pairs,), dtype=bool
            True for the pairs ``(i, j)`` with both ``i`` and ``j`` relevant.
        """
        check_is_fitted(self)
        pixel_mask = np.asarray(pixel_mask)
        if pixel_mask.shape != (self.n_features_in_,):
            raise ValueError(
                f"pixel_mask must have shape ({self.n_features_in_},), one entry "
                f"per pixel; got shape {pixel_mask.shape}."
            )
        pixel_mask = pixel_mask.astype(bool)
        return pixel_mask[self.pairs_[:, 0]] & pixel_mask[self.pairs_[:, 1]]
