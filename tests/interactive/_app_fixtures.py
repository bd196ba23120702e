"""Shared by the tests of the labelling page: sessions, CSV files, a server process.

Not a test module (no ``test_`` prefix); the test modules of this folder import it.
"""

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def table_frame(n=120, seed=0, hostile=False):
    """A mixed table with a target column; the last ``n // 2`` targets are empty."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n).round(1)
    site = rng.choice(["north", "south", "east"], n)
    y = (age + rng.normal(0, 5, n) > 40).astype(float)
    frame = pd.DataFrame({"age": age, "site": site, "income": rng.normal(3, 1, n).round(2)})
    if hostile:
        frame["<script>window.__pwned=1</script>"] = rng.normal(size=n).round(2)
        frame["site"] = ['"><img src=x onerror="window.__pwned=1">'] * n
    frame["y"] = y
    frame.loc[n // 2:, "y"] = np.nan
    return frame


def document_frame(n=60, seed=0, hostile=False):
    """Reviews with a sentiment target; the second half unlabelled."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    good = ["great", "fine", "loved", "wonderful", "fun", "superb"]
    bad = ["awful", "dull", "boring", "poor", "bad", "weak"]
    filler = ["the", "film", "plot", "cast", "story", "was", "a", "and", "it", "with"]
    docs, y = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(good if label else bad, 3)) + list(rng.choice(filler, 6))
        rng.shuffle(words)
        docs.append(" ".join(words))
        y.append(label)
    if hostile:
        docs[n // 2:] = [('"><img src=x onerror="window.__pwned=1"> '
                          "<script>window.__pwned=1</script> a plain review with enough words")
                         ] * (n - n // 2)
    frame = pd.DataFrame({"review": docs, "y": np.array(y, dtype=float)})
    frame.loc[n // 2:, "y"] = np.nan
    return frame


def journal_counts(path):
    """``{kind: number of applied events}`` read straight from the SQLite journal."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT kind, count(*) FROM events WHERE status != 'failed' GROUP BY kind"
        ).fetchall()
    return dict(rows)


class Server:
    """``python -m skxil.interactive._cli label ...`` (or another command) in a subprocess."""

    def __init__(self, args, token="test-token"):
        self.token = token
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [PYTHON, *args, "--token", token], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        line = self.proc.stdout.readline()
        match = re.search(r"http://[\d.]+:(\d+)/\?token=(\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"The server did not start: {line!r} {self.proc.stderr.read()}")
        self.url = match.group(0)
        self.base = self.url.split("/?")[0]

    @classmethod
    def label(cls, csv, session, *extra):
        return cls(["-m", "skxil.interactive._cli", "label", str(csv), "--target", "y",
                    "--session", str(session), "--port", "0", "--no-browser", *extra])

    def client(self, **kwargs):
        import httpx

        return httpx.Client(base_url=self.base, headers={"X-Skxil-Token": self.token},
                            timeout=30, **kwargs)

    def kill(self):
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
