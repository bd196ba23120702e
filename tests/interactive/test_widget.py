"""SessionWidget's Python side: messages in, session calls, replies out (no browser)."""

import re

import numpy as np
import pytest

pytest.importorskip("anywidget")

from skxil import CaipiClassifier
from skxil.interactive import Session
from skxil.interactive._widget import SessionWidget, widget_module


@pytest.fixture
def widget(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    with Session(CaipiClassifier(random_state=0), X[20:], tmp_path / "w.sqlite",
                 X_init=X[:20], y_init=y[:20]) as session:
        yield SessionWidget(session)


def test_messages_become_session_calls(widget):
    sent = []
    widget.send = sent.append
    widget._on_message(widget, {"id": 7, "method": "query", "body": None}, [])
    reply, = sent
    assert reply["id"] == 7 and reply["status"] == 200
    q = reply["body"]["query"]
    assert q["query_id"] == widget.session.next_query().query_id
    reply = widget.handle({"id": 8, "method": "answer",
                           "body": {"query_id": q["query_id"], "label": 1, "ignore": [2]}})
    assert reply["status"] == 200 and reply["body"]["progress"]["corrections"] == 1
    assert widget.session.progress()["answers"] == 1
    stale = widget.handle({"id": 9, "method": "answer",
                           "body": {"query_id": q["query_id"], "label": 1}})
    assert stale["status"] == 409 and "not the current query" in stale["body"]["error"]
    assert widget.handle({"id": 10, "method": "undo", "body": {}})["status"] == 200
    assert widget.session.progress()["answers"] == 0


def test_bad_messages_are_refused_with_a_reason(widget):
    assert widget.handle({"id": 1, "method": "teach"})["status"] == 404
    assert widget.handle("answer")["status"] == 400
    bad = widget.handle({"id": 2, "method": "answer", "body": {"label": 1}})
    assert bad["status"] == 400 and "query_id" in bad["body"]["error"]
    assert widget.session.progress()["answers"] == 0


def test_the_widget_runs_the_pages_code():
    module = widget_module()
    assert "export function mount" in module and "export default" in module
    assert not re.search(r"^import ", module, re.MULTILINE)  # one self-contained module
    assert "app.css" not in module and ".sx-app" in SessionWidget._css.default_value
