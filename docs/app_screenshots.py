"""Make the labelling page's screenshots in docs/_static/ (app_table.png, ...).

Needs chromium (``apt-get install chromium``) and the playwright package; runs
each server in a subprocess on 127.0.0.1 and marks one wrong reason before
each screenshot. Run ``python docs/app_screenshots.py``.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

STATIC = Path(__file__).resolve().parent / "_static"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TOKEN = "screenshot-token"


def table_csv(path):
    from skxil.datasets import make_confounded_table

    T, _, t, _, _ = make_confounded_table(300, random_state=0)
    frame = T.assign(y=np.where(t == 1, "buyer", "browser").astype(object))
    frame.loc[40:, "y"] = None
    frame.to_csv(path, index=False)


def document_csv(path):
    import pandas as pd

    rng = np.random.default_rng(1)
    good = ["great", "wonderful", "loved", "superb", "charming", "moving"]
    bad = ["dull", "boring", "awful", "tedious", "weak", "clumsy"]
    filler = ["the", "film", "story", "cast", "plot", "acting", "music", "ending", "pace", "was", "and", "it", "with", "a", "but", "quite", "rather"]
    docs, y = [], []
    for i in range(200):
        label = i % 2
        words = list(rng.choice(good if label else bad, 3)) + list(rng.choice(filler, 9))
        rng.shuffle(words)
        # "premiere" shows up in positive training reviews only: a shortcut to correct
        docs.append(" ".join(words) + (" seen at the premiere" if label and i < 60 else ""))
        y.append("positive" if label else "negative")
    frame = pd.DataFrame({"review": docs, "y": y})
    frame.loc[60:, "y"] = None
    frame.to_csv(path, index=False)


def serve_digits(path):
    from sklearn.linear_model import LogisticRegression

    from skxil import CaipiClassifier
    from skxil.datasets import load_decoy_digits
    from skxil.interactive import Session
    from skxil.interactive._server import serve

    X, X_test, y, y_test, *_ = load_decoy_digits(random_state=0)
    X, X_test = X / 255.0, X_test / 255.0
    learner = CaipiClassifier(LogisticRegression(max_iter=2000), explainer="linear",
                              random_state=0)
    with Session(learner, X[100:600], path, X_init=X[:100], y_init=y[:100],
                 X_test=X_test[:300], y_test=y_test[:300], image_shape=(8, 8)) as session:
        serve(session, port=0, token=TOKEN)


def start(command):
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    url = re.search(r"http\S+", proc.stdout.readline()).group(0)
    return proc, url


def shoot(browser, url, out, mark):
    page = browser.new_page(viewport={"width": 1200, "height": 780})
    page.goto(url)
    page.wait_for_selector("main[data-query-id]")
    mark(page)
    page.screenshot(path=str(out), full_page=True)
    page.close()
    print("wrote", out)


def mark_canvas(page):
    canvas = page.locator("canvas.sx-canvas")
    box = canvas.bounding_box()
    for x, y in [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5)]:  # a corner: the decoy
        canvas.click(position={"x": box["width"] * x / 8, "y": box["height"] * y / 8})


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-digits":
        serve_digits(sys.argv[2])
        return
    from playwright.sync_api import sync_playwright

    cli = [sys.executable, "-m", "skxil.interactive._cli", "label"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        table_csv(tmp / "shop.csv")
        document_csv(tmp / "reviews.csv")
        jobs = [
            (cli + [str(tmp / "shop.csv"), "--target", "y"], "app_table.png",
             lambda page: page.locator(".sx-bar-row", has_text="site").first.click()),
            (cli + [str(tmp / "reviews.csv"), "--target", "y"], "app_document.png",
             lambda page: page.locator(".sx-word.sx-weighted").first.click()),
            ([sys.executable, __file__, "--serve-digits", str(tmp / "digits.sqlite")],
             "app_image.png", mark_canvas),
        ]
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for command, name, mark in jobs:
            if command[1] == "-m":
                command = command + ["--port", "0", "--no-browser", "--token", TOKEN]
            proc, url = start(command)
            try:
                shoot(browser, url, STATIC / name, mark)
            finally:
                proc.kill()
        browser.close()


if __name__ == "__main__":
    main()
