"""The JSON API and its guards, in process (Starlette's test client, a real Session)."""

import re

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
pd = pytest.importorskip("pandas")

from _app_fixtures import journal_counts, table_frame

from skxil.interactive import Session
from skxil.interactive._app import MAX_BODY, dispatch, make_app
from skxil.interactive._defaults import default_learner

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

TOKEN = "s3cret-token"


@pytest.fixture
def session(tmp_path):
    frame = table_frame(60)
    X, y = frame.drop(columns="y"), frame["y"]
    known = y.notna().to_numpy()
    with Session(default_learner(X, random_state=0), X[~known].reset_index(drop=True),
                 tmp_path / "s.sqlite", X_init=X[known], y_init=y[known].astype(int),
                 X_test=X[known][:10], y_test=y[known][:10].astype(int)) as s:
        yield s


@pytest.fixture
def client(session):
    from starlette.testclient import TestClient

    with TestClient(make_app(session, token=TOKEN), headers={"X-Skxil-Token": TOKEN}) as c:
        yield c


@pytest.fixture
def anonymous(session):
    from starlette.testclient import TestClient

    with TestClient(make_app(session, token=TOKEN)) as c:
        yield c


def current(client):
    return client.get("/api/query").json()["query"]


def test_missing_or_wrong_token_is_403(anonymous, session):
    q = dispatch(session, "query")[1]["query"]
    answer = {"query_id": q["query_id"], "label": q["labels"][0]}
    for method, path in [("GET", "/"), ("GET", "/api/query"), ("GET", "/api/progress"),
                         ("GET", "/static/ui.js"), ("POST", "/api/answer"),
                         ("POST", "/api/undo"), ("GET", "/nowhere")]:
        for token in [None, "wrong", "", TOKEN + "x", TOKEN[:-1]]:
            for where in ("header", "query", "cookie"):
                kwargs = {"json": answer} if method == "POST" else {}
                if token is not None and where == "header":
                    kwargs["headers"] = {"X-Skxil-Token": token}
                elif token is not None and where == "query":
                    kwargs["params"] = {"token": token}
                elif token is not None:
                    kwargs["headers"] = {"Cookie": f"skxil_token={token}"}
                response = anonymous.request(method, path, **kwargs)
                assert response.status_code == 403, (method, path, token, where)
                assert "token" in response.json()["error"]
    assert journal_counts(session.path) == {}
    assert anonymous.get("/api/progress", headers={"X-Skxil-Token": TOKEN}).status_code == 200


def test_first_page_load_moves_the_token_into_a_strict_cookie(anonymous):
    response = anonymous.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert f"skxil_token={TOKEN}" in cookie
    assert "HttpOnly" in cookie and re.search("SameSite=strict", cookie, re.IGNORECASE)
    # the client now holds the cookie: the page, its files and the API answer
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/static/page.js").status_code == 200
    assert anonymous.get("/api/query").json()["query"]["kind"] == "table"


def test_security_headers_and_no_inline_script(client):
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/query").headers["x-content-type-options"] == "nosniff"
    # every script of the page is a file: no inline code, no inline handlers
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert not re.search(r"\son\w+=", page.text)
    for name, kind in [("ui.js", "javascript"), ("page.js", "javascript"), ("app.css", "css")]:
        assert kind in client.get(f"/static/{name}").headers["content-type"]
    assert client.get("/static/_app.py").status_code == 404
    assert client.get("/static/..%2f_app.py").status_code == 404


def test_the_page_script_never_writes_markup():
    from skxil.interactive._app import static_text

    for name in ("ui.js", "page.js", "widget.js"):
        code = static_text(name)
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", code), name


def test_answer_returns_the_next_query_and_progress(client, session):
    q = current(client)
    assert q["query_id"] == current(client)["query_id"]  # the same query until answered
    name = q["features"][0]["name"]
    response = client.post("/api/answer", json={
        "query_id": q["query_id"], "label": q["labels"][0], "ignore": [name]})
    assert response.status_code == 200
    body = response.json()
    assert body["progress"]["answers"] == 1 and body["progress"]["corrections"] == 1
    assert "history" not in body["progress"]
    assert body["query"]["query_id"] != q["query_id"]
    assert journal_counts(session.path) == {"answer": 1}
    skipped = client.post("/api/skip", json={"query_id": body["query"]["query_id"]}).json()
    assert skipped["progress"]["skipped"] == 1
    undone = client.post("/api/undo").json()
    assert undone["progress"]["skipped"] == 0
    assert undone["query"]["index"] == body["query"]["index"]  # the skipped row is back
    assert len(client.get("/api/progress").json()["progress"]["history"]) == 3


