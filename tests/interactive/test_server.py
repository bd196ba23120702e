"""serve() in a real process on loopback: the printed address, concurrency, crashes."""

import socket
import sqlite3
import threading
import time

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
pytest.importorskip("pandas")

from _app_fixtures import Server, journal_counts, table_frame

from skxil.interactive._cli import _parser, build_session
from skxil.interactive._server import _bind, page_url


def test_page_url_is_jupyter_like():
    assert page_url("127.0.0.1", 8765, "abc") == "http://127.0.0.1:8765/?token=abc"
    assert page_url("::1", 80, "t") == "http://[::1]:80/?token=t"


def test_the_listening_socket_is_tcp_so_responses_are_not_delayed():
    # asyncio turns Nagle off (TCP_NODELAY) only for sockets whose proto is TCP;
    # with proto 0 each small response waited ~40 ms for a delayed ACK
    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.proto == socket.IPPROTO_TCP
        accepted.close()
        client.close()
    finally:
        sock.close()


def test_a_taken_port_gives_a_clear_error():
    sock = _bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with pytest.raises(OSError, match=f"Cannot listen on 127.0.0.1:{port}.*port=0"):
            _bind("127.0.0.1", port)  # SO_REUSEADDR does not allow two listeners
    finally:
        sock.close()


def _answer_loop(server, deadline, budget, results, lock):
    """Fetch the current query and answer it, until the shared budget of POSTs is spent."""
    with server.client() as client:
        while time.monotonic() < deadline:
            with lock:
                if budget[0] == 0:
                    return
                budget[0] -= 1
            q = client.get("/api/query").json()["query"]
            if q is None:
                return
            label = q["labels"][q["index"] % 2]
            response = client.post("/api/answer", json={
                "query_id": q["query_id"], "label": label,
                "ignore": [q["features"][0]["index"]] if q["index"] % 3 == 0 else []})
            with lock:
                results.append((response.status_code, q["query_id"], q["index"]))


def test_concurrent_answers_are_applied_exactly_once(tmp_path):
    """8 clients send 1,000 answers (bounded to 120 s) to one session; most are stale.

    Every acknowledged answer (200) is in the journal once, and the learner
    reopened from the journal after a SIGKILL was taught exactly those rows.
    """
    csv, journal = tmp_path / "t.csv", tmp_path / "t.skxil.sqlite"
    table_frame(1600).to_csv(csv, index=False)  # 800 labelled rows, a pool of 800
    results, lock, budget = [], threading.Lock(), [1000]
    with Server.label(csv, journal, "--test-size", "0") as server:
        deadline = time.monotonic() + 120
        threads = [threading.Thread(target=_answer_loop, args=(server, deadline, budget, results, lock))
                   for _ in range(8)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        with server.client() as client:
            progress = client.get("/api/progress").json()["progress"]
        server.kill()  # SIGKILL with the session open: nothing is flushed on the way out
    statuses = [status for status, _, _ in results]
    ok = [(qid, index) for status, qid, index in results if status == 200]
    assert set(statuses) <= {200, 409}, sorted(set(statuses))
    assert len(results) == 1000, f"only {len(results)} answers sent in {elapsed:.0f} s"
    assert len(ok) > 10 and statuses.count(409) > 0
    assert len({qid for qid, _ in ok}) == len(ok) and len({i for _, i in ok}) == len(ok)
    assert progress["answers"] == len(ok)
    assert journal_counts(journal) == {"answer": len(ok)}
    with sqlite3.connect(journal) as db:
        journaled = {row[0] for row in db.execute("SELECT query_id FROM events WHERE kind='answer'")}
    assert journaled == {qid for qid, _ in ok}
    args = _parser().parse_args(["label", str(csv), "--target", "y", "--session", str(journal),
                                 "--test-size", "0"])
    session = build_session(args)
    try:
        assert session.progress()["answers"] == len(ok)
        assert session.learner.training_set_.n_real == 800 + len(ok)
    finally:
        session.close()
    print(f"\n{len(results)} POSTs in {elapsed:.1f} s: {len(ok)} answers applied, "
          f"{statuses.count(409)} stale (409)")
