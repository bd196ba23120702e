import sqlite3

import pytest

from skxil.interactive._journal import SCHEMA_VERSION, Journal

META = {"fingerprint": "abc", "random_state": 3, "labels": [0, 1],
        "feature_names": ["a"], "nonce": "ff"}


def _journal(tmp_path):
    journal = Journal(tmp_path / "j.db")
    journal.create(META)
    return journal


def test_create_and_meta(tmp_path):
    journal = Journal(tmp_path / "j.db")
    assert journal.is_new()
    journal.create(META)
    assert not journal.is_new()
    meta = journal.meta()
    assert meta["schema_version"] == SCHEMA_VERSION
    assert {k: meta[k] for k in META} == META
    assert meta["created"] > 0
    journal.close()
    journal.close()  # idempotent


def test_wal_and_full_synchronous(tmp_path):
    journal = _journal(tmp_path)
    assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_events_round_trip_and_status(tmp_path):
    journal = _journal(tmp_path)
    first = journal.append("answer", query_id="0-3-ff", index=3, label="spam",
                           ignore=[1, 2], focus=[])
    second = journal.append("skip", query_id="1-4-ff", index=4,
                            confirm=[(first, 0.5)])
    third = journal.append("answer", query_id="2-5-ff", index=5, label=1,
                           confirm=[(second, None)])
    journal.mark_failed(third)
    undo = journal.append("undo")
    events = journal.events()  # the failed answer is left out
    assert [e.seq for e in events] == [first, second, undo]
    assert [e.kind for e in events] == ["answer", "skip", "undo"]
    assert [e.status for e in events] == ["applied", "applied", "pending"]
    assert (events[0].label, events[0].ignore, events[0].focus) == ("spam", [1, 2], [])
    assert (events[1].label, events[1].ignore, events[2].index) == (None, None, None)
    assert [e.accuracy for e in events] == [0.5, None, None]
    journal.confirm([(undo, 0.75)])
    assert journal.events()[-1].status == "applied"
    assert journal.events()[-1].accuracy == 0.75
    assert journal.count() == 4 and journal.count("failed") == 1
    # committed: another connection sees it all
    with sqlite3.connect(tmp_path / "j.db") as other:
        assert other.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 4


def test_a_failed_insert_rolls_back(tmp_path):
    journal = _journal(tmp_path)
    with pytest.raises(sqlite3.IntegrityError):
        journal.append("delete", index=1)  # not a kind of event
    assert journal.count() == 0
    journal.append("skip", index=2)  # the connection is usable again
    assert journal.count() == 1


def test_snapshots(tmp_path):
    journal = _journal(tmp_path)
    journal.add_snapshot(2, b"two", ["skxil.A", "numpy.B"], "d2")
    journal.add_snapshot(5, b"five", [], "d5")
    journal.add_snapshot(5, b"five again", [], "d5b")
    assert journal.snapshots() == [(5, "d5b"), (2, "d2")]
    assert journal.snapshot(2) == (b"two", ["numpy.B", "skxil.A"])


def test_schema_versions(tmp_path):
    journal = _journal(tmp_path)
    journal._db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="schema version 7, newer than this skxil's"):
        journal.meta()
    journal._db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="old journal schema version 0"):
        journal.meta()
    journal._db.execute("DELETE FROM meta WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="has no schema_version"):
        journal.meta()


def test_not_a_journal(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (x)")
        db.execute("INSERT INTO meta VALUES (1)")
    with pytest.raises(ValueError, match="is not a skxil session journal"):
        Journal(path).meta()


def test_a_file_open_in_one_session_is_refused_to_another(tmp_path):
    from skxil.interactive._journal import Journal

    path = tmp_path / "s.sqlite"
    first = Journal(path)
    with pytest.raises(RuntimeError, match="is open in another session"):
        Journal(path)
    first.close()
    Journal(path).close()  # free again once closed
