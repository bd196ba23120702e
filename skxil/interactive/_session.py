"""Session: a person answers CAIPI queries, every answer journaled first."""

from __future__ import annotations

import contextlib
import copy
import inspect
import os
import secrets
import threading
import warnings
from numbers import Integral
from typing import TYPE_CHECKING, Any, ClassVar

import joblib
import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._inputs import is_documents
from ..utils._validation import _is_dataframe
from ._journal import SCHEMA_VERSION, Event, Journal
from ._views import Query, json_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._caipi import CaipiClassifier
    from ..utils._typing import ArrayLike, MatrixLike, PathLike

__all__ = ["InvalidAnswerError", "Session", "StaleQueryError"]


class StaleQueryError(ValueError):
    """The answered query is not the session's current query; nothing changed.

    Raised for a double submit, a stale browser tab or an answer to a query
    that was skipped or undone.

    Examples
    --------
    >>> from skxil.interactive import StaleQueryError
    >>> issubclass(StaleQueryError, ValueError)
    True
    """


class InvalidAnswerError(ValueError):
    """An answer with a bad field (label, ignore, focus); nothing changed.

    The message names the field and the value, e.g. ``ignore[0] = 'height'
    is not a feature of this query``.

    Examples
    --------
    >>> from skxil.interactive import InvalidAnswerError
    >>> issubclass(InvalidAnswerError, ValueError)
    True
    """


def _copy_container(X):
    """A private copy of the caller's rows, so later edits cannot reach us."""
    if X is None:
        return None
    if _is_dataframe(X) or sparse.issparse(X):
        return X.copy()
    if is_documents(X):
        return list(X.tolist() if hasattr(X, "tolist") else X)
    return np.array(X, copy=True)


def _content_hash(X):
    """A hash of the values of ``X``, whatever their memory layout.

    A DataFrame's pickle (what ``joblib.hash`` reads) depends on how pandas
    happens to hold its blocks, which changes with operations that leave
    the values alone; its columns, dtypes and row hashes do not.
    """
    if _is_dataframe(X):
        import pandas as pd

        return joblib.hash([
            [str(c) for c in X.columns], [str(d) for d in X.dtypes],
            pd.util.hash_pandas_object(X, index=False).to_numpy(),
        ])
    if sparse.issparse(X):
        X = X.tocsr(copy=True)
        X.sum_duplicates()
        X.sort_indices()
        return joblib.hash([X.shape, X.dtype.str, X.indptr, X.indices, X.data])
    if isinstance(X, np.ndarray):
        # joblib hashes an array's strides too, and an empty array's strides
        # change in a skops round trip
        values = X.tolist() if X.dtype.hasobject else np.ascontiguousarray(X).tobytes()
        return joblib.hash([X.shape, X.dtype.str, values])
    return joblib.hash(X)


#: Top-level modules whose types a snapshot may hold (see _load_snapshot).
_TRUSTED_MODULES = frozenset({"skxil", "sklearn", "numpy", "scipy", "pandas", "builtins"})


def _skops():
    """``skops.io``, or None when skops is not installed (no snapshots then)."""
    try:
        import skops.io
    except ImportError:
        return None
    return skops.io


def _fork(learner):
    """A copy sharing the learner's (never mutated) arrays and models.

    ``teach`` rebinds attributes and builds new training sets and estimators
    instead of changing them in place (it is all-or-nothing by restoring a
    shallow copy of ``__dict__``), so a shallow copy is an exact, cheap
    record of a state.
    """
    return copy.copy(learner)


def _label_key(value):
    """Labels equal as JSON values get one key (``True`` is not ``1``)."""
    value = json_label(value)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return (type(value).__name__, value)


def _query_features(query, features, field):
    """``ignore`` or ``focus`` as sorted indices of the query's features."""
    if features is None:
        return []
    if isinstance(features, (str, bytes, Integral)) or not hasattr(features, "__iter__"):
        raise InvalidAnswerError(
            f"{field} must be a list of feature indices or names, got "
            f"{features!r}. Nothing was changed."
        )
    explanation = query.explanation
    names = {name: j for j, name in enumerate(explanation.all_feature_names)}
    return sorted({
        _query_feature(feature, names, explanation.n_features_in, f"{field}[{i}]")
        for i, feature in enumerate(list(features))
    })


