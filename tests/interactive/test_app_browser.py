"""The page in a real browser (Debian's chromium driven by Playwright), against real servers."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")

from _app_fixtures import Server, document_frame, journal_counts, table_frame

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("needs chromium (apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IMAGES = str(Path(__file__).with_name("_app_images.py"))


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    yield page
    context.close()


def shown_query(page):
    page.wait_for_selector("main[data-query-id]")
    return page.get_attribute("main", "data-query-id")


def wait_for_new_query(page, old):
    page.wait_for_function(
        "old => document.querySelector('main').dataset.queryId !== old", arg=old)
    return shown_query(page)


def events(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT kind, query_id, ignore FROM events WHERE status!='failed' ORDER BY seq"
        ).fetchall()


def test_label_a_table_reload_and_resume_after_sigkill(page, tmp_path):
    csv, journal = tmp_path / "t.csv", tmp_path / "t.skxil.sqlite"
    table_frame(80).to_csv(csv, index=False)
    server = Server.label(csv, journal)
    try:
        page.goto(server.url)
        assert page.url.endswith("/") and "token" not in page.url  # moved to the cookie
        cookie = {c["name"]: c for c in page.context.cookies()}[
            "skxil_token_" + server.base.rsplit(":", 1)[1]]  # one per port
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # scripts cannot read it
        first = shown_query(page)
        with server.client() as api:
            q = api.get("/api/query").json()["query"]
        assert q["query_id"] == first
        # the explanation's bars are the explained features, largest weight first
        names = page.locator(".sx-bar-row .sx-bar-name").all_text_contents()
        explained = sorted((f for f in q["features"] if f["in_explanation"]),
                           key=lambda f: -abs(f["weight"]))
        assert names == [f["name"] for f in explained]
        assert page.locator(".sx-predicted-label").text_content() == str(q["prediction"])
        # click the first bar: a wrong reason; the table row of that feature is marked too
        page.locator(".sx-bar-row").first.click()
        feature = explained[0]["index"]
        assert page.locator(f"[data-feature='{feature}'][data-mark='ignore']").count() == 2
        assert "1 wrong reason" in page.locator(".sx-summary").text_content()
        page.keyboard.press("1")  # the first label
        second = wait_for_new_query(page, first)
        assert events(journal) == [("answer", first, json.dumps([feature]))]
        assert page.locator(".sx-stat[data-key='answers'] .sx-stat-value").text_content() == "1"
        page.reload()
        assert shown_query(page) == second  # a reload shows the same pending query
        page.keyboard.press("Enter")  # the predicted label
        third = wait_for_new_query(page, second)
        assert [e[1] for e in events(journal)] == [first, second]
    finally:
        server.kill()  # SIGKILL mid-session
    server = Server.label(csv, journal)
    try:
        with server.client() as api:
            progress = api.get("/api/progress").json()["progress"]
            assert progress["answers"] == 2 and progress["corrections"] == 1
            assert api.get("/api/query").json()["query"]["query_id"] == third
        page.goto(server.url)
        assert shown_query(page) == third
        assert journal_counts(journal) == {"answer": 2}
    finally:
        server.kill()
    assert page.errors == []


def test_a_stale_answer_reloads_the_current_query(page, tmp_path):
    csv, journal = tmp_path / "t.csv", tmp_path / "t.skxil.sqlite"
    table_frame(40).to_csv(csv, index=False)
    with Server.label(csv, journal, "--test-size", "0") as server:
        page.goto(server.url)
        first = shown_query(page)
        with server.client() as api:  # another tab answers first
            q = api.get("/api/query").json()["query"]
            api.post("/api/answer", json={"query_id": q["query_id"], "label": q["labels"][0]})
            current_query = api.get("/api/query").json()["query"]
        current = current_query["query_id"]
        page.locator(".sx-label").nth(1).click()
        assert wait_for_new_query(page, first) == current
        assert page.get_attribute(".sx-message", "data-kind") == "warn"
        assert "not the current query" in page.locator(".sx-message").text_content()
        page.keyboard.press("s")  # skip works on the reloaded query
        after_skip = wait_for_new_query(page, current)
        page.keyboard.press("u")  # and undo brings the skipped row back
        wait_for_new_query(page, after_skip)
        with server.client() as api:
            back = api.get("/api/query").json()["query"]
        assert back["index"] == current_query["index"] and shown_query(page) == back["query_id"]
        assert journal_counts(journal) == {"answer": 1, "skip": 1, "undo": 1}


HOSTILE = '"><img src=x onerror="window.__pwned=1">'


@pytest.mark.parametrize("kind", ["table", "document"])
def test_hostile_names_and_documents_are_shown_as_text(page, tmp_path, kind):
    csv, journal = tmp_path / "h.csv", tmp_path / "h.skxil.sqlite"
    frame = (table_frame if kind == "table" else document_frame)(40, hostile=True)
    frame.to_csv(csv, index=False)
    with Server.label(csv, journal, "--test-size", "0") as server:
        page.goto(server.url)
        shown_query(page)
        text = page.locator("#skxil").text_content()
        if kind == "table":
            assert "<script>window.__pwned=1</script>" in text  # the column name
        else:
            assert page.locator(".sx-document").text_content().startswith(HOSTILE)
        assert HOSTILE in text
        assert page.locator("#skxil img, #skxil script").count() == 0
        page.locator("[data-feature]").first.click()
        page.keyboard.press("1")
        page.wait_for_function("document.querySelector('.sx-message').dataset.kind === 'ok'")
        assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.errors == []


def test_documents_words_are_clickable(page, tmp_path):
    csv, journal = tmp_path / "d.csv", tmp_path / "d.skxil.sqlite"
    document_frame(40).to_csv(csv, index=False)
    with Server.label(csv, journal, "--test-size", "0") as server:
        page.goto(server.url)
        first = shown_query(page)
        with server.client() as api:
            q = api.get("/api/query").json()["query"]
        assert q["kind"] == "document"
        words = page.locator(".sx-document .sx-word")
        assert "".join(t["text"] for t in q["tokens"]) == page.locator(".sx-document").text_content()
        target = words.nth(0)
        feature = int(target.get_attribute("data-feature"))
        target.click()  # a wrong reason
        assert target.get_attribute("data-mark") == "ignore"
        other = words.nth(1)
        other.click(modifiers=["Shift"])  # CaipiClassifier takes focus: a right reason
        assert other.get_attribute("data-mark") == "focus"
        focused = int(other.get_attribute("data-feature"))
        page.keyboard.press("2")
        wait_for_new_query(page, first)
        assert events(journal) == [("answer", first, json.dumps([feature]))]
        with sqlite3.connect(journal) as db:
            (focus,) = db.execute("SELECT focus FROM events").fetchone()
        assert json.loads(focus) == [focused]


@pytest.mark.parametrize("patches", [False, True])
def test_image_pixels_are_clickable(page, tmp_path, patches):
    journal = tmp_path / "i.skxil.sqlite"
    with Server([IMAGES, str(journal)] + (["--patches"] if patches else [])) as server:
        page.goto(server.url)
        first = shown_query(page)
        canvas = page.locator("canvas.sx-canvas")
        box = canvas.bounding_box()
        # pixel (row 2, column 5) of the 8x8 image is feature 2 * 8 + 5,
        # or the 2 x 2 patch of rows 2-3 and columns 4-5
        canvas.click(position={"x": box["width"] * 5.5 / 8, "y": box["height"] * 2.5 / 8})
        assert "1 wrong reason" in page.locator(".sx-summary").text_content()
        page.locator(".sx-label").first.click()
        wait_for_new_query(page, first)
        pixels = [20, 21, 28, 29] if patches else [21]
        assert events(journal) == [("answer", first, json.dumps(pixels))]
    assert page.errors == []


def test_right_reasons_where_the_learner_takes_them(page, tmp_path):
    journal = tmp_path / "f.skxil.sqlite"
    with Server([IMAGES, str(journal), "--focus"]) as server:
        page.goto(server.url)
        first = shown_query(page)
        bars = page.locator(".sx-bar-row")
        features = [int(bars.nth(i).get_attribute("data-feature")) for i in range(3)]
        bars.nth(0).click(modifiers=["Shift"])  # shift-click: a right reason
        bars.nth(1).click()  # click: a wrong reason
        page.keyboard.press("f")  # clicks now mark right reasons
        assert page.get_attribute(".sx-mode[data-mode='focus']", "aria-checked") == "true"
        assert page.locator(".sx-key-item", has_text="shift-click").is_visible()
        bars.nth(2).click()
        assert [bars.nth(i).get_attribute("data-mark") for i in range(3)] == ["focus", "ignore", "focus"]
        assert "1 wrong reason, 2 right reasons" in page.locator(".sx-summary").text_content()
        page.keyboard.press("Enter")
        wait_for_new_query(page, first)
    with sqlite3.connect(journal) as db:
        ignore, focus = db.execute("SELECT ignore, focus FROM events").fetchone()
    assert json.loads(ignore) == [features[1]]
    assert json.loads(focus) == sorted([features[0], features[2]])
    assert page.errors == []


def test_the_widget_front_end_drives_the_session(page, tmp_path):
    """widget.js in the browser with a stand-in for anywidget's model, bridged to Python."""
    anywidget = pytest.importorskip("anywidget")  # noqa: F841
    from _app_images import digits_session

    from skxil.interactive._widget import SessionWidget

    with digits_session(tmp_path / "w.sqlite") as session:
        widget = SessionWidget(session)
        page.expose_function("pythonHandle", widget.handle)
        page.set_content("<style>" + widget._css + "</style><div id='out'></div>")
        page.evaluate("""async (code) => {
            const url = URL.createObjectURL(new Blob([code], {type: "text/javascript"}));
            const module = await import(url);
            const listeners = [];
            const model = {
                send: (msg) => window.pythonHandle(msg).then((r) => listeners.forEach((f) => f(r))),
                on: (name, f) => { if (name === "msg:custom") listeners.push(f); },
            };
            module.default.render({model, el: document.getElementById("out")});
        }""", widget._esm)
        first = shown_query(page)
        assert first == session.next_query().query_id
        page.locator(".sx-bar-row").first.click()
        page.locator("#out > div").focus()
        page.keyboard.press("2")
        wait_for_new_query(page, first)
        progress = session.progress()
        assert progress["answers"] == 1 and progress["corrections"] == 1
    assert page.errors == []
