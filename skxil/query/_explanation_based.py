"""Query strategies that look at explanations, not only at class probabilities.

- :func:`explanation_pair_sampling`: the workflow of Nguyen and Ghose [1]_, a
  person who inspects explanations of a random sample of the pool, spots
  pairs of rows with different predictions but similar explanations, and
  labels the pool rows most similar to them;
- :func:`wrong_reason_sampling`: rows whose explanations rely on features the
  user has corrected before.

Both have modAL's signature ``f(classifier, X, n_instances=1, **kwargs)`` and
return ``(query_idx, scores)``, best first, like :mod:`skxil.query`'s other
strategies.

References
----------
.. [1] E. T. Nguyen and A. Ghose, "Are Good Explainers Secretly
   Human-in-the-Loop Active Learners?", arXiv:2306.13935, 2023.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils._validation import _is_dataframe
from ._strategies import _check_n_instances, _pool_size, uncertainty_sampling

if TYPE_CHECKING:
    from ..utils._typing import MatrixLike, NDArray, RandomStateLike

__all__ = ["explanation_pair_sampling", "wrong_reason_sampling"]


# ---------------------------------------------------------------------------
# explanations of pool rows


def _rows(X, idx):
    """``X[idx]`` for any pool container (COO and friends made CSR first)."""
    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    return _safe_indexing(X, idx)


def _is_documents_pool(X):
    if sparse.issparse(X) or _is_dataframe(X):
        return False
    if isinstance(X, str):
        return False
    try:
        first = X[0]
    except (TypeError, IndexError, KeyError):
        return False
    return isinstance(first, str)


def _explain(classifier, X, idx):
    """Explanations of the pool rows ``idx``, in one batched call.

    A classifier with an ``explain`` method (a :class:`~skxil.CaipiClassifier`)
    explains them itself; any other fitted classifier is explained by a
    :class:`~skxil.explain.LinearExplainer` (linear models) or a
    :class:`~skxil.explain.FastLimeExplainer` fitted on the pool. Returns None
    when the classifier is not fitted yet.
    """
    rows = _rows(X, idx)
    if hasattr(classifier, "explain"):
        try:
            return list(classifier.explain(rows))
        except NotFittedError:
            return None
    from ..explain import FastLimeExplainer, LinearExplainer, is_linear_model

    if _is_dataframe(X):
        raise TypeError(
            "To explain a DataFrame pool the classifier needs an explain method: "
            "wrap it in skxil.CaipiClassifier, which explains mixed-type columns."
        )
    documents = _is_documents_pool(X)
    try:
        linear = not documents and is_linear_model(classifier)
    except NotFittedError:
        return None
    explainer = (
        LinearExplainer()
        if linear
        else FastLimeExplainer(mode="text" if documents else "tabular", random_state=0)
    )
    background = None if documents else X
    if sparse.issparse(background) and background.format not in ("csr", "csc"):
        background = background.tocsr()
    explainer.fit(background)
    try:
        return list(explainer.explain(classifier, rows))
    except NotFittedError:
        return None


def _feature_columns(explanations):
    """Map each explanation's features to shared columns.

    Returns ``(columns, n_columns, names)`` where ``columns[i]`` are the
    columns of explanation ``i``'s features. When every explanation has the
    same features (same ``n_features_in`` and names: arrays, DataFrames) the
    columns are the feature indices; otherwise (documents, whose features are
    each document's own words) the columns are the union of the feature
    names, so that one word is one column across documents.
    """
    first = explanations[0]
    shared = all(
        e.n_features_in == first.n_features_in
        and e.all_feature_names == first.all_feature_names
        for e in explanations
    )
    if shared:
        names = list(first.all_feature_names)
        return [e.features for e in explanations], first.n_features_in, names, True
    vocabulary = {}
    columns = []
    for e in explanations:
        cols = [
            vocabulary.setdefault(e.all_feature_names[j], len(vocabulary))
            for j in e.features
        ]
        columns.append(np.asarray(cols, dtype=np.intp))
    return columns, len(vocabulary), list(vocabulary), False


def _attributions(explanations, columns, n_columns):
    """Dense matrix of attribution magnitudes, one row per explanation."""
    E = np.zeros((len(explanations), n_columns))
    for i, (e, cols) in enumerate(zip(explanations, columns)):
        np.add.at(E[i], cols, np.abs(e.weights))
    return E


def _similarity(A, B, kind):
    """Dot-product or cosine similarities between the rows of A and of B."""
    if kind == "cosine":
        A, B = _unit_rows(A), _unit_rows(B)
    S = A @ B.T
    if sparse.issparse(S):
        S = S.toarray()
    return np.asarray(S, dtype=np.float64)


def _unit_rows(A):
    if sparse.issparse(A):
        norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ A
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return A / norms


def _numeric_view(classifier, X):
    """The pool as numbers for input-space similarities.

    Dense numeric arrays and sparse matrices are used as they are; DataFrames
    and documents go through the featurizing steps of the classifier's
    pipeline (``estimator_`` of a :class:`~skxil.CaipiClassifier`, or the
    classifier itself when it is a :class:`~sklearn.pipeline.Pipeline`).
    """
    if sparse.issparse(X):
        return X.tocsr().astype(np.float64)
    if not _is_dataframe(X) and not _is_documents_pool(X):
        array = np.asarray(X)
        if array.ndim == 2 and array.dtype.kind in "biuf":
            return array.astype(np.float64)
    pipeline = getattr(classifier, "estimator_", classifier)
    if isinstance(pipeline, Pipeline) and len(pipeline.steps) > 1:
        Z = pipeline[:-1].transform(X)
        if sparse.issparse(Z):
            return Z.tocsr().astype(np.float64)
        return np.asarray(Z, dtype=np.float64)
    raise TypeError(
        "explanation_pair_sampling compares pool rows by their numeric features; "
        f"X of type {type(X).__name__} is not a numeric array or sparse matrix and "
        "the classifier is not a Pipeline whose first steps featurize it. Use a "
        "Pipeline (for instance a ColumnTransformer or TfidfVectorizer step) or "
        "give a numeric X."
    )


def _sample(n_pool, n_explained, rng):
    """Sorted indices of ``min(n_explained, n_pool)`` distinct pool rows."""
    if n_explained is None or n_explained >= n_pool:
        return np.arange(n_pool, dtype=np.intp)
    return np.sort(rng.choice(n_pool, size=n_explained, replace=False)).astype(np.intp)


def _cold_start(n_instances):
    return np.arange(n_instances, dtype=np.intp), np.zeros(n_instances)


# ---------------------------------------------------------------------------
# explanation pairs


def _discordant_pairs(explanations, similarity):
    """Pairs ``(i, j)``, ``i < j``, with different predictions, best first.

    Ranked by the similarity of their explanations (largest first), ties by
    ``i`` then ``j``. Returns the pairs and their explanation similarities.
    """
    columns, n_columns, _, _ = _feature_columns(explanations)
    E = _attributions(explanations, columns, n_columns)
    A = _similarity(E, E, similarity)  # explanation similarities
    predicted = np.array([str(e.predicted_class) for e in explanations])
    B = predicted[:, None] != predicted[None, :]  # different predictions
    i, j = np.nonzero(np.triu(B, k=1))
    C = A[i, j]  # similar explanations, different predictions
    similar = C > 0  # pairs whose explanations share no feature are not similar
    i, j, C = i[similar], j[similar], C[similar]
    order = np.lexsort((j, i, -C))
    return i[order], j[order], C[order]


_PAIR_CONSTRAINTS = {
    "classifier": "no_validation",
    "X": "no_validation",
    "n_instances": [Interval(Integral, 1, None, closed="left")],
    "n_explained": [Interval(Integral, 2, None, closed="left")],
    "n_retrieved": [Interval(Integral, 1, None, closed="left"), None],
    "similarity": [StrOptions({"dot", "cosine"})],
    "random_state": ["random_state"],
}


@validate_params(_PAIR_CONSTRAINTS, prefer_skip_nested_validation=False)
def explanation_pair_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    n_explained: int = 100,
    n_retrieved: int | None = None,
    similarity: str = "dot",
    random_state: RandomStateLike = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query pool rows near pairs with similar explanations but different predictions.

    A simulation of the practitioner of Nguyen and Ghose [1]_: explain a
    random sample of ``n_explained`` pool rows (their B_E), look for pairs of
    rows whose predicted classes differ although their explanations are
    similar (the model tells them apart for reasons that look alike, so it is
    likely confused there), and label the pool rows most similar to the rows
    of those pairs (B_L per pair).

    In matrix terms: ``E`` holds one attribution vector per explained row
    (the magnitude ``|weight|`` of each explaining feature at its column,
    zeros elsewhere); ``A = sim(E, E)`` are the explanation similarities,
    ``B[i, j] = 1`` when rows ``i`` and ``j`` have different predicted
    classes, and ``C = A * B`` scores the pairs. ``W = sim(X, X[pair rows])``
    are the input-space similarities of the pool rows to the rows of the
    pairs. Pairs are visited from the largest ``C`` down; each retrieves, in
    turn, its ``n_retrieved`` most similar pool rows (largest ``W`` to either
    row of the pair) not queried yet, round after round, until
    ``n_instances`` rows are chosen.

    Parameters
    ----------
    classifier : estimator
        A fitted classifier. With an ``explain`` method (a
        :class:`~skxil.CaipiClassifier`) it explains the sampled rows itself,
        in one batched call through its fitted explainer. Otherwise the rows
        are explained by a :class:`~skxil.explain.LinearExplainer` when
        :func:`~skxil.explain.is_linear_model` holds and by a
        :class:`~skxil.explain.FastLimeExplainer` (``mode="text"`` for
        documents) otherwise, fitted on the pool as background data. If the
        classifier raises :class:`~sklearn.exceptions.NotFittedError` (cold
        start), the first ``n_instances`` rows are queried, with score 0.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
            or sequence of str
        The pool to query from. Similarities in the input space are computed
        on dense numeric arrays and sparse matrices directly; a DataFrame or
        documents are featurized by the steps before the final estimator of
        the classifier's pipeline (its ``estimator_`` for a
        :class:`~skxil.CaipiClassifier`), and without such a pipeline a
        :class:`TypeError` is raised.

    n_instances : int, default=1
        Number of rows to query, between 1 and ``n_samples``.

    n_explained : int, default=100
        Number of pool rows drawn at random and explained (B_E), at least 2;
        the whole pool when it has fewer rows.

    n_retrieved : int, default=None
        Number of pool rows each pair retrieves per round (B_L). ``None``
        means 1: every pair contributes its nearest row before any pair
        contributes a second one, which spreads the queries over many pairs.

    similarity : {"dot", "cosine"}, default="dot"
        Similarity used for both the explanations (``A``) and the input
        rows (``W``): the dot product, as in [1]_, or the cosine (the dot
        product of rows scaled to unit norm).

    random_state : int, RandomState instance or None, default=None
        Draws the explained sample. Pass an int for reproducible results.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X`` of the queried rows, in the order they were
        retrieved: rows of the best pair first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Explanation similarity ``C`` of the pair that retrieved each row
        (non-increasing within a round), or the uncertainty of the fallback.

    See Also
    --------
    wrong_reason_sampling : Query rows explained by features corrected before.
    uncertainty_sampling : The fallback when no pair is found.

    Notes
    -----
    Explanations are compared by the magnitudes of their weights: a weight's
    sign is relative to the row's own predicted class, so two rows with
    different predictions that rely on the same features have weights of
    opposite signs, and signed vectors would make exactly the pairs sought
    look dissimilar.

    Features are matched across explanations by index when every explanation
    has the same features (arrays, DataFrames), and by name otherwise (the
    words of documents).

    Only pairs with a positive explanation similarity are used. When no pair
    of explained rows has different predicted classes and explanations that
    share a feature (all predicted alike, or fewer than two rows explained),
    the strategy falls
    back to :func:`~skxil.query.uncertainty_sampling` on the whole pool, and
    returns its indices and scores.

    Rows with equal similarities are taken in increasing row order, so the
    result depends only on ``random_state`` and the inputs.

    References
    ----------
    .. [1] E. T. Nguyen and A. Ghose, "Are Good Explainers Secretly
       Human-in-the-Loop Active Learners?", arXiv:2306.13935, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil import CaipiClassifier
    >>> from skxil.query import explanation_pair_sampling
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 4))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> learner = CaipiClassifier(LogisticRegression(), random_state=0).fit(X, y)
    >>> query_idx, scores = explanation_pair_sampling(
    ...     learner, X, n_instances=3, n_explained=20, random_state=0)
    >>> query_idx.shape, len(set(query_idx.tolist()))
    ((3,), 3)
    """
    n_pool = _pool_size(X, "explanation_pair_sampling")
    n_instances = _check_n_instances(n_instances, n_pool)
    rng = check_random_state(random_state)
    sample = _sample(n_pool, n_explained, rng)
    explanations = _explain(classifier, X, sample)
    if explanations is None:
        return _cold_start(n_instances)
    if len(explanations) != sample.shape[0]:
        raise ValueError(
            f"classifier.explain returned {len(explanations)} explanations for "
            f"{sample.shape[0]} rows."
        )
    pair_i, pair_j, pair_score = _discordant_pairs(explanations, similarity)
    if pair_i.size == 0:
        return uncertainty_sampling(classifier, X, n_instances)
    per_round = 1 if n_retrieved is None else int(n_retrieved)
    Z = _numeric_view(classifier, X)

    chosen = np.zeros(n_pool, dtype=bool)
    query_idx, scores = [], []
    rankings = {}  # pair -> (pool rows by decreasing similarity, next position)

    def ranking(p):
        if p not in rankings:
            anchors = sample[[pair_i[p], pair_j[p]]]
            W = _similarity(Z, _rows(Z, anchors), similarity).max(axis=1)
            rankings[p] = [np.argsort(-W, kind="stable"), 0]
        return rankings[p]

    n_pairs = pair_i.size
    while len(query_idx) < n_instances:
        for p in range(n_pairs):
            order, pos = ranking(p)
            taken = 0
            while taken < per_round and pos < n_pool and len(query_idx) < n_instances:
                row = order[pos]
                pos += 1
                if not chosen[row]:
                    chosen[row] = True
                    query_idx.append(row)
                    scores.append(pair_score[p])
                    taken += 1
            rankings[p][1] = pos
            if len(query_idx) == n_instances:
                break
    return np.asarray(query_idx, dtype=np.intp), np.asarray(scores, dtype=np.float64)


# ---------------------------------------------------------------------------
# wrong reasons


def _corrected_feature_counts(training_set, n_features=None):
    """How often each feature was corrected, read from the counterexamples.

    A counterexample differs from its source row exactly in the corrected
    features, so a feature's count is the number of corrected rows in which
    any counterexample changed it.

    Returns a dict mapping feature keys (indices, or words for documents) to
    counts.
    """
    counts = {}
    if training_set is None:
        return counts
    for features in training_set.corrected_features().values():
        for key in features:
            counts[key] = counts.get(key, 0) + 1
    return counts


def _wrong_reason_scores(explanations, counts):
    """Each explanation's weight on corrected features, by correction count.

    The share of the explanation's absolute weight that each feature holds,
    times how often that feature was corrected, summed: 0 for a row whose
    explanation avoids every corrected feature.
    """
    by_name = isinstance(next(iter(counts)), str)
    scores = np.zeros(len(explanations))
    for r, e in enumerate(explanations):
        mass = np.abs(e.weights)
        total = mass.sum()
        if total == 0:
            continue
        keys = [e.all_feature_names[j] for j in e.features] if by_name else e.features
        n = np.array([counts.get(k if by_name else int(k), 0) for k in keys], float)
        scores[r] = float(mass @ n) / total
    return scores


_WRONG_CONSTRAINTS = {
    "classifier": "no_validation",
    "X": "no_validation",
    "n_instances": [Interval(Integral, 1, None, closed="left")],
    "n_explained": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
}


@validate_params(_WRONG_CONSTRAINTS, prefer_skip_nested_validation=False)
def wrong_reason_sampling(
    classifier: Any,
    X: MatrixLike,
    n_instances: int = 1,
    *,
    n_explained: int | None = None,
    random_state: RandomStateLike = None,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Query the rows whose explanations rely on features corrected before.

    The features the user has corrected (the features the model relied on for
    the wrong reasons) are read from the learner's training set: each
    counterexample in ``classifier.training_set_`` differs from its source
    row exactly in the corrected features, so a feature's correction count
    ``n_j`` is the number of corrected rows whose counterexamples changed it.
    A row with explanation weights ``w`` scores
    ``sum_j |w_j| n_j / sum_j |w_j|``: the share of its attribution mass on
    corrected features, each counted as often as it was corrected. Rows with
    a large score are those on which the model may still use a wrong reason,
    and whose explanations the user can check again.

    Parameters
    ----------
    classifier : estimator
        A fitted :class:`~skxil.CaipiClassifier` (or any classifier with
        ``explain`` and ``training_set_``). Without ``training_set_`` or
        without counterexamples in it (nothing corrected yet) the strategy
        falls back to :func:`~skxil.query.uncertainty_sampling`. A classifier
        without ``explain`` is explained as in
        :func:`explanation_pair_sampling`. If it raises
        :class:`~sklearn.exceptions.NotFittedError` (cold start), the first
        ``n_instances`` rows are queried, with score 0.

    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
            or sequence of str
        The pool to query from, in the learner's input kind.

    n_instances : int, default=1
        Number of rows to query, between 1 and the number of explained rows.

    n_explained : int, default=None
        Number of pool rows drawn at random and explained; only these can be
        queried. ``None`` explains the whole pool (one batched call: cheap
        with :class:`~skxil.explain.LinearExplainer`, slower with LIME).

    random_state : int, RandomState instance or None, default=None
        Draws the explained sample when ``n_explained`` is given.

    Returns
    -------
    query_idx : ndarray of shape (n_instances,), dtype=intp
        Row indices into ``X``, largest score first.

    scores : ndarray of shape (n_instances,), dtype=float64
        Their wrong-reason scores, or their uncertainty for the fallback.

    See Also
    --------
    explanation_pair_sampling : Query rows near confusing explanation pairs.
    uncertainty_sampling : The fallback when nothing was corrected.

    Notes
    -----
    Equal scores (in particular the many rows whose explanations show no
    corrected feature, which score 0) are ordered by decreasing uncertainty
    ``1 - max_k P(y = k | x)`` when the classifier has ``predict_proba``,
    then by increasing row index.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil import CaipiClassifier
    >>> from skxil.query import wrong_reason_sampling
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> learner = CaipiClassifier(random_state=0).fit(
    ...     X[:20], y[:20], corrections=[[2]] + [None] * 19)
    >>> query_idx, scores = wrong_reason_sampling(learner, X[20:], n_instances=2)
    >>> bool(scores[0] >= scores[1])
    True
    """
    n_pool = _pool_size(X, "wrong_reason_sampling")
    n_instances = _check_n_instances(n_instances, n_pool)
    training_set = getattr(classifier, "training_set_", None)
    counts = _corrected_feature_counts(training_set)
    if not counts:
        return uncertainty_sampling(classifier, X, n_instances)
    rng = check_random_state(random_state)
    sample = _sample(n_pool, n_explained, rng)
    if sample.shape[0] < n_instances:
        raise ValueError(
            f"n_instances={n_instances} rows cannot be queried from "
            f"n_explained={sample.shape[0]} explained rows; use n_explained >= "
            "n_instances."
        )
    explanations = _explain(classifier, X, sample)
    if explanations is None:
        return _cold_start(n_instances)
    scores = _wrong_reason_scores(explanations, counts)
    uncertainty = np.zeros(sample.shape[0])
    if hasattr(classifier, "predict_proba"):
        proba = np.asarray(classifier.predict_proba(_rows(X, sample)), dtype=np.float64)
        uncertainty = 1.0 - proba.max(axis=1)
    order = np.lexsort((sample, -uncertainty, -scores))[:n_instances]
    return sample[order].astype(np.intp), scores[order]
