"""How stable an explanation is: the spread of its top k over repeated fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._utils import paired_vectors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..utils._typing import ArrayLike
    from ._explanation import Explanation


class Stability:
    """The stability of an explanation's top k over repeated surrogate fits.

    LIME's explanation of a row changes with the random perturbations: run
    it again and the top-k features may differ. A stability compares the
    shown features with the top k of ``n_runs`` fits of the same row (the
    ``n_repeats`` runs of a voting explainer, bootstrap resamples of a
    surrogate, or the explanations of a committee of models): how often
    each shown feature was selected, how much its weight varied, and how
    often a fit selected exactly the shown set.

    Parameters
    ----------
    frequency : array-like of float of shape (k,)
        Share of the runs whose top k contains each shown feature, in the
        order of the explanation's ``features``.

    weight_std : array-like of float of shape (k,)
        Standard deviation of each shown feature's weight over the runs that
        selected it (0 when one run did, NaN when none did).

    agreement : float
        Share of the runs whose top-k set equals the shown set, in [0, 1].

    n_runs : int
        Number of runs compared.

    method : {"repeats", "bootstrap", "committee"} or str, default="repeats"
        Where the runs come from.

    Attributes
    ----------
    score : float
        Mean of ``frequency`` (1.0 for an explanation without features): the
        mean selection frequency of the shown features, in [0, 1]. 1 means
        every run selected every shown feature. This is the number that
        thresholds (``SimulatedUser(min_stability=...)``) compare with.

    frequency, weight_std, agreement, n_runs, method
        As given.

    See Also
    --------
    Stability.from_runs : Measure the stability of shown features over runs.

    Examples
    --------
    >>> from skxil.explain import Stability
    >>> runs = [([2, 0], [0.7, -0.2]), ([2, 1], [0.6, 0.1]),
    ...         ([0, 2], [-0.3, 0.8]), ([2, 0], [0.7, -0.2])]
    >>> s = Stability.from_runs([2, 0], runs)
    >>> s.score, s.agreement
    (0.875, 0.75)
    >>> s.frequency
    array([1.  , 0.75])
    >>> s
    Stability(score=0.875, agreement=0.75, n_runs=4, method='repeats')
    """

    def __init__(
        self,
        frequency: ArrayLike,
        weight_std: ArrayLike,
        agreement: float,
        n_runs: int,
        method: str = "repeats",
    ) -> None:
        frequency, weight_std = paired_vectors(
            frequency,
            weight_std,
            ("frequency", "weight_std"),
            (np.float64, np.float64),
        )
        if np.any((frequency < 0) | (frequency > 1)):
            raise ValueError(f"frequency must lie in [0, 1]; got {frequency.tolist()}.")
        agreement = float(agreement)
        if not 0.0 <= agreement <= 1.0:
            raise ValueError(f"agreement must lie in [0, 1]; got {agreement}.")
        n_runs = int(n_runs)
        if n_runs < 1:
            raise ValueError(f"n_runs must be at least 1; got {n_runs}.")
        self.frequency = frequency
        self.weight_std = weight_std
        self.agreement = agreement
        self.n_runs = n_runs
        self.method = str(method)

    @property
    def score(self) -> float:
        if self.frequency.size == 0:
            return 1.0
        return float(self.frequency.mean())

    @classmethod
    def from_runs(
        cls, features: ArrayLike, runs: Sequence, method: str = "repeats"
    ) -> Stability:
        """Measure how stable the shown ``features`` are over ``runs``.

        Parameters
        ----------
        features : array-like of int of shape (k,)
            The explanation's features (e.g. the vote of the runs).

        runs : sequence of (features, weights)
            Each run's selected features and their weights (e.g. lime's
            ``as_map()[label]`` unzipped, or another explanation's
            ``features`` and ``weights``).

        method : str, default="repeats"
            Where the runs come from, kept in :attr:`method`.

        Returns
        -------
        stability : Stability
        """
        features = np.asarray(features, dtype=np.intp).reshape(-1)
        runs = [
            (np.asarray(f, dtype=np.intp).reshape(-1), np.asarray(w, dtype=float))
            for f, w in runs
        ]
        if not runs:
            raise ValueError("runs must hold at least one run.")
        shown = set(features.tolist())
        frequency = np.zeros(features.size)
        weight_std = np.full(features.size, np.nan)
        agreement = 0
        for a, j in enumerate(features):
            values = [w[f == j][0] for f, w in runs if np.any(f == j)]
            frequency[a] = len(values) / len(runs)
            if values:
                weight_std[a] = float(np.std(values))
        for f, _ in runs:
            agreement += set(f.tolist()) == shown
        return cls(frequency, weight_std, agreement / len(runs), len(runs), method)

    @classmethod
    def from_explanations(
        cls,
        explanation: Explanation,
        others: list[Explanation],
        method: str = "committee",
    ) -> Stability:
        """Measure how stable ``explanation`` is over other explanations of its row.

        For instance the explanations of a committee's members, or of
        explainers with other seeds.

        Parameters
        ----------
        explanation : Explanation
            The shown explanation.

        others : sequence of Explanation
            Explanations of the same row over the same features.

        method : str, default="committee"
            Kept in :attr:`method`.

        Returns
        -------
        stability : Stability
        """
        for other in others:
            if other.n_features_in != explanation.n_features_in:
                raise ValueError(
                    "others must explain the same features: got n_features_in "
                    f"{other.n_features_in} and {explanation.n_features_in}."
                )
        return cls.from_runs(
            explanation.features,
            [(other.features, other.weights) for other in others],
            method,
        )

    def __repr__(self):
        return (
            f"Stability(score={self.score:.3g}, agreement={self.agreement:.3g}, "
            f"n_runs={self.n_runs}, method={self.method!r})"
        )
