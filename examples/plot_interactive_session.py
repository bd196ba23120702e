"""
An interactive session, journaled and resumed
=============================================

A person answers the learner's queries in a :class:`~skxil.interactive.Session`:
each answer (a label, and the features to ignore or focus on) is written to an
SQLite journal before the learner takes it, so the session survives a crash and
resumes exactly. The labelling page (``skxil label data.csv --target y``) and the
notebook widget are front-ends over this object. Here a
:class:`~skxil.simulate.SimulatedUser` stands in for the person, the session is
closed half-way ("tomorrow") and reopened from its file.
"""

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_classification
from skxil.interactive import Session
from skxil.simulate import SimulatedUser

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_answers = 20 if QUICK else 60

X, X_pool, y, y_pool, relevant = make_confounded_classification(400, random_state=0)
path = Path(tempfile.mkdtemp()) / "session.sqlite"
person = SimulatedUser(relevant)


def open_session():
    learner = CaipiClassifier(explainer="linear", n_counterexamples=5, random_state=0)
    return Session(learner, X_pool, path, X_init=X[:10], y_init=y[:10],
                   X_test=X[100:], y_test=y[100:])


def answer(session, n):
    for _ in range(n):
        query = session.next_query()
        label, wrong = person.answer(query.row, y_pool[query.index], query.explanation)
        session.answer(query.query_id, label, ignore=[] if wrong is None else wrong)


with open_session() as session:
    print("first query:", session.next_query().explanation)
    answer(session, n_answers // 2)
    before = session.next_query()
    print("stopped with", session.progress()["answers"], "answers")

# %%
# Reopening the file checks that it was made on the same data, restores the
# learner (from a skops snapshot, then the journal) and asks the same next query.
with open_session() as session:
    again = session.next_query()
    print("resumed; same next query:", again.index == before.index)
    answer(session, n_answers - n_answers // 2)
    progress = session.progress()
print(f"{progress['answers']} answers, {progress['corrections']} with corrections, "
      f"test accuracy {progress['test_accuracy']:.3f}")

# %%
# Held-out accuracy after each answer, read back from the journal's history.
accuracy = [event["test_accuracy"] for event in progress["history"]]
plt.figure(figsize=(6, 3), layout="constrained")
plt.plot(range(1, len(accuracy) + 1), accuracy, marker=".")
plt.axvline(n_answers // 2 + 0.5, color="gray", linestyle=":", label="closed, resumed")
plt.xlabel("answers")
plt.ylabel("test accuracy")
plt.legend()
plt.show()
