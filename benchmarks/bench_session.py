"""Benchmark: latency of a journaled interactive session (skxil.interactive).

A :class:`~skxil.interactive.Session` over a pool of 10 000 rows x 30
standard-normal features, with a ``StandardScaler`` + ``LogisticRegression``
learner (``explainer="linear"``, fitted on 20 labelled rows). A simulated
person answers with the true label and, every third answer, ignores feature 0
(a one-feature correction: 3 counterexamples). Printed:

- answer -> next_query: the time from calling ``answer`` (validation, the
  SQLite commit with ``synchronous=FULL``, the refit, the confirmation) to
  having the next explained query, p50 and p95 over the answers, beside the
  same loop on the bare learner (``teach``, ``query``, ``explain``,
  ``predict_proba`` without a journal) and the ratio. The two loops answer
  in turn, so that both see the same machine load, and must ask the same
  rows;
- the SQLite commit alone (insert + commit of one event);
- the fingerprint of the data at opening (pool, init rows, learner);
- resuming the session after all answers: from the latest skops snapshot
  (every 50 events, and at ``close``) versus replaying the whole journal.

Run ``python benchmarks/bench_session.py`` (1 000 answers) or with
``--quick`` (150 answers). Figures are wall-clock times on the machine it
runs on.
"""

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxil import CaipiClassifier
from skxil.interactive import Session
from skxil.interactive._journal import Journal

N_POOL, N_FEATURES, N_INIT = 10_000, 30, 20


def make_problem(seed=0):
    rng = np.random.RandomState(seed)
    coef = rng.normal(size=N_FEATURES)
    X = rng.normal(size=(N_POOL + N_INIT, N_FEATURES))
    y = (X @ coef > 0).astype(int)
    return X[N_INIT:], y[N_INIT:], X[:N_INIT], y[:N_INIT]


def make_learner():
    return CaipiClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()),
        explainer="linear",
        random_state=0,
    )


def percentiles(times):
    ms = 1e3 * np.asarray(times)
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


class BareLoop:
    """The same answers on the learner alone: the floor the session adds to."""

    def __init__(self, data):
        self.X_pool, self.y_pool, X_init, y_init = data
        self.learner = make_learner().fit(X_init, y_init)
        self.remaining = np.arange(N_POOL)
        self._query()

    def _query(self):
        self.idx, rows = self.learner.query(self.X_pool[self.remaining])
        self.learner.explain(rows)
        self.learner.predict_proba(rows)

    def step(self, t):
        index = self.remaining[self.idx[0]]
        ignore = [[0]] if t % 3 == 2 else None
        self.learner.teach(self.X_pool[[index]], self.y_pool[[index]],
                           corrections=ignore)
        self.remaining = self.remaining[self.remaining != index]
        self._query()
        return index


def paired_loops(path, n_answers, data):
    """Session and bare learner answer in turn, so both see the same load."""
    X_pool, y_pool, X_init, y_init = data
    bare = BareLoop(data)
    session_times, bare_times, in_step = [], [], True
    with Session(make_learner(), X_pool, path, X_init=X_init, y_init=y_init) as s:
        q = s.next_query()
        for t in range(n_answers):
            answered = q.index
            start = time.perf_counter()
            s.answer(q.query_id, y_pool[q.index], ignore=[0] if t % 3 == 2 else [])
            q = s.next_query()
            session_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            # same data, same seeds: both loops ask the same rows
            in_step = in_step and bare.step(t) == answered
            bare_times.append(time.perf_counter() - start)
    return session_times, bare_times, in_step


def time_commit(directory, repeat=200):
    journal = Journal(Path(directory) / "commit.db")
    journal.create({"fingerprint": "", "random_state": 0, "labels": [],
                    "feature_names": [], "nonce": ""})
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        journal.append("answer", query_id=str(i), index=i, label=0, ignore=[0],
                       focus=[])
        times.append(time.perf_counter() - start)
    journal.close()
    return statistics.median(times)


def time_open(path, data):
    X_pool, _, X_init, y_init = data
    start = time.perf_counter()
    s = Session(make_learner(), X_pool, path, X_init=X_init, y_init=y_init)
    seconds = time.perf_counter() - start
    state = (s.learner.training_set_.y.tolist(), s.next_query().index)
    s.close()
    return seconds, state


def time_fingerprint(data, repeat=5):
    X_pool, _, X_init, y_init = data
    probe = Session.__new__(Session)
    probe._set_data(X_pool, X_init, y_init, None, None, None)
    learner = make_learner()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        probe._fingerprint(learner)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 answers")
    args = parser.parse_args()
    n_answers = 150 if args.quick else 1000
    data = make_problem()
    directory = tempfile.mkdtemp()
    try:
        path = Path(directory) / "session.db"
        session_times, bare_times, in_step = paired_loops(path, n_answers, data)
        commit = time_commit(directory)
        fingerprint = time_fingerprint(data)
        # resume: with the snapshots, then a copy without them (full replay)
        replay_path = Path(directory) / "replay.db"
        shutil.copy(path, replay_path)
        with sqlite3.connect(replay_path) as db:
            db.execute("DELETE FROM snapshots")
        db.close()
        snap_s, snap_state = time_open(path, data)
        replay_s, replay_state = time_open(replay_path, data)
        assert snap_state == replay_state, "snapshot and replay disagree"
    finally:
        shutil.rmtree(directory)

    s50, s95 = percentiles(session_times)
    b50, b95 = percentiles(bare_times)
    print(f"pool {N_POOL} x {N_FEATURES}, {n_answers} answers, "
          "StandardScaler + LogisticRegression, explainer='linear'")
    print(f"{'measure':<34} {'session':>10} {'reference':>10} {'ratio':>7}")
    print(f"{'answer->next_query p50 (ms)':<34} {s50:>10.1f} {b50:>10.1f} "
          f"{s50 / b50:>7.2f}   (reference: bare learner)")
    print(f"{'answer->next_query p95 (ms)':<34} {s95:>10.1f} {b95:>10.1f} "
          f"{s95 / b95:>7.2f}")
    print(f"{'p50 vs the 300 ms target':<34} {s50:>10.1f} {300.0:>10.1f} "
          f"{s50 / 300:>7.2f}")
    print(f"{'same rows asked as the bare loop':<34} {'yes' if in_step else 'NO':>10}")
    print(f"{'SQLite append+commit (ms)':<34} {1e3 * commit:>10.2f}")
    print(f"{'fingerprint at open (ms)':<34} {1e3 * fingerprint:>10.1f}")
    print(f"{'resume from snapshot (s)':<34} {snap_s:>10.2f} {replay_s:>10.2f} "
          f"{snap_s / replay_s:>7.2f}   (reference: full replay)")


if __name__ == "__main__":
    main()
