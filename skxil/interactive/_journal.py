"""The SQLite journal of an interactive session.

Three tables:

- ``meta``: one ``key``/``value`` (JSON) row per fact about the session:
  ``schema_version``, ``created``, ``skxil_version``, ``fingerprint``,
  ``random_state``, ``labels``, ``feature_names`` and ``nonce``;
- ``events``: one row per answer, skip or undo, in order (``seq``), with
  the query it answers, the pool index, the label and the ignored and
  focused features (the feature indices given to the learner's ``teach``)
  as JSON, the time, the test accuracy after it (when there is a test set)
  and a ``status``: ``"pending"`` once committed,
  ``"applied"`` once the learner took it (written with the next event or at
  close), ``"failed"`` when applying it raised (committed at once; a failed
  event is never replayed). Replay applies pending and applied events alike:
  a pending one is an answer the process may have died on;
- ``snapshots``: skops bytes of the learner after event ``after_seq``, the
  types skops does not trust by default that the session found in its own
  dump (JSON list) and a digest of the learner's training set.

The database is in WAL mode with ``synchronous=FULL``: a committed answer
survives a crash of the process *and* of the machine (NORMAL would lose the
last commits on a power cut, and an acknowledged answer must not be lost;
FULL costs one fsync per answer, well below a millisecond to a few ms).
"""

import json
import sqlite3
import time

SCHEMA_VERSION = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('answer', 'skip', 'undo')),
    query_id TEXT,
    pool_index INTEGER,
    label TEXT,
    ignore TEXT,
    focus TEXT,
    time REAL NOT NULL,
    accuracy REAL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'failed'))
);
CREATE TABLE IF NOT EXISTS snapshots (
    after_seq INTEGER PRIMARY KEY,
    model BLOB NOT NULL,
    types TEXT NOT NULL,
    digest TEXT NOT NULL,
    time REAL NOT NULL
);
"""


class Event:
    """One journaled event, as read back from the ``events`` table."""

    __slots__ = ("accuracy", "focus", "ignore", "index", "kind", "label", "query_id",
                 "seq", "status")

    def __init__(self, seq, kind, query_id, index, label, ignore, focus, status,
                 accuracy=None):
        self.seq = seq
        self.kind = kind
        self.query_id = query_id
        self.index = index
        self.label = label
        self.ignore = ignore
        self.focus = focus
        self.status = status
        self.accuracy = accuracy

    def __repr__(self):
        return f"Event(seq={self.seq}, kind={self.kind!r}, index={self.index})"


def _loads(text):
    return None if text is None else json.loads(text)


def _lock_file(path):
    """Hold an exclusive lock on ``path + ".lock"`` while the journal is open.

    Two processes applying answers to one file would each build the learner
    from their own answers; the second to open it is refused instead. The
    operating system releases the lock when the process ends, even by
    SIGKILL, so a crashed session never stays locked. Where ``fcntl`` does
    not exist (Windows) there is no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    handle = open(path + ".lock", "a")  # noqa: SIM115 - held until close()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RuntimeError(
            f"The session file {path} is open in another session (another "
            "process or Session object); close that one first. Several people "
            "or browser tabs answer one session through one server."
        ) from None
    return handle


