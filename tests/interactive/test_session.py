import inspect
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.interactive import InvalidAnswerError, Session, StaleQueryError


def _data():
    X, X_pool, y, y_pool, relevant = make_confounded_classification(
        160, random_state=0
    )
    return X[:12], y[:12], X_pool[:60], y_pool[:60], X[12:], y[12:], relevant


def _learner():
    return CaipiClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        explainer="linear",
        random_state=0,
    )


def _open(path, **kwargs):
    X_init, y_init, X_pool, _, X_test, y_test, _ = _data()
    kwargs.setdefault("X_test", X_test)
    kwargs.setdefault("y_test", y_test)
    return Session(_learner(), X_pool, path, X_init=X_init, y_init=y_init, **kwargs)


def _answer_some(session, n, start=0):
    """Answer n queries like a simulated user: true label, ignore the confounder."""
    _, _, _, y_pool, _, _, relevant = _data()
    wrong = np.flatnonzero(~relevant).tolist()
    for t in range(start, start + n):
        q = session.next_query()
        if t % 4 == 3:
            session.skip(q.query_id)
        else:
            ignore = [j for j in q.explanation.features if j in wrong] if t % 2 else []
            session.answer(q.query_id, y_pool[q.index], ignore=ignore)


def _state(session):
    ts = session.learner.training_set_
    q = session.next_query()
    return (
        ts.X.tolist(),
        ts.y.tolist(),
        ts.source.tolist(),
        session.learner.predict_proba(_data()[2]).tolist(),
        None if q is None else (q.query_id.rsplit("-", 1)[0], q.index, q.explanation),
    )


def test_answer_teaches_and_progress(tmp_path):
    with _open(tmp_path / "s.db") as s:
        q = s.next_query()
        assert s.next_query() is q  # the same query until answered
        assert q.kind == "table" and q.row.shape == (6,)
        assert set(q.proba) == set(s.labels)
        progress = s.answer(q.query_id, int(q.prediction), ignore=["x5"])
        assert s.learner.training_set_.n_real == 13
        assert s.learner.training_set_.n_counterexamples == 3
        assert progress["answers"] == 1 and progress["corrections"] == 1
        assert progress["remaining"] == 59 and progress["skipped"] == 0
        assert 0 <= progress["test_accuracy"] <= 1
        assert progress["history"][-1]["kind"] == "answer"
        assert progress["history"][-1]["test_accuracy"] == progress["test_accuracy"]
        assert s.next_query().query_id != q.query_id


def test_resume_after_close_equals_uninterrupted(tmp_path):
    with _open(tmp_path / "a.db", snapshot_every=None) as s:
        _answer_some(s, 9)
        expected = _state(s), s.progress()
    with _open(tmp_path / "b.db", snapshot_every=None) as s:
        _answer_some(s, 5)
    with _open(tmp_path / "b.db", snapshot_every=None) as s:
        _answer_some(s, 4, start=5)
        resumed = _state(s), s.progress()
    assert resumed == expected  # the history's test accuracies too


def test_snapshot_restores_what_replay_gives(tmp_path):
    with _open(tmp_path / "snap.db", snapshot_every=3) as s:
        _answer_some(s, 8)
        live = _state(s)
    with sqlite3.connect(tmp_path / "snap.db") as db:
        assert db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] >= 2
    with _open(tmp_path / "snap.db", snapshot_every=3) as s:
        from_snapshot = _state(s)
    with sqlite3.connect(tmp_path / "snap.db") as db:
        db.execute("DELETE FROM snapshots")
    with _open(tmp_path / "snap.db", snapshot_every=None) as s:
        replayed = _state(s)
    assert from_snapshot == live == replayed


def test_stale_query_changes_nothing(tmp_path):
    with _open(tmp_path / "s.db") as s:
        q = s.next_query()
        s.answer(q.query_id, int(q.prediction))
        n = s.learner.training_set_.n_real
        with pytest.raises(StaleQueryError, match="is not the current query"):
            s.answer(q.query_id, int(q.prediction))
        with pytest.raises(StaleQueryError, match="not the current query"):
            s.skip("0-1-nonsense")
        assert s.learner.training_set_.n_real == n
        assert s.progress()["answers"] == 1


INVALID_ANSWERS = [
    ({"label": 7}, r"label 7 is not one of the labels \[0, 1\]"),
    ({"label": True}, "label True is not one"),
    ({"label": None}, "label None is not one"),
    ({"ignore": ["height"]}, r"ignore\[0\] = 'height' is not a feature"),
    ({"ignore": [6]}, r"ignore\[0\] = 6 is not a feature index .*0 to 5"),
    ({"ignore": [0, -1]}, r"ignore\[1\] = -1"),
    ({"ignore": [1.5]}, r"ignore\[0\] = 1.5 is neither"),
    ({"ignore": "x1"}, "ignore must be a list"),
    ({"focus": 3}, "focus must be a list"),
    ({"focus": [True]}, r"focus\[0\] = True is neither"),
    ({"ignore": [2], "focus": ["x2"]}, "feature 2 is both in ignore and in focus"),
]