def _query_feature(feature, names, n_features, where):
    """The index of one feature given by index or name; ``where`` names it."""
    if isinstance(feature, str):
        if feature not in names:
            raise InvalidAnswerError(
                f"{where} = {feature!r} is not a feature of this query. Nothing "
                "was changed."
            )
        return names[feature]
    if isinstance(feature, (Integral, np.integer)) and not isinstance(
        feature, (bool, np.bool_)
    ):
        if not 0 <= feature < n_features:
            raise InvalidAnswerError(
                f"{where} = {feature} is not a feature index of this query (0 to "
                f"{n_features - 1}). Nothing was changed."
            )
        return int(feature)
    raise InvalidAnswerError(
        f"{where} = {feature!r} is neither a feature index nor a feature name. "
        "Nothing was changed."
    )


def _teach_features(query, chosen):
    """Query features as the learner's ``teach`` takes them.

    The same indices for tables (columns) and documents (the document's
    distinct words); for an image explained over segments, the pixel
    columns of the chosen segments (all channels).
    """
    segments = query.explanation.segments
    if query.kind != "image" or segments is None or not chosen:
        return list(chosen)
    pixels = np.isin(segments.reshape(-1), chosen)
    channels = np.asarray(query.row).size // pixels.size
    return np.flatnonzero(np.repeat(pixels, channels)).tolist()


