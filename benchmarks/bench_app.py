"""Benchmark: the labelling page's answer -> next-query latency and its throughput.

A session on a 10,000-row pool (``make_confounded_classification``, 20
features) with a StandardScaler + LogisticRegression pipeline in a
CaipiClassifier (linear explainer, 3 counterexamples per corrected row) is
served by :func:`skxil.interactive.serve` in a subprocess on 127.0.0.1. One
client answers the current query (every third answer with a correction) and
times the HTTP round trip of ``POST /api/answer``, which journals and commits
the answer to SQLite, teaches the learner, and returns the next query with its
explanation: what a person waits for after a click. Beside it, the same answers
given to a Session in process (``answer`` then ``next_query().to_json()``),
without HTTP: the ratio is the server's overhead. "of which in the server" is
the session's share of each request (its ``Server-Timing`` header). The
target is p50 < 300 ms.

Then the load test: 8 threads each fetch the current query and answer it
until 1,000 answers were sent (or 60 s passed); most are stale (409) since
the 8 race for one query. It prints the answers applied per second, the
requests per second, and checks that the journal holds exactly the
acknowledged answers.

Run ``python benchmarks/bench_app.py`` (``--quick``: fewer answers, under a
minute).
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

SETTINGS = {
    "quick": {"n_answers": 20, "n_posts": 300, "seconds": 15},
    "full": {"n_answers": 150, "n_posts": 1000, "seconds": 60},
}
N_POOL = 10_000
TARGET_P50_MS = 300.0


def make_session(path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skxil import CaipiClassifier
    from skxil.datasets import make_confounded_classification
    from skxil.interactive import Session

    X, X_pool, y, _, _ = make_confounded_classification(
        2 * N_POOL, n_features=20, random_state=0)
    learner = CaipiClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        explainer="linear", random_state=0)
    return Session(learner, X_pool[:N_POOL], path, X_init=X[:50], y_init=y[:50],
                   X_test=X[50:550], y_test=y[50:550])


def serve_forever(path, token):
    from skxil.interactive._server import serve

    with make_session(path) as session:
        serve(session, port=0, token=token)


def answer_of(query, i):
    ignore = [query["features"][0]["index"]] if i % 3 == 0 else []
    return {"query_id": query["query_id"], "label": query["labels"][i % 2], "ignore": ignore}


def http_latencies(base, token, n_answers):
    import httpx

    times, server = [], []
    with httpx.Client(base_url=base, headers={"X-Skxil-Token": token}, timeout=60) as client:
        query = client.get("/api/query").json()["query"]
        for i in range(n_answers):
            start = time.perf_counter()
            response = client.post("/api/answer", json=answer_of(query, i))
            times.append(time.perf_counter() - start)
            response.raise_for_status()
            server.append(float(response.headers["server-timing"].split("dur=")[1]))
            query = response.json()["query"]
    return np.array(times) * 1000, np.array(server)


def in_process_latencies(n_answers):
    with tempfile.TemporaryDirectory() as tmp, make_session(os.path.join(tmp, "s.sqlite")) as s:
        query = s.next_query().to_json()
        times = []
        for i in range(n_answers):
            start = time.perf_counter()
            body = answer_of(query, i)
            s.answer(body["query_id"], body["label"], ignore=body["ignore"])
            query = s.next_query().to_json()
            times.append(time.perf_counter() - start)
    return np.array(times) * 1000


def load_test(base, token, n_posts, seconds, n_threads=8):
    import httpx

    statuses, lock, budget = [], threading.Lock(), [n_posts]
    deadline = time.monotonic() + seconds

    def client_loop(k):
        with httpx.Client(base_url=base, headers={"X-Skxil-Token": token}, timeout=60) as c:
            while time.monotonic() < deadline:
                with lock:
                    if budget[0] == 0:
                        return
                    budget[0] -= 1
                query = c.get("/api/query").json()["query"]
                status = c.post("/api/answer", json=answer_of(query, k)).status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(n_threads)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, time.monotonic() - start


def start_server(path, token):
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", path, "--token", token],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://[\d.]+:\d+)/\?token=", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"the server did not start: {line!r}")
    return proc, match.group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--token", default="bench-token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve, args.token)
        return
    setting = SETTINGS["quick" if args.quick else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.skxil.sqlite")
        proc, base = start_server(path, args.token)
        try:
            http, server = http_latencies(base, args.token, setting["n_answers"])
            statuses, elapsed = load_test(base, args.token, setting["n_posts"], setting["seconds"])
        finally:
            proc.kill()
            proc.wait()
        with sqlite3.connect(path) as db:
            journaled = db.execute(
                "SELECT count(*) FROM events WHERE kind='answer' AND status!='failed'").fetchone()[0]
    local = in_process_latencies(setting["n_answers"])

    print(f"answer -> next query, {N_POOL:,}-row pool, logistic pipeline, "
          f"{setting['n_answers']} answers (ms)")
    print(f"{'':26s}{'p50':>9s}{'p95':>9s}")
    print(f"{'HTTP (page API, ours)':26s}{np.median(http):9.1f}{np.percentile(http, 95):9.1f}")
    print(f"{'  of which in the server':26s}{np.median(server):9.1f}{np.percentile(server, 95):9.1f}")
    print(f"{'Session in process':26s}{np.median(local):9.1f}{np.percentile(local, 95):9.1f}")
    print(f"{'ratio HTTP / in process':26s}{np.median(http) / np.median(local):9.2f}"
          f"{np.percentile(http, 95) / np.percentile(local, 95):9.2f}")
    print(f"{'target':26s}{TARGET_P50_MS:9.1f}{'':>9s}  "
          f"p50 {'meets' if np.median(http) < TARGET_P50_MS else 'misses'} it")
    ok, stale = statuses.count(200), statuses.count(409)
    print(f"\nload: 8 clients, {len(statuses)} answers sent in {elapsed:.1f} s: "
          f"{ok} applied ({ok / elapsed:.1f}/s), {stale} stale (409), "
          f"{2 * len(statuses) / elapsed:.0f} requests/s")
    total = ok + setting["n_answers"]
    print(f"journal: {journaled} answers applied, acknowledged {total}: "
          f"{'equal' if journaled == total else 'DIFFERENT'}")
    other = sorted(set(statuses) - {200, 409})
    if other or journaled != total:
        raise SystemExit(f"unexpected statuses {other} or journal mismatch")


if __name__ == "__main__":
    main()
