"""The record of a simulated CAIPI run: one row per evaluation."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    import pandas as pd

    from ..utils._typing import NDArray

__all__ = ["History"]

#: Fields of every record, in order.
FIELDS = (
    "iteration",
    "n_labelled",
    "n_corrections",
    "n_counterexamples",
    "test_accuracy",
    "test_f1",
    "query_precision",
    "query_recall",
    "query_f1",
    "test_expl_precision",
    "test_expl_recall",
    "test_expl_f1",
    "seconds",
)


class History:
    """Learning curves of one simulated CAIPI run.

    Made by :func:`~skxil.simulate.simulate`: one record per evaluation, in
    order of iteration. Each record is a dict with the keys:

    ``iteration``
        Iteration just completed (0-based).
    ``n_labelled``
        Labelled real rows in the training set.
    ``n_corrections``
        Queries answered with a correction so far.
    ``n_counterexamples``
        Counterexamples in the training set.
    ``test_accuracy``, ``test_f1``
        Accuracy and macro F1 on the test set (NaN without one).
    ``query_precision``, ``query_recall``, ``query_f1``
        Explanatory precision, recall and F1 of the explanation shown for
        this iteration's query (the model before the answer), averaged over
        the queried rows.
    ``test_expl_precision``, ``test_expl_recall``, ``test_expl_f1``
        The same on the fixed subset of explained test rows, after the
        answer (NaN without one).
    ``seconds``
        Wall-clock seconds spent in the loop so far, evaluations excluded.

    Parameters
    ----------
    records : list of dict, default=None
        The records; empty when not given.

    Attributes
    ----------
    records : list of dict
        The records.

    query_scores : ndarray of shape (n_iterations, 3)
        Explanatory precision, recall and F1 of the query of every
        iteration, evaluated or not.

    learner : CaipiClassifier or None
        The learner at the end of the run (a copy; the one passed to
        :func:`~skxil.simulate.simulate` is left untouched).

    Examples
    --------
    >>> from skxil.simulate import History
    >>> history = History([{"iteration": 0, "test_f1": 0.5, "query_f1": 1.0}])
    >>> len(history), history[0]["test_f1"]
    (1, 0.5)
    >>> history.to_frame().columns.tolist()[:3]
    ['iteration', 'n_labelled', 'n_corrections']
    """

    def __init__(self, records: Iterable[dict] | None = None) -> None:
        self.records = [dict(r) for r in records] if records is not None else []
        self.query_scores = np.empty((0, 3))
        self.learner = None

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __getitem__(self, i):
        return self.records[i]

    def __repr__(self):
        return f"History({len(self)} records)"

    def column(self, name: str) -> NDArray:
        """One field of every record as an array.

        Parameters
        ----------
        name : str
            A record field, e.g. ``"test_f1"``.

        Returns
        -------
        values : ndarray of shape (n_records,)
        """
        if name not in FIELDS:
            raise KeyError(f"Unknown field {name!r}; records have {FIELDS}.")
        return np.asarray([r.get(name, np.nan) for r in self.records], dtype=float)

    def to_frame(self) -> pd.DataFrame:
        """The records as a pandas DataFrame, one row per evaluation.

        Returns
        -------
        frame : pandas.DataFrame
            Columns in the order of the record fields; missing values NaN.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise ImportError(
                "History.to_frame needs pandas: pip install pandas"
            ) from exc
        frame = pd.DataFrame.from_records(self.records, columns=list(FIELDS))
        for name in ("iteration", "n_labelled", "n_corrections", "n_counterexamples"):
            if len(frame) and not frame[name].isna().any():
                frame[name] = frame[name].astype(int)
        return frame

    def plot(
        self,
        ax: Any = None,
        other: History | None = None,
        *,
        label: str = "with corrections",
        other_label: str = "without corrections",
    ) -> NDArray:
        """Plot predictive and explanatory F1 against the iterations.

        Parameters
        ----------
        ax : array-like of 2 matplotlib Axes, default=None
            Where to draw predictive F1 (test macro F1) and explanatory F1
            (on the queries, and on the test rows when evaluated). New axes
            side by side when None.

        other : History, default=None
            A second run (typically without corrections) drawn in another
            colour on the same axes, for comparison. Query scores are solid
            lines, test-row scores dotted.

        label, other_label : str, default="with corrections", \
                "without corrections"
            Legend labels of this history and of ``other``.

        Returns
        -------
        ax : ndarray of 2 Axes
            The axes drawn on.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover
            raise ImportError(
                "History.plot needs matplotlib: pip install matplotlib"
            ) from exc
        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(10, 4))
        ax = np.asarray(ax, dtype=object).ravel()
        if ax.size != 2:
            raise ValueError(f"ax must hold 2 Axes; got {ax.size}.")
        runs = [(self, label, "C0")]
        if other is not None:
            if not isinstance(other, History):
                raise TypeError(
                    f"other must be a History; got {type(other).__name__}."
                )
            runs.append((other, other_label, "C1"))
        for history, name, color in runs:
            it = history.column("iteration")
            ax[0].plot(it, history.column("test_f1"), "-", color=color, label=name)
            ax[1].plot(it, history.column("query_f1"), "-", color=color,
                       label=f"{name} (queries)")
            test_expl = history.column("test_expl_f1")
            if np.isfinite(test_expl).any():
                ax[1].plot(it, test_expl, ":", color=color,
                           label=f"{name} (test rows)")
        ax[0].set(xlabel="iteration", ylabel="test F1 (macro)",
                  title="Predictive F1")
        ax[1].set(xlabel="iteration", ylabel="explanation F1",
                  title="Explanatory F1")
        for a in ax:
            a.legend(loc="best", fontsize="small")
        return ax