def test_invalid_answers_write_nothing(tmp_path):
    path = tmp_path / "s.db"
    with _open(path) as s:
        q = s.next_query()
        before = _state(s)
        for fields, match in INVALID_ANSWERS:
            answer = {"label": 0, **fields}
            label = answer.pop("label")
            with pytest.raises(InvalidAnswerError, match=match):
                s.answer(q.query_id, label, **answer)
        assert _state(s) == before
        assert s.next_query() is q
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


class _NoFocusLearner(CaipiClassifier):
    """A learner whose teach has no focus parameter."""

    def teach(self, X, y, *, corrections=None, sample_weight=None, refit=True):
        return super().teach(X, y, corrections=corrections,
                             sample_weight=sample_weight, refit=refit)


def test_focus_refused_without_learner_support(tmp_path):
    X_init, y_init, X_pool, *_ = _data()
    learner = _NoFocusLearner(explainer="linear", random_state=0)
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init,
                 y_init=y_init) as s:
        q = s.next_query()
        assert q.to_json()["supports_focus"] is False
        with pytest.raises(InvalidAnswerError, match="does not take focus"):
            s.answer(q.query_id, 0, focus=[1])
        assert s.progress()["answers"] == 0


@pytest.mark.parametrize(
    "tamper, match",
    [("UPDATE snapshots SET types = '[]'", "holds types the session does not trust"),
     ("UPDATE snapshots SET types = '[\"os.system\"]'", "does not trust"),
     ("UPDATE snapshots SET digest = 'x'", "does not match its digest"),
     ("UPDATE snapshots SET model = x'00ff'", "cannot be read")],
)
def test_a_snapshot_that_fails_its_checks_is_replayed(tmp_path, tamper, match):
    path = tmp_path / "s.db"
    with _open(path, snapshot_every=2) as s:
        _answer_some(s, 3)
        expected = _state(s)
    with sqlite3.connect(path) as db:
        db.execute(tamper)
    with pytest.warns(UserWarning, match=match):
        s = _open(path)
    with s:
        assert _state(s) == expected


def test_label_as_json_or_str(tmp_path):
    with _open(tmp_path / "s.db") as s:
        s.answer(s.next_query().query_id, "1")
        s.answer(s.next_query().query_id, np.int64(0))
        assert s.learner.training_set_.y_real[-2:].tolist() == [1, 0]


def test_undo_returns_to_the_state_before(tmp_path):
    with _open(tmp_path / "s.db", undo_depth=1) as s:
        _answer_some(s, 3)
        before = _state(s)
        progress_before = {k: v for k, v in s.progress().items() if k != "history"}
        _answer_some(s, 2, start=3)  # a skip (t=3) then an answer
        s.undo()
        s.undo()  # deeper than undo_depth: rebuilt from the journal
        after_undo = _state(s)
        # the same state and query; only the query id counts the events
        assert after_undo[:4] == before[:4] and after_undo[4][1:] == before[4][1:]
        after = {k: v for k, v in s.progress().items() if k != "history"}
        assert after == progress_before
        assert s.progress()["history"][-1]["kind"] == "undo"
    # the undos are journaled: a resumed session is in the same state
    with _open(tmp_path / "s.db") as s:
        assert _state(s) == after_undo


def test_undo_with_nothing_to_undo(tmp_path):
    with _open(tmp_path / "s.db") as s, pytest.raises(ValueError, match="nothing to undo"):
        s.undo()


def test_skip_is_not_asked_again(tmp_path):
    with _open(tmp_path / "s.db") as s:
        q = s.next_query()
        progress = s.skip(q.query_id)
        assert progress["skipped"] == 1 and progress["remaining"] == 59
        assert s.learner.training_set_.n_real == 12
        assert s.next_query().index != q.index


def test_pool_runs_out(tmp_path):
    X_init, y_init, X_pool, y_pool, *_ = _data()
    with Session(_learner(), X_pool[:2], tmp_path / "s.db",
                 X_init=X_init, y_init=y_init) as s:
        for _ in range(2):
            q = s.next_query()
            s.answer(q.query_id, y_pool[q.index])
        assert s.next_query() is None
        assert s.progress()["remaining"] == 0


def test_fingerprint_mismatch(tmp_path):
    path = tmp_path / "s.db"
    with _open(path) as s:
        _answer_some(s, 1)
    X_init, y_init, X_pool, *_ = _data()
    other = X_pool.copy()
    other[0, 0] += 1
    with pytest.raises(ValueError, match="This session was made on other data"):
        Session(_learner(), other, path, X_init=X_init, y_init=y_init)
    with pytest.raises(ValueError, match="other data or another learner"):
        Session(_learner().set_params(n_counterexamples=1), X_pool, path,
                X_init=X_init, y_init=y_init)