def test_stale_query_is_409_and_changes_nothing(client, session):
    q = current(client)
    assert client.post("/api/answer", json={"query_id": q["query_id"], "label": q["labels"][1]}).status_code == 200
    again = client.post("/api/answer", json={"query_id": q["query_id"], "label": q["labels"][1]})
    assert again.status_code == 409
    assert "not the current query" in again.json()["error"]
    assert client.post("/api/skip", json={"query_id": q["query_id"]}).status_code == 409
    assert journal_counts(session.path) == {"answer": 1}


BAD_ANSWERS = [
    ({"label": 1}, r"Missing field\(s\) \['query_id'\]"),
    ({"query_id": "QID"}, r"Missing field\(s\) \['label'\]"),
    ({"query_id": 3, "label": 1}, "'query_id' must be a string"),
    ({"query_id": "QID", "label": 1, "why": 1}, r"Unknown field\(s\) \['why'\]"),
    ({"query_id": "QID", "label": 1, "ignore": "age"}, "'ignore' must be a list"),
    ({"query_id": "QID", "label": 1, "ignore": [True]}, "'ignore' holds True"),
    ({"query_id": "QID", "label": 1, "focus": [1.5]}, "'focus' holds 1.5"),
    ({"query_id": "QID", "label": "maybe"}, "label 'maybe' is not one of the labels"),
    ({"query_id": "QID", "label": 1, "ignore": ["no such column"]}, "is not a feature"),
    ({"query_id": "QID", "label": 1, "ignore": [99]}, "is not a feature index"),
    ([1, 2], "must be a JSON object"),
]


def test_bad_answers_are_400_with_the_reason(client, session):
    query_id = current(client)["query_id"]
    for body, message in BAD_ANSWERS:
        if isinstance(body, dict) and body.get("query_id") == "QID":
            body = {**body, "query_id": query_id}
        response = client.post("/api/answer", json=body)
        assert response.status_code == 400, body
        assert re.search(message, response.json()["error"]), (body, response.json())
    assert journal_counts(session.path) == {}
    assert current(client)["query_id"] == query_id


def test_malformed_json_and_wrong_content_type_are_400(client, session):
    bad = client.post("/api/answer", content=b'{"query_id": ', headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]
    form = client.post("/api/answer", content=b"query_id=1&label=1",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400 and "as JSON" in form.json()["error"]
    assert client.post("/api/undo", json={"all": True}).status_code == 400
    nothing = client.post("/api/undo")
    assert nothing.status_code == 400 and "nothing to undo" in nothing.json()["error"]
    assert journal_counts(session.path) == {}


def test_oversized_bodies_are_413(client, session):
    q = current(client)
    big = {"query_id": q["query_id"], "label": q["labels"][0], "ignore": [0] * MAX_BODY}
    assert client.post("/api/answer", json=big).status_code == 413

    def chunks():  # no Content-Length: the limit is counted while reading
        yield b'{"query_id": "' + q["query_id"].encode() + b'", "label": 0, "ignore": ['
        for _ in range(MAX_BODY // 4):
            yield b"0, 0, "
        yield b"0]}"

    response = client.post("/api/answer", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "larger than" in response.json()["error"]
    assert journal_counts(session.path) == {}
    assert current(client)["query_id"] == q["query_id"]


def test_methods_and_unknown_calls(client):
    assert client.get("/api/answer").status_code == 405
    unknown = client.get("/api/teach")
    assert unknown.status_code == 404 and "Unknown API call" in unknown.json()["error"]
    assert client.get("/favicon.ico").status_code == 204


def test_make_app_checks_its_parameters(session):
    with pytest.raises(ValueError, match="max_body"):
        make_app(session, max_body=10)
    with pytest.raises(ValueError, match="token must not be empty"):
        make_app(session, token="")
    assert len(make_app(session).state.token) >= 32  # drawn with secrets.token_urlsafe


def test_dispatch_exhausted_pool_gives_no_query(tmp_path):
    frame = table_frame(24)
    X, y = frame.drop(columns="y"), frame["y"]
    known = y.notna().to_numpy()
    pool = X[~known].reset_index(drop=True)[:2]
    with Session(default_learner(X, random_state=0), pool, tmp_path / "s.sqlite",
                 X_init=X[known], y_init=y[known].astype(int)) as s:
        for _ in range(2):
            status, body = dispatch(s, "query")
            q = body["query"]
            assert dispatch(s, "skip", {"query_id": q["query_id"]})[0] == 200
        status, body = dispatch(s, "query")
        assert status == 200 and body["query"] is None and body["progress"]["remaining"] == 0
