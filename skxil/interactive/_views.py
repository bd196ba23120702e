"""Queries of an interactive session and their JSON views for a front-end.

Everything here is data: labels, numbers and the row's values rendered as
str. No HTML is produced, so a page that shows these values as text cannot
be made to run anything by a cell or a document.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..utils._text import split_document

if TYPE_CHECKING:
    from ..explain import Explanation

KINDS = ("table", "document", "image")


def json_label(label):
    """A label as a JSON-safe value: str, int, float or bool (else its str)."""
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, (bool, str)):
        return label
    if isinstance(label, Integral):
        return int(label)
    if isinstance(label, Real):
        return float(label)
    return str(label)


def render_value(value):
    """How one cell reads on the page: short and exact enough to recognise."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else format(value, ".6g")
    return str(value)


class Query:
    """One row of the pool put to the person, with the model's explanation.

    A session returns the same :class:`Query` (same ``query_id``) from
    :meth:`Session.next_query` until it is answered, skipped or undone.

    Attributes
    ----------
    query_id : str
        Unique per query: ``f"{n_events}-{index}-{nonce}"``, where
        ``n_events`` counts the journaled events and ``nonce`` is the
        session's random nonce (stored in the journal), so a resumed session
        gives its pending query the same id.

    index : int
        Position of the row in ``X_pool``.

    row : object
        The row in the caller's container: a 1-row DataFrame, a 1-D array
        row, a 1-row sparse matrix or the document str.

    prediction : object
        The predicted label.

    proba : dict
        Predicted probability of each label (``{label: float}``).

    explanation : Explanation
        The learner's explanation of the prediction.

    kind : {"table", "document", "image"}
        What the front-end shows.

    pool_id : object
        The row's id from ``pool_ids`` (its index when none were given).

    Examples
    --------
    >>> import os, tempfile
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.interactive import Session
    >>> X, X_pool, y, _, _ = make_confounded_classification(60, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
    >>> with Session(CaipiClassifier(explainer="linear", random_state=0), X_pool,
    ...              path, X_init=X[:10], y_init=y[:10]) as session:
    ...     view = session.next_query().to_json()
    >>> view["kind"], view["labels"], len(view["features"])
    ('table', [0, 1], 6)
    >>> sorted(view["features"][0])
    ['in_explanation', 'index', 'name', 'value', 'weight']
    """

    def __init__(
        self,
        *,
        query_id: str,
        index: int,
        row: Any,
        prediction: Any,
        proba: dict,
        explanation: Explanation,
        kind: str,
        pool_id: Any,
        context: Any,
    ) -> None:
        self.query_id = query_id
        self.index = index
        self.row = row
        self.prediction = prediction
        self.proba = proba
        self.explanation = explanation
        self.kind = kind
        self.pool_id = pool_id
        # what the view needs from the session, taken when the query was made
        self._context = context

    def to_json(self) -> dict:
        """The query as a JSON-safe dict (see the user guide for the fields).

        Returns
        -------
        view : dict
            ``query_id``, ``index``, ``pool_id``, ``kind``, ``labels``,
            ``prediction``, ``proba`` (keys are ``str(label)``, as JSON
            object keys must be str), ``supports_focus``, ``features`` and,
            for documents, ``tokens``, for images, ``image``, and
            ``progress``.
        """
        context = self._context
        view = {
            "query_id": self.query_id,
            "index": int(self.index),
            "pool_id": json_label(self.pool_id),
            "kind": self.kind,
            "labels": [json_label(label) for label in context["labels"]],
            "prediction": json_label(self.prediction),
            "proba": {str(json_label(k)): float(p) for k, p in self.proba.items()},
            "supports_focus": bool(context["supports_focus"]),
            "features": feature_views(self, context["max_features"]),
            "progress": {
                **context["progress"],
                "history": [dict(entry) for entry in context["progress"]["history"]],
            },
        }
        if self.kind == "document":
            view["tokens"] = token_views(self.explanation, self.row)
        elif self.kind == "image":
            view["image"] = image_view(self.explanation, self.row, context["image_shape"])
        return view

    def __repr__(self):
        return (
            f"Query(query_id={self.query_id!r}, index={self.index}, "
            f"kind={self.kind!r}, prediction={json_label(self.prediction)!r})"
        )


# --------------------------------------------------------------- features
def _weights(explanation):
    """Signed weight of every explained feature: ``{feature index: weight}``."""
    return {int(j): float(w) for j, w in zip(explanation.features, explanation.weights)}


def _row_values(query, columns):
    """The rendered values of ``columns`` of the query's row."""
    row, kind, explanation = query.row, query.kind, query.explanation
    if kind == "document":
        return [explanation.all_feature_names[j] for j in columns]
    if hasattr(row, "iloc"):
        return [render_value(row.iloc[0, j]) for j in columns]
    if sparse.issparse(row):
        values = row.tocsr()[:, columns].toarray().ravel()
    else:
        values = np.asarray(row).reshape(-1)
    if kind == "image" and explanation.segments is not None:
        # (height, width, channels): a segment's value is its mean over channels
        pixels = np.asarray(values, dtype=float).reshape(explanation.segments.shape + (-1,))
        return [render_value(float(pixels[explanation.segments == j].mean()))
                for j in columns]
    if sparse.issparse(row):
        return [render_value(v) for v in values]
    return [render_value(values[j]) for j in columns]


def feature_views(query, max_features):
    """The ``features`` field: every feature, or only the explained ones.

    All features are listed when there are at most ``max_features`` of them
    (documents always list all their words); otherwise only those of the
    explanation, so that a 10^5-word vocabulary or a 784-pixel image stays
    a small page.
    """
    explanation = query.explanation
    weights = _weights(explanation)
    n = explanation.n_features_in
    if query.kind == "document" or n <= max_features:
        columns = list(range(n))
    else:
        columns = sorted(weights)
    values = _row_values(query, columns)
    return [
        {
            "index": j,
            "name": explanation.all_feature_names[j],
            "value": value,
            "weight": weights.get(j, 0.0),
            "in_explanation": j in weights,
        }
        for j, value in zip(columns, values)
    ]


def token_views(explanation, document):
    """The ``tokens`` field: the document in order, words tied to features."""
    tokens = explanation.tokens
    if tokens is None:
        tokens = split_document(document)[0]
    index = {name: j for j, name in enumerate(explanation.all_feature_names)}
    weights = _weights(explanation)
    views = []
    for token in tokens:
        j = index.get(token)
        views.append(
            {"text": token, "feature": j, "weight": 0.0 if j is None else weights.get(j, 0.0)}
        )
    return views


def image_view(explanation, row, image_shape):
    """The ``image`` field: pixels scaled to [0, 1] and a signed heat map.

    The heat map has one value per pixel (``height * width``): the weight of
    the pixel's segment, or of the pixel itself (summed over channels) when
    the features are pixels or pixel values.
    """
    shape = tuple(explanation.shape or image_shape)
    values = (row.toarray() if sparse.issparse(row) else np.asarray(row, dtype=float))
    values = np.asarray(values, dtype=float).reshape(-1)
    low, high = np.nanmin(values), np.nanmax(values)
    if low < 0 or high > 1:
        values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    n_pixels = shape[0] * shape[1]
    weights = np.zeros(explanation.n_features_in)
    weights[explanation.features] = explanation.weights
    if explanation.segments is not None:
        heat = weights[explanation.segments.reshape(-1)]
    else:
        heat = weights.reshape(n_pixels, -1).sum(axis=1)
    return {
        "shape": [int(s) for s in shape],
        "pixels": np.nan_to_num(values).tolist(),
        "heat": heat.tolist(),
    }