def test_newer_schema_version_is_refused(tmp_path):
    path = tmp_path / "s.db"
    _open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="schema version 99, newer than"):
        _open(path)


def test_failed_teach_is_marked_and_not_replayed(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    with _open(path) as s:
        _answer_some(s, 2)
        before = _state(s)
        q = s.next_query()

        def broken(*args, **kwargs):
            raise RuntimeError("the refit failed")

        monkeypatch.setattr(type(s.learner), "teach", broken)
        with pytest.raises(RuntimeError, match="the refit failed"):
            s.answer(q.query_id, 0)
        monkeypatch.undo()
        assert _state(s) == before
        assert s.next_query().query_id == q.query_id
    with sqlite3.connect(path) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM events ORDER BY seq")]
    assert statuses == ["applied", "applied", "failed"]
    with _open(path) as s:
        assert _state(s) == before


def test_pending_answer_is_applied_on_reopen(tmp_path):
    """The process died after the commit, before the learner took the answer."""
    path = tmp_path / "s.db"
    with _open(path, snapshot_every=None) as s:
        _answer_some(s, 2)
        q = s.next_query()
        s._journal.append("answer", query_id=q.query_id, index=q.index, label=1,
                          ignore=[], focus=[])
    with _open(tmp_path / "ref.db", snapshot_every=None) as ref:
        _answer_some(ref, 2)
        ref.answer(ref.next_query().query_id, 1)
        expected = _state(ref)
    with _open(path) as s:
        assert _state(s) == expected
    with sqlite3.connect(path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM events WHERE status = 'pending'"
        ).fetchone()[0] == 0


_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_session import _answer_some, _open
    s = _open({path!r}, snapshot_every=3)
    _answer_some(s, 7)
    print(s.progress()["answers"], flush=True)

    def die(*args, **kwargs):  # killed after the commit, inside teach
        os.kill(os.getpid(), signal.SIGKILL)

    type(s.learner).teach = die
    _answer_some(s, 1, start=8)
    """
)


def test_resume_after_sigkill(tmp_path):
    path = str(tmp_path / "killed.db")
    code = _CHILD.format(tests=os.path.dirname(__file__), path=path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.split() == ["6"]  # 7 events: 6 answers, 1 skip
    with _open(tmp_path / "ref.db") as ref:
        _answer_some(ref, 7)
        _answer_some(ref, 1, start=8)
        expected = _state(ref)
    with _open(path) as s:
        assert _state(s) == expected
        real = s.learner.training_set_.X_real
        # every acknowledged answer exactly once, and the committed one the
        # process died on
        assert len({row.tobytes() for row in real}) == real.shape[0] == 12 + 6 + 1


def test_threads_exactly_one_answer_wins(tmp_path):
    with _open(tmp_path / "s.db") as s:
        for _ in range(3):
            q = s.next_query()
            outcomes = []
            barrier = threading.Barrier(4)

            def submit(q=q, outcomes=outcomes, barrier=barrier):
                barrier.wait()
                try:
                    s.answer(q.query_id, int(q.prediction))
                    outcomes.append("ok")
                except StaleQueryError:
                    outcomes.append("stale")

            threads = [threading.Thread(target=submit) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(outcomes) == ["ok", "stale", "stale", "stale"]
        assert s.learner.training_set_.n_real == 12 + 3
        assert s.progress()["answers"] == 3


def test_caller_data_and_learner_unchanged(tmp_path):
    X_init, y_init, X_pool, _, X_test, y_test, _ = _data()
    copies = [a.copy() for a in (X_init, y_init, X_pool, X_test, y_test)]
    learner = _learner()
    with Session(learner, X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init,
                 X_test=X_test, y_test=y_test) as s:
        _answer_some(s, 4)
        q = s.next_query()
        q.row[:] = 0  # a change to a query's row does not reach the session
        assert s._pool[q.index].any()
    assert not hasattr(learner, "estimator_")
    for a, b in zip(copies, (X_init, y_init, X_pool, X_test, y_test)):
        np.testing.assert_array_equal(a, b)


def test_needs_a_fitted_learner_or_init(tmp_path):
    _, _, X_pool, *_ = _data()
    with pytest.raises(Exception, match="needs a fitted learner or X_init"):
        Session(_learner(), X_pool, tmp_path / "s.db")
    assert not os.path.exists(tmp_path / "s.db")
    with pytest.raises(ValueError, match="both X_init and y_init"):
        Session(_learner(), X_pool, tmp_path / "s.db", X_init=X_pool)


def test_fitted_learner_without_random_state(tmp_path):
    X_init, y_init, X_pool, *_ = _data()
    fitted = CaipiClassifier(explainer="linear").fit(X_init, y_init)
    with Session(fitted, X_pool, tmp_path / "s.db") as s:
        _answer_some(s, 3)
        expected = _state(s)
    with Session(fitted, X_pool, tmp_path / "s.db") as s:
        assert _state(s) == expected


def test_closed_session(tmp_path):
    s = _open(tmp_path / "s.db")
    s.close()
    s.close()
    with pytest.raises(ValueError, match="is closed"):
        s.next_query()


class _FocusLearner(CaipiClassifier):
    """A learner whose teach takes focus: records it, teaches the rest."""

    def teach(self, X, y, *, corrections=None, focus=None, **kwargs):
        if "focus" in inspect.signature(CaipiClassifier.teach).parameters:
            kwargs["focus"] = focus
        super().teach(X, y, corrections=corrections, **kwargs)
        self.focus_log_ = [*getattr(self, "focus_log_", []), focus]
        return self


def test_focus_is_passed_to_a_learner_that_takes_it(tmp_path):
    X_init, y_init, X_pool, *_ = _data()
    learner = _FocusLearner(explainer="linear", random_state=0)
    path = tmp_path / "s.db"
    with Session(learner, X_pool, path, X_init=X_init, y_init=y_init) as s:
        q = s.next_query()
        assert q.to_json()["supports_focus"] is True
        s.answer(q.query_id, 1, ignore=["x5"], focus=[0, "x1"])
        s.answer(s.next_query().query_id, 0)
        assert s.learner.focus_log_ == [[[0, 1]], None]
        assert s.learner.training_set_.n_counterexamples == 3
    with Session(learner, X_pool, path, X_init=X_init, y_init=y_init,
                 trusted_modules=[__name__]) as s:  # loads the snapshot
        assert s.learner.focus_log_ == [[[0, 1]], None]
    with pytest.warns(UserWarning, match="does not trust"):  # replayed instead
        s = Session(learner, X_pool, path, X_init=X_init, y_init=y_init)
    with s:
        assert s.learner.focus_log_[-2:] == [[[0, 1]], None]


def test_a_journaled_answer_that_cannot_be_applied_is_marked_failed(tmp_path):
    path = tmp_path / "s.db"
    with _open(path, snapshot_every=None) as s:
        _answer_some(s, 3)
        q = s.next_query()
        s._journal.append("answer", query_id=q.query_id, index=q.index, label=7)
        s._journal.append("answer", query_id="x", index=q.index + 1, label=1)
    with pytest.warns(UserWarning, match="cannot be applied"):
        s = _open(path)
    with s:
        assert s.learner.training_set_.n_real == 12 + 3 + 1
        assert s.learner.training_set_.y_real[-1] == 1
        assert s.progress()["answers"] == 4
    with sqlite3.connect(path) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM events ORDER BY seq")]
    assert statuses == ["applied"] * 3 + ["failed", "applied"]


def test_undo_after_resume(tmp_path):
    path = tmp_path / "s.db"
    with _open(path, snapshot_every=2) as s:
        _answer_some(s, 4)
        before_last = _state(s)
        _answer_some(s, 1, start=4)
    with _open(path, snapshot_every=2) as s:
        s.undo()  # no state in memory: rebuilt from a snapshot that still holds
        after = _state(s)
        assert after[:4] == before_last[:4] and after[4][1:] == before_last[4][1:]


def test_labels_beyond_the_initial_classes(tmp_path):
    X_init, y_init, X_pool, *_ = _data()
    with Session(_learner(), X_pool, tmp_path / "s.db", X_init=X_init, y_init=y_init,
                 labels=[0, 1, 2]) as s:
        assert s.labels == [0, 1, 2]
        q = s.next_query()
        assert q.to_json()["labels"] == [0, 1, 2]
        s.answer(q.query_id, 2)
        assert s.learner.classes_.tolist() == [0, 1, 2]
        assert set(s.next_query().proba) == {0, 1, 2}


def test_content_hash_reads_values_not_memory_layout():
    from skxil.interactive._session import _content_hash

    empty = np.zeros(4, dtype=np.int64)[:0]  # strides (8,), as a slice leaves them
    assert _content_hash(empty) == _content_hash(np.array([], dtype=np.int64))
    X = np.arange(12.0).reshape(3, 4)
    assert _content_hash(X) == _content_hash(np.asfortranarray(X))
    assert _content_hash(X) != _content_hash(X.T.copy().T + 1)
    labels = np.array(["a", "b"], dtype=object)
    assert _content_hash(labels) == _content_hash(np.array(["a", "b"], dtype=object))
    assert _content_hash(labels) != _content_hash(np.array(["a", "c"], dtype=object))