class Journal:
    """The session's SQLite file; every write is one committed transaction.

    Not thread-safe on its own: :class:`~skxil.interactive.Session` calls it
    under its lock (the connection is opened with ``check_same_thread=False``
    so that any thread holding the lock may use it).

    Parameters
    ----------
    path : str or path-like
        The database file.
    """

    def __init__(self, path):
        self.path = str(path)
        self._lock = _lock_file(self.path)
        # isolation_level=None: we open and commit transactions ourselves.
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")

    # ----------------------------------------------------------------- meta
    def is_new(self):
        """True when the file has no session yet (no ``meta`` rows)."""
        found = self._db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if found is None:
            return True
        return self._db.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 0

    def create(self, meta):
        """Create the tables and write ``meta`` (a dict of JSON-safe values)."""
        meta = {"schema_version": SCHEMA_VERSION, "created": time.time(), **meta}
        with self._transaction():
            for statement in _TABLES.strip().split(";\n"):
                self._db.execute(statement)
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in meta.items()],
            )

    def meta(self):
        """The ``meta`` table as a dict; checks the schema version."""
        try:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.DatabaseError as error:
            raise ValueError(
                f"{self.path} is not a skxil session journal ({error})."
            ) from error
        meta = {key: json.loads(value) for key, value in rows}
        version = meta.get("schema_version")
        if not isinstance(version, int):
            raise ValueError(  # noqa: TRY004 - a bad file, not a bad argument
                f"{self.path} is not a skxil session journal: its meta table has "
                "no schema_version."
            )
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} has journal schema version {version}, newer than "
                f"this skxil's ({SCHEMA_VERSION}, skxil {meta.get('skxil_version')!r}"
                " wrote it): upgrade skxil to open it."
            )
        if version < SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} has the old journal schema version {version}; this "
                f"skxil reads version {SCHEMA_VERSION} only."
            )
        return meta

    # --------------------------------------------------------------- events
    def append(self, kind, *, query_id=None, index=None, label=None, ignore=None,
               focus=None, confirm=()):
        """Journal one event and commit it; return its ``seq``.

        ``confirm`` lists ``(seq, test accuracy)`` of earlier events the
        learner has taken since: they are marked ``"applied"`` in the same
        transaction, so an answer costs one commit (one fsync), not two.
        """
        with self._transaction():
            self._set_applied(confirm)
            cursor = self._db.execute(
                "INSERT INTO events (kind, query_id, pool_index, label, ignore, "
                "focus, time, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                (
                    kind, query_id, index,
                    None if label is None else json.dumps(label),
                    None if ignore is None else json.dumps(list(ignore)),
                    None if focus is None else json.dumps(list(focus)),
                    time.time(),
                ),
            )
        return cursor.lastrowid

    def mark_failed(self, seq):
        """Mark event ``seq`` failed and commit: it is never replayed."""
        with self._transaction():
            self._db.execute("UPDATE events SET status = 'failed' WHERE seq = ?", (seq,))

    def confirm(self, applied):
        """Mark ``(seq, test accuracy)`` events applied and commit."""
        if applied:
            with self._transaction():
                self._set_applied(applied)

    def _set_applied(self, applied):
        self._db.executemany(
            "UPDATE events SET status = 'applied', accuracy = ? WHERE seq = ?",
            [(accuracy, seq) for seq, accuracy in applied],
        )

    def events(self):
        """Every event that was not marked failed, in order."""
        rows = self._db.execute(
            "SELECT seq, kind, query_id, pool_index, label, ignore, focus, status, "
            "accuracy FROM events WHERE status != 'failed' ORDER BY seq"
        ).fetchall()
        return [
            Event(seq, kind, query_id, index, _loads(label), _loads(ignore),
                  _loads(focus), status, accuracy)
            for seq, kind, query_id, index, label, ignore, focus, status, accuracy
            in rows
        ]

    def count(self, status=None):
        """Number of events (with ``status``, or all of them)."""
        if status is None:
            return self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return self._db.execute(
            "SELECT COUNT(*) FROM events WHERE status = ?", (status,)
        ).fetchone()[0]

    # ------------------------------------------------------------ snapshots
    def add_snapshot(self, after_seq, model, types, digest):
        """Store the skops bytes of the learner after event ``after_seq``."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots (after_seq, model, types, digest, "
                "time) VALUES (?, ?, ?, ?, ?)",
                (after_seq, model, json.dumps(sorted(types)), digest, time.time()),
            )

    def snapshots(self):
        """``[(after_seq, digest), ...]``, latest first (without the bytes)."""
        return self._db.execute(
            "SELECT after_seq, digest FROM snapshots ORDER BY after_seq DESC"
        ).fetchall()

    def snapshot(self, after_seq):
        """``(skops bytes, types)`` of the snapshot after event ``after_seq``."""
        model, types = self._db.execute(
            "SELECT model, types FROM snapshots WHERE after_seq = ?", (after_seq,)
        ).fetchone()
        return model, json.loads(types)

    # ---------------------------------------------------------------- other
    def _transaction(self):
        return _Transaction(self._db)

    def close(self):
        """Close the connection (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception."""

    def __init__(self, db):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind, value, traceback):
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
        return False