class Session:
    """A journaled CAIPI session with a person answering queries.

    Every answer, skip and undo is written to an SQLite journal (and
    committed) before the learner takes it, so that reopening the same
    ``path`` after a crash restores the session exactly: the same training
    set, the same next query. Reopening checks that the data and the
    learner's parameters are those the session was made with.

    Parameters
    ----------
    learner : CaipiClassifier
        The learner, unfitted (then ``X_init`` and ``y_init`` are required)
        or fitted. It is copied: the caller's learner is never changed; the
        session's is :attr:`learner`.

    X_pool : {array-like, sparse matrix, DataFrame} or sequence of str
        The rows to ask about, of the kind the learner takes (rows of
        features, image rows flattened, documents). Copied.

    path : str or path-like
        The journal file. A new file starts a session; an existing one
        resumes it.

    X_init, y_init : array-like, default=None
        Labelled rows the learner is fitted on when the session starts.

    X_test, y_test : array-like, default=None
        Held-out rows for the test accuracy in :meth:`progress`.

    labels : array-like, default=None
        The labels a person may give; ``None`` means ``learner.classes_``.

    snapshot_every : int or None, default=50
        Store a skops snapshot of the learner every this many events (and
        on :meth:`close`), so that resuming replays at most that many
        answers. ``None`` never stores one (resuming replays everything).

    pool_ids : array-like of shape (n_pool,), default=None
        Stable ids of the pool rows, shown in the query views.

    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` of flattened
        image rows, for queries whose explanation does not carry a shape
        (e.g. ``explainer="linear"`` over pixels). Explanations of
        ``FastLimeExplainer(mode="image")`` carry theirs.

    undo_depth : int, default=20
        Number of past states kept in memory to undo instantly; deeper undos
        rebuild the state from the latest usable snapshot.

    max_features : int, default=100
        Rows with more features list only the explained ones in
        :meth:`Query.to_json`.

    trusted_modules : sequence of str, default=()
        Further top-level modules (e.g. ``"mypackage"``) whose types a
        snapshot may hold, for a learner built from your own classes;
        snapshots holding types of other modules are not loaded.

    Attributes
    ----------
    learner : CaipiClassifier
        The session's learner, after every applied answer.

    labels : list
        The allowed labels.

    feature_names : list of str
        Names of the learner's features (``[]`` for documents, whose
        features are each document's words: see the query's view).

    path : str
        The journal file.

    Notes
    -----
    The journal is in WAL mode with ``PRAGMA synchronous=FULL``: an
    acknowledged answer survives a killed process and a power cut. The
    order of :meth:`answer` is: validate, journal and commit, teach the
    learner, confirm. An answer whose teach raises is marked failed and never
    replayed; an answer committed but not confirmed (the process died) is
    applied on reopening. Snapshots are skops files of the learner (never
    pickle), loaded trusting only the types the session noted in its own
    dump, and of those only types of skxil, scikit-learn, NumPy, SciPy and
    pandas; a snapshot that holds others (e.g. a custom estimator's class)
    or does not reproduce its training-set digest is not loaded: the journal
    is replayed instead.

    The methods take one lock, so threads (web requests, tabs) may share a
    session: of several answers to one query exactly one wins, the others
    raise :class:`StaleQueryError`.

    Examples
    --------
    >>> import tempfile, os
    >>> from skxil import CaipiClassifier
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.interactive import Session
    >>> X, X_pool, y, y_pool, _ = make_confounded_classification(120, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "session.db")
    >>> with Session(CaipiClassifier(random_state=0), X_pool, path,
    ...              X_init=X[:10], y_init=y[:10]) as session:
    ...     query = session.next_query()
    ...     progress = session.answer(query.query_id, y_pool[query.index],
    ...                               ignore=[5])
    >>> progress["answers"], progress["corrections"]
    (1, 1)
    >>> with Session(CaipiClassifier(random_state=0), X_pool, path,
    ...              X_init=X[:10], y_init=y[:10]) as session:
    ...     session.learner.training_set_.n_real
    11
    """

    _parameter_constraints: ClassVar[dict] = {
        "learner": [HasMethods(["query", "explain", "teach"])],
        "snapshot_every": [Interval(Integral, 1, None, closed="left"), None],
        "undo_depth": [Interval(Integral, 0, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [tuple, None],
        "labels": ["array-like", None],
        "pool_ids": ["array-like", None],
        "trusted_modules": ["array-like"],
    }

    def __init__(
        self,
        learner: CaipiClassifier,
        X_pool: MatrixLike,
        path: str | PathLike,
        *,
        X_init: MatrixLike | None = None,
        y_init: ArrayLike | None = None,
        X_test: MatrixLike | None = None,
        y_test: ArrayLike | None = None,
        labels: ArrayLike | None = None,
        snapshot_every: int | None = 50,
        pool_ids: ArrayLike | None = None,
        image_shape: tuple[int, ...] | None = None,
        undo_depth: int = 20,
        max_features: int = 100,
        trusted_modules: Sequence[str] = (),
    ) -> None:
        validate_parameter_constraints(
            self._parameter_constraints,
            {
                "learner": learner, "snapshot_every": snapshot_every,
                "undo_depth": undo_depth, "max_features": max_features,
                "image_shape": image_shape, "labels": labels, "pool_ids": pool_ids,
                "trusted_modules": list(trusted_modules),
            },
            caller_name="Session",
        )
        self._lock = threading.RLock()
        self.path = os.fspath(path)
        self.snapshot_every = snapshot_every
        self.undo_depth = undo_depth
        self.max_features = max_features
        self.image_shape = image_shape
        self.trusted_modules = tuple(trusted_modules)
        self._set_data(X_pool, X_init, y_init, X_test, y_test, pool_ids)
        learner = copy.deepcopy(learner)
        fingerprint = self._fingerprint(learner)
        existed = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        self._journal = Journal(self.path)
        try:
            if self._journal.is_new():
                meta = self._start(learner, labels, fingerprint)
            else:
                meta = self._journal.meta()
                self._check_fingerprint(meta, fingerprint)
            self._setup(learner, meta)
            self._restore()
        except BaseException:
            self._journal.close()
            if not existed:
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(self.path + suffix):
                        os.remove(self.path + suffix)
            raise

    # ----------------------------------------------------------- opening
    def _set_data(self, X_pool, X_init, y_init, X_test, y_test, pool_ids):
        if (X_init is None) != (y_init is None):
            raise ValueError("Pass both X_init and y_init, or neither.")
        if (X_test is None) != (y_test is None):
            raise ValueError("Pass both X_test and y_test, or neither.")
        self._pool = _copy_container(X_pool)
        if sparse.issparse(self._pool):
            self._pool = self._pool.tocsr()  # row indexing
        self._n_pool = _num_samples(self._pool)
        if self._n_pool == 0:
            raise ValueError("X_pool is empty: give at least one row to ask about.")
        self._documents = is_documents(self._pool)
        self._X_init, self._y_init = _copy_container(X_init), _copy_container(y_init)
        self._X_test, self._y_test = _copy_container(X_test), _copy_container(y_test)
        if pool_ids is not None:
            pool_ids = list(np.asarray(pool_ids, dtype=object).ravel().tolist())
            if len(pool_ids) != self._n_pool:
                raise ValueError(
                    f"pool_ids has {len(pool_ids)} ids for {self._n_pool} pool rows."
                )
            if len(set(map(repr, pool_ids))) != len(pool_ids):
                raise ValueError("pool_ids must be unique.")
        self._pool_ids = pool_ids

    def _fingerprint(self, learner):
        """A hash of the data and of the learner as given (params, fitted state)."""
        fitted = hasattr(learner, "training_set_")
        return joblib.hash(
            [
                type(learner).__qualname__,
                learner.get_params(deep=False),
                self._digest(learner) if fitted else None,
                *map(_content_hash, [self._pool, self._X_init, self._X_test]),
                self._pool_ids, self._y_init, self._y_test,
            ]
        )

    def _check_fingerprint(self, meta, fingerprint):
        if meta.get("fingerprint") != fingerprint:
            raise ValueError(
                f"This session was made on other data or another learner: the "
                f"journal {self.path} has fingerprint {meta.get('fingerprint')!r}, "
                f"but X_pool, pool_ids, X_init, y_init, X_test, y_test and the "
                f"learner's parameters give {fingerprint!r}. Open it with the "
                "data and learner it was made with, or use a new path."
            )

    def _start(self, learner, labels, fingerprint):
        """Write the ``meta`` of a new session."""
        seed = learner.get_params().get("random_state")
        if not isinstance(seed, Integral) or isinstance(seed, bool):
            # replays must redo the same draws: pin a seed for good
            seed = secrets.randbelow(2**31 - 1)
        from .. import __version__

        learner = self._initial_learner(learner, seed)
        labels = list(learner.classes_) if labels is None else list(labels)
        meta = {
            "skxil_version": __version__,
            "fingerprint": fingerprint,
            "random_state": int(seed),
            "labels": [json_label(label) for label in labels],
            "feature_names": self._feature_names(learner),
            "nonce": secrets.token_hex(4),
        }
        self._journal.create(meta)
        self._initial = learner
        self._labels = labels
        return {**meta, "schema_version": SCHEMA_VERSION}

    def _initial_learner(self, learner, seed):
        """The learner every replay starts from: fitted on the initial rows."""
        if self._X_init is not None:
            if "random_state" in learner.get_params():
                learner.set_params(random_state=seed)
            return learner.fit(self._X_init, self._y_init)
        check_is_fitted(
            learner,
            msg=(
                "Session needs a fitted learner or X_init and y_init to fit it "
                "on (a few rows of each class)."
            ),
        )
        return learner

    def _setup(self, learner, meta):
        """Everything the session derives from ``meta`` and the learner."""
        if not hasattr(self, "_initial"):
            self._initial = self._initial_learner(learner, meta["random_state"])
            labels = meta["labels"]
            classes = {_label_key(c): c for c in getattr(self._initial, "classes_", [])}
            # the learner's own label objects (np.int64, ...) where they exist
            self._labels = [classes.get(_label_key(v), v) for v in labels]
        self._meta = meta
        self._label_index = {_label_key(v): v for v in self._labels}
        self._supports_focus = "focus" in inspect.signature(self._initial.teach).parameters
        self.feature_names = list(meta["feature_names"])
        if _skops() is None and self.snapshot_every is not None:
            warnings.warn(
                "skops is not installed, so the session stores no snapshots and "
                "resuming replays the whole journal; pip install skops (or pass "
                "snapshot_every=None to silence this).",
                stacklevel=3,
            )

    def _feature_names(self, learner):
        if self._documents:
            return []
        names = getattr(learner, "feature_names_in_", None)
        if names is not None:
            return [str(name) for name in names]
        return [f"x{j}" for j in range(learner.n_features_in_)]

    # ----------------------------------------------------------- restore
    def _restore(self):
        """Rebuild the state from the journal: snapshot, then replay."""
        self._events = self._journal.events()
        self._unconfirmed = []
        stack = self._effective(self._events)
        self._rebuild(stack)

    @staticmethod
    def _effective(events):
        """The answers and skips in force: each undo cancels the last one."""
        stack = []
        for event in events:
            if event.kind == "undo":
                if stack:
                    stack.pop()
            else:
                stack.append(event)
        return stack

    def _rebuild(self, stack):
        """Make the state that ``stack`` (answers and skips in force) gives.

        From the latest usable snapshot (or the initial learner), the answers
        after it are taught again. A learner that refits from scratch on every
        ``teach`` ends up the same whether it refitted after each answer or
        only after the last one (the training set and its counterexamples
        depend on the data and the seeds, not on the fitted model), so the
        replay refits once; should that fail, it replays one refit at a time
        to find the answer that fails.
        """
        start, base = self._usable_snapshot(stack)
        if self._defers_refit() and len(stack) - start > 1:
            with contextlib.suppress(Exception):  # retried below, answer by answer
                self._replay(base, stack, start, defer=True)
                return
        self._replay(base, stack, start, defer=False)

    def _defers_refit(self):
        """Whether ``teach(refit=False)`` then one refit equals refitting each time."""
        learner = self._initial
        if "refit" not in inspect.signature(learner.teach).parameters:
            return False
        # an incremental learner's model depends on the order of its updates
        return not learner.get_params().get("incremental", False)

    def _replay(self, base, stack, start, defer):
        self._learner = _fork(base)
        self._stack = list(stack[:start])
        self._undo_states = []
        self._taken = np.zeros(self._n_pool, dtype=bool)
        self._taken[[event.index for event in self._stack]] = True
        self._since_snapshot = 0
        self._invalidate()
        answers = [event for event in stack[start:] if event.kind == "answer"]
        last = answers[-1] if answers else None
        applied = []
        for event in stack[start:]:
            # a deferred replay keeps no undo states: their models are not fitted
            before = None if defer else _fork(self._learner)
            try:
                self._apply(event, refit=not defer or event is last)
            except Exception as error:
                if defer:
                    raise
                warnings.warn(
                    f"Journaled {event.kind} {event.seq} (row {event.index}) cannot "
                    f"be applied ({error}); it is marked failed and skipped.",
                    stacklevel=4,
                )
                self._journal.mark_failed(event.seq)
                self._events = [e for e in self._events if e.seq != event.seq]
                continue
            applied.append(event)
            self._push(event, before)
        pending = [event for event in applied if event.status == "pending"]
        for event in pending:
            event.status = "applied"
        if pending and pending[-1] is applied[-1]:
            # the state after the other pending events is not fitted on a deferred
            # replay: only the last one gets its test accuracy
            pending[-1].accuracy = self._test_accuracy()
        self._journal.confirm([(event.seq, event.accuracy) for event in pending])

    def _usable_snapshot(self, stack):
        """``(n events it holds, learner)``: the latest snapshot on ``stack``.

        A snapshot taken after event ``s`` is usable when the answers in force
        then are the first ones in force now (a later undo may have cancelled
        one of them). ``(0, initial learner)`` when there is none.
        """
        seqs = [event.seq for event in stack]
        for after_seq, digest in self._journal.snapshots():
            then = [e.seq for e in self._effective(
                [e for e in self._events if e.seq <= after_seq])]
            if seqs[: len(then)] != then:
                continue
            learner = self._load_snapshot(after_seq, digest)
            if learner is not None:
                return len(then), learner
        return 0, _fork(self._initial)

    def _load_snapshot(self, after_seq, digest):
        """The learner of a snapshot, or None (then the journal is replayed).

        skops loads only the types it is told to trust: those the session
        noted when it wrote the snapshot, and of these only types of the
        libraries a learner is made of (:data:`_TRUSTED_MODULES` and
        ``trusted_modules``), so that an edited file cannot make the session
        build anything else. The digest checks the training set and the seeds
        of the loaded learner.
        """
        sio = _skops()
        if sio is None:
            return None
        data, noted = self._journal.snapshot(after_seq)
        modules = _TRUSTED_MODULES | set(self.trusted_modules)
        trusted = {name for name in noted if name.split(".")[0] in modules}
        learner, reason = None, None
        try:
            found = set(sio.get_untrusted_types(data=data))
            if not found <= trusted:
                reason = (f"holds types the session does not trust "
                          f"({sorted(found - trusted)})")
            else:
                learner = sio.loads(data, trusted=sorted(found))
                if self._digest(learner) != digest:
                    reason = "does not match its digest"
        except Exception as error:  # noqa: BLE001 - any damage: replay instead
            reason = f"cannot be read ({error})"
        if reason is not None:
            warnings.warn(
                f"Snapshot after event {after_seq} {reason}; replaying the journal "
                "instead of loading it.",
                stacklevel=4,
            )
            return None
        return learner

    @staticmethod
    def _digest(learner):
        """What a restored learner must reproduce: its training set and seeds."""
        ts = learner.training_set_
        return joblib.hash(
            [_content_hash(ts.X_real), _content_hash(ts.y_real),
             _content_hash(ts.X_ce), _content_hash(ts.y_ce),
             _content_hash(ts.source), getattr(learner, "_n_updates", None),
             getattr(learner, "_seed", None)]
        )

    def _snapshot(self):
        """Store the learner after the last event (types and digest noted)."""
        sio = _skops()
        if sio is None or not self._events:
            return
        data = sio.dumps(self._learner)
        # the session produced these types itself: it may load them again
        types = sio.get_untrusted_types(data=data)
        self._journal.add_snapshot(
            self._events[-1].seq, data, types, self._digest(self._learner)
        )
        self._since_snapshot = 0

    # ------------------------------------------------------------- apply
    def _row(self, index):
        """The pool row as the learner takes it (2-D, or a list of one document)."""
        return _safe_indexing(self._pool, [index])

    def _apply(self, event, refit=True):
        """Teach an answer to the learner (a skip changes only the pool)."""
        if event.kind != "answer":
            return
        kwargs = {"corrections": [event.ignore] if event.ignore else None}
        if not refit:
            kwargs["refit"] = False
        if event.focus:
            kwargs["focus"] = [event.focus]
        label = self._label_index[_label_key(event.label)]
        self._learner.teach(self._row(event.index), [label], **kwargs)

    def _push(self, event, before):
        """``event`` is in force; ``before`` is the learner's state before it."""
        self._stack.append(event)
        self._taken[event.index] = True
        if before is None:
            self._undo_states = []  # a gap: older states would undo to the wrong one
        else:
            self._undo_states.append((event.seq, before))
            del self._undo_states[: max(0, len(self._undo_states) - self.undo_depth)]
        self._since_snapshot += 1
        self._invalidate()

    def _invalidate(self):
        """Forget what depends on the state: the query, accuracy, history."""
        self._query = None
        self._history_cache = None
        self._accuracy = None

    # ----------------------------------------------------------- queries
    @property
    def learner(self) -> CaipiClassifier:
        """The session's learner (do not teach it directly: use :meth:`answer`)."""
        return self._learner

    @property
    def labels(self) -> list:
        """The labels a person may give, as a list."""
        return list(self._labels)

    def next_query(self) -> Query | None:
        """The row to ask about now, explained; ``None`` when the pool is done.

        Returns
        -------
        query : Query or None
            The same query (same ``query_id``) until it is answered, skipped
            or undone.
        """
        with self._lock:
            self._check_open()
            if self._query is None:
                self._query = self._make_query()
            return self._query

    def _make_query(self):
        remaining = np.flatnonzero(~self._taken)
        if remaining.size == 0:
            return None
        picked, rows = self._learner.query(_safe_indexing(self._pool, remaining))
        index = int(remaining[int(np.asarray(picked).ravel()[0])])
        rows = self._row(index)
        explanation = self._learner.explain(rows)[0]
        classes = self._learner.classes_
        probabilities = self._learner.predict_proba(rows)[0]
        kind = "document" if self._documents else "table"
        if explanation.shape is not None or self.image_shape is not None:
            kind = "image"
        return Query(
            query_id=f"{len(self._events)}-{index}-{self._meta['nonce']}",
            index=index,
            row=self._user_row(index),
            prediction=explanation.predicted_class,
            proba={json_label(c): float(p) for c, p in zip(classes, probabilities)},
            explanation=explanation,
            kind=kind,
            pool_id=index if self._pool_ids is None else self._pool_ids[index],
            context={
                "labels": self._labels,
                "supports_focus": self._supports_focus,
                "max_features": self.max_features,
                "image_shape": self.image_shape,
                # shared with the session's cache: to_json copies the history
                "progress": self._progress(copy=False),
            },
        )

    def _user_row(self, index):
        if self._documents:
            return self._pool[index]
        if _is_dataframe(self._pool) or sparse.issparse(self._pool):
            return _safe_indexing(self._pool, [index])
        return self._pool[index].copy()

    def _current(self, query_id):
        """The current query, if ``query_id`` names it; else StaleQueryError."""
        query = self.next_query()
        if query is None or query_id != query.query_id:
            current = None if query is None else query.query_id
            raise StaleQueryError(
                f"query_id {query_id!r} is not the current query ({current!r}): it "
                "was answered, skipped or undone already, or comes from an old "
                "page. Nothing was changed; ask next_query() for the current one."
            )
        return query

    # ----------------------------------------------------------- answers
    def answer(
        self,
        query_id: str,
        label: Any,
        *,
        ignore: Sequence[int | str] = (),
        focus: Sequence[int | str] = (),
    ) -> dict:
        """Answer the current query with a label and, optionally, reasons.

        Parameters
        ----------
        query_id : str
            The ``query_id`` of the current :class:`Query`.

        label : object
            One of :attr:`labels` (or its JSON value, e.g. ``1`` for
            ``np.int64(1)``, or its str).

        ignore : sequence of int or str, default=()
            Features the model relies on but should not (the correction
            set): indices or names of the query's features (for documents
            its words, for segmented images its segments).

        focus : sequence of int or str, default=()
            Features that should matter; only for a learner whose ``teach``
            takes ``focus``.

        Returns
        -------
        progress : dict
            :meth:`progress` after the answer.

        Raises
        ------
        StaleQueryError
            If ``query_id`` is not the current query.
        InvalidAnswerError
            For an unknown label or feature, a feature both ignored and
            focused, or a field of the wrong type. Nothing is journaled.
        """
        with self._lock:
            self._check_open()
            query = self._current(query_id)
            label = self._check_label(label)
            ignore = _query_features(query, ignore, "ignore")
            focus = _query_features(query, focus, "focus")
            both = sorted(set(ignore) & set(focus))
            if both:
                raise InvalidAnswerError(
                    f"feature {both[0]} is both in ignore and in focus; give each "
                    "feature to at most one of them. Nothing was changed."
                )
            if focus and not self._supports_focus:
                raise InvalidAnswerError(
                    "this learner does not take focus feedback (its teach has no "
                    f"focus parameter); focus={focus} was refused. Nothing was "
                    "changed."
                )
            return self._record(
                "answer", query, label=json_label(label),
                ignore=_teach_features(query, ignore),
                focus=_teach_features(query, focus),
            )

    def skip(self, query_id: str) -> dict:
        """Skip the current query: the row is not asked again (until undone).

        Parameters
        ----------
        query_id : str
            The ``query_id`` of the current :class:`Query`.

        Returns
        -------
        progress : dict
            :meth:`progress` after the skip.
        """
        with self._lock:
            self._check_open()
            return self._record("skip", self._current(query_id))

    def _record(self, kind, query, **fields):
        """Journal (committed), apply, confirm: the durability order."""
        seq = self._journal.append(
            kind, query_id=query.query_id, index=query.index,
            confirm=self._unconfirmed, **fields,
        )
        self._unconfirmed = []
        event = Event(seq, kind, query.query_id, query.index, fields.get("label"),
                      fields.get("ignore"), fields.get("focus"), "pending")
        before = _fork(self._learner)
        try:
            self._apply(event)
        except BaseException:
            self._journal.mark_failed(seq)  # at once: never replay it
            raise
        event.status = "applied"
        self._events.append(event)
        self._push(event, before)
        event.accuracy = self._test_accuracy()
        self._unconfirmed.append((seq, event.accuracy))  # with the next commit
        if self.snapshot_every is not None and self._since_snapshot >= self.snapshot_every:
            self._snapshot()
        return self._progress()

    def undo(self) -> dict:
        """Undo the last answer or skip in force; the learner is as before it.

        Returns
        -------
        progress : dict
            :meth:`progress` after the undo.

        Raises
        ------
        ValueError
            If there is nothing to undo.
        """
        with self._lock:
            self._check_open()
            if not self._stack:
                raise ValueError("There is nothing to undo: no answer or skip is in force.")
            seq = self._journal.append("undo", confirm=self._unconfirmed)
            self._unconfirmed = []
            self._events.append(Event(seq, "undo", None, None, None, None, None, "pending"))
            undone = self._stack.pop()
            self._taken[undone.index] = False
            if self._undo_states and self._undo_states[-1][0] == undone.seq:
                self._learner = self._undo_states.pop()[1]
                self._invalidate()
            else:  # deeper than the states kept in memory
                self._rebuild(self._stack)
            self._events[-1].status = "applied"
            self._events[-1].accuracy = self._test_accuracy()
            self._unconfirmed.append((seq, self._events[-1].accuracy))
            self._since_snapshot += 1
            return self._progress()

    # ---------------------------------------------------------- checking
    def _check_label(self, label):
        try:
            found = self._label_index.get(_label_key(label))
        except TypeError:
            found = None
        if found is None and isinstance(label, str):
            matches = [v for v in self._labels if str(json_label(v)) == label]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise InvalidAnswerError(
                f"label {label!r} is not one of the labels "
                f"{[json_label(v) for v in self._labels]}. Nothing was changed."
            )
        return found

    # ---------------------------------------------------------- progress
    def progress(self) -> dict:
        """Counts, test accuracy and history of the session.

        Returns
        -------
        progress : dict
            ``answers``, ``corrections`` (answers with ignore or focus),
            ``skipped``, ``remaining`` (rows not answered or skipped),
            ``test_accuracy`` (``None`` without a test set) and ``history``
            (one entry per journaled event: ``seq``, ``kind``, ``index``,
            ``label``, the counts and the test accuracy after it; the
            accuracy is ``None`` without a test set, and for answers a
            crashed process had not confirmed, but the last).
        """
        with self._lock:
            self._check_open()
            return self._progress()

    def _progress(self, copy=True):
        answers = [e for e in self._stack if e.kind == "answer"]
        return {
            "answers": len(answers),
            "corrections": sum(bool(e.ignore or e.focus) for e in answers),
            "skipped": len(self._stack) - len(answers),
            "remaining": int(self._n_pool - self._taken.sum()),
            "test_accuracy": self._test_accuracy(),
            "history": self._history(copy),
        }

    def _test_accuracy(self):
        """Accuracy on the test set now (None without one); cached per state."""
        if self._X_test is None:
            return None
        if self._accuracy is None:  # reset by every change of state
            self._accuracy = float(self._learner.score(self._X_test, self._y_test))
        return self._accuracy

    def _history(self, copy=True):
        if self._history_cache is None:
            history, stack, counts = [], [], {"answer": 0, "skip": 0}
            for event in self._events:
                if event.kind == "undo":
                    if stack:
                        counts[stack.pop().kind] -= 1
                else:
                    stack.append(event)
                    counts[event.kind] += 1
                history.append({
                    "seq": event.seq,
                    "kind": event.kind,
                    "index": event.index,
                    "label": event.label,
                    "answers": counts["answer"],
                    "skipped": counts["skip"],
                    "test_accuracy": event.accuracy,
                })
            self._history_cache = history
        if not copy:
            return self._history_cache
        return [dict(entry) for entry in self._history_cache]

    # ------------------------------------------------------------- close
    def _check_open(self):
        if self._journal is None:
            raise ValueError(f"This session ({self.path}) is closed.")

    def close(self) -> None:
        """Store a final snapshot (unless ``snapshot_every=None``) and close."""
        with self._lock:
            if self._journal is None:
                return
            try:
                self._journal.confirm(self._unconfirmed)
                self._unconfirmed = []
                if self.snapshot_every is not None and self._since_snapshot > 0:
                    self._snapshot()
            finally:
                self._journal.close()
                self._journal = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self._journal is None else f"{len(self._stack)} in force"
        return f"Session({self.path!r}, {state})"
