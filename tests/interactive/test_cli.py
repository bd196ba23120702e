"""The `skxil label` console script: reading the CSV, the session it builds."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from _app_fixtures import ROOT, document_frame, table_frame

from skxil.interactive import _cli
from skxil.interactive._cli import _parser, build_session, main, split_table


def args_for(csv, *extra):
    return _parser().parse_args(["label", str(csv), "--target", "y", *extra])


def test_split_table_kinds_and_labels():
    frame = table_frame(20)
    X, labelled, y = split_table(frame, "y")
    assert list(X.columns) == ["age", "site", "income"] and labelled.sum() == 10
    assert y.dtype.kind == "i" and set(y) <= {0, 1}  # CSV ints with gaps read as floats
    docs, labelled, _ = split_table(document_frame(10), "y")
    assert isinstance(docs, list) and isinstance(docs[0], str) and labelled.sum() == 5
    with pytest.raises(SystemExit, match=r"no column 'label' in the CSV; its columns are \['age'"):
        split_table(frame, "label")
    with pytest.raises(SystemExit, match="no column besides the target"):
        split_table(frame[["y"]], "y")


def test_build_session_holds_out_and_resumes(tmp_path):
    csv = tmp_path / "data.csv"
    table_frame(80).to_csv(csv, index=False)
    session = build_session(args_for(csv))
    try:
        assert session.path == str(tmp_path / "data.skxil.sqlite")  # next to the CSV
        assert session.learner.training_set_.n_real == 32  # 40 labelled, 8 held out
        assert session.progress()["test_accuracy"] is not None
        assert session.progress()["remaining"] == 40
        q = session.next_query()
        session.answer(q.query_id, session.labels[0])
    finally:
        session.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the snapshot loads: no replay warning
        again = build_session(args_for(csv))
    try:
        assert again.progress()["answers"] == 1
    finally:
        again.close()
    few = build_session(args_for(csv, "--n-init", "25", "--session", str(tmp_path / "b.sqlite")))
    try:  # 40 < 2 * 25 labelled rows: none held out
        assert few.progress()["test_accuracy"] is None
    finally:
        few.close()


def test_build_session_refuses_too_few_or_too_many_labels(tmp_path):
    csv = tmp_path / "data.csv"
    frame = table_frame(40)
    frame.loc[5:, "y"] = np.nan
    frame.to_csv(csv, index=False)
    with pytest.raises(SystemExit, match="5 rows have a 'y'.*at least --n-init=10"):
        build_session(args_for(csv))
    frame["y"] = 1.0
    frame.loc[30:, "y"] = np.nan
    frame.to_csv(csv, index=False)
    with pytest.raises(SystemExit, match=r"\(1 distinct labels\)"):
        build_session(args_for(csv))
    frame["y"] = np.arange(40) % 2
    frame.to_csv(csv, index=False)
    with pytest.raises(SystemExit, match="every row has a 'y'"):
        build_session(args_for(csv))


def test_documents_and_labels_option(tmp_path):
    csv = tmp_path / "docs.csv"
    document_frame(40).to_csv(csv, index=False)
    session = build_session(args_for(csv, "--labels", "0,1,2", "--test-size", "0"))
    try:
        assert session.next_query().kind == "document"
        assert session.labels == [0, 1, 2]
    finally:
        session.close()


def test_main_serves_the_session_and_closes_it(tmp_path, monkeypatch):
    csv = tmp_path / "data.csv"
    table_frame(40).to_csv(csv, index=False)
    seen = {}

    def fake_serve(session, **kwargs):
        seen.update(kwargs, session=session)
        raise KeyboardInterrupt  # as Ctrl-C would

    monkeypatch.setattr("skxil.interactive._server.serve", fake_serve)
    assert main(["label", str(csv), "--target", "y", "--port", "0", "--no-browser"]) == 0
    assert seen["port"] == 0 and seen["host"] == "127.0.0.1" and seen["open_browser"] is False
    with pytest.raises(ValueError, match="is closed"):
        seen["session"].progress()
    with pytest.raises(SystemExit, match="no file"):
        main(["label", str(tmp_path / "nope.csv"), "--target", "y"])
    assert _cli._DESCRIPTION.startswith("Label the rows")


def test_the_console_script_help():
    out = subprocess.run([sys.executable, "-m", "skxil.interactive._cli", "label", "--help"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "--target" in out and "--n-init" in out and "127.0.0.1" in out
